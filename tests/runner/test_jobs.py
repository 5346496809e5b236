"""`coord run --jobs N`: games played at once never mix their transcripts.

Model-backed agents against the loopback fake server, so every game really is suspended
at each call while the others run. Each condition gives its agents its own system prompt
addition, so a model call written into another game's transcript would show.
"""

import json

from helpers import LLM_DYAD

CONDITIONS = ("c1", "c2", "c3", "c4")
REPEATS = 3
CALLS = 10  # per game: 4 talk turns x 2 agents + 2 decisions

SCENARIO = LLM_DYAD + "conditions:\n"
for _name in CONDITIONS:
    SCENARIO += (
        f"  {_name}:\n    agents:\n"
        f"      alice: {{backend: anthropic/claude-haiku-4-5, system: 'game {_name}'}}\n"
        f"      bob: {{backend: openai/gpt-4o-mini, system: 'game {_name}'}}\n"
    )


def system_text(request: dict) -> str:
    if isinstance(request.get("system"), str):  # anthropic
        return request["system"]
    return request["messages"][0]["content"]  # openai: the system message comes first


def test_concurrent_games_never_interleave_their_transcripts(fake, tmp_path, coord):
    (tmp_path / "s.yaml").write_text(SCENARIO)
    out = tmp_path / "run"
    games = len(CONDITIONS) * REPEATS
    r = coord(
        *("run", tmp_path / "s.yaml", "--out", out, "--repeat", REPEATS),
        *("--jobs", games, "--format", "json"),
    )
    assert r.code == 0, r.err
    assert len(fake.calls()) == games * CALLS
    paths = sorted(out.rglob("*.jsonl"))
    assert len(paths) == games  # one file per game
    seen = set()
    for path in paths:
        v = coord("verify", path, "--format", "json")
        assert v.code == 0, v.out
        lines = [json.loads(x) for x in path.read_text().splitlines()]
        header, events, seal = lines[0], lines[1:-1], lines[-1]
        cond = path.parent.name
        assert (header["condition"], f"seed1-rep{header['repeat']}.jsonl") == (cond, path.name)
        seen.add((cond, header["repeat"]))
        assert seal["kind"] == "seal" and seal["status"] == "completed"
        assert [e["seq"] for e in lines] == list(range(len(lines)))  # in order, no gaps
        calls = [e for e in events if e["kind"] == "model_call"]
        assert len(calls) == CALLS
        # every call in this file was made by this file's game, in its own turn order
        assert all(system_text(c["request"]).endswith(f"game {cond}") for c in calls)
        assert [c["agent"] for c in calls] == [calls[0]["agent"], calls[1]["agent"]] * (CALLS // 2)
        assert [(c["phase"], c["turn"]) for c in calls] == sorted(
            ((c["phase"], c["turn"]) for c in calls), key=lambda pt: (pt[0] == "decide", pt[1])
        )
        assert sum(e["kind"] == "metric" and e.get("scope") == "game" for e in events) == 1
    assert seen == {(c, r) for c in CONDITIONS for r in range(REPEATS)}
