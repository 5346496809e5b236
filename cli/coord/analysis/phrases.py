"""Agreement, acknowledgement and proposal pointers in negotiation free text.

- `agreement_phrase` finds agreement language that is neither negated nor conditional.
- `ack_phrase` finds acknowledgement that stops short of agreement.
- `referents` finds pointers to proposals: ids, "your last offer", "option B".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from coord.analysis.numbers import any_in, clean

__all__ = ["Gated", "Referent", "ack_phrase", "agreement_phrase", "referents"]

_I = re.IGNORECASE


class Gated:
    """A case-insensitive pattern with the words one of which every match contains: `search`
    runs the pattern only when the lower-cased text has one of them (`numbers.any_in`)."""

    def __init__(self, pattern: str, words: tuple[str, ...], flags: int = re.IGNORECASE) -> None:
        self.pattern = re.compile(pattern, flags)
        self.words = words

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if any_in(text.lower(), self.words) else None


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

# (pattern, is a verb whose subject/mood matters, words one of which a match contains:
# a cheap `in` test on the lower-cased text skips the pattern when none is there)
_AGREEMENT: list[tuple[re.Pattern[str], bool, tuple[str, ...]]] = [
    (
        re.compile(
            r"\b(?:it'?s|that'?s|that\s+is|it\s+is|then\s+it'?s|we(?:'ve|\s+have)?(?:\s+got)?"
            r"|you(?:'ve|\s+have)?(?:\s+got)?)\s+a\s+deal\b",
            _I,
        ),
        False,
        ("deal",),
    ),
    (
        re.compile(r"\bdone\s+deal\b|\bdeal\s+done\b|\bconsider\s+it\s+done\b", _I),
        False,
        ("done",),
    ),
    (re.compile(_START + _INTRO + r"(?P<p>deal)\b" + _PUNCT_AHEAD, _I | re.M), False, ("deal",)),
    (re.compile(r"\bagreed\b", _I), True, ("agreed",)),
    (re.compile(r"\bagree\b", _I), True, ("agree",)),
    (
        re.compile(r"\bsounds\s+(?:good|great|fair|perfect|reasonable|fine)\b", _I),
        False,
        ("sounds",),
    ),
    (
        re.compile(r"\b(?:works|work)\s+for\s+(?:me|us)\b|\bthat\s+works\b", _I),
        False,
        ("work",),
    ),
    (
        re.compile(
            r"\b(?:I'?m|I\s+am|we'?re|we\s+are)\s+(?:(?:really|totally|quite|perfectly|absolutely"
            r"|completely|fully|also|very|more\s+than)\s+)?(?:fine|ok|okay|good|happy|content)"
            r"\s+with\s+(?:that|this|it|the\s+(?:deal|split|plan|proposal|offer)|your\s+\w+)\b",
            _I,
        ),
        False,
        ("with",),
    ),
    (
        re.compile(r"\bI(?:'ll|\s+will)\s+take\s+(?:it|that|this|the\s+deal)\b", _I),
        False,
        ("take",),
    ),
    (re.compile(r"\baccept(?:ed|s|ing|able)?\b", _I), True, ("accept",)),
    (re.compile(r"\bconfirm(?:ed|s|ing)?\b", _I), True, ("confirm",)),
    # a recap of the deal: "just to confirm our deal: ...", "so the deal is: ...", "final
    # deal: ..." (a colon: "the deal is fair" says nothing; "proposed deal:" proposes)
    (
        re.compile(
            r"\bconfirm(?:ing)?\s+(?:our|the)\s+(?:final\s+)?(?:deal|agreement)\b"
            r"|\b(?:(?:the|our)\s+(?:final\s+)?|final\s+)(?:deal|agreement)"
            r"(?:\s+(?:is|stands))?\s*:",
            _I,
        ),
        False,
        ("deal", "agreement"),
    ),
    # choosing one of the options laid out: "option B, please", "I'll go with option 2"
    (
        re.compile(
            r"\boption\s+(?:[a-z]|\d+)\b\s*,?\s+please\b"
            r"|\b(?:I|we)(?:'ll|\s+will)?\s+(?:go\s+with|take|pick|choose)\s+option"
            r"\s+(?:[a-z]|\d+)\b",
            _I,
        ),
        False,
        ("option",),
    ),
    (
        re.compile(
            r"\blet'?s\s+(?:do\s+(?:it|this|that)|go\s+with\s+(?:it|that|this|your|p\d+"
            r"|proposal|option|plan))\b|\blet'?s\s+lock\s+it\s+in\b",
            _I,
        ),
        False,
        ("let",),
    ),
    (
        re.compile(r"\b(?:that'?s|this\s+is|that\s+is|sounds|looks|seems)\s+perfect\b", _I),
        False,
        ("perfect",),
    ),
    (
        re.compile(_START + _INTRO + r"(?P<p>perfect)\b" + _PUNCT_AHEAD, _I | re.M),
        False,
        ("perfect",),
    ),
    (
        re.compile(
            _START + r"(?:(?:ok(?:ay)?|great|then)[\s,]+)?(?P<p>done)\b" + _PUNCT_AHEAD, _I | re.M
        ),
        False,
        ("done",),
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


# The readers are pure functions of the text, and agents repeat themselves ("Got it.",
# "Deal!", a policy's fixed sentences): each keeps the readings of recent texts.
CACHE = 8192


@functools.lru_cache(maxsize=CACHE)
def agreement_phrase(text: str) -> str | None:
    """The first agreement phrase in `text` that is not negated, conditional, hypothetical
    or a question ("Deal!", "sounds good", "I accept"), as written; else None."""
    cleaned = clean(text)
    present = _present(cleaned.lower())
    hits: list[tuple[int, int]] = []
    for pattern, verb, words in _AGREEMENT:
        if present.isdisjoint(words):
            continue
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


_ACK: list[tuple[re.Pattern[str], tuple[str, ...]]] = [  # as `_AGREEMENT`, without verbs
    (re.compile(r"\bgot\s+it\b|\bgotcha\b", _I), ("got",)),
    (re.compile(r"(?<!\bas\s)(?<!\bas\sI\s)\b(?:duly\s+)?noted\b", _I), ("noted",)),
    (re.compile(r"\bunderstood\b|\bI\s+(?:fully\s+|totally\s+)?understand\b", _I), ("underst",)),
    # "I see." / "I see your point" acknowledge; "I see two options" does not
    (
        re.compile(
            r"\bI\s+see\b(?=\s*(?:[.!,;:—–)]|$)|\s+(?:what\s+you|where\s+you|why\s+you|that\b"
            r"|your\s+(?:point|logic|reasoning|concern|proposal|offer|plan)))",
            _I,
        ),
        ("see",),
    ),
    (
        re.compile(r"\bI\s+hear\s+you\b|\b(?:that\s+)?makes\s+sense\b|\bfair\s+point\b", _I),
        ("hear", "sense", "point"),
    ),
    (
        re.compile(
            r"\bI(?:'ll|\s+will)\s+(?:\w+\s+)?consider\b|\blet\s+me\s+(?:think|consider"
            r"|check|review|look)\b|\bI(?:'ll|\s+will)\s+think\b",
            _I,
        ),
        ("consider", "let", "think"),
    ),
    (re.compile(r"\bI(?:'ll|\s+will)\s+get\s+back\s+to\s+you\b", _I), ("back",)),
    (
        re.compile(
            r"\bthanks?(?:\s+you)?\s+for\s+(?:the|your)\s+(?:\w+\s+)?(?:offer|proposal"
            r"|message|suggestion|update|counter(?:offer|-offer)?|reply)\b",
            _I,
        ),
        ("thank",),
    ),
    (
        re.compile(_START + r"(?P<p>received)\b|\breceived\s+(?:your|the)\b", _I | re.M),
        ("received",),
    ),
    (re.compile(r"\backnowledged?\b", _I), ("acknowledge",)),
]


def ack_phrase(text: str, *, agrees: Callable[[], bool] | None = None) -> str | None:
    """Acknowledgement without agreement ("got it", "noted", "let me think"), as written;
    None when the text also agrees (see `agreement_phrase`) or only negates ("I don't
    understand"). ``agrees`` tells whether the text agrees, when the caller knows better or
    has it cached; it is asked only when the text has acknowledgement words."""
    cleaned = clean(text)
    present = _present(cleaned.lower())
    if present.isdisjoint(_ACK_WORDS):
        return None
    phrase = _ack_candidate(text)
    if phrase is None:
        return None
    if agrees() if agrees is not None else agreement_phrase(text) is not None:
        return None
    return phrase


@functools.lru_cache(maxsize=CACHE)
def _ack_candidate(text: str) -> str | None:
    """`ack_phrase` before the agreement check."""
    cleaned = clean(text)
    present = _present(cleaned.lower())
    hits: list[tuple[int, int]] = []
    for pattern, words in _ACK:
        if present.isdisjoint(words):
            continue
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


@dataclass(frozen=True)
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
_OFFER_WORDS = ("offer", "proposal", "suggestion", "split", "plan", "deal")
# (pattern, words one of which a match contains; see `_AGREEMENT`)
_LAST_RES = [
    (
        re.compile(
            rf"\byour\s+(?:(?:last|previous|latest|most\s+recent|earlier|prior|current"
            rf"|new|revised|updated)\s+)?{_OFFER_NOUN}s?\b",
            _I,
        ),
        ("your",),
    ),
    (re.compile(r"\byour\s+(?:last|previous|latest|most\s+recent)\b", _I), ("your",)),
    (
        re.compile(rf"\bthe\s+(?:last|previous|latest|most\s+recent|prior)\s+{_OFFER_NOUN}\b", _I),
        _OFFER_WORDS,
    ),
    (
        re.compile(
            r"\bwhat\s+you\s+(?:just\s+)?(?:said|proposed|suggested|offered|wrote"
            r"|described|put\s+forward)\b",
            _I,
        ),
        ("what",),
    ),
    (
        re.compile(r"\b(?:as|like)\s+you\s+(?:just\s+)?(?:said|proposed|suggested|offered)\b", _I),
        ("you",),
    ),
    (re.compile(rf"\bthat\s+{_OFFER_NOUN}\b", _I), _OFFER_WORDS),
    (
        re.compile(r"\bthe\s+one\s+you\s+(?:just\s+)?(?:proposed|suggested|offered|sent)\b", _I),
        ("one",),
    ),
]
_OPTION_RES = [
    (
        re.compile(r"\b(?:option|alternative|choice)\s+#?([A-Za-z]\b|\d+\b)", _I),
        ("option", "alternative", "choice"),
    ),
    (re.compile(r"\b(?i:plan|scenario)\s+#?([A-HJ-Z]\b|\d+\b)"), ("plan", "scenario")),
    (re.compile(r"\b(?i:proposal|offer)\s+([A-HJ-Z])\b"), ("proposal", "offer")),
    (
        re.compile(
            r"\bthe\s+(first|second|third|fourth|fifth|sixth|1st|2nd|3rd|4th|5th|6th|last|other"
            r"|former|latter)\s+(?:option|proposal|offer|plan|alternative|choice|one)\b",
            _I,
        ),
        ("option", "proposal", "offer", "plan", "alternative", "choice", "one"),
    ),
]


_DIGIT = re.compile(r"\d")


def _gate_words() -> list[str]:
    words = {
        w for table in (_AGREEMENT, _ACK, _OPTION_RES, _LAST_RES) for *_, ws in table for w in ws
    }
    # Prefix-free: a word that starts with another gate word is gated by that one.
    return sorted(w for w in words if not any(o != w and w.startswith(o) for o in words))


def _canonical_gates() -> tuple[str, ...]:
    """The gate words; rewrites each table's words to the gate words they start with
    ("agreed" is gated by "agree")."""
    gate = _gate_words()
    for table in (_AGREEMENT, _ACK, _OPTION_RES, _LAST_RES):
        for k, (*head, words) in enumerate(table):
            canon = frozenset(next(g for g in gate if w.startswith(g)) for w in words)
            table[k] = (*head, canon)
    return tuple(gate)


_GATE = _canonical_gates()
_ACK_WORDS = frozenset(w for _, words in _ACK for w in words)


@functools.lru_cache(maxsize=16)
def _present(low: str) -> frozenset[str]:
    """The gate words in `low`. A pattern runs only when one of its words is present: a
    few substring tests per message instead of a regex scan per pattern. Cached, as the
    three readers of a message ask in turn."""
    return frozenset([w for w in _GATE if w in low])


def referents(text: str) -> list[Referent]:
    """Ids, last-offer pointers and option labels in `text`, in order of appearance.

    Where two overlap, an id beats an option, which beats a last-offer pointer
    ("your proposal p3" is the id p3)."""
    return list(_referents(text))


@functools.lru_cache(maxsize=CACHE)
def _referents(text: str) -> tuple[Referent, ...]:
    cleaned = clean(text)
    present = _present(cleaned.lower())
    found: list[tuple[int, Referent]] = []
    if _DIGIT.search(cleaned):  # every id has one
        for pattern in _ID_RES:
            for m in pattern.finditer(cleaned):
                found.append((0, Referent("id", f"p{int(m.group(1))}", (m.start(), m.end()))))
    for pattern, words in _OPTION_RES:
        if present.isdisjoint(words):
            continue
        for m in pattern.finditer(cleaned):
            raw = m.group(1)
            label = raw.lower()
            if label in ("last", "previous") and re.search(r"offer|proposal", m.group(), _I):
                ref = Referent("last_offer", m.group().lower(), (m.start(), m.end()))
                found.append((2, ref))
                continue
            value = _ORDINALS.get(label, raw.upper() if len(raw) == 1 else label)
            if value.isdigit():
                value = str(int(value))
            found.append((1, Referent("option", value, (m.start(), m.end()))))
    for pattern, words in _LAST_RES:
        if present.isdisjoint(words):
            continue
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
    return tuple(kept)
