"""Model forecasters (`anthropic/<model>`, `openai/<model>`) end to end: the five
topologies against the loopback fake server, through the real SDK clients, with exact
usage and cost from the transcripts to `coord score`."""

import json
import math
import re
from pathlib import Path

import pytest

from coord.backends.fake import Step
from coord.backends.llm.common import Reply as ModelReply
from coord.forecast.llm import check
from coord.forecast.questions import Question
from coord.forecast.views import ForecastView
from coord.transcript import verify

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "scenarios" / "forecast" / "questions" / "polymarket-100.jsonl"
MODELS = {"anthropic": "anthropic/claude-haiku-4-5", "openai": "openai/gpt-4o-mini"}
# Exact usage per call, in each provider's wire shape, and what it costs at coord's prices
# (claude-haiku-4-5: $1 in, $5 out; gpt-4o-mini: $0.15 in, $0.60 out per million tokens).
USAGE = {
    "anthropic": {"input_tokens": 700, "output_tokens": 60},
    "openai": {"prompt_tokens": 900, "completion_tokens": 50},
}
PER_CALL = {
    "anthropic": (760, (700 * 1 + 60 * 5) / 1e6),
    "openai": (950, (900 * 0.15 + 50 * 0.6) / 1e6),
}
CALLS = {  # model calls per question when every reply is valid and the agents agree
    "independent_ensemble": 3,
    "peer_critique_debate": 3 * (1 + 2),
    "orchestrator_specialist": 1 + 3 + 1,
    "sequential_pipeline": 3,
    "consensus_alignment": 3,  # all equal after round 0: spread 0 <= epsilon, no rounds
}


def scenario(tmp_path, backend, *, extra="", conditions=None, limit=6, top=""):
    conditions = conditions or "".join(
        f"  {t}: {{topology: {t}{', rounds: 2' if t == 'peer_critique_debate' else ''}}}\n"
        for t in CALLS
    )
    p = tmp_path / "s.yaml"
    p.write_text(
        f"schema_version: 1\nkind: forecast\nname: llm\n"
        f"questions: {{file: {QUESTIONS}, limit: {limit}}}\n"
        f"forecaster: {{backend: {backend}{extra}}}\n"
        "prompt: {header: 'Shared header block.', answer_format: 'Shared answer block.'}\n"
        f"{top}seeds: [1]\nconditions:\n{conditions}"
    )
    return p


def first_user(provider, body):
    return body["messages"][0 if provider == "anthropic" else 1]["content"]


def system_of(provider, body):
    return body["system"] if provider == "anthropic" else body["messages"][0]["content"]


def tool_of(body):
    [tool] = body.get("tools")
    name = tool.get("name") or tool["function"]["name"]
    return name, tool.get("input_schema") or tool["function"]["parameters"]


def market_model(provider, body):
    """A deterministic stand-in for a model: forecasts the market price it is shown."""
    text = first_user(provider, body)
    role = re.search(r"# Your role: (\w+)", text).group(1)
    name, schema = tool_of(body)
    if name == "forecast":
        price = re.search(r"Market price of YES: ([0-9.]+)", text)
        p = round(float(price.group(1)), 2) if price else 0.5
        return {"type": "forecast", "probability": p, "reasoning": f"{role} follows the market"}
    if name == "report":
        return {"type": "report", "notes": f"notes of the {role}"}
    n = schema["properties"]["subquestions"]["maxItems"]
    return {"type": "plan", "subquestions": [f"sub-question {i + 1}" for i in range(n)]}


