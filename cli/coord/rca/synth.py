"""`coord rca synth`: deterministic synthetic incidents in the RCAEval layout.

    OUT/<service>_<fault>/<rep>/data.csv        time, <service>_<metric> ... every STEP s
    OUT/<service>_<fault>/<rep>/inject_time.txt epoch seconds
    OUT/<service>_<fault>/<rep>/logs.csv        time, service, message (multi-line stack
                                                traces are one record per line, as
                                                container runtimes store them)
    OUT/<service>_<fault>/<rep>/dependency.csv  Source,Target,Weight (the system's calls)

The same (system, cases, seed, faults) always writes the same bytes.

The model, per case (all draws from one seeded generator per case):
- **Load** enters at the system's entry and flows down the call graph (each edge carries a
  share of its caller's requests); it follows a daily-like cycle (a sine of random period
  and phase) with noise, so every service's cpu, network and latency breathe together.
- **Metrics** per service: `cpu` (base + per-request cost × load), `mem` (slow drift and,
  for JVM-like services, a GC sawtooth), `diskio`, `net` (bytes ∝ load), `lat_50` and
  `lat_90` (own processing time, growing with cpu saturation, plus the latency of the
  callees it waits for), `lod` (requests). Noise is heavy-tailed; a few values are missing.
- **Confusers**, independent of the fault: short spikes in unrelated services' metrics
  (some inside the anomalous window), sometimes a benign level shift in another service
  (a batch job), and sometimes an unrelated error burst in another service's logs.
- **Faults** at the root service from the inject time, with a random magnitude (some are
  weak) and a short onset: `cpu` (cpu up, own latency up), `mem` (memory ramps, mild
  latency), `disk` (io up, latency up), `delay` (own latency up; callers inherit it through
  the call graph), `loss` (bytes down, retransmission latency, callers log resets), `code`
  (a bug in a share of requests, metrics barely move): either an exception — new error
  lines with a stack trace in the root's logs — or a wrong return value — one of the
  root's usual lines changes, no error there; either way its callers then log errors (with
  their own client stack traces when JVM-like) that name the root in some cases and only
  the symptom in others.
- **Logs** from per-service templates in the style of the system (Java services log class
  and line, as Train Ticket does; others key=value or plain), at a rate that follows load.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coord.rca.systems import SYSTEMS, System

FAULTS = ("cpu", "mem", "disk", "delay", "loss", "code")
STEP = 5.0  # seconds between metric samples
NORMAL = 144  # samples before the inject time (12 minutes)
ANOMALOUS = 72  # samples from it (6 minutes)
T0 = 1_700_000_000


@dataclass
class Fault:
    service: str
    fault: str
    magnitude: float  # relative size, drawn per case (some faults are weak)


def _rng(seed: int, *parts) -> np.random.Generator:
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def plan(system: System, cases: int, seed: int, faults=FAULTS) -> list[Fault]:
    """Which service gets which fault, case by case: faults rotate, services are drawn."""
    rng = _rng(seed, system.name, "plan")
    services = [s for s in system.services if s != system.entry]
    out = []
    for i in range(cases):
        fault = faults[i % len(faults)]
        out.append(Fault(str(rng.choice(services)), fault, float(rng.uniform(0.0, 1.0))))
    return out


class World:
    """One system's steady state for one case: load shares, costs and latencies."""

    def __init__(self, system: System, rng: np.random.Generator) -> None:
        import networkx as nx

        self.system = system
        self.g = nx.DiGraph(system.edges)
        self.order = list(nx.topological_sort(self.g))  # callers before callees
        self.rng = rng
        n = NORMAL + ANOMALOUS
        self.t = T0 + STEP * np.arange(n)
        period = rng.uniform(600, 2400)
        cycle = 1 + rng.uniform(0.1, 0.35) * np.sin(2 * np.pi * self.t / period + rng.uniform(0, 6))
        base = cycle * (1 + 0.05 * rng.standard_normal(n))
        self.load: dict[str, np.ndarray] = {}
        for s in self.order:
            callers = list(self.g.predecessors(s))
            if not callers:
                share = 1.0 if s == system.entry else rng.uniform(0.05, 0.3)
                self.load[s] = 20 * share * base
            else:
                self.load[s] = sum(self.load[c] * self.g[c][s]["share"] for c in callers)
            for c in self.g.successors(s):
                self.g[s][c]["share"] = rng.uniform(0.2, 0.9)
        self.java = {
            s: system.style == "java" or rng.random() < 0.4 for s in system.services
        }  # JVM-like: GC sawtooth in memory, class#line log lines
        self.cpu_cost = {s: rng.lognormal(-1.0, 0.8) for s in system.services}
        self.own_ms = {s: rng.lognormal(1.5, 0.7) for s in system.services}

    def spread(self, n: int, scale: float, heavy: float = 0.03) -> np.ndarray:
        """Noise: mostly normal, sometimes a heavy-tailed jolt."""
        x = self.rng.standard_normal(n) * scale
        jolt = self.rng.random(n) < heavy
        x[jolt] *= self.rng.uniform(3, 6, int(jolt.sum()))
        return x


