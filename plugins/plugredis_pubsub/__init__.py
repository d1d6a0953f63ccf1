"""The pub/sub family: Redis 7.0's ``pubsub`` group (channels, patterns, shard channels).

SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH
and PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB / HELP (shard channels with
single-node semantics, as a Redis that is not a cluster).

The state of one server is a :class:`PubSub` kept in ``client.ops.pubsub``; the core calls its
``leave(client)`` when a subscribed client sends RESET or disconnects, refuses the commands that
RESP2 does not allow in the subscribed context and answers PING there with ``pong``.  Messages
and confirmations are sent with :meth:`plugredis.Client.push` (``>`` push frames in RESP3,
arrays in RESP2); the subscribe commands take the slow path of the dispatcher, where pushes to
the running client join its replies in order.

Ordering differs from Redis only where Redis follows its hash tables: UNSUBSCRIBE and
SUNSUBSCRIBE without arguments, PUBSUB CHANNELS / SHARDCHANNELS, and the order in which several
matching patterns receive a message follow insertion order here (Redis: hash-table order).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from plugredis import (
    Client,
    CommandError,
    KeySpec,
    Push,
    SimpleString,
    arg,
    command,
    compile_glob,
    container,
    hookimpl,
)

__version__ = "0.1.0"

__all__ = ["PubSub", "state_of"]


class PubSub:
    """Subscriptions of one server: channel -> subscribers, and per client its subscriptions."""

    __slots__ = ("c_channels", "c_patterns", "c_shard", "channels", "patterns", "shard")

    def __init__(self) -> None:
        #: channel -> {client: None} (subscription order)
        self.channels: dict[bytes, dict[Client, None]] = {}
        #: pattern -> (matcher, {client: None})
        self.patterns: dict[bytes, tuple[Callable[[bytes], bool], dict[Client, None]]] = {}
        #: shard channel -> {client: None}
        self.shard: dict[bytes, dict[Client, None]] = {}
        #: client -> its channels / patterns / shard channels, in subscription order
        self.c_channels: dict[Client, dict[bytes, None]] = {}
        self.c_patterns: dict[Client, dict[bytes, None]] = {}
        self.c_shard: dict[Client, dict[bytes, None]] = {}

    # -- subscribing ----------------------------------------------------------------------------

    def subscribe(self, c: Client, channel: bytes) -> None:
        mine = self.c_channels.setdefault(c, {})
        if channel not in mine:
            mine[channel] = None
            self.channels.setdefault(channel, {})[c] = None
            c.sub = len(mine)

    def unsubscribe(self, c: Client, channel: bytes) -> None:
        mine = self.c_channels.get(c)
        if mine is None or channel not in mine:
            return
        del mine[channel]
        subs = self.channels[channel]
        del subs[c]
        if not subs:
            del self.channels[channel]
        if not mine:
            del self.c_channels[c]
        c.sub = len(mine)

    def psubscribe(self, c: Client, pattern: bytes) -> None:
        mine = self.c_patterns.setdefault(c, {})
        if pattern not in mine:
            mine[pattern] = None
            entry = self.patterns.get(pattern)
            if entry is None:
                entry = self.patterns[pattern] = (compile_glob(pattern), {})
            entry[1][c] = None
            c.psub = len(mine)

    def punsubscribe(self, c: Client, pattern: bytes) -> None:
        mine = self.c_patterns.get(c)
        if mine is None or pattern not in mine:
            return
        del mine[pattern]
        subs = self.patterns[pattern][1]
        del subs[c]
        if not subs:
            del self.patterns[pattern]
        if not mine:
            del self.c_patterns[c]
        c.psub = len(mine)

    def ssubscribe(self, c: Client, channel: bytes) -> None:
        mine = self.c_shard.setdefault(c, {})
        if channel not in mine:
            mine[channel] = None
            self.shard.setdefault(channel, {})[c] = None
            c.ssub = len(mine)

    def sunsubscribe(self, c: Client, channel: bytes) -> None:
        mine = self.c_shard.get(c)
        if mine is None or channel not in mine:
            return
        del mine[channel]
        subs = self.shard[channel]
        del subs[c]
        if not subs:
            del self.shard[channel]
        if not mine:
            del self.c_shard[c]
        c.ssub = len(mine)

    def leave(self, c: Client) -> None:
        """Drop every subscription of ``c`` silently (RESET, disconnection)."""
        for ch in list(self.c_channels.get(c, ())):
            self.unsubscribe(c, ch)
        for p in list(self.c_patterns.get(c, ())):
            self.punsubscribe(c, p)
        for ch in list(self.c_shard.get(c, ())):
            self.sunsubscribe(c, ch)
        self.c_channels.pop(c, None)
        self.c_patterns.pop(c, None)
        self.c_shard.pop(c, None)
        c.sub = c.psub = c.ssub = 0
        c.update_fast()

    # -- publishing -----------------------------------------------------------------------------

    def publish(self, channel: bytes, message: bytes) -> int:
        n = 0
        subs = self.channels.get(channel)
        if subs:
            frame = Push([b"message", channel, message])
            for c in list(subs):
                c.push(frame)
                n += 1
        if self.patterns:
            for pattern, (match, psubs) in list(self.patterns.items()):
                if match(channel):
                    frame = Push([b"pmessage", pattern, channel, message])
                    for c in list(psubs):
                        c.push(frame)
                        n += 1
        return n

    def spublish(self, channel: bytes, message: bytes) -> int:
        subs = self.shard.get(channel)
        if not subs:
            return 0
        frame = Push([b"smessage", channel, message])
        for c in list(subs):
            c.push(frame)
        return len(subs)


def state_of(ctx: Client) -> PubSub:
    """The :class:`PubSub` of ``ctx``'s server (made on first use)."""
    ops = ctx.ops
    st = ops.pubsub
    if st is None:
        st = ops.pubsub = PubSub()
    return st


