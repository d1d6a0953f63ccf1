"""Set values survive a round trip through dump.rdb between plugredis and a real redis-server.

plugredis saves, redis-server loads the file (and answers the same, with the same encodings);
redis-server saves, plugredis loads it back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plugredis_sets

from plugredis.plugins import installed_plugins
from plugredis.testing import assert_rdb_round_trip_with_redis

if "sets" in installed_plugins():
    PLUGINS: dict[str, Any] = {"plugins": ["sets", "keyspace"]}
else:  # not registered in pyproject.toml yet
    PLUGINS = {"plugins": ["keyspace"], "extra": [plugredis_sets]}

SETUP: list[tuple[str, ...]] = [
    ("SADD", "ints", "5", "-3", "100", "0", "9223372036854775807"),
    ("SADD", "words", "apple", "pear", "1", ""),
    ("SADD", "many", *[str(i) for i in range(600)]),
]

#: queries whose replies must be equal (unordered ones are compared as sorted lists)
QUERIES: list[tuple[bool, tuple[str, ...]]] = [
    (False, ("SMEMBERS", "ints")),
    (True, ("SMEMBERS", "words")),
    (True, ("SMEMBERS", "many")),
    (False, ("SCARD", "many")),
]


def test_rdb_round_trip_with_redis(plugredis_server_factory: Any, tmp_path: Path) -> None:
    assert_rdb_round_trip_with_redis(
        plugredis_server_factory, str(tmp_path), SETUP, QUERIES, **PLUGINS
    )
