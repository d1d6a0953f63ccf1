"""COMMAND INFO / COMMAND DOCS / COMMAND GETKEYS of every strings command, compared with Redis."""

from __future__ import annotations

from typing import Any

import hiredis
import pytest

pytestmark = pytest.mark.plugredis(plugins=["strings"])

STRING_COMMANDS = [
    "append", "decr", "decrby", "get", "getdel", "getex", "getrange", "getset", "incr",
    "incrby", "incrbyfloat", "lcs", "mget", "mset", "msetnx", "psetex", "set", "setex", "setnx",
    "setrange", "strlen", "substr",
]  # fmt: skip
BITMAP_COMMANDS = [
    "bitcount", "bitfield", "bitfield_ro", "bitop", "bitpos", "getbit", "setbit",
]  # fmt: skip
ALL = STRING_COMMANDS + BITMAP_COMMANDS


def _parse(raw: bytes) -> Any:
    r = hiredis.Reader()
    r.feed(raw)
    return r.gets()


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("sub", ["INFO", "DOCS"])
def test_command_metadata_matches_redis(redis_pair: Any, name: str, sub: str) -> None:
    redis_pair.assert_same_metadata(sub, name)


def test_every_string_and_bitmap_command_is_covered(redis_pair: Any) -> None:
    """The lists above are exactly Redis's ``string`` and ``bitmap`` groups (nothing missed)."""
    for group, names in (("string", STRING_COMMANDS), ("bitmap", BITMAP_COMMANDS)):
        for target in (redis_pair.plugredis, redis_pair.redis):
            conn = target.raw_connection()
            try:
                raw = conn.command("COMMAND", "LIST", "FILTERBY", "ACLCAT", group)
            finally:
                conn.close()
            got = sorted(x.decode() for x in _parse(raw))
            assert got == sorted(names), (target.name, group)


@pytest.mark.parametrize(
    "cmd",
    [
        ("GET", "k"),
        ("SET", "k", "v", "EX", "10"),
        ("MGET", "a", "b", "c"),
        ("MSET", "a", "1", "b", "2"),
        ("MSETNX", "a", "1", "b", "2"),
        ("LCS", "a", "b", "IDX"),
        ("BITOP", "AND", "dest", "a", "b"),
        ("BITFIELD", "k", "GET", "u8", "0"),
        ("GETEX", "k", "PERSIST"),
        ("SETRANGE", "k", "0", "v"),
    ],
)
def test_getkeys_matches_redis(redis_pair: Any, cmd: tuple[str, ...]) -> None:
    ours, theirs = redis_pair.raw("COMMAND", "GETKEYS", *cmd)
    assert ours == theirs
