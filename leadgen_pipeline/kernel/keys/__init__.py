"""Match keys for entity resolution: canonical raw records in, comparable keys out.

Every rule has two forms:

- an expression form (`normalize_email(pl.col("email"))`) that cleans a whole column in one
  pass. Rules that a regex can state run as native Polars string expressions; rules that need
  a library (email-validator, tldextract, cleanco, phonenumbers, pycountry) call it once per
  *distinct* value of the column, never once per row;
- a scalar form with the same name plus `_value` (`normalize_email_value("Ann <a@x.io>")`),
  which evaluates the expression form on one value, so the two can never disagree.

A key is null whenever the input does not support one: an invalid address, an opaque LinkedIn
URL where a public slug was asked for, a free-mail domain where a company domain was asked for.
Null keys never match anything; a wrong key would merge strangers.

`match_keys` adds every key to a frame of canonical records in one set-based pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any
from urllib.parse import unquote

import phonenumbers
import polars as pl
import tldextract
from cleanco.clean import prepare_default_terms
from disposable_email_domains import blocklist as _DISPOSABLE_DOMAINS
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import ATEXT, CASE_INSENSITIVE_MAILBOX_NAMES, EMAIL_MAX_LENGTH

from leadgen_pipeline.kernel import values

__all__ = [
    "FIRST_NAME_NICKNAMES",
    "FREE_MAIL_DOMAINS",
    "FREE_MAIL_PROVIDERS",
    "LAST_NAME_SUFFIXES",
    "MATCH_KEY_COLUMNS",
    "ROLE_LOCAL_PARTS",
    "company_domain_from_email",
    "company_domain_from_email_value",
    "company_domain_key",
    "company_domain_key_value",
    "company_name_key",
    "company_name_key_value",
    "country_iso2",
    "country_iso2_value",
    "email_match_key",
    "email_match_key_value",
    "first_name_key",
    "first_name_key_value",
    "is_free_mail_domain",
    "is_role_address",
    "is_role_address_value",
    "last_name_key",
    "last_name_key_value",
    "linkedin_canonical_url",
    "linkedin_canonical_url_value",
    "linkedin_member_id",
    "linkedin_member_id_value",
    "linkedin_slug",
    "linkedin_slug_value",
    "match_keys",
    "normalize_email",
    "normalize_email_value",
    "phone_e164",
    "phone_e164_value",
    "registrable_domain",
    "registrable_domain_value",
]

# ---------------------------------------------------------------------------------------------
# Shared machinery


def _map_unique(expr: pl.Expr, fn: Callable[[str], Any], return_dtype: pl.DataType) -> pl.Expr:
    """Apply the Python `fn` to each distinct non-null value of a String column, not to each row."""

    def batch(series: pl.Series) -> pl.Series:
        distinct = series.drop_nulls().unique()
        mapped = pl.Series([fn(v) for v in distinct.to_list()], dtype=return_dtype)
        return series.replace_strict(distinct, mapped, default=None, return_dtype=return_dtype)

    return expr.map_batches(batch, return_dtype=return_dtype, is_elementwise=True)


def _scalar(rule: Callable[..., pl.Expr], *args: str | None) -> Any:
    """Evaluate an expression-form rule on single values (the scalar forms are built on this)."""
    return pl.select(rule(*(pl.lit(a, dtype=pl.String) for a in args))).item()


def _null_if_empty(expr: pl.Expr) -> pl.Expr:
    return expr.replace("", None)


def _steps(value: pl.Expr, *steps: dict[str, pl.Expr]) -> pl.Expr:
    """A struct holding `value` (as field `value`) and fields derived from it, step by step.

    Polars evaluates a sub-expression once per reference, so a rule that reads one
    intermediate result several times (a library lookup, above all) names it here instead;
    each step reads the fields before it with `pl.field`.
    """
    node = pl.struct(value.alias("value"))
    for step in steps:
        node = node.struct.with_fields(**step)
    return node


# Letters NFKD leaves whole, so "drop the combining marks" alone would not fold them.
_NON_DECOMPOSING = {
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "ß": "ss",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
}


def _fold_accents(expr: pl.Expr) -> pl.Expr:
    """Lower-case, NFKD-decompose and drop combining marks: `Jürgen Øster` -> `jurgen oster`."""
    return (
        expr.str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_many(_NON_DECOMPOSING)
    )


# ---------------------------------------------------------------------------------------------
# Emails

# Shared inboxes: mail to them reaches whoever reads it, so two records that share one are not
# the same person. Matched against the whole local part before any +tag, case-insensitively —
# `info.smith@` is a person, `info@` is not. Besides the usual role names this holds the RFC 2142
# mailbox names and the common spellings of "no reply".
ROLE_LOCAL_PARTS: frozenset[str] = frozenset(
    {
        "info",
        "sales",
        "hello",
        "hi",
        "contact",
        "contactus",
        "support",
        "admin",
        "administrator",
        "office",
        "team",
        "marketing",
        "billing",
        "accounts",
        "accounting",
        "finance",
        "invoices",
        "hr",
        "jobs",
        "careers",
        "recruiting",
        "recruitment",
        "enquiries",
        "enquiry",
        "inquiries",
        "inquiry",
        "press",
        "media",
        "pr",
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "webmaster",
        "postmaster",
        "hostmaster",
        "abuse",
        "security",
        "privacy",
        "legal",
        "help",
        "helpdesk",
        "service",
        "services",
        "customerservice",
        "reception",
        "newsletter",
        "orders",
    }
)

# email-validator's own RFC 5322 dot-atom: the common ASCII local part, valid by construction.
_ASCII_LOCAL = rf"[{ATEXT}]+(?:\.[{ATEXT}]+)*"
_FAST_ADDRESS = rf"^({_ASCII_LOCAL})@([^@\s]+)$"


def _email_text(expr: pl.Expr) -> pl.Expr:
    """The address inside an email cell: `Ann <a@x.io>`, `mailto:a@x.io?subject=Hi` -> `a@x.io`."""
    text = (
        expr.str.strip_chars()
        # a display name with the address in angle brackets: keep what the brackets hold
        .str.replace(r"^.*<\s*([^<>]*?)\s*>\s*$", "$1")
        # a mailto: link; its ?query is dropped only here, as `?` is legal in a local part
        .str.replace(r"(?i)^mailto:([^?]*).*$", "$1")
        # list separators left behind when a cell was pasted from a list of addresses
        .str.strip_chars(" \t\r\n;,")
    )
    return _null_if_empty(text)


def _validated_address(address: str) -> str | None:
    """email-validator's normalised address (NFC local part, lower-case domain), or None."""
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@lru_cache(maxsize=1 << 16)
def _validated_domain(domain: str) -> str | None:
    """The normalised domain email-validator accepts after an ordinary local part, or None."""
    address = _validated_address(f"a@{domain}")
    return None if address is None else address[2:]


