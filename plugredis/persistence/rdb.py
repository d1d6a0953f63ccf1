"""Sans-IO codec for the Redis RDB file format and for DUMP/RESTORE payloads.

Nothing here does I/O besides writing to a file object handed in; nothing is unpickled:
an RDB file is data from disk and may be hostile, so every length is bounds-checked and
any inconsistency raises :class:`RdbError`.

File layout (all multi-byte integers little-endian unless said otherwise)::

    "REDIS" + 4 ASCII digits (the RDB version)
    { opcode-or-value-type ... }
    0xFF (EOF) + 8-byte CRC64 of everything before it (version >= 5; 0 = not computed)

A key/value record is ``[EXPIRETIME_MS ms][IDLE n | FREQ b] <type byte> <key string>
<value>``; ``SELECTDB``, ``RESIZEDB``, ``AUX``, ``FUNCTION2`` and ``MODULE_AUX`` opcodes
can appear between records.

Value model (what plugredis keeps in memory; see :func:`load_value`):

=========  =========================================
kind       Python value
=========  =========================================
string     ``bytes``
list       ``list[bytes]`` (encoders take any iterable of bytes)
set        ``set[bytes]``
zset       ``list[tuple[bytes, float]]`` (member, score), in file order
hash       ``dict[bytes, bytes]``
=========  =========================================

Integers stored compactly (integer-encoded strings, intsets, listpack and ziplist
integers) decode to their decimal ASCII bytes, e.g. ``b"123"``, as Redis exposes them.

Writing uses the plain encodings (string 0, list 1, set 2, zset2 5, hash 4) which every
Redis since 4.0 loads; reading understands every non-stream, non-module encoding of RDB
versions 1 to 10 (listpack, quicklist 1 and 2, ziplist, intset, zipmap, LZF and integer
strings, legacy ASCII-double zsets).

A value of a *module* type (type 7) carries a 64-bit module id made of a 9-character
name and a 10-bit encoding version (:func:`module_type_id`).  plugredis stores its
third-party types the same way; callers pass ``module_loaders`` (name -> loader) to read
them, and an unknown one raises :class:`RdbModuleTypeError` naming the module.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from . import lzf
from .crc64 import crc64

__all__ = [
    "DUMP_RDB_VERSION",
    "KIND_TYPE_IDS",
    "RDB_MAX_LOAD_VERSION",
    "RDB_VERSION",
    "ModuleLoader",
    "ModuleSaver",
    "RdbEntry",
    "RdbError",
    "RdbModuleTypeError",
    "RdbParser",
    "RdbReader",
    "RdbWriter",
    "decode_intset",
    "decode_listpack",
    "decode_ziplist",
    "decode_zipmap",
    "dump_module_payload",
    "dump_payload",
    "encode_intset",
    "encode_listpack",
    "encode_ziplist",
    "encode_zipmap",
    "iter_rdb",
    "load_value",
    "module_type_id",
    "module_type_name",
    "parse_dump_payload",
    "save_hash",
    "save_list",
    "save_module_value",
    "save_set",
    "save_string",
    "save_value",
    "save_zset",
]

# --------------------------------------------------------------------------- constants

RDB_VERSION = 9
"""The version :class:`RdbWriter` writes by default (Redis 5.0+ loads it)."""

RDB_MAX_LOAD_VERSION = 10
"""The newest RDB version read by default (Redis 7.0 writes 10)."""

DUMP_RDB_VERSION = 10
"""The RDB version stamped on DUMP payloads (as Redis 7.0 does)."""

# Value types.
RDB_TYPE_STRING = 0
RDB_TYPE_LIST = 1
RDB_TYPE_SET = 2
RDB_TYPE_ZSET = 3
RDB_TYPE_HASH = 4
RDB_TYPE_ZSET_2 = 5
RDB_TYPE_MODULE_PRE_GA = 6
RDB_TYPE_MODULE_2 = 7
RDB_TYPE_HASH_ZIPMAP = 9
RDB_TYPE_LIST_ZIPLIST = 10
RDB_TYPE_SET_INTSET = 11
RDB_TYPE_ZSET_ZIPLIST = 12
RDB_TYPE_HASH_ZIPLIST = 13
RDB_TYPE_LIST_QUICKLIST = 14
RDB_TYPE_STREAM_LISTPACKS = 15
RDB_TYPE_HASH_LISTPACK = 16
RDB_TYPE_ZSET_LISTPACK = 17
RDB_TYPE_LIST_QUICKLIST_2 = 18
RDB_TYPE_STREAM_LISTPACKS_2 = 19
RDB_TYPE_SET_LISTPACK = 20
RDB_TYPE_STREAM_LISTPACKS_3 = 21

# Opcodes (type bytes that are not values).
RDB_OPCODE_FUNCTION2 = 245
RDB_OPCODE_FUNCTION = 246
RDB_OPCODE_MODULE_AUX = 247
RDB_OPCODE_IDLE = 248
RDB_OPCODE_FREQ = 249
RDB_OPCODE_AUX = 250
RDB_OPCODE_RESIZEDB = 251
RDB_OPCODE_EXPIRETIME_MS = 252
RDB_OPCODE_EXPIRETIME = 253
RDB_OPCODE_SELECTDB = 254
RDB_OPCODE_EOF = 255

# Length encoding (the two top bits of the first byte).
RDB_6BITLEN = 0
RDB_14BITLEN = 1
RDB_32BITLEN = 0x80
RDB_64BITLEN = 0x81
RDB_ENCVAL = 3

# Special string encodings (a length byte 0b11xxxxxx).
RDB_ENC_INT8 = 0
RDB_ENC_INT16 = 1
RDB_ENC_INT32 = 2
RDB_ENC_LZF = 3

# Quicklist 2 node containers.
QUICKLIST_NODE_CONTAINER_PLAIN = 1
QUICKLIST_NODE_CONTAINER_PACKED = 2

# Module value opcodes (RDB_TYPE_MODULE_2 and MODULE_AUX payloads).
RDB_MODULE_OPCODE_EOF = 0
RDB_MODULE_OPCODE_SINT = 1
RDB_MODULE_OPCODE_UINT = 2
RDB_MODULE_OPCODE_FLOAT = 3
RDB_MODULE_OPCODE_DOUBLE = 4
RDB_MODULE_OPCODE_STRING = 5

KIND_TYPE_IDS: Mapping[str, int] = {
    "string": RDB_TYPE_STRING,
    "list": RDB_TYPE_LIST,
    "set": RDB_TYPE_SET,
    "zset": RDB_TYPE_ZSET_2,
    "hash": RDB_TYPE_HASH,
}
"""The type id :class:`RdbWriter` uses for each value kind."""

TYPE_NAMES: Mapping[int, str] = {
    RDB_TYPE_STRING: "string",
    RDB_TYPE_LIST: "list",
    RDB_TYPE_SET: "set",
    RDB_TYPE_ZSET: "zset (ASCII scores)",
    RDB_TYPE_HASH: "hash",
    RDB_TYPE_ZSET_2: "zset",
    RDB_TYPE_MODULE_PRE_GA: "module (pre-GA format)",
    RDB_TYPE_MODULE_2: "module",
    RDB_TYPE_HASH_ZIPMAP: "hash (zipmap)",
    RDB_TYPE_LIST_ZIPLIST: "list (ziplist)",
    RDB_TYPE_SET_INTSET: "set (intset)",
    RDB_TYPE_ZSET_ZIPLIST: "zset (ziplist)",
    RDB_TYPE_HASH_ZIPLIST: "hash (ziplist)",
    RDB_TYPE_LIST_QUICKLIST: "list (quicklist)",
    RDB_TYPE_STREAM_LISTPACKS: "stream",
    RDB_TYPE_HASH_LISTPACK: "hash (listpack)",
    RDB_TYPE_ZSET_LISTPACK: "zset (listpack)",
    RDB_TYPE_LIST_QUICKLIST_2: "list (quicklist 2)",
    RDB_TYPE_STREAM_LISTPACKS_2: "stream (v2)",
    RDB_TYPE_SET_LISTPACK: "set (listpack)",
    RDB_TYPE_STREAM_LISTPACKS_3: "stream (v3)",
}
"""Human-readable names of the value types, for messages."""

_CONTAINER_KINDS = frozenset({"list", "set", "zset", "hash"})

_STREAM_TYPES = frozenset(
    {RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STREAM_LISTPACKS_3}
)

Buffer = bytes | bytearray | memoryview

ZsetValue = list[tuple[bytes, float]]

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U32BE = struct.Struct(">I")
_U64 = struct.Struct("<Q")
_U64BE = struct.Struct(">Q")
_I64 = struct.Struct("<q")
_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")


# ------------------------------------------------------------------------------ errors


class RdbError(Exception):
    """A malformed, truncated, corrupt or unsupported RDB file or DUMP payload."""


class RdbModuleTypeError(RdbError):
    """A value (or aux data) of a module type that no loader was supplied for.

    ``name`` is the module type's 9-character name and ``encver`` its encoding version,
    so the caller can say which plugin or module is missing.
    """

    def __init__(self, name: str, encver: int, what: str = "a value") -> None:
        self.name = name
        self.encver = encver
        super().__init__(
            f"the RDB data has {what} of module type '{name}' (encoding version "
            f"{encver}) and no plugin or module that loads it is loaded"
        )


# ---------------------------------------------------------------------- module type ids

_MODULE_CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_MODULE_CHAR_INDEX = {c: i for i, c in enumerate(_MODULE_CHARSET)}


def module_type_id(name: str, encver: int) -> int:
    """The 64-bit module type id Redis stores for a module type.

    ``name`` must be exactly 9 characters from ``A-Z a-z 0-9 - _`` and ``encver`` in
    0..1023: the id is the 9 six-bit character indexes followed by the 10-bit version.
    """
    if len(name) != 9 or any(c not in _MODULE_CHAR_INDEX for c in name):
        raise ValueError(f"module type name must be 9 characters of A-Z a-z 0-9 - _: {name!r}")
    if not 0 <= encver <= 1023:
        raise ValueError(f"module encoding version must be 0..1023, not {encver}")
    ident = 0
    for c in name:
        ident = (ident << 6) | _MODULE_CHAR_INDEX[c]
    return (ident << 10) | encver


def module_type_name(module_id: int) -> tuple[str, int]:
    """The inverse of :func:`module_type_id`: ``(name, encver)``."""
    if not 0 <= module_id < 1 << 64:
        raise ValueError(f"module type id out of range: {module_id}")
    encver = module_id & 1023
    ident = module_id >> 10
    chars = [_MODULE_CHARSET[(ident >> (6 * (8 - i))) & 63] for i in range(9)]
    return "".join(chars), encver


# ----------------------------------------------------------------------------- helpers


def _int_bytes(value: int) -> bytes:
    return str(value).encode("ascii")


def _strict_int(s: bytes, max_len: int) -> int | None:
    """``s`` as an int if it is the canonical decimal form of a signed 64-bit integer."""
    n = len(s)
    if n == 0 or n > max_len:
        return None
    first = s[0]
    if not (48 <= first <= 57 or first == 45):  # digit or '-'
        return None
    try:
        v = int(s)
    except ValueError:
        return None
    if not -(1 << 63) <= v < 1 << 63 or _int_bytes(v) != s:
        return None
    return v


def _parse_score(raw: bytes, what: str) -> float:
    try:
        score = float(raw)
    except ValueError:
        raise RdbError(f"bad zset score {raw!r} in {what}") from None
    if math.isnan(score):
        raise RdbError(f"NaN zset score in {what}")
    return score


# ------------------------------------------------------------------------------ reader


class RdbReader:
    """A cursor over RDB bytes: the primitive reads of the format.

    Works on ``bytes`` (or any buffer, e.g. a memoryview of an mmap).  ``pos`` is the
    current offset; every read past the end raises :class:`RdbError` naming the offset.
    """

    __slots__ = ("_buf", "_end", "pos")

    def __init__(self, data: Buffer, pos: int = 0) -> None:
        self._buf: bytes | memoryview = (
            data if isinstance(data, bytes) else memoryview(data).cast("B")
        )
        self._end = len(self._buf)
        self.pos = pos

    @property
    def remaining(self) -> int:
        """Bytes left after the cursor."""
        return self._end - self.pos

    def at_end(self) -> bool:
        """True when every byte has been read."""
        return self.pos >= self._end

    def _eof(self, pos: int) -> RdbError:
        return RdbError(f"unexpected end of file at offset {pos}")

    def read_bytes(self, n: int) -> bytes:
        """The next ``n`` raw bytes."""
        pos = self.pos
        end = pos + n
        if n < 0 or end > self._end:
            raise self._eof(pos)
        self.pos = end
        return bytes(self._buf[pos:end])

    def read_byte(self) -> int:
        """The next byte as an int 0..255."""
        pos = self.pos
        if pos >= self._end:
            raise self._eof(pos)
        self.pos = pos + 1
        return self._buf[pos]

    def read_type(self) -> int:
        """A type or opcode byte."""
        return self.read_byte()

    def read_length(self) -> tuple[int, bool]:
        """A length: ``(value, is_encoded)``.

        When ``is_encoded`` is true the value is a special string encoding
        (``RDB_ENC_INT8/16/32`` or ``RDB_ENC_LZF``) rather than a length.
        """
        first = self.read_byte()
        kind = first >> 6
        if kind == RDB_6BITLEN:
            return first & 0x3F, False
        if kind == RDB_14BITLEN:
            return ((first & 0x3F) << 8) | self.read_byte(), False
        if kind == RDB_ENCVAL:
            return first & 0x3F, True
        if first == RDB_32BITLEN:
            return _U32BE.unpack(self.read_bytes(4))[0], False
        if first == RDB_64BITLEN:
            return _U64BE.unpack(self.read_bytes(8))[0], False
        raise RdbError(f"unknown length encoding 0x{first:02x} at offset {self.pos - 1}")

    def read_len(self) -> int:
        """A length that must not be a special encoding."""
        start = self.pos
        value, encoded = self.read_length()
        if encoded:
            raise RdbError(f"expected a length at offset {start}, found a string encoding")
        return value

    def read_string(self) -> bytes:
        """A string: plain, integer-encoded (as decimal bytes) or LZF-compressed."""
        start = self.pos
        length, encoded = self.read_length()
        if not encoded:
            return self.read_bytes(length)
        if length == RDB_ENC_INT8:
            return _int_bytes(int.from_bytes(self.read_bytes(1), "little", signed=True))
        if length == RDB_ENC_INT16:
            return _int_bytes(int.from_bytes(self.read_bytes(2), "little", signed=True))
        if length == RDB_ENC_INT32:
            return _int_bytes(int.from_bytes(self.read_bytes(4), "little", signed=True))
        if length == RDB_ENC_LZF:
            clen = self.read_len()
            ulen = self.read_len()
            # LZF expands at most ~88x (a 3-byte back-reference yields 264 bytes); refuse
            # absurd claims before allocating anything.
            if ulen > clen * 90 + 64:
                raise RdbError(f"corrupt LZF string at offset {start}: bad length {ulen}")
            compressed = self.read_bytes(clen)
            try:
                return lzf.decompress(compressed, ulen)
            except lzf.LzfError as exc:
                raise RdbError(f"corrupt LZF string at offset {start}: {exc}") from None
        raise RdbError(f"unknown string encoding {length} at offset {start}")

    def read_double_binary(self) -> float:
        """An 8-byte little-endian IEEE 754 double (zset2 scores, module doubles)."""
        value: float = _DOUBLE.unpack(self.read_bytes(8))[0]
        return value

    def read_float_binary(self) -> float:
        """A 4-byte little-endian IEEE 754 float (module floats)."""
        value: float = _FLOAT.unpack(self.read_bytes(4))[0]
        return value

    def read_double_ascii(self) -> float:
        """The legacy double of type-3 zsets: a length byte then ASCII.

        Length 253 means NaN, 254 +inf and 255 -inf.
        """
        start = self.pos
        n = self.read_byte()
        if n == 253:
            return math.nan
        if n == 254:
            return math.inf
        if n == 255:
            return -math.inf
        raw = self.read_bytes(n)
        try:
            return float(raw)
        except ValueError:
            raise RdbError(f"bad ASCII double {raw!r} at offset {start}") from None

    def read_millis(self) -> int:
        """A signed 64-bit little-endian integer (EXPIRETIME_MS)."""
        value: int = _I64.unpack(self.read_bytes(8))[0]
        return value

    def read_uint64(self) -> int:
        """An unsigned 64-bit little-endian integer (checksums)."""
        value: int = _U64.unpack(self.read_bytes(8))[0]
        return value

    # -- module values (RDB_TYPE_MODULE_2): every field is preceded by an opcode -------

    def _module_opcode(self, expected: int) -> None:
        start = self.pos
        opcode = self.read_len()
        if opcode != expected:
            raise RdbError(
                f"module value field at offset {start} has opcode {opcode}, expected {expected}"
            )

    def read_module_uint(self) -> int:
        """An unsigned integer saved by a module (``RedisModule_SaveUnsigned``)."""
        self._module_opcode(RDB_MODULE_OPCODE_UINT)
        return self.read_len()

    def read_module_sint(self) -> int:
        """A signed integer saved by a module (``RedisModule_SaveSigned``)."""
        self._module_opcode(RDB_MODULE_OPCODE_SINT)
        value = self.read_len()
        return value - (1 << 64) if value >= 1 << 63 else value

    def read_module_double(self) -> float:
        """A double saved by a module."""
        self._module_opcode(RDB_MODULE_OPCODE_DOUBLE)
        return self.read_double_binary()

    def read_module_float(self) -> float:
        """A float saved by a module."""
        self._module_opcode(RDB_MODULE_OPCODE_FLOAT)
        return self.read_float_binary()

    def read_module_string(self) -> bytes:
        """A string saved by a module."""
        self._module_opcode(RDB_MODULE_OPCODE_STRING)
        return self.read_string()

    def skip_module_value(self) -> None:
        """Skip module fields up to and including the EOF opcode."""
        while True:
            opcode = self.read_len()
            if opcode == RDB_MODULE_OPCODE_EOF:
                return
            if opcode in (RDB_MODULE_OPCODE_SINT, RDB_MODULE_OPCODE_UINT):
                self.read_len()
            elif opcode == RDB_MODULE_OPCODE_FLOAT:
                self.read_bytes(4)
            elif opcode == RDB_MODULE_OPCODE_DOUBLE:
                self.read_bytes(8)
            elif opcode == RDB_MODULE_OPCODE_STRING:
                self.read_string()
            else:
                raise RdbError(f"unknown module value opcode {opcode} at offset {self.pos}")


# ----------------------------------------------------------- compact encodings: decoders


def _corrupt(what: str, detail: str = "") -> RdbError:
    return RdbError(f"corrupt {what}" + (f": {detail}" if detail else ""))


def _backlen_size(n: int) -> int:
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


def decode_listpack(blob: Buffer) -> list[bytes]:
    """The elements of a listpack, integers as decimal bytes.

    Layout: u32 total bytes, u16 element count (65535 = unknown), entries, 0xFF.  An
    entry is an encoding byte (+ length/integer bytes), the data, then a "backlen": the
    entry size written backwards in 7-bit groups.
    """
    b = bytes(blob)
    size = len(b)
    if size < 7 or _U32.unpack_from(b)[0] != size or b[-1] != 0xFF:
        raise _corrupt("listpack", "bad header or terminator")
    declared = _U16.unpack_from(b, 4)[0]
    out: list[bytes] = []
    append = out.append
    p = 6
    last = size - 1
    try:
        while p < last:
            enc = b[p]
            if enc < 0x80:  # 7-bit unsigned int
                append(_int_bytes(enc))
                elen = 1
            elif enc < 0xC0:  # 6-bit string length
                n = enc & 0x3F
                append(b[p + 1 : p + 1 + n])
                elen = 1 + n
            elif enc < 0xE0:  # 13-bit signed int
                v = ((enc & 0x1F) << 8) | b[p + 1]
                append(_int_bytes(v - 8192 if v >= 4096 else v))
                elen = 2
            elif enc < 0xF0:  # 12-bit string length
                n = ((enc & 0x0F) << 8) | b[p + 1]
                append(b[p + 2 : p + 2 + n])
                elen = 2 + n
            elif enc == 0xF0:  # 32-bit string length
                n = _U32.unpack_from(b, p + 1)[0]
                append(b[p + 5 : p + 5 + n])
                elen = 5 + n
            elif enc == 0xF1:
                append(_int_bytes(int.from_bytes(b[p + 1 : p + 3], "little", signed=True)))
                elen = 3
            elif enc == 0xF2:
                append(_int_bytes(int.from_bytes(b[p + 1 : p + 4], "little", signed=True)))
                elen = 4
            elif enc == 0xF3:
                append(_int_bytes(int.from_bytes(b[p + 1 : p + 5], "little", signed=True)))
                elen = 5
            elif enc == 0xF4:
                append(_int_bytes(int.from_bytes(b[p + 1 : p + 9], "little", signed=True)))
                elen = 9
            else:
                raise _corrupt("listpack", f"bad entry encoding 0x{enc:02x} at {p}")
            q = p + elen
            if elen <= 127:
                if b[q] != elen:
                    raise _corrupt("listpack", f"bad entry back-length at {q}")
                p = q + 1
            else:
                blen = _backlen_size(elen)
                v = b[q]
                for i in range(1, blen):
                    v = (v << 7) | (b[q + i] & 0x7F)
                if v != elen:
                    raise _corrupt("listpack", f"bad entry back-length at {q}")
                p = q + blen
    except (IndexError, struct.error):
        raise _corrupt("listpack", "entry runs past the end") from None
    if p != last:
        raise _corrupt("listpack", "entry runs past the end")
    if declared != 65535 and declared != len(out):
        raise _corrupt("listpack", f"header says {declared} elements, found {len(out)}")
    return out


def decode_ziplist(blob: Buffer) -> list[bytes]:
    """The elements of a ziplist (the pre-7.0 compact encoding), integers as decimal bytes.

    Layout: u32 total bytes, u32 offset of the last entry, u16 count, entries, 0xFF.  An
    entry is the previous entry's length (1 byte, or 0xFE + u32), an encoding, the data.
    """
    b = bytes(blob)
    size = len(b)
    if size < 11 or _U32.unpack_from(b)[0] != size or b[-1] != 0xFF:
        raise _corrupt("ziplist", "bad header or terminator")
    declared = _U16.unpack_from(b, 8)[0]
    out: list[bytes] = []
    append = out.append
    p = 10
    last = size - 1
    try:
        while p < last:
            p += 1 if b[p] < 254 else 5  # previous entry length
            enc = b[p]
            top = enc >> 6
            if top == 0:
                n = enc & 0x3F
                append(b[p + 1 : p + 1 + n])
                p += 1 + n
            elif top == 1:
                n = ((enc & 0x3F) << 8) | b[p + 1]
                append(b[p + 2 : p + 2 + n])
                p += 2 + n
            elif enc == 0x80:
                n = _U32BE.unpack_from(b, p + 1)[0]
                append(b[p + 5 : p + 5 + n])
                p += 5 + n
            elif enc == 0xC0:
                append(_int_bytes(int.from_bytes(b[p + 1 : p + 3], "little", signed=True)))
                p += 3
            elif enc == 0xD0:
                append(_int_bytes(int.from_bytes(b[p + 1 : p + 5], "little", signed=True)))
                p += 5
            elif enc == 0xE0:
                append(_int_bytes(int.from_bytes(b[p + 1 : p + 9], "little", signed=True)))
                p += 9
            elif enc == 0xF0:
                append(_int_bytes(int.from_bytes(b[p + 1 : p + 4], "little", signed=True)))
                p += 4
            elif enc == 0xFE:
                append(_int_bytes(int.from_bytes(b[p + 1 : p + 2], "little", signed=True)))
                p += 2
            elif 0xF1 <= enc <= 0xFD:
                append(_int_bytes((enc & 0x0F) - 1))
                p += 1
            else:
                raise _corrupt("ziplist", f"bad entry encoding 0x{enc:02x} at {p}")
    except (IndexError, struct.error):
        raise _corrupt("ziplist", "entry runs past the end") from None
    if p != last:
        raise _corrupt("ziplist", "entry runs past the end")
    if declared != 65535 and declared != len(out):
        raise _corrupt("ziplist", f"header says {declared} elements, found {len(out)}")
    return out


def decode_intset(blob: Buffer) -> list[bytes]:
    """The members of an intset as decimal bytes.

    Layout: u32 integer width (2, 4 or 8), u32 count, then the sorted integers.
    """
    b = bytes(blob)
    if len(b) < 8:
        raise _corrupt("intset", "too short")
    width, count = struct.unpack_from("<II", b)
    code = {2: "h", 4: "i", 8: "q"}.get(width)
    if code is None:
        raise _corrupt("intset", f"bad integer width {width}")
    if len(b) != 8 + width * count:
        raise _corrupt("intset", f"{len(b)} bytes for {count} integers of {width} bytes")
    return [_int_bytes(v) for v in struct.unpack_from(f"<{count}{code}", b, 8)]


def decode_zipmap(blob: Buffer) -> list[bytes]:
    """The pre-2.6 hash encoding, as alternating field and value bytes.

    Layout: a count byte, then per entry: key length, key, value length, a "free" byte,
    value, free padding; lengths are 1 byte (< 254) or 254 + u32; 0xFF ends the map.
    """
    b = bytes(blob)
    out: list[bytes] = []
    p = 1
    try:
        while b[p] != 0xFF:
            for is_value in (False, True):
                n = b[p]
                if n < 254:
                    p += 1
                elif n == 254:
                    n = _U32.unpack_from(b, p + 1)[0]
                    p += 5
                else:
                    raise _corrupt("zipmap", f"value length missing at {p}")
                free = 0
                if is_value:
                    free = b[p]
                    p += 1
                if p + n > len(b):
                    raise _corrupt("zipmap", "entry runs past the end")
                out.append(b[p : p + n])
                p += n + free
    except (IndexError, struct.error):
        raise _corrupt("zipmap", "entry runs past the end") from None
    if p != len(b) - 1:
        raise _corrupt("zipmap", "trailing bytes after the end marker")
    return out


# ----------------------------------------------------------- compact encodings: encoders


def _listpack_backlen(n: int) -> bytes:
    size = _backlen_size(n)
    if size == 1:
        return bytes((n,))
    groups = [(n >> (7 * i)) & 0x7F for i in range(size - 1, -1, -1)]
    return bytes([groups[0]] + [g | 0x80 for g in groups[1:]])


def encode_listpack(items: Iterable[bytes]) -> bytes:
    """A listpack holding ``items``; canonical decimal integers use integer encodings."""
    body = bytearray()
    count = 0
    for item in items:
        count += 1
        v = _strict_int(item, 20)
        if v is not None:
            if 0 <= v <= 127:
                entry = bytes((v,))
            elif -4096 <= v <= 4095:
                u = v & 0x1FFF
                entry = bytes((0xC0 | (u >> 8), u & 0xFF))
            elif -(1 << 15) <= v < 1 << 15:
                entry = b"\xf1" + v.to_bytes(2, "little", signed=True)
            elif -(1 << 23) <= v < 1 << 23:
                entry = b"\xf2" + v.to_bytes(3, "little", signed=True)
            elif -(1 << 31) <= v < 1 << 31:
                entry = b"\xf3" + v.to_bytes(4, "little", signed=True)
            else:
                entry = b"\xf4" + v.to_bytes(8, "little", signed=True)
        else:
            n = len(item)
            if n < 64:
                entry = bytes((0x80 | n,)) + item
            elif n < 4096:
                entry = bytes((0xE0 | (n >> 8), n & 0xFF)) + item
            else:
                entry = b"\xf0" + _U32.pack(n) + item
        body += entry
        body += _listpack_backlen(len(entry))
    total = 6 + len(body) + 1
    return _U32.pack(total) + _U16.pack(min(count, 65535)) + bytes(body) + b"\xff"


def encode_ziplist(items: Iterable[bytes]) -> bytes:
    """A ziplist holding ``items``; canonical decimal integers use integer encodings."""
    body = bytearray()
    count = 0
    prevlen = 0
    tail = 10
    for item in items:
        count += 1
        tail = 10 + len(body)
        head = bytes((prevlen,)) if prevlen < 254 else b"\xfe" + _U32.pack(prevlen)
        v = _strict_int(item, 31)
        if v is not None:
            if 0 <= v <= 12:
                enc = bytes((0xF1 + v,))
            elif -128 <= v <= 127:
                enc = b"\xfe" + v.to_bytes(1, "little", signed=True)
            elif -(1 << 15) <= v < 1 << 15:
                enc = b"\xc0" + v.to_bytes(2, "little", signed=True)
            elif -(1 << 23) <= v < 1 << 23:
                enc = b"\xf0" + v.to_bytes(3, "little", signed=True)
            elif -(1 << 31) <= v < 1 << 31:
                enc = b"\xd0" + v.to_bytes(4, "little", signed=True)
            else:
                enc = b"\xe0" + v.to_bytes(8, "little", signed=True)
        else:
            n = len(item)
            if n < 64:
                enc = bytes((n,)) + item
            elif n < 16384:
                enc = bytes((0x40 | (n >> 8), n & 0xFF)) + item
            else:
                enc = b"\x80" + _U32BE.pack(n) + item
        entry = head + enc
        body += entry
        prevlen = len(entry)
    total = 10 + len(body) + 1
    header = _U32.pack(total) + _U32.pack(tail) + _U16.pack(min(count, 65535))
    return header + bytes(body) + b"\xff"


def encode_intset(values: Iterable[int]) -> bytes:
    """An intset of ``values`` (sorted, deduplicated, narrowest width that fits)."""
    members = sorted(set(values))
    width, code = 2, "h"
    if members and (members[0] < -(1 << 15) or members[-1] >= 1 << 15):
        width, code = 4, "i"
    if members and (members[0] < -(1 << 31) or members[-1] >= 1 << 31):
        width, code = 8, "q"
    return struct.pack(f"<II{len(members)}{code}", width, len(members), *members)


def encode_zipmap(pairs: Iterable[tuple[bytes, bytes]]) -> bytes:
    """A zipmap (the pre-2.6 small hash encoding) of ``pairs``."""
    body = bytearray()
    count = 0
    for key, value in pairs:
        count += 1
        for is_value, part in ((False, key), (True, value)):
            n = len(part)
            body += bytes((n,)) if n < 254 else b"\xfe" + _U32.pack(n)
            if is_value:
                body.append(0)  # free bytes after the value
            body += part
    return bytes((min(count, 254),)) + bytes(body) + b"\xff"


# -------------------------------------------------------------------------- value loading

ModuleLoader = Callable[[RdbReader, int], tuple[str, Any]]
"""Loads one module-type value: called with the reader (positioned after the module id)
and the encoding version; returns ``(kind, value)``.  For type 7 values the loader reads
its fields with the ``read_module_*`` methods; the closing EOF opcode is checked after it
returns."""

ModuleSaver = Callable[["RdbWriter"], None]
"""Writes one module-type value's fields with the ``write_module_*`` methods."""


