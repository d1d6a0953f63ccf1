"""The hashes family: every command of Redis 7.0's ``hash`` group.

A hash is stored as a :class:`Hash`, a ``dict`` subclass (bytes field -> bytes value) that keeps
insertion order like Redis's listpack encoding.  Its :class:`~plugredis.TypeSpec` is named
``hash``.  ``OBJECT ENCODING`` follows Redis: a hash is a ``listpack`` until it gets more than
``hash-max-listpack-entries`` fields (512) or a field or value longer than
``hash-max-listpack-value`` bytes (64), and then a ``hashtable`` for good (Redis never converts
back); the flag lives on the value.  Both thresholds are CONFIG parameters of this plugin (with
their ``hash-max-ziplist-*`` aliases).  Between commands, listpack-encoded hashes of up to
:data:`PACK_MAX_FIELDS` fields are stored packed into one ``bytes`` image (``pack``/``unpack``
of the type, see :mod:`plugredis.packing`), which is what keeps many small hashes small.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from itertools import chain
from typing import Any

from plugredis import (
    OK,
    SYNTAX_ERROR,
    Client,
    CommandError,
    KeySpec,
    Map,
    TypeSpec,
    arg,
    c_twin,
    command,
    compile_glob,
    config_memory,
    config_nonneg_int,
    hookimpl,
    ld_add,
    ld_format,
    ld_from_int,
    ld_is_inf,
    ld_parse,
    pack_bytes,
    parse_int,
    unpack_bytes,
)

_chain = chain.from_iterable

__version__ = "0.1.0"

LLONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)
LONG_MAX = LLONG_MAX


class Hash(dict[bytes, bytes]):
    """A hash value: ``field -> value`` (both ``bytes``), in insertion order.

    ``ht`` is True once the hash has been converted to Redis's ``hashtable`` encoding;
    ``version`` counts modifications (it invalidates the HSCAN/HRANDFIELD caches).
    """

    __slots__ = ("_cache", "ht", "version")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.ht = False
        self.version = 0
        self._cache: Any = None


class Settings:
    """The encoding thresholds of one server (CONFIG hash-max-listpack-entries/value)."""

    __slots__ = ("max_entries", "max_value")

    def __init__(self) -> None:
        self.max_entries = 512
        self.max_value = 64


_DEFAULT = Settings()


def _settings(ctx: Client) -> Settings:
    return ctx.server.plugin_state.get("hashes", _DEFAULT)


def _fits_listpack(h: dict[bytes, bytes], settings: Settings = _DEFAULT) -> bool:
    if len(h) > settings.max_entries:
        return False
    mv = settings.max_value
    return all(len(f) <= mv and len(v) <= mv for f, v in h.items())


def new_hash(items: Any = (), settings: Settings = _DEFAULT) -> Hash:
    """A hash holding ``items`` whose encoding is what Redis picks when it loads such a hash."""
    h = Hash(items)
    h.ht = not _fits_listpack(h, settings)
    return h


def _copy(h: Hash) -> Hash:
    c = Hash(h)
    c.ht = h.ht
    return c


def _memory(h: Hash) -> int:
    if not h.ht:
        return 16 + sum(len(f) + len(v) + 4 for f, v in h.items())
    return 96 + sum(len(f) + len(v) + 48 for f, v in h.items())


def _from_rdb(kind: str, plain: Any) -> Hash:
    return new_hash(plain)


#: listpack-encoded hashes of at most this many fields are stored packed between commands
PACK_MAX_FIELDS = 128


def _pack(h: Hash) -> bytes | None:
    """The image of a small listpack-encoded hash (field, value, field, value...)."""
    if h.ht or len(h) > PACK_MAX_FIELDS:
        return None
    return pack_bytes(list(_chain(h.items())))


def _unpack(image: bytes) -> Hash:
    it = iter(unpack_bytes(image))
    return Hash(zip(it, it, strict=True))


HASH = TypeSpec(
    name="hash",
    pytype=Hash,
    copy=_copy,
    encoding=lambda h: "hashtable" if h.ht else "listpack",
    memory=_memory,
    to_rdb=lambda h: ("hash", dict(h)),
    from_rdb=_from_rdb,
    rdb_kinds=("hash",),
    pack=_pack,
    unpack=_unpack,
)

# -------------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------------


def _write_hash(ctx: Client, key: bytes) -> Hash:
    """``hashTypeLookupWriteOrCreate``: the hash at ``key``, created (unsignalled) if missing."""
    db = ctx.db
    h = db.lookup_write(key, Hash)
    if h is None:
        h = Hash()
        db.add(key, h)
    return h


def _convert_for_args(h: Hash, args: tuple[bytes, ...], settings: Settings) -> None:
    """``hashTypeTryConversion``: a field or value too long for a listpack converts the hash."""
    if not h.ht:
        mv = settings.max_value
        for a in args:
            if len(a) > mv:
                h.ht = True
                return


def _set_fields(ctx: Client, key: bytes, args: tuple[bytes, ...], cmd: str) -> int:
    if len(args) % 2:
        raise CommandError(f"ERR wrong number of arguments for '{cmd}' command")
    h = _write_hash(ctx, key)
    settings = _settings(ctx)
    _convert_for_args(h, args, settings)
    before = len(h)
    it = iter(args)
    for f in it:
        h[f] = next(it)
    if not h.ht and len(h) > settings.max_entries:
        h.ht = True
    h.version += 1
    ctx.db.signal_modified(key)
    return len(h) - before


def _store(h: Hash, field: bytes, value: bytes, settings: Settings) -> None:
    """``hashTypeSet`` for HINCRBY*: a long field or value converts the hash first."""
    if not h.ht and (len(field) > settings.max_value or len(value) > settings.max_value):
        h.ht = True
    h[field] = value
    if not h.ht and len(h) > settings.max_entries:
        h.ht = True
    h.version += 1


def _strtoul_cursor(raw: bytes) -> int:
    """``parseScanCursorOrReply``: C ``strtoul`` (sign, leading zeros, wrap-around) on ``raw``."""
    nul = raw.find(b"\0")
    if nul >= 0:
        raw = raw[:nul]
    if raw[:1] in (b" ", b"\t", b"\n", b"\v", b"\f", b"\r"):
        raise CommandError("ERR invalid cursor")
    if not raw:
        return 0
    neg = raw[:1] == b"-"
    body = raw[1:] if raw[:1] in (b"-", b"+") else raw
    if not body.isdigit() or not body.isascii():
        raise CommandError("ERR invalid cursor")
    v = int(body)
    if v > 2**64 - 1:
        raise CommandError("ERR invalid cursor")
    return (-v) % 2**64 if neg else v


def _rev64(v: int) -> int:
    return int(f"{v:064b}"[::-1], 2)


def _buckets(h: Hash) -> tuple[int, dict[int, list[bytes]]]:
    """The hash's fields grouped into the buckets of a power-of-two table (cached per version)."""
    cache = h._cache
    if cache is not None and cache[0] == h.version and cache[1] == "buckets":
        return cache[2], cache[3]
    size = 4
    while size < len(h):
        size <<= 1
    mask = size - 1
    buckets: dict[int, list[bytes]] = {}
    for f in h:
        buckets.setdefault(hash(f) & mask, []).append(f)
    h._cache = (h.version, "buckets", mask, buckets)
    return mask, buckets


