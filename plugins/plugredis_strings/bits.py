"""Bitmaps: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO.

Bit 0 is the most significant bit of the first byte, as in Redis.  Values are immutable
``bytes``: a write builds the new string in one copy.  Counting turns the bytes involved into one
Python integer (``int.from_bytes(...).bit_count()``); BITPOS skips runs of 0x00/0xff bytes chunk
by chunk with ``bytes`` comparisons, so both run at C speed.
"""

from __future__ import annotations

from typing import Any

from plugredis import (
    SYNTAX_ERROR,
    Client,
    CommandError,
    KeySpec,
    arg,
    command,
    parse_int,
)

from .common import copt, edited

BIT_OFFSET_ERROR = "ERR bit offset is not an integer or out of range"
BIT_VALUE_ERROR = "ERR bit is not an integer or out of range"
BITFIELD_TYPE_ERROR = (
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is."
)

_U64 = 1 << 64


def bit_offset(ctx: Client, raw: bytes, bits: int = 0) -> int:
    """A bit offset argument (Redis's ``getBitOffsetFromArgument``).

    With ``bits`` (BITFIELD), ``#n`` means ``n * bits``; the product wraps around like C's
    64-bit arithmetic.  Offsets must address a byte below ``proto-max-bulk-len``.
    """
    hashed = bits > 0 and raw[:1] == b"#"
    value = parse_int(raw[1:] if hashed else raw, BIT_OFFSET_ERROR)
    if hashed:
        value = (value * bits + (1 << 63)) % _U64 - (1 << 63)
    if value < 0 or (value >> 3) >= ctx.server.proto_max_bulk_len:
        raise CommandError(BIT_OFFSET_ERROR)
    return value


def _string_for_bits(ctx: Client, key: bytes, maxbit: int) -> tuple[bytearray, bool]:
    """The value at ``key`` as a bytearray at least ``maxbit // 8 + 1`` bytes long (zero-padded);
    the flag says whether it was created or grown (Redis's ``lookupStringForBitCommand``)."""
    need = (maxbit >> 3) + 1
    old = ctx.db.lookup_write(key, bytes)
    if old is None:
        return bytearray(need), True
    buf = bytearray(old)
    if len(buf) < need:
        buf.extend(bytes(need - len(buf)))
        return buf, True
    return buf, False


@command(
    "SETBIT",
    arity=4,
    flags="write denyoom",
    keys=(1, 1, 1),
    acl="bitmap",
    summary="Sets or clears the bit at offset in the string value stored at key",
    since="2.2.0",
    group="bitmap",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "access", "update")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("offset", "integer"),
        arg("value", "integer"),
    ],
)
def setbit(ctx: Client, key: bytes, offset_raw: bytes, value_raw: bytes) -> Any:
    """SETBIT key offset value"""
    offset = bit_offset(ctx, offset_raw)
    on = parse_int(value_raw, BIT_VALUE_ERROR)
    if on not in (0, 1):
        raise CommandError(BIT_VALUE_ERROR)
    db = ctx.db
    byte = offset >> 3
    shift = 7 - (offset & 7)
    old = db.lookup_write(key, bytes)
    if old is not None and byte < len(old):
        byteval = old[byte]
        bitval = (byteval >> shift) & 1
        if bitval != on:
            byteval ^= 1 << shift
            # one copy of the string (slices of a memoryview copy nothing)
            mv = memoryview(old)
            new = b"".join((mv[:byte], bytes((byteval,)), mv[byte + 1 :]))
            db.set(key, edited(new), keep_ttl=True)
        else:
            edited(old)  # unchanged, yet Redis made it an unshared (raw) string
        return bitval
    # the string grows (or is created): zero padding, then the bit
    prefix = old if old is not None else b""
    tail = bytes((on << shift,))
    db.set(key, edited(prefix + bytes(byte - len(prefix)) + tail), keep_ttl=True)
    return 0


@command(
    "GETBIT",
    arity=3,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="bitmap",
    summary="Returns the bit value at offset in the string value stored at key",
    since="2.2.0",
    group="bitmap",
    complexity="O(1)",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("offset", "integer"),
    ],
)
def getbit(ctx: Client, key: bytes, offset_raw: bytes) -> Any:
    """GETBIT key offset"""
    offset = bit_offset(ctx, offset_raw)
    v = ctx.db.lookup_read(key, bytes)
    if v is None:
        return 0
    byte = offset >> 3
    if byte >= len(v):
        return 0
    return (v[byte] >> (7 - (offset & 7))) & 1


