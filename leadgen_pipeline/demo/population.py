"""The simulated truth behind the demo inbox: companies and the people who work there.

Most companies come from a broad mix of industries, countries and sizes; a share are the
accounts the sales team targets on purpose (`names.TARGET_PROFILES`, after its ICP
segments). Each company also has a `heat` (`names.ACCOUNT_HEAT`): how in-market it is,
which decides how many buying signals it shows and how recent they are (`extras.py`).

Everything is built column by column from `Draw` expressions, so a population of half a
million people takes a second or two and is identical for the same seed.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl

from leadgen_pipeline.demo import names
from leadgen_pipeline.demo.rng import Draw

SOURCES: tuple[str, ...] = ("apollo", "cognism", "sales_navigator", "directory")
# Relative pull of each source when a person's 1–3 sources are drawn; tuned so every source
# covers 40–70% of people (see the generator's tests).
SOURCE_WEIGHTS: dict[str, float] = {
    "apollo": 2.6,
    "cognism": 2.0,
    "sales_navigator": 1.9,
    "directory": 1.8,
}
SOURCE_COUNT_WEIGHTS: tuple[float, ...] = (0.36, 0.44, 0.20)  # P(1), P(2), P(3) sources
PEOPLE_PER_COMPANY = 8
JOB_CHANGER_RATE = 0.07
ROLE_INBOXES: tuple[str, ...] = ("info", "sales", "contact", "hello", "team")
# headcount = smallest * e^(spread * u) for a uniform u: log-uniform from 3 to about 10,900
_HEADCOUNT: tuple[float, float] = (3.0, 8.2)

_STREETS: dict[str, tuple[str, ...]] = {
    "DE": ("Hauptstraße", "Königstraße", "Friedrichstraße", "Schillerstraße"),
    "FR": ("Rue de la Paix", "Avenue des Ternes", "Rue de Rivoli", "Boulevard Voltaire"),
    "ES": ("Calle Mayor", "Gran Vía", "Calle de Alcalá", "Paseo del Prado"),
    "NL": ("Keizersgracht", "Herengracht", "Stationsplein", "Marktstraat"),
}
_DEFAULT_STREETS = ("Market Street", "King Street", "Station Road", "High Street", "Main Street")
_FOLD = {
    "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "ë": "e", "á": "a",
    "í": "i", "ï": "i", "ñ": "n", "ú": "u", "ó": "o", "ç": "c", "à": "a", "â": "a",
    "'": "", " ": "", "’": "",
}  # fmt: skip
_EMPLOYEE_BANDS = (
    (10, "1-10"), (50, "11-50"), (200, "51-200"), (500, "201-500"), (1000, "501-1000"),
    (5000, "1001-5000"), (10000, "5001-10000"),
)  # fmt: skip
_LEGAL_LONG = {
    "Ltd": "Limited", "Ltd.": "Limited", "Inc.": "Incorporated", "Inc": "Incorporated",
    "Corp.": "Corporation", "LLC": "L.L.C.", "PLC": "Public Limited Company",
    "Pty Ltd": "Pty Limited", "Pty. Ltd.": "Pty Limited", "B.V.": "BV", "BV": "B.V.",
}  # fmt: skip

# People whose traits the demo must show whatever its size (cp1252 names, a curly
# apostrophe, nicknames, a job changer, a shared inbox); pids 0..5 take these values.
SHOWCASE: tuple[dict[str, object], ...] = (
    {"first": "Elizabeth", "nick": "Liz", "last": "Müller", "sources": ("apollo", "cognism")},
    {"first": "José", "nick": "", "last": "Peña", "sources": ("cognism", "directory")},
    {"first": "Siobhán", "nick": "", "last": "O'Brien",
     "sources": ("cognism", "directory", "sales_navigator")},
    {"first": "Robert", "nick": "Bob", "last": "Núñez", "sources": ("apollo", "directory")},
    {"first": "Katherine", "nick": "Kate", "last": "Walker", "sources": ("apollo", "cognism")},
    {"first": "Michael", "nick": "Mike", "last": "Byrne", "sources": ("apollo",)},
)  # fmt: skip
SHOWCASE_CHANGER = 3  # Robert Núñez changed jobs
SHOWCASE_SHARED = (4, 5)  # these two share one role inbox at one company


def fold_ascii(column: pl.Expr) -> pl.Expr:
    """Lower-case ASCII form of a name, as mailbox and profile slugs spell it."""
    return column.str.to_lowercase().str.replace_many(_FOLD)


def n_companies(people: int) -> int:
    """How many companies employ `people` people in the simulation."""
    return max(12, people // PEOPLE_PER_COMPANY)


def build_companies(draw: Draw, count: int, as_of: date) -> pl.DataFrame:
    """One row per company: name, unique fictional domain, industry, size, funding, address."""
    key = pl.col("cid")
    n_words = 8
    capacity = len(names.STEM_A) * len(names.STEM_B) * len(names.STEM_C) * n_words
    combo = (key * 7919 + 4099) % capacity
    stem_idx = combo // n_words
    nb, nc = len(names.STEM_B), len(names.STEM_C)
    stem = pl.concat_str(
        pl.lit(pl.Series(names.STEM_A)).gather(stem_idx // (nb * nc)),
        pl.lit(pl.Series(names.STEM_B)).gather((stem_idx // nc) % nb),
        pl.lit(pl.Series(names.STEM_C)).gather(stem_idx % nc),
    )
    words = [w for industry in names.INDUSTRIES for w in names.INDUSTRY_WORDS[industry]]
    frame = pl.DataFrame({"cid": pl.int_range(0, count, eager=True, dtype=pl.Int64)})
    frame = frame.with_columns(
        stem=stem,
        target=_target_profile(draw, key),
        word_slot=combo % n_words,
        heat=draw.weighted(
            key, "co.heat", list(names.ACCOUNT_HEAT), list(names.ACCOUNT_HEAT.values())
        ),
    )
    frame = frame.with_columns(*_firmographics(draw, key))
    frame = frame.with_columns(
        word=pl.lit(pl.Series(words)).gather(
            pl.col("industry_idx") * n_words + pl.col("word_slot")
        ),
        industry=pl.lit(pl.Series(names.INDUSTRIES)).gather(pl.col("industry_idx")),
        employees=(_HEADCOUNT[0] * (pl.col("size_u") * _HEADCOUNT[1]).exp()).floor().cast(pl.Int64),
    )
    frame = frame.with_columns(
        _country_pick(draw, key, "co.tld", "tlds").alias("tld"),
        _country_pick(draw, key, "co.suffix", "suffixes").alias("legal_suffix"),
        _country_pick(draw, key, "co.city", "cities").alias("city_state"),
        _country_pick(draw, key, "co.street", None).alias("street_name"),
        pl.col("country")
        .replace_strict({c: v["phone"] for c, v in names.COUNTRIES.items()})
        .alias("phone_prefix"),
    )
    slug_word = fold_ascii(pl.col("word")).str.replace_all("&", "and")
    base_domain = (
        pl.when(draw.chance(key, "co.hyphen", 0.6))
        .then(pl.concat_str(fold_ascii(pl.col("stem")), pl.lit("-"), slug_word))
        .otherwise(pl.concat_str(fold_ascii(pl.col("stem")), slug_word))
    )
    frame = frame.with_columns(domain_base=base_domain)
    # Two industries can share a word ("Works"); suffix a digit so domains stay unique.
    dup_rank = pl.col("cid").rank("ordinal").over("domain_base", "tld")
    frame = frame.with_columns(
        domain=pl.concat_str(
            pl.col("domain_base"),
            pl.when(dup_rank > 1).then(dup_rank.cast(pl.String)).otherwise(pl.lit("")),
            pl.lit("."),
            pl.col("tld"),
        ),
        name=pl.concat_str(pl.col("stem"), pl.lit(" "), pl.col("word")),
        city=pl.col("city_state").list.get(0),
        state=pl.col("city_state").list.get(1),
    )
    return frame.with_columns(
        legal_name=pl.concat_str(pl.col("name"), pl.lit(" "), pl.col("legal_suffix")),
        legal_long=pl.concat_str(
            pl.col("name"),
            pl.lit(" "),
            pl.col("legal_suffix").replace(_LEGAL_LONG),
        ),
        employee_range=_employee_range(pl.col("employees")),
        founded_year=(
            2024
            - (draw.uniform(key, "co.founded") * 30).floor().cast(pl.Int64)
            - (pl.col("employees").log10() * 6).floor().cast(pl.Int64)
        ),
        revenue_usd=(pl.col("employees") * draw.integers(key, "co.rev", 60, 260) * 1000),
        funding_round=pl.when(pl.col("industry").is_in(names.PRIVATE_CAPITAL_INDUSTRIES))
        .then(
            draw.weighted(
                key, "co.round", names.PRIVATE_CAPITAL_ROUNDS, names.PRIVATE_CAPITAL_WEIGHTS
            )
        )
        .otherwise(draw.weighted(key, "co.round", names.FUNDING_ROUNDS, names.FUNDING_WEIGHTS)),
        total_funding_usd=(
            pl.col("employees") * draw.integers(key, "co.fund", 20, 180) * 1000 // 100000 * 100000
        ),
        last_raised_on=pl.lit(as_of) - pl.duration(days=draw.integers(key, "co.raised", 20, 900)),
        company_phone=_phone(draw, key, "co.phone", mobile=False),
        li_company_id=draw.integers(key, "co.li", 1_000_000, 99_000_000),
        li_company_slug=pl.col("domain_base"),
        street=pl.concat_str(
            draw.integers(key, "co.no", 1, 240).cast(pl.String), pl.lit(" "), pl.col("street_name")
        ),
        zip_code=draw.integers(key, "co.zip", 10000, 99999).cast(pl.String),
        shared_inbox=draw.chance(key, "co.shared", 0.15),
        shared_role=draw.pick(key, "co.role", ROLE_INBOXES),
        email_pattern=draw.weighted_index(key, "co.pattern", (50, 20, 10, 10, 10)),
        hubspot_id=draw.integers(key, "co.hs", 5_000_000_000, 9_999_999_999),
    ).drop("size_u", "industry_idx", "word_slot", "city_state", "street_name")


def _target_profile(draw: Draw, key: pl.Expr) -> pl.Expr:
    """The target profile a company was pulled for (`names.TARGET_PROFILES`), or null."""
    shares = [p.share for p in names.TARGET_PROFILES.values()]
    index = draw.weighted_index(key, "co.target", [100.0 - sum(shares), *shares])
    return pl.lit(pl.Series([None, *names.TARGET_PROFILES], dtype=pl.String)).gather(index)


def _firmographics(draw: Draw, key: pl.Expr) -> list[pl.Expr]:
    """`industry_idx`, `country` and `size_u` (see `_HEADCOUNT`): from the broad mix, or
    inside the company's target profile."""
    industry_idx = draw.weighted_index(key, "co.industry", names.INDUSTRY_WEIGHTS).cast(pl.Int64)
    country = draw.weighted(
        key,
        "co.country",
        names.COUNTRY_CODES,
        [float(c["weight"]) for c in names.COUNTRIES.values()],  # type: ignore[arg-type]
    )
    size_u = draw.uniform(key, "co.size")
    smallest, spread = _HEADCOUNT
    for name, profile in names.TARGET_PROFILES.items():
        low, high = profile.employees
        # log-uniform inside [low, high], as the broad mix is over its whole range
        start, width = math.log(low / smallest) / spread, math.log(high / low) / spread
        chosen = pl.col("target") == name
        industries, countries = profile.industries, profile.countries
        pick = draw.weighted_index(key, f"co.target.industry.{name}", list(industries.values()))
        industry = pl.lit(pl.Series([names.INDUSTRIES.index(i) for i in industries])).gather(pick)
        industry_idx = pl.when(chosen).then(industry).otherwise(industry_idx)
        home = draw.weighted(
            key, f"co.target.country.{name}", list(countries), list(countries.values())
        )
        country = pl.when(chosen).then(home).otherwise(country)
        size = start + width * draw.uniform(key, f"co.target.size.{name}")
        size_u = pl.when(chosen).then(size).otherwise(size_u)
    return [industry_idx.alias("industry_idx"), country.alias("country"), size_u.alias("size_u")]


