"""Limits: maxclients, output buffers (slow readers), query buffer, proto-max-bulk-len, timeout,
CLIENT PAUSE.  Each bounds what one client can make the server hold or do."""

from __future__ import annotations

import re
import resource
import socket
import threading
import time
from typing import Any

import pytest

from plugredis.testing import RawConnection, start_server

pytestmark = pytest.mark.plugredis(plugins=["strings", "lists"])


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1e6


def _read_all(s: socket.socket, wait: float = 0.5) -> tuple[bytes, bool]:
    """What the server sends within ``wait`` seconds, and whether it closed the connection."""
    s.settimeout(0.1)
    out = b""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            chunk = s.recv(1 << 20)
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return out, True
        if not chunk:
            return out, True
        out += chunk
    return out, False


# -- maxclients -----------------------------------------------------------------------------------


def test_maxclients_refuses_like_redis(redis_target: Any) -> None:
    c = redis_target.raw_connection()
    try:
        c.command("CONFIG", "RESETSTAT")
        info = c.command("INFO", "clients")
        connected = int(re.search(rb"connected_clients:(\d+)", info).group(1))  # type: ignore[union-attr]
        # room for exactly one more client (other tests may keep connections open)
        assert c.command("CONFIG", "SET", "maxclients", str(connected + 1)) == b"+OK\r\n"
        second = socket.create_connection((redis_target.host, redis_target.port), 5)
        second.sendall(b"PING\r\n")
        assert _read_all(second, 0.3) == (b"+PONG\r\n", False)
        third = socket.create_connection((redis_target.host, redis_target.port), 5)
        third.sendall(b"PING\r\n")
        assert _read_all(third, 0.5) == (b"-ERR max number of clients reached\r\n", True)
        second.close()
        third.close()
        info = c.command("INFO", "stats")
        assert b"rejected_connections:1\r\n" in info
    finally:
        c.command("CONFIG", "SET", "maxclients", "10000")
        c.command("CONFIG", "RESETSTAT")
        c.close()


# -- output buffers -------------------------------------------------------------------------------

BIG = 1024 * 1024  # a 1 MB value


