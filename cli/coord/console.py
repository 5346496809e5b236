"""The terminal: the one module besides the commands that touches rich (DESIGN §2).

Machine output (reports, JSON) goes to stdout; messages, errors and progress go to
stderr. NO_COLOR and non-TTY output are honoured by rich itself.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def out():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


@lru_cache(maxsize=1)
def err():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def print_json_lines(data: Any) -> None:
    """JSON for documents with long lists (`coord replay`), laid out as `print_json` except
    that a value with a ``json_lines()`` method (`coord.analysis.spool.Spool`, a list kept
    as encoded elements) is written one compact element per line, as it is read, without
    decoding it: fast, and in constant memory."""
    if hasattr(sys.stdout, "buffer"):
        sys.stdout.flush()
        _json_lines(data, 0, sys.stdout.buffer.write)
    else:  # a text-only stream (stdout captured in tests)
        chunks: list[bytes] = []
        _json_lines(data, 0, chunks.append)
        sys.stdout.write(b"".join(chunks).decode())
    sys.stdout.flush()


def _json_lines(value: Any, depth: int, write: Callable[[bytes], Any]) -> None:
    pad = b"  " * (depth + 1)
    end = b"\n" + b"  " * depth
    if isinstance(value, dict) and value:
        sep = b"{"
        for key, item in value.items():
            write(sep + b"\n" + pad + json.dumps(str(key), ensure_ascii=False).encode() + b": ")
            _json_lines(item, depth + 1, write)
            sep = b","
        write(end + b"}")
    elif hasattr(value, "json_lines") or (isinstance(value, (list, tuple)) and value):
        sep = b"["
        for item in value.json_lines() if hasattr(value, "json_lines") else value:
            write(sep + b"\n" + pad)
            if isinstance(item, bytes):
                write(item)
            else:
                _json_lines(item, depth + 1, write)
            sep = b","
        write(b"[]" if sep == b"[" else end + b"]")
    else:
        write(json.dumps(value, ensure_ascii=False).encode())
    if depth == 0:
        write(b"\n")


def info(message: str) -> None:
    err().print(message, markup=False)


def error(text: str) -> None:
    err().print(
        f"[bold red]{_escape(text)}[/]" if err().is_terminal else text, markup=err().is_terminal
    )


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def table(
    title: str | None, columns: list[str], rows: list[list[Any]], *, justify_numbers: bool = True
) -> None:
    from rich import box
    from rich.table import Table

    t = Table(
        title=title, title_justify="left", show_edge=False, pad_edge=False, box=box.SIMPLE_HEAD
    )
    for i, c in enumerate(columns):
        t.add_column(c, justify="right" if (justify_numbers and i > 0) else "left", no_wrap=i == 0)
    for r in rows:
        t.add_row(*[str(x) for x in r])
    out().print(t)


def progress(label: str) -> Callable[[int], Callable[..., None]]:
    """A progress-bar factory for long work: `start(total)` returns `advance(n=1)`.

    Drawn on stderr only when it is a terminal; scripts and CI see nothing.
    """

    def start(total: int) -> Callable[..., None]:
        if not err().is_terminal or total <= 1:
            return lambda n=1: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err(),
            transient=True,
        )
        task = bar.add_task(label, total=total)
        bar.start()
        done = [0]

        def advance(n: int = 1) -> None:
            done[0] += n
            bar.advance(task, n)
            if done[0] >= total:
                bar.stop()

        return advance

    return start
