"""Built-in admin commands: MONITOR, SLOWLOG, LATENCY, MEMORY, SWAPDB, DEBUG.

The data they show is kept in :class:`~plugredis.connection.ServerOps` by the dispatcher:

- **SLOWLOG**: commands that took at least ``slowlog-log-slower-than`` µs.  Commands on the
  dispatcher's slow path (containers such as CONFIG or CLIENT, MULTI/EXEC, clients being
  monitored, tracked or paused...) are timed one by one; fast-path commands are timed per read,
  so a command alone in its read (an interactive or non-pipelined client) is timed exactly,
  while pipelined ones are not logged.  With a threshold below 1 ms (0 = log everything) every
  command is timed on its own (the fast path is off).
- **LATENCY**: ``command``/``fast-command`` events over ``latency-monitor-threshold`` ms, and the
  per-command latency histograms (``LATENCY HISTOGRAM``, ``INFO latencystats``).
- **MEMORY USAGE**: an estimate from the type's ``memory`` callback, or a ``sys.getsizeof`` walk.
- **DEBUG** (refused unless ``enable-debug-command`` is ``yes``, or ``local`` from loopback,
  exactly as Redis 7.0): SLEEP, OBJECT, SET-ACTIVE-EXPIRE, DIGEST, DIGEST-VALUE (a SHA1 of the
  value's content: stable across DEBUG RELOAD, not Redis's numbers), RELOAD (through
  ``server.persistence``), PROTOCOL, ERROR, LOG, CHANGE-REPL-ID, HELP.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import sys
import time
from typing import Any

from ..blocking import BLOCKED
from ..commands import CommandError, KeySpec, arg, command, container
from ..connection import Client, ops_of
from ..hookspecs import hookimpl
from ..resp import _ENCODERS, OK, Double, Map, Push, RespSet, SimpleString, Verbatim
from . import parse_int
from .server import _rss, dataset_estimate, value_size

log = logging.getLogger("plugredis")


def _help(lines: tuple[str, ...]) -> list[SimpleString]:
    return [SimpleString(line.encode()) for line in lines]


# -- MONITOR --------------------------------------------------------------------------------------


@command(
    "MONITOR",
    arity=1,
    flags="admin noscript loading stale",
    summary="Listen for all requests received by the server in real time",
    since="1.0.0",
    group="server",
)
def monitor(ctx: Client) -> Any:
    """MONITOR: from now on, every command the server runs is streamed to this client."""
    if ctx.in_exec:
        raise CommandError("ERR MONITOR isn't allowed for DENY BLOCKING client")
    if ctx.monitor:
        return BLOCKED  # already monitoring: no reply, as Redis
    ops = ctx.ops
    ctx.monitor = True
    ops.monitors.append(ctx)
    ops.update_slow()
    ctx.update_fast()
    return OK


# -- SLOWLOG --------------------------------------------------------------------------------------

SLOWLOG = container(
    "slowlog",
    arity=-2,
    summary="A container for slow log commands",
    since="2.2.12",
    group="server",
    complexity="Depends on subcommand.",
)


@SLOWLOG.subcommand(
    "GET",
    arity=-2,
    flags="admin loading stale",
    summary="Get the slow log's entries",
    since="2.2.12",
    group="server",
    complexity="O(N) where N is the number of entries returned",
    tips=["request_policy:all_nodes", "nondeterministic_output"],
    history=[("4.0.0", "Added client IP address, port and name to the reply.")],
    arguments=[
        arg("count", "integer", optional=True),
    ],
)
def slowlog_get(ctx: Client, *args: bytes) -> Any:
    """SLOWLOG GET [count]: the newest entries first (default 10, -1 for all)."""
    if len(args) > 1:
        raise CommandError(
            f"ERR unknown subcommand or wrong number of arguments for "
            f"'{ctx.argv[1].decode('utf-8', 'surrogateescape')}'. Try SLOWLOG HELP."
        )
    count = 10
    if args:
        try:
            count = parse_int(args[0])
        except CommandError:
            count = -2
        if count < -1:
            raise CommandError("ERR count should be greater than or equal to -1")
    entries = list(ctx.ops.slowlog)
    if count >= 0:
        entries = entries[:count]
    return [[e.id, e.time, e.duration, list(e.args), e.addr.encode(), e.name] for e in entries]


@SLOWLOG.subcommand(
    "LEN",
    arity=2,
    flags="admin loading stale",
    summary="Get the slow log's length",
    since="2.2.12",
    group="server",
    complexity="O(1)",
    tips=["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"],
)
def slowlog_len(ctx: Client) -> Any:
    """SLOWLOG LEN"""
    return len(ctx.ops.slowlog)


@SLOWLOG.subcommand(
    "RESET",
    arity=2,
    flags="admin loading stale",
    summary="Clear all entries from the slow log",
    since="2.2.12",
    group="server",
    complexity="O(N) where N is the number of entries in the slowlog",
    tips=["request_policy:all_nodes", "response_policy:all_succeeded"],
)
def slowlog_reset(ctx: Client) -> Any:
    """SLOWLOG RESET"""
    ctx.ops.slowlog.clear()
    return OK


@SLOWLOG.subcommand(
    "HELP",
    arity=2,
    flags="loading stale",
    summary="Show helpful text about the different subcommands",
    since="6.2.0",
    group="server",
    complexity="O(1)",
)
def slowlog_help(ctx: Client) -> Any:
    """SLOWLOG HELP"""
    return _help(
        (
            "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
            "HELP",
            "    Prints this help.",
        )
    )


# -- LATENCY --------------------------------------------------------------------------------------

LATENCY = container(
    "latency",
    arity=-2,
    summary="A container for latency diagnostics commands",
    since="2.8.13",
    group="server",
    complexity="Depends on subcommand.",
)

_LATENCY_TIPS = ["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"]


@LATENCY.subcommand(
    "LATEST",
    arity=2,
    flags="admin noscript loading stale",
    summary="Return the latest latency samples for all events.",
    since="2.8.13",
    group="server",
    complexity="O(1)",
    tips=_LATENCY_TIPS,
)
def latency_latest(ctx: Client) -> Any:
    """LATENCY LATEST: [event, time, latest ms, max ms] per event."""
    ops = ctx.ops
    out = []
    for event, samples in ops.latency_events.items():
        if samples:
            t, ms = samples[-1]
            out.append([event.encode(), t, ms, ops.latency_max.get(event, ms)])
    return out


@LATENCY.subcommand(
    "HISTORY",
    arity=3,
    flags="admin noscript loading stale",
    summary="Return timestamp-latency samples for the event.",
    since="2.8.13",
    group="server",
    complexity="O(1)",
    tips=_LATENCY_TIPS,
    arguments=[
        arg("event", "string"),
    ],
)
def latency_history(ctx: Client, event: bytes) -> Any:
    """LATENCY HISTORY event"""
    samples = ctx.ops.latency_events.get(event.decode("utf-8", "surrogateescape"), ())
    return [[t, ms] for t, ms in samples]


@LATENCY.subcommand(
    "RESET",
    arity=-2,
    flags="admin noscript loading stale",
    summary="Reset latency data for one or more events.",
    since="2.8.13",
    group="server",
    complexity="O(1)",
    tips=["request_policy:all_nodes", "response_policy:all_succeeded"],
    arguments=[
        arg("event", "string", optional=True, multiple=True),
    ],
)
def latency_reset(ctx: Client, *events: bytes) -> Any:
    """LATENCY RESET [event ...]: the number of event series reset."""
    ops = ctx.ops
    names = [e.decode("utf-8", "surrogateescape") for e in events] or list(ops.latency_events)
    n = 0
    for name in names:
        if ops.latency_events.pop(name, None) is not None:
            ops.latency_max.pop(name, None)
            n += 1
    return n


@LATENCY.subcommand(
    "GRAPH",
    arity=3,
    flags="admin noscript loading stale",
    summary="Return a latency graph for the event.",
    since="2.8.13",
    group="server",
    complexity="O(1)",
    tips=_LATENCY_TIPS,
    arguments=[
        arg("event", "string"),
    ],
)
def latency_graph(ctx: Client, event: bytes) -> Any:
    """LATENCY GRAPH event: a small text chart of the event's samples (newest on the right)."""
    name = event.decode("utf-8", "surrogateescape")
    ops = ctx.ops
    samples = list(ops.latency_events.get(name, ()))
    if not samples:
        raise CommandError(f"ERR No samples available for event '{name}'")
    values = [ms for _, ms in samples]
    hi, lo = max(values), min(values)
    lines = [
        f"{name} - high {hi} ms, low {lo} ms (all time high {ops.latency_max.get(name, hi)} ms)",
        "-" * 80,
    ]
    rows = 4
    for r in range(rows, 0, -1):
        level = lo + (hi - lo) * (r - 1) / max(rows - 1, 1)
        lines.append("".join("#" if v >= level and v else " " for v in values[-80:]))
    now = ctx.server.clock.ms() // 1000
    lines.append("".join(_age_char(now - t) for t, _ in samples[-80:]))
    return Verbatim(("\n".join(lines) + "\n").encode())


