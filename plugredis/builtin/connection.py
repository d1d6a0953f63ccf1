"""Built-in connection commands: PING, ECHO, QUIT, RESET, SELECT, HELLO, AUTH, CLIENT.

CLIENT has Redis 7.0's subcommands (plus SETINFO, which 7.2 clients send on connect).  CLIENT
TRACKING implements the default mode (keys read by the client are invalidated once, when they
change, with OPTIN/OPTOUT/NOLOOP/REDIRECT) and BCAST mode with prefixes.
"""

from __future__ import annotations

import hmac
from typing import Any

from .. import __version__
from ..blocking import BLOCKED
from ..commands import CommandError, CommandSpec, arg, command, container
from ..connection import REPLY_OFF, REPLY_ON, REPLY_SKIP_NEXT, Client, ServerOps, ops_of
from ..hookspecs import hookimpl
from ..resp import OK, Map, Push, RespSet, SimpleString, Verbatim
from . import parse_int

PONG = SimpleString(b"PONG")


@command(
    "PING",
    arity=-1,
    flags="fast",
    acl="connection",
    summary="Ping the server",
    since="1.0.0",
    group="connection",
    complexity="O(1)",
    tips=["request_policy:all_shards", "response_policy:all_succeeded"],
    arguments=[
        arg("message", "string", optional=True),
    ],
)
def ping(ctx: Client, *args: bytes) -> Any:
    """PING [message]"""
    if len(args) > 1:
        raise CommandError("ERR wrong number of arguments for 'ping' command")
    if ctx.push_class and not ctx.resp3 and ctx.is_pubsub():
        return [b"pong", args[0] if args else b""]  # RESP2 subscribed context
    return args[0] if args else PONG


@command(
    "ECHO",
    arity=2,
    flags="loading stale fast",
    acl="connection",
    summary="Echo the given string",
    since="1.0.0",
    group="connection",
    complexity="O(1)",
    arguments=[
        arg("message", "string"),
    ],
)
def echo(ctx: Client, message: bytes) -> bytes:
    """ECHO message"""
    return message


@command(
    "QUIT",
    arity=-1,
    flags="noscript loading stale fast no_auth allow_busy",
    acl="connection",
    summary="Close the connection",
    since="1.0.0",
    group="connection",
    complexity="O(1)",
)
def quit(ctx: Client, *args: bytes) -> Any:
    """QUIT: reply OK, then close once the reply is written."""
    ctx.closing = True
    return OK


@command(
    "RESET",
    arity=1,
    flags="noscript loading stale fast no_auth allow_busy",
    acl="connection",
    summary="Reset the connection",
    since="6.2.0",
    group="connection",
    complexity="O(1)",
)
def reset(ctx: Client) -> Any:
    """RESET: back to a fresh connection's state (db 0, RESP2, no MULTI/WATCH, no name...)."""
    ops = ctx.ops
    if ctx.monitor:
        ctx.monitor = False
        if ctx in ops.monitors:
            ops.monitors.remove(ctx)
        ops.update_slow()
    if ctx.tracking is not None:
        tracking_off(ctx)
    if ctx.is_pubsub() and ops.pubsub is not None:
        ops.pubsub.leave(ctx)
    ctx.multi = None
    ctx.multi_error = False
    ctx.multi_flags = False
    ctx.unwatch_all()
    ctx.select(0)
    ctx.resp3 = False
    ctx.name = b""
    ctx.no_evict = False
    ctx.reply_mode = REPLY_ON
    ctx.authenticated = not ctx.server.requirepass
    ctx.update_fast()
    return SimpleString(b"RESET")


@command(
    "SELECT",
    arity=2,
    flags="loading stale fast",
    acl="connection",
    summary="Change the selected database for the current connection",
    since="1.0.0",
    group="connection",
    complexity="O(1)",
    arguments=[
        arg("index", "integer"),
    ],
)
def select(ctx: Client, index: bytes) -> Any:
    """SELECT index"""
    n = parse_int(index)
    if not 0 <= n < len(ctx.server.dbs):
        raise CommandError("ERR DB index is out of range")
    ctx.select(n)
    return OK


def hello_reply(ctx: Client) -> Map:
    from ..server import REDIS_VERSION

    return Map(
        {
            "server": "redis",
            "version": REDIS_VERSION,
            "proto": 3 if ctx.resp3 else 2,
            "id": ctx.id,
            "mode": "standalone",
            "role": "master",
            "modules": [],
        }
    )


def check_password(ctx: Client, username: bytes, password: bytes) -> None:
    """Authenticate ``ctx`` or raise Redis's error (constant-time comparison)."""
    required = ctx.server.requirepass.encode()
    # With no requirepass the default user is "nopass": any password is accepted.
    ok = username == b"default" and (not required or hmac.compare_digest(password, required))
    if not ok:
        raise CommandError("WRONGPASS invalid username-password pair or user is disabled.")
    ctx.authenticated = True
    ctx.update_fast()


