"""The asyncio side of a connection: read, run every complete command, write once.

``data_received`` feeds the sans-IO :class:`~plugredis.resp.RequestParser`, runs every complete
request in the read (handlers are synchronous: each runs to completion, which is the atomicity
Redis gives), joins the replies and makes one ``transport.write`` per batch.

Two paths run a command:

- the *fast path*, inside :meth:`RedisProtocol.run`: a known, non-container command of a client
  whose :attr:`~plugredis.connection.Client.fast` flag is set (not in MULTI, authenticated, replies
  on, no MONITOR, no client pause, no per-command timing): arity, handler, encode;
- the *slow path*, :meth:`RedisProtocol.run_slow`, with every check in Redis's order (unknown
  command, arity, NOAUTH, no_multi, CLIENT PAUSE, MULTI queueing), per-command timing (INFO
  commandstats, SLOWLOG, LATENCY) and the MONITOR feed.

Memory stays bounded whatever a client does:

- replies a client has not read yet are buffered, as Redis buffers them (a client may send a
  whole pipeline before it reads a reply); only past :data:`SLOW_READER_PAUSE` bytes of unsent
  replies does a client without an output-buffer limit stop being read, so that one client
  cannot make the server hold unbounded memory (Redis would, until it is killed);
- a batch whose replies grow past :data:`BATCH_OUTPUT_MAX` is cut: the replies so far are written
  and the rest of the batch waits until the transport drains;
- ``client-output-buffer-limit`` disconnects a client whose unsent output passes the hard limit,
  or stays above the soft limit too long (by default only pub/sub and MONITOR clients have
  limits: a normal client is paused, never disconnected, as Redis never disconnects it).

Hot-path rules (measured, see docs/architecture.md): no pluggy call per command, dispatch is one
dict lookup, one write per batch.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import deque
from collections.abc import Callable
from time import perf_counter_ns, time_ns
from typing import TYPE_CHECKING, Any, cast

from ._cext import speedups as _c
from .blocking import BLOCKED, Blocking
from .clock import Clock
from .commands import CommandError, CommandSpec
from .connection import REPLY_MUTED, REPLY_SKIP, REPLY_SKIP_NEXT, Client, ServerOps, ops_of
from .resp import OK, QUEUED, RequestParser, SimpleString, encode_into

# the optional C helpers (plugredis/_speedups.c); the Python loop is RedisProtocol._run_py
_c_run_fast: Any = _c.run_fast if _c is not None else None
_c_flush_writes: Any = _c.flush_writes if _c is not None else None
if _c is not None:
    _c.set_types(SimpleString)

#: why ``run_fast`` handed a request back (see plugredis/_speedups.c)
RUN_DONE, RUN_SLOW, RUN_ARITY, RUN_EXC, RUN_REPLY, RUN_READY, RUN_CHECK = range(7)

if TYPE_CHECKING:
    from .server import Server

__all__ = ["RedisProtocol", "call", "exec_call"]

log = logging.getLogger("plugredis.protocol")

# Commands that run even inside MULTI (everything else is queued).
_MULTI_IMMEDIATE = frozenset({"exec", "discard", "multi", "watch", "quit", "reset"})
#: the commands a RESP2 client with pub/sub subscriptions may run
_PUBSUB_CONTEXT = frozenset(
    {
        "subscribe",
        "ssubscribe",
        "psubscribe",
        "unsubscribe",
        "sunsubscribe",
        "punsubscribe",
        "ping",
        "quit",
        "reset",
    }
)

#: a batch is cut once its replies pass this many bytes (the rest runs on the next loop turn)
BATCH_OUTPUT_MAX = 1024 * 1024
#: unsent replies above which a client without an output-buffer limit stops being read (the
#: transport's high-water mark); well above what any pipeline a client sends before it reads
#: needs, far below what would exhaust the machine
SLOW_READER_PAUSE = 64 * 1024 * 1024
#: bulk replies at least this long are counted against BATCH_OUTPUT_MAX as they are made
BIG_REPLY = 512
#: other replies are measured every this many output chunks
OUT_CHECK_EVERY = 64


DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from the "
    b"loopback interface. If you want to connect from external computers to Redis you may adopt "
    b"one of the following solutions: 1) Just disable protected mode sending the command "
    b"'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the "
    b"same host the server is running, however MAKE SURE Redis is not publicly accessible from "
    b"internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    b"you can just disable the protected mode by editing the Redis configuration file, and "
    b"setting the protected mode option to 'no', and then restarting the server. 3) If you "
    b"started the server manually just for testing, restart it with the '--protected-mode no' "
    b"option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    b"to do one of the above things in order for the server to start accepting connections from "
    b"the outside.\r\n"
)

DEBUG_DENIED = (
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you '
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server."
)


def _unknown_command(argv: list[bytes]) -> CommandError:
    """Redis's exact text: each argument quoted and followed by a space, 128 bytes at most."""
    args = b""
    for a in argv[1:]:
        if len(args) >= 128:
            break
        args += b"'" + a[: 128 - len(args)] + b"' "
    name = argv[0][:128]
    msg = b"ERR unknown command '%s', with args beginning with: %s" % (name, args)
    return CommandError(msg.decode("utf-8", "surrogateescape"))


