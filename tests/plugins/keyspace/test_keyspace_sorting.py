"""Unit tests of SORT's helpers: C ``strtod`` scores, BY/GET patterns, GETKEYS."""

from __future__ import annotations

import math

import pytest
from plugredis_keyspace.sorting import cstr, sort_getkeys, sort_score


@pytest.mark.parametrize(
    "raw, score",
    [
        (b"1", 1.0),
        (b"-1.5", -1.5),
        (b"", 0.0),  # strtod converts nothing and stops at the end: accepted as 0
        (b"  5", 5.0),
        (b"\t7", 7.0),
        (b"0x10", 16.0),
        (b"0x1.8p1", 3.0),
        (b"inf", math.inf),
        (b"-Infinity", -math.inf),
        (b"1e308", 1e308),
        (b"+.5e-1", 0.05),
        (b"5.", 5.0),
        (b"-0", -0.0),
        (b"2.2250738585072014e-308", 2.2250738585072014e-308),
        (b"12\x00abc", 12.0),  # C strings end at the NUL
    ],
)
def test_scores_redis_accepts(raw: bytes, score: float) -> None:
    assert sort_score(raw) == score


@pytest.mark.parametrize(
    "raw",
    [
        b" ",
        b"5 ",
        b"nan",
        b"-nan",
        b"1_0",
        b"1e309",  # overflow: ERANGE
        b"1e-400",  # underflow to 0: ERANGE
        b"1e-310",  # subnormal: ERANGE
        b"4.9e-324",
        b"0x1p-1080",
        b"1e",
        b".e1",
        b"0x",
        b"infinit",
        b"--1",
        b"1,5",
        "١".encode(),
    ],
)
def test_scores_redis_refuses(raw: bytes) -> None:
    assert sort_score(raw) is None


def test_cstr_and_getkeys() -> None:
    assert cstr(b"ab\x00cd") == b"ab" and cstr(b"abc") == b"abc"
    assert sort_getkeys([b"SORT", b"k"]) == [1]
    assert sort_getkeys([b"SORT", b"k", b"STORE", b"d"]) == [1, 3]
    assert sort_getkeys([b"SORT", b"k", b"STORE", b"d", b"store", b"e"]) == [1, 5]
    assert sort_getkeys([b"SORT", b"k", b"GET", b"store", b"x"]) == [1]
    assert sort_getkeys([b"SORT", b"k", b"LIMIT", b"store", b"x", b"STORE", b"y"]) == [1, 6]
    assert sort_getkeys([b"SORT", b"k", b"STORE"]) == [1]
