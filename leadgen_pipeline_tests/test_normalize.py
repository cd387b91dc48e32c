"""Match keys: every rule on the shapes real exports carry (docs/vendor-formats.md §1, §2, §8)."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from leadgen_pipeline.kernel import keys as nz
from leadgen_pipeline.kernel.keys import domain
from leadgen_pipeline.layers.raw.canonical import CANONICAL_COLUMNS, conform, empty_canonical

# PhantomBuster's real 2021 record: vmid, linkedInProfileUrl and the Sales Navigator profileUrl
VMID = "ACwAAApjCN0BWfHC6NGC6AVQuC1sBdltcZw0ydA"
# an Evaboot "Linkedin URL Unique ID" style id (ACoAA…)
ACOAA_ID = "ACoAABcdEfGhIjKlMnOpQrStUvWxYz0123456789"


def column(rule: Callable[..., pl.Expr], *inputs: list[Any]) -> list[Any]:
    """Run an expression-form rule over whole columns (repeats and nulls included)."""
    frame = pl.DataFrame({f"c{i}": values for i, values in enumerate(inputs)}).cast(pl.String)
    return frame.select(rule(*(pl.col(c) for c in frame.columns))).to_series().to_list()


def check_table(rule: Callable[..., pl.Expr], table: list[tuple[Any, Any]]) -> None:
    """The column form gives each row's expected value, also when values repeat in the column."""
    inputs = [value for value, _ in table] * 2
    expected = [want for _, want in table] * 2
    assert column(rule, inputs) == expected


# --------------------------------------------------------------------------------------------
# Emails

EMAILS = [
    ("ann@acme.io", "ann@acme.io"),
    ("  Ann.Smith@Acme.COM  ", "Ann.Smith@acme.com"),  # local part kept, domain lower-cased
    ("john.doe@EvaBoot-Client.COM", "john.doe@evaboot-client.com"),  # Evaboot mixed case
    ("mailto:ann@acme.io", "ann@acme.io"),
    ("MAILTO:ann@acme.io?subject=Hello%20there", "ann@acme.io"),
    ("Ann Smith <ann@acme.io>", "ann@acme.io"),
    ('"Smith, Ann" <Ann@Acme.io>', "Ann@acme.io"),
    ("<ann@acme.io>", "ann@acme.io"),
    ("ann+crm@acme.io", "ann+crm@acme.io"),  # the send address keeps its tag
    ("ann@acme.io;", "ann@acme.io"),
    ("jo\u0065\u0301l@acme.fr", "jo\u00e9l@acme.fr"),  # NFC
    ("ann@MÜLLER.de", "ann@müller.de"),
    ("INFO@Acme.io", "info@acme.io"),  # email-validator lower-cases RFC 2142 mailbox names
    ("ann", None),
    ("ann@", None),
    ("@acme.io", None),
    ("ann@acme", None),
    ("ann..smith@acme.io", None),
    ("ann smith@acme.io", None),
    ("ann@acme..io", None),
    ("ann@localhost", None),
    ("ann@acme.test", None),  # special-use domain
    ("N/A", None),
    ("", None),
    ("   ", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), EMAILS)
def test_normalize_email(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.normalize_email, value) == expected


def test_normalize_email_column() -> None:
    check_table(nz.normalize_email, EMAILS)


ORACLE_ADDRESSES = [
    "plain@acme.io",
    "Mixed.Case@Sub.Acme.CO.UK",
    "o'brien@acme.ie",
    "a!#$%&'*+-/=?^_`{|}~z@acme.io",
    "x" * 70 + "@acme.io",  # local part over 64: accepted outside strict mode
    "x" * 64 + "@" + "d" * 60 + "." + "e" * 60 + "." + "f" * 60 + ".com",  # over 254 in all
    "ann@" + "d" * 64 + ".com",  # label over 63
    "ann@acme.io.",
    "ann@acme_corp.io",
    "ann@-acme.io",
    "ann@acme.123",
    "ann@xn--mller-kva.de",
    "ann@[192.168.0.1]",
    '"ann smith"@acme.io',
    "ann.@acme.io",
    ".ann@acme.io",
    "jürgen@acme.de",
    "ann@acme.invalid",
    "postmaster@acme.io",
    "Postmaster@acme.io",
]


