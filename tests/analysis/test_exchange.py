import json

import pytest
from helpers import OUT_OF_ORDER, PAPER_GAME

from coord.analysis.exchange import (
    COORD,
    INTERCHANGE,
    from_interchange,
    load_exchange,
    purchase_of,
)
from coord.errors import InputError
from coord.game.negotiation.instance import make_instance

# The paper's example instance, in the paper's form.


def write_jsonl(path, records, *, torn_tail=None):
    text = "".join(json.dumps(r) + "\n" for r in records)
    if torn_tail is not None:
        text += torn_tail
    path.write_text(text)
    return path


def test_coord_transcript(scarce_runs):
    ex = load_exchange(scarce_runs / "grounded" / "seed1-rep0.jsonl")
    assert ex.kind == COORD
    assert ex.agents == ("alice", "bob")
    assert [r.number for r in ex.rounds] == [1, 2, 3, 4]
    r1 = ex.rounds[0]
    assert r1.instance is not None and r1.instance.id == "paper-example"
    assert r1.instance.agents == ("alice", "bob")
    assert r1.outcome["optimal"] is True and r1.outcome["annulled"] is False
    assert r1.outcome["collab_max"] == 29
    assert set(r1.purchases) == {"alice", "bob"}
    propose = next(t for t in r1.turns if t.type == "propose")
    assert "plan" in propose.action and propose.id and propose.line > 1
    assert propose.text.startswith("Proposal")
    accept = next(t for t in r1.turns if t.type == "accept")
    assert accept.in_reply_to == propose.id
    assert ex.warnings == []


def test_coord_transcript_torn_last_line(scarce_runs, tmp_path):
    src = (scarce_runs / "fair" / "seed1-rep0.jsonl").read_text().splitlines(keepends=True)
    torn = tmp_path / "torn.jsonl"
    torn.write_text("".join(src[:-1]) + src[-1][:20])
    ex = load_exchange(torn)
    assert ex.kind == COORD and len(ex.rounds) == 4
    assert any("incomplete" in w for w in ex.warnings)


def test_interchange_game_header_purchases_and_outcome(tmp_path):
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [
            {"game": PAPER_GAME, "agents": ["A", "B"]},
            {"agent": "A", "content": "I need r2 badly: 3 r2 per run of my best project (9)."},
            {"agent": "B", "content": "Mine needs 1 r1 + 3 r2. You take r1 and r3?"},
            {
                "agent": "A",
                "content": "Fine, I'll buy 2 r1 and 4 r3.",
                "action": {"r1": 2, "r3": 4, "projects": {"c": 2}},
            },
            {
                "agent": "B",
                "content": "Buying 3 r1, 9 r2.",
                "action": {"resources": {"r1": 3, "r2": 9}},
            },
        ],
    )
    ex = from_interchange(path)
    assert ex.kind == INTERCHANGE and ex.agents == ("A", "B")
    (rnd,) = ex.rounds
    assert rnd.number == 1 and [t.turn for t in rnd.turns] == [1, 2, 3, 4]
    assert [t.line for t in rnd.turns] == [2, 3, 4, 5]
    assert rnd.purchases == {"A": {"r1": 2, "r3": 4}, "B": {"r1": 3, "r2": 9}}
    assert rnd.requested == {"A": {"c": 2}, "B": {}}
    out = rnd.outcome
    assert out["annulled"] is False and out["optimal"] is True
    assert out["joint_efficiency"] == pytest.approx(1.0)
    assert out["collab_max"] == 29
    assert out["rewards"] == {"A": 2.0, "B": 27.0}


def test_interchange_last_purchase_wins_and_annulment(tmp_path):
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [
            {"game": PAPER_GAME},
            {"speaker": "A", "text": "6 r2 for me", "action": {"r2": 6}, "round": 1},
            {"speaker": "A", "text": "actually 9", "action": {"r2": 9}, "round": 1},
            {
                "speaker": "B",
                "text": "I take 1 r1 and 3 r2",
                "action": {"r1": 1, "r2": 3},
                "round": 1,
            },
        ],
    )
    ex = from_interchange(path)
    rnd = ex.rounds[0]
    assert rnd.purchases["A"] == {"r2": 9}
    assert rnd.outcome["annulled"] is True and rnd.outcome["joint_efficiency"] == 0


