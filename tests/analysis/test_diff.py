import json

import pytest

from coord.analysis.diff import (
    MISSING,
    diff_transcripts,
    differences,
    format_text,
    is_volatile,
    normalize,
)
from coord.errors import InputError
from coord.transcript import TranscriptWriter

HEADER = {
    "scenario": "s",
    "scenario_file": "/x/s.yaml",
    "condition": "dyad",
    "seed": 1,
    "backends": {"alice": "policy/conceder", "bob": "policy/conceder"},
}


def say(r, t, agent, text, **more):
    return (
        "message",
        {
            "round": r,
            "turn": t,
            "agent": agent,
            "phase": "talk",
            "message": {"type": "say", "text": text},
            **more,
        },
    )


def propose(r, t, agent, pid, plan):
    msg = (
        "message",
        {
            "round": r,
            "turn": t,
            "agent": agent,
            "message": {"type": "propose", "plan": plan},
            "id": pid,
        },
    )
    led = (
        "ledger",
        {
            "round": r,
            "turn": t,
            "op": "propose",
            "entry": {"id": pid, "by": agent, "plan": plan, "status": "open"},
        },
    )
    return [msg, led]


def accept(r, t, agent, pid):
    return (
        "ledger",
        {
            "round": r,
            "turn": t,
            "op": "accept",
            "ref": pid,
            "by": agent,
            "status": "agreed",
            "binding": True,
        },
    )


def outcome(r, alice, bob, eff=1.0, annulled=False):
    return (
        "outcome",
        {
            "round": r,
            "rewards": {"alice": alice, "bob": bob},
            "annulled": annulled,
            "metrics": {"joint_reward": alice + bob, "joint_efficiency": eff},
        },
    )


PLAN = {"alice": {"resources": {"r1": 2}, "projects": {"a": 1}}, "bob": {"resources": {"r2": 3}}}


def game(text="hi", plan=PLAN, pid="p1", alice=2.0, extra=()):
    return [
        ("round_start", {"round": 1, "order": ["bob", "alice"]}),
        say(1, 1, "bob", text, latency_ms=12),
        *propose(1, 1, "alice", pid, plan),
        accept(1, 2, "bob", pid),
        *extra,
        outcome(1, alice, 27.0),
        (
            "metric",
            {
                "scope": "game",
                "metrics": {"joint_reward": alice + 27.0, "rewards": {"alice": alice, "bob": 27.0}},
            },
        ),
    ]


def write(path, events, header=None, seal=True):
    w = TranscriptWriter.create(path, {**HEADER, **(header or {}), "started": str(path)})
    for kind, fields in events:
        w.append(kind, **fields)
    if seal:
        w.seal()
    w.close()
    return path


def test_volatile_fields():
    assert is_volatile("started") and is_volatile("latency_ms") and is_volatile("duration")
    assert is_volatile("hash", top=True) and not is_volatile("hash")
    assert not is_volatile("path") and not is_volatile("text")
    ev = {"seq": 3, "hash": "h", "prev": "p", "ts": 1, "x": {"ts": 2, "path": "$.a", "y": 1}}
    assert normalize(ev) == {"x": {"path": "$.a", "y": 1}}


def test_differences_paths_and_limit():
    a = {"m": {"type": "say", "share": [{"r": 1}, {"r": 2}]}, "id": "p1"}
    b = {"m": {"type": "say", "share": [{"r": 1}, {"r": 3}, {"r": 4}]}}
    assert differences(a, b) == [
        ("m.share[1].r", 2, 3),
        ("m.share[2]", MISSING, {"r": 4}),
        ("id", "p1", MISSING),
    ]
    assert len(differences(a, b, limit=1)) == 1
    assert differences(1, 1.0) == [] and differences(True, 1) == [("$", True, 1)]


