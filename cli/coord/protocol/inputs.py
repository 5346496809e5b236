"""Transcripts in, message envelopes out: the input side of `coord validate` (DESIGN §5, §6).

`read_envelopes(path, roles=...)` recognises three forms and returns
``(envelopes, roles, kind)``:

``interchange``
    JSON Lines, or one JSON array (or an object ``{"messages": [...]}``), of messages with
    ``agent`` (or ``speaker`` / ``name`` / ``role`` / ``from``), ``content`` (or ``text``)
    and optionally ``type``, ``id``, ``in_reply_to``, ``to``, ``conversation_id``,
    ``round``, ``turn``, ``ts`` and ``action`` (a JSON object). Leading header records
    without an agent are skipped; one may carry ``{"roles": {"alice": "requester", ...}}``
    (a ``{"game": ..., "agents": [...]}`` header is skipped too).
``chat``
    An OpenAI-style list of ``{"role", "content", "name"}`` (or ``{"messages": [...]}``):
    the agent is ``name``, else ``role``. ``system``, ``developer`` and ``tool`` /
    ``function`` (tool results) messages are not messages between agents and are skipped.
    A string content holding a JSON object with a
    ``type`` key is read as an interchange record (so chat logs of agents that speak in
    envelopes can be checked); other content becomes ``{"text": ...}``.
``coord``
    coord's own transcripts (line 1 has ``"kind": "header"``), mapped by
    `from_coord_transcript`.

Mapping of a record to an `Envelope`: ``from`` = the agent; ``to`` = ``to``, else — when
exactly two agents take part — the other one; ``conversation_id`` = ``conversation_id``,
else ``round`` (as a string); ``content`` = ``action`` when it is present (the structured
part a protocol's schema describes; the speech beside it is not validated), else the
content if it is an object, else ``{"text": content}``. Integer ids and ``in_reply_to``
become strings; a message without ``id`` gets ``#n`` (its 1-based position among the
messages), so replies, duplicates and findings can still name it, and in a file without
ids ``in_reply_to: 3`` means ``#3``. A record larger than 16 MiB is refused.
Defects of a record (not an object, ``action`` not an object, …) go into
``Envelope.problems`` and surface as T001; every envelope carries its line.

Roles: the file's ``roles`` header updated by the ``roles`` argument (``--roles``; it wins
agent by agent); with neither, `UsageError`. A JSON Lines file whose last line is
incomplete (no newline and not valid JSON: the writer crashed mid-write) yields every
complete line, then records a T001 *warning* in ``envelopes.findings`` (the returned
iterator is an `EnvelopeStream`; `check_conformance` picks those findings up). Any other
unreadable line is an `InputError` naming the line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from coord.errors import InputError, UsageError
from coord.protocol.envelope import Envelope, Finding
from coord.spec.jsonsafe import (
    MAX_BYTES,
    element_lines,
    load_json,
    load_jsonl,
    locate,
    read_text,
    torn_last_line,
)

INTERCHANGE = "interchange"
CHAT = "chat"
COORD = "coord"

AGENT_KEYS = ("agent", "speaker", "name", "role", "from")
# One message is at most this big (as coord's own transcript lines): a larger line is
# refused as hostile input rather than parsed.
MAX_RECORD_BYTES = 16 * 1024 * 1024
CHAT_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_SKIPPED_CHAT_ROLES = frozenset({"system", "developer", "tool", "function"})
_HEADER_KEYS = frozenset({"roles", "game", "agents"})
_ROLES_HINT = "name each agent's role with --roles alice=requester,bob=performer"


class EnvelopeStream(Iterator[Envelope]):
    """The envelopes of one input, read lazily; ``findings`` collects input-level warnings
    (a torn last line) as reading reaches them."""

    def __init__(self, make: Callable[[EnvelopeStream], Iterator[Envelope]]) -> None:
        self.findings: list[Finding] = []
        self._it = make(self)

    def __iter__(self) -> EnvelopeStream:
        return self

    def __next__(self) -> Envelope:
        return next(self._it)


def parse_roles(text: str) -> dict[str, str]:
    """``"alice=requester,bob=performer"`` → ``{"alice": "requester", "bob": "performer"}``."""
    roles: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        agent, sep, role = item.partition("=")
        if not sep or not agent.strip() or not role.strip():
            raise UsageError(f"--roles: `{item.strip()}` is not agent=role", hint=_ROLES_HINT)
        roles[agent.strip()] = role.strip()
    if not roles:
        raise UsageError("--roles is empty", hint=_ROLES_HINT)
    return roles


def from_coord_transcript(
    path: str | os.PathLike,
) -> tuple[Iterator[Envelope], dict[str, str], str]:
    """``(envelopes, agent → role, kind)`` of a coord transcript. The mapping of game
    messages onto protocol envelopes belongs to the coordinator, which uses the same one
    live (`coord.coordinator.envelopes`); imported here only when such a file is read."""
    from coord.coordinator.envelopes import from_coord_transcript as mapped

    return mapped(path)


def read_envelopes(
    path: str | os.PathLike, *, roles: dict[str, str] | None = None
) -> tuple[Iterator[Envelope], dict[str, str], str]:
    """``(envelopes, agent → role, kind)`` of the transcript at ``path`` (see the module
    docstring). Raises `InputError` for unreadable input, `UsageError` without roles."""
    display = os.fspath(path)
    first = _first_record(display)
    if first is None:  # one JSON document (array, or object with "messages")
        return _from_document(display, roles)
    _, record = first
    if isinstance(record, dict) and record.get("kind") == "header":
        envelopes, file_roles, kind = from_coord_transcript(display)
        return envelopes, _merge_roles(file_roles, roles, display), kind
    return _from_jsonl(display, roles)


# -- the forms ------------------------------------------------------------------------------


def _first_record(display: str) -> tuple[int, Any] | None:
    """The first JSON Lines record, or None when the file is one multi-line JSON document."""
    lines = load_jsonl(display, max_bytes=MAX_RECORD_BYTES)
    try:
        first = next(lines, (0, None))
        record = first[1]
        if isinstance(record, list) or (
            isinstance(record, dict) and isinstance(record.get("messages"), list)
        ):
            return None  # a whole JSON document on one line
        return first
    except InputError as first_error:
        # A document spread over several lines ("[" or "{" alone on line 1) is not JSON
        # Lines; load_json then reports the document's own errors, if any.
        if first_error.line not in (None, 1) or not _starts_document(display):
            raise
        return None
    finally:
        lines.close()


def _starts_document(display: str) -> bool:
    with open(display, "rb") as f:
        head = f.read(4096)
        too_big = os.fstat(f.fileno()).st_size > MAX_BYTES
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    return text.startswith(("[", "{")) and not too_big


def _split_headers(
    items: Iterable[tuple[int, Any]], display: str
) -> tuple[dict[str, str], list[tuple[int, Any]]]:
    """Roles from leading header records, and the records after them (the first few only:
    the caller continues the iteration itself)."""
    roles: dict[str, str] = {}
    rest: list[tuple[int, Any]] = []
    for line, record in items:
        if not _is_header(record):
            rest.append((line, record))
            break
        if "roles" in record:
            roles.update(_check_roles(record["roles"], display, line))
    return roles, rest


def _is_header(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and bool(_HEADER_KEYS & record.keys())
        and not any(k in record for k in (*AGENT_KEYS, "content", "text"))
    )


def _check_roles(value: Any, display: str, line: int | None) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InputError(
            '"roles" must map agent names to role names, like {"alice": "requester"}',
            file=display,
            line=line,
        )
    return dict(value)


def _merge_roles(
    file_roles: dict[str, str], given: dict[str, str] | None, display: str
) -> dict[str, str]:
    roles = {**file_roles, **(given or {})}
    if not roles:
        raise UsageError(
            f"{display} names no roles: the protocol cannot tell who plays which role",
            hint=_ROLES_HINT + ' (or add a first line {"roles": {...}} to the file)',
        )
    return roles


def _from_jsonl(
    display: str, given: dict[str, str] | None
) -> tuple[Iterator[Envelope], dict[str, str], str]:
    lines = _tolerant_jsonl(display, None)
    file_roles, head = _split_headers(lines, display)
    lines.close()
    roles = _merge_roles(file_roles, given, display)
    kind = CHAT if head and _is_chat(head[0][1]) else INTERCHANGE
    agents = set(roles) if len(roles) == 2 else _agents(_tolerant_jsonl(display, None), kind)

    def make(stream: EnvelopeStream) -> Iterator[Envelope]:
        records = _tolerant_jsonl(display, stream)
        started = False
        for line, record in records:
            if not started and _is_header(record):
                continue
            started = True
            yield from _envelopes([(line, record)], kind, agents)

    return EnvelopeStream(_numbered(make)), roles, kind


def _from_document(
    display: str, given: dict[str, str] | None
) -> tuple[Iterator[Envelope], dict[str, str], str]:
    text = read_text(display)
    data = load_json(display, text=text)
    file_roles: dict[str, str] = {}
    prefix: list[str | int] = []
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        if "roles" in data:
            line = (locate(text, ["roles"]) or (None, None))[0]
            file_roles = _check_roles(data["roles"], display, line)
        prefix, data = ["messages"], data["messages"]
    elif not isinstance(data, list):
        raise InputError(
            'expected JSON Lines, a JSON array of messages or an object with "messages"',
            file=display,
            line=1,
            hint="see `coord validate --help` for the interchange form",
        )
    items = list(zip(element_lines(text, prefix, len(data)), data))
    header_roles, _ = _split_headers(items, display)
    file_roles.update(header_roles)
    while items and _is_header(items[0][1]):
        items.pop(0)
    roles = _merge_roles(file_roles, given, display)
    kind = CHAT if items and _is_chat(items[0][1]) else INTERCHANGE
    agents = set(roles) if len(roles) == 2 else _agents(items, kind)

    def make(stream: EnvelopeStream) -> Iterator[Envelope]:
        return _envelopes(items, kind, agents)

    return EnvelopeStream(_numbered(make)), roles, kind


# -- records → envelopes --------------------------------------------------------------------


def _numbered(make: Callable[[EnvelopeStream], Iterator[Envelope]]):
    """Give id-less envelopes their position (``#n``) as id."""

    def numbered(stream: EnvelopeStream) -> Iterator[Envelope]:
        seen: set[str] = set()
        for n, env in enumerate(make(stream), start=1):
            if env.id is None:
                env.id = f"#{n}"
            # Without ids, a tool that writes `in_reply_to: 3` means the third message.
            irt = env.in_reply_to
            if isinstance(irt, str) and irt.isdigit() and irt not in seen and f"#{irt}" in seen:
                env.in_reply_to = f"#{irt}"
            if isinstance(env.id, str):
                seen.add(env.id)
            yield env

    return numbered


def _is_chat(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and record.get("role") in CHAT_ROLES
        and "content" in record
        and not any(k in record for k in ("agent", "speaker", "from", "type", "action"))
    )


def _agent_of(record: dict, kind: str) -> Any:
    keys = ("name", "role") if kind == CHAT else AGENT_KEYS
    for key in keys:
        if record.get(key) is not None:
            return record[key]
    return None


def _agents(records: Iterable[tuple[int, Any]], kind: str) -> set[str]:
    agents: set[str] = set()
    for _, record in records:
        if isinstance(record, dict) and not _is_header(record):
            if kind == CHAT and record.get("role") in _SKIPPED_CHAT_ROLES:
                continue
            agent = _agent_of(record, kind)
            if isinstance(agent, str):
                agents.add(agent)
    return agents


def _ident(value: Any) -> Any:
    """Integer ids are accepted as strings; anything else is passed on (T001 judges it)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _envelopes(
    records: Iterable[tuple[int, Any]], kind: str, agents: set[str]
) -> Iterator[Envelope]:
    for line, record in records:
        if not isinstance(record, dict):
            yield Envelope(
                None, None, None, None, None, None, line=line, problems=["not a message object"]
            )
            continue
        if kind == CHAT:
            if record.get("role") in _SKIPPED_CHAT_ROLES:
                continue
            record = _chat_record(record)
        yield _envelope(record, line, agents)


def _chat_record(record: dict) -> dict:
    """A chat message as an interchange record."""
    content = record.get("content")
    if isinstance(content, list):  # content parts
        content = "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    out: dict[str, Any] = {"agent": _agent_of(record, CHAT), "content": content}
    if isinstance(content, str) and content.lstrip().startswith("{"):
        try:
            inner = json.loads(content)
        except (ValueError, RecursionError):
            inner = None
        if isinstance(inner, dict) and "type" in inner:
            fields = (
                "type",
                "id",
                "in_reply_to",
                "to",
                "conversation_id",
                "ts",
                "content",
                "text",
                "action",
                "round",
            )
            out = {"agent": out["agent"], **{k: inner[k] for k in fields if k in inner}}
    return out


def _envelope(record: dict, line: int, agents: set[str]) -> Envelope:
    problems: list[str] = []
    sender = _agent_of(record, INTERCHANGE)
    receiver = record.get("to")
    if receiver is None and isinstance(sender, str) and len(agents) == 2 and sender in agents:
        receiver = next(a for a in agents if a != sender)
    conversation = record.get("conversation_id")
    if conversation is None and record.get("round") is not None:
        conversation = str(record["round"])
    elif isinstance(conversation, int) and not isinstance(conversation, bool):
        conversation = str(conversation)
    content = record["content"] if "content" in record else record.get("text")
    if content is not None and not isinstance(content, dict):
        content = {"text": content}
    action = record.get("action")
    if isinstance(action, dict):
        # The action is the message's structured part (what a protocol's content schema
        # describes); the free text beside it is speech, and a strict schema would refuse it.
        content = action
    elif action is not None:
        problems.append(f"`action` must be a JSON object, got {type(action).__name__}")
    return Envelope(
        id=_ident(record.get("id")),
        conversation_id=conversation,
        in_reply_to=_ident(record.get("in_reply_to")),
        sender=sender,
        receiver=receiver,
        type=record.get("type"),
        content=content,
        ts=record.get("ts"),
        line=line,
        problems=problems,
    )


# -- reading --------------------------------------------------------------------------------


def _tolerant_jsonl(display: str, stream: EnvelopeStream | None) -> Iterator[tuple[int, Any]]:
    """`load_jsonl`, except that an incomplete last line ends the input with a warning
    (recorded on ``stream``; silently without one)."""
    lines = load_jsonl(display, max_bytes=MAX_RECORD_BYTES)
    try:
        while True:
            try:
                item = next(lines)
            except StopIteration:
                return
            except InputError as e:
                if e.line is None or e.line != torn_last_line(display):
                    raise
                if stream is not None:
                    stream.findings.append(
                        Finding(
                            "T001",
                            "warning",
                            f"line {e.line} is incomplete (the writer stopped mid-line); ignored",
                            line=e.line,
                        )
                    )
                return
            yield item
    finally:
        lines.close()
