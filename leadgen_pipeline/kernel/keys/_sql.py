"""Helpers for writing a match-key rule as DuckDB SQL that agrees with its Polars form.

The SQL forms exist so stored rows can be tested against a key (or its hash) inside DuckDB,
without a Python call per row. Each one lives next to its Polars rule and is tested against
it (`leadgen_pipeline_tests/test_match_keys_sql.py`).
"""

from __future__ import annotations

# Unicode White_Space: what Polars' `strip_chars()` trims and Rust's `\s` matches. DuckDB's
# regexes are RE2, whose `\s` is ASCII only, so NBSP and the other Unicode spaces are spelled
# out. Written for use inside a bracket expression: `[{SPACE}]`, `[^@{SPACE}]`.
SPACE = r"\pZ\t\n\x0B\f\r\x{85}"


def trim(value: str) -> str:
    """`value` without leading and trailing Unicode spaces (Polars' `str.strip_chars()`)."""
    return f"regexp_replace({value}, '^[{SPACE}]+|[{SPACE}]+$', '', 'g')"


def bind(value: str, name: str, body: str) -> str:
    """SQL for `body` with `name` standing for `value`, so that `value` is written once.

    DuckDB has no `let`: a one-element list and a lambda bind the name. A lambda parameter
    hides a column of the same name, so the body cannot read a column called `name`.
    """
    return f"list_transform([{value}], lambda {name}: {body})[1]"


# IDN domains: email-validator spells a domain in Unicode (`müller.de`) even when it was
# written in ACE form (`xn--mller-kva.de`), and DuckDB has no IDNA function, so the SQL keys
# decode Punycode (RFC 3492 §6.2) themselves. Constants from §5: base 36, tmin 1, tmax 26,
# skew 38, damp 700, initial bias 72, initial n 128. `_POWERS` are 35^0..35^5, more than the
# bias adaptation ever divides by for a label of 63 octets.
_POWERS = "[1, 35, 1225, 42875, 1500625, 52521875]"
# The lambda parameters below; long names, so that none is mistaken for a column.
_S, _D, _V, _E, _A = "puny_state", "puny_digit", "puny_sum", "puny_delta", "puny_adapted"
# The decoding state; each digit travels in a state of its own (`d` set, the rest null),
# because DuckDB 1.5 reduces a list only into its own element type (2.x takes any initial
# value), so the digits and the state share one struct type on every supported release.
_STATE_FIELDS = {
    "n": "bigint", "i": "bigint", "bias": "bigint", "out": "bigint[]",
    "oldi": "bigint", "w": "bigint", "k": "bigint", "d": "bigint",
}  # fmt: skip


def _state(**values: str) -> str:
    """A state struct: every field of `_STATE_FIELDS`, null where `values` does not say."""
    fields = ", ".join(
        f"'{name}': {values.get(name, 'null')}::{kind}" for name, kind in _STATE_FIELDS.items()
    )
    return "{" + fields + "}"


def _punycode_step() -> str:
    """One digit (`_D`.d) of the decoding loop, on the state `_S` = {n, i, bias, out, oldi,
    w, k}.

    A digit below the threshold `t` ends a delta: adapt the bias, then insert code point `n`
    at position `i` of `out`. Any other digit adds to the delta and decoding moves on.
    """
    s, d, v, e, a = _S, f"{_D}.d", _V, _E, _A
    t = f"least(greatest({s}.k - {s}.bias, 1), 26)"
    ended = f"{{'i': {s}.i + {d} * {s}.w, 'points': len({s}.out) + 1}}"
    # adapt(): damp the delta (by 700 the first time, before anything was inserted, else 2),
    # add delta // points, then count the divisions by 35 that bring it to 455 or below
    damped = f"({v}.i - {s}.oldi) // (case when {s}.oldi = 0 then 700 else 2 end)"
    adapted = f"{{'delta': {e}, 'shifts': len(list_filter({_POWERS}, lambda p: {e} // p > 455))}}"
    rest = f"({a}.delta // {_POWERS}[{a}.shifts + 1])"
    bias = f"36 * {a}.shifts + (36 * {rest}) // ({rest} + 38)"
    n, at = f"{s}.n + {v}.i // {v}.points", f"{v}.i % {v}.points"
    out = f"list_slice({s}.out, 1, {at}) || [{n}] || list_slice({s}.out, {at} + 1, len({s}.out))"
    insert = _state(n=n, i=f"{at} + 1", bias=bias, out=out, oldi=f"{at} + 1", w="1", k="36")
    insert = bind(f"{damped} + ({damped}) // {v}.points", e, bind(adapted, a, insert))
    carry = _state(
        n=f"{s}.n", i=f"{v}.i", bias=f"{s}.bias", out=f"{s}.out", oldi=f"{s}.oldi",
        w=f"{s}.w * (36 - {t})", k=f"{s}.k + 36",
    )  # fmt: skip
    return bind(ended, v, f"case when {d} < {t} then {insert} else {carry} end")


def _punycode_label(label: str) -> str:
    """A lower-case ACE label (`xn--mller-kva`) decoded (`müller`); null if it cannot be."""
    parts = rf"regexp_extract(substr({label}, 5), '^(?:(.*)-)?([^-]*)$', ['basic', 'digits'])"
    chars = "list_filter(string_split({}, ''), lambda c: c <> '')"
    basic = f"list_transform({chars.format('puny_parts.basic')}, lambda c: unicode(c)::bigint)"
    # base-36 digits: a-z are 0-25, 0-9 are 26-35 (`unicode('0')` is 48)
    digit = (
        "case when c between 'a' and 'z' then unicode(c) - 97 "
        "when c between '0' and '9' then unicode(c) - 22 end"
    )
    digits = f"list_transform({chars.format('puny_parts.digits')}, lambda c: {_state(d=digit)})"
    start = _state(n="128", i="0", bias="72", out=basic, oldi="0", w="1", k="36")
    # the start state first, then one state per digit (a list of one reduces to the start)
    decoded = f"list_reduce([{start}] || {digits}, lambda {_S}, {_D}: {_punycode_step()}).out"
    text = f"array_to_string(list_transform({decoded}, lambda c: chr(c::integer)), '')"
    return bind(parts, "puny_parts", text)


def idna_to_unicode(domain: str) -> str:
    """A lower-case domain with its ACE labels in Unicode: `xn--mller-kva.de` -> `müller.de`.

    Labels that are not ACE are kept as they are. Null when an ACE label decodes to nothing
    (`xn--zz`); a malformed one may also decode to an unusable label, never to an error
    (email-validator refuses such a domain, so no Polars key has it).
    """
    label, labels = "puny_label", "puny_labels"
    decoded = f"nullif({_punycode_label(label)}, '')"
    each = f"case when starts_with({label}, 'xn--') then {decoded} else {label} end"
    return bind(
        f"list_transform(string_split({domain}, '.'), lambda {label}: {each})",
        labels,
        f"case when list_count({labels}) = len({labels}) then array_to_string({labels}, '.') end",
    )
