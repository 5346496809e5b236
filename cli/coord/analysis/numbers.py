"""Numbers in negotiation free text: digits or words ("twenty-one", "half a dozen") to int.

`normalise_number` reads one number; `find_numbers` finds the number tokens in running text
and flags those that are money, scores, rates or indices rather than amounts. `clean` (the
same-length normalisation every reader applies first) lives here because this is the module
the other readers all build on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NUMBER_AT", "Num", "clean", "find_numbers", "normalise_number", "number_value"]

_I = re.IGNORECASE

# Same-length substitutions only, so spans found in the cleaned text are valid in the original.
_CLEAN = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ", "\u2010": "-", "\u2011": "-"}
)


def clean(text: str) -> str:
    return text.translate(_CLEAN)


_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER_WORDS = sorted(
    [*_UNITS, *_TEENS, *_TENS, "hundred", "thousand", "dozen"], key=len, reverse=True
)
_W = r"(?:" + "|".join(_NUMBER_WORDS) + r")"
_WORD_NUMBER = (
    r"(?:half\s+(?:a\s+)?dozen"
    r"|an?\s+(?:couple|pair)(?:\s+of)?"
    r"|an?\s+single"
    rf"|(?:an?\s+(?=(?:dozen|hundred|thousand)\b))?{_W}"
    rf"(?:[\s-]+{_W}|(?<=hundred)\s+and\s+{_W}|(?<=thousand)\s+and\s+{_W})*)"
)
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
# A number token in running text. Digits may be glued to a following "x" ("3x r1") but to
# no other letter ("3rd"), and are never part of a decimal ("1.5"), an id ("p3") or money.
# A number token is digits or number words; the two kinds never overlap, so the words are
# scanned for only when the text has a number word (that scan is the slow one).
_DIGITS_RE = re.compile(rf"(?<![\w$£€.,]){_DIGITS}(?![A-WYZa-wyz0-9_]|[.,]\d|\s*%)", _I)
_WORDS_RE = re.compile(rf"\b{_WORD_NUMBER}\b", _I)
_WORD_STEMS = (*_NUMBER_WORDS, "couple", "pair", "single")
NUMBER_AT = re.compile(rf"{_DIGITS}(?![.,]\d|[A-Za-z0-9])|{_WORD_NUMBER}\b", _I)


def normalise_number(word_or_digits: str) -> int | None:
    """`"3"`, `"1,000"`, `"three"`, `"twenty-one"`, `"one hundred and five"`, `"a dozen"`,
    `"half a dozen"`, `"a couple of"`, `"a pair"` → int; anything else → None."""
    s = clean(str(word_or_digits)).strip().lower()
    if re.fullmatch(_DIGITS, s):
        return int(s.replace(",", ""))
    s = re.sub(r"[\s-]+", " ", s)
    s = re.sub(r" of$", "", s)
    fixed = {
        "half a dozen": 6,
        "half dozen": 6,
        "a couple": 2,
        "couple": 2,
        "a pair": 2,
        "pair": 2,
        "dozen": 12,
        "a single": 1,
        "single": 1,
        "an": None,
        "a": None,
    }
    if s in fixed:
        return fixed[s]
    tokens = s.split(" ")
    if tokens and tokens[0] in ("a", "an"):
        if len(tokens) == 1 or tokens[1] not in ("dozen", "hundred", "thousand"):
            return None
        tokens[0] = "one"
    return _parse_words(tokens)


def _parse_words(tokens: list[str]) -> int | None:
    total, current, last = 0, 0, None
    for i, tok in enumerate(tokens):
        if tok == "and":
            if last not in ("hundred", "thousand") or i == len(tokens) - 1:
                return None
            continue
        if tok in _UNITS:
            if last not in (None, "tens", "hundred", "thousand"):
                return None
            if tok == "zero" and len(tokens) > 1:
                return None
            current += _UNITS[tok]
            last = "unit"
        elif tok in _TEENS:
            if last not in (None, "hundred", "thousand"):
                return None
            current += _TEENS[tok]
            last = "teen"
        elif tok in _TENS:
            if last not in (None, "hundred", "thousand"):
                return None
            current += _TENS[tok]
            last = "tens"
        elif tok == "hundred":
            if last not in ("unit", "teen") or current % 100 == 0:
                return None
            current *= 100
            last = "hundred"
        elif tok == "thousand":
            if current == 0 or total:
                return None
            total, current = current * 1000, 0
            last = "thousand"
        elif tok == "dozen":
            if last not in ("unit", "teen", "tens") or i != len(tokens) - 1:
                return None
            current *= 12
            last = "dozen"
        else:
            return None
    if last is None:
        return None
    return total + current


def number_value(raw: str) -> int | None:
    value = normalise_number(raw)
    if value is None:  # e.g. "three four": read the last word alone
        value = normalise_number(re.split(r"[\s-]+", raw.strip())[-1])
    return value


@dataclass
class Num:
    start: int
    end: int
    value: int
    blocked: bool = False


# Words that make a following number money, a score or a rate ("reward 9", "budget of 18").
_MONEY_BEFORE = re.compile(
    r"(?:[$£€]|\b(?:rewards?|costs?|costing|cost of|prices?|priced|budget|pays?|paying|paid"
    r"|spend(?:s|ing)?|spent|worth|values?|valued|scores?|scored|earn(?:s|ed|ing)?|money"
    r"|cash|profit|utility|payoff|gain|usd|eur|dollars?)"
    r"(?:\s+(?:is|are|was|were|of|at|be|around|about|roughly|only|just|exactly|totals?"
    r"|totalling|totaling|per run|a run|each))*)\s*[:=]?\s*$",
    _I,
)
# Words that make a directly following number an index or id ("round 2", "proposal 3").
_INDEX_BEFORE = re.compile(
    r"(?:#|\b(?:round|turn|step|phase|proposal|option|plan|message|msg|version|id|number"
    r"|no\.|game|iteration|day|page|line|item|stage|offer\s*#|attempt)\s*#?)\s*$",
    _I,
)
_BLOCK_AFTER = re.compile(
    r"\s*(?:%|percent\b|dollars?\b|bucks\b|credits?\b|coins?\b|points?\b|pts\b|usd\b|eur\b"
    r"|runs?\b|times\b|rounds?\b|turns?\b|per\b|/\s*run|projects?\b|agents?\b|players?\b"
    r"|hours?\b|minutes?\b|days?\b)",
    _I,
)


# Words one of which `_MONEY_BEFORE` / `_INDEX_BEFORE` need: those end-anchored patterns
# are tried at every position of the window, so a window without any is skipped.
_MONEY_WORDS = (
    "$", "£", "€", "reward", "cost", "pric", "budget", "pa", "spen", "worth", "valu", "scor",
    "earn", "money", "cash", "profit", "utility", "gain", "usd", "eur", "dollar",
)  # fmt: skip
_INDEX_WORDS = (
    "#", "round", "turn", "step", "phase", "proposal", "option", "plan", "message", "msg",
    "version", "id", "number", "no.", "game", "iteration", "day", "page", "line", "item",
    "stage", "offer", "attempt",
)  # fmt: skip


def any_in(low: str, words: tuple[str, ...]) -> bool:
    """Whether the lower-cased text contains one of `words`: the cheap test the readers run
    before a regular expression that needs one of them (a substring test costs
    nanoseconds; `re` spends microseconds even on text it cannot match)."""
    for w in words:
        if w in low:
            return True
    return False


def _number_tokens(text: str) -> list[re.Match[str]]:
    found = list(_DIGITS_RE.finditer(text))
    if any_in(text.lower(), _WORD_STEMS):
        found += _WORDS_RE.finditer(text)
        found.sort(key=lambda m: m.start())
    return found


def find_numbers(text: str, taken: list[tuple[int, int]]) -> list[Num]:
    out: list[Num] = []
    for m in _number_tokens(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        value = number_value(m.group())
        if value is None:
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        low = before.lower()
        blocked = bool(
            (any_in(low, _MONEY_WORDS) and _MONEY_BEFORE.search(before))
            or (any_in(low, _INDEX_WORDS) and _INDEX_BEFORE.search(before))
            or _BLOCK_AFTER.match(text, m.end())
        )
        out.append(Num(m.start(), m.end(), value, blocked))
    # "no r1" / "no more stone" reads as zero, but only right before a resource (checked later)
    for m in re.finditer(r"\bno\b", text, _I):
        out.append(Num(m.start(), m.end(), 0, blocked=False))
    out.sort(key=lambda n: n.start)
    return out
