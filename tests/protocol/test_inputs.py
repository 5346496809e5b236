"""Reading transcripts of other tools into envelopes."""

from __future__ import annotations

import json

import pytest

from coord.errors import InputError, UsageError
from coord.protocol.inputs import CHAT, INTERCHANGE, parse_roles, read_envelopes


def write_jsonl(path, *records, tail="\n"):
    path.write_text("\n".join(json.dumps(r) for r in records) + tail, encoding="utf-8")
    return path


def test_interchange_jsonl_with_roles_header(tmp_path):
    path = write_jsonl(
        tmp_path / "t.jsonl",
        {"roles": {"alice": "requester", "bob": "performer"}},
        {"agent": "alice", "type": "request", "id": "m1", "content": {"task": "paint"}, "round": 1},
        {
            "speaker": "bob",
            "type": "agree",
            "id": "m2",
            "in_reply_to": "m1",
            "text": "ok",
            "round": 1,
            "ts": 5,
        },
        {
            "name": "bob",
            "type": "deliver",
            "in_reply_to": 2,
            "content": "done",
            "action": {"amount": 3},
        },
    )
    envelopes, roles, kind = read_envelopes(path)
    assert kind == INTERCHANGE
    assert roles == {"alice": "requester", "bob": "performer"}
    out = list(envelopes)
    assert [e.line for e in out] == [2, 3, 4]
    first, second, third = out
    assert (first.sender, first.receiver, first.conversation_id) == ("alice", "bob", "1")
    assert first.content == {"task": "paint"}
    assert (second.receiver, second.in_reply_to, second.content, second.ts) == (
        "alice",
        "m1",
        {"text": "ok"},
        5,
    )
    assert third.id == "#3"  # synthesized from the position
    assert third.in_reply_to == "2"
    assert third.content == {"amount": 3}  # the action is the content; the speech is not
    assert envelopes.findings == []


def test_game_header_is_skipped(tmp_path):
    path = write_jsonl(
        tmp_path / "t.jsonl",
        {"game": "negotiation", "agents": ["a", "b"]},
        {"agent": "a", "type": "request", "content": "hi"},
    )
    envelopes, roles, _ = read_envelopes(path, roles={"a": "requester", "b": "performer"})
    assert [(e.sender, e.receiver, e.line) for e in envelopes] == [("a", "b", 2)]


def test_json_array_with_lines(tmp_path):
    messages = [
        {"agent": "alice", "type": "request", "id": "m1", "content": {"task": "x"}},
        {"agent": "bob", "type": "agree", "id": "m2", "in_reply_to": "m1", "action": "nope"},
    ]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(messages, indent=2), encoding="utf-8")
    envelopes, roles, kind = read_envelopes(path, roles={"alice": "requester", "bob": "performer"})
    out = list(envelopes)
    assert kind == INTERCHANGE
    assert [e.line for e in out] == [2, 10]
    assert out[1].problems == ["`action` must be a JSON object, got str"]


def test_one_line_json_array(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps([{"agent": "a", "type": "x"}, {"agent": "b", "type": "y"}]))
    envelopes, _, _ = read_envelopes(path, roles={"a": "r", "b": "s"})
    assert [(e.id, e.line) for e in envelopes] == [("#1", 1), ("#2", 1)]


def test_chat_list(tmp_path):
    chat = {
        "roles": {"user": "requester", "assistant": "performer"},
        "messages": [
            {"role": "system", "content": "be nice"},
            {
                "role": "user",
                "content": json.dumps({"type": "request", "id": "m1", "content": {"task": "x"}}),
            },
            {"role": "assistant", "content": [{"type": "text", "text": "sure"}]},
        ],
    }
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(chat, indent=1), encoding="utf-8")
    envelopes, roles, kind = read_envelopes(path)
    out = list(envelopes)
    assert kind == CHAT
    assert roles == {"user": "requester", "assistant": "performer"}
    assert [(e.sender, e.receiver, e.type, e.id) for e in out] == [
        ("user", "assistant", "request", "m1"),
        ("assistant", "user", None, "#2"),
    ]
    assert out[0].content == {"task": "x"}
    assert out[1].content == {"text": "sure"}


def test_chat_names_are_agents(tmp_path):
    chat = [
        {"role": "assistant", "name": "alice", "content": "a"},
        {"role": "assistant", "name": "bob", "content": "b"},
    ]
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(chat))
    envelopes, _, kind = read_envelopes(path, roles={"alice": "x", "bob": "y"})
    assert kind == CHAT
    assert [(e.sender, e.receiver) for e in envelopes] == [("alice", "bob"), ("bob", "alice")]


def test_roles_argument_overrides_the_file(tmp_path):
    path = write_jsonl(
        tmp_path / "t.jsonl",
        {"roles": {"alice": "requester", "bob": "performer"}},
        {"agent": "alice", "type": "request"},
    )
    _, roles, _ = read_envelopes(path, roles={"alice": "performer"})
    assert roles == {"alice": "performer", "bob": "performer"}


