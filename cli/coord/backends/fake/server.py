"""A loopback server speaking the Anthropic Messages and OpenAI Chat Completions APIs.

It lets anyone try coord's LLM backends with no key and no network (`coord fake-server`),
and it is what the test suite drives the real SDK clients against. One server answers
both APIs: `POST /v1/messages` (Anthropic; base URL `http://HOST:PORT`) and
`POST /v1/chat/completions` (OpenAI; base URL `http://HOST:PORT/v1`), JSON or SSE streaming
as the request asks.

Unscripted, it answers every request with a valid structured reply: the `say` tool (or the
first tool offered, `purchase` in a decision phase, with nothing bought; for any other tool,
the smallest input its JSON Schema allows, numbers at the middle of their range), or the
same as JSON text under an OpenAI `json_schema` response format. Tests script it step by
step with `push(Step(...))`: a status code with headers (`Retry-After`), a hang, an error
in the middle of a stream, an exact reply, exact usage (cache and reasoning tokens
included); or they give it a `responder`, a function of the request that returns the
reply (a deterministic stand-in for a model). Requests are recorded (path and body; never
headers) for assertions.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from coord.backends.fake import wire

ANTHROPIC_PATH = "/v1/messages"
OPENAI_PATH = "/v1/chat/completions"


@dataclass
class Step:
    """One scripted answer. Unset fields fall back to the server's defaults."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""  # error message for status >= 400
    reply: dict | None = None  # {"type": tool name, **tool input}; None: the default reply
    speech: str = ""  # free text beside the tool call
    content: str | None = None  # OpenAI: raw message content (e.g. invalid JSON) and no tool
    usage: dict | None = None  # in the provider's own wire shape, merged over the default
    hang: float | None = None  # seconds to wait before answering (until stop if <= 0)
    error_after: int | None = None  # streaming: this many deltas, then an error event
    provider: str | None = None  # "anthropic" | "openai" | None (either)


@dataclass
class Recorded:
    provider: str
    path: str
    body: dict
    authorized: bool


