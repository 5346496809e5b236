from pathlib import Path

from helpers import MINIMAL

DATA = Path(__file__).resolve().parents[1] / "data"


def test_solve_reproduces_the_issue_example_from_the_published_pool_format(coord):
    r = coord("solve", DATA / "pool-small.json", "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["schema_version"] == 1
    ex = doc["instances"][0]
    assert ex["id"] == "0.5/17"
    assert (ex["v1"], ex["v2"], ex["combined"], ex["collab_max"]) == (27, 27, 54, 29)
    assert abs(ex["mc_ratio"] - 0.537) < 0.001 and ex["optimal_paths"] == 2
    assert set(ex["optimal_plan"]) == {"A", "B"}
    assert len(doc["instances"]) == 2


def test_solve_bucket_filter_and_text(coord):
    r = coord("solve", DATA / "pool-small.json", "--bucket", "1.0")
    assert r.code == 0 and "1.0/3" in r.out and "0.5/17" not in r.out
    r = coord("solve", DATA / "pool-small.json", "--bucket", "0.7")
    assert r.code == 2 and "0.5" in r.err


def test_solve_a_scenario(coord, scenario):
    r = coord("solve", scenario(MINIMAL), "--format", "json")
    assert r.code == 0
    assert r.json()["instances"][0]["collab_max"] == 27  # 3 runs × 9 fit in r2 = 10


def test_solve_bundled_scenarios_by_name(coord):
    r = coord("solve", "negotiation/scarce-0.5", "--format", "json")
    ids = [i["id"] for i in r.json()["instances"]]
    assert "paper-example" in ids and r.json()["instances"][0]["collab_max"] == 29


def test_solve_rejects_foreign_json(coord, tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"hello": 1}')
    r = coord("solve", p)
    assert r.code == 2 and "neither a scenario pool" in r.err
    p.write_text('{"a": 1, "a": 2}')
    r = coord("solve", p)
    assert r.code == 2 and "duplicate" in r.err.lower()
