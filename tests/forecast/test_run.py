"""Forecast scenarios: the five topologies run offline and differ as their flow predicts.

Every claim is measured on the bundled questions (real markets) with the simulated
forecasters; nothing here pins a number a run happened to produce.
"""

import json
import statistics
from pathlib import Path

import pytest

from coord.forecast.loaders import load_forecasts
from coord.forecast.report import ScoreOptions, score_forecasts
from coord.resources import find_scenario
from coord.runner.run import RunOptions, run_scenarios

BUNDLED = find_scenario("forecast/markets-100")


def scenario(tmp_path, body_extra="", forecaster="", seeds="[1, 2]", conditions=None):
    qfile = BUNDLED.parent / "questions" / "polymarket-100.jsonl"
    conditions = (
        conditions
        or """\
  independent_ensemble: {topology: independent_ensemble, agents: 3}
  peer_critique_debate: {topology: peer_critique_debate, agents: 3, rounds: 2}
  orchestrator_specialist: {topology: orchestrator_specialist, agents: 3}
  sequential_pipeline: {topology: sequential_pipeline}
  consensus_alignment: {topology: consensus_alignment, agents: 3, rounds: 3, epsilon: 0.05}
"""
    )
    text = f"""\
schema_version: 1
kind: forecast
name: t
questions: {{file: {qfile}}}
forecaster: {{backend: policy/market-reader{forecaster}}}
pricing: {{input_per_mtok: 5.0, output_per_mtok: 25.0}}
seeds: {seeds}
{body_extra}conditions:
{conditions}"""
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return p


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fc")
    return run_scenarios([scenario(tmp)], RunOptions(out=tmp / "out"))


def groups(report):
    return {g["name"]: g for g in report["groups"]}


def events(path, kind):
    return [e for e in map(json.loads, Path(path).open()) if e.get("kind") == kind]


def test_every_configuration_scores_every_question(report):
    g = groups(report)
    assert set(g) == {
        "independent_ensemble",
        "peer_critique_debate",
        "orchestrator_specialist",
        "sequential_pipeline",
        "consensus_alignment",
    }
    assert all(x["n"] == 200 for x in g.values())  # 100 questions × 2 seeds


def test_transcripts_verify_and_coord_score_reads_them(report):
    from coord.transcript import verify

    paths = [r["transcript"] for r in report["runs"]]
    assert all(verify(p).ok for p in paths)
    scored = {s.name: s for s in score_forecasts(load_forecasts(paths).forecasts, ScoreOptions())}
    for name, g in groups(report).items():
        assert scored[name].brier == g["brier"] and scored[name].pareto == g["pareto"]


def test_consensus_and_debate_narrow_the_spread_and_the_ensemble_does_not(report):
    g = groups(report)
    assert g["independent_ensemble"]["spread_final"] == g["independent_ensemble"]["spread_initial"]
    for name in ("consensus_alignment", "peer_critique_debate"):
        assert g[name]["spread_final"] < 0.5 * g[name]["spread_initial"], name


def test_consensus_stops_within_epsilon_or_at_the_round_limit(report):
    for run in report["runs"]:
        if run["condition"] != "consensus_alignment":
            continue
        for f in events(run["transcript"], "forecast"):
            assert max(f["final"]) - min(f["final"]) <= 0.05 + 1e-9 or f["rounds"] == 3
            assert f["probability"] == pytest.approx(statistics.fmean(f["final"]), abs=1e-6)


def test_calls_per_question_follow_the_topology(report):
    g = groups(report)
    assert g["independent_ensemble"]["calls_per_item"] == 3
    assert g["peer_critique_debate"]["calls_per_item"] == 3 * (1 + 2)
    assert g["orchestrator_specialist"]["calls_per_item"] == 1 + 3 + 1
    assert g["sequential_pipeline"]["calls_per_item"] == 3
    assert 3 <= g["consensus_alignment"]["calls_per_item"] <= 3 * (1 + 3)
    # more calls with peers' reasoning in the prompt cost more tokens per question
    assert (
        g["peer_critique_debate"]["tokens_per_item"] > g["independent_ensemble"]["tokens_per_item"]
    )


def test_a_pipeline_without_averaging_is_worse_than_aggregating_independent_readings(report):
    g = groups(report)
    for name in ("independent_ensemble", "orchestrator_specialist"):
        assert g["sequential_pipeline"]["brier"] > g[name]["brier"], name


def test_pipeline_stages_see_only_the_previous_stage(report):
    run = next(r for r in report["runs"] if r["condition"] == "sequential_pipeline")
    msgs = events(run["transcript"], "message")[:3]
    assert [m["role"] for m in msgs] == ["researcher", "analyst", "forecaster"]
    assert msgs[0]["probability"] is None and msgs[1]["probability"] is None


def test_same_slot_reads_the_same_question_alike_in_every_configuration(report):
    first = {}
    for run in report["runs"]:
        if (
            run["condition"]
            in ("independent_ensemble", "peer_critique_debate", "consensus_alignment")
            and run["seed"] == 1
        ):
            f = events(run["transcript"], "forecast")[0]
            first[run["condition"]] = f["initial"]
    assert len({tuple(v) for v in first.values()}) == 1


def test_a_noiseless_reader_reproduces_the_market_in_every_topology(tmp_path):
    rep = run_scenarios(
        [scenario(tmp_path, forecaster=", noise: 0", seeds="[1]")], RunOptions(out=tmp_path / "out")
    )
    for g in rep["groups"]:
        assert g["alpha"] == pytest.approx(0.0, abs=1e-5), g["name"]


def test_bias_and_sharpness_show_in_calibration(tmp_path):
    one = "  e: {topology: independent_ensemble, agents: 3}\n"
    fair = run_scenarios(
        [scenario(tmp_path, seeds="[1]", conditions=one)], RunOptions(out=tmp_path / "a")
    )["groups"][0]
    over = run_scenarios(
        [scenario(tmp_path, forecaster=", sharpness: 2.5", seeds="[1]", conditions=one)],
        RunOptions(out=tmp_path / "b"),
    )["groups"][0]
    assert over["rel"] > fair["rel"]
