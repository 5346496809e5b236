"""Done-means: a negotiation with one anthropic/ and one openai/ agent, end to end against
the fake servers through the real SDKs, with exact usage and cost in the summary."""

import json
from pathlib import Path

from coord.backends.fake import Step
from coord.transcript import verify

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "llm-dyad.yaml"

# Exact usage per call, in each provider's wire shape.
A_USAGE = {
    "input_tokens": 1000,
    "output_tokens": 100,
    "cache_read_input_tokens": 200,
    "cache_creation_input_tokens": 50,
}
O_USAGE = {
    "prompt_tokens": 1200,
    "completion_tokens": 80,
    "prompt_tokens_details": {"cached_tokens": 400},
    "completion_tokens_details": {"reasoning_tokens": 30},
}


def test_anthropic_and_openai_agents_negotiate_with_exact_cost(coord, fake, tmp_path):
    fake.usage = {"anthropic": A_USAGE, "openai": O_USAGE}
    out = tmp_path / "run"
    r = coord("run", EXAMPLE, "--out", out, "--format", "json")
    assert r.code == 0, r.err
    report = r.json()
    # 2 rounds x (3 talk turns + 1 decision) = 8 calls per agent (say, say, say, purchase)
    a, o = fake.calls("anthropic"), fake.calls("openai")
    assert len(a) == 8 and len(o) == 8
    assert a[0].body["model"] == "claude-haiku-4-5" and o[0].body["model"] == "gpt-4o-mini"
    assert a[0].body["tool_choice"] == {"type": "any"}
    assert o[0].body["tool_choice"] == "required"
    usage = report["usage"]
    alice, bob = usage["agents"]["alice"], usage["agents"]["bob"]
    assert alice["calls"] == 8 and bob["calls"] == 8
    assert (alice["input_tokens"], alice["output_tokens"]) == (8000, 800)
    assert (alice["cache_read_tokens"], alice["cache_write_tokens"]) == (1600, 400)
    # OpenAI's prompt_tokens include the cached ones: billed apart
    assert (bob["input_tokens"], bob["cache_read_tokens"]) == (8 * 800, 8 * 400)
    assert (bob["output_tokens"], bob["reasoning_tokens"]) == (640, 240)
    # claude-haiku-4-5: $1 in, $5 out, $0.10 cache read, $1.25 cache write per MTok
    per_a = (1000 * 1 + 100 * 5 + 200 * 0.1 + 50 * 1.25) / 1e6
    # gpt-4o-mini: $0.15 in, $0.60 out, $0.075 cached per MTok
    per_o = (800 * 0.15 + 80 * 0.6 + 400 * 0.075) / 1e6
    assert alice["cost_usd"] == round(8 * per_a, 12)
    assert bob["cost_usd"] == round(8 * per_o, 12)
    assert usage["total"]["cost_usd"] == round(8 * per_a + 8 * per_o, 12)
    # the summary on disk says the same; the transcript verifies and records every call
    summary = json.loads((out / "summary.json").read_text())
    assert summary["usage"] == usage
    [path] = list(out.rglob("*.jsonl"))
    assert verify(path).ok
    events = [json.loads(line) for line in path.read_text().splitlines()]
    calls = [e for e in events if e["kind"] == "model_call"]
    assert len(calls) == 16 and all(c["status"] == "ok" and c["valid"] for c in calls)
    assert calls[0]["usage_raw"]  # as the provider returned it
    assert events[0]["agent_settings"]["alice"]["temperature"] == 0


def test_agent_flag_switches_a_policy_agent_to_a_model(coord, fake, tmp_path):
    scenario = ROOT / "scenarios" / "negotiation" / "scarce-0.5.yaml"
    r = coord(
        "run",
        scenario,
        "--out",
        tmp_path,
        "-c",
        "dyad",
        "--seed",
        "1",
        "--agent",
        "alice=openai/gpt-4o-mini",
        "--format",
        "json",
    )
    assert r.code == 0, r.err
    assert fake.calls("openai") and not fake.calls("anthropic")
    assert r.json()["usage"]["agents"]["alice"]["calls"] == len(fake.calls("openai"))


