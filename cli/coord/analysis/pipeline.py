"""Read an exchange in a second process while this one diagnoses it (`coord replay -j 2`).

About half of a replay is reading: parsing lines, building rounds and reading what each
message states (`statements.read_round`), none of which needs earlier rounds. The other
half, the detectors, needs the rounds in order. So a child process reads the file and
sends each round with its messages read, in batches, through a pipe; the parent indexes
and diagnoses them. The pipe holds at most a batch or two, so memory stays bounded in
both processes, and the order of rounds is the file's (`OutOfOrder` comes back as it is,
for the caller to read the file again whole).

What crosses the pipe is plain data (tuples, dicts, lists): pickling the dataclasses
themselves costs three times as much. A game `Instance` crosses once and is referred to
by number after.

Errors the child meets are raised in the parent: a `CoordError` as it was (message,
file, line, hint), `OutOfOrder` as itself, and anything else as a `ReaderFailed`
carrying the child's traceback (shown with ``--debug``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import operator
import os
import pickle
import struct
import sys
from collections.abc import Iterator
from typing import Any

from coord.analysis.exchange_model import OutOfOrder, Round, Turn
from coord.analysis.statements import _Msg, read_round
from coord.errors import CoordError

BATCH = 64  # rounds per message through the pipe
MIN_BYTES = 16 * 1024 * 1024  # below this, starting a process costs more than it saves

_TURN = tuple(f.name for f in dataclasses.fields(Turn))
_ROUND = tuple(f.name for f in dataclasses.fields(Round) if f.name not in ("instance", "turns"))
_MSG = tuple(f.name for f in dataclasses.fields(_Msg) if f.name != "turn")
_turn_values = operator.attrgetter(*_TURN)
_round_values = operator.attrgetter(*_ROUND)
_msg_values = operator.attrgetter(*_MSG)


class ReaderFailed(RuntimeError):
    """The reading process failed (a bug, or it was killed): an internal error."""


class _ChildTraceback(Exception):
    """The reading process's traceback, as the cause of `ReaderFailed`."""


GC_THRESHOLD = 20_000  # allocations between young collections (Python's default: 700)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the garbage collector less often inside the block. A replay allocates many
    short-lived containers (unpickling a batch of rounds, thousands at once), and at the
    default threshold the collector ran every few messages: 4.5 s became 3.8 s for a
    two-process replay of 200,000 events (measured). Cycles are still collected, later."""
    old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def worth_it(path: str | os.PathLike, jobs: int | None) -> bool:
    """Whether to read ``path`` in a second process: ``jobs`` 2, or by default (None) when
    the file is large and a second CPU is there to do it."""
    if jobs is not None:
        return jobs >= 2
    try:
        big = os.path.getsize(path) >= MIN_BYTES
    except OSError:
        return False  # the reader reports it
    return big and _cpus() >= 2


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# -- the wire form ----------------------------------------------------------------------------


def encode(rnd: Round, msgs: list[_Msg] | None, instances: dict[int, int], new: list) -> tuple:
    """``rnd`` and its read messages as plain data. ``instances`` numbers the instances
    already sent (by ``id``); an instance not sent yet is numbered and added to ``new``.
    A message's lazily read fields are read here (`_UNREAD` would not survive the trip;
    ``_refs`` is left unread, as None, for the parent: few messages need it)."""
    inst = None
    if rnd.instance is not None:
        inst = instances.get(id(rnd.instance))
        if inst is None:
            inst = instances[id(rnd.instance)] = len(instances)
            new.append(rnd.instance)
    read = None
    if msgs is not None:
        for m in msgs:  # what every detector run asks of a message, read here
            agree, ack = m.agree, m.ack  # both: an unread field would not survive the trip
            if agree is None and ack is None and m.stated and m.is_proposal:
                m.key  # noqa: B018 - G1's plan key
        read = [_msg_values(m) for m in msgs]
    return inst, [_turn_values(t) for t in rnd.turns], _round_values(rnd), read


def decode(data: tuple, instances: list) -> tuple[Round, list[_Msg] | None]:
    """The `Round` and messages `encode` was given. Objects are filled in directly, not
    through ``__init__``: every field crossed, and this runs for every message."""
    inst, turns, rest, read = data
    rnd = _new(Round, zip(_ROUND, rest))
    rnd.instance = instances[inst] if inst is not None else None
    rnd.turns = [_new(Turn, zip(_TURN, t)) for t in turns]
    if read is None:
        return rnd, None
    msgs = []
    for values in read:
        m = _new(_Msg, zip(_MSG, values))
        m.turn = rnd.turns[m.index]
        msgs.append(m)
    return rnd, msgs


def _new(cls, items) -> Any:
    obj = cls.__new__(cls)
    obj.__dict__ = dict(items)
    return obj


# -- the child ----------------------------------------------------------------------------

# The child is a fresh interpreter, not a `multiprocessing` child: nothing of the parent's
# state (threads, open files, a script's unguarded top level) is carried into it, and it
# starts the same way on every platform.
_CHILD = "from coord.analysis.pipeline import child_main; child_main()"
_LENGTH = struct.Struct("<Q")


def _send(out, *message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)


def child_main() -> None:
    """The child process: read its task from stdin, send what `ReadAhead` expects on
    stdout (length-prefixed pickles)."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the pipe
    path, scenario_instance, ordered = pickle.load(sys.stdin.buffer)
    try:
        with fewer_collections():
            _produce(out, path, scenario_instance, ordered)
    except BrokenPipeError:  # the parent stopped reading (an error, or interrupted)
        pass
    finally:
        try:
            out.flush()
        except BrokenPipeError:
            pass