@pytest.mark.parametrize("address", ORACLE_ADDRESSES)
def test_normalize_email_agrees_with_email_validator(address: str) -> None:
    # email-validator decides validity and the normalised form, whichever path an address takes
    try:
        expected: str | None = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    assert nz.scalar(nz.normalize_email, address) == expected


EMAIL_KEYS = [
    ("Ann.Smith+CRM@Acme.io", "ann.smith@acme.io"),
    ("ANN.SMITH@ACME.IO", "ann.smith@acme.io"),
    ("mailto:ann+x@acme.io", "ann@acme.io"),
    ("ann+a+b@acme.io", "ann@acme.io"),
    ("j.o.h.n.doe+news@gmail.com", "johndoe@gmail.com"),
    ("John.Doe@GoogleMail.com", "johndoe@gmail.com"),
    ("john.doe@outlook.com", "john.doe@outlook.com"),  # dots matter outside Gmail
    ("+tag@acme.io", "+tag@acme.io"),  # nothing before the +: no tag to remove
    ("Jürgen.Müller@Acme.de", "jürgen.müller@acme.de"),
    ("not an email", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), EMAIL_KEYS)
def test_email_match_key(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.email_match_key, value) == expected


def test_email_match_key_column() -> None:
    check_table(nz.email_match_key, EMAIL_KEYS)


SEND_ADDRESSES = [
    ("  Ann.Smith+CRM@Acme.COM ", "ann.smith+crm@acme.com"),  # +tag kept: it is what is sent
    ("j.o.h.n.doe@gmail.com", "j.o.h.n.doe@gmail.com"),  # Gmail dots kept too
    ("John.Doe@GoogleMail.com", "john.doe@googlemail.com"),
    ("Ann <ANN@acme.io>", "ann@acme.io"),
    ("mailto:ann@acme.io?subject=Hi", "ann@acme.io"),
    ("Jürgen@MÜLLER.de", "jürgen@müller.de"),
    ("two words@acme.io", None),
    ("ann@acme.test", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), SEND_ADDRESSES)
def test_send_address(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.send_address, value) == expected


def test_send_address_column() -> None:
    check_table(nz.send_address, SEND_ADDRESSES)
    # the match key is the send address with +tags (and Gmail dots) dropped
    for value, _ in EMAIL_KEYS:
        send = nz.scalar(nz.send_address, value)
        assert nz.scalar(nz.email_match_key, send) == nz.scalar(nz.email_match_key, value)


ROLES = [
    ("info@acme.io", True),
    ("Sales@acme.io", True),
    ("hello+web@acme.io", True),
    ("no-reply@acme.io", True),
    ("noreply@acme.io", True),
    ("Support <SUPPORT@acme.io>", True),
    ("mailto:careers@acme.io", True),
    ("info.smith@acme.io", False),  # a person whose name starts with "info"
    ("infos@acme.io", False),
    ("sales.team@acme.io", False),
    ("ann@acme.io", False),
    ("info", None),  # no address at all
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), ROLES)
def test_is_role_address(value: str | None, expected: bool | None) -> None:
    assert nz.scalar(nz.is_role_address, value) is expected


def test_is_role_address_column() -> None:
    check_table(nz.is_role_address, ROLES)


def test_role_list_holds_the_documented_inboxes() -> None:
    documented = [
        "info",
        "sales",
        "hello",
        "contact",
        "support",
        "admin",
        "office",
        "team",
        "marketing",
        "billing",
        "accounts",
        "hr",
        "jobs",
        "careers",
        "enquiries",
        "inquiries",
        "press",
        "media",
        "noreply",
        "no-reply",
        "webmaster",
        "postmaster",
        "help",
        "service",
    ]
    assert set(documented) <= nz.ROLE_LOCAL_PARTS
    assert all(role == role.lower().strip() for role in nz.ROLE_LOCAL_PARTS)


# --------------------------------------------------------------------------------------------
# LinkedIn

