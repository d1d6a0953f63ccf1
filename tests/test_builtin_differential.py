"""The core's built-in commands compared byte for byte with a real redis-server."""

from __future__ import annotations

from typing import Any

import pytest

CASES = [
    ("PING",),
    ("PING", "hello"),
    ("PING", "a", "b"),
    ("ping",),
    ("ECHO", "x"),
    ("ECHO",),
    ("ECHO", "a", "b"),
    ("SELECT", "1"),
    ("SELECT", "0"),
    ("SELECT", "16"),
    ("SELECT", "-1"),
    ("SELECT", "abc"),
    ("SELECT", "01"),
    ("SELECT",),
    ("DBSIZE",),
    ("DBSIZE", "x"),
    ("FLUSHDB",),
    ("FLUSHDB", "ASYNC"),
    ("FLUSHDB", "sync"),
    ("FLUSHDB", "foo"),
    ("FLUSHDB", "async", "sync"),
    ("FLUSHALL",),
    ("FLUSHALL", "SYNC"),
    ("FLUSHALL", "bar"),
    ("NOSUCHCOMMAND",),
    ("NOSUCHCOMMAND", "a", "b c"),
    ("nosuch", "x" * 200),
    ("nosuch", *["a" * 50] * 4),
    ("CONFIG",),
    ("CONFIG", "NOSUCH"),
    ("CONFIG", "GET"),
    ("CONFIG", "GET", "databases"),
    ("CONFIG", "GET", "rdb-key-save-delay"),  # hidden: only by its exact name
    ("CONFIG", "GET", "rdb-key-save-*"),
    ("CONFIG", "GET", "maxclients"),
    ("CONFIG", "GET", "DATABASES"),
    ("CONFIG", "GET", "nosuchparam"),
    ("CONFIG", "SET", "nosuchparam", "1"),
    ("CONFIG", "SET", "maxclients"),
    ("CONFIG", "SET", "maxclients", "abc"),
    ("CONFIG", "SET", "databases", "4"),
    ("CLIENT", "GETNAME"),
    ("CLIENT", "SETNAME", "has space"),
    ("CLIENT", "SETNAME", "ok-name"),
    ("CLIENT", "GETNAME"),
    ("CLIENT", "NOSUCH"),
    ("CLIENT",),
    ("HELLO", "4"),
    ("HELLO", "x"),
    ("HELLO", "2", "FOO"),
    ("AUTH", "pw"),
    ("AUTH", "a", "b", "c"),
    ("MULTI",),
    ("PING",),
    ("EXEC",),
    ("EXEC",),
    ("DISCARD",),
    ("MULTI",),
    ("MULTI",),
    ("DISCARD",),
    ("WATCH",),
    ("UNWATCH",),
    ("MULTI",),
    ("NOSUCH",),
    ("PING",),
    ("EXEC",),
    ("MULTI",),
    ("GET",),
    ("EXEC",),
    ("MULTI",),
    ("WATCH", "x"),
    ("EXEC",),
    ("COMMAND", "NOSUCH"),
    ("COMMAND", "COUNT", "x"),
    ("COMMAND", "INFO", "nosuch"),
    ("COMMAND", "DOCS", "nosuch"),
    ("COMMAND", "GETKEYS"),
    ("COMMAND", "GETKEYS", "nosuch", "a"),
    ("COMMAND", "GETKEYS", "get", "a"),
    ("COMMAND", "GETKEYS", "set", "a"),
    ("COMMAND", "GETKEYS", "ping", "a"),
    ("COMMAND", "GETKEYS", "watch", "a", "b", "c"),
    ("COMMAND", "LIST", "FILTERBY", "foo", "x"),
    ("MODULE",),
    ("MODULE", "NOSUCH"),
    ("TIME", "x"),
    ("ROLE",),
    ("ROLE", "x"),
    ("REPLICAOF", "NO", "ONE"),
    ("replicaof", "no", "one"),
    ("REPLICAOF", "localhost", "abc"),
    ("REPLICAOF", "localhost", "70000"),
    ("REPLICAOF", "localhost", "-1"),
    ("REPLICAOF", "no"),
    ("SLAVEOF", "NO", "ONE"),
    ("LOLWUT",),
    ("LOLWUT", "foo"),
    ("LOLWUT", "VERSION", "x"),
    ("LOLWUT", "VERSION", "7"),
    ("LOLWUT", "VERSION", "5", "10", "3", "2"),  # two rows of squares: no randomness yet
    ("LOLWUT", "version", "5", "1", "1", "1"),
    ("LOLWUT", "VERSION", "5", "66", "8", "2"),
    ("LOLWUT", "VERSION", "5", "40", "3", "1"),
    ("LOLWUT", "VERSION", "5", "2", "5", "2"),
    ("LOLWUT", "VERSION", "5", "x"),
    ("QUIT", "extra"),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_builtin_sequence_matches_redis(redis_pair: Any, resp: int) -> None:
    """One connection per server runs the whole sequence (state carries over)."""
    if resp == 3:
        assert redis_pair.raw("HELLO", "3")[0].startswith(b"%7")
    mismatches = []
    for cmd in CASES:
        ours, theirs = redis_pair.raw(*cmd)
        if ours != theirs:
            mismatches.append((cmd, ours, theirs))
    assert not mismatches, "\n".join(f"{c!r}: ours {o!r} != redis {t!r}" for c, o, t in mismatches)


INFO_COMMANDS = [
    "ping",
    "echo",
    "quit",
    "reset",
    "select",
    "hello",
    "auth",
    "dbsize",
    "flushdb",
    "flushall",
    "time",
    "info",
    "multi",
    "exec",
    "discard",
    "watch",
    "unwatch",
    "get",
    "set",
    "client|id",
    "client|getname",
    "client|setname",
    "client|list",
    "client|info",
    "client|kill",
    "client|unblock",
    "config|get",
    "config|set",
    "config|resetstat",
    "command|info",
    "command|docs",
    "command|count",
    "command|list",
    "command|getkeys",
    "module|list",
    "role",
    "replicaof",
    "slaveof",
    "lolwut",
]


@pytest.mark.parametrize("name", INFO_COMMANDS)
@pytest.mark.parametrize("sub", ["INFO", "DOCS"])
def test_command_metadata_matches_redis(redis_pair: Any, name: str, sub: str) -> None:
    redis_pair.assert_same_metadata(sub, name)


@pytest.mark.parametrize(
    "cmd",
    [
        ("HELLO",),
        ("HELLO", "2"),
        ("HELLO", "3"),
        ("HELLO", "3", "AUTH", "default", "anything"),
        ("HELLO", "3", "SETNAME", "me"),
        ("HELLO", "2", "SETNAME", "bad name"),
    ],
)
def test_hello_matches_redis(redis_pair: Any, cmd: tuple[str, ...]) -> None:
    import re

    ours, theirs = redis_pair.raw(*cmd)
    strip = re.compile(rb"\$2\r\nid\r\n:\d+\r\n")
    assert strip.sub(b"ID", ours) == strip.sub(b"ID", theirs)


def test_config_loglevel_matches_redis(redis_pair: Any) -> None:
    """CONFIG GET/SET loglevel as Redis 7.0 (the process's logging level follows it)."""
    import logging

    root = logging.getLogger()
    before = root.level
    try:
        for cmd in [
            ("CONFIG", "SET", "loglevel", "bogus"),
            ("CONFIG", "SET", "loglevel", "nothing"),
            ("CONFIG", "SET", "loglevel", "WARNING"),
            ("CONFIG", "GET", "loglevel"),
            ("CONFIG", "SET", "loglevel", "verbose"),
            ("CONFIG", "GET", "loglevel"),
            ("CONFIG", "SET", "loglevel", "notice"),
            ("CONFIG", "GET", "loglevel"),
        ]:
            ours, theirs = redis_pair.raw(*cmd)
            assert ours == theirs, cmd
    finally:
        root.setLevel(before)
