"""Read forecasts from the files `coord score` accepts, one `Forecast` per item.

Three formats, told apart by the file's first record:

* **coord transcripts** of forecast runs (line 1 a `"kind": "header"` with
  `"game": "forecast"`): one `forecast` event per question; the group is the header's
  `condition` (the configuration).
* **Published traces** (`coordination-traces-100`, arXiv 2605.03310): records with
  `configName` and `trace`; tokens are `usage.totalTokens` summed over `trace.calls`, cost
  is `costUsd` summed over them, and `_failure` marks a failed forecast (whose recorded
  0.5 fallback is scored, as the published leaderboard does, unless `failed="exclude"`).
* **JSON Lines** of forecasts: `probability` and `outcome` (0/1, true/false; null =
  unresolved), optional `baseline`, `config`, `category`, `id` (or `question`), tokens
  (`tokens`, `total_tokens`, `totalTokens`, or `usage.total_tokens`/`usage.totalTokens`),
  cost (`cost_usd`, `costUsd` or `cost`), and `failed: true` (or an `error` / `_failure`
  field) for a failed forecast.

Bad values — a probability or baseline outside [0, 1] or not a number, an outcome other
than 0/1 — are `InputError`s naming the file and line (NaN and infinities are already
refused by the strict JSON reader). With `skip_invalid` they are counted instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from coord.errors import InputError
from coord.forecast.records import Forecast

_HINT = "fix the record, or pass --skip-invalid to count and exclude such records"


@dataclass
class LoadResult:
    forecasts: list[Forecast] = field(default_factory=list)
    invalid: list[InputError] = field(default_factory=list)  # only with skip_invalid
    torn: list[str] = field(default_factory=list)  # "file:line" of torn last lines skipped
    unsealed: list[str] = field(default_factory=list)  # transcripts that stop before a seal


def load_forecasts(paths: list[str | os.PathLike], *, skip_invalid: bool = False) -> LoadResult:
    """Read every file; errors are `InputError`/`UsageError` with file and line."""
    result = LoadResult()
    for path in paths:
        display = os.fspath(path)
        if os.path.isdir(display):
            from coord.errors import UsageError

            raise UsageError(f"{display} is a directory", hint="pass the .jsonl files inside it")
        for item in _read_file(display, result):
            if isinstance(item, InputError):
                if not skip_invalid:
                    raise item
                result.invalid.append(item)
            else:
                result.forecasts.append(item)
    return result


def _read_file(display: str, result: LoadResult) -> Iterator[Forecast | InputError]:
    from coord.spec.jsonsafe import load_jsonl, torn_last_line

    torn = torn_last_line(display) if os.path.isfile(display) else None
    rows = load_jsonl(display)
    first = True
    reader = None
    while True:
        try:
            number, obj = next(rows)
        except StopIteration:
            return
        except InputError as exc:
            if torn is not None and exc.line == torn:
                result.torn.append(f"{display}:{torn}")  # a run cut off mid-write
                return
            raise
        if first:
            first = False
            if isinstance(obj, dict) and obj.get("kind") == "header":
                yield from _transcript(display, obj, result)
                return
            reader = _published if isinstance(obj, dict) and "configName" in obj else _generic
        if not isinstance(obj, dict):
            yield InputError(
                "a forecast record is a JSON object", file=display, line=number, hint=_HINT
            )
            continue
        try:
            yield reader(obj, display, number)
        except InputError as exc:
            yield exc


# -- fields -------------------------------------------------------------------------------


def _number(obj: dict, key: str, display: str, line: int, *, unit: bool) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(
            f"{key} must be a number, got {type(value).__name__} {str(value)[:40]!r}",
            file=display,
            line=line,
            hint=_HINT,
        )
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):  # transcripts: no strict reader
        raise InputError(f"{key} is not a finite number", file=display, line=line, hint=_HINT)
    if unit and not 0.0 <= value <= 1.0:
        raise InputError(
            f"{key} {value!r} is outside [0, 1]",
            file=display,
            line=line,
            hint="probabilities are in [0, 1] (a percentage? divide by 100); " + _HINT,
        )
    if not unit and value < 0:
        raise InputError(f"{key} {value!r} is negative", file=display, line=line, hint=_HINT)
    return value


def _outcome(obj: dict, key: str, display: str, line: int) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    raise InputError(
        f"{key} must be 0 or 1 (or true/false; null when unresolved), got {str(value)[:40]!r}",
        file=display,
        line=line,
        hint=_HINT,
    )


def _label(value: object) -> str | None:
    return None if value is None else str(value)


def _first(obj: dict, keys: tuple[str, ...]) -> tuple[str, object] | None:
    for k in keys:
        if obj.get(k) is not None:
            return k, obj[k]
    return None


# -- formats ------------------------------------------------------------------------------


def _published(obj: dict, display: str, line: int) -> Forecast:
    trace = obj.get("trace")
    calls = trace.get("calls") if isinstance(trace, dict) else None
    tokens = cost = None
    if isinstance(calls, list):
        tokens = cost = 0.0
        for i, call in enumerate(calls):
            if not isinstance(call, dict):
                raise InputError(f"trace.calls[{i}] is not an object", file=display, line=line)
            usage = call.get("usage") if isinstance(call.get("usage"), dict) else {}
            t = _number(usage, "totalTokens", display, line, unit=False)
            c = _number(call, "costUsd", display, line, unit=False)
            tokens = None if tokens is None or t is None else tokens + t
            cost = None if cost is None or c is None else cost + c
    return _forecast(
        obj,
        display,
        line,
        config=obj.get("configName"),
        item=obj.get("marketIndex", obj.get("marketId")),
        tokens=tokens,
        cost=cost,
        failed="_failure" in obj,
        published=True,
    )


def _forecast(obj: dict, display: str, line: int, *, config, item, **rest) -> Forecast:
    """The fields every record format shares: probability, outcome, baseline, category."""
    return Forecast(
        outcome_missing="outcome" not in obj,
        file=display,
        line=line,
        probability=_number(obj, "probability", display, line, unit=True),
        outcome=_outcome(obj, "outcome", display, line),
        baseline=_number(obj, "baseline", display, line, unit=True),
        config=_label(config),
        category=_label(obj.get("category")),
        item=_label(item),
        **rest,
    )


_TOKENS = ("tokens", "total_tokens", "totalTokens")
_COST = ("cost_usd", "costUsd", "cost")


def _generic(obj: dict, display: str, line: int) -> Forecast:
    if "probability" not in obj and "outcome" not in obj:
        keys = ", ".join(list(obj)[:6])
        raise InputError(
            f"not a forecast record: no `probability` or `outcome` (keys: {keys})",
            file=display,
            line=line,
            hint="`coord score --help` lists the accepted formats",
        )
    tokens = None
    tok = _first(obj, _TOKENS)
    usage = obj.get("usage")
    if tok is not None:
        tokens = _number(obj, tok[0], display, line, unit=False)
    elif isinstance(usage, dict):
        tok = _first(usage, ("total_tokens", "totalTokens"))
        if tok is not None:
            tokens = _number(usage, tok[0], display, line, unit=False)
    c = _first(obj, _COST)
    cost = _number(obj, c[0], display, line, unit=False) if c else None
    failed = bool(obj.get("failed")) or obj.get("error") is not None or "_failure" in obj
    return _forecast(
        obj,
        display,
        line,
        config=obj.get("config"),
        item=obj.get("id", obj.get("question")),
        tokens=tokens,
        cost=cost,
        failed=failed,
    )


def _transcript(display: str, header: dict, result: LoadResult) -> Iterator[Forecast | InputError]:
    from coord.errors import IntegrityError
    from coord.transcript import Transcript, verify

    if header.get("game") != "forecast":
        raise InputError(
            f"a transcript of a {header.get('game', 'unknown')!s} game has no forecasts to score",
            file=display,
            line=1,
            hint="`coord score` reads transcripts of forecast scenarios (kind: forecast)",
        )
    # Scores are only as good as the chain: an edited or forged transcript is refused
    # (exit 4). One that merely stops early (killed before its seal, or a torn last
    # line) is scored as far as it is intact, and said so.
    check = verify(display)
    if not check.ok:
        if check.code not in ("unsealed", "torn"):
            raise IntegrityError(
                check.problem or "the transcript failed verification",
                file=display,
                line=check.first_bad_line,
                hint=check.hint,
            )
        result.unsealed.append(display)
    config = _label(header.get("condition"))
    line = 1
    for event in Transcript.open(display).events():
        line = int(event.get("seq", line)) + 1  # the header is seq 0 on line 1
        if event.get("kind") != "forecast":
            continue
        try:
            yield Forecast(
                file=display,
                line=line,
                probability=_number(event, "probability", display, line, unit=True),
                outcome=_outcome(event, "outcome", display, line),
                baseline=_number(event, "baseline", display, line, unit=True),
                config=config,
                category=_label(event.get("category")),
                item=_label(event.get("question_id")),
                tokens=_number(event, "tokens", display, line, unit=False),
                cost=_number(event, "cost_usd", display, line, unit=False),
                failed=bool(event.get("failed")),
            )
        except InputError as exc:
            yield exc