def scan_table(h: Hash, cursor: int, count: int) -> tuple[int, list[bytes]]:
    """One step of Redis's reverse-binary ``dictScan`` over ``h``: (next cursor, fields).

    Every field present for a whole iteration is returned at least once, whatever the hash
    does between calls (the reverse-binary cursor survives table growth and shrinking).
    """
    mask, buckets = _buckets(h)
    out: list[bytes] = []
    budget = count * 10
    while True:
        found = buckets.get(cursor & mask)
        if found:
            out.extend(found)
        cursor |= ~mask & (2**64 - 1)
        cursor = _rev64(cursor)
        cursor = (cursor + 1) & (2**64 - 1)
        cursor = _rev64(cursor)
        budget -= 1
        if not cursor or budget <= 0 or len(out) >= count:
            return cursor, out


def _fields_list(h: Hash) -> list[bytes]:
    cache = h._cache
    if cache is not None and cache[0] == h.version and cache[1] == "list":
        fields: list[bytes] = cache[2]
        return fields
    fields = list(h)
    h._cache = (h.version, "list", fields)
    return fields


# -------------------------------------------------------------------------------------------------
# Commands
# -------------------------------------------------------------------------------------------------

_KS_RW_UPDATE = [KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "update"))]
_KS_RO_ACCESS = [KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access"))]
_KS_RO = [KeySpec(("index", 1), ("range", 0, 1, 0), ("RO",))]
_KS_RW_ACCESS_UPDATE = [KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "update"))]


