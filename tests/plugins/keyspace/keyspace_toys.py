"""A throwaway plugin for the keyspace suite: toy list/set/zset/hash types plus a module type.

The keyspace plugin must handle any registered type through its TypeSpec alone.  These toy types
prove it: they share nothing with the real lists/hashes plugins, yet TYPE, COPY, RENAME, SORT,
DUMP/RESTORE... work on them.  Their few commands (RPUSH, SADD, ZADD, HSET with no options) answer
exactly as Redis does, so the differential tests can compare SORT and DUMP with a real server
even while the real plugins are being written.  Load it with
``pytest.mark.plugredis(plugins=["keyspace", "strings"], extra=[TOYS])`` (never together with the
real lists/hashes plugins: the type names would clash).
"""

from __future__ import annotations

from typing import Any

from plugredis import CommandError, TypeSpec, command, hookimpl, parse_float


class ToyList(list):  # type: ignore[type-arg]
    pass


class ToySet(set):  # type: ignore[type-arg]
    pass


class ToyZSet(dict):  # type: ignore[type-arg]
    pass


class ToyHash(dict):  # type: ignore[type-arg]
    pass


class ToyBlob(bytearray):
    """A type Redis does not have: persisted as a module type."""


def _blob_save(value: Any, w: Any) -> None:
    w.write_module_string(bytes(value))


def _blob_load(r: Any, encver: int) -> Any:
    return ToyBlob(r.read_module_string())


TYPES = [
    TypeSpec(
        "list",
        ToyList,
        encoding=lambda v: "quicklist",
        to_rdb=lambda v: ("list", list(v)),
        from_rdb=lambda kind, p: ToyList(p),
        rdb_kinds=("list",),
    ),
    TypeSpec(
        "set",
        ToySet,
        encoding=lambda v: "hashtable",
        to_rdb=lambda v: ("set", set(v)),
        from_rdb=lambda kind, p: ToySet(p),
        rdb_kinds=("set",),
    ),
    TypeSpec(
        "zset",
        ToyZSet,
        encoding=lambda v: "skiplist",
        to_rdb=lambda v: ("zset", list(v.items())),
        from_rdb=lambda kind, p: ToyZSet(dict(p)),
        rdb_kinds=("zset",),
    ),
    TypeSpec(
        "hash",
        ToyHash,
        encoding=lambda v: "hashtable",
        to_rdb=lambda v: ("hash", dict(v)),
        from_rdb=lambda kind, p: ToyHash(p),
        rdb_kinds=("hash",),
    ),
    TypeSpec(
        "toyblob",
        ToyBlob,
        encoding=lambda v: "toy",
        copy=lambda v: ToyBlob(v),
        module_name="toyblob00",
        module_encver=1,
        module_save=_blob_save,
        module_load=_blob_load,
        extra={"refcount": lambda v: 7},
    ),
]


def _container(ctx: Any, key: bytes, cls: type) -> Any:
    v = ctx.db.lookup_write(key, cls)
    if v is None:
        v = cls()
        ctx.db.add(key, v)
    return v


@command("RPUSH", arity=-3, flags="write denyoom fast", keys=(1, 1, 1), group="list")
def rpush(ctx: Any, key: bytes, *values: bytes) -> int:
    v = _container(ctx, key, ToyList)
    v.extend(values)
    ctx.db.signal_modified(key)
    return len(v)


@command("SADD", arity=-3, flags="write denyoom fast", keys=(1, 1, 1), group="set")
def sadd(ctx: Any, key: bytes, *members: bytes) -> int:
    v = _container(ctx, key, ToySet)
    n = len(v)
    v.update(members)
    ctx.db.signal_modified(key)
    return len(v) - n


@command("ZADD", arity=-4, flags="write denyoom fast", keys=(1, 1, 1), group="sorted_set")
def zadd(ctx: Any, key: bytes, *pairs: bytes) -> int:
    if len(pairs) % 2:
        raise CommandError("ERR syntax error")
    scores = [parse_float(pairs[i]) for i in range(0, len(pairs), 2)]
    v = _container(ctx, key, ToyZSet)
    added = 0
    for score, member in zip(scores, pairs[1::2], strict=True):
        if member not in v:
            added += 1
        v[member] = score
    ctx.db.signal_modified(key)
    return added


@command("HSET", arity=-4, flags="write denyoom fast", keys=(1, 1, 1), group="hash")
def hset(ctx: Any, key: bytes, *pairs: bytes) -> int:
    if len(pairs) % 2:
        raise CommandError("ERR wrong number of arguments for 'hset' command")
    v = _container(ctx, key, ToyHash)
    added = 0
    for f, val in zip(pairs[::2], pairs[1::2], strict=True):
        if f not in v:
            added += 1
        v[f] = val
    ctx.db.signal_modified(key)
    return added


@command("LRANGE", arity=4, flags="readonly", keys=(1, 1, 1), group="list")
def lrange(ctx: Any, key: bytes, start: bytes, stop: bytes) -> Any:
    """Only ``LRANGE key 0 -1`` (to read SORT ... STORE results)."""
    v = ctx.db.lookup_read(key, ToyList)
    return [] if v is None else list(v)


@command("TOYBLOB", arity=3, flags="write", keys=(1, 1, 1))
def toyblob(ctx: Any, key: bytes, data: bytes) -> Any:
    ctx.db.set(key, ToyBlob(data))
    return b"OK"


class ToyTypes:
    plugredis_name = "toytypes"

    @hookimpl
    def register_types(self, register: Any) -> None:
        for spec in TYPES:
            register(spec)

    @hookimpl
    def register_commands(self, register: Any) -> None:
        register(rpush, sadd, zadd, hset, lrange, toyblob)


#: one instance, so every test marked with it shares one server
TOYS = ToyTypes()
