"""The lists family: every command of Redis 7.0's ``list`` group, blocking ones included.

Value type
    A list is a :class:`ListValue`, a ``collections.deque`` subclass (its own class, so that the
    keyspace's ``type(value) is ListValue`` WRONGTYPE check works).  A deque is a doubly linked
    list of 64-slot blocks written in C: push and pop at both ends are O(1), and indexing walks
    blocks from the nearer end, O(min(i, n - i) / 64) -- the same shape as Redis's quicklist
    (a linked list of listpack nodes).  Measured on a 1,000,000-element list (this project's
    2-core machine): ``lst[500_000]`` 18 us, ``lst[500_000] = x`` 17 us, ``lst[10]`` 0.05 us,
    ``insert`` + ``del`` in the middle 0.7 ms, a full C-level scan (``index``) 13 ms.  A chunked
    pure-Python structure would make the common case (pushes and pops at the ends, which are C
    calls here) several times slower to win only on middle indexing, so it is not worth it.
    Range reads walk from the nearer end (``reversed`` for the tail half).

    Between commands, lists of up to :data:`PACK_MAX_ITEMS` elements and :data:`PACK_MAX_BYTES`
    bytes are stored packed into one ``bytes`` image (the type's ``pack``/``unpack``, see
    :mod:`plugredis.packing`), as Redis keeps a small list in one listpack node: a 10-element
    list costs about 250 bytes instead of a 630-byte deque plus its elements.

    ``OBJECT ENCODING`` answers ``quicklist`` for every list: Redis 7.0 has no listpack
    encoding for lists (it appeared in 7.2), as the real 7.0.15 server shows for a one-element
    list.

Blocking
    BLPOP, BRPOP, BLMPOP, BLMOVE and BRPOPLPUSH park the client with ``ctx.block``; the retry
    callback serves it when one of its keys holds a list again, exactly as Redis's
    ``serveClientsBlockedOnListKey`` does (a key that now holds another type leaves the client
    blocked; BLMOVE whose destination holds another type answers WRONGTYPE and unblocks).
    Timeouts are parsed as Redis 7.0 parses them (``strtold``, then ``ceill(t * 1000)`` in x87
    long-double arithmetic), including its odd corners: ``0.0001`` is a 1 ms timeout, ``-0.0005``
    blocks forever, ``inf`` and values of 2^63 ms or more answer "timeout is negative".
"""

from __future__ import annotations

import re
import sys
from collections import deque
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from plugredis import (
    BLOCKED,
    NULL_ARRAY,
    OK,
    SYNTAX_ERROR,
    Client,
    CommandError,
    KeySpec,
    TypeSpec,
    WrongTypeError,
    arg,
    c_twin,
    command,
    hookimpl,
    pack_bytes,
    parse_int,
    parse_timeout_ms,
    unpack_bytes,
)

__version__ = "0.1.0"

LLONG_MIN = -(2**63)
LLONG_MAX = 2**63 - 1


