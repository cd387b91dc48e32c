"""The SQL forms of the match keys give the Polars keys, in a real DuckDB connection.

`email_match_key_sql` and `linkedin_slug_sql` let stored rows be tested against a key (the
erasure sweep hashes them) without Python per row, so each must give the key its Polars rule
gives. The email corpus is the shapes real exports carry; SQL may give a key to a few invalid
addresses the Polars rule refuses (it cannot make all of email-validator's judgements), but
wherever the Polars key exists the two agree, and a cell with no address is null in both.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import duckdb
import polars as pl
import pytest

from leadgen_pipeline.kernel.keys import (
    email_match_key,
    email_match_key_sql,
    linkedin_slug,
    linkedin_slug_sql,
)
from leadgen_pipeline_tests.test_normalize import (
    ACOAA_ID,
    EMAIL_KEYS,
    EMAILS,
    ORACLE_ADDRESSES,
    SLUGS,
    VMID,
)

NBSP, EM_SPACE, IDEOGRAPHIC_SPACE = "\u00a0", "\u2003", "\u3000"

ADDRESSES = [
    # sub-addressing and Gmail
    "ann+crm@acme.io",
    "ann+a+b@acme.io",
    "+tag@acme.io",
    "j.o.h.n.doe+news@gmail.com",
    "John.Doe@GoogleMail.com",
    "J.Doe@GMAIL.COM",
    "john.doe@outlook.com",
    # case
    "Ann.Smith@Acme.COM",
    "ANN.SMITH@ACME.IO",
    "INFO+leads@Hooli.io",
    "Postmaster@acme.io",
    # spaces vendors and spreadsheets leave around a cell
    f"{NBSP}ann@acme.io{NBSP}",
    "\tann@acme.io\t",
    f" \t{NBSP}Ann@Acme.io{EM_SPACE}\r\n",
    f"{IDEOGRAPHIC_SPACE}ann@acme.io",
    "ann@acme.io;",
    "ann@acme.io, ",
    # Unicode local parts and IDN domains, in Unicode and in ACE form
    "jörg@acme.de",
    "Jürgen.Müller@Acme.de",
    "jo\u0065\u0301l@acme.fr",  # e + combining acute: NFC makes it é
    "ann@MÜLLER.de",
    "jörg@müller.de",
    "ann@xn--mller-kva.de",
    "Ann@XN--MLLER-KVA.DE",
    "info@xn--bcher-kva.ch",
    "ann@sub.xn--mller-kva.de",
    "li@xn--fiqs8s.xn--fiqs8s",  # 中国.中国
    # links and display names
    "mailto:a@b.io?subject=x",
    "MAILTO:ann@acme.io?subject=Hello%20there",
    "mailto:ann+x@acme.io",
    "Ann <ann@x.io>",
    '"Smith, Ann" <Ann@Acme.io>',
    "<ann@acme.io>",
    f"Ann Smith <{NBSP}ann@acme.io >",
    "Support <mailto:SUPPORT@acme.io>",
    # long but valid
    "x" * 70 + "@acme.io",
    "a!#$%&'*+-/=?^_`{|}~z@acme.io",
    "o'brien@acme.ie",
]

# Cells that hold no `local@domain` at all: no key in either form.
NO_ADDRESS = [
    None,
    "",
    "   ",
    f"{NBSP}{NBSP}",
    "N/A",
    "n/a",
    "not an email",
    "ann",
    "ann@",
    "@acme.io",
    "ann@acme",
    "ann smith@acme.io",
    "ann@@acme.io",
    "mailto:",
    "Ann Smith <>",
    "acme.io",
    "https://www.acme.io/contact",
]

# The corpus: the lists above and every cell the Polars rule's own tests use.
CORPUS = list(
    dict.fromkeys(
        [
            *ADDRESSES,
            *NO_ADDRESS,
            *(value for value, _ in EMAILS),
            *(value for value, _ in EMAIL_KEYS),
            *ORACLE_ADDRESSES,
        ]
    )
)

PROFILE_URLS = [
    *(url for url, _ in SLUGS),
    "https://www.linkedin.com/in/ann-smith-0a1b2c3d/",
    "https://www.linkedin.com/in/ann_smith",
    "https://m.linkedin.com/in/ann-smith",
    "http://fr.linkedin.com/in/ann-smith/fr",
    "www.linkedin.com/in/Ann-Smith?trk=public_profile_browsemap",
    "https://www.linkedin.com/in/ann-smith#experience",
    "https://www.linkedin.com/in/ann-smith/details/experience/",
    f"{NBSP}https://www.linkedin.com/in/ann-smith{NBSP}",
    "\thttps://www.linkedin.com/in/ann-smith\t",
    "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa",
    "https://www.linkedin.com/in/JOS%C3%89-GARC%C3%8DA/",
    "https://www.linkedin.com/in/%E6%9D%8E%E6%98%8E",  # 李明
    "https://www.linkedin.com/in/a%2Fb",  # an encoded separator: no slug
    f"https://www.linkedin.com/in/{VMID}",
    f"linkedin.com/in/{ACOAA_ID}/",
    f"https://www.linkedin.com/sales/people/{ACOAA_ID},NAME_SEARCH,x6ZR",
    "https://www.linkedin.com/company/acme/",
    "https://www.linkedin.com/school/acme-university/",
    "https://www.linkedin.com.evil.example/in/ann-smith",
    "https://evil.example/?u=linkedin.com/in/ann-smith",
    "",
    None,
]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def both_forms(
    con: duckdb.DuckDBPyConnection,
    rule: Callable[[pl.Expr], pl.Expr],
    sql_rule: Callable[[str], str],
    cells: list[str | None],
) -> list[tuple[str | None, str | None, str | None]]:
    """(cell, Polars key, SQL key) for each cell, the SQL read from a real DuckDB table."""
    polars_keys = (
        pl.DataFrame({"cell": cells}, schema={"cell": pl.String})
        .select(rule(pl.col("cell")).alias("key"))["key"]
        .to_list()
    )
    con.execute("create or replace temp table cells (id integer, cell varchar)")
    con.executemany("insert into cells values (?, ?)", list(enumerate(cells)))
    query = f"select {sql_rule('cell')} from cells order by id"
    sql_keys = [key for (key,) in con.execute(query).fetchall()]
    return list(zip(cells, polars_keys, sql_keys, strict=True))


def test_email_key_sql_agrees_wherever_the_polars_key_exists(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = both_forms(con, email_match_key, email_match_key_sql, CORPUS)
    keyed = [(cell, want, got) for cell, want, got in rows if want is not None]
    assert [row for row in keyed if row[1] != row[2]] == []
    assert len(keyed) >= 45  # the corpus exercises the rule, not only its nulls


def test_email_key_sql_reads_the_awkward_shapes(con: duckdb.DuckDBPyConnection) -> None:
    cells = [
        "J.o.h.n.Doe+News@GoogleMail.com",
        f"{NBSP}\tAnn+crm@Acme.IO{NBSP}",
        "mailto:a@b.io?subject=x",
        "Ann <ann@x.io>",
        "JÖRG@Müller.DE",
        "Jörg@XN--MLLER-KVA.DE",
    ]
    rows = both_forms(con, email_match_key, email_match_key_sql, cells)
    expected = [
        "johndoe@gmail.com",
        "ann@acme.io",
        "a@b.io",
        "ann@x.io",
        "jörg@müller.de",
        "jörg@müller.de",
    ]
    assert [got for _, _, got in rows] == expected
    assert [want for _, want, _ in rows] == expected


def test_email_key_sql_decodes_ace_domains_as_email_validator_does(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # DuckDB has no IDNA function, so the SQL form decodes Punycode itself: check it on
    # labels in several scripts, written in ACE form as a sender's system may have stored them
    rng = random.Random(20261201)
    scripts = ["äöüßéèçñøåæœ", "абвгдеёжзийклмн", "αβγδεζηθικλμ", "東京大阪中国例子测试"]
    labels = set()
    for _ in range(300):
        letters = rng.choice(scripts) + "abcdefghijklmnopqrstuvwxyz0123456789"
        labels.add("".join(rng.choice(letters) for _ in range(rng.randint(1, 15))))
    cells = [f"Ann@xn--{label.encode('punycode').decode()}.de" for label in sorted(labels) if label]
    rows = both_forms(con, email_match_key, email_match_key_sql, cells)
    keyed = [row for row in rows if row[1] is not None]
    assert [row for row in keyed if row[1] != row[2]] == []
    assert len(keyed) >= 150


def test_email_key_sql_is_null_without_an_address(con: duckdb.DuckDBPyConnection) -> None:
    rows = both_forms(con, email_match_key, email_match_key_sql, NO_ADDRESS)
    assert [row for row in rows if row[1:] != (None, None)] == []


def test_slug_sql_agrees_on_profile_urls(con: duckdb.DuckDBPyConnection) -> None:
    rows = both_forms(con, linkedin_slug, linkedin_slug_sql, PROFILE_URLS)
    assert [row for row in rows if row[1] != row[2]] == []
    assert sum(want is not None for _, want, _ in rows) >= 20
    assert ("https://www.linkedin.com/in/JOS%C3%89-GARC%C3%8DA/", "josé-garcía", "josé-garcía") in (
        rows
    )
