"""Loopback fake provider servers (test utility, also `coord fake-server`)."""

from coord.backends.fake.server import FakeServer, Step

__all__ = ["FakeServer", "Step"]
