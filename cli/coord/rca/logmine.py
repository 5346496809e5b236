"""Log template mining (drain3) into per-service evidence, in one streaming pass.

Per service and window (normal: before the inject time; anomalous: from it) the miner
keeps only counts, so memory does not grow with the file:
- lines and lines per template (drain3's bounded cluster table);
- **error events**: a line that reads as an error, with its **stack trace** folded in —
  continuation lines (`\\tat ...`, `Caused by: ...`, `... 12 more`, a bare exception class
  right after an error) belong to the error before them and are not counted as lines or
  templates, so a service that prints long traces does not look more broken than one
  that prints one line;
- **exception types** named by errors (`java.lang.NullPointerException`, `ValueError`);
- **mentions**: other services that an error names (`call to ts-price-service failed`) —
  an error that names a callee points at it rather than at the service that logs it;
- **onset**: the first time after the inject time that each template appears, so the
  service whose logs changed first can be told from those that followed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from coord.rca.logs import MAX_MESSAGE, MAX_TEMPLATES, clean, is_error
from coord.rca.model import LogRecord

BUCKET = 10.0
_CONT = re.compile(
    r"^\s+at\s|^\s*Caused by:|^\s*\.\.\.\s*\d+\s+more|^\s*Traceback \(most recent|^\s+File \""
)
_BARE = re.compile(r"^(?:[a-z_][\w$]*\.)+[A-Z]\w*(?:Exception|Error)(?::|$)")
_EXC = re.compile(
    r"\b((?:[a-z_][\w$]*\.)+[A-Z]\w*(?:Exception|Error)|[A-Z]\w*(?:Exception|Error))\b"
)


@dataclass
class ServiceLogs:
    """Counts for one service."""

    normal: int = 0
    anomalous: int = 0
    templates: dict[int, list[int]] = field(default_factory=dict)  # id -> [normal, anomalous]
    errors: list[int] = field(default_factory=lambda: [0, 0])  # error events per window
    traces: list[int] = field(default_factory=lambda: [0, 0])  # errors with a stack trace
    exceptions: dict[str, list[int]] = field(default_factory=dict)  # type -> [normal, anom]
    mentions: dict[str, int] = field(default_factory=dict)  # service -> anomalous errors
    first: dict[int, float] = field(default_factory=dict)  # template -> first anomalous time


@dataclass
class LogEvidence:
    """Per-service log features of one case (see `mine`)."""

    services: dict[str, ServiceLogs]
    templates: dict[int, str]
    errors: set[int]
    normal_seconds: float
    anomalous_seconds: float
    lines: int
    inject: float = 0.0

    def features(self, service: str) -> dict:
        """Volume change, template-frequency shift, new error templates, error-rate shift,
        stack traces, new exception types, onset and the services its errors name."""
        s = self.services.get(service)
        if s is None:
            return _empty()
        ns, na = max(self.normal_seconds, 1.0), max(self.anomalous_seconds, 1.0)
        volume = math.log((s.anomalous / na + 0.05) / (s.normal / ns + 0.05))
        k = max(len(s.templates), 1)
        shift = 0.0
        new_errors = new_templates = 0
        err_n = err_a = 0
        top = []
        onset = math.inf
        for tid, (cn, ca) in s.templates.items():
            pn = (cn + 0.5) / (s.normal + 0.5 * k)
            pa = (ca + 0.5) / (s.anomalous + 0.5 * k)
            shift += abs(pa - pn) / 2
            new = cn == 0 and _surprising(ca, 0.5 * na / ns)
            if new:
                new_templates += 1
                onset = min(onset, s.first.get(tid, math.inf))
            if tid in self.errors:
                err_n += cn
                err_a += ca
                if new:
                    new_errors += 1
                    top.append((ca, self.templates[tid]))
        if s.normal == 0 or s.anomalous == 0:
            shift = 0.0  # one-sided: nothing to compare, volume tells it
        error_rise = math.log((err_a / na + 0.02) / (err_n / ns + 0.02))
        # Error events against what the normal rate predicts (a Poisson surprise, in sd).
        expected = s.errors[0] * na / ns
        error_z = (s.errors[1] - expected) / math.sqrt(expected + 1.0)
        trace_z = (s.traces[1] - s.traces[0] * na / ns) / math.sqrt(s.traces[0] * na / ns + 1)
        new_exc = sorted(
            e for e, (cn, ca) in s.exceptions.items() if cn == 0 and _surprising(ca, 0.5 * na / ns)
        )
        top.sort(reverse=True)
        return {
            "lines": s.normal + s.anomalous,
            "volume": volume,
            "shift": shift,
            "new_errors": new_errors,
            "new_templates": new_templates,
            "error_rise": error_rise,
            "error_z": error_z,
            "errors": s.errors[1],
            "trace_z": trace_z,
            "new_exceptions": new_exc,
            "onset": None if onset == math.inf else max(0.0, onset - self.inject),
            "mentions": dict(s.mentions),
            "top": [t for _, t in top[:3]],
        }


def _surprising(count: int, mean: float, p: float = 0.01) -> bool:
    """Whether `count` or more events are unlikely (below `p`) under a Poisson `mean`: a
    template never seen before the inject time is new only if it appears more often than
    a rare line would by chance (half an occurrence in the normal window, scaled to the
    anomalous one's length)."""
    if count < 2:
        return False
    term = math.exp(-mean)
    below = 0.0
    for k in range(count):
        below += term
        term *= mean / (k + 1)
    return 1.0 - below < p


def _empty() -> dict:
    return {
        "lines": 0,
        "volume": 0.0,
        "shift": 0.0,
        "new_errors": 0,
        "new_templates": 0,
        "error_rise": 0.0,
        "error_z": 0.0,
        "errors": 0,
        "trace_z": 0.0,
        "new_exceptions": [],
        "onset": None,
        "mentions": {},
        "top": [],
    }


def _mention_pattern(known: Iterable[str]) -> re.Pattern | None:
    names = sorted({n for n in known if len(n) >= 4}, key=lambda n: (-len(n), n))
    if not names:
        return None
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?![\w-])")


