"""The pub/sub plugin compared byte for byte with a real redis-server (RESP2 and RESP3).

Each scenario runs on fresh raw connections to plugredis, then to redis-server; every frame each
connection receives is compared (see :mod:`pubsub_helpers`).  Scenarios avoid what Redis orders
by its hash tables (UNSUBSCRIBE / SUNSUBSCRIBE of several channels at once without arguments,
PUBSUB CHANNELS of several channels, several patterns matching one message).
"""

from __future__ import annotations

from typing import Any

import plugredis_pubsub
import pytest
from pubsub_helpers import run_scenario

pytestmark = pytest.mark.plugredis(plugins=["strings"], extra=[plugredis_pubsub])

SCENARIOS: dict[str, list[tuple[Any, ...]]] = {
    "subscribe-publish": [
        (0, "SUBSCRIBE", "a", "b", "a"),
        (1, "PUBLISH", "a", "hello"),
        (1, "PUBLISH", "b", ""),
        (1, "PUBLISH", "c", "nobody"),
        ("sync", 0),
        (0, "UNSUBSCRIBE", "b"),
        (1, "PUBLISH", "b", "gone"),
        ("sync", 0),
        (0, "UNSUBSCRIBE", "zz", "a"),
        (0, "UNSUBSCRIBE"),
        (0, "GET", "x"),
        (1, "PUBSUB", "NUMSUB", "a", "b"),
    ],
    "empty-unsubscribe": [
        (0, "UNSUBSCRIBE"),
        (0, "PUNSUBSCRIBE"),
        (0, "SUNSUBSCRIBE"),
        (0, "UNSUBSCRIBE", "x", "y"),
        (0, "PUNSUBSCRIBE", "x*"),
        (0, "SUNSUBSCRIBE", "s"),
        (0, "PING"),
        (0, "GET", "k"),
    ],
    "context": [
        (0, "SUBSCRIBE", "a"),
        (0, "PING"),
        (0, "PING", "hi"),
        (0, "PING", "a", "b"),
        (0, "GET", "k"),
        (0, "SET", "k", "v"),
        (0, "CLIENT", "LIST"),
        (0, "CLIENT", "NOSUCH"),
        (0, "PUBSUB", "NUMPAT"),
        (0, "PUBLISH", "a", "x"),
        (0, "MULTI"),
        (0, "HELLO", "3"),
        (0, "NOSUCHCOMMAND", "x"),
        (0, "GET"),
        (0, "SUBSCRIBE"),
        (0, "PSUBSCRIBE", "p*"),
        (0, "SSUBSCRIBE", "s"),
        (0, "UNSUBSCRIBE", "a"),
        (0, "PUNSUBSCRIBE", "p*"),
        (0, "GET", "k"),
        (0, "SUNSUBSCRIBE", "s"),
        (0, "GET", "k"),
        (0, "PING"),
    ],
    "shard-only-context": [
        (0, "SSUBSCRIBE", "s1", "s2"),
        (0, "GET", "k"),
        (0, "SUBSCRIBE", "c"),
        (0, "UNSUBSCRIBE"),
        (0, "PING"),
        (0, "SUNSUBSCRIBE", "s2", "s1"),
        (0, "GET", "k"),
    ],
    "patterns": [
        (0, "PSUBSCRIBE", "news.*", "h?llo", "[ab]x", "news.*"),
        (1, "PUBLISH", "news.sport", "goal"),
        (1, "PUBLISH", "hello", "1"),
        (1, "PUBLISH", "hallo", "2"),
        (1, "PUBLISH", "ax", "3"),
        (1, "PUBLISH", "cx", "4"),
        (1, "PUBSUB", "NUMPAT"),
        ("sync", 0),
        (2, "PSUBSCRIBE", "news.*"),
        (1, "PUBSUB", "NUMPAT"),
        (1, "PUBLISH", "news.x", "two"),
        ("sync", 0),
        ("sync", 2),
        (0, "PUNSUBSCRIBE", "h?llo", "nope"),
        (0, "PUNSUBSCRIBE"),
        (1, "PUBSUB", "NUMPAT"),
        (2, "PUNSUBSCRIBE"),
        (1, "PUBSUB", "NUMPAT"),
    ],
    "channel-and-pattern": [
        (0, "SUBSCRIBE", "chan"),
        (0, "PSUBSCRIBE", "ch*"),
        (1, "PUBLISH", "chan", "both"),
        (1, "PUBLISH", "chat", "pattern"),
        ("sync", 0),
        (2, "SUBSCRIBE", "chan"),
        (1, "PUBLISH", "chan", "three"),
        ("sync", 0),
        ("sync", 2),
        (1, "PUBSUB", "NUMSUB", "chan", "chat", "chan"),
        (1, "PUBSUB", "CHANNELS"),
        (1, "PUBSUB", "CHANNELS", "c*"),
        (1, "PUBSUB", "CHANNELS", "x*"),
        (1, "PUBSUB", "CHANNELS", "c*", "extra"),
    ],
    "order-of-subscribers": [
        (0, "SUBSCRIBE", "o"),
        (1, "SUBSCRIBE", "o"),
        (2, "SUBSCRIBE", "o"),
        (3, "PUBLISH", "o", "m1"),
        (3, "PUBLISH", "o", "m2"),
        ("sync", 0),
        ("sync", 1),
        ("sync", 2),
        (1, "UNSUBSCRIBE", "o"),
        (3, "PUBLISH", "o", "m3"),
        ("sync", 0),
        ("sync", 1),
        ("sync", 2),
    ],
    "shard": [
        (0, "SSUBSCRIBE", "s", "t", "s"),
        (1, "SPUBLISH", "s", "hi"),
        (1, "PUBLISH", "s", "not-shard"),
        (1, "SPUBLISH", "u", "nobody"),
        ("sync", 0),
        (1, "PUBSUB", "SHARDNUMSUB", "s", "t", "u"),
        (1, "PUBSUB", "SHARDNUMSUB"),
        (1, "PUBSUB", "SHARDCHANNELS", "s"),
        (1, "PUBSUB", "SHARDCHANNELS", "s", "x"),
        (1, "PUBSUB", "NUMSUB", "s"),
        (0, "SUNSUBSCRIBE", "t"),
        (0, "SUNSUBSCRIBE"),
        (0, "SUNSUBSCRIBE"),
        (1, "PUBSUB", "SHARDCHANNELS"),
    ],
    "disconnect-leaves-no-trace": [
        (0, "SUBSCRIBE", "d"),
        (0, "PSUBSCRIBE", "d*"),
        (0, "SSUBSCRIBE", "ds"),
        (1, "PUBSUB", "NUMSUB", "d"),
        (1, "PUBSUB", "NUMPAT"),
        ("close", 0),
        (1, "PUBSUB", "NUMSUB", "d"),
        (1, "PUBSUB", "NUMPAT"),
        (1, "PUBSUB", "SHARDNUMSUB", "ds"),
        (1, "PUBLISH", "d", "x"),
        (1, "SPUBLISH", "ds", "x"),
    ],
    "reset": [
        (0, "SUBSCRIBE", "r"),
        (0, "PSUBSCRIBE", "r*"),
        (0, "RESET"),
        (0, "GET", "k"),
        (1, "PUBLISH", "r", "x"),
        (1, "PUBSUB", "NUMPAT"),
        ("sync", 0),
        (0, "HELLO", "3"),
        (0, "SUBSCRIBE", "r"),
        (0, "RESET"),
        (0, "PING"),
        (1, "PUBLISH", "r", "y"),
    ],
    "resp3": [
        (0, "HELLO", "3"),
        (0, "SUBSCRIBE", "a", "b"),
        (0, "PSUBSCRIBE", "a*"),
        (0, "SSUBSCRIBE", "s"),
        (0, "GET", "k"),
        (0, "PING"),
        (0, "PUBLISH", "a", "self"),
        (1, "PUBLISH", "b", "other"),
        (1, "SPUBLISH", "s", "shard"),
        ("sync", 0),
        (0, "PUBSUB", "NUMSUB", "a", "b"),
        (0, "UNSUBSCRIBE", "a"),
        (0, "PUNSUBSCRIBE"),
        (0, "SUNSUBSCRIBE"),
        (0, "UNSUBSCRIBE"),
        (0, "UNSUBSCRIBE"),
        (0, "PUNSUBSCRIBE"),
        (0, "SUNSUBSCRIBE"),
        (0, "HELLO", "2"),
        (0, "SUBSCRIBE", "z"),
        (0, "HELLO", "3"),
        (0, "UNSUBSCRIBE"),
    ],
    "resp3-subscriber-resp2-publisher": [
        (0, "HELLO", "3"),
        (0, "SUBSCRIBE", "mix"),
        (1, "SUBSCRIBE", "mix"),
        (2, "PUBLISH", "mix", "payload\r\nwith crlf"),
        ("sync", 0),
        ("sync", 1),
        (0, "HELLO", "2"),
        (0, "PING"),
        (0, "GET", "k"),
    ],
    "multi": [
        ("n", 0, 1, "MULTI"),
        ("n", 0, 1, "SUBSCRIBE", "m"),
        ("n", 0, 1, "UNSUBSCRIBE", "none"),
        ("n", 0, 1, "EXEC"),
        ("sync", 0),
        (1, "PUBLISH", "m", "after-exec"),
        ("sync", 0),
        (0, "MULTI"),
        ("n", 2, 1, "MULTI"),
        ("n", 2, 1, "PUBLISH", "m", "queued"),
        ("n", 2, 1, "EXEC"),
        ("sync", 0),
    ],
    "pubsub-introspection": [
        (0, "PUBSUB"),
        (0, "PUBSUB", "HELP"),
        (0, "PUBSUB", "HELP", "x"),
        (0, "PUBSUB", "NOPE"),
        (0, "PUBSUB", "NUMPAT", "x"),
        (0, "PUBSUB", "NUMSUB"),
        (0, "PUBSUB", "CHANNELS"),
        (0, "PUBSUB", "SHARDCHANNELS"),
        (0, "PUBLISH", "a"),
        (0, "PUBLISH", "a", "b", "c"),
        (0, "SPUBLISH", "a"),
        (0, "SUBSCRIBE"),
        (0, "PSUBSCRIBE"),
        (0, "SSUBSCRIBE"),
        (0, "HELLO", "3"),
        (0, "PUBSUB", "NUMSUB", "a"),
        (0, "PUBSUB", "HELP"),
    ],
    "binary-channels": [
        (0, "SUBSCRIBE", "", "\x00\xff", "a b"),
        (0, "PSUBSCRIBE", "\\*", "[\x00-\x10]"),
        (1, "PUBLISH", "", "empty"),
        (1, "PUBLISH", "\x00\xff", "bin"),
        (1, "PUBLISH", "*", "star"),
        (1, "PUBLISH", "\x05", "range"),
        ("sync", 0),
        (1, "PUBSUB", "NUMSUB", "", "\x00\xff"),
    ],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_matches_redis(redis_pair: Any, name: str) -> None:
    steps = SCENARIOS[name]
    ours = run_scenario(redis_pair.plugredis.host, redis_pair.plugredis.port, steps)
    theirs = run_scenario(redis_pair.redis.host, redis_pair.redis.port, steps)
    for (step, o), (_, t) in zip(ours, theirs, strict=True):
        assert o == t, f"{name}: {step!r}\n  plugredis {o!r}\n  redis     {t!r}"


COMMANDS = [
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "PSUBSCRIBE",
    "PUNSUBSCRIBE",
    "PUBLISH",
    "SSUBSCRIBE",
    "SUNSUBSCRIBE",
    "SPUBLISH",
    "PUBSUB",
    "PUBSUB|CHANNELS",
    "PUBSUB|NUMSUB",
    "PUBSUB|NUMPAT",
    "PUBSUB|SHARDCHANNELS",
    "PUBSUB|SHARDNUMSUB",
    "PUBSUB|HELP",
]


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("sub", ["INFO", "DOCS"])
def test_command_metadata_matches_redis(redis_pair: Any, name: str, sub: str) -> None:
    redis_pair.assert_same_metadata(sub, name)


def test_command_getkeys_matches_redis(redis_pair: Any) -> None:
    for cmd in (("COMMAND", "GETKEYS", "SUBSCRIBE", "a"),):
        ours, theirs = redis_pair.raw(*cmd)
        assert ours == theirs, cmd
