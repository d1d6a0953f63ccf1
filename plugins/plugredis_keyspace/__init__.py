"""The keyspace family: Redis 7.0's ``generic`` command group, for values of any registered type.

DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX, COPY, MOVE, EXPIRE, PEXPIRE,
EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST, TOUCH, OBJECT (ENCODING,
REFCOUNT, IDLETIME, FREQ, HELP), SORT, SORT_RO, WAIT, DUMP and RESTORE.

Nothing here knows a value type: every value is handled through the :class:`~plugredis.TypeSpec`
its plugin registered (``registry.type_of(value)``): ``name`` for TYPE and SCAN TYPE, ``clone``
for COPY, ``encoding_of`` for OBJECT ENCODING, the RDB codec (through ``dump_value`` /
``restore_value``) for DUMP and RESTORE.  OBJECT REFCOUNT answers ``extra["refcount"](value)``
when a type declares it (Redis's shared small integers answer 2147483647), else 1.  SORT reads
values by type name, as documented in :mod:`plugredis_keyspace.sorting`; SCAN's cursors are
described in :mod:`plugredis_keyspace.cursors`.

Expired keys are handled lazily everywhere: commands look keys up through ``lookup_read`` /
``lookup_write`` (which delete an expired key first), and KEYS, SCAN and RANDOMKEY never return
one.
"""

from __future__ import annotations

import sys
from typing import Any

from plugredis import (
    BLOCKED,
    OK,
    SYNTAX_ERROR,
    Client,
    CommandError,
    KeySpec,
    SimpleString,
    arg,
    command,
    compile_glob,
    container,
    dump_value,
    hookimpl,
    is_plain,
    parse_int,
    restore_value,
)

from .cursors import scan_table
from .sorting import cstr, sort_command, sort_getkeys

__version__ = "0.1.0"

LLONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
ULONG_MAX = 2**64 - 1

NO_SUCH_KEY = "ERR no such key"
SAME_OBJECT = "ERR source and destination objects are the same"
DB_OUT_OF_RANGE = "ERR DB index is out of range"
BUSYKEY = "BUSYKEY Target key name already exists."
NOT_INTEGER = "ERR value is not an integer or out of range"
INT_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647"

#: UNLINK frees containers at least this big after the reply is written (Redis's threshold)
LAZYFREE_THRESHOLD = 64


def _opt(raw: bytes) -> bytes:
    """An option name as Redis's ``strcasecmp`` compares it (to its first NUL, lower case)."""
    return cstr(raw).lower()


def _parse_db_index(raw: bytes) -> int:
    """Redis's ``getIntFromObjectOrReply``: a 32-bit signed integer."""
    v = parse_int(raw)
    if not INT_MIN <= v <= INT_MAX:
        raise CommandError(INT_RANGE)
    return v


def _other_db(ctx: Client, raw: bytes) -> Any:
    index = _parse_db_index(raw)
    dbs = ctx.server.dbs
    if not 0 <= index < len(dbs):
        raise CommandError(DB_OUT_OF_RANGE)
    return dbs[index]


def _remove_silently(db: Any, key: bytes) -> None:
    """Drop a live key without signalling (the command signals once, at its end)."""
    del db.data[key]
    if db.expires:
        db.expires.pop(key, None)


# =================================================================================================
# DEL, UNLINK, EXISTS, TYPE, TOUCH
# =================================================================================================


@command(
    "DEL",
    arity=-2,
    flags="write",
    keys=(1, -1, 1),
    acl="keyspace",
    summary="Delete a key",
    since="1.0.0",
    group="generic",
    complexity="O(N) where N is the number of keys that will be removed. When a key to remove "
    "holds a value other than a string, the individual complexity for this key is O(M) where M is "
    "the number of elements in the list, set, sorted set or hash. Removing a single key that holds "
    "a string value is O(1).",
    tips=["request_policy:multi_shard", "response_policy:agg_sum"],
    key_specs=[KeySpec(("index", 1), ("range", -1, 1, 0), ("RM", "delete"))],
    arguments=[arg("key", "key", multiple=True, key_spec_index=0)],
)
def del_(ctx: Client, *keys: bytes) -> int:
    """DEL key [key ...]"""
    db = ctx.db
    n = 0
    for key in keys:
        if db.delete(key):
            n += 1
    return n


def _release(values: list[Any]) -> None:
    values.clear()


