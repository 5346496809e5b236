"""Scoring functions: definitions checked on hand-worked cases and against numpy."""

import math
import random

import pytest

from coord.forecast import scoring

# numpy.linspace(0, 1, 11).tolist(), as numpy 2.4 prints it: the floating-point edges
# the published leaderboard's binning uses.
NUMPY_EDGES_10 = [
    0.0,
    0.1,
    0.2,
    0.30000000000000004,
    0.4,
    0.5,
    0.6000000000000001,
    0.7000000000000001,
    0.8,
    0.9,
    1.0,
]


def test_linspace_edges_match_numpy_bit_for_bit():
    assert scoring.linspace_edges(10) == NUMPY_EDGES_10


def test_linspace_edges_and_digitize_match_numpy_when_available():
    np = pytest.importorskip("numpy")
    rng = random.Random(7)
    for bins in range(1, 60):
        edges = np.linspace(0, 1, bins + 1)
        assert scoring.linspace_edges(bins) == edges.tolist()
        ps = [rng.random() for _ in range(200)] + [k / bins for k in range(bins + 1)]
        ps += [round(k / 10, 1) for k in range(11)]
        want = np.clip(np.digitize(ps, edges) - 1, 0, bins - 1).tolist()
        assert [scoring.bin_index(p, bins) for p in ps] == want


def test_decimal_edge_falls_in_the_lower_bin_by_default_but_not_with_exact():
    assert scoring.bin_index(0.6, 10) == 5  # 0.6 < 0.6000000000000001
    assert scoring.bin_index(0.6, 10, binning="exact") == 6
    assert scoring.bin_index(0.5, 10) == scoring.bin_index(0.5, 10, binning="exact") == 5
    assert scoring.bin_index(1.0, 10) == 9  # the last bin is clamped
    assert scoring.bin_index(0.0, 10) == 0


def test_brier_and_murphy_identity_when_forecasts_are_constant_per_bin():
    ps = [0.15, 0.15, 0.15, 0.85, 0.85, 0.85, 0.85]
    os = [0, 0, 1, 1, 1, 0, 1]
    b = scoring.brier(ps, os)
    unc, rel, res, bins = scoring.murphy(ps, os)
    base = 4 / 7
    assert unc == pytest.approx(base * (1 - base))
    assert rel == pytest.approx((3 * (0.15 - 1 / 3) ** 2 + 4 * (0.85 - 0.75) ** 2) / 7)
    assert res == pytest.approx((3 * (1 / 3 - base) ** 2 + 4 * (0.75 - base) ** 2) / 7)
    assert b == pytest.approx(rel - res + unc)  # exact identity: one value per bin
    assert [x.n for x in bins if x.n] == [3, 4]


def test_murphy_residual_is_nonzero_when_forecasts_vary_within_a_bin():
    ps = [0.11, 0.19, 0.81, 0.89]
    os = [0, 1, 1, 0]
    unc, rel, res, _ = scoring.murphy(ps, os)
    assert abs(scoring.brier(ps, os) - (rel - res + unc)) > 1e-4


def test_alpha_and_its_standard_error_use_the_sample_deviation():
    ps, os, bs = [0.9, 0.2, 0.6], [1, 0, 0], [0.7, 0.4, 0.5]
    d = [(b - o) ** 2 - (p - o) ** 2 for p, o, b in zip(ps, os, bs)]
    a, sem = scoring.alpha(ps, os, bs)
    mean = sum(d) / 3
    assert a == pytest.approx(mean)
    assert sem == pytest.approx(math.sqrt(sum((x - mean) ** 2 for x in d) / 2 / 3))
    assert scoring.alpha([0.5], [1], [0.4])[1] is None


def test_log_loss_is_clipped_so_a_confident_miss_is_finite():
    assert scoring.log_loss([0.8], [1]) == pytest.approx(-math.log(0.8))
    worst = scoring.log_loss([0.0], [1])
    assert worst == pytest.approx(-math.log(scoring.LOG_LOSS_EPS))
    assert math.isfinite(worst)


def test_pareto_frontier_keeps_only_undominated_points():
    pts = {"cheap": (0.20, 0.1), "good": (0.15, 0.5), "bad": (0.21, 0.3), "tie": (0.20, 0.1)}
    # "tie" equals "cheap": neither strictly beats the other, so both stay.
    assert scoring.pareto(pts) == {"cheap", "good", "tie"}
    assert scoring.pareto({"a": (0.1, 0.1), "b": (0.1, 0.2)}) == {"a"}
