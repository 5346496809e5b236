"""`coord score` end to end: table, JSON schema, plots, exit codes."""

import json
from pathlib import Path

SUBSET = Path(__file__).resolve().parents[1] / "data" / "forecast" / "traces-subset"
KEYS = [
    "name",
    "n",
    "brier",
    "unc",
    "rel",
    "res",
    "alpha",
    "alpha_sem",
    "log_loss",
    "tokens_per_item",
    "cost_per_item",
    "pareto",
]


def test_json_has_exactly_the_documented_schema(coord):
    r = coord("score", *sorted(SUBSET.glob("*.jsonl")), "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert list(doc) == ["schema_version", "groups"] and doc["schema_version"] == 1
    assert len(doc["groups"]) == 5
    for g in doc["groups"]:
        assert list(g) == KEYS
    assert any(g["pareto"] for g in doc["groups"])
    assert "failed forecasts" in r.err  # the subset holds the six published failures


def test_text_table_and_frontier_note(coord):
    r = coord("score", *sorted(SUBSET.glob("*.jsonl")))
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0].split()[:4] == ["group", "n", "failed", "brier"]
    assert len(lines) == 2 + 5
    assert "cost–quality frontier:" in r.err


def test_plots_are_written_as_svg(coord, tmp_path):
    r = coord("score", *sorted(SUBSET.glob("*.jsonl")), "--plot", tmp_path / "plots")
    assert r.code == 0
    for name in ("reliability.svg", "frontier.svg"):
        text = (tmp_path / "plots" / name).read_text()
        assert text.startswith("<svg") and "independent_ensemble" in text


def test_bad_probability_exits_2_with_file_and_line(coord, tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_text(
        json.dumps({"probability": 0.2, "outcome": 1})
        + "\n"
        + json.dumps({"probability": 1.5, "outcome": 1})
        + "\n"
    )
    r = coord("score", p)
    assert r.code == 2
    assert f"{p}:2" in r.err and "outside [0, 1]" in r.err and "Traceback" not in r.err
    r = coord("score", p, "--skip-invalid", "--format", "json")
    assert r.code == 0 and r.json()["groups"][0]["n"] == 1
    assert "skipped 1 invalid record" in r.err


def test_usage_errors_exit_2(coord, tmp_path):
    f = next(SUBSET.glob("*.jsonl"))
    assert coord("score", f, "--group-by", "colour").code == 2
    assert coord("score", f, "--bins", "0").code == 2
    assert coord("score", tmp_path / "missing.jsonl").code == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert coord("score", empty).code == 2


def test_bins_option_changes_rel(coord):
    files = sorted(SUBSET.glob("*.jsonl"))
    ten = coord("score", *files, "--format", "json").json()["groups"]
    two = coord("score", *files, "--format", "json", "--bins", "2").json()["groups"]
    assert [g["brier"] for g in ten] == [g["brier"] for g in two]
    assert [g["rel"] for g in ten] != [g["rel"] for g in two]
