"""`lats --backend`: a model proposes expansions and writes reflections, within a budget;
driven through the real SDK clients against the loopback fake server (no network)."""

import pytest
from rcadata import small_case as _case

from coord.backends.fake import Step
from coord.errors import UsageError
from coord.rca.lats import search

pytest.importorskip("anthropic")
pytest.importorskip("openai")


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_model_proposals_steer_the_search_and_usage_is_reported(tmp_path, fake, provider):
    case = _case(tmp_path)
    # The first proposal of each agent: examine "a" (an open hypothesis, but not the top).
    fake.push(Step(reply={"type": "expand", "service": "a", "reason": "entry point first"}))
    r = search(case, backend=f"{provider}/test-model", llm_calls=6, llm_tokens=100_000)
    u = r.usage
    assert u["backend"] == f"{provider}/test-model"
    assert u["model_calls"] == 6 == len(fake.calls(provider))
    assert u["input_tokens"] > 0 and u["output_tokens"] > 0
    assert u["budget_spent"] is True and u["accepted"] >= 1
    # Unscripted, the fake answers with a tool input that names no hypothesis: fallbacks.
    assert u["fallbacks"] == u["model_calls"] - u["accepted"]
    first = fake.calls(provider)[0].body
    tools = [t.get("name") or t["function"]["name"] for t in first["tools"]]
    assert tools == ["expand"]
    assert r.tree["advisor"][0] == {"agent": "metrics", "job": "expand", "service": "a"}
    metrics_tree = r.tree["agents"][0]
    a = next(c for c in metrics_tree["children"] if c["hypothesis"]["service"] == "a")
    assert a["visits"] >= 1
    assert r.candidates[0].service == "c"  # the evidence still decides


def test_model_reflection_is_recorded_and_its_next_service_seeded(tmp_path, fake):
    case = _case(tmp_path)
    search(case, backend="anthropic/m", llm_calls=40, llm_tokens=10**6)
    jobs = [c.body["tools"][0]["name"] for c in fake.calls()]
    first = jobs.index("reflect")  # unscripted, the search is the built-in one
    assert jobs.count("reflect") <= 2 * len(case.services)  # once per hypothesis at most
    fake.requests.clear()
    fake.push(*[Step()] * first)  # the same answers up to the first reflection
    fake.push(Step(reply={"type": "reflect", "reflection": "only waits on c", "next": "c"}))
    r = search(case, backend="anthropic/m", llm_calls=40, llm_tokens=10**6)
    texts = [t for a in r.tree["agents"] for t in a["reflections"]]
    assert "only waits on c (model)" in texts
    assert {"job": "reflect", "next": "c"}.items() <= next(
        x for x in r.tree["advisor"] if x["job"] == "reflect"
    ).items()


def test_token_budget_stops_the_calls(tmp_path, fake):
    case = _case(tmp_path)
    r = search(case, backend="openai/m", llm_calls=1000, llm_tokens=50)
    assert r.usage["model_calls"] == 1  # the first call already spends 50 tokens
    assert r.usage["budget_spent"] is True
    builtin = search(case)
    assert [c.service for c in r.candidates][:1] == [c.service for c in builtin.candidates][:1]


def test_default_is_offline_and_bad_backends_are_usage_errors(tmp_path, monkeypatch):
    case = _case(tmp_path)
    assert search(case).usage["model_calls"] == 0
    with pytest.raises(UsageError):
        search(case, backend="policy/grounded")
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(UsageError, match="no API key"):
        search(case, backend="anthropic/m")


def test_provider_failure_is_a_provider_error(tmp_path, fake):
    from coord.errors import ProviderError

    fake.push(Step(status=401, message="bad key"))
    with pytest.raises(ProviderError):
        search(_case(tmp_path), backend="anthropic/m")


def test_cli_backend_json_usage(tmp_path, fake, capsys, monkeypatch):
    from coord.commands import _state
    from coord.commands.main import run as cli_main

    case = _case(tmp_path)
    del case
    _state.exit_code = 0
    try:
        cli_main(
            [
                "rca",
                "--metrics",
                str(tmp_path / "m.csv"),
                "--logs",
                str(tmp_path / "app.log"),
                "--topology",
                str(tmp_path / "topo.csv"),
                "--inject-time",
                "1700000100",
                "--backend",
                "openai/m",
                "--llm-calls",
                "3",
                "-f",
                "json",
            ]
        )
    except SystemExit as exc:
        assert exc.code in (0, None)
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["usage"]["model_calls"] == 3 and doc["usage"]["backend"] == "openai/m"
