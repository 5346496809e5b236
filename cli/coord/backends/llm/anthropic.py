"""`anthropic/<model>`: the Anthropic Messages API through the official SDK.

Structured output is tool use: one tool per message type the protocol allows next, with
`tool_choice: any`, so the reply is exactly one tool call whose input is the message.
The SDK is imported here, and this module only when such an agent is created.
"""

from __future__ import annotations

from typing import Any

import anthropic

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

NAME = "anthropic"


def make_client(settings: LLMSettings, key: str, base_url: str | None, timeout: float):
    # max_retries=0: coord retries itself (coord.backends.llm.retry).
    return anthropic.AsyncAnthropic(api_key=key, base_url=base_url, max_retries=0, timeout=timeout)


def body(settings: LLMSettings, prompt: Prompt) -> dict[str, Any]:
    req: dict[str, Any] = {
        "model": settings.model,
        "max_tokens": settings.max_tokens,
        "system": prompt.system,
        "messages": prompt.messages,
        "tools": [
            {"name": name, "description": schema.get("description", name), "input_schema": schema}
            for name, schema in prompt.tools.items()
        ],
        "tool_choice": {"type": "any"},
    }
    if settings.temperature is not None:
        req["temperature"] = settings.temperature
    return req


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def followup(reply: Reply, errors: list[str]) -> list[dict]:
    """The assistant turn as given, then the errors as tool results (re-ask)."""
    content: list[dict] = []
    if reply.speech:
        content.append({"type": "text", "text": reply.speech})
    for cid, name, args in reply.calls:
        content.append({"type": "tool_use", "id": cid, "name": name, "input": _as_dict(args)})
    note = (
        "Your reply was not accepted: " + "; ".join(errors) + ". Answer again with one tool call."
    )
    if not reply.calls:
        return [{"role": "assistant", "content": content or "(empty)"}, user(note)]
    results = [
        {"type": "tool_result", "tool_use_id": cid, "is_error": True, "content": note}
        for cid, _n, _a in reply.calls
    ]
    return [{"role": "assistant", "content": content}, {"role": "user", "content": results}]


def _as_dict(args: Any) -> dict:
    return args if isinstance(args, dict) else {"unparsed": str(args)}


async def send(client, req: dict, timeout: float, stream: bool) -> Reply:
    req = split_extra(req, client.messages.create)
    started = False
    try:
        if not stream:
            msg = await client.messages.create(**req, timeout=timeout)
        else:
            async with client.messages.stream(**req, timeout=timeout) as events:
                async for event in events:
                    if event.type == "content_block_delta":
                        started = True
                msg = await events.get_final_message()
    except anthropic.APIStatusError as exc:
        raise _status_failure(exc, started) from None
    except anthropic.APIConnectionError as exc:  # includes APITimeoutError
        kind = "timed out" if isinstance(exc, anthropic.APITimeoutError) else "connection failed"
        raise CallFailed(f"anthropic: {kind}", retryable=not started, started=started) from None
    return _reply(msg)


def _status_failure(exc, started: bool) -> CallFailed:
    status = exc.status_code
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    etype = (error or {}).get("type", "")
    message = (error or {}).get("message") or str(exc)
    if status == 200 or etype in ("overloaded_error", "api_error") and status < 400:
        # An `error` event inside a 200 stream: retry only if nothing had arrived yet.
        return CallFailed(
            f"anthropic: error in stream ({etype}): {message}",
            status=529 if etype == "overloaded_error" else 500,
            retryable=not started,
            started=started,
        )
    retryable = is_retryable_status(status)
    return CallFailed(
        f"anthropic: HTTP {status} {etype}: {message}",
        status=status,
        retryable=retryable,
        retry_after=parse_retry_after(exc.response.headers) if retryable else None,
        started=started,
    )


def hint_for(status: int | None, settings: LLMSettings) -> str | None:
    return fail_fast_hint(status, settings)


def _reply(msg) -> Reply:
    speech = []
    calls = []
    for block in msg.content:
        if block.type == "text":
            speech.append(block.text)
        elif block.type == "tool_use":
            calls.append((block.id, block.name, block.input))
    u = msg.usage
    usage = {
        "input_tokens": u.input_tokens or 0,
        "output_tokens": u.output_tokens or 0,
        "cache_read_tokens": u.cache_read_input_tokens or 0,
        "cache_write_tokens": u.cache_creation_input_tokens or 0,
        "reasoning_tokens": 0,
    }
    raw = u.model_dump(exclude_none=True, mode="json")
    return Reply("".join(speech), calls, usage, msg.stop_reason, msg.id, raw)