class ListValue(deque[bytes]):
    """A Redis list: a deque of ``bytes`` elements (see the module docstring)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ListValue({list(self)!r})"


def _list_memory(value: ListValue) -> int:
    """A rough MEMORY USAGE estimate shaped like a quicklist of 8 KB listpack nodes."""
    payload = 0
    for e in value:
        n = len(e)
        payload += n + (2 if n < 64 else 4 if n < 4096 else 10)
    nodes = payload // 8192 + 1
    return 48 + nodes * (32 + 7) + payload


#: lists of at most this many elements and bytes are stored packed between commands
PACK_MAX_ITEMS = 128
PACK_MAX_BYTES = 8192


def _pack(value: ListValue) -> bytes | None:
    if len(value) > PACK_MAX_ITEMS or sum(map(len, value)) > PACK_MAX_BYTES:
        return None
    return pack_bytes(list(value))


def _unpack(image: bytes) -> ListValue:
    return ListValue(unpack_bytes(image))


LIST = TypeSpec(
    name="list",
    pytype=ListValue,
    copy=lambda v: ListValue(v),
    encoding=lambda v: "quicklist",
    memory=_list_memory,
    to_rdb=lambda v: ("list", list(v)),
    from_rdb=lambda kind, v: ListValue(bytes(e) for e in v),
    rdb_kinds=("list",),
    pack=_pack,
    unpack=_unpack,
)


# -------------------------------------------------------------------------------------------------
# Argument parsing
# -------------------------------------------------------------------------------------------------

NOT_POSITIVE = "ERR value is out of range, must be positive"
RANK_ZERO = (
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
    "or use negative to start from the end of the list"
)

LEFT, RIGHT = 0, 1


def _where(raw: bytes) -> int:
    """LEFT or RIGHT (Redis's getListPositionFromObjectOrReply)."""
    w = raw.lower()
    if w == b"left":
        return LEFT
    if w == b"right":
        return RIGHT
    raise CommandError(SYNTAX_ERROR)


def _positive(raw: bytes, message: str) -> int:
    """Redis's getPositiveLongFromObjectOrReply with a custom message for both failures."""
    v = parse_int(raw, message)
    if v < 0:
        raise CommandError(message)
    return v


#: Timeouts longer than this (about 31 years) are served as "forever" (no timer at all).
_FOREVER_MS = 10**12


def _timeout_seconds(ms: int) -> float:
    return 0.0 if ms == 0 or ms > _FOREVER_MS else ms / 1000.0


# -------------------------------------------------------------------------------------------------
# Helpers
# -------------------------------------------------------------------------------------------------


def _range(lst: ListValue, start: int, end: int) -> list[bytes]:
    """Elements ``start..end`` (inclusive, negative from the tail) as LRANGE normalises them."""
    n = len(lst)
    if start < 0:
        start += n
    if end < 0:
        end += n
    if start < 0:
        start = 0
    if start > end or start >= n:
        return []
    if end >= n:
        end = n - 1
    if start == 0 and end == n - 1:
        return list(lst)
    if start <= n - 1 - end:
        return list(islice(lst, start, end + 1))
    out = list(islice(reversed(lst), n - 1 - end, n - start))
    out.reverse()
    return out


def _pop_many(lst: ListValue, where: int, count: int) -> list[bytes]:
    """Pop up to ``count`` elements from one end, in pop order."""
    n = len(lst)
    if count >= n:
        out = list(lst)
        if where == RIGHT:
            out.reverse()
        lst.clear()
        return out
    pop = lst.popleft if where == LEFT else lst.pop
    return [pop() for _ in range(count)]


def _after_pop(db: Any, key: bytes, lst: ListValue) -> None:
    if not lst:
        db.remove_if_empty(key, lst)
    db.signal_modified(key)


def _push_into(db: Any, key: bytes, dst: ListValue | None, value: bytes, where: int) -> None:
    """lmoveHandlePush: create the destination list if needed, push, signal."""
    if dst is None:
        dst = ListValue()
        db.add(key, dst)
    if where == LEFT:
        dst.appendleft(value)
    else:
        dst.append(value)
    db.signal_modified(key)


def _move(db: Any, src_key: bytes, src: ListValue, dst_key: bytes, wf: int, wt: int) -> bytes:
    """Pop from ``src`` and push onto ``dst_key`` (type already checked), as lmoveGenericCommand.

    The destination is looked up before the pop and the source is only deleted after the push,
    so moving within one list (``dst_key == src_key``) never loses the element.
    """
    dst = db.lookup_write(dst_key, ListValue)
    value = src.popleft() if wf == LEFT else src.pop()
    _push_into(db, dst_key, dst, value, wt)
    _after_pop(db, src_key, src)
    return value


# -------------------------------------------------------------------------------------------------
# Push
# -------------------------------------------------------------------------------------------------


@command(
    "LPUSH",
    arity=-3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="list",
    summary="Prepend one or multiple elements to a list",
    since="1.0.0",
    group="list",
    complexity=(
        "O(1) for each element added, so O(N) to add N elements when the command is called "
        "with multiple arguments."
    ),
    history=[("2.4.0", "Accepts multiple `element` arguments.")],
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "insert"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("element", "string", multiple=True),
    ],
)
def lpush(ctx: Client, key: bytes, *elements: bytes) -> int:
    """LPUSH key element [element ...]"""
    db = ctx.db
    lst = db.lookup_write(key, ListValue)
    if lst is None:
        lst = ListValue(reversed(elements))
        db.add(key, lst)
    else:
        lst.extendleft(elements)
    db.signal_modified(key)
    return len(lst)


c_twin(lpush, "lpush", ListValue)  # onto an existing list


@command(
    "RPUSH",
    arity=-3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="list",
    summary="Append one or multiple elements to a list",
    since="1.0.0",
    group="list",
    complexity=(
        "O(1) for each element added, so O(N) to add N elements when the command is called "
        "with multiple arguments."
    ),
    history=[("2.4.0", "Accepts multiple `element` arguments.")],
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "insert"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("element", "string", multiple=True),
    ],
)
def rpush(ctx: Client, key: bytes, *elements: bytes) -> int:
    """RPUSH key element [element ...]"""
    db = ctx.db
    lst = db.lookup_write(key, ListValue)
    if lst is None:
        lst = ListValue(elements)
        db.add(key, lst)
    else:
        lst.extend(elements)
    db.signal_modified(key)
    return len(lst)