@command(
    "UNLINK",
    arity=-2,
    flags="write fast",
    keys=(1, -1, 1),
    acl="keyspace",
    summary="Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non "
    "blocking.",
    since="4.0.0",
    group="generic",
    complexity="O(1) for each key removed regardless of its size. Then the command does O(N) work "
    "in a different thread in order to reclaim memory, where N is the number of allocations the "
    "deleted objects where composed of.",
    tips=["request_policy:multi_shard", "response_policy:agg_sum"],
    key_specs=[KeySpec(("index", 1), ("range", -1, 1, 0), ("RM", "delete"))],
    arguments=[arg("key", "key", multiple=True, key_spec_index=0)],
)
def unlink(ctx: Client, *keys: bytes) -> int:
    """UNLINK key [key ...]

    Like DEL, but big containers are released after the reply is written (the last reference is
    dropped by a ``loop.call_soon`` callback), so the command itself stays O(1) per key.
    """
    db = ctx.db
    n = 0
    big: list[Any] = []
    for key in keys:
        v = db.lookup_write(key)
        if v is None:
            continue
        db.delete(key)
        n += 1
        if not isinstance(v, bytes):
            try:
                if len(v) > LAZYFREE_THRESHOLD:
                    big.append(v)
            except TypeError:
                big.append(v)
    if big:
        loop = ctx.server.loop
        if loop is not None:
            loop.call_soon(_release, big)
    return n


@command(
    "EXISTS",
    arity=-2,
    flags="readonly fast",
    keys=(1, -1, 1),
    acl="keyspace",
    summary="Determine if a key exists",
    since="1.0.0",
    group="generic",
    complexity="O(N) where N is the number of keys to check.",
    tips=["request_policy:multi_shard", "response_policy:agg_sum"],
    history=[("3.0.3", "Accepts multiple `key` arguments.")],
    key_specs=[KeySpec(("index", 1), ("range", -1, 1, 0), ("RO",))],
    arguments=[arg("key", "key", multiple=True, key_spec_index=0)],
)
def exists(ctx: Client, *keys: bytes) -> int:
    """EXISTS key [key ...] (a key named twice counts twice)"""
    lookup = ctx.db.lookup_read
    n = 0
    for key in keys:
        if lookup(key) is not None:
            n += 1
    return n


@command(
    "TYPE",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Determine the type stored at key",
    since="1.0.0",
    group="generic",
    complexity="O(1)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RO",))],
    arguments=[arg("key", "key", key_spec_index=0)],
)
def type_(ctx: Client, key: bytes) -> Any:
    """TYPE key: the name of the value's registered type, or ``none``"""
    v = ctx.db.lookup_read(key)
    if v is None:
        return SimpleString(b"none")
    return SimpleString(ctx.server.registry.type_of(v).name.encode())


@command(
    "TOUCH",
    arity=-2,
    flags="readonly fast",
    keys=(1, -1, 1),
    acl="keyspace",
    summary="Alters the last access time of a key(s). Returns the number of existing keys "
    "specified.",
    since="3.2.1",
    group="generic",
    complexity="O(N) where N is the number of keys that will be touched.",
    tips=["request_policy:multi_shard", "response_policy:agg_sum"],
    key_specs=[KeySpec(("index", 1), ("range", -1, 1, 0), ("RO",))],
    arguments=[arg("key", "key", multiple=True, key_spec_index=0)],
)
def touch(ctx: Client, *keys: bytes) -> int:
    """TOUCH key [key ...]"""
    lookup = ctx.db.lookup_read
    n = 0
    for key in keys:
        if lookup(key) is not None:
            n += 1
    return n


# =================================================================================================
# KEYS, SCAN, RANDOMKEY
# =================================================================================================


@command(
    "KEYS",
    arity=2,
    flags="readonly",
    acl="keyspace dangerous",
    summary="Find all keys matching the given pattern",
    since="1.0.0",
    group="generic",
    complexity="O(N) with N being the number of keys in the database, under the assumption that "
    "the key names in the database and the given pattern have limited length.",
    tips=["request_policy:all_shards", "nondeterministic_output_order"],
    arguments=[arg("pattern", "pattern")],
)
def keys_(ctx: Client, pattern: bytes) -> list[bytes]:
    """KEYS pattern (expired keys are skipped, as in Redis, not deleted)"""
    db = ctx.db
    data = db.data
    expires = db.expires
    now = ctx.now_ms
    if pattern == b"*":
        if not expires:
            return list(data)
        return [k for k in data if expires.get(k, LLONG_MAX) > now]
    if is_plain(pattern):
        if pattern in data and expires.get(pattern, LLONG_MAX) > now:
            return [pattern]
        return []
    match = compile_glob(pattern)
    if not expires:
        return [k for k in data if match(k)]
    return [k for k in data if match(k) and expires.get(k, LLONG_MAX) > now]


