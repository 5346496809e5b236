"""`coord score`'s one core function: read forecasts, group them, score every group.

Which items are scored, per group:

* an item whose question is unresolved (`outcome` null) is excluded and counted under
  `unresolved`; a record with no `outcome` field at all under `missing_outcome`;
* a failed forecast is counted under `failed`; if it recorded a fallback probability (the
  published traces' 0.5) it is scored as recorded — the published leaderboard's
  convention — unless `failed="exclude"`, and without a probability it is excluded and
  counted under `failed_no_forecast`;
* with `skip_invalid`, records with bad values are excluded and counted (file-wide, since
  their group may be what is broken).

Alpha needs a baseline for every scored item of the group, tokens and cost per item need
them for every scored item too; otherwise the value is None and a note says why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from coord.errors import UsageError
from coord.forecast import scoring
from coord.forecast.loaders import load_forecasts
from coord.forecast.records import GROUP_FIELDS, Forecast

SCHEMA_VERSION = 1


@dataclass
class ScoreOptions:
    group_by: tuple[str, ...] = ("config",)
    bins: int = 10
    binning: str = "linspace"
    failed: str = "score"  # or "exclude"
    skip_invalid: bool = False
    markets: str | None = None  # categories to join (coord.forecast.markets)


def parse_group_by(value: str) -> tuple[str, ...]:
    """`"config,category"` → ("config", "category"); `none` → () (one group, `all`)."""
    from coord.errors import did_you_mean

    if value.strip() == "none":
        return ()
    fields = tuple(f.strip() for f in value.split(",") if f.strip())
    for f in fields:
        if f not in GROUP_FIELDS:
            raise UsageError(
                f"--group-by: unknown field {f!r}{did_you_mean(f, GROUP_FIELDS)}",
                hint=f"use one or more of {', '.join(GROUP_FIELDS)} (comma-separated), or none",
            )
    if not fields:
        raise UsageError("--group-by is empty", hint="e.g. --group-by config,category")
    return fields


def score_forecasts(forecasts: list[Forecast], opts: ScoreOptions) -> list[scoring.Score]:
    """Score each group (in order of first appearance) and mark the Pareto frontier."""
    groups: dict[str, list[Forecast]] = {}
    for f in forecasts:
        name = "/".join(f.group_value(g) for g in opts.group_by) if opts.group_by else "all"
        groups.setdefault(name, []).append(f)
    scores = [_score_group(name, items, opts) for name, items in groups.items()]
    scoring.mark_frontier(scores)
    return scores


def _score_group(name: str, items: list[Forecast], opts: ScoreOptions) -> scoring.Score:
    excluded: dict[str, int] = {}
    kept: list[Forecast] = []
    for f in items:
        if f.outcome is None:
            why = "missing_outcome" if f.outcome_missing else "unresolved"
            excluded[why] = excluded.get(why, 0) + 1
        elif f.failed and f.probability is None:
            excluded["failed_no_forecast"] = excluded.get("failed_no_forecast", 0) + 1
        elif f.failed and opts.failed == "exclude":
            excluded["failed"] = excluded.get("failed", 0) + 1
        elif f.probability is None:
            excluded["no_probability"] = excluded.get("no_probability", 0) + 1
        else:
            kept.append(f)
    failed = sum(f.failed for f in items)
    notes: list[str] = []
    n = len(kept)
    if n == 0:
        notes.append("no scorable items")
        return scoring.Score(name, 0, *([None] * 10), failed=failed, excluded=excluded, notes=notes)
    ps = [f.probability for f in kept]
    os_ = [f.outcome for f in kept]
    brier = scoring.brier(ps, os_)
    unc, rel, res, bins = scoring.murphy(ps, os_, opts.bins, binning=opts.binning)
    a = sem = None
    missing = sum(f.baseline is None for f in kept)
    if missing:
        notes.append(f"alpha: {missing} of {n} items have no baseline")
    else:
        a, sem = scoring.alpha(ps, os_, [f.baseline for f in kept])
    return scoring.Score(
        name=name,
        n=n,
        brier=brier,
        unc=unc,
        rel=rel,
        res=res,
        residual=brier - (rel - res + unc),
        alpha=a,
        alpha_sem=sem,
        log_loss=scoring.log_loss(ps, os_),
        tokens_per_item=_per_item([f.tokens for f in kept], "tokens", notes),
        cost_per_item=_per_item([f.cost for f in kept], "cost", notes),
        failed=failed,
        excluded=excluded,
        bins=bins,
        notes=notes,
    )


def _per_item(values: list[float | None], what: str, notes: list[str]) -> float | None:
    missing = sum(v is None for v in values)
    if missing == len(values):
        return None
    if missing:
        notes.append(f"{what}: {missing} of {len(values)} items record none")
        return None
    return scoring._mean(values)  # type: ignore[arg-type]


@dataclass
class ScoreReport:
    scores: list[scoring.Score]
    invalid: list  # InputErrors skipped with --skip-invalid
    torn: list[str]
    opts: ScoreOptions
    join: object = None  # coord.forecast.markets.JoinResult when categories were joined
    unsealed: list = field(default_factory=list)  # transcripts scored though not sealed

    def excluded(self) -> dict[str, int]:
        """Items left out of scoring, by reason, over all groups."""
        total: dict[str, int] = {}
        for s in self.scores:
            for why, n in s.excluded.items():
                total[why] = total.get(why, 0) + n
        return total

    def to_json(self) -> dict:
        """The issue's schema (`schema_version`, `groups` with its keys, plus `failed` per
        group), and the counts of what was not scored: `excluded` items by reason
        (unresolved, missing_outcome, failed, failed_no_forecast, no_probability),
        `invalid` records skipped with --skip-invalid, `torn` last lines skipped, and
        `unsealed` transcripts scored though they stop before their seal. Keys are only
        ever added within a schema version, so readers of the issue's keys keep working."""
        return {
            "schema_version": SCHEMA_VERSION,
            "groups": [s.to_json() for s in self.scores],
            "excluded": self.excluded(),
            "invalid": len(self.invalid),
            "torn": len(self.torn),
            "unsealed": len(self.unsealed),
        }


