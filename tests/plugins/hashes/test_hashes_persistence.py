"""Hash values survive a round trip through dump.rdb between plugredis and a real redis-server.

plugredis saves, redis-server loads the file (and answers the same, with the same encodings);
redis-server saves, plugredis loads it back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plugredis.testing import assert_rdb_round_trip_with_redis

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


def test_rdb_round_trip_with_redis(plugredis_server_factory: Any, tmp_path: Path) -> None:
    assert_rdb_round_trip_with_redis(
        plugredis_server_factory, str(tmp_path), SETUP, QUERIES, plugins=["hashes", "keyspace"]
    )
