"""GET/SET and the other plain string commands: GETSET, GETDEL, GETEX, MGET, MSET, MSETNX,
SETNX, SETEX, PSETEX, APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE."""

from __future__ import annotations

from typing import Any

from plugredis import (
    OK,
    SYNTAX_ERROR,
    Client,
    CommandError,
    KeySpec,
    arg,
    c_twin,
    command,
    parse_int,
)

from .common import LLONG_MAX, check_length, copt, edited

# SET/GETEX option flags
NX, XX, GET_, KEEPTTL, EX, PX, EXAT, PXAT, PERSIST = (1 << i for i in range(9))
_EXPIRE_FLAGS = EX | PX | EXAT | PXAT
_OPT_FLAG = {b"EX": EX, b"PX": PX, b"EXAT": EXAT, b"PXAT": PXAT}


def parse_set_options(args: tuple[bytes, ...], for_set: bool) -> tuple[int, bytes | None]:
    """Parse SET's (or GETEX's) options exactly as Redis 7.0 does; returns (flags, expire arg).

    A repeated option is accepted (the last expire value wins); conflicting ones (NX with XX,
    KEEPTTL or PERSIST with an expire, two different expire units) are a syntax error.
    """
    flags = 0
    expire: bytes | None = None
    j = 0
    n = len(args)
    while j < n:
        opt = copt(args[j])
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
            opt in _OPT_FLAG
            and j + 1 < n
            and not flags & (KEEPTTL | PERSIST)
            and not flags & (_EXPIRE_FLAGS & ~_OPT_FLAG[opt])
        ):
            flags |= _OPT_FLAG[opt]
            expire = args[j + 1]
            j += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        j += 1
    return flags, expire


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


def set_generic(
    ctx: Client,
    key: bytes,
    value: bytes,
    flags: int,
    expire: bytes | None,
    cmd: str,
    ok_reply: Any = OK,
    abort_reply: Any = None,
) -> Any:
    """Redis's ``setGenericCommand``: SET with options, SETNX, SETEX and PSETEX."""
    db = ctx.db
    when = expire_ms(ctx, expire, flags, cmd) if expire is not None else None
    old = None
    if flags & GET_:
        old = db.lookup_read(key, bytes)
    found = old is not None or db.lookup_write(key) is not None
    if (flags & NX and found) or (flags & XX and not found):
        return old if flags & GET_ else abort_reply
    db.set(key, value, keep_ttl=bool(flags & KEEPTTL))
    if when is not None:
        db.set_expire(key, when)
    return old if flags & GET_ else ok_reply


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


c_twin(get, "get")


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
    return set_generic(ctx, key, value, flags, expire, "set")


c_twin(set_, "set")  # SET key value (with options: this handler)


@command(
    "SETNX",
    arity=3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="string",
    summary="Set the value of a key, only if the key does not exist",
    since="1.0.0",
    group="string",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("OW", "insert")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("value", "string"),
    ],
)
def setnx(ctx: Client, key: bytes, value: bytes) -> Any:
    """SETNX key value"""
    db = ctx.db
    if db.lookup_write(key) is not None:
        return 0
    db.set(key, value)
    return 1


@command(
    "SETEX",
    arity=4,
    flags="write denyoom",
    keys=(1, 1, 1),
    acl="string",
    summary="Set the value and expiration of a key",
    since="2.0.0",
    group="string",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("OW", "update")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("seconds", "integer"),
        arg("value", "string"),
    ],
)
def setex(ctx: Client, key: bytes, seconds: bytes, value: bytes) -> Any:
    """SETEX key seconds value"""
    return set_generic(ctx, key, value, EX, seconds, "setex")


@command(
    "PSETEX",
    arity=4,
    flags="write denyoom",
    keys=(1, 1, 1),
    acl="string",
    summary="Set the value and expiration in milliseconds of a key",
    since="2.6.0",
    group="string",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("OW", "update")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("milliseconds", "integer"),
        arg("value", "string"),
    ],
)
def psetex(ctx: Client, key: bytes, milliseconds: bytes, value: bytes) -> Any:
    """PSETEX key milliseconds value"""
    return set_generic(ctx, key, value, PX, milliseconds, "psetex")


@command(
    "GETSET",
    arity=3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="string",
    summary="Set the string value of a key and return its old value",
    since="1.0.0",
    group="string",
    complexity="O(1)",
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`SET` with the `!GET` argument",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "update")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("value", "string"),
    ],
)
def getset(ctx: Client, key: bytes, value: bytes) -> Any:
    """GETSET key value"""
    db = ctx.db
    old = db.lookup_read(key, bytes)
    db.set(key, value)
    return old


