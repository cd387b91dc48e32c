"""The Definitions load, and the whole graph materialises into a real DuckDB file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import dagster as dg
import duckdb

from leadgen_pipeline.definitions import layer_definitions
from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline_tests import vendor_headers as vh
from leadgen_pipeline_tests.builds import PROJECT, Build, RunSummary, bound_defs, run_all
from leadgen_pipeline_tests.row_counts import ROW_COUNTS, row_counts

# the lineage graph the README draws: asset -> what it declares it reads
RAW = {"raw/apollo", "raw/cognism", "raw/sales_navigator", "raw/directory"}
EXPECTED_DEPS = {
    "config/icp_segments": set(),
    "config/source_provenance": set(),
    "raw/apollo": {"config/source_provenance", "config/icp_segments", "compliance/suppressions"},
    "raw/cognism": {"config/source_provenance"},
    "raw/sales_navigator": {"config/source_provenance"},
    "raw/directory": {"config/source_provenance"},
    "raw/rejects": RAW,
    "compliance/suppressions": {"config/icp_segments"},
    "core/contact_links": RAW | {"compliance/suppressions"},
    "core/erasure_log": RAW | {"raw/rejects", "compliance/suppressions"},
    "core/contacts": RAW | {"core/contact_links", "compliance/suppressions"},
    "core/accounts": RAW | {"core/contact_links"},
    "verify/email_checks": {"core/contacts", "compliance/suppressions"},
    "verify/ledger": {"core/contacts", "compliance/suppressions"},
    "verify/sendable_contacts": {"verify/email_checks", "core/contacts"},
    "verify/suppression_list": {"verify/email_checks", "compliance/suppressions"},
    "enrich/signals": RAW
    | {"core/contact_links", "core/accounts", "compliance/suppressions", "config/icp_segments"},
    "enrich/research_ledger": RAW
    | {"core/contact_links", "core/accounts", "compliance/suppressions", "config/icp_segments"},
    "enrich/leads": {
        "verify/sendable_contacts",
        "core/contacts",
        "core/accounts",
        "enrich/signals",
        "config/icp_segments",
    },
    "feedback/deals": {"core/contact_links", "core/accounts"},
    "feedback/attribution": RAW | {
        "feedback/deals", "score/score_history", "score/routed_leads", "enrich/signals",
        "score/icp_fit", "core/contact_links",
    },
    "feedback/attribution_features": RAW | {
        "feedback/deals", "score/score_history", "score/routed_leads", "enrich/signals",
        "score/icp_fit", "core/contact_links",
    },
    "feedback/feature_lift": {"feedback/attribution", "feedback/attribution_features"},
    "feedback/win_rates": {"feedback/attribution"},
    "feedback/source_costs": RAW | {
        "feedback/attribution", "core/contacts", "score/routed_leads", "verify/ledger",
        "enrich/research_ledger", "config/source_provenance",
    },
    "feedback/recommendations": {
        "feedback/feature_lift", "feedback/attribution", "score/score_history", "score/icp_fit",
        "config/icp_segments",
    },
    "score/icp_fit": {
        "core/contacts", "core/accounts", "config/icp_segments", "verify/sendable_contacts",
    },
    "score/lead_scores": {"score/icp_fit", "enrich/signals", "config/icp_segments"},
    "score/score_history": {"score/icp_fit", "enrich/signals", "config/icp_segments"},
    "score/routed_leads": {
        "score/lead_scores", "score/icp_fit", "core/contacts", "verify/sendable_contacts",
        "verify/email_checks", "compliance/suppressions", "enrich/leads", "enrich/signals",
        "config/source_provenance",
    },
    "score/handoff_exports": {
        "score/routed_leads", "core/contacts", "enrich/leads", "enrich/signals",
    },
    "marts/funnel": RAW | {
        "core/contacts", "verify/sendable_contacts", "score/icp_fit", "score/lead_scores",
        "score/routed_leads", "config/icp_segments",
    },
    "marts/qualified_leads": {"score/routed_leads", "core/contacts"},
    "marts/source_performance": RAW | {
        "core/contacts", "verify/sendable_contacts", "score/icp_fit", "score/routed_leads",
        "config/source_provenance", "verify/ledger", "enrich/research_ledger",
    },
    "feedback/report": {
        "marts/funnel", "feedback/win_rates", "feedback/feature_lift", "feedback/source_costs",
    },
}
EXPECTED_KEYS = set(EXPECTED_DEPS)


def test_the_asset_graph_is_the_one_the_readme_draws() -> None:
    from leadgen_pipeline.definitions import defs

    deps = {
        spec.key.to_user_string(): {d.asset_key.to_user_string() for d in spec.deps}
        for spec in defs.resolve_all_asset_specs()
    }
    assert deps == EXPECTED_DEPS


def small_inbox(inbox: Path) -> None:
    vh.write_export(inbox / "apollo/apollo-contacts-export-2026-11-02.csv", vh.APOLLO_2026,
                    [{"First Name": "Ann", "Email": "ann@brightlane.example", "Country": "GB",
                      "Apollo Contact Id": "6a571f6b746a3e000c64720e"}])  # fmt: skip
    vh.write_export(inbox / "cognism/cognism-2026-11-03.csv", vh.COGNISM_PLATFORM,
                    [{"First Name": "Bo", "Email": "bo@fjord.example"},
                     {"City": "Oslo"}])  # fmt: skip
    vh.write_export(inbox / "sales_navigator/sn-2026-11-04.csv", vh.PHANTOMBUSTER_SEARCH,
                    [{"fullName": "Mia Chen", "vmid": "ACwAAApjCN0BWfHC6NGC6AVQuC1sBdltcZw0ydA",
                      "profileUrl": "https://www.linkedin.com/sales/lead/"
                      "ACwAAApjCN0BWfHC6NGC6AVQuC1sBdltcZw0ydA,NAME_SEARCH,x"}])  # fmt: skip
    vh.write_export(inbox / "directory/lusha-2026-11-05.csv", vh.LUSHA,
                    [{"First Name": "Tom", "Work Email": "tom@quay.example",
                      "Company Number of Employees": "Nov-50"}])  # fmt: skip


def test_definitions_load_with_the_documented_asset_keys() -> None:
    from leadgen_pipeline.definitions import defs

    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    assert keys == EXPECTED_KEYS
    for spec in defs.resolve_all_asset_specs():
        assert spec.description and spec.group_name and spec.kinds and spec.owners, spec.key


def test_folder_group_key_prefix_and_schema_tell_one_story() -> None:
    layers = layer_definitions()
    # every layer folder is placed in the lineage order CI holds the imports to
    contracts = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (order,) = [c["layers"] for c in contracts["contracts"] if c.get("containers")]
    assert set(layers) <= {name.strip("()") for name in order}
    assert {"config", "raw", "compliance", "core", "verify"} <= set(layers)
    for folder, layer_defs in layers.items():
        for assets_def in layer_defs.assets or []:
            for spec in assets_def.specs:
                assert spec.key.path[0] == folder == spec.group_name, (folder, spec.key)
                assert len(spec.key.path) == 2, spec.key  # schema.table


def test_whole_graph_materialises_into_a_duckdb_file(tmp_path: Path, inbox: Path) -> None:
    small_inbox(inbox)
    result = run_all(bound_defs(tmp_path, inbox))
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]
    materialised = {
        m.asset_key.to_user_string(): m for m in result.get_asset_materialization_events()
    }
    assert set(materialised) == EXPECTED_KEYS
    cognism = materialised["raw/cognism"].materialization.metadata
    assert cognism["dagster/row_count"].value == 1
    assert "dagster/column_schema" in cognism
    assert "bo@fjord.example" not in cognism["preview"].value  # personal data masked
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from raw.apollo").fetchall() == [(1,)]
        assert con.sql("select reason from raw.rejects").fetchall()[0][0].startswith("no identity")
        assert con.sql("select count(*) from config.icp_segments").fetchall()[0][0] >= 2


def test_undeclared_source_fails_its_blocking_check_and_keeps_rows_out(
    tmp_path: Path, inbox: Path
) -> None:
    small_inbox(inbox)
    manifest = tmp_path / "sources.yaml"
    text = (PROJECT / "data/sources.yaml").read_text()
    manifest.write_text(text.replace("  cognism:", "  cognism_retired:", 1))
    result = run_all(bound_defs(tmp_path, inbox, manifest), raise_on_error=False)
    failed = {
        (c.asset_key.to_user_string(), c.check_name): c
        for c in result.get_asset_check_evaluations()
        if not c.passed
    }
    assert ("raw/cognism", "provenance_declared") in failed
    assert "no provenance" in failed[("raw/cognism", "provenance_declared")].description
    # the check is blocking: nothing downstream of raw/cognism was built
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "raw/cognism" in materialised and "core/contact_links" not in materialised
    with duckdb.connect(str(tmp_path / "leadgen.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from raw.cognism").fetchall() == [(0,)]


def test_demo_inbox_materialises_with_every_check_green(
    demo_build: tuple[Build, RunSummary],
) -> None:
    build, run = demo_build
    assert run.success and run.failed_checks == []
    with duckdb.connect(str(build.store), read_only=True) as con:
        for source in ("apollo", "cognism", "sales_navigator", "directory"):
            assert con.sql(f"select count(*) from raw.{source}").fetchall()[0][0] > 100, source
        reasons = {
            r
            for (r,) in con.sql(
                "select distinct split_part(reason, ' ', 1) from raw.rejects"
            ).fetchall()
        }
        assert {"unparseable", "no", "unrecognised"} <= reasons
        stored = dict(
            con.sql(
                "select source_file, count(*) from (select source_file from raw.apollo "
                "union all select source_file from raw.cognism "
                "union all select source_file from raw.sales_navigator "
                "union all select source_file from raw.directory "
                "union all select source_file from raw.rejects) group by 1"
            ).fetchall()
        )
    # the generator's own count of the records it wrote, file by file, is what landed
    written = json.loads((build.inbox / "_manifest.json").read_text())["records"]
    in_sources = {f: n for f, n in written.items() if f.split("/")[0] in SOURCES and n}
    assert stored == in_sources


def test_demo_builds_the_recorded_row_count_in_every_table(
    demo_build: tuple[Build, RunSummary],
) -> None:
    """A restructure must not change what the demo builds; a change that should is recorded
    with `python -m leadgen_pipeline_tests.row_counts` and reviewed in its diff."""
    build, _ = demo_build
    recorded = json.loads(ROW_COUNTS.read_text())
    assert row_counts(build.store) == recorded