class FakeServer:
    """`with FakeServer() as fake:` serves on 127.0.0.1 on a free port until the block ends."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        delay: float = 0.0,
        api_key: str | None = None,
        usage: dict[str, dict] | None = None,
        responder=None,
    ) -> None:
        self.delay = delay  # seconds added to every answer (benchmarks: model latency)
        self.api_key = api_key  # when set, a request with another key gets a 401
        self.usage = usage or {}  # provider -> usage merged into every answer
        # (provider, body) -> {"type": tool, **input} or None (the default reply), used for
        # requests no scripted Step answers.
        self.responder = responder
        self.steps: deque[Step] = deque()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._count = 0
        self.httpd = _Quiet((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def anthropic_url(self) -> str:
        return self.url

    @property
    def openai_url(self) -> str:
        return self.url + "/v1"

    def push(self, *steps: Step) -> None:
        with self._lock:
            self.steps.extend(steps)

    def start(self) -> FakeServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def calls(self, provider: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if provider in (None, r.provider)]

    # -- answering -----------------------------------------------------------------------
    def _next(self, provider: str) -> tuple[int, Step]:
        with self._lock:
            self._count += 1
            n = self._count
            for i, step in enumerate(self.steps):
                if step.provider in (None, provider):
                    del self.steps[i]
                    return n, step
        return n, Step()

    def answer(self, provider: str, body: dict, headers) -> tuple[int, dict, list[bytes] | dict]:
        """(status, headers, JSON body or SSE events) for one request."""
        authorized = self._authorized(provider, headers)
        self.requests.append(Recorded(provider, _path(provider), body, authorized))
        n, step = self._next(provider)
        if self.delay:
            time.sleep(self.delay)
        if step.hang is not None:
            self._stopping.wait(step.hang if step.hang > 0 else None)
        errors = wire.anthropic_error if provider == "anthropic" else wire.openai_error
        if not authorized:
            return (
                401,
                {},
                errors(
                    401,
                    "invalid x-api-key"
                    if provider == "anthropic"
                    else "Incorrect API key provided.",
                ),
            )
        if step.status >= 400:
            return step.status, step.headers, errors(step.status, step.message or "scripted error")
        model = str(body.get("model", "fake"))
        reply = step.reply
        if reply is None and self.responder is not None:
            reply = self.responder(provider, body)
        call, content = _default_reply(provider, body) if reply is None else _call(reply)
        if step.content is not None:
            call, content = None, step.content
        inp = max(1, len(json.dumps(body.get("messages", []))) // 4)
        out = max(1, len(json.dumps(call or content or step.speech)) // 4)
        extra = {**self.usage.get(provider, {}), **(step.usage or {})}
        stream = bool(body.get("stream"))
        if provider == "anthropic":
            msg = wire.anthropic_message(
                n, model, step.speech, call, wire.anthropic_usage(inp, out, extra)
            )
            if stream:
                return 200, step.headers, wire.anthropic_stream(msg, step.error_after)
            return 200, step.headers, msg
        done = wire.openai_completion(
            n, model, step.speech, call, wire.openai_usage(inp, out, extra), content
        )
        if stream:
            include = bool((body.get("stream_options") or {}).get("include_usage"))
            return 200, step.headers, wire.openai_stream(done, include, step.error_after)
        return 200, step.headers, done

    def _authorized(self, provider: str, headers) -> bool:
        if self.api_key is None:
            return True
        if provider == "anthropic":
            return headers.get("x-api-key") == self.api_key
        return headers.get("authorization") == f"Bearer {self.api_key}"


class _Quiet(ThreadingHTTPServer):
    # socketserver's default backlog is 5: with 32 games connecting at once the kernel drops
    # SYNs and clients retry a second later, which a benchmark then measures as latency.
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hung up (timeouts, kill -9) is expected here, not news


def _path(provider: str) -> str:
    return ANTHROPIC_PATH if provider == "anthropic" else OPENAI_PATH


def _call(reply: dict) -> tuple[tuple[str, dict], None]:
    reply = dict(reply)
    return (reply.pop("type"), reply), None


def _default_reply(provider: str, body: dict) -> tuple[tuple[str, dict] | None, str | None]:
    """A valid answer to whatever was asked: `say` if offered, else the first tool."""
    schemas: dict[str, dict] = {}
    for tool in body.get("tools") or []:
        fn = tool.get("function") or {}
        name = tool.get("name") or fn.get("name")
        schemas[name] = tool.get("input_schema") or fn.get("parameters") or {}
    fmt = body.get("response_format") or {}
    if not schemas and fmt.get("type") == "json_schema":
        allowed = _allowed_in_schema(fmt.get("json_schema", {}).get("schema", {}))
        kind = "say" if "say" in allowed or not allowed else next(iter(allowed))
        return None, json.dumps(_default_input(kind, allowed.get(kind), with_type=True))
    if not schemas:
        return None, "Hello from the fake server."
    kind = "say" if "say" in schemas else next(iter(schemas))
    return (kind, _default_input(kind, schemas[kind])), None


def _allowed_in_schema(schema: dict) -> dict[str, dict]:
    out = {}
    for option in schema.get("anyOf", []):
        props = dict(option.get("properties") or {})
        const = (props.pop("type", None) or {}).get("const")
        if const:
            required = [r for r in option.get("required", []) if r != "type"]
            out[const] = {**option, "properties": props, "required": required}
    return out


def _default_input(kind: str, schema: dict | None = None, with_type: bool = False) -> dict:
    if kind == "say":
        data: dict[str, Any] = {"text": "fake reply"}
    elif kind == "purchase" or not schema:
        data = {"resources": {}}  # a purchase of nothing: valid in any decision phase
    else:
        data = example(schema)
    return {"type": kind, **data} if with_type else data


def example(schema: dict) -> Any:
    """The smallest instance of a (simple) JSON Schema: required properties only, arrays
    at their minimum length (at least one item), numbers at the middle of their range."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        keys = schema.get("required") or list(props)
        return {k: example(props.get(k) or {}) for k in keys}
    if kind == "array":
        return [
            example(schema.get("items") or {}) for _ in range(max(1, schema.get("minItems", 1)))
        ]
    if kind in ("number", "integer"):
        lo, hi = schema.get("minimum", 0), schema.get("maximum")
        mid = lo if hi is None else (lo + hi) / 2
        return int(mid) if kind == "integer" else mid
    if kind == "boolean":
        return False
    return "fake reply"


def _handler(server: FakeServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet: tests and `coord fake-server`
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes; with Nagle's algorithm on, the
            # second waits for the client's delayed ACK (~40 ms a call on Linux).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?", 1)[0]
            provider = {ANTHROPIC_PATH: "anthropic", OPENAI_PATH: "openai"}.get(path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            if provider is None:
                return self._json(404, {}, {"error": {"message": f"no route {path}"}})
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._json(400, {}, {"error": {"message": "body is not JSON"}})
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, payload = server.answer(provider, body, headers)
            if isinstance(payload, list):
                return self._sse(extra, payload)
            return self._json(status, extra, payload)

        def _json(self, status: int, headers: dict, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _sse(self, headers: dict, events: list[bytes]) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.send_header("connection", "close")
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            try:
                for event in events:
                    self.wfile.write(event)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

    return Handler
