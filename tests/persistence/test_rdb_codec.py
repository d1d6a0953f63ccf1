"""RDB codec unit tests: primitives, compact encodings, whole files, DUMP payloads.

Byte strings written out by hand here follow the format description, or were captured
from redis-server 7.0 (marked so), and do not go through this package's encoders.
"""

from __future__ import annotations

import io
import math
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugredis.persistence import rdb
from plugredis.persistence.crc64 import crc64
from plugredis.persistence.rdb import (
    RdbEntry,
    RdbError,
    RdbModuleTypeError,
    RdbParser,
    RdbReader,
    RdbWriter,
    decode_intset,
    decode_listpack,
    decode_ziplist,
    decode_zipmap,
    dump_module_payload,
    dump_payload,
    encode_intset,
    encode_listpack,
    encode_ziplist,
    encode_zipmap,
    iter_rdb,
    load_value,
    module_type_id,
    module_type_name,
    parse_dump_payload,
)

# ----------------------------------------------------------------------------- helpers


def _reader(data: bytes) -> RdbReader:
    return RdbReader(data)


def _file(body: bytes, version: int = 9, checksum: bool = True) -> bytes:
    """An RDB image around ``body`` (records), with a correct CRC64 or a zero one."""
    data = b"REDIS%04d" % version + body + b"\xff"
    if version >= 5:
        data += (crc64(data) if checksum else 0).to_bytes(8, "little")
    return data


def _norm(kind: str, value: Any) -> Any:
    if kind == "zset":
        return dict(value)
    if kind == "list":
        return list(value)
    return value


# -------------------------------------------------------------------------- constants


def test_constants() -> None:
    assert rdb.RDB_TYPE_STRING == 0
    assert rdb.RDB_TYPE_ZSET_2 == 5
    assert rdb.RDB_TYPE_MODULE_2 == 7
    assert rdb.RDB_TYPE_HASH_ZIPMAP == 9
    assert rdb.RDB_TYPE_LIST_QUICKLIST_2 == 18
    assert rdb.RDB_TYPE_SET_LISTPACK == 20
    assert rdb.RDB_OPCODE_FUNCTION2 == 245
    assert rdb.RDB_OPCODE_MODULE_AUX == 247
    assert rdb.RDB_OPCODE_SELECTDB == 254
    assert rdb.RDB_OPCODE_EOF == 255
    assert dict(rdb.KIND_TYPE_IDS) == {"string": 0, "list": 1, "set": 2, "zset": 5, "hash": 4}


# ------------------------------------------------------------------------------- lengths


@pytest.mark.parametrize(
    "value, encoded",
    [
        (0, b"\x00"),
        (63, b"\x3f"),
        (64, b"\x40\x40"),
        (300, b"\x41\x2c"),
        (16383, b"\x7f\xff"),
        (16384, b"\x80\x00\x00\x40\x00"),
        (0xFFFFFFFF, b"\x80\xff\xff\xff\xff"),
        (1 << 32, b"\x81\x00\x00\x00\x01\x00\x00\x00\x00"),
        ((1 << 64) - 1, b"\x81" + b"\xff" * 8),
    ],
)
def test_length_encoding(value: int, encoded: bytes) -> None:
    w = RdbWriter()
    w.write_length(value)
    assert w.getvalue() == encoded
    r = _reader(encoded)
    assert r.read_length() == (value, False)
    assert r.at_end()


def test_length_errors() -> None:
    with pytest.raises(ValueError):
        RdbWriter().write_length(-1)
    with pytest.raises(ValueError):
        RdbWriter().write_length(1 << 64)
    with pytest.raises(RdbError, match="unknown length encoding 0x82"):
        _reader(b"\x82").read_length()
    with pytest.raises(RdbError, match="unexpected end of file at offset 1"):
        _reader(b"\x80\x00").read_length()
    assert _reader(b"\xc3").read_length() == (3, True)
    with pytest.raises(RdbError, match="expected a length"):
        _reader(b"\xc0").read_len()


