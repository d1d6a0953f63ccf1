"""The sets family: every command of Redis 7.0's ``set`` group.

A set is stored as a :class:`SetValue`, a ``set`` subclass of ``bytes`` members; its
:class:`~plugredis.TypeSpec` is named ``set``.  Redis 7.0 has two encodings, and the order of
many replies depends on them, so plugredis keeps Redis's encoding as a flag on the value:

- ``intset``: every member is an integer in canonical form (``string2ll``) and there are at most
  ``set-max-intset-entries`` (512) of them.  An intset is sorted, so SMEMBERS, SSCAN, SPOP and
  friends list its members in ascending numeric order, as Redis does;
- ``hashtable`` otherwise, for good (Redis never converts back), with Redis's own unspecified
  order: plugredis answers in its own order.

Sets computed by SINTERSTORE, SUNION(STORE), SDIFF(STORE), SMOVE and SPOP get the encoding Redis
gives them (it builds them element by element from an empty intset).
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterable
from typing import Any

from plugredis import (
    SYNTAX_ERROR,
    Client,
    CommandError,
    KeySpec,
    RespSet,
    TypeSpec,
    WrongTypeError,
    arg,
    command,
    config_nonneg_int,
    hookimpl,
    parse_int,
)

from .scan import buckets_of, parse_cursor, parse_scan_options, scan_table

__version__ = "0.1.0"

LONG_MAX = 2**63 - 1


class SetValue(set[bytes]):
    """A set value.  ``intset`` is True while Redis would keep it in its ``intset`` encoding;
    ``version`` counts modifications (it invalidates the cached orderings)."""

    __slots__ = ("_cache", "intset", "version")

    def __init__(self, items: Iterable[bytes] = ()) -> None:
        super().__init__(items)
        self.intset = False
        self.version = 0
        self._cache: Any = None


class Settings:
    __slots__ = ("max_intset",)

    def __init__(self) -> None:
        self.max_intset = 512


_DEFAULT = Settings()


def _settings(ctx: Client) -> Settings:
    return ctx.server.plugin_state.get("sets", _DEFAULT)


_INT = re.compile(rb"-?[1-9][0-9]{0,18}|0")


def is_int(m: bytes) -> bool:
    """True if ``m`` is a 64-bit integer in canonical form (what an intset can hold)."""
    if _INT.fullmatch(m) is None:
        return False
    return len(m) < 19 or -(2**63) <= int(m) < 2**63


def _eligible(members: Iterable[bytes], size: int, settings: Settings) -> bool:
    return size <= settings.max_intset and all(is_int(m) for m in members)


def new_set(items: Iterable[bytes] = (), settings: Settings = _DEFAULT) -> SetValue:
    """A set holding ``items`` with the encoding Redis builds for that content."""
    s = SetValue(items)
    s.intset = _eligible(s, len(s), settings)
    return s


def ordered(s: SetValue) -> list[bytes]:
    """The members in Redis's iteration order: ascending numbers for an intset."""
    if not s.intset:
        return list(s)
    cache = s._cache
    if cache is not None and cache[0] == s.version and cache[1] == "sorted":
        members: list[bytes] = cache[2]
        return members
    members = sorted(s, key=int)
    s._cache = (s.version, "sorted", members)
    return members


def _member_list(s: SetValue) -> list[bytes]:
    """A list of the members for random picks (cached per version)."""
    if s.intset:
        return ordered(s)
    cache = s._cache
    if cache is not None and cache[0] == s.version and cache[1] == "list":
        members: list[bytes] = cache[2]
        return members
    members = list(s)
    s._cache = (s.version, "list", members)
    return members


def _buckets(s: SetValue) -> tuple[int, dict[int, list[bytes]]]:
    cache = s._cache
    if cache is not None and cache[0] == s.version and cache[1] == "buckets":
        b: tuple[int, dict[int, list[bytes]]] = cache[2]
        return b
    b = buckets_of(s, len(s))
    s._cache = (s.version, "buckets", b)
    return b


