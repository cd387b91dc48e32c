"""The specifics a sentence states, so a claim can be held to the quote it cites.

A model can cite a real article while misstating its numbers: a real quote with a wrong
amount is a fabrication. `specifics(claim)` lists what a claim asserts that a reader could
check — amounts (`$12M`, `€4.5 million`, `12,000,000`), currencies, round names (`Series
A`, `seed`), counts (`three account executives`, `40 engineers`), dates (`March 2026`,
`2026-03-04`) and named people or companies (capitalised names) — each as a normalised
token; `missing_specifics(claim, quote)` is what the quote does not state.
"""

from __future__ import annotations

import html
import re
import unicodedata

_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "million": 1e6,
    "mn": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
}
_CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP"}
_CURRENCY_CODES = ("USD", "EUR", "GBP", "CHF", "SEK", "NOK", "DKK", "CAD", "AUD", "JPY", "INR")
_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "fifty": 50,
    "hundred": 100,
}
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

_AMOUNT = re.compile(
    r"(?P<sign>[$€£])?\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?"
    r"(?P<scale>thousand|million|billion|mn|bn|mm|[kmb])?\b(?:\s?(?P<code>[A-Z]{3})\b)?",
    re.IGNORECASE,
)
_ROUND = re.compile(
    r"\b(pre-?seed|seed|series\s+[a-h]\d?|growth\s+equity|private\s+equity|debt\s+financing|"
    r"ipo|bridge)\b",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(20\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
_MONTH_YEAR = re.compile(rf"\b({'|'.join(_MONTHS)})(?:\s+\d{{1,2}},?)?\s+(20\d{{2}})\b", re.I)
_YEAR = re.compile(r"\b(20\d{2})\b")
_NAME = re.compile(r"\b([A-Z][a-zA-Z&'.-]+(?:\s+(?:[A-Z][a-zA-Z&'.-]+|of|de|von|and))*)")
_STOP_NAMES = frozenset(
    {
        "The",
        "A",
        "An",
        "It",
        "Its",
        "This",
        "That",
        "In",
        "On",
        "At",
        "We",
        "Our",
        "They",
        "Series",
        "Seed",
        "Inc",
        "Ltd",
        "Limited",
        "LLC",
        "GmbH",
        "SA",
        "AG",
        "Plc",
        "Co",
        *(m.capitalize() for m in _MONTHS),
        *_CURRENCY_CODES,
    }
)


def normalise_text(text: str) -> str:
    """Text as compared: entities decoded, Unicode folded (NFKC, curly quotes and dashes
    straightened), case folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", html.unescape(text))
    text = text.translate(
        str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
    )
    return " ".join(text.split()).casefold()


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def amounts(text: str) -> set[str]:
    """Money amounts and bare counts, as `amount:<value>` tokens (`$12M` = `12,000,000`)."""
    found = set()
    for match in _AMOUNT.finditer(text):
        raw = match.group("num")
        if _YEAR.fullmatch(raw) and not match.group("sign") and not match.group("scale"):
            continue  # a year, not an amount
        value = _number(raw) * _SCALE.get((match.group("scale") or "").lower(), 1.0)
        found.add(f"amount:{value:.0f}")
    for word, value in _WORD_NUMBERS.items():
        if re.search(rf"\b{word}\b", text, re.IGNORECASE):
            found.add(f"amount:{value:.0f}")
    return found


def currencies(text: str) -> set[str]:
    found = {f"currency:{code}" for sign, code in _CURRENCY_SIGNS.items() if sign in text}
    found |= {f"currency:{c}" for c in _CURRENCY_CODES if re.search(rf"\b{c}\b", text)}
    words = {"dollar": "USD", "euro": "EUR", "pound": "GBP"}
    found |= {f"currency:{c}" for w, c in words.items() if re.search(rf"\b{w}s?\b", text, re.I)}
    return found


def rounds(text: str) -> set[str]:
    return {
        "round:" + " ".join(m.group(1).lower().replace("-", "").split())
        for m in _ROUND.finditer(text)
    }


def dates(text: str) -> set[str]:
    """Months and years a text names (`2026-03-04` states March 2026 and 2026)."""
    found = set()
    for year, month, _ in _ISO_DATE.findall(text):
        found |= {f"month:{year}-{month}"}
    for month, year in _MONTH_YEAR.findall(text):
        found.add(f"month:{year}-{_MONTHS.index(month.lower()) + 1:02d}")
    return found


def names(text: str) -> set[str]:
    """Capitalised names (people, companies, products), as lower-case tokens."""
    found = set()
    for match in _NAME.finditer(text):
        words = [w.strip(".'") for w in match.group(1).split()]
        while words and words[0] in _STOP_NAMES:
            words = words[1:]
        while words and words[-1] in _STOP_NAMES | {"of", "de", "von", "and"}:
            words = words[:-1]
        if words:
            found.add("name:" + " ".join(words).lower())
    return found


def specifics(text: str) -> set[str]:
    """Every checkable specific a claim states."""
    return amounts(text) | currencies(text) | rounds(text) | dates(text) | names(text)


def missing_specifics(claim: str, quote: str, known_names: tuple[str, ...] = ()) -> list[str]:
    """The claim's specifics the quote does not state (empty when the quote backs them all).

    Names are looked up in the quote's normalised text, so `Acme Robotics` in the claim is
    found in `… acme robotics announced …` (`known_names`, the company's own, need not be);
    amounts, rounds and dates are compared as tokens,
    so `$12M` in the claim is backed by `$12 million` in the quote.
    """
    stated = specifics(quote)
    plain = normalise_text(quote)
    # the page's own company need not name itself in every sentence
    own = [normalise_text(n) for n in known_names if n]
    missing = []
    for token in sorted(specifics(claim)):
        kind, _, value = token.partition(":")
        if kind == "name":
            if value not in plain and not any(value in name for name in own):
                missing.append(token)
        elif kind == "month" and token not in stated:
            # a quote that names the year alone does not back a claimed month
            missing.append(token)
        elif kind != "month" and token not in stated:
            missing.append(token)
    return missing
