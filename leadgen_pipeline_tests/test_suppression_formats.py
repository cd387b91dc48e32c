"""Suppression exports from the tools teams use, recognised by their real headers; a file
that cannot be understood stops the build; bounces suppress the address, soft ones nothing;
and every safety comparison goes through the one email key."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadgen_pipeline.kernel.keys import email_match_key
from leadgen_pipeline.layers.compliance.suppressions import read_suppression_inbox
from leadgen_pipeline.layers.verify.verification import plan_verification
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import PROJECT, bound_defs, run_all
from leadgen_pipeline_tests.suppression_headers import SUPPRESSION_EXPORTS

# What each real export asks for, by what the tool's own documentation says it is:
# (kind, key type) pairs, and how many rows are kept as soft bounces.
OPT_OUT = ("opt_out", "email_key")
EXPECTED: dict[str, tuple[set[tuple[str, str]], int]] = {
    "hubspot_contacts_all_properties": (
        {("opt_out", "email_key"), ("hard_bounce", "email_key")},
        0,
    ),
    "hubspot_unsubscribes_and_bounces": (
        {("opt_out", "email_key"), ("hard_bounce", "email_key")},
        0,
    ),
    "mailchimp_unsubscribed": ({("opt_out", "email_key")}, 0),
    "mailchimp_cleaned": ({("hard_bounce", "email_key")}, 0),
    "mailchimp_2013_export": ({("opt_out", "email_key")}, 0),
    "sendgrid_bounces": ({("hard_bounce", "email_key")}, 1),  # 5.1.1 hard, 4.2.2 soft
    "sendgrid_blocks": (set(), 1),
    "sendgrid_spam_reports": ({("spam_complaint", "email_key")}, 0),
    "sendgrid_invalid_emails": (set(), 0),  # `not-an-address@`: listed, never sendable
    "sendgrid_group_unsubscribes": ({("opt_out", "email_key")}, 0),
    "sendgrid_global_unsubscribes": ({("opt_out", "email_key")}, 0),
    "instantly_block_list": ({("opt_out", "email_key"), ("do_not_contact", "domain")}, 0),
    "smartlead_block_list_upload": ({("opt_out", "email_key"), ("do_not_contact", "domain")}, 0),
    "lemlist_unsubscribes_legacy": ({("opt_out", "email_key"), ("do_not_contact", "domain")}, 0),
    "lemlist_unsubscribed_variables": (
        {("opt_out", "email_key"), ("opt_out", "linkedin_slug"), ("do_not_contact", "domain")},
        0,
    ),
    "salesforce_leads_report": ({("opt_out", "email_key")}, 0),
    "salesforce_contacts_report": ({("opt_out", "email_key")}, 0),
    "salesforce_contacts_api": ({("opt_out", "email_key"), ("hard_bounce", "email_key")}, 0),
    "gdpr_erasure_requests": ({("erasure", "email_key"), ("erasure", "linkedin_slug")}, 0),
    "project_erasure_requests": ({("erasure", "email_key"), ("erasure", "linkedin_slug")}, 0),
}
# exports that carry no address, domain or LinkedIn URL: they cannot suppress anyone
NOT_UNDERSTOOD = {"lemlist_unsubscribed_contacts"}


def read_export(tmp_path: Path, name: str, header: list[str], rows: list[dict]):
    vh.write_export(tmp_path / "suppression" / f"{name}-2026-11-19.csv", header, rows)
    return read_suppression_inbox(duckdb.connect(), tmp_path)


@pytest.mark.parametrize("name", sorted(SUPPRESSION_EXPORTS))
def test_each_real_export_is_understood_or_refused_by_name(tmp_path: Path, name: str) -> None:
    header, rows = SUPPRESSION_EXPORTS[name]
    read = read_export(tmp_path, name, header, rows)
    if name in NOT_UNDERSTOOD:
        assert len(read.problems) == 1 and name in read.problems[0]
        return
    kinds, soft = EXPECTED[name]
    assert read.problems == []
    assert set(zip(read.rows["kind"], read.rows["key_type"], strict=True)) == kinds
    assert read.soft_bounces.height == soft
    # every data row is used or listed with a reason
    used = set(read.rows["source_row"]) | set(read.soft_bounces["source_row"])
    assert used | set(read.rejects["source_row"]) == set(range(1, len(rows) + 1))
    erased = read.rows.filter(pl.col("kind") == "erasure")
    assert erased["hashed"].all() and erased["key_value"].str.contains(r"^[0-9a-f]{64}$").all()


def test_hard_bounces_suppress_the_address_and_soft_ones_nothing(tmp_path: Path) -> None:
    read = read_export(
        tmp_path,
        "bounces",
        ["email", "bounced_at", "bounce_type", "provider"],
        [
            {"email": "Ann@Example.com", "bounced_at": "2026-11-02", "bounce_type": "hard"},
            {"email": "ben@example.org", "bounced_at": "2026-11-02", "bounce_type": "soft"},
            {"email": "cy@example.net", "bounced_at": "2026-11-02", "bounce_type": "Transient"},
        ],
    )
    assert read.rows.select("kind", "key_value").rows() == [("hard_bounce", "ann@example.com")]
    assert sorted(read.soft_bounces["email_key"]) == ["ben@example.org", "cy@example.net"]


# files in `suppression/` that cannot be used as they are: (file name, header, one row or none)
UNUSABLE = {
    "unknown-header": (
        "unsubscribes-2026-11-19.csv", ["Contact", "Unsubscribed"], {"Contact": "Ann"}
    ),
    "header-only-erasure-file": (
        "erasure_requests-2026-11-19.csv", ["email", "linkedin_url", "requested_at"], None
    ),
    "opt-out-without-address": (
        "opt_outs-2026-11-19.csv", ["email", "opted_out_at"], {"email": "N/A"}
    ),
    "not-csv": ("opt_outs-2026-11-19.xlsx", ["email"], None),
}  # fmt: skip


def write_unusable(suppression: Path, case: str) -> str:
    file_name, header, row = UNUSABLE[case]
    vh.write_export(suppression / file_name, header, [row] if row else [])
    return f"suppression/{file_name}"


@pytest.mark.parametrize("case", sorted(UNUSABLE))
def test_a_suppression_file_that_cannot_be_used_is_a_problem_naming_it(
    tmp_path: Path, case: str
) -> None:
    shutil.copytree(PROJECT / "data/sample/suppression", tmp_path / "suppression")
    named = write_unusable(tmp_path / "suppression", case)
    problems = read_suppression_inbox(duckdb.connect(), tmp_path).problems
    assert len(problems) == 1 and problems[0].startswith(f"{named}: ")


def test_unusable_suppression_files_stop_the_build_naming_each(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"  # one contact, the demo's suppression files and the bad ones
    vh.write_export(inbox / "cognism/cognism-export-2026-11-20.csv", vh.COGNISM_PLATFORM,
                    [{"First Name": "Bo", "Email": "bo@fjord.example"}])  # fmt: skip
    shutil.copytree(PROJECT / "data/sample/suppression", inbox / "suppression")
    named = [write_unusable(inbox / "suppression", case) for case in sorted(UNUSABLE)]
    result = run_all(bound_defs(tmp_path, inbox), raise_on_error=False)
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.step_key == "compliance__suppressions"
    message = str(failure.event_specific_data.error)
    assert [name for name in named if name not in message] == []
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "compliance/suppressions" not in built and "core/contact_links" not in built


# --- one email key in every comparison --------------------------------------------------

local = st.from_regex(r"[a-z]{1,6}(\.[a-z]{1,6}){0,2}", fullmatch=True)
domain = st.sampled_from(["gmail.com", "googlemail.com", "acme.io", "example.org"])
tag = st.one_of(st.just(""), st.from_regex(r"\+[a-z0-9]{1,5}", fullmatch=True))


def variants(local_part: str, domain_name: str, tags: list[str]) -> list[str]:
    """Addresses that reach one inbox: case, +tags, Gmail dots and googlemail, spacing."""
    gmail = domain_name in ("gmail.com", "googlemail.com")
    undotted = local_part.replace(".", "")
    out = [f"{local_part}{t}@{domain_name}" for t in tags]
    out.append(f" {local_part.upper()}@{domain_name.upper()}\u00a0")
    if gmail:
        out += [f"{undotted}@gmail.com", f"{'.'.join(undotted)}@googlemail.com"]
    return out


@settings(max_examples=40, deadline=None)
@given(local, domain, st.lists(tag, min_size=1, max_size=3), st.data())
def test_no_variant_of_a_suppressed_address_is_ever_sent_to_a_paid_verifier(
    local_part: str, domain_name: str, tags: list[str], data: st.DataObject
) -> None:
    addresses = variants(local_part, domain_name, tags)
    suppressed = data.draw(st.sampled_from(addresses))
    # the suppression list stores the match key of whichever variant the tool exported
    suppressed_keys = pl.Series([suppressed]).to_frame("e").select(email_match_key(pl.col("e")))
    suppressed_keys = suppressed_keys.to_series()
    contacts = pl.DataFrame(
        {
            "person_id": [f"p_{i:016x}" for i in range(len(addresses))],
            "email": addresses,
            "suppressed": [False] * len(addresses),  # the person-level flag is not relied on
        }
    )
    known = pl.DataFrame(
        schema={
            "email": pl.String,
            "provider": pl.String,
            "checked_at": pl.Datetime("us", "UTC"),
            "status": pl.String,
        }
    )
    prechecks, _, todo = plan_verification(
        contacts, suppressed_keys, known.head(0), known, datetime(2026, 11, 25, tzinfo=UTC), 30
    )
    assert todo == []  # not one variant is paid for
    assert set(prechecks["status"]) == {"do_not_mail"}