def _copy(s: SetValue) -> SetValue:
    c = SetValue(s)
    c.intset = s.intset
    return c


def _memory(s: SetValue) -> int:
    if s.intset:
        return 16 + 8 * len(s)
    return 96 + sum(len(m) + 40 for m in s)


SET = TypeSpec(
    name="set",
    pytype=SetValue,
    copy=_copy,
    encoding=lambda s: "intset" if s.intset else "hashtable",
    memory=_memory,
    to_rdb=lambda s: ("set", set(s)),
    from_rdb=lambda kind, plain: new_set(plain),
    rdb_kinds=("set",),
)

# -------------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------------


def _touch(s: SetValue) -> None:
    s.version += 1


def _read_sets(ctx: Client, keys: Iterable[bytes]) -> list[SetValue | None]:
    """Every key looked up and type-checked first, as Redis does (missing keys are None)."""
    db = ctx.db
    return [db.lookup_read(k, SetValue) for k in keys]


def _store(ctx: Client, dest: bytes, result: SetValue) -> int:
    """Store a computed set at ``dest`` (replacing anything), or delete ``dest`` if empty."""
    db = ctx.db
    if result:
        db.set(dest, result)
        return len(result)
    if db.lookup_write(dest) is not None:
        db.delete(dest)
    return 0


def _intersection(sets: list[SetValue | None], limit: int = 0) -> list[bytes]:
    """SINTER's members in Redis's order: the smallest set is walked, the others probed."""
    if any(s is None for s in sets):
        return []
    present: list[SetValue] = [s for s in sets if s is not None]
    order = sorted(range(len(present)), key=lambda i: len(present[i]))
    first = present[order[0]]
    others = [present[i] for i in order[1:] if present[i] is not first]
    out = []
    for m in ordered(first):
        for o in others:
            if m not in o:
                break
        else:
            out.append(m)
            if limit and len(out) >= limit:
                break
    return out


def _union(sets: list[SetValue | None], settings: Settings) -> SetValue:
    result = SetValue()
    for s in sets:
        if s is not None:
            result.update(s)
    result.intset = _eligible(result, len(result), settings)
    return result


def _difference(sets: list[SetValue | None], settings: Settings) -> SetValue:
    first = sets[0]
    if first is None or any(s is first for s in sets[1:]):
        return new_set((), settings)
    present = [s for s in sets if s is not None]
    algo_one = (len(first) * len(present)) // 2
    algo_two = sum(len(s) for s in present)
    result = SetValue(first)
    for s in present[1:]:
        result.difference_update(s)
        if not result:
            break
    if algo_one <= algo_two:
        # algorithm 1 adds the surviving members one by one
        result.intset = _eligible(result, len(result), settings)
    else:
        # algorithm 2 copies the first set and removes: its encoding is the first set's content's
        result.intset = _eligible(first, len(first), settings)
    return result


def _reply_members(s: SetValue) -> RespSet:
    return RespSet(ordered(s))


def _random_range_count(raw: bytes) -> int:
    n = parse_int(raw)
    if n < -LONG_MAX:
        raise CommandError(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"
        )
    return n


# -------------------------------------------------------------------------------------------------
# Commands
# -------------------------------------------------------------------------------------------------


def _ks(*flags: str, index: int = 1, lastkey: int = 0) -> KeySpec:
    return KeySpec(("index", index), ("range", lastkey, 1, 0), flags)


def _key_arg() -> dict[str, Any]:
    return arg("key", "key", key_spec_index=0)


