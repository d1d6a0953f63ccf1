"""Property tests: INCRBYFLOAT's long double arithmetic, bit ranges, BITFIELD and LCS, each
compared with a real redis-server on random inputs (plus LCS's table against a plain DP)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from plugredis_strings.lcs import lcs_rows, lcs_table_value
from plugredis_strings.longdouble import ld_add, ld_format, ld_parse

pytestmark = pytest.mark.plugredis(plugins=["strings"])

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _same(pair: Any, *cmd: Any) -> bytes:
    ours, theirs = pair.raw(*cmd)
    assert ours == theirs, f"{cmd!r}: plugredis {ours!r} != redis {theirs!r}"
    return ours


# -- INCRBYFLOAT -----------------------------------------------------------------------------------

_digits = st.text("0123456789", min_size=0, max_size=25)
_exponent = st.one_of(
    st.integers(-30, 30), st.integers(-5000, 5000), st.sampled_from([-4951, -4950, 4931, 4932])
)


@st.composite
def decimal_text(draw: Any) -> str:
    sign = draw(st.sampled_from(["", "-", "+"]))
    ip = draw(_digits)
    fp = draw(st.none() | _digits)
    body = ip if fp is None else f"{ip}.{fp}"
    if draw(st.booleans()):
        body += draw(st.sampled_from(["e", "E"])) + str(draw(_exponent))
    return sign + body


@st.composite
def hex_text(draw: Any) -> str:
    sign = draw(st.sampled_from(["", "-"]))
    ip = draw(st.text("0123456789abcdefABCDEF", min_size=0, max_size=20))
    fp = draw(st.none() | st.text("0123456789abcdef", max_size=20))
    body = ip if fp is None else f"{ip}.{fp}"
    if draw(st.booleans()):
        body += "p" + str(draw(st.integers(-16500, 16400)))
    return f"{sign}0x{body}"


floats_text = st.one_of(
    decimal_text(),
    hex_text(),
    st.floats(allow_nan=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(float.hex),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(
        ["inf", "-inf", "Infinity", "nan", "", " 1", "1 ", "0x", "1e", ".", "-0", "+0"]
    ),
)


@SETTINGS
@given(base=floats_text, incr=floats_text)
@example(base="10.5", incr="0.1")
@example(base="0.000003814697265625", incr="0")
@example(base="1.18973149535723176502e+4932", incr="1e4913")
@example(base="-1e-4950", incr="1e-4950")
def test_incrbyfloat_matches_redis(redis_pair: Any, base: str, incr: str) -> None:
    _same(redis_pair, "SET", "f", base)
    _same(redis_pair, "INCRBYFLOAT", "f", incr)
    _same(redis_pair, "INCRBYFLOAT", "f", incr)
    _same(redis_pair, "GET", "f")


def test_longdouble_basics() -> None:
    def calc(a: bytes, b: bytes) -> bytes:
        total = ld_add(ld_parse(a), ld_parse(b))
        assert total is not None
        return ld_format(total)

    assert calc(b"10.5", b"0.1") == b"10.6"
    assert calc(b"3.0e3", b"0") == b"3000"
    assert calc(b"0.1", b"0.2") == b"0.3"
    assert calc(b"-0", b"-0") == b"0"
    assert calc(b"-1e-20", b"0") == b"0"
    assert calc(b"0x1p-2", b"0") == b"0.25"
    assert calc(b"1e19", b"1") == b"10000000000000000001"
    assert ld_add(ld_parse(b"inf"), ld_parse(b"-inf")) is None


# -- bit ranges --------------------------------------------------------------------------------

_small_ints = st.one_of(st.integers(-50, 50), st.sampled_from([-(2**63), 2**63 - 1]))


@SETTINGS
@given(
    value=st.binary(max_size=8),
    start=_small_ints,
    end=_small_ints,
    unit=st.sampled_from([None, "BIT", "BYTE"]),
    bit=st.sampled_from(["0", "1"]),
)
def test_bitcount_bitpos_ranges_match_redis(
    redis_pair: Any, value: bytes, start: int, end: int, unit: str | None, bit: str
) -> None:
    _same(redis_pair, "SET", "b", value)
    tail = [unit] if unit else []
    _same(redis_pair, "BITCOUNT", "b", start, end, *tail)
    _same(redis_pair, "BITPOS", "b", bit, start, end, *tail)
    _same(redis_pair, "BITPOS", "b", bit, start)
    _same(redis_pair, "BITPOS", "b", bit)
    _same(redis_pair, "GETRANGE", "b", start, end)


@settings(SETTINGS, max_examples=60)
@given(
    fill=st.sampled_from([b"\x00", b"\xff"]),
    size=st.integers(500, 140_000),
    tail=st.binary(min_size=0, max_size=3),
    where=st.integers(0, 10**9),
    start=st.integers(-200_000, 200_000),
    end=st.integers(-1_200_000, 1_200_000),
    unit=st.sampled_from(["BIT", "BYTE"]),
    bit=st.sampled_from(["0", "1"]),
)
def test_bitpos_on_long_strings_matches_redis(
    redis_pair: Any,
    fill: bytes,
    size: int,
    tail: bytes,
    where: int,
    start: int,
    end: int,
    unit: str,
    bit: str,
) -> None:
    """Long runs of equal bytes (scanned chunk by chunk) with an odd byte somewhere."""
    value = bytearray(fill * size + tail)
    value[where % len(value)] ^= 0x10
    _same(redis_pair, "SET", "b", bytes(value))
    _same(redis_pair, "BITPOS", "b", bit)
    _same(redis_pair, "BITPOS", "b", bit, start // 8)
    _same(redis_pair, "BITPOS", "b", bit, start, end, unit)
    _same(redis_pair, "BITCOUNT", "b", start, end, unit)


_field_type = st.builds(
    "{}{}".format, st.sampled_from(["i", "u"]), st.sampled_from([1, 2, 3, 5, 8, 13, 63, 64])
)
_bf_value = st.one_of(
    st.integers(-300, 300), st.sampled_from([-(2**63), 2**63 - 1, 2**62, -(2**62), 2**32])
)


@st.composite
def bitfield_ops(draw: Any) -> list[str]:
    args: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["GET", "SET", "INCRBY", "OVERFLOW"]))
        if kind == "OVERFLOW":
            args += ["OVERFLOW", draw(st.sampled_from(["WRAP", "SAT", "FAIL"]))]
            continue
        offset = draw(st.one_of(st.integers(0, 40).map(str), st.integers(0, 5).map("#{}".format)))
        args += [kind, draw(_field_type), offset]
        if kind != "GET":
            args.append(str(draw(_bf_value)))
    return args


@SETTINGS
@given(value=st.binary(max_size=6), ops=bitfield_ops())
def test_bitfield_matches_redis(redis_pair: Any, value: bytes, ops: list[str]) -> None:
    _same(redis_pair, "SET", "bf", value)
    _same(redis_pair, "BITFIELD", "bf", *ops)
    _same(redis_pair, "GET", "bf")
    _same(redis_pair, "BITFIELD_RO", "bf", *ops)


# -- LCS ---------------------------------------------------------------------------------------


def _naive_lcs_table(a: bytes, b: bytes) -> list[list[int]]:
    t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                t[i][j] = t[i - 1][j - 1] + 1
            else:
                t[i][j] = max(t[i - 1][j], t[i][j - 1])
    return t


@settings(max_examples=200, deadline=None)
@given(a=st.binary(max_size=20), b=st.binary(max_size=20))
def test_bit_parallel_lcs_table_is_the_dp_table(a: bytes, b: bytes) -> None:
    a = bytes(x % 4 for x in a)  # a small alphabet makes long common subsequences
    b = bytes(x % 4 for x in b)
    rows = lcs_rows(a, b)
    table = _naive_lcs_table(a, b)
    for i in range(len(a) + 1):
        for j in range(len(b) + 1):
            assert lcs_table_value(rows, i, j) == table[i][j]


@SETTINGS
@given(
    a=st.text("abc", max_size=25),
    b=st.text("abc", max_size=25),
    minlen=st.integers(-1, 4),
    withlen=st.booleans(),
)
def test_lcs_matches_redis(redis_pair: Any, a: str, b: str, minlen: int, withlen: bool) -> None:
    _same(redis_pair, "MSET", "a", a, "b", b)
    _same(redis_pair, "LCS", "a", "b")
    _same(redis_pair, "LCS", "a", "b", "LEN")
    extra = ["WITHMATCHLEN"] if withlen else []
    _same(redis_pair, "LCS", "a", "b", "IDX", "MINMATCHLEN", minlen, *extra)
