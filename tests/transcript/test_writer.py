"""TranscriptWriter: the header, appends, the seal, the context manager, resuming."""

from __future__ import annotations

import json
import threading

import pytest

from coord.errors import Cancelled, InputError, IntegrityError
from coord.transcript import (
    GENESIS,
    SCHEMA_VERSION,
    TranscriptClosedError,
    TranscriptWriter,
    event_hash,
    open_for_append,
    verify,
)
from coord.transcript.format import encode_event

HEADER = {"coord_version": "0.1.0", "scenario": "negotiation", "seed": 7, "backends": ["a", "b"]}


def lines(path) -> list[dict]:
    return [json.loads(x) for x in path.read_bytes().splitlines()]


def test_header_line_has_schema_version_first_and_is_chained(tmp_path):
    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, HEADER)
    raw = path.read_bytes()
    assert raw.startswith(b'{"schema_version":%d,' % SCHEMA_VERSION)
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    header = json.loads(raw)
    assert header["kind"] == "header" and header["seq"] == 0 and header["prev"] == GENESIS
    assert header["seed"] == 7 and header["backends"] == ["a", "b"]
    assert header["hash"] == event_hash(header) == w.head
    assert w.header == header and w.seq == 0
    w.close()


def test_append_returns_the_stored_event_and_reaches_the_os_before_returning(tmp_path):
    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, HEADER)
    head0 = w.head
    event = w.append("message", agent="a", text="hi", pair=(1, 2), by_id={3: "x"})
    # Visible to another reader right away: no buffering in the process.
    on_disk = lines(path)
    assert on_disk[-1] == event
    assert event["seq"] == 1 and event["prev"] == head0 and event["hash"] == w.head
    assert event["pair"] == [1, 2] and event["by_id"] == {"3": "x"}  # as a reader sees it
    assert list(event)[:2] == ["seq", "kind"] and list(event)[-2:] == ["prev", "hash"]
    w.seal()
    assert verify(path).ok


def test_seal_counts_lines_and_names_the_head(tmp_path):
    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, HEADER)
    for i in range(5):
        w.append("metric", name="m", value=i / 3)
    head = w.head
    seal = w.seal("failed")
    assert seal["kind"] == "seal" and seal["status"] == "failed"
    assert seal["events"] == 6 and seal["head"] == head == seal["prev"]
    assert seal["ended"].endswith("Z")
    assert lines(path)[-1] == seal
    assert w.sealed and w.status == "failed"
    report = verify(path)
    assert report.ok and report.status == "failed"


def test_sealing_twice_and_appending_after_the_seal_are_errors(tmp_path):
    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, HEADER)
    w.seal()
    with pytest.raises(TranscriptClosedError, match="already sealed"):
        w.seal()
    with pytest.raises(TranscriptClosedError):
        w.append("message", text="late")
    assert len(lines(path)) == 2


def test_bad_seal_status_is_refused(tmp_path):
    w = TranscriptWriter.create(tmp_path / "t.jsonl", HEADER)
    with pytest.raises(ValueError, match="status"):
        w.seal("done")
    w.seal()


def test_refuses_to_overwrite(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text("precious\n")
    with pytest.raises(InputError) as err:
        TranscriptWriter.create(path, HEADER)
    assert "--out" in err.value.hint and err.value.file == str(path)
    assert path.read_text() == "precious\n"


def test_creates_parent_folders(tmp_path):
    path = tmp_path / "runs" / "2026" / "t.jsonl"
    TranscriptWriter.create(path, HEADER).seal()
    assert verify(path).ok


@pytest.mark.parametrize("bad", ["seq", "prev", "hash", "schema_version", "kind"])
def test_reserved_fields_are_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="set by the transcript writer"):
        TranscriptWriter.create(tmp_path / "h.jsonl", {**HEADER, bad: 1})
    assert not (tmp_path / "h.jsonl").exists()
    w = TranscriptWriter.create(tmp_path / "t.jsonl", HEADER)
    with pytest.raises(ValueError, match="set by the transcript writer"):
        w.append("message", **{bad: 1})
    w.close()


@pytest.mark.parametrize("kind", ["header", "seal", ""])
def test_reserved_kinds_are_refused(tmp_path, kind):
    w = TranscriptWriter.create(tmp_path / "t.jsonl", HEADER)
    with pytest.raises(ValueError):
        w.append(kind, x=1)
    w.close()


def test_invalid_values_are_refused_and_leave_the_transcript_intact(tmp_path):
    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, HEADER)
    w.append("metric", value=1.5)
    with pytest.raises(ValueError, match="NaN"):
        w.append("metric", value=float("nan"))
    with pytest.raises(ValueError, match="NaN or Infinity"):
        w.append("metric", value={"x": [float("inf")]})
    with pytest.raises(TypeError, match="not JSON-serialisable"):
        w.append("metric", value=object())
    with pytest.raises(ValueError, match="Unicode"):
        w.append("message", text="\ud800")
    with pytest.raises(ValueError, match="deeper"):
        w.append("message", deep=json.loads("[" * 300 + "]" * 300))
    assert w.seq == 1
    w.append("metric", value=2.5)
    w.seal()
    report = verify(path)
    assert report.ok and report.events == 4


def test_encode_event_refuses_oversized_lines(monkeypatch):
    monkeypatch.setattr("coord.transcript.format.MAX_LINE_BYTES", 1000)
    with pytest.raises(ValueError, match="limit"):
        encode_event({"seq": 1, "kind": "message", "text": "x" * 2000, "prev": GENESIS})


