"""Sorted sets survive a round trip through dump.rdb between plugredis and a real redis-server.

plugredis saves, redis-server loads the file (and answers the same, with the same encodings);
redis-server saves, plugredis loads it back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hiredis
import plugredis_zsets
import pytest

from plugredis.plugins import installed_plugins
from plugredis.testing import RawConnection, RealRedis, find_redis_server

if "zsets" in installed_plugins():
    PLUGINS: dict[str, Any] = {"plugins": ["zsets", "keyspace"]}
else:  # not registered in pyproject.toml yet
    PLUGINS = {"plugins": ["keyspace"], "extra": [plugredis_zsets]}

SETUP: list[tuple[str, ...]] = [
    ("ZADD", "small", "1", "a", "-0", "nz", "0.1", "t", "inf", "top", "-inf", "bottom"),
    ("ZADD", "long", "1", "m" * 80, "-0", "nz", "2.5", "b"),
    ("ZADD", "big", *[x for i in range(300) for x in (str(i / 3), f"e{i}")]),
]

#: queries whose replies must be equal (unordered ones are compared as sorted lists)
QUERIES: list[tuple[bool, tuple[str, ...]]] = [
    (False, ("ZRANGE", "small", "0", "-1", "WITHSCORES")),
    (False, ("ZRANGE", "long", "0", "-1", "WITHSCORES")),
    (False, ("ZSCORE", "long", "nz")),
    (False, ("ZRANGE", "big", "0", "-1", "WITHSCORES")),
    (False, ("ZSCAN", "small", "0")),
]


def _parse(raw: bytes) -> Any:
    r = hiredis.Reader()
    r.feed(raw)
    return r.gets()


def _answers(conn: RawConnection) -> list[Any]:
    out = []
    for unordered, q in QUERIES:
        raw = conn.command(*q)
        if unordered:
            v = _parse(raw)
            out.append(sorted(v) if isinstance(v, list) else v)
        else:
            out.append(raw)
    return out


def _our_encodings(handle: Any, keys: list[bytes]) -> dict[bytes, str]:
    def get() -> dict[bytes, str]:
        server = handle.server
        out = {}
        for k in keys:
            v = server.dbs[0].data[k]
            out[k] = server.registry.type_of(v).encoding_of(v)
        return out

    result: dict[bytes, str] = handle.call(get)
    return result


def _their_encodings(conn: RawConnection, keys: list[bytes]) -> dict[bytes, str]:
    return {k: _parse(conn.command("OBJECT", "ENCODING", k)).decode() for k in keys}


def test_rdb_round_trip_with_redis(plugredis_server_factory: Any, tmp_path: Path) -> None:
    exe = find_redis_server()
    if exe is None:
        pytest.skip("redis-server is not installed")
    ours = plugredis_server_factory(**PLUGINS, dir=str(tmp_path))
    conn = RawConnection(ours.host, ours.port)
    for cmd in SETUP:
        assert not conn.command(*cmd).startswith(b"-"), cmd
    expected = _answers(conn)
    keys = sorted(_parse(conn.command("KEYS", "*")) or [])
    assert keys
    encodings = _our_encodings(ours, keys)
    assert conn.command("SAVE") == b"+OK\r\n"
    conn.close()
    ours.stop()

    real = RealRedis(exe, "--dir", str(tmp_path))
    try:
        rconn = RawConnection(real.host, real.port)
        assert _answers(rconn) == expected
        assert _their_encodings(rconn, keys) == encodings
        assert rconn.command("SAVE") == b"+OK\r\n"
        rconn.close()
    finally:
        real.stop()

    again = plugredis_server_factory(**PLUGINS, dir=str(tmp_path))
    conn = RawConnection(again.host, again.port)
    assert _answers(conn) == expected
    assert _our_encodings(again, keys) == encodings
    conn.close()
