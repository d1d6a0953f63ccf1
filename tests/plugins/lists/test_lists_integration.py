"""Lists with the keyspace family: keys created by RENAME/COPY/MOVE/SWAPDB wake blocked clients,
TYPE and OBJECT ENCODING, compared with a real redis-server."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.plugredis(plugins=["lists", "keyspace", "strings"])

SCENARIOS: dict[str, list[tuple[Any, ...]]] = {
    "rename": [
        ("send", 0, "BLPOP", "k", "0"),
        ("blocked", 1),
        ("cmd", 1, "RPUSH", "src", "x"),
        ("cmd", 1, "RENAME", "src", "k"),
        ("read", 0),
        ("cmd", 1, "EXISTS", "k"),
    ],
    "copy": [
        ("send", 0, "BRPOP", "k", "0"),
        ("blocked", 1),
        ("cmd", 1, "RPUSH", "src", "x", "y"),
        ("cmd", 1, "COPY", "src", "k"),
        ("read", 0),
        ("cmd", 1, "LRANGE", "src", "0", "-1"),
        ("cmd", 1, "LRANGE", "k", "0", "-1"),
    ],
    "move": [
        ("cmd", 0, "SELECT", "1"),
        ("send", 0, "BLPOP", "k", "0"),
        ("blocked", 1),
        ("cmd", 1, "RPUSH", "k", "x"),
        ("cmd", 1, "MOVE", "k", "1"),
        ("read", 0),
        ("cmd", 1, "EXISTS", "k"),
    ],
    "swapdb": [
        ("cmd", 0, "SELECT", "1"),
        ("send", 0, "BLMOVE", "k", "d", "LEFT", "RIGHT", "0"),
        ("blocked", 1),
        ("cmd", 1, "RPUSH", "k", "x"),
        ("cmd", 1, "SWAPDB", "0", "1"),
        ("read", 0),
        ("cmd", 1, "DBSIZE"),
    ],
    "del-in-multi": [
        ("send", 0, "BLPOP", "k", "0"),
        ("blocked", 1),
        ("cmd", 1, "MULTI"),
        ("cmd", 1, "RPUSH", "k", "x"),
        ("cmd", 1, "DEL", "k"),
        ("cmd", 1, "RPUSH", "k", "y"),
        ("cmd", 1, "EXEC"),
        ("read", 0),
    ],
    "expired-in-multi": [
        ("send", 0, "BLPOP", "k", "0"),
        ("blocked", 1),
        ("cmd", 1, "MULTI"),
        ("cmd", 1, "RPUSH", "k", "x"),
        ("cmd", 1, "PEXPIRE", "k", "0"),
        ("cmd", 1, "EXEC"),
        ("silent", 0, 0.05),
        ("cmd", 1, "EXISTS", "k"),
    ],
    "type-and-encoding": [
        ("cmd", 1, "RPUSH", "k", "x"),
        ("cmd", 1, "TYPE", "k"),
        ("cmd", 1, "OBJECT", "ENCODING", "k"),
        ("cmd", 1, "RPUSH", "big", *["y" * 100] * 200),
        ("cmd", 1, "OBJECT", "ENCODING", "big"),
        ("cmd", 1, "RPUSH", "k", "z"),
        ("cmd", 1, "PEXPIRE", "k", "100000"),
        ("cmd", 1, "LPUSH", "k", "w"),
        ("cmd", 1, "TTL", "k"),
        ("cmd", 1, "LMOVE", "k", "k2", "LEFT", "LEFT"),
        ("cmd", 1, "TTL", "k2"),
    ],
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_lists_with_keyspace_match_redis(scenario: Any, name: str) -> None:
    scenario(SCENARIOS[name], 2)
