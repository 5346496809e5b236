"""Transcript reader: header checks, streaming events, the seal read from the tail."""

from __future__ import annotations

import json
import tracemalloc
import types

import pytest

from coord.errors import InputError
from coord.transcript import Transcript, TranscriptWriter, iter_lines
from coord.transcript.format import event_hash

HEADER = {"coord_version": "0.1.0", "scenario": "negotiation", "seed": 1}


def write(path, n=5, seal="completed") -> None:
    w = TranscriptWriter.create(path, HEADER)
    for i in range(n):
        w.append("message", agent="ab"[i % 2], i=i)
    if seal:
        w.seal(seal)
    else:
        w.close()


def header_line(**fields) -> bytes:
    event = {"schema_version": 1, "kind": "header", "seq": 0, "prev": "0" * 64, **fields}
    event["hash"] = event_hash(event)
    return json.dumps(event).encode() + b"\n"


def test_open_reads_the_header(tmp_path):
    path = tmp_path / "t.jsonl"
    write(path)
    t = Transcript.open(path)
    assert t.path == path and t.schema_version == 1
    assert t.header["scenario"] == "negotiation" and t.header["kind"] == "header"


def test_events_is_a_generator_of_every_event_between_header_and_seal(tmp_path):
    path = tmp_path / "t.jsonl"
    write(path, n=5)
    t = Transcript.open(path)
    events = t.events()
    assert isinstance(events, types.GeneratorType)
    got = list(events)
    assert [e["seq"] for e in got] == [1, 2, 3, 4, 5]
    assert [e["i"] for e in got] == [0, 1, 2, 3, 4]
    assert t.seal["status"] == "completed" and t.seal["events"] == 6
    assert not t.torn


def test_unsealed_and_torn_transcripts(tmp_path):
    path = tmp_path / "t.jsonl"
    write(path, n=3, seal=None)
    t = Transcript.open(path)
    assert t.seal is None and not t.torn
    with open(path, "ab") as f:
        f.write(b'{"seq":4,"kind":"sea')
    assert t.torn and t.seal is None
    assert [e["seq"] for e in t.events()] == [1, 2, 3]  # the torn line is not yielded


def test_header_only_has_no_seal(tmp_path):
    path = tmp_path / "t.jsonl"
    TranscriptWriter.create(path, HEADER).close()
    t = Transcript.open(path)
    assert t.seal is None and list(t.events()) == []


def test_seal_is_read_from_the_tail_without_parsing_the_middle(tmp_path):
    path = tmp_path / "t.jsonl"
    write(path, n=5)
    data = path.read_bytes().splitlines(keepends=True)
    data[3] = b"this line is not JSON at all\n"
    path.write_bytes(b"".join(data))
    t = Transcript.open(path)
    assert t.seal["status"] == "completed"  # found without touching line 4
    with pytest.raises(InputError) as err:
        list(t.events())
    assert err.value.line == 4


def test_seal_after_a_line_longer_than_the_tail_chunk(tmp_path):
    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, HEADER)
    w.append("message", text="x" * 300_000)
    w.close()
    assert Transcript.open(path).seal is None
    w = TranscriptWriter.create(tmp_path / "s.jsonl", HEADER)
    w.append("message", text="x" * 300_000)
    w.seal(status="cancelled")
    assert Transcript.open(tmp_path / "s.jsonl").seal["status"] == "cancelled"


def test_refuses_a_newer_schema_version(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(header_line().replace(b'"schema_version": 1', b'"schema_version": 2'))
    with pytest.raises(InputError) as err:
        Transcript.open(path)
    assert err.value.line == 1 and "schema_version 2" in err.value.message
    assert "upgrade coord" in err.value.hint
    assert err.value.exit_code == 2


@pytest.mark.parametrize(
    "content, found",
    [
        (b'{"agent": "a", "content": "hello"}\n', 'keys "agent", "content"'),
        (b'{"kind": "message", "seq": 0}\n', '"kind": "message"'),
        (b'[{"role": "user", "content": "hi"}]\n', "a JSON array"),
        (b"agent,content\na,hello\n", "not valid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not valid"),
    ],
)
def test_refuses_foreign_files_naming_line_1_and_what_it_found(tmp_path, content, found):
    path = tmp_path / "other.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        Transcript.open(path)
    assert err.value.line == 1
    assert "not a coord transcript" in err.value.message and found in err.value.message


def test_refuses_empty_and_missing_files(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        Transcript.open(tmp_path / "empty.jsonl")
    with pytest.raises(InputError, match="no such transcript"):
        Transcript.open(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="directory"):
        Transcript.open(tmp_path)


def test_older_versions_go_through_the_upgrade_hooks(tmp_path, monkeypatch):
    path = tmp_path / "t.jsonl"
    write(path, n=2)
    # Pretend this coord reads version 2 and knows how to upgrade version 1.
    monkeypatch.setattr("coord.transcript.reader.SCHEMA_VERSION", 2)
    monkeypatch.setattr("coord.transcript.reader.UPGRADES", {1: lambda e: {**e, "v2": True}})
    t = Transcript.open(path)
    assert t.schema_version == 1 and t.header["v2"] is True
    assert all(e["v2"] for e in t.events()) and t.seal["v2"] is True
    monkeypatch.setattr("coord.transcript.reader.UPGRADES", {})
    with pytest.raises(InputError, match="no longer supported"):
        Transcript.open(path)


def test_refuses_lines_longer_than_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, HEADER)
    w.append("message", text="x" * 2000)
    w.seal()
    monkeypatch.setattr("coord.transcript.reader.MAX_LINE_BYTES", 1000)
    t = Transcript.open(path)
    with pytest.raises(InputError) as err:
        list(t.events())
    assert err.value.line == 2 and "longer than" in err.value.message


def test_refuses_deep_nesting_but_not_brackets_in_strings(tmp_path):
    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, HEADER)
    w.append("message", text="[{" * 1000, ok=[[[["fine"]]]])
    w.close()
    with open(path, "ab") as f:
        f.write(b'{"seq":2,"deep":' + b"[" * 201 + b"]" * 201 + b"}\n")
    events = Transcript.open(path).events()
    assert next(events)["ok"] == [[[["fine"]]]]
    with pytest.raises(InputError) as err:
        next(events)
    assert err.value.line == 3 and "deeper than 200" in err.value.message


def test_iter_lines_yields_raw_lines_with_their_newline(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"a\nbb\nccc")
    assert list(iter_lines(path)) == [(1, b"a\n"), (2, b"bb\n"), (3, b"ccc")]


def test_events_stream_in_constant_memory(tmp_path):
    path = tmp_path / "big.jsonl"
    n = 200_000
    TranscriptWriter.create(path, HEADER).close()
    # The reader does not check the chain, so the bulk can be written directly (fast).
    filler = b"x" * 100
    with open(path, "ab") as f:
        for i in range(1, n + 1):
            f.write(b'{"seq":%d,"kind":"message","text":"%s"}\n' % (i, filler))
    assert path.stat().st_size > 25_000_000
    t = Transcript.open(path)
    tracemalloc.start()
    try:
        count = sum(1 for _ in t.events())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == n
    assert peak < 1_000_000  # reading the whole file would need tens of MB
