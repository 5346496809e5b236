"""Metric evidence: windows, robust anomaly scores, and change-point detection.

`score_series` gives, per (service, indicator), how far the anomalous window moved from
the normal one in robust z units (median and IQR of the normal window, as BARO does), both
the peak (`z`) and a sustained level (`z_sustained`: the 80th percentile, so that one
unrelated spike does not outrank a fault that lasts). The scale has a floor (a small share
of the median's size) so a metric that was flat in the normal window does not make an
infinite z out of noise.

`change_point` finds an unknown inject time with Bayesian online change-point detection
(Adams & MacKay 2007; normal-gamma model, constant hazard) over the case's combined
deviation signal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coord.rca.model import Case, kind_of

SCALE_FLOOR = 0.01  # of |median|: below this a change is noise, not a fault
SCALE_ABS = 1e-9


@dataclass(frozen=True)
class MetricScore:
    service: str
    indicator: str
    kind: str
    z: float  # peak robust z in the anomalous window (signed by the larger side)
    z_up: float  # peak upward z
    z_sustained: float  # 80th percentile of |z| in the anomalous window
    normal_median: float
    anomalous_median: float


def windows(case: Case, key) -> tuple[np.ndarray, np.ndarray]:
    """(normal values, anomalous values) of one series, NaNs removed."""
    s = case.series[key]
    t0 = case.inject_time
    lo = t0 - case.normal_span if case.normal_span else -math.inf
    hi = t0 + case.anomalous_span if case.anomalous_span else math.inf
    n = s.values[(s.times >= lo) & (s.times < t0)]
    a = s.values[(s.times >= t0) & (s.times < hi)]
    return n[~np.isnan(n)], a[~np.isnan(a)]


def robust_center_scale(x: np.ndarray, *, floor: bool = True) -> tuple[float, float]:
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    iqr = float(q3 - q1)
    if not floor:
        return float(med), iqr if iqr > 0 else 1.0
    return float(med), max(iqr, SCALE_FLOOR * abs(float(med)), SCALE_ABS)


def score_series(case: Case) -> list[MetricScore]:
    """Robust scores of every series with enough points in both windows."""
    out = []
    for key in case.series:
        n, a = windows(case, key)
        if len(n) < 3 or len(a) < 1:
            continue
        if np.ptp(np.concatenate([n, a])) == 0:
            continue  # constant: says nothing
        med, scale = robust_center_scale(n)
        z = (a - med) / scale
        up, down = float(z.max()), float(-z.min())
        sus = float(np.percentile(np.abs(z), 80))
        out.append(
            MetricScore(
                key[0],
                key[1],
                kind_of(key[1]),
                up if up >= down else -down,
                up,
                sus,
                med,
                float(np.median(a)),
            )
        )
    return out


def _grid(case: Case) -> tuple[np.ndarray, np.ndarray]:
    """All series on one time grid (bins of the median step): (times, matrix of |z|)."""
    steps = [np.median(np.diff(s.times)) for s in case.series.values() if len(s.times) > 2]
    step = float(np.median(steps)) if steps else 1.0
    step = step if step > 0 else 1.0
    lo, hi = case.time_range()
    n = int((hi - lo) // step) + 1
    if n > 20000:  # long series: coarser bins keep the detector fast
        step *= n / 20000
        n = 20000
    mat = np.full((len(case.series), n), np.nan)
    for i, s in enumerate(case.series.values()):
        idx = np.minimum(((s.times - lo) // step).astype(int), n - 1)
        v = s.values
        ok = ~np.isnan(v)
        if ok.sum() < 3:
            continue
        med, scale = robust_center_scale(v[ok])
        mat[i, idx[ok]] = np.abs((v[ok] - med) / scale)
    times = lo + step * np.arange(n)
    return times, mat


def change_point(case: Case, hazard: float = 1 / 200) -> float:
    """The most likely single change point of the case's deviation signal (BOCPD)."""
    times, mat = _grid(case)
    with np.errstate(all="ignore"):
        signal = np.nanmedian(np.log1p(mat), axis=0)
    signal = np.where(np.isnan(signal), np.nanmedian(signal), signal)
    n = len(signal)
    if n < 8:
        return float(times[n // 2])
    cp = bocpd(signal, hazard)
    margin = max(3, n // 20)
    cp[:margin] = 0
    cp[n - 2 :] = 0
    return float(times[int(np.argmax(cp))])


def bocpd(x: np.ndarray, hazard: float, max_run: int = 400) -> np.ndarray:
    """Per step, the posterior probability that a change happened there, as seen a few
    steps later (normal-gamma observation model; run lengths truncated at `max_run`)."""
    n = len(x)
    mu0, kappa0, alpha0 = float(np.median(x)), 1.0, 1.0
    beta0 = max(float(np.var(x)), 1e-6)
    log_r = np.array([0.0])
    mu, kappa, alpha, beta = (np.array([v]) for v in (mu0, kappa0, alpha0, beta0))
    lag = 3
    hist = np.zeros(n)
    short = np.zeros(n)
    for t in range(n):
        # Student-t predictive of x[t] under each run length.
        scale2 = beta * (kappa + 1) / (alpha * kappa)
        df = 2 * alpha
        zz = (x[t] - mu) ** 2 / scale2
        logp = (
            _lgamma((df + 1) / 2)
            - _lgamma(df / 2)
            - 0.5 * np.log(df * math.pi * scale2)
            - (df + 1) / 2 * np.log1p(zz / df)
        )
        grow = log_r + logp + math.log(1 - hazard)
        change = np.logaddexp.reduce(log_r + logp) + math.log(hazard)
        log_r = np.concatenate([[change], grow])
        log_r -= np.logaddexp.reduce(log_r)
        mu_new = (kappa * mu + x[t]) / (kappa + 1)
        beta = np.concatenate([[beta0], beta + kappa * (x[t] - mu) ** 2 / (2 * (kappa + 1))])
        mu = np.concatenate([[mu0], mu_new])
        kappa = np.concatenate([[kappa0], kappa + 1])
        alpha = np.concatenate([[alpha0], alpha + 0.5])
        if len(log_r) > max_run:
            log_r, mu, kappa, alpha, beta = (v[:max_run] for v in (log_r, mu, kappa, alpha, beta))
        # Mass on "the run started within the last `lag` steps".
        short[t] = float(np.exp(np.logaddexp.reduce(log_r[: lag + 1])))
    # A change at step s shows as short runs at s+lag.
    hist[: n - lag] = short[lag:]
    return hist


def _lgamma(v):
    from math import lgamma

    return np.vectorize(lgamma)(v)
