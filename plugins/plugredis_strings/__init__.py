"""The strings family: every command of Redis 7.0's ``string`` and ``bitmap`` groups.

Strings are stored as plain ``bytes`` values, the fastest thing Python has; their
:class:`~plugredis.TypeSpec` is named ``string``.  The commands live in modules by theme:

- :mod:`.basic`: GET, SET, GETSET, GETDEL, GETEX, MGET, MSET, MSETNX, SETNX, SETEX, PSETEX,
  APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE;
- :mod:`.counters`: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT (with :mod:`.longdouble`, an exact
  emulation of C's 80-bit ``long double`` that Redis uses for INCRBYFLOAT);
- :mod:`.bits`: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO;
- :mod:`.lcs`: LCS.

``OBJECT ENCODING`` is derived from the value: ``int`` for a canonical 64-bit integer of at
most 20 characters, ``embstr`` up to 44 bytes, ``raw`` beyond; except that, as in Redis, a value
that APPEND, SETRANGE, SETBIT, BITFIELD or BITOP wrote is ``raw`` and INCRBYFLOAT's result is
``embstr`` even when it reads as an integer (:func:`.common.edited` remembers those values by
identity, at no cost to the other commands).  Values of one byte are the exception: CPython
shares one object per such value, so they report what their bytes say.
"""

from __future__ import annotations

from typing import Any

from plugredis import CommandError, TypeSpec, hookimpl, parse_int

from . import basic, bits, counters, lcs
from .common import forced_encoding

__version__ = "0.1.0"

__all__ = ["STRING", "string_encoding"]


def string_encoding(value: bytes) -> str:
    """The encoding OBJECT ENCODING reports for a string value."""
    forced = forced_encoding(value)
    if forced is not None:
        return forced
    if len(value) <= 20:
        try:
            parse_int(value)
            return "int"
        except CommandError:
            pass
    return "embstr" if len(value) <= 44 else "raw"


STRING = TypeSpec(
    name="string",
    pytype=bytes,
    encoding=string_encoding,
    memory=lambda v: len(v) + 56,
    to_rdb=lambda v: ("string", v),
    from_rdb=lambda kind, v: bytes(v),
    rdb_kinds=("string",),
)


@hookimpl
def register_types(register: Any) -> None:
    register(STRING)


@hookimpl
def register_commands(register: Any) -> None:
    register(basic, counters, bits, lcs)
