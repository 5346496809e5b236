"""The evidence the search agents can query, computed lazily and cached per case.

Each query answers for one service and costs one step of the search budget:
- `metrics(s)`: the service's indicators by sustained robust shift (median of the
  anomalous window against the normal window's median, in IQR units with a floor), the
  peak as a tie-breaker; resource indicators weigh more than symptoms (load);
- `logs(s)`: template-frequency shift, new error templates and error-rate rise (drain3);
- `calls(s)`: how anomalous its callers and callees are (the call graph, networkx).
Scores are normalised within the case (against the strongest service), so a value means
"how much of the case's anomaly this service explains".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from coord.rca.evidence import windows
from coord.rca.model import RESOURCE_KINDS, Case, kind_of

KIND_WEIGHT = {"load": 0.5, "other": 0.7}  # everything else 1.0
METRIC_FLOOR = 0.05  # scale floor, share of a metric's typical size: smaller moves are noise
LOG_BEFORE = 180.0  # log history before the inject time: recent enough to share its load
MENTION_WEIGHT = 0.6  # how much of an error that names another service is about that one
ONSET_WEIGHT = 0.3  # score a service loses when its logs changed well after the first
ONSET_SECONDS = 30.0  # ... "well after": the time constant of that loss


@dataclass
class MetricFinding:
    indicator: str
    kind: str
    level: float  # |median shift| in robust units
    peak: float

    @property
    def strength(self) -> float:
        w = KIND_WEIGHT.get(self.kind, 1.0)
        return w * (math.log1p(self.level) + 0.25 * math.log1p(max(self.peak, 0.0)))


@dataclass
class Evidence:
    """Lazily computed evidence of one case, shared by both agents."""

    case: Case
    queries: int = 0
    _metrics: dict | None = None
    _logs: object = None
    _graph: object = None
    cache: dict = field(default_factory=dict)

    # -- metrics -------------------------------------------------------------------------
    def _all_metrics(self) -> dict[str, list[MetricFinding]]:
        if self._metrics is None:
            out: dict[str, list[MetricFinding]] = {}
            for key in self.case.series:
                n, a = windows(self.case, key)
                if len(n) < 3 or len(a) < 1:
                    continue
                both = np.concatenate([n, a])
                if np.ptp(both) == 0:
                    continue
                q1, med, q3 = np.percentile(n, [25, 50, 75])
                nz = np.abs(both[both != 0])
                typical = float(np.median(nz)) if len(nz) else 0.0
                scale = max(float(q3 - q1), METRIC_FLOOR * max(abs(float(med)), typical), 1e-9)
                z = (a - med) / scale
                f = MetricFinding(key[1], kind_of(key[1]), abs(float(np.median(z))), float(z.max()))
                out.setdefault(key[0], []).append(f)
            for v in out.values():
                v.sort(key=lambda f: -f.strength)
            self._metrics = out
        return self._metrics

    def screen(self) -> dict[str, float]:
        """The cheap overview the search starts from: each service's best metric strength."""
        return {s: (v[0].strength if v else 0.0) for s, v in self._all_metrics().items()}

    def metrics(self, s: str) -> list[MetricFinding]:
        self.queries += 1
        return self._all_metrics().get(s, [])

    def metric_strength(self, s: str) -> float:
        v = self._all_metrics().get(s)
        return v[0].strength if v else 0.0

    # -- logs ----------------------------------------------------------------------------
    @property
    def has_logs(self) -> bool:
        return self.case.logs is not None and self.log_evidence().lines > 0

    def log_evidence(self):
        if self._logs is None:
            from coord.rca.logs import mine

            c = self.case
            before = min(c.normal_span or LOG_BEFORE, LOG_BEFORE)
            after = c.anomalous_span or math.inf
            self._logs = mine(c.log_records(), c.inject_time, before, after, known=c.services)
        return self._logs

    def logs(self, s: str) -> dict:
        self.queries += 1
        return self.log_feature(s)

    def log_feature(self, s: str) -> dict:
        """A service's log features; `strength` is its case-level log score (`log_scores`)."""
        key = ("log", s)
        if key not in self.cache:
            f = self.log_evidence().features(s)
            f["own"] = log_strength(f)
            f["strength"] = self.log_scores().get(s, 0.0)
            self.cache[key] = f
        return self.cache[key]

    def log_scores(self) -> dict[str, float]:
        """Each service's log score after moving credit along what the errors say.

        - An error that names another service (`call to X failed`) points at X: the share
          of a service's anomalous errors that name others moves that part of its score to
          them, split by mentions.
        - The logs that changed first lead: a service whose new templates appeared later
          than the earliest changed service keeps less of its score (errors travel up the
          call chain after the fault, not before it).
        """
        if "log_scores" in self.cache:
            return self.cache["log_scores"]
        ev = self.log_evidence()
        feats = {s: ev.features(s) for s in ev.services}
        own = {s: log_strength(f) for s, f in feats.items()}
        top = max(own.values(), default=0.0)
        score = dict(own)
        for s, f in feats.items():
            named = sum(f["mentions"].values())
            if not named or own[s] <= 0:
                continue
            away = MENTION_WEIGHT * min(1.0, named / max(f["errors"], 1))
            moved = own[s] * away
            score[s] -= moved
            for t, n in f["mentions"].items():
                score[t] = score.get(t, 0.0) + moved * n / named
        onsets = {
            s: f["onset"]
            for s, f in feats.items()
            if f["onset"] is not None and own[s] >= 0.2 * top > 0
        }
        if onsets:
            first = min(onsets.values())
            for s, t in onsets.items():
                score[s] *= 1 - ONSET_WEIGHT * (1 - math.exp(-(t - first) / ONSET_SECONDS))
        self.cache["log_scores"] = score
        return score

    def log_screen(self) -> dict[str, float]:
        ev = self.log_evidence()
        scores = self.log_scores()
        return {s: scores.get(s, 0.0) for s in ev.services}

    # -- calls ---------------------------------------------------------------------------
    @property
    def graph(self):
        if self._graph is None:
            from coord.rca.graph import CallGraph

            self._graph = CallGraph(self.case.edges, self.case.services)
        return self._graph

    def calls(self, s: str, anomaly: dict[str, float]) -> dict:
        self.queries += 1
        g = self.graph
        top = max(anomaly.values(), default=0.0)
        threshold = 0.5 * top if top > 0 else math.inf
        return {
            "callers": g.callers(s),
            "callees": g.callees(s),
            "propagation": g.propagation(s, anomaly, threshold),
            "anomalous_callees": [c for c in g.callees(s) if anomaly.get(c, 0.0) >= threshold],
        }


def log_strength(f: dict) -> float:
    """How much one service's own logs changed (0 with fewer than 5 lines): new error
    templates and exception types, error events and stack traces above their normal rate,
    new templates of any kind, template-frequency shift and volume change."""
    if f["lines"] < 5:
        return 0.0
    return (
        1.0 * math.log1p(f["new_errors"])
        + 0.7 * math.log1p(len(f["new_exceptions"]))
        + 0.5 * math.log1p(max(f["error_z"], 0.0))
        + 0.3 * math.log1p(max(f["trace_z"], 0.0))
        + 0.3 * math.log1p(max(f["new_templates"] - f["new_errors"], 0))
        + 2.0 * f["shift"]
        + 0.3 * abs(f["volume"])
    )


def is_resource(kind: str) -> bool:
    return kind in RESOURCE_KINDS