def _bit_slice(v: bytes, start: int, end: int) -> int:
    """Bits ``start..end`` (inclusive, bit 0 = MSB of byte 0) of ``v`` as an integer whose
    most significant of ``end - start + 1`` bits is bit ``start``."""
    sb = start >> 3
    eb = end >> 3
    n = int.from_bytes(v[sb : eb + 1], "big")
    n >>= 7 - (end & 7)
    return n & ((1 << (end - start + 1)) - 1)


def _unit(raw: bytes) -> bool:
    """True for BIT, False for BYTE; a syntax error otherwise."""
    u = copt(raw)
    if u == b"BIT":
        return True
    if u == b"BYTE":
        return False
    raise CommandError(SYNTAX_ERROR)


@command(
    "BITCOUNT",
    arity=-2,
    flags="readonly",
    keys=(1, 1, 1),
    acl="bitmap",
    summary="Count set bits in a string",
    since="2.6.0",
    group="bitmap",
    complexity="O(N)",
    history=[("7.0.0", "Added the `BYTE|BIT` option.")],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg(
            "index",
            "block",
            optional=True,
            arguments=[
                arg("start", "integer"),
                arg("end", "integer"),
                arg(
                    "index_unit",
                    "oneof",
                    optional=True,
                    since="7.0.0",
                    arguments=[
                        arg("byte", "pure-token", token="BYTE"),
                        arg("bit", "pure-token", token="BIT"),
                    ],
                ),
            ],
        ),
    ],
)
def bitcount(ctx: Client, key: bytes, *args: bytes) -> Any:
    """BITCOUNT key [start end [BYTE | BIT]]"""
    v = ctx.db.lookup_read(key, bytes)
    if v is None:
        return 0
    n = len(v)
    if not args:
        return int.from_bytes(v, "big").bit_count()
    if len(args) not in (2, 3):
        raise CommandError(SYNTAX_ERROR)
    start = parse_int(args[0])
    end = parse_int(args[1])
    if start < 0 and end < 0 and start > end:
        return 0  # (checked before the unit, as Redis 7.0 does)
    isbit = _unit(args[2]) if len(args) == 3 else False
    total = n * 8 if isbit else n
    if start < 0:
        start = max(total + start, 0)
    if end < 0:
        end = max(total + end, 0)
    if end >= total:
        end = total - 1
    if start > end:
        return 0
    if isbit:
        return _bit_slice(v, start, end).bit_count()
    return int.from_bytes(v[start : end + 1], "big").bit_count()


@command(
    "BITPOS",
    arity=-3,
    flags="readonly",
    keys=(1, 1, 1),
    acl="bitmap",
    summary="Find first bit set or clear in a string",
    since="2.8.7",
    group="bitmap",
    complexity="O(N)",
    history=[("7.0.0", "Added the `BYTE|BIT` option.")],
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg("bit", "integer"),
        arg(
            "index",
            "block",
            optional=True,
            arguments=[
                arg("start", "integer"),
                arg(
                    "end_index",
                    "block",
                    optional=True,
                    arguments=[
                        arg("end", "integer"),
                        arg(
                            "index_unit",
                            "oneof",
                            optional=True,
                            since="7.0.0",
                            arguments=[
                                arg("byte", "pure-token", token="BYTE"),
                                arg("bit", "pure-token", token="BIT"),
                            ],
                        ),
                    ],
                ),
            ],
        ),
    ],
)
def bitpos(ctx: Client, key: bytes, bit_raw: bytes, *args: bytes) -> Any:
    """BITPOS key bit [start [end [BYTE | BIT]]]"""
    bit = parse_int(bit_raw)
    if bit not in (0, 1):
        raise CommandError("ERR The bit argument must be 1 or 0.")
    v = ctx.db.lookup_read(key, bytes)
    if v is None:
        return -1 if bit else 0
    n = len(v)
    end_given = False
    isbit = False
    if not args:
        start, end = 0, n - 1
    elif len(args) <= 3:
        start = parse_int(args[0])
        if len(args) == 3:
            isbit = _unit(args[2])
        if len(args) >= 2:
            end = parse_int(args[1])
            end_given = True
        else:
            end = n - 1
        total = n * 8 if isbit else n
        if start < 0:
            start = max(total + start, 0)
        if end < 0:
            end = max(total + end, 0)
        if end >= total:
            end = total - 1
    else:
        raise CommandError(SYNTAX_ERROR)
    if start > end:
        return -1
    if not isbit:
        start, end = start * 8, end * 8 + 7
    pos = _find_bit(v, bit, start, end)
    if pos >= 0 or bit == 1 or end_given:
        return pos
    return end + 1