def test_invalid_reply_is_reasked_with_the_errors(coord, fake, tmp_path):
    fake.push(
        Step(provider="anthropic", reply={"type": "purchase", "resources": {"r1": -2}}),
        Step(provider="anthropic", reply={"type": "say", "text": "sorry"}),
    )
    r = coord("run", EXAMPLE, "--out", tmp_path, "--format", "json")
    assert r.code == 0, r.err
    first, second = fake.calls("anthropic")[:2]
    # the re-ask carries the reply and the validation error as a tool result
    followup = second.body["messages"][-1]["content"][0]
    assert followup["type"] == "tool_result" and followup["is_error"]
    assert "minimum" in followup["content"] or "0" in followup["content"]
    [path] = list(tmp_path.rglob("*.jsonl"))
    events = [json.loads(x) for x in path.read_text().splitlines()]
    calls = [e for e in events if e["kind"] == "model_call" and e["agent"] == "alice"]
    assert [c["valid"] for c in calls[:2]] == [False, True]
    assert calls[0]["errors"] and calls[1]["reask"] == 1


def test_the_request_on_the_wire_is_the_recorded_request(coord, fake, tmp_path):
    # openai sends `messages` and `tools` through `extra_body` (skipping the SDK's typed
    # walk over them) and tool schemas are shared between requests: neither may change
    # what reaches the server, which must be exactly what the transcript records.
    r = coord("run", EXAMPLE, "--out", tmp_path, "--format", "json")
    assert r.code == 0, r.err
    [path] = list(tmp_path.rglob("*.jsonl"))
    events = [json.loads(x) for x in path.read_text().splitlines()]
    recorded = {
        agent: [e["request"] for e in events if e["kind"] == "model_call" and e["agent"] == agent]
        for agent in ("alice", "bob")
    }
    assert [c.body for c in fake.calls("anthropic")] == recorded["alice"]
    assert [c.body for c in fake.calls("openai")] == recorded["bob"]
    assert all(body["messages"] and body["tools"] for body in recorded["bob"])


def test_text_summary_shows_usage_and_cost(coord, fake, tmp_path):
    fake.usage = {"anthropic": A_USAGE, "openai": O_USAGE}
    r = coord("run", EXAMPLE, "--out", tmp_path / "run")
    assert r.code == 0, r.err
    assert "Model usage" in r.out
    rows = {line.split()[0]: line.split() for line in r.out.splitlines() if line.strip()}
    per_a = (1000 * 1 + 100 * 5 + 200 * 0.1 + 50 * 1.25) / 1e6
    per_o = (800 * 0.15 + 80 * 0.6 + 400 * 0.075) / 1e6
    # agent, calls, input, output, cache read, cache write, reasoning, cost
    assert rows["alice"] == ["alice", "8", "8,000", "800", "1,600", "400", "0", f"${8 * per_a:.6f}"]
    assert rows["bob"] == ["bob", "8", "6,400", "640", "3,200", "0", "240", f"${8 * per_o:.6f}"]
    assert rows["total"][1] == "16" and rows["total"][-1] == f"${8 * per_a + 8 * per_o:.6f}"
    # replayed: the same figures, and where the calls came from
    r = coord("run", "--replay", tmp_path / "run", "--out", tmp_path / "again")
    assert r.code == 0, r.err
    assert "model calls: 0 made, 16 served from recordings" in r.out
    assert f"${8 * per_a + 8 * per_o:.6f}" in r.out


def test_text_summary_flags_unpriced_calls(coord, fake, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(EXAMPLE.read_text().replace("gpt-4o-mini", "my-local-model"))
    r = coord("run", scenario, "--out", tmp_path / "run")
    assert r.code == 0, r.err
    bob = next(line for line in r.out.splitlines() if line.startswith("bob"))
    assert bob.split()[-1] == "$0.000000*"
    assert "* without 8 calls to models the price table does not know" in r.out


def test_policy_runs_show_no_usage_table(coord, tmp_path):
    scenario = ROOT / "scenarios" / "negotiation" / "scarce-0.5.yaml"
    r = coord("run", scenario, "--out", tmp_path, "-c", "dyad", "--seed", "1")
    assert r.code == 0, r.err
    assert "Model usage" not in r.out