@command(
    "HELLO",
    arity=-1,
    flags="noscript loading stale fast no_auth allow_busy",
    acl="connection",
    summary="Handshake with Redis",
    since="6.0.0",
    group="connection",
    complexity="O(1)",
    history=[
        (
            "6.2.0",
            "`protover` made optional; when called without arguments the command reports the "
            "current connection's context.",
        )
    ],
    arguments=[
        arg(
            "arguments",
            "block",
            optional=True,
            arguments=[
                arg("protover", "integer"),
                arg(
                    "username_password",
                    "block",
                    token="AUTH",
                    optional=True,
                    arguments=[
                        arg("username", "string"),
                        arg("password", "string"),
                    ],
                ),
                arg("clientname", "string", token="SETNAME", optional=True),
            ],
        ),
    ],
)
def hello(ctx: Client, *args: bytes) -> Any:
    """HELLO [protover [AUTH username password] [SETNAME clientname]]"""
    ver = None
    if args:
        try:
            ver = parse_int(args[0])
        except CommandError:
            raise CommandError("ERR Protocol version is not an integer or out of range")
        if ver < 2 or ver > 3:
            raise CommandError("NOPROTO unsupported protocol version")
    i = 1
    auth: tuple[bytes, bytes] | None = None
    setname: bytes | None = None
    while i < len(args):
        opt = args[i].lower()
        more = len(args) - i - 1
        if opt == b"auth" and more >= 2:
            auth = (args[i + 1], args[i + 2])
            i += 3
        elif opt == b"setname" and more >= 1:
            setname = args[i + 1]
            i += 2
        else:
            raise CommandError(
                f"ERR Syntax error in HELLO option '{args[i].decode('utf-8', 'replace')}'"
            )
    if auth is not None:
        check_password(ctx, *auth)
    if not ctx.authenticated:
        raise CommandError(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client "
            "and select the RESP protocol version at the same time"
        )
    if setname is not None:
        _validate_name(setname)
        ctx.name = setname
    if ver is not None:
        ctx.resp3 = ver == 3
    return hello_reply(ctx)


@command(
    "AUTH",
    arity=-2,
    flags="noscript loading stale fast no_auth allow_busy",
    acl="connection",
    summary="Authenticate to the server",
    since="1.0.0",
    group="connection",
    complexity="O(N) where N is the number of passwords defined for the user",
    history=[("6.0.0", "Added ACL style (username and password).")],
    arguments=[
        arg("username", "string", optional=True, since="6.0.0"),
        arg("password", "string"),
    ],
)
def auth(ctx: Client, *args: bytes) -> Any:
    """AUTH [username] password"""
    if len(args) > 2:
        raise CommandError("ERR syntax error")
    if len(args) == 1 and not ctx.server.requirepass:
        raise CommandError(
            "ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?"
        )
    username, password = (b"default", args[0]) if len(args) == 1 else (args[0], args[1])
    check_password(ctx, username, password)
    return OK


def _validate_name(name: bytes) -> None:
    for c in name:
        if c < 33 or c > 126:
            raise CommandError(
                "ERR Client names cannot contain spaces, newlines or special characters."
            )


CLIENT = container(
    "client",
    arity=-2,
    summary="A container for client connection commands",
    since="2.4.0",
    group="connection",
    complexity="Depends on subcommand.",
)


@CLIENT.subcommand(
    "ID",
    arity=2,
    flags="noscript loading stale",
    acl="connection",
    summary="Returns the client ID for the current connection",
    since="5.0.0",
    group="connection",
    complexity="O(1)",
)
def client_id(ctx: Client) -> int:
    """CLIENT ID"""
    return ctx.id


@CLIENT.subcommand(
    "INFO",
    arity=2,
    flags="noscript loading stale",
    acl="connection",
    summary="Returns information about the current client connection.",
    since="6.2.0",
    group="connection",
    complexity="O(1)",
    tips=["nondeterministic_output"],
)
def client_info(ctx: Client) -> Any:
    """CLIENT INFO"""
    return Verbatim((ctx.info_line() + "\n").encode())


