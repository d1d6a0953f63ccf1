"""Random and malformed RESP thrown at the server: it never crashes, hangs, or stops serving a
second, well-behaved client.  (``benchmarks/fuzz_protocol.py`` runs the same at >= 100k inputs.)"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.plugredis(plugins=["strings", "keyspace", "lists", "hashes"])

#: commands a fuzzed request may name (no SHUTDOWN, CONFIG SET, CLIENT PAUSE: they would stop or
#: reconfigure the server for everyone, which is not what this test is about)
SAFE_COMMANDS = [
    b"GET", b"SET", b"DEL", b"INCR", b"LPUSH", b"LRANGE", b"HSET", b"HGETALL", b"EXPIRE",
    b"TTL", b"MULTI", b"EXEC", b"DISCARD", b"WATCH", b"UNWATCH", b"PING", b"ECHO", b"SELECT",
    b"HELLO", b"AUTH", b"CLIENT", b"INFO", b"COMMAND", b"DBSIZE", b"TYPE", b"KEYS", b"SCAN",
    b"RESET", b"MEMORY", b"SLOWLOG", b"LATENCY", b"BLPOP", b"CONFIG", b"OBJECT", b"EXISTS",
    b"get", b"set", b"mget", b"NOSUCH",
]  # fmt: skip

_arg = st.one_of(
    st.binary(max_size=12),
    st.sampled_from([b"0", b"-1", b"1", b"9" * 25, b"0.5", b"GET", b"k", b"ALL", b"INFO", b"*"]),
)


@st.composite
def good_request(draw: Any) -> bytes:
    name = draw(st.sampled_from(SAFE_COMMANDS))
    args = draw(st.lists(_arg, max_size=5))
    if name.upper() == b"BLPOP":  # never block the fuzzing connection for long
        args = [*args[:2], b"0.01"]
    if name.upper() == b"CONFIG":
        args = [b"GET", *args]
    parts = [name, *args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in parts)


@st.composite
def bad_frame(draw: Any) -> bytes:
    count = draw(st.sampled_from([b"-1", b"0", b"1", b"3", b"x", b"", b"99999999999", b"-5"]))
    out = b"*" + count + draw(st.sampled_from([b"\r\n", b"\n", b"\r", b""]))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from([b"$", b":", b"+", b"*", b"-", b"x"]))
        length = draw(st.sampled_from([b"3", b"-1", b"0", b"1000000000", b"abc", b"2", b""]))
        body = draw(st.binary(max_size=8))
        out += kind + length + b"\r\n" + body + draw(st.sampled_from([b"\r\n", b"", b"\n"]))
    return out


@st.composite
def inline(draw: Any) -> bytes:
    words = draw(
        st.lists(
            st.sampled_from([b"PING", b"GET", b"k", b'"a b"', b"'x'", b'"\\x4', b'"']), max_size=4
        )
    )
    return b" ".join(words) + draw(st.sampled_from([b"\r\n", b"\n", b""]))


fuzz_input = st.lists(
    st.one_of(good_request(), bad_frame(), inline(), st.binary(max_size=40)), min_size=1, max_size=6
).map(b"".join)


def _exchange(host: str, port: int, data: bytes) -> bytes:
    s = socket.create_connection((host, port), 5)
    try:
        s.sendall(data)
        s.settimeout(0.05)
        out = b""
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break  # quiet: the server answered what it could
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=fuzz_input)
def test_random_and_malformed_resp_never_hurts_the_server(
    plugredis_server: Any, data: bytes
) -> None:
    out = _exchange(plugredis_server.host, plugredis_server.port, data)
    assert b"internal error" not in out, (data, out)
    # a second, well-behaved client is served at once
    s = socket.create_connection((plugredis_server.host, plugredis_server.port), 5)
    try:
        s.settimeout(2)
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        assert s.recv(16) == b"+PONG\r\n"
    finally:
        s.close()


def test_split_reads_of_the_same_bytes_give_the_same_replies(plugredis_server: Any) -> None:
    """Frames cut at every position parse exactly as when sent at once."""
    data = (
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n"
        b'PING\r\nECHO "a b"\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'
    )
    whole = _exchange(plugredis_server.host, plugredis_server.port, data)
    assert whole == b"+OK\r\n+PONG\r\n$3\r\na b\r\n$5\r\nhello\r\n"
    for cut in range(1, len(data)):
        s = socket.create_connection((plugredis_server.host, plugredis_server.port), 5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(data[:cut])
        time.sleep(0.002)
        s.sendall(data[cut:])
        s.settimeout(2)
        out = b""
        while len(out) < len(whole):
            chunk = s.recv(1000)
            if not chunk:
                break
            out += chunk
        s.close()
        assert out == whole, cut
