"""Expiry of string keys: deterministic with a manual clock, plus one real short TTL."""

from __future__ import annotations

import time
from typing import Any

import pytest
from strings_toys import TOYS

pytestmark = pytest.mark.plugredis(plugins=["strings"], extra=[TOYS])


def test_set_ex_px_expire_on_time(plugredis_client: Any, manual_clock: Any) -> None:
    r = plugredis_client
    r.set("ex", "v", ex=10)
    r.set("px", "v", px=1500)
    assert r.pttl("ex") == 10_000
    assert r.pttl("px") == 1_500
    manual_clock.advance(1.499)
    assert r.get("px") == b"v"
    manual_clock.advance(0.001)
    assert r.get("px") is None
    manual_clock.advance(8.499)
    assert r.get("ex") == b"v"
    manual_clock.advance(0.001)
    assert r.get("ex") is None
    assert r.exists("ex", "px") == 0


def test_exat_pxat_are_absolute(plugredis_client: Any, manual_clock: Any) -> None:
    r = plugredis_client
    now_ms = manual_clock.ms()
    r.set("a", "v", exat=now_ms // 1000 + 100)
    r.set("b", "v", pxat=now_ms + 2_000)
    assert r.pttl("b") == 2_000
    assert 99_000 < r.pttl("a") <= 100_000
    r.set("past", "v", pxat=now_ms - 1)  # accepted, and expired at once
    assert r.get("past") is None
    manual_clock.advance(2)
    assert r.get("b") is None
    assert r.get("a") == b"v"


def test_setex_psetex(plugredis_client: Any, manual_clock: Any) -> None:
    r = plugredis_client
    r.execute_command("SETEX", "a", "5", "v")
    r.execute_command("PSETEX", "b", "5", "v")
    manual_clock.advance(ms=5)
    assert r.get("b") is None
    assert r.ttl("a") == 5
    manual_clock.advance(5)
    assert r.get("a") is None


def test_getex_sets_and_removes_ttl(plugredis_client: Any, manual_clock: Any) -> None:
    r = plugredis_client
    now_ms = manual_clock.ms()
    r.set("k", "v")
    assert r.execute_command("GETEX", "k", "EX", "10") == b"v"
    assert r.pttl("k") == 10_000
    assert r.execute_command("GETEX", "k", "PX", "500") == b"v"
    assert r.pttl("k") == 500
    assert r.execute_command("GETEX", "k", "PXAT", str(now_ms + 700)) == b"v"
    assert r.pttl("k") == 700
    assert r.execute_command("GETEX", "k", "PERSIST") == b"v"
    assert r.pttl("k") == -1
    manual_clock.advance(1)
    assert r.get("k") == b"v"
    # an absolute time in the past deletes the key (and still returns the value)
    assert r.execute_command("GETEX", "k", "EXAT", str(now_ms // 1000 - 1)) == b"v"
    assert r.exists("k") == 0


def test_modifications_keep_ttl(plugredis_client: Any, manual_clock: Any) -> None:
    r = plugredis_client
    for cmd in (
        ("INCR", "k"),
        ("INCRBY", "k", "2"),
        ("DECR", "k"),
        ("INCRBYFLOAT", "k", "0.5"),
        ("APPEND", "k", "1"),
        ("SETRANGE", "k", "0", "9"),
        ("SETBIT", "k", "100", "1"),
        ("BITFIELD", "k", "SET", "u8", "200", "1"),
        ("SET", "k", "w", "KEEPTTL"),
    ):
        r.set("k", "1", px=5_000)
        r.execute_command(*cmd)
        assert r.pttl("k") == 5_000, cmd
    manual_clock.advance(5)
    assert r.get("k") is None


def test_writes_reset_ttl(plugredis_client: Any, manual_clock: Any) -> None:
    r = plugredis_client
    r.set("src", "abc")
    for cmd in (
        ("SET", "k", "w"),
        ("GETSET", "k", "w"),
        ("MSET", "k", "w"),
        ("SETEX", "k", "1000", "w"),
        ("BITOP", "NOT", "k", "src"),
    ):
        r.set("k", "1", px=5_000)
        r.execute_command(*cmd)
        assert r.pttl("k") in (-1, 1_000_000), cmd


def test_expired_key_behaves_as_missing(plugredis_client: Any, manual_clock: Any) -> None:
    r = plugredis_client
    cmds: list[tuple[tuple[Any, ...], Any]] = [
        (("SETNX", "k", "new"), 1),
        (("MSETNX", "k", "new"), 1),
        (("APPEND", "k", "xy"), 2),
        (("INCR", "k"), 1),
        (("INCRBYFLOAT", "k", "1.5"), 1.5),
        (("SETRANGE", "k", "1", "x"), 2),
        (("SET", "k", "new", "NX"), True),
        (("SET", "k", "new", "XX"), None),
        (("GETSET", "k", "new"), None),
        (("GETDEL", "k"), None),
        (("GETEX", "k", "PERSIST"), None),
        (("STRLEN", "k"), 0),
        (("GETRANGE", "k", "0", "-1"), b""),
        (("BITCOUNT", "k"), 0),
        (("BITPOS", "k", "0"), 0),
        (("GETBIT", "k", "0"), 0),
        (("SETBIT", "k", "7", "1"), 0),
        (("LCS", "k", "k"), b""),
    ]
    for cmd, expected in cmds:
        r.set("k", "0123", px=100)
        manual_clock.advance(ms=100)
        assert r.execute_command(*cmd) == expected, cmd


def test_real_short_ttl(redis_target: Any) -> None:
    """A real 100 ms TTL, on both servers: the key is gone once it has passed."""
    r = redis_target.client
    r.set("short", "v", px=100)
    r.set("long", "v", px=100_000)
    assert r.get("short") == b"v"
    time.sleep(0.25)
    assert r.get("short") is None
    assert r.get("long") == b"v"
    assert r.exists("short") == 0
