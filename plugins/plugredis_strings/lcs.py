"""LCS: the longest common subsequence of two strings.

Redis fills an ``(alen+1) x (blen+1)`` table of LCS lengths and walks it back from the bottom
right corner.  Here the table is kept in bit-parallel form (Crochemore et al., 2001): row ``i`` is
one integer ``V[i]`` of ``blen`` bits in which bit ``j`` is 0 exactly when
``LCS(i, j+1) = LCS(i, j) + 1``, so ``LCS(i, j)`` is the number of zero bits among the ``j``
lowest bits of ``V[i]``.  Building a row costs a few big-integer operations instead of ``blen``
Python steps, and the walk back takes the very same path as Redis's (same tie-breaking), so the
string, the ranges and their order are Redis's.
"""

from __future__ import annotations

from typing import Any

from plugredis import SYNTAX_ERROR, Client, CommandError, KeySpec, Map, arg, command, parse_int

from .common import copt


def lcs_rows(a: bytes, b: bytes, keep: bool = True) -> list[int]:
    """The bit-parallel rows ``V[0..len(a)]`` of the LCS table of ``a`` and ``b``.

    With ``keep=False`` only the first and the last row are returned (enough for the length).
    """
    m = len(b)
    full = (1 << m) - 1
    masks: dict[int, int] = {}
    for c in set(a):
        table = bytes(0x31 if i == c else 0x30 for i in range(256))
        masks[c] = int(b.translate(table)[::-1], 2) if m else 0
    rows = [full]
    v = full
    for c in a:
        u = v & masks[c]
        v = ((v + u) | (v - u)) & full
        if keep:
            rows.append(v)
    if not keep:
        rows.append(v)
    return rows


def lcs_table_value(rows: list[int], i: int, j: int) -> int:
    """``LCS(a[:i], b[:j])``."""
    return j - (rows[i] & ((1 << j) - 1)).bit_count()


@command(
    "LCS",
    arity=-3,
    flags="readonly",
    keys=(1, 2, 1),
    acl="string",
    summary="Find longest common substring",
    since="7.0.0",
    group="string",
    complexity="O(N*M) where N and M are the lengths of s1 and s2, respectively",
    key_specs=[
        KeySpec(("index", 1), ("range", 1, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key1", "key", key_spec_index=0),
        arg("key2", "key", key_spec_index=0),
        arg("len", "pure-token", token="LEN", optional=True),
        arg("idx", "pure-token", token="IDX", optional=True),
        arg("len", "integer", token="MINMATCHLEN", optional=True),
        arg("withmatchlen", "pure-token", token="WITHMATCHLEN", optional=True),
    ],
)
def lcs(ctx: Client, key1: bytes, key2: bytes, *options: bytes) -> Any:
    """LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]"""
    db = ctx.db
    a = db.lookup_read(key1)
    b = db.lookup_read(key2)
    if (a is not None and type(a) is not bytes) or (b is not None and type(b) is not bytes):
        raise CommandError("ERR The specified keys must contain string values")
    a = a or b""
    b = b or b""
    getlen = getidx = withmatchlen = False
    minmatchlen = 0
    j = 0
    while j < len(options):
        opt = copt(options[j])
        if opt == b"IDX":
            getidx = True
        elif opt == b"LEN":
            getlen = True
        elif opt == b"WITHMATCHLEN":
            withmatchlen = True
        elif opt == b"MINMATCHLEN" and j + 1 < len(options):
            minmatchlen = max(parse_int(options[j + 1]), 0)
            j += 1
        else:
            raise CommandError(SYNTAX_ERROR)
        j += 1
    if getidx and getlen:
        raise CommandError("ERR If you want both the length and indexes, please just use IDX.")
    alen, blen = len(a), len(b)
    if (alen + 1) * (blen + 1) * 4 > ctx.server.proto_max_bulk_len:
        raise CommandError(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
        )
    if getlen and not getidx:
        return lcs_table_value(lcs_rows(a, b, keep=False), 1, blen)
    rows = lcs_rows(a, b)
    total = lcs_table_value(rows, alen, blen)
    result = bytearray(total)
    matches: list[Any] = []
    idx = total
    i, j = alen, blen
    unset = alen  # arange_start == alen: no range is being tracked (as in Redis)
    arange_start, arange_end, brange_start, brange_end = unset, 0, 0, 0
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            result[idx - 1] = a[i - 1]
            if arange_start == unset:
                arange_start = arange_end = i - 1
                brange_start = brange_end = j - 1
            elif arange_start == i and brange_start == j:
                arange_start -= 1
                brange_start -= 1
            else:
                emit = True
            if arange_start == 0 or brange_start == 0:
                emit = True
            idx -= 1
            i -= 1
            j -= 1
        else:
            if lcs_table_value(rows, i - 1, j) > lcs_table_value(rows, i, j - 1):
                i -= 1
            else:
                j -= 1
            if arange_start != unset:
                emit = True
        if emit:
            match_len = arange_end - arange_start + 1
            if getidx and (minmatchlen == 0 or match_len >= minmatchlen):
                item: list[Any] = [[arange_start, arange_end], [brange_start, brange_end]]
                if withmatchlen:
                    item.append(match_len)
                matches.append(item)
            arange_start = unset
    if getidx:
        return Map({b"matches": matches, b"len": total})
    return bytes(result)