def _pairs_to_dict(items: list[bytes], what: str) -> dict[bytes, bytes]:
    if len(items) % 2:
        raise _corrupt(what, "odd number of elements")
    result = dict(zip(items[::2], items[1::2], strict=True))
    if len(result) * 2 != len(items):
        raise RdbError(f"duplicate hash field in {what}")
    return result


def _to_set(items: Iterable[bytes], what: str) -> set[bytes]:
    members = list(items)
    result = set(members)
    if len(result) != len(members):
        raise RdbError(f"duplicate set member in {what}")
    return result


def _pairs_to_zset(items: list[bytes], what: str) -> ZsetValue:
    if len(items) % 2:
        raise _corrupt(what, "odd number of elements")
    members = items[::2]
    if len(set(members)) != len(members):
        raise RdbError(f"duplicate zset member in {what}")
    return [(m, _parse_score(s, what)) for m, s in zip(members, items[1::2], strict=True)]


def _check_zset(pairs: ZsetValue, what: str) -> ZsetValue:
    if len({m for m, _ in pairs}) != len(pairs):
        raise RdbError(f"duplicate zset member in {what}")
    for _, score in pairs:
        if math.isnan(score):
            raise RdbError(f"NaN zset score in {what}")
    return pairs


def load_value(
    reader: RdbReader,
    type_id: int,
    *,
    module_loaders: Mapping[str, ModuleLoader] | None = None,
) -> tuple[str, Any]:
    """Read one value of RDB type ``type_id``; return ``(kind, value)``.

    ``kind`` is ``"string"``, ``"list"``, ``"set"``, ``"zset"`` or ``"hash"`` (see the
    module docstring for the Python value of each), or whatever a module loader returns.
    Streams raise :class:`RdbError`; a module type without a loader in
    ``module_loaders`` raises :class:`RdbModuleTypeError`.
    """
    r = reader
    what = TYPE_NAMES.get(type_id, str(type_id))
    if type_id == RDB_TYPE_STRING:
        return "string", r.read_string()
    if type_id == RDB_TYPE_LIST:
        return "list", [r.read_string() for _ in range(r.read_len())]
    if type_id == RDB_TYPE_SET:
        return "set", _to_set((r.read_string() for _ in range(r.read_len())), what)
    if type_id in (RDB_TYPE_ZSET, RDB_TYPE_ZSET_2):
        read_score = r.read_double_binary if type_id == RDB_TYPE_ZSET_2 else r.read_double_ascii
        pairs = []
        for _ in range(r.read_len()):
            member = r.read_string()
            pairs.append((member, read_score()))
        return "zset", _check_zset(pairs, what)
    if type_id == RDB_TYPE_HASH:
        count = r.read_len()
        result: dict[bytes, bytes] = {}
        for _ in range(count):
            field = r.read_string()
            result[field] = r.read_string()
        if len(result) != count:
            raise RdbError(f"duplicate hash field in {what}")
        return "hash", result
    if type_id == RDB_TYPE_LIST_QUICKLIST_2:
        items: list[bytes] = []
        for _ in range(r.read_len()):
            container = r.read_len()
            blob = r.read_string()
            if container == QUICKLIST_NODE_CONTAINER_PLAIN:
                items.append(blob)
            elif container == QUICKLIST_NODE_CONTAINER_PACKED:
                items.extend(decode_listpack(blob))
            else:
                raise RdbError(f"unknown quicklist node container {container}")
        return "list", items
    if type_id == RDB_TYPE_LIST_QUICKLIST:
        items = []
        for _ in range(r.read_len()):
            items.extend(decode_ziplist(r.read_string()))
        return "list", items
    if type_id == RDB_TYPE_LIST_ZIPLIST:
        return "list", decode_ziplist(r.read_string())
    if type_id == RDB_TYPE_SET_INTSET:
        return "set", _to_set(decode_intset(r.read_string()), what)
    if type_id == RDB_TYPE_SET_LISTPACK:
        return "set", _to_set(decode_listpack(r.read_string()), what)
    if type_id == RDB_TYPE_ZSET_ZIPLIST:
        return "zset", _pairs_to_zset(decode_ziplist(r.read_string()), what)
    if type_id == RDB_TYPE_ZSET_LISTPACK:
        return "zset", _pairs_to_zset(decode_listpack(r.read_string()), what)
    if type_id == RDB_TYPE_HASH_ZIPMAP:
        return "hash", _pairs_to_dict(decode_zipmap(r.read_string()), what)
    if type_id == RDB_TYPE_HASH_ZIPLIST:
        return "hash", _pairs_to_dict(decode_ziplist(r.read_string()), what)
    if type_id == RDB_TYPE_HASH_LISTPACK:
        return "hash", _pairs_to_dict(decode_listpack(r.read_string()), what)
    if type_id == RDB_TYPE_MODULE_2:
        name, encver = module_type_name(r.read_len())
        loader = (module_loaders or {}).get(name)
        if loader is None:
            raise RdbModuleTypeError(name, encver)
        kind, value = loader(r, encver)
        start = r.pos
        if r.read_len() != RDB_MODULE_OPCODE_EOF:
            raise RdbError(
                f"module type '{name}' value not terminated by EOF at offset {start} "
                "(its loader read too little or too much)"
            )
        return kind, value
    if type_id == RDB_TYPE_MODULE_PRE_GA:
        raise RdbError("pre-GA module value format (RDB type 6) is not supported")
    if type_id in _STREAM_TYPES:
        raise RdbError(f"stream values (RDB type {type_id}) are not supported")
    raise RdbError(f"unknown value type {type_id}")


