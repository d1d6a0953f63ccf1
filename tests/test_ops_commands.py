"""Operational commands compared with a real Redis 7.0: CLIENT, CONFIG, SLOWLOG, LATENCY,
MEMORY, SWAPDB, DEBUG, MONITOR, INFO and their COMMAND INFO / COMMAND DOCS metadata."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import hiredis
import pytest

from plugredis.connection import ops_of
from plugredis.testing import (
    Pair,
    RawConnection,
    RealRedis,
    Target,
    find_redis_server,
    start_server,
)

pytestmark = pytest.mark.plugredis(plugins=["strings", "keyspace", "lists", "hashes"])

#: values that differ between two servers: ids, addresses, times, sizes
_VOLATILE = re.compile(
    rb"(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem"
    rb"|tot-mem)=[^ \n]*"
)


def _norm(raw: bytes) -> bytes:
    if b"cmd=client|list" in raw:  # only the caller's own line: other tests' clients linger
        head, _, body = raw.partition(b"\r\n")
        txt = b"txt:" if body.startswith(b"txt:") else b""
        body = body[len(txt) :]
        body = b"\n".join(ln for ln in body.split(b"\n") if b"cmd=client|list" in ln)
        raw = head + b"\r\n" + txt + body + b"\n\r\n"
    out = _VOLATILE.sub(rb"\1=N", raw)
    if out[:1] in (b"$", b"="):  # the length of a normalised bulk
        out = out[:1] + b"L" + out[out.index(b"\r\n") :]
    return out


def _compare(pair: Any, cases: list[tuple[Any, ...]], resp: int = 2, norm: Any = None) -> None:
    if resp == 3:
        pair.raw("HELLO", "3")
    bad = []
    for cmd in cases:
        ours, theirs = pair.raw(*cmd)
        if norm is not None:
            ours, theirs = norm(ours), norm(theirs)
        if ours != theirs:
            bad.append((cmd, ours, theirs))
    assert not bad, "\n".join(f"{c!r}:\n  ours  {o!r}\n  redis {t!r}" for c, o, t in bad)


# -- CLIENT ---------------------------------------------------------------------------------------

CLIENT_CASES: list[tuple[str, ...]] = [
    ("CLIENT", "REPLY"),
    ("CLIENT", "REPLY", "foo"),
    ("CLIENT", "TRACKING"),
    ("CLIENT", "TRACKING", "foo"),
    ("CLIENT", "TRACKING", "on", "REDIRECT", "9999999"),
    ("CLIENT", "TRACKING", "on", "REDIRECT", "x"),
    ("CLIENT", "TRACKING", "on", "REDIRECT"),
    ("CLIENT", "TRACKING", "on", "PREFIX", "a"),
    ("CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"),
    ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "ab"),
    ("CLIENT", "GETREDIR"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLIENT", "CACHING", "yes"),
    ("CLIENT", "CACHING"),
    ("CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLIENT", "CACHING", "yes"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLIENT", "CACHING", "no"),
    ("CLIENT", "CACHING", "maybe"),
    ("CLIENT", "GETREDIR"),
    ("CLIENT", "TRACKING", "on", "OPTOUT"),
    ("CLIENT", "TRACKING", "off"),
    ("CLIENT", "TRACKING", "off"),
    ("CLIENT", "PAUSE"),
    ("CLIENT", "PAUSE", "x"),
    ("CLIENT", "PAUSE", "-1"),
    ("CLIENT", "PAUSE", "10", "foo"),
    ("CLIENT", "PAUSE", "x", "foo"),
    ("CLIENT", "UNPAUSE"),
    ("CLIENT", "UNPAUSE", "x"),
    ("CLIENT", "KILL"),
    ("CLIENT", "KILL", "1.2.3.4:5"),
    ("CLIENT", "KILL", "ID"),
    ("CLIENT", "KILL", "ID", "x"),
    ("CLIENT", "KILL", "ID", "0"),
    ("CLIENT", "KILL", "ID", "99999999"),
    ("CLIENT", "KILL", "ADDR", "1.2.3.4:5"),
    ("CLIENT", "KILL", "LADDR", "1.2.3.4:5"),
    ("CLIENT", "KILL", "USER", "nobody"),
    ("CLIENT", "KILL", "USER", "default", "SKIPME", "maybe"),
    ("CLIENT", "KILL", "TYPE", "foo"),
    ("CLIENT", "KILL", "TYPE", "master"),
    ("CLIENT", "KILL", "TYPE", "pubsub"),
    ("CLIENT", "KILL", "MAXAGE", "10"),
    ("CLIENT", "KILL", "foo", "bar"),
    ("CLIENT", "KILL", "ID", "5", "SKIPME"),
    ("CLIENT", "LIST", "TYPE", "foo"),
    ("CLIENT", "LIST", "TYPE", "pubsub"),
    ("CLIENT", "LIST", "TYPE", "master"),
    ("CLIENT", "LIST", "ID"),
    ("CLIENT", "LIST", "ID", "x"),
    ("CLIENT", "LIST", "ID", "0"),
    ("CLIENT", "LIST", "ID", "99999999"),
    ("CLIENT", "LIST", "foo"),
    ("CLIENT", "LIST", "TYPE", "normal", "ID", "1"),
    ("CLIENT", "NO-EVICT"),
    ("CLIENT", "NO-EVICT", "maybe"),
    ("CLIENT", "NO-EVICT", "on"),
    ("CLIENT", "NO-EVICT", "OFF"),
    ("CLIENT", "UNBLOCK", "x"),
    ("CLIENT", "UNBLOCK", "1", "foo"),
    ("CLIENT", "UNBLOCK", "99999999"),
    ("CLIENT", "SETNAME", "has space"),
    ("CLIENT", "SETNAME", ""),
    ("CLIENT", "GETNAME"),
    ("CLIENT", "SETNAME", "worker-1"),
    ("CLIENT", "GETNAME"),
    ("CLIENT", "HELP"),
    ("CLIENT", "NO-TOUCH", "on"),  # 7.2: unknown in 7.0
    ("CLIENT", "INFO"),
    ("CLIENT", "LIST"),
    ("CLIENT", "LIST", "TYPE", "normal"),
    ("CLIENT", "INFO", "x"),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_client_subcommands_match_redis(redis_pair: Any, resp: int) -> None:
    _compare(redis_pair, CLIENT_CASES, resp, norm=_norm)


def test_client_list_id_filter_and_kill(redis_target: Any) -> None:
    a = redis_target.raw_connection()
    b = redis_target.raw_connection()
    try:
        ida = int(a.command("CLIENT", "ID")[1:-2])
        idb = int(b.command("CLIENT", "ID")[1:-2])
        listing = a.command("CLIENT", "LIST", "ID", str(idb), str(ida), str(idb))
        ids = re.findall(rb"id=(\d+)", listing)
        assert ids == [str(idb).encode(), str(ida).encode(), str(idb).encode()]
        assert a.command("CLIENT", "KILL", "ID", str(idb)) == b":1\r\n"
        assert b.read_reply() == b""  # closed
        # SKIPME yes (default) protects the caller; SKIPME no kills it after the reply
        assert a.command("CLIENT", "KILL", "ID", str(ida)) == b":0\r\n"
        assert a.command("CLIENT", "KILL", "ID", str(ida), "SKIPME", "no") == b":1\r\n"
        assert a.read_reply() == b""
    finally:
        a.close()
        b.close()


def test_client_kill_old_form_kills_itself(redis_target: Any) -> None:
    a = redis_target.raw_connection()
    info = a.command("CLIENT", "INFO")
    addr = re.search(rb"addr=(\S+)", info).group(1).decode()  # type: ignore[union-attr]
    assert a.command("CLIENT", "KILL", addr) == b"+OK\r\n"
    assert a.read_reply() == b""
    a.close()


def test_client_reply_modes_match_redis(redis_pair: Any) -> None:
    for target in (redis_pair.plugredis, redis_pair.redis):
        s = socket.create_connection((target.host, target.port), 5)
        s.sendall(
            b"CLIENT REPLY OFF\r\nPING\r\nGET\r\nCLIENT REPLY ON\r\nPING\r\nCLIENT REPLY SKIP\r\n"
            b"PING\r\nECHO hi\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nECHO a\r\nECHO b\r\n"
        )
        time.sleep(0.2)
        s.settimeout(1)
        assert s.recv(1000) == b"+OK\r\n+PONG\r\n$2\r\nhi\r\n$1\r\nb\r\n", target.name
        s.close()


_REPLY_IN_EXEC = [
    # (what the client sends, what Redis 7.0 answers): the header of EXEC's array is written
    # first, then only the replies made while replies are on
    (
        b"MULTI\r\nCLIENT REPLY SKIP\r\nEXEC\r\nPING\r\nPING\r\n",
        b"+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
    ),
    (
        b"MULTI\r\nCLIENT REPLY OFF\r\nEXEC\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\n",
        b"+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n+PONG\r\n",
    ),
    (
        b"MULTI\r\nPING a\r\nCLIENT REPLY OFF\r\nPING b\r\nEXEC\r\nCLIENT REPLY ON\r\nPING c\r\n",
        b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n$1\r\na\r\n+OK\r\n$1\r\nc\r\n",
    ),
    (
        b"MULTI\r\nCLIENT REPLY SKIP\r\nPING a\r\nPING b\r\nEXEC\r\nPING c\r\nPING d\r\n",
        b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nd\r\n",
    ),
    (b"MULTI\r\nCLIENT REPLY ON\r\nEXEC\r\n", b"+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n"),
    (
        b"CLIENT REPLY OFF\r\nMULTI\r\nPING a\r\nCLIENT REPLY ON\r\nPING b\r\nEXEC\r\nPING c\r\n",
        b"+OK\r\n$1\r\nb\r\n$1\r\nc\r\n",
    ),
    (
        b"CLIENT REPLY SKIP\r\nMULTI\r\nPING a\r\nEXEC\r\nPING c\r\n",
        b"+QUEUED\r\n*1\r\n$1\r\na\r\n$1\r\nc\r\n",
    ),
    (
        b"MULTI\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY OFF\r\nPING x\r\nCLIENT REPLY ON\r\n"
        b"EXEC\r\nPING c\r\n",
        b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n+OK\r\n",
    ),
]


@pytest.mark.parametrize("sent, answer", _REPLY_IN_EXEC)
def test_client_reply_inside_exec_matches_redis(
    redis_target: Any, sent: bytes, answer: bytes
) -> None:
    s = socket.create_connection((redis_target.host, redis_target.port), 5)
    s.sendall(sent + b"ECHO end\r\nCLIENT REPLY ON\r\nECHO end\r\n")
    s.settimeout(5)
    got = b""
    while not got.endswith(b"$3\r\nend\r\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.close()
    assert got.split(b"$3\r\nend\r\n")[0] == answer


def test_client_tracking_invalidations_match_redis(redis_pair: Any) -> None:
    outputs = []
    for target in (redis_pair.plugredis, redis_pair.redis):
        a = socket.create_connection((target.host, target.port), 5)
        b = socket.create_connection((target.host, target.port), 5)

        def talk(s: socket.socket, data: bytes) -> bytes:
            s.sendall(data)
            time.sleep(0.05)
            s.settimeout(0.08)
            out = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
            except TimeoutError:
                pass
            return out

        seq = [
            talk(a, b"HELLO 3\r\n").split(b"id")[0],
            talk(a, b"CLIENT TRACKING on\r\nGET k\r\nMGET k2 k3\r\n"),
            talk(b, b"SET k 1\r\nSET k 2\r\nSET k3 x\r\n"),
            talk(a, b"PING\r\n"),
            talk(a, b"GET k\r\nSET k 5\r\nPING\r\n"),
            talk(a, b"CLIENT TRACKING off\r\nCLIENT TRACKING on NOLOOP\r\nGET k\r\nSET k 6\r\n"),
            talk(a, b"GET k\r\n"),
            talk(b, b"FLUSHALL\r\n"),
            talk(a, b"PING\r\n"),
            talk(a, b"CLIENT TRACKING off\r\nCLIENT TRACKING on OPTIN\r\nGET x\r\n"),
            talk(a, b"CLIENT CACHING yes\r\nGET y\r\n"),
            talk(b, b"SET x 1\r\nSET y 1\r\n"),
            talk(a, b"PING\r\n"),
            talk(a, b"CLIENT TRACKING off\r\nCLIENT TRACKING on BCAST PREFIX user: PREFIX o\r\n"),
            talk(a, b"CLIENT TRACKINGINFO\r\nCLIENT TRACKING on BCAST PREFIX us\r\n"),
            talk(b, b"SET user:1 a\r\nSET other b\r\nSET zzz c\r\nDEL user:1\r\n"),
            talk(a, b"PING\r\n"),
            talk(a, b"SET user:2 x\r\n"),
            talk(a, b"CLIENT TRACKING on BCAST NOLOOP\r\nSET user:3 y\r\nPING\r\n"),
            talk(a, b"CLIENT TRACKING off\r\nCLIENT TRACKING on BCAST\r\n"),
            talk(b, b"SET any 1\r\n"),
            talk(a, b"PING\r\n"),
        ]
        outputs.append(seq)
        a.close()
        b.close()
    assert outputs[0] == outputs[1]


# -- CONFIG ---------------------------------------------------------------------------------------

CONFIG_CASES: list[tuple[str, ...]] = [
    ("CONFIG", "SET", "timeout", "x"),
    ("CONFIG", "SET", "timeout", "-1"),
    ("CONFIG", "SET", "timeout", "99999999999"),
    ("CONFIG", "SET", "timeout", "30"),
    ("CONFIG", "GET", "timeout"),
    ("CONFIG", "SET", "timeout", "0"),
    ("CONFIG", "SET", "protected-mode", "maybe"),
    ("CONFIG", "SET", "protected-mode", "YES"),
    ("CONFIG", "GET", "protected-mode"),
    ("CONFIG", "SET", "hz", "0"),
    ("CONFIG", "GET", "hz"),
    ("CONFIG", "SET", "hz", "1000"),
    ("CONFIG", "GET", "hz"),
    ("CONFIG", "SET", "hz", "10"),
    ("CONFIG", "SET", "maxmemory", "1x"),
    ("CONFIG", "SET", "maxmemory", "-1"),
    ("CONFIG", "SET", "maxmemory", "1.5gb"),
    ("CONFIG", "SET", "maxmemory", "1gb"),
    ("CONFIG", "GET", "maxmemory"),
    ("CONFIG", "SET", "maxmemory", "100K"),
    ("CONFIG", "GET", "maxmemory"),
    ("CONFIG", "SET", "maxmemory", "0"),
    ("CONFIG", "SET", "maxmemory-policy", "foo"),
    ("CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU"),
    ("CONFIG", "GET", "maxmemory-policy"),
    ("CONFIG", "SET", "maxmemory-policy", "noeviction"),
    ("CONFIG", "SET", "maxmemory-samples", "0"),
    ("CONFIG", "GET", "maxmemory-samples"),
    ("CONFIG", "SET", "slowlog-log-slower-than", "x"),
    ("CONFIG", "SET", "slowlog-log-slower-than", "-5"),
    ("CONFIG", "GET", "slowlog-log-slower-than"),
    ("CONFIG", "SET", "slowlog-max-len", "-1"),
    ("CONFIG", "GET", "slowlog-max-len"),
    ("CONFIG", "SET", "latency-monitor-threshold", "-1"),
    ("CONFIG", "GET", "latency-monitor-threshold"),
    ("CONFIG", "GET", "latency-tracking"),
    ("CONFIG", "SET", "latency-tracking-info-percentiles", "50 x"),
    ("CONFIG", "SET", "latency-tracking-info-percentiles", "50 101"),
    ("CONFIG", "SET", "latency-tracking-info-percentiles", ""),
    ("CONFIG", "GET", "latency-tracking-info-percentiles"),
    ("CONFIG", "SET", "latency-tracking-info-percentiles", "50.5 99 99.9"),
    ("CONFIG", "GET", "latency-tracking-info-percentiles"),
    ("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"),
    ("CONFIG", "GET", "client-output-buffer-limit"),
    ("CONFIG", "SET", "client-output-buffer-limit", "foo"),
    ("CONFIG", "SET", "client-output-buffer-limit", "normal 1 2"),
    ("CONFIG", "SET", "client-output-buffer-limit", "foo 1 2 3"),
    ("CONFIG", "SET", "client-output-buffer-limit", "normal x 2 3"),
    ("CONFIG", "SET", "client-output-buffer-limit", "normal 1 2 -3"),
    ("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 2kb 3"),
    ("CONFIG", "GET", "client-output-buffer-limit"),
    ("CONFIG", "SET", "client-output-buffer-limit", "replica 1 2 3 pubsub 1 1 1 pubsub 2 2 2"),
    ("CONFIG", "GET", "client-output-buffer-limit"),
    (
        "CONFIG",
        "SET",
        "client-output-buffer-limit",
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    ),
    ("CONFIG", "GET", "lua-time-limit"),
    ("CONFIG", "GET", "lua*"),
    ("CONFIG", "SET", "lua-time-limit", "6000"),
    ("CONFIG", "GET", "busy-reply-threshold"),
    ("CONFIG", "SET", "busy-reply-threshold", "5000"),
    ("CONFIG", "GET", "tcp-keepalive"),
    ("CONFIG", "SET", "tcp-keepalive", "300"),
    ("CONFIG", "GET", "enable-debug-command"),
    ("CONFIG", "SET", "enable-debug-command", "yes"),
    ("CONFIG", "SET", "timeout", "0", "timeout", "1"),
    ("CONFIG", "SET", "timeout", "1", "TIMEOUT", "2"),
    ("CONFIG", "SET", "timeout", "5", "hz", "x"),
    ("CONFIG", "GET", "timeout"),
    ("CONFIG", "SET", "FOO", "1"),
    ("CONFIG", "SET", "TIMEOUT", "x"),
    ("CONFIG", "GET", "TIMEOUT"),
    ("CONFIG", "GET", "TIME*"),
    ("CONFIG", "SET", "a", "b", "c"),
    ("CONFIG", "SET", "a"),
    ("CONFIG", "GET"),
    ("CONFIG", "RESETSTAT", "x"),
    ("CONFIG", "REWRITE"),
    ("CONFIG", "HELP"),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_config_parameters_match_redis(redis_pair: Any, resp: int) -> None:
    _compare(redis_pair, CONFIG_CASES, resp)


def test_config_get_several_parameters(redis_pair: Any) -> None:
    """Several names at once: Redis answers in its table's order, so compare as sets."""
    ours, theirs = redis_pair.raw("CONFIG", "GET", "timeout", "hz", "maxmemory", "TIMEOUT")
    assert _sorted_pairs(ours) == _sorted_pairs(theirs)


