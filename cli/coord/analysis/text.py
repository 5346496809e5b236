"""A deterministic reader of negotiation free text (no model, stdlib ``re`` only).

`coord replay` diagnoses grounding failures in transcripts written by LLM agents. Its
detectors need to know, from a message alone, which resource amounts it mentions and for
whom, whether it agrees, merely acknowledges, and what earlier offer it points at.

- `read_quantities` finds "<amount> <resource>" mentions (either order, digits or words)
  and the owner relative to the speaker ("speaker", "partner", or None when unclear).
- `agreement_phrase` finds agreement language that is neither negated nor conditional.
- `ack_phrase` finds acknowledgement that stops short of agreement.
- `referents` finds pointers to proposals: ids, "your last offer", "option B".
- `normalise_number` turns "twenty-one", "half a dozen" or "1,000" into an int.

Everything here is heuristic and tuned for precision: when in doubt it reports nothing
(or owner None) rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "Quantity",
    "Referent",
    "ack_phrase",
    "agreement_phrase",
    "normalise_number",
    "read_quantities",
    "referents",
]

SPEAKER = "speaker"
PARTNER = "partner"

_I = re.IGNORECASE

# Same-length substitutions only, so spans found in the cleaned text are valid in the original.
_CLEAN = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " ", "\u2010": "-", "\u2011": "-"}
)


def _clean(text: str) -> str:
    return text.translate(_CLEAN)


# --------------------------------------------------------------------------------- numbers

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
_NUMBER_RE = re.compile(
    rf"(?<![\w$£€.,]){_DIGITS}(?![A-WYZa-wyz0-9_]|[.,]\d|\s*%)"
    rf"|\b{_WORD_NUMBER}\b",
    _I,
)
_NUMBER_AT = re.compile(rf"{_DIGITS}(?![.,]\d|[A-Za-z0-9])|{_WORD_NUMBER}\b", _I)


def normalise_number(word_or_digits: str) -> int | None:
    """`"3"`, `"1,000"`, `"three"`, `"twenty-one"`, `"one hundred and five"`, `"a dozen"`,
    `"half a dozen"`, `"a couple of"`, `"a pair"` → int; anything else → None."""
    s = _clean(str(word_or_digits)).strip().lower()
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


def _number_value(raw: str) -> int | None:
    value = normalise_number(raw)
    if value is None:  # e.g. "three four": read the last word alone
        value = normalise_number(re.split(r"[\s-]+", raw.strip())[-1])
    return value


@dataclass
class _Num:
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


def _numbers(text: str, taken: list[tuple[int, int]]) -> list[_Num]:
    out: list[_Num] = []
    for m in _NUMBER_RE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        value = _number_value(m.group())
        if value is None:
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        blocked = bool(
            _MONEY_BEFORE.search(before)
            or _INDEX_BEFORE.search(before)
            or _BLOCK_AFTER.match(text, m.end())
        )
        out.append(_Num(m.start(), m.end(), value, blocked))
    # "no r1" / "no more stone" reads as zero, but only right before a resource (checked later)
    for m in re.finditer(r"\bno\b", text, _I):
        out.append(_Num(m.start(), m.end(), 0, blocked=False))
    out.sort(key=lambda n: n.start)
    return out


# ------------------------------------------------------------------------------- resources

_B = r"(?<![A-Za-z0-9_])"
_E = r"(?![A-Za-z0-9_])"
_UNIT_SUFFIX = re.compile(r"\s+(?:units?|pieces?|items?)\b", _I)


def _alias_pattern(alias: str) -> str | None:
    words = [w for w in re.split(r"[\s_\-]+", alias.strip().lower()) if w]
    if not words:
        return None
    parts = [re.escape(w) for w in words]
    last = words[-1]
    if last[-1].isalpha():
        if len(last) > 2 and last.endswith("y") and last[-2] not in "aeiou":
            parts[-1] = re.escape(last[:-1]) + r"(?:y|ies)"
        elif len(last) > 3 and last.endswith("ies"):
            parts[-1] = re.escape(last[:-3]) + r"(?:y|ies)"
        elif len(last) > 2 and last.endswith("s") and not last.endswith("ss"):
            parts[-1] = re.escape(last[:-1]) + r"(?:s|es)?"
        else:
            parts[-1] = re.escape(last) + r"(?:s|es)?"
    else:
        parts[-1] = re.escape(last) + r"s?"
    pattern = parts[0]
    for prev, word, part in zip(words, words[1:], parts[1:]):
        glue = r"[\s_\-]*" if prev[-1].isdigit() or word[0].isdigit() else r"[\s_\-]+"
        pattern += glue + part
    return _B + pattern + _E


@dataclass
class _Mention:
    start: int
    end: int
    name: str


def _mentions(text: str, table: Mapping[str, Sequence[str]]) -> list[_Mention]:
    found: list[_Mention] = []
    for canonical, aliases in table.items():
        for alias in {canonical, *aliases}:
            pattern = _alias_pattern(alias)
            if pattern is None:
                continue
            for m in re.finditer(pattern, text, _I):
                found.append(_Mention(m.start(), m.end(), canonical))
    return _non_overlapping(found)


def _non_overlapping(found: list[_Mention]) -> list[_Mention]:
    found.sort(key=lambda x: (x.start, -(x.end - x.start)))
    kept: list[_Mention] = []
    for x in found:
        if kept and x.start < kept[-1].end:
            continue
        kept.append(x)
    return kept


def _project_mentions(
    text: str, projects: Mapping[str, Sequence[str]] | Sequence[str] | None
) -> list[_Mention]:
    found: list[_Mention] = []
    generic = r"\bproject(?:[\s_\-]+(?:[a-z]|[a-z]?\d+)|\d+)" + _E
    for m in re.finditer(generic, text, _I):
        found.append(_Mention(m.start(), m.end(), m.group()))
    if projects:
        table = projects if isinstance(projects, Mapping) else {p: [p] for p in projects}
        for name, aliases in table.items():
            for alias in {name, *aliases}:
                a = alias.strip()
                if not a:
                    continue
                pats = [_B + r"project[\s_\-]*" + re.escape(a) + _E]
                if len(a) > 1 and not re.fullmatch(r"[a-z]?\d*", a, _I):
                    pats.append(_B + re.escape(a).replace(r"\ ", r"[\s_\-]+") + _E)
                for pat in pats:
                    for m in re.finditer(pat, text, _I):
                        found.append(_Mention(m.start(), m.end(), name))
    return _non_overlapping(found)


# --------------------------------------------------------------------------------- pairing

_FILLER = (
    r"(?:more|extra|additional|units?|pieces?|items?|of|the|my|your|our|those|these|each"
    r"|total|whole|remaining|available|spare|full)"
)
_PRE_GAP = re.compile(rf"\s*(?:[x×*]\s*)?(?:{_FILLER}\s+)*", _I)
_PRE_GAP_ZERO = re.compile(r"\s+(?:more\s+)?(?:of\s+(?:the\s+)?)?", _I)  # after "no"
_POST_SEP = re.compile(r"\s*(?:units?\s*)?(?::|=|\*|\(|x|×|->|→|[-–—](?=\s*\d))\s*", _I)
_STRONG_SEP_END = re.compile(r"(?::|=|\*|\(|[x×])\s*$", _I)
_OF_THE = re.compile(r"\s+of\s+(?:the\s+|my\s+|your\s+|those\s+|these\s+)?$", _I)
_RATE_AFTER = re.compile(r"\s*(?:per\b|/\s*(?:run|unit|project))", _I)
_PROJECT_PRE_GAP = re.compile(
    r"\s*(?:[x×*]\s*)?(?:(?:runs?|times|instances?|copies|rounds?|of|the|more)\s+)*", _I
)


@dataclass
class Quantity:
    """An amount of one resource mentioned in a message.

    `owner` is relative to the message's speaker: "speaker", "partner" or None (unknown).
    `span` is (start, end) of the whole mention ("9 of r2", "r3 ×6") in the text."""

    resource: str
    amount: int
    owner: str | None
    span: tuple[int, int]


def _block_project_numbers(text: str, projects: list[_Mention], nums: list[_Num]) -> None:
    for p in projects:
        for n in nums:
            if n.end <= p.start and _PROJECT_PRE_GAP.fullmatch(text, n.end, p.start):
                n.blocked = True
            if n.start >= p.end:
                gap = text[p.end : n.start]
                if re.fullmatch(r"\s*(?:[x×*]\s*|\(\s*)", gap):
                    n.blocked = True
                elif re.fullmatch(r"\s+", gap) and re.match(r"\s*times\b", text[n.end :], _I):
                    n.blocked = True


def _pair(text: str, res: list[_Mention], nums: list[_Num]) -> list[tuple[_Mention, int, int, int]]:
    """(resource mention, amount, span start, span end) for each paired mention."""
    used: set[int] = set()  # number starts
    by_start = {n.start: n for n in nums}
    # Numbers bound to the resource before them by a strong separator ("r1: 3", "r1 x3").
    post: dict[int, tuple[int, int, int]] = {}  # resource index -> (num start, end, value)
    for i, r in enumerate(res):
        end = _UNIT_SUFFIX.match(text, r.end)
        sep = _POST_SEP.match(text, end.end() if end else r.end)
        if not sep:
            continue
        m = _NUMBER_AT.match(text, sep.end())
        if not m:
            continue
        value = _number_value(m.group())
        token = by_start.get(m.start())
        if value is None or (token is not None and token.blocked):
            continue
        if token is None and any(n.start < m.end() and m.start() < n.end for n in nums):
            continue
        post[i] = (m.start(), m.end(), value)
    post_bound = {v[0] for v in post.values()}

    out: list[tuple[_Mention, int, int, int]] = []
    paired: set[int] = set()
    for i, r in enumerate(res):
        prev_end = res[i - 1].end if i else 0
        cands = [n for n in nums if prev_end <= n.start and n.end <= r.start]
        if not cands:
            continue
        n = cands[-1]
        if n.start in used or n.blocked:
            continue
        if n.value == 0 and text[n.start : n.end].lower() == "no":
            if not _PRE_GAP_ZERO.fullmatch(text, n.end, r.start):
                continue
        elif not _PRE_GAP.fullmatch(text, n.end, r.start):
            continue
        if n.start in post_bound and _STRONG_SEP_END.search(text, 0, n.start):
            continue
        start, amount = n.start, n.value
        used.add(n.start)
        # "6 of the 9 r2" -> 6
        of = _OF_THE.search(text, 0, n.start)
        if of:
            first = [m for m in cands if m.end == of.start() and not m.blocked]
            if first and first[0].start not in used:
                start, amount = first[0].start, first[0].value
                used.add(first[0].start)
        out.append((r, amount, start, r.end))
        paired.add(i)
    for i, (s, e, value) in post.items():
        if i in paired or s in used:
            continue
        used.add(s)
        out.append((res[i], value, res[i].start, e + (1 if text[e : e + 1] == ")" else 0)))
    out = [q for q in out if not _RATE_AFTER.match(text, q[3])]
    out.sort(key=lambda q: q[2])
    return out


# ------------------------------------------------------------------------------ ownership

_VERBS = (
    r"(?:take|takes|took|taking|get|gets|got|getting|buy|buys|bought|buying|keep|keeps|kept"
    r"|keeping|purchase|purchased|purchasing|grab|claim|claimed|receive|received|receiving"
    r"|acquire|acquired|need|needs|needed|want|wanted|have|had|like|prefer|end\s+up\s+with"
    r"|go\s+for|secure|hold|retain|walk\s+away\s+with)"
)
_ADVERBS = (
    r"(?:\s+(?:also|just|only|then|still|really|definitely|happily|gladly|probably|rather"
    r"|would|could|can|should|will|shall|must|might|may|do|get\s+to|be\s+able\s+to|like\s+to"
    r"|love\s+to|prefer\s+to|want\s+to|need\s+to|plan\s+to|going\s+to|gonna|propose\s+to"
    r"|to|at\s+least|at\s+most|instead|now|already|each|both|all))*"
)
_SHARE = r"(?:share|part|portion|side|allocation|cut|half|end|bundle|split|allotment)"
_ME_VERBS = (
    r"(?:for|to|give|gives|giving|leave|leaves|leaving|let|lets|send|sends|allocate|allot"
    r"|assign|sell|hand|pass)"
)
_CUES: list[tuple[re.Pattern[str], str | None, bool]] = [
    # (pattern, owner, can attach to the quantity *before* it)
    (re.compile(rf"\bI(?:'ll|'d|'m|'ve|\s+am)?{_ADVERBS}\s+{_VERBS}\b", _I), SPEAKER, False),
    (re.compile(rf"\byou(?:'ll|'d|'re|'ve|\s+are)?{_ADVERBS}\s+{_VERBS}\b", _I), PARTNER, False),
    (re.compile(rf"\b{_ME_VERBS}\s+me\b", _I), SPEAKER, True),
    (re.compile(rf"\b{_ME_VERBS}\s+you\b", _I), PARTNER, True),
    (re.compile(rf"\bmy\s+(?:own\s+)?{_SHARE}\b|\bon\s+my\s+end\b", _I), SPEAKER, False),
    (re.compile(rf"\byour\s+(?:own\s+)?{_SHARE}\b|\bon\s+your\s+end\b", _I), PARTNER, False),
    (re.compile(r"\b(?:mine|myself)\b|\bme\s*:", _I), SPEAKER, True),
    (re.compile(r"\byours(?:elf)?\b|\byou\s*:", _I), PARTNER, True),
    (
        re.compile(r"\bwe(?:'ll|'d)?\s+(?:each|both|all|split|share)\b|\beach\s+of\s+us\b", _I),
        None,
        False,
    ),
]
_CLAUSE_END = re.compile(
    r"(?<!\d)\.|\.(?!\d)|[!?;\n]|\b(?:but|however|whereas|while|although|though|unless|except"
    r"|otherwise|instead of)\b",
    _I,
)
_IMMEDIATE_POST = re.compile(
    r"\s*(?:each\s+)?(?:(?:go(?:es)?|going|will\s+go|would\s+go|is|are|would\s+be|will\s+be"
    r"|should\s+go|come)\s+)?(?:for|to)\s+(me|myself|you|yourself)\b"
    r"|\s*(?:is|are|would\s+be|will\s+be)?\s*\(?(mine|yours)\b",
    _I,
)


@dataclass
class _Cue:
    start: int
    end: int
    owner: str | None
    backward: bool


def _cues(text: str) -> list[_Cue]:
    cues: list[_Cue] = []
    for pattern, owner, backward in _CUES:
        for m in pattern.finditer(text):
            cues.append(_Cue(m.start(), m.end(), owner, backward))
    cues.sort(key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[_Cue] = []
    for c in cues:  # "give me" inside "would you give me": the longer, earlier cue wins
        if kept and c.start < kept[-1].end:
            if c.owner == SPEAKER and kept[-1].owner == PARTNER and c.end > kept[-1].end:
                kept[-1] = c  # "you give me" is about me
            continue
        kept.append(c)
    return kept


def _clause_bounds(text: str, pos: int) -> tuple[int, int]:
    start, end = 0, len(text)
    for m in _CLAUSE_END.finditer(text):
        if m.end() <= pos:
            start = m.end() if m.group()[-1] in ".!?;\n" else m.start()
        elif m.start() >= pos:
            end = m.start()
            break
    return start, end


def _owner(text: str, start: int, end: int, cues: list[_Cue]) -> str | None:
    post = _IMMEDIATE_POST.match(text, end)
    if post:
        word = (post.group(1) or post.group(2)).lower()
        return SPEAKER if word in ("me", "myself", "mine") else PARTNER
    cs, ce = _clause_bounds(text, start)
    before = [c for c in cues if cs <= c.start and c.end <= start]
    if before:
        return before[-1].owner
    after = [c for c in cues if end <= c.start and c.end <= ce]
    if after and after[0].backward:
        return after[0].owner
    return None


def read_quantities(
    text: str,
    resources: Mapping[str, Sequence[str]],
    projects: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
) -> list[Quantity]:
    """Resource amounts mentioned in `text`, in order of appearance.

    `resources` maps canonical names to aliases ({"r1": ["resource 1", "wood"]}); the
    canonical name is an alias too. `projects` (names, or names → aliases) lets numbers
    bound to a project ("project_b x3") be ignored; "project <x>" is recognised anyway."""
    text = _clean(text)
    project_mentions = _project_mentions(text, projects)
    res = [
        r
        for r in _mentions(text, resources)
        if not any(p.start < r.end and r.start < p.end for p in project_mentions)
    ]
    if not res:
        return []
    taken = [(r.start, r.end) for r in res] + [(p.start, p.end) for p in project_mentions]
    nums = _numbers(text, taken)
    _block_project_numbers(text, project_mentions, nums)
    cues = _cues(text)
    out = []
    for r, amount, start, end in _pair(text, res, nums):
        unit = _UNIT_SUFFIX.match(text, end)
        if unit:
            end = unit.end()
        out.append(Quantity(r.name, amount, _owner(text, start, end, cues), (start, end)))
    return out


# ------------------------------------------------------------------------ agreement & ack

_SENTENCE_END = re.compile(r"(?<!\d)\.|\.(?!\d)|[!?;\n]")
_NEGATORS = re.compile(
    r"\b(?:not|no|never|cannot|can't|cant|won't|wont|don't|dont|doesn't|didn't|isn't|aren't"
    r"|wasn't|wouldn't|couldn't|shouldn't|haven't|hasn't|hardly|nor|neither|without"
    r"|refuse|reject|unable|nothing)\b",
    _I,
)
_NOT_NEGATING = re.compile(r"\bno\s+(?:problem|worries|issue|doubt)s?\b|\bnot\s+bad\b", _I)
_CONDITIONAL_BEFORE = re.compile(
    r"\b(?:if|unless|provided|providing|assuming|whether|once|until|till|as\s+long\s+as"
    r"|on\s+condition|suppose|supposing|in\s+case|before|when)\b",
    _I,
)
_CONDITIONAL_AFTER = re.compile(
    r"[\s,]*(?:\w+[\s,]+){0,3}?(?:if|unless|provided|providing|as\s+long\s+as"
    r"|on\s+condition|assuming|once)\b",
    _I,
)
_HYPOTHETICAL = re.compile(r"(?:\b(?:would|could|might|may)|'d)\s+(?:\w+\s+)?$", _I)
_YOU_SUBJECT = re.compile(r"\b(?:you|they|he|she)(?:'ve|'d)?\s+(?:\w+ly\s+|all\s+)?$", _I)
_REQUEST_BEFORE = re.compile(
    r"(?:\b(?:please|let\s+me|let's|lets|can\s+you|could\s+you|will\s+you|would\s+you"
    r"|waiting\s+for\s+you\s+to|need\s+you\s+to)\s+|(?<!happy\s)(?<!glad\s)\bto\s+)$",
    _I,
)

_START = r"(?:^|(?<=[.!?;\n—–:(,\"*]))[\s*\"'_]*"
_INTRO = (
    r"(?:(?:ok(?:ay)?|great|alright|all\s+right|fine|good|then|yes|yeah|yep|sure|perfect"
    r"|excellent|awesome|wonderful|cool)[\s,!.—–-]+)?"
)
_PUNCT_AHEAD = r"(?=\s*(?:[.!,—–;:)\"*]|$)|\s+(?:then|done|from\s+me|on\s+my\s+side)\b)"

_AGREEMENT: list[tuple[re.Pattern[str], bool]] = [
    # (pattern, is a verb whose subject/mood matters)
    (
        re.compile(
            r"\b(?:it'?s|that'?s|that\s+is|it\s+is|then\s+it'?s|we(?:'ve|\s+have)?(?:\s+got)?"
            r"|you(?:'ve|\s+have)?(?:\s+got)?)\s+a\s+deal\b",
            _I,
        ),
        False,
    ),
    (re.compile(r"\bdone\s+deal\b|\bdeal\s+done\b|\bconsider\s+it\s+done\b", _I), False),
    (re.compile(_START + _INTRO + r"(?P<p>deal)\b" + _PUNCT_AHEAD, _I | re.M), False),
    (re.compile(r"\bagreed\b", _I), True),
    (re.compile(r"\bagree\b", _I), True),
    (re.compile(r"\bsounds\s+(?:good|great|fair|perfect|reasonable|fine)\b", _I), False),
    (re.compile(r"\b(?:works|work)\s+for\s+(?:me|us)\b|\bthat\s+works\b", _I), False),
    (re.compile(r"\bI(?:'ll|\s+will)\s+take\s+(?:it|that|this|the\s+deal)\b", _I), False),
    (re.compile(r"\baccept(?:ed|s|ing|able)?\b", _I), True),
    (re.compile(r"\bconfirm(?:ed|s|ing)?\b", _I), True),
    (
        re.compile(
            r"\blet'?s\s+(?:do\s+(?:it|this|that)|go\s+with\s+(?:it|that|this|your|p\d+"
            r"|proposal|option|plan))\b|\blet'?s\s+lock\s+it\s+in\b",
            _I,
        ),
        False,
    ),
    (re.compile(r"\b(?:that'?s|this\s+is|that\s+is|sounds|looks|seems)\s+perfect\b", _I), False),
    (re.compile(_START + _INTRO + r"(?P<p>perfect)\b" + _PUNCT_AHEAD, _I | re.M), False),
    (
        re.compile(
            _START + r"(?:(?:ok(?:ay)?|great|then)[\s,]+)?(?P<p>done)\b" + _PUNCT_AHEAD, _I | re.M
        ),
        False,
    ),
]


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    s, e = 0, len(text)
    for m in _SENTENCE_END.finditer(text):
        if m.end() <= start:
            s = m.end()
        elif m.start() >= end:
            e = m.end()
            break
    return s, e


def _negated(text: str, start: int, s_start: int) -> bool:
    before = text[s_start:start]
    if re.search(r"\b(?:no|not|nope|never)\s*[,—–:]\s*$", before, _I):
        return True  # "No, deal" / "Not — agreed"
    part = re.split(r"[,—–:(]", before)[-1]  # otherwise a negation does not reach over a comma
    part = _NOT_NEGATING.sub(" ", part)
    words = re.findall(r"[\w']+", part)[-6:]
    return bool(_NEGATORS.search(" ".join(words)))


def _is_question(text: str, end: int) -> bool:
    m = re.compile(r"[^.!?;\n,—–]*([.!?;\n,—–]|$)").match(text, end)
    return bool(m and m.group(1) == "?")


def _valid_agreement(text: str, m: re.Match[str], verb: bool) -> bool:
    start, end = m.start(), m.end()
    s_start, _ = _sentence(text, start, end)
    before = text[s_start:start]
    if _negated(text, start, s_start):
        return False
    if _CONDITIONAL_BEFORE.search(before) or _CONDITIONAL_AFTER.match(text, end):
        return False
    if _is_question(text, end):
        return False
    after = re.split(r"[,—–:;.!?]", text[end:], maxsplit=1)[0]
    if re.match(r"\s*(?:\w+\s+){0,2}?(?:I|we)\s+(?:can't|cannot|won't|don't)\b", after, _I):
        return False  # "that's a deal I can't accept"
    if verb:
        if _HYPOTHETICAL.search(before) or _YOU_SUBJECT.search(before):
            return False
        if _REQUEST_BEFORE.search(before):
            return False
    return True


def agreement_phrase(text: str) -> str | None:
    """The first agreement phrase in `text` that is not negated, conditional, hypothetical
    or a question ("Deal!", "sounds good", "I accept"), as written; else None."""
    cleaned = _clean(text)
    hits: list[tuple[int, int]] = []
    for pattern, verb in _AGREEMENT:
        for m in pattern.finditer(cleaned):
            if _valid_agreement(cleaned, m, verb):
                hits.append(_phrase_span(m))
    if not hits:
        return None
    start, end = min(hits, key=lambda h: (h[0], -h[1]))
    return text[start:end]


def _phrase_span(m: re.Match[str]) -> tuple[int, int]:
    if "p" in m.re.groupindex and m.group("p") is not None:
        return m.span("p")
    return m.span()


_ACK: list[re.Pattern[str]] = [
    re.compile(r"\bgot\s+it\b|\bgotcha\b", _I),
    re.compile(r"(?<!\bas\s)(?<!\bas\sI\s)\b(?:duly\s+)?noted\b", _I),
    re.compile(r"\bunderstood\b|\bI\s+(?:fully\s+|totally\s+)?understand\b", _I),
    re.compile(r"\bI\s+see\b(?!\s+it\b)", _I),
    re.compile(r"\bI\s+hear\s+you\b|\b(?:that\s+)?makes\s+sense\b|\bfair\s+point\b", _I),
    re.compile(
        r"\bI(?:'ll|\s+will)\s+(?:\w+\s+)?consider\b|\blet\s+me\s+(?:think|consider"
        r"|check|review|look)\b|\bI(?:'ll|\s+will)\s+think\b",
        _I,
    ),
    re.compile(r"\bI(?:'ll|\s+will)\s+get\s+back\s+to\s+you\b", _I),
    re.compile(
        r"\bthanks?(?:\s+you)?\s+for\s+(?:the|your)\s+(?:\w+\s+)?(?:offer|proposal"
        r"|message|suggestion|update|counter(?:offer|-offer)?|reply)\b",
        _I,
    ),
    re.compile(_START + r"(?P<p>received)\b|\breceived\s+(?:your|the)\b", _I | re.M),
    re.compile(r"\backnowledged?\b", _I),
]


def ack_phrase(text: str) -> str | None:
    """Acknowledgement without agreement ("got it", "noted", "let me think"), as written;
    None when the text also agrees (see `agreement_phrase`) or only negates ("I don't
    understand")."""
    if agreement_phrase(text) is not None:
        return None
    cleaned = _clean(text)
    hits: list[tuple[int, int]] = []
    for pattern in _ACK:
        for m in pattern.finditer(cleaned):
            s_start, _ = _sentence(cleaned, m.start(), m.end())
            if _negated(cleaned, m.start(), s_start) or _is_question(cleaned, m.end()):
                continue
            if re.search(r"\b(?:the\s+way|how)\s+I\s+see\b", cleaned[s_start : m.end()], _I):
                continue
            hits.append(_phrase_span(m))
    if not hits:
        return None
    start, end = min(hits, key=lambda h: (h[0], -h[1]))
    return text[start:end]


# ------------------------------------------------------------------------------ referents


@dataclass
class Referent:
    """A pointer to an earlier proposal.

    kind "id": value "p<N>" ("p3", "proposal 3", "proposal p3", "#3" all give "p3");
    kind "last_offer": value is the phrase, lower-cased ("your last offer");
    kind "option": value is the label, upper-cased letter or number ("B", "2"); ordinals
    become numbers ("the second option" → "2"); "last"/"other"/"former"/"latter" kept."""

    kind: str
    value: str
    span: tuple[int, int]


_ORDINALS = {
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
    "sixth": "6",
    "1st": "1",
    "2nd": "2",
    "3rd": "3",
    "4th": "4",
    "5th": "5",
    "6th": "6",
}
_OFFER_NOUN = r"(?:offer|proposal|suggestion|counter-?offer|counter-?proposal|split|plan|deal)"
_ID_RES = [
    re.compile(r"\b(?:proposal|prop)\s*(?:#|no\.?|number|id)?\s*p?(\d+)\b", _I),
    re.compile(r"\boffer\s*(?:(?:#|no\.?|number|id)\s*p?|p)(\d+)\b", _I),
    re.compile(r"(?<![\w#])p(\d+)\b", _I),
    re.compile(r"(?<![\w&])#\s?p?(\d+)\b", _I),
]
_LAST_RES = [
    re.compile(
        rf"\byour\s+(?:(?:last|previous|latest|most\s+recent|earlier|prior|current"
        rf"|new|revised|updated)\s+)?{_OFFER_NOUN}s?\b",
        _I,
    ),
    re.compile(r"\byour\s+(?:last|previous|latest|most\s+recent)\b", _I),
    re.compile(rf"\bthe\s+(?:last|previous|latest|most\s+recent|prior)\s+{_OFFER_NOUN}\b", _I),
    re.compile(
        r"\bwhat\s+you\s+(?:just\s+)?(?:said|proposed|suggested|offered|wrote"
        r"|described|put\s+forward)\b",
        _I,
    ),
    re.compile(r"\b(?:as|like)\s+you\s+(?:just\s+)?(?:said|proposed|suggested|offered)\b", _I),
    re.compile(rf"\bthat\s+{_OFFER_NOUN}\b", _I),
    re.compile(r"\bthe\s+one\s+you\s+(?:just\s+)?(?:proposed|suggested|offered|sent)\b", _I),
]
_OPTION_RES = [
    re.compile(r"\b(?:option|alternative|choice)\s+#?([A-Za-z]\b|\d+\b)", _I),
    re.compile(r"\b(?i:plan|scenario)\s+#?([A-HJ-Z]\b|\d+\b)"),
    re.compile(r"\b(?i:proposal|offer)\s+([A-HJ-Z])\b"),
    re.compile(
        r"\bthe\s+(first|second|third|fourth|fifth|sixth|1st|2nd|3rd|4th|5th|6th|last|other"
        r"|former|latter)\s+(?:option|proposal|offer|plan|alternative|choice|one)\b",
        _I,
    ),
]


def referents(text: str) -> list[Referent]:
    """Ids, last-offer pointers and option labels in `text`, in order of appearance.

    Where two overlap, an id beats an option, which beats a last-offer pointer
    ("your proposal p3" is the id p3)."""
    cleaned = _clean(text)
    found: list[tuple[int, Referent]] = []
    for pattern in _ID_RES:
        for m in pattern.finditer(cleaned):
            found.append((0, Referent("id", f"p{int(m.group(1))}", (m.start(), m.end()))))
    for pattern in _OPTION_RES:
        for m in pattern.finditer(cleaned):
            raw = m.group(1)
            low = raw.lower()
            if low in ("last", "previous") and re.search(r"offer|proposal", m.group(), _I):
                ref = Referent("last_offer", m.group().lower(), (m.start(), m.end()))
                found.append((2, ref))
                continue
            value = _ORDINALS.get(low, raw.upper() if len(raw) == 1 else low)
            if value.isdigit():
                value = str(int(value))
            found.append((1, Referent("option", value, (m.start(), m.end()))))
    for pattern in _LAST_RES:
        for m in pattern.finditer(cleaned):
            ref = Referent(
                "last_offer", re.sub(r"\s+", " ", m.group().lower()), (m.start(), m.end())
            )
            found.append((2, ref))
    found.sort(key=lambda x: (x[0], x[1].span[0], -(x[1].span[1] - x[1].span[0])))
    kept: list[Referent] = []
    for _, ref in found:
        s, e = ref.span
        if any(s < k.span[1] and k.span[0] < e for k in kept):
            continue
        kept.append(ref)
    kept.sort(key=lambda r: r.span)
    return kept
