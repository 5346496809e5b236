"""verify: every kind of tampering is found, at the right line, in one sentence."""

from __future__ import annotations

import json

import pytest

from coord.errors import InputError, IntegrityError
from coord.transcript import TranscriptWriter, event_hash, verify, verify_or_raise

HEADER = {"coord_version": "0.1.0", "scenario": "negotiation", "seed": 3}
N = 10  # events between header and seal: lines 2..11; the seal is line 12


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "t.jsonl"
    with TranscriptWriter.create(p, HEADER) as w:
        for i in range(N):
            w.append("message", agent="ab"[i % 2], text=f"offer {i}", amount=i * 10)
    return p


def read(path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def write(path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def dump(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"


def edit(path, line_no: int, change, rehash=False) -> None:
    lines = read(path)
    event = json.loads(lines[line_no - 1])
    change(event)
    if rehash:
        event["hash"] = event_hash(event)
    lines[line_no - 1] = dump(event)
    write(path, lines)


def test_intact(path):
    report = verify(path)
    assert report.ok and report.sealed and report.status == "completed"
    assert report.events == N + 2
    assert report.first_bad_line is None and report.problem is None
    d = report.to_dict()
    assert d["ok"] is True and d["path"] == str(path) and d["events"] == N + 2
    assert verify_or_raise(path) == report


@pytest.mark.parametrize("line_no", [1, 2, 6, N + 1, N + 2])
def test_an_edited_value_is_found_at_its_line(path, line_no):
    def change(event):
        key = {1: "seed", N + 2: "status"}.get(line_no, "text")
        event[key] = {"seed": 4, "status": "failed"}.get(key, "offer 999")

    edit(path, line_no, change)
    report = verify(path)
    assert not report.ok and report.first_bad_line == line_no
    assert report.problem == f"line {line_no} was edited: its hash does not match its content"
    assert report.code == "edited"


def test_reformatting_a_line_is_not_an_edit(path):
    lines = read(path)
    lines[4] = json.dumps(json.loads(lines[4]), indent=None).encode() + b"\n"  # spaces added
    write(path, lines)
    assert verify(path).ok


def test_a_removed_line_is_found_where_it_was(path):
    lines = read(path)
    del lines[5]  # line 6
    write(path, lines)
    report = verify(path)
    assert not report.ok and report.first_bad_line == 6
    assert report.problem == (
        "line 6 does not follow line 5: expected seq 5, found 6 (a line was removed or reordered)"
    )


def test_swapped_lines_are_found(path):
    lines = read(path)
    lines[4], lines[5] = lines[5], lines[4]
    write(path, lines)
    report = verify(path)
    assert not report.ok and report.first_bad_line == 5 and report.code == "reordered"


def test_a_cut_seal_is_not_ok(path):
    write(path, read(path)[:-1])
    report = verify(path)
    assert not report.ok and not report.sealed and report.status is None
    assert "without a seal after line 11" in report.problem and report.code == "unsealed"
    assert report.first_bad_line is None


def test_a_line_cut_in_the_middle_is_torn(path):
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 40])
    report = verify(path)
    assert not report.ok and report.first_bad_line == N + 2
    assert report.code == "torn" and "incomplete (torn write)" in report.problem


def test_a_naive_forger_who_rehashes_the_line_is_caught_by_the_next_prev(path):
    edit(path, 6, lambda e: e.update(amount=1_000_000), rehash=True)
    report = verify(path)
    assert not report.ok and report.first_bad_line == 7
    assert report.problem == "prev of line 7 does not match the hash of line 6"


def test_a_forger_who_rechains_the_events_is_caught_by_the_seal(path):
    lines = [json.loads(x) for x in read(path)]
    del lines[5]
    prev = lines[4]["hash"]
    for event in lines[5:]:
        event["seq"] -= 1
        event["prev"] = prev
        if event["kind"] == "seal":
            event["head"] = prev
        event["hash"] = prev = event_hash(event)
    write(path, [dump(e) for e in lines])
    report = verify(path)
    assert not report.ok and report.first_bad_line == N + 1
    assert report.problem == f"the seal says {N + 1} events but {N} were found"


def test_a_forged_seal_head_is_found(path):
    edit(path, N + 2, lambda e: e.update(head="f" * 64), rehash=True)
    report = verify(path)
    assert not report.ok and report.first_bad_line == N + 2
    assert report.problem.startswith("seal head does not match")


@pytest.mark.parametrize("extra", [b'{"seq":12,"kind":"message"}\n', b"\n", b"{"])
def test_anything_after_the_seal_is_found(path, extra):
    with open(path, "ab") as f:
        f.write(extra)
    report = verify(path)
    assert not report.ok and report.first_bad_line == N + 3 and report.code == "after_seal"
    assert report.sealed and report.status == "completed"


def test_an_appended_rechained_event_after_the_seal_is_found(path):
    # Even a correctly chained event may not follow the seal.
    seal = json.loads(read(path)[-1])
    event = {"seq": seal["seq"] + 1, "kind": "message", "prev": seal["hash"]}
    event["hash"] = event_hash(event)
    with open(path, "ab") as f:
        f.write(dump(event))
    assert verify(path).first_bad_line == N + 3


def test_an_empty_file(tmp_path):
    p = tmp_path / "empty.jsonl"
    p.write_bytes(b"")
    report = verify(p)
    assert not report.ok and report.code == "empty" and report.events == 0


@pytest.mark.parametrize(
    "junk", [b"not json\n", b"\n", b"[1, 2]\n", b'{"seq":' + b"[" * 300 + b"\n"]
)
def test_a_line_that_is_not_an_event_is_found_with_its_number(path, junk):
    lines = read(path)
    lines[6] = junk
    write(path, lines)
    report = verify(path)
    assert not report.ok and report.first_bad_line == 7 and report.code == "malformed"
    assert report.problem.startswith("line 7 ")


def test_an_overlong_line_is_reported_not_read(tmp_path, monkeypatch):
    p = tmp_path / "t.jsonl"
    with TranscriptWriter.create(p, HEADER) as w:
        w.append("message", text="short")
        w.append("message", text="x" * 2000)
    monkeypatch.setattr("coord.transcript.reader.MAX_LINE_BYTES", 1000)
    report = verify(p)
    assert not report.ok and report.first_bad_line == 3 and report.code == "malformed"
    assert "longer than" in report.problem


def test_foreign_files_are_input_errors(tmp_path):
    p = tmp_path / "chat.jsonl"
    p.write_text('{"role": "user", "content": "hi"}\n')
    with pytest.raises(InputError) as err:
        verify(p)
    assert err.value.line == 1 and err.value.exit_code == 2


def test_verify_or_raise_names_file_line_and_next_step(path):
    edit(path, 4, lambda e: e.update(text="changed"))
    with pytest.raises(IntegrityError) as err:
        verify_or_raise(path)
    e = err.value
    assert e.exit_code == 4 and e.file == str(path) and e.line == 4
    assert "was edited" in e.message and e.hint
    assert e.render().startswith(f"{path}:4: error: line 4 was edited")
