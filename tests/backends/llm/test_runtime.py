"""Runtime: per-endpoint pacing under requests_per_minute (clock and sleep injected)."""

import asyncio

from coord.backends.llm.common import LLMSettings
from coord.backends.llm.runtime import Limits, Runtime


def settings(provider="openai", base_url="http://127.0.0.1:9/v1"):
    return LLMSettings(provider=provider, model="m", base_url=base_url)


class Clock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self):
        return self.now

    async def sleep(self, seconds):
        self.slept.append(round(seconds, 6))


def test_requests_start_evenly_spaced_per_endpoint():
    clock = Clock()
    rt = Runtime(limits=Limits(requests_per_minute=30), sleep=clock.sleep, clock=clock)

    async def burst():
        for _ in range(3):
            await rt.pace(settings())
        await rt.pace(settings(provider="anthropic", base_url="http://127.0.0.1:9"))

    asyncio.run(burst())
    # three requests at once to one endpoint: now, +2 s, +4 s; another endpoint is free
    assert clock.slept == [2.0, 4.0]


def test_a_free_slot_does_not_wait_and_no_limit_never_waits():
    clock = Clock()
    rt = Runtime(limits=Limits(requests_per_minute=60), sleep=clock.sleep, clock=clock)
    asyncio.run(rt.pace(settings()))
    clock.now += 5  # long after the reserved slot
    asyncio.run(rt.pace(settings()))
    assert clock.slept == []
    free = Runtime(sleep=clock.sleep, clock=clock)
    for _ in range(5):
        asyncio.run(free.pace(settings()))
    assert clock.slept == []
