"""Match keys for entity resolution: canonical raw records in, comparable keys out.

One module per key, each rule stated once:

- `email`: `normalize_email`, `send_address`, `email_match_key` (and its SQL form
  `email_match_key_sql`), `is_role_address`, and a mailbox's `mailbox_stem` and
  `mailbox_number`;
- `linkedin`: `linkedin_slug` (and `linkedin_slug_sql`), `linkedin_member_id` with its
  `MEMBER_ID_PATTERN`, `linkedin_canonical_url`;
- `domain`: `registrable_domain`, `company_domain_key`, `company_domain_from_email`,
  `is_free_mail_domain`, `is_public_suffix`;
- `company`: `company_name_key`; `person`: `first_name_key`, `last_name_key`, and the
  `mailbox_word` and `mailbox_patterns` a name gives an address;
- `phone`: `phone_e164`; `country`: `country_iso2`.

A rule is a Polars expression function that cleans a whole column in one pass: rules a regex
can state run as native string expressions; rules that need a library (email-validator,
tldextract, cleanco, phonenumbers, pycountry) call it once per *distinct* value of the
column, never once per row. `scalar(rule, *values)` evaluates any rule on single values
(`scalar(email_match_key, "Ann <a@x.io>")`), so there is no scalar twin to drift from it.
The reference lists (role inboxes, free-mail domains, nicknames, surname suffixes) are
package data in `data/`.

A key is null whenever the input does not support one: an invalid address, an opaque LinkedIn
URL where a public slug was asked for, a free-mail domain where a company domain was asked for.
Null keys never match anything; a wrong key would merge strangers.

`match_keys` adds every key to a frame of canonical records in one set-based pass.
"""

from __future__ import annotations

import polars as pl

from leadgen_pipeline.kernel.keys._expr import scalar
from leadgen_pipeline.kernel.keys.company import company_name_key
from leadgen_pipeline.kernel.keys.country import country_iso2
from leadgen_pipeline.kernel.keys.domain import (
    FREE_MAIL_DOMAINS,
    FREE_MAIL_PROVIDERS,
    company_domain_from_email,
    company_domain_key,
    is_free_mail_domain,
    is_public_suffix,
    registrable_domain,
)
from leadgen_pipeline.kernel.keys.email import (
    ROLE_LOCAL_PARTS,
    _email_key_of_address,
    email_match_key,
    email_match_key_sql,
    is_role_address,
    normalize_email,
    send_address,
)
from leadgen_pipeline.kernel.keys.linkedin import (
    MEMBER_ID_PATTERN,
    linkedin_canonical_url,
    linkedin_member_id,
    linkedin_slug,
    linkedin_slug_sql,
)
from leadgen_pipeline.kernel.keys.person import (
    FIRST_NAME_NICKNAMES,
    LAST_NAME_SUFFIXES,
    first_name_key,
    last_name_key,
)
from leadgen_pipeline.kernel.keys.phone import phone_e164

__all__ = [
    "FIRST_NAME_NICKNAMES",
    "FREE_MAIL_DOMAINS",
    "FREE_MAIL_PROVIDERS",
    "LAST_NAME_SUFFIXES",
    "MATCH_KEY_COLUMNS",
    "MEMBER_ID_PATTERN",
    "ROLE_LOCAL_PARTS",
    "company_domain_from_email",
    "company_domain_key",
    "company_name_key",
    "country_iso2",
    "email_match_key",
    "email_match_key_sql",
    "first_name_key",
    "is_free_mail_domain",
    "is_public_suffix",
    "is_role_address",
    "last_name_key",
    "linkedin_canonical_url",
    "linkedin_member_id",
    "linkedin_slug",
    "linkedin_slug_sql",
    "match_keys",
    "normalize_email",
    "phone_e164",
    "registrable_domain",
    "scalar",
    "send_address",
]


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

    - `email_norm`: the address as `normalize_email` gives it; `email_key`: its match key;
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
