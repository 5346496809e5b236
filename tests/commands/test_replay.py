import json
from xml.etree import ElementTree

from helpers import PAPER_GAME


def test_fair_pair_is_caught_by_g3_and_grounded_is_clean(coord, scarce_runs):
    r = coord(
        "replay",
        scarce_runs / "fair" / "seed1-rep0.jsonl",
        "--format",
        "json",
        "--fail-on",
        "warning",
    )
    assert r.code == 1
    doc = r.json()
    assert doc["schema_version"] == 1
    f = doc["files"][0]
    assert {x["code"] for x in f["findings"]} == {"G3"}
    assert set(f["findings"][0]) == {
        "code",
        "name",
        "severity",
        "round",
        "turns",
        "agents",
        "message",
        "evidence",
    }
    assert {"round", "joint_efficiency", "annulled", "optimal"} == set(f["rounds"][0])
    r = coord("replay", scarce_runs / "grounded" / "seed1-rep0.jsonl", "--fail-on", "warning")
    assert r.code == 0 and "no findings" in r.out


def test_text_timeline_fits_80_columns(coord, scarce_runs):
    r = coord("replay", scarce_runs / "fair" / "seed1-rep0.jsonl")
    assert r.code == 0  # warnings do not fail by default (--fail-on error)
    assert "! G3" in r.out and all(len(line) <= 80 for line in r.out.splitlines())


def test_junit_and_sarif(coord, scarce_runs):
    path = scarce_runs / "fair" / "seed1-rep0.jsonl"
    root = ElementTree.fromstring(coord("replay", path, "--format", "junit").out)
    assert [c.get("name") for c in root.iter("testcase")] == ["G1", "G2", "G3", "G4", "G5", "G6"]
    assert root.get("failures") == "1"
    sarif = json.loads(coord("replay", path, "--format", "sarif").out)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"][0]["ruleId"] == "G3"


def test_protocol_findings_are_included(coord, scarce_runs):
    r = coord(
        "replay",
        scarce_runs / "mislabel" / "seed1-rep0.jsonl",
        "--protocol",
        "negotiation",
        "--format",
        "json",
    )
    codes = {f["code"] for f in r.json()["files"][0]["findings"]}
    assert "T010" in codes and r.code == 1


def test_interchange_transcript_with_a_game_line(coord, tmp_path):
    rows = [
        {"game": PAPER_GAME, "agents": ["ann", "bo"]},
        {"agent": "ann", "round": 1, "text": "Let's keep it simple: five r2 each?"},
        {"agent": "bo", "round": 1, "text": "Fair enough, five each. Deal."},
        {
            "agent": "ann",
            "round": 1,
            "type": "purchase",
            "text": "Buying 5 r2.",
            "action": {"r2": 5},
        },
        {
            "agent": "bo",
            "round": 1,
            "type": "purchase",
            "text": "Buying 5 r2.",
            "action": {"r2": 5},
        },
    ]
    p = tmp_path / "chat.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    doc = coord("replay", p, "--format", "json").json()
    assert doc["files"][0]["rounds"][0]["joint_efficiency"] < 0.95
    assert [f["code"] for f in doc["files"][0]["findings"]] == ["G3"]


def test_bad_input(coord, tmp_path):
    r = coord("replay", tmp_path / "nope.jsonl")
    assert r.code == 2
    (tmp_path / "x.jsonl").write_text('{"agent": "a", "text": "hi"}\n{oops\n{"agent": "b"}\n')
    r = coord("replay", tmp_path / "x.jsonl")
    assert r.code == 2 and "x.jsonl:2" in r.err  # a broken line names its line
    (tmp_path / "torn.jsonl").write_text('{"agent": "a", "text": "hi"}\n{"agent": "b", "te')
    r = coord("replay", tmp_path / "torn.jsonl", "--format", "json")
    assert r.code == 0 and r.json()["files"][0]["warnings"]  # reported, the rest diagnosed
    r = coord("replay", tmp_path / "x.jsonl", "--detectors", "G33")
    assert r.code == 2 and 'did you mean "G3"' in r.err


