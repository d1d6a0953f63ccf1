"""DUMP and RESTORE between plugredis and a real Redis, both ways, for every kind of value.

Redis writes each value in its own compact encodings (listpack, quicklist, intset, LZF strings,
integer strings); plugredis writes plain encodings.  Each side must load what the other dumps.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis
from keyspace_toys import TOYS

pytestmark = pytest.mark.plugredis(plugins=["keyspace", "strings"], extra=[TOYS])

LONG = "x" * 100 + "y" * 100

VALUES: dict[str, tuple[str, Any]] = {
    "str-short": ("string", b"hello"),
    "str-int": ("string", b"123"),
    "str-negint": ("string", b"-70000"),
    "str-bigint": ("string", b"12345678901"),
    "str-empty": ("string", b""),
    "str-binary": ("string", b"a\x00b\r\n\xff"),
    "str-long": ("string", LONG.encode()),
    "str-huge": ("string", b"abc" * 20000),
    "list-small": ("list", [b"1", b"two", b"", b"3"]),
    "list-big": ("list", [str(i).encode() * (i % 7 + 1) for i in range(3000)]),
    "list-longitems": ("list", [b"z" * 100, b"w" * 70]),
    "set-int": ("set", {b"1", b"2", b"-3", b"100000"}),
    "set-str": ("set", {b"a", b"b", b"c"}),
    "set-big": ("set", {f"m{i}".encode() for i in range(600)}),
    "zset-small": ("zset", {b"a": 1.0, b"b": 2.5, b"c": -3.0}),
    "zset-big": ("zset", {f"m{i}".encode(): i / 3 for i in range(300)}),
    "zset-special": ("zset", {b"inf": float("inf"), b"ninf": float("-inf"), b"z": 0.1}),
    "hash-small": ("hash", {b"f": b"v", b"n": b"1"}),
    "hash-big": ("hash", {f"f{i}".encode(): f"v{i}".encode() for i in range(600)}),
    "hash-longval": ("hash", {b"f": b"v" * 100}),
}


def _create(r: redis.Redis, key: str, kind: str, value: Any) -> None:
    if kind == "string":
        r.set(key, value)
    elif kind == "list":
        for i in range(0, len(value), 500):
            r.rpush(key, *value[i : i + 500])
    elif kind == "set":
        r.sadd(key, *value)
    elif kind == "zset":
        args = [a for m, s in value.items() for a in (s, m)]
        r.execute_command("ZADD", key, *args)
    elif kind == "hash":
        r.hset(key, mapping=value)


def _read_redis(r: redis.Redis, key: str, kind: str) -> Any:
    assert r.type(key).decode() == kind
    if kind == "string":
        return r.get(key)
    if kind == "list":
        return r.lrange(key, 0, -1)
    if kind == "set":
        return r.smembers(key)
    if kind == "zset":
        return dict(r.zrange(key, 0, -1, withscores=True))
    return r.hgetall(key)


def _read_ours(handle: Any, key: str, kind: str) -> Any:
    v = handle.server.dbs[0].data[key.encode()]
    assert handle.server.registry.type_of(v).name == kind
    if kind == "string":
        return v
    if kind == "list":
        return list(v)
    if kind == "set":
        return set(v)
    return dict(v)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_redis_dump_restores_in_plugredis_and_back(redis_pair: Any, name: str) -> None:
    kind, value = VALUES[name]
    theirs = redis_pair.redis.client
    ours = redis_pair.plugredis.client
    ours.flushall()
    _create(theirs, "src", kind, value)
    payload = theirs.dump("src")
    assert ours.restore("k", 0, payload) == b"OK"
    assert _read_ours(redis_pair.plugredis.handle, "k", kind) == value
    assert ours.type("k").decode() == kind
    # and the way back: plugredis's own payload, loaded by Redis
    back = ours.dump("k")
    assert theirs.restore("back", 0, back) == b"OK"
    assert _read_redis(theirs, "back", kind) == value
    # a value dumped by plugredis restores in plugredis too
    assert ours.restore("k", 0, back, replace=True) == b"OK"
    assert _read_ours(redis_pair.plugredis.handle, "k", kind) == value


def test_restore_options_on_both_servers(redis_pair: Any) -> None:
    for target in (redis_pair.plugredis, redis_pair.redis):
        r = target.client
        r.flushall()
        r.set("s", "v")
        payload = r.dump("s")
        assert r.restore("t", 100_000, payload) == b"OK"
        assert 99 <= r.ttl("t") <= 100
        with pytest.raises(redis.ResponseError, match=r"BUSYKEY Target key name already exists\."):
            r.restore("t", 0, payload)
        assert r.restore("t", 0, payload, replace=True) == b"OK"
        assert r.ttl("t") == -1
        assert r.restore("t", 1, payload, replace=True, absttl=True) == b"OK"
        assert r.exists("t") == 0  # an absolute TTL in the past: the old key is gone too
        assert r.restore("t", 0, payload, idletime=10) == b"OK"
        assert r.restore("u", 0, payload, frequency=10) == b"OK"
        with pytest.raises(redis.ResponseError, match="checksum are wrong"):
            r.restore("w", 0, payload[:-1] + bytes([payload[-1] ^ 1]))
        with pytest.raises(redis.ResponseError, match="checksum are wrong"):
            r.restore("w", 0, b"short")


def test_plugredis_module_type_is_refused_by_redis(redis_pair: Any) -> None:
    ours = redis_pair.plugredis.client
    ours.execute_command("TOYBLOB", "b", "data")
    payload = ours.dump("b")
    with pytest.raises(redis.ResponseError, match="Bad data format"):
        redis_pair.redis.client.restore("b", 0, payload)
