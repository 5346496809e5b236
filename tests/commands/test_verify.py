import json

import pytest
from helpers import MINIMAL


@pytest.fixture
def transcript(coord, scenario, tmp_path):
    r = coord("run", scenario(MINIMAL), "--out", tmp_path / "o", "--format", "json")
    return r.json()["runs"][0]["transcript"]


def lines(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read().splitlines(keepends=True)


def write(path, rows):
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(rows)


def test_intact(coord, transcript):
    r = coord("verify", transcript)
    assert r.code == 0 and r.out.startswith("ok")


def test_edited_line(coord, transcript):
    rows = lines(transcript)
    event = json.loads(rows[4])
    event["round"] = 99
    rows[4] = json.dumps(event) + "\n"
    write(transcript, rows)
    r = coord("verify", transcript, "--format", "json")
    assert r.code == 4
    assert r.json()["files"][0]["first_bad_line"] == 5


@pytest.mark.parametrize("tamper", ["remove", "swap", "cut_tail", "append"])
def test_tampering_is_caught(coord, transcript, tamper):
    rows = lines(transcript)
    if tamper == "remove":
        del rows[3]
    elif tamper == "swap":
        rows[3], rows[4] = rows[4], rows[3]
    elif tamper == "cut_tail":
        rows = rows[:-3]
    else:
        rows.append(rows[2])
    write(transcript, rows)
    r = coord("verify", transcript)
    assert r.code == 4, r.out
    assert "BROKEN" in r.out


def test_verify_missing_file_is_usage(coord, tmp_path):
    assert coord("verify", tmp_path / "nothing.jsonl").code == 2
