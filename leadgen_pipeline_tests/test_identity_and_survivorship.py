"""Stable person ids across rebuilds, field survivorship, and consent surviving merges."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from leadgen_pipeline.kernel.hashing import sha256_hex
from leadgen_pipeline.kernel.keys import email_match_key, scalar
from leadgen_pipeline.layers.compliance.suppressions import person_suppressions
from leadgen_pipeline.layers.core.identity import assign_person_ids, build_contact_links
from leadgen_pipeline.layers.core.resolve import link_records
from leadgen_pipeline.layers.core.survivorship import flag_stale, survive_contacts
from leadgen_pipeline.layers.raw.canonical import conform

BUILD_1 = datetime(2026, 11, 1, tzinfo=UTC)
BUILD_2 = datetime(2026, 11, 20, tzinfo=UTC)


def raw(*rows: dict) -> pl.DataFrame:
    base = {
        "source": "apollo",
        "vendor": "apollo",
        "snapshot_id": "s1",
        "pulled_at": datetime(2026, 10, 1, tzinfo=UTC),
    }
    filled = [
        {
            **base,
            "source_file": f"apollo/{row['label']}.csv",
            "source_row": 1,
            "title": row["label"],
        }
        | {k: v for k, v in row.items() if k != "label"}
        for row in rows
    ]
    return conform(pl.DataFrame(filled))


def ids_by_title(links: pl.DataFrame, records: pl.DataFrame) -> dict[str, str]:
    joined = records.join(links, on=["snapshot_id", "source_file", "source_row"])
    return dict(zip(joined["title"], joined["person_id"], strict=True))


ANN = {"label": "ann", "email": "ann@acme.io"}
ANN_SN = {"label": "ann-sn", "email": "ANN@acme.io", "linkedin_url": "https://linkedin.com/in/ann"}
BO = {"label": "bo", "email": "bo@acme.io"}


def test_ids_survive_a_rebuild_with_added_and_removed_records() -> None:
    first = raw(ANN, ANN_SN, BO)
    links_1, log_1 = build_contact_links(first, None, BUILD_1)
    ids_1 = ids_by_title(links_1, first)
    assert ids_1["ann"] == ids_1["ann-sn"] != ids_1["bo"]
    assert set(log_1["event"]) == {"new"}

    # next month: Ann's first record is gone, a new export of her arrives, Cy is new
    second = raw(
        ANN_SN | {"snapshot_id": "s2"},
        {
            "label": "ann-new",
            "linkedin_url": "http://www.linkedin.com/in/ann/",
            "snapshot_id": "s2",
        },
        BO | {"snapshot_id": "s2"},
        {"label": "cy", "email": "cy@acme.io", "snapshot_id": "s2"},
    )
    links_2, log_2 = build_contact_links(second, links_1, BUILD_2)
    ids_2 = ids_by_title(links_2, second)
    assert ids_2["ann-sn"] == ids_2["ann-new"] == ids_1["ann"]
    assert ids_2["bo"] == ids_1["bo"]
    assert ids_2["cy"] not in ids_1.values()
    assert log_2.filter(pl.col("event") == "new")["person_id"].to_list() == [ids_2["cy"]]


def test_an_unchanged_rebuild_changes_nothing_and_a_fresh_build_mints_the_same_ids() -> None:
    records = raw(ANN, ANN_SN, BO)
    links_1, _ = build_contact_links(records, None, BUILD_1)
    links_2, log_2 = build_contact_links(records, links_1, BUILD_2)
    assert log_2.is_empty()
    fresh, _ = build_contact_links(records, None, BUILD_2)
    assert (
        sorted(fresh["person_id"]) == sorted(links_2["person_id"]) == sorted(links_1["person_id"])
    )


def test_merges_and_splits_are_logged() -> None:
    first = raw(ANN, {"label": "ann-li", "linkedin_url": "https://linkedin.com/in/ann"})
    links_1, _ = build_contact_links(first, None, BUILD_1)
    ids_1 = ids_by_title(links_1, first)
    assert ids_1["ann"] != ids_1["ann-li"]
    # a record carrying both keys arrives: two people become one, and the log says so
    second = raw(ANN, {"label": "ann-li", "linkedin_url": "https://linkedin.com/in/ann"}, ANN_SN)
    links_2, log_2 = build_contact_links(second, links_1, BUILD_2)
    merged = log_2.filter(pl.col("event") == "merge")
    assert merged.height == 1
    survivor = merged["person_id"].item()
    assert {survivor, *merged["related_person_ids"].item()} == set(ids_1.values())
    assert set(ids_by_title(links_2, second).values()) == {survivor}
    # the bridge goes away again: the absorbed person comes back as a split
    links_3, log_3 = build_contact_links(first, links_2, BUILD_2)
    assert log_3.filter(pl.col("event") == "split")["person_id"].to_list() == [survivor]
    assert len(set(links_3["person_id"])) == 2


def _clusters(*rows: tuple[int, str, str]) -> pl.DataFrame:
    """`link_records` output for (cluster, title, address) rows: one record each."""
    return pl.DataFrame(
        [
            {"cluster_id": cluster, "title": title, "email_key": email, "email_is_role": False,
             "record_key": f"s1|apollo/{title}.csv#1", "source_file": f"apollo/{title}.csv"}
            for cluster, title, email in rows
        ]
    ).with_columns(
        pl.lit(None, dtype=pl.String).alias(key)
        for key in ("linkedin_slug", "linkedin_member_key", "vendor_key")
    )  # fmt: skip


def test_two_clusters_anchored_on_one_address_get_two_ids_whatever_the_order() -> None:
    # two people behind one address (the linker kept them apart on other evidence)
    rows = [(1, "lee", "ann@acme.io"), (2, "park", "ann@acme.io"), (3, "bo", "bo@acme.io")]
    forward, log_f = assign_person_ids(_clusters(*rows), None, BUILD_1)
    # the same records, listed and numbered the other way round
    renumbered = [(4 - cluster, title, email) for cluster, title, email in reversed(rows)]
    backward, log_b = assign_person_ids(_clusters(*renumbered), None, BUILD_1)
    ids = dict(forward.select("title", "person_id").iter_rows())
    assert len(set(ids.values())) == 3
    assert ids == dict(backward.select("title", "person_id").iter_rows())
    assert log_f.equals(log_b)
    assert log_f["person_id"].to_list() == sorted(ids.values())
    # an id already in use is never minted again: a second build keeps all three
    again, log = assign_person_ids(_clusters(*rows), forward, BUILD_2)
    assert dict(again.select("title", "person_id").iter_rows()) == ids and log.is_empty()


def test_fields_survive_from_the_most_recent_pull_then_the_most_trusted_source() -> None:
    records = raw(
        {
            "label": "old-job",
            "linkedin_url": "https://linkedin.com/in/mia",
            "company_name": "OldCo",
            "email": "mia@oldco.io",
            "pulled_at": datetime(2026, 5, 1, tzinfo=UTC),
        },
        {
            "label": "new-job",
            "linkedin_url": "https://linkedin.com/in/mia",
            "company_name": "NewCo",
            "email": "mia@newco.io",
            "source": "directory",
            "first_name": "Mia",
        },
        {
            "label": "new-job-trusted",
            "linkedin_url": "https://linkedin.com/in/mia",
            "source": "cognism",
            "first_name": "Mia-Lou",
            "phone_mobile": "+44 7475 443939",
            "country": "GB",
        },
    )
    links, _ = build_contact_links(records, None, BUILD_1)
    linked = records.join(links, on=["snapshot_id", "source_file", "source_row"])
    person = survive_contacts(linked, {"cognism": 1, "apollo": 3, "directory": 4}).row(
        0, named=True
    )
    assert person["company_name"] == "NewCo" and person["title"] == "new-job"  # one employment unit
    assert person["email"] == "mia@newco.io"
    assert person["first_name"] == "Mia-Lou"  # same day: the more trusted source wins
    assert person["phone"] == "+447475443939"
    assert person["linkedin_url"] == "https://www.linkedin.com/in/mia"
    assert person["lineage"]["email"].startswith("directory:apollo/new-job.csv#1@")
    assert person["lineage"]["first_name"].startswith("cognism:")
    assert person["sources"] == ["apollo", "cognism", "directory"] and person["record_count"] == 3


def test_an_opted_out_record_suppresses_the_merged_person() -> None:
    records = raw(ANN, ANN_SN, BO)
    links, _ = build_contact_links(records, None, BUILD_1)
    linked = records.join(links, on=["snapshot_id", "source_file", "source_row"])
    suppressions = pl.DataFrame(
        {
            "kind": ["opt_out", "erasure"],
            "key_type": ["email_key", "linkedin_slug"],
            "key_value": ["ann@acme.io", sha256_hex("ann")],
            "hashed": [False, True],
        }
    )
    hits = person_suppressions(linked, suppressions)
    ann_id = ids_by_title(links, records)["ann-sn"]
    assert hits["person_id"].to_list() == [ann_id]
    assert hits["suppression_kinds"].item().to_list() == ["erasure", "opt_out"]
    assert scalar(email_match_key, "ANN+news@Acme.io") == "ann@acme.io"


def test_link_records_keeps_every_row_once() -> None:
    records = raw(ANN, ANN_SN, BO)
    assert link_records(records).height == records.height


def test_a_person_whose_newest_pull_is_over_90_days_old_is_stale() -> None:
    people = pl.DataFrame(
        {
            "person_id": ["fresh", "edge", "stale"],
            "last_pulled_at": [
                datetime(2026, 11, 1, tzinfo=UTC),
                datetime(2026, 8, 22, tzinfo=UTC),  # exactly 90 days before as_of
                datetime(2026, 8, 21, tzinfo=UTC),
            ],
        }
    )
    flagged = flag_stale(people, as_of=datetime(2026, 11, 20, tzinfo=UTC))
    assert flagged["stale"].to_list() == [False, False, True]