def _country_pick(draw: Draw, key: pl.Expr, stream: str, field: str | None) -> pl.Expr:
    """A value from the company country's own list (TLDs, legal suffixes, cities, streets)."""
    flat: list[object] = []
    offsets: dict[str, int] = {}
    counts: dict[str, int] = {}
    for code, info in names.COUNTRIES.items():
        values = info[field] if field else _STREETS.get(code, _DEFAULT_STREETS)
        values = [list(v) if isinstance(v, tuple) else v for v in values]  # type: ignore[union-attr]
        offsets[code], counts[code] = len(flat), len(values)
        flat.extend(values)
    country = pl.col("country")
    count = country.replace_strict(counts, return_dtype=pl.UInt64)
    offset = country.replace_strict(offsets, return_dtype=pl.UInt64)
    return pl.lit(pl.Series(flat)).gather(offset + draw.u32(key, stream) % count)


def _employee_range(employees: pl.Expr) -> pl.Expr:
    expr = pl.when(employees <= _EMPLOYEE_BANDS[0][0]).then(pl.lit(_EMPLOYEE_BANDS[0][1]))
    for limit, label in _EMPLOYEE_BANDS[1:]:
        expr = expr.when(employees <= limit).then(pl.lit(label))
    return expr.otherwise(pl.lit("10001+"))