@command(
    "SADD",
    arity=-3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="set",
    summary="Add one or more members to a set",
    since="1.0.0",
    group="set",
    complexity="O(1) for each element added, so O(N) to add N elements when the command is "
    "called with multiple arguments.",
    history=[("2.4.0", "Accepts multiple `member` arguments.")],
    key_specs=[_ks("RW", "insert")],
    arguments=[_key_arg(), arg("member", "string", multiple=True)],
)
def sadd(ctx: Client, key: bytes, *members: bytes) -> Any:
    """SADD key member [member ...]"""
    db = ctx.db
    s = db.lookup_write(key, SetValue)
    if s is None:
        s = new_set(members, _settings(ctx))
        db.add(key, s)
        db.signal_modified(key)
        return len(s)
    before = len(s)
    s.update(members)
    added = len(s) - before
    if added:
        if s.intset and not _eligible(members, len(s), _settings(ctx)):
            s.intset = False
        s.version += 1
        db.signal_modified(key)
    return added


@command(
    "SREM",
    arity=-3,
    flags="write fast",
    keys=(1, 1, 1),
    acl="set",
    summary="Remove one or more members from a set",
    since="1.0.0",
    group="set",
    complexity="O(N) where N is the number of members to be removed.",
    history=[("2.4.0", "Accepts multiple `member` arguments.")],
    key_specs=[_ks("RW", "delete")],
    arguments=[_key_arg(), arg("member", "string", multiple=True)],
)
def srem(ctx: Client, key: bytes, *members: bytes) -> Any:
    """SREM key member [member ...]"""
    db = ctx.db
    s = db.lookup_write(key, SetValue)
    if s is None:
        return 0
    before = len(s)
    s.difference_update(members)
    removed = before - len(s)
    if removed:
        s.version += 1
        db.remove_if_empty(key, s)
        db.signal_modified(key)
    return removed


@command(
    "SISMEMBER",
    arity=3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="set",
    summary="Determine if a given value is a member of a set",
    since="1.0.0",
    group="set",
    complexity="O(1)",
    key_specs=[_ks("RO")],
    arguments=[_key_arg(), arg("member", "string")],
)
def sismember(ctx: Client, key: bytes, member: bytes) -> Any:
    """SISMEMBER key member"""
    s = ctx.db.lookup_read(key, SetValue)
    return 1 if s is not None and member in s else 0


@command(
    "SMISMEMBER",
    arity=-3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="set",
    summary="Returns the membership associated with the given elements for a set",
    since="6.2.0",
    group="set",
    complexity="O(N) where N is the number of elements being checked for membership",
    key_specs=[_ks("RO", "access")],
    arguments=[_key_arg(), arg("member", "string", multiple=True)],
)
def smismember(ctx: Client, key: bytes, *members: bytes) -> Any:
    """SMISMEMBER key member [member ...]"""
    s = ctx.db.lookup_read(key, SetValue)
    if s is None:
        return [0] * len(members)
    return [1 if m in s else 0 for m in members]


@command(
    "SMEMBERS",
    arity=2,
    flags="readonly",
    keys=(1, 1, 1),
    acl="set",
    summary="Get all the members in a set",
    since="1.0.0",
    group="set",
    complexity="O(N) where N is the set cardinality.",
    tips=["nondeterministic_output_order"],
    key_specs=[_ks("RO", "access")],
    arguments=[_key_arg()],
)
def smembers(ctx: Client, key: bytes) -> Any:
    """SMEMBERS key"""
    s = ctx.db.lookup_read(key, SetValue)
    return RespSet() if s is None else _reply_members(s)


@command(
    "SCARD",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="set",
    summary="Get the number of members in a set",
    since="1.0.0",
    group="set",
    complexity="O(1)",
    key_specs=[_ks("RO")],
    arguments=[_key_arg()],
)
def scard(ctx: Client, key: bytes) -> Any:
    """SCARD key"""
    s = ctx.db.lookup_read(key, SetValue)
    return 0 if s is None else len(s)