c_twin(rpush, "rpush", ListValue)


@command(
    "LPUSHX",
    arity=-3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="list",
    summary="Prepend an element to a list, only if the list exists",
    since="2.2.0",
    group="list",
    complexity=(
        "O(1) for each element added, so O(N) to add N elements when the command is called "
        "with multiple arguments."
    ),
    history=[("4.0.0", "Accepts multiple `element` arguments.")],
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "insert"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("element", "string", multiple=True),
    ],
)
def lpushx(ctx: Client, key: bytes, *elements: bytes) -> int:
    """LPUSHX key element [element ...]"""
    db = ctx.db
    lst = db.lookup_write(key, ListValue)
    if lst is None:
        return 0
    lst.extendleft(elements)
    db.signal_modified(key)
    return len(lst)


@command(
    "RPUSHX",
    arity=-3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="list",
    summary="Append an element to a list, only if the list exists",
    since="2.2.0",
    group="list",
    complexity=(
        "O(1) for each element added, so O(N) to add N elements when the command is called "
        "with multiple arguments."
    ),
    history=[("4.0.0", "Accepts multiple `element` arguments.")],
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "insert"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("element", "string", multiple=True),
    ],
)
def rpushx(ctx: Client, key: bytes, *elements: bytes) -> int:
    """RPUSHX key element [element ...]"""
    db = ctx.db
    lst = db.lookup_write(key, ListValue)
    if lst is None:
        return 0
    lst.extend(elements)
    db.signal_modified(key)
    return len(lst)


@command(
    "LINSERT",
    arity=5,
    flags="write denyoom",
    keys=(1, 1, 1),
    acl="list",
    summary="Insert an element before or after another element in a list",
    since="2.2.0",
    group="list",
    complexity=(
        "O(N) where N is the number of elements to traverse before seeing the value pivot. "
        "This means that inserting somewhere on the left end on the list (head) can be "
        "considered O(1) and inserting somewhere on the right end (tail) is O(N)."
    ),
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "insert"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg(
            "where",
            "oneof",
            arguments=[
                arg("before", "pure-token", token="BEFORE"),
                arg("after", "pure-token", token="AFTER"),
            ],
        ),
        arg("pivot", "string"),
        arg("element", "string"),
    ],
)
def linsert(ctx: Client, key: bytes, where: bytes, pivot: bytes, element: bytes) -> int:
    """LINSERT key BEFORE|AFTER pivot element"""
    w = where.lower()
    if w == b"after":
        after = 1
    elif w == b"before":
        after = 0
    else:
        raise CommandError(SYNTAX_ERROR)
    db = ctx.db
    lst = db.lookup_write(key, ListValue)
    if lst is None:
        return 0
    try:
        i = lst.index(pivot)
    except ValueError:
        return -1
    lst.insert(i + after, element)
    db.signal_modified(key)
    return len(lst)


# -------------------------------------------------------------------------------------------------
# Pop
# -------------------------------------------------------------------------------------------------


def _pop_command(ctx: Client, key: bytes, rest: tuple[bytes, ...], where: int, name: str) -> Any:
    if len(rest) > 1:
        raise CommandError(f"ERR wrong number of arguments for '{name}' command")
    if rest:
        count = _positive(rest[0], NOT_POSITIVE)
        db = ctx.db
        lst = db.lookup_write(key, ListValue)
        if lst is None:
            return NULL_ARRAY
        if count == 0:
            return []
        out = _pop_many(lst, where, count)
        _after_pop(db, key, lst)
        return out
    db = ctx.db
    lst = db.lookup_write(key, ListValue)
    if lst is None:
        return None
    value = lst.popleft() if where == LEFT else lst.pop()
    _after_pop(db, key, lst)
    return value


@command(
    "LPOP",
    arity=-2,
    flags="write fast",
    keys=(1, 1, 1),
    acl="list",
    summary="Remove and get the first elements in a list",
    since="1.0.0",
    group="list",
    complexity="O(N) where N is the number of elements returned",
    history=[("6.2.0", "Added the `count` argument.")],
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("count", "integer", optional=True, since="6.2.0"),
    ],
)
def lpop(ctx: Client, key: bytes, *rest: bytes) -> Any:
    """LPOP key [count]"""
    return _pop_command(ctx, key, rest, LEFT, "lpop")


