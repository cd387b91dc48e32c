"""Signal and intent export headers, copied from docs/vendor-formats.md §F (not from the
package), so the tests hold the signal readers to what the exports look like."""

from __future__ import annotations

# Crunchbase bulk export `funding_rounds.csv` (partial: field names of a client that mirrors
# the export): it names the organisation (`org_name`), not its domain.
CRUNCHBASE_FUNDING_ROUNDS = [
    "uuid",
    "name",
    "type",
    "permalink",
    "cb_url",
    "rank",
    "created_at",
    "updated_at",
    "country_code",
    "state_code",
    "region",
    "city",
    "investment_type",
    "announced_on",
    "raised_amount_usd",
    "raised_amount",
    "raised_amount_currency_code",
    "post_money_valuation_usd",
    "post_money_valuation",
    "post_money_valuation_currency_code",
    "investor_count",
    "org_uuid",
    "org_name",
    "lead_investor_uuids",
]
# Crunchbase's 2015 open data `rounds.csv`.
CRUNCHBASE_2015_ROUNDS = [
    "company_permalink",
    "company_name",
    "company_category_list",
    "company_country_code",
    "company_state_code",
    "company_region",
    "company_city",
    "funding_round_permalink",
    "funding_round_type",
    "funding_round_code",
    "funded_at",
    "raised_amount_usd",
]
# BuiltWith Domain API technologies, flattened one row per technology (`FirstDetected` and
# `LastDetected` are epoch milliseconds).
BUILTWITH_DOMAIN = ["Domain", "Name", "Tag", "Categories", "FirstDetected", "LastDetected"]
# The project's documented shapes (data/sample/signals/).
FUNDING_ROUNDS = [
    "company_domain",
    "company_name",
    "round",
    "amount_usd",
    "announced_on",
    "source_url",
]
TECH_STACK = ["company_domain", "technology", "category", "first_seen_on", "source_url"]
JOB_POSTINGS = ["company_domain", "job_title", "department", "posted_on", "source_url"]
COMPANY_EVENTS = ["company_domain", "event_type", "event_date", "headline", "source_url"]
# Bombora Company Surge (data/sample/intent/).
BOMBORA_SURGE = [
    "Company Name",
    "Domain",
    "Size",
    "Industry",
    "HQ Country",
    "Topic",
    "Topic ID",
    "Category",
    "Composite Score",
    "Composite Score Delta",
    "Report Date",
]