def test_interchange_json_array_and_scenario_instance(tmp_path):
    inst = make_instance("mine", PAPER_GAME["agent_projects"])
    records = [
        {"name": "alice", "content": "Let's split r2 evenly.", "round": 2, "turn": 1},
        {"name": "bob", "content": "ok", "round": 2, "turn": 1, "action": {"r2": 5}},
        {"name": "alice", "content": "buying", "round": 2, "turn": 2, "action": {"r2": 5}},
    ]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(records, indent=1))
    ex = load_exchange(path, scenario_instance=inst)
    assert ex.kind == INTERCHANGE and ex.agents == ("alice", "bob")
    rnd = ex.rounds[0]
    assert rnd.number == 2 and rnd.instance.agents == ("alice", "bob")
    assert rnd.turns[0].line == 2 and rnd.turns[2].line > rnd.turns[1].line
    # alice (side A): 5 r2 -> a x1 = 9; bob (side B): 5 r2 -> c x2 = 8
    assert rnd.outcome["joint_efficiency"] == pytest.approx(17 / 29)


def test_interchange_without_instance_has_no_outcome(tmp_path):
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [{"agent": "A", "content": "x", "action": {"r2": 5}}, {"agent": "B", "content": "y"}],
    )
    ex = load_exchange(path)
    assert ex.rounds[0].purchases == {"A": {"r2": 5}}
    assert ex.rounds[0].outcome is None


def test_interchange_torn_last_line(tmp_path):
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [{"game": PAPER_GAME}, {"agent": "A", "content": "hello"}],
        torn_tail='{"agent": "B", "cont',
    )
    ex = load_exchange(path)
    assert [t.agent for t in ex.rounds[0].turns] == ["A"]
    assert ex.warnings and "line 3" in ex.warnings[0]


