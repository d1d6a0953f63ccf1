"""The strings family: GET, SET and (in later issues) every command of Redis's ``string`` group.

Strings are stored as plain ``bytes`` values, the fastest thing Python has; their
:class:`~plugredis.TypeSpec` is named ``string``.
"""

from __future__ import annotations

import sys
from typing import Any

from plugredis import (
    OK,
    SYNTAX_ERROR,
    Client,
    CommandError,
    KeySpec,
    TypeSpec,
    arg,
    command,
    hookimpl,
    parse_int,
)

__version__ = "0.1.0"

LLONG_MAX = 2**63 - 1


def string_encoding(value: bytes) -> str:
    """The encoding OBJECT ENCODING reports for a string value."""
    if len(value) <= 20:
        try:
            parse_int(value)
            return "int"
        except CommandError:
            pass
    return "embstr" if len(value) <= 44 else "raw"


STRING = TypeSpec(
    name="string",
    pytype=bytes,
    encoding=string_encoding,
    memory=lambda v: len(v) + 56,
    to_rdb=lambda v: ("string", v),
    from_rdb=lambda kind, v: bytes(v),
    rdb_kinds=("string",),
)

# SET/GETEX option flags
NX, XX, GET_, KEEPTTL, EX, PX, EXAT, PXAT, PERSIST = (1 << i for i in range(9))
_EXPIRE_FLAGS = EX | PX | EXAT | PXAT


def parse_set_options(args: tuple[bytes, ...], for_set: bool) -> tuple[int, bytes | None]:
    """Parse SET's (or GETEX's) options exactly as Redis 7.0 does; returns (flags, expire arg)."""
    flags = 0
    expire: bytes | None = None
    j = 0
    n = len(args)
    while j < n:
        opt = args[j].upper()
        nxt = args[j + 1] if j + 1 < n else None
        if opt == b"NX" and not flags & XX and for_set:
            flags |= NX
        elif opt == b"XX" and not flags & NX and for_set:
            flags |= XX
        elif opt == b"GET" and for_set:
            flags |= GET_
        elif opt == b"KEEPTTL" and not flags & (PERSIST | _EXPIRE_FLAGS) and for_set:
            flags |= KEEPTTL
        elif opt == b"PERSIST" and not for_set and not flags & (_EXPIRE_FLAGS | KEEPTTL):
            flags |= PERSIST
        elif (
            opt in (b"EX", b"PX", b"EXAT", b"PXAT")
            and nxt is not None
            and not flags & (KEEPTTL | PERSIST)
            and not flags & (_EXPIRE_FLAGS & ~_OPT_FLAG[opt])
        ):
            flags |= _OPT_FLAG[opt]
            expire = nxt
            j += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        j += 1
    return flags, expire


_OPT_FLAG = {b"EX": EX, b"PX": PX, b"EXAT": EXAT, b"PXAT": PXAT}


def expire_ms(ctx: Client, raw: bytes, flags: int, cmd: str) -> int:
    """The absolute expiry time in ms for an EX/PX/EXAT/PXAT argument (Redis's checks)."""
    ms = parse_int(raw)
    seconds = bool(flags & (EX | EXAT))
    if ms <= 0 or (seconds and ms > LLONG_MAX // 1000):
        raise CommandError(f"ERR invalid expire time in '{cmd}' command")
    if seconds:
        ms *= 1000
    if flags & (EX | PX):
        if ms > LLONG_MAX - ctx.now_ms:
            raise CommandError(f"ERR invalid expire time in '{cmd}' command")
        ms += ctx.now_ms
    return ms


@command(
    "GET",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="string",
    summary="Get the value of a key",
    since="1.0.0",
    group="string",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
    ],
)
def get(ctx: Client, key: bytes) -> Any:
    """GET key"""
    return ctx.db.lookup_read(key, bytes)


@command(
    "SET",
    arity=-3,
    flags="write denyoom",
    keys=(1, 1, 1),
    acl="string",
    summary="Set the string value of a key",
    since="1.0.0",
    group="string",
    complexity="O(1)",
    history=[
        ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
        ("6.0.0", "Added the `KEEPTTL` option."),
        ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
        ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
    ],
    key_specs=[
        KeySpec(
            ("index", 1),
            ("range", 0, 1, 0),
            ("RW", "access", "update", "variable_flags"),
            notes="RW and ACCESS due to the optional `GET` argument",
        ),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("value", "string"),
        arg(
            "condition",
            "oneof",
            optional=True,
            since="2.6.12",
            arguments=[
                arg("nx", "pure-token", token="NX"),
                arg("xx", "pure-token", token="XX"),
            ],
        ),
        arg("get", "pure-token", token="GET", optional=True, since="6.2.0"),
        arg(
            "expiration",
            "oneof",
            optional=True,
            arguments=[
                arg("seconds", "integer", token="EX", since="2.6.12"),
                arg("milliseconds", "integer", token="PX", since="2.6.12"),
                arg("unix-time-seconds", "unix-time", token="EXAT", since="6.2.0"),
                arg("unix-time-milliseconds", "unix-time", token="PXAT", since="6.2.0"),
                arg("keepttl", "pure-token", token="KEEPTTL", since="6.0.0"),
            ],
        ),
    ],
)
def set_(ctx: Client, key: bytes, value: bytes, *options: bytes) -> Any:
    """SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
    PXAT unix-time-milliseconds | KEEPTTL]"""
    db = ctx.db
    if not options:
        db.data[key] = value
        if db.expires:
            db.expires.pop(key, None)
        db.signal_modified(key)
        return OK
    flags, expire = parse_set_options(options, for_set=True)
    when = expire_ms(ctx, expire, flags, "set") if expire is not None else None
    old = None
    if flags & GET_:
        old = db.lookup_read(key, bytes)
    found = old is not None or db.lookup_write(key) is not None
    if (flags & NX and found) or (flags & XX and not found):
        return old if flags & GET_ else None
    db.set(key, value, keep_ttl=bool(flags & KEEPTTL))
    if when is not None:
        db.set_expire(key, when)
    return old if flags & GET_ else OK


@hookimpl
def register_types(register: Any) -> None:
    register(STRING)


@hookimpl
def register_commands(register: Any) -> None:
    register(sys.modules[__name__])


_ = KeySpec, arg
