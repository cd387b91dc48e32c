"""Domain rules: the registrable domain of a host, the company domain key, free mail.

- `registrable_domain`: the registrable domain (eTLD+1) of a website, URL, host or email
  address, by the public-suffix snapshot bundled with tldextract, private suffixes counted
  (`acme.github.io`, `rival.myshopify.com` are sites of their own). Nothing is downloaded.
  This is the project's one registrable-domain rule; `is_public_suffix` is its answer to
  "is this host a suffix itself".
- `company_domain_key`: the registrable domain, but null for free-mail and disposable-mail
  providers, whose domains never name an employer; `company_domain_from_email` reads it from
  an address.
- `is_free_mail_domain`: the test behind it (`data/free_mail_domains.txt`,
  `data/free_mail_providers.txt`, the `disposable-email-domains` blocklist).
"""

from __future__ import annotations

from functools import cache, lru_cache

import polars as pl
import tldextract
from disposable_email_domains import blocklist as _DISPOSABLE_DOMAINS

from leadgen_pipeline.kernel import values
from leadgen_pipeline.kernel.keys import _data
from leadgen_pipeline.kernel.keys._expr import _map_unique, _null_if_empty

# Mailbox providers whose addresses belong to individuals, never to an employer: registrable
# domains, and brands that run free mail under every public suffix (yahoo.*, gmx.*).
FREE_MAIL_DOMAINS: frozenset[str] = _data.word_set("free_mail_domains.txt")
FREE_MAIL_PROVIDERS: frozenset[str] = _data.word_set("free_mail_providers.txt")


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot, no download and no disk cache, so keys are pure and
    # reproducible. Private suffixes count (github.io, myshopify.com): each shop on such a
    # platform is its own company, not part of the platform's.
    return tldextract.TLDExtract(
        cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True
    )


def _spelled(host: str) -> str | None:
    """One spelling for IDN hosts, as email-validator returns them: Unicode, not `xn--`."""
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return None


# hosts a run remembers: a million source records name about 320,000 distinct hosts
# (websites and domains), and every layer asks again; at 65,536 the cache thrashed and a
# host cost twice within one call (`_company_domain` asks for it, then the free-mail test)
HOST_CACHE_SIZE = 1 << 20


@lru_cache(maxsize=HOST_CACHE_SIZE)
def _registrable(host: str) -> str | None:
    """eTLD+1 of a lower-case host, or None (bare suffix, IP address, no public suffix)."""
    spelled = _spelled(host)
    if spelled is None:
        return None
    return _extractor()(spelled).top_domain_under_public_suffix or None


def is_public_suffix(host: str) -> bool:
    """True when a lower-case host is itself a public suffix (`co.uk`, `myshopify.com`).

    Such a host is shared by unrelated sites, so it can never be a company's domain.
    """
    spelled = _spelled(host)
    if spelled is None:
        return False
    parts = _extractor()(spelled)
    return bool(parts.suffix) and not parts.domain


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


@lru_cache(maxsize=HOST_CACHE_SIZE)
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
