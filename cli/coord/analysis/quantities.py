"""Resource amounts in negotiation free text, and whose they are (`read_quantities`).

A message's "<amount> <resource>" mentions (either order, digits or words) are paired with
numbers, and each gets an owner relative to the speaker ("speaker", "partner", "both" for
"we each take 3 r1" / "3 r1 each", or None when unclear). Tuned for precision: when in
doubt a number is left unpaired or the owner None.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coord.analysis.numbers import NUMBER_AT, Num, any_in, clean, find_numbers, number_value

__all__ = ["PARTNER", "SPEAKER", "Quantity", "read_quantities"]

SPEAKER = "speaker"
PARTNER = "partner"
BOTH = "both"  # the same amount for each of the two

_I = re.IGNORECASE


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


@functools.lru_cache(maxsize=4096)
def _alias_matcher(alias: str) -> tuple[re.Pattern[str], str] | None:
    """The compiled pattern of an alias and a lower-case piece of text every match
    contains (its first word, or the stem of a one-word alias), to skip texts without it."""
    pattern = _alias_pattern(alias)
    if pattern is None:
        return None
    words = [w for w in re.split(r"[\s_\-]+", alias.strip().lower()) if w]
    needle = words[0] if len(words) > 1 else words[0].rstrip("sy")
    if len(words) == 1 and words[0].endswith("ies"):
        needle = words[0][:-3]
    return re.compile(pattern, _I), needle


def _mentions(text: str, table: Mapping[str, Sequence[str]]) -> list[_Mention]:
    found: list[_Mention] = []
    low = text.lower()
    for canonical, aliases in table.items():
        for alias in {canonical, *aliases}:
            matcher = _alias_matcher(alias)
            if matcher is None or matcher[1] not in low:
                continue
            for m in matcher[0].finditer(text):
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


_GENERIC_PROJECT = re.compile(r"\bproject(?:[\s_\-]+(?:[a-z]|[a-z]?\d+)|\d+)" + _E, _I)


@functools.lru_cache(maxsize=4096)
def _project_matchers(alias: str) -> list[tuple[re.Pattern[str], str]]:
    """ "project <alias>", and the alias alone when it is a name rather than a letter or
    number; each with a lower-case piece of text every match contains."""
    out = [(re.compile(_B + r"project[\s_\-]*" + re.escape(alias) + _E, _I), "project")]
    if len(alias) > 1 and not re.fullmatch(r"[a-z]?\d*", alias, _I):
        pattern = _B + re.escape(alias).replace(r"\ ", r"[\s_\-]+") + _E
        out.append((re.compile(pattern, _I), alias.lower().split()[0]))
    return out


def _project_mentions(
    text: str, projects: Mapping[str, Sequence[str]] | Sequence[str] | None
) -> list[_Mention]:
    found: list[_Mention] = []
    low = text.lower()
    for m in _GENERIC_PROJECT.finditer(text) if "project" in low else ():
        found.append(_Mention(m.start(), m.end(), m.group()))
    if projects:
        table = projects if isinstance(projects, Mapping) else {p: [p] for p in projects}
        for name, aliases in table.items():
            for alias in {name, *aliases}:
                a = alias.strip()
                if not a:
                    continue
                for pat, needle in _project_matchers(a):
                    if needle not in low:
                        continue
                    for m in pat.finditer(text):
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


@dataclass(frozen=True)
class Quantity:
    """An amount of one resource mentioned in a message.

    `owner` is relative to the message's speaker: "speaker", "partner", "both" (each of
    the two gets the amount) or None (unknown).
    `span` is (start, end) of the whole mention ("9 of r2", "r3 ×6") in the text."""

    resource: str
    amount: int
    owner: str | None
    span: tuple[int, int]


def _block_project_numbers(text: str, projects: list[_Mention], nums: list[Num]) -> None:
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


def _pair(text: str, res: list[_Mention], nums: list[Num]) -> list[tuple[_Mention, int, int, int]]:
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
        m = NUMBER_AT.match(text, sep.end())
        if not m:
            continue
        value = number_value(m.group())
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
    r"|be\s+(?:happy|glad|willing|able|okay|ok|fine)\s+to|(?:happy|glad|willing|okay|ok|fine)"
    r"\s+(?:with|to)"
    r"|to|at\s+least|at\s+most|instead|now|already|each|both|all))*"
)
_SHARE = r"(?:share|part|portion|side|allocation|cut|half|end|bundle|split|allotment)"
_ME_VERBS = (
    r"(?:for|to|give|gives|giving|leave|leaves|leaving|let|lets|send|sends|allocate|allot"
    r"|assign|sell|hand|pass)"
)
_VERB_WORDS = (
    "tak", "took", "get", "got", "buy", "bought", "keep", "kept", "purchas", "grab", "claim",
    "receiv", "acquir", "need", "want", "have", "had", "like", "prefer", "end", "go", "secur",
    "hold", "retain", "walk",
)  # fmt: skip
_CUES: list[tuple[re.Pattern[str], str | None, bool, tuple[str, ...]]] = [
    # (pattern, owner, can attach to the quantity *before* it, words one of which every
    # match contains: the pattern is skipped for a text without any)
    (
        re.compile(rf"\bI(?:'ll|'d|'m|'ve|\s+am)?{_ADVERBS}\s+{_VERBS}\b", _I),
        SPEAKER,
        False,
        _VERB_WORDS,
    ),
    (
        re.compile(rf"\byou(?:'ll|'d|'re|'ve|\s+are)?{_ADVERBS}\s+{_VERBS}\b", _I),
        PARTNER,
        False,
        _VERB_WORDS,
    ),
    # (?=[...]): the verbs' first letters, so the scan skips other words without trying
    # each verb (20 µs a message each before, 8 after, measured on LLM-like text)
    (re.compile(rf"\b(?=[ftglsahp]){_ME_VERBS}\s+me\b", _I), SPEAKER, True, ("me",)),
    (re.compile(rf"\b(?=[ftglsahp]){_ME_VERBS}\s+you\b", _I), PARTNER, True, ("you",)),
    (
        re.compile(rf"\bmy\s+(?:own\s+)?{_SHARE}\b|\bon\s+my\s+end\b", _I),
        SPEAKER,
        False,
        ("my",),
    ),
    (
        re.compile(rf"\byour\s+(?:own\s+)?{_SHARE}\b|\bon\s+your\s+end\b", _I),
        PARTNER,
        False,
        ("your",),
    ),
    (
        re.compile(r"\b(?:mine|myself)\b|\bme\s*(?::|->|→|=>)", _I),
        SPEAKER,
        True,
        ("mine", "myself", "me"),
    ),
    (re.compile(r"\byours(?:elf)?\b|\byou\s*(?::|->|→|=>)", _I), PARTNER, True, ("you",)),
    (
        re.compile(r"\bwe(?:'ll|'d)?\s+(?:each|both)\b|\beach\s+of\s+us\b", _I),
        BOTH,
        True,
        ("we", "each"),
    ),
    (
        # "5 r1 and 5 r2 each", "each gets 5 r1" (not "each of", "each run"...)
        re.compile(r"\beach\b(?!\s+(?:of|runs?|times?|rounds?|units?|turns?|one)\b)", _I),
        BOTH,
        True,
        ("each",),
    ),
    (
        re.compile(r"\bwe(?:'ll|'d)?\s+(?:all|split|share)\b", _I),
        None,
        False,
        ("we",),
    ),
]
_CLAUSE_END = re.compile(
    r"(?<!\d)\.|\.(?!\d)|[!?;\n]"
    r"|\b(?=[bhwatueoi])(?:but|however|whereas|while|although|though|unless|except"
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
    bound: bool = False  # names the amount just before it (`_bind_back`)


def _cues(text: str) -> list[_Cue]:
    cues: list[_Cue] = []
    low = text.lower()
    for pattern, owner, backward, words in _CUES:
        if not any_in(low, words):
            continue
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


def _clause_ends(text: str) -> list[re.Match[str]]:
    return list(_CLAUSE_END.finditer(text))


def _clause_bounds(text: str, pos: int, ends: list[re.Match[str]]) -> tuple[int, int]:
    start, end = 0, len(text)
    for m in ends:
        if m.end() <= pos:
            start = m.end() if m.group()[-1] in ".!?;\n" else m.start()
        elif m.start() >= pos:
            end = m.start()
            break
    return start, end


def _owner(text: str, start: int, end: int, cues: list[_Cue], ends) -> str | None:
    post = _IMMEDIATE_POST.match(text, end)
    if post:
        word = (post.group(1) or post.group(2)).lower()
        return SPEAKER if word in ("me", "myself", "mine") else PARTNER
    cs, ce = _clause_bounds(text, start, ends)
    before = [c for c in cues if cs <= c.start and c.end <= start]
    if before and not before[-1].bound:  # a bound cue ends the run of amounts it owns
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
    table = tuple((k, tuple(v)) for k, v in resources.items())
    if projects is None or isinstance(projects, Mapping):
        names = tuple((k, tuple(v)) for k, v in projects.items()) if projects else None
    else:
        names = tuple(projects)
    return list(_read(text, table, names))


@functools.lru_cache(maxsize=8192)  # the same text with the same game reads the same
def _read(text: str, resources: tuple, projects: tuple | None) -> tuple[Quantity, ...]:
    resources = dict(resources)
    if projects and isinstance(projects[0], tuple):
        projects = dict(projects)
    text = clean(text)
    project_mentions = _project_mentions(text, projects)
    res = [
        r
        for r in _mentions(text, resources)
        if not any(p.start < r.end and r.start < p.end for p in project_mentions)
    ]
    if not res:
        return ()
    taken = [(r.start, r.end) for r in res] + [(p.start, p.end) for p in project_mentions]
    nums = find_numbers(text, taken)
    _block_project_numbers(text, project_mentions, nums)
    ends = _clause_ends(text)
    spans = []
    for r, amount, start, end in _pair(text, res, nums):
        unit = _UNIT_SUFFIX.match(text, end)
        spans.append((r, amount, start, unit.end() if unit else end))
    cues = _bind_back(text, _cues(text), [end for *_, end in spans])
    out = [
        Quantity(r.name, amount, _owner(text, start, end, cues, ends), (start, end))
        for r, amount, start, end in spans
    ]
    out += _on_topic(text, res, nums, cues, spans)
    return tuple(sorted(out, key=lambda q: q.span))


# "on r1, I take 2 while you take 4": the resource is named first, then bare amounts owned
# by a cue right before each ("as for r3: you get 4").
_TOPIC_BEFORE = re.compile(r"\b(?:for|on|as\s+for|regarding|about|of|with)\s+(?:the\s+)?$", _I)
_TOPIC_AFTER = re.compile(r"\s*[,:\-—–]?\s*$")
_BARE_END = re.compile(
    r"\s*(?:[,.;:!?)]|$|(?:and|while|but|whereas|then|units?|of\s+(?:it|them|those))\b)", _I
)
_SENTENCE = re.compile(r"[.!?;\n]")


def _on_topic(text: str, res, nums, cues: list[_Cue], spans) -> list[Quantity]:
    paired = {id(r) for r, *_ in spans}
    used = {start for _, _, start, _ in spans}
    out = []
    for n in nums:
        if n.blocked or n.start in used or any(s <= n.start < e for *_, s, e in spans):
            continue
        cue = next(
            (c for c in cues if c.end <= n.start and not text[c.end : n.start].strip()), None
        )
        if cue is None or cue.owner is None or cue.backward or not _BARE_END.match(text, n.end):
            continue
        sentence = max((m.end() for m in _SENTENCE.finditer(text, 0, n.start)), default=0)
        before = [r for r in res if sentence <= r.start and r.end <= cue.start]
        if not before or id(before[-1]) in paired:
            continue  # no resource named before, or the nearest one has its own amount
        topic = before[-1]
        first = next((c for c in cues if c.start >= topic.end), None)
        if (
            first is not None
            and _TOPIC_BEFORE.search(text, 0, topic.start)
            and _TOPIC_AFTER.match(text[topic.end : first.start])
        ):
            out.append(Quantity(topic.name, n.value, cue.owner, (n.start, n.end)))
    return out


# Between an amount and an owner that names it from behind: "9 r2 for me", "4 r3 is yours".
_BACK_GAP = re.compile(r"\s*(?:(?:is|are|was|would\s+be|will\s+be|goes|go|going)\s+)?", _I)


def _bind_back(text: str, cues: list[_Cue], ends: list[int]) -> list[_Cue]:
    """Mark the cues that name the amount just before them ("3 r1 and 9 r2 for me, 4 r3
    and 2 r1 for you"): such a cue is that amount's owner and not the owner of the amounts
    that follow it ("4 r3" is not mine)."""
    for c in cues:
        if c.backward and any(e <= c.start and _BACK_GAP.fullmatch(text, e, c.start) for e in ends):
            c.bound = True
    return cues
