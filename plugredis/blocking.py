"""Blocked clients (BLPOP and friends): parked per key, woken longest-waiting first.

A blocking handler that finds nothing to serve calls ``ctx.block(keys, timeout, retry)``.  The
client is appended to the FIFO of each key.  When a command modifies such a key,
``Database.signal_modified`` marks the key *ready*; after that command (or the whole MULTI/EXEC)
completes, the protocol calls :meth:`Blocking.serve_ready`, which offers the key to the waiting
clients in the order they blocked, calling each one's ``retry`` until one returns
:data:`BLOCKED` with the key still ready... exactly Redis's ``handleClientsBlockedOnKeys``.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .commands import CommandError
from .longdouble import LD_INF, ld_is_inf, ld_parse, ld_round

if TYPE_CHECKING:
    from .connection import Client
    from .keyspace import Database
    from .server import Server

__all__ = ["BLOCKED", "BlockState", "Blocking", "parse_timeout", "parse_timeout_ms"]


class _Blocked:
    __slots__ = ()

    def __repr__(self) -> str:
        return "BLOCKED"


#: Returned by a ``retry`` callback (and by ``ctx.block``) while the client keeps waiting.
BLOCKED: Any = _Blocked()


TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
TIMEOUT_NEGATIVE = "ERR timeout is negative"


def parse_timeout_ms(raw: bytes) -> int:
    """A blocking timeout (seconds) in ms, exactly as Redis 7.0's ``getTimeoutFromObjectOrReply``.

    0 means forever.  ``string2ld`` (``strtold`` with Redis's checks: no spaces, no NaN, no
    overflow or underflow to 0, no NUL), then ``ceill(t * 1000)`` in x87 long double arithmetic
    and the cast to ``long long``: ``inf`` and values that overflow the cast are "negative" as on
    x86.  Shared by every blocking command so that BLPOP and BZPOPMIN agree with Redis and with
    each other.
    """
    if raw.isdigit() and len(raw) <= 12:  # the common case: whole seconds
        return int(raw) * 1000
    t = ld_parse(raw)
    if t is None:
        raise CommandError(TIMEOUT_NOT_FLOAT)
    if ld_is_inf(t):
        raise CommandError(TIMEOUT_NEGATIVE)  # (long long) of inf is LLONG_MIN
    ms = ld_round(t * 1000)
    if ms is LD_INF:
        raise CommandError(TIMEOUT_NEGATIVE)
    v = math.ceil(ms)
    if not -(2**63) <= v < 2**63:
        v = -(2**63)  # x86's conversion of an out-of-range value
    if v < 0:
        raise CommandError(TIMEOUT_NEGATIVE)
    return v


def parse_timeout(raw: bytes) -> float:
    """A blocking timeout in seconds (0 = forever): :func:`parse_timeout_ms` / 1000."""
    return parse_timeout_ms(raw) / 1000


class BlockState:
    """Why a client waits: its database, keys, ``retry(ctx, key)`` and reply on timeout."""

    __slots__ = ("db", "handle", "keys", "retry", "timeout_reply")

    def __init__(
        self,
        db: Database,
        keys: list[bytes],
        retry: Callable[[Client, bytes], Any],
        timeout_reply: Any,
    ) -> None:
        self.db = db
        self.keys = keys
        self.retry = retry
        self.timeout_reply = timeout_reply
        self.handle: asyncio.TimerHandle | None = None


class Blocking:
    """The server's registry of blocked clients."""

    #: ``ready`` is read after every fast-path command (plugredis/_speedups.c reads the slot)
    __slots__ = ("__dict__", "ready")

    def __init__(self, server: Server) -> None:
        self.server = server
        #: keys modified since the last serve_ready, in order
        self.ready: dict[tuple[int, bytes], Database] = {}
        self.count = 0

    def block(
        self,
        client: Client,
        keys: list[bytes],
        timeout: float,
        retry: Callable[[Client, bytes], Any],
        timeout_reply: Any,
    ) -> Any:
        db = client.db
        state = BlockState(db, keys, retry, timeout_reply)
        for key in dict.fromkeys(keys):
            q = db.waiters.get(key)
            if q is None:
                q = db.waiters[key] = deque()
            q.append(client)
        if timeout > 0:
            state.handle = self.server.loop.call_later(timeout, self._timeout, client)
        client.block_state = state
        self.count += 1
        return BLOCKED

    def _detach(self, client: Client) -> BlockState | None:
        state = client.block_state
        if state is None:
            return None
        client.block_state = None
        self.count -= 1
        if state.handle is not None:
            state.handle.cancel()
        waiters = state.db.waiters
        for key in dict.fromkeys(state.keys):
            q = waiters.get(key)
            if q is not None:
                try:
                    q.remove(client)
                except ValueError:
                    pass
                if not q:
                    del waiters[key]
        return state

    def _timeout(self, client: Client) -> None:
        state = self._detach(client)
        if state is not None and client.protocol is not None:
            client.protocol.unblocked(state.timeout_reply)

    def unblock(self, client: Client, reply: Any) -> bool:
        """Wake ``client`` with ``reply`` (CLIENT UNBLOCK); False if it was not blocked."""
        if self._detach(client) is None:
            return False
        if client.protocol is not None:
            client.protocol.unblocked(reply)
        return True

    def disconnected(self, client: Client) -> None:
        self._detach(client)

    def signal(self, db: Database, key: bytes) -> None:
        self.ready[(db.id, key)] = db

    def serve_ready(self) -> None:
        """Offer every ready key to its waiting clients, oldest first."""
        server = self.server
        while self.ready:
            ready = self.ready
            self.ready = {}
            for (_, key), db in ready.items():
                q = db.waiters.get(key)
                if not q:
                    continue
                for client in list(q):
                    state = client.block_state
                    if state is None or state.db is not db:
                        continue
                    if db.lookup_write(key) is None:
                        break
                    saved_db, saved_argv = client.db, client.argv
                    client.db = db
                    server.now_ms = server.clock.ms()
                    try:
                        reply = state.retry(client, key)
                    except CommandError as e:
                        reply = e
                    finally:
                        client.db = saved_db
                        client.argv = saved_argv
                    if reply is BLOCKED:
                        continue
                    self._detach(client)
                    if client.protocol is not None:
                        client.protocol.unblocked(reply)
