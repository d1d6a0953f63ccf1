"""Per-client state; the :class:`Client` is also the ``ctx`` every handler receives.

One object per connection, reused for every command (no allocation per command).  What a
handler may use:

- ``ctx.db``: the selected :class:`~plugredis.keyspace.Database`; ``ctx.server``: the server;
- ``ctx.resp3``: True after ``HELLO 3``; ``ctx.argv``: the whole request, name included;
- ``ctx.now_ms``: the time snapshot of this command, in ms;
- ``ctx.block(...)``: park the client (only in commands flagged ``blocking``);
- ``ctx.push(value)``: send an out-of-band message (pub/sub) outside any request/reply, subject
  to the ``pubsub`` class of ``client-output-buffer-limit``.

This module also holds :class:`ServerOps`, the operational state of a server that the
connections share (monitors, client pause, slow log, latency samples, error statistics,
throughput samples, output-buffer limits): :func:`ops_of` finds it.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

    from .blocking import BlockState
    from .commands import CommandSpec
    from .keyspace import Database
    from .protocol import RedisProtocol
    from .server import Server

__all__ = ["Client", "ServerOps", "ops_of"]

_ids = itertools.count(1)

#: an entry of :attr:`ServerOps.fast_dispatch`: handler, min and max argc, spec
FastEntry = tuple[Callable[..., Any], int, int, "CommandSpec"]

#: CLIENT REPLY: the bits of Client.reply_mode (REPLY_ON: none).  OFF: no reply is written;
#: SKIP: this command's reply is dropped; SKIP_NEXT: the next command's is (CLIENT REPLY SKIP)
REPLY_ON, REPLY_OFF, REPLY_SKIP, REPLY_SKIP_NEXT = 0, 1, 2, 4
#: the bits under which the command's reply is not written
REPLY_MUTED = REPLY_OFF | REPLY_SKIP

#: client-output-buffer-limit classes, in Redis's CONFIG GET order
OBUF_CLASSES = ("normal", "slave", "pubsub")


class Client:
    """A connected client (``CLIENT LIST`` shows one line per instance)."""

    __slots__ = (
        "addr",
        "argv",
        "authenticated",
        "block_state",
        "closing",
        "created",
        "db",
        "dirty_cas",
        "fast",
        "id",
        "in_exec",
        "laddr",
        "last_interaction",
        "lib_name",
        "lib_ver",
        "monitor",
        "multi",
        "multi_error",
        "multi_flags",
        "name",
        "no_evict",
        "no_touch",
        "ops",
        "postponed",
        "protocol",
        "psub",
        "push_class",
        "reply_mode",
        "resp3",
        "server",
        "ssub",
        "sub",
        "tracking",
        "watched",
    )

    def __init__(self, server: Server, protocol: RedisProtocol | None = None) -> None:
        self.id = next(_ids)
        self.server = server
        self.ops = ops_of(server)
        self.protocol = protocol
        self.db: Database = server.dbs[0]
        self.resp3 = False
        self.name = b""
        self.lib_name = b""
        self.lib_ver = b""
        self.addr = "?:0"
        self.laddr = "?:0"
        #: times in ms of the server clock (as Redis uses its cached unix time)
        self.created = server.now_ms
        self.last_interaction = self.created
        self.argv: list[bytes] = []
        #: queued (spec, argv) while in MULTI, else None
        self.multi: list[tuple[CommandSpec, list[bytes]]] | None = None
        self.multi_error = False
        #: True when a queued command may write (CLIENT PAUSE WRITE postpones such an EXEC)
        self.multi_flags = False
        self.in_exec = False
        #: (db, key) pairs this client WATCHes
        self.watched: list[tuple[Database, bytes]] = []
        self.dirty_cas = False
        self.authenticated = not server.requirepass
        self.block_state: BlockState | None = None
        #: True while CLIENT PAUSE holds this client's next command
        self.postponed = False
        self.closing = False
        self.no_evict = False
        self.no_touch = False
        #: True after MONITOR: every executed command is streamed to this client
        self.monitor = False
        #: CLIENT REPLY mode: REPLY_ON, or REPLY_OFF | REPLY_SKIP | REPLY_SKIP_NEXT bits
        self.reply_mode = REPLY_ON
        #: pub/sub subscription counts (channels, patterns, shard channels), kept by a pub/sub
        #: plugin: a client with any is in the "pubsub" class of client-output-buffer-limit
        self.sub = 0
        self.psub = 0
        self.ssub = 0
        #: CLIENT TRACKING state (None when off)
        self.tracking: dict[str, Any] | None = None
        #: True when the dispatcher may take its fast path for this client (see update_fast)
        self.fast = False
        #: True for MONITOR and pub/sub clients (the "pubsub" output-buffer class)
        self.push_class = False
        self.update_fast()

    def __repr__(self) -> str:
        return f"<Client id={self.id} addr={self.addr} db={self.db.id}>"

    @property
    def now_ms(self) -> int:
        return self.server.now_ms

    def select(self, index: int) -> None:
        self.db = self.server.dbs[index]

    def update_fast(self) -> None:
        """Recompute :attr:`fast`: call after changing MULTI, authentication, reply mode...

        The dispatcher runs a command on its fast path (no MULTI queueing, no AUTH check, no
        reply suppression, no MONITOR feed, no pause) only when this is True, so it must be False
        whenever any of those applies.  A pub/sub plugin calls it after changing ``sub``,
        ``psub`` or ``ssub``.
        """
        self.push_class = bool(self.monitor or self.sub or self.psub or self.ssub)
        self.fast = (
            self.multi is None
            and self.authenticated
            and self.reply_mode == REPLY_ON
            and not self.push_class
            and not self.ops.slow
            and self.tracking is None
        )

    # -- blocking -------------------------------------------------------------------------------

    def block(
        self,
        keys: Iterable[bytes],
        timeout: float,
        retry: Callable[[Client, bytes], Any],
        timeout_reply: Any = None,
    ) -> Any:
        """Park this client until ``retry`` can serve it or ``timeout`` seconds pass (0: forever).

        ``retry(ctx, key)`` is called each time one of ``keys`` is modified, in the order clients
        blocked; it returns the reply, or :data:`plugredis.blocking.BLOCKED` to keep waiting.
        Inside MULTI/EXEC a blocking command does not block: ``timeout_reply`` is returned at
        once.  The handler returns what this method returns.
        """
        if self.in_exec or self.protocol is None:
            return timeout_reply
        return self.server.blocking.block(self, list(keys), timeout, retry, timeout_reply)

    # -- out-of-band messages -------------------------------------------------------------------

    def push(self, value: Any) -> bool:
        """Send ``value`` now, outside any reply (a pub/sub message: pass a :class:`Push`).

        Returns False if the client is gone or was just disconnected for exceeding its
        output-buffer limit.
        """
        p = self.protocol
        if p is None or self.closing:
            return False
        return p.push(value)

    # -- WATCH ----------------------------------------------------------------------------------

    def unwatch_all(self) -> None:
        for db, key in self.watched:
            clients = db.watched.get(key)
            if clients is not None:
                clients.discard(self)
                if not clients:
                    del db.watched[key]
        self.watched = []
        self.dirty_cas = False

    # -- CLIENT LIST ----------------------------------------------------------------------------

    def is_pubsub(self) -> bool:
        return bool(self.sub or self.psub or self.ssub)

    def obuf_class(self) -> str:
        """The client-output-buffer-limit class of this client.

        MONITOR clients use the ``pubsub`` limits: what is streamed to them is not a reply to
        their own requests, so pausing their reads cannot slow it down (Redis treats them as
        ``normal``, whose default is no limit at all).
        """
        return "pubsub" if self.monitor or self.sub or self.psub or self.ssub else "normal"

    def flags(self) -> str:
        f = ""
        if self.monitor:
            f += "O"
        if self.is_pubsub():
            f += "P"
        if self.multi is not None:
            f += "x"
        if self.block_state is not None or self.postponed:
            f += "b"
        if self.tracking is not None:
            f += "t"
            if self.tracking.get("broken"):
                f += "R"
            if self.tracking.get("bcast"):
                f += "B"
        if self.dirty_cas:
            f += "d"
        if self.closing:
            f += "c"
        if self.no_evict:
            f += "e"
        return f or "N"

    def last_command(self) -> str:
        """The name of the last command run (``client|list``), "NULL" before the first."""
        argv = self.argv
        if not argv:
            return "NULL"
        spec = self.server.registry.dispatch.get(argv[0].lower())
        if spec is None:
            return "NULL"
        if spec.subcommands and len(argv) > 1:
            sub = spec.subcommands.get(argv[1].lower().decode("utf-8", "surrogateescape"))
            if sub is not None:
                return sub.name
        return spec.name

    def info_line(self) -> str:
        """This client's line in CLIENT LIST / CLIENT INFO (Redis 7.0's fields)."""
        now = self.server.clock.ms()
        p = self.protocol
        obl = p.output_buffer_size() if p is not None else 0
        qbuf = p.query_buffer_size() if p is not None else 0
        events = "r"
        if obl:
            events += "w"
        if p is not None and p.paused_reading:
            events = events[1:] or ""
        argv_mem = sum(len(a) for a in self.argv) if self.argv else 0
        multi_mem = sum(sum(len(a) for a in argv) for _, argv in self.multi) if self.multi else 0
        tot = 1024 + qbuf + obl + argv_mem + multi_mem
        redir = -1
        if self.tracking is not None:
            redir = self.tracking.get("redirect", 0) or 0
        fields = (
            ("id", str(self.id)),
            ("addr", self.addr),
            ("laddr", self.laddr),
            ("fd", str(p.fd if p is not None else -1)),
            ("name", self.name.decode("utf-8", "surrogateescape")),
            ("age", str(max(0, (now - self.created) // 1000))),
            ("idle", str(max(0, (now - self.last_interaction) // 1000))),
            ("flags", self.flags()),
            ("db", str(self.db.id)),
            ("sub", str(self.sub)),
            ("psub", str(self.psub)),
            ("ssub", str(self.ssub)),
            ("multi", str(len(self.multi)) if self.multi is not None else "-1"),
            ("qbuf", str(qbuf)),
            ("qbuf-free", "0"),
            ("argv-mem", str(argv_mem)),
            ("multi-mem", str(multi_mem)),
            ("rbs", "1024"),
            ("rbp", "0"),
            ("obl", "0"),
            ("oll", "1" if obl else "0"),
            ("omem", str(obl)),
            ("tot-mem", str(tot)),
            ("events", events),
            ("cmd", self.last_command()),
            ("user", "default"),
            ("redir", str(redir)),
            ("resp", "3" if self.resp3 else "2"),
        )
        return " ".join(f"{k}={v}" for k, v in fields)


# -------------------------------------------------------------------------------------------------
# Operational state shared by the connections of one server
# -------------------------------------------------------------------------------------------------

#: SLOWLOG entries keep at most this many arguments and this many bytes per argument
SLOWLOG_MAX_ARGC = 32
SLOWLOG_MAX_STRING = 128
#: latency samples kept per event (LATENCY HISTORY)
LATENCY_HISTORY_LEN = 160
#: distinct error codes counted in INFO errorstats (Redis's limit)
ERRORSTATS_MAX = 128


class SlowlogEntry:
    __slots__ = ("addr", "args", "duration", "id", "name", "time")

    def __init__(
        self, id: int, time: int, duration: int, args: list[bytes], addr: str, name: bytes
    ) -> None:
        self.id = id
        self.time = time
        self.duration = duration
        self.args = args
        self.addr = addr
        self.name = name


class ServerOps:
    """Operational state of one server: what INFO, SLOWLOG, LATENCY, MONITOR and limits use.

    ``slow`` turns off the dispatcher's fast path for every client: it is True while a MONITOR
    is connected, while clients are paused, or while every command must be timed on its own
    (``slowlog-log-slower-than`` below :data:`PRECISE_TIMING_BELOW_US`).
    """

    #: the attributes ``serve`` (plugredis/_speedups.c) reads on every read have slots (the
    #: rest of the state is in the instance dict)
    __slots__ = ("__dict__", "alert_ns", "batch_ns", "config_gen", "obuf_normal")

    #: below this slowlog threshold (µs) every command is timed on its own
    PRECISE_TIMING_BELOW_US = 1000

    def __init__(self, server: Server) -> None:
        self.server = server
        self.slow = False
        #: the dispatch table used by the protocol: the registry's plus upper-case names
        self._dispatch: dict[bytes, CommandSpec] | None = None
        self._fast_dispatch: dict[bytes, FastEntry] | None = None
        self.monitors: list[Client] = []
        #: replies deferred to the end of the loop iteration, and the callable that asks the
        #: loop to write them (see RedisProtocol.deferred)
        self.deferred: list[Any] = []
        self.schedule_flush: Callable[[], bool] | None = None
        # -- CLIENT PAUSE
        self.pause_end_ms = 0
        self.pause_all = False
        self.pause_handle: asyncio.TimerHandle | None = None
        self.postponed: deque[Client] = deque()
        # -- SLOWLOG
        self.slowlog: deque[SlowlogEntry] = deque()
        self.slowlog_next_id = 0
        self.slowlog_threshold = 10000
        self.slowlog_max_len = 128
        # -- LATENCY
        self.latency_threshold = 0
        #: event -> deque[(unix time, ms)]; event -> max ms
        self.latency_events: dict[str, deque[tuple[int, int]]] = {}
        self.latency_max: dict[str, int] = {}
        self.latency_tracking = True
        self.latency_percentiles = [50.0, 99.0, 99.9]
        #: a command at least this slow (µs, and ns for reads timed as a whole) goes to the slow
        #: log or the latency monitor
        self.alert_us = 10000
        self.alert_ns = 10000 * 1000
        # -- timing of commands: each CommandSpec carries ``usec``, ``timed_calls`` and ``hist``
        #    (counts per power-of-two µs bucket, None when latency-tracking is off); see
        #    init_spec_stats.  Fast-path commands are timed per read, as a whole: their total
        #    time (ns) is shared among them by INFO commandstats (see estimated_usec).
        self.batch_ns = 0
        # -- INFO errorstats
        self.errorstats: dict[str, int] = {}
        self.errorstats_disabled = False
        # -- throughput
        self.ops_samples: deque[int] = deque(maxlen=16)
        self._last_sample: tuple[float, int] | None = None
        # -- output-buffer limits: class -> (hard bytes, soft bytes, soft seconds)
        self.obuf_limits: dict[str, tuple[int, int, int]] = {
            "normal": (0, 0, 0),
            "slave": (256 * 1024 * 1024, 64 * 1024 * 1024, 60),
            "pubsub": (32 * 1024 * 1024, 8 * 1024 * 1024, 60),
        }
        #: True when the normal class has a limit (only then replies are checked against it)
        self.obuf_normal = False
        #: bumped by CONFIG SET: connections then re-read the limits their parsers use
        self.config_gen = 0
        # -- misc parameters
        self.hz = 10
        self.maxmemory = 0
        self.maxmemory_policy = "noeviction"
        self.maxmemory_samples = 5
        self.enable_debug = "no"
        self.busy_reply_threshold = 5000
        self.tcp_keepalive = 300
        #: CLIENT TRACKING table (plugredis.builtin.connection.Tracker), made on first use
        self.tracker: Any = None
        #: pub/sub state of a pub/sub plugin (None until first used): an object whose
        #: ``leave(client)`` drops every subscription of a client (RESET, disconnection)
        self.pubsub: Any = None
        self.tasks: list[asyncio.Task[Any]] = []
        #: RSS at start-up and the highest seen (INFO memory)
        self.startup_rss = 0
        self.peak_rss = 0
        #: values of CONFIG parameters at start-up, for CONFIG REWRITE
        self.config_defaults: dict[str, str] = {}

    # -- fast path ------------------------------------------------------------------------------

    @property
    def dispatch(self) -> dict[bytes, CommandSpec]:
        """Command name -> spec, with lower- and upper-case names (clients send both)."""
        d = self._dispatch
        if d is None:
            self.init_spec_stats()
            base = self.server.registry.dispatch
            d = dict(base)
            for name, spec in base.items():
                d.setdefault(name.upper(), spec)
            self._dispatch = d
        return d

    @property
    def fast_dispatch(self) -> dict[bytes, FastEntry]:
        """Name -> ``(handler, min argc, max argc, spec)`` for the commands of the fast path
        (the handler is the spec's ``fast_handler`` where it has one).

        Only commands without :attr:`~plugredis.commands.CommandSpec.slow` are in it, so one
        lookup tells the dispatcher both that the command is known and that it may run fast.
        """
        f = self._fast_dispatch
        if f is None:
            f = {}
            for name, spec in self.dispatch.items():
                if not spec.slow and spec.handler is not None:
                    a = spec.arity
                    h = spec.fast_handler or spec.handler
                    f[name] = (h, a if a > 0 else -a, a if a > 0 else 1 << 62, spec)
            self._fast_dispatch = f
        return f

    def update_slow(self) -> None:
        """Recompute :attr:`slow` and every client's fast flag after a change of state."""
        slow = bool(
            self.monitors
            or self.pause_end_ms
            or 0 <= self.slowlog_threshold < self.PRECISE_TIMING_BELOW_US
        )
        if slow != self.slow:
            self.slow = slow
            for c in self.server.clients.values():
                c.update_fast()

    # -- statistics -----------------------------------------------------------------------------

    def count_error(self, msg: bytes | str) -> None:
        """Count one error reply in INFO errorstats (by its code, the first word)."""
        if isinstance(msg, str):
            msg = msg.encode("utf-8", "surrogateescape")
        if msg[:1] == b"-":
            msg = msg[1:]
        code = msg.split(b" ", 1)[0].rstrip(b"\r\n")
        key = code.decode("utf-8", "replace") if code else "ERR"
        stats = self.errorstats
        if key in stats:
            stats[key] += 1
        elif not self.errorstats_disabled:
            if len(stats) >= ERRORSTATS_MAX:
                self.errorstats_disabled = True
                stats.clear()
            else:
                stats[key] = 1

    def all_specs(self) -> list[Any]:
        """Every command and subcommand spec."""
        out: list[Any] = []
        for spec in self.server.registry.commands.values():
            out.append(spec)
            out.extend(spec.subcommands.values())
        return out

    def init_spec_stats(self) -> None:
        """Give every spec its timing counters (zeroed): ``usec``, ``timed_calls``, ``hist``."""
        tracking = self.latency_tracking
        for spec in self.all_specs():
            spec.usec = 0
            spec.timed_calls = 0
            spec.hist = [0] * 64 if tracking else None

    def set_latency_tracking(self, on: bool) -> None:
        self.latency_tracking = on
        for spec in self.all_specs():
            if on and getattr(spec, "hist", None) is None:
                spec.hist = [0] * 64
            elif not on:
                spec.hist = None

    def histograms(self) -> dict[str, list[int]]:
        """Command name -> latency histogram, for the commands timed at least once."""
        return {
            spec.name: spec.hist
            for spec in self.all_specs()
            if getattr(spec, "hist", None) is not None and any(spec.hist)
        }

    def record(self, spec: Any, usec: int) -> None:
        """Account one command that took ``usec`` microseconds (commandstats, histograms)."""
        spec.usec += usec
        spec.timed_calls += 1
        h = spec.hist
        if h is not None:
            h[usec.bit_length()] += 1

    def untimed_calls(self) -> int:
        """Calls run on the fast path (timed per read, not one by one)."""
        return sum(max(0, s.calls - getattr(s, "timed_calls", 0)) for s in self.all_specs())

    def estimated_usec(self, spec: CommandSpec, untimed_total: int) -> int:
        """Total µs of ``spec``: measured exactly, plus its share of the fast-path time.

        Fast-path commands are timed per read, as a whole (timing each would cost the hot path
        more than the command itself): their total time is shared among them by call count, so
        ``usec_per_call`` is exact for commands run on the slow path (containers, MULTI/EXEC,
        clients being monitored or tracked, ``slowlog-log-slower-than`` below 1 ms) and an
        average for the others.
        """
        usec: int = getattr(spec, "usec", 0)
        untimed = spec.calls - getattr(spec, "timed_calls", 0)
        if untimed > 0 and untimed_total and self.batch_ns > 0:
            usec += untimed * self.batch_ns // 1000 // untimed_total
        return usec

    def update_alert(self) -> None:
        """Recompute :attr:`alert_us` after a change of the slow log or latency thresholds."""
        limits = []
        if self.slowlog_threshold >= 0:
            limits.append(self.slowlog_threshold)
        if self.latency_threshold > 0:
            limits.append(self.latency_threshold * 1000)
        self.alert_us = min(limits) if limits else 2**63
        self.alert_ns = self.alert_us * 1000

    def slowlog_add(self, argv: list[bytes], usec: int, client: Client) -> None:
        """Add an entry to the slow log (arguments redacted and trimmed as Redis does)."""
        if self.slowlog_max_len <= 0:
            return
        args = _slowlog_args(argv)
        entry = SlowlogEntry(
            self.slowlog_next_id,
            self.server.clock.ms() // 1000,
            usec,
            args,
            client.addr,
            client.name,
        )
        self.slowlog_next_id += 1
        self.slowlog.appendleft(entry)
        while len(self.slowlog) > self.slowlog_max_len:
            self.slowlog.pop()

    def latency_add(self, event: str, ms: int) -> None:
        """Record a latency sample (LATENCY LATEST/HISTORY): one per second at most, the max."""
        now = self.server.clock.ms() // 1000
        q = self.latency_events.get(event)
        if q is None:
            q = self.latency_events[event] = deque(maxlen=LATENCY_HISTORY_LEN)
        if q and q[-1][0] == now:
            if q[-1][1] < ms:
                q[-1] = (now, ms)
        else:
            q.append((now, ms))
        if self.latency_max.get(event, 0) < ms:
            self.latency_max[event] = ms

    def after_command(self, spec: Any, argv: list[bytes], usec: int, client: Client) -> None:
        """Everything measured about one executed command (called with its duration)."""
        spec.usec += usec
        spec.timed_calls += 1
        h = spec.hist
        if h is not None:
            h[usec.bit_length()] += 1
        if usec >= self.alert_us:
            self.alert(spec, argv, usec, client)

    def alert(self, spec: CommandSpec, argv: list[bytes], usec: int, client: Client) -> None:
        """A slow command: to the slow log and/or the latency monitor, per their thresholds."""
        t = self.slowlog_threshold
        if t >= 0 and usec >= t and "skip_slowlog" not in spec.flags:
            self.slowlog_add(argv, usec, client)
        lt = self.latency_threshold
        if lt and usec >= lt * 1000:
            self.latency_add("fast-command" if "fast" in spec.flags else "command", usec // 1000)

    def reset_stats(self) -> None:
        """CONFIG RESETSTAT: the counters INFO shows."""
        self.init_spec_stats()
        self.batch_ns = 0
        self.errorstats.clear()
        self.errorstats_disabled = False
        self.ops_samples.clear()
        self._last_sample = None

    def sample(self, now: float, total_commands: int) -> None:
        """Take one sample for the instantaneous_* INFO fields (called about 10 times a second)."""
        last = self._last_sample
        self._last_sample = (now, total_commands)
        if last is None:
            return
        dt = now - last[0]
        if dt > 0:
            self.ops_samples.append(int((total_commands - last[1]) / dt))

    # -- monitors -------------------------------------------------------------------------------

    def feed_monitors(self, client: Client, argv: list[bytes], db_id: int | None = None) -> None:
        """Send one executed command to every MONITOR client, in Redis's format."""
        t = self.server.clock.time()
        sec = int(t)
        usec = int((t - sec) * 1_000_000)
        head = b"+%d.%06d [%d %s]" % (
            sec,
            usec,
            client.db.id if db_id is None else db_id,
            client.addr.encode(),
        )
        line = head + b"".join(b" " + repr_arg(a) for a in redact(argv)) + b"\r\n"
        for m in list(self.monitors):
            p = m.protocol
            if p is not None and not m.closing:
                p.push_raw(line)


def repr_arg(a: bytes) -> bytes:
    """An argument quoted as Redis quotes it (``sdscatrepr``): ``"a\\x01\\n"``."""
    out = bytearray(b'"')
    for c in a:
        if c == 0x5C:
            out += b"\\\\"
        elif c == 0x22:
            out += b'\\"'
        elif c == 0x0A:
            out += b"\\n"
        elif c == 0x0D:
            out += b"\\r"
        elif c == 0x09:
            out += b"\\t"
        elif c == 0x07:
            out += b"\\a"
        elif c == 0x08:
            out += b"\\b"
        elif 0x20 <= c <= 0x7E:
            out.append(c)
        else:
            out += b"\\x%02x" % c
    out += b'"'
    return bytes(out)


REDACTED = b"(redacted)"

#: CONFIG SET parameters whose values are never shown (SLOWLOG, MONITOR)
_SECRET_CONFIGS = frozenset({b"requirepass", b"masterauth", b"masteruser"})


def redact(argv: list[bytes]) -> list[bytes]:
    """``argv`` with passwords replaced by ``(redacted)``, as SLOWLOG and MONITOR show it."""
    if not argv:
        return argv
    name = argv[0].lower()
    if name == b"auth":
        return [argv[0]] + [REDACTED] * (len(argv) - 1)
    if name == b"hello":
        out = list(argv)
        i = 2
        while i < len(out):
            opt = out[i].lower()
            if opt == b"auth" and i + 2 < len(out):
                out[i + 1] = out[i + 2] = REDACTED
                i += 3
            elif opt == b"setname":
                i += 2
            else:
                i += 1
        return out
    if name == b"config" and len(argv) >= 4 and argv[1].lower() == b"set":
        out = list(argv)
        for i in range(2, len(out) - 1, 2):
            if out[i].lower() in _SECRET_CONFIGS:
                out[i + 1] = REDACTED
        return out
    if name == b"migrate":
        out = list(argv)
        for i in range(6, len(out) - 1):
            opt = out[i].lower()
            if opt == b"auth":
                out[i + 1] = REDACTED
            elif opt == b"auth2" and i + 2 < len(out):
                out[i + 2] = REDACTED
        return out
    return argv


def _slowlog_args(argv: list[bytes]) -> list[bytes]:
    argv = redact(argv)
    argc = len(argv)
    n = min(argc, SLOWLOG_MAX_ARGC)
    out = []
    for j in range(n):
        if n != argc and j == n - 1:
            out.append(b"... (%d more arguments)" % (argc - n + 1))
            break
        a = argv[j]
        if len(a) > SLOWLOG_MAX_STRING:
            a = a[:SLOWLOG_MAX_STRING] + b"... (%d more bytes)" % (len(a) - SLOWLOG_MAX_STRING)
        out.append(a)
    return out


_OPS_ATTR = "_plugredis_ops"


def ops_of(server: Server) -> ServerOps:
    """The :class:`ServerOps` of ``server`` (created on first use)."""
    ops = getattr(server, _OPS_ATTR, None)
    if ops is None:
        ops = ServerOps(server)
        setattr(server, _OPS_ATTR, ops)
    return ops