# ------------------------------------------------------------------------------ writer


class RdbWriter:
    """Writes RDB data to a binary file object, or to memory when ``fp`` is None.

    Keeps the CRC64 of everything written as it goes (in 64 KiB chunks), so
    :meth:`finish` never re-reads the file.  ``compress`` LZF-compresses strings longer
    than 20 bytes when that saves space (as Redis does with ``rdbcompression yes``);
    ``encode_ints`` stores canonical decimal strings that fit in 32 bits as integers
    (as Redis does).  Both forms load in Redis.

    Typical use::

        w = RdbWriter(fp)
        w.write_header()
        w.write_aux("redis-ver", "7.0.15")
        w.write_selectdb(0)
        w.write_resizedb(len(db), len(expires))
        w.write_entry(b"key", "list", [b"a", b"b"], expire_ms=None)
        w.finish()
    """

    _FLUSH_AT = 1 << 16

    def __init__(
        self,
        fp: BinaryIO | None = None,
        *,
        compress: bool = False,
        encode_ints: bool = True,
    ) -> None:
        self._fp = fp
        self._buf = bytearray()
        self._crc = 0
        self._crc_upto = 0  # in memory mode: bytes of _buf already in _crc
        self._flushed = 0  # bytes already handed to fp
        self._finished = False
        self.compress = compress
        self.encode_ints = encode_ints

    # -- plumbing ----------------------------------------------------------------------

    @property
    def bytes_written(self) -> int:
        """Number of bytes written so far (including buffered ones)."""
        return self._flushed + len(self._buf)

    @property
    def crc(self) -> int:
        """The CRC64 of everything written so far."""
        self._update_crc()
        return self._crc

    def _update_crc(self) -> None:
        if self._crc_upto < len(self._buf):
            self._crc = crc64(memoryview(self._buf)[self._crc_upto :], self._crc)
            self._crc_upto = len(self._buf)

    def flush(self) -> None:
        """Fold buffered bytes into the CRC and, with a file, write them out."""
        self._update_crc()
        if self._fp is not None and self._buf:
            self._fp.write(self._buf)
            self._flushed += len(self._buf)
            self._buf = bytearray()
            self._crc_upto = 0

    def write(self, data: Buffer) -> None:
        """Append raw bytes."""
        if self._finished:
            raise RdbError("write after finish()")
        self._buf += data
        if len(self._buf) - self._crc_upto >= self._FLUSH_AT:
            self.flush()

    def getvalue(self) -> bytes:
        """Everything written, in memory mode (``fp=None``)."""
        if self._fp is not None:
            raise RdbError("getvalue() is only available when writing to memory")
        return bytes(self._buf)

    # -- primitives ----------------------------------------------------------------------

    def write_header(self, version: int = RDB_VERSION) -> None:
        """``REDIS`` followed by the 4-digit version."""
        if not 1 <= version <= 9999:
            raise ValueError(f"bad RDB version {version}")
        self.write(b"REDIS%04d" % version)

    def write_type(self, type_id: int) -> None:
        """One type or opcode byte."""
        self.write(bytes((type_id,)))

    def write_length(self, n: int) -> None:
        """A length in the 1, 2, 5 or 9 byte encoding."""
        if n < 0:
            raise ValueError(f"negative length {n}")
        if n < 64:
            self.write(bytes((n,)))
        elif n < 16384:
            self.write(bytes((0x40 | (n >> 8), n & 0xFF)))
        elif n <= 0xFFFFFFFF:
            self.write(b"\x80" + _U32BE.pack(n))
        elif n < 1 << 64:
            self.write(b"\x81" + _U64BE.pack(n))
        else:
            raise ValueError(f"length too large: {n}")

    def write_string(
        self,
        value: Buffer,
        *,
        encode_int: bool | None = None,
        compress: bool | None = None,
    ) -> None:
        """A string; integer-encoded or LZF-compressed when enabled and worthwhile."""
        data = bytes(value)
        n = len(data)
        if (self.encode_ints if encode_int is None else encode_int) and n <= 11:
            v = _strict_int(data, 11)
            if v is not None:
                if -128 <= v <= 127:
                    self.write(b"\xc0" + v.to_bytes(1, "little", signed=True))
                    return
                if -32768 <= v <= 32767:
                    self.write(b"\xc1" + v.to_bytes(2, "little", signed=True))
                    return
                if -(1 << 31) <= v < 1 << 31:
                    self.write(b"\xc2" + v.to_bytes(4, "little", signed=True))
                    return
        if (self.compress if compress is None else compress) and n > 20:
            packed = lzf.compress(data)
            if len(packed) <= n - 4:
                self.write(b"\xc3")
                self.write_length(len(packed))
                self.write_length(n)
                self.write(packed)
                return
        if n < 64 and not self._finished:  # fast path for the common short string
            buf = self._buf
            buf.append(n)
            buf += data
            if len(buf) - self._crc_upto >= self._FLUSH_AT:
                self.flush()
            return
        self.write_length(n)
        self.write(data)

    def write_double_binary(self, value: float) -> None:
        """An 8-byte little-endian IEEE 754 double."""
        self.write(_DOUBLE.pack(value))

    def write_float_binary(self, value: float) -> None:
        """A 4-byte little-endian IEEE 754 float."""
        self.write(_FLOAT.pack(value))

    def write_double_ascii(self, value: float) -> None:
        """The legacy ASCII double of type-3 zsets (length byte, then ``%.17g``)."""
        if math.isnan(value):
            self.write(b"\xfd")
        elif math.isinf(value):
            self.write(b"\xfe" if value > 0 else b"\xff")
        else:
            text = b"%.17g" % value
            self.write(bytes((len(text),)) + text)

    def write_millis(self, ms: int) -> None:
        """A signed 64-bit little-endian integer."""
        self.write(_I64.pack(ms))

    # -- opcodes -------------------------------------------------------------------------

    def write_aux(self, key: str | bytes, value: str | bytes | int) -> None:
        """An AUX field (``redis-ver``, ``ctime``...); ints are stored integer-encoded."""
        self.write_type(RDB_OPCODE_AUX)
        self.write_string(key.encode() if isinstance(key, str) else key, encode_int=False)
        if isinstance(value, int):
            self.write_string(_int_bytes(value), encode_int=True, compress=False)
        else:
            raw = value.encode() if isinstance(value, str) else value
            self.write_string(raw, encode_int=False, compress=False)

    def write_selectdb(self, db: int) -> None:
        """Switch the database the following keys belong to."""
        self.write_type(RDB_OPCODE_SELECTDB)
        self.write_length(db)

    def write_resizedb(self, db_size: int, expires_size: int) -> None:
        """Size hints for the current database (keys, keys with a TTL)."""
        self.write_type(RDB_OPCODE_RESIZEDB)
        self.write_length(db_size)
        self.write_length(expires_size)

    def write_expiretime_ms(self, ms: int) -> None:
        """The absolute expiry (Unix ms) of the next key."""
        self.write_type(RDB_OPCODE_EXPIRETIME_MS)
        self.write_millis(ms)

    def write_function(self, code: bytes) -> None:
        """A FUNCTION2 record: the source code of one function library."""
        self.write_type(RDB_OPCODE_FUNCTION2)
        self.write_string(code)

    def write_entry(
        self,
        key: bytes,
        kind: str,
        value: Any,
        expire_ms: int | None = None,
    ) -> None:
        """A whole key record: optional expiry, type, key, value (plain encodings)."""
        if expire_ms is not None:
            self.write_expiretime_ms(expire_ms)
        type_id = KIND_TYPE_IDS.get(kind)
        if type_id is None:
            raise ValueError(f"unknown value kind {kind!r}")
        self.write_type(type_id)
        self.write_string(key)
        save_value(self, kind, value)

    def write_module_entry(
        self,
        key: bytes,
        name: str,
        encver: int,
        save: ModuleSaver,
        expire_ms: int | None = None,
    ) -> None:
        """A key record whose value is a module type (see :func:`save_module_value`)."""
        if expire_ms is not None:
            self.write_expiretime_ms(expire_ms)
        self.write_type(RDB_TYPE_MODULE_2)
        self.write_string(key)
        save_module_value(self, name, encver, save)

    # -- module value fields ---------------------------------------------------------------

    def write_module_uint(self, value: int) -> None:
        """An unsigned 64-bit integer field of a module value."""
        self.write_length(RDB_MODULE_OPCODE_UINT)
        self.write_length(value)

    def write_module_sint(self, value: int) -> None:
        """A signed 64-bit integer field of a module value."""
        if not -(1 << 63) <= value < 1 << 63:
            raise ValueError(f"signed 64-bit integer out of range: {value}")
        self.write_length(RDB_MODULE_OPCODE_SINT)
        self.write_length(value & ((1 << 64) - 1))

    def write_module_double(self, value: float) -> None:
        """A double field of a module value."""
        self.write_length(RDB_MODULE_OPCODE_DOUBLE)
        self.write_double_binary(value)

    def write_module_float(self, value: float) -> None:
        """A float field of a module value."""
        self.write_length(RDB_MODULE_OPCODE_FLOAT)
        self.write_float_binary(value)

    def write_module_string(self, value: Buffer) -> None:
        """A string field of a module value."""
        self.write_length(RDB_MODULE_OPCODE_STRING)
        self.write_string(value)

    # -- end -------------------------------------------------------------------------------

    def finish(self) -> int:
        """Write EOF and the CRC64 (little-endian) of everything before it; flush.

        Returns the checksum.  The file object is flushed but neither fsynced nor
        closed: that is the caller's job.
        """
        self.write_type(RDB_OPCODE_EOF)
        self._update_crc()
        checksum = self._crc
        self._buf += _U64.pack(checksum)
        self._crc_upto = len(self._buf)
        self.flush()
        self._finished = True
        if self._fp is not None:
            self._fp.flush()
        return checksum