def _key_arg() -> dict[str, Any]:
    return arg("key", "key", key_spec_index=0)


def _field_value_arg() -> dict[str, Any]:
    return arg(
        "field_value",
        "block",
        multiple=True,
        arguments=[arg("field", "string"), arg("value", "string")],
    )


@command(
    "HSET",
    arity=-4,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Set the string value of a hash field",
    since="2.0.0",
    group="hash",
    complexity="O(1) for each field/value pair added, so O(N) to add N field/value pairs when "
    "the command is called with multiple field/value pairs.",
    history=[("4.0.0", "Accepts multiple `field` and `value` arguments.")],
    key_specs=_KS_RW_UPDATE,
    arguments=[_key_arg(), _field_value_arg()],
)
def hset(ctx: Client, key: bytes, *args: bytes) -> Any:
    """HSET key field value [field value ...]"""
    return _set_fields(ctx, key, args, "hset")


c_twin(hset, "hset", Hash)  # into an existing hash in the hashtable encoding


@command(
    "HMSET",
    arity=-4,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Set multiple hash fields to multiple values",
    since="2.0.0",
    group="hash",
    complexity="O(N) where N is the number of fields being set.",
    doc_flags="deprecated",
    deprecated_since="4.0.0",
    replaced_by="`HSET` with multiple field-value pairs",
    key_specs=_KS_RW_UPDATE,
    arguments=[_key_arg(), _field_value_arg()],
)
def hmset(ctx: Client, key: bytes, *args: bytes) -> Any:
    """HMSET key field value [field value ...]"""
    _set_fields(ctx, key, args, "hmset")
    return OK


@command(
    "HSETNX",
    arity=4,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Set the value of a hash field, only if the field does not exist",
    since="2.0.0",
    group="hash",
    complexity="O(1)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "insert"))],
    arguments=[_key_arg(), arg("field", "string"), arg("value", "string")],
)
def hsetnx(ctx: Client, key: bytes, field: bytes, value: bytes) -> Any:
    """HSETNX key field value"""
    h = _write_hash(ctx, key)
    if field in h:
        return 0
    settings = _settings(ctx)
    _convert_for_args(h, (field, value), settings)
    h[field] = value
    if not h.ht and len(h) > settings.max_entries:
        h.ht = True
    h.version += 1
    ctx.db.signal_modified(key)
    return 1


@command(
    "HGET",
    arity=3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Get the value of a hash field",
    since="2.0.0",
    group="hash",
    complexity="O(1)",
    key_specs=_KS_RO_ACCESS,
    arguments=[_key_arg(), arg("field", "string")],
)
def hget(ctx: Client, key: bytes, field: bytes) -> Any:
    """HGET key field"""
    h = ctx.db.lookup_read(key, Hash)
    if h is None:
        return None
    return h.get(field)


