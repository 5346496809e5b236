"""Shared test helpers for coord.rca: where the case data lives, writing small files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "rca"
SHARED = ROOT.parent / "shared" / "data" / "rca"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