def _metrics(w: World, f: Fault, inject: int) -> tuple[dict[str, np.ndarray], dict]:
    """All metric columns of one case, and what the fault did (for the logs)."""
    rng, n = w.rng, len(w.t)
    after = np.arange(n) >= inject
    onset = np.clip((np.arange(n) - inject + 1) / rng.integers(1, 4), 0, 1) * after
    m = 0.3 + 1.7 * f.magnitude  # 0.3 (weak) .. 2 (strong)
    cols: dict[str, np.ndarray] = {}
    cpu, lat = {}, {}
    for s in w.system.services:
        load = w.load[s]
        cpu[s] = 1 + w.cpu_cost[s] * load * 5 + w.spread(n, 0.4 + 0.05 * w.cpu_cost[s] * 20)
    r = f.service
    effect = {"error_share": 0.0}
    if f.fault == "cpu":
        cpu[r] = cpu[r] + onset * m * (15 + 20 * rng.random())
    elif f.fault == "code":
        effect["error_share"] = 0.05 + 0.4 * f.magnitude
        cpu[r] = cpu[r] * (1 + 0.05 * onset)
    sat = {s: np.clip(cpu[s], 0, None) / 60.0 for s in cpu}
    for s in reversed(w.order):  # callees first: callers wait for them
        own = w.own_ms[s] * (1 + sat[s] ** 2) * (1 + 0.05 * w.spread(n, 1.0))
        if s == r and f.fault == "delay":
            own = own + onset * m * (20 + 60 * rng.random())
        elif s == r and f.fault in ("disk", "loss"):
            own = own * (1 + onset * m * 0.6) + onset * m * 5 * rng.random(n)
        elif s == r and f.fault == "mem":
            own = own * (1 + 0.15 * onset * m)
        elif s == r and f.fault == "code":
            own = own * (1 + 0.08 * onset * rng.choice([-1, 1]))
        waits = sum(lat[c] * w.g[s][c]["share"] for c in w.g.successors(s))
        lat[s] = own + waits
    for s in w.system.services:
        load = w.load[s]
        mem = 100 + 300 * w.rng.random() + np.cumsum(w.spread(n, 0.3))
        if w.java[s]:
            mem = mem + 40 * ((np.arange(n) * rng.uniform(0.02, 0.08)) % 1.0)
        if s == r and f.fault == "mem":
            mem = mem + np.cumsum(onset) * m * rng.uniform(1.5, 4.0)
        disk = 5 + 2 * load + w.spread(n, 1.0, heavy=0.08)
        if s == r and f.fault == "disk":
            disk = disk + onset * m * (20 + 30 * rng.random())
        net = 1000 * load * (1 + 0.05 * w.rng.standard_normal(n))
        if s == r and f.fault == "loss":
            net = net * (1 - onset * m * 0.2)
        cols[f"{s}_cpu"] = np.clip(cpu[s], 0.01, None)
        cols[f"{s}_mem"] = mem
        cols[f"{s}_diskio"] = np.clip(disk, 0, None)
        cols[f"{s}_net"] = np.clip(net, 0, None)
        cols[f"{s}_lat_50"] = np.clip(lat[s], 0.1, None)
        cols[f"{s}_lat_90"] = np.clip(lat[s] * (1.8 + 0.2 * w.rng.random(n)), 0.1, None)
        cols[f"{s}_lod"] = np.clip(load * (1 + 0.05 * w.rng.standard_normal(n)), 0, None)
    _confuse(w, cols, f, inject)
    effect["onset"] = onset
    return cols, effect