@CLIENT.subcommand(
    "LIST",
    arity=-2,
    flags="admin noscript loading stale",
    acl="connection",
    summary="Get the list of client connections",
    since="2.4.0",
    group="connection",
    complexity="O(N) where N is the number of client connections",
    tips=["nondeterministic_output"],
    history=[
        ("2.8.12", "Added unique client `id` field."),
        ("5.0.0", "Added optional `TYPE` filter."),
        ("6.0.0", "Added `user` field."),
        (
            "6.2.0",
            "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter.",
        ),
        ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
        ("7.0.3", "Added `ssub` field."),
    ],
    arguments=[
        arg(
            "normal_master_replica_pubsub",
            "oneof",
            token="TYPE",
            optional=True,
            since="5.0.0",
            arguments=[
                arg("normal", "pure-token", token="NORMAL"),
                arg("master", "pure-token", token="MASTER"),
                arg("replica", "pure-token", token="REPLICA"),
                arg("pubsub", "pure-token", token="PUBSUB"),
            ],
        ),
        arg(
            "id",
            "block",
            token="ID",
            optional=True,
            since="6.2.0",
            arguments=[
                arg("client-id", "integer", multiple=True),
            ],
        ),
    ],
)
def client_list(ctx: Client, *args: bytes) -> Any:
    """CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id ...]"""
    clients: list[Client]
    if len(args) == 2 and args[0].lower() == b"type":
        t = _client_type(args[1])
        clients = [c for c in ctx.server.clients.values() if _type_of(c) == t]
    elif len(args) >= 2 and args[0].lower() == b"id":
        clients = []
        table = ctx.server.clients
        for raw in args[1:]:
            try:
                cid = parse_int(raw)
            except CommandError:
                raise CommandError("ERR Invalid client ID")
            c = table.get(cid)
            if c is not None:
                clients.append(c)
    elif args:
        raise CommandError("ERR syntax error")
    else:
        clients = list(ctx.server.clients.values())
    return Verbatim("".join(c.info_line() + "\n" for c in clients).encode())


_CLIENT_TYPES = {
    b"normal": "normal",
    b"slave": "slave",
    b"replica": "slave",
    b"pubsub": "pubsub",
    b"master": "master",
}


def _client_type(raw: bytes) -> str:
    t = _CLIENT_TYPES.get(raw.lower())
    if t is None:
        raise CommandError(f"ERR Unknown client type '{raw.decode('utf-8', 'surrogateescape')}'")
    return t


def _type_of(c: Client) -> str:
    return "pubsub" if c.is_pubsub() else "normal"


@CLIENT.subcommand(
    "GETNAME",
    arity=2,
    flags="noscript loading stale",
    acl="connection",
    summary="Get the current connection name",
    since="2.6.9",
    group="connection",
    complexity="O(1)",
)
def client_getname(ctx: Client) -> Any:
    """CLIENT GETNAME"""
    return ctx.name or None


@CLIENT.subcommand(
    "SETNAME",
    arity=3,
    flags="noscript loading stale",
    acl="connection",
    summary="Set the current connection name",
    since="2.6.9",
    group="connection",
    complexity="O(1)",
    arguments=[
        arg("connection-name", "string"),
    ],
)
def client_setname(ctx: Client, name: bytes) -> Any:
    """CLIENT SETNAME connection-name"""
    _validate_name(name)
    ctx.name = name
    return OK


@CLIENT.subcommand(
    "SETINFO",
    arity=4,
    flags="noscript loading stale",
    acl="connection",
    summary="Set client or connection specific info",
    since="7.2.0",
    group="connection",
    complexity="O(1)",
    arguments=[
        arg(
            "attr",
            "oneof",
            arguments=[
                arg("libname", "string", token="LIB-NAME"),
                arg("libver", "string", token="LIB-VER"),
            ],
        )
    ],
)
def client_setinfo(ctx: Client, attr: bytes, value: bytes) -> Any:
    """CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; answered so 7.2 clients connect)."""
    a = attr.lower()
    for c in value:
        if c < 33 or c > 126:
            raise CommandError(
                f"ERR {attr.decode('utf-8', 'replace')} cannot contain spaces, newlines or "
                "special characters."
            )
    if a == b"lib-name":
        ctx.lib_name = value
    elif a == b"lib-ver":
        ctx.lib_ver = value
    else:
        raise CommandError(f"ERR Unrecognized option '{attr.decode('utf-8', 'replace')}'")
    return OK


