"""What the closed deals say by segment, source, tier and channel, and what each source cost
per qualified lead and per won deal: set-based SQL over the stored tables.

Source cost is the same sum as `marts.source_performance` makes (records at the manifest's
`cost_per_record_usd`, plus each person's verification and research cost split evenly across
the sources that had them); it is computed here because the marts come after this layer. A
won deal counts under every source that held its person when it was attributed.
"""

from __future__ import annotations

from leadgen_pipeline.layers.raw.canonical import SOURCES

WIN_RATES_SQL = """
with split as (
  select 'segment' as dimension, coalesce(segment, 'unknown') as value, won, amount
  from feedback.attribution
  union all
  select 'source', coalesce(s.source, 'unknown'), won, amount
  from feedback.attribution
  left join (select deal_key, unnest(sources) as source from feedback.attribution) s
    using (deal_key)
  union all
  select 'tier', coalesce(tier, 'unknown'), won, amount from feedback.attribution
  union all
  select 'channel', coalesce(channel, 'unknown'), won, amount from feedback.attribution
)
select dimension, value, count(*)::bigint as deals, count(*) filter (where won)::bigint as won,
       (count(*) filter (where won)) / count(*) as win_rate,
       coalesce(sum(amount) filter (where won), 0)::double as revenue_won
from split group by all order by dimension, value
"""


def _raw_records() -> str:
    return " union all ".join(
        f"select '{source}' as source, count(*) as records from raw.{source}" for source in SOURCES
    )


# What was paid for each person (verification, research), and each person's share per
# source: the cost side of cost per lead, one text for `feedback.source_costs` and
# `marts.source_performance` (marts reads it from here: it is the later layer)
PERSON_COST_CTES = """
person_source as (
  select person_id, unnest(list_distinct(sources)) as source from core.contacts
),
weight as (
  select person_id, source, 1.0 / count(*) over (partition by person_id) as share
  from person_source
),
address as (
  select person_id, lower(nfc_normalize(trim(email))) as email, company_domain
  from core.contacts where email is not null
),
verification as (
  select a.person_id, sum(l.cost) as cost
  from verify.ledger l join address a on a.email = l.email group by all
),
research_account as (
  select account_domain, sum(coalesce(cost_usd, 0)) as cost
  from enrich.research_ledger group by all
),
research as (
  select c.person_id, r.cost / count(*) over (partition by c.company_domain) as cost
  from core.contacts c join research_account r on r.account_domain = c.company_domain
)
"""

SOURCE_COSTS_SQL = f"""
with {PERSON_COST_CTES},
ledgers as (
  select w.source,
         coalesce(sum(w.share * v.cost), 0) + coalesce(sum(w.share * r.cost), 0) as cost,
         count(distinct q.person_id) as qualified
  from weight w
  left join verification v using (person_id)
  left join research r using (person_id)
  left join (select distinct person_id from score.routed_leads) q using (person_id)
  group by all
),
won as (
  select source, count(distinct deal_key) as won_deals
  from (select deal_key, unnest(sources) as source from feedback.attribution where won)
  group by all
),
records as ({_raw_records()})
select r.source,
       round(r.records * coalesce(m.cost_per_record_usd, 0) + coalesce(l.cost, 0), 4)::double
         as cost_usd,
       coalesce(l.qualified, 0)::bigint as qualified_leads,
       round((r.records * coalesce(m.cost_per_record_usd, 0) + coalesce(l.cost, 0))
             / nullif(l.qualified, 0), 4)::double as cost_per_qualified_lead,
       coalesce(w.won_deals, 0)::bigint as won_deals,
       round((r.records * coalesce(m.cost_per_record_usd, 0) + coalesce(l.cost, 0))
             / nullif(w.won_deals, 0), 4)::double as cost_per_won_deal
from records r
left join config.source_provenance m using (source)
left join ledgers l using (source)
left join won w using (source)
order by r.source
"""
