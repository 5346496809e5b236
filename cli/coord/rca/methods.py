"""Ranking methods behind one interface: `METHODS[name](case, seed=...) -> Ranking`.

Baselines, as published in RCAEval (Pham et al.):
- `random`: a seeded shuffle of the services (a floor every method must beat);
- `nsigma`: each metric standardised by the normal window's mean and standard deviation;
  a metric's score is its largest z in the anomalous window;
- `baro`: the same with median and interquartile range (BARO's robust scorer); with no
  inject time the loader has already placed one by Bayesian online change-point detection.
Both use RCAEval's preprocessing, window by window: constant metrics and metrics that
differ from their first value in at most 10 % of the rows are dropped, memory in bytes is
read in MiB. Services are ranked by their best metric. `lats` (the tree search) lives in
`coord.rca.lats`.
"""

from __future__ import annotations

import hashlib
import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from coord.rca.evidence import windows
from coord.rca.model import Case, kind_of

FAULT_OF_KIND = {
    "cpu": "cpu",
    "mem": "mem",
    "disk": "disk",
    "network": "loss",
    "latency": "delay",
    "error": "code",
    "log": "code",
    "load": "delay",
    "other": "unknown",
}


@dataclass
class Candidate:
    service: str
    fault: str
    score: float
    indicator: str | None = None
    evidence: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.service}_{self.indicator}" if self.indicator else self.service


@dataclass
class Ranking:
    candidates: list[Candidate]
    tree: dict | None = None
    usage: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _scaled_metric_rank(case: Case, robust: bool) -> Ranking:
    scored = []
    for key in case.series:
        n, a = windows(case, key)
        if len(n) < 2 or len(a) < 1:
            continue
        if _near_constant(n) or _near_constant(a):
            continue
        if kind_of(key[1]) == "mem" and max(abs(n).max(), abs(a).max()) > 1e5:
            n, a = n / 2**20, a / 2**20
        if robust:
            q1, med, q3 = np.percentile(n, [25, 50, 75])
            center, scale = float(med), float(q3 - q1)
        else:
            center, scale = float(n.mean()), float(n.std())
        scale = scale if scale > 0 else 1.0  # scikit-learn's scalers do the same
        z = float(((a - center) / scale).max())
        scored.append((z, key))
    scored.sort(key=lambda x: (-x[0], x[1]))
    seen: dict[str, Candidate] = {}
    for z, (svc, ind) in scored:
        if svc in seen:
            if len(seen[svc].evidence) < 3:
                seen[svc].evidence.append(f"{svc}_{ind}: z={z:.1f}")
            continue
        seen[svc] = Candidate(svc, FAULT_OF_KIND[kind_of(ind)], z, ind, [f"{svc}_{ind}: z={z:.1f}"])
    ranked = list(seen.values())
    rest = [s for s in case.services if s not in seen]
    ranked += [Candidate(s, "unknown", float("-inf"), None, ["no usable metric"]) for s in rest]
    return Ranking(ranked)


def _near_constant(x: np.ndarray) -> bool:
    return float((x != x[0]).mean()) <= 0.1


def baro(case: Case, seed: int = 0) -> Ranking:
    return _scaled_metric_rank(case, robust=True)


def nsigma(case: Case, seed: int = 0) -> Ranking:
    return _scaled_metric_rank(case, robust=False)


def random_rank(case: Case, seed: int = 0) -> Ranking:
    digest = hashlib.sha256(f"{case.name}:{seed}".encode()).digest()
    rng = _random.Random(int.from_bytes(digest[:8], "big"))
    services = list(case.services)
    rng.shuffle(services)
    n = len(services)
    return Ranking(
        [
            Candidate(s, "unknown", (n - i) / n, None, ["random order"])
            for i, s in enumerate(services)
        ]
    )


def lats(case: Case, seed: int = 0, **options) -> Ranking:
    from coord.rca.lats import search

    return search(case, seed=seed, **options)


METHODS: dict[str, Callable[..., Ranking]] = {
    "lats": lats,
    "baro": baro,
    "nsigma": nsigma,
    "random": random_rank,
}