SLUGS = [
    ("http://www.linkedin.com/in/john-doe-1a2b3c", "john-doe-1a2b3c"),  # Apollo
    ("https://www.linkedin.com/in/John-Doe/", "john-doe"),
    ("https://linkedin.com/in/john-doe", "john-doe"),
    ("linkedin.com/in/john-doe", "john-doe"),
    ("www.linkedin.com/in/john-doe/", "john-doe"),
    ("https://uk.linkedin.com/in/john-doe", "john-doe"),
    ("https://de.linkedin.com/in/john-doe/", "john-doe"),
    ("https://www.linkedin.com/in/john-doe/en", "john-doe"),
    ("https://www.linkedin.com/in/john-doe/de/", "john-doe"),
    ("https://www.linkedin.com/in/john-doe?originalSubdomain=uk", "john-doe"),
    ("https://www.linkedin.com/in/john-doe/?trk=people#about", "john-doe"),
    ("HTTPS://WWW.LINKEDIN.COM/IN/JOHN-DOE", "john-doe"),
    ("  https://www.linkedin.com/in/john-doe  ", "john-doe"),
    ("https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller", "jürgen-müller"),
    ("https://de.linkedin.com/in/J%C3%BCrgen-M%C3%BCller-4b1a2c/", "jürgen-müller-4b1a2c"),
    (f"https://www.linkedin.com/in/{VMID}/", None),  # PhantomBuster linkedInProfileUrl
    (f"https://www.linkedin.com/in/{ACOAA_ID}", None),
    (f"https://www.linkedin.com/sales/people/{VMID},NAME_SEARCH,x6ZR", None),
    (f"https://www.linkedin.com/sales/lead/{VMID},NAME_SEARCH,3f2a?_ntb=AbC1", None),
    ("https://www.linkedin.com/pub/john-doe/1a/2b/3c", None),  # old public form: not guessed
    ("https://www.linkedin.com/company/acme", None),
    ("https://www.linkedin.com/in/", None),
    ("https://www.linkedin.com/in/%FF%FE", None),  # not UTF-8 once decoded
    ("https://notlinkedin.com/in/john-doe", None),
    ("https://example.com/in/john-doe", None),
    ("john-doe", None),  # a bare word is not a LinkedIn URL
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), SLUGS)
def test_linkedin_slug(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.linkedin_slug, value) == expected


def test_linkedin_slug_column() -> None:
    check_table(nz.linkedin_slug, SLUGS)


MEMBER_IDS = [
    (VMID, VMID),  # PhantomBuster vmid
    (f"https://www.linkedin.com/in/{VMID}/", VMID),
    (f"https://www.linkedin.com/in/{ACOAA_ID}", ACOAA_ID),
    (f"https://www.linkedin.com/sales/people/{VMID},NAME_SEARCH,x6ZR", VMID),
    (f"https://www.linkedin.com/sales/lead/{VMID},NAME_SEARCH,3f2a?_ntb=AbC1", VMID),
    (f"http://linkedin.com/sales/lead/{ACOAA_ID},NAME_SEARCH,3f2a", ACOAA_ID),
    (VMID.lower(), None),  # ids are case-sensitive: this is not one
    ("https://www.linkedin.com/in/john-doe", None),
    ("https://www.linkedin.com/sales/company/13039779", None),
    ("ACwAA", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), MEMBER_IDS)
def test_linkedin_member_id(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.linkedin_member_id, value) == expected


def test_linkedin_member_id_column() -> None:
    check_table(nz.linkedin_member_id, MEMBER_IDS)


def test_member_ids_differing_in_case_stay_apart() -> None:
    other = VMID[:-1] + VMID[-1].swapcase()
    assert nz.scalar(nz.linkedin_member_id, other) == other != VMID


def test_linkedin_canonical_url() -> None:
    assert (
        nz.scalar(nz.linkedin_canonical_url, "john-doe") == "https://www.linkedin.com/in/john-doe"
    )
    assert nz.scalar(nz.linkedin_canonical_url, None) is None
    urls = ["http://www.linkedin.com/in/John-Doe/", "https://uk.linkedin.com/in/john-doe/en", None]
    assert column(lambda c: nz.linkedin_canonical_url(nz.linkedin_slug(c)), urls) == [
        "https://www.linkedin.com/in/john-doe",
        "https://www.linkedin.com/in/john-doe",
        None,
    ]


