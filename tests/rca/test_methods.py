import numpy as np
import pytest
from rcadata import write

from coord.rca.load import iter_cases, load_generic
from coord.rca.methods import METHODS


def synthetic(tmp_path, fault_col="b_cpu", services=("a", "b", "c", "d")):
    """Four services with noisy cpu and latency; one column steps up after t=200."""
    rng = np.random.default_rng(0)
    cols = [f"{s}_{m}" for s in services for m in ("cpu", "lat_90")]
    lines = ["time," + ",".join(cols)]
    for t in range(100, 300):
        vals = []
        for c in cols:
            v = 10 + rng.normal(0, 1)
            if c == fault_col and t >= 200:
                v += 30
            vals.append(f"{v:.3f}")
        lines.append(f"{t}," + ",".join(vals))
    return write(tmp_path / "m.csv", "\n".join(lines) + "\n")


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_ranks_every_service(tmp_path, method):
    case = load_generic(synthetic(tmp_path), [], None, "200")
    r = METHODS[method](case, seed=1)
    assert sorted(c.service for c in r.candidates) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("method", ["baro", "nsigma", "lats"])
def test_metric_methods_find_the_stepped_service(tmp_path, method):
    case = load_generic(synthetic(tmp_path), [], None, "200")
    top = METHODS[method](case).candidates[0]
    assert top.service == "b" and top.fault == "cpu"


def test_random_is_seeded(tmp_path):
    case = load_generic(synthetic(tmp_path), [], None, "200")
    a = [c.service for c in METHODS["random"](case, seed=3).candidates]
    b = [c.service for c in METHODS["random"](case, seed=3).candidates]
    c = [c.service for c in METHODS["random"](case, seed=4).candidates]
    assert a == b and (a != c or len(a) < 3)


def test_baro_on_sock_shop_case(data):
    (case,) = iter_cases(data / "rcd-sock-shop" / "carts-cpu" / "1")
    assert METHODS["baro"](case).candidates[0].service == "carts"