def test_interchange_errors_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"agent": "A", "content": "x"}\n{"agent": \n{"agent": "B", "content": "y"}\n')
    with pytest.raises(InputError) as e:
        load_exchange(bad)
    assert e.value.line == 2 and e.value.file == str(bad)

    noagent = write_jsonl(tmp_path / "n.jsonl", [{"agent": "A", "content": "x"}, {"content": "y"}])
    with pytest.raises(InputError) as e:
        load_exchange(noagent)
    assert e.value.line == 2

    badgame = write_jsonl(tmp_path / "g.jsonl", [{"game": {"agent_projects": []}}])
    with pytest.raises(InputError) as e:
        load_exchange(badgame)
    assert e.value.line == 1

    badround = write_jsonl(tmp_path / "r.jsonl", [{"agent": "A", "content": "x", "round": 0}])
    with pytest.raises(InputError) as e:
        load_exchange(badround)
    assert e.value.line == 1


def test_invalid_purchase_leaves_outcome_unknown(tmp_path):
    path = write_jsonl(
        tmp_path / "t.jsonl",
        [
            {"game": PAPER_GAME},
            {"agent": "A", "content": "all three", "action": {"r1": 1, "r2": 1, "r3": 1}},
            {"agent": "B", "content": "ok", "action": {"r2": 2}},
        ],
    )
    ex = load_exchange(path)
    assert ex.rounds[0].outcome is None
    assert any("resource types" in w for w in ex.warnings)


def test_purchase_of():
    assert purchase_of({"r1": 2, "projects": {"a": 1}}) == ({"r1": 2}, {"a": 1})
    assert purchase_of({"resources": {"r1": 0}}) == ({}, None)
    assert purchase_of({"r1": 2}, "propose") is None
    assert purchase_of({"plan": {"A": {"r1": 2}}}) is None
    assert purchase_of({"forecast": 0.3}) is None
    assert purchase_of({"r9": 2}, names=("r1", "r2")) is None
    assert purchase_of({"r1": -1}) is None
    assert purchase_of({}) is None


# -- reading round by round --------------------------------------------------------------------


def test_stream_yields_rounds_as_they_end(tmp_path):
    from coord.analysis.exchange import open_exchange

    rows = [{"game": PAPER_GAME, "agents": ["A", "B"]}]
    for r in (1, 2, 3):
        rows += [{"agent": "A", "round": r, "text": "hi"}, {"agent": "B", "round": r, "text": "yo"}]
    stream = open_exchange(write_jsonl(tmp_path / "t.jsonl", rows))
    assert stream.agents == ("A", "B")
    first = next(stream.rounds)
    assert first.number == 1 and [t.agent for t in first.turns] == ["A", "B"]
    assert [r.number for r in stream.rounds] == [2, 3]


def test_rounds_out_of_order_are_read_again_whole(tmp_path):
    """A message of a round that already ended cannot be streamed: open_exchange says so
    (OutOfOrder) and the whole-file reading puts it in its round; replay does that itself."""
    from coord.analysis.exchange import OutOfOrder, open_exchange
    from coord.analysis.replay import replay_files

    path = write_jsonl(tmp_path / "t.jsonl", OUT_OF_ORDER)
    with pytest.raises(OutOfOrder):
        list(open_exchange(path).rounds)
    whole = load_exchange(path)
    assert [(r.number, [t.agent for t in r.turns]) for r in whole.rounds] == [
        (1, ["A", "B"]),
        (2, ["A"]),
    ]
    doc = replay_files([path])
    assert [r["round"] for r in doc["files"][0]["rounds"]] == [1, 2]


def test_a_third_speaker_without_an_agents_record_reads_the_file_whole(tmp_path):
    from coord.analysis.exchange import OutOfOrder, open_exchange

    rows = [
        {"agent": "A", "text": "hi"},
        {"agent": "B", "text": "hi"},
        {"agent": "C", "text": "me too"},
    ]
    path = write_jsonl(tmp_path / "t.jsonl", rows)
    with pytest.raises(OutOfOrder):
        list(open_exchange(path).rounds)
    assert load_exchange(path).agents == ("A", "B", "C")


def test_content_that_is_a_json_object_is_read_as_a_structured_message(tmp_path):
    """Agents told to answer in JSON: the whole message is an object; its `text` is the
    speech and the rest the action (here a purchase). Text that only looks like JSON, or
    JSON with a duplicate key, stays text."""
    rows = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {"agent": "A", "content": '{"text": "Buying my side.", "resources": {"r1": 2, "r3": 4}}'},
        {"agent": "B", "content": '  {"text": "mine", "r1": 3, "r2": 9}  '},
        {"agent": "A", "content": "{not json at all}"},
        {"agent": "B", "content": '{"r1": 1, "r1": 2}'},
    ]
    rnd = load_exchange(write_jsonl(tmp_path / "t.jsonl", rows)).rounds[0]
    assert rnd.purchases == {"A": {"r1": 2, "r3": 4}, "B": {"r1": 3, "r2": 9}}
    assert [t.text for t in rnd.turns] == [
        "Buying my side.",
        "mine",
        "{not json at all}",
        '{"r1": 1, "r1": 2}',
    ]


def test_tool_calls_are_structured_messages(tmp_path):
    """Agents that answer through tools: OpenAI `tool_calls` (arguments as a JSON string)
    and Anthropic `tool_use` blocks become the message's type and action."""
    import json as _json

    rows = [
        {"game": PAPER_GAME, "agents": ["A", "B"]},
        {
            "role": "assistant",
            "name": "A",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {
                        "name": "purchase",
                        "arguments": _json.dumps({"resources": {"r1": 2, "r3": 4}}),
                    },
                }
            ],
        },
        {
            "role": "assistant",
            "name": "B",
            "content": [
                {"type": "text", "text": "Accepting and buying my side."},
                {"type": "tool_use", "id": "t1", "name": "purchase", "input": {"r1": 3, "r2": 9}},
            ],
        },
    ]
    rnd = load_exchange(write_jsonl(tmp_path / "t.jsonl", rows)).rounds[0]
    assert rnd.purchases == {"A": {"r1": 2, "r3": 4}, "B": {"r1": 3, "r2": 9}}
    assert [t.type for t in rnd.turns] == ["purchase", "purchase"]
    assert rnd.turns[1].text == "Accepting and buying my side."
    assert rnd.outcome["joint_efficiency"] == 1.0