def _parse_cursor(raw: bytes) -> int:
    """Redis's ``parseScanCursorOrReply``: C ``strtoul`` in base 10 over the whole argument.

    Leading white space is refused, a sign is accepted (``-1`` wraps to 2**64-1 as in C), the
    empty string is cursor 0, anything after the digits (up to a NUL) is an invalid cursor.
    """
    s = cstr(raw)
    if not s:
        return 0
    body = s[1:] if s[:1] in (b"+", b"-") else s
    if not body.isdigit() or not body.isascii():
        raise CommandError("ERR invalid cursor")
    v = int(body)
    if v > ULONG_MAX:
        raise CommandError("ERR invalid cursor")
    return (-v) % (ULONG_MAX + 1) if s[:1] == b"-" else v


@command(
    "SCAN",
    arity=-2,
    flags="readonly",
    acl="keyspace",
    summary="Incrementally iterate the keys space",
    since="2.8.0",
    group="generic",
    complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls "
    "for the cursor to return back to 0. N is the number of elements inside the collection.",
    tips=["nondeterministic_output", "request_policy:special"],
    history=[("6.0.0", "Added the `TYPE` subcommand.")],
    arguments=[
        arg("cursor", "integer"),
        arg("pattern", "pattern", token="MATCH", optional=True),
        arg("count", "integer", token="COUNT", optional=True),
        arg("type", "string", token="TYPE", optional=True, since="6.0.0"),
    ],
)
def scan(ctx: Client, raw_cursor: bytes, *options: bytes) -> Any:
    """SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] (cursors: see the cursors module)"""
    cursor = _parse_cursor(raw_cursor)
    count = 10
    pattern: bytes | None = None
    typename: bytes | None = None
    i = 0
    n = len(options)
    while i < n:
        opt = _opt(options[i])
        left = n - i
        if opt == b"count" and left >= 2:
            count = parse_int(options[i + 1])
            if count < 1:
                raise CommandError(SYNTAX_ERROR)
        elif opt == b"match" and left >= 2:
            pattern = options[i + 1]
        elif opt == b"type" and left >= 2:
            typename = cstr(options[i + 1]).lower()
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 2
    db = ctx.db
    nxt, candidates = scan_table(ctx.server).batch(db, cursor, count)
    match = compile_glob(pattern) if pattern is not None and pattern != b"*" else None
    type_of = ctx.server.registry.type_of
    out = []
    lookup = db.lookup_write
    for key in candidates:
        if match is not None and not match(key):
            continue
        v = lookup(key)
        if v is None:
            continue
        if typename is not None and type_of(v).name.lower().encode() != typename:
            continue
        out.append(key)
    return [b"%d" % nxt, out]


@command(
    "RANDOMKEY",
    arity=1,
    flags="readonly",
    acl="keyspace",
    summary="Return a random key from the keyspace",
    since="1.0.0",
    group="generic",
    complexity="O(1)",
    tips=["request_policy:all_shards", "nondeterministic_output"],
)
def randomkey(ctx: Client) -> bytes | None:
    """RANDOMKEY (expired candidates are deleted on the way)"""
    return ctx.db.random_key()


# =================================================================================================
# RENAME, RENAMENX, COPY, MOVE
# =================================================================================================


def _rename(ctx: Client, src: bytes, dst: bytes, nx: bool) -> Any:
    db = ctx.db
    value = db.lookup_write(src)
    if value is None:
        raise CommandError(NO_SUCH_KEY)
    if src == dst:
        return 0 if nx else OK
    expire = db.get_expire(src)
    if db.lookup_write(dst) is not None:
        if nx:
            return 0
        _remove_silently(db, dst)
    _remove_silently(db, src)
    db.data[dst] = value
    if expire is not None:
        db.set_expire(dst, expire)
    db.signal_modified(src, "renamed_from")
    db.signal_modified(dst, "renamed_to")
    return 1 if nx else OK


@command(
    "RENAME",
    arity=3,
    flags="write",
    keys=(1, 2, 1),
    acl="keyspace",
    summary="Rename a key",
    since="1.0.0",
    group="generic",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete")),
        KeySpec(("index", 2), ("range", 0, 1, 0), ("OW", "update")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("newkey", "key", key_spec_index=1),
    ],
)
def rename(ctx: Client, key: bytes, newkey: bytes) -> Any:
    """RENAME key newkey (the TTL moves with the value)"""
    return _rename(ctx, key, newkey, False)


