"""The versioned reports of `coord rca` (this module owns both formats).

`coord rca CASE --format json`:
    {"schema_version": 1, "ranks": ["<service>_<indicator>", ...],
     "candidates": [{"service", "fault", "score", "evidence": [...]}, ...],
     "tree": {...} | null, "usage": {...}, "seconds": float}

`coord rca bench DIR --format json`:
    {"schema_version": 1, "cases": N,
     "methods": {name: {"AC@1", "AC@3", "Avg@5", "seconds_per_case",
                        "by_fault": {fault: {"cases", "AC@1", "AC@3", "Avg@5"}},
                        "service_indicator": {"cases", "AC@1", "AC@3", "Avg@5"}}}}
AC@k is the share of cases whose true service is among the first k; Avg@5 the mean of
AC@1..AC@5; `seconds_per_case` the median wall time of the method on one loaded case.
`service_indicator` counts a hit only when the candidate's indicator is of the truth's
kind (cases whose truth names no kind are left out).
"""

from __future__ import annotations

import math

from coord.rca.methods import Ranking
from coord.rca.model import Truth, kind_of

SCHEMA_VERSION = 1
MISS = 10**6


def case_report(ranking: Ranking, seconds: float) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "ranks": [c.label for c in ranking.candidates],
        "candidates": [
            {
                "service": c.service,
                "fault": c.fault,
                "score": _num(c.score),
                "evidence": list(c.evidence),
            }
            for c in ranking.candidates
        ],
        "tree": ranking.tree,
        "usage": ranking.usage,
        "seconds": round(seconds, 6),
    }


def _num(x: float):
    return None if (x is None or not math.isfinite(x)) else round(float(x), 6)


def rank_of(ranking: Ranking, truth: Truth) -> int:
    for i, c in enumerate(ranking.candidates, start=1):
        if c.service == truth.service:
            return i
    return MISS


def indicator_rank_of(ranking: Ranking, truth: Truth) -> int | None:
    if not truth.kind:
        return None
    for i, c in enumerate(ranking.candidates, start=1):
        if c.service == truth.service:
            kind = (
                "log"
                if (c.indicator == "log" or c.fault == "code")
                else (kind_of(c.indicator) if c.indicator else None)
            )
            return i if kind == truth.kind else MISS
    return MISS


def accuracy(ranks: list[int]) -> dict:
    n = len(ranks)
    if n == 0:
        return {"cases": 0, "AC@1": None, "AC@3": None, "Avg@5": None}
    ac = {k: sum(r <= k for r in ranks) / n for k in range(1, 6)}
    return {
        "cases": n,
        "AC@1": round(ac[1], 4),
        "AC@3": round(ac[3], 4),
        "Avg@5": round(sum(ac.values()) / 5, 4),
    }