def _flood_gets(host: str, port: int, seconds: float = 3.0) -> tuple[socket.socket, int]:
    """Pipeline GETs of the big value without ever reading; returns the socket and bytes sent.

    Sending stops when the server stops reading (our send buffer stays full) or after
    ``seconds``.
    """
    s = socket.create_connection((host, port), 5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    chunk = b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n" * 2000
    sent = 0
    s.settimeout(0.5)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            sent += s.send(chunk)
        except TimeoutError:
            break  # the server does not read any more: blocked
        except OSError:
            break  # disconnected
    return s, sent


def test_slow_reader_is_paused_and_memory_stays_bounded(plugredis_server_factory: Any) -> None:
    """Default limits (normal 0 0 0): a client that never reads is buffered up to
    SLOW_READER_PAUSE (64 MB) of unsent replies, then paused, not buffered without end."""
    h = plugredis_server_factory(plugins=["strings"])
    r = h.client()
    r.set("big", b"x" * BIG)
    before = _rss_mb()
    s, sent = _flood_gets(h.host, h.port)
    time.sleep(0.3)
    grown = _rss_mb() - before
    gets_sent = sent // 22
    # it sent thousands of GETs (gigabytes of replies if all were answered) ...
    assert gets_sent > 2000
    # ... and the server holds a bounded amount (a few batches), not gigabytes
    assert grown < 150, f"server memory grew by {grown:.0f} MB"
    # it is paused, not disconnected, and everyone else is served
    assert r.ping() is True
    listing = r.client_list()
    assert len(listing) == 2
    flood = [c for c in listing if c["cmd"] == "get"]
    assert flood and int(flood[0]["omem"]) > 0
    s.close()


def test_a_pipeline_sent_whole_before_reading_gets_every_reply(redis_target: Any) -> None:
    """redis-py sends a whole pipeline before it reads: 20 MB of replies wait for it (as in
    Redis) instead of the server ceasing to read while the client cannot read yet."""
    r = redis_target.new_client(socket_timeout=60)
    r.set("k", b"v" * 100)
    pipe = r.pipeline(transaction=False)
    for _ in range(200_000):
        pipe.get("k")
    replies = pipe.execute()
    assert len(replies) == 200_000 and replies[-1] == b"v" * 100
    assert r.ping() is True


def test_slow_reader_over_the_normal_hard_limit_is_disconnected(redis_target: Any) -> None:
    r = redis_target.client
    r.set("big", b"x" * BIG)
    r.config_set("client-output-buffer-limit", "normal 4mb 2mb 10")
    try:
        s, _ = _flood_gets(redis_target.host, redis_target.port, 2.0)
        # drain what was sent before the cut: then the server closes the connection
        closed = False
        s.settimeout(2)
        total = 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(1 << 20)
            except (ConnectionResetError, BrokenPipeError):
                closed = True
                break
            except TimeoutError:
                break
            if not chunk:
                closed = True
                break
            total += len(chunk)
        assert closed, f"still connected after {total} bytes"
        s.close()
        assert r.ping() is True
    finally:
        r.config_set("client-output-buffer-limit", "normal 0 0 0")


def test_soft_limit_needs_to_last(plugredis_server_factory: Any, manual_clock: Any) -> None:
    """Over the soft limit only: disconnected once it has lasted more than soft_seconds."""
    h = plugredis_server_factory(plugins=["strings"], clock=manual_clock)
    r = h.client()
    r.set("big", b"x" * BIG)
    r.config_set("client-output-buffer-limit", "normal 0 256kb 5")
    s = socket.create_connection((h.host, h.port), 5)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    s.sendall(b"GET big\r\n")  # 1 MB: over the soft limit once written
    time.sleep(0.3)
    assert len(r.client_list()) == 2  # over the soft limit, but not for long enough
    manual_clock.advance(10)
    s.sendall(b"GET big\r\n")
    time.sleep(0.3)
    assert len(r.client_list()) == 1
    s.close()


def test_monitor_that_does_not_read_is_disconnected(plugredis_server_factory: Any) -> None:
    """MONITOR clients use the pubsub class limits (the feed cannot be slowed down)."""
    h = plugredis_server_factory(plugins=["strings"])
    r = h.client()
    r.config_set("client-output-buffer-limit", "pubsub 256kb 128kb 60")
    m = socket.create_connection((h.host, h.port), 5)
    m.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    m.sendall(b"MONITOR\r\n")
    time.sleep(0.2)
    value = b"v" * 1000
    for _ in range(10):
        with r.pipeline(transaction=False) as p:
            for i in range(2000):
                p.set(f"k{i}", value)
            p.execute()
    time.sleep(0.3)
    names = [c["cmd"] for c in r.client_list()]
    assert "monitor" not in names, names
    assert r.ping() is True
    m.close()


# -- query buffer and bulk length -----------------------------------------------------------------


def test_proto_max_bulk_len_applies_to_existing_connections(redis_target: Any) -> None:
    conn = redis_target.raw_connection()
    try:
        assert conn.command("CONFIG", "SET", "proto-max-bulk-len", "1048576") == b"+OK\r\n"
        s = conn.sock
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n" + b"x" * 1000)
        out, closed = _read_all(s, 1.0)
        assert out == b"-ERR Protocol error: invalid bulk length\r\n"
        assert closed
    finally:
        c = redis_target.raw_connection()
        c.command("CONFIG", "SET", "proto-max-bulk-len", "536870912")
        c.close()


def test_client_query_buffer_limit_closes_silently(redis_target: Any) -> None:
    c = redis_target.raw_connection()
    c.command("CONFIG", "SET", "client-query-buffer-limit", "1048576")
    try:
        s = socket.create_connection((redis_target.host, redis_target.port), 5)
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n")
        closed = False
        try:
            for _ in range(40):
                s.sendall(b"x" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        out, closed2 = _read_all(s, 1.0)
        assert out == b""
        assert closed or closed2
        s.close()
        assert c.command("PING") == b"+PONG\r\n"
    finally:
        c.command("CONFIG", "SET", "client-query-buffer-limit", "1073741824")
        c.close()


# -- idle timeout ---------------------------------------------------------------------------------


def test_idle_clients_are_closed_after_timeout(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory(plugins=["strings", "lists"])
    r = h.client()
    idle = socket.create_connection((h.host, h.port), 5)
    idle.sendall(b"PING\r\n")
    assert _read_all(idle, 0.2) == (b"+PONG\r\n", False)
    blocked = socket.create_connection((h.host, h.port), 5)
    blocked.sendall(b"BLPOP nolist 0\r\n")
    r.config_set("timeout", 1)
    try:
        out, closed = _read_all(idle, 3.5)
        assert (out, closed) == (b"", True)
        # a client blocked in BLPOP is not idle
        r.rpush("nolist", "x")
        assert _read_all(blocked, 0.5) == (b"*2\r\n$6\r\nnolist\r\n$1\r\nx\r\n", False)
    finally:
        r.config_set("timeout", 0)
        idle.close()
        blocked.close()


def test_timeout_is_visible_in_config(redis_target: Any) -> None:
    c = redis_target.raw_connection()
    try:
        assert c.command("CONFIG", "GET", "timeout") == b"*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"
        assert c.command("CONFIG", "SET", "timeout", "-1").startswith(b"-ERR CONFIG SET failed")
    finally:
        c.close()


# -- CLIENT PAUSE ---------------------------------------------------------------------------------


def _timed(target: Any, payload: bytes, wait: float = 0.8) -> tuple[bytes, float]:
    """The replies to ``payload`` and when the last of them came (seconds after sending)."""
    s = socket.create_connection((target.host, target.port), 5)
    t0 = time.monotonic()
    s.sendall(payload)
    s.settimeout(0.05)
    out = b""
    last = -1.0
    end = t0 + wait
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            break
        last = time.monotonic() - t0
        out += chunk
    s.close()
    return out, last


@pytest.mark.parametrize(
    "mode, payload, delayed",
    [
        ("WRITE", b"GET x\r\n", False),
        ("WRITE", b"SET x 1\r\nGET x\r\n", True),
        ("WRITE", b"MULTI\r\nGET x\r\nEXEC\r\n", False),
        ("WRITE", b"MULTI\r\nSET x 2\r\nEXEC\r\n", True),
        ("ALL", b"PING\r\n", True),
        ("WRITE", b"CLIENT UNPAUSE\r\nSET x 3\r\n", False),
    ],
)
def test_client_pause_like_redis(
    redis_target: Any, mode: str, payload: bytes, delayed: bool
) -> None:
    c = redis_target.raw_connection()
    assert c.command("CLIENT", "PAUSE", "300", mode) == b"+OK\r\n"
    out, last = _timed(redis_target, payload, 0.5)
    if delayed:
        assert last > 0.2, last
    else:
        assert 0 <= last < 0.15, last
    c.close()
    time.sleep(0.1)
    expected = {
        b"GET x\r\n": (b"$-1\r\n", b"$1\r\n"),
    }
    if payload in expected:
        assert out.startswith(expected[payload])
    assert not out.startswith(b"-")


def test_client_pause_shows_blocked_clients(plugredis_server: Any) -> None:
    r = plugredis_server.client()
    r.execute_command("CLIENT", "PAUSE", "300", "WRITE")
    s = socket.create_connection((plugredis_server.host, plugredis_server.port), 5)
    s.sendall(b"SET p 1\r\n")
    time.sleep(0.1)
    assert r.info("clients")["blocked_clients"] == 1
    waiting = [c for c in r.client_list() if "b" in c["flags"]]
    assert waiting and waiting[0]["cmd"] == "set"
    assert _read_all(s, 0.6) == (b"+OK\r\n", False)
    assert r.info("clients")["blocked_clients"] == 0
    s.close()


def test_many_clients_and_a_flood_do_not_starve_each_other(plugredis_server: Any) -> None:
    """Pipelined floods from several clients interleave with a well-behaved one."""
    stop = threading.Event()

    def flood() -> None:
        c = RawConnection(plugredis_server.host, plugredis_server.port)
        payload = b"*3\r\n$3\r\nSET\r\n$1\r\nf\r\n$1\r\nv\r\n" * 500
        while not stop.is_set():
            c.send(payload)
            for _ in range(500):
                c.read_reply()
        c.close()

    threads = [threading.Thread(target=flood) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        r = plugredis_server.client()
        worst = 0.0
        for _ in range(50):
            t0 = time.monotonic()
            assert r.ping() is True
            worst = max(worst, time.monotonic() - t0)
        assert worst < 1.0
    finally:
        stop.set()
        for t in threads:
            t.join(10)


def test_server_keeps_running_when_the_real_one_would_also_run() -> None:
    """Sanity: the module's servers start and stop cleanly with non-default limits."""
    h = start_server(plugins=["strings"], maxclients=5, timeout=0)
    try:
        assert h.client().config_get("maxclients") == {"maxclients": "5"}
    finally:
        h.stop()
