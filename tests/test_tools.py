"""Real tools against plugredis: redis-cli (RESP2, RESP3), redis-py, redis-benchmark."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from typing import Any

import pytest

from plugredis.testing import REQUIRE_REAL_ENV


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get(REQUIRE_REAL_ENV) == "1":
            pytest.fail(f"{name} is not installed but {REQUIRE_REAL_ENV}=1")
        pytest.skip(f"{name} is not installed")
    return path


def cli(server: Any, *args: str, stdin: str | None = None) -> str:
    out = subprocess.run(
        [_tool("redis-cli"), "-p", str(server.port), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return out.stdout + out.stderr


def test_redis_cli_basics(plugredis_server: Any) -> None:
    assert cli(plugredis_server, "PING").strip() == "PONG"
    assert cli(plugredis_server, "SET", "k", "v").strip() == "OK"
    assert cli(plugredis_server, "GET", "k").strip() == "v"
    assert cli(plugredis_server, "--no-raw", "GET", "k").strip() == '"v"'
    assert cli(plugredis_server, "--no-raw", "GET", "missing").strip() == "(nil)"
    out = cli(plugredis_server, "--no-raw", "FOO", "bar")
    assert out.strip() == "(error) ERR unknown command 'FOO', with args beginning with: 'bar'"


def test_redis_cli_resp3(plugredis_server: Any) -> None:
    out = cli(plugredis_server, "-3", "--no-raw", "HELLO", "3")
    assert '"proto"' in out and "(integer) 3" in out
    assert cli(plugredis_server, "-3", "PING").strip() == "PONG"


def test_redis_cli_interactive_session(plugredis_server: Any) -> None:
    out = cli(plugredis_server, stdin="SET a 1\nGET a\nINCRX\nPING\n")
    assert out.splitlines()[:2] == ["OK", "1"]
    assert "ERR unknown command 'INCRX'" in out
    assert out.strip().endswith("PONG")


def test_redis_py_sync_and_asyncio(plugredis_server: Any) -> None:
    import redis
    import redis.asyncio

    for protocol in (2, 3):
        r = redis.Redis(port=plugredis_server.port, protocol=protocol, decode_responses=True)
        assert r.ping() is True
        assert r.set("x", "1") is True
        assert r.get("x") == "1"
        assert r.client_id() > 0
        r.close()

    async def main() -> None:
        for protocol in (2, 3):
            ar = redis.asyncio.Redis(port=plugredis_server.port, protocol=protocol)
            assert await ar.ping() is True
            await ar.set("y", b"2")
            assert await ar.get("y") == b"2"
            async with ar.pipeline(transaction=True) as pipe:
                res = await pipe.set("z", "3").get("z").execute()
            assert res == [True, b"3"]
            await ar.aclose()

    asyncio.run(main())


def test_redis_benchmark_default_suite_subset(plugredis_server: Any) -> None:
    out = subprocess.run(
        [
            _tool("redis-benchmark"),
            "-p",
            str(plugredis_server.port),
            "-t",
            "ping,set,get",
            "-n",
            "2000",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "ERR" not in text and "Error" not in text, text
    for test in ("PING_INLINE", "PING_MBULK", "SET", "GET"):
        assert f"{test}: " in text, text


def test_redis_benchmark_whole_default_suite(plugredis_server: Any) -> None:
    """redis-benchmark's default suite (every test it runs without -t) completes with no error."""
    out = subprocess.run(
        [_tool("redis-benchmark"), "-p", str(plugredis_server.port), "-n", "1000", "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    text = out.stdout.replace("\r", "\n") + out.stderr
    assert out.returncode == 0, text
    assert "ERR" not in text and "Error" not in text, text
    for test in ("SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN", "LRANGE_600", "MSET (10 keys)"):
        assert f"{test}: " in text or f"{test} " in text, text
