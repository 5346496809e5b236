"""`coord rca`: reports, exit codes and bad input (no tracebacks)."""

from rcadata import DATA, write

CASE = DATA / "rcd-sock-shop" / "carts-cpu" / "1"


def test_case_json_schema(coord):
    r = coord("rca", CASE, "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert list(doc) == ["schema_version", "ranks", "candidates", "tree", "usage", "seconds"]
    assert doc["ranks"][0] == "carts_cpu"
    assert set(doc["candidates"][0]) == {"service", "fault", "score", "evidence"}


def test_case_text_and_methods(coord):
    for method in ("lats", "baro", "nsigma", "random"):
        r = coord("rca", CASE, "--method", method)
        assert r.code == 0, r.err
        assert "carts" in r.out
    assert "search: supervisor" in coord("rca", "analyze", CASE).out


def test_nezha_needs_case(coord):
    r = coord("rca", DATA / "nezha" / "2022-08-22")
    assert r.code == 2 and "holds 3 cases" in r.err and "--case" in r.err
    r = coord("rca", DATA / "nezha" / "2022-08-22", "--case", "1", "-f", "json")
    assert r.code == 0 and "TimeStamp disagrees" in r.err


def test_bench_json(coord):
    r = coord("rca", "bench", DATA, "--methods", "baro,nsigma", "--format", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert list(doc) == ["schema_version", "cases", "methods"]
    assert list(doc["methods"]) == ["baro", "nsigma"]
    text = coord("rca", "bench", DATA, "--methods", "baro")
    assert text.code == 0 and "AC@1" in text.out


def test_bad_input_exits_2(coord, tmp_path):
    m = write(tmp_path / "m.csv", "time,a_cpu\n1,2\n2,3\n3,4\n4,5\n")
    cases = [
        ("rca", tmp_path / "missing"),
        ("rca", tmp_path),
        ("rca", "--metrics", m, "--inject-time", "99999"),
        ("rca", "--metrics", m, "--inject-time", "soon"),
        ("rca", "--metrics", tmp_path / "nope.csv"),
        ("rca", CASE, "--backend", "policy/grounded"),
        ("rca", CASE, "--method", "baro", "--backend", "openai/gpt"),
        ("rca", "bench", DATA, "--methods", "lats,barro"),
        ("rca", "bench", tmp_path),
    ]
    for argv in cases:
        r = coord(*argv)
        assert r.code == 2, (argv, r.err)
        assert "Traceback" not in r.err and "error:" in r.err.lower(), (argv, r.err)


def test_cli_synth_and_refuses_non_empty_or_unknown_fault(tmp_path, coord):
    r = coord("rca", "synth", tmp_path / "o", "--system", "train-ticket", "--cases", "1")
    assert r.code == 0, r.err
    assert "wrote 1 cases of train-ticket" in r.err
    assert coord("rca", "synth", tmp_path / "o", "--cases", "1").code == 2
    r = coord("rca", "synth", tmp_path / "p", "--faults", "cpu,oom")
    assert r.code == 2 and "oom" in r.err
