"""Shared helpers for plugredis's own suites (fixtures come from ``plugredis.testing``)."""

from __future__ import annotations

from typing import Any

import pytest


def run_both(pair: Any, commands: list[tuple[Any, ...]]) -> list[tuple[bytes, bytes]]:
    """Send each command to both servers on one connection each; return the raw reply pairs."""
    return [pair.raw(*cmd) for cmd in commands]


@pytest.fixture
def compare(redis_pair: Any) -> Any:
    """``compare(*cmd)`` asserts plugredis answers ``cmd`` with exactly Redis's bytes."""

    def check(*cmd: Any) -> bytes:
        ours, theirs = redis_pair.raw(*cmd)
        assert ours == theirs, f"{cmd!r}: plugredis {ours!r} != redis {theirs!r}"
        return ours

    check.pair = redis_pair  # type: ignore[attr-defined]
    return check