@given(st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_length_round_trip(value: int) -> None:
    w = RdbWriter()
    w.write_length(value)
    r = _reader(w.getvalue())
    assert r.read_length() == (value, False)
    assert r.at_end()


# ------------------------------------------------------------------------------- strings


@pytest.mark.parametrize(
    "encoded, value",
    [
        (b"\x00", b""),
        (b"\x03abc", b"abc"),
        (b"\xc0\x7f", b"127"),
        (b"\xc0\x80", b"-128"),
        (b"\xc0\x00", b"0"),
        (b"\xc1\x00\x80", b"-32768"),
        (b"\xc1\x39\x30", b"12345"),
        (b"\xc2\xff\xff\xff\x7f", b"2147483647"),
        (b"\xc2\x00\x00\x00\x80", b"-2147483648"),
        # LZF: compressed length 6, plain length 9: literal "abc" + back-reference.
        (b"\xc3\x06\x09\x02abc\x80\x02", b"abcabcabc"),
    ],
)
def test_read_string_encodings(encoded: bytes, value: bytes) -> None:
    r = _reader(encoded)
    assert r.read_string() == value
    assert r.at_end()


@pytest.mark.parametrize(
    "value, encoded",
    [
        (b"0", b"\xc0\x00"),
        (b"-1", b"\xc0\xff"),
        (b"128", b"\xc1\x80\x00"),
        (b"-32769", b"\xc2\xff\x7f\xff\xff"),
        (b"2147483648", b"\x0a2147483648"),  # does not fit in 32 bits
        (b"007", b"\x03007"),  # not canonical
        (b"+1", b"\x02+1"),
        (b"-0", b"\x02-0"),
        (b" 1", b"\x02 1"),
        (b"1_0", b"\x031_0"),
        (b"", b"\x00"),
    ],
)
def test_write_string_integer_encoding(value: bytes, encoded: bytes) -> None:
    w = RdbWriter()
    w.write_string(value)
    assert w.getvalue() == encoded
    plain = RdbWriter(encode_ints=False)
    plain.write_string(value)
    assert plain.getvalue() == bytes((len(value),)) + value


def test_write_string_compression() -> None:
    data = b"abcdefgh" * 100
    w = RdbWriter(compress=True)
    w.write_string(data)
    out = w.getvalue()
    assert out[0] == 0xC3 and len(out) < 100
    assert _reader(out).read_string() == data
    # Short or incompressible strings stay plain.
    for value in (b"a" * 20, bytes(range(200))):
        w = RdbWriter(compress=True)
        w.write_string(value)
        assert w.getvalue()[0] != 0xC3


def test_string_errors() -> None:
    with pytest.raises(RdbError, match="unknown string encoding 4"):
        _reader(b"\xc4").read_string()
    with pytest.raises(RdbError, match="unexpected end of file at offset 1"):
        _reader(b"\x05ab").read_string()
    with pytest.raises(RdbError, match="corrupt LZF"):
        _reader(b"\xc3\x02\x09\x02a").read_string()
    with pytest.raises(RdbError, match="bad length"):
        _reader(b"\xc3\x01\x81\x00\x00\x00\x01\x00\x00\x00\x00\x00").read_string()


@given(st.binary(max_size=300), st.booleans(), st.booleans())
def test_string_round_trip(value: bytes, encode_ints: bool, compress: bool) -> None:
    w = RdbWriter(encode_ints=encode_ints, compress=compress)
    w.write_string(value)
    r = _reader(w.getvalue())
    assert r.read_string() == value
    assert r.at_end()


@given(st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1))
def test_integer_string_round_trip(value: int) -> None:
    w = RdbWriter()
    w.write_string(str(value).encode())
    assert _reader(w.getvalue()).read_string() == str(value).encode()


# ------------------------------------------------------------------------------- doubles


def test_doubles() -> None:
    w = RdbWriter()
    w.write_double_binary(1.5)
    assert w.getvalue() == struct.pack("<d", 1.5)
    assert _reader(w.getvalue()).read_double_binary() == 1.5
    assert _reader(b"\x031.5").read_double_ascii() == 1.5
    assert _reader(b"\xfe").read_double_ascii() == math.inf
    assert _reader(b"\xff").read_double_ascii() == -math.inf
    assert math.isnan(_reader(b"\xfd").read_double_ascii())
    with pytest.raises(RdbError, match="bad ASCII double"):
        _reader(b"\x03abc").read_double_ascii()


@given(st.floats(allow_nan=False))
def test_double_round_trips(value: float) -> None:
    for write, read in (
        (RdbWriter.write_double_binary, RdbReader.read_double_binary),
        (RdbWriter.write_double_ascii, RdbReader.read_double_ascii),
    ):
        w = RdbWriter()
        write(w, value)
        assert read(_reader(w.getvalue())) == value


# ------------------------------------------------------------------ compact encodings


# Captured from redis-server 7.0: ZADD z 1 a 2.5 b (a listpack of 4 entries).
LISTPACK_ZSET = bytes.fromhex("140000000400816102010181620283322e3504ff")
# Captured from redis-server 7.0: RPUSH l a b 1 2 -5 300 70000.
LISTPACK_LIST = bytes.fromhex("1c000000 0700 816102 816202 0101 0201 dffb02 c12c02 f270110104 ff")