# ---------------------------------------------------------------------- value encoders


def save_string(w: RdbWriter, value: Buffer) -> None:
    """The body of a string value (type 0)."""
    w.write_string(value)


def save_list(w: RdbWriter, value: Iterable[bytes]) -> None:
    """The body of a list value (type 1: a count, then each element)."""
    items = value if isinstance(value, list | tuple) else list(value)
    w.write_length(len(items))
    for item in items:
        w.write_string(item)


def save_set(w: RdbWriter, value: Iterable[bytes]) -> None:
    """The body of a set value (type 2: a count, then each member)."""
    items = value if isinstance(value, set | frozenset | list | tuple) else list(value)
    w.write_length(len(items))
    for item in items:
        w.write_string(item)


def save_zset(w: RdbWriter, value: Iterable[tuple[bytes, float]] | Mapping[bytes, float]) -> None:
    """The body of a zset value (type 5, zset2: member then 8-byte binary score)."""
    pairs = list(value.items()) if isinstance(value, Mapping) else list(value)
    w.write_length(len(pairs))
    for member, score in pairs:
        w.write_string(member)
        w.write_double_binary(score)


def save_hash(w: RdbWriter, value: Mapping[bytes, bytes] | Iterable[tuple[bytes, bytes]]) -> None:
    """The body of a hash value (type 4: a count, then field and value strings)."""
    pairs = list(value.items()) if isinstance(value, Mapping) else list(value)
    w.write_length(len(pairs))
    for field, item in pairs:
        w.write_string(field)
        w.write_string(item)


