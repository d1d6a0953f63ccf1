"""Built-in server commands: DBSIZE, FLUSHDB, FLUSHALL, TIME, INFO, CONFIG, MODULE."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time as _time
from typing import Any

from .. import __version__
from ..commands import CommandError, arg, command, container
from ..connection import Client
from ..glob import compile_glob, is_plain
from ..hookspecs import hookimpl
from ..resp import OK, Map, SimpleString, Verbatim


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
    """DBSIZE"""
    db = ctx.db
    if not db.expires:
        return len(db.data)
    return sum(1 for _ in db.iter_keys())


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
    ctx.db.flush()
    return OK


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
    """FLUSHALL [ASYNC|SYNC]"""
    _flush_mode(args)
    for db in ctx.server.dbs:
        db.flush()
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
ALL_EXTRA = ("commandstats", "latencystats")


def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def info_fields(ctx: Client, section: str) -> dict[str, Any] | None:
    """The fields of one built-in INFO section, or None if there is no such section."""
    from ..server import REDIS_VERSION

    server = ctx.server
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
            "gcc_version": "0.0.0",
            "process_id": os.getpid(),
            "process_supervised": "no",
            "run_id": server.run_id,
            "tcp_port": server.port,
            "server_time_usec": int(server.clock.time() * 1_000_000),
            "uptime_in_seconds": uptime,
            "uptime_in_days": uptime // 86400,
            "hz": 10,
            "configured_hz": 10,
            "lru_clock": int(_time.time()) & ((1 << 24) - 1),
            "executable": sys.argv[0] if sys.argv else "",
            "config_file": getattr(server, "config_file", "") or "",
            "io_threads_active": 0,
            "python_version": platform.python_version(),
        }
    if section == "clients":
        return {
            "connected_clients": len(server.clients),
            "cluster_connections": 0,
            "maxclients": server.maxclients,
            "client_recent_max_input_buffer": 0,
            "client_recent_max_output_buffer": 0,
            "blocked_clients": server.blocking.count,
            "tracking_clients": 0,
            "clients_in_timeout_table": server.blocking.count,
        }
    if section == "memory":
        rss = _rss()
        return {
            "used_memory": rss,
            "used_memory_human": _human(rss),
            "used_memory_rss": rss,
            "used_memory_rss_human": _human(rss),
            "used_memory_peak": rss,
            "maxmemory": 0,
            "maxmemory_human": "0B",
            "maxmemory_policy": "noeviction",
            "mem_allocator": "libc",
        }
    if section == "persistence":
        p = getattr(server, "persistence_info", None)
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
        if p is not None:
            fields.update(p())
        return fields
    if section == "stats":
        st = server.stats
        total = sum(s.calls for s in server.registry.commands.values())
        return {
            "total_connections_received": st.total_connections_received,
            "total_commands_processed": total,
            "instantaneous_ops_per_sec": 0,
            "rejected_connections": st.rejected_connections,
            "expired_keys": st.expired_keys,
            "evicted_keys": 0,
            "keyspace_hits": st.keyspace_hits,
            "keyspace_misses": st.keyspace_misses,
            "pubsub_channels": 0,
            "pubsub_patterns": 0,
            "total_error_replies": st.errors,
        }
    if section == "replication":
        return {
            "role": "master",
            "connected_slaves": 0,
            "master_failover_state": "no-failover",
            "master_replid": server.run_id,
            "master_repl_offset": 0,
        }
    if section == "cpu":
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "used_cpu_sys": f"{ru.ru_stime:.6f}",
            "used_cpu_user": f"{ru.ru_utime:.6f}",
        }
    if section == "modules":
        return {f"module:name={name}": None for name in server.plugin_names}
    if section == "errorstats":
        return {}
    if section == "cluster":
        return {"cluster_enabled": 0}
    if section == "keyspace":
        out: dict[str, Any] = {}
        for db in server.dbs:
            if db.data:
                keys = sum(1 for _ in db.iter_keys()) if db.expires else len(db.data)
                if keys:
                    out[f"db{db.id}"] = f"keys={keys},expires={len(db.expires)},avg_ttl=0"
        return out
    if section == "commandstats":
        out = {}
        for spec in sorted(server.registry.commands.values(), key=lambda s: s.name):
            for s in (spec, *spec.subcommands.values()):
                if s.calls or s.failed_calls or s.rejected_calls:
                    out[f"cmdstat_{s.name}"] = (
                        f"calls={s.calls},usec=0,usec_per_call=0.00,"
                        f"rejected_calls={s.rejected_calls},failed_calls={s.failed_calls}"
                    )
        return out
    if section == "latencystats":
        return {}
    return None


def _human(n: float) -> str:
    for unit in ("B", "K", "M", "G"):
        if n < 1024 or unit == "G":
            return f"{n:.2f}{unit}" if unit != "B" else f"{int(n)}B"
        n /= 1024
    return f"{n}"


def render_info(ctx: Client, sections: list[str]) -> str:
    extra = ctx.server.info_sections()
    wanted: list[str] = []
    for s in sections or ["default"]:
        s = s.lower()
        if s == "default":
            wanted += DEFAULT_SECTIONS
        elif s in ("all", "everything"):
            wanted += DEFAULT_SECTIONS + ALL_EXTRA
            wanted += [x for x in extra if x not in DEFAULT_SECTIONS + ALL_EXTRA]
        else:
            wanted.append(s)
    parts = []
    for s in dict.fromkeys(wanted):
        fields = info_fields(ctx, s)
        if s in extra:
            fields = {**(fields or {}), **extra[s]}
        if fields is None:
            continue
        lines = [f"# {s.capitalize() if s != 'cpu' else 'CPU'}"]
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
    aliases work); a glob pattern is matched against the canonical names.
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
            if name == param.name and param.name not in seen and match(name.encode()):
                seen.add(param.name)
                result[name.encode()] = param.get().encode()
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
    """CONFIG SET parameter value [parameter value ...]"""
    if len(args) % 2:
        raise CommandError("ERR wrong number of arguments for 'config|set' command")
    params = ctx.server.registry.config
    pairs = []
    seen = set()
    for i in range(0, len(args), 2):
        name = args[i].decode("utf-8", "surrogateescape").lower()
        param = params.get(name)
        if param is None:
            raise CommandError(
                f"ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
            )
        if param.set is None:
            raise CommandError(
                f"ERR CONFIG SET failed (possibly related to argument '{name}') - "
                "can't set immutable config"
            )
        if param.name in seen:
            raise CommandError(
                f"ERR CONFIG SET failed (possibly related to argument '{name}') - "
                "duplicate parameter"
            )
        seen.add(param.name)
        pairs.append((name, param, args[i + 1].decode("utf-8", "surrogateescape")))
    old = [(p, p.get()) for _, p, _ in pairs]
    for name, param, value in pairs:
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
                f"ERR CONFIG SET failed (possibly related to argument '{name}') - {e}"
            )
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
        "    Print this help.",
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
    """CONFIG REWRITE"""
    rewrite = getattr(ctx.server, "config_rewrite", None)
    if rewrite is None:
        raise CommandError("ERR The server is running without a config file")
    rewrite()
    return OK


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
        ver = installed[name].version if name in installed else None
        try:
            num = int("".join(f"{int(x):02d}" for x in (ver or "0").split(".")[:3]))
        except ValueError:
            num = 0
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