_SCAN_CHUNK = 1 << 16
_FILL = {0: b"\xff" * _SCAN_CHUNK, 1: b"\x00" * _SCAN_CHUNK}


def _find_bit(v: bytes, bit: int, start: int, end: int) -> int:
    """The first bit position in ``start..end`` (inclusive) holding ``bit``, or -1."""
    if end - start < 4096:
        width = end - start + 1
        r = _bit_slice(v, start, end)
        if bit == 0:
            r ^= (1 << width) - 1
        return start + width - r.bit_length() if r else -1
    first = (start + 7) >> 3  # the whole bytes in the middle: first .. stop-1
    stop = (end + 1) >> 3
    if first * 8 > start:
        pos = _find_bit(v, bit, start, first * 8 - 1)
        if pos >= 0:
            return pos
    fill = _FILL[bit]
    i = first
    while i < stop:
        j = min(i + _SCAN_CHUNK, stop)
        chunk = v[i:j]
        if chunk != fill[: j - i]:
            n = int.from_bytes(chunk, "big")
            if bit == 0:
                n ^= (1 << (8 * len(chunk))) - 1
            return i * 8 + 8 * len(chunk) - n.bit_length()
        i = j
    if stop * 8 <= end:
        return _find_bit(v, bit, stop * 8, end)
    return -1


_BITOPS = {b"AND": "and", b"OR": "or", b"XOR": "xor", b"NOT": "not"}


