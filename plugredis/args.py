"""Argument parsing helpers with Redis's exact error texts, for handlers."""

from __future__ import annotations

import math

from .commands import CommandError

__all__ = [
    "NOT_FLOAT",
    "NOT_INTEGER",
    "SYNTAX_ERROR",
    "parse_float",
    "parse_int",
    "parse_positive_int",
]

NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
SYNTAX_ERROR = "ERR syntax error"

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1


def parse_int(raw: bytes, message: str = NOT_INTEGER) -> int:
    """A signed 64-bit integer written exactly as Redis's ``string2ll`` accepts it."""
    if not raw or len(raw) > 20:
        raise CommandError(message)
    if raw == b"0":
        return 0
    body = raw[1:] if raw[:1] == b"-" else raw
    if not body.isdigit() or body[:1] == b"0":
        raise CommandError(message)
    v = int(raw)
    if not _I64_MIN <= v <= _I64_MAX:
        raise CommandError(message)
    return v


def parse_positive_int(raw: bytes, message: str = NOT_INTEGER) -> int:
    v = parse_int(raw, message)
    if v < 0:
        raise CommandError(message)
    return v


def parse_float(raw: bytes, message: str = NOT_FLOAT, allow_nan: bool = False) -> float:
    """A double as Redis's ``strtold`` accepts it (``inf``, ``-inf``, ``1e3``; no spaces)."""
    if not raw or b"_" in raw or raw[:1].isspace() or raw[-1:].isspace():
        raise CommandError(message)
    try:
        v = float(raw)
    except ValueError:
        raise CommandError(message)
    if math.isnan(v) and not allow_nan:
        raise CommandError(message)
    return v