def test_config_get_patterns_match_redis(redis_pair: Any) -> None:
    for pattern in (
        "slowlog*",
        "latency-*",
        "client-output*",
        "protected-mode*",
        "tcp-keep*",
        "busy*",
        "lua*",
    ):
        ours, theirs = redis_pair.raw("CONFIG", "GET", pattern)
        assert _sorted_pairs(ours) == _sorted_pairs(theirs), pattern


def _parse(raw: bytes) -> Any:
    r = hiredis.Reader()
    r.feed(raw)
    return r.gets()


def _sorted_pairs(raw: bytes) -> list[Any]:
    flat = _parse(raw)
    return sorted(zip(flat[::2], flat[1::2], strict=True))


# -- SLOWLOG --------------------------------------------------------------------------------------


def test_slowlog_entries_match_redis(redis_pair: Any) -> None:
    def norm(raw: bytes) -> Any:
        if raw.startswith(b"-"):
            return raw
        v = _parse(raw)
        if isinstance(v, list):
            return [
                [None, None, None, e[3], None, e[5]] if isinstance(e, list) and len(e) == 6 else e
                for e in v
            ]
        return v

    redis_pair.raw("CONFIG", "SET", "slowlog-log-slower-than", "0")
    try:
        redis_pair.raw("SLOWLOG", "RESET")
        cases: list[tuple[Any, ...]] = [
            ("CLIENT", "SETNAME", "myname"),
            ("AUTH", "x"),
            ("HELLO", "2", "AUTH", "default", "x"),
            ("CONFIG", "SET", "requirepass", ""),
            ("SET", "k", "v"),
            ("RPUSH", "l", "x" * 200, *[str(i) for i in range(40)]),
            ("MULTI",),
            ("SET", "a", "1"),
            ("EXEC",),
        ]
        for cmd in cases:
            redis_pair.raw(*cmd)
        for cmd in [
            ("SLOWLOG", "LEN"),
            ("SLOWLOG", "GET", "3"),
            ("SLOWLOG", "GET"),
            ("SLOWLOG", "GET", "0"),
            ("SLOWLOG", "GET", "-1"),
            ("SLOWLOG", "GET", "-2"),
            ("SLOWLOG", "GET", "x"),
            ("SLOWLOG", "GET", "1", "2"),
            ("SLOWLOG", "foo"),
            ("SLOWLOG", "HELP"),
            ("SLOWLOG", "RESET"),
            ("SLOWLOG", "LEN"),
        ]:
            ours, theirs = redis_pair.raw(*cmd)
            assert norm(ours) == norm(theirs), cmd
    finally:
        redis_pair.raw("CONFIG", "SET", "slowlog-log-slower-than", "10000")