@command(
    "HMGET",
    arity=-3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Get the values of all the given hash fields",
    since="2.0.0",
    group="hash",
    complexity="O(N) where N is the number of fields being requested.",
    key_specs=_KS_RO_ACCESS,
    arguments=[_key_arg(), arg("field", "string", multiple=True)],
)
def hmget(ctx: Client, key: bytes, *fields: bytes) -> Any:
    """HMGET key field [field ...]"""
    h = ctx.db.lookup_read(key, Hash)
    if h is None:
        return [None] * len(fields)
    get = h.get
    return [get(f) for f in fields]


@command(
    "HDEL",
    arity=-3,
    flags="write fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Delete one or more hash fields",
    since="2.0.0",
    group="hash",
    complexity="O(N) where N is the number of fields to be removed.",
    history=[("2.4.0", "Accepts multiple `field` arguments.")],
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "delete"))],
    arguments=[_key_arg(), arg("field", "string", multiple=True)],
)
def hdel(ctx: Client, key: bytes, *fields: bytes) -> Any:
    """HDEL key field [field ...]"""
    db = ctx.db
    h = db.lookup_write(key, Hash)
    if h is None:
        return 0
    deleted = 0
    for f in fields:
        if f in h:
            del h[f]
            deleted += 1
            if not h:
                break
    if deleted:
        h.version += 1
        db.remove_if_empty(key, h)
        db.signal_modified(key)
    return deleted


@command(
    "HEXISTS",
    arity=3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Determine if a hash field exists",
    since="2.0.0",
    group="hash",
    complexity="O(1)",
    key_specs=_KS_RO,
    arguments=[_key_arg(), arg("field", "string")],
)
def hexists(ctx: Client, key: bytes, field: bytes) -> Any:
    """HEXISTS key field"""
    h = ctx.db.lookup_read(key, Hash)
    return 1 if h is not None and field in h else 0


@command(
    "HGETALL",
    arity=2,
    flags="readonly",
    keys=(1, 1, 1),
    acl="hash",
    summary="Get all the fields and values in a hash",
    since="2.0.0",
    group="hash",
    complexity="O(N) where N is the size of the hash.",
    tips=["nondeterministic_output_order"],
    key_specs=_KS_RO_ACCESS,
    arguments=[_key_arg()],
)
def hgetall(ctx: Client, key: bytes) -> Any:
    """HGETALL key"""
    h = ctx.db.lookup_read(key, Hash)
    return Map() if h is None else Map(h)


@command(
    "HKEYS",
    arity=2,
    flags="readonly",
    keys=(1, 1, 1),
    acl="hash",
    summary="Get all the fields in a hash",
    since="2.0.0",
    group="hash",
    complexity="O(N) where N is the size of the hash.",
    tips=["nondeterministic_output_order"],
    key_specs=_KS_RO_ACCESS,
    arguments=[_key_arg()],
)
def hkeys(ctx: Client, key: bytes) -> Any:
    """HKEYS key"""
    h = ctx.db.lookup_read(key, Hash)
    return [] if h is None else list(h)


@command(
    "HVALS",
    arity=2,
    flags="readonly",
    keys=(1, 1, 1),
    acl="hash",
    summary="Get all the values in a hash",
    since="2.0.0",
    group="hash",
    complexity="O(N) where N is the size of the hash.",
    tips=["nondeterministic_output_order"],
    key_specs=_KS_RO_ACCESS,
    arguments=[_key_arg()],
)
def hvals(ctx: Client, key: bytes) -> Any:
    """HVALS key"""
    h = ctx.db.lookup_read(key, Hash)
    return [] if h is None else list(h.values())


@command(
    "HLEN",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Get the number of fields in a hash",
    since="2.0.0",
    group="hash",
    complexity="O(1)",
    key_specs=_KS_RO,
    arguments=[_key_arg()],
)
def hlen(ctx: Client, key: bytes) -> Any:
    """HLEN key"""
    h = ctx.db.lookup_read(key, Hash)
    return 0 if h is None else len(h)


