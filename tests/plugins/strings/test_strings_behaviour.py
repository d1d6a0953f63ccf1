"""Readable behaviour tests of the strings commands, run against plugredis and a real Redis."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from strings_toys import TOYS

pytestmark = pytest.mark.plugredis(plugins=["strings"], extra=[TOYS])


def test_set_and_get(redis_target: Any) -> None:
    r = redis_target.client
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.get("missing") is None
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True) is True
    assert r.set("other", "w", xx=True) is None
    assert r.set("k", "x", get=True) == b"w"
    assert r.set("k", "y", nx=True, get=True) == b"x"
    assert r.get("k") == b"x"


def test_set_get_on_wrong_type(redis_target: Any) -> None:
    r = redis_target.client
    r.rpush("l", "a")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.set("l", "v", get=True)
    assert r.set("l", "v") is True  # plain SET overwrites any type
    assert r.get("l") == b"v"


def test_set_options_conflicts(redis_target: Any) -> None:
    r = redis_target.client
    for bad in (["NX", "XX"], ["EX", "1", "PX", "1"], ["KEEPTTL", "EX", "1"], ["PERSIST"]):
        with pytest.raises(redis.ResponseError, match="syntax error"):
            r.execute_command("SET", "k", "v", *bad)
    with pytest.raises(redis.ResponseError, match="invalid expire time in 'set' command"):
        r.execute_command("SET", "k", "v", "EX", "0")


def test_ttl_keeping_and_clearing(redis_target: Any) -> None:
    r = redis_target.client
    r.set("k", "1", ex=100)
    r.incr("k")
    r.append("k", "0")
    r.setrange("k", 0, "3")
    r.setbit("k", 0, 0)
    r.incrbyfloat("k", 1)
    r.execute_command("BITFIELD", "k", "SET", "u8", "0", "50")
    assert r.ttl("k") == 100  # in-place modifications keep the TTL
    r.set("k", "v", keepttl=True)
    assert r.ttl("k") == 100
    r.getset("k", "v")
    assert r.ttl("k") == -1  # a new value clears it
    r.set("k", "v", ex=100)
    r.mset({"k": "w"})
    assert r.ttl("k") == -1
    r.set("k", "v", ex=100)
    r.execute_command("GETEX", "k", "PERSIST")
    assert r.ttl("k") == -1


def test_mget_mset_msetnx(redis_target: Any) -> None:
    r = redis_target.client
    r.rpush("l", "x")
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget("a", "l", "b", "missing") == [b"1", None, b"2", None]
    assert r.msetnx({"a": "9", "c": "3"}) is False
    assert r.get("c") is None
    assert r.msetnx({"c": "3", "d": "4"}) is True
    assert r.mget("c", "d") == [b"3", b"4"]


def test_counters(redis_target: Any) -> None:
    r = redis_target.client
    assert r.incr("n") == 1
    assert r.incrby("n", 41) == 42
    assert r.decr("n") == 41
    assert r.decrby("n", 50) == -9
    r.set("big", 2**63 - 1)
    with pytest.raises(redis.ResponseError, match="increment or decrement would overflow"):
        r.incr("big")
    r.set("s", "abc")
    with pytest.raises(redis.ResponseError, match="not an integer or out of range"):
        r.incr("s")
    with pytest.raises(redis.ResponseError, match="decrement would overflow"):
        r.decrby("n", -(2**63))


def test_incrbyfloat(redis_target: Any) -> None:
    raw = redis_target.raw
    raw("SET", "f", "10.5")
    assert raw("INCRBYFLOAT", "f", "0.1") == b"$4\r\n10.6\r\n"
    raw("SET", "g", "3.0e3")
    assert raw("INCRBYFLOAT", "g", "0") == b"$4\r\n3000\r\n"
    assert raw("INCRBYFLOAT", "h", "1e400").startswith(b"$401\r\n1000000000000000000")
    assert raw("INCRBYFLOAT", "h", "inf") == b"-ERR increment would produce NaN or Infinity\r\n"
    assert raw("INCRBYFLOAT", "h", "abc") == b"-ERR value is not a valid float\r\n"


def test_ranges(redis_target: Any) -> None:
    r = redis_target.client
    r.set("k", "Hello World")
    assert r.getrange("k", 0, 4) == b"Hello"
    assert r.getrange("k", -5, -1) == b"World"
    assert r.getrange("k", 5, 2) == b""
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == b"Hello Redis"
    assert r.setrange("new", 3, "x") == 4
    assert r.get("new") == b"\x00\x00\x00x"
    assert r.setrange("none", 3, "") == 0
    assert r.exists("none") == 0
    assert r.strlen("k") == 11
    assert r.append("k", "!") == 12


def test_bits(redis_target: Any) -> None:
    r = redis_target.client
    assert r.setbit("b", 7, 1) == 0
    assert r.get("b") == b"\x01"
    assert r.setbit("b", 7, 0) == 1
    assert r.getbit("b", 7) == 0
    r.set("k", "foobar")
    assert r.bitcount("k") == 26
    assert r.bitcount("k", 1, 1) == 6
    assert r.execute_command("BITCOUNT", "k", "5", "30", "BIT") == 17
    r.set("p", b"\x00\xff\xf0")
    assert r.bitpos("p", 1) == 8
    assert r.bitpos("p", 0, 1) == 20
    assert r.bitpos("p", 0, 1, 1) == -1
    assert r.execute_command("BITPOS", "p", "1", "9", "15", "BIT") == 9
    r.set("x", b"\x0f")
    r.set("y", b"\xff\x01")
    assert r.bitop("AND", "d", "x", "y") == 2
    assert r.get("d") == b"\x0f\x00"
    assert r.bitop("NOT", "d", "x") == 1
    assert r.get("d") == b"\xf0"


def test_bitfield(redis_target: Any) -> None:
    r = redis_target.client
    out = r.execute_command(
        "BITFIELD", "bf", "SET", "i8", "0", "100", "INCRBY", "i8", "0", "100",
        "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100", "OVERFLOW", "FAIL", "INCRBY", "i8", "0",
        "1", "GET", "u4", "#1",
    )  # fmt: skip
    assert out == [0, -56, 44, 45, 13]
    assert r.execute_command("BITFIELD_RO", "bf", "GET", "i8", "0") == [45]
    with pytest.raises(redis.ResponseError, match="BITFIELD_RO only supports the GET"):
        r.execute_command("BITFIELD_RO", "bf", "SET", "i8", "0", "1")


def test_lcs(redis_target: Any) -> None:
    r = redis_target.client
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    assert r.execute_command("LCS", "a", "b") == b"mytext"
    assert r.execute_command("LCS", "a", "b", "LEN") == 6
    idx = r.execute_command("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
    assert idx == [b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]


def test_lcs_resp3_is_a_map(redis_target: Any) -> None:
    r = redis_target.new_client(protocol=3)
    try:
        r.mset({"a": "ohmytext", "b": "mynewtext"})
        reply = r.execute_command("LCS", "a", "b", "IDX")
        assert reply == {b"matches": [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len": 6}
    finally:
        r.close()


def test_setbit_without_change_keeps_watch(redis_target: Any) -> None:
    """A SETBIT that changes nothing does not touch the key: a WATCHing transaction commits."""
    r = redis_target.client
    r.set("w", b"\x01")
    with r.pipeline() as p:
        p.watch("w")
        r.setbit("w", 7, 1)  # already 1
        p.multi()
        p.get("w")
        assert p.execute() == [b"\x01"]
    with r.pipeline() as p:
        p.watch("w")
        r.setbit("w", 7, 0)
        p.multi()
        p.get("w")
        with pytest.raises(redis.WatchError):
            p.execute()
