"""Compare two transcripts: where they first diverge, and what that changed (`coord diff`).

Both files are streamed in lockstep through `coord.transcript.Transcript`: line ``n`` of
one is compared with line ``n`` of the other, after dropping volatile fields (timestamps,
latencies, the ``prev``/``hash``/``seq`` chain fields, file paths). Lines whose ``hash``
values match from the top form the shared prefix (reported, never trusted blindly: a line
edited after the fact keeps its old hash, so contents are always compared). The first
pair that differs is the divergence, named by the (round, turn, agent) of its events.
Alongside, each side keeps small summaries — one per round (from ``outcome`` events),
the game metrics, binding agreements, protocol findings and model-call costs — so memory
grows with rounds and agreements, never with the length of the conversation.

The header is compared apart: its differences (condition, backends, seed...) are "setup
differences". Reading is not verifying: a broken chain is `coord verify`'s business; an
unsealed or torn file is only noted.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from coord.transcript.reader import Transcript

SCHEMA_VERSION = 1
"""Version of the JSON report (`DiffReport.to_dict`)."""

MESSAGE_LIKE = frozenset({"message", "error", "decision", "model_call", "tool_call"})
"""Event kinds a divergence is described by: who said what, in which round and turn."""

FIELD_LIMIT = 8
"""Differing fields listed for the first divergence (the first one is the headline)."""

SETUP_LIMIT = 20
"""Header differences listed at most."""

_VOLATILE = frozenset({"started", "ended", "ts", "timestamp", "created_at", "updated_at"})
_VOLATILE_PREFIXES = ("latency", "duration", "elapsed")
# Only at the top of an event: deeper down, e.g. a protocol finding's ``path`` is content.
_VOLATILE_TOP = frozenset(
    {"prev", "hash", "seq", "scenario_file", "transcript", "transcript_path", "out"}
)


class _Missing:
    """A field present on one side only."""

    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()


# -- comparing values ----------------------------------------------------------------------
def is_volatile(key: str, *, top: bool = False) -> bool:
    """Whether a field named ``key`` differs between identical runs (so is not compared)."""
    if key in _VOLATILE or key.startswith(_VOLATILE_PREFIXES):
        return True
    return top and key in _VOLATILE_TOP


def normalize(value: Any, *, top: bool = True) -> Any:
    """``value`` without its volatile fields, at any depth (`is_volatile`)."""
    if isinstance(value, dict):
        return {k: normalize(v, top=False) for k, v in value.items() if not is_volatile(k, top=top)}
    if isinstance(value, list):
        return [normalize(v, top=False) for v in value]
    return value


def differences(a: Any, b: Any, *, limit: int = FIELD_LIMIT) -> list[tuple[str, Any, Any]]:
    """Leaf differences between ``a`` and ``b`` as ``(dotted path, a value, b value)``.

    In document order (``a``'s keys first), at most ``limit``; a side without the field
    has `MISSING`. Paths look like ``message.share[0].reward``; ``$`` is the whole value.
    """
    out: list[tuple[str, Any, Any]] = []
    _walk(a, b, "", out, limit)
    return out


def _walk(a: Any, b: Any, path: str, out: list, limit: int) -> None:
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in [*a, *(k for k in b if k not in a)]:
            _walk(a.get(k, MISSING), b.get(k, MISSING), f"{path}.{k}" if path else k, out, limit)
            if len(out) >= limit:
                return
        return
    if isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            va = a[i] if i < len(a) else MISSING
            vb = b[i] if i < len(b) else MISSING
            _walk(va, vb, f"{path}[{i}]", out, limit)
            if len(out) >= limit:
                return
        return
    if not _same(a, b):
        out.append((path or "$", a, b))


def _same(a: Any, b: Any) -> bool:
    # JSON has one number type (1 == 1.0), but true is not 1.
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _delta(a: Any, b: Any) -> float | None:
    return round(b - a, 12) if _is_number(a) and _is_number(b) else None


def _numbers(obj: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of ``obj`` by dotted path (booleans are not numbers here)."""
    if _is_number(obj):
        return {prefix or "value": obj}
    out: dict[str, float] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_numbers(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


# -- per-side summaries --------------------------------------------------------------------
def _position(event: dict | None, line: int) -> dict:
    """Where an event sits: line, kind, round, turn, agent (what a reader looks for)."""
    if event is None:
        return {"line": line, "kind": None, "end": True}
    agent = event.get("agent", event.get("by"))
    pos = {"line": line, "seq": event.get("seq"), "kind": event.get("kind")}
    for key, value in (("round", event.get("round")), ("turn", event.get("turn"))):
        if value is not None:
            pos[key] = value
    if agent is not None:
        pos["agent"] = agent
    return pos


def _plan_key(plan: Any) -> Any:
    # Each agent's share of resources is the substance of a plan; ``projects`` is the
    # proposer's own annotation of what it will run, so it does not make a different deal.
    if (
        isinstance(plan, dict)
        and plan
        and all(isinstance(v, dict) and "resources" in v for v in plan.values())
    ):
        return {a: v["resources"] for a, v in sorted(plan.items())}
    return plan


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class _Side:
    """What one transcript contributes besides the lockstep comparison."""

    rounds: dict[Any, dict] = field(default_factory=dict)
    game: dict[str, float] = field(default_factory=dict)
    agreements: list[tuple[str, dict]] = field(default_factory=list)
    findings: list[tuple[str, dict]] = field(default_factory=list)
    cost: dict[str, dict[str, float]] = field(default_factory=dict)
    events: int = 0
    _round: Any = None
    _proposals: dict[str, Any] = field(default_factory=dict)

    def feed(self, e: dict) -> None:
        self.events += 1
        kind = e.get("kind")
        if kind == "round_start":
            self._round = e.get("round")
        elif kind == "outcome":
            self.rounds[e.get("round", self._round)] = _round_summary(e)
        elif kind == "metric" and e.get("scope", "game") == "game":
            self.game = _numbers(e.get("metrics") or {})
        elif kind == "ledger":
            self._ledger(e)
        elif kind == "protocol":
            item = {
                "round": e.get("round", self._round),
                "code": e.get("code"),
                "severity": e.get("severity"),
                "message": e.get("message"),
            }
            if e.get("message_id") is not None:
                item["message_id"] = e["message_id"]
            key = _canonical([item["round"], item["code"], item["severity"], item["message"]])
            self.findings.append((key, item))
        elif kind in ("model_call", "tool_call") and ({"cost", "cost_usd", "usage"} & e.keys()):
            acc = self.cost.setdefault(str(e.get("agent", "?")), {})
            for name in ("cost", "cost_usd", "usage"):
                if name in e:
                    for k, v in _numbers(e[name], name).items():
                        acc[k] = acc.get(k, 0) + v

    def _ledger(self, e: dict) -> None:
        entry = e.get("entry") if isinstance(e.get("entry"), dict) else {}
        if entry.get("id") is not None and "plan" in entry:
            self._proposals[str(entry["id"])] = entry["plan"]
        if e.get("binding") is not True:
            return
        ref = e.get("ref", entry.get("id"))
        plan = entry.get("plan", self._proposals.get(str(ref)) if ref is not None else None)
        rnd = e.get("round", self._round)
        item = {"round": rnd, "plan": plan, "by": e.get("by"), "id": ref}
        self.agreements.append((_canonical([rnd, _plan_key(plan)]), item))


def _round_summary(e: dict) -> dict:
    m = e.get("metrics") if isinstance(e.get("metrics"), dict) else {}
    rewards = e.get("rewards") if isinstance(e.get("rewards"), dict) else {}
    joint = m.get("joint_reward")
    if joint is None and rewards and all(_is_number(v) for v in rewards.values()):
        joint = sum(rewards.values())
    return {
        "joint_reward": joint,
        "rewards": dict(rewards),
        "annulled": bool(e.get("annulled", m.get("annulled", False))),
        "joint_efficiency": m.get("joint_efficiency"),
    }


def _round_delta(a: dict, b: dict) -> dict:
    agents = [*a["rewards"], *(k for k in b["rewards"] if k not in a["rewards"])]
    return {
        "joint_reward": _delta(a["joint_reward"], b["joint_reward"]),
        "rewards": {n: _delta(a["rewards"].get(n), b["rewards"].get(n)) for n in agents},
        "annulled_changed": a["annulled"] != b["annulled"],
        "joint_efficiency": _delta(a["joint_efficiency"], b["joint_efficiency"]),
    }


def _only(a: list[tuple[str, dict]], b: list[tuple[str, dict]]) -> tuple[list, list]:
    """Items of ``a`` not matched in ``b`` and vice versa (multisets, order kept)."""

    def minus(x, y):
        left = Counter(k for k, _ in y)
        out = []
        for k, item in x:
            if left[k]:
                left[k] -= 1
            else:
                out.append(item)
        return out

    return minus(a, b), minus(b, a)


def _pairs(a: dict[str, float], b: dict[str, float]) -> dict[str, dict]:
    keys = [*a, *(k for k in b if k not in a)]
    return {k: {"a": a.get(k), "b": b.get(k), "delta": _delta(a.get(k), b.get(k))} for k in keys}


def _status(t: Transcript, side: _Side) -> tuple[dict, list[str]]:
    seal = t.seal
    status = seal.get("status", "sealed") if seal else "unsealed"
    info = {"status": status, "events": side.events, "torn": t.torn}
    notes = []
    if info["torn"]:
        notes.append("its last line is torn (an incomplete write) and was skipped")
    if seal is None:
        notes.append("it is not sealed: the run did not finish, or the file was cut short")
    elif status != "completed":
        notes.append(f"it was sealed as {status}")
    return info, notes


# -- the report ----------------------------------------------------------------------------
@dataclass
class DiffReport:
    """The comparison of transcript ``a`` with transcript ``b`` (deltas are b − a)."""

    a: str
    b: str
    setup: list[dict]
    first_divergence: dict | None
    shared_prefix: int
    rounds: list[dict]
    game: dict[str, dict]
    agreements: dict[str, list]
    findings: dict[str, list]
    cost: dict | None
    status: dict[str, dict]
    notes: list[str]

    @property
    def equivalent(self) -> bool:
        """No setup difference and no divergence, once volatile fields are ignored."""
        return not self.setup and self.first_divergence is None

    def to_dict(self) -> dict:
        d = {
            "schema_version": SCHEMA_VERSION,
            "a": self.a,
            "b": self.b,
            "equivalent": self.equivalent,
            "setup": self.setup,
            "first_divergence": self.first_divergence,
            "shared_prefix": self.shared_prefix,
            "rounds": self.rounds,
            "game": self.game,
            "agreements": self.agreements,
            "findings": self.findings,
            "status": self.status,
            "notes": self.notes,
        }
        if self.cost is not None:
            d["cost"] = self.cost
        return d


def _field(path: str, a: Any, b: Any) -> dict:
    d: dict[str, Any] = {"path": path}
    if a is not MISSING:
        d["a"] = a
    if b is not MISSING:
        d["b"] = b
    return d


def _divergence(
    line: int,
    ea: dict | None,
    eb: dict | None,
    diffs: list,
    *,
    line_b: int | None = None,
    missing: str | None = None,
    ended: bool = False,
) -> dict:
    """``line`` is where a's event is (b's, when only b has one); ``line_b`` b's line when
    the two differ; ``missing`` the side ("a"/"b") that has no event here, ``ended`` when
    that is because its file ended."""
    a, b = _position(ea, line), _position(eb, line if line_b is None else line_b)
    if ea is None or eb is None:
        side = missing or ("a" if ea is None else "b")
        path = f"(end of {side})" if ended else f"(not in {side})"
    else:
        path = diffs[0][0]
    return {
        "line": line,
        "path": path,
        "a": a,
        "b": b,
        "fields": [_field(p, va, vb) for p, va, vb in diffs],
    }


def _steps(t: Transcript, side: _Side):
    """``(key, [(line, event)...])`` per step: consecutive events of one (round, turn).
    Every event is also fed to ``side``."""
    key, step = None, []
    for line, e in enumerate(t.events(), start=2):  # events() yields every line up to the seal
        side.feed(e)
        k = (e.get("round"), e.get("turn"))
        if step and k != key:
            yield key, step
            step = []
        key = k
        step.append((line, e))
    if step:
        yield key, step


def _match_key(e: dict) -> tuple:
    return (e.get("kind"), e.get("agent", e.get("by")), e.get("op"), e.get("code"))


def _step_divergence(sa: list, sb: list) -> dict | None:
    """The first difference between two steps of the same (round, turn): events are paired
    by kind and agent in order of appearance, so an extra event (a retried call, one more
    ledger entry) is reported as itself instead of shifting every pair after it."""
    used: set[int] = set()
    for la, ea in sa:
        k = _match_key(ea)
        j = next((j for j, (_, eb) in enumerate(sb) if j not in used and _match_key(eb) == k), None)
        if j is None:
            return _divergence(la, ea, None, [], missing="b")
        used.add(j)
        lb, eb = sb[j]
        diffs = differences(normalize(ea), normalize(eb))
        if diffs:
            return _divergence(la, ea, eb, diffs, line_b=lb)
    for j, (lb, eb) in enumerate(sb):
        if j not in used:
            return _divergence(lb, None, eb, [], missing="a")
    return None


def diff_transcripts(path_a: str | os.PathLike, path_b: str | os.PathLike) -> DiffReport:
    """Compare two transcripts; `InputError` (naming file and line) for unusable input.

    The events are aligned by hash chain while the two share a prefix (identical lines),
    then step by step, a step being one (round, turn): within a step, events pair up by
    kind and agent, so the first divergence is the first step whose contents differ."""
    ta, tb = Transcript.open(path_a), Transcript.open(path_b)
    setup = [
        _field(p, va, vb)
        for p, va, vb in differences(normalize(ta.header), normalize(tb.header), limit=SETUP_LIMIT)
    ]
    sa, sb = _Side(), _Side()
    prefix_open = ta.header.get("hash") is not None and ta.header["hash"] == tb.header.get("hash")
    shared = 1 if prefix_open else 0
    divergence = None
    check_end = None  # the side lacking an event at the divergence: did its file end there?
    for step_a, step_b in zip_longest(_steps(ta, sa), _steps(tb, sb)):
        if check_end is not None:
            if (step_a if check_end == "a" else step_b) is not None:
                check_end = None  # it goes on: the event is missing, not cut off
        if divergence is not None:
            continue  # keep reading: the summaries cover the whole files
        if step_a is None or step_b is None:
            (_, only), missing = (step_b, "a") if step_a is None else (step_a, "b")
            line, event = only[0]
            divergence = _divergence(
                line,
                event if missing == "b" else None,
                event if missing == "a" else None,
                [],
                missing=missing,
                ended=True,
            )
            continue
        (ka, ea), (kb, eb) = step_a, step_b
        if ka != kb:
            (la, first_a), (lb, first_b) = ea[0], eb[0]
            diffs = differences(normalize(first_a), normalize(first_b))
            divergence = _divergence(la, first_a, first_b, diffs, line_b=lb)
            continue
        divergence = _step_divergence(ea, eb)
        if divergence is not None and divergence["path"].startswith("(not in "):
            check_end = divergence["path"][8]
        if prefix_open:  # the shared prefix: identical lines (hash and contents) from the top
            lead = 0
            for (_, x), (_, y) in zip(ea, eb):
                if x.get("hash") != y.get("hash") or differences(normalize(x), normalize(y)):
                    break
                lead += 1
            shared += lead
            prefix_open = divergence is None and lead == len(ea) == len(eb)

    if check_end is not None:
        divergence["path"] = f"(end of {check_end})"
    rounds = []
    for r in [*sa.rounds, *(r for r in sb.rounds if r not in sa.rounds)]:
        ra, rb = sa.rounds.get(r), sb.rounds.get(r)
        delta = _round_delta(ra, rb) if ra and rb else None
        rounds.append({"round": r, "a": ra, "b": rb, "delta": delta})
    only_a, only_b = _only(sa.agreements, sb.agreements)
    f_a, f_b = _only(sa.findings, sb.findings)
    cost = None
    if sa.cost or sb.cost:
        agents = [*sa.cost, *(n for n in sb.cost if n not in sa.cost)]
        per = {n: _pairs(sa.cost.get(n, {}), sb.cost.get(n, {})) for n in agents}
        cost = {"agents": per, "total": _pairs(_total(sa.cost), _total(sb.cost))}
    (st_a, notes_a), (st_b, notes_b) = _status(ta, sa), _status(tb, sb)
    notes = [f"a: {n}" for n in notes_a] + [f"b: {n}" for n in notes_b]
    return DiffReport(
        a=str(path_a),
        b=str(path_b),
        setup=setup,
        first_divergence=divergence,
        shared_prefix=shared,
        rounds=rounds,
        game=_pairs(sa.game, sb.game),
        agreements={"only_a": only_a, "only_b": only_b},
        findings={"only_a": f_a, "only_b": f_b},
        cost=cost,
        status={"a": st_a, "b": st_b},
        notes=notes,
    )


def _total(per_agent: dict[str, dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for acc in per_agent.values():
        for k, v in acc.items():
            out[k] = out.get(k, 0) + v
    return out


# -- text ----------------------------------------------------------------------------------


def format_text(report: dict, width: int = 80) -> str:
    """The report as text (`coord.analysis.diff_text`, which reads this module's helpers)."""
    from coord.analysis.diff_text import render

    return render(report, width)