@CLIENT.subcommand(
    "KILL",
    arity=-3,
    flags="admin noscript loading stale",
    acl="connection",
    summary="Kill the connection of a client",
    since="2.4.0",
    group="connection",
    complexity="O(N) where N is the number of client connections",
    history=[
        ("2.8.12", "Added new filter format."),
        ("2.8.12", "`ID` option."),
        ("3.2.0", "Added `master` type in for `TYPE` option."),
        (
            "5.0.0",
            "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward "
            "compatibility.",
        ),
        ("6.2.0", "`LADDR` option."),
    ],
    arguments=[
        arg(
            "filter",
            "oneof",
            arguments=[
                arg("ip:port", "string", deprecated_since="2.8.12"),
                arg(
                    "new-format",
                    "oneof",
                    multiple=True,
                    arguments=[
                        arg("client-id", "integer", token="ID", optional=True, since="2.8.12"),
                        arg(
                            "normal_master_slave_pubsub",
                            "oneof",
                            token="TYPE",
                            optional=True,
                            since="2.8.12",
                            arguments=[
                                arg("normal", "pure-token", token="NORMAL"),
                                arg("master", "pure-token", token="MASTER", since="3.2.0"),
                                arg("slave", "pure-token", token="SLAVE"),
                                arg("replica", "pure-token", token="REPLICA", since="5.0.0"),
                                arg("pubsub", "pure-token", token="PUBSUB"),
                            ],
                        ),
                        arg("username", "string", token="USER", optional=True),
                        arg("ip:port", "string", token="ADDR", optional=True),
                        arg("ip:port", "string", token="LADDR", optional=True, since="6.2.0"),
                        arg("yes/no", "string", token="SKIPME", optional=True),
                    ],
                ),
            ],
        ),
    ],
)
def client_kill(ctx: Client, *args: bytes) -> Any:
    """CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE t] [USER u] [ADDR a] [LADDR a] [SKIPME]"""
    clients = list(ctx.server.clients.values())
    if len(args) == 1:
        # the old form: one address, may kill the caller, error when nothing matched
        target = args[0].decode("utf-8", "surrogateescape")
        victims = [c for c in clients if c.addr == target]
        if not victims:
            raise CommandError("ERR No such client")
        _kill(ctx, victims)
        return OK
    skipme = True
    cid = 0
    ctype: str | None = None
    addr = laddr = None
    i = 0
    while i < len(args):
        opt = args[i].lower()
        if i + 1 >= len(args):
            raise CommandError("ERR syntax error")
        val = args[i + 1]
        if opt == b"id":
            try:
                cid = parse_int(val)
            except CommandError:
                cid = 0
            if cid <= 0:
                raise CommandError("ERR client-id should be greater than 0")
        elif opt == b"type":
            ctype = _client_type(val)
        elif opt == b"addr":
            addr = val.decode("utf-8", "surrogateescape")
        elif opt == b"laddr":
            laddr = val.decode("utf-8", "surrogateescape")
        elif opt == b"user":
            if val != b"default":
                raise CommandError(f"ERR No such user '{val.decode('utf-8', 'surrogateescape')}'")
        elif opt == b"skipme":
            v = val.lower()
            if v == b"yes":
                skipme = True
            elif v == b"no":
                skipme = False
            else:
                raise CommandError("ERR syntax error")
        else:
            raise CommandError("ERR syntax error")
        i += 2
    victims = [
        c
        for c in clients
        if (addr is None or c.addr == addr)
        and (laddr is None or c.laddr == laddr)
        and (ctype is None or _type_of(c) == ctype)
        and (not cid or c.id == cid)
        and not (skipme and c is ctx)
    ]
    _kill(ctx, victims)
    return len(victims)


def _kill(ctx: Client, victims: list[Client]) -> None:
    for c in victims:
        if c is ctx:
            ctx.closing = True  # after this reply
        elif c.protocol is not None:
            c.protocol.close()


@CLIENT.subcommand(
    "UNBLOCK",
    arity=-3,
    flags="admin noscript loading stale",
    acl="connection",
    summary="Unblock a client blocked in a blocking command from a different connection",
    since="5.0.0",
    group="connection",
    complexity="O(log N) where N is the number of client connections",
    arguments=[
        arg("client-id", "integer"),
        arg(
            "timeout_error",
            "oneof",
            optional=True,
            arguments=[
                arg("timeout", "pure-token", token="TIMEOUT"),
                arg("error", "pure-token", token="ERROR"),
            ],
        ),
    ],
)
def client_unblock(ctx: Client, cid: bytes, *args: bytes) -> Any:
    """CLIENT UNBLOCK client-id [TIMEOUT|ERROR]"""
    n = parse_int(cid)
    mode = b"timeout"
    if args:
        if len(args) > 1 or args[0].lower() not in (b"timeout", b"error"):
            raise CommandError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
        mode = args[0].lower()
    target = ctx.server.clients.get(n)
    if target is None or target.block_state is None:
        return 0
    state = target.block_state
    if mode == b"error":
        reply: Any = CommandError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
    else:
        reply = state.timeout_reply
    ctx.server.blocking.unblock(target, reply)
    return 1


@CLIENT.subcommand(
    "NO-EVICT",
    arity=3,
    flags="admin noscript loading stale",
    acl="connection",
    summary="Set client eviction mode for the current connection",
    since="7.0.0",
    group="connection",
    complexity="O(1)",
    arguments=[
        arg(
            "enabled",
            "oneof",
            arguments=[
                arg("on", "pure-token", token="ON"),
                arg("off", "pure-token", token="OFF"),
            ],
        ),
    ],
)
def client_no_evict(ctx: Client, flag: bytes) -> Any:
    """CLIENT NO-EVICT ON|OFF"""
    f = flag.lower()
    if f not in (b"on", b"off"):
        raise CommandError("ERR syntax error")
    ctx.no_evict = f == b"on"
    return OK


