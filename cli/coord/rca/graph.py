"""The call graph: reading topologies and propagating anomaly along calls (networkx).

Edges point from caller to callee. A fault in a callee shows as latency and errors in its
callers, so among anomalous neighbours the one furthest downstream explains the others;
`propagation` scores that, `neighbours` lists what an evidence query looks at.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from coord.errors import InputError

_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")  # node addresses (placement), not services
_SRC = ("source", "src", "caller", "from", "parent", "client")
_DST = ("target", "dst", "destination", "callee", "to", "child", "server")


def read_topology(path: Path) -> list[tuple[str, str]]:
    """Edges from a CSV edge list (`source,target[,weight]`, header optional) or a YAML
    file (`{service: [callees]}` or `{edges: [[caller, callee], ...]}`)."""
    if not path.is_file():
        raise InputError(f"no such topology file: {path}", file=str(path))
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_edges(path)
    edges = []
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError(f"{path.name} is empty", file=str(path), line=1)
    head = [h.strip().lower() for h in rows[0]]
    s = next((head.index(k) for k in _SRC if k in head), None)
    d = next((head.index(k) for k in _DST if k in head), None)
    start = 1 if s is not None and d is not None else 0
    s, d = (s, d) if start else (0, 1)
    for lineno, row in enumerate(rows[start:], start=start + 1):
        if not row or not "".join(row).strip():
            continue
        if len(row) <= max(s, d) or not row[s].strip() or not row[d].strip():
            raise InputError(
                f"{path.name}: line {lineno} is not an edge `caller,callee`",
                file=str(path),
                line=lineno,
            )
        from coord.rca.model import service_of

        a, b = service_of(row[s].strip()), service_of(row[d].strip())
        if a != b and not (_IP.match(a) or _IP.match(b)):
            edges.append((a, b))
    return sorted(set(edges))


def _yaml_edges(path: Path) -> list[tuple[str, str]]:
    from coord.spec.yamlsafe import load_yaml

    data, _ = load_yaml(path)
    edges = []
    if isinstance(data, dict) and "edges" in data:
        for n, e in enumerate(data["edges"] or []):
            if not (isinstance(e, list) and len(e) == 2):
                raise InputError(
                    f"{path.name}: edges[{n}] must be [caller, callee]", file=str(path)
                )
            edges.append((str(e[0]), str(e[1])))
    elif isinstance(data, dict):
        for a, callees in data.items():
            for b in callees if isinstance(callees, list) else [callees]:
                edges.append((str(a), str(b)))
    else:
        raise InputError(
            f"{path.name}: expected a mapping of service to callees, or edges:", file=str(path)
        )
    return sorted({(a, b) for a, b in edges if a != b})


class CallGraph:
    """A directed call graph over services (empty when the case has no topology)."""

    def __init__(self, edges, services) -> None:
        import networkx as nx

        self.g = nx.DiGraph()
        self.g.add_nodes_from(services)
        self.g.add_edges_from(edges)

    @property
    def empty(self) -> bool:
        return self.g.number_of_edges() == 0

    def callers(self, s: str) -> list[str]:
        return sorted(self.g.predecessors(s)) if s in self.g else []

    def callees(self, s: str) -> list[str]:
        return sorted(self.g.successors(s)) if s in self.g else []

    def upstream(self, s: str) -> set[str]:
        """Services whose calls reach `s` (they would feel its fault)."""
        import networkx as nx

        return set(nx.ancestors(self.g, s)) if s in self.g else set()

    def propagation(self, s: str, anomaly: dict[str, float], threshold: float) -> float:
        """How well a fault at `s` explains the anomalies around it, in [-1, 1]:
        + for anomalous callers (the fault travelled up), - for anomalous callees (then
        `s` may itself be a symptom of them)."""
        if self.empty or s not in self.g:
            return 0.0
        up = [anomaly.get(c, 0.0) >= threshold for c in self.callers(s)]
        down = [anomaly.get(c, 0.0) >= threshold for c in self.callees(s)]
        score = (sum(up) / len(up) if up else 0.0) - (sum(down) / len(down) if down else 0.0)
        return max(-1.0, min(1.0, score))
