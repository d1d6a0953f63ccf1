"""Counter maps for plugredis: a value type and four commands (a complete example plugin)."""

from __future__ import annotations

import sys
from typing import Any

from plugredis import (
    CommandError,
    KeySpec,
    TypeSpec,
    arg,
    command,
    hookimpl,
    parse_int,
)

__version__ = "1.0.0"

I64_MIN, I64_MAX = -(2**63), 2**63 - 1


class Counters(dict):  # type: ignore[type-arg]
    """The stored value: counter name (bytes) -> value (int).

    A class of its own, so the keyspace can tell a counter map from any other value (WRONGTYPE).
    """


def _save(value: Counters, w: Any) -> None:
    """Write a counter map with the RDB module primitives (count, then name/value pairs)."""
    w.write_module_uint(len(value))
    for name, n in value.items():
        w.write_module_string(name)
        w.write_module_sint(n)


def _load(r: Any, encver: int) -> Counters:
    if encver != 1:
        raise ValueError(f"unknown counters encoding version {encver}")
    value = Counters()
    for _ in range(r.read_module_uint()):
        name = r.read_module_string()
        value[name] = r.read_module_sint()
    return value


COUNTERS = TypeSpec(
    name="counters",
    pytype=Counters,
    copy=lambda v: Counters(v),
    encoding=lambda v: "hashtable",
    memory=lambda v: 64 + sum(len(k) + 40 for k in v),
    module_name="plgcountr",  # exactly 9 characters, as Redis module type names
    module_encver=1,
    module_save=_save,
    module_load=_load,
)


@command(
    "CINCRBY",
    arity=4,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    summary="Increment a counter of a counter map",
    since="1.0.0",
    complexity="O(1)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "update"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("counter", "string"),
        arg("increment", "integer"),
    ],
)
def cincrby(ctx: Any, key: bytes, counter: bytes, increment: bytes) -> int:
    """CINCRBY key counter increment"""
    by = parse_int(increment)
    db = ctx.db
    value = db.lookup_write(key, Counters)
    if value is None:
        value = Counters()
        db.add(key, value)
    new = value.get(counter, 0) + by
    if not I64_MIN <= new <= I64_MAX:
        raise CommandError("ERR increment or decrement would overflow")
    value[counter] = new
    db.signal_modified(key)
    return new


@command(
    "CGET",
    arity=3,
    flags="readonly fast",
    keys=(1, 1, 1),
    summary="Get a counter of a counter map",
    since="1.0.0",
    complexity="O(1)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access"))],
    arguments=[arg("key", "key", key_spec_index=0), arg("counter", "string")],
)
def cget(ctx: Any, key: bytes, counter: bytes) -> int | None:
    """CGET key counter"""
    value = ctx.db.lookup_read(key, Counters)
    return None if value is None else value.get(counter)


@command(
    "CTOP",
    arity=3,
    flags="readonly",
    keys=(1, 1, 1),
    summary="The highest counters of a counter map",
    since="1.0.0",
    complexity="O(N log(M)) with N counters and M the count asked for",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access"))],
    arguments=[arg("key", "key", key_spec_index=0), arg("count", "integer")],
)
def ctop(ctx: Any, key: bytes, count: bytes) -> list[Any]:
    """CTOP key count"""
    n = parse_int(count)
    if n < 0:
        raise CommandError("ERR count must be positive")
    value = ctx.db.lookup_read(key, Counters)
    if value is None:
        return []
    import heapq

    top = heapq.nlargest(n, value.items(), key=lambda kv: (kv[1], kv[0]))
    return [x for name, v in top for x in (name, v)]


@command(
    "CCOUNT",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    summary="The number of counters in a counter map",
    since="1.0.0",
    complexity="O(1)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RO",))],
    arguments=[arg("key", "key", key_spec_index=0)],
)
def ccount(ctx: Any, key: bytes) -> int:
    """CCOUNT key"""
    value = ctx.db.lookup_read(key, Counters)
    return 0 if value is None else len(value)


@hookimpl
def register_types(register: Any) -> None:
    register(COUNTERS)


@hookimpl
def register_commands(register: Any) -> None:
    register(sys.modules[__name__])
