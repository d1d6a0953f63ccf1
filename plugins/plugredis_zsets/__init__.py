"""The sorted sets family: every command of Redis 7.0's ``sorted-set`` group (blocking too).

Value type
    A sorted set is a :class:`ZSet`: a ``dict`` member -> score plus a :class:`SortedList` of
    ``(score, member)`` tuples, in Redis's order (by score, then by member bytes).  Its
    :class:`~plugredis.TypeSpec` is named ``zset``.

Encodings
    Redis 7.0 keeps a small sorted set in a ``listpack`` (at most ``zset-max-listpack-entries``
    (128) members of at most ``zset-max-listpack-value`` (64) bytes) and converts it to a
    ``skiplist`` when it outgrows either limit, never back (except for the results of the
    ``*STORE`` commands and loaded values, which get the encoding their content allows).  The
    flag lives on the value, and it matters beyond OBJECT ENCODING: a listpack stores scores as
    integers when it can, which turns ``-0`` into ``0``; ZSCAN returns a listpack whole; ZRANDMEMBER
    keeps a listpack's order; and range-by-lex queries on members whose scores differ (which
    Redis documents as unspecified) walk a listpack linearly, which plugredis reproduces.

Scores
    Parsed as Redis does with ``strtod`` (hex floats, ``inf``; overflow and underflow to zero
    refused for ZADD/ZINCRBY/WEIGHTS; range bounds accept both, and leading spaces) and sent
    with :class:`~plugredis.Double` (``%.17g`` in RESP2, a RESP3 double).

Blocking
    BZPOPMIN, BZPOPMAX and BZMPOP park the client with ``ctx.block``; timeouts are parsed as Redis
    7.0 does (``strtold``, then ``ceill(t * 1000)`` in long double).
"""

from __future__ import annotations

import math
import random
import re
import sys
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from plugredis import (
    BLOCKED,
    NULL_ARRAY,
    SYNTAX_ERROR,
    Client,
    CommandError,
    Double,
    KeySpec,
    TypeSpec,
    WrongTypeError,
    arg,
    command,
    compile_glob,
    config_memory,
    config_nonneg_int,
    format_double,
    hookimpl,
    parse_int,
    parse_timeout_ms,
)

from .sortedlist import SortedList

__version__ = "0.1.0"

LONG_MAX = 2**63 - 1
INF = math.inf

NOT_FLOAT = "ERR value is not a valid float"
NAN_ERR = "ERR resulting score is not a number (NaN)"
RANGE_ERR = "ERR min or max is not a float"
LEX_ERR = "ERR min or max not valid string range item"
POSITIVE_ERR = "ERR value is out of range, must be positive"


# -------------------------------------------------------------------------------------------------
# The value type
# -------------------------------------------------------------------------------------------------


class Settings:
    """The encoding thresholds of one server (CONFIG zset-max-listpack-entries/value)."""

    __slots__ = ("max_entries", "max_value")

    def __init__(self) -> None:
        self.max_entries = 128
        self.max_value = 64


_DEFAULT = Settings()


def _settings(ctx: Client) -> Settings:
    return ctx.server.plugin_state.get("zsets", _DEFAULT)


def _lp_score(score: float) -> float:
    """A score as a listpack stores it: ``-0`` is an integral value, stored as the integer 0."""
    return 0.0 if score == 0 else score


class ZSet:
    """A sorted set: ``scores`` (member -> score) and ``sl`` (sorted ``(score, member)``).

    ``lp`` is True while Redis would keep it in a listpack; ``version`` counts modifications
    (it invalidates the cached scan buckets).
    """

    __slots__ = ("_cache", "lp", "scores", "sl", "version")

    def __init__(self, items: Iterable[tuple[bytes, float]] = (), lp: bool = True) -> None:
        self.scores: dict[bytes, float] = dict(items)
        self.lp = lp
        if lp:
            self.scores = {m: _lp_score(s) for m, s in self.scores.items()}
        self.sl = SortedList((s, m) for m, s in self.scores.items())
        self.version = 0
        self._cache: Any = None

    def __len__(self) -> int:
        return len(self.scores)

    def __bool__(self) -> bool:
        return bool(self.scores)

    def __repr__(self) -> str:
        return f"ZSet({list(self.items())!r})"

    def items(self) -> Iterable[tuple[bytes, float]]:
        """(member, score) in order."""
        return ((m, s) for s, m in self.sl)

    def insert(self, member: bytes, score: float) -> None:
        if self.lp:
            score = _lp_score(score)
        self.scores[member] = score
        self.sl.add((score, member))

    def update(self, member: bytes, old: float, new: float) -> None:
        if self.lp:
            new = _lp_score(new)
        self.sl.remove((old, member))
        self.sl.add((new, member))
        self.scores[member] = new

    def delete(self, member: bytes) -> None:
        score = self.scores.pop(member)
        self.sl.remove((score, member))

    def delete_positions(self, start: int, stop: int) -> list[tuple[float, bytes]]:
        removed = self.sl.delete_range(start, stop)
        scores = self.scores
        for _, m in removed:
            del scores[m]
        return removed

    def rank(self, member: bytes) -> int | None:
        score = self.scores.get(member)
        if score is None:
            return None
        return self.sl.bisect_left((score, member))


def _fits_listpack(items: Iterable[tuple[bytes, float]], size: int, settings: Settings) -> bool:
    if size > settings.max_entries:
        return False
    mv = settings.max_value
    return all(len(m) <= mv for m, _ in items)


def new_zset(items: Iterable[tuple[bytes, float]], settings: Settings = _DEFAULT) -> ZSet:
    """A sorted set of ``items`` with the encoding Redis gives a loaded or stored result."""
    items = list(items)
    return ZSet(items, lp=_fits_listpack(items, len(dict(items)), settings))


def _copy(z: ZSet) -> ZSet:
    c = ZSet(z.scores.items(), lp=False)
    c.lp = z.lp
    return c


def _memory(z: ZSet) -> int:
    if z.lp:
        return 16 + sum(len(m) + 12 for m in z.scores)
    return 128 + sum(len(m) + 80 for m in z.scores)


ZSET = TypeSpec(
    name="zset",
    pytype=ZSet,
    copy=_copy,
    encoding=lambda z: "listpack" if z.lp else "skiplist",
    memory=_memory,
    to_rdb=lambda z: ("zset", list(z.items())),
    from_rdb=lambda kind, plain: new_zset(plain),
    rdb_kinds=("zset",),
)


# -------------------------------------------------------------------------------------------------
# Parsing
# -------------------------------------------------------------------------------------------------

_DEC = re.compile(rb"[+-]?(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE][+-]?\d+)?")
_HEX = re.compile(rb"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?")
_INF = re.compile(rb"[+-]?(?:inf|infinity)", re.IGNORECASE)
_NAN = re.compile(rb"[+-]?nan(?:\([0-9a-zA-Z_]*\))?", re.IGNORECASE)
_SPACE = b" \t\n\v\f\r"


def _strtod(text: bytes) -> tuple[float, bool] | None:
    """``strtod`` on a whole string: (value, out-of-range) or None if not a number at all.

    ``out-of-range`` is ``strtod``'s ERANGE for an overflow to infinity or an underflow to zero.
    NaN comes back as a float NaN.
    """
    if _DEC.fullmatch(text) is not None:
        v = float(text)
        if math.isinf(v):
            return v, True
        if v == 0 and any(c in b"123456789" for c in text.split(b"e")[0].split(b"E")[0]):
            return v, True
        return v, False
    if _HEX.fullmatch(text) is not None:
        sign = -1.0 if text[:1] == b"-" else 1.0
        body = text.lstrip(b"+-")
        try:
            v = float.fromhex(body.decode())
        except OverflowError:
            return sign * INF, True
        mant = body[2:].split(b"p")[0].split(b"P")[0]
        if v == 0 and any(c in b"123456789abcdefABCDEF" for c in mant):
            return sign * v, True
        return sign * v, False
    if _INF.fullmatch(text) is not None:
        return (-INF if text[:1] == b"-" else INF), False
    if _NAN.fullmatch(text) is not None:
        return math.nan, False
    return None