def _confuse(w: World, cols: dict[str, np.ndarray], f: Fault, inject: int) -> None:
    """Unrelated spikes, a benign level shift, missing values: what real data has."""
    rng, n = w.rng, len(w.t)
    others = [s for s in w.system.services if s != f.service]
    names = sorted(cols)
    for _ in range(int(rng.integers(1, 5))):
        col = str(rng.choice([c for c in names if not c.startswith(f.service + "_")]))
        at = int(rng.integers(inject - 20, n - 3))
        width = int(rng.integers(1, 4))
        x = cols[col]
        x[at : at + width] += rng.uniform(4, 12) * (np.std(x[:inject]) + 1e-3)
    if rng.random() < 0.35:  # a batch job elsewhere shifts a level after the inject time
        s = str(rng.choice(others))
        col = f"{s}_{rng.choice(['cpu', 'diskio', 'net'])}"
        start = int(rng.integers(inject - 10, inject + ANOMALOUS // 2))
        cols[col][start:] *= rng.uniform(1.2, 1.8)
    for c in names:
        holes = rng.random(n) < 0.003
        cols[c][holes] = np.nan


# -- logs ------------------------------------------------------------------------------
_OPS = ("query", "create", "update", "find", "check", "get", "list", "save")


def _cls(s: str) -> str:
    words = s.removeprefix("ts-").removesuffix("-service").removesuffix("service").split("-")
    return "".join(x.capitalize() for x in words if x) or "App"


def _templates(w: World, s: str) -> list[str]:
    """Normal log lines of one service ({} = a variable part)."""
    c, rng = _cls(s), w.rng
    ops = [str(o) for o in rng.choice(_OPS, size=4, replace=False)]
    if w.java[s]:
        pkg = f"{s[3] if s.startswith('ts-') else s[0]}.s"
        return [
            f"INFO  {pkg}.{c}ServiceImpl#{int(rng.integers(30, 600))} TraceID: {{}} "
            f"[{op}{c}][{op.capitalize()} {c.lower()} success][id: {{}}]"
            for op in ops
        ] + [f"INFO  {pkg}.{c}Controller#{int(rng.integers(20, 90))} [{ops[0]}] start"]
    return [f'level=info msg="{op} {c.lower()}" id={{}} took={{}}ms' for op in ops] + [
        f"GET /{c.lower()}/{{}} 200 {{}}ms"
    ]


def _exception(w: World, s: str) -> list[str]:
    """The lines a code fault adds to its service's log: an error and its stack trace."""
    c, rng = _cls(s), w.rng
    exc = str(
        rng.choice(
            [
                "java.lang.NullPointerException",
                "java.lang.IllegalStateException: unexpected status",
                "java.lang.ArithmeticException: / by zero",
                "java.lang.IndexOutOfBoundsException: Index: {} Size: {}",
                'java.lang.NumberFormatException: For input string: "{}"',
            ]
        )
    )
    line = int(rng.integers(40, 500))
    if not w.java[s]:
        return [f'level=error msg="{_OPS[line % 8]} {c.lower()} failed" error="{exc}" id={{}}']
    head = f"ERROR {s[3] if s.startswith('ts-') else s[0]}.s.{c}ServiceImpl#{line} TraceID: {{}} "
    return [
        head + f"[{_OPS[line % 8]}{c}][Exception] {exc}",
        f"\tat com.trainticket.{c.lower()}.service.{c}ServiceImpl.{_OPS[line % 8]}({c}ServiceImpl"
        f".java:{line})",
        f"\tat com.trainticket.{c.lower()}.controller.{c}Controller.{_OPS[line % 8]}({c}Controller"
        f".java:{line // 7 + 20})",
        "\tat sun.reflect.GeneratedMethodAccessor{}.invoke(Unknown Source)",
    ]


def _caller_error(w: World, caller: str, callee: str, named: bool) -> list[str]:
    """What a caller logs when its calls to a broken callee fail: an error line (naming the
    callee, or only the symptom) and, for JVM-like callers, the client's stack trace."""
    c = _cls(caller)
    if named:
        head = f"ERROR [{c}] call to {callee} failed: 500 Internal Server Error (request {{}})"
    else:
        head = f"ERROR [{c}] unexpected response: result is null (request {{}})"
    if not w.java[caller]:
        return [head]
    return [
        head,
        "org.springframework.web.client.HttpServerErrorException: 500 null"
        if named
        else "java.lang.NullPointerException: null",
        f"\tat com.trainticket.{c.lower()}.service.{c}ServiceImpl.call({c}ServiceImpl.java:{{}})",
        "\tat org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:{})",
    ]


def _logs(w: World, f: Fault, inject: int, effect: dict) -> list[tuple[float, str, str]]:
    rng, n = w.rng, len(w.t)
    out: list[tuple[float, str, str]] = []
    normal = {s: _templates(w, s) for s in w.system.services}
    share = effect["error_share"] * effect["onset"]
    # Code faults come as exceptions (the root logs them) or wrong return values (the root
    # logs nothing wrong, one of its usual lines changes; its callers fail on the result).
    variant = str(rng.choice(["exception", "return"])) if f.fault == "code" else ""
    exc = _exception(w, f.service) if variant == "exception" else []
    changed = f"INFO  [{_cls(f.service)}] result empty for id: {{}}" if variant == "return" else ""
    callers = {c: int(rng.integers(1, 4)) for c in w.g.predecessors(f.service)}
    named = rng.random() < 0.6
    caller_lines = {c: _caller_error(w, c, f.service, named) for c in callers}
    burst = None
    if rng.random() < 0.3:  # an unrelated service has a bad minute of its own
        who = str(rng.choice([s for s in w.system.services if s != f.service]))
        burst = (who, int(rng.integers(inject - 30, n - 12)), _caller_error(w, who, "db", True))
    for i in range(n):
        t = float(w.t[i])
        for s in w.system.services:
            k = int(rng.poisson(0.6 * w.load[s][i] ** 0.5 + 0.3))
            for _ in range(k):
                tpl = normal[s][int(rng.integers(len(normal[s])))]
                if s == f.service and changed and tpl == normal[s][0] and rng.random() < share[i]:
                    tpl = changed
                out.append((t + rng.uniform(0, STEP), s, _fill(tpl, rng)))
            if rng.random() < 0.01:  # background warnings everyone has
                out.append((t + rng.uniform(0, STEP), s, "WARN slow response from db: {}ms"))
        if exc and share[i] > 0:
            calls = int(w.load[f.service][i] ** 0.5 * 2) + 3
            for _ in range(int(rng.binomial(calls, min(share[i], 1.0)))):
                _emit(out, t + rng.uniform(0, STEP), f.service, exc, rng)
        if f.fault == "code":
            for c, lag in callers.items():  # callers see the failures a few samples later
                if i - lag >= inject and rng.random() < min(1.0, 3 * share[i - lag]):
                    _emit(out, t + rng.uniform(0, STEP), c, caller_lines[c], rng)
        if f.fault in ("delay", "loss") and i >= inject:
            verb = "Read timed out" if f.fault == "delay" else "Connection reset by peer"
            for c in callers:
                if rng.random() < 0.15 * (0.5 + f.magnitude):
                    out.append((t + rng.uniform(0, STEP), c, f"WARN calling {f.service}: {verb}"))
        if burst and burst[1] <= i < burst[1] + 6:
            _emit(out, t + rng.uniform(0, STEP), burst[0], burst[2], rng)
    out = [(t, s, m.replace("{}", "0")) for t, s, m in out]
    out.sort(key=lambda r: r[0])
    return out


def _emit(out: list, ts: float, service: str, lines: list[str], rng) -> None:
    for j, line in enumerate(lines):
        out.append((ts + 0.001 * j, service, _fill(line, rng)))


def _fill(tpl: str, rng: np.random.Generator) -> str:
    parts = tpl.split("{}")
    if len(parts) == 1:
        return tpl
    vals = [str(int(rng.integers(1, 10**6))) for _ in parts[1:]]
    return "".join(p + v for p, v in zip(parts, vals + [""], strict=True))


# -- writing ----------------------------------------------------------------------------
def write_case(root: Path, system: System, f: Fault, rep: int, seed: int, index: int) -> Path:
    rng = _rng(seed, system.name, index)
    w = World(system, rng)
    inject = NORMAL
    cols, effect = _metrics(w, f, inject)
    logs = _logs(w, f, inject, effect)
    folder = root / f"{f.service}_{f.fault}" / str(rep)
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(cols)
    with open(folder / "data.csv", "w", newline="") as fh:
        fh.write("time," + ",".join(names) + "\n")
        for i, t in enumerate(w.t):
            vals = ("" if np.isnan(cols[c][i]) else f"{cols[c][i]:.4f}" for c in names)
            fh.write(f"{int(t)}," + ",".join(vals) + "\n")
    (folder / "inject_time.txt").write_text(f"{int(w.t[inject])}\n")
    with open(folder / "logs.csv", "w", newline="") as fh:
        fh.write("time,service,message\n")
        for t, s, msg in logs:
            fh.write(f'{t:.3f},{s},"{msg.replace(chr(34), chr(34) * 2)}"\n')
    with open(folder / "dependency.csv", "w") as fh:
        fh.write("Source,Target,Weight\n")
        for a, b in system.edges:
            fh.write(f"{a},{b},1\n")
    return folder


def synth(
    out: Path, system: str, cases: int, seed: int, faults=FAULTS, progress=None
) -> list[Path]:
    """Write `cases` incidents of `system` under `out`; the folders written."""
    sysm = SYSTEMS[system]
    reps: dict[tuple[str, str], int] = {}
    folders = []
    for i, f in enumerate(plan(sysm, cases, seed, faults)):
        reps[(f.service, f.fault)] = reps.get((f.service, f.fault), 0) + 1
        folders.append(write_case(out, sysm, f, reps[(f.service, f.fault)], seed, i))
        if progress:
            progress()
    return folders
