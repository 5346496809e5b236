"""The Nezha layout (IntelligentDDS/Nezha, FSE 2023): one folder, many cases.

    <date>/<date>-fault_list.json   {"HH": [{inject_timestamp, inject_pod, inject_type}]}
    <date>/metric/<pod>_metric.csv  Time, TimeStamp, PodName, CpuUsageRate(%), ... every 60 s
    <date>/metric/dependency.csv    Source,Target,Weight (caller → callee), when present
    <date>/log/HH_MM_log.csv        Timestamp, ..., PodName, ..., Log (container JSON lines)
    ../root_cause_*.json            {service: {fault: fine-grained root cause}}

Choices: pods map to services by dropping the ReplicaSet and pod hashes; `Node*` columns
are left out (they measure the node, which all its pods share, not the pod); the `Time`
text is the clock (in one published file the `TimeStamp` column is off by 2e8 s; when the
two disagree a warning names the file). Each case looks `NORMAL_SPAN` seconds back and
`ANOMALOUS_SPAN` forward from its inject time (the faults in these sets are minutes apart
and last a few minutes). Log files are picked by their `HH_MM` names around that window and
streamed.
"""

from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from coord.errors import InputError
from coord.rca.model import Case, Series, Truth, canonical_fault, kind_of, service_of
from coord.rca.timeparse import TimeError, TimeReader, iso

NORMAL_SPAN = 600.0
ANOMALOUS_SPAN = 300.0
_LOG_NAME = re.compile(r"^(\d{1,2})_(\d{2})_log\.csv$")


def _read_pod_file(path: Path, warnings: list[str]) -> tuple[str, dict[str, Series]]:
    clock = TimeReader()
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        header = next(reader, None) or []
        if "Time" not in header:
            raise InputError(f"{path.name}: no Time column", file=str(path), line=1)
        t_col = header.index("Time")
        ts_col = header.index("TimeStamp") if "TimeStamp" in header else None
        p_col = header.index("PodName") if "PodName" in header else None
        keep = [
            (i, h)
            for i, h in enumerate(header)
            if i not in (t_col, ts_col, p_col) and not h.startswith("Node")
        ]
        times, rows, disagree, bad = [], [], 0, 0
        pod = path.name[: -len("_metric.csv")]
        for row in reader:
            if not row:
                continue
            try:
                t = clock.parse(row[t_col])
            except (TimeError, IndexError):
                bad += 1
                continue
            if ts_col is not None and ts_col < len(row):
                try:
                    if abs(float(row[ts_col]) - t) > 60:
                        disagree += 1
                except ValueError:
                    pass
            times.append(t)
            rows.append([_num(row[i]) if i < len(row) else np.nan for i, _ in keep])
    if not times:
        raise InputError(f"{path.name}: no readable rows", file=str(path), line=2)
    if disagree:
        warnings.append(f"{path.name}: TimeStamp disagrees with Time on {disagree} rows; Time used")
    if bad:
        warnings.append(f"{path.name}: {bad} rows with unreadable times dropped")
    t = np.asarray(times)
    m = np.asarray(rows, dtype=float)
    order = np.argsort(t, kind="stable")
    return pod, {h: Series(t[order], m[order, j]) for j, (_, h) in enumerate(keep)}


