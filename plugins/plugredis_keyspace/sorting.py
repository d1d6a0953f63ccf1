"""SORT and SORT_RO, for any registered type, following Redis 7.0's semantics.

Values are read only through their :class:`~plugredis.TypeSpec` (never by importing the plugin
that owns them), by the type's ``name``:

* the key to sort must hold a ``"list"``, ``"set"`` or ``"zset"`` (anything else is WRONGTYPE).
  A list or set is read as an iterable of its members (list order / set iteration order); a
  sorted set through its ``to_rdb`` form, ``(member, score)`` pairs, put in natural order here
  (by score, then member), falling back to ``items()`` when the type has no ``to_rdb``;
* a ``BY``/``GET`` pattern ``k_*`` reads the key ``k_<element>`` when it holds a ``"string"``
  (``bytes``); a pattern ``h_*->field`` reads ``field`` of the key ``h_<element>`` when it holds
  a ``"hash"``, read as a mapping (``value.get(field)``), falling back to its ``to_rdb`` dict;
* ``STORE`` builds a ``"list"`` value with that type's ``from_rdb("list", [members])``.

Documented differences from Redis: Redis sorts with the C library's ``qsort`` (stable merge sort
in glibc) and, for ``BY`` with a ``LIMIT`` smaller than the input, with its own partial quicksort,
which is not stable; plugredis always sorts stably, so elements whose sort keys are *equal* (only
possible with ``ALPHA`` and ``BY``) may come out in another order under ``BY ... LIMIT``.  Set
members are loaded in Python's set order, not Redis's hash-table order, which matters only where
Redis's output is itself unordered (``BY nosort`` on a set, or ties).
"""

from __future__ import annotations

import math
import re
from typing import Any

from plugredis import SYNTAX_ERROR, CommandError, WrongTypeError, parse_int

__all__ = ["sort_command", "sort_getkeys", "sort_score"]

