"""CRC-64/Jones, the checksum Redis puts at the end of RDB files and DUMP payloads.

Parameters (the Rocksoft model, catalogued as CRC-64/REDIS): width 64, polynomial
``0xad93d23594c935a9`` (normal form), input and output reflected, initial value 0, no
final XOR.  The check value, the CRC of ``b"123456789"``, is ``0xe9c6d914c4b8d9ca``.

Because the initial value is 0 and there is no final XOR the CRC is linear, which this
module uses twice:

* ``crc64(b, crc64(a)) == crc64(a + b)``: a running checksum is just the last value fed
  back in, so a writer never has to re-read what it wrote;
* a long buffer is cut into many equal *lanes* whose CRCs are computed side by side, one
  byte of every lane per step, with ``bytes.translate`` doing the table look-ups for all
  lanes at once in C; the lane CRCs are then joined with :func:`crc64_combine`'s
  "multiply by x^(8n) mod P" trick.  That keeps the pure-Python code an order of magnitude
  faster than a byte-at-a-time loop on large inputs.

If the optional ``crcmod`` (or ``crcmod-plus``) distribution with its C extension is
installed, :func:`crc64` uses it; :func:`crc64_pure` is always available and gives the
same results.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

__all__ = [
    "CHECK_VALUE",
    "POLY",
    "POLY_REFLECTED",
    "accelerated",
    "crc64",
    "crc64_combine",
    "crc64_pure",
]

POLY = 0xAD93D23594C935A9
"""The Jones polynomial in normal (MSB-first) form, without the x^64 term."""

POLY_REFLECTED = int(f"{POLY:064b}"[::-1], 2)
"""The same polynomial bit-reversed (``0x95ac9329ac4bc9b5``), as the LSB-first loop uses it."""

CHECK_VALUE = 0xE9C6D914C4B8D9CA
"""``crc64(b"123456789")``."""

_MASK64 = (1 << 64) - 1

Buffer = bytes | bytearray | memoryview


def _make_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ POLY_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE: list[int] = _make_table()

# Slicing-by-8 tables: _TABLES[k][b] is the CRC of byte b followed by k zero bytes.
_TABLES: list[list[int]] = [_TABLE]
for _k in range(1, 8):
    _prev = _TABLES[-1]
    _TABLES.append([(v >> 8) ^ _TABLE[v & 0xFF] for v in _prev])
del _k, _prev

# For the lane algorithm: _BYTE_TABLES[j] maps an index byte to byte j of _TABLE[index].
_BYTE_TABLES: list[bytes] = [bytes((v >> (8 * j)) & 0xFF for v in _TABLE) for j in range(8)]


def _crc_small(data: Buffer, crc: int) -> int:
    """Slicing-by-8 over 8-byte words, byte at a time for the tail."""
    mv = memoryview(data).cast("B")
    n = len(mv)
    words = n >> 3
    t0, t1, t2, t3, t4, t5, t6, t7 = _TABLES
    if words:
        for word in mv[: words * 8].cast("Q") if _LITTLE else _words_le(mv, words):
            v = crc ^ word
            crc = (
                t7[v & 0xFF]
                ^ t6[(v >> 8) & 0xFF]
                ^ t5[(v >> 16) & 0xFF]
                ^ t4[(v >> 24) & 0xFF]
                ^ t3[(v >> 32) & 0xFF]
                ^ t2[(v >> 40) & 0xFF]
                ^ t1[(v >> 48) & 0xFF]
                ^ t0[v >> 56]
            )
    for b in mv[words * 8 :]:
        crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def _words_le(mv: memoryview, words: int) -> list[int]:
    return [int.from_bytes(mv[i * 8 : i * 8 + 8], "little") for i in range(words)]


_LITTLE = memoryview(b"\x01\x00\x00\x00\x00\x00\x00\x00").cast("Q")[0] == 1


def _mulmod(a: int, b: int) -> int:
    """a(x) * b(x) mod P(x), both in the reflected representation (bit 63 is x^0)."""
    result = 0
    m = 1 << 63
    while a:
        if a & m:
            result ^= b
            a ^= m
        b = (b >> 1) ^ POLY_REFLECTED if b & 1 else b >> 1
        m >>= 1
    return result


@lru_cache(maxsize=64)
def _x_pow_8n(nbytes: int) -> int:
    """x^(8 * nbytes) mod P, reflected."""
    result = 1 << 63  # x^0
    square = 1 << 62  # x^1
    e = 8 * nbytes
    while e:
        if e & 1:
            result = _mulmod(result, square)
        square = _mulmod(square, square)
        e >>= 1
    return result


@lru_cache(maxsize=16)
def _shift_tables(nbytes: int) -> tuple[tuple[int, ...], ...]:
    """Eight 256-entry tables for "append nbytes zero bytes" applied to a CRC state."""
    factor = _x_pow_8n(nbytes)
    basis = [_mulmod(1 << bit, factor) for bit in range(64)]
    tables = []
    for j in range(8):
        table = [0] * 256
        for v in range(1, 256):
            low = v & -v
            table[v] = table[v ^ low] ^ basis[8 * j + low.bit_length() - 1]
        tables.append(tuple(table))
    return tuple(tables)


def crc64_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC of ``A + B`` given ``crc1 = crc64(A)``, ``crc2 = crc64(B)`` and ``len(B)``."""
    if len2 <= 0:
        return crc1 ^ crc2 if len2 == 0 else crc1
    return _mulmod(crc1, _x_pow_8n(len2)) ^ crc2