c_twin(lpop, "lpop", ListValue)  # LPOP key, from a list it does not empty


@command(
    "RPOP",
    arity=-2,
    flags="write fast",
    keys=(1, 1, 1),
    acl="list",
    summary="Remove and get the last elements in a list",
    since="1.0.0",
    group="list",
    complexity="O(N) where N is the number of elements returned",
    history=[("6.2.0", "Added the `count` argument.")],
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("count", "integer", optional=True, since="6.2.0"),
    ],
)
def rpop(ctx: Client, key: bytes, *rest: bytes) -> Any:
    """RPOP key [count]"""
    return _pop_command(ctx, key, rest, RIGHT, "rpop")


c_twin(rpop, "rpop", ListValue)


def _parse_mpop(args: tuple[bytes, ...]) -> tuple[list[bytes], int, int]:
    """``numkeys key [key ...] LEFT|RIGHT [COUNT count]`` -> (keys, where, count)."""
    numkeys = parse_int(args[0], "ERR numkeys should be greater than 0") if args else 0
    if numkeys < 1:
        raise CommandError("ERR numkeys should be greater than 0")
    where_idx = numkeys + 1
    if where_idx >= len(args):
        raise CommandError(SYNTAX_ERROR)
    where = _where(args[where_idx])
    count = -1
    j = where_idx + 1
    n = len(args)
    while j < n:
        if count == -1 and args[j].lower() == b"count" and j + 1 < n:
            j += 1
            count = parse_int(args[j], "ERR count should be greater than 0")
            if count < 1:
                raise CommandError("ERR count should be greater than 0")
        else:
            raise CommandError(SYNTAX_ERROR)
        j += 1
    return list(args[1:where_idx]), where, (1 if count == -1 else count)


def _mpop_from(db: Any, keys: Iterable[bytes], where: int, count: int) -> Any:
    """Pop from the first non-empty list of ``keys`` (WRONGTYPE stops the scan); None if none."""
    for key in keys:
        lst = db.lookup_write(key, ListValue)
        if lst is None:
            continue
        out = _pop_many(lst, where, count)
        _after_pop(db, key, lst)
        return [key, out]
    return None


def _c_atoi(raw: bytes) -> int:
    """C's atoi(): leading spaces, a sign, digits; strtol's clamping, then a cast to int."""
    s = raw.lstrip(b" \t\n\v\f\r")
    m = re.match(rb"[+-]?\d+", s)
    if not m:
        return 0
    v = max(min(int(m.group()), LLONG_MAX), LLONG_MIN)
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _mpop_getkeys(numkeys_idx: int) -> Callable[[list[bytes]], list[int]]:
    """COMMAND GETKEYS for LMPOP/BLMPOP: the key spec first, then Redis's genericGetKeys."""

    def getkeys(argv: list[bytes]) -> list[int]:
        argc = len(argv)
        first = numkeys_idx + 1
        try:
            n = parse_int(argv[numkeys_idx])
        except CommandError:
            n = -1
        if n >= 0:
            last = first + n - 1
            if not (last >= argc or last < first or first >= argc):
                return list(range(first, last + 1))
        num = _c_atoi(argv[numkeys_idx])
        if num < 1 or num > argc - first:
            return []
        return list(range(first, first + num))

    return getkeys


@command(
    "LMPOP",
    arity=-4,
    flags="write movablekeys",
    acl="list",
    summary="Pop elements from a list",
    since="7.0.0",
    group="list",
    complexity=(
        "O(N+M) where N is the number of provided keys and M is the number of elements returned."
    ),
    key_specs=[KeySpec(("index", 1), ("keynum", 0, 1, 1), ("RW", "access", "delete"))],
    arguments=[
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=0),
        arg(
            "where",
            "oneof",
            arguments=[
                arg("left", "pure-token", token="LEFT"),
                arg("right", "pure-token", token="RIGHT"),
            ],
        ),
        arg("count", "integer", token="COUNT", optional=True),
    ],
)
def lmpop(ctx: Client, *args: bytes) -> Any:
    """LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]"""
    keys, where, count = _parse_mpop(args)
    out = _mpop_from(ctx.db, keys, where, count)
    return NULL_ARRAY if out is None else out


lmpop.getkeys = _mpop_getkeys(1)  # type: ignore[attr-defined]


# -------------------------------------------------------------------------------------------------
# Read and edit
# -------------------------------------------------------------------------------------------------


