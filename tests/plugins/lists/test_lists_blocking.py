"""Blocking list commands: scripted multi-client scenarios compared byte for byte with Redis,
and readable asyncio tests (redis.asyncio clients) that run against both servers.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

pytestmark = pytest.mark.plugredis(plugins=["lists", "strings"])

# -------------------------------------------------------------------------------------------------
# Differential scenarios (see conftest.py for the step language)
# -------------------------------------------------------------------------------------------------

SCENARIOS: dict[str, tuple[int, list[tuple[Any, ...]]]] = {
    "push-wakes": (
        2,
        [
            ("send", 0, "BLPOP", "k", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "k", "a", "b"),
            ("read", 0),
            ("cmd", 1, "LRANGE", "k", "0", "-1"),
            ("blocked", 0),
        ],
    ),
    "brpop-wakes": (
        2,
        [
            ("send", 0, "BRPOP", "k", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "k", "a", "b", "c"),
            ("read", 0),
            ("cmd", 1, "LRANGE", "k", "0", "-1"),
        ],
    ),
    "fifo-order": (
        4,
        [
            ("send", 0, "BLPOP", "k", "0"),
            ("blocked", 1),
            ("send", 1, "BLPOP", "k", "0"),
            ("blocked", 2),
            ("send", 2, "BLPOP", "k", "0"),
            ("blocked", 3),
            ("cmd", 3, "RPUSH", "k", "1", "2"),
            ("read", 0),
            ("read", 1),
            ("silent", 2, 0.05),
            ("cmd", 3, "LLEN", "k"),
            ("cmd", 3, "LPUSH", "k", "3"),
            ("read", 2),
            ("blocked", 0),
        ],
    ),
    "lpush-several-waiters": (
        3,
        [
            ("send", 0, "BRPOP", "k", "0"),
            ("blocked", 1),
            ("send", 1, "BLPOP", "k", "0"),
            ("blocked", 2),
            ("cmd", 2, "LPUSH", "k", "a", "b", "c"),
            ("read", 0),
            ("read", 1),
            ("cmd", 2, "LRANGE", "k", "0", "-1"),
        ],
    ),
    "several-keys": (
        2,
        [
            ("send", 0, "BLPOP", "a", "b", "c", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "c", "x"),
            ("read", 0),
            ("send", 0, "BRPOP", "a", "a", "b", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "a", "y", "z"),
            ("read", 0),
            ("blocked", 0),
        ],
    ),
    "blmpop-count": (
        2,
        [
            ("send", 0, "BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "3"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "b", "1", "2", "3", "4", "5"),
            ("read", 0),
            ("cmd", 0, "BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "10"),
            ("cmd", 1, "LLEN", "b"),
            ("blocked", 0),
            ("send", 0, "BLMPOP", "0", "1", "a", "LEFT"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "a", "p", "q"),
            ("read", 0),
        ],
    ),
    "blmpop-after-immediate": (
        2,
        [
            ("cmd", 1, "RPUSH", "b", "1", "2"),
            ("cmd", 0, "BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "10"),
            ("cmd", 1, "LLEN", "b"),
        ],
    ),
    "timeouts": (
        4,
        [
            ("send", 0, "BLPOP", "k", "0.05"),
            ("send", 1, "BLMOVE", "k", "d", "left", "right", ".05"),
            ("send", 2, "BRPOPLPUSH", "k", "d", "0.05"),
            ("send", 3, "BLMPOP", "0.05", "1", "k", "left", "count", "2"),
            ("read", 0),
            ("read", 1),
            ("read", 2),
            ("read", 3),
            ("blocked", 0),
            ("cmd", 0, "RPUSH", "k", "x"),
            ("cmd", 0, "LLEN", "k"),
        ],
    ),
    "timeout-then-push": (
        2,
        [
            ("send", 0, "BRPOP", "k", "0.05"),
            ("read", 0),
            ("cmd", 1, "RPUSH", "k", "a"),
            ("silent", 0, 0.05),
            ("cmd", 1, "LLEN", "k"),
        ],
    ),
    "wake-by-lmove": (
        2,
        [
            ("send", 0, "BLPOP", "dst", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "src", "x", "y"),
            ("silent", 0, 0.02),
            ("cmd", 1, "LMOVE", "src", "dst", "right", "left"),
            ("read", 0),
            ("cmd", 1, "LRANGE", "src", "0", "-1"),
            ("send", 0, "BLPOP", "dst", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPOPLPUSH", "src", "dst"),
            ("read", 0),
        ],
    ),
    "wake-by-multi-exec": (
        2,
        [
            ("send", 0, "BLPOP", "k", "0"),
            ("blocked", 1),
            ("cmd", 1, "MULTI"),
            ("cmd", 1, "RPUSH", "k", "a"),
            ("cmd", 1, "RPUSH", "k", "b"),
            ("cmd", 1, "LPOP", "k"),
            ("silent", 0, 0.02),
            ("cmd", 1, "EXEC"),
            ("read", 0),
            ("cmd", 1, "LLEN", "k"),
        ],
    ),
    "multi-push-then-empty": (
        2,
        [
            ("send", 0, "BLPOP", "k", "0"),
            ("blocked", 1),
            ("cmd", 1, "MULTI"),
            ("cmd", 1, "RPUSH", "k", "a"),
            ("cmd", 1, "LPOP", "k"),
            ("cmd", 1, "EXEC"),
            ("silent", 0, 0.05),
            ("cmd", 1, "RPUSH", "k", "z"),
            ("read", 0),
        ],
    ),
    "disconnect-while-blocked": (
        3,
        [
            ("send", 0, "BLPOP", "k", "0"),
            ("send", 1, "BLMOVE", "k", "d", "left", "left", "0"),
            ("blocked", 2),
            ("close", 0),
            ("blocked", 1),
            ("close", 1),
            ("blocked", 0),
            ("cmd", 2, "RPUSH", "k", "a"),
            ("cmd", 2, "LRANGE", "k", "0", "-1"),
            ("cmd", 2, "LLEN", "d"),
        ],
    ),
    "client-unblock": (
        3,
        [
            ("send", 0, "BLPOP", "k", "0"),
            ("send", 1, "BLMOVE", "k", "d", "left", "left", "0"),
            ("blocked", 2),
            ("cmd", 2, "CLIENT", "UNBLOCK", ("id", 0)),
            ("read", 0),
            ("cmd", 2, "CLIENT", "UNBLOCK", ("id", 1), "ERROR"),
            ("read", 1),
            ("cmd", 2, "CLIENT", "UNBLOCK", ("id", 1)),
            ("send", 1, "BLMPOP", "0", "1", "k", "left"),
            ("send", 0, "BRPOPLPUSH", "k", "d", "0"),
            ("blocked", 2),
            ("cmd", 2, "CLIENT", "UNBLOCK", ("id", 1), "TIMEOUT"),
            ("read", 1),
            ("cmd", 2, "CLIENT", "UNBLOCK", ("id", 0), "timeout"),
            ("read", 0),
            ("blocked", 0),
            ("cmd", 2, "RPUSH", "k", "a"),
            ("cmd", 2, "LLEN", "k"),
        ],
    ),
    "blmove-chain": (
        3,
        [
            ("send", 0, "BLMOVE", "a", "b", "left", "right", "0"),
            ("blocked", 1),
            ("send", 1, "BLPOP", "b", "0"),
            ("blocked", 2),
            ("cmd", 2, "RPUSH", "a", "x", "y"),
            ("read", 0),
            ("read", 1),
            ("cmd", 2, "LRANGE", "a", "0", "-1"),
            ("cmd", 2, "LLEN", "b"),
        ],
    ),
    "blmove-same-key": (
        2,
        [
            ("send", 0, "BLMOVE", "a", "a", "left", "right", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "a", "x", "y"),
            ("read", 0),
            ("cmd", 1, "LRANGE", "a", "0", "-1"),
        ],
    ),
    "blmove-wrongtype-destination": (
        2,
        [
            ("send", 0, "BLMOVE", "a", "s", "left", "right", "0"),
            ("blocked", 1),
            ("cmd", 1, "SET", "s", "str"),
            ("cmd", 1, "RPUSH", "a", "x"),
            ("read", 0),
            ("blocked", 0),
            ("cmd", 1, "LRANGE", "a", "0", "-1"),
            ("send", 0, "BRPOPLPUSH", "b", "s", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "b", "x"),
            ("read", 0),
        ],
    ),
    "key-becomes-string": (
        2,
        [
            ("send", 0, "BLPOP", "k", "0"),
            ("blocked", 1),
            ("cmd", 1, "SET", "k", "str"),
            ("silent", 0, 0.05),
            ("cmd", 1, "FLUSHALL"),
            ("cmd", 1, "RPUSH", "k", "v"),
            ("read", 0),
        ],
    ),
    "other-db": (
        2,
        [
            ("cmd", 0, "SELECT", "1"),
            ("send", 0, "BLPOP", "k", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "k", "db0"),
            ("silent", 0, 0.05),
            ("cmd", 1, "SELECT", "1"),
            ("cmd", 1, "RPUSH", "k", "db1"),
            ("read", 0),
            ("cmd", 0, "LLEN", "k"),
            ("cmd", 1, "SELECT", "0"),
            ("cmd", 1, "LLEN", "k"),
        ],
    ),
    "pipelined-after-block": (
        2,
        [
            ("send", 0, "BLPOP", "k", "0"),
            ("send", 0, "LLEN", "k"),
            ("send", 0, "RPUSH", "k", "mine"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "k", "a", "b"),
            ("read", 0),
            ("read", 0),
            ("read", 0),
            ("cmd", 1, "LRANGE", "k", "0", "-1"),
        ],
    ),
    "unblocked-client-pipeline": (
        3,
        [
            ("send", 0, "BLPOP", "k", "0"),
            ("send", 0, "RPUSH", "k", "z"),
            ("send", 0, "BLPOP", "k2", "0"),
            ("blocked", 1),
            ("send", 1, "BLPOP", "k", "0"),
            ("blocked", 2),
            ("cmd", 2, "RPUSH", "k", "a", "b"),
            ("read", 0),
            ("read", 0),
            ("read", 1),
            ("blocked", 1),
            ("cmd", 2, "LRANGE", "k", "0", "-1"),
            ("cmd", 2, "LPUSH", "k2", "w"),
            ("read", 0),
        ],
    ),
    "push-same-batch-as-block": (
        2,
        [
            ("send", 0, "BRPOPLPUSH", "k", "d", "0"),
            ("blocked", 1),
            ("cmd", 1, "RPUSH", "k", "1"),
            ("read", 0),
            ("cmd", 1, "LRANGE", "d", "0", "-1"),
            ("cmd", 1, "LLEN", "k"),
        ],
    ),
}


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_blocking_scenario_matches_redis(scenario: Any, name: str, resp: int) -> None:
    nconns, steps = SCENARIOS[name]
    scenario(steps, nconns, resp)


def test_ready_key_order_matches_redis(scenario: Any) -> None:
    scenario(
        [
            ("send", 0, "BLPOP", "a", "b", "0"),
            ("blocked", 1),
            ("send", 1, "BLPOP", "b", "0"),
            ("blocked", 2),
            ("cmd", 2, "MULTI"),
            ("cmd", 2, "RPUSH", "b", "2"),
            ("cmd", 2, "RPUSH", "a", "1"),
            ("cmd", 2, "EXEC"),
            ("read", 0),
            ("silent", 1, 0.05),
            ("cmd", 2, "LLEN", "a"),
        ],
        3,
    )


# -------------------------------------------------------------------------------------------------
# Readable tests with redis.asyncio clients, run against both servers
# -------------------------------------------------------------------------------------------------


async def _wait_blocked(admin: Any, n: int) -> None:
    deadline = time.monotonic() + 5
    while True:
        info = await admin.info("clients")
        if info["blocked_clients"] == n:
            return
        assert time.monotonic() < deadline, f"blocked_clients {info['blocked_clients']} != {n}"
        await asyncio.sleep(0.005)


def _clients(target: Any, n: int, **kw: Any) -> list[Any]:
    import redis.asyncio

    return [redis.asyncio.Redis(host=target.host, port=target.port, **kw) for _ in range(n)]


async def _close(clients: list[Any]) -> None:
    for c in clients:
        await c.aclose()


def test_longest_waiting_client_served_first(redis_target: Any) -> None:
    async def main() -> list[Any]:
        admin, *waiters = _clients(redis_target, 6)
        tasks = []
        for i, w in enumerate(waiters):
            tasks.append(asyncio.create_task(w.blpop(["q"], timeout=0)))
            await _wait_blocked(admin, i + 1)
        served = []
        for i in range(len(waiters)):
            await admin.rpush("q", f"job{i}")
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            (task,) = done
            served.append((tasks.index(task), task.result()))
            tasks[tasks.index(task)] = asyncio.create_task(asyncio.sleep(3600))
        for t in tasks:
            t.cancel()
        await _close([admin, *waiters])
        return served

    served = asyncio.run(main())
    assert served == [(i, (b"q", f"job{i}".encode())) for i in range(5)]


def test_timeouts_fractional_and_forever(redis_target: Any) -> None:
    async def main() -> None:
        admin, a, b = _clients(redis_target, 3)
        t0 = time.monotonic()
        assert await a.blpop(["nothing"], timeout=0.15) is None
        assert 0.1 <= time.monotonic() - t0 < 2
        assert await a.brpoplpush("nothing", "dst", timeout=0.05) is None
        assert await a.blmove("nothing", "dst", 0.05, "LEFT", "RIGHT") is None
        assert await a.blmpop(0.05, 1, "nothing", direction="LEFT") is None
        forever = asyncio.create_task(b.brpop(["later"], timeout=0))
        await _wait_blocked(admin, 1)
        await asyncio.sleep(0.3)
        assert not forever.done()
        await admin.lpush("later", "v")
        assert await forever == (b"later", b"v")
        await _close([admin, a, b])

    asyncio.run(main())


def test_wake_up_by_lmove_and_multi_exec(redis_target: Any) -> None:
    async def main() -> None:
        admin, a, b = _clients(redis_target, 3)
        ta = asyncio.create_task(a.blpop(["jobs"], timeout=0))
        await _wait_blocked(admin, 1)
        await admin.rpush("inbox", "m1")
        assert await admin.lmove("inbox", "jobs", "LEFT", "RIGHT") == b"m1"
        assert await ta == (b"jobs", b"m1")

        tb = asyncio.create_task(b.blmove("jobs", "done", 0, "LEFT", "LEFT"))
        await _wait_blocked(admin, 1)
        pipe = admin.pipeline(transaction=True)
        pipe.rpush("jobs", "x", "y").lpop("jobs")
        assert await pipe.execute() == [2, b"x"]
        assert await tb == b"y"
        assert await admin.lrange("done", 0, -1) == [b"y"]
        assert await admin.llen("jobs") == 0
        await _close([admin, a, b])

    asyncio.run(main())


def test_disconnect_while_blocked_leaves_no_trace(redis_target: Any) -> None:
    async def main() -> None:
        admin, a, b = _clients(redis_target, 3)
        task = asyncio.create_task(a.blpop(["k"], timeout=0))
        tb = asyncio.create_task(b.blmpop(0, 2, "k", "k2", direction="RIGHT", count=2))
        await _wait_blocked(admin, 2)
        task.cancel()
        await a.aclose()
        await _wait_blocked(admin, 1)
        assert await admin.rpush("k", "1", "2", "3") == 3
        assert await tb == [b"k", [b"3", b"2"]]
        assert await admin.lrange("k", 0, -1) == [b"1"]
        await _close([admin, b])

    asyncio.run(main())


def test_client_unblock_timeout_and_error(redis_target: Any) -> None:
    import redis

    async def main() -> None:
        admin, a, b = _clients(redis_target, 3)
        aid = await a.client_id()
        bid = await b.client_id()
        ta = asyncio.create_task(a.blpop(["k"], timeout=0))
        tb = asyncio.create_task(b.brpoplpush("k", "d", timeout=0))
        await _wait_blocked(admin, 2)
        assert await admin.client_unblock(aid) == 1
        assert await ta is None
        assert await admin.client_unblock(bid, error=True) == 1
        with pytest.raises(redis.ResponseError, match="client unblocked via CLIENT UNBLOCK"):
            await tb
        assert await admin.client_unblock(bid) == 0
        await _wait_blocked(admin, 0)
        await _close([admin, a, b])

    asyncio.run(main())


def test_blocking_in_multi_does_not_block(redis_target: Any) -> None:
    pipe = redis_target.client.pipeline(transaction=True)
    pipe.blpop(["none"], 0).brpop(["none"], 0).blmove("none", "d", 0).brpoplpush("none", "d", 0)
    pipe.blmpop(0, 1, "none", direction="LEFT")
    assert pipe.execute() == [None, None, None, None, None]


def test_resp3_timeout_replies(redis_target: Any) -> None:
    assert redis_target.raw("HELLO", "3")[:1] == b"%"
    assert redis_target.raw("BLPOP", "none", "0.01") == b"_\r\n"
    assert redis_target.raw("BLMOVE", "none", "d", "LEFT", "LEFT", "0.01") == b"_\r\n"
    assert redis_target.raw("BLMPOP", "0.01", "1", "none", "LEFT") == b"_\r\n"
    assert redis_target.raw("RPUSH", "k", "a") == b":1\r\n"
    assert redis_target.raw("BLPOP", "k", "0") == b"*2\r\n$1\r\nk\r\n$1\r\na\r\n"


def test_many_waiters_one_push_each(redis_target: Any) -> None:
    """Twenty clients on three keys; pushes are distributed oldest-first per key."""

    async def main() -> dict[int, Any]:
        admin, *ws = _clients(redis_target, 21)
        tasks = []
        for i, w in enumerate(ws):
            keys = [f"k{i % 3}", f"k{(i + 1) % 3}"]
            tasks.append(asyncio.create_task(w.blpop(keys, timeout=0)))
            await _wait_blocked(admin, i + 1)
        for i in range(20):
            await admin.rpush(f"k{i % 3}", f"v{i}")
        results = dict(enumerate(await asyncio.gather(*tasks)))
        await _close([admin, *ws])
        return results

    results = asyncio.run(main())
    # model: each push goes to the oldest still-blocked client waiting on that key
    waiting = {i: [f"k{i % 3}", f"k{(i + 1) % 3}"] for i in range(20)}
    expected = {}
    for n in range(20):
        key = f"k{n % 3}"
        i = min(c for c, keys in waiting.items() if key in keys)
        expected[i] = (key.encode(), f"v{n}".encode())
        del waiting[i]
    assert results == expected
