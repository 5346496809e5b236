"""One forecast item as `coord score` sees it, whatever file it came from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Forecast:
    """A resolved (or unresolved) forecast of a binary question.

    `probability` is None when the forecast failed without a fallback value; `outcome` is
    None when the question is unresolved (`outcome_missing`: the record has no outcome
    field at all, counted apart since it is often a misspelt key). Either makes the item
    unscorable: it is counted and excluded, never silently dropped. `failed` marks a
    forecast whose run failed (in the published traces, a 0.5 fallback with `_failure`).
    """

    file: str
    line: int
    probability: float | None
    outcome: int | None
    baseline: float | None = None
    config: str | None = None
    category: str | None = None
    item: str | None = None
    tokens: float | None = None
    cost: float | None = None
    failed: bool = False
    published: bool = False  # read from the published trace format (categories: markets.py)
    outcome_missing: bool = False  # no `outcome` field at all (not null: unresolved)

    def group_value(self, field: str) -> str:
        """The value of a grouping field, as a label (`(none)` when missing)."""
        if field == "file":
            return self.file
        value = getattr(self, field)
        return "(none)" if value is None else str(value)


GROUP_FIELDS = ("config", "category", "file")