@command(
    "LLEN",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="list",
    summary="Get the length of a list",
    since="1.0.0",
    group="list",
    complexity="O(1)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RO",))],
    arguments=[arg("key", "key", key_spec_index=0)],
)
def llen(ctx: Client, key: bytes) -> int:
    """LLEN key"""
    lst = ctx.db.lookup_read(key, ListValue)
    return 0 if lst is None else len(lst)


@command(
    "LINDEX",
    arity=3,
    flags="readonly",
    keys=(1, 1, 1),
    acl="list",
    summary="Get an element from a list by its index",
    since="1.0.0",
    group="list",
    complexity=(
        "O(N) where N is the number of elements to traverse to get to the element at index. "
        "This makes asking for the first or the last element of the list O(1)."
    ),
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("index", "integer"),
    ],
)
def lindex(ctx: Client, key: bytes, index: bytes) -> Any:
    """LINDEX key index"""
    lst = ctx.db.lookup_read(key, ListValue)
    if lst is None:
        return None
    i = parse_int(index)
    n = len(lst)
    if i < 0:
        i += n
    if 0 <= i < n:
        return lst[i]
    return None


@command(
    "LSET",
    arity=4,
    flags="write denyoom",
    keys=(1, 1, 1),
    acl="list",
    summary="Set the value of an element in a list by its index",
    since="1.0.0",
    group="list",
    complexity=(
        "O(N) where N is the length of the list. Setting either the first or the last element "
        "of the list is O(1)."
    ),
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "update"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("index", "integer"),
        arg("element", "string"),
    ],
)
def lset(ctx: Client, key: bytes, index: bytes, element: bytes) -> Any:
    """LSET key index element"""
    db = ctx.db
    lst = db.lookup_write(key, ListValue)
    if lst is None:
        raise CommandError("ERR no such key")
    i = parse_int(index)
    n = len(lst)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise CommandError("ERR index out of range")
    lst[i] = element
    db.signal_modified(key)
    return OK


@command(
    "LRANGE",
    arity=4,
    flags="readonly",
    keys=(1, 1, 1),
    acl="list",
    summary="Get a range of elements from a list",
    since="1.0.0",
    group="list",
    complexity=(
        "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest "
        "end (HEAD or TAIL) for large lists; and N is the number of elements in the specified "
        "range."
    ),
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("start", "integer"),
        arg("stop", "integer"),
    ],
)
def lrange(ctx: Client, key: bytes, start: bytes, stop: bytes) -> Any:
    """LRANGE key start stop"""
    s = parse_int(start)
    e = parse_int(stop)
    lst = ctx.db.lookup_read(key, ListValue)
    if lst is None:
        return []
    return _range(lst, s, e)


@command(
    "LTRIM",
    arity=4,
    flags="write",
    keys=(1, 1, 1),
    acl="list",
    summary="Trim a list to the specified range",
    since="1.0.0",
    group="list",
    complexity="O(N) where N is the number of elements to be removed by the operation.",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "delete"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("start", "integer"),
        arg("stop", "integer"),
    ],
)
def ltrim(ctx: Client, key: bytes, start: bytes, stop: bytes) -> Any:
    """LTRIM key start stop"""
    s = parse_int(start)
    e = parse_int(stop)
    db = ctx.db
    lst = db.lookup_write(key, ListValue)
    if lst is None:
        return OK
    n = len(lst)
    if s < 0:
        s += n
    if e < 0:
        e += n
    if s < 0:
        s = 0
    if s > e or s >= n:
        lst.clear()
    else:
        if e >= n:
            e = n - 1
        left, right = s, n - e - 1
        kept = n - left - right
        if kept < left + right:
            keep = _range(lst, s, e)
            lst.clear()
            lst.extend(keep)
        else:
            for _ in range(left):
                lst.popleft()
            for _ in range(right):
                lst.pop()
    _after_pop(db, key, lst)
    return OK


#: LREM/LPOS with at most this many wanted matches use C-level searches; more scan once.
_FEW = 16


