"""Scoring binary forecasts: Brier, Murphy's decomposition, alpha, log loss, Pareto frontier.

Pure functions over plain numbers; no numpy (so `coord --help` stays fast and scoring has
no heavy dependency). Definitions, for N scored items with forecast p_i and outcome o_i:

* **Brier** = mean (p_i − o_i)².
* **Murphy's decomposition** over K equal-width bins of the forecasts: with ō the base
  rate, and for bin k its count n_k, mean forecast p̄_k and observed frequency ō_k,
  UNC = ō(1 − ō), REL = Σ n_k (p̄_k − ō_k)² / N, RES = Σ n_k (ō_k − ō)² / N.
  The binned identity Brier = REL − RES + UNC holds exactly only when every forecast in a
  bin is equal; **residual** = Brier − (REL − RES + UNC) is what binning leaves over (the
  within-bin variance and covariance terms), reported so the table is auditable.
* **Binning.** By default (`linspace`) a forecast p goes to the bin of the published
  leaderboard's convention: edges `numpy.linspace(0, 1, K + 1)` and `numpy.digitize`
  (bins closed on the left, the last one clamped to include 1.0). The floating-point edges
  are i × (1/K), so 6 × 0.1 = 0.6000000000000001 and a forecast of exactly 0.6 lands in
  the bin *below* (0.5–0.6); `linspace_edges` reproduces those edges bit for bit in pure
  Python. `exact` bins the forecast as the decimal it is written as, with exact
  arithmetic (0.6 → the 0.6–0.7 bin, like a naive floor(10 p) would put it).
* **Alpha** = Brier(baseline) − Brier(forecast), positive when the forecasts beat the
  baseline (the market price). Its standard error is the standard error of the mean of the
  per-item differences d_i = (b_i − o_i)² − (p_i − o_i)²: sample standard deviation
  (ddof = 1) over √N — the convention that reproduces the published `alpha_sem`.
* **Log loss** = −mean [o ln p + (1 − o) ln(1 − p)] with p clipped to
  [`LOG_LOSS_EPS`, 1 − `LOG_LOSS_EPS`] (1e-15, scikit-learn's historical default), so a
  confident miss costs about 34.5 instead of infinity.
* **Pareto frontier**: a group is on it when no other group is at least as good on both
  Brier and cost per item and strictly better on one. Groups without cost are left out
  (`pareto` is None for them).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

LOG_LOSS_EPS = 1e-15
BINNINGS = ("linspace", "exact")


def linspace_edges(bins: int) -> list[float]:
    """The edges `numpy.linspace(0.0, 1.0, bins + 1)` returns, bit for bit.

    numpy computes step = (stop − start) / bins, then edge_i = i × step + start, and sets
    the last edge to stop exactly; with start = 0 the addition changes nothing.
    """
    if bins < 1:
        raise ValueError("bins must be >= 1")
    step = 1.0 / bins
    return [i * step for i in range(bins)] + [1.0]


def bin_index(
    p: float, bins: int, *, binning: str = "linspace", edges: Sequence[float] = ()
) -> int:
    """The 0-based bin of forecast `p` (see the module docstring for the two conventions)."""
    if binning == "exact":
        # The decimal the number is written as (repr: the shortest that round-trips), so
        # 0.6 is 3/5 exactly, not the binary double just below it.
        k = math.floor(Fraction(repr(float(p))) * bins)
    else:
        # numpy.digitize(p, edges) == bisect_right(edges, p) for increasing edges.
        k = bisect_right(edges or linspace_edges(bins), p) - 1
    return min(max(k, 0), bins - 1)


@dataclass
class BinStat:
    """One bin of the reliability diagram."""

    lower: float
    upper: float
    n: int
    mean_forecast: float | None
    observed: float | None


@dataclass
class Score:
    """The scores of one group of forecasts."""

    name: str
    n: int
    brier: float | None
    unc: float | None
    rel: float | None
    res: float | None
    residual: float | None
    alpha: float | None
    alpha_sem: float | None
    log_loss: float | None
    tokens_per_item: float | None
    cost_per_item: float | None
    pareto: bool | None = None
    failed: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    bins: list[BinStat] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The group object of `coord score --format json` (schema_version 1): the issue's
        keys, then `failed` (failed forecasts in the group, scored or excluded)."""
        return {
            "name": self.name,
            "n": self.n,
            "brier": self.brier,
            "unc": self.unc,
            "rel": self.rel,
            "res": self.res,
            "alpha": self.alpha,
            "alpha_sem": self.alpha_sem,
            "log_loss": self.log_loss,
            "tokens_per_item": self.tokens_per_item,
            "cost_per_item": self.cost_per_item,
            "pareto": self.pareto,
            "failed": self.failed,
        }