# --------------------------------------------------------------------------------------------
# Company domains

REGISTRABLE = [
    ("www2.shop.acme.co.uk/path", "acme.co.uk"),
    ("https://www2.shop.acme.co.uk/path?q=1", "acme.co.uk"),
    ("http://www.pvalueresearch.com", "pvalueresearch.com"),  # Apollo Website
    ("https://ajg.com", "ajg.com"),
    ("EvaBoot-Client.COM", "evaboot-client.com"),  # Evaboot mixed-case domain
    ("acme.com.au", "acme.com.au"),
    ("https://shop.acme.com.au/about", "acme.com.au"),
    ("https://acme.com:8080/about", "acme.com"),
    ("acme.com.", "acme.com"),
    ("ann@mail.acme.co.uk", "acme.co.uk"),
    ("Ann <ann@Acme.io>", "acme.io"),
    ("acme.github.io", "acme.github.io"),  # a platform subdomain is its own site
    ("gmail.com", "gmail.com"),
    ("co.uk", None),
    ("localhost", None),
    ("192.168.1.10", None),
    ("acme", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), REGISTRABLE)
def test_registrable_domain(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.registrable_domain, value) == expected


def test_registrable_domain_column() -> None:
    check_table(nz.registrable_domain, REGISTRABLE)


def test_registrable_domain_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    domain._extractor.cache_clear()
    domain._registrable.cache_clear()
    assert nz.scalar(nz.registrable_domain, "https://www.shop.example-store.co.uk") == (
        "example-store.co.uk"
    )


COMPANY_DOMAINS = [
    ("https://www.acme.com", "acme.com"),
    ("Acme.co.UK", "acme.co.uk"),
    ("gmail.com", None),
    ("yahoo.co.uk", None),
    ("outlook.com", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), COMPANY_DOMAINS)
def test_company_domain_key(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.company_domain_key, value) == expected


EMAIL_DOMAINS = [
    ("ann@acme.co.uk", "acme.co.uk"),
    ("Ann <ann@Sales.Acme.com>", "acme.com"),
    ("mailto:ann@acme.io", "acme.io"),
    ("ann@shop.acme.com.au", "acme.com.au"),
    *(
        (f"ann@{free}", None)
        for free in (
            "gmail.com",
            "googlemail.com",
            "outlook.com",
            "hotmail.com",
            "hotmail.co.uk",
            "yahoo.com",
            "yahoo.fr",
            "mail.yahoo.co.jp",
            "ymail.com",
            "icloud.com",
            "proton.me",
            "protonmail.com",
            "gmx.de",
            "gmx.net",
            "web.de",
            "aol.com",
            "mailinator.com",  # disposable
        )
    ),
    ("acme.com", None),  # not an email address
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), EMAIL_DOMAINS)
def test_company_domain_from_email(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.company_domain_from_email, value) == expected


def test_company_domain_from_email_column() -> None:
    check_table(nz.company_domain_from_email, EMAIL_DOMAINS)


def test_public_suffixes_count_private_ones() -> None:
    assert nz.is_public_suffix("co.uk")
    assert nz.is_public_suffix("myshopify.com")  # a private suffix: every shop is its own site
    assert nz.is_public_suffix("github.io")
    assert not nz.is_public_suffix("rival.myshopify.com")
    assert not nz.is_public_suffix("acme.co.uk")
    assert not nz.is_public_suffix("rivalwidgets.example")  # no known suffix at all
    assert nz.scalar(nz.registrable_domain, "https://shop.rival.myshopify.com/x") == (
        "rival.myshopify.com"
    )


def test_free_mail_domains() -> None:
    assert nz.is_free_mail_domain("mail.Yahoo.co.jp")
    assert nz.is_free_mail_domain("gmx.at")
    assert not nz.is_free_mail_domain("acme.com")
    assert not nz.is_free_mail_domain("localhost")
    assert all(d == d.lower() and "." in d for d in nz.FREE_MAIL_DOMAINS)


