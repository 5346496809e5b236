import json

import pytest

HEADLINE = "negotiation/scarce-0.5"


@pytest.fixture
def runs(coord, tmp_path):
    """run(out) -> {condition: transcript path} for dyad and grounded on seed 1."""

    def run(out):
        r = coord(
            "run",
            HEADLINE,
            "--out",
            tmp_path / out,
            "-c",
            "dyad",
            "-c",
            "grounded",
            "--seed",
            "1",
            "--format",
            "json",
        )
        assert r.code == 0, r.err
        return {x["condition"]: x["transcript"] for x in r.json()["runs"]}

    return run


def test_identical_rerun_is_equivalent(coord, runs):
    first, second = runs("one"), runs("two")
    r = coord("diff", first["dyad"], second["dyad"], "--format", "json")
    assert r.code == 0, r.out + r.err
    d = r.json()
    assert d["schema_version"] == 1 and d["equivalent"] is True
    assert d["first_divergence"] is None and d["setup"] == []
    assert all(x["delta"]["joint_reward"] == 0 for x in d["rounds"])
    text = coord("diff", first["dyad"], second["dyad"])
    assert text.code == 0 and text.out.startswith("transcripts are equivalent")


def test_two_conditions_differ(coord, runs):
    t = runs("one")
    r = coord("diff", t["dyad"], t["grounded"], "--format", "json")
    assert r.code == 1
    d = r.json()
    assert d["equivalent"] is False
    assert {"path": "condition", "a": "dyad", "b": "grounded"} in d["setup"]
    fd = d["first_divergence"]
    assert fd["a"]["kind"] == fd["b"]["kind"] == "message"
    assert (fd["a"]["round"], fd["a"]["turn"], fd["a"]["agent"]) == (1, 1, "bob")
    assert fd["path"].startswith("message.")
    assert len(d["rounds"]) == 4 and d["rounds"][0]["delta"]["joint_reward"] is not None
    assert d["game"]["joint_efficiency"]["delta"] > 0
    assert d["agreements"]["only_a"] and d["agreements"]["only_b"]
    text = coord("diff", t["dyad"], t["grounded"])
    assert text.code == 1
    assert "first divergence at line" in text.out and "round 1, turn 1, bob" in text.out
    assert "rounds (Δ = b − a)" in text.out
    assert all(len(line) <= 80 for line in text.out.splitlines())


def test_edited_message_is_the_divergence(coord, runs, tmp_path):
    original = runs("one")["grounded"]
    with open(original, encoding="utf-8") as fh:
        rows = fh.read().splitlines(keepends=True)
    n = next(i for i, row in enumerate(rows) if json.loads(row)["kind"] == "message" and i > 5)
    event = json.loads(rows[n])
    before = event["message"]["text"]
    event["message"]["text"] = "something else entirely"
    rows[n] = json.dumps(event) + "\n"
    copy = tmp_path / "edited.jsonl"
    copy.write_text("".join(rows), encoding="utf-8")
    r = coord("diff", original, copy, "--format", "json")
    assert r.code == 1
    fd = r.json()["first_divergence"]
    assert fd["line"] == n + 1 and fd["path"] == "message.text"
    assert fd["fields"] == [{"path": "message.text", "a": before, "b": "something else entirely"}]
    assert r.json()["shared_prefix"] == n  # lines before it keep their hashes


def test_missing_file_is_exit_2(coord, runs, tmp_path):
    t = runs("one")
    r = coord("diff", t["dyad"], tmp_path / "nothing.jsonl")
    assert r.code == 2 and "no such transcript" in r.err


def test_non_transcript_is_exit_2_with_line(coord, runs, tmp_path):
    t = runs("one")
    other = tmp_path / "data.json"
    other.write_text('{"name": "not a transcript"}\n')
    r = coord("diff", other, t["dyad"])
    assert r.code == 2
    assert f"{other}:1:" in r.err and "not a coord transcript" in r.err