# -- CLIENT PAUSE / UNPAUSE ---------------------------------------------------------------------


@CLIENT.subcommand(
    "PAUSE",
    arity=-3,
    flags="admin noscript loading stale",
    acl="connection",
    summary="Stop processing commands from clients for some time",
    since="2.9.50",
    group="connection",
    complexity="O(1)",
    history=[("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")],
    arguments=[
        arg("timeout", "integer"),
        arg(
            "mode",
            "oneof",
            optional=True,
            since="6.2.0",
            arguments=[
                arg("write", "pure-token", token="WRITE"),
                arg("all", "pure-token", token="ALL"),
            ],
        ),
    ],
)
def client_pause(ctx: Client, timeout: bytes, *args: bytes) -> Any:
    """CLIENT PAUSE timeout [WRITE|ALL]"""
    pause_all = True
    if len(args) == 1:  # as Redis: the mode is only looked at with exactly one more argument
        mode = args[0].lower()
        if mode == b"write":
            pause_all = False
        elif mode != b"all":
            raise CommandError("ERR CLIENT PAUSE mode must be WRITE or ALL")
    try:
        ms = parse_int(timeout)
    except CommandError:
        raise CommandError("ERR timeout is not an integer or out of range")
    if ms < 0:
        raise CommandError("ERR timeout is negative")
    pause_clients(ctx.ops, ctx.server.clock.ms() + ms, pause_all)
    return OK


def pause_clients(ops: ServerOps, end_ms: int, pause_all: bool) -> None:
    """Pause (or extend the pause of) clients until ``end_ms``; ALL wins over WRITE."""
    ops.pause_all = ops.pause_all or pause_all if ops.pause_end_ms else pause_all
    if end_ms > ops.pause_end_ms:
        ops.pause_end_ms = end_ms
        if ops.pause_handle is not None:
            ops.pause_handle.cancel()
        loop = ops.server.loop
        delay = max(0.0, (end_ms - ops.server.clock.ms()) / 1000)
        ops.pause_handle = loop.call_later(delay, _pause_timer, ops)
    ops.server.paused = True
    ops.update_slow()


def _pause_timer(ops: ServerOps) -> None:
    ops.pause_handle = None
    remaining = ops.pause_end_ms - ops.server.clock.ms()
    if remaining > 0:  # a manual clock: check again later
        ops.pause_handle = ops.server.loop.call_later(remaining / 1000, _pause_timer, ops)
        return
    unpause_clients(ops)


def unpause_clients(ops: ServerOps) -> None:
    """End the pause and run the postponed commands, in the order they came."""
    ops.pause_end_ms = 0
    ops.pause_all = False
    if ops.pause_handle is not None:
        ops.pause_handle.cancel()
        ops.pause_handle = None
    ops.server.paused = False
    ops.update_slow()
    postponed = list(ops.postponed)
    ops.postponed.clear()
    for c in postponed:
        c.postponed = False
        if c.protocol is not None:
            c.protocol.unpaused()


@CLIENT.subcommand(
    "UNPAUSE",
    arity=2,
    flags="admin noscript loading stale",
    acl="connection",
    summary="Resume processing of clients that were paused",
    since="6.2.0",
    group="connection",
    complexity="O(N) Where N is the number of paused clients",
)
def client_unpause(ctx: Client) -> Any:
    """CLIENT UNPAUSE"""
    ops = ctx.ops
    # run the postponed clients after this reply, not inside this command
    ctx.server.loop.call_soon(unpause_clients, ops)
    ops.pause_end_ms = 0
    ops.pause_all = False
    return OK


# -- CLIENT REPLY ---------------------------------------------------------------------------------


@CLIENT.subcommand(
    "REPLY",
    arity=3,
    flags="noscript loading stale",
    acl="connection",
    summary="Instruct the server whether to reply to commands",
    since="3.2.0",
    group="connection",
    complexity="O(1)",
    arguments=[
        arg(
            "on_off_skip",
            "oneof",
            arguments=[
                arg("on", "pure-token", token="ON"),
                arg("off", "pure-token", token="OFF"),
                arg("skip", "pure-token", token="SKIP"),
            ],
        ),
    ],
)
def client_reply(ctx: Client, mode: bytes) -> Any:
    """CLIENT REPLY ON|OFF|SKIP"""
    m = mode.lower()
    if m == b"on":  # ends OFF and SKIP; a SKIP from earlier in the same EXEC still applies
        ctx.reply_mode &= REPLY_SKIP_NEXT
        ctx.update_fast()
        return OK
    if m == b"off":
        ctx.reply_mode |= REPLY_OFF
    elif m == b"skip":
        if not ctx.reply_mode & REPLY_OFF:
            ctx.reply_mode |= REPLY_SKIP_NEXT
    else:
        raise CommandError("ERR syntax error")
    ctx.update_fast()
    return BLOCKED  # no reply (the command's own reply is already off)


