"""The analyst marts: DuckDB views over the pipeline's tables, always as fresh as they are.

- `marts.funnel`: where volume turns into qualified leads. For each segment and source (and
  `all` sources), the count at each step: raw records -> unique people -> verified (a
  sendable verdict) -> ICP fit -> scored, by tier -> routed, by channel. Every person is
  weighed against every segment, so the first three steps repeat per segment. A person
  counts under each source that has a record of them; the `all` row counts them once.
- `marts.qualified_leads`: the routed leads with who they are, where they came from and the
  opener, for a spreadsheet or a BI tool.
- `marts.source_performance`: per source, records, unique people contributed (and those no
  other source has), verified, fit and qualified shares, and cost per qualified lead: the
  records' cost (`data/sources.yaml`) plus the verification and research ledgers' costs,
  each person's share split evenly across the sources that had them.
"""

from __future__ import annotations

from leadgen_pipeline.layers.feedback.outcomes import PERSON_COST_CTES
from leadgen_pipeline.layers.raw.canonical import SOURCES
from leadgen_pipeline.layers.score.routing import CHANNELS
from leadgen_pipeline.layers.score.scoring import TIERS

FUNNEL_STEPS: tuple[str, ...] = (
    "raw_records", "unique_people", "verified", "icp_fit", "scored", "routed",
)  # fmt: skip


def _values(rows: list[tuple[object, ...]]) -> str:
    def literal(value: object) -> str:
        return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


def _raw_records() -> str:
    return " union all ".join(
        f"select '{source}' as source, count(*) as records from raw.{source}" for source in SOURCES
    )


# (step, stage, bucket): every cell of the funnel, so a zero shows as a zero
_CELLS = _values(
    [(1, "raw_records", ""), (2, "unique_people", ""), (3, "verified", ""), (4, "icp_fit", "")]
    + [(5, "scored", tier) for tier in TIERS]
    + [(6, "routed", channel) for channel in CHANNELS]
)

_PERSON_SOURCES = """
  select person_id, unnest(list_distinct(sources)) as source from core.contacts
"""

FUNNEL_SQL = f"""
create or replace view marts.funnel as
with person_source as ({_PERSON_SOURCES}),
sources as (select unnest({list(SOURCES)!r}::varchar[]) as source union all select 'all'),
segments as (select segment from config.icp_segments),
cells(step, stage, bucket) as (values {_CELLS}),
raw_counts as (
  select source, records from ({_raw_records()})
  union all select 'all', sum(records) from ({_raw_records()})
),
people as (select person_id, source from person_source
           union all select person_id, 'all' from core.contacts),
counts as (
  select g.segment, r.source, 1 as step, '' as bucket, r.records as people
  from raw_counts r cross join segments g
  union all
  select g.segment, p.source, 2, '', count(distinct p.person_id)
  from people p cross join segments g group by all
  union all
  select g.segment, p.source, 3, '', count(distinct p.person_id)
  from people p join verify.sendable_contacts s using (person_id) cross join segments g
  group by all
  union all
  select f.segment, p.source, 4, '', count(distinct p.person_id)
  from people p join score.icp_fit f using (person_id) where f.fit group by all
  union all
  select l.segment, p.source, 5, l.tier, count(distinct p.person_id)
  from people p join score.lead_scores l using (person_id) group by all
  union all
  select r.segment, p.source, 6, r.channel, count(distinct p.person_id)
  from people p join score.routed_leads r using (person_id) group by all
)
select c.step::bigint as step, c.stage, c.bucket, g.segment, s.source,
       coalesce(k.people, 0)::bigint as count
from cells c cross join segments g cross join sources s
left join counts k on k.segment = g.segment and k.source = s.source and k.step = c.step
  and k.bucket = c.bucket
order by g.segment, s.source = 'all' desc, s.source, c.step, c.bucket
"""

QUALIFIED_LEADS_SQL = """
create or replace view marts.qualified_leads as
select r.person_id, r.segment, r.tier, r.score, r.priority, r.channel, r.channel_reason,
       c.first_name, c.last_name, c.title, c.company_name, c.company_domain, c.country,
       r.email, r.email_track, r.linkedin_url, r.phone, r.opener, r.opener_source_url,
       r.opener_date, r.matched_signals, r.sources, r.consent_bases, r.scoring_version,
       r.icp_version, r.routed_at
from score.routed_leads r join core.contacts c using (person_id)
order by r.segment, r.priority
"""

SOURCE_PERFORMANCE_SQL = f"""
create or replace view marts.source_performance as
with {PERSON_COST_CTES},
raw_counts as ({_raw_records()}),
fit as (select distinct person_id from score.icp_fit where fit),
qualified as (select distinct person_id from score.routed_leads),
per_source as (
  select w.source,
         count(*) as unique_people,
         count(*) filter (where w.share = 1) as exclusive_people,
         count(s.person_id) as verified_people,
         count(f.person_id) as fit_people,
         count(q.person_id) as qualified_people,
         coalesce(sum(w.share * v.cost), 0) as verification_cost_usd,
         coalesce(sum(w.share * r.cost), 0) as research_cost_usd
  from weight w
  left join verify.sendable_contacts s using (person_id)
  left join fit f using (person_id)
  left join qualified q using (person_id)
  left join verification v using (person_id)
  left join research r using (person_id)
  group by all
)
select r.source, r.records,
       coalesce(p.unique_people, 0) as unique_people,
       coalesce(p.exclusive_people, 0) as exclusive_people,
       p.verified_people / nullif(p.unique_people, 0) as verified_share,
       p.fit_people / nullif(p.unique_people, 0) as fit_share,
       coalesce(p.qualified_people, 0) as qualified_people,
       p.qualified_people / nullif(p.unique_people, 0) as qualified_share,
       round(r.records * m.cost_per_record_usd, 4) as record_cost_usd,
       round(coalesce(p.verification_cost_usd, 0), 4) as verification_cost_usd,
       round(coalesce(p.research_cost_usd, 0), 4) as research_cost_usd,
       round(r.records * m.cost_per_record_usd + coalesce(p.verification_cost_usd, 0)
             + coalesce(p.research_cost_usd, 0), 4) as total_cost_usd,
       round((r.records * m.cost_per_record_usd + coalesce(p.verification_cost_usd, 0)
             + coalesce(p.research_cost_usd, 0)) / nullif(p.qualified_people, 0), 4)
         as cost_per_qualified_lead_usd
from raw_counts r
left join per_source p using (source)
left join config.source_provenance m using (source)
order by r.source
"""

VIEWS: dict[str, str] = {
    "marts.funnel": FUNNEL_SQL,
    "marts.qualified_leads": QUALIFIED_LEADS_SQL,
    "marts.source_performance": SOURCE_PERFORMANCE_SQL,
}
