"""`coord.backends.llm.retry` and the retry rules in `common`: which failures are retried,
how long coord waits, and when it gives up. A fake clock and recorded sleeps: no waiting."""

import asyncio
import random

import pytest

from coord.backends.llm.common import CallFailed, is_retryable_status, parse_retry_after
from coord.backends.llm.retry import GaveUp, RetryPolicy, call_with_retries


class Clock:
    """Time that moves only when coord sleeps (or an attempt says it took time)."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    async def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def attempts(*outcomes, clock=None, took=0.0):
    """An attempt function failing with each CallFailed in turn, then returning "ok"."""
    queue = list(outcomes)
    timeouts = []

    async def attempt(timeout):
        timeouts.append(timeout)
        if clock is not None:
            clock.now += took
        if queue:
            raise queue.pop(0)
        return "ok"

    attempt.timeouts = timeouts
    return attempt


def run(attempt, policy=None, clock=None, **kw):
    clock = clock or Clock()
    log = []
    coro = call_with_retries(
        attempt, policy or RetryPolicy(), sleep=clock.sleep, clock=clock, log=log, **kw
    )
    return asyncio.run(coro), clock, log


def busy(**kw):
    return CallFailed("busy", status=529, retryable=True, **kw)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529, 599])
def test_retryable_statuses(status):
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_client_errors_are_not_retryable(status):
    assert not is_retryable_status(status)


def test_backoff_doubles_with_jitter_and_a_ceiling(monkeypatch):
    monkeypatch.setattr(random, "random", lambda: 1.0)  # jitter factor 0.5 + 1/2 = 1
    policy = RetryPolicy(max_retries=6, backoff=0.5, max_backoff=4.0)
    result, clock, log = run(attempts(*[busy() for _ in range(6)]), policy)
    assert result == "ok"
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert [e["wait_s"] for e in log] == clock.sleeps
    monkeypatch.setattr(random, "random", lambda: 0.0)  # the jitter halves it at most
    _, clock, _ = run(attempts(busy(), busy()), policy)
    assert clock.sleeps == [0.25, 0.5]


def test_retry_after_replaces_the_backoff():
    _, clock, log = run(attempts(busy(retry_after=7.0)))
    assert clock.sleeps == [7.0] and log[0]["status"] == 529


def test_retry_after_above_the_cap_gives_up_at_once():
    with pytest.raises(GaveUp) as info:
        run(attempts(busy(retry_after=61.0)), RetryPolicy(retry_after_cap=60.0))
    assert "61 s" in str(info.value) and "cap of 60 s" in str(info.value)
    assert "retry_after_cap" in info.value.hint


def test_gives_up_after_max_retries():
    attempt = attempts(*[busy() for _ in range(10)])
    with pytest.raises(GaveUp, match="gave up after 3 attempts"):
        run(attempt, RetryPolicy(max_retries=2))
    assert len(attempt.timeouts) == 3


@pytest.mark.parametrize(
    "failure",
    [
        CallFailed("bad key", status=401, retryable=False),
        CallFailed("cut", status=500, retryable=True, started=True),  # mid-stream
    ],
)
def test_never_retried(failure):
    attempt = attempts(failure)
    with pytest.raises(CallFailed) as info:
        run(attempt)
    assert info.value is failure and len(attempt.timeouts) == 1


def test_the_call_deadline_bounds_waits_and_attempt_timeouts():
    clock = Clock()
    policy = RetryPolicy(call_timeout=30.0, call_deadline=40.0, backoff=8.0, max_backoff=8.0)
    # each attempt takes 15 s: the second starts at 15 + wait and gets what is left
    attempt = attempts(busy(retry_after=5.0), busy(retry_after=5.0), clock=clock, took=15.0)
    with pytest.raises(GaveUp, match="would pass the deadline of 40 s"):
        run(attempt, policy, clock)
    assert attempt.timeouts == [30.0, 20.0]  # min(call_timeout, time left)


def test_the_run_deadline_wins_when_sooner():
    clock = Clock()
    attempt = attempts(busy(retry_after=1.0), clock=clock)
    with pytest.raises(GaveUp):
        run(attempt, RetryPolicy(), clock, deadline=clock.now + 0.5)
    assert attempt.timeouts == [0.5]


def test_a_passed_deadline_makes_no_attempt():
    clock = Clock()
    attempt = attempts()
    with pytest.raises(GaveUp, match="deadline"):
        run(attempt, RetryPolicy(), clock, deadline=clock.now)
    assert attempt.timeouts == []


@pytest.mark.parametrize(
    "headers,seconds",
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),  # the precise one first
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_parse_retry_after(headers, seconds):
    assert parse_retry_after(headers) == seconds


def test_parse_retry_after_http_date():
    # far from now either way, so the result does not depend on when the test runs
    future = parse_retry_after({"retry-after": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert future > 365 * 86400
    assert parse_retry_after({"retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"}) == 0.0
