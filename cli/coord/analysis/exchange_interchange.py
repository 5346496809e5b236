"""Read interchange transcripts (other tools' negotiation logs) into an `Exchange`.

JSON Lines, a JSON array, or ``{"messages": [...]}`` of records ``{agent | speaker | name |
role, content | text, round?, turn?, type?, id?, in_reply_to?, action?}``, with an optional
first record ``{"game": {paper-form instance}, "agents": ["a", "b"]}``. A turn whose
``action`` looks like a purchase (resource quantities, flat or under ``resources``, and
optionally ``projects``) is that agent's purchase for its round; the last one wins.
``round`` defaults to 1. When the instance is known (the ``game`` record, or the caller's)
and both purchases are, the outcome is computed with the game's rules and the exact oracle.

A JSON Lines file whose last line is incomplete (the writer stopped mid-line) keeps every
complete line and records a warning in `Exchange.warnings`; any other unreadable input is
an `InputError` naming the file and line.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Iterator
from typing import Any

from coord.analysis.exchange_model import (
    INTERCHANGE,
    Exchange,
    ExchangeStream,
    OutOfOrder,
    Round,
    Turn,
    compute_outcome,
    purchase_of,
)
from coord.errors import InputError
from coord.game.negotiation.instance import Instance
from coord.game.negotiation.pool import instance_from_paper_dict
from coord.game.negotiation.rules import as_count
from coord.spec.jsonsafe import (
    element_lines,
    load_json,
    load_jsonl,
    parse_text,
    read_text,
    torn_last_line,
)

AGENT_KEYS = ("agent", "speaker", "name", "role")
# Chat roles that are not a negotiator speaking.
_SKIPPED_ROLES = frozenset({"system", "developer", "tool", "function"})
MAX_RECORD_BYTES = 16 * 1024 * 1024


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
                if e.line is not None and e.line == torn_last_line(display):
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


def _document(display: str) -> Iterator[tuple[int | None, Any]]:
    text = read_text(display)
    data = load_json(display, text=text)
    header = None
    prefix: list[str | int] = []
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        if "game" in data or "agents" in data:
            header = {k: data[k] for k in ("game", "agents") if k in data}
        prefix, data = ["messages"], data["messages"]
    if not isinstance(data, list):
        raise InputError(
            'expected JSON Lines, a JSON array of messages or an object with "messages"',
            file=display,
            line=1,
        )
    if header is not None:
        yield 1, header
    yield from zip(element_lines(text, prefix, len(data)), data)


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
    return stream_interchange(path, instance=instance, ordered=False).materialise()


def stream_interchange(
    path: str | os.PathLike, *, instance: Instance | None = None, ordered: bool = True
) -> ExchangeStream:
    """The transcript at ``path`` as an `ExchangeStream`.

    With ``ordered`` (the default) a round is yielded once a message of another round
    arrives, which is right for logs written as the talk went; a message of a round
    already yielded, or (without an ``agents`` record) a third speaker after the pair was
    fixed, raises `OutOfOrder`. Otherwise the whole file is read first and rounds are
    yielded in round order.
    """
    display = os.fspath(path)
    stream = ExchangeStream(display, (), INTERCHANGE, iter(()))
    records = _records(display, stream.warnings)
    game: Any = None
    game_line: int | None = None
    header_agents: list[str] | None = None
    ahead: list[Turn] = []  # turns read before the pair is known
    started = False
    for line, record in records:
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
        ahead.extend(_turn(record, line, display, stream.warnings))
        if ordered and ahead and (header_agents or len({t.agent for t in ahead}) >= 2):
            break
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
    agents = _order_agents(header_agents, ahead, instance)
    if instance is not None and len(agents) == 2 and tuple(instance.agents) != agents:
        instance = dataclasses.replace(instance, agents=agents)
    stream.agents = agents
    more = (t for line, record in records for t in _turn(record, line, display, stream.warnings))
    turns = itertools.chain(ahead, more)
    if ordered:
        fixed = None if header_agents else set(agents)
        stream.rounds = _in_order(turns, stream, instance, fixed)
    else:
        stream.rounds = _all_rounds(turns, stream, instance)
    return stream


def _add(rnd: Round, t: Turn, names: tuple[str, ...] | None, in_words) -> None:
    if t.turn is None:  # the message's position in its round
        t.turn = len(rnd.turns) + 1
    rnd.turns.append(t)
    bought = purchase_of(t.action, t.type, names)
    if bought is not None:
        rnd.purchases[t.agent] = bought[0]
        rnd.requested[t.agent] = bought[1] or {}
    elif in_words is not None and t.action is None:
        stated = in_words(t)  # "buying now: 9 r2": a chat transcript's purchase
        if stated:
            rnd.purchases[t.agent] = stated
            rnd.requested[t.agent] = {}
            rnd.stated_purchases.add(t.agent)


def _words_reader(instance: Instance | None):
    """Reads a purchase stated in a message's words (`commits.text_purchase`), or None
    when the game is unknown."""
    if instance is None:
        return None
    from coord.analysis.commits import project_names, resource_table, text_purchase

    table, projects = resource_table(instance), project_names(instance)
    return lambda t: text_purchase(
        t.text, table, projects, typed=(t.type or "").lower() == "purchase"
    )


def _close(rnd: Round, stream: ExchangeStream) -> Round:
    rnd.outcome, problems = compute_outcome(rnd, stream.agents)
    stream.warnings.extend(problems)
    return rnd


def _in_order(
    turns: Iterator[Turn], stream: ExchangeStream, instance: Instance | None, fixed: set | None
) -> Iterator[Round]:
    names = instance.economy.names if instance is not None else None
    in_words = _words_reader(instance)
    current: Round | None = None
    done: set[int] = set()
    for t in turns:
        if fixed is not None and t.agent not in fixed:
            raise OutOfOrder(f"speaker {t.agent!r} after the pair was fixed")
        if current is None or t.round != current.number:
            if t.round in done:
                raise OutOfOrder(f"a message of round {t.round} after round {current.number}")
            if current is not None:
                done.add(current.number)
                yield _close(current, stream)
            current = Round(t.round, instance)
        _add(current, t, names, in_words)
    if current is not None:
        yield _close(current, stream)


def _all_rounds(
    turns: Iterator[Turn], stream: ExchangeStream, instance: Instance | None
) -> Iterator[Round]:
    names = instance.economy.names if instance is not None else None
    in_words = _words_reader(instance)
    rounds: dict[int, Round] = {}
    for t in turns:
        _add(rounds.setdefault(t.round, Round(t.round, instance)), t, names, in_words)
    for k in sorted(rounds):
        yield _close(rounds[k], stream)


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
    kind = record.get("type") if isinstance(record.get("type"), str) else None
    if isinstance(content, list):  # Anthropic-style blocks: text, tool_use
        content, called = _blocks(content)
        if called is not None and action is None:
            kind, action = kind or called[0], called[1]
    if action is None and isinstance(record.get("tool_calls"), list):  # OpenAI-style
        called = _tool_call(record["tool_calls"])
        if called is not None:
            kind, action = kind or called[0], called[1]
    if isinstance(content, str):
        content = _json_content(content)
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
        if value is not None and (as_count(value) is None or as_count(value) < 1):
            raise InputError(
                f'"{key}" must be a positive whole number, not {value!r}', file=display, line=line
            )
    return [
        Turn(
            round=as_count(rnd),
            turn=as_count(turn) if turn is not None else None,  # filled in by the caller
            agent=agent,
            text=text,
            type=kind,
            action=action,
            id=_ident(record.get("id")),
            in_reply_to=_ident(
                record.get("in_reply_to")
                if record.get("in_reply_to") is not None
                else (action or {}).get("ref", (action or {}).get("in_reply_to"))
            ),
            line=line,
        )
    ]


def _blocks(content: list) -> tuple[str, tuple[str, dict] | None]:
    """Anthropic-style content blocks: the text blocks joined, and the first `tool_use`
    block as (tool name, input) — an agent that answered through a tool."""
    texts, called = [], None
    for block in content:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, dict):
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                texts.append(block["text"])
            elif block.get("type") == "tool_use" and called is None:
                if isinstance(block.get("name"), str) and isinstance(block.get("input"), dict):
                    called = (block["name"], block["input"])
    return "\n".join(texts), called


def _tool_call(calls: list) -> tuple[str, dict] | None:
    """The first OpenAI-style tool call as (function name, parsed arguments)."""
    for call in calls:
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            continue
        args = fn.get("arguments")
        if isinstance(args, str):
            try:
                args = parse_text(args)
            except InputError:
                continue
        if isinstance(args, dict):
            return fn["name"], args
    return None


def _json_content(content: str) -> str | dict:
    """An agent that answered with a JSON object as its whole message (a common output
    format: `{"text": "...", "resources": {...}}`) is read like a structured message;
    any other text, JSON-looking or not, stays text."""
    body = content.strip()
    if not (body.startswith("{") and body.endswith("}")) or len(body) > 65_536:
        return content
    try:
        value = parse_text(body)
    except InputError:
        return content
    return value if isinstance(value, dict) else content


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