def resolve(server: Server, argv: list[bytes]) -> CommandSpec:
    """The spec to run for ``argv`` (a subcommand when the command has them); raises errors."""
    spec = server.registry.dispatch.get(argv[0])
    if spec is None:
        spec = server.registry.dispatch.get(argv[0].lower())
        if spec is None:
            raise _unknown_command(argv)
    if spec.subcommands:
        if len(argv) >= 2:
            sub = spec.subcommands.get(argv[1].lower().decode("utf-8", "surrogateescape"))
            if sub is None:
                sub_name = argv[1].decode("utf-8", "surrogateescape")
                raise CommandError(
                    f"ERR unknown subcommand '{sub_name[:128]}'. Try {spec.name.upper()} HELP."
                )
            spec = sub
        elif spec.handler is None:
            raise CommandError(f"ERR wrong number of arguments for '{spec.name}' command")
    return spec


def check_arity(spec: CommandSpec, argc: int) -> None:
    a = spec.arity
    if (a > 0 and argc != a) or argc < -a:
        raise CommandError(f"ERR wrong number of arguments for '{spec.name}' command")


def call(client: Client, spec: CommandSpec, argv: list[bytes]) -> Any:
    """Run one resolved command for ``client`` and return its reply (errors as CommandError)."""
    client.argv = argv
    spec.calls += 1
    if spec.parent is not None:
        return spec.handler(client, *argv[2:])  # type: ignore[misc]
    return spec.handler(client, *argv[1:])  # type: ignore[misc]


