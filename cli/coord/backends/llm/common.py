"""What every provider shares: per-agent settings, the normalised reply, the failure types,
and the canonical request hash that resume and replay match recordings by.

A provider module (anthropic, openai) turns a provider-neutral `Prompt` into its own
request body, sends it through its official SDK and returns a `Reply`; it never decides
about retries, budgets or validation (that is `coord.backends.llm.agent`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Request fields that change between identical calls or only steer the transport: not part
# of what a recording is matched by (DESIGN §6 "the canonical request (minus volatile
# fields)").
_TRANSPORT_FIELDS = frozenset({"stream", "stream_options"})


@dataclass(frozen=True)
class LLMSettings:
    """One agent's model settings (scenario `agents.NAME`, overridable per condition)."""

    provider: str  # anthropic | openai
    model: str
    temperature: float | None = None
    max_tokens: int = 1024
    system: str | None = None  # added to coord's system prompt
    base_url: str | None = None
    api_key_env: str | None = None  # name of the variable holding the key (never the key)
    stream: bool = False
    output: str = "tools"  # tools | json_schema (openai only)
    reask: int = 2  # re-asks after an invalid reply

    @property
    def key_var(self) -> str:
        return self.api_key_env or f"{self.provider.upper()}_API_KEY"

    @property
    def url_var(self) -> str:
        return f"{self.provider.upper()}_BASE_URL"


@dataclass
class Prompt:
    """Provider-neutral: system text, the conversation so far, the tools on offer."""

    system: str
    messages: list[dict]  # provider-native message dicts (the first is the user prompt)
    tools: dict[str, dict]  # tool name -> JSON Schema of its input


@dataclass
class Reply:
    """A provider's answer, normalised."""

    speech: str  # free text outside the structured part
    calls: list[tuple[str, str, Any]]  # (call id, tool name, input: dict, or str if unparsed)
    usage: dict[str, int]  # normalised token counts (see `normal_usage`)
    finish: str | None = None
    id: str | None = None
    raw_usage: dict = field(default_factory=dict)  # as the provider returned it

    def to_dict(self) -> dict:
        return {
            "speech": self.speech,
            "calls": [{"id": i, "name": n, "input": a} for i, n, a in self.calls],
            "finish": self.finish,
            "id": self.id,
        }

    @classmethod
    def from_dict(cls, data: dict, usage: dict, raw_usage: dict | None = None) -> Reply:
        calls = [(c.get("id"), c["name"], c["input"]) for c in data.get("calls", [])]
        return cls(
            data.get("speech", ""),
            calls,
            usage,
            data.get("finish"),
            data.get("id"),
            raw_usage or {},
        )


USAGE_FIELDS = (
    "input_tokens",  # billed at the input price (cache reads/writes excluded)
    "output_tokens",  # including reasoning tokens
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",  # part of output_tokens, reported for information
)


def total_tokens(usage: dict) -> int:
    return sum(usage.get(k, 0) for k in USAGE_FIELDS if k != "reasoning_tokens")


class CallFailed(Exception):
    """A provider call failed. `retryable` says whether trying again may help."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        hint: str | None = None,
        started: bool = False,  # content had started arriving (mid-stream)
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.hint = hint
        self.started = started


RETRYABLE_STATUS = frozenset({408, 409, 429, 529})


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUS or 500 <= status <= 599


def parse_retry_after(headers) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `retry-after`: seconds or an
    HTTP date), or None."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def fail_fast_hint(status: int | None, settings: LLMSettings) -> str | None:
    """What to do about a non-retryable status."""
    if status == 401:
        return f"check {settings.key_var}: the provider rejected the key"
    if status == 403:
        return f"the key in {settings.key_var} may not use model {settings.model!r}"
    if status == 404:
        return (
            f"check the model name {settings.model!r} and the base URL "
            f"({settings.url_var} or the agent's `base_url`)"
        )
    if status in (400, 422):
        return "the provider refused the request; check the agent's settings (model, max_tokens)"
    return None


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_request(body: dict) -> dict:
    """The request as recorded and matched: transport-only fields dropped."""
    return {k: v for k, v in body.items() if k not in _TRANSPORT_FIELDS}


def request_hash(provider: str, body: dict) -> str:
    data = canonical({"provider": provider, "request": canonical_request(body)})
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def split_extra(req: dict, method) -> dict:
    """Fields the installed SDK's method does not declare (e.g. `temperature` in SDKs that
    dropped it) travel in `extra_body`, so the wire request is the same either way."""
    params = _declared(getattr(method, "__func__", method))
    if params is None:
        return req
    known = {k: v for k, v in req.items() if k in params}
    extra = {k: v for k, v in req.items() if k not in params}
    if extra:
        known["extra_body"] = extra
    return known


@functools.lru_cache(maxsize=16)
def _declared(func) -> frozenset[str] | None:
    # Cached per function: `inspect.signature` on the SDKs' long signatures costs more
    # than the rest of building a request.
    import inspect

    try:
        return frozenset(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return None
