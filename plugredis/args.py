"""Argument parsing helpers with Redis's exact error texts, for handlers."""

from __future__ import annotations

import math

from .commands import CommandError

__all__ = [
    "NOT_FLOAT",
    "NOT_INTEGER",
    "SYNTAX_ERROR",
    "config_memory",
    "config_nonneg_int",
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


# -- CONFIG values --------------------------------------------------------------------------------

_I64_TEXT = "9223372036854775807"


def config_nonneg_int(v: str) -> int:
    """A CONFIG SET value for a count (``ValueError`` with Redis's reason)."""
    try:
        n = parse_int(v.encode("utf-8", "surrogateescape"))
    except CommandError:
        raise ValueError("argument couldn't be parsed into an integer")
    if n < 0:
        raise ValueError(f"argument must be between 0 and {_I64_TEXT} inclusive")
    return n


_UNITS = (
    ("gb", 1 << 30),
    ("mb", 1 << 20),
    ("kb", 1 << 10),
    ("g", 10**9),
    ("m", 10**6),
    ("k", 1000),
    ("b", 1),
)


def config_memory(v: str) -> int:
    """A CONFIG SET memory value (``64``, ``1kb``, ``2mb``, ``1g``...) in bytes, as Redis does."""
    low = v.lower()
    mul = 1
    for unit, m in _UNITS:
        if low.endswith(unit):
            low = low[: -len(unit)]
            mul = m
            break
    if low and not (low.isdigit() and low.isascii()):
        raise ValueError("argument must be a memory value")
    n = int(low or "0")
    if n > 2**64 - 1 or n * mul > 2**64 - 1:
        raise ValueError("argument must be a memory value")
    n *= mul
    if n > _I64_MAX:
        raise ValueError(f"argument must be between 0 and {_I64_TEXT} inclusive")
    return n