def test_identical_games_are_equivalent(tmp_path):
    a = write(tmp_path / "a.jsonl", game())
    b = write(tmp_path / "b.jsonl", game())  # different `started`: a volatile field
    r = diff_transcripts(a, b)
    d = r.to_dict()
    assert r.equivalent and d["equivalent"] and d["first_divergence"] is None
    assert d["setup"] == [] and d["notes"] == [] and "cost" not in d
    assert d["rounds"][0]["delta"]["joint_reward"] == 0
    assert "equivalent" in format_text(d)


def test_divergence_names_round_turn_agent_and_path(tmp_path):
    a = write(tmp_path / "a.jsonl", game())
    b = write(tmp_path / "b.jsonl", game(text="hello"), header={"condition": "grounded"})
    d = diff_transcripts(a, b).to_dict()
    assert not d["equivalent"]
    assert d["setup"] == [{"path": "condition", "a": "dyad", "b": "grounded"}]
    fd = d["first_divergence"]
    assert fd["line"] == 3 and fd["path"] == "message.text"
    assert fd["a"] == {
        "line": 3,
        "seq": 2,
        "kind": "message",
        "round": 1,
        "turn": 1,
        "agent": "bob",
    }
    assert fd["fields"] == [{"path": "message.text", "a": "hi", "b": "hello"}]
    assert d["shared_prefix"] == 0  # the headers differ, so the chains never meet


def test_shared_hash_prefix_is_counted(tmp_path):
    a = write(tmp_path / "a.jsonl", game())
    rows = a.read_text().splitlines(keepends=True)
    ev = json.loads(rows[2])
    ev["message"]["text"] = "edited"  # the hash is left as it was
    rows[2] = json.dumps(ev) + "\n"
    b = tmp_path / "b.jsonl"
    b.write_text("".join(rows))
    d = diff_transcripts(a, b).to_dict()
    assert d["shared_prefix"] == 2
    assert d["first_divergence"]["line"] == 3
    assert d["first_divergence"]["path"] == "message.text"


def test_deltas_agreements_and_findings(tmp_path):
    other = {"alice": {"resources": {"r1": 1}}, "bob": {"resources": {"r2": 3}}}
    finding = (
        "protocol",
        {
            "code": "P003",
            "severity": "error",
            "message": "wrong party",
            "message_id": "p9",
            "line": None,
            "path": None,
        },
    )
    a = write(tmp_path / "a.jsonl", game())
    # the same plan under another id (and other projects) is the same agreement
    same = {"alice": {"resources": {"r1": 2}}, "bob": {"resources": {"r2": 3}, "projects": {}}}
    b = write(tmp_path / "b.jsonl", game(plan=same, pid="p7"))
    d = diff_transcripts(a, b).to_dict()
    assert d["agreements"] == {"only_a": [], "only_b": []}
    c = write(tmp_path / "c.jsonl", game(plan=other, alice=5.0, extra=[finding]))
    d = diff_transcripts(a, c).to_dict()
    rnd = d["rounds"][0]
    assert rnd["round"] == 1 and rnd["delta"]["joint_reward"] == 3.0
    assert rnd["delta"]["rewards"] == {"alice": 3.0, "bob": 0.0}
    assert rnd["delta"]["annulled_changed"] is False
    assert d["game"]["joint_reward"] == {"a": 29.0, "b": 32.0, "delta": 3.0}
    assert d["game"]["rewards.bob"]["delta"] == 0
    assert [i["plan"] for i in d["agreements"]["only_a"]] == [PLAN]
    assert [i["plan"] for i in d["agreements"]["only_b"]] == [other]
    assert d["findings"]["only_a"] == []
    assert d["findings"]["only_b"] == [
        {
            "round": 1,
            "code": "P003",
            "severity": "error",
            "message": "wrong party",
            "message_id": "p9",
        }
    ]
    text = format_text(d)
    assert "agreements only in b (1)" in text and "P003" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_cost_sums_per_agent(tmp_path):
    def call(agent, cost, tokens):
        return (
            "model_call",
            {
                "agent": agent,
                "cost": cost,
                "latency": 0.3,
                "usage": {"input_tokens": tokens, "output_tokens": 1},
            },
        )

    a = write(tmp_path / "a.jsonl", game(extra=[call("bob", 0.01, 10), call("bob", 0.02, 5)]))
    b = write(tmp_path / "b.jsonl", game(extra=[call("bob", 0.01, 10), call("bob", 0.02, 7)]))
    d = diff_transcripts(a, b).to_dict()
    bob = d["cost"]["agents"]["bob"]
    assert bob["cost"]["a"] == pytest.approx(0.03) and bob["cost"]["delta"] == 0
    assert bob["usage.input_tokens"] == {"a": 15, "b": 17, "delta": 2}
    assert d["cost"]["total"]["usage.output_tokens"]["a"] == 2
    assert d["first_divergence"]["path"] == "usage.input_tokens"  # latency is ignored
    assert "cost (sums over model calls)" in format_text(d)