def parse_double(raw: bytes, message: str = NOT_FLOAT) -> float:
    """``getDoubleFromObject``: the whole string, no spaces, no NaN, no overflow/underflow."""
    if not raw or raw[:1] in _SPACE or b"\0" in raw:
        raise CommandError(message)
    r = _strtod(raw)
    if r is None or r[1] or r[0] != r[0]:
        raise CommandError(message)
    return r[0]


def _range_double(raw: bytes) -> float | None:
    """A score bound as ``zslParseRange`` reads it: ``strtod`` up to a NUL, leading spaces
    allowed, ``""`` is 0, overflow and underflow accepted, NaN refused."""
    nul = raw.find(b"\0")
    if nul >= 0:
        raw = raw[:nul]
    if not raw:
        return 0.0
    text = raw.lstrip(_SPACE)
    r = _strtod(text)
    if r is None or r[0] != r[0]:
        return None
    return r[0]


ScoreRange = tuple[float, bool, float, bool]


def parse_score_range(lo: bytes, hi: bytes) -> ScoreRange:
    bounds = []
    for raw in (lo, hi):
        ex = raw[:1] == b"("
        v = _range_double(raw[1:] if ex else raw)
        if v is None:
            raise CommandError(RANGE_ERR)
        bounds.append((v, ex))
    return bounds[0][0], bounds[0][1], bounds[1][0], bounds[1][1]


#: a lex bound: (kind, value, exclusive); kind -1 is "-", 1 is "+", 0 a string
LexBound = tuple[int, bytes, bool]


def _lex_item(raw: bytes) -> LexBound:
    c = raw[:1]
    if c in (b"+", b"-"):
        if len(raw) > 1 and raw[1] != 0:
            raise CommandError(LEX_ERR)
        return (1 if c == b"+" else -1), b"", True
    if c == b"(":
        return 0, raw[1:], True
    if c == b"[":
        return 0, raw[1:], False
    raise CommandError(LEX_ERR)


def parse_lex_range(lo: bytes, hi: bytes) -> tuple[LexBound, LexBound]:
    return _lex_item(lo), _lex_item(hi)


def _cmplex(a: LexBound, b: LexBound) -> int:
    if a[0] == b[0] and a[0] != 0:
        return 0
    if a[0] == -1 or b[0] == 1:
        return -1
    if a[0] == 1 or b[0] == -1:
        return 1
    return (a[1] > b[1]) - (a[1] < b[1])


def _gte_min(m: bytes, lo: LexBound) -> bool:
    if lo[0] == -1:
        return True
    if lo[0] == 1:
        return False
    return m > lo[1] if lo[2] else m >= lo[1]


def _lte_max(m: bytes, hi: LexBound) -> bool:
    if hi[0] == 1:
        return True
    if hi[0] == -1:
        return False
    return m < hi[1] if hi[2] else m <= hi[1]


def _positive(raw: bytes, message: str = POSITIVE_ERR) -> int:
    """``getPositiveLongFromObjectOrReply``: any failure gives the one message."""
    try:
        v = parse_int(raw)
    except CommandError:
        raise CommandError(message)
    if v < 0:
        raise CommandError(message)
    return v


def _range_long(raw: bytes, lo: int, hi: int, message: str) -> int:
    """``getRangeLongFromObjectOrReply`` with a custom message for every failure."""
    try:
        v = parse_int(raw)
    except CommandError:
        raise CommandError(message)
    if not lo <= v <= hi:
        raise CommandError(message)
    return v


def _random_count(raw: bytes) -> int:
    n = parse_int(raw)
    if n < -LONG_MAX:
        raise CommandError(
            "ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"
        )
    return n


# -------------------------------------------------------------------------------------------------
# Ranges
# -------------------------------------------------------------------------------------------------


def score_positions(z: ZSet, rng: ScoreRange) -> tuple[int, int]:
    """Positions ``[lo, hi)`` of the members whose score is in ``rng``."""
    mn, minex, mx, maxex = rng
    if mn > mx or (mn == mx and (minex or maxex)):
        return 0, 0
    sl = z.sl
    if minex:
        lo = len(sl) if mn == INF else sl.bisect_left((math.nextafter(mn, INF),))
    else:
        lo = sl.bisect_left((mn,))
    if maxex:
        hi = sl.bisect_left((mx,))
    else:
        hi = len(sl) if mx == INF else sl.bisect_left((math.nextafter(mx, INF),))
    return lo, max(lo, hi)


def _lex_empty(lo: LexBound, hi: LexBound) -> bool:
    cmp = _cmplex(lo, hi)
    return cmp > 0 or (cmp == 0 and (lo[2] or hi[2]))


def _lex_start(z: ZSet, lo: LexBound, hi: LexBound, reverse: bool) -> int | None:
    """Where Redis starts a by-lex walk: the first member in range (the last one if reverse).

    A listpack is searched linearly (forward: the first member ``>= min``, which must also be
    ``<= max``; backward: the last member ``<= max``, which must be ``>= min``), which fixes
    Redis's answer even when scores differ; a skiplist is searched by bisection, which is
    Redis's answer whenever the members are in lexicographic order (the documented use).
    """
    n = len(z)
    if n == 0 or _lex_empty(lo, hi):
        return None
    sl = z.sl
    if not _gte_min(sl[n - 1][1], lo) or not _lte_max(sl[0][1], hi):
        return None
    if z.lp:
        members = [m for _, m in sl]
        order = range(n - 1, -1, -1) if reverse else range(n)
        for i in order:
            m = members[i]
            if reverse and _lte_max(m, hi):
                return i if _gte_min(m, lo) else None
            if not reverse and _gte_min(m, lo):
                return i if _lte_max(m, hi) else None
        return None
    if reverse:
        j = _first_true(sl, 0, n, lambda m: not _lte_max(m, hi)) - 1
        return j if j >= 0 and _gte_min(sl[j][1], lo) else None
    i = _first_true(sl, 0, n, lambda m: _gte_min(m, lo))
    return i if i < n and _lte_max(sl[i][1], hi) else None


def lex_positions(z: ZSet, lo: LexBound, hi: LexBound) -> tuple[int, int]:
    """Positions ``[a, b)`` of a forward by-lex range (ZLEXCOUNT, ZREMRANGEBYLEX)."""
    start = _lex_start(z, lo, hi, False)
    if start is None:
        return 0, 0
    if z.lp:
        end = start
        for _, m in z.sl.islice(start, len(z)):
            if not _lte_max(m, hi):
                break
            end += 1
        return start, end
    return start, _first_true(z.sl, start, len(z), lambda m: not _lte_max(m, hi))


def lex_walk(
    z: ZSet, lo: LexBound, hi: LexBound, reverse: bool, offset: int, limit: int
) -> list[tuple[float, bytes]]:
    """A by-lex range as Redis walks it: from the start, skip ``offset`` members without
    looking at them, then take members while the far bound holds, at most ``limit``."""
    start = _lex_start(z, lo, hi, reverse)
    n = len(z)
    if start is None or offset < 0 or (offset > 0 and offset >= n):
        return []
    out: list[tuple[float, bytes]] = []
    if reverse:
        i = start - offset
        if i < 0:
            return out
        walk = z.sl.islice_reversed(0, i + 1)
    else:
        i = start + offset
        if i >= n:
            return out
        walk = z.sl.islice(i, n)
    for s, m in walk:
        if limit == 0:
            break
        if not (_gte_min(m, lo) if reverse else _lte_max(m, hi)):
            break
        out.append((s, m))
        limit -= 1
    return out


def _first_true(sl: SortedList, lo: int, hi: int, pred: Callable[[bytes], bool]) -> int:
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(sl[mid][1]):
            hi = mid
        else:
            lo = mid + 1
    return lo


def rank_positions(n: int, start: int, end: int) -> tuple[int, int]:
    """Redis's sanitizing of rank ranges: ``[lo, hi)`` (empty when out of range)."""
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = max(start, 0)
    if start > end or start >= n:
        return 0, 0
    end = min(end, n - 1)
    return start, end + 1


def _entries(z: ZSet, lo: int, hi: int, reverse: bool) -> list[tuple[float, bytes]]:
    if reverse:
        return list(z.sl.islice_reversed(lo, hi))
    return list(z.sl.islice(lo, hi))


