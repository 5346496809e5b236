"""Load a forecast scenario (`kind: forecast`): the validated spec and its questions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coord.errors import InputError
from coord.forecast.questions import Question, load_questions
from coord.scenario.forecast_spec import ForecastScenario

if TYPE_CHECKING:
    from coord.spec.yamlsafe import Positions

SCHEMA_HINT = "`coord schema forecast-scenario` prints the format; scenarios/forecast/ has one"


@dataclass(frozen=True)
class LoadedForecastScenario:
    spec: ForecastScenario
    path: Path
    content_hash: str
    questions: tuple[Question, ...]


def load_forecast_scenario(
    path: Path, raw: bytes, data: dict, positions: Positions
) -> LoadedForecastScenario:
    """Validate `data` (the parsed YAML of `path`) and read its question file."""
    from coord.spec.validate import parse_model

    try:
        spec = parse_model(ForecastScenario, data, source=str(path), positions=positions)
    except InputError as exc:
        exc.hint = exc.hint or SCHEMA_HINT
        raise
    qpath = (path.parent / spec.questions.file).resolve()
    if not qpath.is_file():
        line, column = positions.lookup(("questions", "file"))
        raise InputError(
            f"question file not found: {qpath}",
            file=str(path),
            line=line,
            column=column,
            hint="`questions.file` is relative to the scenario file",
        )
    questions = load_questions(qpath, limit=spec.questions.limit)
    return LoadedForecastScenario(spec, path, hashlib.sha256(raw).hexdigest(), tuple(questions))