@command(
    "HSTRLEN",
    arity=3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Get the length of the value of a hash field",
    since="3.2.0",
    group="hash",
    complexity="O(1)",
    key_specs=_KS_RO,
    arguments=[_key_arg(), arg("field", "string")],
)
def hstrlen(ctx: Client, key: bytes, field: bytes) -> Any:
    """HSTRLEN key field"""
    h = ctx.db.lookup_read(key, Hash)
    if h is None:
        return 0
    v = h.get(field)
    return 0 if v is None else len(v)


@command(
    "HINCRBY",
    arity=4,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Increment the integer value of a hash field by the given number",
    since="2.0.0",
    group="hash",
    complexity="O(1)",
    key_specs=_KS_RW_ACCESS_UPDATE,
    arguments=[_key_arg(), arg("field", "string"), arg("increment", "integer")],
)
def hincrby(ctx: Client, key: bytes, field: bytes, increment: bytes) -> Any:
    """HINCRBY key field increment"""
    incr = parse_int(increment)
    h = _write_hash(ctx, key)
    old = h.get(field)
    value = 0 if old is None else parse_int(old, "ERR hash value is not an integer")
    if (incr < 0 and value < 0 and incr < LLONG_MIN - value) or (
        incr > 0 and value > 0 and incr > LLONG_MAX - value
    ):
        raise CommandError("ERR increment or decrement would overflow")
    value += incr
    _store(h, field, b"%d" % value, _settings(ctx))
    ctx.db.signal_modified(key)
    return value


@command(
    "HINCRBYFLOAT",
    arity=4,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="hash",
    summary="Increment the float value of a hash field by the given amount",
    since="2.6.0",
    group="hash",
    complexity="O(1)",
    key_specs=_KS_RW_ACCESS_UPDATE,
    arguments=[_key_arg(), arg("field", "string"), arg("increment", "double")],
)
def hincrbyfloat(ctx: Client, key: bytes, field: bytes, increment: bytes) -> Any:
    """HINCRBYFLOAT key field increment"""
    incr = ld_parse(increment)
    if incr is None:
        raise CommandError("ERR value is not a valid float")
    if ld_is_inf(incr):
        raise CommandError("ERR value is NaN or Infinity")
    h = _write_hash(ctx, key)
    old = h.get(field)
    if old is None:
        value = ld_from_int(0)
    else:
        parsed = ld_parse(old)
        if parsed is None:
            raise CommandError("ERR hash value is not a float")
        value = parsed
    total = ld_add(value, incr)
    if total is None:
        raise CommandError("ERR increment would produce NaN or Infinity")
    text = ld_format(total)
    _store(h, field, text, _settings(ctx))
    ctx.db.signal_modified(key)
    return text


