"""Hash values survive a round trip through dump.rdb between plugredis and a real redis-server.

plugredis saves, redis-server loads the file (and answers the same, with the same encodings);
redis-server saves, plugredis loads it back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hiredis
import pytest

from plugredis.testing import RawConnection, RealRedis, find_redis_server

SETUP: list[tuple[str, ...]] = [
    ("HSET", "small", "a", "1", "b", "-2", "c", "x", "", "empty"),
    ("HSET", "long", "f", "v" * 100, "g", "1"),
    ("HSET", "big", *[x for i in range(600) for x in (f"f{i}", str(i * 7))]),
    ("HINCRBYFLOAT", "small", "fl", "10.5"),
]

#: queries whose replies must be equal (unordered ones are compared as sorted lists)
QUERIES: list[tuple[bool, tuple[str, ...]]] = [
    (False, ("HGETALL", "small")),
    (True, ("HGETALL", "long")),
    (True, ("HGETALL", "big")),
    (False, ("HLEN", "big")),
    (False, ("HGET", "big", "f599")),
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
    ours = plugredis_server_factory(plugins=["hashes", "keyspace"], dir=str(tmp_path))
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

    again = plugredis_server_factory(plugins=["hashes", "keyspace"], dir=str(tmp_path))
    conn = RawConnection(again.host, again.port)
    assert _answers(conn) == expected
    assert _our_encodings(again, keys) == encodings
    conn.close()
