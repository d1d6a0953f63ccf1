"""Tests of plugredis-counters, with the fixtures plugredis ships (no conftest needed)."""

from __future__ import annotations

import pytest
import redis

pytestmark = pytest.mark.plugredis(plugins=["counters", "strings", "keyspace"])


def test_increment_and_read(plugredis_client: redis.Redis) -> None:
    r = plugredis_client
    assert r.execute_command("CINCRBY", "visits", "home", 3) == 3
    assert r.execute_command("CINCRBY", "visits", "home", -1) == 2
    assert r.execute_command("CINCRBY", "visits", "about", 10) == 10
    assert r.execute_command("CGET", "visits", "home") == 2
    assert r.execute_command("CGET", "visits", "nope") is None
    assert r.execute_command("CCOUNT", "visits") == 2
    assert r.execute_command("CTOP", "visits", 1) == [b"about", 10]
    assert r.type("visits") == b"counters"


def test_errors(plugredis_client: redis.Redis) -> None:
    r = plugredis_client
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.execute_command("CINCRBY", "c", "x", "abc")
    r.execute_command("CINCRBY", "c", "x", 2**63 - 1)
    with pytest.raises(redis.ResponseError, match="would overflow"):
        r.execute_command("CINCRBY", "c", "x", 1)
    r.set("s", "a string")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.execute_command("CGET", "s", "x")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'cget'"):
        r.execute_command("CGET", "s")


def test_expiry_on_a_manual_clock(plugredis_server_factory, manual_clock) -> None:  # type: ignore[no-untyped-def]
    server = plugredis_server_factory(plugins=["counters", "keyspace"], clock=manual_clock)
    r = server.client()
    r.execute_command("CINCRBY", "c", "x", 1)
    r.execute_command("PEXPIRE", "c", 1000)
    manual_clock.advance(1)
    assert r.execute_command("CCOUNT", "c") == 0
