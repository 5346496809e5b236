import json

from rcadata import small_case as _case

from coord.rca.lats import search
from coord.rca.load import iter_cases
from coord.rca.report import case_report


def test_lats_finds_downstream_cause_and_reports_tree(tmp_path):
    case = _case(tmp_path)
    r = search(case)
    assert r.candidates[0].service == "c"
    assert r.tree["supervisor"]["verdict"] in ("agree", "contradict → escalate")
    agents = {a["agent"] for a in r.tree["agents"]}
    assert agents == {"metrics", "logs"}
    assert r.usage["model_calls"] == 0 and r.usage["evidence_queries"] > 0
    assert any(
        e.startswith("logs:") and "new error templates" in e for e in r.candidates[0].evidence
    )


def test_lats_is_deterministic(tmp_path):
    case = _case(tmp_path)
    a = case_report(search(case), 0.0)
    b = case_report(search(case), 0.0)
    a.pop("usage"), b.pop("usage")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_lats_without_logs_is_metrics_only(tmp_path):
    r = search(_case(tmp_path, with_logs=False))
    assert r.tree["supervisor"]["verdict"] == "metrics only"
    assert r.candidates[0].service == "c"


def test_budget_bounds_the_search(tmp_path):
    r = search(_case(tmp_path), budget=1)
    assert all(a["iterations"] <= 1 for a in r.tree["agents"])


def test_lats_on_train_ticket_sample(data):
    (case,) = iter_cases(data / "nezha" / "2023-01-30", "1")
    r = search(case)
    assert len(r.tree["agents"]) == 2  # logs present: both agents searched
    assert {c.service for c in r.candidates} >= {"ts-contacts-service", "ts-seat-service"}