def test_decode_listpack_captured() -> None:
    assert decode_listpack(LISTPACK_ZSET) == [b"a", b"1", b"b", b"2.5"]
    assert decode_listpack(LISTPACK_LIST) == [b"a", b"b", b"1", b"2", b"-5", b"300", b"70000"]
    assert encode_listpack([b"a", b"b", b"1", b"2", b"-5", b"300", b"70000"]) == LISTPACK_LIST


def test_decode_listpack_hand_built() -> None:
    entries = [
        (b"\x81a", b"a"),  # 6-bit string
        (b"\x05", b"5"),  # 7-bit uint
        (b"\x7f", b"127"),
        (b"\xdf\xfb", b"-5"),  # 13-bit int
        (b"\xc1\x2c", b"300"),
        (b"\xcf\xff", b"4095"),
        (b"\xd0\x00", b"-4096"),
        (b"\xf1\x00\x80", b"-32768"),  # int16
        (b"\xf2\x70\x11\x01", b"70000"),  # int24
        (b"\xf3\x00\x00\x00\x80", b"-2147483648"),  # int32
        (b"\xf4" + (2**63 - 1).to_bytes(8, "little"), b"9223372036854775807"),  # int64
        (b"\xe0\x40" + b"x" * 64, b"x" * 64),  # 12-bit string
        (b"\x80", b""),
    ]
    body = b""
    for enc, _ in entries:
        n = len(enc)
        body += enc + (bytes((n,)) if n <= 127 else bytes((n >> 7, (n & 127) | 128)))
    blob = struct.pack("<IH", 6 + len(body) + 1, len(entries)) + body + b"\xff"
    assert decode_listpack(blob) == [v for _, v in entries]
    # Unknown element count (65535) is accepted.
    unknown = blob[:4] + b"\xff\xff" + blob[6:]
    assert decode_listpack(unknown) == [v for _, v in entries]


@pytest.mark.parametrize("size", [4094, 4095, 4096, 16377, 16378, 16379, 40000])
def test_listpack_large_strings_and_backlen(size: int) -> None:
    value = b"v" * size
    blob = encode_listpack([b"k", value, b"7"])
    assert decode_listpack(blob) == [b"k", value, b"7"]


@pytest.mark.parametrize(
    "blob, match",
    [
        (b"", "bad header"),
        (struct.pack("<IH", 8, 1) + b"\x05\x01", "bad header"),  # no terminator
        (struct.pack("<IH", 9, 1) + b"\x05\x02\xff", "back-length"),
        (struct.pack("<IH", 9, 2) + b"\x05\x01\xff", "header says 2"),
        (struct.pack("<IH", 9, 1) + b"\x85\x01\xff", "past the end"),
        (struct.pack("<IH", 10, 1) + b"\xf5\x00\x01\xff", "bad entry encoding"),
    ],
)
def test_listpack_corrupt(blob: bytes, match: str) -> None:
    with pytest.raises(RdbError, match=match):
        decode_listpack(blob)


def test_decode_ziplist_hand_built() -> None:
    # ["ab", 7, 1000, -2] (see the format notes in rdb.decode_ziplist).
    blob = bytes.fromhex("18000000 14000000 0400 00026162 04f8 02c0e803 04fefe ff")
    assert decode_ziplist(blob) == [b"ab", b"7", b"1000", b"-2"]


def test_decode_ziplist_all_encodings() -> None:
    items = [
        b"",
        b"x" * 63,
        b"y" * 64,
        b"z" * 16384,
        b"0",
        b"12",
        b"13",
        b"-1",
        b"-129",
        b"40000",
        b"-8388608",
        b"2147483647",
        b"-9223372036854775808",
        b"9223372036854775808",
    ]
    blob = encode_ziplist(items)
    assert decode_ziplist(blob) == items
    # The header's tail offset points at the last entry.
    assert struct.unpack_from("<I", blob, 4)[0] < len(blob) - 1


def test_ziplist_corrupt() -> None:
    with pytest.raises(RdbError, match="corrupt ziplist"):
        decode_ziplist(bytes.fromhex("0b000000 0a000000 0000 fe"))
    good = bytes.fromhex("18000000 14000000 0400 00026162 04f8 02c0e803 04fefe ff")
    with pytest.raises(RdbError, match="header says 5"):
        decode_ziplist(good[:8] + b"\x05\x00" + good[10:])
    with pytest.raises(RdbError, match="bad header"):
        decode_ziplist(good[:-1])


