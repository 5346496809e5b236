"""`lats`: Language-Agent-Tree-Search-style RCA (after LATS-RCA, arXiv 2605.03505), offline.

Two agents search separately, each a Monte-Carlo tree search:
- the *metrics agent* may query a service's metrics and its calls (callers/callees);
- the *log agent* may query a service's log templates and its calls.
A node is a hypothesis — (service, fault) plus the evidence gathered for it so far; the
root's children are hypotheses seeded from a cheap overview (each service's strongest
signal). One iteration: **select** by UCT from the root, **expand** the chosen hypothesis
with the next evidence query its agent has not made yet, **evaluate** it, **reflect** when
the value fell (a reflection names why — e.g. "latency only; callee X is anomalous" — and
steers later expansions by seeding X as a new hypothesis), **backpropagate** the value. A
search stops when its budget is spent or when the leading, fully examined hypothesis is
ahead of the runner-up by `CONFIDENCE`.

Evaluation blends an *evidence score* (how much of the case's strongest anomaly this
service's gathered evidence reaches) with *self-consistency* (the share of the gathered
evidence items that point at this service rather than away from it).

The *supervisor* correlates the two agents: **agree** when their leading hypotheses
match, **contradict** when they differ — then it **escalates**: the disputed hypotheses
are re-scored with both kinds of evidence, each agent weighted by its confidence (its lead
over its own runner-up) and by whether it had any evidence at all.

By default everything is deterministic: ties break by name; no clock or randomness enters
a decision, and `usage` reports zero model calls. With `--backend anthropic/<model>` or
`openai/<model>` a model proposes the expansions and writes the reflections, within a
budget of calls and tokens (`coord.rca.llm`); the evidence and the scoring stay built-in.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from coord.rca.agents import Evidence, is_resource
from coord.rca.methods import FAULT_OF_KIND, Candidate, Ranking
from coord.rca.model import Case

UCT_C = 0.7
CONFIDENCE = 0.25
SEED_WIDTH = 8  # hypotheses seeded at the root per agent
BUDGET = 64  # iterations per agent


@dataclass
class Node:
    service: str
    agent: str
    prior: float
    done: list[str] = field(default_factory=list)  # evidence queries made
    facts: dict = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)
    visits: int = 0
    total: float = 0.0
    value: float = 0.0
    reflection: str | None = None
    fault: str = "unknown"
    indicator: str | None = None

    @property
    def q(self) -> float:
        return self.total / self.visits if self.visits else self.prior

    def to_dict(self) -> dict:
        return {
            "hypothesis": {"service": self.service, "fault": self.fault},
            "queries": list(self.done),
            "visits": self.visits,
            "value": round(self.q, 4),
            "evidence": list(self.evidence),
            "reflection": self.reflection,
        }


class Agent:
    """One searcher: its evidence actions and how it scores a hypothesis."""

    def __init__(self, name: str, actions: tuple[str, ...], ev: Evidence) -> None:
        self.name = name
        self.actions = actions
        self.ev = ev
        self.reflections: list[str] = []

    def overview(self) -> dict[str, float]:
        return self.ev.screen() if self.name == "metrics" else self.ev.log_screen()

    def expand(self, node: Node, anomaly: dict[str, float]) -> None:
        action = next(a for a in self.actions if a not in node.done)
        node.done.append(action)
        s = node.service
        if action == "metrics":
            found = self.ev.metrics(s)
            node.facts["metrics"] = self.ev.metric_strength(s)
            if found:
                top = found[0]
                node.indicator = top.indicator
                node.fault = FAULT_OF_KIND.get(top.kind, "unknown")
                node.facts["resource"] = any(
                    is_resource(f.kind) and f.strength >= 0.5 * top.strength for f in found[:4]
                )
                node.evidence.append(
                    f"metrics: {s}_{top.indicator} shifted {top.level:.1f} robust units "
                    f"(peak {top.peak:.1f}; {top.kind})"
                )
            else:
                node.evidence.append(f"metrics: {s} has no usable metric")
        elif action == "logs":
            f = self.ev.logs(s)
            node.facts["logs"] = f["strength"]
            if f["new_errors"]:
                node.fault = "code"
                node.indicator = node.indicator or "log"
            node.evidence.append(
                f"logs: {f['lines']} lines, volume {f['volume']:+.2f} (log ratio), template "
                f"shift {f['shift']:.2f}, {f['new_errors']} new error templates"
                + (f" e.g. {f['top'][0][:80]!r}" if f["top"] else "")
            )
        elif action == "calls":
            c = self.ev.calls(s, anomaly)
            node.facts["propagation"] = c["propagation"]
            node.facts["anomalous_callees"] = c["anomalous_callees"]
            if c["callers"] or c["callees"]:
                node.evidence.append(
                    f"calls: {len(c['callers'])} callers, {len(c['callees'])} callees; "
                    f"propagation {c['propagation']:+.2f}"
                    + (
                        f"; anomalous callees {', '.join(c['anomalous_callees'][:3])}"
                        if c["anomalous_callees"]
                        else ""
                    )
                )

    def evaluate(self, node: Node, best: float) -> float:
        """Evidence score blended with self-consistency, in [0, 1]."""
        own = node.facts.get("metrics" if self.name == "metrics" else "logs")
        strength = (own / best) if (own is not None and best > 0) else node.prior
        supports = []
        if own is not None:
            supports.append(strength >= 0.5)
        prop = node.facts.get("propagation")
        if prop is not None and (node.facts.get("anomalous_callees") or prop > 0):
            supports.append(prop > 0 or bool(node.facts.get("resource")))
        if node.facts.get("resource") is not None and self.name == "metrics":
            supports.append(bool(node.facts["resource"]) or strength >= 0.8)
        consistency = sum(supports) / len(supports) if supports else 0.5
        p = (prop or 0.0) * 0.1
        return max(0.0, min(1.0, 0.8 * strength + 0.2 * consistency + p))

    def reflect(self, node: Node, before: float, after: float) -> str | None:
        if after >= before - 0.05:
            return None
        why = []
        callees = node.facts.get("anomalous_callees") or []
        if callees and not node.facts.get("resource"):
            why.append(f"its anomaly may come from callee {callees[0]}")
        if node.facts.get("metrics", 1.0) == 0.0 or node.facts.get("logs", 1.0) == 0.0:
            why.append("its own signals are silent")
        text = f"{node.service}: value fell {before:.2f}→{after:.2f}" + (
            "; " + "; ".join(why) if why else ""
        )
        node.reflection = text
        self.reflections.append(text)
        return callees[0] if callees and not node.facts.get("resource") else None


def _search(
    agent: Agent, budget: int, anomaly: dict[str, float], advisor=None
) -> tuple[list[Node], dict]:
    overview = agent.overview()
    best = max(overview.values(), default=0.0)
    order = sorted(overview, key=lambda s: (-overview[s], s))
    children = [
        Node(s, agent.name, (overview[s] / best) if best > 0 else 0.0) for s in order[:SEED_WIDTH]
    ]
    by_service = {n.service: n for n in children}
    root_visits = 0
    iterations = 0
    for iterations in range(1, budget + 1):  # noqa: B007 - reported below
        if not children:
            break

        # Select (UCT; unvisited hypotheses by prior first).
        def uct(n: Node, parent: int = root_visits) -> float:
            if n.visits == 0:
                return 10.0 + n.prior
            return n.q + UCT_C * math.sqrt(math.log(parent + 1) / n.visits)

        open_nodes = [n for n in children if len(n.done) < len(agent.actions)]
        pool = open_nodes or children
        node = max(pool, key=lambda n: (uct(n), n.service))
        if advisor is not None and open_nodes:  # the model proposes; UCT when it cannot
            choice = advisor.propose(agent.name, children, [n.service for n in open_nodes])
            node = by_service.get(choice, node)
        before = node.q
        if len(node.done) < len(agent.actions):
            agent.expand(node, anomaly)
        value = agent.evaluate(node, best)
        node.value = value
        steer = agent.reflect(node, before, value) if node.visits else None
        fell = node.visits and node.reflection and not node.facts.get("model_reflected")
        if advisor is not None and fell:  # once per hypothesis: the budget is for news
            node.facts["model_reflected"] = True
            known = set(overview) | set(agent.ev.case.services)
            written = advisor.reflect(agent.name, node, before, value, known)
            if written is not None:
                node.reflection = f"{written[0]} (model)"
                agent.reflections[-1] = node.reflection
                steer = written[1] or steer
        if steer and steer not in by_service:
            seeded = Node(
                steer, agent.name, max(overview.get(steer, 0.0) / best, 0.0) if best > 0 else 0.0
            )
            seeded.evidence.append(f"seeded by reflection on {node.service}")
            children.append(seeded)
            by_service[steer] = seeded
        # Backpropagate.
        node.visits += 1
        node.total += value
        root_visits += 1
        # Stop on confidence: the leader is fully examined and clearly ahead.
        full = [n for n in children if len(n.done) == len(agent.actions)]
        if len(full) >= 2 and not open_nodes[1:]:
            ranked = sorted(full, key=lambda n: -n.q)
            if ranked[0].q - ranked[1].q >= CONFIDENCE:
                break
    tree = {
        "agent": agent.name,
        "iterations": iterations,
        "visits": root_visits,
        "children": [n.to_dict() for n in sorted(children, key=lambda n: (-n.q, n.service))],
        "reflections": list(agent.reflections),
    }
    return children, tree


def _scores(nodes: list[Node]) -> dict[str, float]:
    return {n.service: n.q if n.visits else 0.5 * n.prior for n in nodes}


def _confidence(scores: dict[str, float]) -> float:
    vals = sorted(scores.values(), reverse=True)
    if not vals or vals[0] <= 0:
        return 0.0
    return (vals[0] - (vals[1] if len(vals) > 1 else 0.0)) / vals[0]


def search(
    case: Case,
    seed: int = 0,
    budget: int = BUDGET,
    backend: str | None = None,
    llm_calls: int = 16,
    llm_tokens: int = 50_000,
) -> Ranking:
    """Rank root causes of `case` by the two-agent tree search and the supervisor; with
    `backend` (`anthropic/<model>`, `openai/<model>`) a model proposes expansions and
    writes reflections within `llm_calls` calls and `llm_tokens` tokens (`coord.rca.llm`)."""
    started = time.perf_counter()
    advisor = None
    if backend:
        from coord.rca.llm import Advisor

        advisor = Advisor(backend, max_calls=llm_calls, max_tokens=llm_tokens)
    try:
        ranking = _run(case, budget, advisor)
    finally:
        if advisor is not None:
            advisor.close()
    usage = {
        "backend": "builtin",
        "model_calls": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        **(advisor.report() if advisor else {}),
        "evidence_queries": ranking.usage["evidence_queries"],
        "search_seconds": round(time.perf_counter() - started, 4),
    }
    if advisor is not None:
        ranking.tree["advisor"] = advisor.log
    ranking.usage = usage
    return ranking


def _run(case: Case, budget: int, advisor) -> Ranking:
    ev = Evidence(case)
    anomaly = ev.screen()
    m_nodes, m_tree = _search(Agent("metrics", ("metrics", "calls"), ev), budget, anomaly, advisor)
    trees = [m_tree]
    l_nodes: list[Node] = []
    if case.logs is not None and ev.has_logs:
        # The log agent reads its neighbours' logs, not their metrics.
        l_nodes, l_tree = _search(
            Agent("logs", ("logs", "calls"), ev), budget, ev.log_screen(), advisor
        )
        trees.append(l_tree)
    ms, ls = _scores(m_nodes), _scores(l_nodes)
    m_top = max(ms, key=lambda s: (ms[s], s)) if ms else None
    l_top = max(ls, key=lambda s: (ls[s], s)) if ls else None
    wm = 0.5 + _confidence(ms) if ms else 0.0
    wl = 0.5 + _confidence(ls) if ls else 0.0
    if not ls:
        verdict = "metrics only"
    elif m_top == l_top:
        verdict = "agree"
    else:
        verdict = "contradict → escalate"
    services = sorted(set(ms) | set(ls) | set(case.services))
    strength = ev.screen()
    s_best = max(strength.values(), default=0.0) or 1.0
    combined = {}
    for s in services:
        # Hypotheses no agent examined keep a fraction of their overview signal.
        m = ms.get(s, 0.25 * strength.get(s, 0.0) / s_best)
        if ls:
            lf = ls.get(s)
            if lf is None and s in ev.log_evidence().services:
                lf = (
                    0.25
                    * max(ev.log_feature(s)["strength"], 0.0)
                    / (max(ev.log_screen().values()) or 1)
                )
            lval = lf or 0.0
            combined[s] = (wm * m + wl * lval) / (wm + wl)
        else:
            combined[s] = m
    nodes = {}
    for n in m_nodes + l_nodes:
        keep = nodes.get(n.service)
        if keep is None:
            nodes[n.service] = (n, [])
        else:
            keep[1].append(n)
    ranked = sorted(services, key=lambda s: (-combined[s], s))
    candidates = []
    for s in ranked:
        main, others = nodes.get(s, (None, []))
        evidence = []
        fault, indicator = "unknown", None
        for n in ([main] if main else []) + others:
            evidence += [e for e in n.evidence if e not in evidence]
            if n.fault != "unknown" and (fault == "unknown" or n.fault == "code"):
                fault = n.fault
            indicator = indicator or n.indicator
        if not evidence:
            evidence = ["not examined: weak overview signal"]
        candidates.append(Candidate(s, fault, round(combined[s], 6), indicator, evidence))
    tree = {
        "method": "lats",
        "supervisor": {
            "verdict": verdict,
            "metrics_top": m_top,
            "logs_top": l_top,
            "weights": {"metrics": round(wm, 4), "logs": round(wl, 4)},
        },
        "agents": trees,
    }
    return Ranking(candidates, tree=tree, usage={"evidence_queries": ev.queries})