# --------------------------------------------------------------------------------------------
# Company names

COMPANY_NAMES = [
    ("Acme Ltd", "acme"),
    ("ACME Limited", "acme"),
    ("Acme, Inc.", "acme"),
    ("Acme Inc", "acme"),
    ("Acme LLC", "acme"),
    ("Acme, LLC", "acme"),
    ("Acme GmbH", "acme"),
    ("Acme S.A.", "acme"),
    ("Acme B.V.", "acme"),
    ("Acme Pty Ltd", "acme"),
    ("Acme Pty. Ltd.", "acme"),
    ("Acme Corp.", "acme"),
    ("Acme Corporation", "acme"),
    ("Acme plc", "acme"),
    ("Acme Co., Ltd.", "acme"),  # two stacked legal forms
    ("Acme Pty Limited", "acme"),  # long spellings cleanco's list lacks
    ("Acme Proprietary Limited", "acme"),
    ("Acme Public Limited Company", "acme"),
    ("Acme Limited Liability Company", "acme"),
    ("Acme Brands DAC", "acme brands"),
    ("Acme AB (publ)", "acme"),
    ("The Acme Company", "acme"),
    ("A.C.M.E. Ltd", "acme"),
    ("  Acme   Software  ", "acme software"),
    ("Smith & Sons Ltd", "smith and sons"),
    ("Smith and Sons", "smith and sons"),
    ("Société Générale S.A.", "societe generale"),
    ("Limited", "limited"),  # nothing but a legal form: kept rather than emptied
    ("!!!", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), COMPANY_NAMES)
def test_company_name_key(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.company_name_key, value) == expected


def test_company_name_key_column() -> None:
    check_table(nz.company_name_key, COMPANY_NAMES)


def test_name_key_revision_1_keys_as_it_always_did() -> None:
    """Erasure hashes made under revision 1 are only met if revision 1 still keys a record
    the way it did then: its legal forms were cleanco 2.3's list alone, its nicknames the
    `revision_1/` table."""
    old = pl.DataFrame(
        {"company": ["Acme Pty Limited", "Acme Public Limited Company", "Acme Pty Ltd"],
         "first": ["Jon", "Steph", "Bob"]}
    ).select(
        nz.company_name_key(pl.col("company"), revision=1),
        nz.first_name_key(pl.col("first"), revision=1),
    )  # fmt: skip
    assert old.rows() == [("acme pty", "jon"), ("acme public", "steph"), ("acme", "robert")]
    with pytest.raises(ValueError, match="no name-key revision 0"):
        nz.scalar(lambda e: nz.company_name_key(e, revision=0), "Acme Ltd")


def test_cleanco_still_gives_the_legal_forms_revision_1_was_made_with() -> None:
    """Revision 1 reads cleanco's term list at run time: a cleanco release that changes the
    list would change old keys silently, and erased people could reappear. This fails
    first; the fix is to freeze the old list under `revision_1/` and open a revision."""
    from leadgen_pipeline.kernel.keys.company import legal_forms

    forms = legal_forms(1)
    assert len(forms) == 256
    digest = hashlib.sha256("\n".join(sorted(forms)).encode()).hexdigest()
    assert digest == "e29de6a674e90eb08062087ea340b17f61cb569eed24554370e2d1f3ce587b11"


# --------------------------------------------------------------------------------------------
# Countries

COUNTRIES = [
    ("Germany", "DE"),
    ("united kingdom", "GB"),
    ("UK", "GB"),
    ("Berlin, Berlin, Germany", "DE"),  # Sales Navigator location
    ("us", "US"),
    ("Atlantis", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), COUNTRIES)
def test_country_iso2(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.country_iso2, value) == expected


def test_country_iso2_column() -> None:
    check_table(nz.country_iso2, COUNTRIES)


# --------------------------------------------------------------------------------------------
# Phones

