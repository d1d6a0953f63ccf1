"""Per-client state; the :class:`Client` is also the ``ctx`` every handler receives.

One object per connection, reused for every command (no allocation per command).  What a
handler may use:

- ``ctx.db``: the selected :class:`~plugredis.keyspace.Database`; ``ctx.server``: the server;
- ``ctx.resp3``: True after ``HELLO 3``; ``ctx.argv``: the whole request, name included;
- ``ctx.now_ms``: the time snapshot of this command, in ms;
- ``ctx.block(...)``: park the client (only in commands flagged ``blocking``).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .blocking import BlockState
    from .commands import CommandSpec
    from .keyspace import Database
    from .protocol import RedisProtocol
    from .server import Server

__all__ = ["Client"]

_ids = itertools.count(1)


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
        "id",
        "in_exec",
        "laddr",
        "last_cmd",
        "last_interaction",
        "lib_name",
        "lib_ver",
        "multi",
        "multi_error",
        "name",
        "no_evict",
        "no_touch",
        "protocol",
        "resp3",
        "server",
        "watched",
    )

    def __init__(self, server: Server, protocol: RedisProtocol | None = None) -> None:
        self.id = next(_ids)
        self.server = server
        self.protocol = protocol
        self.db: Database = server.dbs[0]
        self.resp3 = False
        self.name = b""
        self.lib_name = b""
        self.lib_ver = b""
        self.addr = "?:0"
        self.laddr = "?:0"
        self.created = time.monotonic()
        self.last_interaction = self.created
        self.last_cmd = "NULL"
        self.argv: list[bytes] = []
        #: queued (spec, argv) while in MULTI, else None
        self.multi: list[tuple[CommandSpec, list[bytes]]] | None = None
        self.multi_error = False
        self.in_exec = False
        #: (db, key) pairs this client WATCHes
        self.watched: list[tuple[Database, bytes]] = []
        self.dirty_cas = False
        self.authenticated = not server.requirepass
        self.block_state: BlockState | None = None
        self.closing = False
        self.no_evict = False
        self.no_touch = False

    def __repr__(self) -> str:
        return f"<Client id={self.id} addr={self.addr} db={self.db.id}>"

    @property
    def now_ms(self) -> int:
        return self.server.now_ms

    def select(self, index: int) -> None:
        self.db = self.server.dbs[index]

    # -- blocking -------------------------------------------------------------------------------

    def block(
        self,
        keys: Iterable[bytes],
        timeout: float,
        retry: Callable[[Client], Any],
        timeout_reply: Any = None,
    ) -> Any:
        """Park this client until ``retry`` can serve it or ``timeout`` seconds pass (0: forever).

        ``retry(ctx)`` is called each time one of ``keys`` is modified, in the order clients
        blocked; it returns the reply, or :data:`plugredis.blocking.BLOCKED` to keep waiting.
        Inside MULTI/EXEC a blocking command does not block: ``timeout_reply`` is returned at
        once.  The handler returns what this method returns.
        """
        if self.in_exec or self.protocol is None:
            return timeout_reply
        return self.server.blocking.block(self, list(keys), timeout, retry, timeout_reply)

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

    def flags(self) -> str:
        f = ""
        if self.multi is not None:
            f += "x"
        if self.block_state is not None:
            f += "b"
        if self.dirty_cas:
            f += "d"
        if self.watched:
            pass
        if self.closing:
            f += "c"
        return f or "N"

    def info_line(self) -> str:
        now = time.monotonic()
        fields = [
            ("id", str(self.id)),
            ("addr", self.addr),
            ("laddr", self.laddr),
            ("fd", str(self.protocol.fd if self.protocol is not None else -1)),
            ("name", self.name.decode("utf-8", "surrogateescape")),
            ("age", str(int(now - self.created))),
            ("idle", str(int(now - self.last_interaction))),
            ("flags", self.flags()),
            ("db", str(self.db.id)),
            ("sub", "0"),
            ("psub", "0"),
            ("ssub", "0"),
            ("multi", str(len(self.multi)) if self.multi is not None else "-1"),
            ("qbuf", "0"),
            ("qbuf-free", "0"),
            ("argv-mem", "0"),
            ("multi-mem", "0"),
            ("rbs", "1024"),
            ("rbp", "0"),
            ("obl", "0"),
            ("oll", "0"),
            ("omem", "0"),
            ("tot-mem", "1024"),
            ("events", "r"),
            ("cmd", self.last_cmd),
            ("user", "default"),
            ("redir", "-1"),
            ("resp", "3" if self.resp3 else "2"),
            ("lib-name", self.lib_name.decode("utf-8", "surrogateescape")),
            ("lib-ver", self.lib_ver.decode("utf-8", "surrogateescape")),
        ]
        return " ".join(f"{k}={v}" for k, v in fields)