def _mean(xs: Sequence[float]) -> float:
    # math.fsum: the sum is exact before the one division, so the order of items does not
    # change the result (the leaderboard comparison is at 1e-5, far above float noise).
    return math.fsum(xs) / len(xs)


def brier(ps: Sequence[float], os: Sequence[int]) -> float:
    return _mean([(p - o) ** 2 for p, o in zip(ps, os)])


def murphy(
    ps: Sequence[float], os: Sequence[int], bins: int = 10, *, binning: str = "linspace"
) -> tuple[float, float, float, list[BinStat]]:
    """(UNC, REL, RES, per-bin statistics) of Murphy's decomposition."""
    if binning not in BINNINGS:
        raise ValueError(f"unknown binning {binning!r}")
    n = len(ps)
    base = _mean(os)
    edges = linspace_edges(bins)
    members: list[list[int]] = [[] for _ in range(bins)]
    for i, p in enumerate(ps):
        members[bin_index(p, bins, binning=binning, edges=edges)].append(i)
    rel_terms, res_terms, stats = [], [], []
    for k, idx in enumerate(members):
        lower, upper = (
            (edges[k], edges[k + 1]) if binning == "linspace" else (k / bins, (k + 1) / bins)
        )
        if not idx:
            stats.append(BinStat(lower, upper, 0, None, None))
            continue
        pk = _mean([ps[i] for i in idx])
        ok = _mean([os[i] for i in idx])
        rel_terms.append(len(idx) * (pk - ok) ** 2)
        res_terms.append(len(idx) * (ok - base) ** 2)
        stats.append(BinStat(lower, upper, len(idx), pk, ok))
    return base * (1 - base), math.fsum(rel_terms) / n, math.fsum(res_terms) / n, stats


def alpha(
    ps: Sequence[float], os: Sequence[int], bs: Sequence[float]
) -> tuple[float, float | None]:
    """(alpha, its standard error) against baseline forecasts `bs`; SE None for n < 2."""
    d = [(b - o) ** 2 - (p - o) ** 2 for p, o, b in zip(ps, os, bs)]
    a = _mean(d)
    if len(d) < 2:
        return a, None
    var = math.fsum((x - a) ** 2 for x in d) / (len(d) - 1)
    return a, math.sqrt(var / len(d))


def log_loss(ps: Sequence[float], os: Sequence[int], eps: float = LOG_LOSS_EPS) -> float:
    terms = []
    for p, o in zip(ps, os):
        q = min(max(p, eps), 1 - eps)
        terms.append(-math.log(q) if o else -math.log(1 - q))
    return _mean(terms)


def pareto(points: dict[str, tuple[float, float]]) -> set[str]:
    """Names whose (brier, cost) no other point weakly dominates with one strict gain."""
    front = set()
    for name, (b, c) in points.items():
        beaten = any(
            b2 <= b and c2 <= c and (b2 < b or c2 < c)
            for other, (b2, c2) in points.items()
            if other != name
        )
        if not beaten:
            front.add(name)
    return front


def mark_frontier(scores: list[Score]) -> None:
    """Set `pareto` on every score: True/False among those with Brier and cost, else None."""
    points = {
        s.name: (s.brier, s.cost_per_item)
        for s in scores
        if s.brier is not None and s.cost_per_item is not None
    }
    front = pareto(points)
    for s in scores:
        s.pareto = (s.name in front) if s.name in points else None