PHONES = [
    (("07475 443939", "GB"), "+447475443939"),  # Apollo local format
    (("07475 443939", "gb"), "+447475443939"),
    (("+1 630-773-3800", None), "+16307733800"),
    (("'+1 630-773-3800", "US"), "+16307733800"),  # older Apollo exports: leading apostrophe
    (("+1 877-639-4637", "GB"), "+18776394637"),  # international: the region does not apply
    (("2125550100 ext 3", "US"), "+12125550100"),
    (("(212) 555-0100 x3", "US"), "+12125550100"),
    (("020 7946 0958", "GB"), "+442079460958"),
    (("06 12345678", "NL"), "+31612345678"),
    (("(02) 9374 4000", "AU"), "+61293744000"),
    (("+44 7475 443939", "US"), "+447475443939"),
    (("07475 443939", None), None),  # national format with no country to read it in
    (("12345", "US"), None),
    (("not a phone", "US"), None),
    (("", "US"), None),
    ((None, "US"), None),
]


@pytest.mark.parametrize(("value", "expected"), PHONES)
def test_phone_e164(value: tuple[str | None, str | None], expected: str | None) -> None:
    assert nz.scalar(nz.phone_e164, *value) == expected


def test_phone_e164_column() -> None:
    phones = [phone for (phone, _), _ in PHONES] * 2
    countries = [country for (_, country), _ in PHONES] * 2
    assert column(nz.phone_e164, phones, countries) == [want for _, want in PHONES] * 2


# --------------------------------------------------------------------------------------------
# People's names

FIRST_NAMES = [
    *(
        (nick, given)
        for given, nicks in {
            "robert": ["Bob", "ROB", "Robbie", "Robert"],
            "william": ["Bill", "Will", "Liam"],
            "elizabeth": ["Liz", "Beth", "Betty", "Eliza"],
            "james": ["Jim", "Jimmy"],
            "michael": ["Mike"],
            "katherine": ["Kate", "Katie", "Cathy"],
            "thomas": ["Tom"],
            "david": ["Dave"],
            "daniel": ["Dan"],
            "christopher": ["Chris"],
            "alexander": ["Alex"],
            "samuel": ["Sam"],
            "jennifer": ["Jen", "Jenny"],
            "nicholas": ["Nick"],
            "matthew": ["Matt"],
            "andrew": ["Andy", "Drew"],
            "anthony": ["Tony"],
            "joseph": ["Joe"],
            "stephen": ["Steve"],
            "benjamin": ["Ben"],
            "patrick": ["Pat"],
            "margaret": ["Peggy", "Maggie"],
            "susan": ["Sue"],
            "gregory": ["Greg"],
            "edward": ["Ed", "Ted"],
            "richard": ["Rick", "Dick"],
            "charles": ["Charlie", "Chuck"],
            "john": ["Jack"],
        }.items()
        for nick in nicks
    ),
    ("Zoë", "zoe"),
    ("José", "jose"),
    ("Jürgen", "jurgen"),
    ("Łukasz", "lukasz"),
    ("Søren", "soren"),
    ("  Ann  ", "ann"),
    ("Jean-Luc", "jean luc"),
    ("Mary  Ann", "mary ann"),
    ("D'Andre", "dandre"),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), FIRST_NAMES)
def test_first_name_key(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.first_name_key, value) == expected


def test_first_name_key_column() -> None:
    check_table(nz.first_name_key, FIRST_NAMES)


def test_reference_lists_are_package_data() -> None:
    # read from keys/data/, comments and blank lines dropped, every entry whole
    assert len(nz.ROLE_LOCAL_PARTS) == 49
    assert len(nz.FREE_MAIL_DOMAINS) == 93
    assert sorted(nz.FREE_MAIL_PROVIDERS) == ["aol", "gmx", "hotmail", "outlook", "yahoo", "yandex"]
    assert len(nz.FIRST_NAME_NICKNAMES) == 130
    assert nz.LAST_NAME_SUFFIXES[:3] == ("jr", "sr", "ii")
    for entries in (nz.ROLE_LOCAL_PARTS, nz.FREE_MAIL_DOMAINS, nz.LAST_NAME_SUFFIXES):
        assert all(e and e == e.strip() and "#" not in e and "," not in e for e in entries)
    assert "nickname" not in nz.FIRST_NAME_NICKNAMES  # the CSV header is not an entry