def _apply_limit(
    z: ZSet, lo: int, hi: int, reverse: bool, offset: int, limit: int
) -> list[tuple[float, bytes]]:
    """The entries of ``[lo, hi)`` in direction order after LIMIT offset count."""
    if offset < 0 or (offset > 0 and offset >= len(z)) or limit == 0:
        return []
    count = hi - lo
    if offset >= count:
        return []
    take = count - offset if limit < 0 else min(limit, count - offset)
    if reverse:
        return list(islice(z.sl.islice_reversed(lo, hi - offset), take))
    return list(z.sl.islice(lo + offset, lo + offset + take))


def _with_scores(ctx: Client, entries: Iterable[tuple[float, bytes]]) -> list[Any]:
    if ctx.resp3:
        return [[m, Double(s)] for s, m in entries]
    out: list[Any] = []
    for s, m in entries:
        out.append(m)
        out.append(Double(s))
    return out


# -------------------------------------------------------------------------------------------------
# zsetAdd
# -------------------------------------------------------------------------------------------------

ADDED, UPDATED, NOP, SAME, NAN = 1, 2, 4, 8, 16


def zset_add(
    z: ZSet,
    member: bytes,
    score: float,
    settings: Settings,
    incr: bool = False,
    nx: bool = False,
    xx: bool = False,
    gt: bool = False,
    lt: bool = False,
) -> tuple[int, float]:
    """Redis's ``zsetAdd``: (outcome flag, new score)."""
    cur = z.scores.get(member)
    if cur is not None:
        if nx:
            return NOP, cur
        if incr:
            score += cur
            if score != score:
                return NAN, score
        if (lt and score >= cur) or (gt and score <= cur):
            return NOP, cur
        if score != cur:
            z.update(member, cur, score)
            return UPDATED, score
        return SAME, score
    if xx:
        return NOP, score
    if z.lp and (len(z.scores) + 1 > settings.max_entries or len(member) > settings.max_value):
        z.lp = False
    z.insert(member, score)
    return ADDED, score


def _new_for_add(settings: Settings, first_member: bytes) -> ZSet:
    lp = not (settings.max_entries == 0 or settings.max_value < len(first_member))
    return ZSet(lp=lp)


def _read(ctx: Client, key: bytes) -> ZSet | None:
    z: ZSet | None = ctx.db.lookup_read(key, ZSet)
    return z


def _after_removal(ctx: Client, key: bytes, z: ZSet) -> None:
    z.version += 1
    ctx.db.remove_if_empty(key, z)
    ctx.db.signal_modified(key)


def _store_result(ctx: Client, dest: bytes, z: ZSet) -> int:
    db = ctx.db
    if len(z):
        db.set(dest, z)
        return len(z)
    if db.lookup_write(dest) is not None:
        db.delete(dest)
    return 0


# -------------------------------------------------------------------------------------------------
# Commands: adding, scores, counts
# -------------------------------------------------------------------------------------------------

_ZADD_OPTS = {b"nx", b"xx", b"ch", b"incr", b"gt", b"lt"}


@command(
    "ZADD",
    arity=-4,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Add one or more members to a sorted set, or update its score if it already exists",
    since="1.2.0",
    group="sorted-set",
    complexity="O(log(N)) for each item added, where N is the number of elements in the sorted "
    "set.",
    history=[
        ("2.4.0", "Accepts multiple elements."),
        ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
        ("6.2.0", "Added the `GT` and `LT` options."),
    ],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "update")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg(
            "condition",
            "oneof",
            optional=True,
            since="3.0.2",
            arguments=[
                arg("nx", "pure-token", token="NX"),
                arg("xx", "pure-token", token="XX"),
            ],
        ),
        arg(
            "comparison",
            "oneof",
            optional=True,
            since="6.2.0",
            arguments=[
                arg("gt", "pure-token", token="GT"),
                arg("lt", "pure-token", token="LT"),
            ],
        ),
        arg("change", "pure-token", token="CH", optional=True, since="3.0.2"),
        arg("increment", "pure-token", token="INCR", optional=True, since="3.0.2"),
        arg(
            "score_member",
            "block",
            multiple=True,
            arguments=[
                arg("score", "double"),
                arg("member", "string"),
            ],
        ),
    ],
)
def zadd(ctx: Client, key: bytes, *args: bytes) -> Any:
    """ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]"""
    if len(args) == 2 and not args[0][:1].isalpha():
        # fast path: one pair and no option (an option is a word; a score never starts with a
        # letter except inf/nan, which take the general path)
        raw, member = args
        score = float(raw) if raw.isdigit() else parse_double(raw)
        db = ctx.db
        z = db.lookup_write(key, ZSet)
        if z is None:
            z = _new_for_add(_settings(ctx), member)
            db.add(key, z)
        cur = z.scores.get(member)
        if cur is None:
            zset_add(z, member, score, _settings(ctx))
            z.version += 1
            db.signal_modified(key)
            return 1
        if score != cur:
            z.update(member, cur, score)
            z.version += 1
            db.signal_modified(key)
        return 0
    opts: set[bytes] = set()
    i = 0
    while i < len(args):
        o = args[i].lower()
        if o not in _ZADD_OPTS:
            break
        opts.add(o)
        i += 1
    return _zadd(ctx, key, args[i:], opts)


def _zadd(ctx: Client, key: bytes, pairs: tuple[bytes, ...], opts: set[bytes]) -> Any:
    if len(pairs) % 2 or not pairs:
        raise CommandError(SYNTAX_ERROR)
    nx, xx, gt, lt = b"nx" in opts, b"xx" in opts, b"gt" in opts, b"lt" in opts
    incr, ch = b"incr" in opts, b"ch" in opts
    if nx and xx:
        raise CommandError("ERR XX and NX options at the same time are not compatible")
    if (gt and nx) or (lt and nx) or (gt and lt):
        raise CommandError("ERR GT, LT, and/or NX options at the same time are not compatible")
    if incr and len(pairs) > 2:
        raise CommandError("ERR INCR option supports a single increment-element pair")
    scores = [parse_double(pairs[j]) for j in range(0, len(pairs), 2)]
    db = ctx.db
    z = db.lookup_write(key, ZSet)
    settings = _settings(ctx)
    added = updated = processed = 0
    score = 0.0
    if z is None:
        if xx:
            return None if incr else 0
        z = _new_for_add(settings, pairs[1])
        db.add(key, z)
    try:
        for j, sc in enumerate(scores):
            flag, score = zset_add(z, pairs[2 * j + 1], sc, settings, incr, nx, xx, gt, lt)
            if flag == NAN:
                raise CommandError(NAN_ERR)
            if flag == ADDED:
                added += 1
            elif flag == UPDATED:
                updated += 1
            if flag != NOP:
                processed += 1
    finally:
        if added or updated:
            z.version += 1
            db.signal_modified(key)
    if incr:
        return Double(score) if processed else None
    return added + updated if ch else added


@command(
    "ZINCRBY",
    arity=4,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Increment the score of a member in a sorted set",
    since="1.2.0",
    group="sorted-set",
    complexity="O(log(N)) where N is the number of elements in the sorted set.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "update")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("increment", "integer"),
        arg("member", "string"),
    ],
)
def zincrby(ctx: Client, key: bytes, increment: bytes, member: bytes) -> Any:
    """ZINCRBY key increment member"""
    return _zadd(ctx, key, (increment, member), {b"incr"})


@command(
    "ZSCORE",
    arity=3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Get the score associated with the given member in a sorted set",
    since="1.2.0",
    group="sorted-set",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("member", "string"),
    ],
)
def zscore(ctx: Client, key: bytes, member: bytes) -> Any:
    """ZSCORE key member"""
    z = _read(ctx, key)
    if z is None:
        return None
    s = z.scores.get(member)
    return None if s is None else Double(s)


@command(
    "ZMSCORE",
    arity=-3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Get the score associated with the given members in a sorted set",
    since="6.2.0",
    group="sorted-set",
    complexity="O(N) where N is the number of members being requested.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("member", "string", multiple=True),
    ],
)
def zmscore(ctx: Client, key: bytes, *members: bytes) -> Any:
    """ZMSCORE key member [member ...]"""
    z = _read(ctx, key)
    if z is None:
        return [None] * len(members)
    get = z.scores.get
    out: list[Any] = []
    for m in members:
        s = get(m)
        out.append(None if s is None else Double(s))
    return out


