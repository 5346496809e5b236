"""Find and load cases: RCAEval folders, normal/anomalous pairs, Nezha folders, or the
generic `--metrics/--logs/--topology/--inject-time` files.

Layouts (the first that matches a folder wins):
- RCAEval: a metrics CSV (`data.csv`, `simple_metrics.csv` or `metrics.csv`), optional
  `inject_time.txt`, `logs.csv`, a call graph (`dependency.csv` as Nezha writes it, or
  `topology.csv`/`.yaml`); truth from `<service>_<fault>/<rep>` folder names;
- pairs: `normal.csv` + `anomalous.csv` (the anomalous part starts at the inject time);
  truth from `<service>-<fault>/<rep>`;
- Nezha: a folder with `<date>-fault_list.json` and `metric/` (see `coord.rca.nezha`);
  one folder holds many cases.
A missing inject time is found by change-point detection (`evidence.change_point`), with a
warning. An inject time outside the data, or windows left empty, are errors (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from coord.errors import InputError, UsageError
from coord.rca.model import Case, Truth, canonical_fault
from coord.rca.tables import read_metrics
from coord.rca.timeparse import TimeError, TimeReader, iso

METRIC_FILES = ("data.csv", "simple_metrics.csv", "metrics.csv")
TOPOLOGY_FILES = ("dependency.csv", "topology.csv", "topology.yaml", "topology.yml")
MIN_POINTS = 3


def truth_from_name(*names: str) -> Truth | None:
    """Truth from `<service>_<fault>` or `<service>-<fault>` (the first name that parses)."""
    for name in names:
        for sep in ("_", "-"):
            if sep in name:
                svc, fault = name.rsplit(sep, 1)
                canon, kind = canonical_fault(fault)
                if svc and (kind is not None):
                    return Truth(svc, canon, kind)
    return None


def layout_of(path: Path) -> str | None:
    if not path.is_dir():
        return None
    if (path / "normal.csv").is_file() and (path / "anomalous.csv").is_file():
        return "pairs"
    if any((path / f).is_file() for f in METRIC_FILES):
        return "rcaeval"
    if (path / "metric").is_dir() and any(path.glob("*fault_list.json")):
        return "nezha"
    return None


def discover(root: Path) -> list[Path]:
    """Case folders (or Nezha folders) under `root`, sorted; `root` itself if it is one."""
    if not root.exists():
        raise UsageError(f"no such folder: {root}")
    if layout_of(root):
        return [root]
    found = []
    for p in sorted(root.rglob("*")):
        if p.is_dir() and layout_of(p) and not any(layout_of(a) for a in p.parents):
            found.append(p)
    return found


def case_loaders(path: Path, case: str | None = None) -> list[tuple[str, Callable[[], Case]]]:
    """(name, load) for every case a folder holds (one, or many for Nezha); `case` picks
    one Nezha case. Loading is deferred so a bad case can be reported and skipped."""
    layout = layout_of(path)
    if layout == "nezha":
        from coord.rca.nezha import nezha_cases

        return nezha_cases(path, pick=case)
    if case is not None:
        raise UsageError("--case picks a case of a folder that holds many (Nezha layout)")
    if layout == "pairs":
        return [(_case_name(path), lambda: load_pairs(path))]
    if layout == "rcaeval":
        return [(_case_name(path), lambda: load_rcaeval(path))]
    else:
        raise InputError(
            f"{path} is not a case folder",
            file=str(path),
            hint="expected data.csv/metrics.csv (+ inject_time.txt), normal.csv + anomalous.csv, "
            "or a Nezha folder; or give --metrics/--logs/--inject-time",
        )


def iter_cases(path: Path, case: str | None = None) -> Iterator[Case]:
    """Every case a folder holds, loaded (the first bad one raises)."""
    for _, load in case_loaders(path, case):
        yield load()


def _inject_from_file(path: Path) -> float:
    text = path.read_text(errors="replace").strip()
    try:
        return TimeReader().parse(text.split()[0] if text else "")
    except TimeError as exc:
        raise InputError(
            f"{path.name}: {exc}",
            file=str(path),
            line=1,
            hint="write the inject time as epoch seconds or ISO 8601",
        ) from None


def load_rcaeval(path: Path) -> Case:
    warnings: list[str] = []
    metrics = next(path / f for f in METRIC_FILES if (path / f).is_file())
    series = read_metrics(metrics, warnings)
    inject = (
        _inject_from_file(path / "inject_time.txt")
        if (path / "inject_time.txt").is_file()
        else None
    )
    logs = path / "logs.csv"
    edges = []
    for name in TOPOLOGY_FILES:
        if (path / name).is_file():
            from coord.rca.graph import read_topology

            edges = read_topology(path / name)
            break
    case = Case(
        name=_case_name(path),
        series=series,
        inject_time=inject,
        logs=_log_source(logs, warnings) if logs.is_file() else None,
        edges=edges,
        truth=truth_from_name(path.parent.name, path.name),
        warnings=warnings,
        source=str(path),
    )
    return finish(case)


def load_pairs(path: Path) -> Case:
    import numpy as np

    from coord.rca.model import Series

    warnings: list[str] = []
    normal = read_metrics(path / "normal.csv", warnings)
    anomalous = read_metrics(path / "anomalous.csv", warnings)
    n_end = max(float(s.times[-1]) for s in normal.values())
    a_start = min(float(s.times[0]) for s in anomalous.values())
    shift = 0.0
    if a_start <= n_end:  # recorded in another order or clock: put anomalous after normal
        shift = n_end - a_start + 1.0
        warnings.append(
            "anomalous.csv does not start after normal.csv ends: its times were "
            "shifted to follow normal.csv"
        )
    series = {}
    for key in sorted(set(normal) | set(anomalous)):
        parts = [(s.times, s.values) for s in (normal.get(key),) if s is not None]
        a = anomalous.get(key)
        if a is not None:
            parts.append((a.times + shift, a.values))
        series[key] = Series(
            np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        )
    case = Case(
        name=_case_name(path),
        series=series,
        inject_time=a_start + shift,
        truth=truth_from_name(path.parent.name, path.name),
        warnings=warnings,
        source=str(path),
    )
    return finish(case)


def _case_name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _log_source(path: Path, warnings: list[str]):
    from coord.rca.logs import LogReader

    def records():
        reader = LogReader(path)
        yield from reader
        warnings.extend(w for w in reader.warnings() if w not in warnings)

    return records


def load_generic(
    metrics: Path | None,
    logs: list[Path],
    topology: Path | None,
    inject: str | None,
    name: str = "case",
) -> Case:
    """A case from loose files (`--metrics`, `--logs`, `--topology`, `--inject-time`)."""
    from coord.rca.logs import LogReader

    warnings: list[str] = []
    series = read_metrics(metrics, warnings) if metrics else {}
    inject_time = None
    if inject is not None:
        try:
            inject_time = TimeReader().parse(inject)
        except TimeError as exc:
            raise UsageError(
                f"--inject-time: {exc}",
                hint="give epoch seconds or ISO 8601, e.g. 2024-05-01T12:00:00Z",
            ) from None
    for p in logs:
        if not p.is_file():
            raise UsageError(f"no such log file: {p}")

    def records():
        for p in logs:
            reader = LogReader(p)
            yield from reader
            warnings.extend(w for w in reader.warnings() if w not in warnings)

    if not series and not logs:
        raise UsageError("nothing to analyse", hint="give --metrics and/or --logs, or a CASE")
    if not series and inject_time is None:
        raise UsageError(
            "--inject-time is required when only logs are given",
            hint="change-point detection needs metrics",
        )
    case = Case(
        name=name,
        series=series,
        inject_time=inject_time,
        logs=records if logs else None,
        warnings=warnings,
        source=str(metrics or logs[0]),
    )
    if topology:
        from coord.rca.graph import read_topology

        case.edges = read_topology(topology)
    return finish(case)


def finish(case: Case) -> Case:
    """Check a loaded case: inject time inside the data (or found), windows not empty,
    topology naming known services."""
    from coord.rca.evidence import change_point

    rng = case.time_range()
    if case.series and rng is None:
        raise InputError(f"{case.name}: no metric values", file=case.source)
    if case.inject_time is None:
        if not case.series:
            raise InputError(
                f"{case.name}: no inject time and no metrics to find one",
                file=case.source,
                hint="give --inject-time",
            )
        case.inject_time = change_point(case)
        case.warnings.append(
            f"no inject time: change-point detection chose {iso(case.inject_time)}"
        )
    elif rng is not None and not (rng[0] < case.inject_time <= rng[1]):
        raise InputError(
            f"{case.name}: inject time {iso(case.inject_time)} is outside the data "
            f"({iso(rng[0])} .. {iso(rng[1])})",
            file=case.source,
            hint="check the inject time's zone and unit, or omit it to detect the change point",
        )
    if case.series:
        t0 = case.inject_time
        lo = t0 - case.normal_span if case.normal_span else -float("inf")
        hi = t0 + case.anomalous_span if case.anomalous_span else float("inf")
        n_normal = max(int(((s.times >= lo) & (s.times < t0)).sum()) for s in case.series.values())
        n_anom = max(int(((s.times >= t0) & (s.times < hi)).sum()) for s in case.series.values())
        if n_normal < MIN_POINTS or n_anom < 1:
            raise InputError(
                f"{case.name}: empty window around the inject time {iso(t0)} "
                f"({n_normal} normal points, {n_anom} anomalous)",
                file=case.source,
                hint=f"the normal window needs at least {MIN_POINTS} points before the inject "
                "time and the anomalous one at least 1 after it",
            )
    if case.edges:
        known = {s for s, _ in case.series}
        unknown = sorted({n for e in case.edges for n in e} - known) if known else []
        if unknown:
            case.warnings.append(
                "topology names services without metrics: "
                + ", ".join(unknown[:8])
                + (" ..." if len(unknown) > 8 else "")
                + " (kept as graph nodes; scored from logs and neighbours only)"
            )
    return case
