"""The server: assembles plugins into registries, listens, runs background tasks, shuts down.

Assembly happens once, in ``Server.__init__``: a fresh plugin manager (built-ins + the selected
installed plugins + in-test extras), then ``register_types``, ``register_commands`` and
``register_config`` called plugin by plugin with a ``register`` callback bound to that plugin's
name.  After that no hook runs per command.

Lifecycle and persistence (see :mod:`plugredis.persistence.snapshot`):

- :meth:`Server.start` loads ``<dir>/<dbfilename>`` *before* listening; a file that cannot be
  loaded raises :class:`~plugredis.persistence.snapshot.LoadError` (the CLI exits non-zero and
  the file is never overwritten).
- A background task runs about 10 times a second: it reaps a finished BGSAVE child and starts a
  background save every ``save_interval`` seconds when anything changed (0 disables the timer)
  or when a Redis-style ``save`` rule (``"<seconds> <changes> ..."``) is met.
- SIGINT, SIGTERM and SHUTDOWN save first (when snapshots are enabled: a timer or a rule); if
  that save fails the server keeps running, as Redis does, so no acknowledged write is lost.
  :meth:`Server.stop` (tests, embedding) saves too unless that already happened, but always stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from ._cext import speedups as _c
from .args import config_memory, parse_int
from .blocking import Blocking
from .clock import Clock
from .commands import CommandError
from .connection import Client, ops_of
from .keyspace import Database
from .persistence.snapshot import LoadError, Persistence, check_save_rules, format_save_rules
from .plugins import build_plugin_manager
from .protocol import RedisProtocol
from .registry import Registry, RegistryError
from .resp import CLIENT_MAX_QUERYBUF_LEN, PROTO_MAX_BULK_LEN

__all__ = ["REDIS_VERSION", "LoadError", "Server", "Stats"]

log = logging.getLogger("plugredis")

#: The Redis version whose behaviour plugredis follows (reported in INFO and HELLO).
REDIS_VERSION = "7.0.15"

#: Unpacked small values left to the cron at most (see :meth:`Server.loosen`)
LOOSE_MAX = 1024

#: Active expiry runs this many times a second (Redis's ``hz``).
HZ = 10


class Stats:
    """Counters for INFO stats; each costs one integer add where it is counted (the C twins
    of handlers add to them through their ``__slots__``)."""

    __slots__ = (
        "errors",
        "expired_keys",
        "keyspace_hits",
        "keyspace_misses",
        "rejected_connections",
        "total_connections_received",
    )

    def __init__(self) -> None:
        self.total_connections_received = 0
        self.rejected_connections = 0
        self.expired_keys = 0
        self.keyspace_hits = 0
        self.keyspace_misses = 0
        self.errors = 0


class Server:
    """One plugredis server: its plugins, its keyspace and (once started) its listener."""

    #: the attributes the C helpers read or write on every request have slots (the rest of
    #: the state is in the instance dict)
    __slots__ = ("__dict__", "__weakref__", "blocking", "dirty", "now_ms", "stats")

    def __init__(
        self,
        *,
        bind: str | Sequence[str] = "127.0.0.1",
        port: int = 6379,
        databases: int = 16,
        plugins: Sequence[str] | None = None,
        extra_plugins: Iterable[Any] = (),
        clock: Clock | None = None,
        maxclients: int = 10000,
        requirepass: str | None = None,
        save_interval: int = 300,
        dir: str | os.PathLike[str] = ".",
        dbfilename: str = "dump.rdb",
        active_expiry: bool = True,
        protected_mode: bool = True,
        timeout: int = 0,
        config_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self.bind = [bind] if isinstance(bind, str) else list(bind)
        self.port = port
        self.clock = clock or Clock()
        self.now_ms = self.clock.ms()
        self.maxclients = maxclients
        self.requirepass = requirepass or ""
        self.save_interval = save_interval
        self.dir = Path(dir)
        self.dbfilename = dbfilename
        self.proto_max_bulk_len = PROTO_MAX_BULK_LEN
        self.client_query_buffer_limit = CLIENT_MAX_QUERYBUF_LEN
        self.active_expiry = active_expiry
        #: refuse non-loopback clients when no password is set (Redis's protected mode)
        self.protected_mode = protected_mode
        #: close clients idle for this many seconds (0: never)
        self.timeout = timeout
        self.config_file = Path(config_file) if config_file is not None else None
        self.appendonly = "no"
        #: Redis-style save rules: (seconds, changes) pairs; Redis's defaults when the timer is on
        self.save_rule_pairs: list[tuple[int, int]] = (
            [(3600, 1), (300, 100), (60, 10000)] if save_interval else []
        )
        #: microseconds to sleep after each key written (Redis's rdb-key-save-delay, for tests)
        self.rdb_key_save_delay = 0
        self.stats = Stats()
        self.dirty = 0
        self.paused = False
        self.started_at = time.time()
        self.run_id = os.urandom(20).hex()
        self.started_monotonic = time.monotonic()
        self.loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self.clients: dict[int, Client] = {}
        self.blocking = Blocking(self)
        if databases < 1:
            raise ValueError("databases must be at least 1")
        self.dbs = [Database(i, self) for i in range(databases)]
        #: per-server state of plugins (settings a ``register_config`` setter changes...),
        #: keyed by plugin name: one dict lookup from a handler (``ctx.server.plugin_state``),
        #: and dropped with the server
        self.plugin_state: dict[str, Any] = {}
        #: (database, key) of values to pack again, oldest first (see :meth:`loosen`); the
        #: first ``_loose_mark`` were noted before the latest cron tick
        self.loose: list[tuple[Database, bytes]] = []
        self._loose_mark = 0
        self._compact_soon = False
        self.pm, self.plugin_names = build_plugin_manager(plugins, extra_plugins)
        self.registry = Registry()
        for db in self.dbs:  # one attribute away from signal_modified
            db.listeners = self.registry.key_listeners
        self._assemble()
        self._listeners: list[asyncio.AbstractServer] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._stopped: asyncio.Event | None = None
        self._serving = False
        self._stopping = False
        self._stop_done: asyncio.Event | None = None
        self.bound: list[tuple[str, int]] = []
        #: snapshots: SAVE/BGSAVE state, timers, load at start-up, INFO persistence
        self.persistence = Persistence(self)

    # -- assembly -------------------------------------------------------------------------------

    def _external(self, plugin_name: str) -> bool:
        """True for plugins not shipped with plugredis (COMMAND DOCS shows them as ``module``)."""
        if plugin_name.startswith("builtin."):
            return False
        plugin = self.pm.get_plugin(plugin_name)
        modname = getattr(plugin, "__name__", None) or type(plugin).__module__
        return not (modname.startswith("plugredis_") or modname.startswith("plugredis."))

    def _call_each(self, hook: str, make_register: Any) -> None:
        """Call ``hook`` plugin by plugin, each with a ``register`` bound to that plugin's name.

        Goes through pluggy (a subset caller per plugin), so hook tracing sees every call.
        """
        caller = getattr(self.pm.hook, hook)
        # get_hookimpls() is in registration order (pluggy *calls* them LIFO): built-ins first,
        # then installed plugins, then in-test extras, so the error names the earlier one first.
        impls = caller.get_hookimpls()
        for impl in impls:
            others = [i.plugin for i in impls if i.plugin is not impl.plugin]
            one = self.pm.subset_hook_caller(hook, remove_plugins=others)
            one(register=make_register(impl.plugin_name), server=self)

    def _assemble(self) -> None:
        reg = self.registry
        self._call_each("register_types", reg.type_register)
        self._call_each(
            "register_commands",
            lambda name: reg.command_register(name, self._external(name)),
        )
        self._register_core_config()
        self._call_each("register_config", reg.config_register)
        self._call_each("register_key_listeners", reg.listener_register)

    def _register_core_config(self) -> None:
        register = self.registry.config_register("core")

        def ro(value: Any) -> Any:
            return lambda: str(value() if callable(value) else value)

        def set_int(attr: str, lo: int, hi: int, memory: bool = False) -> Any:
            def setter(v: str) -> None:
                if memory:
                    n = config_memory(v)
                else:
                    try:
                        n = int(v)
                    except ValueError:
                        raise ValueError("argument couldn't be parsed into an integer")
                if not lo <= n <= hi:
                    raise ValueError(f"argument must be between {lo} and {hi} inclusive")
                setattr(self, attr, n)

            return setter

        def set_requirepass(v: str) -> None:
            self.requirepass = v

        def set_save(v: str) -> None:
            self.save_rule_pairs = check_save_rules(v)

        def set_key_save_delay(v: str) -> None:
            try:
                n = parse_int(v.encode("utf-8", "surrogateescape"))
            except CommandError:
                raise ValueError("argument couldn't be parsed into an integer")
            if not -(2**31) <= n <= 2**31 - 1:
                raise ValueError(f"argument must be between {-(2**31)} and {2**31 - 1} inclusive")
            self.rdb_key_save_delay = n

        def set_appendonly(v: str) -> None:
            if v.lower() not in ("yes", "no"):
                raise ValueError("argument must be 'yes' or 'no'")
            if v.lower() == "yes":
                raise ValueError("appendonly files are not supported by plugredis")
            self.appendonly = v.lower()

        def set_dir(v: str) -> None:
            p = Path(v)
            if not p.is_dir():
                raise ValueError("No such file or directory")
            self.dir = p

        def set_dbfilename(v: str) -> None:
            if "/" in v:
                raise ValueError("dbfilename can't be a path, just a filename")
            self.dbfilename = v

        register("port", ro(lambda: self.port))
        register("bind", ro(lambda: " ".join(self.bind)))
        register("databases", ro(lambda: len(self.dbs)))
        register("save", lambda: self.save_rules, set_save)
        register("rdb-key-save-delay", lambda: str(self.rdb_key_save_delay), set_key_save_delay)
        register("appendonly", lambda: self.appendonly, set_appendonly)
        register("maxclients", lambda: str(self.maxclients), set_int("maxclients", 1, 2**32 - 1))
        register("dir", lambda: str(self.dir.resolve()), set_dir)
        register("dbfilename", lambda: self.dbfilename, set_dbfilename)
        register("requirepass", lambda: self.requirepass, set_requirepass)
        register(
            "proto-max-bulk-len",
            lambda: str(self.proto_max_bulk_len),
            set_int("proto_max_bulk_len", 1024 * 1024, 2**63 - 1, memory=True),
        )
        register(
            "client-query-buffer-limit",
            lambda: str(self.client_query_buffer_limit),
            set_int("client_query_buffer_limit", 1024 * 1024, 2**63 - 1, memory=True),
        )

    def apply_config(self, directives: Iterable[tuple[str, str, int]], source: str = "") -> None:
        """Apply ``(name, value, line)`` directives through the CONFIG SET setters.

        Raises ``ValueError`` naming the directive (and line) that is unknown or refused.
        """
        merged: dict[str, tuple[str, int]] = {}
        for name, value, line in directives:
            if name == "save" and name in merged and value and merged[name][0]:
                merged[name] = (merged[name][0] + " " + value, line)
            else:
                merged[name] = (value, line)
        for name, (value, line) in merged.items():
            where = f"{source}:{line}: " if source else ""
            param = self.registry.config.get(name)
            if param is None:
                raise ValueError(f"{where}bad directive or wrong number of arguments: {name!r}")
            if param.set is None:
                if param.get() == value:
                    continue
                raise ValueError(f"{where}{name!r} can only be set on the command line")
            try:
                param.set(value)
            except ValueError as e:
                raise ValueError(f"{where}{name} {value!r}: {e}")

    @property
    def save_rules(self) -> str:
        """The save rules as CONFIG GET save shows them (``"3600 1 300 100 60 10000"``)."""
        return format_save_rules(self.save_rule_pairs)

    @save_rules.setter
    def save_rules(self, value: str) -> None:
        self.save_rule_pairs = check_save_rules(value)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the dump file, bind the listeners and start the background tasks.

        Raises :class:`~plugredis.persistence.snapshot.LoadError` (before listening) when the
        dump file exists but cannot be loaded.
        """
        self.loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        if not self.dir.is_dir():
            raise LoadError(f"the dump directory {self.dir} does not exist (--dir)")
        self.persistence.load()
        for host in self.bind:
            srv = await self.loop.create_server(
                lambda: RedisProtocol(self),
                host=host,
                port=self.port,
                backlog=511,
                reuse_address=True,
            )
            self._listeners.append(srv)
            for sock in srv.sockets or ():
                addr = sock.getsockname()
                self.bound.append((addr[0], addr[1]))
                if sock.family in (socket.AF_INET, socket.AF_INET6):
                    try:
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    except OSError:
                        pass
        if self.bound:
            self.port = self.bound[0][1]
        self._tasks.append(self.loop.create_task(self._cron_loop()))
        self._tasks.append(self.loop.create_task(self._persistence_loop()))
        log.info(
            "plugredis %s (Redis %s behaviour) ready on %s with plugins: %s",
            __version__,
            REDIS_VERSION,
            ", ".join(f"{h}:{p}" for h, p in self.bound),
            ", ".join(self.plugin_names) or "(none)",
        )
        self.pm.hook.server_started(server=self)

    async def serve_forever(self) -> None:
        """Start (if needed) and serve until :meth:`request_stop` or :meth:`stop`."""
        if not self._listeners:
            await self.start()
        assert self._stopped is not None
        self._serving = True
        try:
            await self._stopped.wait()
        finally:
            self._serving = False

    def request_stop(self) -> None:
        """Ask the server to shut down gracefully (signal handlers, SHUTDOWN).

        When something awaits :meth:`serve_forever` (the CLI) it returns and its caller runs
        :meth:`stop`; otherwise (a server embedded in a test thread) :meth:`stop` is scheduled.
        """
        if self._stopped is None:
            return
        if self._serving or self.loop is None:
            self._stopped.set()
        elif not self._stopping:
            self.loop.create_task(self.stop())

    def prepare_shutdown(
        self, save: bool | None = None, force: bool = False, keep: Client | None = None
    ) -> bool:
        """The first half of a shutdown: the final save, then no more commands.

        ``save``: None saves when snapshots are enabled, True/False force it on/off (SHUTDOWN
        SAVE/NOSAVE); ``force`` exits even if that save fails.  Returns False when the save
        failed (the server keeps serving, as Redis does: nothing acknowledged is lost).  On
        success the listeners and every client but ``keep`` (the one that sent SHUTDOWN) are
        closed at once, so no write can slip in after the final snapshot.
        """
        if not self.persistence.shutdown_save(save, force):
            return False
        for srv in self._listeners:
            srv.close()
        for client in list(self.clients.values()):
            if client is not keep and client.protocol is not None:
                client.protocol.close()
        return True

    async def stop(self) -> None:
        """Stop accepting, run the final save (unless done), close every client, stop the tasks.

        Always stops, even if the final save fails (that is logged); use
        :meth:`prepare_shutdown` first to keep serving on a failed save.
        """
        if self._stopping:
            if self._stop_done is not None:
                await self._stop_done.wait()
            return
        self._stopping = True
        self._stop_done = asyncio.Event()
        try:
            await self._stop()
        finally:
            self._stop_done.set()

    async def _stop(self) -> None:
        for srv in self._listeners:
            srv.close()
        try:
            self.pm.hook.server_stopping(server=self)
        except Exception:
            log.exception("a server_stopping hook failed")
        if not self.persistence.final_save_done:
            try:
                self.persistence.shutdown_save(force=True)
            except Exception:
                log.exception("the final save failed")
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._tasks.clear()
        # Handlers are synchronous, so every client is between batches here: close them.
        for client in list(self.clients.values()):
            if client.protocol is not None:
                client.protocol.close()
        for srv in self._listeners:
            try:
                await asyncio.wait_for(srv.wait_closed(), 2.0)
            except (TimeoutError, Exception):
                pass
        self._listeners.clear()
        if self._stopped is not None:
            self._stopped.set()

    def install_signal_handlers(self) -> None:
        """SIGINT/SIGTERM trigger a graceful shutdown (from the CLI)."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self.loop.add_signal_handler(sig, self._on_signal, sig)
            except (NotImplementedError, RuntimeError):
                pass

    def _on_signal(self, sig: int) -> None:
        name = signal.Signals(sig).name
        if self._stopping:
            return
        log.warning("Received %s: shutting down (final save first)", name)
        if self.prepare_shutdown():
            self.request_stop()
        else:
            log.error(
                "Errors trying to shut down the server (the final save failed): still serving; "
                "fix the problem and send %s again, or use SHUTDOWN NOSAVE",
                name,
            )

    async def _persistence_loop(self) -> None:
        """Reap BGSAVE children and run timed saves (about 10 times a second)."""
        persistence = self.persistence
        while True:
            await asyncio.sleep(1 / HZ)
            try:
                persistence.cron()
            except Exception:
                log.exception("the persistence cron failed")

    def persistence_info(self) -> dict[str, Any]:
        """The ``INFO persistence`` fields (merged by the INFO command)."""
        return self.persistence.info()

    async def _cron_loop(self) -> None:
        """``hz`` times a second: active expiry (a bounded batch per database), and packing
        the small values that were used a tick ago (:meth:`compact_cron`)."""
        while True:
            await asyncio.sleep(1 / max(1, min(500, ops_of(self).hz)))  # CONFIG SET hz
            if self.active_expiry:
                self.active_expire_cycle()
            if self.loose:
                self.compact_cron()

    def active_expire_cycle(self) -> int:
        """One pass of active expiry over every database; returns the number of keys removed."""
        now = self.clock.ms()
        self.now_ms = now
        removed = 0
        for db in self.dbs:
            if db.expires:
                removed += db.active_expire(now)
        if self.blocking.ready:
            self.blocking.serve_ready()
        return removed

    # -- compact storage -------------------------------------------------------------------------

    def loosen(self, db: Database, key: bytes) -> None:
        """Note that ``key`` holds an unpacked value (unpacked by a lookup, or stored by a
        command) that :meth:`compact` packs later if its type packs it.

        Values stay unpacked for one to two cron ticks (``hz``), so a key in use is not packed
        and unpacked at every command; past :data:`LOOSE_MAX` noted values, the oldest are
        packed as soon as the current batch of commands is done, which bounds the memory.
        """
        loose = self.loose
        loose.append((db, key))
        if len(loose) > LOOSE_MAX and not self._compact_soon:
            loop = self.loop
            if loop is not None and not loop.is_closed():
                self._compact_soon = True
                loop.call_soon(self._compact_excess)

    def _compact_excess(self) -> None:
        self._compact_soon = False
        self.compact(len(self.loose) - LOOSE_MAX // 2)

    def compact_cron(self) -> None:
        """Once per cron tick: pack what was noted before the previous tick."""
        if self._loose_mark:
            self.compact(self._loose_mark)
        self._loose_mark = len(self.loose)

    def compact(self, count: int | None = None) -> None:
        """Pack the ``count`` oldest values noted by :meth:`loosen` (all of them if None)."""
        loose = self.loose
        if count is None or count >= len(loose):
            batch = loose
            self.loose = []
        elif count <= 0:
            return
        else:
            batch = loose[:count]
            del loose[:count]
        self._loose_mark = max(0, self._loose_mark - len(batch))
        packing = self.registry.packing_types
        if not packing:
            return
        for db, key in batch:
            data = db.data
            v = data.get(key)
            spec = packing.get(type(v))
            if spec is None:
                continue
            try:
                image = spec.packed(v)
            except Exception:
                log.exception("plugin %r failed to pack the value of %r", spec.plugin, key)
                continue
            if image is not None:
                data[key] = image

    # -- helpers for commands -------------------------------------------------------------------

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started_monotonic

    def info_sections(self) -> dict[str, dict[str, Any]]:
        """Sections contributed by plugins through the ``info_sections`` hook."""
        sections: dict[str, dict[str, Any]] = {}
        for result in self.pm.hook.info_sections(server=self):
            if result:
                for name, fields in result.items():
                    sections.setdefault(name.lower(), {}).update(fields)
        return sections


__all__ += ["RegistryError"]


if _c is not None:  # the C twins of handlers (commands.c_twin) and serve() read these slots
    _c.set_keyspace_types(Database, Client, Server, Stats)
