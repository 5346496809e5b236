"""Refuse regexes that could make validation hang, and match regexes in linear time.

`_regex_risk(pattern)` says why a schema regex (`pattern`, a `patternProperties` key) is
refused at compile time, or None: too long, nested too deeply, a backreference or
lookaround, a catastrophic-backtracking shape (the rule is documented on `_Regex`), or not
supported by jsonschema-rs's linear-time engine. `_search(pattern, text)` is `re.search`
semantics on that engine (Rust's `regex` crate: no backtracking), with Python's `re` only
as the fallback when jsonschema-rs is missing.
"""

from __future__ import annotations

import re
from typing import Any

MAX_PATTERN_CHARS = 4096
MAX_PATTERN_NESTING = 32
_MATCHER_CACHE_SIZE = 4 * 512  # four per compiled schema kept by `coord.protocol.schemas`


def _short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _regex_risk(pattern: str) -> str | None:
    """Why `pattern` is refused, or None. Conservative: a refusal may be a false alarm
    (the backtracking rule is documented on `_Regex`)."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"is longer than {MAX_PATTERN_CHARS} characters"
    depth = deepest = 0
    escaped = False
    for ch in pattern:  # an upper bound on group nesting, before the recursive parser
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    if deepest > MAX_PATTERN_NESTING:
        return f"nests groups deeper than {MAX_PATTERN_NESTING}"
    try:
        re.compile(pattern)
        parsed = _parser().parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"is not a valid regex ({exc})"
    risk = _Regex(parsed.state.flags).risk(parsed.data, repeated=False)
    if risk:
        return risk
    fast = _rs_matcher(pattern)
    if fast is False:
        return "is not supported by the linear-time regex engine"
    return None


def _parser() -> Any:
    try:
        import re._parser as sre_parse  # Python ≥ 3.11
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse  # type: ignore[no-redef]
    return sre_parse


_MAX_CHAR = 0x10FFFF
_ALL = [(0, _MAX_CHAR)]
_NON_ASCII = [(0x80, _MAX_CHAR)]
_CATEGORY_ASCII = {
    "DIGIT": [(48, 57)],
    "SPACE": [(9, 13), (32, 32)],
    "WORD": [(48, 57), (65, 90), (95, 95), (97, 122)],
}


def _union(*sets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(r for s in sets for r in s):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return out


def _complement(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, nxt = [], 0
    for lo, hi in _union(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX_CHAR:
        out.append((nxt, _MAX_CHAR))
    return out


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    return any(lo1 <= hi2 and lo2 <= hi1 for lo1, hi1 in a for lo2, hi2 in b)


class _Regex:
    r"""Static analysis of a parsed regex: the characters a piece can start with (an
    over-approximation) and whether it can match the empty string.

    `risk` refuses a regex that is ambiguous *inside a repetition* (a group repeated more
    than once: `*`, `+`, `{n,m}` with m > 1, also `{12}`), because there the number of ways
    to match can grow exponentially with the input. Inside a repetition it refuses:

    * a variable-length quantifier (`x+`, `x*`, `x?`, `x{2,5}` …) where the characters its
      body can consume overlap its *follow set*: what can come right after it — the next
      elements up to and including the first mandatory one, then (if all of those are
      optional) the start of the group's next repetition and what follows the group, and so
      on outwards. `(a+)+`, `(.*a){12}`, `(\w+\s?)*`, `(x+x+)+y` are refused; in
      `([\w-]+\.)+` the `[\w-]+` is always followed by a `.` it cannot match, so where
      one repetition ends is never in doubt and matching is linear;
    * a variable-length quantifier of something that can itself match empty (`((a?)?b)*`,
      `((a*)?b)+`): skipping it and taking it empty are two ways to match the same text;
    * alternatives whose first characters overlap (`(a|a?b)*`), more than one that can
      match empty, or one that can match empty while the others start with a character
      of the follow set (`(a|aa)+`, which the parser turns into `a(?:|a)`).

    So every choice inside a repetition is decided by the next character. Conservative:
    character sets are over-approximated (Unicode classes and case folding count as "any
    non-ASCII character"), a quantifier's whole body is compared (not just its first
    characters), and the follow set runs on past the group even where only polynomial,
    not exponential, backtracking could result. Quantifiers outside any repetition
    (`a*a*b`) are not refused: they cost at most polynomial time, and only on the
    Python-`re` fallback.
    """

    _REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")

    def __init__(self, flags: int) -> None:
        self.ignorecase = bool(flags & re.IGNORECASE)

    def risk(self, seq: Any, *, repeated: bool, after: list | None = None) -> str | None:
        """Why `seq` is refused, or None. `after`: the characters that can follow `seq`
        (its follow set); `repeated`: whether `seq` sits inside a repetition."""
        follows = self._follows(seq, after or [])
        for (op, av), follow in zip(seq, follows):
            name = str(op)
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                return "uses a backreference (needs a backtracking engine)"
            if name in ("ASSERT", "ASSERT_NOT"):
                return "uses a lookahead/lookbehind (needs a backtracking engine)"
            if name == "SUBPATTERN":
                if av[1] & re.IGNORECASE:
                    self.ignorecase = True
                risk = self.risk(av[3], repeated=repeated, after=follow)
            elif name == "ATOMIC_GROUP":
                risk = self.risk(av, repeated=repeated, after=follow)
            elif name == "BRANCH":
                if repeated and self._ambiguous(av[1], follow):
                    return (
                        "repeats alternatives that can match the same text (like (a|a)* or "
                        "(a|aa)+): catastrophic backtracking"
                    )
                risk = next(
                    filter(None, (self.risk(b, repeated=repeated, after=follow) for b in av[1])),
                    None,
                )
            elif name in self._REPEATS:
                lo, hi, body = av
                if repeated and lo != hi:
                    if self.first(body)[1]:
                        return (
                            "repeats a group holding a quantifier of something that can match "
                            "empty (like ((a?)?b)*): catastrophic backtracking"
                        )
                    if _overlap(self.chars_of(body), follow):
                        return (
                            "repeats a group in which a variable-length quantifier can also "
                            "match what follows it (like (a+)+ or (.*a){3}): catastrophic "
                            "backtracking"
                        )
                many = hi > 1
                # After one pass through the body: another pass, or whatever follows.
                inner = _union(self.first(body)[0], follow) if many else follow
                risk = self.risk(body, repeated=repeated or many, after=inner)
            else:
                risk = None
            if risk:
                return risk
        return None

    def _follows(self, seq: Any, after: list) -> list[list[tuple[int, int]]]:
        """For each element of `seq`, the characters that can come right after it."""
        out: list[list[tuple[int, int]]] = []
        follow = after
        for item in reversed(list(seq)):
            out.append(follow)
            chars, nullable = self.first([item])
            follow = _union(chars, follow) if nullable else chars
        return out[::-1]

    def _ambiguous(self, branches: list, follow: list) -> bool:
        firsts = [self.first(b) for b in branches]
        nullable = sum(1 for _, n in firsts if n)
        if nullable > 1:
            return True
        if nullable and _overlap(_union(*(c for c, _ in firsts)), follow):
            return True
        return any(_overlap(a[0], b[0]) for i, a in enumerate(firsts) for b in firsts[i + 1 :])

    def chars_of(self, seq: Any) -> list[tuple[int, int]]:
        """Every character any part of `seq` can match (over-approximation)."""
        out: list[list[tuple[int, int]]] = []
        for op, av in seq:
            name = str(op)
            if name in self._REPEATS:
                out.append(self.chars_of(av[2]))
            elif name == "SUBPATTERN":
                out.append(self.chars_of(av[3]))
            elif name == "ATOMIC_GROUP":
                out.append(self.chars_of(av))
            elif name == "BRANCH":
                out.extend(self.chars_of(b) for b in av[1])
            else:
                out.append(self._atom(name, av)[0])
        return _union(*out)

    def first(self, seq: Any) -> tuple[list[tuple[int, int]], bool]:
        """(characters a match of `seq` can start with, whether it can match empty)."""
        sets: list[list[tuple[int, int]]] = []
        for op, av in seq:
            name = str(op)
            if name in self._REPEATS:
                chars, nullable = self.first(av[2])
                nullable = nullable or av[0] == 0
            elif name == "SUBPATTERN":
                chars, nullable = self.first(av[3])
            elif name == "ATOMIC_GROUP":
                chars, nullable = self.first(av)
            elif name == "BRANCH":
                parts = [self.first(b) for b in av[1]]
                chars = _union(*(c for c, _ in parts))
                nullable = any(n for _, n in parts)
            else:
                chars, nullable = self._atom(name, av)
            sets.append(chars)
            if not nullable:
                return _union(*sets), False
        return _union(*sets), True

    def _atom(self, name: str, av: Any) -> tuple[list[tuple[int, int]], bool]:
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            return [], True
        if name == "GROUPREF":
            return _ALL, True
        if name == "IN":
            return self._in(av, over=True), False
        if name == "LITERAL":
            return self._literal(av), False
        if name == "NOT_LITERAL":
            return _complement([(av, av)]) if not self.ignorecase else _ALL, False
        return _ALL, False  # ANY, CATEGORY and anything unforeseen: any character

    def _literal(self, code: int) -> list[tuple[int, int]]:
        if not self.ignorecase:
            return [(code, code)]
        ch = chr(code)
        # Case folding reaches outside ASCII (K ↔ KELVIN SIGN): assume any non-ASCII.
        return _union(
            [(ord(c), ord(c)) for c in {ch, ch.lower(), ch.upper()} if len(c) == 1], _NON_ASCII
        )

    def _in(self, items: list, *, over: bool) -> list[tuple[int, int]]:
        if items and str(items[0][0]) == "NEGATE":
            return _complement(self._in(items[1:], over=not over))
        out: list[list[tuple[int, int]]] = []
        for op, av in items:
            name = str(op)
            if name == "LITERAL":
                out.append(self._literal(av) if over else [(av, av)])
            elif name == "RANGE":
                out.append([av] if not (over and self.ignorecase) else _ALL)
            elif name == "CATEGORY":
                out.append(self._category(str(av), over=over))
            elif over:
                out.append(_ALL)
        return _union(*out)

    @staticmethod
    def _category(name: str, *, over: bool) -> list[tuple[int, int]]:
        negated = "_NOT_" in name
        base = name.rsplit("_", 1)[-1]
        ascii_part = _CATEGORY_ASCII.get(base)
        if ascii_part is None:  # line breaks and other rare ones
            return _ALL if over else []
        # Unicode classes reach outside ASCII: over-approximate with all of it, and
        # under-approximate (needed under negation) with the ASCII part only.
        if negated:
            return _complement(ascii_part if over else _union(ascii_part, _NON_ASCII))
        return _union(ascii_part, _NON_ASCII) if over else ascii_part


_rs_patterns: dict[str, Any] = {}


def _rs_matcher(pattern: str) -> Any:
    """A linear-time `is_valid(string)` for `pattern` via jsonschema-rs; None without
    jsonschema-rs, False when its linear engine cannot compile the pattern."""
    matcher = _rs_patterns.get(pattern)
    if matcher is None:
        try:
            import jsonschema_rs
        except ImportError:  # pragma: no cover - jsonschema-rs is a dependency
            return None
        try:
            matcher = jsonschema_rs.Draft202012Validator(
                {"pattern": pattern}, pattern_options=jsonschema_rs.RegexOptions()
            ).is_valid
        except (ValueError, jsonschema_rs.ValidationError):
            matcher = False
        if len(_rs_patterns) >= _MATCHER_CACHE_SIZE:
            _rs_patterns.clear()
        _rs_patterns[pattern] = matcher
    return matcher


def _search(pattern: str, text: str) -> bool:
    """`re.search(pattern, text)` semantics in linear time (jsonschema-rs when present)."""
    matcher = _rs_matcher(pattern)
    if matcher:
        return matcher(text)
    return re.search(pattern, text) is not None