def test_decode_intset() -> None:
    # Captured from redis-server 7.0: SADD s 1 2 3.
    assert decode_intset(bytes.fromhex("0200000003000000010002000300")) == [b"1", b"2", b"3"]
    blob = struct.pack("<II2q", 8, 2, -(2**63), 2**63 - 1)
    assert decode_intset(blob) == [b"-9223372036854775808", b"9223372036854775807"]
    with pytest.raises(RdbError, match="bad integer width 3"):
        decode_intset(struct.pack("<II", 3, 0))
    with pytest.raises(RdbError, match="corrupt intset"):
        decode_intset(struct.pack("<II", 2, 5) + b"\x00\x00")


def test_decode_zipmap() -> None:
    assert decode_zipmap(b"\x01\x01f\x01\x00v\xff") == [b"f", b"v"]
    # A value with 2 free bytes after it, and a 300-byte key (254 + u32 length).
    blob = b"\x02\x01a\x01\x02bXX" + b"\xfe" + struct.pack("<I", 300) + b"k" * 300 + b"\x00\x00\xff"
    assert decode_zipmap(blob) == [b"a", b"b", b"k" * 300, b""]
    with pytest.raises(RdbError, match="corrupt zipmap"):
        decode_zipmap(b"\x01\x01f\x05\x00v\xff")
    with pytest.raises(RdbError, match="corrupt zipmap"):
        decode_zipmap(b"\x01\x01f\xff")


_items = st.lists(
    st.one_of(
        st.binary(max_size=80),
        st.integers(min_value=-(2**63), max_value=2**63 - 1).map(lambda i: str(i).encode()),
        st.sampled_from([b"-0", b"007", b"+5", b"1e3", b"9223372036854775808"]),
    ),
    max_size=40,
)


@given(_items)
def test_listpack_round_trip(items: list[bytes]) -> None:
    assert decode_listpack(encode_listpack(items)) == items


@given(_items)
def test_ziplist_round_trip(items: list[bytes]) -> None:
    assert decode_ziplist(encode_ziplist(items)) == items


@given(st.sets(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=40))
def test_intset_round_trip(values: set[int]) -> None:
    assert decode_intset(encode_intset(values)) == [str(v).encode() for v in sorted(values)]


@given(st.dictionaries(st.binary(max_size=300), st.binary(max_size=300), max_size=10))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_zipmap_round_trip(mapping: dict[bytes, bytes]) -> None:
    flat = [x for pair in mapping.items() for x in pair]
    assert decode_zipmap(encode_zipmap(mapping.items())) == flat


# -------------------------------------------------------------------------- load_value


def _load(type_id: int, body: bytes, **kw: Any) -> tuple[str, Any]:
    r = _reader(body)
    result = load_value(r, type_id, **kw)
    assert r.at_end()
    return result


def _blob(data: bytes) -> bytes:
    w = RdbWriter(encode_ints=False)
    w.write_string(data)
    return w.getvalue()


def test_load_plain_types() -> None:
    assert _load(0, b"\x02hi") == ("string", b"hi")
    assert _load(1, b"\x02\x01a\xc0\x05") == ("list", [b"a", b"5"])
    assert _load(2, b"\x02\x01a\x01b") == ("set", {b"a", b"b"})
    assert _load(4, b"\x01\x01f\x01v") == ("hash", {b"f": b"v"})
    assert _load(5, b"\x01\x01m" + struct.pack("<d", -2.5)) == ("zset", [(b"m", -2.5)])
    assert _load(3, b"\x02\x01m\x031.5\x01n\xfe") == ("zset", [(b"m", 1.5), (b"n", math.inf)])


def test_load_compact_types() -> None:
    lp_list = encode_listpack([b"a", b"12"])
    assert _load(10, _blob(encode_ziplist([b"a", b"12"]))) == ("list", [b"a", b"12"])
    quicklist1 = b"\x02" + _blob(encode_ziplist([b"a"])) + _blob(encode_ziplist([b"b", b"3"]))
    assert _load(14, quicklist1) == ("list", [b"a", b"b", b"3"])
    quicklist2 = (
        b"\x03\x02" + _blob(lp_list) + b"\x01" + _blob(b"plain node") + b"\x02" + _blob(lp_list)
    )
    assert _load(18, quicklist2) == ("list", [b"a", b"12", b"plain node", b"a", b"12"])
    assert _load(11, _blob(encode_intset([3, -1]))) == ("set", {b"-1", b"3"})
    assert _load(20, _blob(encode_listpack([b"x", b"7"]))) == ("set", {b"x", b"7"})
    assert _load(12, _blob(encode_ziplist([b"a", b"1", b"b", b"-inf"]))) == (
        "zset",
        [(b"a", 1.0), (b"b", -math.inf)],
    )
    assert _load(17, _blob(LISTPACK_ZSET)) == ("zset", [(b"a", 1.0), (b"b", 2.5)])
    assert _load(9, _blob(encode_zipmap([(b"f", b"v")]))) == ("hash", {b"f": b"v"})
    assert _load(13, _blob(encode_ziplist([b"f", b"1"]))) == ("hash", {b"f": b"1"})
    assert _load(16, _blob(encode_listpack([b"f", b"v", b"g", b""]))) == (
        "hash",
        {b"f": b"v", b"g": b""},
    )