# -- CLIENT TRACKING ------------------------------------------------------------------------------


class Tracker:
    """Server-assisted client-side caching (CLIENT TRACKING), as Redis 7.0 does it.

    Default mode: the keys a tracking client reads are remembered (key -> client ids, by name
    in every database, as Redis does) and each client is told once when such a key changes.
    BCAST mode: every change of a key under one of the client's prefixes is announced (batched
    until the event loop comes back, as Redis does before sleeping).  Changes are seen through a
    key listener that is only installed while some client has tracking on.
    """

    def __init__(self, ops: ServerOps) -> None:
        self.ops = ops
        self.table: dict[bytes, set[int]] = {}
        self.clients = 0
        #: BCAST clients: id -> prefixes
        self.bcast: dict[int, list[bytes]] = {}
        #: keys changed since the last broadcast: prefix -> key -> id of the client that changed
        #: it first (0: not a tracking client), for NOLOOP
        self.bcast_pending: dict[bytes, dict[bytes, int]] = {}
        #: the client running a command (NOLOOP; its own invalidations follow its reply)
        self.current: Client | None = None
        self.deferred: list[tuple[Client, list[bytes] | None]] = []

    # -- who tracks -----------------------------------------------------------------------------

    def enabled(self, client: Client) -> None:
        self.clients += 1
        if self.clients == 1:
            self.ops.server.registry.key_listeners.append(self.key_changed)

    def disabled(self, client: Client) -> None:
        self.clients -= 1
        self.bcast.pop(client.id, None)
        if self.clients <= 0:
            self.clients = 0
            self.table.clear()
            listeners = self.ops.server.registry.key_listeners
            if self.key_changed in listeners:
                listeners.remove(self.key_changed)

    # -- reads ----------------------------------------------------------------------------------

    def after_command(self, client: Client, spec: CommandSpec, argv: list[bytes]) -> None:
        """After a command of a tracking client: remember the keys a read-only command read."""
        t = client.tracking
        if t is None:
            return
        caching = t.get("caching")
        if spec.name != "client|caching" and client.multi is None:
            t.pop("caching", None)  # CLIENT CACHING applies to the next command only
        if "readonly" not in spec.flags or t.get("bcast"):
            return
        if t.get("optin") and caching is not True:
            return
        if t.get("optout") and caching is False:
            return
        from .introspection import get_keys

        getkeys = getattr(spec.handler, "getkeys", None)
        try:
            pos = getkeys(argv) if getkeys is not None else get_keys(spec, argv)
        except Exception:
            return
        for p in pos:
            self.table.setdefault(argv[p], set()).add(client.id)

    # -- changes --------------------------------------------------------------------------------

    def key_changed(self, event: str, db: int, key: bytes) -> None:
        """The key listener: ``key`` changed in database ``db``."""
        clients = self.ops.server.clients
        ids = self.table.pop(key, None)
        if ids:
            for cid in ids:
                c = clients.get(cid)
                if c is None or c.tracking is None or c.tracking.get("bcast"):
                    continue
                if c.tracking.get("noloop") and c is self.current:
                    continue
                self.send(c, [key])
        if self.bcast:
            first = not self.bcast_pending
            writer = self.current.id if self.current is not None else 0
            for prefixes in self.bcast.values():
                for p in prefixes:
                    if key.startswith(p):
                        self.bcast_pending.setdefault(p, {}).setdefault(key, writer)
            if first and self.bcast_pending:
                self.ops.server.loop.call_soon(self.flush_bcast)

    def flush_bcast(self) -> None:
        """One message per prefix and client with the keys changed under it (sorted, as Redis)."""
        pending = self.bcast_pending
        self.bcast_pending = {}
        clients = self.ops.server.clients
        for prefix in sorted(pending):
            changed = pending[prefix]
            keys = sorted(changed)
            for cid, prefixes in list(self.bcast.items()):
                c = clients.get(cid)
                if c is None or c.tracking is None or prefix not in prefixes:
                    continue
                mine = keys
                if c.tracking.get("noloop"):
                    mine = [k for k in keys if changed[k] != cid]
                if mine:
                    self._deliver_to(c, mine)

    def flush(self) -> None:
        """FLUSHDB/FLUSHALL: every tracking client gets a null invalidation ("everything")."""
        self.table.clear()
        for c in list(self.ops.server.clients.values()):
            if c.tracking is not None:
                self.send(c, None)

    # -- messages -------------------------------------------------------------------------------

    def send(self, c: Client, keys: list[bytes] | None) -> None:
        if c is self.current:
            self.deferred.append((c, keys))  # after the reply of the command running now
        else:
            self._deliver_to(c, keys)

    def _deliver_to(self, c: Client, keys: list[bytes] | None) -> None:
        t = c.tracking
        assert t is not None
        target = c
        redirect = t.get("redirect", 0)
        if redirect:
            r = self.ops.server.clients.get(redirect)
            if r is None:
                if not t.get("broken"):
                    t["broken"] = True
                    if c.resp3:
                        c.push(Push([b"tracking-redir-broken", redirect]))
                return
            target = r
        if target.resp3:
            target.push(Push([b"invalidate", keys]))
        elif target.sub:
            target.push(Push([b"message", b"__redis__:invalidate", keys]))

    def flush_deferred(self) -> None:
        """Deliver the invalidations the running client caused to itself (after its reply)."""
        deferred = self.deferred
        self.deferred = []
        for target, keys in deferred:
            self._deliver_to(target, keys)