@command(
    "ZCARD",
    arity=2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Get the number of members in a sorted set",
    since="1.2.0",
    group="sorted-set",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO",)),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
    ],
)
def zcard(ctx: Client, key: bytes) -> Any:
    """ZCARD key"""
    z = _read(ctx, key)
    return 0 if z is None else len(z)


@command(
    "ZCOUNT",
    arity=4,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Count the members in a sorted set with scores within the given values",
    since="2.0.0",
    group="sorted-set",
    complexity="O(log(N)) with N being the number of elements in the sorted set.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("min", "double"),
        arg("max", "double"),
    ],
)
def zcount(ctx: Client, key: bytes, min_: bytes, max_: bytes) -> Any:
    """ZCOUNT key min max"""
    rng = parse_score_range(min_, max_)
    z = _read(ctx, key)
    if z is None:
        return 0
    lo, hi = score_positions(z, rng)
    return hi - lo


@command(
    "ZLEXCOUNT",
    arity=4,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Count the number of members in a sorted set between a given lexicographical range",
    since="2.8.9",
    group="sorted-set",
    complexity="O(log(N)) with N being the number of elements in the sorted set.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("min", "string"),
        arg("max", "string"),
    ],
)
def zlexcount(ctx: Client, key: bytes, min_: bytes, max_: bytes) -> Any:
    """ZLEXCOUNT key min max"""
    lo_b, hi_b = parse_lex_range(min_, max_)
    z = _read(ctx, key)
    if z is None:
        return 0
    lo, hi = lex_positions(z, lo_b, hi_b)
    return hi - lo


@command(
    "ZRANK",
    arity=3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Determine the index of a member in a sorted set",
    since="2.0.0",
    group="sorted-set",
    complexity="O(log(N))",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("member", "string"),
    ],
)
def zrank(ctx: Client, key: bytes, member: bytes) -> Any:
    """ZRANK key member"""
    z = _read(ctx, key)
    return None if z is None else z.rank(member)


@command(
    "ZREVRANK",
    arity=3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Determine the index of a member in a sorted set, with scores ordered from high to low",
    since="2.0.0",
    group="sorted-set",
    complexity="O(log(N))",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("member", "string"),
    ],
)
def zrevrank(ctx: Client, key: bytes, member: bytes) -> Any:
    """ZREVRANK key member"""
    z = _read(ctx, key)
    if z is None:
        return None
    r = z.rank(member)
    return None if r is None else len(z) - 1 - r


# -------------------------------------------------------------------------------------------------
# Commands: ranges
# -------------------------------------------------------------------------------------------------

RANK, SCORE, LEX = "rank", "score", "lex"


def _zrange(
    ctx: Client,
    args: tuple[bytes, ...],
    rangetype: str | None,
    reverse: bool | None,
    dest: bytes | None = None,
) -> Any:
    """``zrangeGenericCommand``: ``args`` are ``key min max [options]``."""
    key, a_min, a_max = args[0], args[1], args[2]
    withscores = False
    offset, limit = 0, -1
    limit_given = False
    j = 3
    n = len(args)
    while j < n:
        o = args[j].lower()
        left = n - j - 1
        if o == b"withscores" and dest is None:
            withscores = True
        elif o == b"limit" and left >= 2:
            offset = parse_int(args[j + 1])
            limit = parse_int(args[j + 2])
            limit_given = True
            j += 2
        elif reverse is None and o == b"rev":
            reverse = True
        elif rangetype is None and o == b"bylex":
            rangetype = LEX
        elif rangetype is None and o == b"byscore":
            rangetype = SCORE
        else:
            raise CommandError(SYNTAX_ERROR)
        j += 1
    reverse = bool(reverse)
    rangetype = rangetype or RANK
    if limit_given and limit != -1 and rangetype == RANK:
        raise CommandError(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
        )
    if withscores and rangetype == LEX:
        raise CommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    if reverse and rangetype in (SCORE, LEX):
        a_min, a_max = a_max, a_min
    srange: ScoreRange | None = None
    lrange: tuple[LexBound, LexBound] | None = None
    start = end = 0
    if rangetype == RANK:
        start, end = parse_int(a_min), parse_int(a_max)
    elif rangetype == SCORE:
        srange = parse_score_range(a_min, a_max)
    else:
        lrange = parse_lex_range(a_min, a_max)
    z = ctx.db.lookup_read(key, None)
    if z is None:
        if dest is not None:
            return _store_result(ctx, dest, ZSet())
        return []
    if type(z) is not ZSet:
        raise WrongTypeError()
    if rangetype == RANK:
        lo, hi = rank_positions(len(z), start, end)
        if reverse:
            n = len(z)
            lo, hi = n - hi, n - lo
        entries = _entries(z, lo, hi, reverse)
    elif rangetype == SCORE:
        assert srange is not None
        lo, hi = score_positions(z, srange)
        entries = _apply_limit(z, lo, hi, reverse, offset, limit)
    else:
        assert lrange is not None
        entries = lex_walk(z, lrange[0], lrange[1], reverse, offset, limit)
    if dest is not None:
        settings = _settings(ctx)
        out = ZSet(lp=True)
        for s, m in entries:
            zset_add(out, m, s, settings, nx=True)
        return _store_result(ctx, dest, out)
    if withscores:
        return _with_scores(ctx, entries)
    return [m for _, m in entries]


@command(
    "ZRANGE",
    arity=-4,
    flags="readonly",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Return a range of members in a sorted set",
    since="1.2.0",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements returned.",
    history=[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("start", "string"),
        arg("stop", "string"),
        arg(
            "sortby",
            "oneof",
            optional=True,
            since="6.2.0",
            arguments=[
                arg("byscore", "pure-token", token="BYSCORE"),
                arg("bylex", "pure-token", token="BYLEX"),
            ],
        ),
        arg("rev", "pure-token", token="REV", optional=True, since="6.2.0"),
        arg(
            "offset_count",
            "block",
            token="LIMIT",
            optional=True,
            since="6.2.0",
            arguments=[
                arg("offset", "integer"),
                arg("count", "integer"),
            ],
        ),
        arg("withscores", "pure-token", token="WITHSCORES", optional=True),
    ],
)
def zrange(ctx: Client, *args: bytes) -> Any:
    """ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]"""
    return _zrange(ctx, args, None, None)


@command(
    "ZRANGESTORE",
    arity=-5,
    flags="write denyoom",
    keys=(1, 2, 1),
    acl="sortedset",
    summary="Store a range of members from sorted set into another key",
    since="6.2.0",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements stored into the destination key.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("OW", "update")),
        KeySpec(("index", 2), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("dst", "key", key_spec_index=0),
        arg("src", "key", key_spec_index=1),
        arg("min", "string"),
        arg("max", "string"),
        arg(
            "sortby",
            "oneof",
            optional=True,
            arguments=[
                arg("byscore", "pure-token", token="BYSCORE"),
                arg("bylex", "pure-token", token="BYLEX"),
            ],
        ),
        arg("rev", "pure-token", token="REV", optional=True),
        arg(
            "offset_count",
            "block",
            token="LIMIT",
            optional=True,
            arguments=[
                arg("offset", "integer"),
                arg("count", "integer"),
            ],
        ),
    ],
)
def zrangestore(ctx: Client, dst: bytes, *args: bytes) -> Any:
    """ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]"""
    return _zrange(ctx, args, None, None, dest=dst)


@command(
    "ZREVRANGE",
    arity=-4,
    flags="readonly",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Return a range of members in a sorted set, by index, with scores ordered from high "
    "to low",
    since="1.2.0",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements returned.",
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `REV` argument",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("start", "integer"),
        arg("stop", "integer"),
        arg("withscores", "pure-token", token="WITHSCORES", optional=True),
    ],
)
def zrevrange(ctx: Client, *args: bytes) -> Any:
    """ZREVRANGE key start stop [WITHSCORES]"""
    return _zrange(ctx, args, RANK, True)