def test_nickname_table_is_one_step_and_already_folded() -> None:
    table = nz.FIRST_NAME_NICKNAMES
    assert 60 <= len(table) <= 150
    # a given name never maps on, so applying the table twice changes nothing
    assert not set(table.values()) & set(table)
    assert all(k.isascii() and k.isalpha() and k.islower() for k in (*table, *table.values()))


LAST_NAMES = [
    ("O'Brien", "obrien"),
    ("O’Brien", "obrien"),
    ("Smith Jr.", "smith"),
    ("Smith, Jr.", "smith"),
    ("Smith Sr", "smith"),
    ("Smith II", "smith"),
    ("Smith III", "smith"),
    ("Smith PhD", "smith"),
    ("Smith, Ph.D.", "smith"),
    ("Smith Jr. PhD", "smith"),
    ("Müller", "muller"),
    ("GARCÍA", "garcia"),
    ("Smith-Jones", "smithjones"),
    ("van der Berg", "vanderberg"),
    ("Li", "li"),
    ("Jr", "jr"),  # a suffix only counts after a name
    ("-", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), LAST_NAMES)
def test_last_name_key(value: str | None, expected: str | None) -> None:
    assert nz.scalar(nz.last_name_key, value) == expected


def test_last_name_key_column() -> None:
    check_table(nz.last_name_key, LAST_NAMES)


# --------------------------------------------------------------------------------------------
# match_keys

SN_LEAD = "https://www.linkedin.com/sales/lead/ACwAAZzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz,NAME_SEARCH,3f2a?_ntb=X"
ACOAA_OTHER = "ACoAAYyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
RECORDS = [
    {  # Apollo
        "source": "apollo",
        "first_name": "Bob",
        "last_name": "Smith Jr.",
        "email": "Bob.Smith+crm@Globex.com",
        "linkedin_url": "http://www.linkedin.com/in/bob-smith-4b1a",
        "phone_mobile": "'+1 630-773-3800",
        "phone_company": "+1 877-639-4637",
        "company_name": "Globex, Inc.",
        "company_website": "http://www.globex.com",
        "country": "US",
    },
    {  # PhantomBuster Sales Navigator export: opaque URLs only
        "source": "sales_navigator",
        "first_name": "Katie",
        "last_name": "Nguyen",
        "linkedin_url": f"https://www.linkedin.com/in/{VMID}/",
        "sales_nav_url": f"https://www.linkedin.com/sales/people/{VMID},NAME_SEARCH,x6ZR",
        "company_name": "Initech LLC",
        "country": "US",
    },
    {  # Evaboot: public URL, unique id, Sales Navigator URL, mixed-case domain
        "source": "sales_navigator",
        "first_name": "Jürgen",
        "last_name": "Müller",
        "email": "j.mueller@Acme.CO.UK",
        "linkedin_url": "https://uk.linkedin.com/in/j%C3%BCrgen-m%C3%BCller/?originalSubdomain=uk",
        "linkedin_member_id": ACOAA_ID,
        "sales_nav_url": SN_LEAD,
        "phone_direct": "12345",
        "phone_company": "020 7946 0958",
        "company_name": "Acme Ltd",
        "company_domain": "Acme.co.UK",
        "country": "GB",
    },
    {  # free mail: no company domain from it
        "source": "directory",
        "first_name": "Sam",
        "last_name": "Taylor",
        "email": "s.a.m.taylor+x@googlemail.com",
        "linkedin_url": "linkedin.com/in/samtaylor",
        "phone_mobile": "07475 443939",
        "country": "GB",
    },
    {  # role inbox; company domain from the email; member id from an /in/ACoAA… URL
        "source": "cognism",
        "first_name": "Alex",
        "last_name": "Smith, PhD",
        "email": "INFO+leads@Hooli.io",
        "linkedin_url": f"https://www.linkedin.com/in/{ACOAA_OTHER}/",
        "phone_direct": "2125550100 ext 3",
        "company_name": "Hooli, Inc.",
        "country": "US",
    },
    {  # invalid email, website only
        "source": "directory",
        "email": "n/a",
        "company_website": "https://www2.shop.acme.co.uk/path",
    },
    {"source": "directory"},  # nothing to key on
]
EXPECTED_KEYS = {
    "email_norm": [
        "Bob.Smith+crm@globex.com",
        None,
        "j.mueller@acme.co.uk",
        "s.a.m.taylor+x@googlemail.com",
        "INFO+leads@hooli.io",
        None,
        None,
    ],
    "email_key": [
        "bob.smith@globex.com",
        None,
        "j.mueller@acme.co.uk",
        "samtaylor@gmail.com",
        "info@hooli.io",
        None,
        None,
    ],
    "email_is_role": [False, None, False, False, True, None, None],
    "linkedin_slug": ["bob-smith-4b1a", None, "jürgen-müller", "samtaylor", None, None, None],
    "linkedin_member_key": [None, VMID, ACOAA_ID, None, ACOAA_OTHER, None, None],
    "company_domain_key": [
        "globex.com",
        None,
        "acme.co.uk",
        None,
        "hooli.io",
        "acme.co.uk",
        None,
    ],
    "company_name_key": ["globex", "initech", "acme", None, "hooli", None, None],
    "first_name_key": ["robert", "katherine", "jurgen", "samuel", "alexander", None, None],
    "last_name_key": ["smith", "nguyen", "muller", "taylor", "smith", None, None],
    "phone_e164": [
        "+16307733800",  # mobile, as there is no direct phone
        None,
        "+442079460958",  # company phone, as the direct one is invalid
        "+447475443939",
        "+12125550100",
        None,
        None,
    ],
}


