"""Sorted sets survive a round trip through dump.rdb between plugredis and a real redis-server.

plugredis saves, redis-server loads the file (and answers the same, with the same encodings);
redis-server saves, plugredis loads it back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plugredis_zsets

from plugredis.plugins import installed_plugins
from plugredis.testing import assert_rdb_round_trip_with_redis

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


def test_rdb_round_trip_with_redis(plugredis_server_factory: Any, tmp_path: Path) -> None:
    assert_rdb_round_trip_with_redis(
        plugredis_server_factory, str(tmp_path), SETUP, QUERIES, **PLUGINS
    )