@command(
    "ZRANGEBYSCORE",
    arity=-4,
    flags="readonly",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Return a range of members in a sorted set, by score",
    since="1.0.5",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements being returned. If M is constant (e.g. always asking for the first 10 "
    "elements with LIMIT), you can consider it O(log(N)).",
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `BYSCORE` argument",
    history=[("2.0.0", "Added the `WITHSCORES` modifier.")],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("min", "double"),
        arg("max", "double"),
        arg("withscores", "pure-token", token="WITHSCORES", optional=True, since="2.0.0"),
        arg(
            "offset_count",
            "block",
            token="LIMIT",
            optional=True,
            arguments=[
                arg("offset", "integer"),
                arg("count", "integer"),
            ],
        ),
    ],
)
def zrangebyscore(ctx: Client, *args: bytes) -> Any:
    """ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]"""
    return _zrange(ctx, args, SCORE, False)


@command(
    "ZREVRANGEBYSCORE",
    arity=-4,
    flags="readonly",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Return a range of members in a sorted set, by score, with scores ordered from high "
    "to low",
    since="2.2.0",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements being returned. If M is constant (e.g. always asking for the first 10 "
    "elements with LIMIT), you can consider it O(log(N)).",
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `REV` and `BYSCORE` arguments",
    history=[("2.1.6", "`min` and `max` can be exclusive.")],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("max", "double"),
        arg("min", "double"),
        arg("withscores", "pure-token", token="WITHSCORES", optional=True),
        arg(
            "offset_count",
            "block",
            token="LIMIT",
            optional=True,
            arguments=[
                arg("offset", "integer"),
                arg("count", "integer"),
            ],
        ),
    ],
)
def zrevrangebyscore(ctx: Client, *args: bytes) -> Any:
    """ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]"""
    return _zrange(ctx, args, SCORE, True)


@command(
    "ZRANGEBYLEX",
    arity=-4,
    flags="readonly",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Return a range of members in a sorted set, by lexicographical range",
    since="2.8.9",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements being returned. If M is constant (e.g. always asking for the first 10 "
    "elements with LIMIT), you can consider it O(log(N)).",
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `BYLEX` argument",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("min", "string"),
        arg("max", "string"),
        arg(
            "offset_count",
            "block",
            token="LIMIT",
            optional=True,
            arguments=[
                arg("offset", "integer"),
                arg("count", "integer"),
            ],
        ),
    ],
)
def zrangebylex(ctx: Client, *args: bytes) -> Any:
    """ZRANGEBYLEX key min max [LIMIT offset count]"""
    return _zrange(ctx, args, LEX, False)


@command(
    "ZREVRANGEBYLEX",
    arity=-4,
    flags="readonly",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Return a range of members in a sorted set, by lexicographical range, ordered from "
    "higher to lower strings.",
    since="2.8.9",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements being returned. If M is constant (e.g. always asking for the first 10 "
    "elements with LIMIT), you can consider it O(log(N)).",
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `REV` and `BYLEX` arguments",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("max", "string"),
        arg("min", "string"),
        arg(
            "offset_count",
            "block",
            token="LIMIT",
            optional=True,
            arguments=[
                arg("offset", "integer"),
                arg("count", "integer"),
            ],
        ),
    ],
)
def zrevrangebylex(ctx: Client, *args: bytes) -> Any:
    """ZREVRANGEBYLEX key max min [LIMIT offset count]"""
    return _zrange(ctx, args, LEX, True)


# -------------------------------------------------------------------------------------------------
# Commands: removal
# -------------------------------------------------------------------------------------------------


@command(
    "ZREM",
    arity=-3,
    flags="write fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Remove one or more members from a sorted set",
    since="1.2.0",
    group="sorted-set",
    complexity="O(M*log(N)) with N being the number of elements in the sorted set and M the "
    "number of elements to be removed.",
    history=[("2.4.0", "Accepts multiple elements.")],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "delete")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("member", "string", multiple=True),
    ],
)
def zrem(ctx: Client, key: bytes, *members: bytes) -> Any:
    """ZREM key member [member ...]"""
    z = ctx.db.lookup_write(key, ZSet)
    if z is None:
        return 0
    deleted = 0
    for m in members:
        if m in z.scores:
            z.delete(m)
            deleted += 1
            if not z.scores:
                break
    if deleted:
        _after_removal(ctx, key, z)
    return deleted


def _zremrange(ctx: Client, key: bytes, find: Callable[[ZSet], tuple[int, int]]) -> int:
    z = ctx.db.lookup_write(key, ZSet)
    if z is None:
        return 0
    lo, hi = find(z)
    if hi <= lo:
        return 0
    z.delete_positions(lo, hi)
    _after_removal(ctx, key, z)
    return hi - lo


@command(
    "ZREMRANGEBYRANK",
    arity=4,
    flags="write",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Remove all members in a sorted set within the given indexes",
    since="2.0.0",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements removed by the operation.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "delete")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("start", "integer"),
        arg("stop", "integer"),
    ],
)
def zremrangebyrank(ctx: Client, key: bytes, start: bytes, stop: bytes) -> Any:
    """ZREMRANGEBYRANK key start stop"""
    a, b = parse_int(start), parse_int(stop)
    return _zremrange(ctx, key, lambda z: rank_positions(len(z), a, b))


@command(
    "ZREMRANGEBYSCORE",
    arity=4,
    flags="write",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Remove all members in a sorted set within the given scores",
    since="1.2.0",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements removed by the operation.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "delete")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("min", "double"),
        arg("max", "double"),
    ],
)
def zremrangebyscore(ctx: Client, key: bytes, min_: bytes, max_: bytes) -> Any:
    """ZREMRANGEBYSCORE key min max"""
    rng = parse_score_range(min_, max_)
    return _zremrange(ctx, key, lambda z: score_positions(z, rng))


@command(
    "ZREMRANGEBYLEX",
    arity=4,
    flags="write",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Remove all members in a sorted set between the given lexicographical range",
    since="2.8.9",
    group="sorted-set",
    complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the "
    "number of elements removed by the operation.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "delete")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("min", "string"),
        arg("max", "string"),
    ],
)
def zremrangebylex(ctx: Client, key: bytes, min_: bytes, max_: bytes) -> Any:
    """ZREMRANGEBYLEX key min max"""
    lo, hi = parse_lex_range(min_, max_)
    return _zremrange(ctx, key, lambda z: lex_positions(z, lo, hi))


# -------------------------------------------------------------------------------------------------
# Commands: popping (blocking ones too)
# -------------------------------------------------------------------------------------------------

MIN, MAX = 0, 1


def _pop(ctx: Client, key: bytes, z: ZSet, where: int, count: int) -> list[tuple[float, bytes]]:
    n = len(z)
    count = min(count, n)
    if where == MIN:
        popped = z.delete_positions(0, count)
    else:
        popped = z.delete_positions(n - count, n)
        popped.reverse()
    _after_removal(ctx, key, z)
    return popped


def _pop_reply(ctx: Client, popped: list[tuple[float, bytes]], nested: bool) -> list[Any]:
    if nested:
        return [[m, Double(s)] for s, m in popped]
    out: list[Any] = []
    for s, m in popped:
        out.append(m)
        out.append(Double(s))
    return out


def _first_zset(ctx: Client, keys: Iterable[bytes]) -> tuple[bytes, ZSet] | None:
    """The first existing key (WRONGTYPE if it is not a sorted set), as ``genericZpopCommand``."""
    db = ctx.db
    for key in keys:
        v = db.lookup_write(key)
        if v is None:
            continue
        if type(v) is not ZSet:
            raise WrongTypeError()
        return key, v
    return None


def _zpop(ctx: Client, key: bytes, args: tuple[bytes, ...], where: int) -> Any:
    if len(args) > 1:
        raise CommandError(SYNTAX_ERROR)
    count = _positive(args[0]) if args else -1
    found = _first_zset(ctx, (key,))
    if found is None or count == 0:
        return []
    popped = _pop(ctx, key, found[1], where, 1 if count == -1 else count)
    return _pop_reply(ctx, popped, nested=ctx.resp3 and count != -1)


@command(
    "ZPOPMIN",
    arity=-2,
    flags="write fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Remove and return members with the lowest scores in a sorted set",
    since="5.0.0",
    group="sorted-set",
    complexity="O(log(N)*M) with N being the number of elements in the sorted set, and M being "
    "the number of elements popped.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("count", "integer", optional=True),
    ],
)
def zpopmin(ctx: Client, key: bytes, *args: bytes) -> Any:
    """ZPOPMIN key [count]"""
    return _zpop(ctx, key, args, MIN)


