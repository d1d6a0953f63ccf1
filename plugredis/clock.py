"""Clocks: the real one, and a manual one that tests advance instead of sleeping.

The server reads time once per batch of commands (``server.now_ms``), the way Redis uses one time
snapshot per command, so every key of a command expires against the same instant.
"""

from __future__ import annotations

import time

__all__ = ["Clock", "ManualClock"]


class Clock:
    """Wall-clock time in milliseconds since the epoch."""

    manual = False

    def ms(self) -> int:
        return int(time.time() * 1000)

    def time(self) -> float:
        return time.time()


class ManualClock(Clock):
    """A clock that only moves when told to: ``clock.advance(1.5)`` moves it 1.5 seconds.

    Hand it to a server (``Server(clock=ManualClock())``, or the ``manual_clock`` pytest fixture)
    and expiry becomes deterministic: no test has to sleep for a TTL.
    """

    manual = True

    def __init__(self, start_ms: int | None = None) -> None:
        self._ms = int(time.time() * 1000) if start_ms is None else start_ms

    def ms(self) -> int:
        return self._ms

    def time(self) -> float:
        return self._ms / 1000.0

    def advance(self, seconds: float = 0.0, *, ms: int = 0) -> None:
        """Move the clock forward by ``seconds`` plus ``ms`` milliseconds."""
        self._ms += round(seconds * 1000) + ms

    def set(self, ms: int) -> None:
        self._ms = ms