def tracker_of(ops: ServerOps) -> Tracker:
    t = ops.tracker
    if t is None:
        t = ops.tracker = Tracker(ops)
    return t


def tracking_off(ctx: Client) -> None:
    if ctx.tracking is not None:
        ctx.tracking = None
        tracker_of(ctx.ops).disabled(ctx)
        ctx.update_fast()


@CLIENT.subcommand(
    "TRACKING",
    arity=-3,
    flags="noscript loading stale",
    acl="connection",
    summary="Enable or disable server assisted client side caching support",
    since="6.0.0",
    group="connection",
    complexity="O(1). Some options may introduce additional complexity.",
    arguments=[
        arg(
            "status",
            "oneof",
            arguments=[
                arg("on", "pure-token", token="ON"),
                arg("off", "pure-token", token="OFF"),
            ],
        ),
        arg("client-id", "integer", token="REDIRECT", optional=True),
        arg("prefix", "string", token="PREFIX", optional=True, multiple=True, multiple_token=True),
        arg("bcast", "pure-token", token="BCAST", optional=True),
        arg("optin", "pure-token", token="OPTIN", optional=True),
        arg("optout", "pure-token", token="OPTOUT", optional=True),
        arg("noloop", "pure-token", token="NOLOOP", optional=True),
    ],
)
def client_tracking(ctx: Client, status: bytes, *args: bytes) -> Any:
    """CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]"""
    opts: dict[str, Any] = {}
    prefixes: list[bytes] = []
    i = 0
    while i < len(args):
        opt = args[i].lower()
        more = len(args) - i - 1
        if opt == b"redirect" and more:
            i += 1
            if "redirect" in opts:
                raise CommandError("ERR A client can only redirect to a single other client")
            opts["redirect"] = parse_int(args[i])
            if ctx.server.clients.get(opts["redirect"]) is None:
                raise CommandError("ERR The client ID you want redirect to does not exist")
        elif opt == b"bcast":
            opts["bcast"] = True
        elif opt == b"optin":
            opts["optin"] = True
        elif opt == b"optout":
            opts["optout"] = True
        elif opt == b"noloop":
            opts["noloop"] = True
        elif opt == b"prefix" and more:
            i += 1
            prefixes.append(args[i])
        else:
            raise CommandError("ERR syntax error")
        i += 1
    st = status.lower()
    if st == b"on":
        if prefixes and not opts.get("bcast"):
            raise CommandError("ERR PREFIX option requires BCAST mode to be enabled")
        cur = ctx.tracking
        if cur is not None and bool(cur.get("bcast")) != bool(opts.get("bcast")):
            raise CommandError(
                "ERR You can't switch BCAST mode on/off before disabling tracking for this "
                "client, and then re-enabling it with a different mode."
            )
        if opts.get("optin") and opts.get("optout"):
            raise CommandError("ERR You can't specify both OPTIN mode and OPTOUT mode")
        if cur is not None and (
            (opts.get("optin") and cur.get("optout")) or (opts.get("optout") and cur.get("optin"))
        ):
            raise CommandError(
                "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "
                "client, and then re-enabling it with a different mode."
            )
        tracker = tracker_of(ctx.ops)
        if opts.get("bcast"):
            old_prefixes = tracker.bcast.get(ctx.id, [])
            _check_prefixes(prefixes, old_prefixes)
        if cur is None:
            ctx.tracking = {}
            tracker.enabled(ctx)
        assert ctx.tracking is not None
        ctx.tracking.update(opts)
        ctx.tracking["broken"] = False
        if opts.get("bcast"):
            have = tracker.bcast.setdefault(ctx.id, [])
            for p in prefixes or [b""]:
                if p not in have:
                    have.append(p)
        ctx.update_fast()
    elif st == b"off":
        tracking_off(ctx)
    else:
        raise CommandError("ERR syntax error")
    return OK


