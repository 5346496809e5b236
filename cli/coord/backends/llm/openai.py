"""`openai/<model>`: OpenAI Chat Completions through the official SDK, and any
OpenAI-compatible server (Ollama, vLLM, llama.cpp) through a base URL.

Structured output: function tools with `tool_choice: required` (default), or with
`output: json_schema` a `response_format` whose schema is the union of the allowed
messages, for servers without tool calling. Streaming asks for usage in the last chunk
(`stream_options.include_usage`). The SDK is imported only when such an agent is created.
"""

from __future__ import annotations

import json
from typing import Any

import openai

from coord.backends.llm.common import (
    CallFailed,
    LLMSettings,
    Prompt,
    Reply,
    fail_fast_hint,
    is_retryable_status,
    parse_retry_after,
    split_extra,
)

NAME = "openai"


def make_client(settings: LLMSettings, key: str, base_url: str | None, timeout: float):
    # max_retries=0: coord retries itself (coord.backends.llm.retry).
    return openai.AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0, timeout=timeout)


def body(settings: LLMSettings, prompt: Prompt) -> dict[str, Any]:
    req: dict[str, Any] = {
        "model": settings.model,
        "messages": [{"role": "system", "content": prompt.system}, *prompt.messages],
        "max_completion_tokens": settings.max_tokens,
    }
    if settings.output == "json_schema":
        options = []
        for name, schema in prompt.tools.items():
            props = {"type": {"const": name}, **schema.get("properties", {})}
            options.append(
                {
                    **schema,
                    "properties": props,
                    "required": ["type", *schema.get("required", [])],
                }
            )
        req["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "coord_message", "schema": {"anyOf": options}},
        }
    else:
        req["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": schema.get("description", name),
                    "parameters": schema,
                },
            }
            for name, schema in prompt.tools.items()
        ]
        req["tool_choice"] = "required"
    if settings.temperature is not None:
        req["temperature"] = settings.temperature
    if settings.stream:
        req["stream"] = True
        req["stream_options"] = {"include_usage": True}
    return req


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def followup(reply: Reply, errors: list[str]) -> list[dict]:
    """The assistant turn as given, then the errors (as tool results when it called one)."""
    note = "Your reply was not accepted: " + "; ".join(errors) + ". Answer again."
    assistant: dict[str, Any] = {"role": "assistant", "content": reply.speech or None}
    calls = [(cid, n, a) for cid, n, a in reply.calls if cid]
    if calls:
        assistant["tool_calls"] = [
            {
                "id": cid,
                "type": "function",
                "function": {"name": n, "arguments": a if isinstance(a, str) else json.dumps(a)},
            }
            for cid, n, a in calls
        ]
        return [
            assistant,
            *({"role": "tool", "tool_call_id": c[0], "content": note} for c in calls),
        ]
    if assistant["content"] is None:
        assistant["content"] = json.dumps(reply.calls[0][2]) if reply.calls else ""
    return [assistant, user(note)]


# Sent as given, in `extra_body`: before a request leaves, the SDK walks `messages` and
# `tools` against its typed unions (`async_maybe_transform`), which for coord's plain JSON
# changes nothing and cost ~1 ms of CPU a call, a tenth of a call's whole cost in a
# `--jobs 32` run. `extra_body` keys replace the declared ones on the wire (the SDK merges
# it last), so the request sent is the same; the declared argument gets an empty stand-in.
_AS_GIVEN = ("messages", "tools")


def _as_given(req: dict) -> dict:
    extra = dict(req.get("extra_body") or {})
    out = dict(req)
    for key in _AS_GIVEN:
        if key in out:
            extra[key] = out[key]
            out[key] = []
    out["extra_body"] = extra
    return out


async def send(client, req: dict, timeout: float, stream: bool) -> Reply:
    req = _as_given(split_extra(req, client.chat.completions.create))
    started = False
    try:
        if not req.get("stream"):
            done = await client.chat.completions.create(**req, timeout=timeout)
            return _reply(done)
        speech: list[str] = []
        calls: dict[int, dict] = {}
        usage = None
        finish = rid = None
        chunks = await client.chat.completions.create(**req, timeout=timeout)
        async for chunk in chunks:
            rid = chunk.id
            if chunk.usage is not None:
                usage = chunk.usage
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    started = True
                    speech.append(delta.content)
                for tc in delta.tool_calls or []:
                    started = True
                    slot = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
                    slot["id"] = tc.id or slot["id"]
                    if tc.function is not None:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
                finish = choice.finish_reason or finish
    except openai.APIStatusError as exc:
        raise _status_failure(exc, started) from None
    except openai.APIConnectionError as exc:  # includes APITimeoutError
        kind = "timed out" if isinstance(exc, openai.APITimeoutError) else "connection failed"
        raise CallFailed(f"openai: {kind}", retryable=not started, started=started) from None
    except openai.APIError as exc:  # an error object inside the stream
        raise CallFailed(
            f"openai: error in stream: {exc.message}",
            status=500,
            retryable=not started,
            started=started,
        ) from None
    parsed = [(c["id"], c["name"], _parse(c["arguments"])) for _, c in sorted(calls.items())]
    text = "".join(speech)
    return _normalise(text, parsed, usage, finish, rid)


def _status_failure(exc, started: bool) -> CallFailed:
    status = exc.status_code
    retryable = is_retryable_status(status)
    return CallFailed(
        f"openai: HTTP {status}: {exc.message}",
        status=status,
        retryable=retryable and not started,
        retry_after=parse_retry_after(exc.response.headers) if retryable else None,
        started=started,
    )


def hint_for(status: int | None, settings: LLMSettings) -> str | None:
    return fail_fast_hint(status, settings)


def _parse(arguments: str) -> Any:
    try:
        return json.loads(arguments)
    except ValueError:
        return arguments  # kept as text: the validator reports it


def _reply(done) -> Reply:
    choice = done.choices[0] if done.choices else None
    message = choice.message if choice else None
    calls = [
        (tc.id, tc.function.name, _parse(tc.function.arguments))
        for tc in (getattr(message, "tool_calls", None) or [])
        if getattr(tc, "function", None) is not None
    ]
    text = (message.content if message else None) or ""
    return _normalise(text, calls, done.usage, choice.finish_reason if choice else None, done.id)


def _normalise(text: str, calls: list, usage, finish, rid) -> Reply:
    if not calls and text.strip().startswith("{"):
        data = _parse(text)  # json_schema output: the whole content is the message
        if isinstance(data, dict) and isinstance(data.get("type"), str):
            kind = data.pop("type")
            calls, text = [(None, kind, data)], ""
    prompt = getattr(usage, "prompt_tokens", 0) or 0
    details = getattr(usage, "prompt_tokens_details", None)
    cached = (getattr(details, "cached_tokens", 0) or 0) if details else 0
    written = (getattr(details, "cache_write_tokens", 0) or 0) if details else 0
    cdetails = getattr(usage, "completion_tokens_details", None)
    normal = {
        # prompt_tokens counts cached prompt tokens too; they are billed at their own price.
        "input_tokens": max(0, prompt - cached - written),
        "output_tokens": getattr(usage, "completion_tokens", 0) or 0,
        "cache_read_tokens": cached,
        "cache_write_tokens": written,
        "reasoning_tokens": (getattr(cdetails, "reasoning_tokens", 0) or 0) if cdetails else 0,
    }
    raw = usage.model_dump(exclude_none=True, mode="json") if usage is not None else {}
    return Reply(text, calls, normal, finish, rid, raw)
