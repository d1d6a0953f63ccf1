"""CRC-64/Jones and LZF: known values, equivalence of the code paths, round trips."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugredis.persistence import crc64 as crcmod_
from plugredis.persistence import lzf
from plugredis.persistence.crc64 import (
    CHECK_VALUE,
    POLY,
    POLY_REFLECTED,
    crc64,
    crc64_combine,
    crc64_pure,
)


def _bitwise(data: bytes, crc: int = 0) -> int:
    """The textbook one-bit-at-a-time reflected CRC, as an independent reference."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ POLY_REFLECTED if crc & 1 else crc >> 1
    return crc


def test_check_value() -> None:
    assert CHECK_VALUE == 0xE9C6D914C4B8D9CA
    assert crc64_pure(b"123456789") == CHECK_VALUE
    assert crc64(b"123456789") == CHECK_VALUE
    assert _bitwise(b"123456789") == CHECK_VALUE


def test_polynomial_forms() -> None:
    assert POLY == 0xAD93D23594C935A9
    assert POLY_REFLECTED == 0x95AC9329AC4BC9B5


def test_empty_and_continuation() -> None:
    assert crc64_pure(b"") == 0
    assert crc64_pure(b"", 12345) == 12345
    assert crc64_pure(b"56789", crc64_pure(b"1234")) == CHECK_VALUE


@pytest.mark.parametrize(
    "size", [1, 7, 8, 9, 63, 2047, 2048, 2049, 4096, 5000, 65536, 65537, 300_001]
)
def test_lane_algorithm_matches_reference(size: int) -> None:
    rng = random.Random(size)
    data = rng.randbytes(size)
    init = rng.getrandbits(64)
    expected = crcmod_._crc_small(data, init)
    assert crc64_pure(data, init) == expected
    assert crc64(data, init) == expected
    if size < 5000:
        assert _bitwise(data, init) == expected


def test_accepts_buffers() -> None:
    data = os.urandom(10_000)
    expected = crc64_pure(data)
    assert crc64_pure(bytearray(data)) == expected
    assert crc64_pure(memoryview(data)) == expected
    assert crc64_pure(memoryview(b"xx" + data)[2:]) == expected


@given(st.binary(max_size=3000), st.binary(max_size=3000))
@settings(max_examples=60, deadline=None)
def test_combine_and_incremental(a: bytes, b: bytes) -> None:
    whole = crc64_pure(a + b)
    assert crc64_pure(b, crc64_pure(a)) == whole
    assert crc64_combine(crc64_pure(a), crc64_pure(b), len(b)) == whole


def test_redis_known_payload() -> None:
    # A DUMP payload of the string "hello" taken from redis-server 7.0.
    payload = bytes.fromhex("000568656c6c6f0a006372df766534200a")
    body, stored = payload[:-8], int.from_bytes(payload[-8:], "little")
    assert crc64(body) == stored


# ---------------------------------------------------------------------------------- LZF


def test_lzf_decompress_hand_built() -> None:
    # Literal run "abc", then a back-reference of length 6 at distance 3 -> "abcabcabc".
    stream = bytes([2]) + b"abc" + bytes([(6 - 2) << 5, 2])
    assert lzf.decompress(stream, 9) == b"abcabcabc"
    # Long back-reference: length 7 + 200 + 2 = 209 copies of "a" (distance 1).
    stream = bytes([0]) + b"a" + bytes([7 << 5, 200, 0])
    assert lzf.decompress(stream, 210) == b"a" * 210


@pytest.mark.parametrize(
    "stream, length",
    [
        (bytes([5]) + b"ab", 6),  # literal run past the end
        (bytes([0x20]), 3),  # back-reference missing its offset byte
        (bytes([0x20, 0]), 3),  # back-reference before the start
        (bytes([0]) + b"a", 2),  # output too short
        (bytes([1]) + b"ab", 1),  # output too long
    ],
)
def test_lzf_corrupt(stream: bytes, length: int) -> None:
    with pytest.raises(lzf.LzfError):
        lzf.decompress(stream, length)


@given(st.binary(max_size=5000))
@settings(max_examples=80, deadline=None)
def test_lzf_round_trip_random(data: bytes) -> None:
    assert lzf.decompress(lzf.compress(data), len(data)) == data


@given(st.lists(st.sampled_from([b"a", b"ab", b"hello ", b"\x00", b"xyz" * 30]), max_size=400))
@settings(max_examples=60, deadline=None)
def test_lzf_round_trip_compressible(parts: list[bytes]) -> None:
    data = b"".join(parts)
    packed = lzf.compress(data)
    assert lzf.decompress(packed, len(data)) == data


def test_lzf_compresses_and_handles_long_inputs() -> None:
    data = b"0123456789abcdef" * 20_000 + os.urandom(20_000) + bytes(70_000)
    packed = lzf.compress(data)
    assert len(packed) < len(data) // 4
    assert lzf.decompress(packed, len(data)) == data
