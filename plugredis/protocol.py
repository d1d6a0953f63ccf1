"""The asyncio side of a connection: read, run every complete command, write once.

``data_received`` feeds the sans-IO :class:`~plugredis.resp.RequestParser`, runs every complete
request in the read (handlers are synchronous: each runs to completion, which is the atomicity
Redis gives), joins the replies and makes one ``transport.write`` per batch.  While the transport's
write buffer is above its high-water mark, reading is paused, so a client that does not read its
replies cannot make the server buffer without bound.

Hot-path rules (measured, see docs/architecture.md): no pluggy call per command, dispatch is one
dict lookup, one write per batch.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any, cast

from .blocking import BLOCKED
from .commands import CommandError, CommandSpec
from .connection import Client
from .resp import QUEUED, RequestParser, encode_into

if TYPE_CHECKING:
    from .server import Server

__all__ = ["RedisProtocol", "call"]

log = logging.getLogger("plugredis.protocol")

# Commands that run even inside MULTI (everything else is queued).
_MULTI_IMMEDIATE = frozenset({"exec", "discard", "multi", "watch", "quit", "reset"})


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
        spec.parent.calls += 1
        return spec.handler(client, *argv[2:])  # type: ignore[misc]
    return spec.handler(client, *argv[1:])  # type: ignore[misc]


class RedisProtocol(asyncio.Protocol):
    """One client connection."""

    __slots__ = (
        "client",
        "fd",
        "parser",
        "paused_reading",
        "pending",
        "server",
        "transport",
        "write_paused",
    )

    def __init__(self, server: Server) -> None:
        self.server = server
        self.parser = RequestParser(server.proto_max_bulk_len, server.client_query_buffer_limit)
        self.transport: asyncio.Transport | None = None
        self.client = Client(server, self)
        #: requests received while the client is blocked, run once it is woken
        self.pending: deque[list[bytes]] = deque()
        self.paused_reading = False
        self.write_paused = False
        self.fd = -1

    # -- asyncio callbacks ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Called by the event loop when a client connects."""
        self.transport = cast(asyncio.Transport, transport)
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
        if len(server.clients) >= server.maxclients:
            server.stats.rejected_connections += 1
            self.transport.write(b"-ERR max number of clients reached\r\n")
            self.transport.close()
            client.closing = True
            return
        server.clients[client.id] = client
        server.stats.total_connections_received += 1

    def connection_lost(self, exc: Exception | None) -> None:
        """Called by the event loop when the connection closes, for whatever reason."""
        client = self.client
        if client.block_state is not None:
            self.server.blocking.disconnected(client)
        if client.watched:
            client.unwatch_all()
        self.server.clients.pop(client.id, None)
        client.closing = True
        client.protocol = None
        self.transport = None

    def pause_writing(self) -> None:
        """Called by the transport when its write buffer exceeds the high-water mark."""
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

    def data_received(self, data: bytes) -> None:
        """Called by the event loop with the bytes of one read."""
        client = self.client
        if client.closing:
            return
        parser = self.parser
        reqs = parser.feed(data)
        if client.block_state is not None or self.pending:
            self.pending.extend(reqs)
            if parser.error is not None:
                self._protocol_error([])
            return
        out: list[bytes] = []
        if reqs:
            self.server.now_ms = self.server.clock.ms()
            client.last_interaction = time.monotonic()
            self.run(reqs, 0, out)
        if parser.error is not None:
            self._protocol_error(out)
        elif self.transport is not None:
            if out:
                self.transport.write(b"".join(out))
            if client.closing:
                self.transport.close()

    # -- running commands -----------------------------------------------------------------------

    def run(self, reqs: Any, start: int, out: list[bytes]) -> None:
        """Run ``reqs[start:]`` appending replies to ``out``; stops when the client blocks."""
        client = self.client
        server = self.server
        dispatch = server.registry.dispatch
        resp3 = client.resp3
        blocking = server.blocking
        n = len(reqs)
        i = start
        while i < n:
            argv = reqs[i]
            i += 1
            # -- fast path: a known, non-container command, outside MULTI, authenticated --
            spec = dispatch.get(argv[0])
            if (
                spec is not None
                and not spec.slow
                and client.multi is None
                and client.authenticated
                and not server.paused
            ):
                a = spec.arity
                argc = len(argv)
                if (a > 0 and argc != a) or argc < -a:
                    spec.rejected_calls += 1
                    server.stats.errors += 1
                    out.append(
                        b"-ERR wrong number of arguments for '%s' command\r\n" % spec.name.encode()
                    )
                    continue
                client.argv = argv
                spec.calls += 1
                try:
                    reply = spec.handler(client, *argv[1:])  # type: ignore[misc]
                except CommandError as e:
                    spec.failed_calls += 1
                    server.stats.errors += 1
                    out.append(e.encode())
                    reply = None
                    if blocking.ready:
                        blocking.serve_ready()
                    continue
                except Exception as e:  # a bug in a handler must not take the server down
                    spec.failed_calls += 1
                    server.stats.errors += 1
                    log.exception("command %r failed", argv[0])
                    out.append(b"-ERR internal error: %s\r\n" % _oneline(e))
                    continue
                if reply is BLOCKED:
                    self.pending.extend(reqs[i:])
                    return
                t = type(reply)
                if t is bytes:
                    out.append(b"$%d\r\n%s\r\n" % (len(reply), reply))
                else:
                    encode_into(reply, out, resp3)
                if blocking.ready:
                    blocking.serve_ready()
                continue
            # -- everything else --
            self.run_slow(argv, out)
            resp3 = client.resp3
            if client.closing:
                return
            if client.block_state is not None:
                self.pending.extend(reqs[i:])
                return

    def run_slow(self, argv: list[bytes], out: list[bytes]) -> None:
        """Dispatch with every check: subcommands, MULTI queueing, AUTH, client pause."""
        client = self.client
        server = self.server
        try:
            spec = resolve(server, argv)
        except CommandError as e:
            server.stats.errors += 1
            if client.multi is not None:
                client.multi_error = True
            out.append(e.encode())
            return
        if not client.authenticated and not spec.no_auth:
            server.stats.errors += 1
            if client.multi is not None:
                client.multi_error = True
            out.append(b"-NOAUTH Authentication required.\r\n")
            return
        if client.multi is not None and spec.name.split("|")[0] not in _MULTI_IMMEDIATE:
            argc = len(argv)
            a = spec.arity
            if (a > 0 and argc != a) or argc < -a:
                client.multi_error = True
                server.stats.errors += 1
                out.append(
                    b"-ERR wrong number of arguments for '%s' command\r\n" % spec.name.encode()
                )
                return
            client.multi.append((spec, argv))
            out.append(b"+QUEUED\r\n")
            return
        try:
            check_arity(spec, len(argv))
        except CommandError as e:
            spec.rejected_calls += 1
            server.stats.errors += 1
            if client.multi is not None:
                client.multi_error = True
            out.append(e.encode())
            return
        try:
            reply = call(client, spec, argv)
        except CommandError as e:
            spec.failed_calls += 1
            server.stats.errors += 1
            out.append(e.encode())
            reply = None
        except Exception as e:
            spec.failed_calls += 1
            server.stats.errors += 1
            log.exception("command %r failed", argv[0])
            out.append(b"-ERR internal error: %s\r\n" % _oneline(e))
            reply = None
        else:
            if reply is not BLOCKED:
                encode_into(reply, out, client.resp3)
        if server.blocking.ready:
            server.blocking.serve_ready()

    def unblocked(self, reply: Any) -> None:
        """Deliver the reply of a blocking command, then run what the client sent meanwhile."""
        if self.transport is None:
            return
        out: list[bytes] = []
        if isinstance(reply, CommandError):
            out.append(reply.encode())
        else:
            encode_into(reply, out, self.client.resp3)
        if self.pending:
            reqs = list(self.pending)
            self.pending.clear()
            self.server.now_ms = self.server.clock.ms()
            self.run(reqs, 0, out)
        if out and self.transport is not None:
            self.transport.write(b"".join(out))
            if self.client.closing:
                self.transport.close()
        if self.parser.error is not None and self.client.block_state is None:
            self._protocol_error([])

    def _protocol_error(self, out: list[bytes]) -> None:
        err = self.parser.error
        assert err is not None
        self.server.stats.errors += 1
        if err.reply:
            out.append(b"-ERR Protocol error: %s\r\n" % err.msg.encode())
        log.info("closing client %s: protocol error: %s", self.client.addr, err.msg)
        self.close(out)

    def close(self, out: list[bytes] | None = None) -> None:
        """Write ``out`` (if any) and close once it is flushed."""
        self.client.closing = True
        if self.transport is not None:
            if out:
                self.transport.write(b"".join(out))
            self.transport.close()


def _oneline(e: Exception) -> bytes:
    return str(e).replace("\r", " ").replace("\n", " ").encode()[:200]


def _fmt_addr(addr: Any) -> str:
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = addr[0]
        if ":" in host:
            return f"[{host}]:{addr[1]}" if False else f"{host}:{addr[1]}"
        return f"{host}:{addr[1]}"
    if isinstance(addr, str):
        return addr
    return "?:0"


_ = QUEUED  # re-exported for builtin.transactions
