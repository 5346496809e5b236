"""Join question metadata (the category) onto forecasts that do not carry it.

The published traces (`coordination-traces-100/data/traces/<config>.jsonl`) have no
`category`; the dataset keeps it in `data/markets.jsonl`, keyed by `marketIndex` (and
`marketId`), which the traces carry too. `coord score --group-by category` therefore joins
categories from a markets file: the one given with `--markets FILE`, else, for published
trace files, `markets.jsonl` beside the `traces/` folder (the dataset's own layout).

Two markets formats are read: the published one (`marketIndex`, `marketId`, `category`)
and coord question files (`id`, `category`; the bundled `polymarket-100.jsonl` keeps the
published `marketIndex` as its `id`). A category a record already carries is never
replaced.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from coord.errors import InputError
from coord.forecast.records import Forecast


@dataclass
class JoinResult:
    forecasts: list[Forecast]
    sources: list[str]  # the markets files read
    joined: int  # forecasts that got a category
    unmatched: int  # forecasts that still have none


def read_categories(path: str | os.PathLike) -> dict[str, str]:
    """`{key: category}` keyed by marketIndex, marketId and id (as strings)."""
    from coord.spec.jsonsafe import load_jsonl

    display = os.fspath(path)
    if not os.path.isfile(display):
        raise InputError(
            "markets file not found",
            file=display,
            hint="--markets takes data/markets.jsonl of the dataset, or a coord question file",
        )
    out: dict[str, str] = {}
    for line, obj in load_jsonl(display):
        if not isinstance(obj, dict):
            raise InputError("a market is a JSON object", file=display, line=line)
        category = obj.get("category")
        if category is None:
            continue
        if not isinstance(category, str):
            raise InputError(
                f"category must be a string, got {type(category).__name__}",
                file=display,
                line=line,
            )
        keys = [obj.get(k) for k in ("marketIndex", "marketId", "id")]
        if all(k is None for k in keys):
            raise InputError(
                "a market needs `marketIndex`, `marketId` or `id` to be joined on",
                file=display,
                line=line,
            )
        for key in keys:
            if key is not None:
                out[str(key)] = category
    return out


def beside(trace_file: str) -> Path | None:
    """The dataset's markets file for a published trace file, if it is where the dataset
    keeps it (`data/markets.jsonl` for `data/traces/<config>.jsonl`)."""
    here = Path(trace_file).resolve().parent
    for candidate in (here.parent / "markets.jsonl", here / "markets.jsonl"):
        if candidate.is_file():
            return candidate
    return None


def join_categories(forecasts: list[Forecast], markets: str | os.PathLike | None) -> JoinResult:
    """Give every forecast without a category the one its markets file records."""
    tables: dict[str, dict[str, str]] = {}
    explicit = os.fspath(markets) if markets is not None else None
    if explicit is not None:
        tables[explicit] = read_categories(explicit)
    out, joined, unmatched = [], 0, 0
    for f in forecasts:
        if f.category is not None:
            out.append(f)
            continue
        source = explicit
        if source is None and f.published:
            found = beside(f.file)
            source = str(found) if found else None
        if source is not None and source not in tables:
            tables[source] = read_categories(source)
        category = tables[source].get(f.item or "") if source is not None else None
        if category is None:
            unmatched += 1
            out.append(f)
        else:
            joined += 1
            out.append(replace(f, category=category))
    return JoinResult(out, list(tables), joined, unmatched)