_SAVERS: Mapping[str, Callable[[RdbWriter, Any], None]] = {
    "string": save_string,
    "list": save_list,
    "set": save_set,
    "zset": save_zset,
    "hash": save_hash,
}


def save_value(w: RdbWriter, kind: str, value: Any) -> None:
    """The body of a value of ``kind`` (its type byte is ``KIND_TYPE_IDS[kind]``)."""
    saver = _SAVERS.get(kind)
    if saver is None:
        raise ValueError(f"unknown value kind {kind!r}")
    saver(w, value)


def save_module_value(w: RdbWriter, name: str, encver: int, save: ModuleSaver) -> None:
    """The body of a module-type value (type 7): module id, ``save``'s fields, EOF."""
    w.write_length(module_type_id(name, encver))
    save(w)
    w.write_length(RDB_MODULE_OPCODE_EOF)


# -------------------------------------------------------------------------- whole files


@dataclass(frozen=True, slots=True)
class RdbEntry:
    """One key read from an RDB file."""

    db: int
    """Database index (from the last SELECTDB)."""
    key: bytes
    kind: str
    """``"string"``, ``"list"``, ``"set"``, ``"zset"``, ``"hash"`` or a module loader's."""
    value: Any
    expire_ms: int | None
    """Absolute expiry in Unix milliseconds, or None.  May be in the past: dropping
    already-expired keys at load is the caller's policy (Redis masters drop them)."""
    type_id: int
    """The RDB type the value was stored with (which encoding Redis used)."""
    lru_idle: int | None = None
    """Idle time in seconds from an IDLE opcode (maxmemory-policy LRU), if any."""
    lfu_freq: int | None = None
    """LFU counter from a FREQ opcode, if any."""


