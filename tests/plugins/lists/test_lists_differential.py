"""The list commands compared byte for byte with a real redis-server (RESP2 and RESP3).

Each group of CASES runs on one connection per server, after FLUSHALL, so state carries over
inside a group.  ``s`` is a string key (for WRONGTYPE), ``nokey`` never exists.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.plugredis(plugins=["lists", "strings"])

LLMIN = "-9223372036854775808"
LLMAX = "9223372036854775807"

GROUPS: dict[str, list[tuple[Any, ...]]] = {
    "push": [
        ("SET", "s", "x"),
        ("LPUSH", "l", "a"),
        ("LPUSH", "l", "b", "c", "d"),
        ("RPUSH", "l", "e", "f"),
        ("LRANGE", "l", "0", "-1"),
        ("lpush", "l", ""),
        ("RPUSH", "l", "x" * 100, "1", "-1", "01", "3.5"),
        ("LRANGE", "l", "0", "-1"),
        ("LPUSH", "s", "a"),
        ("RPUSH", "s", "a"),
        ("LPUSH", "l"),
        ("RPUSH",),
        ("LPUSHX", "nokey", "a"),
        ("RPUSHX", "nokey", "a", "b"),
        ("LPUSHX", "s", "a"),
        ("RPUSHX", "s", "a"),
        ("LPUSHX", "l", "p1", "p2"),
        ("RPUSHX", "l", "q1", "q2"),
        ("LRANGE", "l", "0", "-1"),
        ("LPUSHX", "l"),
        ("LLEN", "l"),
        ("LLEN", "nokey"),
        ("LLEN", "s"),
        ("LLEN",),
        ("LLEN", "l", "x"),
        ("RPUSH", "bin", "a\x00b", "\xff\xfe", "\r\n"),
        ("LRANGE", "bin", "0", "-1"),
    ],
    "pop": [
        ("SET", "s", "x"),
        ("RPUSH", "l", "a", "b", "c", "d", "e"),
        ("LPOP", "l"),
        ("RPOP", "l"),
        ("LPOP", "l", "0"),
        ("RPOP", "l", "0"),
        ("LPOP", "l", "1"),
        ("RPOP", "l", "1"),
        ("LPOP", "l", "-1"),
        ("LPOP", "l", "abc"),
        ("LPOP", "l", "01"),
        ("LPOP", "l", "1.5"),
        ("RPOP", "l", LLMIN),
        ("LPOP", "l", "1", "2"),
        ("RPOP", "l", "1", "2"),
        ("LPOP", "l", "10"),
        ("LPOP", "l"),
        ("LPOP", "l", "1"),
        ("LPOP", "l", "0"),
        ("RPOP", "nokey"),
        ("RPOP", "nokey", "0"),
        ("RPOP", "nokey", "5"),
        ("RPOP", "nokey", "-5"),
        ("LPOP", "s"),
        ("LPOP", "s", "0"),
        ("LPOP", "s", "-1"),
        ("RPOP", "s", "x"),
        ("RPUSH", "l", "1", "2", "3", "4", "5"),
        ("RPOP", "l", "2"),
        ("LPOP", "l", "2"),
        ("RPOP", "l", LLMAX),
        ("RPUSH", "l", "z"),
        ("RPOP", "l"),
        ("LPOP",),
    ],
    "mpop": [
        ("SET", "s", "x"),
        ("LMPOP", "1", "a", "LEFT"),
        ("LMPOP", "2", "a", "left"),
        ("LMPOP", "0", "a", "left"),
        ("LMPOP", "-1", "a", "left"),
        ("LMPOP", "abc", "a", "left"),
        ("LMPOP", LLMAX, "a", "left"),
        ("LMPOP", "1", "a", "middle"),
        ("LMPOP", "1", "a", "left", "count"),
        ("LMPOP", "1", "a", "left", "count", "0"),
        ("LMPOP", "1", "a", "left", "count", "-1"),
        ("LMPOP", "1", "a", "left", "count", "abc"),
        ("LMPOP", "1", "a", "left", "count", "1", "count", "1"),
        ("LMPOP", "1", "a", "left", "foo"),
        ("LMPOP", "1", "a"),
        ("RPUSH", "a", "1", "2", "3"),
        ("LMPOP", "1", "a", "left", "COUNT", "2"),
        ("LMPOP", "1", "a", "right", "count", "9"),
        ("LMPOP", "1", "a", "right", "count", "9"),
        ("LMPOP", "2", "s", "a", "left"),
        ("LMPOP", "2", "a", "s", "left"),
        ("RPUSH", "b", "x", "y", "z"),
        ("LMPOP", "2", "b", "s", "left"),
        ("LMPOP", "3", "nokey", "a", "b", "RIGHT", "COUNT", "5"),
        ("LMPOP", "2", "a", "s", "left"),
        ("RPUSH", "a", "1"),
        ("LMPOP", "2", "a", "s", "left"),
        ("LMPOP", "2", "a", "a", "left"),
        ("BLMPOP", "0.01", "1", "a", "left"),
        ("BLMPOP", "-1", "1", "a", "left"),
        ("BLMPOP", "abc", "1", "a", "left"),
        ("BLMPOP", "abc", "0", "a", "left"),
        ("BLMPOP", "abc", "1", "a", "foo"),
        ("BLMPOP", "abc", "1", "a", "left", "count", "0"),
        ("BLMPOP", "-1", "1", "a", "left", "count", "0"),
        ("BLMPOP", "0", "1", "s", "left"),
        ("RPUSH", "a", "p", "q", "r"),
        ("BLMPOP", "0", "2", "nokey", "a", "right", "count", "2"),
        ("BLMPOP", "0", "1", "a", "left", "count", "2"),
        ("BLMPOP", "0", "1", "a"),
    ],
    "index": [
        ("SET", "s", "x"),
        ("RPUSH", "l", "a", "b", "c", "d", "e", "f", "g"),
        *[("LINDEX", "l", str(i)) for i in range(-9, 9)],
        ("LINDEX", "l", LLMIN),
        ("LINDEX", "l", LLMAX),
        ("LINDEX", "l", "abc"),
        ("LINDEX", "l", "1.0"),
        ("LINDEX", "l", "+1"),
        ("LINDEX", "l", "9223372036854775808"),
        ("LINDEX", "nokey", "abc"),
        ("LINDEX", "nokey", "0"),
        ("LINDEX", "s", "abc"),
        ("LINDEX", "s", "0"),
        ("LINDEX", "l"),
        ("LSET", "nokey", "0", "x"),
        ("LSET", "nokey", "abc", "x"),
        ("LSET", "s", "abc", "x"),
        ("LSET", "s", "0", "x"),
        ("LSET", "l", "abc", "x"),
        ("LSET", "l", "7", "x"),
        ("LSET", "l", "-8", "x"),
        ("LSET", "l", LLMIN, "x"),
        ("LSET", "l", "-7", "A"),
        ("LSET", "l", "6", "G"),
        ("LSET", "l", "3", ""),
        ("LSET", "l", "3"),
        ("LRANGE", "l", "0", "-1"),
    ],
    "range": [
        ("SET", "s", "x"),
        ("RPUSH", "l", *"abcdefghij"),
        *[
            ("LRANGE", "l", str(a), str(b))
            for a in (-12, -10, -3, -1, 0, 1, 5, 9, 10, 11)
            for b in (-12, -11, -10, -2, -1, 0, 2, 9, 10, 100)
        ],
        ("LRANGE", "l", LLMIN, LLMAX),
        ("LRANGE", "l", LLMAX, LLMIN),
        ("LRANGE", "l", LLMIN, LLMIN),
        ("LRANGE", "l", "abc", "0"),
        ("LRANGE", "l", "0", "abc"),
        ("LRANGE", "nokey", "abc", "0"),
        ("LRANGE", "nokey", "0", "-1"),
        ("LRANGE", "s", "abc", "0"),
        ("LRANGE", "s", "0", "-1"),
        ("LRANGE", "l", "0"),
    ],
    "trim": [
        ("SET", "s", "x"),
        ("LTRIM", "nokey", "abc", "0"),
        ("LTRIM", "nokey", "0", "1"),
        ("LTRIM", "s", "0", "1"),
        ("LTRIM", "s", "x", "1"),
        *[
            cmd
            for a, b in [
                (0, -1),
                (1, -2),
                (2, 4),
                (-3, -1),
                (-100, 100),
                (5, 1),
                (0, 0),
                (-1, -1),
                (9, 100),
                (10, 20),
                (LLMIN, LLMAX),
                (3, -8),
            ]
            for cmd in [
                ("RPUSH", "t", *"abcdefghij"),
                ("LTRIM", "t", str(a), str(b)),
                ("LRANGE", "t", "0", "-1"),
                ("LLEN", "t"),
                ("LTRIM", "t", "1", "0"),
            ]
        ],
        ("LTRIM", "t", "0"),
    ],
    "insert": [
        ("SET", "s", "x"),
        ("LINSERT", "nokey", "before", "a", "b"),
        ("LINSERT", "nokey", "middle", "a", "b"),
        ("LINSERT", "s", "before", "a", "b"),
        ("LINSERT", "s", "middle", "a", "b"),
        ("RPUSH", "l", "a", "b", "c", "b"),
        ("LINSERT", "l", "middle", "a", "b"),
        ("LINSERT", "l", "before", "zz", "x"),
        ("LINSERT", "l", "BEFORE", "a", "x"),
        ("LINSERT", "l", "After", "b", "y"),
        ("LINSERT", "l", "after", "b", "z"),
        ("LINSERT", "l", "after", "c", ""),
        ("LINSERT", "l", "before", "", "e"),
        ("LRANGE", "l", "0", "-1"),
        ("LINSERT", "l", "before", "x"),
    ],
    "rem": [
        ("SET", "s", "x"),
        ("LREM", "nokey", "abc", "a"),
        ("LREM", "nokey", "1", "a"),
        ("LREM", "s", "1", "a"),
        ("LREM", "s", "abc", "a"),
        ("RPUSH", "l", *"abacabadabacaba"),
        ("LREM", "l", "abc", "a"),
        ("LREM", "l", "1", "a"),
        ("LRANGE", "l", "0", "-1"),
        ("LREM", "l", "-1", "a"),
        ("LRANGE", "l", "0", "-1"),
        ("LREM", "l", "2", "b"),
        ("LRANGE", "l", "0", "-1"),
        ("LREM", "l", "-2", "a"),
        ("LRANGE", "l", "0", "-1"),
        ("LREM", "l", "0", "zzz"),
        ("LREM", "l", "0", "c"),
        ("LRANGE", "l", "0", "-1"),
        ("LREM", "l", LLMIN, "a"),
        ("LRANGE", "l", "0", "-1"),
        ("RPUSH", "m", *(["x", "y"] * 30)),
        ("LREM", "m", "20", "x"),
        ("LRANGE", "m", "0", "-1"),
        ("LREM", "m", "-17", "y"),
        ("LRANGE", "m", "0", "-1"),
        ("LREM", "m", "100", "x"),
        ("LREM", "m", LLMAX, "y"),
        ("LLEN", "m"),
        ("RPUSH", "n", "q", "q"),
        ("LREM", "n", "0", "q"),
        ("LLEN", "n"),
        ("LREM", "n", "0"),
    ],
    "pos": [
        ("SET", "s", "x"),
        ("RPUSH", "l", "a", "b", "c", "a", "b", "c", "a"),
        ("LPOS", "l", "a"),
        ("LPOS", "l", "c"),
        ("LPOS", "l", "zz"),
        ("LPOS", "l", "a", "RANK", "0"),
        ("LPOS", "l", "a", "RANK", LLMIN),
        ("LPOS", "l", "a", "RANK", "-9223372036854775807"),
        ("LPOS", "l", "a", "RANK", LLMAX),
        ("LPOS", "l", "a", "RANK", "abc"),
        ("LPOS", "l", "a", "COUNT", "abc"),
        ("LPOS", "l", "a", "COUNT", "-1"),
        ("LPOS", "l", "a", "MAXLEN", "abc"),
        ("LPOS", "l", "a", "MAXLEN", "-1"),
        *[
            ("LPOS", "l", e, "RANK", str(r), "COUNT", str(c), "MAXLEN", str(m))
            for e in ("a", "b")
            for r in (1, 2, -1, -3)
            for c in (0, 1, 2)
            for m in (0, 1, 4, 7, 100)
        ],
        *[("LPOS", "l", "a", "RANK", str(r)) for r in (1, 2, 3, 4, -1, -2, -3, -4)],
        ("LPOS", "l", "a", "RANK", "-2", "MAXLEN", "5"),
        ("LPOS", "l", "a", "RANK", LLMIN, "COUNT", "1"),
        ("LPOS", "l", "a", "RANK", LLMIN, "COUNT", "0"),
        ("LPOS", "l", "a", "RANK", LLMIN, "COUNT", "1", "MAXLEN", "5"),
        ("LPOS", "l", "a", "count", "1", "rank", "5"),
        ("LPOS", "l", "a", "foo"),
        ("LPOS", "l", "a", "rank"),
        ("LPOS", "l", "a", "rank", "1", "rank", "2"),
        ("LPOS", "l", "a", "count", "1", "count", "0"),
        ("LPOS", "nokey", "a"),
        ("LPOS", "nokey", "a", "COUNT", "1"),
        ("LPOS", "nokey", "a", "RANK", "0"),
        ("LPOS", "nokey", "a", "foo"),
        ("LPOS", "s", "a"),
        ("LPOS", "s", "a", "RANK", "0"),
        ("LPOS", "s", "a", "COUNT", "1"),
        ("LPOS", "l"),
    ],
    "move": [
        ("SET", "s", "x"),
        ("RPUSH", "l", "a", "b", "c"),
        ("LMOVE", "nokey", "l", "left", "right"),
        ("LMOVE", "nokey", "s", "left", "right"),
        ("LMOVE", "l", "s", "left", "right"),
        ("LMOVE", "s", "l", "left", "right"),
        ("LMOVE", "l", "l", "left", "right"),
        ("LMOVE", "l", "l", "right", "left"),
        ("LMOVE", "l", "l", "foo", "right"),
        ("LMOVE", "nokey", "l", "foo", "right"),
        ("LMOVE", "nokey", "l", "left", "foo"),
        ("LMOVE", "s", "l", "left", "foo"),
        ("LRANGE", "l", "0", "-1"),
        *[("LMOVE", "l", "d", wf, wt) for wf in ("LEFT", "right") for wt in ("left", "RIGHT")],
        ("LRANGE", "l", "0", "-1"),
        ("LRANGE", "d", "0", "-1"),
        ("RPOPLPUSH", "d", "l"),
        ("RPOPLPUSH", "nokey", "l"),
        ("RPOPLPUSH", "s", "l"),
        ("RPOPLPUSH", "l", "s"),
        ("RPOPLPUSH", "d", "d"),
        ("LRANGE", "d", "0", "-1"),
        ("RPUSH", "one", "x"),
        ("LMOVE", "one", "one", "left", "left"),
        ("LRANGE", "one", "0", "-1"),
        ("LMOVE", "one", "two", "right", "left"),
        ("LLEN", "one"),
        ("LRANGE", "two", "0", "-1"),
        ("RPOPLPUSH", "two", "two"),
        ("LRANGE", "two", "0", "-1"),
        ("RPOPLPUSH", "two", "three"),
        ("LLEN", "two"),
        ("LMOVE", "a", "b", "left"),
        ("RPOPLPUSH", "a"),
    ],
    "blocking-immediate": [
        ("SET", "s", "x"),
        ("RPUSH", "l", "a", "b", "c"),
        ("BLPOP", "l", "0"),
        ("BRPOP", "l", "0"),
        ("BLPOP", "nokey", "l", "0"),
        ("BLPOP", "s", "0"),
        ("BLPOP", "nokey", "s", "l", "0"),
        ("RPUSH", "l", "a", "b"),
        ("BLPOP", "l", "s", "0"),
        ("BRPOP", "l", "-1"),
        ("BRPOP", "l", "abc"),
        ("BRPOP", "l", ""),
        ("BLPOP", "l", "1e400"),
        ("BLPOP", "l", "inf"),
        ("BLPOP", "l", "nan"),
        ("BLPOP", "l", "0x10"),
        ("BLPOP", "l", " 1"),
        ("BLPOP", "l", "1_0"),
        ("BLPOP", "l", "1e5000"),
        ("BLPOP", "l", "1e-5000"),
        ("RPUSH", "l", "p", "q"),
        ("BLMOVE", "l", "d", "left", "right", "0"),
        ("BLMOVE", "l", "s", "left", "right", "0"),
        ("BLMOVE", "s", "d", "left", "right", "0"),
        ("BLMOVE", "l", "d", "foo", "right", "abc"),
        ("BLMOVE", "l", "d", "left", "foo", "abc"),
        ("BLMOVE", "l", "d", "left", "right", "abc"),
        ("BLMOVE", "l", "d", "left", "right", "-1"),
        ("BRPOPLPUSH", "l", "d", "-1"),
        ("BRPOPLPUSH", "l", "d", "x"),
        ("BRPOPLPUSH", "l", "s", "0"),
        ("BRPOPLPUSH", "l", "d", "0"),
        ("LRANGE", "d", "0", "-1"),
        ("BLPOP", "nokey", "0.01"),
        ("BRPOP", "nokey", "nokey2", "0.01"),
        ("BLMOVE", "nokey", "d", "left", "left", "0.01"),
        ("BRPOPLPUSH", "nokey", "d", "0.01"),
        ("BLMPOP", "0.01", "2", "nokey", "nokey2", "left"),
        ("BLPOP", "nokey", "0.0001"),
        ("BLPOP", "nokey", "1e-4940"),
        ("BLPOP", "nokey"),
        ("BLMOVE", "a", "b", "left", "left"),
        ("BRPOPLPUSH", "a", "b"),
    ],
    "multi": [
        ("SET", "s", "x"),
        ("MULTI",),
        ("BLMOVE", "nokey", "dst", "left", "right", "0"),
        ("BRPOPLPUSH", "nokey", "dst", "0"),
        ("BLPOP", "nokey", "0"),
        ("BRPOP", "nokey", "nokey2", "0"),
        ("BLMPOP", "0", "1", "nokey", "left"),
        ("BLMOVE", "s", "dst", "left", "right", "0"),
        ("BLMOVE", "nokey", "dst", "left", "right", "-1"),
        ("RPUSH", "k", "1", "2"),
        ("BLPOP", "k", "0"),
        ("BLMOVE", "k", "dst", "left", "right", "0"),
        ("BLPOP", "k", "0"),
        ("LRANGE", "dst", "0", "-1"),
        ("EXEC",),
        ("MULTI",),
        ("LPUSH", "q", "x"),
        ("LPOP", "q", "x"),
        ("EXEC",),
        ("MULTI",),
        ("LPOP",),
        ("EXEC",),
        ("WATCH", "w"),
        ("RPUSH", "w", "1"),
        ("MULTI",),
        ("LPOP", "w"),
        ("EXEC",),
        ("WATCH", "w"),
        ("LPOP", "nokey"),
        ("LTRIM", "w", "0", "-1"),
        ("MULTI",),
        ("LPOP", "w"),
        ("EXEC",),
        ("WATCH", "w"),
        ("LREM", "w", "0", "zzz"),
        ("LINSERT", "w", "before", "zz", "y"),
        ("MULTI",),
        ("LLEN", "w"),
        ("EXEC",),
    ],
}


def _run_group(pair: Any, cmds: list[tuple[Any, ...]], resp: int) -> list[str]:
    ours_conn = pair.plugredis.raw_connection()
    theirs_conn = pair.redis.raw_connection()
    mismatches = []
    try:
        for conn in (ours_conn, theirs_conn):
            conn.command("FLUSHALL")
            if resp == 3:
                assert conn.command("HELLO", "3")[:1] == b"%"
        for cmd in cmds:
            ours = ours_conn.command(*cmd)
            theirs = theirs_conn.command(*cmd)
            if ours != theirs:
                mismatches.append(f"{cmd!r}:\n   ours  {ours!r}\n   redis {theirs!r}")
    finally:
        ours_conn.close()
        theirs_conn.close()
    return mismatches


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("group", list(GROUPS))
def test_list_commands_match_redis(redis_pair: Any, group: str, resp: int) -> None:
    mismatches = _run_group(redis_pair, GROUPS[group], resp)
    assert not mismatches, "\n".join(mismatches)


LIST_COMMANDS = [
    "lpush",
    "rpush",
    "lpushx",
    "rpushx",
    "lpop",
    "rpop",
    "llen",
    "lindex",
    "lset",
    "lrem",
    "lrange",
    "ltrim",
    "linsert",
    "lpos",
    "lmove",
    "rpoplpush",
    "lmpop",
    "blpop",
    "brpop",
    "blmove",
    "brpoplpush",
    "blmpop",
]


@pytest.mark.parametrize("name", LIST_COMMANDS)
@pytest.mark.parametrize("sub", ["INFO", "DOCS"])
def test_command_metadata_matches_redis(redis_pair: Any, name: str, sub: str) -> None:
    redis_pair.assert_same_metadata(sub, name)


GETKEYS = [
    ("BLPOP", "a", "b", "c", "0"),
    ("BRPOP", "a", "0"),
    ("BLMOVE", "a", "b", "left", "right", "0"),
    ("BRPOPLPUSH", "a", "b", "0"),
    ("LMOVE", "a", "b", "left", "right"),
    ("RPOPLPUSH", "a", "b"),
    ("LPUSH", "k", "v"),
    ("LRANGE", "k", "0", "1"),
    ("LMPOP", "2", "a", "b", "left"),
    ("LMPOP", "1", "a", "b", "left"),
    ("LMPOP", "3", "a", "b", "left"),
    ("LMPOP", " 1", "a", "b", "left"),
    ("LMPOP", "2", "a", "b", "left", "count", "3"),
    ("BLMPOP", "0", "2", "a", "b", "left"),
    ("BLMPOP", "0", "3", "a", "b", "left"),
    ("BLMPOP", "0", "+1", "a", "b", "left"),
    ("LMPOP", "1", "a"),
    ("BLPOP", "a"),
]

#: Zero keys found: Redis answers "Invalid arguments specified for command", the core's
#: COMMAND GETKEYS "The command has no key arguments" (plugredis/builtin/introspection.py).
GETKEYS_CORE_TEXT = [
    ("LMPOP", "5", "a", "b", "left"),
    ("LMPOP", "0", "a", "b", "left"),
    ("LMPOP", "-1", "a", "b", "left"),
    ("BLMPOP", "0", "4", "a", "b", "left"),
]


@pytest.mark.parametrize("cmd", GETKEYS)
def test_command_getkeys_matches_redis(redis_pair: Any, cmd: tuple[str, ...]) -> None:
    ours, theirs = redis_pair.raw("COMMAND", "GETKEYS", *cmd)
    assert ours == theirs


@pytest.mark.parametrize("cmd", GETKEYS_CORE_TEXT)
def test_command_getkeys_no_keys_matches_redis(redis_pair: Any, cmd: tuple[str, ...]) -> None:
    ours, theirs = redis_pair.raw("COMMAND", "GETKEYS", *cmd)
    assert ours == theirs