@command(
    "GETDEL",
    arity=2,
    flags="write fast",
    keys=(1, 1, 1),
    acl="string",
    summary="Get the value of a key and delete the key",
    since="6.2.0",
    group="string",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
    ],
)
def getdel(ctx: Client, key: bytes) -> Any:
    """GETDEL key"""
    db = ctx.db
    old = db.lookup_read(key, bytes)
    if old is not None:
        db.delete(key)
    return old


@command(
    "GETEX",
    arity=-2,
    flags="write fast",
    keys=(1, 1, 1),
    acl="string",
    summary="Get the value of a key and optionally set its expiration",
    since="6.2.0",
    group="string",
    complexity="O(1)",
    key_specs=[
        KeySpec(
            ("index", 1),
            ("range", 0, 1, 0),
            ("RW", "access", "update"),
            notes="RW and UPDATE because it changes the TTL",
        ),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg(
            "expiration",
            "oneof",
            optional=True,
            arguments=[
                arg("seconds", "integer", token="EX"),
                arg("milliseconds", "integer", token="PX"),
                arg("unix-time-seconds", "unix-time", token="EXAT"),
                arg("unix-time-milliseconds", "unix-time", token="PXAT"),
                arg("persist", "pure-token", token="PERSIST"),
            ],
        ),
    ],
)
def getex(ctx: Client, key: bytes, *options: bytes) -> Any:
    """GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
    PXAT unix-time-milliseconds | PERSIST]"""
    flags, expire = parse_set_options(options, for_set=False) if options else (0, None)
    db = ctx.db
    value = db.lookup_read(key, bytes)
    if value is None:
        return None
    if expire is not None:
        when = expire_ms(ctx, expire, flags, "getex")
        if flags & (EXAT | PXAT) and when <= ctx.now_ms:
            db.delete(key)
        else:
            db.set_expire(key, when)
            db.signal_modified(key)
    elif flags & PERSIST and db.persist(key):
        db.signal_modified(key)
    return value


@command(
    "MGET",
    arity=-2,
    flags="readonly fast",
    keys=(1, -1, 1),
    acl="string",
    summary="Get the values of all the given keys",
    since="1.0.0",
    group="string",
    complexity="O(N) where N is the number of keys to retrieve.",
    tips=["request_policy:multi_shard"],
    key_specs=[
        KeySpec(("index", 1), ("range", -1, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", multiple=True, key_spec_index=0),
    ],
)
def mget(ctx: Client, *keys: bytes) -> Any:
    """MGET key [key ...]"""
    lookup = ctx.db.lookup_read
    out = []
    for key in keys:
        v = lookup(key)
        out.append(v if type(v) is bytes else None)
    return out


@command(
    "MSET",
    arity=-3,
    flags="write denyoom",
    keys=(1, -1, 2),
    acl="string",
    summary="Set multiple keys to multiple values",
    since="1.0.1",
    group="string",
    complexity="O(N) where N is the number of keys to set.",
    tips=["request_policy:multi_shard", "response_policy:all_succeeded"],
    key_specs=[
        KeySpec(("index", 1), ("range", -1, 2, 0), ("OW", "update")),
    ],
    arguments=[
        arg(
            "key_value",
            "block",
            multiple=True,
            arguments=[
                arg("key", "key", key_spec_index=0),
                arg("value", "string"),
            ],
        ),
    ],
)
def mset(ctx: Client, *args: bytes) -> Any:
    """MSET key value [key value ...]"""
    if len(args) % 2:
        raise CommandError("ERR wrong number of arguments for 'mset' command")
    ctx.db.set_many(list(args[::2]), list(args[1::2]))
    return OK


c_twin(mset, "mset")


@command(
    "MSETNX",
    arity=-3,
    flags="write denyoom",
    keys=(1, -1, 2),
    acl="string",
    summary="Set multiple keys to multiple values, only if none of the keys exist",
    since="1.0.1",
    group="string",
    complexity="O(N) where N is the number of keys to set.",
    tips=["request_policy:multi_shard", "response_policy:agg_min"],
    key_specs=[
        KeySpec(("index", 1), ("range", -1, 2, 0), ("OW", "insert")),
    ],
    arguments=[
        arg(
            "key_value",
            "block",
            multiple=True,
            arguments=[
                arg("key", "key", key_spec_index=0),
                arg("value", "string"),
            ],
        ),
    ],
)
def msetnx(ctx: Client, *args: bytes) -> Any:
    """MSETNX key value [key value ...]"""
    if len(args) % 2:
        raise CommandError("ERR wrong number of arguments for 'msetnx' command")
    db = ctx.db
    for i in range(0, len(args), 2):
        if db.lookup_write(args[i]) is not None:
            return 0
    for i in range(0, len(args), 2):
        db.set(args[i], args[i + 1])
    return 1


@command(
    "APPEND",
    arity=3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="string",
    summary="Append a value to a key",
    since="2.0.0",
    group="string",
    complexity=(
        "O(1). The amortized time complexity is O(1) assuming the appended value is small and "
        "the already present value is of any size, since the dynamic string library used by "
        "Redis will double the free space available on every reallocation."
    ),
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "insert")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("value", "string"),
    ],
)
def append(ctx: Client, key: bytes, value: bytes) -> Any:
    """APPEND key value"""
    db = ctx.db
    old = db.lookup_write(key, bytes)
    if old is None:
        db.set(key, value)
        return len(value)
    check_length(ctx.server.proto_max_bulk_len, len(old), len(value))
    new = old + value
    db.set(key, edited(new), keep_ttl=True)  # Redis edits the string in place: raw
    return len(new)


