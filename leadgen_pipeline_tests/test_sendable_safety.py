"""The independent safety check on the sendable list fails on an address that any variant
of a suppression names, whatever the person-level flags say."""

from __future__ import annotations

import duckdb

from leadgen_pipeline.kernel.keys import email_match_key, scalar
from leadgen_pipeline.layers.verify.assets import nothing_unsafe_is_sendable
from leadgen_pipeline_tests.builds import Build


def test_a_suppressed_variant_on_the_sendable_list_fails_the_check(demo_copy: Build) -> None:
    with duckdb.connect(str(demo_copy.store)) as con:
        assert nothing_unsafe_is_sendable(con).passed
        ((address,),) = con.sql(
            "select verified_email from verify.sendable_contacts order by person_id limit 1"
        ).fetchall()
        local, domain = address.split("@")
        # the opt-out tool exported the address as `LOCAL+news@DOMAIN`: one inbox, one key
        key = scalar(email_match_key, f"{local.upper()}+news@{domain.upper()}")
        con.execute(
            "insert into compliance.suppressions by name select * replace ("
            "'opt_out' as kind, 'email_key' as key_type, $key as key_value, false as hashed) "
            "from compliance.suppressions limit 1",
            {"key": key},
        )
        result = nothing_unsafe_is_sendable(con)
    assert not result.passed and result.metadata["unsafe"].value == 1