@command(
    "HRANDFIELD",
    arity=-2,
    flags="readonly",
    keys=(1, 1, 1),
    acl="hash",
    summary="Get one or multiple random fields from a hash",
    since="6.2.0",
    group="hash",
    complexity="O(N) where N is the number of fields returned",
    tips=["nondeterministic_output"],
    key_specs=_KS_RO_ACCESS,
    arguments=[
        _key_arg(),
        arg(
            "options",
            "block",
            optional=True,
            arguments=[
                arg("count", "integer"),
                arg("withvalues", "pure-token", token="WITHVALUES", optional=True),
            ],
        ),
    ],
)
def hrandfield(ctx: Client, key: bytes, *args: bytes) -> Any:
    """HRANDFIELD key [count [WITHVALUES]]"""
    if not args:
        h = ctx.db.lookup_read(key, Hash)
        if h is None:
            return None
        return random.choice(_fields_list(h))
    n = parse_int(args[0])
    if n < -LONG_MAX:
        raise CommandError(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"
        )
    withvalues = False
    if len(args) > 2 or (len(args) == 2 and args[1].lower() != b"withvalues"):
        raise CommandError(SYNTAX_ERROR)
    if len(args) == 2:
        withvalues = True
        if n < -(LONG_MAX // 2) or n > LONG_MAX // 2:  # C division truncates
            raise CommandError("ERR value is out of range")
    h = ctx.db.lookup_read(key, Hash)
    if h is None or n == 0:
        return []
    fields = _fields_list(h)
    if n < 0 or n == 1:
        picked = [random.choice(fields) for _ in range(-n if n < 0 else 1)]
    elif n >= len(fields):
        picked = fields
    else:
        idx = random.sample(range(len(fields)), n)
        if not h.ht:
            idx.sort()  # a listpack returns its unique sample in its own order
        picked = [fields[i] for i in idx]
    if not withvalues:
        return list(picked)
    if ctx.resp3:
        return [[f, h[f]] for f in picked]
    out: list[bytes] = []
    for f in picked:
        out.append(f)
        out.append(h[f])
    return out


@command(
    "HSCAN",
    arity=-3,
    flags="readonly",
    keys=(1, 1, 1),
    acl="hash",
    summary="Incrementally iterate hash fields and associated values",
    since="2.8.0",
    group="hash",
    complexity="O(1) for every call. O(N) for a complete iteration, including enough command "
    "calls for the cursor to return back to 0. N is the number of elements inside the "
    "collection..",
    tips=["nondeterministic_output"],
    key_specs=_KS_RO_ACCESS,
    arguments=[
        _key_arg(),
        arg("cursor", "integer"),
        arg("pattern", "pattern", token="MATCH", optional=True),
        arg("count", "integer", token="COUNT", optional=True),
    ],
)
def hscan(ctx: Client, key: bytes, cursor_arg: bytes, *options: bytes) -> Any:
    """HSCAN key cursor [MATCH pattern] [COUNT count]"""
    cursor = _strtoul_cursor(cursor_arg)
    h = ctx.db.lookup_read(key, Hash)
    if h is None:
        return [b"0", []]
    count = 10
    match: Callable[[bytes], bool] | None = None
    i = 0
    n = len(options)
    while i < n:
        opt = options[i].lower()
        if opt == b"count" and n - i >= 2:
            count = parse_int(options[i + 1])
            if count < 1:
                raise CommandError(SYNTAX_ERROR)
            i += 2
        elif opt == b"match" and n - i >= 2:
            pat = options[i + 1]
            match = None if pat == b"*" else compile_glob(pat)
            i += 2
        else:
            raise CommandError(SYNTAX_ERROR)
    if not h.ht:
        fields: list[bytes] = list(h)
        cursor = 0
    else:
        cursor, fields = scan_table(h, cursor, count)
    out: list[bytes] = []
    for f in fields:
        if match is None or match(f):
            out.append(f)
            out.append(h[f])
    return [b"%d" % cursor, out]


# -------------------------------------------------------------------------------------------------
# Hooks
# -------------------------------------------------------------------------------------------------


@hookimpl
def register_types(register: Any) -> None:
    register(HASH)


@hookimpl
def register_commands(register: Any) -> None:
    register(sys.modules[__name__])


@hookimpl
def register_config(register: Any, server: Any) -> None:
    settings = Settings()
    if server is not None:  # None when only the command line asks for options
        server.plugin_state["hashes"] = settings

    def set_entries(v: str) -> None:
        settings.max_entries = config_nonneg_int(v)

    def set_value(v: str) -> None:
        settings.max_value = config_memory(v)

    register(
        "hash-max-listpack-entries",
        lambda: str(settings.max_entries),
        set_entries,
        aliases=("hash-max-ziplist-entries",),
    )
    register(
        "hash-max-listpack-value",
        lambda: str(settings.max_value),
        set_value,
        aliases=("hash-max-ziplist-value",),
    )
