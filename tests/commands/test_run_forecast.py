"""`coord run` on forecast scenarios through the CLI: the bundled one, and bad input."""

import pytest

from coord.resources import bundled_scenarios


@pytest.mark.parametrize(
    "path", [p for p in bundled_scenarios() if p.parent.name == "forecast"], ids=lambda p: p.stem
)
def test_every_bundled_forecast_scenario_runs(coord, tmp_path, path):
    r = coord("run", path, "--out", tmp_path, "--format", "json")
    assert r.code == 0, r.err
    report = r.json()
    assert report["kind"] == "forecast" and len(report["groups"]) >= 5
    assert any(g["pareto"] for g in report["groups"])
    s = coord("score", *sorted(tmp_path.rglob("seed*.jsonl")), "--format", "json")
    assert s.code == 0
    scored = {g["name"]: g["brier"] for g in s.json()["groups"]}
    assert scored == {g["name"]: g["brier"] for g in report["groups"]}


def test_text_report_names_the_frontier(coord, tmp_path):
    r = coord(
        "run",
        "forecast/markets-100",
        "--out",
        tmp_path,
        "-c",
        "sequential_pipeline",
        "-c",
        "independent_ensemble",
    )
    assert r.code == 0, r.err
    assert r.out.splitlines()[0].startswith("configuration")
    assert "cost–quality frontier:" in r.err and "simulations" in r.err


BAD = {
    "kind: forecats": "unknown scenario kind",
    "topology: independent_ensembl": "independent_ensemble",
    "file: nowhere.jsonl": "question file not found",
    "backend: policy/grounded": "unknown forecaster",
}


@pytest.mark.parametrize("change, message", list(BAD.items()))
def test_bad_forecast_scenarios_exit_2_with_a_location(coord, tmp_path, change, message):
    (tmp_path / "q.jsonl").write_text('{"id": 1, "question": "Q?", "outcome": 1}\n')
    text = (
        "schema_version: 1\nkind: forecast\nname: t\nquestions:\n  file: q.jsonl\n"
        "forecaster:\n  backend: policy/market-reader\nconditions:\n"
        "  a:\n    topology: independent_ensemble\n"
    )
    key = change.split(":")[0]
    lines = [
        (line[: len(line) - len(line.lstrip())] + change)
        if line.strip().startswith(key + ":")
        else line
        for line in text.splitlines()
    ]
    p = tmp_path / "s.yaml"
    p.write_text("\n".join(lines) + "\n")
    r = coord("run", p, "--out", tmp_path / "out")
    assert r.code == 2, r.err
    assert message in r.err and f"{p}:" in r.err and "Traceback" not in r.err


def test_bad_question_names_its_line(coord, tmp_path):
    (tmp_path / "q.jsonl").write_text(
        '{"id": 1, "question": "Q?", "outcome": 1}\n{"id": 2, "question": "R?", "outcome": 0.5}\n'
    )
    p = tmp_path / "s.yaml"
    p.write_text(
        "schema_version: 1\nkind: forecast\nname: t\nquestions: {file: q.jsonl}\n"
        "conditions: {a: {topology: sequential_pipeline}}\n"
    )
    r = coord("run", p, "--out", tmp_path / "out")
    assert r.code == 2 and "q.jsonl:2" in r.err and "must be 0 or 1" in r.err


def test_negotiation_commands_refuse_a_forecast_scenario(coord):
    r = coord("solve", "forecast/markets-100")
    assert r.code == 2 and "forecast scenario" in r.err


def test_junit_is_refused_before_anything_runs(coord, tmp_path):
    out = tmp_path / "out"
    r = coord("run", "forecast/markets-100", "--out", out, "--format", "junit")
    assert r.code == 2 and "junit" in r.err and "Traceback" not in r.err
    assert not out.exists()  # no transcript was written: nothing ran