@command(
    "SPOP",
    arity=-2,
    flags="write fast",
    keys=(1, 1, 1),
    acl="set",
    summary="Remove and return one or multiple random members from a set",
    since="1.0.0",
    group="set",
    complexity="Without the count argument O(1), otherwise O(N) where N is the value of the "
    "passed count.",
    tips=["nondeterministic_output"],
    history=[("3.2.0", "Added the `count` argument.")],
    key_specs=[_ks("RW", "access", "delete")],
    arguments=[_key_arg(), arg("count", "integer", optional=True, since="3.2.0")],
)
def spop(ctx: Client, key: bytes, *args: bytes) -> Any:
    """SPOP key [count]"""
    if len(args) > 1:
        raise CommandError(SYNTAX_ERROR)
    db = ctx.db
    if not args:
        s = db.lookup_write(key, SetValue)
        if s is None:
            return None
        m = random.choice(_member_list(s))
        s.discard(m)
        s.version += 1
        db.remove_if_empty(key, s)
        db.signal_modified(key)
        return m
    try:
        count = parse_int(args[0])
    except CommandError:
        count = -1
    if count < 0:
        raise CommandError("ERR value is out of range, must be positive")
    s = db.lookup_write(key, SetValue)
    if s is None or count == 0:
        return RespSet()
    size = len(s)
    if count >= size:
        out = ordered(s)
        db.delete(key)
        return RespSet(out)
    remaining = size - count
    if remaining * 5 > count:
        # pop random members one by one
        popped = random.sample(_member_list(s), count)
        s.difference_update(popped)
        s.version += 1
        db.signal_modified(key)
        return RespSet(popped)
    # keep random members in a new set, hand the rest of the old one to the client
    keep = random.sample(_member_list(s), remaining)
    newset = new_set(keep, _settings(ctx))
    s.difference_update(keep)
    s.version += 1
    out = ordered(s)
    db.set(key, newset, keep_ttl=True)
    return RespSet(out)


@command(
    "SRANDMEMBER",
    arity=-2,
    flags="readonly",
    keys=(1, 1, 1),
    acl="set",
    summary="Get one or multiple random members from a set",
    since="1.0.0",
    group="set",
    complexity="Without the count argument O(1), otherwise O(N) where N is the absolute value "
    "of the passed count.",
    tips=["nondeterministic_output"],
    history=[("2.6.0", "Added the optional `count` argument.")],
    key_specs=[_ks("RO", "access")],
    arguments=[_key_arg(), arg("count", "integer", optional=True, since="2.6.0")],
)
def srandmember(ctx: Client, key: bytes, *args: bytes) -> Any:
    """SRANDMEMBER key [count]"""
    if len(args) > 1:
        raise CommandError(SYNTAX_ERROR)
    if not args:
        s = ctx.db.lookup_read(key, SetValue)
        if s is None:
            return None
        return random.choice(_member_list(s))
    n = _random_range_count(args[0])
    s = ctx.db.lookup_read(key, SetValue)
    if s is None or n == 0:
        return []
    members = _member_list(s)
    if n < 0 or n == 1:
        return [random.choice(members) for _ in range(-n if n < 0 else 1)]
    if n >= len(members):
        return list(ordered(s))
    return random.sample(members, n)


@command(
    "SMOVE",
    arity=4,
    flags="write fast",
    keys=(1, 2, 1),
    acl="set",
    summary="Move a member from one set to another",
    since="1.0.0",
    group="set",
    complexity="O(1)",
    key_specs=[_ks("RW", "access", "delete"), _ks("RW", "insert", index=2)],
    arguments=[
        arg("source", "key", key_spec_index=0),
        arg("destination", "key", key_spec_index=1),
        arg("member", "string"),
    ],
)
def smove(ctx: Client, source: bytes, destination: bytes, member: bytes) -> Any:
    """SMOVE source destination member"""
    db = ctx.db
    src = db.lookup_write(source)
    dst = db.lookup_write(destination)
    if src is None:
        return 0
    if type(src) is not SetValue or (dst is not None and type(dst) is not SetValue):
        raise WrongTypeError()
    if src is dst:
        return 1 if member in src else 0
    if member not in src:
        return 0
    src.discard(member)
    src.version += 1
    db.remove_if_empty(source, src)
    settings = _settings(ctx)
    if dst is None:
        dst = new_set((), settings)
        dst.intset = _eligible((member,), 1, settings)
        db.add(destination, dst)
    db.signal_modified(source)
    if member not in dst:
        dst.add(member)
        if dst.intset and not _eligible((member,), len(dst), settings):
            dst.intset = False
        dst.version += 1
        db.signal_modified(destination)
    return 1