_WS = b" \t\n\v\f\r"
_DEC = re.compile(rb"[+-]?(\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_HEX = re.compile(rb"[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?")
_INF = re.compile(rb"([+-]?)(?:inf|infinity)", re.IGNORECASE)
_NONZERO_DEC = re.compile(rb"[1-9]")
_NONZERO_HEX = re.compile(rb"[1-9a-fA-F]")
_MIN_NORMAL = 2.2250738585072014e-308

SCORE_ERROR = "ERR One or more scores can't be converted into double"

_SORTABLE = ("list", "set", "zset")


def cstr(raw: bytes) -> bytes:
    """What C string functions see of ``raw``: the bytes before the first NUL."""
    i = raw.find(b"\0")
    return raw if i < 0 else raw[:i]


def sort_score(raw: bytes) -> float | None:
    """The score of ``raw`` as SORT computes it (C ``strtod`` on the whole string), or None.

    None where Redis reports a conversion error: trailing garbage, NaN, overflow, or a result that
    underflows (``strtod`` sets ``ERANGE`` for zero-rounded and subnormal results).  As in C,
    leading white space is skipped, hexadecimal floats and ``inf``/``infinity`` are accepted, the
    string ends at its first NUL, and the empty string is 0.
    """
    s = cstr(raw)
    if not s:
        return 0.0
    t = s.lstrip(_WS)
    m = _DEC.fullmatch(t)
    if m is not None:
        v = float(t)
        nonzero = _NONZERO_DEC.search(m.group(1)) is not None
    else:
        m = _HEX.fullmatch(t)
        if m is not None:
            try:
                v = float.fromhex(t.decode("ascii"))
            except OverflowError:
                return None
            nonzero = _NONZERO_HEX.search(m.group(1)) is not None
        else:
            m = _INF.fullmatch(t)
            if m is None:
                return None
            return -math.inf if m.group(1) == b"-" else math.inf
    if math.isinf(v):
        return None
    if (v == 0.0 and nonzero) or (v != 0.0 and abs(v) < _MIN_NORMAL):
        return None
    return v


# -- reading values through their TypeSpec --------------------------------------------------------


def _as_bytes(v: Any) -> bytes:
    if isinstance(v, bytes):
        return v
    if isinstance(v, bytearray | memoryview):
        return bytes(v)
    if isinstance(v, int | float):
        return str(v).encode()
    return bytes(v)


def _elements(spec: Any, value: Any) -> list[bytes]:
    """The members of a list/set/zset value, in the order SORT loads them."""
    if spec.name == "zset":
        pairs = list(spec.to_rdb(value)[1]) if spec.to_rdb is not None else list(value.items())
        pairs.sort(key=lambda p: (float(p[1]), _as_bytes(p[0])))
        return [_as_bytes(m) for m, _ in pairs]
    return [_as_bytes(m) for m in value]


def _string_of(spec: Any, value: Any) -> bytes | None:
    if spec.name != "string":
        return None
    if isinstance(value, bytes):
        return value
    if spec.to_rdb is not None:
        return _as_bytes(spec.to_rdb(value)[1])
    return _as_bytes(value)


def _hash_field(spec: Any, value: Any, field: bytes) -> bytes | None:
    if spec.name != "hash":
        return None
    get = getattr(value, "get", None)
    if get is None and spec.to_rdb is not None:
        get = spec.to_rdb(value)[1].get
    if get is None:
        return None
    v = get(field)
    return None if v is None else _as_bytes(v)


def lookup_by_pattern(ctx: Any, pattern: bytes, subst: bytes) -> bytes | None:
    """The value a BY/GET ``pattern`` names for the element ``subst`` (None if there is none).

    ``#`` is the element itself; the first ``*`` is replaced by the element; ``->field`` after
    it reads a hash field.  Like Redis, the search for ``*`` and ``->`` stops at a NUL byte while
    the key and field names use the whole pattern.
    """
    if pattern[:1] == b"#" and (len(pattern) == 1 or pattern[1] == 0):
        return subst
    c = cstr(pattern)
    star = c.find(b"*")
    if star < 0:
        return None
    arrow = c.find(b"->", star + 1)
    if arrow >= 0 and arrow + 2 < len(c):
        field: bytes | None = pattern[arrow + 2 :]
        postfix = pattern[star + 1 : arrow]
    else:
        field = None
        postfix = pattern[star + 1 :]
    key = pattern[:star] + subst + postfix
    value = ctx.db.lookup_read(key)
    if value is None:
        return None
    spec = ctx.server.registry.type_of(value)
    if field is None:
        return _string_of(spec, value)
    return _hash_field(spec, value, field)


# -- the command ----------------------------------------------------------------------------------


def sort_command(ctx: Any, args: tuple[bytes, ...], readonly: bool) -> Any:
    """SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
    [STORE destination] (no STORE for SORT_RO)."""
    desc = alpha = dontsort = False
    limit_start, limit_count = 0, -1
    sortby: bytes | None = None
    store: bytes | None = None
    gets: list[bytes] = []
    n = len(args)
    j = 1
    while j < n:
        opt = cstr(args[j]).lower()
        left = n - j - 1
        if opt == b"asc":
            desc = False
        elif opt == b"desc":
            desc = True
        elif opt == b"alpha":
            alpha = True
        elif opt == b"limit" and left >= 2:
            limit_start = parse_int(args[j + 1])
            limit_count = parse_int(args[j + 2])
            j += 2
        elif not readonly and opt == b"store" and left >= 1:
            store = args[j + 1]
            j += 1
        elif opt == b"by" and left >= 1:
            sortby = args[j + 1]
            if b"*" not in cstr(sortby):
                dontsort = True
            j += 1
        elif opt == b"get" and left >= 1:
            gets.append(args[j + 1])
            j += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        j += 1

    db = ctx.db
    registry = ctx.server.registry
    value = db.lookup_read(args[0])
    if value is None:
        kind = "list"
        elements: list[bytes] = []
    else:
        spec = registry.type_of(value)
        kind = spec.name
        if kind not in _SORTABLE:
            raise WrongTypeError()
        elements = _elements(spec, value)

    if dontsort and kind == "set" and store is not None:
        # a set has no order of its own: SORT ... STORE must be deterministic, so sort it
        dontsort = False
        alpha = True
        sortby = None

    total = len(elements)
    start = max(limit_start, 0)
    end = total - 1 if limit_count < 0 else start + limit_count - 1
    if start >= total:
        start = total - 1
        end = total - 2
    if end >= total:
        end = total - 1

    if dontsort:
        if desc and kind != "set":
            elements.reverse()
    else:
        conversion_error = False
        keyed: list[tuple[Any, bytes]] = []
        for elem in elements:
            by = lookup_by_pattern(ctx, sortby, elem) if sortby is not None else elem
            sort_key: Any
            if alpha:
                if sortby is None:
                    sort_key = elem if store is not None else cstr(elem)
                elif by is None:
                    sort_key = (0, b"")
                else:
                    sort_key = (1, by if store is not None else cstr(by))
            else:
                score = 0.0
                if by is not None:
                    s = sort_score(by)
                    if s is None:
                        conversion_error = True
                    else:
                        score = s
                sort_key = (score, elem)
            keyed.append((sort_key, elem))
        if conversion_error:
            raise CommandError(SCORE_ERROR)
        keyed.sort(key=lambda p: p[0], reverse=desc)
        elements = [e for _, e in keyed]

    chosen = elements[start : end + 1] if end >= start else []
    if store is None:
        if not gets:
            return chosen
        out: list[bytes | None] = []
        for elem in chosen:
            for pat in gets:
                out.append(lookup_by_pattern(ctx, pat, elem))
        return out

    if gets:
        items = []
        for elem in chosen:
            for pat in gets:
                v = lookup_by_pattern(ctx, pat, elem)
                items.append(b"" if v is None else v)
    else:
        items = chosen
    if items:
        list_spec = registry.types.get("list")
        if list_spec is None or list_spec.from_rdb is None:
            raise CommandError("ERR SORT STORE needs a loaded plugin with the 'list' type")
        db.set(store, list_spec.from_rdb("list", items))
    else:
        db.delete(store)
    return len(items)


_SKIP = {b"limit": 2, b"get": 1, b"by": 1}


def sort_getkeys(argv: list[bytes]) -> list[int]:
    """Key positions of a SORT call (COMMAND GETKEYS): the sorted key, and the last STORE key."""
    keys = [1]
    store = None
    i = 2
    n = len(argv)
    while i < n:
        opt = cstr(argv[i]).lower()
        if opt in _SKIP:
            i += _SKIP[opt]
        elif opt == b"store" and i + 1 < n:
            store = i + 1
        i += 1
    if store is not None:
        keys.append(store)
    return keys
