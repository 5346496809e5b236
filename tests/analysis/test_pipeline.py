"""`pipeline`: a replay whose reading runs in a second process gives the same document as
one that reads in its own, and the reader's errors reach the caller as they were."""

import dataclasses
import json

import pytest
from helpers import OUT_OF_ORDER, PAPER_GAME

from coord.analysis import pipeline
from coord.analysis.exchange import OutOfOrder, open_exchange
from coord.analysis.replay import replay_files
from coord.analysis.statements import _UNREAD, read_round
from coord.errors import InputError


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


CHAT = [
    {"game": PAPER_GAME, "agents": ["ann", "bo"]},
    {"agent": "ann", "round": 1, "text": "How about I take 9 r2 and you take 3 r1?", "id": "m1"},
    {"agent": "bo", "round": 1, "text": "Got it, I'll consider it.", "in_reply_to": "m1"},
    {"agent": "ann", "round": 1, "text": "Option A: I take 9 r2. Option B: I take 5 r2."},
    {"agent": "bo", "round": 1, "text": "Sounds good, option B. Deal."},
    {"agent": "ann", "round": 1, "type": "purchase", "text": "Buying.", "action": {"r2": 9}},
    {"agent": "bo", "round": 1, "type": "purchase", "text": "Buying now: 5 r2."},
    {"agent": "ann", "round": 2, "text": "Same as last time? I take 9 r2."},
    {"agent": "bo", "round": 2, "text": "No, that doesn't work for me."},
]


def _sources(scarce_runs, tmp_path):
    return [
        scarce_runs / "forgetful" / "seed1-rep0.jsonl",
        scarce_runs / "anchored" / "seed1-rep0.jsonl",
        write_jsonl(tmp_path / "chat.jsonl", CHAT),
    ]


def test_rounds_and_messages_cross_the_wire_unchanged(scarce_runs, tmp_path):
    for path in _sources(scarce_runs, tmp_path):
        stream = open_exchange(path)
        sent: dict = {}
        new: list = []
        instances: list = []
        for rnd in stream.rounds:
            msgs = read_round(rnd, stream.agents)
            data = pipeline.encode(rnd, msgs, sent, new)
            instances += new
            new.clear()
            got, got_msgs = pipeline.decode(data, instances)
            assert got == rnd and got.instance is rnd.instance
            assert [dataclasses.astuple(t) for t in got.turns] == [
                dataclasses.astuple(t) for t in rnd.turns
            ]
            assert (got_msgs is None) == (msgs is None)
            for a, b in zip(got_msgs or [], msgs or []):
                assert a == b and a.turn is got.turns[a.index]
                assert a._agree is not _UNREAD and a._ack is not _UNREAD  # read before
        assert len(instances) == len({id(i) for i in instances})  # each sent once


@pytest.mark.parametrize("metrics", [False, True])
def test_two_processes_give_the_same_document_as_one(scarce_runs, tmp_path, metrics):
    paths = _sources(scarce_runs, tmp_path)
    one = replay_files(paths, metrics=metrics, timeline="all", jobs=1)
    two = replay_files(paths, metrics=metrics, timeline="all", jobs=2)
    assert json.loads(json.dumps(two, default=list)) == json.loads(json.dumps(one, default=list))
    assert any(f["findings"] for f in one["files"])  # the comparison covers findings


def test_rounds_out_of_order_are_read_again_whole(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", OUT_OF_ORDER)
    with pipeline.ReadAhead(path) as source, pytest.raises(OutOfOrder):
        list(source.rounds)
    doc = replay_files([path], jobs=2)
    assert [r["round"] for r in doc["files"][0]["rounds"]] == [1, 2]


def test_a_torn_last_line_is_reported_by_either(tmp_path):
    path = tmp_path / "torn.jsonl"
    path.write_text('{"agent": "a", "text": "hi"}\n{"agent": "b", "te')
    warnings = [replay_files([path], jobs=j)["files"][0]["warnings"] for j in (1, 2)]
    assert warnings[0] and warnings[0] == warnings[1]


def test_the_readers_input_errors_are_raised_as_they_were(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"agent": "a", "text": "hi"}\n' * 3 + "{oops\n")
    errors = []
    for jobs in (1, 2):
        with pytest.raises(InputError) as e:
            replay_files([path], jobs=jobs)
        errors.append(e.value)
    one, two = errors
    assert type(two) is type(one) and two.render() == one.render()
    assert (two.file, two.line, two.hint) == (str(path), 4, one.hint)


def test_a_reader_that_dies_is_an_internal_error(tmp_path):
    # more than the pipe holds (1 MiB), so the reader is still at work when it is killed
    rows = [CHAT[0]] + [{**r, "round": r["round"] + 2 * k} for k in range(4000) for r in CHAT[1:]]
    path = write_jsonl(tmp_path / "chat.jsonl", rows)
    with pipeline.ReadAhead(path) as source:
        source._proc.kill()
        with pytest.raises(pipeline.ReaderFailed, match="stopped unexpectedly"):
            list(source.rounds)


def test_when_a_second_process_is_used(tmp_path, monkeypatch):
    small = write_jsonl(tmp_path / "chat.jsonl", CHAT)
    assert not pipeline.worth_it(small, None)  # small: not worth a process
    assert pipeline.worth_it(small, 2) and not pipeline.worth_it(small, 1)
    monkeypatch.setattr(pipeline, "MIN_BYTES", 10)
    monkeypatch.setattr(pipeline, "_cpus", lambda: 2)
    assert pipeline.worth_it(small, None)
    monkeypatch.setattr(pipeline, "_cpus", lambda: 1)
    assert not pipeline.worth_it(small, None)
    assert isinstance(pipeline.open_read(small, jobs=1), pipeline.InProcess)


def test_cli_jobs_option(coord, tmp_path):
    path = write_jsonl(tmp_path / "chat.jsonl", CHAT)
    one = coord("replay", path, "--format", "json", "-j", "1")
    two = coord("replay", path, "--format", "json", "--jobs", "2")
    assert one.code == two.code == 1 and one.json() == two.json()
    bad = coord("replay", path, "--jobs", "3")
    assert bad.code == 2 and "--jobs" in bad.err


def test_without_an_interpreter_to_start_it_reads_in_this_process(tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "chat.jsonl", CHAT)
    monkeypatch.setattr(pipeline.sys, "executable", str(tmp_path / "no-such-python"))
    with pipeline.open_read(path, jobs=2) as source:
        assert isinstance(source, pipeline.InProcess)
        assert [r.number for r, _ in source.rounds] == [1, 2]