@pytest.mark.parametrize(
    "type_id, body, match",
    [
        (2, b"\x02\x01a\x01a", "duplicate set member"),
        (4, b"\x02\x01f\x01v\x01f\x01w", "duplicate hash field"),
        (5, b"\x02\x01m" + struct.pack("<d", 1) + b"\x01m" + struct.pack("<d", 2), "duplicate"),
        (5, b"\x01\x01m" + struct.pack("<d", math.nan), "NaN"),
        (16, _blob(encode_listpack([b"f"])), "odd number"),
        (17, _blob(encode_listpack([b"m", b"notanumber"])), "bad zset score"),
        (11, _blob(encode_intset([1])[:-1]), "corrupt intset"),
        (18, b"\x01\x03" + _blob(b"x"), "quicklist node container 3"),
        (15, b"", "stream values"),
        (19, b"", "stream values"),
        (6, b"", "pre-GA module"),
        (8, b"", "unknown value type 8"),
        (99, b"", "unknown value type 99"),
        (1, b"\x05\x01a", "unexpected end of file"),
    ],
)
def test_load_value_errors(type_id: int, body: bytes, match: str) -> None:
    with pytest.raises(RdbError, match=match):
        load_value(_reader(body), type_id)


# ------------------------------------------------------------------------------ modules


def test_module_type_ids() -> None:
    ident = module_type_id("plugtype1", 3)
    assert module_type_name(ident) == ("plugtype1", 3)
    assert module_type_name(module_type_id("AAAAAAAAA", 0)) == ("AAAAAAAAA", 0)
    assert module_type_id("AAAAAAAAA", 0) == 0
    assert module_type_id("_________", 1023) == (1 << 64) - 1
    for bad in ("short", "toolongname", "bad name!"):
        with pytest.raises(ValueError):
            module_type_id(bad, 0)
    with pytest.raises(ValueError):
        module_type_id("plugtype1", 1024)


@given(st.text(alphabet=rdb._MODULE_CHARSET, min_size=9, max_size=9), st.integers(0, 1023))
def test_module_type_id_round_trip(name: str, encver: int) -> None:
    assert module_type_name(module_type_id(name, encver)) == (name, encver)


def _save_counter(w: RdbWriter) -> None:
    w.write_module_uint(42)
    w.write_module_sint(-7)
    w.write_module_double(0.25)
    w.write_module_float(1.5)
    w.write_module_string(b"payload")


def _load_counter(r: RdbReader, encver: int) -> tuple[str, Any]:
    return "counter", (
        encver,
        r.read_module_uint(),
        r.read_module_sint(),
        r.read_module_double(),
        r.read_module_float(),
        r.read_module_string(),
    )


def test_module_values_round_trip_and_missing_loader() -> None:
    w = RdbWriter()
    w.write_header()
    w.write_module_entry(b"k", "countertp", 2, _save_counter, expire_ms=123)
    w.finish()
    data = w.getvalue()
    with pytest.raises(RdbModuleTypeError, match="'countertp'") as info:
        list(iter_rdb(data))
    assert (info.value.name, info.value.encver) == ("countertp", 2)
    (entry,) = iter_rdb(data, module_loaders={"countertp": _load_counter})
    assert entry.kind == "counter"
    assert entry.value == (2, 42, -7, 0.25, 1.5, b"payload")
    assert entry.expire_ms == 123 and entry.type_id == 7

    def lazy_loader(r: RdbReader, encver: int) -> tuple[str, Any]:
        return "counter", r.read_module_uint()

    with pytest.raises(RdbError, match="not terminated by EOF"):
        list(iter_rdb(data, module_loaders={"countertp": lazy_loader}))

    def skipping_loader(r: RdbReader, encver: int) -> tuple[str, Any]:
        r.skip_module_value()
        r.pos -= 1  # leave the EOF opcode for load_value to check
        return "skipped", None

    (entry,) = iter_rdb(data, module_loaders={"countertp": skipping_loader})
    assert entry.kind == "skipped"

    payload = dump_module_payload("countertp", 2, _save_counter)
    assert parse_dump_payload(payload, module_loaders={"countertp": _load_counter}) == (
        "counter",
        (2, 42, -7, 0.25, 1.5, b"payload"),
    )
    with pytest.raises(RdbModuleTypeError):
        parse_dump_payload(payload)


