"""SCAN-family helpers: Redis's cursor parsing and a reverse-binary table scan over a Python set.

Redis walks a hash table bucket by bucket with a reverse-binary cursor (``dictScan``), which
guarantees that an element present for a whole iteration is returned at least once even if the
table grows or shrinks between calls.  Here the buckets are those of a power-of-two table over
Python's ``hash()``, built once per version of the value and cached on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from plugredis import SYNTAX_ERROR, CommandError, compile_glob, parse_int

__all__ = ["parse_cursor", "parse_scan_options", "scan_table"]

_U64 = 2**64 - 1


def parse_cursor(raw: bytes) -> int:
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
    if v > _U64:
        raise CommandError("ERR invalid cursor")
    return (-v) & _U64 if neg else v


def parse_scan_options(options: tuple[bytes, ...]) -> tuple[int, Callable[[bytes], bool] | None]:
    """COUNT and MATCH of SSCAN/HSCAN/ZSCAN: (count, matcher or None for "everything")."""
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
    return count, match


def _rev64(v: int) -> int:
    return int(f"{v:064b}"[::-1], 2)


def buckets_of(elements: Iterable[bytes], size: int) -> tuple[int, dict[int, list[bytes]]]:
    table = 4
    while table < size:
        table <<= 1
    mask = table - 1
    buckets: dict[int, list[bytes]] = {}
    for e in elements:
        buckets.setdefault(hash(e) & mask, []).append(e)
    return mask, buckets


def scan_table(
    buckets: tuple[int, dict[int, list[bytes]]], cursor: int, count: int
) -> tuple[int, list[bytes]]:
    """One step of ``dictScan``: visit buckets from ``cursor`` until ``count`` elements are found
    (or ``10 * count`` buckets were visited); returns (next cursor, elements)."""
    mask, table = buckets
    out: list[bytes] = []
    budget = count * 10
    high = ~mask & _U64
    while True:
        found = table.get(cursor & mask)
        if found:
            out.extend(found)
        cursor = _rev64((_rev64(cursor | high) + 1) & _U64)
        budget -= 1
        if not cursor or budget <= 0 or len(out) >= count:
            return cursor, out