@command(
    "SINTER",
    arity=-2,
    flags="readonly",
    keys=(1, -1, 1),
    acl="set",
    summary="Intersect multiple sets",
    since="1.0.0",
    group="set",
    complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the "
    "number of sets.",
    tips=["nondeterministic_output_order"],
    key_specs=[_ks("RO", "access", lastkey=-1)],
    arguments=[arg("key", "key", multiple=True, key_spec_index=0)],
)
def sinter(ctx: Client, *keys: bytes) -> Any:
    """SINTER key [key ...]"""
    return RespSet(_intersection(_read_sets(ctx, keys)))


@command(
    "SINTERCARD",
    arity=-3,
    flags="readonly movablekeys",
    acl="set",
    summary="Intersect multiple sets and return the cardinality of the result",
    since="7.0.0",
    group="set",
    complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the "
    "number of sets.",
    key_specs=[KeySpec(("index", 1), ("keynum", 0, 1, 1), ("RO", "access"))],
    arguments=[
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=0),
        arg("limit", "integer", token="LIMIT", optional=True),
    ],
)
def sintercard(ctx: Client, numkeys_arg: bytes, *args: bytes) -> Any:
    """SINTERCARD numkeys key [key ...] [LIMIT limit]"""
    try:
        numkeys = parse_int(numkeys_arg)
    except CommandError:
        numkeys = 0
    if numkeys < 1:
        raise CommandError("ERR numkeys should be greater than 0")
    if numkeys > len(args):
        raise CommandError("ERR Number of keys can't be greater than number of args")
    keys = args[:numkeys]
    rest = args[numkeys:]
    limit = 0
    i = 0
    while i < len(rest):
        if rest[i].lower() == b"limit" and i + 1 < len(rest):
            try:
                limit = parse_int(rest[i + 1])
            except CommandError:
                limit = -1
            if limit < 0:
                raise CommandError("ERR LIMIT can't be negative")
            i += 2
        else:
            raise CommandError(SYNTAX_ERROR)
    return len(_intersection(_read_sets(ctx, keys), limit))


@command(
    "SINTERSTORE",
    arity=-3,
    flags="write denyoom",
    keys=(1, -1, 1),
    acl="set",
    summary="Intersect multiple sets and store the resulting set in a key",
    since="1.0.0",
    group="set",
    complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the "
    "number of sets.",
    key_specs=[_ks("RW", "update"), _ks("RO", "access", index=2, lastkey=-1)],
    arguments=[
        arg("destination", "key", key_spec_index=0),
        arg("key", "key", multiple=True, key_spec_index=1),
    ],
)
def sinterstore(ctx: Client, destination: bytes, *keys: bytes) -> Any:
    """SINTERSTORE destination key [key ...]"""
    members = _intersection(_read_sets(ctx, keys))
    return _store(ctx, destination, new_set(members, _settings(ctx)))


@command(
    "SUNION",
    arity=-2,
    flags="readonly",
    keys=(1, -1, 1),
    acl="set",
    summary="Add multiple sets",
    since="1.0.0",
    group="set",
    complexity="O(N) where N is the total number of elements in all given sets.",
    tips=["nondeterministic_output_order"],
    key_specs=[_ks("RO", "access", lastkey=-1)],
    arguments=[arg("key", "key", multiple=True, key_spec_index=0)],
)
def sunion(ctx: Client, *keys: bytes) -> Any:
    """SUNION key [key ...]"""
    return _reply_members(_union(_read_sets(ctx, keys), _settings(ctx)))