def test_module_field_opcode_mismatch() -> None:
    w = RdbWriter()
    w.write_module_double(1.0)
    with pytest.raises(RdbError, match="has opcode 4, expected 2"):
        _reader(w.getvalue()).read_module_uint()


def test_module_aux_is_refused_with_the_module_name() -> None:
    w = RdbWriter()
    w.write_type(rdb.RDB_OPCODE_MODULE_AUX)
    w.write_length(module_type_id("searchidx", 1))
    data = _file(w.getvalue())
    with pytest.raises(RdbModuleTypeError, match="aux data of module type 'searchidx'"):
        list(iter_rdb(data))


# ------------------------------------------------------------------------------- files


SAMPLE: dict[int, dict[bytes, tuple[str, Any, int | None]]] = {
    0: {
        b"s": ("string", b"hello", None),
        b"n": ("string", b"-123", 1_900_000_000_000),
        b"e": ("string", b"", None),
        b"l": ("list", [b"a", b"1", b"", b"a"], None),
        b"set": ("set", {b"x", b"2"}, None),
        b"z": ("zset", [(b"m", 1.5), (b"n", -math.inf)], 1_900_000_000_001),
        b"h": ("hash", {b"f": b"v", b"g": b"17"}, None),
    },
    3: {b"\x00bin\xff": ("string", bytes(range(256)), None)},
}


def _write_sample(w: RdbWriter) -> None:
    w.write_header()
    w.write_aux("redis-ver", "7.0.15")
    w.write_aux("redis-bits", 64)
    w.write_aux(b"ctime", 1_700_000_000)
    for db, keys in SAMPLE.items():
        w.write_selectdb(db)
        w.write_resizedb(len(keys), sum(1 for *_, ttl in keys.values() if ttl is not None))
        for key, (kind, value, ttl) in keys.items():
            w.write_entry(key, kind, value, expire_ms=ttl)
    w.finish()


def _read_sample(data: bytes) -> dict[int, dict[bytes, tuple[str, Any, int | None]]]:
    out: dict[int, dict[bytes, tuple[str, Any, int | None]]] = {}
    for entry in iter_rdb(data):
        out.setdefault(entry.db, {})[entry.key] = (entry.kind, entry.value, entry.expire_ms)
    return out


def test_file_round_trip_memory_and_fp() -> None:
    w = RdbWriter()
    _write_sample(w)
    data = w.getvalue()
    assert data.startswith(b"REDIS0009\xfa\x09redis-ver")
    assert int.from_bytes(data[-8:], "little") == crc64(data[:-8])
    assert _read_sample(data) == SAMPLE

    fp = io.BytesIO()
    fw = RdbWriter(fp)
    _write_sample(fw)
    assert fp.getvalue() == data
    assert fw.bytes_written == len(data)

    parser = RdbParser(data)
    entries = list(parser)
    assert parser.version == 9 and parser.done
    assert parser.aux == {b"redis-ver": b"7.0.15", b"redis-bits": b"64", b"ctime": b"1700000000"}
    assert parser.resize_hints == {0: (7, 2), 3: (1, 0)}
    assert parser.checksum == crc64(data[:-8])
    assert [e.type_id for e in entries[:7]] == [0, 0, 0, 1, 2, 5, 4]
    seen: dict[bytes, bytes] = {}
    list(iter_rdb(data, on_aux=seen.__setitem__))
    assert seen == parser.aux


def test_large_file_written_through_fp_in_chunks(tmp_path: Any) -> None:
    big = [bytes([i % 256]) * 1000 for i in range(500)]
    path = tmp_path / "dump.rdb"
    with open(path, "wb") as fp:
        w = RdbWriter(fp)
        w.write_header()
        w.write_selectdb(0)
        w.write_entry(b"big", "list", iter(big))
        w.write_entry(b"str", "string", b"x" * 200_000)
        checksum = w.finish()
    data = path.read_bytes()
    assert int.from_bytes(data[-8:], "little") == checksum == crc64(data[:-8])
    entries = {e.key: e.value for e in iter_rdb(data)}
    assert entries == {b"big": big, b"str": b"x" * 200_000}
    # A memoryview (e.g. of an mmap) works as input too.
    assert {e.key: e.value for e in iter_rdb(memoryview(data))} == entries