@command(
    "LREM",
    arity=4,
    flags="write",
    keys=(1, 1, 1),
    acl="list",
    summary="Remove elements from a list",
    since="1.0.0",
    group="list",
    complexity=(
        "O(N+M) where N is the length of the list and M is the number of elements removed."
    ),
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "delete"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("count", "integer"),
        arg("element", "string"),
    ],
)
def lrem(ctx: Client, key: bytes, count: bytes, element: bytes) -> int:
    """LREM key count element"""
    c = parse_int(count)
    db = ctx.db
    lst = db.lookup_write(key, ListValue)
    if lst is None:
        return 0
    removed = 0
    if 0 < c <= _FEW:
        i = 0
        while removed < c:
            try:
                i = lst.index(element, i)
            except ValueError:
                break
            del lst[i]
            removed += 1
    elif -_FEW <= c < 0:
        n = len(lst)
        positions = []
        want = -c
        for j, e in enumerate(reversed(lst)):
            if e == element:
                positions.append(n - 1 - j)
                if len(positions) == want:
                    break
        for p in positions:  # descending: each deletion leaves the others in place
            del lst[p]
        removed = len(positions)
    elif element in lst:
        # count 0 (all) or many: one pass, from the side the count says
        want = abs(c) if c else -1
        if c >= 0:
            kept = []
            for e in lst:
                if e == element and removed != want:
                    removed += 1
                else:
                    kept.append(e)
        else:
            kept = []
            for e in reversed(lst):
                if e == element and removed != want:
                    removed += 1
                else:
                    kept.append(e)
            kept.reverse()
        lst.clear()
        lst.extend(kept)
    if removed:
        db.signal_modified(key)
    if not lst:
        db.remove_if_empty(key, lst)
    return removed


@command(
    "LPOS",
    arity=-3,
    flags="readonly",
    keys=(1, 1, 1),
    acl="list",
    summary="Return the index of matching elements on a list",
    since="6.0.6",
    group="list",
    complexity=(
        "O(N) where N is the number of elements in the list, for the average case. When "
        "searching for elements near the head or the tail of the list, or when the MAXLEN "
        "option is provided, the command may run in constant time."
    ),
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access"))],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("element", "string"),
        arg("rank", "integer", token="RANK", optional=True),
        arg("num-matches", "integer", token="COUNT", optional=True),
        arg("len", "integer", token="MAXLEN", optional=True),
    ],
)
def lpos(ctx: Client, key: bytes, element: bytes, *opts: bytes) -> Any:
    """LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]"""
    rank, count, maxlen = 1, -1, 0
    j = 0
    n_opts = len(opts)
    while j < n_opts:
        opt = opts[j].lower()
        more = j + 1 < n_opts
        if opt == b"rank" and more:
            j += 1
            rank = parse_int(opts[j])
            if rank == 0:
                raise CommandError(RANK_ZERO)
        elif opt == b"count" and more:
            j += 1
            count = _positive(opts[j], "ERR COUNT can't be negative")
        elif opt == b"maxlen" and more:
            j += 1
            maxlen = _positive(opts[j], "ERR MAXLEN can't be negative")
        else:
            raise CommandError(SYNTAX_ERROR)
        j += 1
    backward = rank < 0
    # RANK -2^63 overflows in Redis (-rank is still negative): every match qualifies and the
    # COUNT limit never triggers.
    unlimited = rank == LLONG_MIN
    if backward:
        rank = 1 if unlimited else -rank
    lst = ctx.db.lookup_read(key, ListValue)
    if lst is None:
        return [] if count != -1 else None
    n = len(lst)
    limit = n if maxlen == 0 else min(maxlen, n)
    want = 1 if count == -1 else count  # matches to report; 0 = all
    if unlimited and count != -1:
        want = 0
    found: list[int] = []
    matches = 0
    if not backward:
        i = 0
        while i < limit:
            try:
                i = lst.index(element, i, limit)
            except ValueError:
                break
            matches += 1
            if matches >= rank:
                found.append(i)
                if want and len(found) >= want:
                    break
            i += 1
    else:
        for j, e in enumerate(islice(reversed(lst), limit)):
            if e == element:
                matches += 1
                if matches >= rank:
                    found.append(n - 1 - j)
                    if want and len(found) >= want:
                        break
    if count != -1:
        return found
    return found[0] if found else None


# -------------------------------------------------------------------------------------------------
# Move
# -------------------------------------------------------------------------------------------------


def _lmove(ctx: Client, src_key: bytes, dst_key: bytes, wf: int, wt: int) -> Any:
    db = ctx.db
    src = db.lookup_write(src_key, ListValue)
    if src is None:
        return None
    db.lookup_write(dst_key, ListValue)  # WRONGTYPE before anything moves
    return _move(db, src_key, src, dst_key, wf, wt)