def exec_call(client: Client, spec: CommandSpec, argv: list[bytes]) -> Any:
    """Run one command queued by MULTI (EXEC): timed, fed to MONITOR, errors counted.

    Returns the reply; an error is returned as a :class:`CommandError` (not raised).
    """
    ops = client.ops
    t0 = perf_counter_ns()
    try:
        reply = call(client, spec, argv)
    except CommandError as e:
        spec.failed_calls += 1
        client.server.stats.errors += 1
        ops.count_error(e.message)
        reply = e
    except Exception as e:
        spec.failed_calls += 1
        client.server.stats.errors += 1
        log.exception("command %r failed", argv[0])
        reply = CommandError("ERR internal error: " + _oneline(e).decode())
        ops.count_error(b"ERR")
    ops.after_command(spec, argv, (perf_counter_ns() - t0) // 1000, client)
    if client.tracking is not None and ops.tracker is not None:
        ops.tracker.after_command(client, spec, argv)
    if ops.monitors and "admin" not in spec.flags and "skip_monitor" not in spec.flags:
        ops.feed_monitors(client, argv)
    return reply


def _is_local(addr: Any) -> bool:
    """True for loopback peers (and UNIX sockets): protected mode lets them in."""
    if not (isinstance(addr, tuple) and addr):
        return True
    try:
        ip = ipaddress.ip_address(addr[0].split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class RedisProtocol(asyncio.Protocol):
    """One client connection."""

    __slots__ = (
        "_big",
        "_check",
        "client",
        "config_gen",
        "cur_out",
        "deferred",
        "dispatch",
        "fast_dispatch",
        "fd",
        "ops",
        "parser",
        "paused_reading",
        "pending",
        "real_clock",
        "resume_scheduled",
        "schedule_flush",
        "server",
        "soft_since",
        "timed",
        "transport",
        "write_paused",
    )

    def __init__(self, server: Server) -> None:
        self.server = server
        self.ops = ops_of(server)
        self.dispatch = self.ops.dispatch
        self.fast_dispatch = self.ops.fast_dispatch
        self.parser = RequestParser(server.proto_max_bulk_len, server.client_query_buffer_limit)
        self.transport: asyncio.Transport | None = None
        self.client = Client(server, self)
        #: requests received while the client is blocked, paused or held back by a slow reader
        self.pending: deque[list[bytes]] = deque()
        self.paused_reading = False
        self.write_paused = False
        self.resume_scheduled = False
        #: replies of the batch being run (out-of-band pushes join it to keep the order)
        self.cur_out: list[bytes] | None = None
        #: set by the slow path when it timed the command itself
        self.timed = False
        #: bytes of big replies, and the size of ``out`` at which to check it, in a run
        self._big = 0
        self._check = 0
        #: when the output buffer first went over the soft limit (ms), 0 when it is under
        self.soft_since = 0
        #: the server runs on the real clock (time_ns gives its time snapshot too)
        self.real_clock = type(server.clock) is Clock
        #: the ops.config_gen the parser's limits were read at
        self.config_gen = self.ops.config_gen
        self.fd = -1
        #: the server's replies deferred to the end of the loop iteration by the C ``serve``
        #: (transport, data, ...; see ``flush_writes`` in plugredis/_speedups.c): every other
        #: write to a client writes them first
        self.deferred = self.ops.deferred
        if self.ops.schedule_flush is None:
            self.ops.schedule_flush = _flush_scheduler(self.deferred)
        self.schedule_flush = self.ops.schedule_flush

    # -- asyncio callbacks ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Called by the event loop when a client connects."""
        self.transport = cast(asyncio.Transport, transport)
        self.transport.set_write_buffer_limits(high=SLOW_READER_PAUSE)
        server = self.server
        client = self.client
        peer = transport.get_extra_info("peername")
        sock = transport.get_extra_info("sockname")
        sockobj = transport.get_extra_info("socket")
        if sockobj is not None:
            try:
                self.fd = sockobj.fileno()
            except Exception:
                self.fd = -1
        client.addr = _fmt_addr(peer)
        client.laddr = _fmt_addr(sock)
        client.created = client.last_interaction = server.clock.ms()
        if len(server.clients) >= server.maxclients:
            server.stats.rejected_connections += 1
            self.transport.write(b"-ERR max number of clients reached\r\n")
            self.transport.close()
            client.closing = True
            return
        if server.protected_mode and not server.requirepass and not _is_local(peer):
            server.stats.rejected_connections += 1
            log.warning("refused %s: protected mode (no password, not a loopback client)", peer)
            self.transport.write(DENIED)
            self.transport.close()
            client.closing = True
            return
        server.clients[client.id] = client
        server.stats.total_connections_received += 1

    def connection_lost(self, exc: Exception | None) -> None:
        """Called by the event loop when the connection closes, for whatever reason."""
        client = self.client
        server = self.server
        if client.block_state is not None:
            server.blocking.disconnected(client)
        if client.watched:
            client.unwatch_all()
        ops = self.ops
        if client.postponed:
            client.postponed = False
            try:
                ops.postponed.remove(client)
            except ValueError:
                pass
        if client.monitor:
            client.monitor = False
            try:
                ops.monitors.remove(client)
            except ValueError:
                pass
            ops.update_slow()
        if client.tracking is not None:
            client.tracking = None
            if ops.tracker is not None:
                ops.tracker.disabled(client)
        if (client.sub or client.psub or client.ssub) and ops.pubsub is not None:
            ops.pubsub.leave(client)
        server.clients.pop(client.id, None)
        client.closing = True
        client.protocol = None
        self.transport = None
        self.pending.clear()

    def pause_writing(self) -> None:
        """Called by the transport when its unsent replies exceed :data:`SLOW_READER_PAUSE`.

        Without an output-buffer limit for its class, the client stops being read (and its
        pending requests wait): that bounds what it can make the server hold.  With a limit,
        it is served on, as Redis does, until the limit disconnects it.
        """
        if self._limits() is not None:
            return
        self.write_paused = True
        if self.transport is not None and not self.paused_reading:
            self.paused_reading = True
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        """Called by the transport when its write buffer drains below the low-water mark."""
        self.write_paused = False
        if self.transport is not None and self.paused_reading:
            self.paused_reading = False
            self.transport.resume_reading()
        if self.pending and self._can_run():
            self._schedule_resume()

    def data_received(self, data: bytes) -> None:
        """Called by the event loop with the bytes of one read.

        Where the C helpers were built, this method is replaced (below the class) by
        ``_speedups.data_received_method``: a C method that first has ``serve`` do all of it
        for the common read (whole canonical frames, a client in the plain state, fast-path
        commands with simple replies) and hands anything else to Python: the read untouched
        to :meth:`_read`, or the run stopped at a request that needs Python to
        :meth:`_serve_rest`.  Without a Python frame per read, which was about 1% of the
        server's time under ``redis-benchmark -c 50``.
        """
        self._read(data)

    def _read(self, data: bytes) -> None:
        """The Python path of :meth:`data_received` (the whole of it without the C helpers)."""
        client = self.client
        if client.closing:
            return
        ops = self.ops
        if self.config_gen != ops.config_gen:
            self._reread_limits()
        reqs = self.parser.feed(data)
        if self.pending or client.block_state is not None or client.postponed:
            # run in order once the client is woken, unpaused or its output drained; a
            # protocol error is answered then (after the requests that came before it)
            self.pending.extend(reqs)
            return
        out: list[bytes] = []
        if not reqs:
            self._flush(out)
            return
        server = self.server
        if self.real_clock:  # one clock read gives both the time snapshot and the timer
            t0 = time_ns()
            now = t0 // 1_000_000
        else:
            now = server.clock.ms()
            t0 = time_ns()
        server.now_ms = now
        client.last_interaction = now
        self.run(reqs, out)
        self._ran(reqs, out, t0)

    def _serve_rest(
        self, reqs: list[list[bytes]], i: int, code: int, obj: Any, out: list[bytes], t0: int
    ) -> None:
        """Go on with a read ``serve`` stopped at ``reqs[i]`` for ``code`` (``RUN_DONE``: only
        the tail is left)."""
        if code != RUN_DONE:
            self._big = 0
            self._check = len(out) + OUT_CHECK_EVERY
            self._run_on(reqs, i, code, obj, out)
        self._ran(reqs, out, t0)

    def _ran(self, reqs: list[list[bytes]], out: list[bytes], t0: int) -> None:
        """After a batch that started at ``t0`` (ns): account its time, then :meth:`_flush`."""
        elapsed = time_ns() - t0
        if self.timed:  # the slow path timed its commands itself
            self.timed = False
        else:
            ops = self.ops
            ops.batch_ns += elapsed
            if elapsed >= ops.alert_ns:
                self._slow_read(reqs, elapsed)
        self._flush(out)

    def _flush(self, out: list[bytes]) -> None:
        """Write a read's replies (or answer its protocol error), then close or resume."""
        if self.deferred:  # replies of earlier reads go first
            _c_flush_writes(self.deferred)
        client = self.client
        if self.parser.error is not None and not self.pending and not self._held():
            self._protocol_error(out)
        elif self.transport is not None:
            if out:
                data = b"".join(out)
                if client.push_class or self.ops.obuf_normal:
                    self._write(data)
                else:
                    self.transport.write(data)
            if client.closing:
                self._close_transport()
            elif self.pending and self._can_run():
                self._schedule_resume()

    def _reread_limits(self) -> None:
        """CONFIG SET proto-max-bulk-len / client-query-buffer-limit apply to every connection."""
        self.config_gen = self.ops.config_gen
        self.parser.max_bulk = self.server.proto_max_bulk_len
        self.parser.max_query = self.server.client_query_buffer_limit

    # -- running commands -----------------------------------------------------------------------

    def run(self, reqs: list[list[bytes]], out: list[bytes]) -> None:
        """Run ``reqs`` appending replies to ``out``.

        Stops early (the rest goes to :attr:`pending`) when the client blocks, is paused by
        CLIENT PAUSE, closes, or when the replies pass :data:`BATCH_OUTPUT_MAX`.

        Where the C helpers were built, ``run_fast`` runs the fast-path commands (and encodes
        their bulk, ``+OK``, integer and null replies) and hands back every other case, which
        the same Python code as the pure-Python loop (:meth:`_run_py`) deals with.
        """
        if _c_run_fast is None:
            self._run_py(reqs, out)
            return
        client = self.client
        self._big = 0
        self._check = len(out) + OUT_CHECK_EVERY
        i, code, obj = _c_run_fast(
            reqs, 0, self.fast_dispatch, client, out, OK, client.resp3, self.server.blocking
        )
        if code != RUN_DONE:
            self._run_on(reqs, i, code, obj, out)

    def _run_on(
        self, reqs: list[list[bytes]], i: int, code: int, obj: Any, out: list[bytes]
    ) -> None:
        """Go on with a run the C loop stopped at ``reqs[i]`` for ``code`` (not ``RUN_DONE``)."""
        assert _c_run_fast is not None
        client = self.client
        blocking = self.server.blocking
        fast = self.fast_dispatch
        resp3 = client.resp3
        while True:
            argv = reqs[i]
            i += 1
            if code == RUN_SLOW:
                if self._slow(argv, reqs, i, out):
                    return
                resp3 = client.resp3
            elif code == RUN_ARITY:
                self._wrong_arity(fast[argv[0]][3], out)
            elif code == RUN_EXC:
                self._handler_failed(fast[argv[0]][3], argv, obj, out)
            elif code == RUN_REPLY:
                if self._reply(obj, reqs, i, out, resp3):
                    return
            elif code == RUN_READY:
                blocking.serve_ready()
            elif self._output_full(reqs, i, out):  # RUN_CHECK: big array replies
                return
            i, code, obj = _c_run_fast(reqs, i, fast, client, out, OK, resp3, blocking)
            if code == RUN_DONE:
                return

    def _run_py(self, reqs: list[list[bytes]], out: list[bytes]) -> None:
        """:meth:`run` in pure Python (the twin of ``plugredis._speedups.run_fast``)."""
        client = self.client
        server = self.server
        fast = self.fast_dispatch
        resp3 = client.resp3
        blocking = server.blocking
        i = 0
        self._big = 0
        self._check = len(out) + OUT_CHECK_EVERY
        append = out.append
        for argv in reqs:
            i += 1
            # -- fast path: a known, non-container command for a client in the plain state --
            entry = fast.get(argv[0])
            if entry is not None and client.fast:
                handler, amin, amax, spec = entry
                if not amin <= len(argv) <= amax:
                    self._wrong_arity(spec, out)
                    continue
                client.argv = argv
                spec.calls += 1
                try:
                    reply = handler(client, *argv[1:])
                except Exception as e:
                    self._handler_failed(spec, argv, e, out)
                    continue
                t = type(reply)
                if t is bytes and len(reply) < BIG_REPLY:
                    append(b"$%d\r\n%s\r\n" % (len(reply), reply))
                elif reply is OK:  # the commonest replies skip the generic encoder
                    append(b"+OK\r\n")
                elif t is int:
                    append(b":%d\r\n" % reply)
                elif reply is None:
                    append(b"_\r\n" if resp3 else b"$-1\r\n")
                else:
                    if self._reply(reply, reqs, i, out, resp3):
                        return
                    continue
                if blocking.ready:
                    blocking.serve_ready()
                continue
            # -- everything else --
            if self._slow(argv, reqs, i, out):
                return
            resp3 = client.resp3

    def _slow(self, argv: list[bytes], reqs: list[list[bytes]], i: int, out: list[bytes]) -> bool:
        """Run ``argv`` on the slow path; True when the run stops there (``reqs[i:]`` is then
        pending, or dropped when the client closes)."""
        self.run_slow(argv, out)
        client = self.client
        if client.closing:
            return True
        if client.block_state is not None or client.postponed:
            self.pending.extend(reqs[i:])
            return True
        return i < len(reqs) and len(out) > self._check and self._output_full(reqs, i, out)

    def _output_full(self, reqs: list[list[bytes]], i: int, out: list[bytes]) -> bool:
        """True when the batch's replies passed :data:`BATCH_OUTPUT_MAX` with requests left to
        run (``reqs[i:]`` is then pending); else the next check is :data:`OUT_CHECK_EVERY`
        replies away."""
        if i < len(reqs) and sum(map(len, out)) > BATCH_OUTPUT_MAX:
            self.pending.extend(reqs[i:])
            return True
        self._check = len(out) + OUT_CHECK_EVERY
        return False

    def _wrong_arity(self, spec: CommandSpec, out: list[bytes]) -> None:
        spec.rejected_calls += 1
        self.server.stats.errors += 1
        self.ops.count_error(b"ERR")
        out.append(b"-ERR wrong number of arguments for '%s' command\r\n" % spec.name.encode())

    def _handler_failed(
        self, spec: CommandSpec, argv: list[bytes], e: BaseException, out: list[bytes]
    ) -> None:
        """A fast-path handler raised ``e``: a command error is the reply, anything else is a
        bug in the handler, logged, which must not take the server down."""
        spec.failed_calls += 1
        self.server.stats.errors += 1
        if isinstance(e, CommandError):
            self.ops.count_error(e.message)
            out.append(e.encode())
            blocking = self.server.blocking
            if blocking.ready:
                blocking.serve_ready()
            return
        if not isinstance(e, Exception):  # KeyboardInterrupt, SystemExit: not ours to swallow
            raise e
        self.ops.count_error(b"ERR")
        log.error("command %r failed", argv[0], exc_info=e)
        out.append(b"-ERR internal error: %s\r\n" % _oneline(e))

    def _reply(
        self, reply: Any, reqs: list[list[bytes]], i: int, out: list[bytes], resp3: bool
    ) -> bool:
        """Deliver a fast-path reply that is not a short bulk string, ``+OK``, an ``int`` or a
        null (big bulk strings, containers, BLOCKED...), then serve ready blocked clients.  True
        when the run stops here (``reqs[i:]`` is then pending): the client blocked, or the
        replies passed :data:`BATCH_OUTPUT_MAX`."""
        if reply is BLOCKED:  # a handler that answers later, or never (SHUTDOWN)
            if self.client.block_state is not None:
                self.pending.extend(reqs[i:])
                return True
            return False
        t = type(reply)
        if t is bytes:
            blen = len(reply)
            out.append(b"$%d\r\n%s\r\n" % (blen, reply))
            if blen >= BIG_REPLY:
                self._big += blen
                if self._big > BATCH_OUTPUT_MAX and i < len(reqs):
                    self.pending.extend(reqs[i:])
                    return True
        elif t is int:
            out.append(b":%d\r\n" % reply)
        else:
            encode_into(reply, out, resp3)
            if len(out) > self._check and self._output_full(reqs, i, out):
                return True
        blocking = self.server.blocking
        if blocking.ready:
            blocking.serve_ready()
        return False

    def run_slow(self, argv: list[bytes], out: list[bytes]) -> None:
        """Run one command with every check, in Redis's order; replies go to ``out``."""
        self.timed = True  # timed here if it runs (queued or refused commands are not timed)
        client = self.client
        mode = client.reply_mode
        if not mode:
            # Out-of-band pushes to this client while it runs (its own MONITOR line, tracking
            # invalidations, pub/sub) join its replies in order.  Clients that can get pushes
            # never take the fast path, so only this path needs it.
            self.cur_out = out
            self._run_checked(argv, out)
            self.cur_out = None
            if not client.reply_mode:
                return
        else:
            # CLIENT REPLY OFF/SKIP: the reply is made, then dropped unless the command itself
            # turned replies back on (CLIENT REPLY ON answers +OK)
            tmp: list[bytes] = []
            self._run_checked(argv, tmp)
            if not client.reply_mode & REPLY_MUTED:
                out.extend(tmp)
        mode = client.reply_mode & ~REPLY_SKIP
        if mode & REPLY_SKIP_NEXT:
            mode = (mode | REPLY_SKIP) & ~REPLY_SKIP_NEXT
        client.reply_mode = mode
        client.update_fast()

    def _reject(self, spec: CommandSpec | None, msg: str, out: list[bytes]) -> None:
        """An error before execution: counted, and it aborts a MULTI (EXECABORT at EXEC)."""
        client = self.client
        self.server.stats.errors += 1
        if spec is not None:
            spec.rejected_calls += 1
            if spec.name == "exec":
                # EXEC itself refused: the transaction is discarded, with the reason
                client.multi = None
                client.multi_error = False
                client.multi_flags = False
                client.unwatch_all()
                client.update_fast()
                if msg.startswith("ERR "):  # Redis words its own errors without the code here
                    msg = msg[4:]
                msg = "EXECABORT Transaction discarded because of: " + msg
        if client.multi is not None:
            client.multi_error = True
        self.ops.count_error(msg)
        out.append(CommandError(msg).encode())

    def _run_checked(self, argv: list[bytes], out: list[bytes]) -> None:
        client = self.client
        server = self.server
        ops = self.ops
        try:
            spec = resolve(server, argv)
        except CommandError as e:
            self._reject(None, e.message, out)
            return
        argc = len(argv)
        a = spec.arity
        if (a > 0 and argc != a) or argc < -a:
            self._reject(spec, f"ERR wrong number of arguments for '{spec.name}' command", out)
            return
        if (
            spec.name == "debug"
            and ops.enable_debug != "yes"
            and (ops.enable_debug != "local" or not _is_local_addr(client.addr))
        ):
            self._reject(spec, DEBUG_DENIED, out)
            return
        if not client.authenticated and server.requirepass and not spec.no_auth:
            self._reject(spec, "NOAUTH Authentication required.", out)
            return
        flags = spec.flags
        if client.multi is not None and "no_multi" in flags:
            self._reject(spec, "ERR Command not allowed inside a transaction", out)
            return
        if (
            client.push_class
            and not client.resp3
            and (client.sub or client.psub or client.ssub)
            and spec.name not in _PUBSUB_CONTEXT
        ):
            self._reject(
                spec,
                f"ERR Can't execute '{spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE /"
                " PING / QUIT / RESET are allowed in this context",
                out,
            )
            return
        if client.monitor and ("write" in flags or "readonly" in flags or "may_replicate" in flags):
            self._reject(spec, "ERR Replica can't interact with the keyspace", out)
            return
        if ops.pause_end_ms and not client.monitor and self._must_pause(spec, flags):
            client.postponed = True
            client.argv = argv  # CLIENT LIST shows the command waiting
            ops.postponed.append(client)
            self.pending.append(argv)
            return
        if client.multi is not None and (spec.parent or spec).name not in _MULTI_IMMEDIATE:
            client.multi.append((spec, argv))
            if "write" in flags or "may_replicate" in flags:
                client.multi_flags = True
            out.append(b"+QUEUED\r\n")
            return
        tracker = ops.tracker
        if tracker is not None:
            tracker.current = client
        t0 = perf_counter_ns()
        try:
            reply = call(client, spec, argv)
        except CommandError as e:
            spec.failed_calls += 1
            server.stats.errors += 1
            ops.count_error(e.message)
            out.append(e.encode())
        except Exception as e:
            spec.failed_calls += 1
            server.stats.errors += 1
            ops.count_error(b"ERR")
            log.exception("command %r failed", argv[0])
            out.append(b"-ERR internal error: %s\r\n" % _oneline(e))
        else:
            if reply is not BLOCKED:
                encode_into(reply, out, client.resp3)
        ops.after_command(spec, argv, (perf_counter_ns() - t0) // 1000, client)
        if tracker is not None:
            tracker.current = None
            if client.tracking is not None:
                tracker.after_command(client, spec, argv)
            if tracker.deferred:
                tracker.flush_deferred()
        if ops.monitors and "admin" not in flags and "skip_monitor" not in flags:
            ops.feed_monitors(client, argv)
        if server.blocking.ready:
            server.blocking.serve_ready()

    def _slow_read(self, reqs: list[list[bytes]], elapsed_ns: int) -> None:
        """A read whose fast-path commands took at least ``alert_us``.

        Alone in its read, the command is measured exactly (slow log, latency monitor,
        commandstats); pipelined commands are not timed one by one, so a slow pipelined read is
        not attributed to any of them.
        """
        if len(reqs) != 1:
            return
        spec: Any = self.dispatch.get(reqs[0][0])
        if spec is not None and spec.check_arity(len(reqs[0])):
            usec = elapsed_ns // 1000
            self.ops.batch_ns -= elapsed_ns  # counted exactly instead
            self.ops.after_command(spec, reqs[0], usec, self.client)

    def _must_pause(self, spec: CommandSpec, flags: tuple[str, ...]) -> bool:
        """CLIENT PAUSE: does this command wait for the pause to end?"""
        ops = self.ops
        if ops.pause_end_ms <= self.server.clock.ms():
            return False
        if ops.pause_all:
            return True
        if "write" in flags or "may_replicate" in flags:
            return True
        client = self.client
        return spec.name == "exec" and client.multi is not None and client.multi_flags

    # -- resuming held requests -----------------------------------------------------------------

    def _held(self) -> bool:
        c = self.client
        return c.block_state is not None or c.postponed

    def _can_run(self) -> bool:
        c = self.client
        return (
            self.transport is not None
            and not c.closing
            and c.block_state is None
            and not c.postponed
            and not self.write_paused
        )

    def _schedule_resume(self) -> None:
        if not self.resume_scheduled:
            self.resume_scheduled = True
            asyncio.get_running_loop().call_soon(self._resume)

    def _resume(self) -> None:
        self.resume_scheduled = False
        if self.pending and self._can_run():
            self.run_pending([])

    def run_pending(self, out: list[bytes]) -> None:
        """Run the requests held back (after a wake-up, an unpause or a drained socket)."""
        client = self.client
        server = self.server
        if self.pending and self._can_run():
            reqs = list(self.pending)
            self.pending.clear()
            server.now_ms = server.clock.ms()
            client.last_interaction = server.now_ms
            self.cur_out = out
            self.run(reqs, out)
            self.cur_out = None
            self.timed = False
        if self.transport is None:
            return
        if out:
            self._write(b"".join(out))
        if client.closing:
            self._close_transport()
            return
        if not self.pending and self.parser.error is not None and not self._held():
            self._protocol_error([])
        elif self.pending and self._can_run():
            self._schedule_resume()

    def unblocked(self, reply: Any) -> None:
        """Deliver the reply of a blocking command, then run what the client sent meanwhile."""
        if self.transport is None:
            return
        out: list[bytes] = []
        if isinstance(reply, CommandError):
            self.ops.count_error(reply.message)
            out.append(reply.encode())
        else:
            encode_into(reply, out, self.client.resp3)
        self.run_pending(out)

    def unpaused(self) -> None:
        """CLIENT PAUSE ended: run the postponed command and what followed it."""
        self.client.postponed = False
        if self.transport is not None:
            self.run_pending([])

    # -- output ---------------------------------------------------------------------------------

    def _limits(self) -> tuple[int, int, int] | None:
        """This client's client-output-buffer-limit (None when it has none)."""
        c = self.client
        ops = self.ops
        if c.push_class:
            limits = ops.obuf_limits["pubsub"]
            return limits if limits[0] or limits[1] else None
        return ops.obuf_limits["normal"] if ops.obuf_normal else None

    def _write(self, data: bytes) -> None:
        t = self.transport
        if t is None:
            return
        if self.deferred:  # replies of earlier reads go first
            _c_flush_writes(self.deferred)
        c = self.client
        if c.push_class or self.ops.obuf_normal:
            limits = self._limits()
            # as Redis: what is waiting to be sent, this batch included, against the limits
            if limits is not None and not self._within_limits(
                t.get_write_buffer_size() + len(data), limits
            ):
                return
        t.write(data)

    def _within_limits(self, size: int, limits: tuple[int, int, int]) -> bool:
        """client-output-buffer-limit: disconnect past the hard limit, or the soft one too long."""
        hard, soft, seconds = limits
        if hard and size >= hard:
            self._kill_for_output(size)
            return False
        if soft and size >= soft:
            now = self.server.clock.ms()
            if not self.soft_since:
                self.soft_since = now
            elif (now - self.soft_since) // 1000 > seconds:
                self._kill_for_output(size)
                return False
        else:
            self.soft_since = 0
        return True

    def _kill_for_output(self, size: int) -> None:
        log.warning(
            "Client %s closed for overcoming of output buffer limits (%s class, %d bytes).",
            self.client.addr,
            self.client.obuf_class(),
            size,
        )
        self.client.closing = True
        self.pending.clear()
        if self.transport is not None:
            self.transport.abort()

    def push(self, value: Any) -> bool:
        """Send an out-of-band reply (pub/sub message) encoded for this client's protocol."""
        out: list[bytes] = []
        encode_into(value, out, self.client.resp3)
        return self.push_raw(b"".join(out))

    def push_raw(self, data: bytes) -> bool:
        """Send bytes outside any request/reply (MONITOR lines, pub/sub messages)."""
        client = self.client
        if self.transport is None or client.closing:
            return False
        if client.reply_mode & REPLY_MUTED:
            return True
        if self.cur_out is not None:  # in the middle of this client's own batch: keep the order
            self.cur_out.append(data)
            return True
        self._write(data)
        return not client.closing

    def output_buffer_size(self) -> int:
        """Bytes written but not yet sent (CLIENT LIST omem)."""
        t = self.transport
        try:
            return t.get_write_buffer_size() if t is not None else 0
        except Exception:
            return 0

    def query_buffer_size(self) -> int:
        """Bytes of requests received but not yet run (CLIENT LIST qbuf), roughly."""
        return sum(sum(len(a) for a in r) for r in self.pending) if self.pending else 0

    def _protocol_error(self, out: list[bytes]) -> None:
        err = self.parser.error
        assert err is not None
        self.server.stats.errors += 1
        if err.reply:
            self.ops.count_error(b"ERR")
            out.append(b"-ERR Protocol error: %s\r\n" % err.msg.encode())
        # (Redis logs these at "verbose": not at the default level, so a client cannot flood it)
        log.debug("closing client %s: protocol error: %s", self.client.addr, err.msg)
        self.close(out)

    def _close_transport(self) -> None:
        t = self.transport
        if t is not None:
            if self.deferred:  # replies of earlier reads are written before the close
                _c_flush_writes(self.deferred)
            t.close()

    def close(self, out: list[bytes] | None = None) -> None:
        """Write ``out`` (if any) and close once it is flushed."""
        self.client.closing = True
        self.pending.clear()
        if self.transport is not None:
            if self.deferred:  # replies of earlier reads are written before the close
                _c_flush_writes(self.deferred)
            if out:
                self.transport.write(b"".join(out))
            self.transport.close()


def _is_local_addr(addr: str) -> bool:
    host = addr.rsplit(":", 1)[0]
    return _is_local((host, 0))


def _oneline(e: Exception) -> bytes:
    return str(e).replace("\r", " ").replace("\n", " ").encode()[:200]


def _fmt_addr(addr: Any) -> str:
    if isinstance(addr, tuple) and len(addr) >= 2:
        return f"{addr[0]}:{addr[1]}"
    if isinstance(addr, str):
        return addr
    return "?:0"


def _flush_scheduler(deferred: list[Any]) -> Callable[[], bool]:
    """The protocol's ``schedule_flush``: asks the running loop to write the replies ``serve``
    deferred (``deferred``, the server's list) once the iteration's reads are served; False
    (they are written at once) where no loop runs."""

    def schedule() -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        loop.call_soon(_c_flush_writes, deferred)
        return True

    return schedule


if _c is not None:  # serve() reads these classes' slots directly
    _c.set_serve_types(RedisProtocol, Client, RequestParser, OK, CommandSpec, ServerOps, Blocking)
    RedisProtocol.data_received = _c.data_received_method(RedisProtocol)  # type: ignore[method-assign]
    try:  # uvloop's stream transports: a reply may go straight to the socket (_speedups.c)
        import uvloop.loop as _uvloop_loop
    except ImportError:  # pragma: no cover - uvloop is a dependency
        pass
    else:
        _names = ("TCPTransport", "UnixTransport")
        _c.set_direct_write(*(t for n in _names if (t := getattr(_uvloop_loop, n, None))))

_ = QUEUED  # re-exported for builtin.transactions