def test_parser_header_errors() -> None:
    with pytest.raises(RdbError, match="bad RDB magic"):
        RdbParser(b"RADIS0009\xff")
    with pytest.raises(RdbError, match="bad RDB magic"):
        RdbParser(b"RED")
    with pytest.raises(RdbError, match="bad RDB version field"):
        RdbParser(b"REDIS00x9\xff")
    with pytest.raises(RdbError, match="unsupported RDB version 11"):
        RdbParser(_file(b"", version=11))
    with pytest.raises(RdbError, match="unsupported RDB version 0"):
        RdbParser(_file(b"", version=0))
    assert list(RdbParser(_file(b"", version=11), max_version=11)) == []


def test_checksum_handling() -> None:
    body = b"\xfe\x00\x00\x01k\x01v"
    good = _file(body)
    assert [e.value for e in iter_rdb(good)] == [b"v"]
    bad = good[:-1] + bytes([good[-1] ^ 1])
    with pytest.raises(RdbError, match="CRC64 mismatch"):
        list(iter_rdb(bad))
    assert [e.value for e in iter_rdb(bad, verify_checksum=False)] == [b"v"]
    flipped = good.replace(b"\x01v", b"\x01w")
    with pytest.raises(RdbError, match="CRC64 mismatch"):
        list(iter_rdb(flipped))
    # A zero checksum means "not computed" (rdbchecksum no) and is accepted.
    assert [e.value for e in iter_rdb(_file(body, checksum=False))] == [b"v"]
    # Before version 5 there is no checksum at all.
    assert [e.value for e in iter_rdb(_file(body, version=4))] == [b"v"]
    with pytest.raises(RdbError, match="unexpected end of file"):
        list(iter_rdb(good[:-3]))


def test_opcodes_idle_freq_expire_functions() -> None:
    body = (
        b"\xfe\x02"  # SELECTDB 2
        b"\xfb\x02\x01"  # RESIZEDB 2 1
        b"\xf5"
        + _blob(b"#!lua name=lib\nredis.register_function('f', function() end)")
        + b"\xf6\x02fn\x03lua\x01\x04desc\x04code"  # pre-GA FUNCTION: skipped
        b"\xf8\x81\x00\x00\x00\x00\x00\x00\x01\x00"  # IDLE 256
        b"\xfd\x10\x00\x00\x00"  # EXPIRETIME (seconds) 16
        b"\x00\x01a\x01A"
        b"\xf9\x07"  # FREQ 7
        b"\xfc" + (1234).to_bytes(8, "little") + b"\x00\x01b\x01B"
        b"\x00\x01c\x01C"
    )
    parser = RdbParser(_file(body))
    entries = list(parser)
    assert entries == [
        RdbEntry(2, b"a", "string", b"A", 16_000, 0, 256, None),
        RdbEntry(2, b"b", "string", b"B", 1234, 0, None, 7),
        RdbEntry(2, b"c", "string", b"C", None, 0, None, None),
    ]
    assert parser.functions == [b"#!lua name=lib\nredis.register_function('f', function() end)"]
    assert parser.resize_hints == {2: (2, 1)}


def test_empty_containers_are_skipped() -> None:
    body = b"\x01\x01l\x00" + b"\x10\x01h" + _blob(encode_listpack([])) + b"\x00\x01s\x00"
    parser = RdbParser(_file(body))
    assert [(e.key, e.value) for e in parser] == [(b"s", b"")]
    assert parser.empty_keys_skipped == 2


_values = st.one_of(
    st.tuples(st.just("string"), st.binary(max_size=50)),
    st.tuples(st.just("list"), st.lists(st.binary(max_size=20), min_size=1, max_size=10)),
    st.tuples(st.just("set"), st.sets(st.binary(max_size=20), min_size=1, max_size=10)),
    st.tuples(
        st.just("hash"),
        st.dictionaries(st.binary(max_size=10), st.binary(max_size=20), min_size=1, max_size=10),
    ),
    st.tuples(
        st.just("zset"),
        st.dictionaries(
            st.binary(max_size=10), st.floats(allow_nan=False), min_size=1, max_size=10
        ).map(lambda d: list(d.items())),
    ),
)