def normalize_email(expr: pl.Expr) -> pl.Expr:
    """The send address of an email cell, or null when it is not a valid address.

    Trims the cell, takes the address out of `mailto:` links and `Name <address>` forms, and
    returns email-validator's normalised form (`check_deliverability=False`): local part as
    written but Unicode NFC, domain lower-cased (and IDNA-normalised). Nothing is looked up on
    the network.
    """
    text, local, domain, fast = (pl.field(f) for f in ("value", "local", "domain", "fast"))
    return _steps(
        _email_text(expr),
        {"parts": text.str.extract_groups(_FAST_ADDRESS)},
        {
            "local": pl.field("parts").struct.field("1"),
            "domain": pl.field("parts").struct.field("2"),
        },
        # Most addresses have a plain ASCII local part, which email-validator accepts as it is;
        # for those it only has to judge the domain, once per distinct domain. RFC 2142 mailbox
        # names (`INFO@`) are re-cased by the library, so they take the full path as the rest do.
        {
            "fast": local.is_not_null()
            & ~local.str.to_lowercase().is_in(CASE_INSENSITIVE_MAILBOX_NAMES)
        },
        {
            "address": pl.when(fast)
            .then(
                pl.concat_str(
                    local,
                    pl.lit("@"),
                    _map_unique(pl.when(fast).then(domain), _validated_domain, pl.String()),
                )
            )
            .otherwise(_map_unique(pl.when(~fast).then(text), _validated_address, pl.String()))
        },
        # the library's total-length limit, which the per-domain check cannot see
        {
            "address": pl.when(
                (pl.field("address").str.len_bytes() <= EMAIL_MAX_LENGTH)
                & (text.str.len_bytes() <= EMAIL_MAX_LENGTH)
            ).then(pl.field("address"))
        },
    ).struct.field("address")


