"""Counters: INCR, DECR, INCRBY, DECRBY and INCRBYFLOAT."""

from __future__ import annotations

from typing import Any

from plugredis import (
    NOT_FLOAT,
    NOT_INTEGER,
    Client,
    CommandError,
    KeySpec,
    WrongTypeError,
    arg,
    c_twin,
    command,
    parse_int,
)

from .common import LLONG_MAX, LLONG_MIN, edited
from .longdouble import InvalidFloat, ld_add, ld_format, ld_parse

OVERFLOW = "ERR increment or decrement would overflow"


def _stored_int(v: bytes) -> int:
    """A stored value as a 64-bit integer, exactly as ``string2ll`` accepts it (fast path)."""
    if len(v) <= 20:
        try:
            n = int(v)
        except ValueError:
            pass
        else:
            # int() also takes " 1", "+1", "01", "1_0": only the canonical spelling is valid
            if LLONG_MIN <= n <= LLONG_MAX and b"%d" % n == v:
                return n
    raise CommandError(NOT_INTEGER)


def _incr(ctx: Client, key: bytes, delta: int) -> int:
    db = ctx.db
    data = db.data
    old = data.get(key)
    if old is not None:
        if db.expires and key in db.expires:
            old = db.lookup_write(key, bytes)  # lazy expiry first
        elif type(old) is not bytes:
            raise WrongTypeError()
    if old is None:
        value = 0
    elif old.isdigit() and len(old) < 19 and (old[0] != 0x30 or len(old) == 1):
        value = int(old)  # the common case: a canonical counter under 10**18
    else:
        value = _stored_int(old)  # every other spelling, checked exactly
    new = value + delta
    if new > LLONG_MAX or new < LLONG_MIN:
        raise CommandError(OVERFLOW)
    data[key] = b"%d" % new  # in place: the TTL stays
    db.signal_modified(key)
    return new


def _counter_spec(name: str, summary: str, amount: str | None) -> dict[str, Any]:
    arguments = [arg("key", "key", key_spec_index=0)]
    if amount is not None:
        arguments.append(arg(amount, "integer"))
    return dict(
        arity=2 if amount is None else 3,
        flags="write denyoom fast",
        keys=(1, 1, 1),
        acl="string",
        summary=summary,
        since="1.0.0",
        group="string",
        complexity="O(1)",
        key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "update"))],
        arguments=arguments,
    )


@command("INCR", **_counter_spec("INCR", "Increment the integer value of a key by one", None))
def incr(ctx: Client, key: bytes) -> Any:
    """INCR key"""
    return _incr(ctx, key, 1)


c_twin(incr, "incr")


@command("DECR", **_counter_spec("DECR", "Decrement the integer value of a key by one", None))
def decr(ctx: Client, key: bytes) -> Any:
    """DECR key"""
    return _incr(ctx, key, -1)


c_twin(decr, "decr")


@command(
    "INCRBY",
    **_counter_spec(
        "INCRBY", "Increment the integer value of a key by the given amount", "increment"
    ),
)
def incrby(ctx: Client, key: bytes, increment: bytes) -> Any:
    """INCRBY key increment"""
    return _incr(ctx, key, parse_int(increment))


@command(
    "DECRBY",
    **_counter_spec(
        "DECRBY", "Decrement the integer value of a key by the given number", "decrement"
    ),
)
def decrby(ctx: Client, key: bytes, decrement: bytes) -> Any:
    """DECRBY key decrement"""
    d = parse_int(decrement)
    if d == LLONG_MIN:
        raise CommandError("ERR decrement would overflow")
    return _incr(ctx, key, -d)


@command(
    "INCRBYFLOAT",
    arity=3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="string",
    summary="Increment the float value of a key by the given amount",
    since="2.6.0",
    group="string",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "update")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("increment", "double"),
    ],
)
def incrbyfloat(ctx: Client, key: bytes, increment: bytes) -> Any:
    """INCRBYFLOAT key increment"""
    db = ctx.db
    old = db.lookup_write(key, bytes)
    try:
        value = ld_parse(old if old is not None else b"0")
        incr_ = ld_parse(increment)
    except InvalidFloat:
        raise CommandError(NOT_FLOAT)
    total = ld_add(value, incr_)
    if total is None or total[1] < 0:
        raise CommandError("ERR increment would produce NaN or Infinity")
    new = ld_format(total)
    # a new string object, never int-encoded, even when it reads as an integer
    db.set(key, edited(new, "embstr" if len(new) <= 44 else "raw"), keep_ttl=True)
    return new
