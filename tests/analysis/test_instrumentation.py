import json

from coord.analysis.exchange import load_exchange
from coord.analysis.instrumentation import exchange_metrics


def write(tmp_path, rows):
    p = tmp_path / "t.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def test_ack_then_agreement_and_turns_to_agreement(tmp_path):
    plan = {"plan": {"ann": {"r2": 9}, "bo": {"r1": 3, "r3": 6}}}
    rows = [
        {
            "agent": "ann",
            "round": 1,
            "turn": 1,
            "type": "propose",
            "text": "Here is my plan.",
            "action": plan,
        },
        {"agent": "bo", "round": 1, "turn": 1, "text": "Got it, I'll consider it."},
        {"agent": "ann", "round": 1, "turn": 2, "text": "Take your time."},
        {"agent": "bo", "round": 1, "turn": 2, "text": "Sounds good, deal."},
        {
            "agent": "ann",
            "round": 2,
            "turn": 1,
            "type": "propose",
            "text": "Same again?",
            "action": plan,
        },
        {"agent": "bo", "round": 2, "turn": 1, "text": "Noted."},
    ]
    m = exchange_metrics(load_exchange(write(tmp_path, rows)))
    r1, r2 = m["rounds"]
    assert (r1["turns_to_agreement"], r1["proposals"], r1["acknowledged"]) == (2, 1, 1)
    assert r1["acknowledged_then_agreed"] == 1
    assert r2["turns_to_agreement"] is None and r2["acknowledged_then_agreed"] == 0
    assert m["agreement_rate"] == 0.5 and m["ack_to_agreement"] == 0.5
    assert m["drift_events"] is None  # only coord transcripts record drift


def test_coord_transcript_counts_drift(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "o"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "coord",
            "run",
            "negotiation/scarce-0.5",
            "--out",
            str(out),
            "-c",
            "forgetful",
            "-c",
            "grounded",
        ],
        check=True,
        capture_output=True,
    )
    forgetful = exchange_metrics(load_exchange(out / "forgetful" / "seed1-rep0.jsonl"))
    grounded = exchange_metrics(load_exchange(out / "grounded" / "seed1-rep0.jsonl"))
    assert forgetful["drift_events"] > 0 and grounded["drift_events"] == 0
    assert grounded["agreement_rate"] == 1.0 and grounded["mean_turns_to_agreement"] <= 3
    assert grounded["violations"] == 0 and grounded["cost"] == {}


def test_model_call_cost_and_tokens_per_agent(tmp_path):
    """coord's model_call events carry `cost_usd` and `usage` (reasoning is part of the
    output tokens, so it is not counted twice)."""
    from coord.transcript import TranscriptWriter

    path = tmp_path / "t.jsonl"
    w = TranscriptWriter.create(path, {"scenario": "s", "agents": ["alice", "bob"]})
    usage = {"input_tokens": 100, "output_tokens": 20, "reasoning_tokens": 15}
    for agent, cost in (("alice", 0.002), ("alice", 0.001), ("bob", 0.0005)):
        w.append("model_call", agent=agent, round=1, turn=1, usage=usage, cost_usd=cost)
    w.seal()
    w.close()
    m = exchange_metrics(load_exchange(path))
    assert m["cost"]["alice"] == {"usd": 0.003, "tokens": 240.0, "calls": 2.0}
    assert m["cost"]["bob"] == {"usd": 0.0005, "tokens": 120.0, "calls": 1.0}
