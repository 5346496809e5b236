"""An agent played by a model: `anthropic/<model>` or `openai/<model>`.

For each request of the coordinator it renders the view as a prompt, offers the allowed
messages as tools, and validates the tool call against the protocol's content schema and
the message rules. An invalid reply is re-asked with the errors (up to `reask` times).
Every call — first try and re-asks alike — is one `model_call` event: canonical request,
response, validation result, usage, cost, latency, and the failed attempts retried before
it. Events are emitted before the message they lead to, so a crash loses at most the call
in flight. Calls found in a recording (`store`) are served from it instead of the network.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from coord.backends.base import Agent
from coord.backends.llm import prompt as prompts
from coord.backends.llm.common import (
    CallFailed,
    LLMSettings,
    Prompt,
    Reply,
    canonical_request,
    request_hash,
)
from coord.backends.llm.retry import call_with_retries
from coord.coordinator.messages import Message, View
from coord.errors import ProviderError, UsageError

PROVIDERS = ("anthropic", "openai")


class LLMAgent(Agent):
    def __init__(self, name: str, backend: str, settings: LLMSettings, *, seed: int = 0) -> None:
        super().__init__(name, backend, seed=seed)
        self.settings = settings
        self.module = load_provider(settings.provider, backend)
        self.emit = None
        self.runtime = None
        self.protocol = None
        self.store = None  # CallStore: recorded calls (resume, replay)

    def bind(self, *, emit=None, runtime=None, protocol=None, store=None, **_: Any) -> None:
        self.emit = emit
        self.runtime = runtime
        self.protocol = protocol
        if store is not None and self.store is None:
            self.store = store

    def preflight(self) -> None:
        """Fail before any game when the key this agent needs is missing."""
        import os

        from coord.backends.llm.runtime import resolve_key

        resolve_key(self.settings, self.settings.base_url or os.environ.get(self.settings.url_var))

    async def act(self, view: View) -> Message:
        if self.protocol is None:
            self.protocol = _bundled_protocol()
        types = prompts.allowed(view)
        mod = self.module
        conversation = Prompt(
            system=prompts.system_prompt(self.name, view.economy.max_types, self.settings.system),
            messages=[mod.user(prompts.render(view))],
            tools=prompts.tools(self.protocol, types),
        )
        for reask in range(self.settings.reask + 1):
            body = mod.body(self.settings, conversation)
            reply, errors, msg = await self._call(body, view, reask, types)
            if msg is not None:
                if not msg.text and reply.speech.strip():
                    msg.text = reply.speech.strip()  # the speech, kept with the message
                return msg
            conversation.messages = conversation.messages + mod.followup(reply, errors)
        return Message(
            type="say", text=f"(no valid message after {self.settings.reask + 1} attempts)"
        )

    def _check(self, reply: Reply, types: list[str]) -> tuple[Message | None, list[str]]:
        if not reply.calls:
            return None, ["no tool call: answer with exactly one tool call (the message)"]
        if len(reply.calls) > 1:
            return None, [f"{len(reply.calls)} tool calls: send exactly one message"]
        _cid, name, args = reply.calls[0]
        return prompts.validate(self.protocol, types, name, args)

    async def _call(self, body: dict, view: View, reask: int, types: list[str]):
        s = self.settings
        where = {
            "agent": self.name,
            "backend": f"{s.provider}/{s.model}",
            "round": view.round,
            "phase": view.phase,
            "turn": view.turn,
            "attempt": view.attempt,
            "reask": reask,
        }
        return await self.call_model(body, where, lambda reply: self._check(reply, types))

    async def call_model(self, body: dict, where: dict, check):
        """One model call (or its recording): `(reply, errors, result)`, where `check(reply)`
        returns `(result or None, errors)`. Emits the `model_call` event, whose fields start
        with `where` (who asked, and in which situation)."""
        s = self.settings
        rt = self.runtime
        digest = request_hash(s.provider, body)
        request = canonical_request(body)
        recorded = self.store.take(self.name, digest, request) if self.store else None
        if recorded is not None:
            reply = Reply.from_dict(recorded["response"], recorded["usage"])
            msg, errors = check(reply)
            self._emit(recorded)  # the runner's emit counts usage and cost (also for budgets)
            return reply, errors, msg
        if rt is None:
            raise ProviderError(f"{self.name}: no runtime bound (a programming error)")
        rt.check()
        retries: list[dict] = []
        start = time.perf_counter()
        try:
            client = rt.client(s, self.module)
            async with rt.slot(s):
                rt.network_calls += 1

                async def attempt(timeout: float):
                    await rt.pace(s)  # each attempt is a request: the rate limit counts it
                    return await self.module.send(client, body, timeout, s.stream)

                reply = await call_with_retries(
                    attempt,
                    rt.retry,
                    sleep=rt.sleep,
                    log=retries,
                    deadline=rt.deadline(),
                )
        except CallFailed as exc:
            latency = round((time.perf_counter() - start) * 1000, 3)
            self._emit(
                {
                    **where,
                    "status": "error",
                    "request_hash": digest,
                    "request": request,
                    "error": str(exc),
                    "http_status": exc.status,
                    "mid_stream": exc.started,
                    "retries": retries,
                    "latency_ms": latency,
                }
            )
            hint = exc.hint or self.module.hint_for(exc.status, s)
            raise ProviderError(
                f"{self.name} ({s.provider}/{s.model}): {exc}",
                hint=hint or "the run is resumable: `coord run --resume RUN_DIR`",
            ) from None
        latency = round((time.perf_counter() - start) * 1000, 3)
        msg, errors = check(reply)
        cost = rt.prices.cost(s.model, reply.usage)
        self._emit(
            {
                **where,
                "status": "ok",
                "request_hash": digest,
                "request": request,
                "response": reply.to_dict(),
                "valid": msg is not None,
                "errors": errors,
                "usage": reply.usage,
                "usage_raw": reply.raw_usage,
                "cost_usd": cost,
                "retries": retries,
                "latency_ms": latency,
            }
        )
        return reply, errors, msg

    def _emit(self, fields: dict) -> None:
        if self.emit is not None:
            self.emit("model_call", **fields)


def load_provider(provider: str, backend: str):
    """The provider module (`coord.backends.llm.anthropic` / `.openai`), which imports its
    SDK; without the SDK (a plain `pip install coord`) a usage error naming the extra."""
    try:
        return importlib.import_module(f"coord.backends.llm.{provider}")
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "coord":
            raise  # coord's own module missing: a broken install, not a missing extra
        raise UsageError(
            f"{backend}: the {provider} SDK is not installed (no module named {exc.name!r})",
            hint="install coord's model backends: pip install 'coord[llm]' "
            "(or the SDK alone: pip install " + provider + ")",
        ) from None


_PROTOCOL = None


def _bundled_protocol():
    """Without a scenario protocol (`protocol: null`), tools use the bundled negotiation
    protocol's content schemas."""
    global _PROTOCOL
    if _PROTOCOL is None:
        from coord.protocol.load import find_protocol, load_protocol

        _PROTOCOL = load_protocol(find_protocol("negotiation"))
    return _PROTOCOL


SETTING_KEYS = (
    "temperature",
    "max_tokens",
    "system",
    "base_url",
    "api_key_env",
    "stream",
    "output",
    "reask",
)


def create_llm_agent(provider: str, model: str, *, name: str, seed: int, settings=None):
    opts = {k: v for k, v in (settings or {}).items() if k in SETTING_KEYS and v is not None}
    return LLMAgent(
        name, f"{provider}/{model}", LLMSettings(provider=provider, model=model, **opts), seed=seed
    )