RecordTuple = tuple[int, bytes, str, Any, int | None, int, int | None, int | None]
"""One key as :meth:`RdbParser.records` yields it (the fields of :class:`RdbEntry`)."""


class RdbParser:
    """Reads a whole RDB image: ``for entry in RdbParser(data): ...``.

    The header is checked on construction (``RdbError`` for a bad magic or an
    unsupported version).  Iterating yields :class:`RdbEntry` items and fills
    :attr:`aux` (AUX fields), :attr:`functions` (FUNCTION2 library sources),
    :attr:`resize_hints` and :attr:`checksum`; at EOF the CRC64 is verified (a stored
    checksum of 0 means "not computed" and is accepted, as Redis does).

    Empty containers (which Redis never keeps) are skipped and counted in
    :attr:`empty_keys_skipped`, as Redis 7 does on load.  A parser is single-pass.
    """

    def __init__(
        self,
        data: Buffer,
        *,
        module_loaders: Mapping[str, ModuleLoader] | None = None,
        verify_checksum: bool = True,
        max_version: int = RDB_MAX_LOAD_VERSION,
    ) -> None:
        self._data = data
        self._reader = RdbReader(data)
        self._module_loaders = module_loaders
        self._verify = verify_checksum
        head = self._reader.read_bytes(9) if self._reader.remaining >= 9 else b""
        if head[:5] != b"REDIS":
            raise RdbError("bad RDB magic (not an RDB file)")
        digits = head[5:9]
        if not digits.isdigit():
            raise RdbError(f"bad RDB version field {digits!r}")
        self.version = int(digits)
        if not 1 <= self.version <= max_version:
            raise RdbError(
                f"unsupported RDB version {self.version} (this reader supports 1..{max_version})"
            )
        self.aux: dict[bytes, bytes] = {}
        self.functions: list[bytes] = []
        self.resize_hints: dict[int, tuple[int, int]] = {}
        self.checksum: int | None = None
        self.empty_keys_skipped = 0
        self.done = False
        """True once EOF (and the checksum) has been read."""
        self._started = False

    @property
    def pos(self) -> int:
        """The offset of the next byte to read (for progress reports and error messages)."""
        return self._reader.pos

    @property
    def size(self) -> int:
        """The size of the whole image in bytes."""
        return len(self._data)

    def __iter__(self) -> Iterator[RdbEntry]:
        for record in self.records():
            yield RdbEntry(*record)

    def records(self) -> Iterator[RecordTuple]:
        """Like iterating, but each key is a plain tuple (faster for millions of keys):
        ``(db, key, kind, value, expire_ms, type_id, lru_idle, lfu_freq)``."""
        if self._started:
            raise RuntimeError("an RdbParser can be iterated only once")
        self._started = True
        r = self._reader
        buf: Any = r._buf  # bytes (slices are bytes) or a memoryview (slices are copied)
        end = r._end
        plain = type(buf) is bytes
        db = 0
        expire_ms: int | None = None
        idle: int | None = None
        freq: int | None = None
        loaders = self._module_loaders
        while True:
            t = r.read_type()
            if t == RDB_TYPE_STRING:
                # Fast path: a short key and a short value, both with a 6-bit length.
                pos = r.pos
                n = buf[pos] if pos < end else 64
                if n < 64:
                    kend = pos + 1 + n
                    m = buf[kend] if kend < end else 64
                    if m < 64 and kend + 1 + m <= end:
                        vend = kend + 1 + m
                        r.pos = vend
                        if plain:
                            key = buf[pos + 1 : kend]
                            value = buf[kend + 1 : vend]
                        else:
                            key = bytes(buf[pos + 1 : kend])
                            value = bytes(buf[kend + 1 : vend])
                        yield (db, key, "string", value, expire_ms, t, idle, freq)
                        expire_ms = idle = freq = None
                        continue
                key = r.read_string()
                value = r.read_string()
                yield (db, key, "string", value, expire_ms, t, idle, freq)
                expire_ms = idle = freq = None
            elif t == RDB_OPCODE_EXPIRETIME_MS:
                expire_ms = r.read_millis()
            elif t == RDB_OPCODE_EXPIRETIME:
                expire_ms = int.from_bytes(r.read_bytes(4), "little", signed=True) * 1000
            elif t == RDB_OPCODE_SELECTDB:
                db = r.read_len()
            elif t == RDB_OPCODE_RESIZEDB:
                self.resize_hints[db] = (r.read_len(), r.read_len())
            elif t == RDB_OPCODE_AUX:
                key = r.read_string()
                self.aux[key] = r.read_string()
            elif t == RDB_OPCODE_IDLE:
                idle = r.read_len()
            elif t == RDB_OPCODE_FREQ:
                freq = r.read_byte()
            elif t == RDB_OPCODE_FUNCTION2:
                self.functions.append(r.read_string())
            elif t == RDB_OPCODE_FUNCTION:
                # Redis 7.0 release candidates: name, engine, [desc], code.
                r.read_string()
                r.read_string()
                if r.read_len():
                    r.read_string()
                r.read_string()
            elif t == RDB_OPCODE_MODULE_AUX:
                name, encver = module_type_name(r.read_len())
                raise RdbModuleTypeError(name, encver, what="aux data")
            elif t == RDB_OPCODE_EOF:
                break
            else:
                key = r.read_string()
                kind, value = load_value(r, t, module_loaders=loaders)
                record = (db, key, kind, value, expire_ms, t, idle, freq)
                expire_ms = idle = freq = None
                if kind in _CONTAINER_KINDS and not value:
                    self.empty_keys_skipped += 1
                    continue
                yield record
        if self.version >= 5:
            body_end = r.pos
            self.checksum = r.read_uint64()
            if self._verify and self.checksum != 0:
                computed = crc64(memoryview(self._data)[:body_end])
                if computed != self.checksum:
                    raise RdbError(
                        f"CRC64 mismatch: the file says 0x{self.checksum:016x}, "
                        f"the data gives 0x{computed:016x}"
                    )
        self.done = True