@command(
    "ZPOPMAX",
    arity=-2,
    flags="write fast",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Remove and return members with the highest scores in a sorted set",
    since="5.0.0",
    group="sorted-set",
    complexity="O(log(N)*M) with N being the number of elements in the sorted set, and M being "
    "the number of elements popped.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "delete")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("count", "integer", optional=True),
    ],
)
def zpopmax(ctx: Client, key: bytes, *args: bytes) -> Any:
    """ZPOPMAX key [count]"""
    return _zpop(ctx, key, args, MAX)


def _parse_mpop(args: tuple[bytes, ...]) -> tuple[list[bytes], int, int]:
    """``numkeys key [key ...] MIN | MAX [COUNT count]`` as ``zmpopGenericCommand`` reads it."""
    numkeys = _range_long(args[0], 1, LONG_MAX, "ERR numkeys should be greater than 0")
    where_idx = 1 + numkeys
    if where_idx >= len(args):
        raise CommandError(SYNTAX_ERROR)
    w = args[where_idx].lower()
    if w == b"min":
        where = MIN
    elif w == b"max":
        where = MAX
    else:
        raise CommandError(SYNTAX_ERROR)
    count = -1
    j = where_idx + 1
    while j < len(args):
        if count == -1 and args[j].lower() == b"count" and j + 1 < len(args):
            count = _range_long(args[j + 1], 1, LONG_MAX, "ERR count should be greater than 0")
            j += 2
        else:
            raise CommandError(SYNTAX_ERROR)
    return list(args[1:where_idx]), where, (1 if count == -1 else count)


def _mpop_now(ctx: Client, keys: list[bytes], where: int, count: int) -> Any:
    found = _first_zset(ctx, keys)
    if found is None:
        return None
    key, z = found
    return [key, _pop_reply(ctx, _pop(ctx, key, z, where, count), nested=True)]


@command(
    "ZMPOP",
    arity=-4,
    flags="write movablekeys",
    acl="sortedset",
    summary="Remove and return members with scores in a sorted set",
    since="7.0.0",
    group="sorted-set",
    complexity="O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
    "elements in the sorted set, and M being the number of elements popped.",
    key_specs=[
        KeySpec(("index", 1), ("keynum", 0, 1, 1), ("RW", "access", "delete")),
    ],
    arguments=[
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=0),
        arg(
            "where",
            "oneof",
            arguments=[
                arg("min", "pure-token", token="MIN"),
                arg("max", "pure-token", token="MAX"),
            ],
        ),
        arg("count", "integer", token="COUNT", optional=True),
    ],
)
def zmpop(ctx: Client, *args: bytes) -> Any:
    """ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]"""
    keys, where, count = _parse_mpop(args)
    r = _mpop_now(ctx, keys, where, count)
    return NULL_ARRAY if r is None else r


def _block_pop(
    ctx: Client,
    keys: list[bytes],
    ms: int,
    serve: Callable[[Client, bytes, ZSet], Any],
) -> Any:
    found = _first_zset(ctx, keys)
    if found is not None:
        return serve(ctx, found[0], found[1])

    def retry(c: Client, ready: bytes | None = None) -> Any:
        db = c.db
        for key in keys if ready is None else (ready,):
            v = db.lookup_write(key)
            if type(v) is ZSet and v:
                return serve(c, key, v)
        return BLOCKED

    # Redis adds the time to the timeout and may overflow; a century is forever enough
    return ctx.block(keys, min(ms, 100 * 365 * 86400 * 1000) / 1000.0, retry, NULL_ARRAY)


def _bzpop(ctx: Client, args: tuple[bytes, ...], where: int) -> Any:
    ms = parse_timeout_ms(args[-1])
    keys = list(args[:-1])

    def serve(c: Client, key: bytes, z: ZSet) -> Any:
        s, m = _pop(c, key, z, where, 1)[0]
        return [key, m, Double(s)]

    return _block_pop(ctx, keys, ms, serve)


@command(
    "BZPOPMIN",
    arity=-3,
    flags="write noscript blocking fast",
    keys=(1, -2, 1),
    acl="sortedset",
    summary="Remove and return the member with the lowest score from one or more sorted sets, or "
    "block until one is available",
    since="5.0.0",
    group="sorted-set",
    complexity="O(log(N)) with N being the number of elements in the sorted set.",
    history=[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
    key_specs=[
        KeySpec(("index", 1), ("range", -2, 1, 0), ("RW", "access", "delete")),
    ],
    arguments=[
        arg("key", "key", multiple=True, key_spec_index=0),
        arg("timeout", "double"),
    ],
)
def bzpopmin(ctx: Client, *args: bytes) -> Any:
    """BZPOPMIN key [key ...] timeout"""
    return _bzpop(ctx, args, MIN)


@command(
    "BZPOPMAX",
    arity=-3,
    flags="write noscript blocking fast",
    keys=(1, -2, 1),
    acl="sortedset",
    summary="Remove and return the member with the highest score from one or more sorted sets, or "
    "block until one is available",
    since="5.0.0",
    group="sorted-set",
    complexity="O(log(N)) with N being the number of elements in the sorted set.",
    history=[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")],
    key_specs=[
        KeySpec(("index", 1), ("range", -2, 1, 0), ("RW", "access", "delete")),
    ],
    arguments=[
        arg("key", "key", multiple=True, key_spec_index=0),
        arg("timeout", "double"),
    ],
)
def bzpopmax(ctx: Client, *args: bytes) -> Any:
    """BZPOPMAX key [key ...] timeout"""
    return _bzpop(ctx, args, MAX)


@command(
    "BZMPOP",
    arity=-5,
    flags="write blocking movablekeys",
    acl="sortedset",
    summary="Remove and return members with scores in a sorted set or block until one is available",
    since="7.0.0",
    group="sorted-set",
    complexity="O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
    "elements in the sorted set, and M being the number of elements popped.",
    key_specs=[
        KeySpec(("index", 2), ("keynum", 0, 1, 1), ("RW", "access", "delete")),
    ],
    arguments=[
        arg("timeout", "double"),
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=0),
        arg(
            "where",
            "oneof",
            arguments=[
                arg("min", "pure-token", token="MIN"),
                arg("max", "pure-token", token="MAX"),
            ],
        ),
        arg("count", "integer", token="COUNT", optional=True),
    ],
)
def bzmpop(ctx: Client, timeout: bytes, *args: bytes) -> Any:
    """BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]"""
    keys, where, count = _parse_mpop(args)
    ms = parse_timeout_ms(timeout)

    def serve(c: Client, key: bytes, z: ZSet) -> Any:
        return [key, _pop_reply(c, _pop(c, key, z, where, count), nested=True)]

    return _block_pop(ctx, keys, ms, serve)


# -------------------------------------------------------------------------------------------------
# Commands: random members and scanning
# -------------------------------------------------------------------------------------------------


@command(
    "ZRANDMEMBER",
    arity=-2,
    flags="readonly",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Get one or multiple random elements from a sorted set",
    since="6.2.0",
    group="sorted-set",
    complexity="O(N) where N is the number of elements returned",
    tips=["nondeterministic_output"],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg(
            "options",
            "block",
            optional=True,
            arguments=[
                arg("count", "integer"),
                arg("withscores", "pure-token", token="WITHSCORES", optional=True),
            ],
        ),
    ],
)
def zrandmember(ctx: Client, key: bytes, *args: bytes) -> Any:
    """ZRANDMEMBER key [count [WITHSCORES]]"""
    if not args:
        z = _read(ctx, key)
        if z is None:
            return None
        return z.sl[random.randrange(len(z))][1]
    n = _random_count(args[0])
    withscores = False
    if len(args) > 2 or (len(args) == 2 and args[1].lower() != b"withscores"):
        raise CommandError(SYNTAX_ERROR)
    if len(args) == 2:
        withscores = True
        if n < -(LONG_MAX // 2) or n > LONG_MAX // 2:  # C division truncates
            raise CommandError("ERR value is out of range")
    z = _read(ctx, key)
    if z is None or n == 0:
        return []
    size = len(z)
    sl = z.sl
    if n < 0 or n == 1:
        picked = [sl[random.randrange(size)] for _ in range(-n if n < 0 else 1)]
    elif n >= size:
        picked = list(reversed(sl))  # Redis's zset iterator walks from the tail
    else:
        idx = random.sample(range(size), n)
        if z.lp:
            idx.sort()  # a listpack returns its unique sample in its own order
        picked = [sl[i] for i in idx]
    if not withscores:
        return [m for _, m in picked]
    return _with_scores(ctx, picked)


def _parse_cursor(raw: bytes) -> int:
    """``parseScanCursorOrReply``: C ``strtoul`` (sign, leading zeros, wrap-around)."""
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
    return (-v) & (2**64 - 1) if neg else v


def _rev64(v: int) -> int:
    return int(f"{v:064b}"[::-1], 2)


def _buckets(z: ZSet) -> tuple[int, dict[int, list[bytes]]]:
    cache = z._cache
    if cache is not None and cache[0] == z.version:
        b: tuple[int, dict[int, list[bytes]]] = cache[1]
        return b
    size = 4
    while size < len(z):
        size <<= 1
    mask = size - 1
    buckets: dict[int, list[bytes]] = {}
    for m in z.scores:
        buckets.setdefault(hash(m) & mask, []).append(m)
    z._cache = (z.version, (mask, buckets))
    return mask, buckets


def _scan_table(z: ZSet, cursor: int, count: int) -> tuple[int, list[bytes]]:
    mask, buckets = _buckets(z)
    high = ~mask & (2**64 - 1)
    out: list[bytes] = []
    budget = count * 10
    while True:
        found = buckets.get(cursor & mask)
        if found:
            out.extend(found)
        cursor = _rev64((_rev64(cursor | high) + 1) & (2**64 - 1))
        budget -= 1
        if not cursor or budget <= 0 or len(out) >= count:
            return cursor, out


@command(
    "ZSCAN",
    arity=-3,
    flags="readonly",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Incrementally iterate sorted sets elements and associated scores",
    since="2.8.0",
    group="sorted-set",
    complexity="O(1) for every call. O(N) for a complete iteration, including enough command "
    "calls for the cursor to return back to 0. N is the number of elements inside the "
    "collection..",
    tips=["nondeterministic_output"],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("cursor", "integer"),
        arg("pattern", "pattern", token="MATCH", optional=True),
        arg("count", "integer", token="COUNT", optional=True),
    ],
)
def zscan(ctx: Client, key: bytes, cursor_arg: bytes, *options: bytes) -> Any:
    """ZSCAN key cursor [MATCH pattern] [COUNT count]"""
    cursor = _parse_cursor(cursor_arg)
    z = _read(ctx, key)
    if z is None:
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
    if z.lp:
        members = [m for _, m in z.sl]
        cursor = 0
    else:
        cursor, members = _scan_table(z, cursor, count)
    out: list[bytes] = []
    scores = z.scores
    fmt = _listpack_text if z.lp else format_double
    for m in members:
        if match is None or match(m):
            out.append(m)
            out.append(fmt(scores[m]))
    return [b"%d" % cursor, out]