def test_missing_roles_is_a_usage_error(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", {"agent": "alice", "type": "request"})
    with pytest.raises(UsageError) as err:
        read_envelopes(path)
    assert "--roles" in err.value.hint


def test_bad_line_is_an_input_error_with_its_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"agent": "a", "type": "x"}\n{"agent": oops}\n{"agent": "b"}\n')
    with pytest.raises(InputError) as err:
        list(read_envelopes(path, roles={"a": "r", "b": "s"})[0])
    assert err.value.line == 2


def test_torn_last_line_is_a_warning(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"agent": "a", "type": "x"}\n{"agent": "b", "ty')
    envelopes, _, _ = read_envelopes(path, roles={"a": "r", "b": "s"})
    assert [e.line for e in envelopes] == [1]
    assert [(f.code, f.severity, f.line) for f in envelopes.findings] == [("T001", "warning", 2)]


def test_last_line_without_newline_is_fine(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", {"agent": "a", "type": "x"}, tail="")
    envelopes, _, _ = read_envelopes(path, roles={"a": "r"})
    assert len(list(envelopes)) == 1 and envelopes.findings == []


def test_non_object_record_is_t001_material(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", {"agent": "a", "type": "x"}, "hello")
    out = list(read_envelopes(path, roles={"a": "r"})[0])
    assert out[1].problems == ["not a message object"] and out[1].line == 2


def test_coord_transcript_of_an_unmapped_game_is_refused(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", {"schema_version": 1, "kind": "header", "seq": 0})
    with pytest.raises(InputError, match="only negotiation transcripts"):
        read_envelopes(path)


def test_parse_roles():
    assert parse_roles("alice=requester, bob=performer") == {
        "alice": "requester",
        "bob": "performer",
    }
    with pytest.raises(UsageError):
        parse_roles("alice")


def test_end_to_end_with_the_checker(tmp_path):
    from coord.protocol.conformance import check_conformance
    from coord.protocol.model import LoadedProtocol, Protocol

    spec = Protocol.model_validate(
        {
            "schema_version": 1,
            "name": "ping",
            "roles": ["asker", "answerer"],
            "messages": {
                "ping": {"from": "asker", "to": "answerer", "reply_to": []},
                "pong": {"from": "answerer", "to": "asker", "reply_to": ["ping"]},
            },
            "flow": {
                "initial": "idle",
                "terminal": ["done"],
                "transitions": [
                    {"from": "idle", "msg": "ping", "to": "waiting"},
                    {"from": "waiting", "msg": "pong", "to": "done"},
                ],
            },
        }
    )
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"roles": {"a": "asker", "b": "answerer"}}\n'
        '{"agent": "a", "type": "ping", "id": 1}\n'
        '{"agent": "b", "type": "pong", "in_reply_to": 1}\n'
        '{"agent": "b", "type": "po'
    )
    envelopes, roles, _ = read_envelopes(path)
    report = check_conformance(LoadedProtocol(spec, None, {}), envelopes, roles)
    assert [(f.code, f.severity, f.line) for f in report.findings] == [("T001", "warning", 4)]
    assert report.ok


def test_positional_replies_in_files_without_ids(tmp_path):
    import json

    rows = [
        {"roles": {"ann": "requester", "pat": "performer"}},
        {"speaker": "ann", "type": "request", "text": "paint it", "action": {"task": "paint"}},
        {"speaker": "pat", "type": "agree", "in_reply_to": 1, "text": "sure"},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = list(read_envelopes(path)[0])
    assert [e.id for e in out] == ["#1", "#2"]
    assert out[1].in_reply_to == "#1"
    assert out[0].content == {"task": "paint"}


def test_oversized_record_is_refused(tmp_path):
    from coord.errors import InputError

    path = tmp_path / "big.jsonl"
    path.write_text('{"roles": {"a": "x"}}\n{"agent": "a", "text": "' + "x" * (17 << 20) + '"}\n')
    with pytest.raises(InputError) as exc:
        list(read_envelopes(path)[0])
    assert exc.value.line == 2


def test_coord_transcripts_are_read_through_the_coordinators_mapping(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "o"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "coord",
            "run",
            "negotiation/ample-1.0",
            "--out",
            str(out),
            "-c",
            "grounded",
            "--seed",
            "1",
        ],
        check=True,
        capture_output=True,
    )
    envelopes, roles, kind = read_envelopes(out / "grounded" / "seed1-rep0.jsonl")
    out_envs = list(envelopes)
    assert roles == {"alice": "negotiator", "bob": "negotiator"}
    assert out_envs and out_envs[0].id == "m1" and out_envs[0].conversation_id == "round-1"