@command(
    "RENAMENX",
    arity=3,
    flags="write fast",
    keys=(1, 2, 1),
    acl="keyspace",
    summary="Rename a key, only if the new key does not exist",
    since="1.0.0",
    group="generic",
    complexity="O(1)",
    history=[
        (
            "3.2.0",
            "The command no longer returns an error when source and destination names are the "
            "same.",
        )
    ],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete")),
        KeySpec(("index", 2), ("range", 0, 1, 0), ("OW", "insert")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("newkey", "key", key_spec_index=1),
    ],
)
def renamenx(ctx: Client, key: bytes, newkey: bytes) -> Any:
    """RENAMENX key newkey"""
    return _rename(ctx, key, newkey, True)


@command(
    "COPY",
    arity=-3,
    flags="write denyoom",
    keys=(1, 2, 1),
    acl="keyspace",
    summary="Copy a key",
    since="6.2.0",
    group="generic",
    complexity="O(N) worst case for collections, where N is the number of nested items. O(1) for "
    "string values.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
        KeySpec(("index", 2), ("range", 0, 1, 0), ("OW", "update")),
    ],
    arguments=[
        arg("source", "key", key_spec_index=0),
        arg("destination", "key", key_spec_index=1),
        arg("destination-db", "integer", token="DB", optional=True),
        arg("replace", "pure-token", token="REPLACE", optional=True),
    ],
)
def copy(ctx: Client, source: bytes, destination: bytes, *options: bytes) -> int:
    """COPY source destination [DB destination-db] [REPLACE] (the copy is ``TypeSpec.clone``)"""
    src = ctx.db
    dst = src
    replace = False
    i = 0
    n = len(options)
    while i < n:
        opt = _opt(options[i])
        if opt == b"replace":
            replace = True
        elif opt == b"db" and n - i - 1 >= 1:
            dst = _other_db(ctx, options[i + 1])
            i += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 1
    if src is dst and source == destination:
        raise CommandError(SAME_OBJECT)
    value = src.lookup_read(source)
    if value is None:
        return 0
    expire = src.get_expire(source)
    if dst.lookup_write(destination) is not None:
        if not replace:
            return 0
        _remove_silently(dst, destination)
    dst.data[destination] = ctx.server.registry.type_of(value).clone(value)
    if dst.expires:
        dst.expires.pop(destination, None)
    if expire is not None:
        dst.set_expire(destination, expire)
    dst.signal_modified(destination)
    return 1


@command(
    "MOVE",
    arity=3,
    flags="write fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Move a key to another database",
    since="1.0.0",
    group="generic",
    complexity="O(1)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "update"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("db", "integer"),
    ],
)
def move(ctx: Client, key: bytes, db_index: bytes) -> int:
    """MOVE key db (the TTL moves with the value)"""
    src = ctx.db
    dst = _other_db(ctx, db_index)
    if dst is src:
        raise CommandError(SAME_OBJECT)
    value = src.lookup_write(key)
    if value is None:
        return 0
    expire = src.get_expire(key)
    if dst.lookup_write(key) is not None:
        return 0
    dst.data[key] = value
    if dst.expires:
        dst.expires.pop(key, None)
    if expire is not None:
        dst.set_expire(key, expire)
    _remove_silently(src, key)
    src.signal_modified(key, "deleted")
    dst.signal_modified(key)
    return 1


# =================================================================================================
# EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST
# =================================================================================================

_NX, _XX, _GT, _LT = 1, 2, 4, 8
_EXPIRE_OPTS = {b"nx": _NX, b"xx": _XX, b"gt": _GT, b"lt": _LT}


def _expire_generic(
    ctx: Client,
    name: str,
    key: bytes,
    raw: bytes,
    options: tuple[bytes, ...],
    relative: bool,
    seconds: bool,
) -> int:
    """Redis's ``expireGenericCommand``: options first, then the time, then the key."""
    flags = 0
    for o in options:
        f = _EXPIRE_OPTS.get(_opt(o))
        if f is None:
            shown = cstr(o).decode("utf-8", "surrogateescape")
            raise CommandError(f"ERR Unsupported option {shown}")
        flags |= f
    if flags & _NX and flags & (_XX | _GT | _LT):
        raise CommandError("ERR NX and XX, GT or LT options at the same time are not compatible")
    if flags & _GT and flags & _LT:
        raise CommandError("ERR GT and LT options at the same time are not compatible")
    when = parse_int(raw)
    if seconds:
        # C's LLONG_MIN / 1000 truncates toward zero
        if when > LLONG_MAX // 1000 or when < -(-LLONG_MIN // 1000):
            raise CommandError(f"ERR invalid expire time in '{name}' command")
        when *= 1000
    base = ctx.now_ms if relative else 0
    if when > LLONG_MAX - base:
        raise CommandError(f"ERR invalid expire time in '{name}' command")
    when += base
    db = ctx.db
    if db.lookup_write(key) is None:
        return 0
    if flags:
        current = db.get_expire(key)
        if flags & _NX and current is not None:
            return 0
        if flags & _XX and current is None:
            return 0
        if flags & _GT and (current is None or when <= current):
            return 0
        if flags & _LT and current is not None and when >= current:
            return 0
    if when <= ctx.now_ms:
        _remove_silently(db, key)
        db.signal_modified(key, "deleted")
        return 1
    db.set_expire(key, when)
    db.signal_modified(key)
    return 1


