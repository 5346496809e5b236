"""What a loader hands to the methods: one incident (`Case`) and its ground truth.

A case is a set of metric series keyed by (service, indicator), an inject time (or None,
then found by change-point detection), optionally a log source (streamed, never held whole)
and call-graph edges (caller → callee). Pod names map to services (`service_of`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

# A log record: (epoch seconds, service, message).
LogRecord = tuple[float, str, str]

# Kubernetes pod names: <deployment>-<replicaset hash>-<pod hash> or <statefulset>-<n>.
_POD = re.compile(r"^(?P<svc>.+?)-(?:[0-9a-f]{8,10}-[0-9a-z]{5}|[0-9a-z]{5}|\d+)$")
_POD_STRICT = re.compile(r"^(?P<svc>.+?)-[0-9a-f]{8,10}-[0-9a-z]{5}$")


def service_of(name: str) -> str:
    """The service a pod or container name belongs to (`cartservice-579f59597d-wc2lz` →
    `cartservice`); names that do not look like pods are returned unchanged."""
    m = _POD_STRICT.match(name)
    return m.group("svc") if m else name


# Indicator kinds: what a metric measures, from its name. Resource kinds are where faults
# are injected; latency, load and errors are symptoms that also travel along calls.
KINDS = ("cpu", "mem", "disk", "network", "latency", "error", "load", "log", "other")
_KIND_PATTERNS = (
    ("cpu", re.compile(r"cpu", re.I)),
    ("mem", re.compile(r"mem|rss|heap", re.I)),
    ("latency", re.compile(r"lat|duration|p9\d|p50|delay|response.?time|rt\b", re.I)),
    ("error", re.compile(r"err|fail|success|5xx|4xx|exception", re.I)),
    ("disk", re.compile(r"disk|fs_|io|syscall|read|write", re.I)),
    ("network", re.compile(r"net|bytes|packet|receive|transmit|tx|rx|socket|loss", re.I)),
    ("load", re.compile(r"lod|load|workload|qps|ops|count|request|throughput", re.I)),
)
RESOURCE_KINDS = frozenset({"cpu", "mem", "disk", "network"})


def kind_of(indicator: str) -> str:
    """The kind of an indicator name (`CpuUsageRate(%)` → cpu, `lat_90` → latency)."""
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(indicator):
            return kind
    return "other"


# Fault names of the known datasets → (canonical fault, indicator kind of its root cause).
_FAULTS = {
    "cpu": ("cpu", "cpu"),
    "cpu_contention": ("cpu", "cpu"),
    "cpu_consumed": ("cpu", "cpu"),
    "mem": ("mem", "mem"),
    "memory": ("mem", "mem"),
    "disk": ("disk", "disk"),
    "delay": ("delay", "latency"),
    "network_delay": ("delay", "latency"),
    "latency": ("delay", "latency"),
    "loss": ("loss", "network"),
    "network_loss": ("loss", "network"),
    "socket": ("socket", "network"),
    "exception": ("code", "log"),
    "return": ("code", "log"),
    "code": ("code", "log"),
}
FAULTS = ("cpu", "mem", "disk", "delay", "loss", "code")


def canonical_fault(name: str) -> tuple[str, str | None]:
    """(fault, indicator kind) for a dataset's fault name; unknown names (e.g. RCAEval's
    code faults `f1`…`f5`) are kept as they are, with kind `log`."""
    key = name.strip().lower()
    if key in _FAULTS:
        return _FAULTS[key]
    if re.fullmatch(r"f\d+", key):
        return key, "log"
    return key, None


@dataclass(frozen=True)
class Truth:
    """Ground truth of a case: the faulty service, the fault as the dataset names it, and
    the indicator kind of the fine-grained root cause when it is known."""

    service: str
    fault: str
    kind: str | None = None


@dataclass
class Series:
    times: np.ndarray
    values: np.ndarray


@dataclass
class Case:
    """One incident, ready for the methods."""

    name: str
    series: dict[tuple[str, str], Series]
    inject_time: float | None
    logs: Callable[[], Iterable[LogRecord]] | None = None
    edges: list[tuple[str, str]] = field(default_factory=list)
    truth: Truth | None = None
    # How far around the inject time to look (seconds); None: all the data on that side.
    normal_span: float | None = None
    anomalous_span: float | None = None
    warnings: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def services(self) -> list[str]:
        names = {s for s, _ in self.series}
        for a, b in self.edges:
            names.update((a, b))
        return sorted(names)

    def log_records(self) -> Iterator[LogRecord]:
        if self.logs is None:
            return iter(())
        return iter(self.logs())

    def time_range(self) -> tuple[float, float] | None:
        lo = [float(s.times[0]) for s in self.series.values() if len(s.times)]
        hi = [float(s.times[-1]) for s in self.series.values() if len(s.times)]
        return (min(lo), max(hi)) if lo else None
