"""Pub/sub through redis-py (sync and asyncio) and the core hooks: fast path, RESET, disconnect."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import plugredis_pubsub
import pytest
import redis
from pubsub_helpers import Conn, wait_idle

from plugredis.connection import ops_of

pytestmark = pytest.mark.plugredis(plugins=["strings"], extra=[plugredis_pubsub])


def _get(ps: Any, timeout: float = 2.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = ps.get_message(timeout=0.1)
        if m is not None:
            return m
    raise AssertionError("no message")


@pytest.fixture(autouse=True)
def _idle(plugredis_server: Any) -> Any:
    yield
    wait_idle(plugredis_server.host, plugredis_server.port)


def test_redis_py_pubsub(plugredis_client: Any) -> None:
    ps = plugredis_client.pubsub()
    ps.subscribe("news", "sport")
    assert _get(ps) == {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1}
    assert _get(ps)["data"] == 2
    ps.psubscribe("n*")
    assert _get(ps) == {"type": "psubscribe", "pattern": None, "channel": b"n*", "data": 3}
    assert plugredis_client.publish("news", "hello") == 2
    assert _get(ps) == {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"}
    assert _get(ps) == {
        "type": "pmessage",
        "pattern": b"n*",
        "channel": b"news",
        "data": b"hello",
    }
    assert plugredis_client.pubsub_numsub("news", "x") == [(b"news", 1), (b"x", 0)]
    assert plugredis_client.pubsub_numpat() == 1
    assert sorted(plugredis_client.pubsub_channels()) == [b"news", b"sport"]
    assert plugredis_client.pubsub_channels("s*") == [b"sport"]
    ps.unsubscribe()
    ps.punsubscribe()
    kinds = sorted(_get(ps)["type"] for _ in range(3))
    assert kinds == ["punsubscribe", "unsubscribe", "unsubscribe"]
    assert plugredis_client.publish("news", "x") == 0
    ps.close()


def test_redis_py_run_in_thread(plugredis_client: Any) -> None:
    got: list[bytes] = []
    ps = plugredis_client.pubsub(ignore_subscribe_messages=True)
    ps.subscribe(**{"t": lambda m: got.append(m["data"])})
    th = ps.run_in_thread(sleep_time=0.01)
    try:
        for i in range(20):
            plugredis_client.publish("t", str(i))
        deadline = time.monotonic() + 3
        while len(got) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        th.stop()
        th.join(2)
        ps.close()
    assert got == [str(i).encode() for i in range(20)]


def test_redis_py_resp3_and_shard(plugredis_server: Any) -> None:
    r = plugredis_server.client(protocol=3)
    ps = r.pubsub()
    ps.ssubscribe("s")
    assert _get(ps)["type"] == "ssubscribe"
    assert r.spublish("s", "v") == 1
    assert _get(ps) == {"type": "smessage", "pattern": None, "channel": b"s", "data": b"v"}
    ps.subscribe("c")
    _get(ps)
    assert r.publish("c", "w") == 1
    assert _get(ps)["data"] == b"w"
    ps.close()
    r.close()


def test_redis_asyncio_pubsub(plugredis_async_client: Any) -> None:
    async def main() -> list[Any]:
        r = plugredis_async_client()
        pub = plugredis_async_client()
        ps = r.pubsub()
        await ps.subscribe("a")
        await ps.psubscribe("b*")
        seen: list[Any] = []
        for _ in range(2):
            seen.append(await ps.get_message(timeout=1))
        assert await pub.publish("a", "1") == 1
        assert await pub.publish("bb", "2") == 1
        while len(seen) < 4:
            m = await ps.get_message(timeout=1)
            if m is not None:
                seen.append(m)
        await ps.aclose()
        await r.aclose()
        await pub.aclose()
        return seen

    seen = asyncio.run(main())
    assert [m["type"] for m in seen] == ["subscribe", "psubscribe", "message", "pmessage"]
    assert seen[3]["channel"] == b"bb" and seen[3]["data"] == b"2"


def _client_info(server: Any, conn: Conn) -> dict[str, str]:
    line = conn.do("CLIENT", "INFO")[0]
    text = line.split(b"\r\n", 1)[1].decode()
    return dict(kv.split("=", 1) for kv in text.split())


def test_fast_path_flag_and_client_list(plugredis_server: Any) -> None:
    h = plugredis_server
    c = Conn(h.host, h.port)
    try:
        c.do("HELLO", "3")
        ids = [cl for cl in h.server.clients.values() if cl.resp3]
        assert len(ids) == 1
        client = ids[0]
        assert client.fast
        c.do("SUBSCRIBE", "x", "y")
        c.do("PSUBSCRIBE", "p*")
        c.do("SSUBSCRIBE", "s")
        assert not client.fast and client.push_class
        info = _client_info(h, c)
        assert (info["sub"], info["psub"], info["ssub"], info["flags"]) == ("2", "1", "1", "P")
        c.do("UNSUBSCRIBE")
        c.do("PUNSUBSCRIBE")
        c.do("SUNSUBSCRIBE")
        assert client.fast and not client.push_class
        info = _client_info(h, c)
        assert (info["sub"], info["psub"], info["ssub"], info["flags"]) == ("0", "0", "0", "N")
        c.do("SUBSCRIBE", "x")
        c.do("RESET")
        assert client.fast and (client.sub, client.psub, client.ssub) == (0, 0, 0)
    finally:
        c.close()


def test_disconnect_drops_state(plugredis_server: Any) -> None:
    h = plugredis_server
    conns = [Conn(h.host, h.port) for _ in range(3)]
    for i, c in enumerate(conns):
        c.do("SUBSCRIBE", "shared", f"own{i}")
        c.do("PSUBSCRIBE", "p*")
        c.do("SSUBSCRIBE", "s")
    for c in conns:
        c.close()
    wait_idle(h.host, h.port)
    state = h.call(lambda: ops_of(h.server).pubsub)
    assert isinstance(state, plugredis_pubsub.PubSub)
    assert not state.channels and not state.patterns and not state.shard
    assert not state.c_channels and not state.c_patterns and not state.c_shard


def test_publish_counts_pattern_and_channel_receivers(plugredis_client: Any) -> None:
    h_ps = plugredis_client.pubsub()
    h_ps.subscribe("c")
    h_ps.psubscribe("c*", "*")
    for _ in range(3):
        _get(h_ps)
    assert plugredis_client.publish("c", "m") == 3
    got = [_get(h_ps) for _ in range(3)]
    assert sorted(m["type"] for m in got) == ["message", "pmessage", "pmessage"]
    assert got[0]["type"] == "message"
    h_ps.close()


def test_slow_subscriber_is_disconnected(plugredis_server: Any) -> None:
    """A subscriber that never reads is cut at the pubsub output-buffer hard limit."""
    h = plugredis_server
    r = redis.Redis(host=h.host, port=h.port)
    r.config_set("client-output-buffer-limit", "pubsub 1mb 512kb 60")
    c = Conn(h.host, h.port)
    try:
        c.do("SUBSCRIBE", "flood")
        payload = b"x" * 65536
        for _ in range(200):
            if r.publish("flood", payload) == 0:
                break
        assert r.pubsub_numsub("flood") == [(b"flood", 0)]
    finally:
        r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60")
        c.close()
        r.close()
