"""`enrich.leads`: one row per sendable person, with what scoring, routing and the opener use.

A lead's account is placed in the first ICP segment (by name) whose countries, industries
and employee band it fits and whose disqualifier domains it is not on. What is listed on the
lead comes from **verified** signals only, **within the segment's window**
(`enrichment.signal_window_days`) and **relevant to the segment** (the signal serves one of
its buying-signal kinds and, where the kind lists terms, names one). Intent is never listed
(it only breaks ties in scoring). The hook is the freshest such signal as one factual
sentence made from the signal's own fields (a researched claim: its verified wording), with
its date, source URL and `signal_id`; a
lead without a segment or without such a signal has no hook. Layoffs, dropped
technologies and shrinking headcount are never openers.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import polars as pl

from leadgen_pipeline.kernel.store import in_utc, registered

# Which ICP buying-signal kinds (config/icp.py) each signal type can serve.
SERVES: dict[str, tuple[str, ...]] = {
    "funding_round": ("funding_round",),
    "acquisition": ("funding_round", "company_event"),
    "hiring": ("hiring",),
    "headcount_growth": ("hiring",),
    "tech_adopted": ("tech_stack",),
    "exec_hire": ("job_change", "company_event"),
    "job_change": ("job_change",),
    "role_change": ("job_change",),
    "product_launch": ("company_event",),
    "partnership": ("company_event",),
    "office_opening": ("company_event",),
}
# never an opener, whatever the segment
NOT_A_HOOK = ("layoffs", "tech_dropped", "intent_surge")
# on equal dates, the more specific fact opens
HOOK_PRIORITY = (
    "funding_round",
    "acquisition",
    "exec_hire",
    "job_change",
    "role_change",
    "office_opening",
    "product_launch",
    "partnership",
    "hiring",
    "tech_adopted",
    "headcount_growth",
)

_MONEY = """case when r.value.amount is null then ''
  else ' of ' || case when r.value.currency = 'USD' or r.value.currency is null then '$'
                 else r.value.currency || ' ' end
  || case when r.value.amount >= 1000000000 then printf('%.1fB', r.value.amount / 1e9)
          when r.value.amount >= 1000000 then printf('%.1fM', r.value.amount / 1e6)
          when r.value.amount >= 1000 then printf('%.0fK', r.value.amount / 1e3)
          else r.value.amount::varchar end end"""

_NAME = "coalesce(l.account_name, l.company_name, r.account_domain)"
_HOOK = f"""case r.signal_type
  when 'funding_round' then {_NAME} || ' raised a '
       || r.value.round || {_MONEY} || ' (' || strftime(r.signal_date, '%Y-%m-%d') || ').'
  when 'hiring' then {_NAME} || ' is hiring: '
       || r.same_role || ' open ' || r.value.role || ' role' || case when r.same_role > 1 then 's'
       else '' end || ', the latest posted ' || strftime(r.signal_date, '%Y-%m-%d') || '.'
  when 'tech_adopted' then {_NAME} || ' started using '
       || r.value.technology || ' (first detected ' || strftime(r.signal_date, '%Y-%m-%d') || ').'
  when 'headcount_growth' then {_NAME}
       || ' grew from ' || r.value.from_count || ' to ' || r.value.to_count || ' employees (as of '
       || strftime(r.signal_date, '%Y-%m-%d') || ').'
  when 'job_change' then 'Started as ' || coalesce(r.value.role, 'a new role') || ' at '
       || coalesce(r.value.company, l.account_name, l.company_name, r.account_domain) || ' on '
       || strftime(r.signal_date, '%Y-%m-%d') || '.'
  when 'role_change' then 'Started as ' || coalesce(r.value.role, 'a new role') || ' at '
       || coalesce(r.value.company, l.account_name, l.company_name, r.account_domain) || ' on '
       || strftime(r.signal_date, '%Y-%m-%d') || '.'
  else rtrim(r.claim, '.') || ' (' || strftime(r.signal_date, '%Y-%m-%d') || ').'
end"""


def _serves_frame() -> pl.DataFrame:
    rows = [(t, k) for t, kinds in SERVES.items() for k in kinds]
    return pl.DataFrame(rows, schema={"signal_type": pl.String, "kind": pl.String}, orient="row")


def _priority_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {"signal_type": list(HOOK_PRIORITY), "priority": list(range(len(HOOK_PRIORITY)))}
    )


def build_leads(con: duckdb.DuckDBPyConnection, now: datetime) -> pl.DataFrame:
    """The `enrich.leads` table from the stored sendable contacts, contacts, accounts,
    segments and signals, as of `now`."""
    with registered(con, _serves_frame()) as serves, registered(con, _priority_frame()) as prio:
        sql = f"""