def score_files(paths: list[str | os.PathLike], opts: ScoreOptions) -> ScoreReport:
    if not 1 <= opts.bins <= 1000:
        raise UsageError(f"--bins {opts.bins}: use 1 to 1000 bins")
    if opts.binning not in scoring.BINNINGS:
        raise UsageError(f"--binning {opts.binning}: use one of {', '.join(scoring.BINNINGS)}")
    loaded = load_forecasts(paths, skip_invalid=opts.skip_invalid)
    if not loaded.forecasts:
        from coord.errors import InputError

        raise InputError(
            "no forecasts found in " + ", ".join(os.fspath(p) for p in paths),
            hint="`coord score --help` lists the accepted formats",
        )
    forecasts, join = loaded.forecasts, None
    if "category" in opts.group_by or opts.markets is not None:
        from coord.forecast.markets import join_categories

        join = join_categories(forecasts, opts.markets)
        forecasts = join.forecasts
    scores = score_forecasts(forecasts, opts)
    if not any(s.n for s in scores):
        from coord.errors import InputError

        counts: dict[str, int] = {}
        for s in scores:
            for why, n in s.excluded.items():
                counts[why] = counts.get(why, 0) + n
        why = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
        raise InputError(
            f"nothing to score: every item was excluded ({why})",
            file=os.fspath(paths[0]) if len(paths) == 1 else None,
            hint="an item needs a probability and a resolved outcome (0 or 1); "
            "unresolved questions have `outcome: null`",
        )
    report = ScoreReport(scores, loaded.invalid, loaded.torn, opts, join)
    report.unsealed = loaded.unsealed
    return report
