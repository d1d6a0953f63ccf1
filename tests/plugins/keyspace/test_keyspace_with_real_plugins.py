"""The keyspace commands on the real lists/hashes plugins (skipped until those plugins exist).

With every installed plugin loaded, SORT and friends must work on the real list and hash types
exactly as on the toy ones: the keyspace plugin only knows them through their TypeSpecs.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.plugredis(plugins=None)


def _need(handle: Any, *types: str) -> None:
    missing = [t for t in types if t not in handle.server.registry.types]
    if missing:
        pytest.skip(f"no loaded plugin registers the type(s) {', '.join(missing)} yet")
    for cmd in ("rpush", "hset", "lrange"):
        if cmd not in handle.server.registry.commands:
            pytest.skip(f"{cmd.upper()} is not implemented yet")


CASES: list[tuple[Any, ...]] = [
    ("RPUSH", "l", "3", "1", "2", "10"),
    ("HSET", "h_1", "f", "9"),
    ("HSET", "h_2", "f", "8"),
    ("SET", "w_3", "0"),
    ("TYPE", "l"),
    ("TYPE", "h_1"),
    ("SORT", "l"),
    ("SORT", "l", "DESC", "LIMIT", "1", "2"),
    ("SORT", "l", "BY", "h_*->f", "GET", "#", "GET", "h_*->f"),
    ("SORT", "l", "BY", "w_*", "GET", "w_*"),
    ("SORT", "l", "BY", "nosort", "DESC"),
    ("SORT", "l", "STORE", "dst"),
    ("LRANGE", "dst", "0", "-1"),
    ("TYPE", "dst"),
    ("SORT", "h_1"),
    ("COPY", "l", "l2"),
    ("RPUSH", "l2", "99"),
    ("LRANGE", "l", "0", "-1"),
    ("LRANGE", "l2", "0", "-1"),
    ("RENAME", "h_1", "h_9"),
    ("TYPE", "h_9"),
    ("EXPIRE", "l2", "100"),
    ("TTL", "l2"),
    ("MOVE", "l2", "1"),
    ("EXISTS", "l2"),
    ("SCAN", "0", "TYPE", "hash", "MATCH", "h_9"),
    ("SCAN", "0", "TYPE", "list", "MATCH", "l*"),
    ("DEL", "l", "h_9", "h_2", "dst", "w_3"),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_generic_commands_on_real_types(redis_pair: Any, resp: int) -> None:
    _need(redis_pair.plugredis.handle, "list", "hash")
    p = redis_pair.plugredis.raw_connection()
    r = redis_pair.redis.raw_connection()
    try:
        for conn in (p, r):
            if resp == 3:
                conn.command("HELLO", "3")
            conn.command("FLUSHALL")
        bad = []
        for cmd in CASES:
            ours, theirs = p.command(*cmd), r.command(*cmd)
            if ours != theirs:
                bad.append((cmd, ours, theirs))
        p.command("FLUSHALL")
        r.command("FLUSHALL")
    finally:
        p.close()
        r.close()
    assert not bad, "\n".join(f"{c!r}: ours {o!r} != redis {t!r}" for c, o, t in bad)


def test_dump_restore_real_types(redis_pair: Any) -> None:
    _need(redis_pair.plugredis.handle, "list", "hash")
    ours, theirs = redis_pair.plugredis.client, redis_pair.redis.client
    ours.flushall()
    theirs.rpush("l", *range(200))
    theirs.hset("h", mapping={f"f{i}": i for i in range(200)})
    for key in ("l", "h"):
        assert ours.restore(key, 0, theirs.dump(key)) == b"OK"
        assert theirs.restore(key + "2", 0, ours.dump(key)) == b"OK"
    assert ours.lrange("l", 0, -1) == theirs.lrange("l2", 0, -1) == theirs.lrange("l", 0, -1)
    assert theirs.hgetall("h2") == theirs.hgetall("h")