def _confirm(ctx: Client, frames: list[Push]) -> Any:
    """Send the confirmations: all but the last pushed, the last one is the reply.

    The subscribe commands run on the slow path, where pushes to the running client join its
    replies in order; inside EXEC the reply is the last frame (Redis sends every frame there).
    """
    for f in frames[:-1]:
        ctx.push(f)
    ctx.update_fast()
    return frames[-1]


# -------------------------------------------------------------------------------------------------
# Channels
# -------------------------------------------------------------------------------------------------


@command(
    "SUBSCRIBE",
    arity=-2,
    flags="pubsub noscript loading stale",
    summary="Listen for messages published to the given channels",
    since="2.0.0",
    group="pubsub",
    complexity="O(N) where N is the number of channels to subscribe to.",
    arguments=[
        arg("channel", "string", multiple=True),
    ],
)
def subscribe(ctx: Client, *channels: bytes) -> Any:
    """SUBSCRIBE channel [channel ...]"""
    st = state_of(ctx)
    frames = []
    for ch in channels:
        st.subscribe(ctx, ch)
        frames.append(Push([b"subscribe", ch, ctx.sub + ctx.psub]))
    return _confirm(ctx, frames)


@command(
    "UNSUBSCRIBE",
    arity=-1,
    flags="pubsub noscript loading stale",
    summary="Stop listening for messages posted to the given channels",
    since="2.0.0",
    group="pubsub",
    complexity="O(N) where N is the number of clients already subscribed to a channel.",
    arguments=[
        arg("channel", "string", optional=True, multiple=True),
    ],
)
def unsubscribe(ctx: Client, *channels: bytes) -> Any:
    """UNSUBSCRIBE [channel ...]"""
    st = state_of(ctx)
    if not channels:
        channels = tuple(st.c_channels.get(ctx, ()))
        if not channels:
            return _confirm(ctx, [Push([b"unsubscribe", None, ctx.sub + ctx.psub])])
    frames = []
    for ch in channels:
        st.unsubscribe(ctx, ch)
        frames.append(Push([b"unsubscribe", ch, ctx.sub + ctx.psub]))
    return _confirm(ctx, frames)


@command(
    "PSUBSCRIBE",
    arity=-2,
    flags="pubsub noscript loading stale",
    summary="Listen for messages published to channels matching the given patterns",
    since="2.0.0",
    group="pubsub",
    complexity="O(N) where N is the number of patterns the client is already subscribed to.",
    arguments=[
        arg(
            "pattern",
            "block",
            multiple=True,
            arguments=[
                arg("pattern", "pattern"),
            ],
        ),
    ],
)
def psubscribe(ctx: Client, *patterns: bytes) -> Any:
    """PSUBSCRIBE pattern [pattern ...]"""
    st = state_of(ctx)
    frames = []
    for p in patterns:
        st.psubscribe(ctx, p)
        frames.append(Push([b"psubscribe", p, ctx.sub + ctx.psub]))
    return _confirm(ctx, frames)