@command(
    "BITOP",
    arity=-4,
    flags="write denyoom",
    keys=(2, -1, 1),
    acl="bitmap",
    summary="Perform bitwise operations between strings",
    since="2.6.0",
    group="bitmap",
    complexity="O(N)",
    key_specs=[
        KeySpec(("index", 2), ("range", 0, 1, 0), ("OW", "update")),
        KeySpec(("index", 3), ("range", -1, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("operation", "string"),
        arg("destkey", "key", key_spec_index=0),
        arg("key", "key", multiple=True, key_spec_index=1),
    ],
)
def bitop(ctx: Client, operation: bytes, dest: bytes, *keys: bytes) -> Any:
    """BITOP <AND | OR | XOR | NOT> destkey key [key ...]"""
    op = _BITOPS.get(copt(operation))
    if op is None:
        raise CommandError(SYNTAX_ERROR)
    if op == "not" and len(keys) != 1:
        raise CommandError("ERR BITOP NOT must be called with a single source key.")
    db = ctx.db
    values = []
    for k in keys:
        v = db.lookup_read(k, bytes)
        values.append(b"" if v is None else v)
    maxlen = max(len(v) for v in values)
    if not maxlen:
        db.delete(dest)
        return 0
    ints = [int.from_bytes(v.ljust(maxlen, b"\0"), "big") for v in values]
    acc = ints[0]
    if op == "not":
        acc ^= (1 << (8 * maxlen)) - 1
    elif op == "and":
        for x in ints[1:]:
            acc &= x
    elif op == "or":
        for x in ints[1:]:
            acc |= x
    else:
        for x in ints[1:]:
            acc ^= x
    db.set(dest, edited(acc.to_bytes(maxlen, "big")))
    return maxlen


# -- BITFIELD -------------------------------------------------------------------------------------

_GET, _SET, _INCRBY = 0, 1, 2
_WRAP, _SAT, _FAIL = 0, 1, 2
_BF_OPS = {b"GET": (_GET, 2), b"SET": (_SET, 3), b"INCRBY": (_INCRBY, 3)}
_OVERFLOWS = {b"WRAP": _WRAP, b"SAT": _SAT, b"FAIL": _FAIL}


def _bitfield_type(raw: bytes) -> tuple[bool, int]:
    """``i<bits>`` (1..64) or ``u<bits>`` (1..63): (signed, bits)."""
    if b"\0" in raw:
        raw = raw[: raw.index(b"\0")]
    sign = raw[:1]
    if sign not in (b"i", b"u"):
        raise CommandError(BITFIELD_TYPE_ERROR)
    bits = parse_int(raw[1:], BITFIELD_TYPE_ERROR)
    signed = sign == b"i"
    if bits < 1 or bits > (64 if signed else 63):
        raise CommandError(BITFIELD_TYPE_ERROR)
    return signed, bits


def _get_field(buf: bytes | bytearray, offset: int, bits: int) -> int:
    """The unsigned field of ``bits`` bits at bit ``offset`` (zero beyond the end)."""
    sb = offset >> 3
    eb = (offset + bits - 1) >> 3
    chunk = buf[sb : eb + 1]
    n = int.from_bytes(chunk, "big") << (8 * (eb + 1 - sb - len(chunk)))
    n >>= 7 - ((offset + bits - 1) & 7)
    return n & ((1 << bits) - 1)


def _set_field(buf: bytearray, offset: int, bits: int, value: int) -> None:
    sb = offset >> 3
    eb = (offset + bits - 1) >> 3
    nbytes = eb + 1 - sb
    shift = 7 - ((offset + bits - 1) & 7)
    mask = ((1 << bits) - 1) << shift
    n = int.from_bytes(buf[sb : eb + 1], "big")
    n = (n & ~mask) | ((value << shift) & mask)
    buf[sb : eb + 1] = n.to_bytes(nbytes, "big")


def _bitfield(ctx: Client, key: bytes, args: tuple[bytes, ...], readonly_cmd: bool) -> Any:
    ops: list[tuple[int, bool, int, int, int, int]] = []
    overflow = _WRAP
    readonly = True
    highest = 0
    j = 0
    n = len(args)
    while j < n:
        remaining = n - j - 1
        name = copt(args[j])
        spec = _BF_OPS.get(name)
        if spec is not None and remaining >= spec[1]:
            opcode = spec[0]
        elif name == b"OVERFLOW" and remaining >= 1:
            ow = _OVERFLOWS.get(copt(args[j + 1]))
            if ow is None:
                raise CommandError("ERR Invalid OVERFLOW type specified")
            overflow = ow
            j += 2
            continue
        else:
            raise CommandError(SYNTAX_ERROR)
        signed, bits = _bitfield_type(args[j + 1])
        offset = bit_offset(ctx, args[j + 2], bits)
        value = 0
        if opcode != _GET:
            readonly = False
            highest = max(highest, offset + bits - 1)
            value = parse_int(args[j + 3])
        ops.append((opcode, signed, bits, offset, value, overflow))
        j += 3 if opcode == _GET else 4
    db = ctx.db
    if readonly:
        v = db.lookup_read(key, bytes)
        src: bytes | bytearray = b"" if v is None else v
        return [_read(src, signed, bits, offset) for _, signed, bits, offset, _, _ in ops]
    if readonly_cmd:
        raise CommandError("ERR BITFIELD_RO only supports the GET subcommand")
    buf, grown = _string_for_bits(ctx, key, highest)
    changes = 0
    out: list[Any] = []
    for opcode, signed, bits, offset, value, ow in ops:
        if opcode == _GET:
            out.append(_read(buf, signed, bits, offset))
            continue
        raw_old = _get_field(buf, offset, bits)
        old = raw_old - (1 << bits) if signed and raw_old >> (bits - 1) else raw_old
        if opcode == _INCRBY:
            overflow, new = _check_overflow(signed, old, value, bits, ow)
        else:
            overflow, new = _check_overflow(signed, value if signed else value % _U64, 0, bits, ow)
        if overflow and ow == _FAIL:
            out.append(None)
            continue
        out.append(new if opcode == _INCRBY else old)
        raw_new = new & ((1 << bits) - 1)
        _set_field(buf, offset, bits, raw_new)
        if grown or raw_new != raw_old:
            changes += 1
    if changes:
        db.set(key, edited(bytes(buf)), keep_ttl=True)
    elif grown:
        # created or zero-padded, yet no field changed (every write FAILed): Redis keeps the
        # longer string but does not signal the key
        db.data[key] = edited(bytes(buf))
    else:
        edited(db.data[key])  # unchanged, yet Redis made it an unshared (raw) string
    return out


def _wrap64(x: int) -> int:
    """``x`` as a C ``int64_t`` after wrap-around."""
    return (x + (1 << 63)) % _U64 - (1 << 63)


def _check_overflow(signed: bool, value: int, incr: int, bits: int, ow: int) -> tuple[bool, int]:
    """Redis's ``check(Un)signedBitfieldOverflow``: (overflowed, value to store).

    Follows the C code to the letter, 64-bit wrap-arounds included: SET of a value near
    INT64_MIN into a narrow signed field saturates to the field's *maximum*, as in Redis.
    """
    if signed:
        hi = (1 << 63) - 1 if bits == 64 else (1 << (bits - 1)) - 1
        lo = -hi - 1
        maxincr = _wrap64(hi - value)
        minincr = _wrap64(lo - value)
        if (
            value > hi
            or (bits != 64 and incr > maxincr)
            or (value >= 0 and incr > 0 and incr > maxincr)
        ):
            direction = 1
        elif (
            value < lo
            or (bits != 64 and incr < minincr)
            or (value < 0 and incr < 0 and incr < minincr)
        ):
            direction = -1
        else:
            return False, value + incr
    else:
        hi = (1 << bits) - 1
        lo = 0
        maxincr = _wrap64(hi - value)
        minincr = _wrap64(-value)
        if value > hi or (incr > 0 and incr > maxincr):
            direction = 1
        elif incr < 0 and incr < minincr:
            direction = -1
        else:
            return False, value + incr
    if ow == _SAT:
        return True, hi if direction > 0 else lo
    wrapped = (value + incr) & ((1 << bits) - 1)
    if signed and wrapped >> (bits - 1):
        wrapped -= 1 << bits
    return True, wrapped


def _read(src: bytes | bytearray, signed: bool, bits: int, offset: int) -> int:
    v = _get_field(src, offset, bits)
    if signed and v >> (bits - 1):
        v -= 1 << bits
    return v


@command(
    "BITFIELD",
    arity=-2,
    flags="write denyoom",
    keys=(1, 1, 1),
    acl="bitmap",
    summary="Perform arbitrary bitfield integer operations on strings",
    since="3.2.0",
    group="bitmap",
    complexity="O(1) for each subcommand specified",
    key_specs=[
        KeySpec(
            ("index", 1),
            ("range", 0, 1, 0),
            ("RW", "access", "update", "variable_flags"),
            notes="This command allows both access and modification of the key",
        ),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg(
            "operation",
            "oneof",
            optional=True,
            multiple=True,
            arguments=[
                arg(
                    "encoding_offset",
                    "block",
                    token="GET",
                    arguments=[
                        arg("encoding", "string"),
                        arg("offset", "integer"),
                    ],
                ),
                arg(
                    "write",
                    "block",
                    arguments=[
                        arg(
                            "wrap_sat_fail",
                            "oneof",
                            token="OVERFLOW",
                            optional=True,
                            arguments=[
                                arg("wrap", "pure-token", token="WRAP"),
                                arg("sat", "pure-token", token="SAT"),
                                arg("fail", "pure-token", token="FAIL"),
                            ],
                        ),
                        arg(
                            "write_operation",
                            "oneof",
                            arguments=[
                                arg(
                                    "encoding_offset_value",
                                    "block",
                                    token="SET",
                                    arguments=[
                                        arg("encoding", "string"),
                                        arg("offset", "integer"),
                                        arg("value", "integer"),
                                    ],
                                ),
                                arg(
                                    "encoding_offset_increment",
                                    "block",
                                    token="INCRBY",
                                    arguments=[
                                        arg("encoding", "string"),
                                        arg("offset", "integer"),
                                        arg("increment", "integer"),
                                    ],
                                ),
                            ],
                        ),
                    ],
                ),
            ],
        ),
    ],
)
def bitfield(ctx: Client, key: bytes, *args: bytes) -> Any:
    """BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
    <SET encoding offset value | INCRBY encoding offset increment> [...]]"""
    return _bitfield(ctx, key, args, readonly_cmd=False)


@command(
    "BITFIELD_RO",
    arity=-2,
    flags="readonly fast",
    keys=(1, 1, 1),
    acl="bitmap",
    summary=(
        "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD"
    ),
    since="6.0.0",
    group="bitmap",
    complexity="O(1) for each subcommand specified",
    key_specs=[
        KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access")),
    ],
    arguments=[
        arg("key", "key", key_spec_index=0),
        arg(
            "encoding_offset",
            "block",
            token="GET",
            optional=True,
            multiple=True,
            multiple_token=True,
            arguments=[
                arg("encoding", "string"),
                arg("offset", "integer"),
            ],
        ),
    ],
)
def bitfield_ro(ctx: Client, key: bytes, *args: bytes) -> Any:
    """BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]"""
    return _bitfield(ctx, key, args, readonly_cmd=True)