def _check_prefixes(prefixes: list[bytes], existing: list[bytes]) -> None:
    """Redis refuses prefixes of one client that overlap (one starts with another)."""

    def overlap(a: bytes, b: bytes) -> bool:
        return a != b and (a.startswith(b) or b.startswith(a))

    def text(p: bytes) -> str:
        return p.decode("utf-8", "surrogateescape")

    for i, a in enumerate(prefixes):
        for b in existing:
            if overlap(a, b):
                raise CommandError(
                    f"ERR Prefix '{text(a)}' overlaps with an existing prefix '{text(b)}'. "
                    "Prefixes for a single client must not overlap."
                )
        for b in prefixes[i + 1 :]:
            if overlap(a, b):
                raise CommandError(
                    f"ERR Prefix '{text(a)}' overlaps with another provided prefix '{text(b)}'. "
                    "Prefixes for a single client must not overlap."
                )


@CLIENT.subcommand(
    "CACHING",
    arity=3,
    flags="noscript loading stale",
    acl="connection",
    summary="Instruct the server about tracking or not keys in the next request",
    since="6.0.0",
    group="connection",
    complexity="O(1)",
    arguments=[
        arg(
            "mode",
            "oneof",
            arguments=[
                arg("yes", "pure-token", token="YES"),
                arg("no", "pure-token", token="NO"),
            ],
        ),
    ],
)
def client_caching(ctx: Client, mode: bytes) -> Any:
    """CLIENT CACHING YES|NO"""
    t = ctx.tracking
    if t is None or not (t.get("optin") or t.get("optout")):
        raise CommandError(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with "
            "OPTIN or OPTOUT mode enabled"
        )
    m = mode.lower()
    if m == b"yes":
        if not t.get("optin"):
            raise CommandError(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
            )
        t["caching"] = True
    elif m == b"no":
        if not t.get("optout"):
            raise CommandError(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
            )
        t["caching"] = False
    else:
        raise CommandError("ERR syntax error")
    return OK


@CLIENT.subcommand(
    "GETREDIR",
    arity=2,
    flags="noscript loading stale",
    acl="connection",
    summary="Get tracking notifications redirection client ID if any",
    since="6.0.0",
    group="connection",
    complexity="O(1)",
)
def client_getredir(ctx: Client) -> Any:
    """CLIENT GETREDIR"""
    t = ctx.tracking
    return -1 if t is None else int(t.get("redirect", 0))


@CLIENT.subcommand(
    "TRACKINGINFO",
    arity=2,
    flags="noscript loading stale",
    acl="connection",
    summary=(
        "Return information about server assisted client side caching for the current connection"
    ),
    since="6.2.0",
    group="connection",
    complexity="O(1)",
)
def client_trackinginfo(ctx: Client) -> Any:
    """CLIENT TRACKINGINFO"""
    t = ctx.tracking
    flags: list[bytes] = []
    if t is None:
        flags.append(b"off")
    else:
        flags.append(b"on")
        if t.get("bcast"):
            flags.append(b"bcast")
        if t.get("optin"):
            flags.append(b"optin")
            if t.get("caching") is True:
                flags.append(b"caching-yes")
        if t.get("optout"):
            flags.append(b"optout")
            if t.get("caching") is False:
                flags.append(b"caching-no")
        if t.get("noloop"):
            flags.append(b"noloop")
        if t.get("broken"):
            flags.append(b"broken_redirect")
    redirect = -1 if t is None else int(t.get("redirect", 0))
    prefixes = sorted(tracker_of(ctx.ops).bcast.get(ctx.id, [])) if t is not None else []
    return Map({b"flags": RespSet(flags), b"redirect": redirect, b"prefixes": prefixes})


@CLIENT.subcommand(
    "HELP",
    arity=2,
    flags="loading stale",
    acl="connection",
    summary="Show helpful text about the different subcommands",
    since="5.0.0",
    group="connection",
    complexity="O(1)",
)
def client_help(ctx: Client) -> Any:
    """CLIENT HELP"""
    return [SimpleString(line.encode()) for line in CLIENT_HELP]


CLIENT_HELP = (
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
)


@hookimpl
def register_commands(register: Any) -> None:
    import sys

    # These change connection state the dispatcher's fast path caches (RESP version,
    # authentication, closing), so they always take the slow path.
    for handler in (quit, reset, hello, auth):
        handler.spec.slow = True  # type: ignore[attr-defined]
    register(sys.modules[__name__])


_ = (__version__, ops_of)