def _email_key_of_address(address: pl.Expr) -> pl.Expr:
    """`email_match_key` for an address that `normalize_email` has already produced."""
    local, domain = pl.field("1"), pl.field("2")
    return (
        address.str.to_lowercase()
        .str.extract_groups(r"^(.+)@([^@]+)$")
        .struct.with_fields(
            # one mailbox service under two names
            domain.replace("googlemail.com", "gmail.com"),
            # sub-addressing: ann+crm@ and ann@ reach the same inbox
            local.str.replace(r"^([^+]+)\+.*$", "$1"),
        )
        .struct.with_fields(
            # Gmail ignores dots in the local part
            pl.when(domain == "gmail.com")
            .then(local.str.replace_all(".", "", literal=True))
            .otherwise(local)
        )
        .struct.with_fields(key=pl.concat_str(local, pl.lit("@"), domain))
        .struct.field("key")
    )


def email_match_key(expr: pl.Expr) -> pl.Expr:
    """The key two addresses share when they reach the same inbox; null for an invalid address.

    The normalised address lower-cased, without any `+tag` in the local part; for gmail.com
    and googlemail.com (one mailbox service) also without dots, under gmail.com.
    """
    return _email_key_of_address(normalize_email(expr))


def is_role_address(expr: pl.Expr) -> pl.Expr:
    """True when an email cell is a shared inbox (see `ROLE_LOCAL_PARTS`); null with no `x@y` in it.

    The local part before any `+tag` is compared case-insensitively and whole, so `info@` and
    `Info+crm@` are roles and `info.smith@` is not.
    """
    local = _email_text(expr).str.extract(r"^(.+)@[^@]+$", 1).str.to_lowercase()
    return local.str.replace(r"^([^+]+)\+.*$", "$1").is_in(ROLE_LOCAL_PARTS)


def normalize_email_value(value: str | None) -> str | None:
    """Scalar form of `normalize_email`."""
    return _scalar(normalize_email, value)


def email_match_key_value(value: str | None) -> str | None:
    """Scalar form of `email_match_key`."""
    return _scalar(email_match_key, value)


def is_role_address_value(value: str | None) -> bool | None:
    """Scalar form of `is_role_address`."""
    return _scalar(is_role_address, value)


# ---------------------------------------------------------------------------------------------
# LinkedIn

# Any linkedin.com host: www., country (uk., de.) and mobile subdomains, with or without scheme.
_LINKEDIN_HOST = r"(?i:(?:https?://)?(?:[a-z0-9-]+\.)?linkedin\.com)"
# LinkedIn's opaque member ids. Case-sensitive: ids differing only in case are different ids.
_MEMBER_ID = r"AC[ow]AA[A-Za-z0-9_-]{20,}"


def _decoded_slug(slug: str) -> str | None:
    """A percent-encoded slug as text (`j%C3%BCrgen` -> `jürgen`); None when it cannot be one."""
    try:
        decoded = unquote(slug, errors="strict")
    except UnicodeDecodeError:
        return None
    # an encoded separator would make the slug a different path
    return None if re.search(r"[/?#\s]", decoded) else decoded


def linkedin_slug(expr: pl.Expr) -> pl.Expr:
    """The public profile slug of a LinkedIn URL cell, lower-case and URL-decoded; else null.

    Accepts `http(s)://`, bare, `www.` and country-subdomain URLs of the form `/in/<slug>`,
    ignoring what follows the slug (trailing slash, `/en` locale, `?originalSubdomain=uk`,
    fragment). Null for opaque member URLs (`/in/ACwAA…`, `/in/ACoAA…`: see
    `linkedin_member_id`), Sales Navigator URLs (`/sales/…`), and old `/pub/<name>/a/b/c`
    URLs — LinkedIn redirects those to a vanity slug by a rule it never published, and a
    guessed slug could belong to someone else.
    """
    slug, encoded = pl.field("value"), pl.field("encoded")
    return (
        _steps(
            expr.str.strip_chars()
            .str.extract(rf"^{_LINKEDIN_HOST}/(?i:in)/([^/?#\s]+)", 1)
            .str.replace(rf"^{_MEMBER_ID}$", ""),  # an opaque member id is no slug
            {"encoded": slug.str.contains("%", literal=True)},
            {
                "value": pl.when(encoded)
                .then(_map_unique(pl.when(encoded).then(slug), _decoded_slug, pl.String()))
                .otherwise(slug)
            },
        )
        .struct.field("value")
        .str.to_lowercase()
        .str.normalize("NFC")
        .replace("", None)
    )


