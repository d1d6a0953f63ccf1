"""Built-in connection commands: PING, ECHO, QUIT, RESET, SELECT, HELLO, AUTH, CLIENT."""

from __future__ import annotations

import hmac
from typing import Any

from .. import __version__
from ..commands import CommandError, arg, command, container
from ..connection import Client
from ..hookspecs import hookimpl
from ..resp import OK, Map, SimpleString, Verbatim
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
    """RESET: back to a fresh connection's state (db 0, RESP2, no MULTI/WATCH, no name)."""
    if ctx.multi is not None:
        ctx.multi = None
        ctx.multi_error = False
    ctx.unwatch_all()
    ctx.select(0)
    ctx.resp3 = False
    ctx.name = b""
    ctx.authenticated = not ctx.server.requirepass
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
            ver = int(args[0])
        except ValueError:
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
            "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client "
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
    clients = list(ctx.server.clients.values())
    i = 0
    while i < len(args):
        opt = args[i].lower()
        if opt == b"type" and i + 1 < len(args):
            t = args[i + 1].lower()
            if t not in (b"normal", b"master", b"replica", b"slave", b"pubsub"):
                raise CommandError(
                    f"ERR Unknown client type '{args[i + 1].decode('utf-8', 'replace')}'"
                )
            if t != b"normal":
                clients = []
            i += 2
        elif opt == b"id" and i + 1 < len(args):
            ids = set()
            for raw in args[i + 1 :]:
                try:
                    n = int(raw)
                except ValueError:
                    n = 0
                if n <= 0:
                    raise CommandError("ERR Invalid client ID")
                ids.add(n)
            clients = [c for c in clients if c.id in ids]
            break
        else:
            raise CommandError("ERR syntax error")
    return Verbatim("".join(c.info_line() + "\n" for c in clients).encode())


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
    """CLIENT KILL ip:port | CLIENT KILL [ID id] [ADDR ip:port] [LADDR ip:port] [SKIPME yes/no]"""
    clients = list(ctx.server.clients.values())
    if len(args) == 1:
        target = args[0].decode("utf-8", "surrogateescape")
        victims = [c for c in clients if c.addr == target]
        if not victims:
            raise CommandError("ERR No such client")
        _kill(ctx, victims)
        return OK
    if len(args) % 2:
        raise CommandError("ERR syntax error")
    skipme = True
    preds = []
    for i in range(0, len(args), 2):
        opt, val = args[i].lower(), args[i + 1]
        if opt == b"id":
            try:
                cid = int(val)
            except ValueError:
                cid = 0
            if cid <= 0:
                raise CommandError("ERR client-id should be greater than 0")
            preds.append(lambda c, cid=cid: c.id == cid)
        elif opt == b"addr":
            addr = val.decode("utf-8", "surrogateescape")
            preds.append(lambda c, a=addr: c.addr == a)
        elif opt == b"laddr":
            laddr = val.decode("utf-8", "surrogateescape")
            preds.append(lambda c, a=laddr: c.laddr == a)
        elif opt == b"user":
            preds.append(lambda c, u=val: u == b"default")
        elif opt == b"type":
            t = val.lower()
            if t not in (b"normal", b"master", b"replica", b"slave", b"pubsub"):
                raise CommandError(f"ERR Unknown client type '{val.decode('utf-8', 'replace')}'")
            preds.append(lambda c, t=t: t == b"normal")
        elif opt == b"skipme":
            v = val.lower()
            if v not in (b"yes", b"no"):
                raise CommandError("ERR syntax error")
            skipme = v == b"yes"
        else:
            raise CommandError("ERR syntax error")
    victims = [c for c in clients if all(p(c) for p in preds) and not (skipme and c is ctx)]
    _kill(ctx, victims)
    return len(victims)


def _kill(ctx: Client, victims: list[Client]) -> None:
    for c in victims:
        if c is ctx:
            ctx.closing = True
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
    lines = [
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are: ID, ADDR, LADDR, TYPE, USER, SKIPME.",
        "LIST [options ...]",
        "    Return information about client connections.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Set client library name or version.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "HELP",
        "    Print this help.",
    ]
    return [SimpleString(line.encode()) for line in lines]


@hookimpl
def register_commands(register: Any) -> None:
    import sys

    # These change connection state the dispatcher's fast path caches (RESP version,
    # authentication, closing), so they always take the slow path.
    for handler in (quit, reset, hello, auth):
        handler.spec.slow = True  # type: ignore[attr-defined]
    register(sys.modules[__name__])


_ = __version__
