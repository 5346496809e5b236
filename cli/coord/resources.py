"""Where the bundled data lives: `protocols/` and `scenarios/` at the repository's top
level in a checkout, `coord/_bundled/...` inside an installed wheel (see pyproject)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    """The folder of bundled `scenarios` or `protocols`."""
    installed = _PACKAGE / "_bundled" / kind
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / kind  # a source checkout: <repo>/cli/coord -> <repo>


def bundled_scenarios() -> list[Path]:
    root = data_dir("scenarios")
    return sorted(root.rglob("*.yaml")) if root.is_dir() else []


def find_scenario(ref: str) -> Path:
    """A path as given, or a bundled scenario by name (`negotiation/scarce` or `scarce`)."""
    p = Path(ref)
    if p.exists():
        return p
    root = data_dir("scenarios")
    stem = ref[:-5] if ref.endswith(".yaml") else ref
    for candidate in bundled_scenarios():
        rel = candidate.relative_to(root).with_suffix("").as_posix()
        if stem in (rel, candidate.stem):
            return candidate
    return p  # let the loader report it as missing