_EXPIRE_CONDITION = arg(
    "condition",
    "oneof",
    optional=True,
    since="7.0.0",
    arguments=[
        arg("nx", "pure-token", token="NX"),
        arg("xx", "pure-token", token="XX"),
        arg("gt", "pure-token", token="GT"),
        arg("lt", "pure-token", token="LT"),
    ],
)
_EXPIRE_HISTORY = [("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]
_EXPIRE_KEYSPECS = [KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "update"))]


@command(
    "EXPIRE",
    arity=-3,
    flags="write fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Set a key's time to live in seconds",
    since="1.0.0",
    group="generic",
    complexity="O(1)",
    history=_EXPIRE_HISTORY,
    key_specs=_EXPIRE_KEYSPECS,
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("seconds", "integer"),
        _EXPIRE_CONDITION,
    ],
)
def expire(ctx: Client, key: bytes, seconds: bytes, *options: bytes) -> int:
    """EXPIRE key seconds [NX | XX | GT | LT]"""
    return _expire_generic(ctx, "expire", key, seconds, options, relative=True, seconds=True)


@command(
    "PEXPIRE",
    arity=-3,
    flags="write fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Set a key's time to live in milliseconds",
    since="2.6.0",
    group="generic",
    complexity="O(1)",
    history=_EXPIRE_HISTORY,
    key_specs=_EXPIRE_KEYSPECS,
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("milliseconds", "integer"),
        _EXPIRE_CONDITION,
    ],
)
def pexpire(ctx: Client, key: bytes, ms: bytes, *options: bytes) -> int:
    """PEXPIRE key milliseconds [NX | XX | GT | LT]"""
    return _expire_generic(ctx, "pexpire", key, ms, options, relative=True, seconds=False)


@command(
    "EXPIREAT",
    arity=-3,
    flags="write fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Set the expiration for a key as a UNIX timestamp",
    since="1.2.0",
    group="generic",
    complexity="O(1)",
    history=_EXPIRE_HISTORY,
    key_specs=_EXPIRE_KEYSPECS,
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("unix-time-seconds", "unix-time"),
        _EXPIRE_CONDITION,
    ],
)
def expireat(ctx: Client, key: bytes, when: bytes, *options: bytes) -> int:
    """EXPIREAT key unix-time-seconds [NX | XX | GT | LT]"""
    return _expire_generic(ctx, "expireat", key, when, options, relative=False, seconds=True)


@command(
    "PEXPIREAT",
    arity=-3,
    flags="write fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Set the expiration for a key as a UNIX timestamp specified in milliseconds",
    since="2.6.0",
    group="generic",
    complexity="O(1)",
    history=_EXPIRE_HISTORY,
    key_specs=_EXPIRE_KEYSPECS,
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("unix-time-milliseconds", "unix-time"),
        _EXPIRE_CONDITION,
    ],
)
def pexpireat(ctx: Client, key: bytes, when: bytes, *options: bytes) -> int:
    """PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]"""
    return _expire_generic(ctx, "pexpireat", key, when, options, relative=False, seconds=False)


def _ttl_generic(ctx: Client, key: bytes, ms: bool, absolute: bool) -> int:
    db = ctx.db
    if db.lookup_read(key) is None:
        return -2
    when = db.get_expire(key)
    if when is None:
        return -1
    ttl = when if absolute else when - ctx.now_ms
    if ttl < 0:
        ttl = 0
    return ttl if ms else (ttl + 500) // 1000


