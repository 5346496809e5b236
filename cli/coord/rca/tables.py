"""Metric tables: wide CSV (`time` + `<service>_<indicator>` columns) or long CSV
(`timestamp, service, metric, value`), into `Series` keyed by (service, indicator).

Bad rows never pass silently: rows whose timestamp cannot be read are dropped with one
warning naming the first such line; a file where no row can be read is an `InputError`
(exit 2). Empty cells and non-numbers become NaN and are ignored by the scorers.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from coord.errors import InputError
from coord.rca.model import Series, service_of
from coord.rca.timeparse import TimeError, TimeReader

TIME_COLUMNS = ("time", "timestamp", "ts", "datetime", "date")
LONG_SERVICE = ("service", "pod", "podname", "container", "instance", "name")
LONG_METRIC = ("metric", "indicator", "kpi", "metric_name")
LONG_VALUE = ("value", "val")


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    low = [h.strip().lower() for h in header]
    for n in names:
        if n in low:
            return low.index(n)
    return None


def _open_rows(path: Path):
    try:
        fh = open(path, newline="", encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", file=str(path)) from None
    return fh


def split_column(column: str, known: set[str] | None = None) -> tuple[str, str]:
    """`carts-db_cpu` → (`carts-db`, `cpu`); a known service that prefixes the column wins
    (longest first), so services with underscores split right when a topology names them."""
    if known:
        for svc in sorted(known, key=len, reverse=True):
            if column.startswith(svc + "_") and len(column) > len(svc) + 1:
                return svc, column[len(svc) + 1 :]
    if "_" in column:
        svc, ind = column.split("_", 1)
        return service_of(svc), ind
    return column, "value"


def read_metrics(path: Path, warnings: list[str], known: set[str] | None = None) -> dict:
    """Series from a wide or long metrics CSV (told apart by the header)."""
    with _open_rows(path) as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header:
            raise InputError(
                f"{path.name} is empty",
                file=str(path),
                line=1,
                hint="a metrics CSV needs a header row and data rows",
            )
        t_col = _find(header, TIME_COLUMNS)
        if t_col is None:
            raise InputError(
                f"{path.name} has no time column (looked for {', '.join(TIME_COLUMNS)})",
                file=str(path),
                line=1,
                hint="name the timestamp column `time`",
            )
        s_col, m_col, v_col = (_find(header, n) for n in (LONG_SERVICE, LONG_METRIC, LONG_VALUE))
        clock = TimeReader()
        if s_col is not None and m_col is not None and v_col is not None:
            out = _read_long(reader, path, clock, t_col, s_col, m_col, v_col, warnings)
        else:
            out = _read_wide(reader, header, path, clock, t_col, warnings, known)
    warnings.extend(f"{path.name}: {w}" for w in clock.warnings)
    return out


def _bad_time(path: Path, bad: int, first: int, total: int, exc: str) -> None:
    """Refuse a table with no data rows, or none with a readable timestamp."""
    if total == 0:
        raise InputError(f"{path.name} has a header but no data rows", file=str(path), line=2)
    if bad == total:
        raise InputError(
            f"no readable timestamp in {path.name} ({exc})",
            file=str(path),
            line=first,
            hint="timestamps must be epoch numbers or ISO 8601",
        )


def _read_wide(reader, header, path, clock, t_col, warnings, known) -> dict:
    cols = [(i, split_column(h.strip(), known)) for i, h in enumerate(header) if i != t_col]
    times: list[float] = []
    rows: list[list[float]] = []
    bad, first, last_exc, total = 0, 0, "", 0
    for lineno, row in enumerate(reader, start=2):
        if not row:
            continue
        total += 1
        try:
            t = clock.parse(row[t_col])
        except (TimeError, IndexError) as exc:
            bad += 1
            first = first or lineno
            last_exc = str(exc)
            continue
        times.append(t)
        rows.append([_float(row[i]) if i < len(row) else math.nan for i, _ in cols])
    _bad_time(path, bad, first, total, last_exc)
    if bad:
        warnings.append(
            f"{path.name}: {bad} rows with unreadable timestamps dropped "
            f"(first at line {first}: {last_exc})"
        )
    t = np.asarray(times, dtype=float)
    m = np.asarray(rows, dtype=float).reshape(len(times), len(cols))
    order = np.argsort(t, kind="stable")
    t, m = t[order], m[order]
    out: dict = {}
    for j, (_, key) in enumerate(cols):
        v = m[:, j]
        if np.isnan(v).all():
            continue
        if key in out:  # same service and indicator twice (two pods): keep the sum
            prev = out[key].values
            out[key] = Series(t, np.where(np.isnan(prev), v, prev + np.nan_to_num(v)))
        else:
            out[key] = Series(t, v)
    return out


def _read_long(reader, path, clock, t_col, s_col, m_col, v_col, warnings) -> dict:
    acc: dict[tuple[str, str], list[tuple[float, float]]] = {}
    bad, first, last_exc, total = 0, 0, "", 0
    for lineno, row in enumerate(reader, start=2):
        if not row:
            continue
        total += 1
        try:
            t = clock.parse(row[t_col])
            key = (service_of(row[s_col].strip()), row[m_col].strip())
            v = _float(row[v_col])
        except (TimeError, IndexError) as exc:
            bad += 1
            first = first or lineno
            last_exc = str(exc)
            continue
        acc.setdefault(key, []).append((t, v))
    _bad_time(path, bad, first, total, last_exc)
    if bad:
        warnings.append(
            f"{path.name}: {bad} rows unreadable and dropped (first at line {first}: {last_exc})"
        )
    out = {}
    for key, pts in acc.items():
        pts.sort()
        arr = np.asarray(pts, dtype=float)
        if not np.isnan(arr[:, 1]).all():
            out[key] = Series(arr[:, 0], arr[:, 1])
    return out