def events(path, kind=None):
    out = [json.loads(line) for line in Path(path).read_text().splitlines()]
    return [e for e in out if kind is None or e.get("kind") == kind]


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_every_topology_runs_on_a_model_with_exact_tokens_and_cost(coord, fake, tmp_path, provider):
    fake.usage = {provider: USAGE[provider]}
    fake.responder = market_model
    out = tmp_path / "out"
    r = coord("run", scenario(tmp_path, MODELS[provider]), "--out", out, "--format", "json")
    assert r.code == 0, r.err
    report = r.json()
    tokens, cost = PER_CALL[provider]
    groups = {g["name"]: g for g in report["groups"]}
    assert set(groups) == set(CALLS)
    paths = sorted(out.rglob("seed*.jsonl"))
    calls_seen = 0
    for path in paths:
        assert verify(path).ok
        config = path.parent.name
        forecasts = events(path, "forecast")
        model_calls = events(path, "model_call")
        calls_seen += len(model_calls)
        assert len(forecasts) == 6 and not any(f["failed"] for f in forecasts)
        assert all(f["model_calls"] == CALLS[config] for f in forecasts), config
        assert sum(f["model_calls"] for f in forecasts) == len(model_calls)
        for f in forecasts:  # each question's tokens and cost are its calls' exactly
            assert f["tokens"] == tokens * f["model_calls"]
            assert f["cost_usd"] == pytest.approx(cost * f["model_calls"], abs=1e-12)
        g = groups[config]
        assert g["n"] == 6 and g["failed"] == 0
        assert g["tokens_per_item"] == tokens * CALLS[config]
        assert g["cost_per_item"] == pytest.approx(cost * CALLS[config], abs=1e-12)
    assert calls_seen == len(fake.calls(provider)) == report["usage"]["total"]["calls"]
    assert report["usage"]["total"]["total_tokens"] == calls_seen * tokens
    # coord score reads the transcripts and reports the same tokens and cost per item
    s = coord("score", *paths, "--format", "json")
    assert s.code == 0, s.err
    for g in s.json()["groups"]:
        assert g["tokens_per_item"] == groups[g["name"]]["tokens_per_item"]
        assert g["cost_per_item"] == groups[g["name"]]["cost_per_item"]
        assert g["brier"] == groups[g["name"]]["brier"]


def test_prompts_share_the_system_blocks_and_never_show_the_outcome(coord, fake, tmp_path):
    fake.responder = market_model
    r = coord("run", scenario(tmp_path, MODELS["anthropic"]), "--out", tmp_path / "o")
    assert r.code == 0, r.err
    systems = {system_of("anthropic", c.body) for c in fake.calls()}
    assert len(systems) == 1  # every agent of all five configurations
    [system] = systems
    assert "Shared header block." in system and "Shared answer block." in system
    assert not any("outcome" in json.dumps(c.body).lower() for c in fake.calls())


def test_pipeline_stages_see_only_the_stage_before(coord, fake, tmp_path):
    fake.responder = market_model
    conditions = "  p: {topology: sequential_pipeline}\n"
    r = coord(
        "run", scenario(tmp_path, MODELS["openai"], conditions=conditions), "--out", tmp_path / "o"
    )
    assert r.code == 0, r.err
    prompts = [first_user("openai", c.body) for c in fake.calls()[:3]]
    assert [re.search(r"# Your role: (\w+)", p).group(1) for p in prompts] == [
        "researcher",
        "analyst",
        "forecaster",
    ]
    assert "notes of the researcher" in prompts[1]
    assert "notes of the analyst" in prompts[2] and "notes of the researcher" not in prompts[2]
    # the market price is shown to the researcher; it reaches the forecaster only in notes
    assert "Market price of YES" in prompts[0]


def test_an_invalid_probability_is_reasked_with_the_error(coord, fake, tmp_path):
    fake.responder = market_model
    fake.push(Step(reply={"type": "forecast", "probability": 70, "reasoning": "70 %"}))
    conditions = "  e: {topology: independent_ensemble, agents: 1}\n"
    out = tmp_path / "o"
    r = coord("run", scenario(tmp_path, MODELS["anthropic"], conditions=conditions), "--out", out)
    assert r.code == 0, r.err
    followup = fake.calls()[1].body["messages"][-1]["content"][0]
    assert followup["type"] == "tool_result" and followup["is_error"]
    assert "outside [0, 1]" in followup["content"] and "0.7" in followup["content"]
    [path] = out.rglob("seed*.jsonl")
    calls = events(path, "model_call")
    assert [(c["valid"], c["reask"]) for c in calls[:2]] == [(False, 0), (True, 1)]
    assert not any(f["failed"] for f in events(path, "forecast"))


