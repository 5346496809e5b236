import pytest
from rcadata import SHARED

from coord.errors import UsageError
from coord.rca.bench import parse_methods, run_bench
from coord.rca.report import accuracy


def test_accuracy():
    acc = accuracy([1, 2, 4, 10])
    assert acc == {"cases": 4, "AC@1": 0.25, "AC@3": 0.5, "Avg@5": pytest.approx(0.55)}


def test_parse_methods():
    assert parse_methods("lats, baro") == ["lats", "baro"]
    with pytest.raises(UsageError, match='did you mean "baro"'):
        parse_methods("bar")


def test_bench_on_sample(data):
    warned = []
    doc = run_bench(data, ["lats", "baro", "random"], warn=warned.append)
    assert doc["schema_version"] == 1 and doc["cases"] == 5
    for m in ("lats", "baro", "random"):
        v = doc["methods"][m]
        assert set(v) == {
            "AC@1",
            "AC@3",
            "Avg@5",
            "seconds_per_case",
            "by_fault",
            "service_indicator",
        }
        assert 0 <= v["AC@1"] <= v["AC@3"] <= 1
    assert sum(b["cases"] for b in doc["methods"]["lats"]["by_fault"].values()) == 5


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not present")
def test_bench_sock_shop_beats_random():
    doc = run_bench(SHARED / "rcd-sock-shop", ["lats", "random"])
    assert doc["cases"] == 50
    assert doc["methods"]["lats"]["Avg@5"] > doc["methods"]["random"]["Avg@5"]
