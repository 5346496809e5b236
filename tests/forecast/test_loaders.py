"""Reading forecasts: the JSON Lines form, bad values, unresolved and failed items."""

import json

import pytest

from coord.errors import InputError
from coord.forecast.loaders import load_forecasts
from coord.forecast.report import ScoreOptions, score_forecasts


def write(tmp_path, rows, name="f.jsonl", raw=None):
    p = tmp_path / name
    p.write_text(raw if raw is not None else "".join(json.dumps(r) + "\n" for r in rows))
    return p


def test_generic_records_with_all_optional_fields(tmp_path):
    p = write(
        tmp_path,
        [
            {
                "id": "q1",
                "probability": 0.7,
                "outcome": True,
                "baseline": 0.6,
                "config": "a",
                "category": "x",
                "tokens": 100,
                "cost_usd": 0.01,
            },
            {
                "id": "q2",
                "probability": 0.2,
                "outcome": 0,
                "usage": {"total_tokens": 50},
                "costUsd": 0.02,
                "config": "a",
            },
        ],
    )
    got = load_forecasts([p]).forecasts
    assert [(f.item, f.outcome, f.tokens, f.cost) for f in got] == [
        ("q1", 1, 100.0, 0.01),
        ("q2", 0, 50.0, 0.02),
    ]
    assert got[0].line == 1 and got[1].line == 2


@pytest.mark.parametrize(
    "record, message",
    [
        ({"probability": 1.2, "outcome": 1}, "outside [0, 1]"),
        ({"probability": -0.1, "outcome": 1}, "outside [0, 1]"),
        ({"probability": "0.4", "outcome": 1}, "must be a number"),
        ({"probability": 0.4, "outcome": 2}, "must be 0 or 1"),
        ({"probability": 0.4, "outcome": 1, "baseline": 7}, "baseline 7.0 is outside"),
        ({"question": "no forecast here"}, "not a forecast record"),
    ],
)
def test_bad_values_name_the_file_and_line(tmp_path, record, message):
    p = write(tmp_path, [{"probability": 0.5, "outcome": 0}, record])
    with pytest.raises(InputError) as exc:
        load_forecasts([p])
    assert message in exc.value.message
    assert exc.value.file == str(p) and exc.value.line == 2


def test_nan_is_refused_by_the_strict_reader(tmp_path):
    p = write(
        tmp_path, [], raw='{"probability": 0.5, "outcome": 1}\n{"probability": NaN, "outcome": 1}\n'
    )
    with pytest.raises(InputError) as exc:
        load_forecasts([p])
    assert exc.value.line == 2 and "NaN" in exc.value.message


def test_skip_invalid_counts_instead_of_stopping(tmp_path):
    p = write(
        tmp_path,
        [
            {"probability": 0.5, "outcome": 0},
            {"probability": 3, "outcome": 1},
            {"probability": 0.1, "outcome": 0},
        ],
    )
    res = load_forecasts([p], skip_invalid=True)
    assert len(res.forecasts) == 2 and len(res.invalid) == 1 and res.invalid[0].line == 2


def test_unresolved_and_failed_items_are_counted_not_dropped(tmp_path):
    p = write(
        tmp_path,
        [
            {"probability": 0.8, "outcome": 1},
            {"probability": 0.3, "outcome": None},
            {"probability": None, "outcome": 0, "failed": True},
            {"probability": 0.5, "outcome": 1, "error": "timeout"},
        ],
    )
    (s,) = score_forecasts(load_forecasts([p]).forecasts, ScoreOptions(group_by=()))
    assert s.name == "all"
    assert s.n == 2  # the resolved forecast and the failed one with a fallback
    assert s.failed == 2
    assert s.excluded == {"unresolved": 1, "failed_no_forecast": 1}
    (t,) = score_forecasts(
        load_forecasts([p]).forecasts, ScoreOptions(group_by=(), failed="exclude")
    )
    assert t.n == 1 and t.excluded["failed"] == 1


def test_torn_last_line_is_skipped_and_reported(tmp_path):
    p = write(tmp_path, [], raw='{"probability": 0.5, "outcome": 0}\n{"probability": 0.')
    res = load_forecasts([p])
    assert len(res.forecasts) == 1 and res.torn == [f"{p}:2"]


def test_missing_baseline_makes_alpha_none_with_a_note(tmp_path):
    p = write(
        tmp_path,
        [{"probability": 0.8, "outcome": 1, "baseline": 0.7}, {"probability": 0.3, "outcome": 0}],
    )
    (s,) = score_forecasts(load_forecasts([p]).forecasts, ScoreOptions(group_by=()))
    assert s.alpha is None and any("baseline" in n for n in s.notes)
    assert s.cost_per_item is None and s.pareto is None


def test_group_by_category_and_config(tmp_path):
    p = write(
        tmp_path,
        [
            {"probability": 0.8, "outcome": 1, "config": "a", "category": "x"},
            {"probability": 0.3, "outcome": 0, "config": "a", "category": "y"},
            {"probability": 0.6, "outcome": 0, "config": "b"},
        ],
    )
    fs = load_forecasts([p]).forecasts
    names = [s.name for s in score_forecasts(fs, ScoreOptions(group_by=("config", "category")))]
    assert names == ["a/x", "a/y", "b/(none)"]


def test_negotiation_transcript_is_refused(scarce_runs):
    path = next(scarce_runs.rglob("seed*.jsonl"))
    with pytest.raises(InputError) as exc:
        load_forecasts([path])
    assert "no forecasts" in exc.value.message