def test_no_valid_answer_after_the_reasks_is_a_counted_failure(coord, fake, tmp_path):
    fake.responder = market_model
    fake.usage = {"anthropic": USAGE["anthropic"]}
    bad = {"type": "forecast", "probability": "high", "reasoning": "sure"}
    fake.push(Step(reply=bad), Step(reply=bad))  # first question: both attempts invalid
    conditions = "  e: {topology: independent_ensemble, agents: 1}\n"
    out = tmp_path / "o"
    p = scenario(tmp_path, MODELS["anthropic"], extra=", reask: 1", conditions=conditions)
    r = coord("run", p, "--out", out, "--format", "json")
    assert r.code == 0, r.err
    [g] = r.json()["groups"]
    assert (g["n"], g["failed"]) == (5, 1)
    [path] = out.rglob("seed*.jsonl")
    first = events(path, "forecast")[0]
    assert first["failed"] and first["probability"] is None and "must be a number" in first["error"]
    assert first["model_calls"] == 2  # what the failed attempts spent is still recorded
    assert first["tokens"] == 2 * PER_CALL["anthropic"][0]
    s = coord("score", path, "--format", "json").json()
    assert s["groups"][0]["failed"] == 1 and s["excluded"] == {"failed_no_forecast": 1}


def test_a_missing_key_fails_before_any_work(coord, tmp_path, monkeypatch):
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    out = tmp_path / "o"
    r = coord("run", scenario(tmp_path, MODELS["anthropic"]), "--out", out)
    assert r.code == 2 and "ANTHROPIC_API_KEY" in r.err and "Traceback" not in r.err
    assert not out.exists()


@pytest.mark.parametrize(
    "status, hint", [(401, "check OPENAI_API_KEY"), (500, "not resumable yet")]
)
def test_a_provider_failure_exits_3_and_seals_the_transcript(coord, fake, tmp_path, status, hint):
    fake.push(Step(status=status, message="scripted failure"))
    conditions = "  e: {topology: independent_ensemble, agents: 1}\n"
    out = tmp_path / "o"
    p = scenario(
        tmp_path, MODELS["openai"], conditions=conditions, top="limits: {max_retries: 0}\n"
    )
    r = coord("run", p, "--out", out)
    assert r.code == 3 and str(status) in r.err and "Traceback" not in r.err
    assert hint in r.err
    [path] = out.rglob("seed*.jsonl")
    assert verify(path).ok and events(path)[-1]["status"] == "failed"


VIEW = ForecastView(
    role="forecaster",
    slot=0,
    round=0,
    question=Question("q", "Q?", 1, 0.4),
    header="h",
    answer_format="a",
)


def reply(name, **args):
    return ModelReply("", [("c1", name, args)], {})


@pytest.mark.parametrize(
    "args, error",
    [
        ({"probability": 1.5, "reasoning": "x"}, "outside [0, 1]"),
        ({"probability": -0.1, "reasoning": "x"}, "outside [0, 1]"),
        ({"probability": math.nan, "reasoning": "x"}, "finite"),
        ({"probability": True, "reasoning": "x"}, "must be a number"),
        ({"probability": 0.3}, "`reasoning` must be a non-empty string"),
        ({"reasoning": "x"}, "`probability` is missing"),
        ({"probability": 0.3, "reasoning": "x", "confidence": 1}, "unknown field"),
    ],
)
def test_check_refuses_bad_forecasts(args, error):
    out, errors = check(VIEW, reply("forecast", **args))
    assert out is None and any(error in e for e in errors), errors


def test_check_accepts_the_bounds_and_refuses_the_wrong_tool():
    for p in (0, 1, 0.5):
        out, errors = check(VIEW, reply("forecast", probability=p, reasoning="why"))
        assert out.probability == p and out.text == "why" and not errors
    out, errors = check(VIEW, reply("report", notes="n"))
    assert out is None and "call `forecast`" in errors[0]