def linkedin_member_id(expr: pl.Expr) -> pl.Expr:
    """The opaque LinkedIn member id (`ACwAA…`/`ACoAA…`, case kept) in a cell; else null.

    Reads a bare id, an `/in/<id>` URL and the Sales Navigator forms
    `/sales/lead/<id>,NAME_SEARCH,xxxx?…` and `/sales/people/<id>,NAME_SEARCH,xxxx`.
    """
    return values.blank_to_null(expr).str.extract(
        rf"^(?:{_LINKEDIN_HOST}/(?i:in|sales/lead|sales/people)/)?({_MEMBER_ID})(?:[,/?#].*)?$",
        1,
    )


def linkedin_canonical_url(slug_expr: pl.Expr) -> pl.Expr:
    """`https://www.linkedin.com/in/<slug>` for a column of slugs from `linkedin_slug`."""
    return pl.concat_str(pl.lit("https://www.linkedin.com/in/"), slug_expr)


def linkedin_slug_value(value: str | None) -> str | None:
    """Scalar form of `linkedin_slug`."""
    return _scalar(linkedin_slug, value)


def linkedin_member_id_value(value: str | None) -> str | None:
    """Scalar form of `linkedin_member_id`."""
    return _scalar(linkedin_member_id, value)


def linkedin_canonical_url_value(slug: str | None) -> str | None:
    """Scalar form of `linkedin_canonical_url`."""
    return _scalar(linkedin_canonical_url, slug)


# ---------------------------------------------------------------------------------------------
# Company domains

# Mailbox providers whose addresses belong to individuals, never to an employer. Registrable
# domains (eTLD+1); the brands in FREE_MAIL_PROVIDERS are free-mail under every public suffix.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        # global webmail
        "gmail.com",
        "googlemail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "msn.com",
        "live.com",
        "live.co.uk",
        "live.fr",
        "live.de",
        "live.nl",
        "live.it",
        "live.ca",
        "live.com.au",
        "windowslive.com",
        "ymail.com",
        "rocketmail.com",
        "proton.me",
        "protonmail.com",
        "protonmail.ch",
        "pm.me",
        "tutanota.com",
        "tutanota.de",
        "tuta.io",
        "zoho.com",
        "zohomail.com",
        "fastmail.com",
        "fastmail.fm",
        "hey.com",
        "mail.com",
        "email.com",
        "usa.com",
        "inbox.com",
        "aim.com",
        # ISPs (US, UK, CA, AU)
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "bellsouth.net",
        "cox.net",
        "charter.net",
        "earthlink.net",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "blueyonder.co.uk",
        "ntlworld.com",
        "talktalk.net",
        "shaw.ca",
        "rogers.com",
        "sympatico.ca",
        "bigpond.com",
        "optusnet.com.au",
        # continental Europe
        "web.de",
        "t-online.de",
        "freenet.de",
        "arcor.de",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "alice.it",
        "telenet.be",
        "skynet.be",
        "ziggo.nl",
        "kpnmail.nl",
        "bluewin.ch",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "interia.pl",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "rambler.ru",
        "ya.ru",
        # Asia, Latin America
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "rediffmail.com",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
    }
)
# Brands that run free mail under many country suffixes: yahoo.com, yahoo.co.uk, gmx.de, gmx.net…
FREE_MAIL_PROVIDERS: frozenset[str] = frozenset(
    {"yahoo", "gmx", "hotmail", "outlook", "aol", "yandex"}
)


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot, no download and no disk cache, so keys are pure and
    # reproducible. Private suffixes count (github.io, myshopify.com): each shop on such a
    # platform is its own company, not part of the platform's.
    return tldextract.TLDExtract(
        cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True
    )