@command(
    "LMOVE",
    arity=5,
    flags="write denyoom",
    keys=(1, 2, 1),
    acl="list",
    summary="Pop an element from a list, push it to another list and return it",
    since="6.2.0",
    group="list",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete")),
        KeySpec(("index", 2), ("range", 0, 1, 0), ("RW", "insert")),
    ],
    arguments=[
        arg("source", "key", key_spec_index=0),
        arg("destination", "key", key_spec_index=1),
        arg(
            "wherefrom",
            "oneof",
            arguments=[
                arg("left", "pure-token", token="LEFT"),
                arg("right", "pure-token", token="RIGHT"),
            ],
        ),
        arg(
            "whereto",
            "oneof",
            arguments=[
                arg("left", "pure-token", token="LEFT"),
                arg("right", "pure-token", token="RIGHT"),
            ],
        ),
    ],
)
def lmove(ctx: Client, source: bytes, destination: bytes, wherefrom: bytes, whereto: bytes) -> Any:
    """LMOVE source destination LEFT|RIGHT LEFT|RIGHT"""
    wf = _where(wherefrom)
    wt = _where(whereto)
    return _lmove(ctx, source, destination, wf, wt)


@command(
    "RPOPLPUSH",
    arity=3,
    flags="write denyoom",
    keys=(1, 2, 1),
    acl="list",
    summary="Remove the last element in a list, prepend it to another list and return it",
    since="1.2.0",
    group="list",
    complexity="O(1)",
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`LMOVE` with the `RIGHT` and `LEFT` arguments",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete")),
        KeySpec(("index", 2), ("range", 0, 1, 0), ("RW", "insert")),
    ],
    arguments=[
        arg("source", "key", key_spec_index=0),
        arg("destination", "key", key_spec_index=1),
    ],
)
def rpoplpush(ctx: Client, source: bytes, destination: bytes) -> Any:
    """RPOPLPUSH source destination"""
    return _lmove(ctx, source, destination, RIGHT, LEFT)


# -------------------------------------------------------------------------------------------------
# Blocking
# -------------------------------------------------------------------------------------------------


def _live_list(db: Any, key: bytes) -> ListValue | None:
    """The list at ``key`` if it holds one now (another type is no error while blocked)."""
    v = db.lookup_write(key)
    return v if type(v) is ListValue else None


def _block_pop(ctx: Client, keys: list[bytes], ms: int, where: int, count: int) -> Any:
    """BLPOP/BRPOP (count -1: reply [key, element]) and BLMPOP (reply [key, [elements]])."""
    db = ctx.db
    for key in keys:
        lst = db.lookup_write(key, ListValue)
        if lst is None:
            continue
        if count == -1:
            value = lst.popleft() if where == LEFT else lst.pop()
            _after_pop(db, key, lst)
            return [key, value]
        out = _pop_many(lst, where, count)
        _after_pop(db, key, lst)
        return [key, out]

    def retry(c: Client, ready: bytes | None = None) -> Any:
        cdb = c.db
        for key in keys if ready is None else (ready,):
            lst = _live_list(cdb, key)
            if lst is None:
                continue
            if count == -1:
                value = lst.popleft() if where == LEFT else lst.pop()
                _after_pop(cdb, key, lst)
                return [key, value]
            out = _pop_many(lst, where, count)
            _after_pop(cdb, key, lst)
            return [key, out]
        return BLOCKED

    return ctx.block(keys, _timeout_seconds(ms), retry, NULL_ARRAY)