def test_slowlog_threshold_and_max_len(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory(plugins=["strings"])
    r = h.client()
    ops_of(h.server).enable_debug = "yes"
    r.config_set("slowlog-log-slower-than", 20000)
    r.slowlog_reset()
    r.execute_command("DEBUG", "SLEEP", "0.05")
    r.set("fast", "1")
    entries = r.slowlog_get()
    assert [e["command"] for e in entries] == [b"DEBUG SLEEP 0.05"]
    assert entries[0]["duration"] >= 50000
    r.config_set("slowlog-max-len", 2)
    r.config_set("slowlog-log-slower-than", 0)
    for i in range(5):
        r.set(f"k{i}", i)
    assert r.slowlog_len() == 2
    r.config_set("slowlog-log-slower-than", -1)
    r.slowlog_reset()
    r.execute_command("DEBUG", "SLEEP", "0.03")
    assert r.slowlog_len() == 0


# -- LATENCY and MEMORY ---------------------------------------------------------------------------


@pytest.mark.parametrize("resp", [2, 3])
def test_latency_and_memory_errors_match_redis(redis_pair: Any, resp: int) -> None:
    _compare(
        redis_pair,
        [
            ("LATENCY", "RESET"),
            ("LATENCY", "LATEST"),
            ("LATENCY", "HISTORY", "command"),
            ("LATENCY", "GRAPH", "command"),
            ("LATENCY", "DOCTOR"),
            ("LATENCY", "RESET", "a", "b"),
            ("LATENCY", "HISTOGRAM", "nosuch"),
            ("LATENCY", "foo"),
            ("LATENCY", "HELP"),
            ("LATENCY", "HISTORY"),
            ("MEMORY", "HELP"),
            ("MEMORY", "USAGE", "nokey"),
            ("SET", "k", "v"),
            ("MEMORY", "USAGE", "k", "SAMPLES"),
            ("MEMORY", "USAGE", "k", "SAMPLES", "x"),
            ("MEMORY", "USAGE", "k", "foo", "1"),
            ("MEMORY", "PURGE"),
            ("MEMORY", "foo"),
            ("MEMORY", "USAGE"),
        ],
        resp,
    )


def test_latency_monitor_records_slow_commands(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory(plugins=["strings"])
    r = h.client()
    ops_of(h.server).enable_debug = "yes"
    r.config_set("latency-monitor-threshold", 10)
    r.execute_command("DEBUG", "SLEEP", "0.03")
    latest = r.execute_command("LATENCY", "LATEST")
    assert latest[0][0] == b"command" and latest[0][2] >= 30
    history = r.execute_command("LATENCY", "HISTORY", "command")
    assert len(history) == 1 and history[0][1] >= 30
    graph = r.execute_command("LATENCY", "GRAPH", "command")
    assert graph.startswith(b"command - high ")
    assert b"latency spikes" in r.execute_command("LATENCY", "DOCTOR")
    assert r.execute_command("LATENCY", "RESET") == 1
    raw = RawConnection(h.host, h.port)
    hist = _parse(raw.command("LATENCY", "HISTOGRAM", "set", "debug"))
    assert hist[0] == b"debug" and hist[1][:2] == [b"calls", 1]
    raw.command("CONFIG", "SET", "slowlog-log-slower-than", "0")  # now every command is timed
    for i in range(3):
        raw.command("SET", "a", str(i))
    hist = _parse(raw.command("LATENCY", "HISTOGRAM", "set"))
    assert hist[0] == b"set" and hist[1][:2] == [b"calls", 3]
    buckets = hist[1][3]
    assert buckets[-1] == 3 and all(b & (b - 1) == 0 for b in buckets[::2])
    raw.close()


def test_memory_usage_is_an_honest_estimate(plugredis_server: Any) -> None:
    r = plugredis_server.client()
    r.set("small", "x")
    r.set("large", "x" * 100_000)
    r.rpush("list", *[b"y" * 100] * 1000)
    small = r.memory_usage("small")
    large = r.memory_usage("large")
    lst = r.memory_usage("list")
    assert 40 < small < 500
    assert 100_000 < large < 110_000
    assert 100_000 < lst < 400_000
    assert r.memory_usage("nokey") is None
    stats = r.memory_stats()
    assert stats["keys.count"] == 3
    assert stats["dataset.bytes"] > 200_000
    assert r.execute_command("MEMORY", "DOCTOR")
    assert r.execute_command("MEMORY", "MALLOC-STATS")


# -- SWAPDB ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("resp", [2, 3])
def test_swapdb_matches_redis(redis_pair: Any, resp: int) -> None:
    _compare(
        redis_pair,
        [
            ("SWAPDB",),
            ("SWAPDB", "a", "1"),
            ("SWAPDB", "1", "a"),
            ("SWAPDB", "0", "16"),
            ("SWAPDB", "-1", "0"),
            ("SWAPDB", "0", "0"),
            ("SET", "in0", "a"),
            ("SELECT", "1"),
            ("SET", "in1", "b"),
            ("EXPIRE", "in1", "100"),
            ("SWAPDB", "0", "1"),
            ("GET", "in0"),
            ("GET", "in1"),
            ("TTL", "in0"),
            ("SELECT", "0"),
            ("GET", "in0"),
            ("GET", "in1"),
            ("TTL", "in1"),
            ("DBSIZE",),
        ],
        resp,
    )


def test_swapdb_wakes_clients_blocked_on_the_new_contents(redis_target: Any) -> None:
    c = redis_target.raw_connection()
    blocked = redis_target.raw_connection()
    try:
        c.command("SELECT", "1")
        c.command("RPUSH", "q", "item")
        blocked.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n")
        time.sleep(0.1)
        assert c.command("SWAPDB", "0", "1") == b"+OK\r\n"
        blocked.sock.settimeout(2)
        assert blocked.read_reply() == b"*2\r\n$1\r\nq\r\n$4\r\nitem\r\n"
    finally:
        c.close()
        blocked.close()


# -- DEBUG (enable-debug-command yes on both sides) -----------------------------------------------


@pytest.fixture(scope="module")
def debug_pair() -> Iterator[Pair]:
    exe = find_redis_server()
    if exe is None:
        pytest.skip("redis-server is not installed")
    theirs = RealRedis(exe, "--enable-debug-command", "yes")
    ours = start_server(plugins=["strings", "keyspace", "lists", "hashes"])
    ours.call(lambda: setattr(ops_of(ours.server), "enable_debug", "yes"))
    pair = Pair(
        Target("plugredis", ours.host, ours.port, ours),
        Target("redis", theirs.host, theirs.port, theirs),
    )
    yield pair
    pair.plugredis.close()
    pair.redis.close()
    ours.stop()
    theirs.stop()


@pytest.mark.parametrize("resp", [2, 3])
def test_debug_subcommands_match_redis(debug_pair: Any, resp: int) -> None:
    cases: list[tuple[str, ...]] = [
        ("DEBUG",),
        ("DEBUG", "foo"),
        ("DEBUG", "SLEEP", "0"),
        ("DEBUG", "SLEEP", "x"),
        ("DEBUG", "SLEEP"),
        ("DEBUG", "ERROR", "custom error text"),
        ("DEBUG", "ERROR"),
        ("DEBUG", "OBJECT", "nokey"),
        ("DEBUG", "OBJECT"),
        ("DEBUG", "LOG", "hello"),
        ("DEBUG", "JMAP"),
        ("DEBUG", "SET-ACTIVE-EXPIRE", "0"),
        ("DEBUG", "SET-ACTIVE-EXPIRE", "1"),
        ("DEBUG", "DIGEST-VALUE", "nokey"),
        ("DEBUG", "CHANGE-REPL-ID"),
    ]
    for kind in (
        "string",
        "integer",
        "double",
        "bignum",
        "null",
        "array",
        "set",
        "map",
        "verbatim",
        "true",
        "false",
        "foo",
    ):
        cases.append(("DEBUG", "PROTOCOL", kind))
    if resp == 2:
        cases += [("DEBUG", "PROTOCOL", "attrib"), ("DEBUG", "PROTOCOL", "push")]
    _compare(debug_pair, cases, resp)
    if resp == 3:  # a push, then the reply, on the same connection
        for name in ("attrib", "push"):
            ours, theirs = debug_pair.raw("DEBUG", "PROTOCOL", name)
            ours += debug_pair.plugredis._raw.read_reply()
            theirs += debug_pair.redis._raw.read_reply()
            assert ours == theirs


def test_debug_refused_by_default_like_redis(redis_pair: Any) -> None:
    _compare(redis_pair, [("DEBUG", "SLEEP", "0"), ("DEBUG", "foo")])


def test_debug_object_digest_and_reload(plugredis_server_factory: Any, tmp_path: Any) -> None:
    h = plugredis_server_factory(plugins=["strings", "lists", "hashes"], dir=str(tmp_path))
    ops_of(h.server).enable_debug = "yes"
    r = h.client()
    r.set("s", "value")
    r.rpush("l", "a", "b", "c")
    r.hset("h", mapping={"f1": "v1", "f2": "v2"})
    obj = r.execute_command("DEBUG", "OBJECT", "s")
    assert re.fullmatch(
        rb"Value at:0x[0-9a-f]+ refcount:1 encoding:\w+ serializedlength:\d+ lru:\d+ "
        rb"lru_seconds_idle:\d+",
        obj if isinstance(obj, bytes) else str(obj).encode(),
    )
    digest = r.execute_command("DEBUG", "DIGEST")
    values = r.execute_command("DEBUG", "DIGEST-VALUE", "s", "l", "h", "nokey")
    assert values[3] == b"0" * 40 and len(set(values[:3])) == 3
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert r.execute_command("DEBUG", "DIGEST") == digest
    assert r.execute_command("DEBUG", "DIGEST-VALUE", "s", "l", "h", "nokey") == values
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"c"]
    r.set("s", "changed")
    assert r.execute_command("DEBUG", "DIGEST") != digest
    r.flushall()
    assert r.execute_command("DEBUG", "DIGEST") == b"0" * 40


def test_debug_set_active_expire(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory(plugins=["strings", "keyspace"])
    ops_of(h.server).enable_debug = "yes"
    r = h.client()
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    r.set("e", "v", px=50)
    time.sleep(0.4)
    assert r.dbsize() == 1  # not removed in the background...
    assert r.get("e") is None  # ...but expired when touched
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    r.set("e2", "v", px=50)
    time.sleep(0.4)
    assert r.dbsize() == 0


# -- MONITOR --------------------------------------------------------------------------------------


def _monitor_lines(target: Any, commands: list[bytes]) -> list[bytes]:
    m = socket.create_connection((target.host, target.port), 5)
    m.sendall(b"MONITOR\r\n")
    time.sleep(0.1)
    assert m.recv(100) == b"+OK\r\n"
    c = socket.create_connection((target.host, target.port), 5)
    for cmd in commands:
        c.sendall(cmd)
        time.sleep(0.02)
    time.sleep(0.2)
    m.settimeout(0.5)
    out = b""
    try:
        while True:
            chunk = m.recv(65536)
            if not chunk:
                break
            out += chunk
    except TimeoutError:
        pass
    m.sendall(b"GET k\r\nPING\r\nQUIT\r\n")
    time.sleep(0.2)
    own = m.recv(65536)
    m.close()
    c.close()
    lines = [
        re.sub(rb"^\+\d+\.\d{6} \[(\d+) [^\]]+\]", rb"+T [\1 ADDR]", ln)
        for ln in out.split(b"\r\n")
    ]
    own_lines = [
        re.sub(rb"^\+\d+\.\d{6} \[(\d+) [^\]]+\]", rb"+T [\1 ADDR]", ln)
        for ln in own.split(b"\r\n")
    ]
    return [*lines, b"--", *own_lines]


def test_monitor_feed_matches_redis(redis_pair: Any) -> None:
    commands = [
        b'SET k "a b\\x01\\n\\"q\\"\\\\"\r\n',
        b"AUTH foo\r\n",
        b"HELLO 2 AUTH default x\r\n",
        b"HELLO 2 SETNAME nm\r\n",
        b"GET k\r\n",
        b"NOSUCH\r\n",
        b"GET\r\n",
        b"MULTI\r\n",
        b"SET a 1\r\n",
        b"INCR a\r\n",
        b"EXEC\r\n",
        b"CONFIG GET port\r\n",
        b"CLIENT ID\r\n",
        b"CLIENT LIST\r\n",
        b"INCR k\r\n",
        b"SELECT 3\r\n",
        b"PING\r\n",
        b"SLOWLOG LEN\r\n",
        b"MONITOR\r\n",
    ]
    assert _monitor_lines(redis_pair.plugredis, commands) == _monitor_lines(
        redis_pair.redis, commands
    )


# -- INFO -----------------------------------------------------------------------------------------


def _sections(raw: bytes) -> dict[str, list[str]]:
    text = _parse(raw)
    text = text.decode() if isinstance(text, bytes) else str(text)
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.split("\r\n"):
        if line.startswith("# "):
            current = line[2:]
            out[current] = []
        elif line and current:
            out[current].append(line.split(":", 1)[0])
    return out


#: fields plugredis adds, and Redis fields that have no meaning here (jemalloc, AOF, threads...)
_EXTRA_OK = {"plugredis_version", "python_version"}


@pytest.mark.parametrize("arg", [(), ("default",), ("all",), ("everything",), ("server", "cpu")])
def test_info_sections_match_redis(redis_pair: Any, arg: tuple[str, ...]) -> None:
    redis_pair.raw("CONFIG", "RESETSTAT")  # the shared servers served other tests before
    redis_pair.raw("SET", "k", "v")
    redis_pair.raw("INCR", "k")  # an error for errorstats
    ours = _sections(redis_pair.plugredis.raw("INFO", *arg))
    theirs = _sections(redis_pair.redis.raw("INFO", *arg))
    theirs_names = list(theirs)
    ours_names = list(ours)
    assert ours_names == theirs_names
    for name, fields in theirs.items():
        mine = set(ours[name]) - _EXTRA_OK
        if name in ("Commandstats", "Latencystats", "Modules"):
            continue
        missing = [f for f in fields if f not in mine]
        allowed_missing = _ALLOWED_MISSING.get(name, set())
        assert set(missing) <= allowed_missing, (name, sorted(set(missing) - allowed_missing))
    assert ours.get("Errorstats") == theirs.get("Errorstats")
    assert ours.get("Keyspace") == theirs.get("Keyspace")


_ALLOWED_MISSING = {
    "Memory": {
        "allocator_allocated", "allocator_active", "allocator_resident", "used_memory_lua",
        "used_memory_vm_eval", "used_memory_lua_human", "used_memory_scripts_eval",
        "number_of_cached_scripts", "number_of_functions", "number_of_libraries",
        "used_memory_vm_functions", "used_memory_vm_total", "used_memory_vm_total_human",
        "used_memory_functions", "used_memory_scripts", "used_memory_scripts_human",
        "allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio",
        "allocator_rss_bytes", "rss_overhead_ratio", "rss_overhead_bytes",
        "mem_fragmentation_bytes", "mem_not_counted_for_evict", "mem_replication_backlog",
        "mem_total_replication_buffers", "mem_clients_slaves", "mem_clients_normal",
        "mem_cluster_links", "mem_aof_buffer", "active_defrag_running",
    },
    "Stats": {
        "total_net_repl_input_bytes", "total_net_repl_output_bytes",
        "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps", "sync_full",
        "sync_partial_ok", "sync_partial_err", "expired_stale_perc",
        "expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds",
        "total_eviction_exceeded_time", "current_eviction_exceeded_time",
        "pubsubshard_channels", "migrate_cached_sockets", "slave_expires_tracked_keys",
        "active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
        "active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time",
        "tracking_total_items", "tracking_total_prefixes", "dump_payload_sanitizations",
        "total_reads_processed", "total_writes_processed", "total_net_input_bytes",
        "total_net_output_bytes", "instantaneous_input_kbps", "instantaneous_output_kbps",
        "io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks",
        "reply_buffer_expands",
    },
}  # fmt: skip


def test_info_counts_what_happens(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory(plugins=["strings"])
    r = h.client()
    r.config_resetstat()
    r.set("a", "1")
    r.get("a")
    r.get("missing")
    for _ in range(3):
        try:
            r.execute_command("NOSUCH")
        except Exception:
            pass
    stats = r.info("stats")
    assert stats["keyspace_hits"] == 1 and stats["keyspace_misses"] == 1
    assert stats["total_error_replies"] == 3
    assert r.info("errorstats") == {"errorstat_ERR": {"count": 3}}
    cmd = r.info("commandstats")
    assert cmd["cmdstat_get"]["calls"] == 2
    assert cmd["cmdstat_set"]["calls"] == 1
    assert "cmdstat_config" not in cmd and cmd["cmdstat_config|resetstat"]["calls"] == 1
    assert r.info("clients")["connected_clients"] == 1
    modules = r.info("modules")
    assert "strings" in str(modules)
    assert r.info("replication")["role"] == "master"
    assert r.info("server")["redis_version"] == "7.0.15"
    latency = r.info("latencystats")  # commands timed one by one (here: the slow path)
    assert "latency_percentiles_usec_config|resetstat" in latency
    assert cmd["cmdstat_set"]["usec"] >= 0  # fast path: a share of the time of its reads
    # instantaneous_ops_per_sec is sampled in the background
    time.sleep(0.25)
    for _ in range(200):
        r.ping()
    time.sleep(0.35)
    assert r.info("stats")["instantaneous_ops_per_sec"] > 0


# -- command metadata -----------------------------------------------------------------------------

OPS_COMMANDS = [
    "monitor",
    "swapdb",
    "debug",
    "slowlog",
    "slowlog|get",
    "slowlog|len",
    "slowlog|reset",
    "slowlog|help",
    "latency",
    "latency|latest",
    "latency|history",
    "latency|reset",
    "latency|graph",
    "latency|doctor",
    "latency|histogram",
    "latency|help",
    "memory",
    "memory|usage",
    "memory|stats",
    "memory|doctor",
    "memory|malloc-stats",
    "memory|purge",
    "memory|help",
    "client",
    "client|pause",
    "client|unpause",
    "client|reply",
    "client|tracking",
    "client|trackinginfo",
    "client|getredir",
    "client|caching",
    "client|no-evict",
    "client|help",
    "config",
    "config|rewrite",
    "config|help",
    "info",
    "multi",
    "exec",
    "discard",
    "watch",
    "unwatch",
    "auth",
    "hello",
    "reset",
    "quit",
]


def _norm_meta(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(sorted((_norm_meta(x) for x in v), key=repr))
    if isinstance(v, dict):
        return tuple(sorted(((_norm_meta(k), _norm_meta(x)) for k, x in v.items()), key=repr))
    if isinstance(v, set):
        return tuple(sorted((_norm_meta(x) for x in v), key=repr))
    return v


@pytest.mark.parametrize("name", OPS_COMMANDS)
@pytest.mark.parametrize("sub", ["INFO", "DOCS"])
def test_ops_command_metadata_matches_redis(redis_pair: Any, name: str, sub: str) -> None:
    for resp in (2, 3):
        a = RawConnection(redis_pair.plugredis.host, redis_pair.plugredis.port)
        b = RawConnection(redis_pair.redis.host, redis_pair.redis.port)
        try:
            if resp == 3:
                a.command("HELLO", "3")
                b.command("HELLO", "3")
            ours = a.command("COMMAND", sub, name)
            theirs = b.command("COMMAND", sub, name)
        finally:
            a.close()
            b.close()
        if name == "client":
            # plugredis answers CLIENT SETINFO too (7.2 clients send it on connect)
            ours_v, theirs_v = _parse(ours), _parse(theirs)
            ours_v = _drop_setinfo(ours_v)
            assert _norm_meta(ours_v) == _norm_meta(theirs_v)
            continue
        if ours != theirs:
            assert _norm_meta(_parse(ours)) == _norm_meta(_parse(theirs)), (
                f"RESP{resp} COMMAND {sub} {name}:\n ours  {ours!r}\n redis {theirs!r}"
            )


def _drop_setinfo(v: Any) -> Any:
    if isinstance(v, list):
        if b"client|setinfo" in v:  # a flat name, doc, name, doc... list (RESP2 map)
            i = v.index(b"client|setinfo")
            v = v[:i] + v[i + 2 :]
        return [
            _drop_setinfo(x)
            for x in v
            if not (isinstance(x, list) and x and x[0] == b"client|setinfo")
        ]
    if isinstance(v, dict):
        return {k: _drop_setinfo(x) for k, x in v.items() if k != b"client|setinfo"}
    return v


def test_command_info_setinfo_is_the_only_extra(redis_pair: Any) -> None:
    ours = _parse(redis_pair.plugredis.raw("COMMAND", "INFO", "client"))[0][9]
    theirs = _parse(redis_pair.redis.raw("COMMAND", "INFO", "client"))[0][9]
    assert {s[0] for s in ours} - {s[0] for s in theirs} == {b"client|setinfo"}