_TTL_HISTORY = [("2.8.0", "Added the -2 reply.")]
_RO_ACCESS = [KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access"))]


@command(
    "TTL",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Get the time to live for a key in seconds",
    since="1.0.0",
    group="generic",
    complexity="O(1)",
    tips=["nondeterministic_output"],
    history=_TTL_HISTORY,
    key_specs=_RO_ACCESS,
    arguments=[arg("key", "key", key_spec_index=0)],
)
def ttl(ctx: Client, key: bytes) -> int:
    """TTL key (-2: no key, -1: no expiry; rounded to the nearest second)"""
    return _ttl_generic(ctx, key, ms=False, absolute=False)


@command(
    "PTTL",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Get the time to live for a key in milliseconds",
    since="2.6.0",
    group="generic",
    complexity="O(1)",
    tips=["nondeterministic_output"],
    history=_TTL_HISTORY,
    key_specs=_RO_ACCESS,
    arguments=[arg("key", "key", key_spec_index=0)],
)
def pttl(ctx: Client, key: bytes) -> int:
    """PTTL key"""
    return _ttl_generic(ctx, key, ms=True, absolute=False)


@command(
    "EXPIRETIME",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Get the expiration Unix timestamp for a key",
    since="7.0.0",
    group="generic",
    complexity="O(1)",
    key_specs=_RO_ACCESS,
    arguments=[arg("key", "key", key_spec_index=0)],
)
def expiretime(ctx: Client, key: bytes) -> int:
    """EXPIRETIME key"""
    return _ttl_generic(ctx, key, ms=False, absolute=True)


@command(
    "PEXPIRETIME",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Get the expiration Unix timestamp for a key in milliseconds",
    since="7.0.0",
    group="generic",
    complexity="O(1)",
    key_specs=_RO_ACCESS,
    arguments=[arg("key", "key", key_spec_index=0)],
)
def pexpiretime(ctx: Client, key: bytes) -> int:
    """PEXPIRETIME key"""
    return _ttl_generic(ctx, key, ms=True, absolute=True)


@command(
    "PERSIST",
    arity=2,
    flags="write fast",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Remove the expiration from a key",
    since="2.2.0",
    group="generic",
    complexity="O(1)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "update"))],
    arguments=[arg("key", "key", key_spec_index=0)],
)
def persist(ctx: Client, key: bytes) -> int:
    """PERSIST key"""
    db = ctx.db
    if db.lookup_write(key) is None:
        return 0
    if not db.persist(key):
        return 0
    db.signal_modified(key)
    return 1


# =================================================================================================
# OBJECT
# =================================================================================================

OBJECT = container(
    "object",
    arity=-2,
    summary="A container for object introspection commands",
    since="2.2.3",
    group="generic",
    complexity="Depends on subcommand.",
)

_OBJECT_KEYSPECS = [KeySpec(("index", 2), ("range", 0, 1, 0), ("RO",))]
_OBJECT_KEY_ARG = [arg("key", "key", key_spec_index=0)]
_LFU_NOT_SELECTED = (
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust."
)


@OBJECT.subcommand(
    "IDLETIME",
    arity=3,
    flags="readonly",
    keys=(2, 2, 1),
    acl="keyspace",
    summary="Get the time since a Redis object was last accessed",
    since="2.2.3",
    group="generic",
    complexity="O(1)",
    tips=["nondeterministic_output"],
    key_specs=_OBJECT_KEYSPECS,
    arguments=_OBJECT_KEY_ARG,
)
def object_idletime(ctx: Client, key: bytes) -> int | None:
    """OBJECT IDLETIME key (the core keeps no access times yet: always 0 for a live key)"""
    if ctx.db.lookup_read(key) is None:
        return None
    return 0


@OBJECT.subcommand(
    "FREQ",
    arity=3,
    flags="readonly",
    keys=(2, 2, 1),
    acl="keyspace",
    summary="Get the logarithmic access frequency counter of a Redis object",
    since="4.0.0",
    group="generic",
    complexity="O(1)",
    tips=["nondeterministic_output"],
    key_specs=_OBJECT_KEYSPECS,
    arguments=_OBJECT_KEY_ARG,
)
def object_freq(ctx: Client, key: bytes) -> int | None:
    """OBJECT FREQ key (plugredis runs with the ``noeviction`` policy: LFU is never selected)"""
    if ctx.db.lookup_read(key) is None:
        return None
    raise CommandError(_LFU_NOT_SELECTED)


@OBJECT.subcommand(
    "HELP",
    arity=2,
    flags="loading stale",
    acl="keyspace",
    summary="Show helpful text about the different subcommands",
    since="6.2.0",
    group="generic",
    complexity="O(1)",
)
def object_help(ctx: Client) -> list[Any]:
    """OBJECT HELP"""
    lines = [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ]
    return [SimpleString(line.encode()) for line in lines]


@OBJECT.subcommand(
    "ENCODING",
    arity=3,
    flags="readonly",
    keys=(2, 2, 1),
    acl="keyspace",
    summary="Inspect the internal encoding of a Redis object",
    since="2.2.3",
    group="generic",
    complexity="O(1)",
    tips=["nondeterministic_output"],
    key_specs=_OBJECT_KEYSPECS,
    arguments=_OBJECT_KEY_ARG,
)
def object_encoding(ctx: Client, key: bytes) -> bytes | None:
    """OBJECT ENCODING key (``TypeSpec.encoding_of``)"""
    v = ctx.db.lookup_read(key)
    if v is None:
        return None
    return ctx.server.registry.type_of(v).encoding_of(v).encode()


@OBJECT.subcommand(
    "REFCOUNT",
    arity=3,
    flags="readonly",
    keys=(2, 2, 1),
    acl="keyspace",
    summary="Get the number of references to the value of the key",
    since="2.2.3",
    group="generic",
    complexity="O(1)",
    tips=["nondeterministic_output"],
    key_specs=_OBJECT_KEYSPECS,
    arguments=_OBJECT_KEY_ARG,
)
def object_refcount(ctx: Client, key: bytes) -> int | None:
    """OBJECT REFCOUNT key (``TypeSpec.extra["refcount"](value)`` when declared, else 1)"""
    v = ctx.db.lookup_read(key)
    if v is None:
        return None
    refcount = ctx.server.registry.type_of(v).extra.get("refcount")
    return int(refcount(v)) if callable(refcount) else 1


# =================================================================================================
# SORT, SORT_RO
# =================================================================================================

_SORT_BY_GET_SPEC = KeySpec(
    ("unknown",),
    ("unknown",),
    ("RO", "access"),
    notes="For the optional BY/GET keyword. It is marked 'unknown' because the key names derive "
    "from the content of the key we sort",
)


def _sort_arguments(with_store: bool) -> list[dict[str, Any]]:
    args = [
        arg("key", "key", key_spec_index=0),
        arg("pattern", "pattern", token="BY", optional=True, key_spec_index=1),
        arg(
            "offset_count",
            "block",
            token="LIMIT",
            optional=True,
            arguments=[arg("offset", "integer"), arg("count", "integer")],
        ),
        arg(
            "pattern",
            "pattern",
            token="GET",
            optional=True,
            multiple=True,
            multiple_token=True,
            key_spec_index=1,
        ),
        arg(
            "order",
            "oneof",
            optional=True,
            arguments=[
                arg("asc", "pure-token", token="ASC"),
                arg("desc", "pure-token", token="DESC"),
            ],
        ),
        arg("sorting", "pure-token", token="ALPHA", optional=True),
    ]
    if with_store:
        args.append(arg("destination", "key", token="STORE", optional=True, key_spec_index=2))
    return args


_SORT_COMPLEXITY = (
    "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number "
    "of returned elements. When the elements are not sorted, complexity is O(N)."
)


@command(
    "SORT",
    arity=-2,
    flags="write denyoom movablekeys",
    keys=(1, 1, 1),
    acl="set sortedset list dangerous",
    summary="Sort the elements in a list, set or sorted set",
    since="1.0.0",
    group="generic",
    complexity=_SORT_COMPLEXITY,
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
        _SORT_BY_GET_SPEC,
        KeySpec(
            ("unknown",),
            ("unknown",),
            ("OW", "update"),
            notes="For the optional STORE keyword. It is marked 'unknown' because the keyword can "
            "appear anywhere in the argument array",
        ),
    ],
    arguments=_sort_arguments(True),
)
def sort(ctx: Client, *args: bytes) -> Any:
    """SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC]
    [ALPHA] [STORE destination]"""
    return sort_command(ctx, args, readonly=False)