@lru_cache(maxsize=1 << 16)
def _registrable(host: str) -> str | None:
    """eTLD+1 of a lower-case host, or None (bare suffix, IP address, no public suffix)."""
    if "xn--" in host:  # one spelling for IDN hosts, as email-validator returns them
        try:
            host = host.encode("ascii").decode("idna")
        except UnicodeError:
            return None
    return _extractor()(host).top_domain_under_public_suffix or None


def is_free_mail_domain(domain: str) -> bool:
    """True when a host's registrable domain is a free-mail or disposable-mail provider.

    Free mail: `FREE_MAIL_DOMAINS`, or any domain of a `FREE_MAIL_PROVIDERS` brand
    (`yahoo.co.jp`, `gmx.at`). Disposable: the `disposable-email-domains` blocklist.
    """
    registrable = _registrable(domain.strip().lower())
    if registrable is None:
        return False
    return (
        registrable in FREE_MAIL_DOMAINS
        or registrable.split(".", 1)[0] in FREE_MAIL_PROVIDERS
        or registrable in _DISPOSABLE_DOMAINS
    )


@lru_cache(maxsize=1 << 16)
def _company_domain(host: str) -> str | None:
    """`company_domain_key` for one host."""
    registrable = _registrable(host)
    if registrable is None or is_free_mail_domain(registrable):
        return None
    return registrable


def _host(expr: pl.Expr) -> pl.Expr:
    """The lower-case host named by a website, URL, bare host or email address cell."""
    text = values.blank_to_null(expr).str.to_lowercase()
    authority = text.str.replace(r"^[a-z][a-z0-9+.-]*://", "").str.replace(r"[/?#].*$", "")
    # an email address, `mailto:` link or URL userinfo: the host follows the last @
    host = authority.str.replace(r"^.*@", "").str.replace(r"[:\s>].*$", "").str.strip_chars(".")
    return _null_if_empty(host)


def registrable_domain(expr: pl.Expr) -> pl.Expr:
    """The registrable domain (eTLD+1) of a website, URL, host or email address; else null.

    `https://www2.shop.acme.co.uk/path` -> `acme.co.uk`, `ann@mail.acme.com.au` -> `acme.com.au`.
    Uses the public-suffix snapshot bundled with tldextract, private suffixes included.
    """
    return _map_unique(_host(expr), _registrable, pl.String())


def company_domain_key(expr: pl.Expr) -> pl.Expr:
    """`registrable_domain`, but null for free-mail and disposable domains (never a company's)."""
    return _map_unique(_host(expr), _company_domain, pl.String())


def company_domain_from_email(expr: pl.Expr) -> pl.Expr:
    """The company domain an email address implies; null for free mail and non-addresses."""
    text = values.blank_to_null(expr)
    return company_domain_key(pl.when(text.str.contains("@", literal=True)).then(text))


def registrable_domain_value(value: str | None) -> str | None:
    """Scalar form of `registrable_domain`."""
    return _scalar(registrable_domain, value)


def company_domain_key_value(value: str | None) -> str | None:
    """Scalar form of `company_domain_key`."""
    return _scalar(company_domain_key, value)


def company_domain_from_email_value(value: str | None) -> str | None:
    """Scalar form of `company_domain_from_email`."""
    return _scalar(company_domain_from_email, value)


# ---------------------------------------------------------------------------------------------
# Company names


@lru_cache(maxsize=1 << 16)
@cache
def _legal_form_pattern() -> str:
    """A trailing legal form, from cleanco's own term list ("ltd", "gmbh & co kg", ...)."""
    forms = {" ".join(tokens) for _, tokens in prepare_default_terms()}
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return rf"\s(?:{alternatives})$"


def company_name_key(expr: pl.Expr) -> pl.Expr:
    """A comparison key for a company name: "Acme Ltd", "ACME Limited", "Acme, Inc." -> "acme".

    Legal forms removed with cleanco's term list (stacked ones too: "Co., Ltd."), never down
    to nothing; lower-cased, accents folded, `&` read as `and`, punctuation dropped, spaces
    collapsed, a leading "the" dropped. Vectorised: one regex over the whole column, not a
    cleanco call per distinct name (which dominated entity resolution at a million rows).
    """
    return expr.map_batches(_company_name_keys, return_dtype=pl.String)


def _company_name_keys(names: pl.Series) -> pl.Series:
    """`company_name_key` of a column, computed once per distinct name."""
    distinct = names.drop_nulls().unique()
    keys = pl.DataFrame({"name": distinct}).select(_company_name_key_expr(pl.col("name")))
    return names.replace_strict(distinct, keys.to_series(), default=None, return_dtype=pl.String)


