"""Agreement, acknowledgement and proposal pointers in negotiation free text.

- `agreement_phrase` finds agreement language that is neither negated nor conditional.
- `ack_phrase` finds acknowledgement that stops short of agreement.
- `referents` finds pointers to proposals: ids, "your last offer", "option B".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coord.analysis.numbers import clean

__all__ = ["Referent", "ack_phrase", "agreement_phrase", "referents"]

_I = re.IGNORECASE

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
    cleaned = clean(text)
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
    cleaned = clean(text)
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
    cleaned = clean(text)
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
