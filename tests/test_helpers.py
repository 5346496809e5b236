"""The test helpers themselves: the hang guard really stops a hanging block."""

import time

import pytest
from helpers import Hung, no_hang


def test_no_hang_stops_a_block_that_hangs():
    with pytest.raises(Hung, match="hangs"):
        with no_hang(0.05):
            time.sleep(30)  # interrupted by the guard, never waited out


def test_no_hang_is_disarmed_after_the_block():
    with no_hang(0.05):
        pass
    time.sleep(0.1)  # no alarm left behind to fire here