def iter_rdb(
    data: Buffer,
    *,
    module_loaders: Mapping[str, ModuleLoader] | None = None,
    on_aux: Callable[[bytes, bytes], None] | None = None,
    verify_checksum: bool = True,
    max_version: int = RDB_MAX_LOAD_VERSION,
) -> Iterator[RdbEntry]:
    """Yield every key of an RDB image (see :class:`RdbParser`).

    ``on_aux(key, value)`` is called for each AUX field once iteration ends (use
    :class:`RdbParser` directly to see them earlier).  Raises :class:`RdbError` on any
    problem, including a CRC64 mismatch detected after the last entry.
    """
    parser = RdbParser(
        data,
        module_loaders=module_loaders,
        verify_checksum=verify_checksum,
        max_version=max_version,
    )
    yield from parser
    if on_aux is not None:
        for key, value in parser.aux.items():
            on_aux(key, value)


# ----------------------------------------------------------------------- DUMP / RESTORE


def _seal_payload(body: bytes, rdb_version: int) -> bytes:
    payload = body + _U16.pack(rdb_version)
    return payload + _U64.pack(crc64(payload))


def dump_payload(kind: str, value: Any, *, rdb_version: int = DUMP_RDB_VERSION) -> bytes:
    """A DUMP payload: type byte, value, 2-byte RDB version, CRC64 (both little-endian)."""
    w = RdbWriter()
    type_id = KIND_TYPE_IDS.get(kind)
    if type_id is None:
        raise ValueError(f"unknown value kind {kind!r}")
    w.write_type(type_id)
    save_value(w, kind, value)
    return _seal_payload(w.getvalue(), rdb_version)


