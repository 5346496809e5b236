"""Question sets for forecast scenarios: JSON Lines, one binary question per line.

Fields: `id` (string or integer; unique), `question` (text), `outcome` (0/1, true/false,
or null while unresolved), and optional `baseline` (a market price in [0, 1]),
`category` and `resolution_date`. Bad records are `InputError`s naming the line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from coord.errors import InputError

_KEYS = {"id", "question", "outcome", "baseline", "category", "resolution_date"}


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    outcome: int | None
    baseline: float | None = None
    category: str | None = None
    resolution_date: str | None = None


def load_questions(path: str | os.PathLike, *, limit: int | None = None) -> list[Question]:
    from coord.errors import did_you_mean
    from coord.forecast.loaders import _number, _outcome
    from coord.spec.jsonsafe import load_jsonl

    display = os.fspath(path)
    out: list[Question] = []
    seen: dict[str, int] = {}
    for line, obj in load_jsonl(display):
        if not isinstance(obj, dict):
            raise InputError("a question is a JSON object", file=display, line=line)
        unknown = [k for k in obj if k not in _KEYS]
        if unknown:
            raise InputError(
                f"unknown field {unknown[0]!r}{did_you_mean(unknown[0], _KEYS)}",
                file=display,
                line=line,
                hint=f"question fields: {', '.join(sorted(_KEYS))}",
            )
        for key in ("id", "question"):
            if obj.get(key) in (None, ""):
                raise InputError(f"missing `{key}`", file=display, line=line)
        qid = str(obj["id"])
        if qid in seen:
            raise InputError(
                f"duplicate id {qid!r} (first on line {seen[qid]})", file=display, line=line
            )
        seen[qid] = line
        out.append(
            Question(
                id=qid,
                text=str(obj["question"]),
                outcome=_outcome(obj, "outcome", display, line),
                baseline=_number(obj, "baseline", display, line, unit=True),
                category=None if obj.get("category") is None else str(obj["category"]),
                resolution_date=obj.get("resolution_date"),
            )
        )
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise InputError("the question file holds no questions", file=display)
    return out