def test_match_keys_on_canonical_records() -> None:
    records = conform(pl.DataFrame(RECORDS))
    keyed = nz.match_keys(records)
    assert keyed.columns == [*CANONICAL_COLUMNS, *nz.MATCH_KEY_COLUMNS]
    assert keyed.select(CANONICAL_COLUMNS).equals(records)  # rows and their order unchanged
    assert {c: keyed.schema[c] for c in nz.MATCH_KEY_COLUMNS} == nz.MATCH_KEY_COLUMNS
    assert {c: keyed[c].to_list() for c in EXPECTED_KEYS} == EXPECTED_KEYS


def test_match_keys_links_the_same_person_across_shapes() -> None:
    records = conform(
        pl.DataFrame(
            [
                {
                    "email": "Bob.Smith+crm@Globex.com",
                    "linkedin_url": "http://www.linkedin.com/in/Bob-S",
                },
                {
                    "email": "bob.smith@GLOBEX.COM",
                    "linkedin_url": "https://uk.linkedin.com/in/bob-s/en",
                },
            ]
        )
    )
    keyed = nz.match_keys(records)
    assert keyed["email_key"].n_unique() == 1
    assert keyed["linkedin_slug"].n_unique() == 1


def test_match_keys_on_no_records() -> None:
    keyed = nz.match_keys(empty_canonical())
    assert keyed.height == 0
    assert {c: keyed.schema[c] for c in nz.MATCH_KEY_COLUMNS} == nz.MATCH_KEY_COLUMNS


_DOMAIN_LABELS = st.text(alphabet="abcXYZ019-", min_size=1, max_size=8) | st.sampled_from(
    ["xn--bcher-kva", "ab--cd", "a" * 63, "a" * 64, "test", "local", "onion", "com", "co", "9"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_DOMAIN_LABELS, min_size=1, max_size=5), st.sampled_from(["", ".", ".."]))
def test_plain_domains_skip_the_library_and_get_its_answer(labels: list[str], tail: str) -> None:
    """`normalize_email` judges a lower-case ASCII hostname itself and leaves the rest to
    email-validator: on every domain, either path must give the library's own answer."""
    from email_validator import EmailNotValidError, validate_email

    domain = ".".join(labels) + tail
    try:
        expected = validate_email(f"ann@{domain}", check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    assert nz.scalar(nz.normalize_email, f"ann@{domain}") == expected