def dump_module_payload(
    name: str,
    encver: int,
    save: ModuleSaver,
    *,
    rdb_version: int = DUMP_RDB_VERSION,
) -> bytes:
    """A DUMP payload for a module-type value."""
    w = RdbWriter()
    w.write_type(RDB_TYPE_MODULE_2)
    save_module_value(w, name, encver, save)
    return _seal_payload(w.getvalue(), rdb_version)


def parse_dump_payload(
    payload: Buffer,
    *,
    module_loaders: Mapping[str, ModuleLoader] | None = None,
    max_version: int = RDB_MAX_LOAD_VERSION,
) -> tuple[str, Any]:
    """Check and decode a DUMP payload: ``(kind, value)`` as :func:`load_value` gives.

    Raises :class:`RdbError` when the payload is too short, its RDB version is newer than
    ``max_version``, its CRC64 does not match, or the value is malformed or does not
    span the payload exactly (the command layer answers
    ``ERR DUMP payload version or checksum are wrong`` or ``ERR Bad data format``).
    """
    data = bytes(payload)
    if len(data) < 11:
        raise RdbError("DUMP payload too short")
    version = _U16.unpack_from(data, len(data) - 10)[0]
    if version > max_version:
        raise RdbError(f"DUMP payload RDB version {version} is newer than {max_version}")
    stored = _U64.unpack_from(data, len(data) - 8)[0]
    if crc64(memoryview(data)[:-8]) != stored:
        raise RdbError("DUMP payload CRC64 mismatch")
    reader = RdbReader(memoryview(data)[:-10])
    kind, value = load_value(reader, reader.read_type(), module_loaders=module_loaders)
    if not reader.at_end():
        raise RdbError(f"DUMP payload has {reader.remaining} trailing bytes after the value")
    return kind, value