def _age_char(age: int) -> str:
    if age < 60:
        return "s"
    if age < 3600:
        return "m"
    return "h"


@LATENCY.subcommand(
    "DOCTOR",
    arity=2,
    flags="admin noscript loading stale",
    summary="Return a human readable latency analysis report.",
    since="2.8.13",
    group="server",
    complexity="O(1)",
    tips=_LATENCY_TIPS,
)
def latency_doctor(ctx: Client) -> Any:
    """LATENCY DOCTOR: a short report (plugredis has little to say)."""
    ops = ctx.ops
    if not ops.latency_threshold and not ops.latency_events:
        text = (
            "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
            'instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in '
            "order to enable it. If we weren't in a deep space mission I'd suggest to take a "
            "look at https://redis.io/topics/latency-monitor.\n"
        )
    elif not ops.latency_events:
        text = (
            "Dave, no latency spike was observed during the lifetime of this Redis instance, "
            "not in the slightest bit. I honestly think you ought to sleep tonight.\n"
        )
    else:
        lines = [
            "Dave, I have observed latency spikes in this Redis instance. You don't mind "
            "talking about it, do you Dave?",
            "",
        ]
        for i, (name, samples) in enumerate(ops.latency_events.items(), 1):
            values = [ms for _, ms in samples]
            avg = sum(values) // len(values)
            lines.append(
                f"{i}. {name}: {len(values)} latency spikes (average {avg}ms). Worst all time "
                f"event {ops.latency_max.get(name, max(values))}ms."
            )
        lines += [
            "",
            "plugredis runs commands in Python on one event loop: a slow command delays every "
            "client. Check SLOWLOG GET for the commands that take long (large values, O(N) "
            "commands such as KEYS or SORT).",
        ]
        text = "\n".join(lines) + "\n"
    return Verbatim(text.encode())


