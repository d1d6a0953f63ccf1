"""Built-in server commands: DBSIZE, FLUSHDB, FLUSHALL, TIME, INFO, CONFIG, MODULE.

Also the CONFIG parameters of the operational side (``timeout``, ``protected-mode``, ``hz``,
``maxmemory*``, ``slowlog-*``, ``latency-*``, ``client-output-buffer-limit``...), CONFIG REWRITE
to the ``--config`` file, and the operations cron (idle ``timeout``, instantaneous metrics).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import platform
import random
import resource
import sys
import time as _time
from typing import Any

from .. import __version__
from ..commands import CommandError, arg, command, container
from ..config import LOGLEVELS, loglevel_name, rewrite_config_file
from ..connection import OBUF_CLASSES, Client, ServerOps, ops_of
from ..glob import compile_glob, is_plain
from ..hookspecs import hookimpl
from ..resp import OK, Map, SimpleString, Verbatim
from . import parse_int

log = logging.getLogger("plugredis")


@command(
    "DBSIZE",
    arity=1,
    flags="readonly fast",
    acl="keyspace",
    summary="Return the number of keys in the selected database",
    since="1.0.0",
    group="server",
    complexity="O(1)",
    tips=["request_policy:all_shards", "response_policy:agg_sum"],
)
def dbsize(ctx: Client) -> int:
    """DBSIZE: keys in the database, as Redis counts them (expired ones not yet removed too)."""
    return len(ctx.db.data)


def _flush_mode(args: tuple[bytes, ...]) -> None:
    if len(args) > 1 or (args and args[0].lower() not in (b"async", b"sync")):
        raise CommandError("ERR syntax error")


@command(
    "FLUSHDB",
    arity=-1,
    flags="write",
    acl="keyspace dangerous",
    summary="Remove all keys from the current database",
    since="1.0.0",
    group="server",
    complexity="O(N) where N is the number of keys in the selected database",
    tips=["request_policy:all_shards", "response_policy:all_succeeded"],
    history=[
        ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
        ("6.2.0", "Added the `SYNC` flushing mode modifier."),
    ],
    arguments=[
        arg(
            "async",
            "oneof",
            optional=True,
            arguments=[
                arg("async", "pure-token", token="ASYNC", since="4.0.0"),
                arg("sync", "pure-token", token="SYNC", since="6.2.0"),
            ],
        ),
    ],
)
def flushdb(ctx: Client, *args: bytes) -> Any:
    """FLUSHDB [ASYNC|SYNC]"""
    _flush_mode(args)
    _flushing(ctx)
    ctx.db.flush()
    return OK


def _flushing(ctx: Client) -> None:
    """CLIENT TRACKING: a flush invalidates everything (one null message per client)."""
    tracker = ctx.ops.tracker
    if tracker is not None and tracker.clients:
        tracker.flush()


@command(
    "FLUSHALL",
    arity=-1,
    flags="write",
    acl="keyspace dangerous",
    summary="Remove all keys from all databases",
    since="1.0.0",
    group="server",
    complexity="O(N) where N is the total number of keys in all databases",
    tips=["request_policy:all_shards", "response_policy:all_succeeded"],
    history=[
        ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
        ("6.2.0", "Added the `SYNC` flushing mode modifier."),
    ],
    arguments=[
        arg(
            "async",
            "oneof",
            optional=True,
            arguments=[
                arg("async", "pure-token", token="ASYNC", since="4.0.0"),
                arg("sync", "pure-token", token="SYNC", since="6.2.0"),
            ],
        ),
    ],
)
def flushall(ctx: Client, *args: bytes) -> Any:
    """FLUSHALL [ASYNC|SYNC]: with save rules, an empty snapshot is saved at once (as Redis)."""
    _flush_mode(args)
    server = ctx.server
    _flushing(ctx)
    for db in server.dbs:
        db.flush()
    persistence = getattr(server, "persistence", None)
    if persistence is not None and getattr(server, "save_rule_pairs", None):
        dirty = server.dirty
        try:
            kill = getattr(persistence, "kill_child", None)
            if kill is not None and getattr(persistence, "child", None) is not None:
                kill()
            persistence.save()
        except Exception as e:
            log.warning("FLUSHALL: saving the empty dataset failed: %s", e)
        server.dirty = dirty
    server.dirty += 1
    return OK


@command(
    "TIME",
    arity=1,
    flags="loading stale fast",
    summary="Return the current server time",
    since="2.6.0",
    group="server",
    complexity="O(1)",
    tips=["nondeterministic_output"],
)
def time(ctx: Client) -> Any:
    """TIME: [unix seconds, microseconds] as bulk strings."""
    now = ctx.server.clock.time()
    sec = int(now)
    usec = round((now - sec) * 1_000_000)
    if usec >= 1_000_000:
        sec, usec = sec + 1, usec - 1_000_000
    return [str(sec).encode(), str(usec).encode()]


# -- replication: plugredis is always a master without replicas ----------------------------------


@command(
    "ROLE",
    arity=1,
    flags="noscript loading stale fast",
    acl="admin dangerous",
    summary="Return the role of the instance in the context of replication",
    since="2.8.12",
    group="server",
    complexity="O(1)",
)
def role(ctx: Client) -> Any:
    """ROLE: a master with replication offset 0 and no replicas."""
    return [b"master", 0, []]


_REPLICAOF_ARGS = [
    arg(
        "args",
        "oneof",
        arguments=[
            arg("host-port", "block", arguments=[arg("host", "string"), arg("port", "integer")]),
            arg(
                "no-one",
                "block",
                arguments=[
                    arg("no", "pure-token", token="NO"),
                    arg("one", "pure-token", token="ONE"),
                ],
            ),
        ],
    ),
]


def _replicaof(host: bytes, port: bytes) -> Any:
    if host.lower() == b"no" and port.lower() == b"one":
        return OK  # already a master: nothing to do, as Redis answers then
    try:
        p = parse_int(port)
    except CommandError:
        p = -1
    if not 0 <= p <= 65535:
        raise CommandError("ERR Invalid master port")
    raise CommandError("ERR plugredis does not replicate: only REPLICAOF NO ONE is supported")


@command(
    "REPLICAOF",
    arity=3,
    flags="admin noscript stale no_async_loading",
    summary="Make the server a replica of another instance, or promote it as master.",
    since="5.0.0",
    group="server",
    complexity="O(1)",
    arguments=_REPLICAOF_ARGS,
)
def replicaof(ctx: Client, host: bytes, port: bytes) -> Any:
    """REPLICAOF NO ONE (a no-op: plugredis is a master); a master address is refused."""
    return _replicaof(host, port)


@command(
    "SLAVEOF",
    arity=3,
    flags="admin noscript stale no_async_loading",
    summary="Make the server a replica of another instance, or promote it as master.",
    since="1.0.0",
    group="server",
    complexity="O(1)",
    doc_flags="deprecated",
    deprecated_since="5.0.0",
    replaced_by="`REPLICAOF`",
    arguments=_REPLICAOF_ARGS,
)
def slaveof(ctx: Client, host: bytes, port: bytes) -> Any:
    """SLAVEOF: the old name of REPLICAOF."""
    return _replicaof(host, port)


# -- LOLWUT ---------------------------------------------------------------------------------------


@command(
    "LOLWUT",
    arity=-1,
    flags="readonly fast",
    summary="Display some computer art and the Redis version",
    since="5.0.0",
    group="server",
    arguments=[arg("version", "integer", token="VERSION", optional=True)],
)
def lolwut(ctx: Client, *args: bytes) -> Any:
    """LOLWUT [VERSION v [...]]: Redis 7.0 prints its version; VERSION 5 draws Georg Nees's
    "Schotter" in Braille characters (VERSION 6's 8-bit skyline is not drawn: its captions are)."""
    from ..server import REDIS_VERSION

    ver = 0
    if len(args) >= 2 and args[0].lower() == b"version":
        ver = parse_int(args[1])
    tail = f"Redis ver. {REDIS_VERSION}\n"
    if ver == 5:
        nums = [parse_int(a) for a in args[2:5]]
        cols, per_row, per_col = (nums + [66, 8, 12][len(nums) :])[:3]
        cols = min(max(cols, 1), 1000)
        per_row = min(max(per_row, 1), 200)
        per_col = min(max(per_col, 1), 200)
        art = _schotter(cols, per_row, per_col)
        text = art + "\nGeorg Nees - schotter, plotter on paper, 1968. " + tail
    elif ver == 6:
        text = (
            "Dedicated to the 8 bit game developers of past and present.\n"
            "Original 8 bit image from Plaguemon by hikikomori. " + tail
        )
    else:
        text = tail
    return Verbatim(text.encode())


def _schotter(cols: int, per_row: int, per_col: int) -> str:
    """Squares that tilt and drift more and more down the page, drawn on a Braille canvas."""
    width = cols * 2
    pad = 2 if width > 4 else 0
    side = (width - pad * 2) / per_row
    height = int(side * per_col + pad * 2)
    pixels: set[tuple[int, int]] = set()

    def line(x0: int, y0: int, x1: int, y1: int) -> None:
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        while True:
            if 0 <= x0 < width and 0 <= y0 < height:  # the canvas clips
                pixels.add((x0, y0))
            if x0 == x1 and y0 == y1:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    for y in range(per_col):
        for x in range(per_row):
            cx = int(x * side + side / 2 + pad)
            cy = int(y * side + side / 2 + pad)
            angle = 0.0
            if y > 1:
                r1, r2, r3 = (random.random() / per_col * y * random.choice((1, -1)) for _ in "abc")
                angle = r1
                cx += int(r2 * side / 3)
                cy += int(r3 * side / 3)
            half = round(side / math.sqrt(2))
            corners = []
            a = angle + math.pi / 4
            for _ in range(4):
                corners.append((round(math.sin(a) * half) + cx, round(math.cos(a) * half) + cy))
                a += math.pi / 2
            for k in range(4):
                line(*corners[k], *corners[(k + 1) % 4])
    rows = []
    # Braille dot numbering: (dx, dy) of each dot and its bit
    bits = (
        (0, 0, 1), (0, 1, 2), (0, 2, 4), (1, 0, 8), (1, 1, 16), (1, 2, 32), (0, 3, 64), (1, 3, 128)
    )  # fmt: skip
    for y in range(0, height, 4):
        row = []
        for x in range(0, width, 2):
            b = sum(v for dx, dy, v in bits if (x + dx, y + dy) in pixels)
            row.append(chr(0x2800 + b))
        # a newline after each row but one ending exactly on the canvas's last pixel row
        rows.append("".join(row) + ("\n" if y != height - 1 else ""))
    return "".join(rows)


# -- INFO ---------------------------------------------------------------------------------------

DEFAULT_SECTIONS = (
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
)
#: INFO all / everything: Redis's order
ALL_SECTIONS = (
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
)
_TITLES = {"cpu": "CPU"}


def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _total_system_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError):
        return 0