_LP_INT_LIMIT = 4611686018427387904.0  # (double)(LLONG_MAX / 2)


def _listpack_text(score: float) -> bytes:
    """A score as a listpack holds it: an integer when ``double2ll`` allows, else ``%.17g``."""
    if -_LP_INT_LIMIT <= score <= _LP_INT_LIMIT and score == int(score):
        return b"%d" % int(score)
    return format_double(score)


# -------------------------------------------------------------------------------------------------
# Commands: union, intersection, difference
# -------------------------------------------------------------------------------------------------

SUM, AGG_MIN, AGG_MAX = 0, 1, 2
UNION, INTER, DIFF = "union", "inter", "diff"


class _Source:
    """One input of ZUNION/ZINTER/ZDIFF: a sorted set, a set (scores 1.0) or a missing key."""

    __slots__ = ("member_set", "members", "scores", "weight")

    def __init__(
        self,
        scores: dict[bytes, float] | None,
        members: list[bytes],
        member_set: set[bytes] | None = None,
    ) -> None:
        self.scores = scores
        self.members = members
        self.member_set = member_set
        self.weight = 1.0

    def __len__(self) -> int:
        return len(self.members)

    def get(self, m: bytes) -> float | None:
        if self.scores is not None:
            return self.scores.get(m)
        assert self.member_set is not None
        return 1.0 if m in self.member_set else None


def _load_source(ctx: Client, key: bytes, write: bool) -> _Source:
    db = ctx.db
    v = db.lookup_write(key) if write else db.lookup_read(key)
    if v is None:
        return _Source({}, [])
    if type(v) is ZSet:
        return _Source(v.scores, [m for _, m in v.sl])
    spec = ctx.server.registry.type_of(v)
    if spec.name == "set" and spec.to_rdb is not None:
        members = list(spec.to_rdb(v)[1])
        return _Source(None, members, set(members))
    raise WrongTypeError()


def _aggregate(acc: float, value: float, how: int) -> float:
    if how == SUM:
        acc = acc + value
        return 0.0 if acc != acc else acc
    if how == AGG_MIN:
        return value if value < acc else acc
    return value if value > acc else acc


def _weighted(weight: float, score: float) -> float:
    v = weight * score
    return 0.0 if v != v else v


def _zsetop(
    ctx: Client,
    cmdname: str,
    args: tuple[bytes, ...],
    op: str,
    dest: bytes | None,
) -> Any:
    """``zunionInterDiffGenericCommand``: ``args`` start at numkeys."""
    setnum = parse_int(args[0])
    if setnum < 1:
        raise CommandError(f"ERR at least 1 input key is needed for '{cmdname}' command")
    if setnum > len(args) - 1:
        raise CommandError(SYNTAX_ERROR)
    sources = [_load_source(ctx, k, dest is not None) for k in args[1 : 1 + setnum]]
    how = SUM
    withscores = False
    j = 1 + setnum
    n = len(args)
    while j < n:
        remaining = n - j
        o = args[j].lower()
        if op != DIFF and remaining >= setnum + 1 and o == b"weights":
            j += 1
            for src in sources:
                src.weight = parse_double(args[j], "ERR weight value is not a float")
                j += 1
        elif op != DIFF and remaining >= 2 and o == b"aggregate":
            a = args[j + 1].lower()
            if a == b"sum":
                how = SUM
            elif a == b"min":
                how = AGG_MIN
            elif a == b"max":
                how = AGG_MAX
            else:
                raise CommandError(SYNTAX_ERROR)
            j += 2
        elif dest is None and o == b"withscores":
            withscores = True
            j += 1
        else:
            raise CommandError(SYNTAX_ERROR)
    result: dict[bytes, float] = {}
    if op != DIFF:
        order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
        sources = [sources[i] for i in order]
    if op == INTER:
        first = sources[0]
        if len(first):
            for m in first.members:
                s0 = first.get(m)
                assert s0 is not None
                score = _weighted(first.weight, s0)
                for other in sources[1:]:
                    got = other.get(m)
                    if got is None:
                        break
                    # only the first input's product is cleaned of NaN, as in Redis
                    score = _aggregate(score, other.weight * got, how)
                else:
                    result[m] = score
    elif op == UNION:
        for src in sources:
            for m in src.members:
                s = src.get(m)
                assert s is not None
                score = _weighted(src.weight, s)
                if m in result:
                    result[m] = _aggregate(result[m], score, how)
                else:
                    result[m] = score
    else:
        first = sources[0]
        others = [s for s in sources[1:] if len(s)]
        for m in first.members:
            if any(o.get(m) is not None for o in others):
                continue
            s = first.get(m)
            assert s is not None
            result[m] = s
    if dest is not None:
        return _store_result(ctx, dest, new_zset(result.items(), _settings(ctx)))
    entries = sorted((s, m) for m, s in result.items())
    if withscores:
        return _with_scores(ctx, entries)
    return [m for _, m in entries]