def _produce(out, path: str, scenario_instance, ordered: bool) -> None:
    from coord.analysis.exchange import open_exchange

    try:
        stream = open_exchange(path, scenario_instance=scenario_instance, ordered=ordered)
        _send(out, "start", stream.agents, stream.kind)
        instances: dict[int, int] = {}
        new: list = []
        batch: list[tuple] = []
        for rnd in stream.rounds:
            batch.append(encode(rnd, read_round(rnd, stream.agents), instances, new))
            if len(batch) >= BATCH:
                _send(out, "rounds", new, batch)
                new, batch = [], []
        _send(out, "rounds", new, batch)
        _send(out, "end", stream.warnings, stream.stats)
    except OutOfOrder as e:
        _send(out, "out_of_order", str(e))
    except CoordError as e:
        _send(out, "error", type(e), e.args, dict(e.__dict__))
    except BrokenPipeError:
        raise
    except BaseException:  # noqa: BLE001 - anything else is a bug, reported in the parent
        import traceback

        _send(out, "crash", traceback.format_exc())


# -- the parent ----------------------------------------------------------------------------


PIPE_BYTES = 1 << 20  # so the child can run a few batches ahead without blocking


def _widen(pipe) -> None:
    """Grow the pipe's buffer to `PIPE_BYTES` where the system allows (Linux; elsewhere,
    and past the system's limit, it stays as it is)."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (ImportError, OSError):
        pass


class ReadAhead:
    """An exchange read by a child process: `agents`, `kind` and `path` as soon as it is
    open, then `rounds` yields ``(Round, messages)`` pairs (``messages`` as
    `statements.read_round` gives them), and `warnings` and `stats` are filled in when
    the last round is through. Use as a context manager: leaving it stops the child."""

    def __init__(self, path: str | os.PathLike, scenario_instance=None, ordered: bool = True):
        import subprocess
        import tempfile

        self.path = os.fspath(path)
        self.warnings: list[str] = []
        self.stats: dict = {}
        self._instances: list = []
        self._done = False
        self._errors = tempfile.TemporaryFile()
        env = dict(os.environ)
        here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errors,
                env=env,
            )
        except OSError:
            self._errors.close()
            raise
        self._out = self._proc.stdout
        _widen(self._out)
        try:
            pickle.dump((self.path, scenario_instance, ordered), self._proc.stdin)
            self._proc.stdin.close()
            _, self.agents, self.kind = self._expect("start")
        except BaseException:
            self.close()
            raise

    def _read(self, n: int) -> bytes:
        data = self._out.read(n)
        if len(data) < n:
            self._proc.wait()
            self._errors.seek(0)
            said = self._errors.read().decode(errors="replace").strip().splitlines()
            why = f": {said[-1]}" if said else ""
            raise ReaderFailed(
                f"the process reading {self.path} stopped unexpectedly "
                f"(exit code {self._proc.returncode}){why}"
            )
        return data

    def _receive(self) -> tuple:
        (n,) = _LENGTH.unpack(self._read(_LENGTH.size))
        message = pickle.loads(self._read(n))
        kind = message[0]
        if kind == "out_of_order":
            raise OutOfOrder(message[1])
        if kind == "error":
            cls, args, attrs = message[1:]
            err = cls.__new__(cls)
            err.args = args
            err.__dict__.update(attrs)
            raise err
        if kind == "crash":
            text = message[1].rstrip()
            raise ReaderFailed(
                f"reading {self.path} failed: {text.splitlines()[-1]}"
            ) from _ChildTraceback(text)
        return message

    def _expect(self, kind: str) -> tuple:
        message = self._receive()
        if message[0] != kind:
            raise ReaderFailed(f"the reader sent {message[0]!r} where {kind!r} was due")
        return message

    @property
    def rounds(self) -> Iterator[tuple[Round, list[_Msg] | None]]:
        while True:
            message = self._receive()
            if message[0] == "end":
                self.warnings[:], self.stats = message[1], message[2]
                self._done = True
                return
            _, new, batch = message
            self._instances += new
            for data in batch:
                yield decode(data, self._instances)

    def close(self) -> None:
        import subprocess

        if self._done:  # it has sent everything and is exiting: let it
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._out.close()
        self._errors.close()

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class InProcess:
    """`ReadAhead`'s interface over an exchange read in this process."""

    def __init__(self, path: str | os.PathLike, scenario_instance=None, ordered: bool = True):
        from coord.analysis.exchange import open_exchange

        self._stream = open_exchange(path, scenario_instance=scenario_instance, ordered=ordered)
        self.path, self.agents, self.kind = (
            self._stream.path,
            self._stream.agents,
            self._stream.kind,
        )
        self.warnings, self.stats = self._stream.warnings, self._stream.stats

    @property
    def rounds(self) -> Iterator[tuple[Round, list[_Msg] | None]]:
        for rnd in self._stream.rounds:
            yield rnd, read_round(rnd, self.agents)

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc) -> None:
        pass


def open_read(
    path: str | os.PathLike, scenario_instance=None, *, ordered: bool = True, jobs: int | None
) -> ReadAhead | InProcess:
    """The exchange at ``path``, its rounds read (`read_round`): in a child process when
    `worth_it` and one can be started, else in this one."""
    if worth_it(path, jobs):
        try:
            return ReadAhead(path, scenario_instance, ordered)
        except OSError:  # no interpreter to start (an embedded Python): read here
            pass
    return InProcess(path, scenario_instance, ordered)