@command(
    "STRLEN",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="string",
    summary="Get the length of the value stored in a key",
    since="2.2.0",
    group="string",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO",)),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
    ],
)
def strlen(ctx: Client, key: bytes) -> Any:
    """STRLEN key"""
    v = ctx.db.lookup_read(key, bytes)
    return 0 if v is None else len(v)


def _getrange(ctx: Client, key: bytes, start_raw: bytes, end_raw: bytes) -> Any:
    start = parse_int(start_raw)
    end = parse_int(end_raw)
    v = ctx.db.lookup_read(key, bytes)
    if v is None:
        return b""
    n = len(v)
    if start < 0 and end < 0 and start > end:
        return b""
    if start < 0:
        start = max(n + start, 0)
    if end < 0:
        end = max(n + end, 0)
    if end >= n:
        end = n - 1
    if start > end or n == 0:
        return b""
    return v[start : end + 1]


_RANGE_COMPLEXITY = (
    "O(N) where N is the length of the returned string. The complexity is ultimately "
    "determined by the returned length, but because creating a substring from an existing "
    "string is very cheap, it can be considered O(1) for small strings."
)


@command(
    "GETRANGE",
    arity=4,
    flags="readonly",
    keys=(1, 1, 1),
    acl="string",
    summary="Get a substring of the string stored at a key",
    since="2.4.0",
    group="string",
    complexity=_RANGE_COMPLEXITY,
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("start", "integer"),
        arg("end", "integer"),
    ],
)
def getrange(ctx: Client, key: bytes, start: bytes, end: bytes) -> Any:
    """GETRANGE key start end"""
    return _getrange(ctx, key, start, end)


@command(
    "SUBSTR",
    arity=4,
    flags="readonly",
    keys=(1, 1, 1),
    acl="string",
    summary="Get a substring of the string stored at a key",
    since="1.0.0",
    group="string",
    complexity=_RANGE_COMPLEXITY,
    doc_flags="deprecated",
    deprecated_since="2.0.0",
    replaced_by="`GETRANGE`",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("start", "integer"),
        arg("end", "integer"),
    ],
)
def substr(ctx: Client, key: bytes, start: bytes, end: bytes) -> Any:
    """SUBSTR key start end"""
    return _getrange(ctx, key, start, end)


@command(
    "SETRANGE",
    arity=4,
    flags="write denyoom",
    keys=(1, 1, 1),
    acl="string",
    summary="Overwrite part of a string at key starting at the specified offset",
    since="2.2.0",
    group="string",
    complexity=(
        "O(1), not counting the time taken to copy the new string in place. Usually, this "
        "string is very small so the amortized complexity is O(1). Otherwise, complexity is "
        "O(M) with M being the length of the value argument."
    ),
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "update")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("offset", "integer"),
        arg("value", "string"),
    ],
)
def setrange(ctx: Client, key: bytes, offset_raw: bytes, value: bytes) -> Any:
    """SETRANGE key offset value"""
    offset = parse_int(offset_raw)
    if offset < 0:
        raise CommandError("ERR offset is out of range")
    db = ctx.db
    old = db.lookup_write(key, bytes)
    if old is None:
        if not value:
            return 0
        check_length(ctx.server.proto_max_bulk_len, offset, len(value))
        db.set(key, edited(bytes(offset) + value))
        return offset + len(value)
    if not value:
        return len(old)
    check_length(ctx.server.proto_max_bulk_len, offset, len(value))
    end = offset + len(value)
    if offset <= len(old):
        mv = memoryview(old)
        new = b"".join((mv[:offset], value, mv[end:]))  # one copy
    else:
        new = old + bytes(offset - len(old)) + value
    db.set(key, edited(new), keep_ttl=True)
    return len(new)