@command(
    "PUNSUBSCRIBE",
    arity=-1,
    flags="pubsub noscript loading stale",
    summary="Stop listening for messages posted to channels matching the given patterns",
    since="2.0.0",
    group="pubsub",
    complexity=(
        "O(N+M) where N is the number of patterns the client is already subscribed and M is"
        " the number of total patterns subscribed in the system (by any client)."
    ),
    arguments=[
        arg("pattern", "pattern", optional=True, multiple=True),
    ],
)
def punsubscribe(ctx: Client, *patterns: bytes) -> Any:
    """PUNSUBSCRIBE [pattern ...]"""
    st = state_of(ctx)
    if not patterns:
        patterns = tuple(st.c_patterns.get(ctx, ()))
        if not patterns:
            return _confirm(ctx, [Push([b"punsubscribe", None, ctx.sub + ctx.psub])])
    frames = []
    for p in patterns:
        st.punsubscribe(ctx, p)
        frames.append(Push([b"punsubscribe", p, ctx.sub + ctx.psub]))
    return _confirm(ctx, frames)


@command(
    "PUBLISH",
    arity=3,
    flags="pubsub loading stale fast",
    summary="Post a message to a channel",
    since="2.0.0",
    group="pubsub",
    complexity=(
        "O(N+M) where N is the number of clients subscribed to the receiving channel and M is"
        " the total number of subscribed patterns (by any client)."
    ),
    arguments=[
        arg("channel", "string"),
        arg("message", "string"),
    ],
)
def publish(ctx: Client, channel: bytes, message: bytes) -> int:
    """PUBLISH channel message: the number of clients that received it."""
    st: PubSub | None = ctx.ops.pubsub
    if st is None:
        return 0
    return st.publish(channel, message)


# -------------------------------------------------------------------------------------------------
# Shard channels (a single node owns every slot)
# -------------------------------------------------------------------------------------------------


@command(
    "SSUBSCRIBE",
    arity=-2,
    flags="pubsub noscript loading stale",
    keys=(1, -1, 1),
    summary="Listen for messages published to the given shard channels",
    since="7.0.0",
    group="pubsub",
    complexity="O(N) where N is the number of shard channels to subscribe to.",
    key_specs=[
        KeySpec(("index", 1), ("range", -1, 1, 0), ("not_key",)),
    ],
    arguments=[
        arg("shardchannel", "string", multiple=True),
    ],
)
def ssubscribe(ctx: Client, *channels: bytes) -> Any:
    """SSUBSCRIBE shardchannel [shardchannel ...]"""
    st = state_of(ctx)
    frames = []
    for ch in channels:
        st.ssubscribe(ctx, ch)
        frames.append(Push([b"ssubscribe", ch, ctx.ssub]))
    return _confirm(ctx, frames)


@command(
    "SUNSUBSCRIBE",
    arity=-1,
    flags="pubsub noscript loading stale",
    keys=(1, -1, 1),
    summary="Stop listening for messages posted to the given shard channels",
    since="7.0.0",
    group="pubsub",
    complexity="O(N) where N is the number of clients already subscribed to a shard channel.",
    key_specs=[
        KeySpec(("index", 1), ("range", -1, 1, 0), ("not_key",)),
    ],
    arguments=[
        arg("shardchannel", "string", optional=True, multiple=True),
    ],
)
def sunsubscribe(ctx: Client, *channels: bytes) -> Any:
    """SUNSUBSCRIBE [shardchannel ...]"""
    st = state_of(ctx)
    if not channels:
        channels = tuple(st.c_shard.get(ctx, ()))
        if not channels:
            return _confirm(ctx, [Push([b"sunsubscribe", None, ctx.ssub])])
    frames = []
    for ch in channels:
        st.sunsubscribe(ctx, ch)
        frames.append(Push([b"sunsubscribe", ch, ctx.ssub]))
    return _confirm(ctx, frames)


@command(
    "SPUBLISH",
    arity=3,
    flags="pubsub loading stale fast",
    keys=(1, 1, 1),
    summary="Post a message to a shard channel",
    since="7.0.0",
    group="pubsub",
    complexity="O(N) where N is the number of clients subscribed to the receiving shard channel.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("not_key",)),
    ],
    arguments=[
        arg("shardchannel", "string"),
        arg("message", "string"),
    ],
)
def spublish(ctx: Client, channel: bytes, message: bytes) -> int:
    """SPUBLISH shardchannel message"""
    st: PubSub | None = ctx.ops.pubsub
    if st is None:
        return 0
    return st.spublish(channel, message)


# -------------------------------------------------------------------------------------------------
# PUBSUB introspection
# -------------------------------------------------------------------------------------------------

PUBSUB = container(
    "pubsub",
    arity=-2,
    summary="A container for Pub/Sub commands",
    since="2.8.0",
    group="pubsub",
    complexity="Depends on subcommand.",
)


def _wrong_args(name: str) -> CommandError:
    return CommandError(
        f"ERR unknown subcommand or wrong number of arguments for '{name}'. Try PUBSUB HELP."
    )


