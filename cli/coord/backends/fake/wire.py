"""Response bodies in the providers' real wire formats (JSON and SSE), for the fake server.

Anthropic Messages (`POST /v1/messages`) and OpenAI Chat Completions
(`POST /v1/chat/completions`), as the official SDKs parse them: message / chat.completion
objects, streaming events (`message_start` … `message_stop`; `chat.completion.chunk` …
`[DONE]` with `stream_options.include_usage`), and error bodies. Pure functions: the
server decides *what* to answer, this module only says it in each provider's words.
"""

from __future__ import annotations

import json
from typing import Any

# -- usage ---------------------------------------------------------------------------------


def anthropic_usage(inp: int, out: int, extra: dict | None = None) -> dict:
    usage = {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    usage.update(extra or {})
    return usage


def openai_usage(inp: int, out: int, extra: dict | None = None) -> dict:
    usage: dict[str, Any] = {
        "prompt_tokens": inp,
        "completion_tokens": out,
        "total_tokens": inp + out,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(usage.get(key), dict):
            usage[key] = {**usage[key], **value}
        else:
            usage[key] = value
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return usage


# -- errors --------------------------------------------------------------------------------

_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def anthropic_error(status: int, message: str) -> dict:
    kind = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_fake"}


def openai_error(status: int, message: str) -> dict:
    kind = {401: "invalid_request_error", 429: "rate_limit_exceeded"}.get(status, "server_error")
    code = {401: "invalid_api_key", 404: "model_not_found"}.get(status)
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


# -- Anthropic -----------------------------------------------------------------------------


def anthropic_message(
    n: int, model: str, speech: str, call: tuple[str, dict] | None, usage: dict
) -> dict:
    content: list[dict] = []
    if speech:
        content.append({"type": "text", "text": speech})
    if call is not None:
        content.append(
            {"type": "tool_use", "id": f"toolu_{n:08d}", "name": call[0], "input": call[1]}
        )
    return {
        "id": f"msg_{n:08d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if call else "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }


def sse(event: str | None, data: Any) -> bytes:
    head = f"event: {event}\n" if event else ""
    body = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {body}\n\n".encode()


def anthropic_stream(message: dict, error_after: int | None = None) -> list[bytes]:
    """The SSE events of `message`; with `error_after`, an `error` event replaces the rest
    after that many content deltas (content has started: the turn must fail)."""
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {**usage, "output_tokens": 1}
    events = [sse("message_start", {"type": "message_start", "message": start})]
    events.append(sse("ping", {"type": "ping"}))
    deltas = 0
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            first = {"type": "text", "text": ""}
            pieces = [{"type": "text_delta", "text": p} for p in _chunks(block["text"])]
        else:
            first = {**block, "input": {}}
            text = json.dumps(block["input"])
            pieces = [{"type": "input_json_delta", "partial_json": p} for p in _chunks(text)]
        events.append(
            sse(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": first},
            )
        )
        for piece in pieces:
            if error_after is not None and deltas >= error_after:
                return events + [_anthropic_stream_error()]
            deltas += 1
            events.append(
                sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": piece},
                )
            )
        events.append(sse("content_block_stop", {"type": "content_block_stop", "index": index}))
    if error_after is not None:
        return events + [_anthropic_stream_error()]
    events.append(
        sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        )
    )
    events.append(sse("message_stop", {"type": "message_stop"}))
    return events


def _anthropic_stream_error() -> bytes:
    return sse("error", anthropic_error(529, "Overloaded (mid-stream)"))


# -- OpenAI --------------------------------------------------------------------------------


def openai_completion(
    n: int,
    model: str,
    speech: str,
    call: tuple[str, dict] | None,
    usage: dict,
    content: str | None = None,
) -> dict:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": content if content else speech or None,
    }
    if call is not None:
        message["tool_calls"] = [
            {
                "id": f"call_{n:08d}",
                "type": "function",
                "function": {"name": call[0], "arguments": json.dumps(call[1])},
            }
        ]
    return {
        "id": f"chatcmpl-{n:08d}",
        "object": "chat.completion",
        "created": 1_700_000_000 + n,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if call else "stop",
                "logprobs": None,
            }
        ],
        "usage": usage,
        "system_fingerprint": "fp_fake",
    }


def openai_stream(
    completion: dict, include_usage: bool, error_after: int | None = None
) -> list[bytes]:
    base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    choice = completion["choices"][0]
    message = choice["message"]

    def chunk(delta: dict, finish: str | None = None) -> bytes:
        body = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return sse(None, body)

    events = [chunk({"role": "assistant", "content": ""})]
    pieces: list[dict] = [{"content": p} for p in _chunks(message.get("content") or "")]
    for i, call in enumerate(message.get("tool_calls") or []):
        fn = call["function"]
        pieces.append(
            {
                "tool_calls": [
                    {
                        "index": i,
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": fn["name"], "arguments": ""},
                    }
                ]
            }
        )
        for p in _chunks(fn["arguments"]):
            pieces.append({"tool_calls": [{"index": i, "function": {"arguments": p}}]})
    for count, piece in enumerate(pieces):
        if error_after is not None and count >= error_after:
            break
        events.append(chunk(piece))
    if error_after is not None:
        events.append(sse(None, openai_error(500, "The server had an error (mid-stream)")))
        return events
    events.append(chunk({}, choice["finish_reason"]))
    if include_usage:
        events.append(sse(None, {**base, "choices": [], "usage": completion["usage"]}))
    events.append(sse(None, "[DONE]"))
    return events


def _chunks(text: str, size: int = 24) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
