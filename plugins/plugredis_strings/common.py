"""Helpers shared by the strings family's command modules."""

from __future__ import annotations

import sys

from plugredis import CommandError

__all__ = [
    "LLONG_MAX",
    "LLONG_MIN",
    "check_length",
    "copt",
    "edited",
    "forced_encoding",
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


# --- OBJECT ENCODING beyond what the bytes say ------------------------------------------------
#
# Redis reports ``raw`` for a string that APPEND, SETRANGE, SETBIT, BITFIELD or BITOP wrote (they
# edit an unshared sds in place), and ``embstr`` for INCRBYFLOAT's result even when it reads as an
# integer.  Values are plain ``bytes`` (no room for a flag), so these values are remembered by
# identity: id(value) -> (value, encoding).  Holding the value keeps its id from being reused;
# values that no key holds any more are swept out as the table grows, so nothing is paid on the
# paths that do not edit strings (GET, SET...) and the table stays as small as the live values.

_FORCED: dict[int, tuple[bytes, str]] = {}
_sweep_at = 1024


def edited(value: bytes, encoding: str = "raw") -> bytes:
    """Remember that ``value`` (about to be stored) has ``encoding``; returns ``value``.

    Values of 0 or 1 bytes are not remembered: CPython shares one object per such value, so
    they report the encoding their bytes give.
    """
    global _sweep_at
    if len(value) > 1:
        _FORCED[id(value)] = (value, encoding)
        if len(_FORCED) >= _sweep_at:
            _sweep()
            _sweep_at = max(1024, 2 * len(_FORCED))
    return value


def forced_encoding(value: bytes) -> str | None:
    """The encoding :func:`edited` recorded for this very object, if any."""
    entry = _FORCED.get(id(value))
    if entry is not None and entry[0] is value:
        return entry[1]
    return None


def _sweep() -> None:
    """Forget the values only this table still refers to."""
    # references to a dead value here: its tuple, the loop variable, getrefcount's argument
    dead = [key for key, (v, _) in _FORCED.items() if sys.getrefcount(v) <= 3]
    for key in dead:
        del _FORCED[key]