def mine(
    records: Iterable[LogRecord],
    inject: float,
    before: float,
    after: float,
    known: Iterable[str] = (),
) -> LogEvidence:
    """Mine the records within [inject-before, inject+after) (see the module docstring).
    `known` are service names an error may mention. Window lengths count only the
    10-second buckets that have any log line, so gaps between log files do not read as a
    service going quiet."""
    from drain3.drain import Drain

    drain = Drain(depth=4, sim_th=0.4, max_children=100, max_clusters=MAX_TEMPLATES)
    services: dict[str, ServiceLogs] = {}
    errors: set[int] = set()
    lo, hi = inject - before, inject + after
    buckets: set[int] = set()
    lines = 0
    cache: dict[str, int] = {}
    mention = _mention_pattern(known)
    last_error: dict[str, tuple[float, bool]] = {}  # service -> (time, trace seen)
    for ts, svc, msg in records:
        if ts < lo or ts >= hi:
            continue
        w = 1 if ts >= inject else 0
        s = services.get(svc)
        if s is None:
            s = services[svc] = ServiceLogs()
        head = msg[:MAX_MESSAGE]
        prev = last_error.get(svc)
        if prev is not None and abs(ts - prev[0]) <= 1.0 and _continues(head):
            if not prev[1]:  # the first continuation line: that error had a trace
                s.traces[w] += 1
                last_error[svc] = (prev[0], True)
            _exception(s, head, w)
            continue
        lines += 1
        buckets.add(int((ts - inject) // BUCKET))
        text = clean(msg)
        tid = cache.get(text)
        if tid is None:
            cluster, _ = drain.add_log_message(text)
            tid = cluster.cluster_id
            if len(cache) < 50_000:
                cache[text] = tid
            if is_error(head):
                errors.add(tid)
        if w:
            s.anomalous += 1
            if ts < s.first.get(tid, math.inf):
                s.first[tid] = ts
        else:
            s.normal += 1
        s.templates.setdefault(tid, [0, 0])[w] += 1
        if tid in errors:
            s.errors[w] += 1
            last_error[svc] = (ts, False)
            _exception(s, head, w)
            if w and mention is not None:
                for name in set(mention.findall(head)):
                    if name != svc:
                        s.mentions[name] = s.mentions.get(name, 0) + 1
        else:
            last_error.pop(svc, None)
    templates = {c.cluster_id: c.get_template() for c in drain.clusters}
    normal_s = BUCKET * sum(1 for b in buckets if b < 0)
    anom_s = BUCKET * sum(1 for b in buckets if b >= 0)
    return LogEvidence(services, templates, errors, normal_s, anom_s, lines, inject)


def _continues(line: str) -> bool:
    """A stack-trace line, or a bare exception class printed under its error."""
    if _CONT.match(line):
        return True
    return _BARE.match(line.strip()) is not None


def _exception(s: ServiceLogs, line: str, w: int) -> None:
    m = _EXC.search(line)
    if m:
        s.exceptions.setdefault(m.group(1), [0, 0])[w] += 1
