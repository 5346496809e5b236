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
    "failed",
]


def test_json_has_exactly_the_documented_schema(coord):
    r = coord("score", *sorted(SUBSET.glob("*.jsonl")), "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert list(doc) == ["schema_version", "groups", "excluded", "invalid", "torn", "unsealed"]
    assert doc["schema_version"] == 1
    assert len(doc["groups"]) == 5
    for g in doc["groups"]:
        assert list(g) == KEYS
    assert any(g["pareto"] for g in doc["groups"])
    # the subset holds six published failures: 2 + 2 + 2 in three configurations
    assert sorted(g["failed"] for g in doc["groups"]) == [0, 0, 2, 2, 2]
    assert (doc["excluded"], doc["invalid"], doc["torn"], doc["unsealed"]) == ({}, 0, 0, 0)
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


def test_json_counts_exclusions_at_the_top_level(coord, tmp_path):
    p = tmp_path / "f.jsonl"
    rows = [
        {"probability": 0.2, "outcome": 1},
        {"probability": 0.7, "outcome": None},  # unresolved
        {"probability": 0.7, "outcom": 1},  # no outcome field: a misspelt key
        {"probability": 0.5, "outcome": 0, "failed": True},
        {"probability": 2.0, "outcome": 1},  # invalid
    ]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    doc = coord("score", p, "--skip-invalid", "--failed", "exclude", "-f", "json").json()
    assert doc["excluded"] == {"unresolved": 1, "missing_outcome": 1, "failed": 1}
    assert doc["invalid"] == 1
    [g] = doc["groups"]
    assert (g["n"], g["failed"]) == (1, 1)


def _published_layout(tmp_path):
    """The dataset's layout: data/traces/<config>.jsonl beside data/markets.jsonl."""
    import shutil

    root = tmp_path / "data"
    (root / "traces").mkdir(parents=True)
    for f in SUBSET.glob("*.jsonl"):
        shutil.copy(f, root / "traces" / f.name)
    categories = {}
    for line in (root / "traces" / "sequential_pipeline.jsonl").open():
        i = json.loads(line)["marketIndex"]
        categories[i] = "even" if i % 2 == 0 else "odd"
    (root / "markets.jsonl").write_text(
        "".join(
            json.dumps({"marketIndex": i, "marketId": f"0x{i}", "category": c}) + "\n"
            for i, c in categories.items()
        )
    )
    return root, categories


def test_group_by_category_joins_the_markets_file_beside_the_traces(coord, tmp_path):
    root, categories = _published_layout(tmp_path)
    r = coord("score", *sorted((root / "traces").glob("*.jsonl")), "-g", "category", "-f", "json")
    assert r.code == 0, r.err
    groups = {g["name"]: g["n"] for g in r.json()["groups"]}
    even = sum(1 for c in categories.values() if c == "even")
    assert groups == {"even": 5 * even, "odd": 5 * (len(categories) - even)}
    assert "categories: 110 joined from" in r.err and "markets.jsonl" in r.err


def test_group_by_category_without_a_markets_file_says_so(coord):
    r = coord("score", *sorted(SUBSET.glob("*.jsonl")), "-g", "category", "-f", "json")
    assert r.code == 0
    assert [g["name"] for g in r.json()["groups"]] == ["(none)"]
    assert "--markets FILE" in r.err


def test_markets_option_reads_a_coord_question_file(coord):
    questions = SUBSET.parents[3] / "scenarios" / "forecast" / "questions"
    r = coord(
        "score",
        *sorted(SUBSET.glob("*.jsonl")),
        "-g",
        "config,category",
        "--markets",
        questions / "polymarket-100.jsonl",
        "-f",
        "json",
    )
    assert r.code == 0, r.err
    names = {g["name"] for g in r.json()["groups"]}
    assert "sequential_pipeline/crypto" in names and not any("(none)" in n for n in names)


def test_a_bad_markets_file_names_its_line(coord, tmp_path):
    bad = tmp_path / "m.jsonl"
    bad.write_text('{"marketIndex": 0, "category": "crypto"}\n{"category": "x"}\n')
    r = coord("score", *sorted(SUBSET.glob("*.jsonl")), "-g", "category", "--markets", bad)
    assert r.code == 2 and f"{bad}:2" in r.err and "Traceback" not in r.err


def test_nothing_scorable_is_an_error_not_an_empty_table(coord, tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_text('{"probability": 0.3, "outcome": null}\n{"probability": 0.4}\n')
    r = coord("score", p)
    assert r.code == 2 and r.out == "" and "Traceback" not in r.err
    assert "nothing to score" in r.err and "1 unresolved, 1 missing outcome" in r.err


def test_an_edited_transcript_is_refused_and_an_unsealed_one_scored_with_a_note(coord, tmp_path):
    r = coord("run", "forecast/markets-100", "-c", "sequential_pipeline", "--out", tmp_path)
    assert r.code == 0, r.err
    [path] = tmp_path.rglob("seed*.jsonl")
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if '"kind":"forecast"' in line)
    edited = json.loads(lines[at])
    edited["probability"] = 0.999
    bad = tmp_path / "edited.jsonl"
    bad.write_text("\n".join([*lines[:at], json.dumps(edited), *lines[at + 1 :]]) + "\n")
    r = coord("score", bad)
    assert r.code == 4 and f"{bad}:{at + 1}" in r.err and "edited" in r.err
    cut = tmp_path / "cut.jsonl"  # a run killed before its seal: intact as far as it goes
    cut.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    r = coord("score", cut, "--format", "json")
    assert r.code == 0 and r.json()["unsealed"] == 1 and "not sealed" in r.err
    assert 0 < r.json()["groups"][0]["n"] < 100


def test_a_plot_path_that_is_a_file_is_a_usage_error_before_scoring(coord, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("")
    r = coord("score", *sorted(SUBSET.glob("*.jsonl")), "--plot", taken)
    assert r.code == 2 and r.out == "" and "--plot" in r.err and "Traceback" not in r.err
