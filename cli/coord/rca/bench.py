"""`coord rca bench`: every case under a folder, every method, side by side."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from coord.errors import CoordError, UsageError, did_you_mean
from coord.rca.methods import METHODS
from coord.rca.report import SCHEMA_VERSION, accuracy, indicator_rank_of, rank_of


def parse_methods(text: str) -> list[str]:
    names = [m.strip() for m in text.split(",") if m.strip()]
    for m in names:
        if m not in METHODS:
            raise UsageError(
                f"unknown method {m!r}{did_you_mean(m, METHODS)}",
                hint="methods: " + ", ".join(METHODS),
            )
    if not names:
        raise UsageError("--methods is empty", hint="e.g. --methods lats,baro,nsigma,random")
    return names


def run_bench(
    root: Path,
    methods: list[str],
    *,
    seed: int = 0,
    warn: Callable[[str], None] = lambda m: None,
    progress: Callable[[int], Callable[[], None]] | None = None,
) -> dict:
    from coord.rca.load import case_loaders, discover

    loaders = [item for p in discover(root) for item in case_loaders(p)]
    if not loaders:
        raise UsageError(
            f"no cases under {root}",
            hint="expected RCAEval case folders, normal/anomalous pairs or Nezha folders",
        )
    advance = progress(len(loaders)) if progress else (lambda: None)
    ranks: dict[str, list[int]] = {m: [] for m in methods}
    fine: dict[str, list[int]] = {m: [] for m in methods}
    faults: dict[str, dict[str, list[int]]] = {m: {} for m in methods}
    seconds: dict[str, list[float]] = {m: [] for m in methods}
    cases = skipped = 0
    for name, load in loaders:
        try:
            case = load()
        except CoordError as exc:
            skipped += 1
            warn(f"skipped {name}: {exc.message}")
            advance()
            continue
        if case.truth is None:
            skipped += 1
            warn(f"skipped {name}: no ground truth in its name or fault list")
            advance()
            continue
        cases += 1
        for m in methods:
            t = time.perf_counter()
            ranking = METHODS[m](case, seed=seed)
            seconds[m].append(time.perf_counter() - t)
            r = rank_of(ranking, case.truth)
            ranks[m].append(r)
            faults[m].setdefault(case.truth.fault, []).append(r)
            fr = indicator_rank_of(ranking, case.truth)
            if fr is not None:
                fine[m].append(fr)
        advance()
    if cases == 0:
        raise UsageError(f"no usable case under {root} ({skipped} skipped)")
    out = {}
    for m in methods:
        acc = accuracy(ranks[m])
        out[m] = {
            "AC@1": acc["AC@1"],
            "AC@3": acc["AC@3"],
            "Avg@5": acc["Avg@5"],
            "seconds_per_case": round(statistics.median(seconds[m]), 6),
            "by_fault": {f: accuracy(r) for f, r in sorted(faults[m].items())},
            "service_indicator": accuracy(fine[m]),
        }
    if skipped:
        warn(f"{skipped} of {len(loaders)} cases skipped; scores are over the other {cases}")
    return {"schema_version": SCHEMA_VERSION, "cases": cases, "methods": out}