#: keys measured per database to estimate the dataset size (INFO memory)
DATASET_SAMPLE = 256


def value_size(server: Any, value: Any) -> int:
    """An honest estimate in bytes of one stored value (MEMORY USAGE, INFO memory).

    Uses the type's ``memory`` callback when it has one, else walks the value with
    ``sys.getsizeof`` (containers, their items, and the items of those).
    """
    try:
        spec = server.registry.type_of(value)
    except Exception:
        spec = None
    if spec is not None and spec.memory is not None:
        try:
            return int(spec.memory(spec.plain(value)))
        except Exception:
            pass
    return deep_sizeof(value)


def deep_sizeof(value: Any, depth: int = 3) -> int:
    size = sys.getsizeof(value)
    if depth <= 0:
        return size
    if isinstance(value, dict):
        for k, v in value.items():
            size += deep_sizeof(k, depth - 1) + deep_sizeof(v, depth - 1)
    elif isinstance(value, list | tuple | set | frozenset) or (
        hasattr(value, "__iter__") and not isinstance(value, bytes | str | bytearray)
    ):
        try:
            for item in value:
                size += deep_sizeof(item, depth - 1)
        except TypeError:
            pass
    return size


def dataset_estimate(server: Any) -> int:
    """Bytes held by keys and values, estimated from a sample of each database."""
    total = 0
    for db in server.dbs:
        n = len(db.data)
        if not n:
            continue
        sample = 0
        measured = 0
        for key, value in db.data.items():
            sample += sys.getsizeof(key) + value_size(server, value) + 80  # entry overhead
            measured += 1
            if measured >= DATASET_SAMPLE:
                break
        total += sample * n // measured
        total += len(db.expires) * 80
    return total