def build_people(draw: Draw, count: int, companies: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """One row per true person: names, job, current (and for job changers, previous) employer,
    true email and LinkedIn identity, and which of the four sources know them."""
    key = pl.col("pid")
    n_co = companies.height
    frame = pl.DataFrame({"pid": pl.int_range(0, count, eager=True, dtype=pl.Int64)})
    first_idx = draw.u32(key, "p.first") % len(names.FIRST_NAMES)
    frame = frame.with_columns(
        person_key=pl.format("P{}", pl.col("pid").cast(pl.String).str.zfill(7)),
        first=pl.lit(pl.Series([f for f, _ in names.FIRST_NAMES])).gather(first_idx),
        nick=pl.lit(pl.Series([n for _, n in names.FIRST_NAMES])).gather(first_idx),
        last=draw.pick(key, "p.last", names.LAST_NAMES),
        # Skewed towards the largest employers: rank r in size order, then its company id.
        cid=pl.lit(companies.sort("employees", "cid", descending=[True, False])["cid"]).gather(
            (draw.uniform(key, "p.company").pow(1.6) * n_co).floor().cast(pl.Int64)
        ),
        seniority=draw.weighted(
            key, "p.seniority", names.SENIORITY_KEYS, [v[0] for v in names.SENIORITIES.values()]
        ),
        department=draw.weighted(
            key, "p.department", names.DEPARTMENT_KEYS, names.DEPARTMENT_WEIGHTS
        ),
        title_pick=draw.integers(key, "p.title", 0, 3),
        member_id=pl.concat_str(pl.lit("ACwAA"), draw.token(key, "p.member", 34)),
        slug_hex=draw.hex(key, "p.slughex", 8),
        slug_style=draw.weighted_index(key, "p.slugstyle", (55, 30, 15)),
        tenure_days=draw.integers(key, "p.tenure", 120, 3000),
        changer_u=draw.uniform(key, "p.changer"),
        prev_shift=draw.integers(key, "p.prevco", 1, max(2, n_co)),
        shared_u=draw.uniform(key, "p.shared"),
    )
    frame = _apply_showcase(frame)
    frame = frame.with_columns(_source_membership(draw, key))
    # Job changers must be visible in an old export (Apollo or directory) to be detectable.
    changer = (pl.col("changer_u") < JOB_CHANGER_RATE) & (
        pl.col("in_apollo") | pl.col("in_directory")
    )
    frame = frame.with_columns(
        job_changer=changer | (pl.col("pid") == SHOWCASE_CHANGER),
        prev_cid=pl.when(changer | (pl.col("pid") == SHOWCASE_CHANGER))
        .then((pl.col("cid") + pl.col("prev_shift")) % n_co)
        .otherwise(None),
    )
    frame = frame.with_columns(
        job_start=pl.lit(as_of)
        - pl.duration(
            days=pl.when(pl.col("job_changer"))
            .then(draw.integers(key, "p.newstart", 20, 85))
            .otherwise(pl.col("tenure_days"))
        ),
        title=_title(pl.col("seniority"), pl.col("department"), pl.col("title_pick")),
        prev_title=_title(pl.lit("senior"), pl.col("department"), pl.col("title_pick")),
    )
    co = companies.select(
        "cid", "domain", "email_pattern", "shared_inbox", "shared_role", "country", "phone_prefix"
    )
    frame = frame.join(co, on="cid", how="left")
    prev = co.select(
        pl.col("cid").alias("prev_cid"),
        pl.col("domain").alias("prev_domain"),
        pl.col("email_pattern").alias("prev_pattern"),
    )
    frame = frame.join(prev, on="prev_cid", how="left").sort("pid")
    first_a, last_a = fold_ascii(pl.col("first")), fold_ascii(pl.col("last"))
    frame = frame.with_columns(
        local=_local_part(first_a, last_a, pl.col("email_pattern")),
        prev_local=_local_part(first_a, last_a, pl.col("prev_pattern")),
        slug_base=pl.when(pl.col("slug_style") == 0)
        .then(pl.concat_str(first_a, pl.lit("-"), last_a, pl.lit("-"), pl.col("slug_hex")))
        .when(pl.col("slug_style") == 1)
        .then(pl.concat_str(first_a, pl.lit("-"), last_a))
        .otherwise(pl.concat_str(first_a, last_a)),
    )
    # Namesakes at one company would otherwise share a mailbox; number them as mail admins do.
    email_rank = pl.col("pid").rank("ordinal").over("local", "domain")
    prev_rank = pl.col("pid").rank("ordinal").over("prev_local", "prev_domain")
    slug_rank = pl.col("pid").rank("ordinal").over("slug_base")
    frame = frame.with_columns(
        email=pl.concat_str(pl.col("local"), _rank_suffix(email_rank), pl.lit("@"), "domain"),
        prev_email=pl.concat_str(
            pl.col("prev_local"), _rank_suffix(prev_rank), pl.lit("@"), "prev_domain"
        ),
        slug=pl.concat_str(pl.col("slug_base"), _rank_suffix(slug_rank, "-")),
        mobile=_phone(draw, key, "p.mobile", mobile=True),
        direct=_phone(draw, key, "p.direct", mobile=False),
        uses_shared=(pl.col("shared_inbox") & (pl.col("shared_u") < 0.4))
        | pl.col("pid").is_in(list(SHOWCASE_SHARED)),
    )
    frame = frame.with_columns(
        shared_email=pl.when(pl.col("uses_shared")).then(
            pl.concat_str(pl.col("shared_role"), pl.lit("@"), pl.col("domain"))
        ),
    )
    return frame.drop(
        "title_pick",
        "slug_hex",
        "slug_style",
        "changer_u",
        "prev_shift",
        "shared_u",
        "tenure_days",
        "local",
        "prev_local",
        "slug_base",
        "email_pattern",
        "prev_pattern",
        "shared_inbox",
        "shared_role",
        "phone_prefix",
    )


def _rank_suffix(rank: pl.Expr, sep: str = "") -> pl.Expr:
    return (
        pl.when(rank > 1)
        .then(pl.concat_str(pl.lit(sep), rank.cast(pl.String)))
        .otherwise(pl.lit(""))
    )


def _apply_showcase(frame: pl.DataFrame) -> pl.DataFrame:
    """Give pids 0..5 the fixed showcase names, and pids 4 and 5 one employer."""
    rows = [
        {"pid": i, "first": s["first"], "nick": s["nick"], "last": s["last"]}
        for i, s in enumerate(SHOWCASE)
        if i < frame.height
    ]
    if not rows:
        return frame
    frame = frame.update(pl.DataFrame(rows), on="pid")
    if frame.height > max(SHOWCASE_SHARED):
        first_shared = frame.item(SHOWCASE_SHARED[0], "cid")
        frame = frame.with_columns(
            cid=pl.when(pl.col("pid").is_in(list(SHOWCASE_SHARED)))
            .then(pl.lit(first_shared))
            .otherwise(pl.col("cid"))
        )
    return frame


def _source_membership(draw: Draw, key: pl.Expr) -> list[pl.Expr]:
    """`in_<source>` flags: 1–3 distinct sources per person, weighted draw without replacement
    (Efraimidis–Spirakis keys u**(1/w): the k largest keys win)."""
    k = draw.weighted_index(key, "p.nsources", SOURCE_COUNT_WEIGHTS) + 1
    keys = {s: draw.uniform(key, f"p.src.{s}").pow(1.0 / SOURCE_WEIGHTS[s]) for s in SOURCES}
    flags = []
    for source in SOURCES:
        beaten_by = pl.sum_horizontal(
            [(keys[other] > keys[source]).cast(pl.UInt32) for other in SOURCES if other != source]
        )
        chosen = beaten_by < k
        forced = [i for i, s in enumerate(SHOWCASE) if source in s["sources"]]  # type: ignore[operator]
        showcase = pl.col("pid") < len(SHOWCASE)
        chosen = pl.when(showcase).then(pl.col("pid").is_in(forced)).otherwise(chosen)
        flags.append(chosen.alias(f"in_{source}"))
    return flags


def _title(seniority: pl.Expr, department: pl.Expr, pick: pl.Expr) -> pl.Expr:
    """A job title consistent with seniority and department."""
    flat: list[str] = []
    for dept in names.DEPARTMENT_KEYS:
        _, execs, leads, staff = names.DEPARTMENTS[dept]
        flat.extend([execs[0], execs[1], *leads, *staff])
    dept_idx = department.replace_strict(
        {d: i for i, d in enumerate(names.DEPARTMENT_KEYS)}, return_dtype=pl.Int64
    )
    slot = (
        pl.when(seniority == "c_suite")
        .then(pl.lit(0, dtype=pl.Int64))
        .when(seniority == "vp")
        .then(pl.lit(1, dtype=pl.Int64))
        .when(seniority.is_in(["director", "manager"]))
        .then(2 + pick)
        .otherwise(5 + pick)
    )
    title = pl.lit(pl.Series(flat)).gather(dept_idx * 8 + slot)
    founder = pl.lit(pl.Series(names.FOUNDER_TITLES)).gather(pick + (seniority == "owner") * 1)
    return pl.when(seniority.is_in(["founder", "owner"])).then(founder).otherwise(title)


def _local_part(first: pl.Expr, last: pl.Expr, pattern: pl.Expr) -> pl.Expr:
    """Mailbox name by the company's pattern: first.last, flast, first, firstlast, first_last."""
    return (
        pl.when(pattern == 0)
        .then(pl.concat_str(first, pl.lit("."), last))
        .when(pattern == 1)
        .then(pl.concat_str(first.str.slice(0, 1), last))
        .when(pattern == 2)
        .then(first)
        .when(pattern == 3)
        .then(pl.concat_str(first, last))
        .otherwise(pl.concat_str(first, pl.lit("_"), last))
    )


def _phone(draw: Draw, key: pl.Expr, stream: str, *, mobile: bool) -> pl.Expr:
    """A number in the person's company country; North American ones in the fictional 555-01xx
    range."""
    area = draw.integers(key, f"{stream}.a", 201, 989).cast(pl.String)
    tail = draw.integers(key, f"{stream}.b", 100000, 999999).cast(pl.String)
    north_american = pl.concat_str(pl.lit("+1 "), area, pl.lit("-555-01"), tail.str.slice(0, 2))
    lead = pl.lit("7") if mobile else pl.lit("2")
    elsewhere = pl.concat_str(pl.col("phone_prefix"), pl.lit(" "), lead, area, pl.lit(" "), tail)
    return pl.when(pl.col("phone_prefix") == "+1").then(north_american).otherwise(elsewhere)