@command(
    "BLPOP",
    arity=-3,
    flags="write noscript blocking",
    keys=(1, -2, 1),
    acl="list",
    summary="Remove and get the first element in a list, or block until one is available",
    since="2.0.0",
    group="list",
    complexity="O(N) where N is the number of provided keys.",
    history=[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
    key_specs=[KeySpec(("index", 1), ("range", -2, 1, 0), ("RW", "access", "delete"))],
    arguments=[
        arg("key", "key", multiple=True, key_spec_index=0),
        arg("timeout", "double"),
    ],
)
def blpop(ctx: Client, *args: bytes) -> Any:
    """BLPOP key [key ...] timeout"""
    ms = parse_timeout_ms(args[-1])
    return _block_pop(ctx, list(args[:-1]), ms, LEFT, -1)


@command(
    "BRPOP",
    arity=-3,
    flags="write noscript blocking",
    keys=(1, -2, 1),
    acl="list",
    summary="Remove and get the last element in a list, or block until one is available",
    since="2.0.0",
    group="list",
    complexity="O(N) where N is the number of provided keys.",
    history=[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
    key_specs=[KeySpec(("index", 1), ("range", -2, 1, 0), ("RW", "access", "delete"))],
    arguments=[
        arg("key", "key", multiple=True, key_spec_index=0),
        arg("timeout", "double"),
    ],
)
def brpop(ctx: Client, *args: bytes) -> Any:
    """BRPOP key [key ...] timeout"""
    ms = parse_timeout_ms(args[-1])
    return _block_pop(ctx, list(args[:-1]), ms, RIGHT, -1)


@command(
    "BLMPOP",
    arity=-5,
    flags="write blocking movablekeys",
    acl="list",
    summary="Pop elements from a list, or block until one is available",
    since="7.0.0",
    group="list",
    complexity=(
        "O(N+M) where N is the number of provided keys and M is the number of elements returned."
    ),
    key_specs=[KeySpec(("index", 2), ("keynum", 0, 1, 1), ("RW", "access", "delete"))],
    arguments=[
        arg("timeout", "double"),
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=0),
        arg(
            "where",
            "oneof",
            arguments=[
                arg("left", "pure-token", token="LEFT"),
                arg("right", "pure-token", token="RIGHT"),
            ],
        ),
        arg("count", "integer", token="COUNT", optional=True),
    ],
)
def blmpop(ctx: Client, timeout: bytes, *args: bytes) -> Any:
    """BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]"""
    keys, where, count = _parse_mpop(args)
    ms = parse_timeout_ms(timeout)
    return _block_pop(ctx, keys, ms, where, count)


blmpop.getkeys = _mpop_getkeys(2)  # type: ignore[attr-defined]


def _block_move(ctx: Client, src_key: bytes, dst_key: bytes, wf: int, wt: int, ms: int) -> Any:
    db = ctx.db
    src = db.lookup_write(src_key, ListValue)
    if src is not None:
        db.lookup_write(dst_key, ListValue)
        return _move(db, src_key, src, dst_key, wf, wt)
    if ctx.in_exec:
        return None  # Redis answers a null bulk here, but a null array on timeout

    def retry(c: Client, ready: bytes | None = None) -> Any:
        cdb = c.db
        lst = _live_list(cdb, src_key)
        if lst is None:
            return BLOCKED
        dst = cdb.lookup_write(dst_key)
        if dst is not None and type(dst) is not ListValue:
            raise WrongTypeError()
        return _move(cdb, src_key, lst, dst_key, wf, wt)

    return ctx.block([src_key], _timeout_seconds(ms), retry, NULL_ARRAY)


@command(
    "BLMOVE",
    arity=6,
    flags="write denyoom noscript blocking",
    keys=(1, 2, 1),
    acl="list",
    summary=(
        "Pop an element from a list, push it to another list and return it; "
        "or block until one is available"
    ),
    since="6.2.0",
    group="list",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete")),
        KeySpec(("index", 2), ("range", 0, 1, 0), ("RW", "insert")),
    ],
    arguments=[
        arg("source", "key", key_spec_index=0),
        arg("destination", "key", key_spec_index=1),
        arg(
            "wherefrom",
            "oneof",
            arguments=[
                arg("left", "pure-token", token="LEFT"),
                arg("right", "pure-token", token="RIGHT"),
            ],
        ),
        arg(
            "whereto",
            "oneof",
            arguments=[
                arg("left", "pure-token", token="LEFT"),
                arg("right", "pure-token", token="RIGHT"),
            ],
        ),
        arg("timeout", "double"),
    ],
)
def blmove(
    ctx: Client, source: bytes, destination: bytes, wherefrom: bytes, whereto: bytes, t: bytes
) -> Any:
    """BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout"""
    wf = _where(wherefrom)
    wt = _where(whereto)
    ms = parse_timeout_ms(t)
    return _block_move(ctx, source, destination, wf, wt, ms)


@command(
    "BRPOPLPUSH",
    arity=4,
    flags="write denyoom noscript blocking",
    keys=(1, 2, 1),
    acl="list",
    summary=(
        "Pop an element from a list, push it to another list and return it; "
        "or block until one is available"
    ),
    since="2.2.0",
    group="list",
    complexity="O(1)",
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`BLMOVE` with the `RIGHT` and `LEFT` arguments",
    history=[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete")),
        KeySpec(("index", 2), ("range", 0, 1, 0), ("RW", "insert")),
    ],
    arguments=[
        arg("source", "key", key_spec_index=0),
        arg("destination", "key", key_spec_index=1),
        arg("timeout", "double"),
    ],
)
def brpoplpush(ctx: Client, source: bytes, destination: bytes, t: bytes) -> Any:
    """BRPOPLPUSH source destination timeout"""
    ms = parse_timeout_ms(t)
    return _block_move(ctx, source, destination, RIGHT, LEFT, ms)


# -------------------------------------------------------------------------------------------------
# Registration
# -------------------------------------------------------------------------------------------------


@hookimpl
def register_types(register: Any) -> None:
    register(LIST)


@hookimpl
def register_commands(register: Any) -> None:
    register(sys.modules[__name__])