@command(
    "ZUNION",
    arity=-3,
    flags="readonly movablekeys",
    acl="sortedset",
    summary="Add multiple sorted sets",
    since="6.2.0",
    group="sorted-set",
    complexity="O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and "
    "M being the number of elements in the resulting sorted set.",
    key_specs=[
        KeySpec(("index", 1), ("keynum", 0, 1, 1), ("RO", "access")),
    ],
    arguments=[
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=0),
        arg("weight", "integer", token="WEIGHTS", optional=True, multiple=True),
        arg(
            "aggregate",
            "oneof",
            token="AGGREGATE",
            optional=True,
            arguments=[
                arg("sum", "pure-token", token="SUM"),
                arg("min", "pure-token", token="MIN"),
                arg("max", "pure-token", token="MAX"),
            ],
        ),
        arg("withscores", "pure-token", token="WITHSCORES", optional=True),
    ],
)
def zunion(ctx: Client, *args: bytes) -> Any:
    """ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
    [WITHSCORES]"""
    return _zsetop(ctx, "zunion", args, UNION, None)


@command(
    "ZINTER",
    arity=-3,
    flags="readonly movablekeys",
    acl="sortedset",
    summary="Intersect multiple sorted sets",
    since="6.2.0",
    group="sorted-set",
    complexity="O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being "
    "the number of input sorted sets and M being the number of elements in the resulting sorted "
    "set.",
    key_specs=[
        KeySpec(("index", 1), ("keynum", 0, 1, 1), ("RO", "access")),
    ],
    arguments=[
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=0),
        arg("weight", "integer", token="WEIGHTS", optional=True, multiple=True),
        arg(
            "aggregate",
            "oneof",
            token="AGGREGATE",
            optional=True,
            arguments=[
                arg("sum", "pure-token", token="SUM"),
                arg("min", "pure-token", token="MIN"),
                arg("max", "pure-token", token="MAX"),
            ],
        ),
        arg("withscores", "pure-token", token="WITHSCORES", optional=True),
    ],
)
def zinter(ctx: Client, *args: bytes) -> Any:
    """ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
    [WITHSCORES]"""
    return _zsetop(ctx, "zinter", args, INTER, None)


@command(
    "ZDIFF",
    arity=-3,
    flags="readonly movablekeys",
    acl="sortedset",
    summary="Subtract multiple sorted sets",
    since="6.2.0",
    group="sorted-set",
    complexity="O(L + (N-K)log(N)) worst case where L is the total number of elements in all the "
    "sets, N is the size of the first set, and K is the size of the result set.",
    key_specs=[
        KeySpec(("index", 1), ("keynum", 0, 1, 1), ("RO", "access")),
    ],
    arguments=[
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=0),
        arg("withscores", "pure-token", token="WITHSCORES", optional=True),
    ],
)
def zdiff(ctx: Client, *args: bytes) -> Any:
    """ZDIFF numkeys key [key ...] [WITHSCORES]"""
    return _zsetop(ctx, "zdiff", args, DIFF, None)


@command(
    "ZUNIONSTORE",
    arity=-4,
    flags="write denyoom movablekeys",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Add multiple sorted sets and store the resulting sorted set in a new key",
    since="2.0.0",
    group="sorted-set",
    complexity="O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and "
    "M being the number of elements in the resulting sorted set.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("OW", "update")),
        KeySpec(("index", 2), ("keynum", 0, 1, 1), ("RO", "access")),
    ],
    arguments=[
        arg("destination", "key", key_spec_index=0),
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=1),
        arg("weight", "integer", token="WEIGHTS", optional=True, multiple=True),
        arg(
            "aggregate",
            "oneof",
            token="AGGREGATE",
            optional=True,
            arguments=[
                arg("sum", "pure-token", token="SUM"),
                arg("min", "pure-token", token="MIN"),
                arg("max", "pure-token", token="MAX"),
            ],
        ),
    ],
)
def zunionstore(ctx: Client, destination: bytes, *args: bytes) -> Any:
    """ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
    [AGGREGATE SUM | MIN | MAX]"""
    return _zsetop(ctx, "zunionstore", args, UNION, destination)


@command(
    "ZINTERSTORE",
    arity=-4,
    flags="write denyoom movablekeys",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Intersect multiple sorted sets and store the resulting sorted set in a new key",
    since="2.0.0",
    group="sorted-set",
    complexity="O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being "
    "the number of input sorted sets and M being the number of elements in the resulting sorted "
    "set.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("OW", "update")),
        KeySpec(("index", 2), ("keynum", 0, 1, 1), ("RO", "access")),
    ],
    arguments=[
        arg("destination", "key", key_spec_index=0),
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=1),
        arg("weight", "integer", token="WEIGHTS", optional=True, multiple=True),
        arg(
            "aggregate",
            "oneof",
            token="AGGREGATE",
            optional=True,
            arguments=[
                arg("sum", "pure-token", token="SUM"),
                arg("min", "pure-token", token="MIN"),
                arg("max", "pure-token", token="MAX"),
            ],
        ),
    ],
)
def zinterstore(ctx: Client, destination: bytes, *args: bytes) -> Any:
    """ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]]
    [AGGREGATE SUM | MIN | MAX]"""
    return _zsetop(ctx, "zinterstore", args, INTER, destination)


@command(
    "ZDIFFSTORE",
    arity=-4,
    flags="write denyoom movablekeys",
    keys=(1, 1, 1),
    acl="sortedset",
    summary="Subtract multiple sorted sets and store the resulting sorted set in a new key",
    since="6.2.0",
    group="sorted-set",
    complexity="O(L + (N-K)log(N)) worst case where L is the total number of elements in all the "
    "sets, N is the size of the first set, and K is the size of the result set.",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("OW", "update")),
        KeySpec(("index", 2), ("keynum", 0, 1, 1), ("RO", "access")),
    ],
    arguments=[
        arg("destination", "key", key_spec_index=0),
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=1),
    ],
)
def zdiffstore(ctx: Client, destination: bytes, *args: bytes) -> Any:
    """ZDIFFSTORE destination numkeys key [key ...]"""
    return _zsetop(ctx, "zdiffstore", args, DIFF, destination)


@command(
    "ZINTERCARD",
    arity=-3,
    flags="readonly movablekeys",
    acl="sortedset",
    summary="Intersect multiple sorted sets and return the cardinality of the result",
    since="7.0.0",
    group="sorted-set",
    complexity="O(N*K) worst case with N being the smallest input sorted set, K being the number "
    "of input sorted sets.",
    key_specs=[
        KeySpec(("index", 1), ("keynum", 0, 1, 1), ("RO", "access")),
    ],
    arguments=[
        arg("numkeys", "integer"),
        arg("key", "key", multiple=True, key_spec_index=0),
        arg("limit", "integer", token="LIMIT", optional=True),
    ],
)
def zintercard(ctx: Client, numkeys_arg: bytes, *args: bytes) -> Any:
    """ZINTERCARD numkeys key [key ...] [LIMIT limit]"""
    setnum = parse_int(numkeys_arg)
    if setnum < 1:
        raise CommandError("ERR at least 1 input key is needed for 'zintercard' command")
    if setnum > len(args):
        raise CommandError(SYNTAX_ERROR)
    sources = [_load_source(ctx, k, False) for k in args[:setnum]]
    limit = 0
    j = setnum
    while j < len(args):
        if args[j].lower() == b"limit" and j + 1 < len(args):
            limit = _positive(args[j + 1], "ERR LIMIT can't be negative")
            j += 2
        else:
            raise CommandError(SYNTAX_ERROR)
    sources.sort(key=len)
    first = sources[0]
    count = 0
    for m in first.members:
        if all(o is first or o.get(m) is not None for o in sources[1:]):
            count += 1
            if limit and count >= limit:
                break
    return count


# -------------------------------------------------------------------------------------------------
# Hooks
# -------------------------------------------------------------------------------------------------


@hookimpl
def register_types(register: Any) -> None:
    register(ZSET)


@hookimpl
def register_commands(register: Any) -> None:
    register(sys.modules[__name__])


@hookimpl
def register_config(register: Any, server: Any) -> None:
    settings = Settings()
    if server is not None:  # None when only the command line asks for options
        server.plugin_state["zsets"] = settings

    def set_entries(v: str) -> None:
        settings.max_entries = config_nonneg_int(v)

    def set_value(v: str) -> None:
        settings.max_value = config_memory(v)

    register(
        "zset-max-listpack-entries",
        lambda: str(settings.max_entries),
        set_entries,
        aliases=("zset-max-ziplist-entries",),
    )
    register(
        "zset-max-listpack-value",
        lambda: str(settings.max_value),
        set_value,
        aliases=("zset-max-ziplist-value",),
    )
