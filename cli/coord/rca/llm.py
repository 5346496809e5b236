"""An LLM advising the `lats` search (`coord rca --backend anthropic/<model>|openai/<model>`).

The model does two of the search's jobs, as in LATS-RCA: it **proposes the expansion**
(which open hypothesis to examine next, given each one's value, visits and evidence so
far) and it **writes the reflection** when a hypothesis' value fell (why, and which
service to look at instead). Everything else — the evidence, evaluation, UCT statistics,
backpropagation and the supervisor — stays the built-in, so the model steers the search
without inventing evidence. A reply that names no open hypothesis (or no known service)
is not trusted: the built-in choice is used and the fallback counted.

A budget of calls and tokens bounds the cost: once either is spent, the search goes on
with its built-in policy. Usage (calls, tokens by kind, cost when the model is priced,
fallbacks) is reported in the report's `usage`. Calls go through the same SDK clients,
retries and key resolution as scenario agents (`coord.backends.llm`); `ANTHROPIC_BASE_URL`
/ `OPENAI_BASE_URL` point them at a local server (`coord fake-server`, Ollama, vLLM).
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass, field

from coord.errors import ProviderError, UsageError

SYSTEM = (
    "You are the {agent} agent of a root-cause analysis of a microservice incident. A tree "
    "search examines hypotheses 'service S is the root cause'; evidence comes from "
    "metrics, logs and the call graph (a fault in a callee shows as latency and errors in "
    "its callers). Answer with exactly one tool call."
)
TOOLS = {
    "expand": {
        "description": "Pick the hypothesis to examine next.",
        "type": "object",
        "properties": {
            "service": {"type": "string", "description": "one of the open hypotheses"},
            "reason": {"type": "string"},
        },
        "required": ["service"],
        "additionalProperties": False,
    },
    "reflect": {
        "description": "Say why the hypothesis lost value, and what to examine instead.",
        "type": "object",
        "properties": {
            "reflection": {"type": "string"},
            "next": {"type": ["string", "null"], "description": "a service to examine, or null"},
        },
        "required": ["reflection"],
        "additionalProperties": False,
    },
}


@dataclass
class Advisor:
    """One model, its budget and its usage, for one `coord rca` run."""

    spec: str
    max_calls: int = 16
    max_tokens: int = 50_000
    calls: int = 0
    usage: dict = field(default_factory=dict)
    fallbacks: int = 0
    accepted: int = 0
    cost_usd: float | None = 0.0
    log: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        from coord.backends.llm.common import LLMSettings
        from coord.backends.llm.runtime import Runtime
        from coord.backends.registry import parse_backend

        try:
            kind, model = parse_backend(self.spec)
        except ValueError as exc:
            raise UsageError(str(exc), hint="e.g. --backend anthropic/claude-haiku-4-5") from None
        if kind not in ("anthropic", "openai"):
            raise UsageError(
                f"--backend {self.spec}: lats is advised by anthropic/<model> or openai/<model>",
                hint="omit --backend for the built-in, offline search",
            )
        try:
            self.module = importlib.import_module(f"coord.backends.llm.{kind}")
        except ImportError:
            raise UsageError(
                f"the {kind} SDK is not installed", hint="pip install 'coord[llm]'"
            ) from None
        self.settings = LLMSettings(provider=kind, model=model, max_tokens=400, reask=0)
        self.runtime = Runtime()
        self.loop = asyncio.new_event_loop()
        import os

        from coord.backends.llm.runtime import resolve_key

        # Fail now (exit 2) rather than mid-search when no key and no local server is set.
        resolve_key(self.settings, os.environ.get(self.settings.url_var))

    # -- budget ----------------------------------------------------------------------------
    @property
    def tokens(self) -> int:
        from coord.backends.llm.common import total_tokens

        return total_tokens(self.usage)

    @property
    def spent(self) -> bool:
        return self.calls >= self.max_calls or self.tokens >= self.max_tokens

    # -- the two jobs ----------------------------------------------------------------------
    def propose(self, agent: str, nodes: list, open_services: list[str]) -> str | None:
        """The open hypothesis the model would examine next, or None (use UCT)."""
        if self.spent or not open_services:
            return None
        lines = [
            f"- {n.service}: value {n.q:.2f}, visits {n.visits}, "
            f"queried {', '.join(n.done) or 'nothing yet'}; "
            + ("; ".join(n.evidence[-3:]) or "no evidence yet")
            for n in nodes
        ]
        text = (
            "Hypotheses so far:\n" + "\n".join(lines) + "\n\nOpen hypotheses (not fully "
            f"examined): {', '.join(open_services)}. Call `expand` with the one to examine next."
        )
        args = self._ask(agent, "expand", text)
        choice = args.get("service") if args else None
        if isinstance(choice, str) and choice in open_services:
            self.accepted += 1
            self.log.append({"agent": agent, "job": "expand", "service": choice})
            return choice
        self.fallbacks += 1
        return None

    def reflect(self, agent: str, node, before: float, after: float, known: set[str]):
        """(reflection text, service to seed or None), or None to keep the built-in one."""
        if self.spent:
            return None
        text = (
            f"The hypothesis '{node.service} is the root cause' fell from value {before:.2f} "
            f"to {after:.2f}. Its evidence:\n- " + "\n- ".join(node.evidence or ["none"])
        )
        args = self._ask(agent, "reflect", text + "\n\nCall `reflect`.")
        reflection = args.get("reflection") if args else None
        if not isinstance(reflection, str) or not reflection.strip():
            self.fallbacks += 1
            return None
        nxt = args.get("next")
        nxt = nxt if isinstance(nxt, str) and nxt in known and nxt != node.service else None
        self.accepted += 1
        self.log.append({"agent": agent, "job": "reflect", "service": node.service, "next": nxt})
        return reflection.strip()[:500], nxt

    # -- calls -----------------------------------------------------------------------------
    def _ask(self, agent: str, tool: str, text: str) -> dict | None:
        from coord.backends.llm.common import CallFailed, Prompt
        from coord.backends.llm.retry import call_with_retries

        prompt = Prompt(
            system=SYSTEM.format(agent=agent),
            messages=[self.module.user(text)],
            tools={tool: TOOLS[tool]},
        )
        body = self.module.body(self.settings, prompt)
        rt, s = self.runtime, self.settings

        async def go():
            client = rt.client(s, self.module)
            return await call_with_retries(
                lambda timeout: self.module.send(client, body, timeout, s.stream),
                rt.retry,
                sleep=rt.sleep,
                log=[],
                deadline=None,
            )

        self.calls += 1
        try:
            reply = self.loop.run_until_complete(go())
        except CallFailed as exc:
            raise ProviderError(
                f"lats advisor ({self.spec}): {exc}",
                hint=exc.hint or self.module.hint_for(exc.status, s) or "retry later",
            ) from None
        for k, v in reply.usage.items():
            self.usage[k] = self.usage.get(k, 0) + int(v or 0)
        cost = rt.prices.cost(s.model, reply.usage)
        self.cost_usd = None if (cost is None or self.cost_usd is None) else self.cost_usd + cost
        calls = [a for _i, name, a in reply.calls if name == tool and isinstance(a, dict)]
        return calls[0] if calls else None

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.runtime.aclose())
        finally:
            self.loop.close()

    def report(self) -> dict:
        from coord.backends.llm.common import USAGE_FIELDS

        return {
            "backend": self.spec,
            "model_calls": self.calls,
            **{k: self.usage.get(k, 0) for k in USAGE_FIELDS},
            "total_tokens": self.tokens,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "accepted": self.accepted,
            "fallbacks": self.fallbacks,
            "budget": {"calls": self.max_calls, "tokens": self.max_tokens},
            "budget_spent": self.spent,
        }