def _matching(names: Any, args: tuple[bytes, ...], sub: str) -> list[bytes]:
    if len(args) > 1:
        raise _wrong_args(sub)
    if not args:
        return list(names)
    match = compile_glob(args[0])
    return [n for n in names if match(n)]


@PUBSUB.subcommand(
    "CHANNELS",
    arity=-2,
    flags="pubsub loading stale",
    summary="List active channels",
    since="2.8.0",
    group="pubsub",
    complexity=(
        "O(N) where N is the number of active channels, and assuming constant time pattern"
        " matching (relatively short channels and patterns)"
    ),
    arguments=[
        arg("pattern", "pattern", optional=True),
    ],
)
def pubsub_channels(ctx: Client, *args: bytes) -> list[bytes]:
    """PUBSUB CHANNELS [pattern]"""
    st: PubSub | None = ctx.ops.pubsub
    return _matching(st.channels if st else (), args, ctx.argv[1][:128].decode("utf-8", "replace"))


@PUBSUB.subcommand(
    "SHARDCHANNELS",
    arity=-2,
    flags="pubsub loading stale",
    summary="List active shard channels",
    since="7.0.0",
    group="pubsub",
    complexity=(
        "O(N) where N is the number of active shard channels, and assuming constant time"
        " pattern matching (relatively short shard channels)."
    ),
    arguments=[
        arg("pattern", "pattern", optional=True),
    ],
)
def pubsub_shardchannels(ctx: Client, *args: bytes) -> list[bytes]:
    """PUBSUB SHARDCHANNELS [pattern]"""
    st: PubSub | None = ctx.ops.pubsub
    return _matching(st.shard if st else (), args, ctx.argv[1][:128].decode("utf-8", "replace"))


@PUBSUB.subcommand(
    "NUMSUB",
    arity=-2,
    flags="pubsub loading stale",
    summary="Get the count of subscribers for channels",
    since="2.8.0",
    group="pubsub",
    complexity="O(N) for the NUMSUB subcommand, where N is the number of requested channels",
    arguments=[
        arg("channel", "string", optional=True, multiple=True),
    ],
)
def pubsub_numsub(ctx: Client, *channels: bytes) -> list[Any]:
    """PUBSUB NUMSUB [channel ...]: a flat array of channel, count."""
    st: PubSub | None = ctx.ops.pubsub
    table = st.channels if st else {}
    out: list[Any] = []
    for ch in channels:
        out.append(ch)
        out.append(len(table.get(ch, ())))
    return out


@PUBSUB.subcommand(
    "SHARDNUMSUB",
    arity=-2,
    flags="pubsub loading stale",
    summary="Get the count of subscribers for shard channels",
    since="7.0.0",
    group="pubsub",
    complexity=(
        "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels"
    ),
    arguments=[
        arg("shardchannel", "string", optional=True, multiple=True),
    ],
)
def pubsub_shardnumsub(ctx: Client, *channels: bytes) -> list[Any]:
    """PUBSUB SHARDNUMSUB [shardchannel ...]"""
    st: PubSub | None = ctx.ops.pubsub
    table = st.shard if st else {}
    out: list[Any] = []
    for ch in channels:
        out.append(ch)
        out.append(len(table.get(ch, ())))
    return out


@PUBSUB.subcommand(
    "NUMPAT",
    arity=2,
    flags="pubsub loading stale",
    summary="Get the count of unique patterns pattern subscriptions",
    since="2.8.0",
    group="pubsub",
    complexity="O(1)",
)
def pubsub_numpat(ctx: Client) -> int:
    """PUBSUB NUMPAT: the number of distinct patterns subscribed to."""
    st: PubSub | None = ctx.ops.pubsub
    return len(st.patterns) if st else 0


_HELP = [
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
]


@PUBSUB.subcommand(
    "HELP",
    arity=2,
    flags="loading stale",
    summary="Show helpful text about the different subcommands",
    since="6.2.0",
    group="pubsub",
    complexity="O(1)",
)
def pubsub_help(ctx: Client) -> list[SimpleString]:
    """PUBSUB HELP"""
    return [SimpleString(line.encode()) for line in _HELP]


# -------------------------------------------------------------------------------------------------
# Registration
# -------------------------------------------------------------------------------------------------

#: commands whose confirmations are pushes: they take the dispatcher's slow path, where a push
#: to the running client joins its replies in order
_PUSHERS = (subscribe, unsubscribe, psubscribe, punsubscribe, ssubscribe, sunsubscribe)


@hookimpl
def register_commands(register: Any) -> None:
    for handler in _PUSHERS:
        handler.spec.slow = True  # type: ignore[attr-defined]
    register(sys.modules[__name__])
