"""Retries with backoff, `Retry-After` within a cap, and deadlines per call.

The SDKs' own retries are switched off (`max_retries=0`): coord retries itself so that it
can honour a cap on `Retry-After`, stop at a total deadline, record every attempt, and
never retry an error that arrived after a stream had started (that turn fails instead).

Decision on `Retry-After` above the cap (default 60 s): the call fails at once with a
provider error naming the wait and the setting, rather than retrying sooner than the
server asked (which would only be refused again) or sleeping for an hour.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from coord.backends.llm.common import CallFailed


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4
    backoff: float = 0.5  # first wait, seconds; doubles each retry, with jitter
    max_backoff: float = 8.0
    retry_after_cap: float = 60.0
    call_timeout: float = 120.0  # per attempt (the SDK's request timeout)
    call_deadline: float = 300.0  # all attempts of one call, waits included


Sleep = Callable[[float], Awaitable[Any]]


class GaveUp(CallFailed):
    """The retries are exhausted, a deadline passed, or the error is not retryable."""


async def call_with_retries(
    attempt: Callable[[float], Awaitable[Any]],
    policy: RetryPolicy,
    *,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    log: list[dict] | None = None,
    deadline: float | None = None,
) -> Any:
    """Run `attempt(timeout)` until it succeeds; every failure is appended to `log`.

    `deadline` (a `clock()` value) is the run's own deadline, if sooner than the call's.
    """
    start = clock()
    end = start + policy.call_deadline
    if deadline is not None:
        end = min(end, deadline)
    tries = 0
    while True:
        remaining = end - clock()
        if remaining <= 0:
            raise GaveUp(f"deadline of {policy.call_deadline:g} s passed before the call succeeded")
        try:
            return await attempt(min(policy.call_timeout, remaining))
        except CallFailed as exc:
            entry = {"error": str(exc)[:500], "status": exc.status}
            if log is not None:
                log.append(entry)
            if not exc.retryable or exc.started:
                raise
            if tries >= policy.max_retries:
                raise GaveUp(
                    f"{exc} (gave up after {tries + 1} attempts)", status=exc.status
                ) from exc
            if exc.retry_after is not None:
                if exc.retry_after > policy.retry_after_cap:
                    raise GaveUp(
                        f"{exc}; the server asked to wait {exc.retry_after:g} s, more than "
                        f"the cap of {policy.retry_after_cap:g} s",
                        status=exc.status,
                        hint="raise `limits.retry_after_cap` in the scenario to wait that "
                        "long, or try again later",
                    ) from exc
                wait = exc.retry_after
            else:
                wait = min(policy.max_backoff, policy.backoff * 2**tries)
                wait *= 0.5 + random.random() / 2  # jitter: concurrent games don't sync up
            if clock() + wait >= end:
                raise GaveUp(
                    f"{exc}; waiting {wait:g} s more would pass the deadline of "
                    f"{policy.call_deadline:g} s",
                    status=exc.status,
                ) from exc
            entry["wait_s"] = round(wait, 3)
            tries += 1
            await sleep(wait)