def _company_name_key_expr(expr: pl.Expr) -> pl.Expr:
    text = (
        values.blank_to_null(expr)
        .str.to_lowercase()
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.replace_all(r"[.,']", "")  # "A.C.M.E.", "S.A.", "Co., Ltd." close up
        .str.replace_all(r"[^\w\s&/]", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    for _ in range(3):  # a name can stack legal forms ("co ltd", "pty ltd")
        shorter = text.str.replace(_legal_form_pattern(), "").str.strip_chars()
        text = pl.when(shorter.str.len_chars() > 0).then(shorter).otherwise(text)
    key = (
        text.str.replace_all("&", " and ")
        .str.replace_all(r"[^\w\s]|_", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.replace(r"^the ", "")
    )
    return pl.when(key.str.len_chars() > 0).then(key)


def company_name_key_value(value: str | None) -> str | None:
    """Scalar form of `company_name_key`."""
    return _scalar(company_name_key, value)


# ---------------------------------------------------------------------------------------------
# Countries


def country_iso2(expr: pl.Expr) -> pl.Expr:
    """ISO 3166-1 alpha-2 for country names, codes or `City, Region, Country` (`values.country`)."""
    return values.country(expr)


def country_iso2_value(value: str | None) -> str | None:
    """Scalar form of `country_iso2` (`values.country_code`)."""
    return None if value is None else values.country_code(value)


# ---------------------------------------------------------------------------------------------
# Phones

_PAIR_SEPARATOR = "\x1f"  # joins phone and region into one key; never part of either


def _e164(pair: str) -> str | None:
    """`phone_e164` for one `phone<US>region` pair."""
    number, region = pair.rsplit(_PAIR_SEPARATOR, 1)
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    # the extension ("ext 3") is not part of an E.164 number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_e164(phone_expr: pl.Expr, country_expr: pl.Expr) -> pl.Expr:
    """A phone cell as an E.164 number (`+447475443939`), or null when it is not a valid number.

    National formats are read in the record's ISO-2 country (`07475 443939` with GB);
    international ones (`+1 630-773-3800`) need none. Extensions are dropped, and so is the
    apostrophe older exports add to stop Excel. Validity is phonenumbers' `is_valid_number`.
    """
    number = values.phone(phone_expr)
    region = values.blank_to_null(country_expr).str.to_uppercase().fill_null("")
    pair = pl.concat_str(number, region, separator=_PAIR_SEPARATOR)
    return _map_unique(pair, _e164, pl.String())


def phone_e164_value(phone: str | None, country: str | None = None) -> str | None:
    """Scalar form of `phone_e164`."""
    return _scalar(phone_e164, phone, country)


# ---------------------------------------------------------------------------------------------
# People's names

# Common English nicknames -> the given name they shorten, plus the other spellings of those
# given names, so `Bob`, `Rob` and `Robert` share a key. Ambiguous ones follow the usual
# reading (`pat` -> patrick, `alex` -> alexander): this key corroborates a match, never makes one.
FIRST_NAME_NICKNAMES: dict[str, str] = {
    "bob": "robert",
    "bobby": "robert",
    "rob": "robert",
    "robbie": "robert",
    "robby": "robert",
    "bill": "william",
    "billy": "william",
    "will": "william",
    "willie": "william",
    "willy": "william",
    "liam": "william",
    "liz": "elizabeth",
    "lizzie": "elizabeth",
    "lizzy": "elizabeth",
    "beth": "elizabeth",
    "betty": "elizabeth",
    "betsy": "elizabeth",
    "eliza": "elizabeth",
    "libby": "elizabeth",
    "elisabeth": "elizabeth",
    "jim": "james",
    "jimmy": "james",
    "jamie": "james",
    "mike": "michael",
    "mikey": "michael",
    "mick": "michael",
    "kate": "katherine",
    "katie": "katherine",
    "katy": "katherine",
    "kathy": "katherine",
    "cathy": "katherine",
    "catherine": "katherine",
    "kathryn": "katherine",
    "katharine": "katherine",
    "tom": "thomas",
    "tommy": "thomas",
    "dave": "david",
    "davey": "david",
    "dan": "daniel",
    "danny": "daniel",
    "chris": "christopher",
    "alex": "alexander",
    "sam": "samuel",
    "sammy": "samuel",
    "jen": "jennifer",
    "jenn": "jennifer",
    "jenny": "jennifer",
    "nick": "nicholas",
    "nicky": "nicholas",
    "matt": "matthew",
    "matty": "matthew",
    "andy": "andrew",
    "drew": "andrew",
    "tony": "anthony",
    "joe": "joseph",
    "joey": "joseph",
    "steve": "stephen",
    "stevie": "stephen",
    "steven": "stephen",
    "ben": "benjamin",
    "benny": "benjamin",
    "pat": "patrick",
    "paddy": "patrick",
    "peggy": "margaret",
    "maggie": "margaret",
    "meg": "margaret",
    "sue": "susan",
    "susie": "susan",
    "suzy": "susan",
    "greg": "gregory",
    "ed": "edward",
    "eddie": "edward",
    "ted": "edward",
    "teddy": "edward",
    "ned": "edward",
    "rick": "richard",
    "ricky": "richard",
    "rich": "richard",
    "richie": "richard",
    "dick": "richard",
    "charlie": "charles",
    "chuck": "charles",
    "jack": "john",
    "johnny": "john",
    "tim": "timothy",
    "timmy": "timothy",
    "ken": "kenneth",
    "kenny": "kenneth",
    "ron": "ronald",
    "ronnie": "ronald",
    "don": "donald",
    "donnie": "donald",
    "doug": "douglas",
    "jeff": "jeffrey",
    "geoff": "geoffrey",
    "larry": "lawrence",
    "ray": "raymond",
    "fred": "frederick",
    "freddie": "frederick",
    "phil": "philip",
    "pete": "peter",
    "zach": "zachary",
    "zack": "zachary",
    "josh": "joshua",
    "jake": "jacob",
    "vince": "vincent",
    "theo": "theodore",
    "walt": "walter",
    "stu": "stuart",
    "gabe": "gabriel",
    "hank": "henry",
    "vicky": "victoria",
    "vicki": "victoria",
    "becky": "rebecca",
    "becca": "rebecca",
    "debbie": "deborah",
    "deb": "deborah",
    "jess": "jessica",
    "abby": "abigail",
    "pam": "pamela",
    "cindy": "cynthia",
    "judy": "judith",
    "mandy": "amanda",
    "trish": "patricia",
    "patty": "patricia",
    "jackie": "jacqueline",
}

# Generational and professional suffixes written after a surname ("Smith Jr.", "Smith, PhD").
LAST_NAME_SUFFIXES: tuple[str, ...] = (
    "jr",
    "sr",
    "ii",
    "iii",
    "iv",
    "phd",
    "ph.d",
    "md",
    "m.d",
    "esq",
    "mba",
    "cpa",
)
_SUFFIX_TAIL = rf"^(.+?)(?:[\s,]+(?:{'|'.join(map(re.escape, LAST_NAME_SUFFIXES))})\.?)+$"


def first_name_key(expr: pl.Expr) -> pl.Expr:
    """A comparison key for a given name: lower-case, accents folded, nickname -> given name.

    `Bob` and `Robert` -> `robert`, `Zoë` -> `zoe`; hyphens and dots separate words
    (`Jean-Luc` = `Jean Luc`), other punctuation is dropped.
    """
    text = _fold_accents(values.blank_to_null(expr))
    text = (
        text.str.replace_all(r"[-._]", " ")
        .str.replace_all(r"[^\p{L}\p{N}\s]", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    return _null_if_empty(text).replace(FIRST_NAME_NICKNAMES)


def last_name_key(expr: pl.Expr) -> pl.Expr:
    """A comparison key for a surname: lower-case, accents folded, suffixes and punctuation gone.

    `O'Brien` -> `obrien`, `Müller` -> `muller`, `Smith Jr.` -> `smith`, `van der Berg` ->
    `vanderberg` (spaces go too, so spacing variants of particles compare equal).
    """
    text = _fold_accents(values.blank_to_null(expr)).str.replace(_SUFFIX_TAIL, "$1")
    return _null_if_empty(text.str.replace_all(r"[^\p{L}\p{N}]", ""))


def first_name_key_value(value: str | None) -> str | None:
    """Scalar form of `first_name_key`."""
    return _scalar(first_name_key, value)


def last_name_key_value(value: str | None) -> str | None:
    """Scalar form of `last_name_key`."""
    return _scalar(last_name_key, value)


# ---------------------------------------------------------------------------------------------
# All keys at once


def _phone_key(phone: pl.Expr, country: pl.Expr, wanted: bool) -> pl.Expr:
    # phonenumbers costs ~30 us a number: linking, which never matches on phones, skips it
    return phone_e164(phone, country) if wanted else pl.lit(None, dtype=pl.String)


MATCH_KEY_COLUMNS: dict[str, pl.DataType] = {
    "email_norm": pl.String(),
    "email_key": pl.String(),
    "email_is_role": pl.Boolean(),
    "linkedin_slug": pl.String(),
    "linkedin_member_key": pl.String(),
    "company_domain_key": pl.String(),
    "company_name_key": pl.String(),
    "first_name_key": pl.String(),
    "last_name_key": pl.String(),
    "phone_e164": pl.String(),
}


def match_keys(records: pl.DataFrame, *, phones: bool = True) -> pl.DataFrame:
    """Canonical records with every match key added (the `MATCH_KEY_COLUMNS`), rows unchanged.

    - `email_norm`: the send address (`normalize_email`); `email_key`: its match key;
      `email_is_role`: whether it is a shared inbox (null without a valid address).
    - `linkedin_slug`: public slug of `linkedin_url`; `linkedin_member_key`: the opaque member
      id from `linkedin_member_id`, else `sales_nav_url`, else an `/in/AC…` `linkedin_url`.
    - `company_domain_key`: registrable, non-free-mail domain of `company_domain`, else
      `company_website`, else the email's domain.
    - `company_name_key`, `first_name_key`, `last_name_key`: the name keys.
    - `phone_e164`: the first valid of `phone_direct`, `phone_mobile`, `phone_company`, read
      in the record's `country`.

    Set-based: library rules run once per distinct value, and a later phone or domain column
    is only read for rows the earlier ones left without a key.
    """
    country_col = pl.col("country")
    frame = records.lazy().with_columns(
        normalize_email(pl.col("email")).alias("email_norm"),
        linkedin_slug(pl.col("linkedin_url")).alias("linkedin_slug"),
        pl.coalesce(
            linkedin_member_id(pl.col("linkedin_member_id")),
            linkedin_member_id(pl.col("sales_nav_url")),
            linkedin_member_id(pl.col("linkedin_url")),
        ).alias("linkedin_member_key"),
        company_domain_key(pl.col("company_domain")).alias("company_domain_key"),
        company_name_key(pl.col("company_name")).alias("company_name_key"),
        first_name_key(pl.col("first_name")).alias("first_name_key"),
        last_name_key(pl.col("last_name")).alias("last_name_key"),
        _phone_key(pl.col("phone_direct"), country_col, phones).alias("phone_e164"),
    )
    # Fallbacks, each read only where the keys before it came out null.
    missing_domain = pl.col("company_domain_key").is_null()
    frame = frame.with_columns(
        _email_key_of_address(pl.col("email_norm")).alias("email_key"),
        is_role_address(pl.col("email_norm")).alias("email_is_role"),
        pl.coalesce(
            "company_domain_key",
            company_domain_key(pl.when(missing_domain).then(pl.col("company_website"))),
        ).alias("company_domain_key"),
        pl.coalesce(
            "phone_e164",
            _phone_key(
                pl.when(pl.col("phone_e164").is_null()).then(pl.col("phone_mobile")),
                country_col,
                phones,
            ),
        ).alias("phone_e164"),
    )
    frame = frame.with_columns(
        pl.coalesce(
            "company_domain_key",
            company_domain_from_email(
                pl.when(pl.col("company_domain_key").is_null()).then(pl.col("email_norm"))
            ),
        ).alias("company_domain_key"),
        pl.coalesce(
            "phone_e164",
            _phone_key(
                pl.when(pl.col("phone_e164").is_null()).then(pl.col("phone_company")),
                country_col,
                phones,
            ),
        ).alias("phone_e164"),
    )
    added = [c for c in MATCH_KEY_COLUMNS if c not in records.columns]
    return frame.select(*records.columns, *added).collect()
