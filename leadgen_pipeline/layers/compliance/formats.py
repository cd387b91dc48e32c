"""Suppression exports: which tool wrote a file, and what each of its rows asks for.

A file in `suppression/` is recognised by its header (by name, through aliases, never by
position), with the words of its file name breaking a tie only where two tools write the
same header (SendGrid's bounces and blocks). Each format states, per row, the kinds of
suppression the row asks for: a row may ask for several (a HubSpot row can be unsubscribed
and hard-bounced) or none (a contact export row whose opt-out flag is false).

Kinds, and what they do downstream:
- `opt_out`, `spam_complaint`, `erasure`: suppress the person, through every record of them;
  an erasure request may also name them by LinkedIn member id or by name at a company
  (`MEMBER_ID`, `FULL_NAME` with `COMPANY` or `COMPANY_DOMAIN`), never by a name alone;
- `hard_bounce`: suppress the address, not the person (it is a verdict on the mailbox);
- `soft_bounce`: suppresses nothing; counted and kept in `compliance.soft_bounces`;
- `do_not_contact`: suppress every person at the domain;
- `re_consent`: no suppression; it lifts an earlier opt-out or complaint (see history.py).
The real headers these formats are built from are in `docs/vendor-formats.md` §C and in the
test fixtures (`leadgen_pipeline_tests/suppression_headers.py`, with their sources).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from leadgen_pipeline.kernel import values
from leadgen_pipeline.kernel.headers import header_key, signature

# a column of the file by any of its names (null when the file has none of them)
Cell = Callable[[tuple[str, ...]], pl.Expr]
# the kind a row asks for, or null; one rule per kind a format can produce
KindRule = Callable[[Cell], pl.Expr]

EMAIL = (
    "email",
    "e-mail",
    "email address",
    "e-mail address",
    "emailaddress",
    "email_address",
    "blocked email",
    "contact email",
    "work email",
)
DOMAIN = ("domain", "blocked domain", "company domain", "email domain")
LINKEDIN = ("linkedin_url", "linkedin url", "linkedin", "linkedin profile url")
# lemlist's one column for an address, an `@domain` or a LinkedIn URL
VALUE = ("value",)
# what else an erasure request may name a person by: an opaque LinkedIn member id (bare, or
# in a Sales Navigator URL), or a name at a company (the company's name or its domain)
MEMBER_ID = (
    "linkedin_member_id",
    "linkedin member id",
    "member id",
    "member_id",
    "vmid",
    "linkedin id",
    "linkedin_id",
    "sales_nav_url",
    "sales navigator url",
)
FULL_NAME = ("full_name", "full name", "name", "data subject name", "subject name")
FIRST_NAME = ("first_name", "first name", "firstname")
LAST_NAME = ("last_name", "last name", "lastname", "surname")
COMPANY = (
    "company",
    "company_name",
    "company name",
    "organisation",
    "organization",
    "employer",
    "account name",
)
COMPANY_DOMAIN = (*DOMAIN, "company_domain", "company website", "website")
WHEN = (
    "consented_at",
    "requested_at",
    "received_at",
    "bounced_at",
    "opted_out_at",
    "unsub_time",
    "clean_time",
    "created",
    "created_at",
    "createdat",
    "date",
    "timestamp",
)
REASON = (
    "proof",
    "reason",
    "unsub_reason",
    "regulation",
    "channel",
    "provider",
    "reference",
    "request_id",
    "source",
)
BOUNCE_TYPE = ("bounce_type", "bounce type")
SMTP_STATUS = ("status", "smtp status", "smtp_status")
OPTED_OUT = (
    "unsubscribed from all email",
    "opted out of all email",
    "email opt out",
    "hasoptedoutofemail",
    "von allen e-mails abgemeldet",
)


def _always(kind: str) -> KindRule:
    return lambda cell: pl.lit(kind)


def _when_true(kind: str, columns: tuple[str, ...]) -> KindRule:
    """`kind` where the yes/no column says yes (`true`, `TRUE`, `1`, `yes`, ...)."""
    return lambda cell: pl.when(values.boolean(cell(columns)).fill_null(False)).then(pl.lit(kind))


def bounce_kind(status: pl.Expr) -> pl.Expr:
    """`hard_bounce` or `soft_bounce` from a bounce type (`hard`/`soft`, `permanent`/
    `transient`) or an SMTP status (`5.1.1`, `550 ...` hard; `4.2.2`, `421 ...` soft);
    `hard_bounce` when the cell says nothing more than that the address bounced."""
    text = status.str.strip_chars().str.to_lowercase()
    return (
        pl.when(
            text.str.contains(r"^(soft|transient|temporary)|(^|\D)4\.\d{1,3}\.\d{1,3}|^4\d\d\b")
        )
        .then(pl.lit("soft_bounce"))
        .otherwise(pl.lit("hard_bounce"))
    )


def _bounce(columns: tuple[str, ...] = (*BOUNCE_TYPE, *SMTP_STATUS)) -> KindRule:
    return lambda cell: bounce_kind(cell(columns).fill_null(""))


def _bounced_when_given(columns: tuple[str, ...]) -> KindRule:
    """A bounce where the column holds anything (`TRUE`, or the bounce's SMTP text)."""

    def rule(cell: Cell) -> pl.Expr:
        text = cell(columns).str.strip_chars()
        given = (
            text.is_not_null() & (text != "") & ~text.str.to_lowercase().is_in(["false", "0", "no"])
        )
        return pl.when(given).then(bounce_kind(text))

    return rule


@dataclass(frozen=True)
class SuppressionFormat:
    """One suppression export: how to recognise it and what its rows ask for."""

    name: str
    signatures: tuple[frozenset[str], ...]  # any one, in full, recognises the header
    rules: tuple[KindRule, ...]
    # words, one of which the file name must hold, where the header alone is ambiguous
    file_words: tuple[str, ...] = ()

    def matches(self, present: frozenset[str], file_name: str) -> bool:
        if not any(sig <= present for sig in self.signatures):
            return False
        name = file_name.lower()
        return not self.file_words or any(word in name for word in self.file_words)


def _format(
    name: str, *signatures: frozenset[str], rules: tuple[KindRule, ...], words: tuple = ()
) -> SuppressionFormat:
    return SuppressionFormat(name, signatures, rules, words)


# The first format that matches wins: specific headers before generic ones.
FORMATS: tuple[SuppressionFormat, ...] = (
    # the one documented way back in: who gave consent again, when, and the proof of it
    _format(
        "re_consent", signature("email", "consented_at", "proof"), rules=(_always("re_consent"),)
    ),
    # erasure requests: the project's own export and the common DSAR-tool shape
    _format(
        "erasure_requests",
        signature("requested_at"),
        signature("request_id"),
        signature("regulation", "received_at"),
        rules=(_always("erasure"),),
    ),
    # CRM contact exports whose opt-out flag marks who may not be emailed
    _format(
        "hubspot_contacts",
        signature("email", "unsubscribed from all email"),
        signature("email", "opted out of all email"),
        signature("e-mail", "von allen e-mails abgemeldet"),
        rules=(
            _when_true("opt_out", OPTED_OUT),
            _bounced_when_given(("email hard bounce reason",)),
        ),
    ),
    _format(
        "salesforce_opt_outs",
        signature("email", "email opt out"),
        signature("email", "hasoptedoutofemail"),
        rules=(_when_true("opt_out", OPTED_OUT), _when_true("hard_bounce", ("isemailbounced",))),
    ),
    # HubSpot's unsubscribes and bounces export: one row, several flags
    _format(
        "hubspot_unsubscribes_and_bounces",
        signature("email", "portal unsubscribe"),
        signature("email", "portal bounce"),
        rules=(
            _when_true("opt_out", ("portal unsubscribe",)),
            _when_true("spam_complaint", ("portal spam report",)),
            _bounced_when_given(("portal bounce", "global bounce")),
        ),
    ),
    # Mailchimp audience exports: the unsubscribed and the cleaned (hard-bounced) lists
    _format(
        "mailchimp_unsubscribed",
        signature("email address", "unsub_time"),
        rules=(_always("opt_out"),),
    ),
    _format(
        "mailchimp_cleaned",
        signature("email address", "clean_time"),
        rules=(_always("hard_bounce"),),
    ),
    # the project's own bounce, opt-out and domain lists
    _format("bounces", signature("email", "bounced_at"), rules=(_bounce(),)),
    _format("opt_outs", signature("email", "opted_out_at"), rules=(_always("opt_out"),)),
    # SendGrid's suppression downloads: one header for several lists, told by the file name
    _format(
        "sendgrid_bounces",
        signature("email", "created", "status", "reason"),
        rules=(_bounce(),),
        words=("bounce",),
    ),
    _format(
        "sendgrid_blocks",
        signature("email", "created", "status", "reason"),
        rules=(_always("soft_bounce"),),
        words=("block",),
    ),
    _format(
        "sendgrid_spam_reports",
        signature("email", "created", "ip"),
        rules=(_always("spam_complaint"),),
    ),
    _format(
        "sendgrid_invalid_emails",
        signature("email", "created", "reason"),
        rules=(_always("hard_bounce"),),
        words=("invalid",),
    ),
    # block lists (Instantly, lemlist, Smartlead uploads): an address, an @domain or a
    # LinkedIn URL per row; the kind follows from what the cell holds
    _format("instantly_block_list", signature("blocked email"), rules=(_always("opt_out"),)),
    _format("lemlist_unsubscribes", signature("value", "source"), rules=(_always("opt_out"),)),
    # generic lists, named for what they are: the file name says which
    _format(
        "unsubscribes",
        signature("email"),
        rules=(_always("opt_out"),),
        words=(
            "unsub",
            "opt_out",
            "opt-out",
            "optout",
            "opted",
            "block",
            "suppress",
            "do_not_email",
            "do-not-email",
        ),
    ),
    _format(
        "spam_complaints",
        signature("email"),
        rules=(_always("spam_complaint"),),
        words=("spam", "complaint", "abuse"),
    ),
    _format("bounce_list", signature("email"), rules=(_bounce(),), words=("bounce",)),
    _format("do_not_contact_domains", signature("domain"), rules=(_always("do_not_contact"),)),
)

# every header name some format reads, for the message about a file none understands
KNOWN_COLUMNS = sorted(
    {name for group in (EMAIL, DOMAIN, LINKEDIN, VALUE, OPTED_OUT) for name in group}
)


def recognise_suppression_file(header: list[str], file_name: str) -> SuppressionFormat | None:
    """The first format whose signature the header carries (and, where the header is
    ambiguous, whose words the file name holds), or None."""
    present = frozenset(header_key(h) for h in header)
    return next((fmt for fmt in FORMATS if fmt.matches(present, file_name)), None)


def cell_reader(columns: Mapping[str, str]) -> Cell:
    """`cell(aliases)`: the file's first column among the aliases, else null text."""

    def cell(aliases: tuple[str, ...]) -> pl.Expr:
        found = [columns[header_key(a)] for a in aliases if header_key(a) in columns]
        return pl.coalesce([pl.col(c) for c in found]) if found else pl.lit(None, pl.String)

    return cell