def _xor_bytes(a: bytes, b: bytes | memoryview) -> bytes:
    n = len(a)
    return (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(n, "little")


def _crc_lanes(data: Buffer, crc: int, step_count: int) -> int:
    """CRC of ``data`` cut into ``len(data) // step_count`` lanes of ``step_count`` bytes.

    The lanes advance together, one byte each per step; the tail that does not fill a lane
    is done byte-wise at the end.
    """
    mv = memoryview(data).cast("B")
    n = len(mv)
    lanes = n // step_count
    body = step_count * lanes
    block = bytes(mv[:body]) if not isinstance(data, bytes) or body != n else data

    # planes[j][i] is byte j of lane i's CRC state; lane 0 starts from the incoming crc.
    zero = bytes(lanes)
    planes = [
        ((crc >> (8 * j)) & 0xFF).to_bytes(1, "little") + zero[1:] if crc else zero
        for j in range(8)
    ]
    p0, p1, p2, p3, p4, p5, p6, p7 = (int.from_bytes(p, "little") for p in planes)
    b0, b1, b2, b3, b4, b5, b6, b7 = _BYTE_TABLES
    from_bytes = int.from_bytes
    for k in range(step_count):
        column = from_bytes(block[k:body:step_count], "little")
        idx = (p0 ^ column).to_bytes(lanes, "little")
        p0 = from_bytes(idx.translate(b0), "little") ^ p1
        p1 = from_bytes(idx.translate(b1), "little") ^ p2
        p2 = from_bytes(idx.translate(b2), "little") ^ p3
        p3 = from_bytes(idx.translate(b3), "little") ^ p4
        p4 = from_bytes(idx.translate(b4), "little") ^ p5
        p5 = from_bytes(idx.translate(b5), "little") ^ p6
        p6 = from_bytes(idx.translate(b6), "little") ^ p7
        p7 = from_bytes(idx.translate(b7), "little")

    # Interleave the planes back into one little-endian 64-bit state per lane.
    states = bytearray(8 * lanes)
    for j, plane in enumerate((p0, p1, p2, p3, p4, p5, p6, p7)):
        states[j::8] = plane.to_bytes(lanes, "little")
    s0, s1, s2, s3, s4, s5, s6, s7 = _shift_tables(step_count)
    words = memoryview(states).cast("Q") if _LITTLE else _words_le(memoryview(states), lanes)
    it = iter(words)
    acc = next(it)
    for lane_crc in it:
        acc = (
            s0[acc & 0xFF]
            ^ s1[(acc >> 8) & 0xFF]
            ^ s2[(acc >> 16) & 0xFF]
            ^ s3[(acc >> 24) & 0xFF]
            ^ s4[(acc >> 32) & 0xFF]
            ^ s5[(acc >> 40) & 0xFF]
            ^ s6[(acc >> 48) & 0xFF]
            ^ s7[acc >> 56]
            ^ lane_crc
        )
    return _crc_small(mv[body:], acc) if body != n else acc


_LANES_THRESHOLD = 2048


def crc64_pure(data: Buffer, crc: int = 0) -> int:
    """CRC-64/Jones of ``data`` continuing from ``crc`` (0 to start), in pure Python."""
    crc &= _MASK64
    n = memoryview(data).nbytes
    if n < _LANES_THRESHOLD:
        return _crc_small(data, crc)
    # About sqrt(n / 2) steps of about sqrt(2 n) lanes each; a power of two so that the
    # "skip one lane" tables computed for the final combination are reused from the cache.
    steps = 1 << max(5, round(math.log2(math.sqrt(n / 2))))
    return _crc_lanes(data, crc, steps)


def _load_accelerator() -> Callable[[Buffer, int], int] | None:
    try:
        import crcmod  # type: ignore[import-not-found, import-untyped, unused-ignore]
        import crcmod._crcfunext  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except Exception:  # pragma: no cover - depends on the environment
        return None
    try:
        fn = crcmod.mkCrcFun(1 << 64 | POLY, initCrc=0, rev=True, xorOut=0)
        if fn(b"123456789") != CHECK_VALUE or fn(b"56789", fn(b"1234")) != CHECK_VALUE:
            return None  # pragma: no cover
    except Exception:  # pragma: no cover
        return None

    def accel(data: Buffer, crc: int = 0) -> int:
        return int(fn(data, crc & _MASK64))

    return accel


_accel = _load_accelerator()

accelerated: bool = _accel is not None
"""True when a C implementation (``crcmod``'s extension) backs :func:`crc64`."""


def crc64(data: Buffer, crc: int = 0) -> int:
    """CRC-64/Jones of ``data``, continuing from ``crc`` (use 0, the default, to start).

    ``crc64(b, crc64(a)) == crc64(a + b)``.  Uses the C accelerator when available.
    """
    if _accel is not None:
        return _accel(data, crc)
    return crc64_pure(data, crc)