@given(
    st.dictionaries(
        st.integers(0, 15),
        st.dictionaries(
            st.binary(max_size=12),
            st.tuples(_values, st.one_of(st.none(), st.integers(0, 2**62))),
            max_size=6,
        ),
        max_size=3,
    ),
    st.booleans(),
    st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_file_round_trip_property(
    dbs: dict[int, dict[bytes, tuple[tuple[str, Any], int | None]]],
    compress: bool,
    encode_ints: bool,
) -> None:
    w = RdbWriter(compress=compress, encode_ints=encode_ints)
    w.write_header()
    for db, keys in dbs.items():
        w.write_selectdb(db)
        for key, ((kind, value), ttl) in keys.items():
            w.write_entry(key, kind, value, expire_ms=ttl)
    w.finish()
    got = {
        (e.db, e.key): (e.kind, _norm(e.kind, e.value), e.expire_ms) for e in iter_rdb(w.getvalue())
    }
    want = {
        (db, key): (kind, _norm(kind, value), ttl)
        for db, keys in dbs.items()
        for key, ((kind, value), ttl) in keys.items()
    }
    assert got == want


@given(st.binary(max_size=400), st.integers(min_value=0), st.data())
@settings(max_examples=300, deadline=None)
def test_hostile_input_raises_only_rdb_error(junk: bytes, seed: int, data: st.DataObject) -> None:
    """Random corruption of a valid file: parsing either succeeds or raises RdbError."""
    w = RdbWriter(compress=True)
    _write_sample(w)
    good = bytearray(w.getvalue())
    mode = data.draw(st.sampled_from(["flip", "truncate", "splice", "junk"]))
    if mode == "flip":
        pos = data.draw(st.integers(9, len(good) - 1))
        good[pos] = data.draw(st.integers(0, 255))
    elif mode == "truncate":
        del good[data.draw(st.integers(9, len(good) - 1)) :]
    elif mode == "splice":
        pos = data.draw(st.integers(9, len(good) - 1))
        good[pos:pos] = junk
    else:
        good = bytearray(b"REDIS0009" + junk)
    try:
        list(iter_rdb(bytes(good), verify_checksum=False))
    except RdbError:
        pass


# -------------------------------------------------------------------------- DUMP payloads


def test_dump_payload_captured_from_redis() -> None:
    # DUMP of SET k hello and RPUSH l a 1, from redis-server 7.0.
    assert parse_dump_payload(bytes.fromhex("000568656c6c6f0a006372df766534200a")) == (
        "string",
        b"hello",
    )
    lst = bytes.fromhex("1201020c0c00000002008161020101ff0a0094962b23ac17aa85")
    assert parse_dump_payload(lst) == ("list", [b"a", b"1"])


def test_dump_payload_layout() -> None:
    payload = dump_payload("string", b"hello")
    assert payload[:7] == b"\x00\x05hello"
    assert payload[7:9] == b"\x0a\x00"
    assert int.from_bytes(payload[9:], "little") == crc64(payload[:9])
    assert dump_payload("string", b"hello", rdb_version=9)[7:9] == b"\x09\x00"


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda p: p[:9], "too short"),
        (lambda p: p[:-10] + b"\x09" + p[-9:], "CRC64 mismatch"),
        (lambda p: p[:-1] + bytes([p[-1] ^ 0x40]), "CRC64 mismatch"),
        (lambda p: b"\x00\x05hellx" + p[7:], "CRC64 mismatch"),
    ],
)
def test_dump_payload_errors(mutate: Any, match: str) -> None:
    with pytest.raises(RdbError, match=match):
        parse_dump_payload(mutate(dump_payload("string", b"hello")))


def _seal(body: bytes, version: int = 10) -> bytes:
    head = body + version.to_bytes(2, "little")
    return head + crc64(head).to_bytes(8, "little")


def test_dump_payload_version_and_trailing_bytes() -> None:
    with pytest.raises(RdbError, match="RDB version 11"):
        parse_dump_payload(_seal(b"\x00\x01a", version=11))
    assert parse_dump_payload(_seal(b"\x00\x01a", version=11), max_version=11) == ("string", b"a")
    assert parse_dump_payload(_seal(b"\x00\x01a", version=1)) == ("string", b"a")
    with pytest.raises(RdbError, match="trailing bytes"):
        parse_dump_payload(_seal(b"\x00\x01aXX"))
    with pytest.raises(RdbError, match="unexpected end of file"):
        parse_dump_payload(_seal(b"\x00\x05a"))


@given(_values)
@settings(max_examples=100)
def test_dump_payload_round_trip(kind_value: tuple[str, Any]) -> None:
    kind, value = kind_value
    got_kind, got = parse_dump_payload(dump_payload(kind, value))
    assert got_kind == kind
    assert _norm(kind, got) == _norm(kind, value)


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown value kind"):
        dump_payload("stream", b"")
    with pytest.raises(ValueError, match="unknown value kind"):
        RdbWriter().write_entry(b"k", "stream", b"")


def test_parser_is_single_pass() -> None:
    parser = RdbParser(_file(b"\x00\x01k\x01v"))
    assert len(list(parser)) == 1
    with pytest.raises(RuntimeError, match="only once"):
        list(parser)