@LATENCY.subcommand(
    "HISTOGRAM",
    arity=-2,
    flags="admin noscript loading stale",
    summary="Return the cumulative distribution of latencies of a subset of commands or all.",
    since="7.0.0",
    group="server",
    complexity=("O(N) where N is the number of commands with latency information being retrieved."),
    tips=_LATENCY_TIPS,
    arguments=[
        arg("command", "string", optional=True, multiple=True),
    ],
)
def latency_histogram(ctx: Client, *names: bytes) -> Any:
    """LATENCY HISTOGRAM [command ...]: calls and cumulative µs buckets (powers of two)."""
    ops = ctx.ops
    registry = ctx.server.registry
    histograms = ops.histograms()
    wanted: list[str]
    if names:
        wanted = []
        for raw in names:
            n = raw.decode("utf-8", "surrogateescape").lower()
            parent, _, sub = n.partition("|")
            spec = registry.commands.get(parent)
            if spec is None:
                continue
            if sub:
                if sub in spec.subcommands:
                    wanted.append(spec.subcommands[sub].name)
            elif spec.subcommands and spec.handler is None:
                wanted += [s.name for s in spec.subcommands.values()]
            else:
                wanted.append(spec.name)
    else:
        wanted = list(histograms)
    out = Map()
    for name in dict.fromkeys(wanted):
        hist = histograms.get(name)
        if not hist or not sum(hist):
            continue
        buckets = Map()
        total = 0
        for b, count in enumerate(hist):
            if count:
                total += count
                buckets[1 << b] = total
        out[name.encode()] = Map({b"calls": total, b"histogram_usec": buckets})
    return out


