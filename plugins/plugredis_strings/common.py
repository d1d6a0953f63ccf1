"""Helpers shared by the strings family's command modules."""

from __future__ import annotations

from plugredis import CommandError

__all__ = [
    "LLONG_MAX",
    "LLONG_MIN",
    "check_length",
    "copt",
]

LLONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)

STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"


def copt(raw: bytes) -> bytes:
    """An option argument as Redis's ``strcasecmp`` sees it: upper case, cut at the first NUL."""
    if b"\0" in raw:
        raw = raw[: raw.index(b"\0")]
    return raw.upper()


def check_length(max_len: int, size: int, append: int) -> None:
    """Refuse a string that would grow beyond ``proto-max-bulk-len`` (APPEND, SETRANGE)."""
    if size + append > max_len:
        raise CommandError(STRING_TOO_LONG)