def test_metrics_flag(coord, scarce_runs):
    doc = coord(
        "replay", scarce_runs / "grounded" / "seed1-rep0.jsonl", "--metrics", "--format", "json"
    ).json()
    m = doc["files"][0]["metrics"]
    assert m["agreement_rate"] == 1.0 and m["drift_events"] == 0
    assert (
        "metrics:"
        in coord("replay", scarce_runs / "grounded" / "seed1-rep0.jsonl", "--metrics").out
    )


def chat(tmp_path, reply):
    rows = [
        {"role": "system", "content": "You are negotiating for alice."},
        {
            "role": "assistant",
            "name": "alice",
            "content": "I take 9 r2; you take 3 r1 and 6 r3. Deal?",
        },
        {"role": "user", "name": "bob", "content": reply},
        {"role": "assistant", "name": "alice", "content": "Great, buying now: 9 r2."},
        {"role": "tool", "content": '{"ok": true}'},
    ]
    p = tmp_path / "chat.json"
    p.write_text(json.dumps(rows))
    return p


def test_chat_list_ack_taken_as_agreement_is_g5(coord, tmp_path):
    scenario = "negotiation/scarce-0.5"
    from coord.resources import find_scenario

    path = chat(tmp_path, "Got it, I'll consider it.")
    r = coord(
        "replay", path, "--scenario", find_scenario(scenario), "--format", "json", "--timeline"
    )
    codes = [f["code"] for f in r.json()["files"][0]["findings"]]
    assert codes == ["G5"] and r.code == 1
    turns = r.json()["files"][0]["timeline"]
    assert [t["agent"] for t in turns] == ["alice", "bob", "alice"]  # system/tool skipped


def test_chat_list_with_real_agreement_is_clean(coord, tmp_path):
    from coord.resources import find_scenario

    path = chat(tmp_path, "Sounds good, deal: you take 9 r2, I take 3 r1 and 6 r3.")
    r = coord(
        "replay", path, "--scenario", find_scenario("negotiation/scarce-0.5"), "--format", "json"
    )
    assert r.json()["files"][0]["findings"] == [] and r.code == 0


def test_long_exchange_text_shows_the_rounds_with_findings(coord, tmp_path):
    """Past 2,000 turns the text timeline keeps only rounds with findings (and says how
    many it left out); --timeline shows every turn."""
    from helpers import PAPER_GAME

    rows = [{"game": PAPER_GAME, "agents": ["A", "B"]}]
    for r in range(1, 402):  # 400 quiet rounds of 6 turns, then a broken deal
        rows += [{"agent": a, "round": r, "text": f"chat {r}"} for a in "ABABAB"]
    last = 402
    rows += [
        {"agent": "B", "round": last, "text": "I take 3 r1 and 9 r2; you take 2 r1 and 4 r3."},
        {"agent": "A", "round": last, "text": "Sounds good, deal."},
        {"agent": "A", "round": last, "text": "Buying.", "action": {"r2": 9}},
        {"agent": "B", "round": last, "text": "Buying.", "action": {"r1": 3, "r2": 9}},
    ]
    path = tmp_path / "long.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in rows))
    short = coord("replay", path)
    assert short.code == 1
    assert "round(s) without findings not shown" in short.out
    assert f"round {last}" in short.out and "G4" in short.out
    full = coord("replay", path, "--timeline")
    assert "not shown" not in full.out and f"chat {last - 1}" in full.out
    assert f"chat {last - 1}" not in short.out  # a quiet round past the first 2,000 turns
    assert len(short.out.splitlines()) < len(full.out.splitlines()) - 300


def test_progress_covers_every_line(scarce_runs):
    """The progress bar (drawn only on a terminal) is advanced over the file's lines."""
    from coord.analysis.replay import replay_files

    path = scarce_runs / "fair" / "seed1-rep0.jsonl"
    steps: list = []

    def factory(total):
        steps.append(total)
        return lambda n=1: steps.append(n)

    replay_files([path], progress=factory)
    total = len(path.read_bytes().splitlines())
    assert steps[0] == total and sum(steps[1:]) == total and all(n >= 0 for n in steps[1:])