with lead as (
  select s.person_id, c.title, c.seniority, c.company_domain,
         coalesce(c.company_name, a.company_name) as company_name,
         a.company_name as account_name,
         coalesce(a.employee_count, c.employee_count) as employee_count,
         lower(coalesce(a.industry, c.industry)) as industry,
         coalesce(c.country, a.country) as country, a.technologies
  from verify.sendable_contacts s
  join core.contacts c using (person_id)
  left join core.accounts a on a.company_domain = c.company_domain
),
placed as (
  select l.person_id, min(g.segment) as segment
  from lead l join config.icp_segments g
    on list_contains(g.countries, l.country) and list_contains(g.industries, l.industry)
   and l.employee_count >= g.employee_min
   and (g.employee_max is null or l.employee_count <= g.employee_max)
   and not list_contains(g.disqualifier_domains, l.company_domain)
  group by l.person_id
),
l as (
  select l.*, p.segment, g.signal_window_days as window_days, g.buying_signals,
         g.relevant_technologies as segment_technologies,
         $today::date - g.signal_window_days::integer as window_start
  from lead l left join placed p using (person_id)
  left join config.icp_segments g on g.segment = p.segment
),
usable as (
  select sig.*, l.person_id as lead_id
  from enrich.signals sig join l on sig.account_domain = l.company_domain
  where sig.verified and sig.signal_type <> 'intent_surge'
    and (sig.person_id is null or sig.person_id = l.person_id)
    and sig.signal_date <= $today::date
    and sig.signal_date >= l.window_start
),
relevant as (
  select distinct u.*
  from usable u join l on l.person_id = u.lead_id
  join {serves} sv on sv.signal_type = u.signal_type
  cross join unnest(l.buying_signals) as b(bs)
  where bs.kind = sv.kind and (
    len(bs.match) = 0 or u.signal_type = 'headcount_growth'
    or len(list_filter(bs.match, lambda t: contains(lower(concat_ws(' ', u.claim, u.value.round,
        u.value.role, u.value.technology, replace(u.value.event, '_', ' '))), t))) > 0)
),
ranked as (
  select r.*, p.priority,
         count(*) over (partition by r.lead_id, r.signal_type, lower(r.value.role)) as same_role
  from relevant r left join {prio} p using (signal_type)
),
sentences as (
  select r.lead_id, r.signal_id, r.signal_date, r.source_url, r.priority,
         case when r.source = 'research'
              then rtrim(r.claim, '.') || ' (' || strftime(r.signal_date, '%Y-%m-%d') || ').'
              else {_HOOK} end as hook
  from ranked r join l on l.person_id = r.lead_id
  where r.signal_type not in ({", ".join(f"'{t}'" for t in NOT_A_HOOK)})
    and not (r.signal_type = 'headcount_growth' and r.value.to_count <= r.value.from_count)
),
hooks as (
  select r.lead_id, r.signal_id as hook_signal_id, r.signal_date as hook_date,
         r.source_url as hook_source_url, r.hook
  from sentences r
  -- a signal whose fields cannot make a sentence is listed, never an opener
  where r.hook is not null
  qualify row_number() over (partition by r.lead_id
    order by r.signal_date desc, r.priority, r.signal_id) = 1
),
listed as (
  select lead_id, list(signal_id order by signal_date desc, signal_id) as signal_ids
  from relevant group by lead_id
),
funding as (
  select lead_id, value.round as latest_funding_round, signal_date as latest_funding_date
  from usable where signal_type = 'funding_round'
  qualify row_number() over (partition by lead_id order by signal_date desc, signal_id) = 1
),
roles as (
  select lead_id, count(*) as open_roles from usable where signal_type = 'hiring'
  group by lead_id
),
started as (
  select l.person_id as lead_id, max(sig.signal_date) as role_started_on
  from enrich.signals sig join l on sig.person_id = l.person_id
  where sig.verified and sig.signal_type in ('job_change', 'role_change')
    and sig.signal_date <= $today::date
  group by l.person_id
),
growth as (
  select account_domain, round(100.0 * (value.to_count - value.from_count)
         / value.from_count, 1) as headcount_change_pct
  from enrich.signals where verified and signal_type = 'headcount_growth'
  qualify row_number() over (partition by account_domain order by signal_date desc) = 1
),
tech as (
  select l.person_id, list_sort(list_distinct(list_filter(list_transform(
           string_split(coalesce(l.technologies, ''), ','), lambda t: lower(trim(t)))
           || coalesce((select list(lower(sig.value.technology)) from enrich.signals sig
                        where sig.verified and sig.signal_type = 'tech_adopted'
                          and sig.account_domain = l.company_domain), []),
           lambda t: list_contains(coalesce(l.segment_technologies, []), t)))) as technologies
  from l
)
select l.person_id, l.segment, l.title, l.seniority, st.role_started_on,
       case when st.role_started_on is null then null
            else datediff('month', st.role_started_on, $today::date) end
         as tenure_months,
       l.company_domain, l.company_name, l.employee_count, gr.headcount_change_pct,
       f.latest_funding_round, f.latest_funding_date, coalesce(ro.open_roles, 0) as open_roles,
       coalesce(te.technologies, []) as relevant_technologies,
       coalesce(li.signal_ids, []) as signal_ids, l.window_days,
       h.hook, h.hook_signal_id, h.hook_date, h.hook_source_url,
       $now::timestamptz as built_at
from l
left join started st on st.lead_id = l.person_id
left join growth gr on gr.account_domain = l.company_domain
left join funding f on f.lead_id = l.person_id
left join roles ro on ro.lead_id = l.person_id
left join tech te on te.person_id = l.person_id
left join listed li on li.lead_id = l.person_id
left join hooks h on h.lead_id = l.person_id
order by l.person_id
"""
        params = {"now": now, "today": now.astimezone(UTC).date()}
        frame = in_utc(con.sql(sql, params=params).pl())
    return frame.with_columns(
        pl.col("tenure_months").cast(pl.Int64),
        pl.col("open_roles").cast(pl.Int64),
        pl.col("window_days").cast(pl.Int64),
        pl.col("headcount_change_pct").cast(pl.Float64),
    )
