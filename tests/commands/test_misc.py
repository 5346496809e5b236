import json
from pathlib import Path

import pytest

from coord.commands.completion import script

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_files_are_current(shell, coord):
    shipped = (ROOT / "completions" / f"coord.{shell}").read_text()
    assert shipped == script(shell), "run: coord completions SHELL > completions/coord.SHELL"
    assert coord("completions", shell).out == shipped


def test_schema_scenario(coord):
    r = coord("schema", "scenario")
    schema = json.loads(r.out)
    assert schema["title"] == "Scenario"
    assert list(schema["properties"])[0] == "schema_version"
    assert "additionalProperties" in json.dumps(schema)


def test_policies_and_scenarios_list(coord):
    r = coord("policies", "--format", "json")
    names = {p["backend"] for p in r.json()["policies"]}
    assert {"policy/grounded", "policy/mislabel", "policy/oracle"} <= names
    r = coord("scenarios", "list", "--format", "json")
    assert {s["name"] for s in r.json()["scenarios"]} >= {
        "negotiation/scarce-0.5",
        "negotiation/contested-0.8",
        "negotiation/ample-1.0",
    }


def test_generate_prints_loadable_instances(coord, tmp_path):
    r = coord("scenarios", "generate", "--mc", "0.8", "--count", "2", "--seed", "3")
    assert r.code == 0 and r.out.count("- id:") == 2
    from helpers import MINIMAL

    block = "\n".join("  " + ln for ln in r.out.splitlines())
    text = MINIMAL.split("game:")[0] + "game:\n" + block + "\nagents:" + MINIMAL.split("agents:")[1]
    (tmp_path / "g.yaml").write_text(text)
    solved = coord("solve", tmp_path / "g.yaml", "--format", "json").json()["instances"]
    assert all(abs(i["mc_ratio"] - 0.8) <= 0.05 for i in solved)


def test_no_args_shows_help(coord):
    r = coord()
    assert "run" in r.out + r.err


def test_schema_protocol(coord):
    schema = json.loads(coord("schema", "protocol").out)
    assert schema["title"] == "Protocol"
    assert {"roles", "messages", "flow", "commitments"} <= set(schema["properties"])