def test_different_lengths_and_unsealed(tmp_path):
    a = write(tmp_path / "a.jsonl", game())
    b = write(tmp_path / "b.jsonl", game()[:3], seal=False)
    d = diff_transcripts(a, b).to_dict()
    assert d["first_divergence"]["path"] == "(end of b)"
    assert d["first_divergence"]["b"]["end"] is True
    assert d["status"]["b"]["status"] == "unsealed"
    assert any("not sealed" in n for n in d["notes"])
    assert d["rounds"][0]["b"] is None and d["rounds"][0]["delta"] is None


def test_torn_copy_is_noted(tmp_path):
    a = write(tmp_path / "a.jsonl", game())
    b = tmp_path / "b.jsonl"
    b.write_bytes(a.read_bytes()[:-5])  # the seal line is cut off
    d = diff_transcripts(a, b).to_dict()
    assert d["equivalent"]  # every event is there; only the seal is missing
    assert d["status"]["b"]["torn"] is True
    assert any("torn" in n for n in d["notes"])


def test_unusable_input(tmp_path):
    a = write(tmp_path / "a.jsonl", game())
    with pytest.raises(InputError, match="no such transcript"):
        diff_transcripts(a, tmp_path / "missing.jsonl")
    other = tmp_path / "x.json"
    other.write_text('{"name": "x"}\n')
    with pytest.raises(InputError) as e:
        diff_transcripts(other, a)
    assert e.value.line == 1 and "not a coord transcript" in e.value.message


def test_an_inserted_event_is_the_divergence_not_a_shift(tmp_path):
    """b recorded one more event inside round 1 turn 1 (a provider error before a retry):
    events pair up by kind and agent within the turn, so the divergence is that event on
    b's side, and nothing after it is reported as shifted."""
    extra = ("error", {"round": 1, "turn": 1, "agent": "alice", "message": "HTTP 529, retried"})
    events = game()
    a = write(tmp_path / "a.jsonl", events)
    b = write(tmp_path / "b.jsonl", [events[0], events[1], extra, *events[2:]])
    fd = diff_transcripts(a, b).to_dict()["first_divergence"]
    assert fd["path"] == "(not in a)" and fd["a"]["kind"] is None
    assert fd["b"]["kind"] == "error" and fd["b"]["line"] == 4 and fd["b"]["agent"] == "alice"


def test_a_missing_turn_is_named_by_its_round_and_turn(tmp_path):
    events = game()
    a = write(tmp_path / "a.jsonl", events)
    b = write(tmp_path / "b.jsonl", [e for e in events if e[0] != "ledger" or e[1]["turn"] != 2])
    fd = diff_transcripts(a, b).to_dict()["first_divergence"]
    assert fd["a"]["kind"] == "ledger" and (fd["a"]["round"], fd["a"]["turn"]) == (1, 2)