@command(
    "SUNIONSTORE",
    arity=-3,
    flags="write denyoom",
    keys=(1, -1, 1),
    acl="set",
    summary="Add multiple sets and store the resulting set in a key",
    since="1.0.0",
    group="set",
    complexity="O(N) where N is the total number of elements in all given sets.",
    key_specs=[_ks("OW", "update"), _ks("RO", "access", index=2, lastkey=-1)],
    arguments=[
        arg("destination", "key", key_spec_index=0),
        arg("key", "key", multiple=True, key_spec_index=1),
    ],
)
def sunionstore(ctx: Client, destination: bytes, *keys: bytes) -> Any:
    """SUNIONSTORE destination key [key ...]"""
    return _store(ctx, destination, _union(_read_sets(ctx, keys), _settings(ctx)))


@command(
    "SDIFF",
    arity=-2,
    flags="readonly",
    keys=(1, -1, 1),
    acl="set",
    summary="Subtract multiple sets",
    since="1.0.0",
    group="set",
    complexity="O(N) where N is the total number of elements in all given sets.",
    tips=["nondeterministic_output_order"],
    key_specs=[_ks("RO", "access", lastkey=-1)],
    arguments=[arg("key", "key", multiple=True, key_spec_index=0)],
)
def sdiff(ctx: Client, *keys: bytes) -> Any:
    """SDIFF key [key ...]"""
    return _reply_members(_difference(_read_sets(ctx, keys), _settings(ctx)))


@command(
    "SDIFFSTORE",
    arity=-3,
    flags="write denyoom",
    keys=(1, -1, 1),
    acl="set",
    summary="Subtract multiple sets and store the resulting set in a key",
    since="1.0.0",
    group="set",
    complexity="O(N) where N is the total number of elements in all given sets.",
    key_specs=[_ks("OW", "update"), _ks("RO", "access", index=2, lastkey=-1)],
    arguments=[
        arg("destination", "key", key_spec_index=0),
        arg("key", "key", multiple=True, key_spec_index=1),
    ],
)
def sdiffstore(ctx: Client, destination: bytes, *keys: bytes) -> Any:
    """SDIFFSTORE destination key [key ...]"""
    return _store(ctx, destination, _difference(_read_sets(ctx, keys), _settings(ctx)))


@command(
    "SSCAN",
    arity=-3,
    flags="readonly",
    keys=(1, 1, 1),
    acl="set",
    summary="Incrementally iterate Set elements",
    since="2.8.0",
    group="set",
    complexity="O(1) for every call. O(N) for a complete iteration, including enough command "
    "calls for the cursor to return back to 0. N is the number of elements inside the "
    "collection..",
    tips=["nondeterministic_output"],
    key_specs=[_ks("RO", "access")],
    arguments=[
        _key_arg(),
        arg("cursor", "integer"),
        arg("pattern", "pattern", token="MATCH", optional=True),
        arg("count", "integer", token="COUNT", optional=True),
    ],
)
def sscan(ctx: Client, key: bytes, cursor_arg: bytes, *options: bytes) -> Any:
    """SSCAN key cursor [MATCH pattern] [COUNT count]"""
    cursor = parse_cursor(cursor_arg)
    s = ctx.db.lookup_read(key, SetValue)
    if s is None:
        return [b"0", []]
    count, match = parse_scan_options(options)
    if s.intset:
        members = ordered(s)
        cursor = 0
    else:
        cursor, members = scan_table(_buckets(s), cursor, count)
    if match is not None:
        members = [m for m in members if match(m)]
    return [b"%d" % cursor, members]


# -------------------------------------------------------------------------------------------------
# Hooks
# -------------------------------------------------------------------------------------------------


@hookimpl
def register_types(register: Any) -> None:
    register(SET)


@hookimpl
def register_commands(register: Any) -> None:
    register(sys.modules[__name__])


@hookimpl
def register_config(register: Any, server: Any) -> None:
    settings = Settings()
    if server is not None:  # None when only the command line asks for options
        server.plugin_state["sets"] = settings

    def set_entries(v: str) -> None:
        settings.max_intset = config_nonneg_int(v)

    register("set-max-intset-entries", lambda: str(settings.max_intset), set_entries)