sort.getkeys = sort_getkeys  # type: ignore[attr-defined]


@command(
    "SORT_RO",
    arity=-2,
    flags="readonly movablekeys",
    keys=(1, 1, 1),
    acl="set sortedset list dangerous",
    summary="Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
    since="7.0.0",
    group="generic",
    complexity=_SORT_COMPLEXITY,
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
        _SORT_BY_GET_SPEC,
    ],
    arguments=_sort_arguments(False),
)
def sort_ro(ctx: Client, *args: bytes) -> Any:
    """SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC]
    [ALPHA]"""
    return sort_command(ctx, args, readonly=True)


# =================================================================================================
# WAIT
# =================================================================================================


def _never(ctx: Client) -> Any:
    return BLOCKED


@command(
    "WAIT",
    arity=3,
    flags="noscript",
    acl="connection",
    summary="Wait for the synchronous replication of all the write commands sent in the context "
    "of the current connection",
    since="3.0.0",
    group="generic",
    complexity="O(1)",
    tips=["request_policy:all_shards", "response_policy:agg_min"],
    arguments=[
        arg("numreplicas", "integer"),
        arg("timeout", "integer"),
    ],
)
def wait(ctx: Client, numreplicas: bytes, timeout: bytes) -> Any:
    """WAIT numreplicas timeout

    plugredis has no replicas, so the count of acknowledging replicas is always 0: like a Redis
    master without replicas, ``WAIT 0 t`` answers at once and ``WAIT n t`` (n > 0) answers 0 when
    the timeout (milliseconds; 0 = forever) expires, or at once inside MULTI.
    """
    wanted = parse_int(numreplicas)
    ms = parse_int(timeout, "ERR timeout is not an integer or out of range")
    if ms < 0:
        raise CommandError("ERR timeout is negative")
    if wanted <= 0:
        return 0
    if ms > LLONG_MAX - ctx.now_ms:
        # Redis 7.0's deadline overflows to the past: the client times out at once
        return 0
    return ctx.block((), ms / 1000.0, _never, 0)


