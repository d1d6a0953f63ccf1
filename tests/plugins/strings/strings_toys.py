"""A throwaway plugin for the strings suite: a toy list type and the few keyspace commands the
string tests need (DEL, EXISTS, TTL, PTTL, TYPE, OBJECT ENCODING), answering exactly as Redis
does for the cases used here.

It lets the suite run with only the ``strings`` plugin loaded (WRONGTYPE needs a value of another
type; TTL effects need TTL/PTTL), without depending on the lists or keyspace plugins.  Load it
with ``pytest.mark.plugredis(plugins=["strings"], extra=[TOYS])`` (never together with the real
lists/keyspace plugins: the names would clash).
"""

from __future__ import annotations

from typing import Any

from plugredis import Client, TypeSpec, command, container, hookimpl


class ToyList(list[bytes]):
    pass


LIST = TypeSpec(
    "list",
    ToyList,
    encoding=lambda v: "quicklist",
    to_rdb=lambda v: ("list", list(v)),
    from_rdb=lambda kind, p: ToyList(p),
    rdb_kinds=("list",),
)


@command("RPUSH", arity=-3, flags="write denyoom fast", keys=(1, 1, 1), group="list")
def rpush(ctx: Client, key: bytes, *values: bytes) -> int:
    v = ctx.db.lookup_write(key, ToyList)
    if v is None:
        v = ToyList()
        ctx.db.add(key, v)
    v.extend(values)
    ctx.db.signal_modified(key)
    return len(v)


@command("DEL", arity=-2, flags="write", keys=(1, -1, 1), group="generic")
def del_(ctx: Client, *keys: bytes) -> int:
    return sum(ctx.db.delete(k) for k in keys)


@command("EXISTS", arity=-2, flags="readonly fast", keys=(1, -1, 1), group="generic")
def exists(ctx: Client, *keys: bytes) -> int:
    return sum(ctx.db.lookup_write(k) is not None for k in keys)


def _ttl(ctx: Client, key: bytes) -> int | None:
    if ctx.db.lookup_read(key) is None:
        return None
    when = ctx.db.get_expire(key)
    return -1 if when is None else max(when - ctx.now_ms, 0)


@command("PTTL", arity=2, flags="readonly fast", keys=(1, 1, 1), group="generic")
def pttl(ctx: Client, key: bytes) -> int:
    ms = _ttl(ctx, key)
    return -2 if ms is None else ms


@command("TTL", arity=2, flags="readonly fast", keys=(1, 1, 1), group="generic")
def ttl(ctx: Client, key: bytes) -> int:
    ms = _ttl(ctx, key)
    if ms is None:
        return -2
    return -1 if ms == -1 else (ms + 500) // 1000


@command("TYPE", arity=2, flags="readonly fast", keys=(1, 1, 1), group="generic")
def type_(ctx: Client, key: bytes) -> Any:
    from plugredis import SimpleString

    v = ctx.db.lookup_read(key)
    if v is None:
        return SimpleString(b"none")
    return SimpleString(ctx.server.registry.type_of(v).name.encode())


OBJECT = container("OBJECT", arity=-2, group="generic")


@OBJECT.subcommand("ENCODING", arity=3, flags="readonly", keys=(2, 2, 1))
def object_encoding(ctx: Client, key: bytes) -> Any:
    v = ctx.db.lookup_read(key)
    if v is None:
        return None
    return ctx.server.registry.type_of(v).encoding_of(v).encode()


class _Toys:
    plugredis_name = "strings_toys"

    @hookimpl
    def register_types(self, register: Any) -> None:
        register(LIST)

    @hookimpl
    def register_commands(self, register: Any) -> None:
        register(rpush, del_, exists, pttl, ttl, type_, OBJECT)


TOYS = _Toys()