@LATENCY.subcommand(
    "HELP",
    arity=2,
    flags="loading stale",
    summary="Show helpful text about the different subcommands.",
    since="2.8.13",
    group="server",
    complexity="O(1)",
)
def latency_help(ctx: Client) -> Any:
    """LATENCY HELP"""
    return _help(
        (
            "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for "
            "the specified command names.",
            "    If no commands are specified then all histograms are replied.",
            "HELP",
            "    Prints this help.",
        )
    )


# -- MEMORY ---------------------------------------------------------------------------------------

MEMORY = container(
    "memory",
    arity=-2,
    summary="A container for memory diagnostics commands",
    since="4.0.0",
    group="server",
    complexity="Depends on subcommand.",
)


@MEMORY.subcommand(
    "USAGE",
    arity=-3,
    flags="readonly",
    keys=(2, 2, 1),
    summary="Estimate the memory usage of a key",
    since="4.0.0",
    group="server",
    complexity="O(N) where N is the number of samples.",
    key_specs=[
        KeySpec(("index", 2), ("range", 0, 1, 0), ("RO",)),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("count", "integer", token="SAMPLES", optional=True),
    ],
)
def memory_usage(ctx: Client, key: bytes, *args: bytes) -> Any:
    """MEMORY USAGE key [SAMPLES count]: bytes of the key, its value and bookkeeping (estimate)."""
    i = 0
    while i < len(args):
        if args[i].lower() == b"samples" and i + 1 < len(args):
            n = parse_int(args[i + 1])
            if n < 0:
                raise CommandError("ERR syntax error")
            i += 2
        else:
            raise CommandError("ERR syntax error")
    db = ctx.db
    value = db.lookup_write(key)
    if value is None:
        return None
    overhead = 56 + sys.getsizeof(key)  # the dict entry and the key object
    if db.expires and key in db.expires:
        overhead += 40
    return overhead + value_size(ctx.server, value)