def _num(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


@lru_cache(maxsize=4)
def _folder(path: Path) -> tuple:
    warnings: list[str] = []
    series: dict[tuple[str, str], Series] = {}
    for f in sorted((path / "metric").glob("*_metric.csv")):
        pod, cols = _read_pod_file(f, warnings)
        svc = service_of(pod)
        for ind, s in cols.items():
            key = (svc, ind)
            n = 2
            while key in series:
                key = (svc, f"{ind}#{n}")
                n += 1
            series[key] = s
    if not series:
        raise InputError(f"{path}: no *_metric.csv files in metric/", file=str(path / "metric"))
    edges = []
    dep = path / "metric" / "dependency.csv"
    if dep.is_file():
        from coord.rca.graph import read_topology

        edges = read_topology(dep)
    return series, tuple(edges), tuple(warnings), _root_causes(path)


def _root_causes(path: Path) -> dict:
    out: dict = {}
    for base in (path, path.parent):
        for f in sorted(base.glob("root_cause_*.json")):
            try:
                data = json.loads(f.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(data, dict):
                out.update({k: v for k, v in data.items() if isinstance(v, dict)})
    return out


def _faults(path: Path) -> list[dict]:
    lists = sorted(path.glob("*fault_list.json"))
    try:
        data = json.loads(lists[0].read_text())
    except ValueError as exc:
        raise InputError(f"{lists[0].name}: not JSON ({exc})", file=str(lists[0])) from None
    items = [x for v in (data.values() if isinstance(data, dict) else [data]) for x in v]
    out = []
    for n, x in enumerate(items, start=1):
        try:
            t = float(x["inject_timestamp"])
            out.append({"t": t, "pod": str(x["inject_pod"]), "type": str(x["inject_type"])})
        except (KeyError, TypeError, ValueError):
            raise InputError(
                f"{lists[0].name}: fault {n} lacks inject_timestamp, inject_pod or inject_type",
                file=str(lists[0]),
            ) from None
    out.sort(key=lambda f: f["t"])
    return out


def _truth(fault: dict, root_causes: dict) -> Truth:
    svc = service_of(fault["pod"])
    canon, kind = canonical_fault(fault["type"])
    fine = root_causes.get(svc, {}).get(fault["type"])
    if isinstance(fine, str):  # a metric name, or a pair of code locations / log templates
        kind = "log" if ("_" in fine and "(" not in fine) else kind_of(fine)
    return Truth(svc, fault["type"], kind)


def _log_files(path: Path, lo: float, hi: float) -> list[Path]:
    folder = path / "log"
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.csv"))
    picked = []
    day = None
    for f in files:
        m = _LOG_NAME.match(f.name)
        if not m:
            return files  # unknown naming: stream them all, filtered by time
        if day is None:
            day = _day_start(lo)
        start = day + int(m.group(1)) * 3600 + int(m.group(2)) * 60 - 120
        if start < hi and start + 240 > lo:
            picked.append(f)
    return picked


def _day_start(t: float) -> float:
    return t - (t % 86400)


def nezha_cases(path: Path, pick: str | None = None):
    """The cases of one Nezha folder, in inject-time order, named `<folder>/<NN>`: a list
    of (name, load) pairs, so one bad case does not stop the others."""
    series, edges, warnings, root_causes = _folder(path)
    faults = _faults(path)
    chosen = list(enumerate(faults, start=1))
    if pick is not None:
        chosen = [(n, f) for n, f in chosen if pick in (str(n), f"{n:02d}", iso(f["t"]))]
        if not chosen:
            raise InputError(
                f"{path.name} has no case {pick!r} (cases 1..{len(faults)})",
                file=str(path),
                hint="pick one with --case N",
            )
    return [
        (
            f"{path.name}/{n:02d}",
            lambda n=n, fault=fault: _case(
                path, n, fault, series, list(edges), list(warnings), root_causes
            ),
        )
        for n, fault in chosen
    ]


def _case(path, n, fault, series, edges, warnings, root_causes) -> Case:
    from coord.rca.load import _log_source, finish

    t = fault["t"]
    from coord.rca.agents import LOG_BEFORE

    files = _log_files(path, t - LOG_BEFORE, t + ANOMALOUS_SPAN)
    logs = None
    if files:
        sources = [_log_source(f, warnings) for f in files]

        def logs():
            for s in sources:
                yield from s()

    case = Case(
        name=f"{path.name}/{n:02d}",
        series=series,
        inject_time=t,
        logs=logs,
        edges=edges,
        truth=_truth(fault, root_causes),
        normal_span=NORMAL_SPAN,
        anomalous_span=ANOMALOUS_SPAN,
        warnings=warnings,
        source=str(path),
    )
    return finish(case)


def case_count(path: Path) -> int:
    return len(_faults(path))