def test_context_manager_seals_completed(tmp_path):
    path = tmp_path / "t.jsonl"
    with TranscriptWriter.create(path, HEADER) as w:
        w.append("message", text="hi")
    assert w.status == "completed"
    assert verify(path).status == "completed"


def test_context_manager_records_the_error_and_seals_failed(tmp_path):
    path = tmp_path / "t.jsonl"
    with pytest.raises(RuntimeError, match="boom"):
        with TranscriptWriter.create(path, HEADER) as w:
            w.append("message", text="hi")
            raise RuntimeError("boom")
    *_, error, seal = lines(path)
    assert error["kind"] == "error" and error["type"] == "RuntimeError"
    assert error["message"] == "boom"
    assert seal["status"] == "failed"
    assert verify(path).ok


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), Cancelled("SIGTERM", exit_code=143)])
def test_context_manager_seals_cancelled_on_interrupt(tmp_path, exc):
    path = tmp_path / "t.jsonl"
    with pytest.raises(type(exc)):
        with TranscriptWriter.create(path, HEADER) as w:
            w.append("message", text="hi")
            raise exc
    kinds = [e["kind"] for e in lines(path)]
    assert kinds == ["header", "message", "seal"]  # no error event for a cancellation
    report = verify(path)
    assert report.ok and report.status == "cancelled"


def test_context_manager_respects_an_explicit_seal(tmp_path):
    path = tmp_path / "t.jsonl"
    with TranscriptWriter.create(path, HEADER) as w:
        w.seal("failed")
    assert verify(path).status == "failed"


def test_every_line_passes_through_serialise(tmp_path, monkeypatch):
    seen = []
    original = TranscriptWriter._serialise

    def redacting(self, event):  # what the secret-redaction pass will look like
        seen.append(event["kind"])
        if "api_key" in event:
            event = {**event, "api_key": "[redacted]"}
        return original(self, event)

    monkeypatch.setattr(TranscriptWriter, "_serialise", redacting)
    path = tmp_path / "t.jsonl"
    with pytest.raises(ValueError):
        with TranscriptWriter.create(path, HEADER) as w:
            w.append("model_call", api_key="sk-secret")
            raise ValueError("x")
    assert seen == ["header", "model_call", "error", "seal"]
    assert b"sk-secret" not in path.read_bytes()
    assert verify(path).ok  # the chain covers what is stored


def test_appends_from_threads_keep_the_chain(tmp_path):
    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, HEADER)

    def work(n):
        for i in range(300):
            w.append("message", agent=f"t{n}", i=i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w.seal()
    report = verify(path)
    assert report.ok and report.events == 1 + 1200 + 1


# -- open_for_append ----------------------------------------------------------------------


def unsealed(path, n=5) -> TranscriptWriter:
    w = TranscriptWriter.create(path, HEADER)
    for i in range(n):
        w.append("message", i=i)
    w.close()  # a crash: no seal
    return w


def test_open_for_append_continues_the_chain(tmp_path):
    path = tmp_path / "t.jsonl"
    first = unsealed(path)
    w = open_for_append(path)
    assert w.seq == first.seq == 5 and w.head == first.head
    assert w.header == first.header
    event = w.append("message", i=5)
    assert event["seq"] == 6 and event["prev"] == first.head
    w.seal()
    report = verify(path)
    assert report.ok and report.events == 8


@pytest.mark.parametrize("tail", [b'{"seq":6,"kind":"mess', b"\x00\x00\x00\x00\n", b"{}}\n"])
def test_open_for_append_drops_a_torn_last_line(tmp_path, tail):
    path = tmp_path / "t.jsonl"
    first = unsealed(path)
    good = path.read_bytes()
    with open(path, "ab") as f:
        f.write(tail)
    assert not verify(path).ok
    w = open_for_append(path)
    assert path.read_bytes() == good  # truncated back to the last good line
    assert w.seq == 5 and w.head == first.head
    w.append("message", i=5)
    w.seal()
    assert verify(path).ok


def test_open_for_append_of_a_header_only_transcript(tmp_path):
    path = tmp_path / "t.jsonl"
    TranscriptWriter.create(path, HEADER).close()
    with open(path, "ab") as f:
        f.write(b'{"seq":1')
    w = open_for_append(path)
    assert w.seq == 0
    w.seal()
    assert verify(path).ok


def test_open_for_append_refuses_a_sealed_transcript(tmp_path):
    path = tmp_path / "t.jsonl"
    TranscriptWriter.create(path, HEADER).seal()
    before = path.read_bytes()
    with pytest.raises(InputError, match="already sealed"):
        open_for_append(path)
    assert path.read_bytes() == before


def test_open_for_append_refuses_a_broken_chain_without_touching_it(tmp_path):
    path = tmp_path / "t.jsonl"
    unsealed(path)
    raw = path.read_bytes().replace(b'"i":2', b'"i":9')
    path.write_bytes(raw + b'{"torn')
    with pytest.raises(IntegrityError) as err:
        open_for_append(path)
    assert err.value.line == 4 and err.value.exit_code == 4
    assert path.read_bytes() == raw + b'{"torn'


def test_open_for_append_refuses_a_torn_header(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b'{"schema_version":1,"kind":"hea')
    with pytest.raises(InputError, match="header was cut off"):
        open_for_append(path)