@MEMORY.subcommand(
    "STATS",
    arity=2,
    summary="Show memory usage details",
    since="4.0.0",
    group="server",
    complexity="O(1)",
    tips=["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
)
def memory_stats(ctx: Client) -> Any:
    """MEMORY STATS: Redis's fields, filled from what a Python process can measure."""
    server = ctx.server
    ops = ctx.ops
    rss = _rss()
    ops.peak_rss = max(ops.peak_rss, rss)
    dataset = min(dataset_estimate(server), rss)
    keys = sum(len(db.data) for db in server.dbs)
    clients = sum(
        c.protocol.output_buffer_size() + c.protocol.query_buffer_size() + 1024
        for c in server.clients.values()
        if c.protocol is not None
    )
    m = Map()
    m[b"peak.allocated"] = ops.peak_rss
    m[b"total.allocated"] = rss
    m[b"startup.allocated"] = ops.startup_rss or rss
    m[b"replication.backlog"] = 0
    m[b"clients.slaves"] = 0
    m[b"clients.normal"] = clients
    m[b"cluster.links"] = 0
    m[b"aof.buffer"] = 0
    m[b"lua.caches"] = 0
    m[b"functions.caches"] = 0
    for db in server.dbs:
        if db.data:
            m[f"db.{db.id}".encode()] = Map(
                {
                    b"overhead.hashtable.main": sys.getsizeof(db.data),
                    b"overhead.hashtable.expires": sys.getsizeof(db.expires),
                    b"overhead.hashtable.slot-to-keys": 0,
                }
            )
    m[b"overhead.total"] = max(0, rss - dataset)
    m[b"keys.count"] = keys
    m[b"keys.bytes-per-key"] = dataset // keys if keys else 0
    m[b"dataset.bytes"] = dataset
    m[b"dataset.percentage"] = Double(dataset * 100 / rss if rss else 0.0)
    m[b"peak.percentage"] = Double(rss * 100 / ops.peak_rss if ops.peak_rss else 0.0)
    m[b"allocator.allocated"] = rss
    m[b"allocator.active"] = rss
    m[b"allocator.resident"] = rss
    m[b"allocator-fragmentation.ratio"] = Double(1.0)
    m[b"allocator-fragmentation.bytes"] = 0
    m[b"allocator-rss.ratio"] = Double(1.0)
    m[b"allocator-rss.bytes"] = 0
    m[b"rss-overhead.ratio"] = Double(1.0)
    m[b"rss-overhead.bytes"] = 0
    m[b"fragmentation"] = Double(1.0)
    m[b"fragmentation.bytes"] = 0
    return m


@MEMORY.subcommand(
    "DOCTOR",
    arity=2,
    summary="Outputs memory problems report",
    since="4.0.0",
    group="server",
    complexity="O(1)",
    tips=["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
)
def memory_doctor(ctx: Client) -> Any:
    """MEMORY DOCTOR"""
    ops = ctx.ops
    rss = _rss()
    if rss - (ops.startup_rss or rss) < 5 * 1024 * 1024:
        text = (
            "Hi Sam, this instance is empty or is using very little memory, my issues detector "
            "can't be used in these conditions. Please, leave for your mission on Earth and fill "
            "it with some data. The new Sam and I will be back to our programming as soon as I "
            "finished rebooting.\n"
        )
    elif ops.peak_rss > rss * 3 // 2:
        text = (
            "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
            " * Peak memory: In the past this instance used more than 150% the memory that is "
            "currently using. The allocator is normally not able to release memory after a peak, "
            "so you can expect to see a big fragmentation ratio, however this is actually "
            "harmless and is only due to the memory peak, and if the Redis instance Resident "
            "Set Size (RSS) is currently bigger than expected, the memory will be used as soon "
            "as you fill the Redis instance with more data. If the memory peak was only "
            "occasional and you want to try to reclaim memory, please try the MEMORY PURGE "
            "command, otherwise the only other option is to shutdown and restart the instance."
            "\n\nI'm here to keep you safe, Sam. I want to help you.\n"
        )
    else:
        text = (
            "Hi Sam, I can't find any memory issue in your instance. I can only account for "
            "what occurs on this base.\n"
        )
    return Verbatim(text.encode())


@MEMORY.subcommand(
    "MALLOC-STATS",
    arity=2,
    summary="Show allocator internal stats",
    since="4.0.0",
    group="server",
    complexity="Depends on how much memory is allocated, could be slow",
    tips=["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
)
def memory_malloc_stats(ctx: Client) -> Any:
    """MEMORY MALLOC-STATS: what Redis says for an allocator without statistics."""
    return Verbatim(b"Stats not supported for the current allocator")


@MEMORY.subcommand(
    "PURGE",
    arity=2,
    summary="Ask the allocator to release memory",
    since="4.0.0",
    group="server",
    complexity="Depends on how much memory is allocated, could be slow",
    tips=["request_policy:all_shards", "response_policy:all_succeeded"],
)
def memory_purge(ctx: Client) -> Any:
    """MEMORY PURGE: a full garbage collection."""
    gc.collect()
    return OK


@MEMORY.subcommand(
    "HELP",
    arity=2,
    flags="loading stale",
    summary="Show helpful text about the different subcommands",
    since="4.0.0",
    group="server",
    complexity="O(1)",
)
def memory_help(ctx: Client) -> Any:
    """MEMORY HELP"""
    return _help(
        (
            "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
            "HELP",
            "    Prints this help.",
        )
    )


# -- SWAPDB ---------------------------------------------------------------------------------------


@command(
    "SWAPDB",
    arity=3,
    flags="write fast",
    acl="keyspace dangerous",
    summary="Swaps two Redis databases",
    since="4.0.0",
    group="server",
    complexity=(
        "O(N) where N is the count of clients watching or blocking on keys from both databases."
    ),
    arguments=[
        arg("index1", "integer"),
        arg("index2", "integer"),
    ],
)
def swapdb(ctx: Client, index1: bytes, index2: bytes) -> Any:
    """SWAPDB index1 index2: the contents swap; clients stay on their database number."""
    try:
        a = parse_int(index1)
    except CommandError:
        raise CommandError("ERR invalid first DB index")
    try:
        b = parse_int(index2)
    except CommandError:
        raise CommandError("ERR invalid second DB index")
    dbs = ctx.server.dbs
    if not (0 <= a < len(dbs) and 0 <= b < len(dbs)):
        raise CommandError("ERR DB index is out of range")
    if a == b:
        return OK
    swap_databases(ctx.server, a, b)
    return OK


def swap_databases(server: Any, a: int, b: int) -> None:
    """Swap the contents of databases ``a`` and ``b`` (WATCH and blocked clients as Redis)."""
    da, db_ = server.dbs[a], server.dbs[b]
    # WATCHed keys: touched when they exist on either side (before the swap)
    _touch_swapped(da, db_)
    _touch_swapped(db_, da)
    da.data, db_.data = db_.data, da.data
    da.expires, db_.expires = db_.expires, da.expires
    da._heap, db_._heap = db_._heap, da._heap
    server.dirty += 1
    # clients blocked on a key that now exists get a chance to be served
    blocking = server.blocking
    for d in (da, db_):
        for key in list(d.waiters):
            if key in d.data:
                blocking.signal(d, key)
    if blocking.ready:
        blocking.serve_ready()


def _touch_swapped(emptied: Any, other: Any) -> None:
    for key, clients in list(emptied.watched.items()):
        if key in emptied.data or key in other.data:
            for c in list(clients):
                c.dirty_cas = True


# -- DEBUG ----------------------------------------------------------------------------------------


@command(
    "DEBUG",
    arity=-2,
    flags="admin noscript loading stale",
    summary="A container for debugging commands",
    since="1.0.0",
    group="server",
    complexity="Depends on subcommand.",
    doc_flags="syscmd",
)
def debug(ctx: Client, sub: bytes, *args: bytes) -> Any:
    """DEBUG <subcommand> [args]: the subcommands test tools rely on."""
    name = sub.lower()
    handler = _DEBUG.get(name)
    if handler is None or not handler[1](len(args)):
        raise CommandError(
            f"ERR unknown subcommand or wrong number of arguments for "
            f"'{sub.decode('utf-8', 'surrogateescape')}'. Try DEBUG HELP."
        )
    return handler[0](ctx, *args)


def _debug_sleep(ctx: Client, seconds: bytes) -> Any:
    try:
        t = float(seconds)
    except ValueError:
        t = 0.0
    if t == t and t > 0:  # not NaN: the whole server sleeps, as Redis
        time.sleep(t)
    return OK


def _debug_object(ctx: Client, key: bytes) -> Any:
    db = ctx.db
    value = db.data.get(key)  # logically expired keys too, as Redis's DEBUG
    if value is None:
        raise CommandError("ERR no such key")
    registry = ctx.server.registry
    try:
        spec = registry.type_of(value)
        encoding = spec.encoding_of(value)
    except Exception:
        spec = None
        encoding = "raw"
    try:
        from ..dump import dump_value

        serialized = max(0, len(dump_value(registry, value)) - 10)
    except Exception:
        serialized = value_size(ctx.server, value)
    lru = int(ctx.server.clock.time()) & ((1 << 24) - 1)
    text = (
        f"Value at:{id(value):#x} refcount:1 encoding:{encoding} serializedlength:{serialized} "
        f"lru:{lru} lru_seconds_idle:0"
    )
    return SimpleString(text.encode())


def _debug_set_active_expire(ctx: Client, flag: bytes) -> Any:
    try:
        on = int(flag) != 0
    except ValueError:
        on = False
    server = ctx.server
    server.active_expiry = on
    # the core's expiry task calls server.active_expire_cycle(): make it a no-op while off
    if on:
        server.__dict__.pop("active_expire_cycle", None)
    else:
        server.__dict__["active_expire_cycle"] = lambda: 0
    return OK


def _digest_value(ctx: Client, value: Any, key: bytes, expire: int | None) -> bytes:
    """A SHA1 of a value's content (order-insensitive for sets, hashes and sorted sets)."""
    registry = ctx.server.registry
    try:
        spec = registry.type_of(value)
    except Exception:
        spec = None
    h = hashlib.sha1()
    if spec is not None and spec.to_rdb is not None:
        kind, plain = spec.to_rdb(spec.plain(value))
    elif isinstance(value, bytes):
        kind, plain = "string", value
    else:
        kind, plain = type(value).__name__, repr(value).encode()
    h.update(kind.encode() + b"\0")
    if kind == "string":
        h.update(plain)
    elif kind == "list":
        for item in plain:
            h.update(hashlib.sha1(item).digest())
    elif kind == "set":
        acc = bytes(20)
        for item in plain:
            acc = _xor(acc, hashlib.sha1(item).digest())
        h.update(acc)
    elif kind == "hash":
        acc = bytes(20)
        for f, v in plain.items():
            acc = _xor(acc, hashlib.sha1(f + b"\0" + v).digest())
        h.update(acc)
    elif kind == "zset":
        acc = bytes(20)
        for member, score in plain:
            acc = _xor(acc, hashlib.sha1(member + b"\0" + repr(float(score)).encode()).digest())
        h.update(acc)
    else:
        h.update(plain if isinstance(plain, bytes) else repr(plain).encode())
    if expire is not None:
        h.update(b"!!expire!!")
    return h.digest()


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _debug_digest(ctx: Client) -> Any:
    acc = bytes(20)
    empty = True
    for db in ctx.server.dbs:
        if not db.data:
            continue
        empty = False
        dbh = hashlib.sha1(b"db%d" % db.id).digest()
        acc = _xor(acc, dbh)
        for key, value in db.data.items():
            d = _digest_value(ctx, value, key, db.expires.get(key) if db.expires else None)
            acc = _xor(acc, hashlib.sha1(dbh + key + d).digest())
    return SimpleString(b"0" * 40 if empty else acc.hex().encode())


def _debug_digest_value(ctx: Client, *keys: bytes) -> Any:
    db = ctx.db
    out = []
    for key in keys:
        value = db.data.get(key)
        if value is None:
            out.append(SimpleString(b"0" * 40))
        else:
            d = _digest_value(ctx, value, key, None)
            out.append(SimpleString(d.hex().encode()))
    return out


def _debug_reload(ctx: Client, *opts: bytes) -> Any:
    save = True
    flush = True
    for o in opts:
        o = o.lower()
        if o == b"nosave":
            save = False
        elif o == b"noflush":
            flush = False
        elif o == b"merge":
            pass
        else:
            raise CommandError(
                "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
            )
    server = ctx.server
    persistence = getattr(server, "persistence", None)
    if persistence is None or not hasattr(persistence, "save") or not hasattr(persistence, "load"):
        raise CommandError("ERR DEBUG RELOAD needs the persistence layer, which is not available")
    if not flush:
        raise CommandError("ERR DEBUG RELOAD NOFLUSH is not supported by plugredis")
    if save:
        try:
            ok = persistence.save()
        except Exception as e:
            raise CommandError(f"ERR Error trying to save the DB: {e}")
        if ok is False:
            raise CommandError("ERR Error trying to save the DB")
    try:
        persistence.load()
    except Exception as e:
        log.error("DEBUG RELOAD: the reload failed: %s", e)
        raise CommandError("ERR Error trying to load the RDB dump, check server logs.")
    return OK


class RawReply:
    """A reply written as given: different bytes for RESP2 and RESP3 (DEBUG PROTOCOL)."""

    __slots__ = ("resp2", "resp3")

    def __init__(self, resp2: bytes, resp3: bytes) -> None:
        self.resp2 = resp2
        self.resp3 = resp3


def _enc_raw(v: RawReply, out: list[bytes], r3: bool) -> None:
    out.append(v.resp3 if r3 else v.resp2)


_ENCODERS[RawReply] = _enc_raw


def _debug_protocol(ctx: Client, kind: bytes) -> Any:
    k = kind.lower()
    if k == b"string":
        return b"Hello World"
    if k == b"integer":
        return 12345
    if k == b"double":
        return RawReply(b"$5\r\n3.141\r\n", b",3.141\r\n")
    if k == b"bignum":
        n = b"1234567999999999999999999999999999999"
        return RawReply(b"$%d\r\n%s\r\n" % (len(n), n), b"(%s\r\n" % n)
    if k == b"null":
        return None
    if k == b"array":
        return [0, 1, 2]
    if k == b"set":
        return RespSet([0, 1, 2])
    if k == b"map":
        return RawReply(
            b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
            b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
        )
    if k == b"attrib":
        tail = b"$39\r\nSome real reply following the attribute\r\n"
        attr = b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
        return RawReply(tail, attr + tail)
    if k == b"push":
        if not ctx.resp3:
            raise CommandError("ERR RESP2 is not supported by this command")
        ctx.push(Push([b"server-cpu-usage", 42]))
        return b"Some real reply following the push reply"
    if k == b"verbatim":
        return Verbatim(b"This is a verbatim\nstring")
    if k == b"true":
        return RawReply(b":1\r\n", b"#t\r\n")
    if k == b"false":
        return RawReply(b":0\r\n", b"#f\r\n")
    raise CommandError(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
    )


def _debug_error(ctx: Client, message: bytes) -> Any:
    raise CommandError(message.decode("utf-8", "surrogateescape"))


def _debug_log(ctx: Client, message: bytes) -> Any:
    log.warning("DEBUG LOG: %s", message.decode("utf-8", "replace"))
    return OK


def _debug_change_repl_id(ctx: Client) -> Any:
    ctx.server.run_id = os.urandom(20).hex()
    return OK


def _debug_help(ctx: Client) -> Any:
    return _help(
        (
            "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANGE-REPL-ID",
            "    Change the replication IDs of the instance.",
            "DIGEST",
            "    Output a hex signature representing the current DB content.",
            "DIGEST-VALUE <key> [<key> ...]",
            "    Output a hex signature of the values of all the specified keys.",
            "ERROR <string>",
            "    Return a Redis protocol error with <string> as message. Useful for clients",
            "    unit tests to simulate Redis errors.",
            "LOG <message>",
            "    Write <message> to the server log.",
            "OBJECT <key>",
            "    Show low level info about `key` and associated value.",
            "PROTOCOL <type>",
            "    Reply with a test value of the specified type. <type> can be: string,",
            "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
            "    true, false.",
            "RELOAD [option ...]",
            "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
            "    * MERGE: conflicting keys will be loaded from RDB.",
            "    * NOSAVE: the database will be loaded from an existing RDB file.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "HELP",
            "    Prints this help.",
        )
    )


def _n(n: int) -> Any:
    return lambda argc: argc == n


_DEBUG: dict[bytes, tuple[Any, Any]] = {
    b"help": (_debug_help, _n(0)),
    b"sleep": (_debug_sleep, _n(1)),
    b"object": (_debug_object, _n(1)),
    b"set-active-expire": (_debug_set_active_expire, _n(1)),
    b"digest": (_debug_digest, _n(0)),
    b"digest-value": (_debug_digest_value, lambda argc: True),
    b"reload": (_debug_reload, lambda argc: True),
    b"protocol": (_debug_protocol, _n(1)),
    b"error": (_debug_error, _n(1)),
    b"log": (_debug_log, _n(1)),
    b"change-repl-id": (_debug_change_repl_id, _n(0)),
}


@hookimpl
def register_commands(register: Any) -> None:
    # DEBUG is checked against enable-debug-command and MONITOR changes how the client is
    # served: both always take the dispatcher's slow path.
    for handler in (debug, monitor):
        handler.spec.slow = True  # type: ignore[attr-defined]
    register(sys.modules[__name__])


_ = ops_of
