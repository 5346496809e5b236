"""What the LLM agents of one run share: SDK clients, per-provider concurrency limits, the
price table, usage and cost totals, budgets and the run's deadline.

One `Runtime` per `coord run`, used from one event loop. Budgets are checked before every
call that would reach the network, so a run never starts a call once `max_usd` or
`max_tokens` is reached; the call that crosses the line completes and is paid for.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from coord.backends.llm.common import USAGE_FIELDS, LLMSettings, total_tokens
from coord.backends.llm.pricing import PriceTable
from coord.backends.llm.retry import RetryPolicy
from coord.errors import ProviderError, UsageError


class BudgetExceeded(ProviderError):
    """A run budget (`max_usd`, `max_tokens`) or its deadline was reached; resumable."""


@dataclass(frozen=True)
class Limits:
    max_usd: float | None = None
    max_tokens: int | None = None
    deadline: float | None = None  # seconds for the whole run
    max_connections: int = 32  # concurrent calls per provider endpoint
    requests_per_minute: float | None = None  # request starts per provider endpoint


@dataclass
class Totals:
    calls: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    usage: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USAGE_FIELDS, 0))

    def add(self, usage: dict[str, int], cost: float | None) -> None:
        self.calls += 1
        for k in USAGE_FIELDS:
            self.usage[k] += int(usage.get(k, 0))
        if cost is None:
            self.unpriced_calls += 1
        else:
            # Rounded like each call's cost, so a sum never shows float dust.
            self.cost_usd = round(self.cost_usd + cost, 12)

    def to_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            **self.usage,
            "total_tokens": total_tokens(self.usage),
            "cost_usd": self.cost_usd,
            "unpriced_calls": self.unpriced_calls,
        }


class Runtime:
    def __init__(
        self,
        *,
        retry: RetryPolicy | None = None,
        limits: Limits | None = None,
        prices: PriceTable | None = None,
        offline: bool = False,
        sleep=asyncio.sleep,
        clock=time.monotonic,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.limits = limits or Limits()
        self.prices = prices or PriceTable()
        self.offline = offline  # replay: any network call is a bug
        self.sleep = sleep
        self.clock = clock
        self.started = clock()
        self.next_start: dict[tuple, float] = {}  # per endpoint: the earliest next request
        self.clients: dict[tuple, Any] = {}
        self.slots: dict[tuple, asyncio.Semaphore] = {}
        self.total = Totals()
        self.agents: dict[str, Totals] = {}
        self.network_calls = 0
        self.stop_reason: str | None = None  # set when one game failed: the others stop too
        self.stores: list = []  # CallStores in use (resume, replay), for the report

    @property
    def served(self) -> int:
        """Calls served from recordings instead of the network."""
        return sum(s.served for s in self.stores)

    # -- clients -------------------------------------------------------------------------
    def endpoint(self, settings: LLMSettings) -> tuple[str, str | None]:
        return settings.provider, settings.base_url or os.environ.get(settings.url_var) or None

    def client(self, settings: LLMSettings, module) -> Any:
        if self.offline:
            raise ProviderError(
                "replay: a call was about to reach the network",
                hint="this is a bug in coord's replay; report it",
            )
        provider, base_url = self.endpoint(settings)
        key = resolve_key(settings, base_url)
        ident = (provider, base_url, settings.key_var)
        if ident not in self.clients:
            self.clients[ident] = module.make_client(
                settings, key, base_url, self.retry.call_timeout
            )
        return self.clients[ident]

    async def aclose(self) -> None:
        """Close the SDK clients (their connection pools belong to this event loop)."""
        clients, self.clients = list(self.clients.values()), {}
        for client in clients:
            try:
                await client.close()
            except Exception:  # noqa: BLE001 - closing must not hide the run's outcome
                pass

    def slot(self, settings: LLMSettings) -> asyncio.Semaphore:
        ident = self.endpoint(settings)
        if ident not in self.slots:
            self.slots[ident] = asyncio.Semaphore(self.limits.max_connections)
        return self.slots[ident]

    async def pace(self, settings: LLMSettings) -> None:
        """Wait for the endpoint's next request slot under `requests_per_minute`.

        Requests (retries included: each is a request to the provider) start at least
        60/rpm seconds apart per endpoint: a steady pace, no bursts, so a provider's
        per-minute limit is never hit by coord itself. Slots are reserved in call order."""
        rpm = self.limits.requests_per_minute
        if not rpm:
            return
        ident = self.endpoint(settings)
        now = self.clock()
        start = max(now, self.next_start.get(ident, now))
        self.next_start[ident] = start + 60.0 / rpm
        if start > now:
            await self.sleep(start - now)

    # -- budgets and accounting ----------------------------------------------------------
    def deadline(self) -> float | None:
        if self.limits.deadline is None:
            return None
        return self.started + self.limits.deadline

    def check(self) -> None:
        """Raise before a network call when the run must not make it."""
        if self.stop_reason:
            raise ProviderError(f"stopped: {self.stop_reason}")
        lim = self.limits
        if lim.max_usd is not None and self.total.cost_usd >= lim.max_usd:
            raise BudgetExceeded(
                f"budget reached: ${self.total.cost_usd:.6f} spent of max_usd ${lim.max_usd:g}",
                hint="raise it (`--max-usd` or `limits.max_usd`) and continue with "
                "`coord run --resume RUN_DIR`",
            )
        tokens = total_tokens(self.total.usage)
        if lim.max_tokens is not None and tokens >= lim.max_tokens:
            raise BudgetExceeded(
                f"budget reached: {tokens} tokens used of max_tokens {lim.max_tokens}",
                hint="raise it (`--max-tokens` or `limits.max_tokens`) and continue with "
                "`coord run --resume RUN_DIR`",
            )
        end = self.deadline()
        if end is not None and time.monotonic() >= end:
            raise BudgetExceeded(
                f"the run's deadline of {lim.deadline:g} s has passed",
                hint="raise `limits.deadline_s` and continue with `coord run --resume RUN_DIR`",
            )

    def account(self, agent: str, usage: dict[str, int], cost: float | None) -> None:
        self.total.add(usage, cost)
        self.agents.setdefault(agent, Totals()).add(usage, cost)

    def summary(self) -> dict[str, Any]:
        return {
            "agents": {a: t.to_dict() for a, t in sorted(self.agents.items())},
            "total": self.total.to_dict(),
        }


_LOOPBACK = ("127.", "localhost", "::1", "[::1]")


def resolve_key(settings: LLMSettings, base_url: str | None) -> str:
    """The API key from the environment; local servers (any base URL) may go without."""
    key = os.environ.get(settings.key_var)
    if key:
        return key
    if base_url:
        # Ollama, llama.cpp, the fake server: no key needed, but the SDKs insist on one.
        return "coord-no-key"
    raise UsageError(
        f"no API key for {settings.provider}/{settings.model}: {settings.key_var} is not set",
        hint=f"export {settings.key_var}=...; or point the agent at a local server with "
        f"{settings.url_var} / `base_url` (try `coord fake-server`)",
    )


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.startswith(_LOOPBACK[:2]) or host in ("::1",)
