"""`coord fake-server`: the loopback fake Anthropic / OpenAI server, for trying coord's
model backends with no key and no network."""

from __future__ import annotations

import typer


def fake_server(
    port: int = typer.Option(8765, "--port", "-p", min=0, max=65535, help="Port (0: any free)."),
    delay: float = typer.Option(
        0.0, "--delay", min=0, metavar="SECONDS", help="Added to every answer (model latency)."
    ),
) -> None:
    """Serve the Anthropic Messages and OpenAI Chat Completions APIs on 127.0.0.1.

    Every request gets a valid structured reply (JSON or SSE streaming). Point agents at it
    with the printed variables, then `coord run` as usual. Stops on Ctrl-C.
    """
    import threading

    from coord import console
    from coord.backends.fake import FakeServer

    server = FakeServer(port=port, delay=delay)
    console.info(f"export ANTHROPIC_BASE_URL={server.anthropic_url}")
    console.info(f"export OPENAI_BASE_URL={server.openai_url}")
    console.info("(no key needed; Ctrl-C stops the server)")
    stop = threading.Event()
    try:
        server.start()
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