def _percentile(hist: list[int], total: int, p: float) -> float:
    """The value at percentile ``p`` of a power-of-two histogram (bucket upper bound)."""
    want = max(1, -(-total * p // 100))
    seen = 0
    for bucket, count in enumerate(hist):
        seen += count
        if seen >= want:
            return float((1 << bucket) if bucket else 1)
    return float(1 << (len(hist) - 1))


def _human(n: float) -> str:
    if n < 1024:
        return f"{int(n)}B"
    for unit in ("K", "M", "G", "T", "P"):
        n /= 1024
        if n < 1024 or unit == "P":
            return f"{n:.2f}{unit}"
    return f"{n}"


def _mb(name: str) -> str:
    return name.replace(" ", "_")


def commandstats(server: Any) -> dict[str, str]:
    """cmdstat_<name> lines: every command and subcommand called (or refused) at least once."""
    ops = ops_of(server)
    untimed = ops.untimed_calls()
    out: dict[str, str] = {}
    for spec in server.registry.commands.values():
        specs = [spec] if spec.handler is not None else []
        specs += list(spec.subcommands.values())
        for s in specs:
            if s.calls or s.failed_calls or s.rejected_calls:
                usec = ops.estimated_usec(s, untimed)
                per = usec / s.calls if s.calls else 0.0
                out[f"cmdstat_{s.name}"] = (
                    f"calls={s.calls},usec={usec},usec_per_call={per:.2f},"
                    f"rejected_calls={s.rejected_calls},failed_calls={s.failed_calls}"
                )
    return out


def total_commands(server: Any) -> int:
    n = 0
    for spec in server.registry.commands.values():
        n += spec.calls
        for sub in spec.subcommands.values():
            n += sub.calls
    return n


def info_fields(ctx: Client, section: str) -> dict[str, Any] | None:
    """The fields of one built-in INFO section, or None if there is no such section."""
    from ..server import REDIS_VERSION

    server = ctx.server
    ops = ops_of(server)
    ps: Any = ops.pubsub  # the pub/sub plugin's state, when it is loaded
    if section == "server":
        uptime = int(server.uptime)
        return {
            "redis_version": REDIS_VERSION,
            "plugredis_version": __version__,
            "redis_git_sha1": "00000000",
            "redis_git_dirty": 0,
            "redis_build_id": "0",
            "redis_mode": "standalone",
            "os": f"{platform.system()} {platform.release()} {platform.machine()}",
            "arch_bits": 64 if sys.maxsize > 2**32 else 32,
            "monotonic_clock": "POSIX clock_gettime",
            "multiplexing_api": "epoll" if sys.platform.startswith("linux") else "kqueue",
            "atomicvar_api": "python",
            "gcc_version": "0.0.0",
            "python_version": platform.python_version(),
            "process_id": os.getpid(),
            "process_supervised": "no",
            "run_id": server.run_id,
            "tcp_port": server.port,
            "server_time_usec": int(server.clock.time() * 1_000_000),
            "uptime_in_seconds": uptime,
            "uptime_in_days": uptime // 86400,
            "hz": ops.hz,
            "configured_hz": ops.hz,
            "lru_clock": int(_time.time()) & ((1 << 24) - 1),
            "executable": os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else "",
            "config_file": str(server.config_file.resolve()) if server.config_file else "",
            "io_threads_active": 0,
        }
    if section == "clients":
        max_in = max_out = 0
        tracking = 0
        for c in server.clients.values():
            p = c.protocol
            if p is not None:
                max_in = max(max_in, p.query_buffer_size())
                max_out = max(max_out, p.output_buffer_size())
            if c.tracking is not None:
                tracking += 1
        blocked = server.blocking.count + len(ops.postponed)
        return {
            "connected_clients": len(server.clients),
            "cluster_connections": 0,
            "maxclients": server.maxclients,
            "client_recent_max_input_buffer": max_in,
            "client_recent_max_output_buffer": max_out,
            "blocked_clients": blocked,
            "tracking_clients": tracking,
            "clients_in_timeout_table": server.blocking.count,
        }
    if section == "memory":
        rss = _rss()
        ops.peak_rss = max(getattr(ops, "peak_rss", 0), rss)
        peak = ops.peak_rss
        dataset = min(dataset_estimate(server), rss)
        startup = getattr(ops, "startup_rss", rss)
        system = _total_system_memory()
        return {
            "used_memory": rss,
            "used_memory_human": _human(rss),
            "used_memory_rss": rss,
            "used_memory_rss_human": _human(rss),
            "used_memory_peak": peak,
            "used_memory_peak_human": _human(peak),
            "used_memory_peak_perc": f"{rss * 100 / peak:.2f}%" if peak else "0.00%",
            "used_memory_overhead": max(0, rss - dataset),
            "used_memory_startup": startup,
            "used_memory_dataset": dataset,
            "used_memory_dataset_perc": f"{dataset * 100 / rss:.2f}%" if rss else "0.00%",
            "total_system_memory": system,
            "total_system_memory_human": _human(system),
            "maxmemory": ops.maxmemory,
            "maxmemory_human": _human(ops.maxmemory),
            "maxmemory_policy": ops.maxmemory_policy,
            "mem_fragmentation_ratio": "1.00",
            "mem_allocator": "libc",
            "lazyfree_pending_objects": 0,
            "lazyfreed_objects": 0,
        }
    if section == "persistence":
        p = getattr(server, "persistence_info", None)
        if p is not None:
            return dict(p())
        fields: dict[str, Any] = {
            "loading": 0,
            "async_loading": 0,
            "rdb_changes_since_last_save": server.dirty,
            "rdb_bgsave_in_progress": 0,
            "rdb_last_save_time": int(server.started_at),
            "rdb_last_bgsave_status": "ok",
            "aof_enabled": 0,
            "aof_rewrite_in_progress": 0,
        }
        return fields
    if section == "stats":
        st = server.stats
        n_ops = len(ops.ops_samples)
        return {
            "total_connections_received": st.total_connections_received,
            "total_commands_processed": total_commands(server),
            "instantaneous_ops_per_sec": sum(ops.ops_samples) // n_ops if n_ops else 0,
            "rejected_connections": st.rejected_connections,
            "expired_keys": st.expired_keys,
            "evicted_keys": 0,
            "evicted_clients": 0,
            "keyspace_hits": st.keyspace_hits,
            "keyspace_misses": st.keyspace_misses,
            "pubsub_channels": len(ps.channels) if ps is not None else 0,
            "pubsub_patterns": len(ps.patterns) if ps is not None else 0,
            "pubsubshard_channels": len(ps.shard) if ps is not None else 0,
            "tracking_total_keys": len(ops.tracker.table) if ops.tracker is not None else 0,
            "unexpected_error_replies": 0,
            "total_error_replies": st.errors,
        }
    if section == "replication":
        return {
            "role": "master",
            "connected_slaves": 0,
            "master_failover_state": "no-failover",
            "master_replid": server.run_id,
            "master_replid2": "0" * 40,
            "master_repl_offset": 0,
            "second_repl_offset": -1,
            "repl_backlog_active": 0,
            "repl_backlog_size": 1048576,
            "repl_backlog_first_byte_offset": 0,
            "repl_backlog_histlen": 0,
        }
    if section == "cpu":
        ru = resource.getrusage(resource.RUSAGE_SELF)
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            th = resource.getrusage(resource.RUSAGE_THREAD)
        except (AttributeError, ValueError, OSError):
            th = ru
        return {
            "used_cpu_sys": f"{ru.ru_stime:.6f}",
            "used_cpu_user": f"{ru.ru_utime:.6f}",
            "used_cpu_sys_children": f"{ch.ru_stime:.6f}",
            "used_cpu_user_children": f"{ch.ru_utime:.6f}",
            "used_cpu_sys_main_thread": f"{th.ru_stime:.6f}",
            "used_cpu_user_main_thread": f"{th.ru_utime:.6f}",
        }
    if section == "modules":
        from ..plugins import installed_plugins

        installed = installed_plugins()
        out: dict[str, Any] = {}
        for name in server.plugin_names:
            ver = _module_version(installed[name].version if name in installed else None)
            out[f"module:name={name},ver={ver},api=1,filters=0,usedby=[],using=[],options=[]"] = (
                None
            )
        return out
    if section == "errorstats":
        if ops.errorstats_disabled:
            return {"errorstat_ERRORSTATS_DISABLED": "count=1"}
        return {f"errorstat_{k}": f"count={v}" for k, v in ops.errorstats.items()}
    if section == "cluster":
        return {"cluster_enabled": 0}
    if section == "keyspace":
        out = {}
        now = server.clock.ms()
        for db in server.dbs:
            if db.data:
                avg = 0
                if db.expires:
                    ttls = [w - now for _, w in zip(range(1000), db.expires.values(), strict=False)]
                    ttls = [t for t in ttls if t > 0]
                    avg = sum(ttls) // len(ttls) if ttls else 0
                out[f"db{db.id}"] = f"keys={len(db.data)},expires={len(db.expires)},avg_ttl={avg}"
        return out
    if section == "commandstats":
        return dict(commandstats(server))
    if section == "latencystats":
        out = {}
        if not ops.latency_tracking:
            return out
        for name, hist in ops.histograms().items():
            total = sum(hist)
            if not total:
                continue
            parts = [
                f"p{_fmt_pct(p)}={_percentile(hist, total, p):.3f}" for p in ops.latency_percentiles
            ]
            out[f"latency_percentiles_usec_{name}"] = ",".join(parts)
        return out
    return None


def _fmt_pct(p: float) -> str:
    return f"{p:g}"


def _module_version(ver: str | None) -> int:
    try:
        parts = [int(x) for x in (ver or "0").split(".")[:3]]
    except ValueError:
        return 0
    while len(parts) < 3:
        parts.append(0)
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


def render_info(ctx: Client, sections: list[str]) -> str:
    extra = ctx.server.info_sections()
    wanted: list[str] = []
    for s in sections or ["default"]:
        s = s.lower()
        if s == "default":
            wanted += DEFAULT_SECTIONS
        elif s in ("all", "everything"):
            wanted += ALL_SECTIONS
            wanted += [x for x in extra if x not in ALL_SECTIONS]
        else:
            wanted.append(s)
    parts = []
    for s in dict.fromkeys(wanted):
        fields = info_fields(ctx, s)
        if s in extra:
            fields = {**(fields or {}), **extra[s]}
        if fields is None:
            continue
        lines = [f"# {_TITLES.get(s, s.capitalize())}"]
        for k, v in fields.items():
            lines.append(k if v is None else f"{k}:{v}")
        parts.append("\r\n".join(lines) + "\r\n")
    return "\r\n".join(parts)


@command(
    "INFO",
    arity=-1,
    flags="loading stale",
    acl="dangerous",
    summary="Get information and statistics about the server",
    since="1.0.0",
    group="server",
    complexity="O(1)",
    tips=["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
    history=[("7.0.0", "Added support for taking multiple section arguments.")],
    arguments=[
        arg("section", "string", optional=True, multiple=True),
    ],
)
def info(ctx: Client, *sections: bytes) -> Any:
    """INFO [section ...]"""
    return Verbatim(
        render_info(ctx, [s.decode("utf-8", "surrogateescape") for s in sections]).encode()
    )


# -- CONFIG -------------------------------------------------------------------------------------


CONFIG = container(
    "config",
    arity=-2,
    summary="A container for server configuration commands",
    since="2.0.0",
    group="server",
    complexity="Depends on subcommand.",
)


@CONFIG.subcommand(
    "GET",
    arity=-3,
    flags="admin noscript loading stale",
    summary="Get the values of configuration parameters",
    since="2.0.0",
    group="server",
    complexity="O(N) when N is the number of configuration parameters provided",
    history=[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")],
    arguments=[
        arg(
            "parameter",
            "block",
            multiple=True,
            arguments=[
                arg("parameter", "string"),
            ],
        ),
    ],
)
def config_get(ctx: Client, *patterns: bytes) -> Any:
    """CONFIG GET parameter [parameter ...]

    A plain name is looked up directly and answered with the name as the client wrote it (so
    aliases work); a glob pattern is matched against every name, aliases included, except the
    hidden testing knobs (as Redis).
    """
    params = ctx.server.registry.config
    result: dict[bytes, bytes] = {}
    seen: set[str] = set()
    for raw in patterns:
        text = raw.decode("utf-8", "surrogateescape")
        if is_plain(raw):
            param = params.get(text.lower())
            if param is not None and param.name not in seen:
                seen.add(param.name)
                result[raw] = param.get().encode()
            continue
        match = compile_glob(raw, nocase=True)
        for name, param in params.items():
            key = name.encode()
            if key not in result and name not in HIDDEN_CONFIG and match(key):
                seen.add(param.name)
                result[key] = param.get().encode()
    return Map(result)


@CONFIG.subcommand(
    "SET",
    arity=-4,
    flags="admin noscript loading stale",
    summary="Set configuration parameters to the given values",
    since="2.0.0",
    group="server",
    complexity="O(N) when N is the number of configuration parameters provided",
    tips=["request_policy:all_nodes", "response_policy:all_succeeded"],
    history=[("7.0.0", "Added the ability to set multiple parameters in one call.")],
    arguments=[
        arg(
            "parameter_value",
            "block",
            multiple=True,
            arguments=[
                arg("parameter", "string"),
                arg("value", "string"),
            ],
        ),
    ],
)
def config_set(ctx: Client, *args: bytes) -> Any:
    """CONFIG SET parameter value [parameter value ...] (all or nothing, as Redis)"""
    if len(args) % 2:
        raise CommandError("ERR syntax error")
    params = ctx.server.registry.config
    pairs = []
    seen = set()
    for i in range(0, len(args), 2):
        given = args[i].decode("utf-8", "surrogateescape")
        param = params.get(given.lower())
        if param is None:
            raise CommandError(
                f"ERR Unknown option or number of arguments for CONFIG SET - '{given}'"
            )
        if param.set is None:
            raise CommandError(
                f"ERR CONFIG SET failed (possibly related to argument '{given}') - "
                "can't set immutable config"
            )
        if param.name in seen:
            raise CommandError(
                f"ERR CONFIG SET failed (possibly related to argument '{given}') - "
                "duplicate parameter"
            )
        seen.add(param.name)
        pairs.append((param, args[i + 1].decode("utf-8", "surrogateescape")))
    old = [(p, p.get()) for p, _ in pairs]
    for param, value in pairs:
        try:
            assert param.set is not None
            param.set(value)
        except ValueError as e:
            for p, v in old:  # all or nothing, as Redis
                try:
                    if p.set is not None:
                        p.set(v)
                except ValueError:
                    pass
            raise CommandError(
                f"ERR CONFIG SET failed (possibly related to argument '{param.name}') - {e}"
            )
    ops_of(ctx.server).config_gen += 1  # connections re-read the limits they cache
    return OK


@CONFIG.subcommand(
    "RESETSTAT",
    arity=2,
    flags="admin noscript loading stale",
    summary="Reset the stats returned by INFO",
    since="2.0.0",
    group="server",
    complexity="O(1)",
)
def config_resetstat(ctx: Client) -> Any:
    """CONFIG RESETSTAT"""
    server = ctx.server
    st = server.stats
    st.keyspace_hits = st.keyspace_misses = st.expired_keys = st.errors = 0
    st.rejected_connections = st.total_connections_received = 0
    for spec in server.registry.commands.values():
        for s in (spec, *spec.subcommands.values()):
            s.calls = s.failed_calls = s.rejected_calls = 0
    ops_of(server).reset_stats()
    CONFIG.subcommands["resetstat"].calls = 1  # this very call (Redis counts it afterwards)
    return OK


@CONFIG.subcommand(
    "HELP",
    arity=2,
    flags="loading stale",
    summary="Show helpful text about the different subcommands",
    since="5.0.0",
    group="server",
    complexity="O(1)",
)
def config_help(ctx: Client) -> Any:
    """CONFIG HELP"""
    lines = [
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    ]
    return [SimpleString(line.encode()) for line in lines]


@CONFIG.subcommand(
    "REWRITE",
    arity=2,
    flags="admin noscript loading stale",
    summary="Rewrite the configuration file with the in memory configuration",
    since="2.8.0",
    group="server",
    complexity="O(1)",
)
def config_rewrite(ctx: Client) -> Any:
    """CONFIG REWRITE: the --config file updated with the current values (comments kept)."""
    server = ctx.server
    path = server.config_file
    if path is None:
        raise CommandError("ERR The server is running without a config file")
    try:
        rewrite_config_file(path, current_config(server), ops_of(server).config_defaults)
    except OSError as e:
        log.warning("CONFIG REWRITE failed: %s", e)
        raise CommandError(f"ERR Rewriting config file: {e.strerror or e}")
    log.info("CONFIG REWRITE executed with success.")
    return OK


def current_config(server: Any) -> dict[str, str]:
    """Canonical parameter name -> current value, for every registered parameter."""
    out: dict[str, str] = {}
    for name, param in server.registry.config.items():
        if name == param.name:
            try:
                out[name] = param.get()
            except Exception:
                continue
    return out


# -- parameters ---------------------------------------------------------------------------------

#: parameters only CONFIG GET of their exact name shows (Redis's HIDDEN_CONFIG: testing knobs)
HIDDEN_CONFIG = frozenset({"rdb-key-save-delay"})

#: Redis's defaults for the parameters whose values do not come from the command line
STATIC_DEFAULTS = {
    "port": "6379",
    "bind": "127.0.0.1",
    "databases": "16",
    "requirepass": "",
    "maxclients": "10000",
    "dbfilename": "dump.rdb",
    "appendonly": "no",
    "proto-max-bulk-len": "536870912",
    "client-query-buffer-limit": "1073741824",
    "timeout": "0",
    "protected-mode": "yes",
}


def _int_setter(apply: Any, lo: int, hi: int) -> Any:
    def setter(v: str) -> None:
        n = _strict_int(v)
        if n is None:
            raise ValueError("argument couldn't be parsed into an integer")
        if not lo <= n <= hi:
            raise ValueError(f"argument must be between {lo} and {hi} inclusive")
        apply(n)

    return setter


def _strict_int(v: str) -> int | None:
    try:
        return parse_int(v.encode("utf-8", "surrogateescape"))
    except CommandError:
        return None


def _bool_setter(apply: Any) -> Any:
    def setter(v: str) -> None:
        b = v.lower()
        if b not in ("yes", "no"):
            raise ValueError("argument must be 'yes' or 'no'")
        apply(b == "yes")

    return setter


_MEM_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1024,
    "m": 1000**2,
    "mb": 1024**2,
    "g": 1000**3,
    "gb": 1024**3,
}


def parse_memory(v: str) -> int | None:
    """A Redis memory value (``100mb``, ``1gb``, ``512k``, ``42``), None if it is not one."""
    i = 0
    while i < len(v) and v[i].isdigit() and v[i].isascii():
        i += 1
    mul = _MEM_UNITS.get(v[i:].lower())
    if mul is None:
        return None
    n = int(v[:i]) if i else 0
    n *= mul
    return n if n < 2**64 else None


def _memory_setter(apply: Any) -> Any:
    def setter(v: str) -> None:
        n = parse_memory(v)
        if n is None:
            raise ValueError("argument must be a memory value")
        apply(n)

    return setter


def _get_loglevel() -> str:
    """CONFIG GET loglevel: the process's logging level (``--loglevel`` or CONFIG SET)."""
    level = logging.getLogger().getEffectiveLevel()
    if LOGLEVELS.get(loglevel_name[0]) == level:
        return loglevel_name[0]
    for name, value in LOGLEVELS.items():
        if value >= level:
            return name
    return "nothing"


def _set_loglevel(v: str) -> None:
    name = v.lower()
    if name not in LOGLEVELS or name == "nothing":  # Redis 7.0 has no "nothing"
        raise ValueError(
            "argument(s) must be one of the following: debug, verbose, notice, warning"
        )
    loglevel_name[0] = name
    logging.getLogger().setLevel(LOGLEVELS[name])


MAXMEMORY_POLICIES = (
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
)


def _obuf_get(ops: ServerOps) -> str:
    return " ".join(
        f"{cls} {ops.obuf_limits[cls][0]} {ops.obuf_limits[cls][1]} {ops.obuf_limits[cls][2]}"
        for cls in OBUF_CLASSES
    )


def _obuf_set(ops: ServerOps, v: str) -> None:
    args = v.split()
    if not args or len(args) % 4:
        raise ValueError("Wrong number of arguments in buffer limit configuration.")
    new = dict(ops.obuf_limits)
    for i in range(0, len(args), 4):
        cls = args[i].lower()
        if cls == "replica":
            cls = "slave"
        if cls not in new:
            raise ValueError("Invalid client class specified in buffer limit configuration.")
        hard = parse_memory(args[i + 1])
        soft = parse_memory(args[i + 2])
        secs = _strict_int(args[i + 3])
        if hard is None or soft is None or secs is None or secs < 0:
            raise ValueError(
                "Error in hard, soft or soft_seconds setting in buffer limit configuration."
            )
        new[cls] = (hard, soft, secs)
    ops.obuf_limits = new
    ops.obuf_normal = any(new["normal"][:2])


def _percentiles_set(ops: ServerOps, v: str) -> None:
    values = []
    for part in v.split():
        try:
            f = float(part)
        except ValueError:
            raise ValueError("Invalid latency-tracking-info-percentiles parameters")
        if f != f or not 0.0 <= f <= 100.0:
            raise ValueError(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
            )
        values.append(f)
    ops.latency_percentiles = values


def _debug_setter(server: Any, ops: ServerOps) -> Any:
    def setter(v: str) -> None:
        if server._listeners:  # immutable once serving (config file and start-up only)
            raise ValueError("can't set immutable config")
        b = v.lower()
        if b not in ("yes", "no", "local"):
            raise ValueError("argument(s) must be one of the following: no, yes, local")
        ops.enable_debug = b

    return setter


@hookimpl
def register_config(register: Any, server: Any) -> None:
    """The parameters of the operational commands (timeouts, limits, slow log, latency...)."""
    ops = ops_of(server)

    def set_attr(obj: Any, attr: str) -> Any:
        return lambda v: setattr(obj, attr, v)

    def set_slowlog_threshold(v: int) -> None:
        ops.slowlog_threshold = v
        ops.update_alert()
        ops.update_slow()

    def set_latency_threshold(v: int) -> None:
        ops.latency_threshold = v
        ops.update_alert()

    def set_slowlog_max_len(v: int) -> None:
        ops.slowlog_max_len = v
        while len(ops.slowlog) > v:
            ops.slowlog.pop()

    def set_hz(v: int) -> None:
        ops.hz = min(max(v, 1), 500)

    def set_policy(v: str) -> None:
        p = v.lower()
        if p not in MAXMEMORY_POLICIES:
            raise ValueError(
                "argument(s) must be one of the following: " + ", ".join(MAXMEMORY_POLICIES)
            )
        ops.maxmemory_policy = p

    def yes_no(b: bool) -> str:
        return "yes" if b else "no"

    register(
        "timeout",
        lambda: str(server.timeout),
        _int_setter(set_attr(server, "timeout"), 0, 2**31 - 1),
    )
    register(
        "protected-mode",
        lambda: yes_no(server.protected_mode),
        _bool_setter(set_attr(server, "protected_mode")),
    )
    register("hz", lambda: str(ops.hz), _int_setter(set_hz, 0, 2**31 - 1))
    register("maxmemory", lambda: str(ops.maxmemory), _memory_setter(set_attr(ops, "maxmemory")))
    register("maxmemory-policy", lambda: ops.maxmemory_policy, set_policy)
    register("loglevel", _get_loglevel, _set_loglevel)
    register(
        "maxmemory-samples",
        lambda: str(ops.maxmemory_samples),
        _int_setter(set_attr(ops, "maxmemory_samples"), 1, 2**31 - 1),
    )
    register(
        "slowlog-log-slower-than",
        lambda: str(ops.slowlog_threshold),
        _int_setter(set_slowlog_threshold, -1, 2**63 - 1),
    )
    register(
        "slowlog-max-len",
        lambda: str(ops.slowlog_max_len),
        _int_setter(set_slowlog_max_len, 0, 2**63 - 1),
    )
    register(
        "latency-monitor-threshold",
        lambda: str(ops.latency_threshold),
        _int_setter(set_latency_threshold, 0, 2**63 - 1),
    )
    register(
        "latency-tracking",
        lambda: yes_no(ops.latency_tracking),
        _bool_setter(ops.set_latency_tracking),
    )
    register(
        "latency-tracking-info-percentiles",
        lambda: " ".join(f"{p:g}" for p in ops.latency_percentiles),
        lambda v: _percentiles_set(ops, v),
    )
    register(
        "client-output-buffer-limit",
        lambda: _obuf_get(ops),
        lambda v: _obuf_set(ops, v),
    )
    register(
        "busy-reply-threshold",
        lambda: str(ops.busy_reply_threshold),
        _int_setter(set_attr(ops, "busy_reply_threshold"), 0, 2**63 - 1),
        aliases=("lua-time-limit",),
    )
    register(
        "tcp-keepalive",
        lambda: str(ops.tcp_keepalive),
        _int_setter(set_attr(ops, "tcp_keepalive"), 0, 2**31 - 1),
    )
    register("enable-debug-command", lambda: ops.enable_debug, _debug_setter(server, ops))
    # what CONFIG REWRITE compares with: Redis's defaults, else the value at assembly time
    for name, param in server.registry.config.items():
        if name == param.name:
            ops.config_defaults.setdefault(name, STATIC_DEFAULTS.get(name) or param.get())


@hookimpl
def server_started(server: Any) -> None:
    """Record the start-up state and start the operational cron (idle timeout, samples)."""
    ops = ops_of(server)
    for name, param in server.registry.config.items():
        if name == param.name and name not in ops.config_defaults:
            default = getattr(param, "default", None)
            if default is not None:  # a typed plugin parameter declares its default
                if isinstance(default, bool):
                    default = "yes" if default else "no"
                ops.config_defaults[name] = str(default)
                continue
            try:
                ops.config_defaults[name] = param.get()
            except Exception:
                pass
    ops.startup_rss = ops.peak_rss = _rss()
    ops.tasks.append(server.loop.create_task(_ops_cron(server)))


@hookimpl
def server_stopping(server: Any) -> None:
    ops = ops_of(server)
    for task in ops.tasks:
        task.cancel()
    ops.tasks.clear()
    if ops.pause_handle is not None:
        ops.pause_handle.cancel()
        ops.pause_handle = None


async def _ops_cron(server: Any) -> None:
    """About ``hz`` times a second: throughput samples; once a second: idle client timeout."""
    ops = ops_of(server)
    last_timeout_check = 0.0
    while True:
        await asyncio.sleep(1 / max(1, min(ops.hz, 10)))
        try:
            now = _time.monotonic()
            ops.sample(now, total_commands(server))
            if server.timeout and now - last_timeout_check >= 1.0:
                last_timeout_check = now
                close_idle_clients(server)
        except Exception:
            log.exception("the operations cron failed")


def close_idle_clients(server: Any) -> int:
    """Close clients idle longer than ``timeout`` seconds (not blocked, pub/sub or MONITOR)."""
    limit_ms = server.timeout * 1000
    now = server.clock.ms()
    closed = 0
    for c in list(server.clients.values()):
        if c.block_state is not None or c.postponed or c.monitor or c.is_pubsub():
            continue
        if now - c.last_interaction > limit_ms and c.protocol is not None:
            log.debug("Closing idle client %s", c.addr)
            c.protocol.close()
            closed += 1
    return closed


# -- MODULE -------------------------------------------------------------------------------------

MODULE = container(
    "module",
    arity=-2,
    summary="A container for module commands",
    since="4.0.0",
    group="server",
    complexity="Depends on subcommand.",
)


@MODULE.subcommand(
    "LIST",
    arity=2,
    flags="admin noscript",
    summary="List all modules loaded by the server",
    since="4.0.0",
    group="server",
    complexity="O(N) where N is the number of loaded modules.",
    tips=["nondeterministic_output_order"],
)
def module_list(ctx: Client) -> Any:
    """MODULE LIST: the loaded plugins, as Redis lists modules."""
    from ..plugins import installed_plugins

    installed = installed_plugins()
    out = []
    for name in ctx.server.plugin_names:
        num = _module_version(installed[name].version if name in installed else None)
        out.append(Map({"name": name.encode(), "ver": num, "path": b"", "args": []}))
    return out


@MODULE.subcommand(
    "HELP",
    arity=2,
    flags="loading stale",
    summary="Show helpful text about the different subcommands",
    since="5.0.0",
    group="server",
    complexity="O(1)",
)
def module_help(ctx: Client) -> Any:
    """MODULE HELP"""
    lines = [
        "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LIST",
        "    Return a list of loaded modules (plugredis: the loaded plugins).",
        "LOAD <path> [<arg> ...]",
        "    plugredis loads plugins at start-up (--plugins); not at run time.",
        "HELP",
        "    Print this help.",
    ]
    return [SimpleString(line.encode()) for line in lines]


@MODULE.subcommand(
    "LOAD",
    arity=-3,
    flags="admin noscript no_async_loading",
    summary="Load a module",
    since="4.0.0",
    group="server",
    complexity="O(1)",
    arguments=[
        arg("path", "string"),
        arg("arg", "string", optional=True, multiple=True),
    ],
)
def module_load(ctx: Client, *args: bytes) -> Any:
    """MODULE LOAD: plugins are chosen at start-up."""
    raise CommandError("ERR Error loading the extension. Please check the server logs.")


@MODULE.subcommand(
    "UNLOAD",
    arity=3,
    flags="admin noscript no_async_loading",
    summary="Unload a module",
    since="4.0.0",
    group="server",
    complexity="O(1)",
    arguments=[
        arg("name", "string"),
    ],
)
def module_unload(ctx: Client, name: bytes) -> Any:
    """MODULE UNLOAD: plugins are chosen at start-up."""
    raise CommandError("ERR Error unloading module: no such module with that name")


@hookimpl
def register_commands(register: Any) -> None:
    register(sys.modules[__name__])


_ = command, container