# =================================================================================================
# DUMP, RESTORE
# =================================================================================================


@command(
    "DUMP",
    arity=2,
    flags="readonly",
    keys=(1, 1, 1),
    acl="keyspace",
    summary="Return a serialized version of the value stored at the specified key.",
    since="2.6.0",
    group="generic",
    complexity="O(1) to access the key and additional O(N*M) to serialize it, where N is the "
    "number of Redis objects composing the value and M their average size. For small string "
    "values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
    tips=["nondeterministic_output"],
    key_specs=_RO_ACCESS,
    arguments=[arg("key", "key", key_spec_index=0)],
)
def dump(ctx: Client, key: bytes) -> bytes | None:
    """DUMP key (Redis's DUMP format: RDB value, RDB version, CRC64)"""
    v = ctx.db.lookup_read(key)
    if v is None:
        return None
    payload: bytes = dump_value(ctx.server.registry, v)
    return payload


@command(
    "RESTORE",
    arity=-4,
    flags="write denyoom",
    keys=(1, 1, 1),
    acl="keyspace dangerous",
    summary="Create a key using the provided serialized value, previously obtained using DUMP.",
    since="2.6.0",
    group="generic",
    complexity="O(1) to create the new key and additional O(N*M) to reconstruct the serialized "
    "value, where N is the number of Redis objects composing the value and M their average size. "
    "For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply "
    "O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values "
    "into sorted sets is O(log(N)).",
    history=[
        ("3.0.0", "Added the `REPLACE` modifier."),
        ("5.0.0", "Added the `ABSTTL` modifier."),
        ("5.0.0", "Added the `IDLETIME` and `FREQ` options."),
    ],
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("OW", "update"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("ttl", "integer"),
        arg("serialized-value", "string"),
        arg("replace", "pure-token", token="REPLACE", optional=True, since="3.0.0"),
        arg("absttl", "pure-token", token="ABSTTL", optional=True, since="5.0.0"),
        arg("seconds", "integer", token="IDLETIME", optional=True, since="5.0.0"),
        arg("frequency", "integer", token="FREQ", optional=True, since="5.0.0"),
    ],
)
def restore(ctx: Client, key: bytes, raw_ttl: bytes, payload: bytes, *options: bytes) -> Any:
    """RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]

    IDLETIME and FREQ are validated as Redis does; plugredis keeps no LRU/LFU data to set.
    """
    replace = absttl = False
    idle = freq = -1
    i = 0
    n = len(options)
    while i < n:
        opt = _opt(options[i])
        more = n - i - 1
        if opt == b"replace":
            replace = True
        elif opt == b"absttl":
            absttl = True
        elif opt == b"idletime" and more >= 1 and freq == -1:
            idle = parse_int(options[i + 1])
            if idle < 0:
                raise CommandError("ERR Invalid IDLETIME value, must be >= 0")
            i += 1
        elif opt == b"freq" and more >= 1 and idle == -1:
            freq = parse_int(options[i + 1])
            if not 0 <= freq <= 255:
                raise CommandError("ERR Invalid FREQ value, must be >= 0 and <= 255")
            i += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        i += 1
    db = ctx.db
    exists_now = db.lookup_write(key) is not None
    if exists_now and not replace:
        raise CommandError(BUSYKEY)
    ttl = parse_int(raw_ttl)
    if ttl < 0:
        raise CommandError("ERR Invalid TTL value, must be >= 0")
    value = restore_value(ctx.server.registry, payload)
    if replace and exists_now:
        _remove_silently(db, key)
    if ttl and not absttl:
        ttl += ctx.now_ms
        if ttl > LLONG_MAX:  # Redis 7.0 does not check: the sum wraps into the past
            ttl -= 2**64
    if ttl and ttl <= ctx.now_ms:
        if replace and exists_now:
            db.signal_modified(key, "deleted")
        return OK
    db.data[key] = value
    if db.expires:
        db.expires.pop(key, None)
    if ttl:
        db.set_expire(key, ttl)
    db.signal_modified(key)
    return OK


@hookimpl
def register_commands(register: Any) -> None:
    register(sys.modules[__name__])
