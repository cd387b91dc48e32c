"""Entity resolution on small, hand-made canonical records."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from leadgen_pipeline.layers.core.resolve import link_records
from leadgen_pipeline.layers.raw.canonical import conform

MEMBER = "ACwAAApjCN0BWfHC6NGC6AVQuC1sBdltcZw0ydA"


def records(*rows: dict) -> pl.DataFrame:
    """Canonical records; each row names its file (default: one file per row)."""
    filled = [
        {
            "source": "directory",
            "vendor": "directory",
            "source_file": f"directory/file-{i}.csv",
            "source_row": 1,
            "pulled_at": datetime(2026, 11, 1, tzinfo=UTC),
            **row,
        }
        for i, row in enumerate(rows)
    ]
    return conform(pl.DataFrame(filled))


def people(linked: pl.DataFrame) -> list[set[str]]:
    """The clusters as sets of record labels (`title` carries a label in these tests)."""
    groups = linked.group_by("cluster_id").agg(pl.col("title")).get_column("title").to_list()
    return sorted((set(g) for g in groups), key=lambda g: sorted(g))


def test_keys_join_records_transitively() -> None:
    linked = link_records(
        records(
            {"title": "a", "email": "Ann.Lee+crm@Acme.io", "first_name": "Ann"},
            {
                "title": "b",
                "email": "ann.lee@acme.io",
                "linkedin_url": "http://www.linkedin.com/in/ann-lee",
            },
            {"title": "c", "linkedin_url": "https://uk.linkedin.com/in/Ann-Lee/?trk=x"},
            {"title": "d", "email": "bo@acme.io"},
        )
    )
    assert people(linked) == [{"a", "b", "c"}, {"d"}]
    rules = dict(zip(linked["title"], linked["match_rule"], strict=True))
    assert rules["c"] == "linkedin_slug" and rules["a"] == "email_key"
    assert rules["d"] == "singleton"


def test_shared_inboxes_never_merge_two_people() -> None:
    linked = link_records(
        records(
            {"title": "a", "email": "info@acme.io", "first_name": "Ann", "last_name": "Lee"},
            {"title": "b", "email": "info@acme.io", "first_name": "Raj", "last_name": "Das"},
            # an ordinary-looking address used by two LinkedIn identities is shared too
            {
                "title": "c",
                "email": "team-a@acme.io",
                "linkedin_url": "https://www.linkedin.com/in/cy-wu",
            },
            {
                "title": "d",
                "email": "team-a@acme.io",
                "linkedin_url": "https://www.linkedin.com/in/di-ng",
            },
        )
    )
    assert people(linked) == [{"a"}, {"b"}, {"c"}, {"d"}]


def test_a_job_changer_stays_one_person() -> None:
    linked = link_records(
        records(
            {
                "title": "old",
                "email": "mia@oldco.io",
                "company_name": "OldCo",
                "linkedin_url": "http://www.linkedin.com/in/mia-chen",
                "pulled_at": datetime(2026, 6, 1, tzinfo=UTC),
            },
            {
                "title": "new",
                "email": "mia.chen@newco.io",
                "company_name": "NewCo",
                "linkedin_url": "https://linkedin.com/in/mia-chen/",
            },
        )
    )
    assert people(linked) == [{"old", "new"}]


def test_sales_navigator_ids_link_only_the_same_member() -> None:
    sales_lead = f"https://www.linkedin.com/sales/lead/{MEMBER},NAME_SEARCH,3f2a"
    linked = link_records(
        records(
            {"title": "pb", "linkedin_member_id": MEMBER, "sales_nav_url": sales_lead},
            {
                "title": "eva",
                "linkedin_url": f"https://www.linkedin.com/in/{MEMBER}/",
                "email": "x@y.io",
            },
            # the same letters in another case are another member: ids are case-sensitive
            {"title": "other", "linkedin_member_id": MEMBER.lower().replace("acwaa", "ACwAA")},
            {"title": "public", "linkedin_url": "https://www.linkedin.com/in/acwaaapjcn0b"},
        )
    )
    assert people(linked) == [{"eva", "pb"}, {"other"}, {"public"}]
    assert linked.filter(pl.col("title") == "eva")["linkedin_slug"].item() is None


def test_vendor_ids_link_the_same_vendor_record_across_exports() -> None:
    linked = link_records(
        records(
            {
                "title": "a",
                "vendor": "zoominfo",
                "source_record_id": "-12345",
                "last_name": "X",
                "company_name": "K",
            },
            {
                "title": "b",
                "vendor": "zoominfo",
                "source_record_id": "-12345",
                "last_name": "X",
                "company_name": "K2",
            },
            {
                "title": "c",
                "vendor": "apollo",
                "source_record_id": "-12345",
                "last_name": "Y",
                "company_name": "K",
            },
        )
    )
    assert people(linked) == [{"a", "b"}, {"c"}]


def test_fuzzy_pass_links_nicknames_and_typos_at_one_company_only() -> None:
    linked = link_records(
        records(
            {
                "title": "robert",
                "first_name": "Robert",
                "last_name": "Chen",
                "company_name": "VEXERE Limited",
                "company_domain": "vexere.com",
                "email": "robert.chen@vexere.com",
            },
            {
                "title": "bob",
                "first_name": "Bob",
                "last_name": "Chen",
                "company_name": "Vexere Ltd",
                "linkedin_member_id": MEMBER,
            },
            {
                "title": "typo",
                "first_name": "Robert",
                "last_name": "Chenn",
                "company_website": "https://www.vexere.com/about",
            },
            {
                "title": "elsewhere",
                "first_name": "Robert",
                "last_name": "Chen",
                "company_domain": "other.io",
            },
        )
    )
    assert people(linked) == [{"bob", "robert", "typo"}, {"elsewhere"}]
    fuzzy = linked.filter(pl.col("title").is_in(["bob", "typo"]))["match_rule"]
    assert set(fuzzy) == {"fuzzy_name_at_domain"}


def test_two_namesakes_in_one_export_stay_two_people() -> None:
    linked = link_records(
        records(
            {
                "title": "d1",
                "first_name": "Daniel",
                "last_name": "Moreau",
                "company_domain": "ulma.fr",
                "source_file": "cognism/a.csv",
                "source_row": 1,
            },
            {
                "title": "d2",
                "first_name": "Daniel",
                "last_name": "Moreau",
                "company_domain": "ulma.fr",
                "source_file": "cognism/a.csv",
                "source_row": 2,
            },
            {
                "title": "sn",
                "first_name": "Daniel",
                "last_name": "Moreau",
                "company_name": "Ulma",
                "company_domain": "ulma.fr",
                "source_file": "sales_navigator/b.csv",
            },
        )
    )
    groups = people(linked)
    assert len(groups) == 2  # the Sales Navigator record joins one of them, not both
    assert not any({"d1", "d2"} <= g for g in groups)


def test_no_cluster_holds_two_public_slugs() -> None:
    linked = link_records(
        records(
            {
                "title": "a",
                "linkedin_url": "https://linkedin.com/in/ann-lee",
                "first_name": "Ann",
                "last_name": "Lee",
                "company_domain": "acme.io",
            },
            {
                "title": "b",
                "linkedin_url": "https://linkedin.com/in/ann-lee-2",
                "first_name": "Ann",
                "last_name": "Lee",
                "company_domain": "acme.io",
            },
        )
    )
    slugs = linked.group_by("cluster_id").agg(pl.col("linkedin_slug").drop_nulls().n_unique())
    assert slugs["linkedin_slug"].max() == 1
