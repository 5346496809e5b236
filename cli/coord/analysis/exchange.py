"""A normalised, game-aware view of one negotiation exchange, for the detectors.

Two sources are read into the same shape:

``coord``
    coord's own transcripts (line 1 is a header with ``"kind": "header"``). The header's
    ``instances`` (the paper's instance form, each with an ``id``) and ``rounds`` (the
    instance id of each round) give each round's `Instance`; ``message`` events become
    turns (``text`` is the message's text, ``action`` its structured rest); purchases come
    from ``purchase`` messages and, authoritatively, from the ``outcome`` events, which also
    give the round's outcome.
``interchange``
    JSON Lines, a JSON array, or ``{"messages": [...]}`` of records ``{agent | speaker |
    name | role, content | text, round?, turn?, type?, id?, in_reply_to?, action?}``, with
    an optional first record ``{"game": {paper-form instance}, "agents": ["a", "b"]}``. A
    turn whose ``action`` looks like a purchase (resource quantities, flat or under
    ``resources``, and optionally ``projects``) is that agent's purchase for its round; the
    last one wins. ``round`` defaults to 1. When the instance is known (the ``game`` record,
    or the caller's) and both purchases are, the outcome is computed with the game's rules
    and the exact oracle.

A JSON Lines file whose last line is incomplete (the writer stopped mid-line) keeps every
complete line and records a warning in `Exchange.warnings`; any other unreadable input is
an `InputError` naming the file and line.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from coord.errors import InputError
from coord.game.negotiation.instance import Instance
from coord.game.negotiation.oracle import solve
from coord.game.negotiation.pool import instance_from_paper_dict
from coord.game.negotiation.rules import check_projects, check_purchase, round_metrics, score_round
from coord.spec.jsonsafe import load_json, load_jsonl, read_text
from coord.transcript.reader import Transcript

COORD = "coord"
INTERCHANGE = "interchange"

AGENT_KEYS = ("agent", "speaker", "name", "role")
# Chat roles that are not a negotiator speaking.
_SKIPPED_ROLES = frozenset({"system", "developer", "tool", "function"})
# Message types that announce a proposal, never a purchase.
PROPOSE_TYPES = frozenset({"propose", "proposal", "offer", "counter", "counteroffer"})
# Keys of an action that are annotations, not resource quantities.
_ANNOTATION_KEYS = frozenset({"type", "ref", "text", "note", "projects"})
MAX_RECORD_BYTES = 16 * 1024 * 1024


@dataclass
class Turn:
    """One message. ``turn`` is the source's turn number (coord: one turn is a message from
    each agent), else the message's 1-based position in its round; ``line`` is the 1-based
    line of the file it came from (None when unknown)."""

    round: int
    turn: int
    agent: str
    text: str
    type: str | None = None
    action: dict | None = None
    id: str | None = None
    in_reply_to: str | None = None
    line: int | None = None


@dataclass
class Round:
    """One round: its instance (when known), its turns, each agent's final purchase and
    project request, and its outcome (None when it cannot be known).

    ``outcome`` keys: ``rewards`` ({agent: reward}), ``annulled``, ``joint_efficiency``,
    ``optimal``, ``collab_max`` (and ``over``, ``runs`` where known).
    """

    number: int
    instance: Instance | None = None
    turns: list[Turn] = field(default_factory=list)
    purchases: dict[str, dict[str, int]] = field(default_factory=dict)
    requested: dict[str, dict[str, int]] = field(default_factory=dict)
    outcome: dict | None = None

    @property
    def efficiency(self) -> float | None:
        return None if self.outcome is None else self.outcome.get("joint_efficiency")

    @property
    def annulled(self) -> bool | None:
        return None if self.outcome is None else self.outcome.get("annulled")


@dataclass
class Exchange:
    path: str
    agents: tuple[str, ...]
    rounds: list[Round]
    kind: str
    warnings: list[str] = field(default_factory=list)

    def round(self, number: int) -> Round | None:
        return next((r for r in self.rounds if r.number == number), None)


# -- purchases and proposals ----------------------------------------------------------------


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _quantities(d: Any, names: tuple[str, ...] | None) -> dict[str, int] | None:
    """``{resource: qty}`` when every entry of ``d`` is one (non-negative whole numbers, and
    known resource names when ``names`` is given), else None."""
    if not isinstance(d, dict):
        return None
    out: dict[str, int] = {}
    for k, v in d.items():
        q = _count(v)
        if q is None or q < 0 or (names is not None and k not in names):
            return None
        if q:
            out[k] = q
    return out


def purchase_of(
    action: Any, type: str | None = None, names: tuple[str, ...] | None = None
) -> tuple[dict[str, int], dict[str, int] | None] | None:
    """``(resources, projects)`` when ``action`` looks like a purchase, else None.

    A purchase is ``{"resources": {r: q}, "projects"?: {...}}`` or flat ``{r: q, ...,
    "projects"?: {...}}`` (at least one resource key). Messages typed as proposals and
    actions holding a ``plan`` / ``offer`` / ``proposal`` are never purchases.
    """
    if not isinstance(action, dict) or (type or "").lower() in PROPOSE_TYPES:
        return None
    if any(k in action for k in ("plan", "offer", "proposal")):
        return None
    if isinstance(action.get("resources"), dict):
        resources = _quantities(action["resources"], names)
    else:
        flat = {k: v for k, v in action.items() if k not in _ANNOTATION_KEYS}
        resources = _quantities(flat, names) if flat else None
    if resources is None:
        return None
    raw = action.get("projects")
    projects = None
    if isinstance(raw, dict):
        projects = {k: q for k, v in raw.items() if (q := _count(v)) is not None and q > 0}
    return resources, projects


def plan_of(turn: Turn) -> dict | None:
    """The structured proposal a turn makes, or None: its action's ``plan`` / ``offer`` /
    ``proposal`` object, or the whole action of a message typed as a proposal."""
    action = turn.action
    if not isinstance(action, dict):
        return None
    for key in ("plan", "offer", "proposal"):
        if isinstance(action.get(key), dict):
            return action[key]
    if (turn.type or "").lower() in PROPOSE_TYPES:
        rest = {k: v for k, v in action.items() if k not in ("type", "ref", "text")}
        return rest or None
    return None


def allocation_of(plan: Any) -> dict[str, dict[str, int]] | None:
    """A plan as ``{agent: {resource: qty}}`` when it names per-agent resources (coord's
    ``{agent: {"resources": {...}}}`` or flat ``{agent: {r: q}}``), else None."""
    if not isinstance(plan, dict) or not plan:
        return None
    out: dict[str, dict[str, int]] = {}
    for agent, side in plan.items():
        if not isinstance(side, dict):
            return None
        res = side["resources"] if isinstance(side.get("resources"), dict) else side
        flat = {k: v for k, v in res.items() if k not in _ANNOTATION_KEYS}
        q = _quantities(flat, None)
        if q is None:
            return None
        out[agent] = q
    return out


# -- outcomes -------------------------------------------------------------------------------


def compute_outcome(rnd: Round, agents: tuple[str, ...]) -> tuple[dict | None, list[str]]:
    """The outcome of a round from its instance and both purchases (rules + exact oracle),
    or None with the reasons when it cannot be computed."""
    inst = rnd.instance
    if inst is None or len(agents) != 2 or any(a not in rnd.purchases for a in agents):
        return None, []
    problems: list[str] = []
    for side, agent in enumerate(agents):
        errors = check_purchase(inst.economy, rnd.purchases[agent])
        req = rnd.requested.get(agent)
        if req:
            errors += check_projects(inst.projects[side], req)
        problems += [f"round {rnd.number}: {agent}'s purchase: {e}" for e in errors]
    if problems:
        return None, [*problems, f"round {rnd.number}: outcome not computed"]
    a, b = agents
    out = score_round(
        inst,
        rnd.purchases[a],
        rnd.purchases[b],
        rnd.requested.get(a) or None,
        rnd.requested.get(b) or None,
    )
    metrics = round_metrics(out, solve(inst))
    return {
        "rewards": {a: out.rewards[0], b: out.rewards[1]},
        "annulled": out.annulled,
        "joint_efficiency": metrics["joint_efficiency"],
        "optimal": metrics["optimal"],
        "collab_max": metrics["collab_max"],
        "over": list(out.over),
        "runs": {a: out.runs[0], b: out.runs[1]},
        "computed": True,
    }, []


# -- coord transcripts ----------------------------------------------------------------------


def from_coord_transcript(path: str | os.PathLike) -> Exchange:
    display = os.fspath(path)
    t = Transcript.open(display)
    header = t.header
    agents = tuple(header.get("agents") or ())
    pair = agents if len(agents) == 2 else ("A", "B")
    instances: dict[str, Instance] = {}
    for k, d in enumerate(header.get("instances") or []):
        iid = str(d.get("id", k)) if isinstance(d, dict) else str(k)
        try:
            instances[iid] = instance_from_paper_dict(
                d, source=display, id=iid, agents=pair, path=f"instances[{k}]"
            )
        except InputError as e:
            e.line = e.line or 1
            raise
    plan = list(header.get("rounds") or [])
    rounds: dict[int, Round] = {}

    def get(n: int) -> Round:
        if n not in rounds:
            iid = plan[n - 1] if 0 < n <= len(plan) else None
            rounds[n] = Round(n, instances.get(iid) if iid is not None else None)
        return rounds[n]

    # events() yields one event per line after the header, stopping at the seal.
    for line, event in enumerate(t.events(), start=2):
        kind = event.get("kind")
        n = event.get("round")
        if not isinstance(n, int) or isinstance(n, bool):
            continue
        rnd = get(n)
        if kind == "round_start" and event.get("instance") in instances:
            rnd.instance = instances[event["instance"]]
        elif kind == "message":
            msg = event.get("message")
            if not isinstance(msg, dict):
                raise InputError(
                    "a message event without a message object", file=display, line=line
                )
            agent = str(event.get("agent"))
            action = {k: v for k, v in msg.items() if k not in ("type", "text")} or None
            number = event.get("turn")
            if not isinstance(number, int) or isinstance(number, bool):
                number = len(rnd.turns) + 1
            turn = Turn(
                round=n,
                turn=number,
                agent=agent,
                text=str(msg.get("text") or ""),
                type=msg.get("type"),
                action=action,
                id=event.get("id") or msg.get("id"),
                in_reply_to=msg.get("ref") or msg.get("in_reply_to"),
                line=line,
            )
            rnd.turns.append(turn)
            if msg.get("type") == "purchase":
                bought = purchase_of(action)
                if bought is not None:
                    rnd.purchases[agent] = bought[0]
                    rnd.requested[agent] = bought[1] or {}
        elif kind == "outcome":
            if isinstance(event.get("purchases"), dict):
                rnd.purchases.update({a: dict(p) for a, p in event["purchases"].items()})
            if isinstance(event.get("requested"), dict):
                rnd.requested.update({a: dict(p or {}) for a, p in event["requested"].items()})
            metrics = event.get("metrics") or {}
            rnd.outcome = {
                "rewards": event.get("rewards"),
                "annulled": bool(event.get("annulled")),
                "joint_efficiency": metrics.get("joint_efficiency"),
                "optimal": metrics.get("optimal"),
                "collab_max": event.get("collab_max", metrics.get("collab_max")),
                "over": event.get("over", []),
                "runs": event.get("runs"),
            }
    warnings = []
    if t.torn:
        warnings.append("the last line is incomplete (the writer stopped mid-line); ignored")
    return Exchange(display, agents, [rounds[k] for k in sorted(rounds)], COORD, warnings)


# -- interchange ----------------------------------------------------------------------------


def _records(display: str, warnings: list[str]) -> Iterator[tuple[int | None, Any]]:
    """``(line, record)`` of a JSON Lines file or a JSON document (array / messages)."""
    text_head = _head(display)
    if text_head.startswith("["):
        yield from _document(display)
        return
    lines = load_jsonl(display, max_bytes=MAX_RECORD_BYTES)
    first = True
    try:
        while True:
            try:
                line, record = next(lines)
            except StopIteration:
                return
            except InputError as e:
                if first and e.line == 1 and text_head.startswith("{"):
                    # a document spread over several lines
                    lines.close()
                    yield from _document(display)
                    return
                if e.line is not None and e.line == _torn_line(display):
                    warnings.append(
                        f"line {e.line} is incomplete (the writer stopped mid-line); ignored"
                    )
                    return
                raise
            if first and isinstance(record, (list, dict)) and _is_document(record):
                lines.close()
                yield from _document(display)
                return
            first = False
            yield line, record
    finally:
        lines.close()


def _is_document(record: Any) -> bool:
    return isinstance(record, list) or (
        isinstance(record, dict) and isinstance(record.get("messages"), list)
    )


def _head(display: str) -> str:
    try:
        with open(display, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise InputError(f"cannot read the file: {e.strerror}", file=display) from None
    return head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")


def _torn_line(display: str) -> int | None:
    newlines = 0
    last = b"\n"
    with open(display, "rb") as f:
        while chunk := f.read(1 << 20):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return None if last == b"\n" else newlines + 1


def _document(display: str) -> Iterator[tuple[int | None, Any]]:
    text = read_text(display)
    data = load_json(display, text=text)
    header = None
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        if "game" in data or "agents" in data:
            header = {k: data[k] for k in ("game", "agents") if k in data}
        data = data["messages"]
    if not isinstance(data, list):
        raise InputError(
            'expected JSON Lines, a JSON array of messages or an object with "messages"',
            file=display,
            line=1,
        )
    if header is not None:
        yield 1, header
    yield from zip(_element_lines(text, len(data)), data)


def _element_lines(text: str, count: int) -> list[int | None]:
    """Best-effort 1-based line of each element of the first array in ``text``."""
    start = text.find("[")
    if start < 0:
        return [None] * count
    decoder = json.JSONDecoder()
    out: list[int | None] = []
    pos = start + 1
    try:
        for _ in range(count):
            while text[pos] in " \t\r\n,":
                pos += 1
            out.append(text.count("\n", 0, pos) + 1)
            _, pos = decoder.raw_decode(text, pos)
    except (IndexError, ValueError):
        out += [None] * (count - len(out))
    return out


def _is_header(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and bool({"game", "agents"} & record.keys())
        and not any(k in record for k in (*AGENT_KEYS, "content", "text"))
    )


def _agent(record: dict) -> Any:
    for key in AGENT_KEYS:
        if record.get(key) is not None:
            return record[key]
    return None


def _ident(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return str(value)
    return None


def from_interchange(path: str | os.PathLike, *, instance: Instance | None = None) -> Exchange:
    display = os.fspath(path)
    warnings: list[str] = []
    game: Any = None
    game_line: int | None = None
    header_agents: list[str] | None = None
    turns: list[Turn] = []
    started = False
    for line, record in _records(display, warnings):
        if not started and _is_header(record):
            if "game" in record:
                game, game_line = record["game"], line
            if "agents" in record:
                agents_value = record["agents"]
                if not isinstance(agents_value, list) or not all(
                    isinstance(a, str) for a in agents_value
                ):
                    raise InputError(
                        '"agents" must be a list of agent names', file=display, line=line
                    )
                header_agents = list(agents_value)
            continue
        started = True
        turns.extend(_turn(record, line, display, warnings))
    # positions within rounds for messages without a turn number
    seen: dict[int, int] = {}
    for t in turns:
        seen[t.round] = seen.get(t.round, 0) + 1
        if t.turn is None:
            t.turn = seen[t.round]

    if game is not None:
        if not isinstance(game, dict):
            raise InputError('"game" must be an object (an instance)', file=display, line=game_line)
        game_agents = tuple(header_agents) if header_agents and len(header_agents) == 2 else None
        try:
            instance = instance_from_paper_dict(
                game,
                source=display,
                id=str(game.get("id", "game")),
                agents=game_agents or ("A", "B"),
                path="game",
            )
        except InputError as e:
            e.line = e.line or game_line
            raise
    agents = _order_agents(header_agents, turns, instance)
    if instance is not None and len(agents) == 2 and tuple(instance.agents) != agents:
        instance = dataclasses.replace(instance, agents=agents)

    rounds: dict[int, Round] = {}
    names = instance.economy.names if instance is not None else None
    for t in turns:
        rnd = rounds.setdefault(t.round, Round(t.round, instance))
        rnd.turns.append(t)
        bought = purchase_of(t.action, t.type, names)
        if bought is not None:
            rnd.purchases[t.agent] = bought[0]
            rnd.requested[t.agent] = bought[1] or {}
    for rnd in rounds.values():
        rnd.outcome, problems = compute_outcome(rnd, agents)
        warnings += problems
    return Exchange(display, agents, [rounds[k] for k in sorted(rounds)], INTERCHANGE, warnings)


def _turn(record: Any, line: int | None, display: str, warnings: list[str]) -> list[Turn]:
    if not isinstance(record, dict):
        raise InputError("a message must be a JSON object", file=display, line=line)
    agent = _agent(record)
    if agent is None:
        raise InputError(
            "a message without an agent (agent, speaker, name or role)", file=display, line=line
        )
    if not isinstance(agent, str):
        raise InputError("the agent must be a string", file=display, line=line)
    if "role" in record and _agent(record) == record.get("role") and agent in _SKIPPED_ROLES:
        return []
    content = record["content"] if "content" in record else record.get("text")
    action = record.get("action")
    if isinstance(content, dict):
        text = str(content.get("text") or "")
        if action is None:
            action = {k: v for k, v in content.items() if k != "text"} or None
    else:
        text = "" if content is None else str(content)
    if action is not None and not isinstance(action, dict):
        where = f"line {line}: " if line is not None else ""
        warnings.append(f"{where}`action` is not a JSON object; ignored")
        action = None
    rnd = record.get("round", 1)
    turn = record.get("turn")
    for key, value in (("round", rnd), ("turn", turn)):
        if value is not None and (_count(value) is None or _count(value) < 1):
            raise InputError(
                f'"{key}" must be a positive whole number, not {value!r}', file=display, line=line
            )
    return [
        Turn(
            round=_count(rnd),
            turn=_count(turn) if turn is not None else None,  # filled in by the caller
            agent=agent,
            text=text,
            type=record.get("type") if isinstance(record.get("type"), str) else None,
            action=action,
            id=_ident(record.get("id")),
            in_reply_to=_ident(record.get("in_reply_to")),
            line=line,
        )
    ]


def _order_agents(
    header: list[str] | None, turns: list[Turn], instance: Instance | None
) -> tuple[str, ...]:
    """The agents in side order: the header's, else the instance's names when the speakers
    are exactly those, else in order of first appearance."""
    if header:
        return tuple(header)
    speakers: list[str] = []
    for t in turns:
        if t.agent not in speakers:
            speakers.append(t.agent)
    if instance is not None and set(speakers) <= set(instance.agents) and len(speakers) <= 2:
        return tuple(instance.agents)
    return tuple(speakers)


# -- dispatch -------------------------------------------------------------------------------


def is_coord_transcript(path: str | os.PathLike) -> bool:
    """Whether line 1 of ``path`` is a coord transcript header."""
    display = os.fspath(path)
    if not _head(display).startswith("{"):
        return False
    lines = load_jsonl(display, max_bytes=MAX_RECORD_BYTES)
    try:
        _, first = next(lines, (0, None))
    except InputError:
        return False
    finally:
        lines.close()
    return isinstance(first, dict) and first.get("kind") == "header"


def load_exchange(
    path: str | os.PathLike, *, scenario_instance: Instance | None = None
) -> Exchange:
    """Read a coord transcript or an interchange transcript (chosen by content).

    ``scenario_instance`` is the game of an interchange transcript without a ``game``
    record (a ``game`` record in the file wins); coord transcripts carry their own.
    """
    display = os.fspath(path)
    if not os.path.exists(display):
        raise InputError("no such file", file=display, hint="check the path")
    if os.path.isdir(display):
        raise InputError("is a directory, not a transcript file", file=display)
    if is_coord_transcript(display):
        return from_coord_transcript(display)
    return from_interchange(display, instance=scenario_instance)
