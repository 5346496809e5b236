from xml.etree import ElementTree

from coord.coordinator.negotiation import Settings
from coord.runner.conditions import Condition
from coord.runner.report import SUMMARY_METRICS, build_report, to_junit


def cond(name, backends=None, **settings):
    return Condition(
        name,
        "",
        backends or {"a": "policy/x", "b": "policy/x"},
        Settings(**settings),
        "counterbalance",
        "fixed",
        4,
        (),
    )


def run(name, eff, ok=True):
    metrics = dict.fromkeys(SUMMARY_METRICS, 0.0)
    metrics["joint_efficiency"] = eff
    return {
        "scenario": "s",
        "condition": name,
        "seed": 0,
        "repeat": 0,
        "transcript": "t.jsonl",
        "metrics": metrics,
        "expectations": [{"expr": "joint_efficiency >= 0.9", "ok": ok, "value": eff}],
    }


def test_gaps_compare_conditions_one_knob_apart():
    plan = [
        ("s", cond("oracle", mode="solo")),
        ("s", cond("dyad")),
        ("s", cond("mute", talk=False)),
        ("s", cond("open", full_transparency=True)),
        ("s", cond("both", talk=False, full_transparency=True)),
        ("s", cond("other", {"a": "policy/y", "b": "policy/y"}, talk=False)),
    ]
    runs = [
        run("oracle", 1.0),
        run("dyad", 0.8),
        run("mute", 0.2),
        run("open", 0.9),
        run("both", 0.5),
        run("other", 0.1),
    ]
    report = build_report(runs, plan)
    pairs = {(g["gap"], g["from"], g["to"]): round(g["delta"], 6) for g in report["gaps"]}
    assert pairs == {
        ("oracle → dyad", "oracle", "dyad"): -0.2,
        ("no-talk → talk", "mute", "dyad"): 0.6,
        ("no-talk → talk", "both", "open"): 0.4,
        ("talk → full transparency", "dyad", "open"): 0.1,
        ("talk → full transparency", "mute", "both"): 0.3,
    }  # "other" has different agents: never compared
    assert report["conditions"]["dyad"]["joint_efficiency"] == 0.8
    assert report["conditions"]["dyad"]["games"] == 1


def test_junit_has_one_case_per_expectation():
    report = build_report(
        [run("dyad", 0.8, ok=False), run("oracle", 1.0)],
        [("s", cond("dyad")), ("s", cond("oracle", mode="solo"))],
    )
    root = ElementTree.fromstring(to_junit(report))
    cases = root.findall(".//testcase")
    assert len(cases) == 2
    assert root.get("failures") == "1"
    assert "measured 0.8" in cases[0].find("failure").get("message")
