"""MULTI/EXEC/DISCARD/WATCH/UNWATCH compared with Redis, and exact under contention."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

pytestmark = pytest.mark.plugredis(plugins=["strings", "keyspace", "lists"])

#: one connection per server runs each sequence (state carries over), RESP2 and RESP3
SEQUENCES: dict[str, list[tuple[str, ...]]] = {
    "queued-replies-and-runtime-errors": [
        ("MULTI",),
        ("SET", "a", "1"),
        ("INCR", "a"),
        ("LPUSH", "a", "x"),
        ("GET", "a"),
        ("EXEC",),
        ("GET", "a"),
    ],
    "nesting-and-misuse": [
        ("EXEC",),
        ("DISCARD",),
        ("MULTI",),
        ("MULTI",),
        ("WATCH", "x"),
        ("EXEC",),
        ("MULTI", "extra"),
        ("DISCARD", "x"),
        ("EXEC", "x"),
        ("UNWATCH", "x"),
        ("WATCH",),
    ],
    "queue-time-errors-abort": [
        ("MULTI",),
        ("SET", "k", "v"),
        ("GET",),
        ("SET", "k2", "v"),
        ("EXEC",),
        ("EXISTS", "k", "k2"),
        ("MULTI",),
        ("NOSUCHCOMMAND", "arg"),
        ("EXEC",),
        ("MULTI",),
        ("CONFIG", "NOSUCH"),
        ("EXEC",),
        ("MULTI",),
        ("PING",),
        ("EXEC", "x"),
        ("EXEC",),
    ],
    "discard": [
        ("MULTI",),
        ("SET", "d", "1"),
        ("DISCARD",),
        ("GET", "d"),
        ("EXEC",),
    ],
    "watch-own-write": [
        ("SET", "w", "1"),
        ("WATCH", "w"),
        ("SET", "w", "2"),
        ("MULTI",),
        ("GET", "w"),
        ("EXEC",),
        ("WATCH", "w"),
        ("MULTI",),
        ("GET", "w"),
        ("EXEC",),
        ("WATCH", "w", "nokey"),
        ("UNWATCH",),
        ("SET", "w", "3"),
        ("MULTI",),
        ("GET", "w"),
        ("EXEC",),
    ],
    "watch-missing-key-created": [
        ("WATCH", "newkey"),
        ("SET", "newkey", "x"),
        ("MULTI",),
        ("PING",),
        ("EXEC",),
        ("WATCH", "newkey2"),
        ("DEL", "newkey2"),
        ("MULTI",),
        ("PING",),
        ("EXEC",),
    ],
    "watch-flush-and-swapdb": [
        ("SET", "f", "1"),
        ("WATCH", "f"),
        ("FLUSHDB",),
        ("MULTI",),
        ("PING",),
        ("EXEC",),
        ("WATCH", "gone"),
        ("FLUSHALL",),
        ("MULTI",),
        ("PING",),
        ("EXEC",),
        ("SELECT", "1"),
        ("SET", "s", "1"),
        ("SELECT", "0"),
        ("WATCH", "s"),
        ("SWAPDB", "0", "1"),
        ("MULTI",),
        ("GET", "s"),
        ("EXEC",),
        ("WATCH", "other"),
        ("SWAPDB", "0", "1"),
        ("MULTI",),
        ("GET", "s"),
        ("EXEC",),
    ],
    "select-and-blocking-inside-multi": [
        ("MULTI",),
        ("SELECT", "2"),
        ("SET", "k", "v"),
        ("BLPOP", "nolist", "0"),
        ("BRPOPLPUSH", "nolist", "dst", "0"),
        ("EXEC",),
        ("GET", "k"),
        ("SELECT", "0"),
        ("GET", "k"),
    ],
    "no-multi-and-watch-inside": [
        ("MULTI",),
        ("SHUTDOWN",),
        ("EXEC",),
        ("MULTI",),
        ("WATCH", "a"),
        ("SET", "a", "b"),
        ("EXEC",),
        ("MULTI",),
        ("QUIT",),
    ],
    "reset-leaves-multi": [
        ("WATCH", "r"),
        ("MULTI",),
        ("SET", "r", "1"),
        ("RESET",),
        ("EXEC",),
        ("GET", "r"),
    ],
}


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_transaction_sequences_match_redis(redis_pair: Any, name: str, resp: int) -> None:
    if resp == 3:
        redis_pair.raw("HELLO", "3")
    mismatches = []
    for cmd in SEQUENCES[name]:
        ours, theirs = redis_pair.raw(*cmd)
        if cmd[0] == "RESET":
            continue
        if ours != theirs:
            mismatches.append((cmd, ours, theirs))
    assert not mismatches, "\n".join(f"{c!r}: ours {o!r} != redis {t!r}" for c, o, t in mismatches)


def test_watch_invalidated_by_another_client(redis_target: Any) -> None:
    r = redis_target.client
    other = redis_target.new_client()
    r.set("acct", 10)
    conn = redis_target.raw_connection()
    try:
        assert conn.command("WATCH", "acct") == b"+OK\r\n"
        other.incr("acct")
        assert conn.command("MULTI") == b"+OK\r\n"
        assert conn.command("INCR", "acct") == b"+QUEUED\r\n"
        assert conn.command("EXEC") == b"*-1\r\n"
        # an untouched WATCH lets EXEC through
        assert conn.command("WATCH", "acct") == b"+OK\r\n"
        assert conn.command("MULTI") == b"+OK\r\n"
        assert conn.command("INCR", "acct") == b"+QUEUED\r\n"
        assert conn.command("EXEC") == b"*1\r\n:12\r\n"
    finally:
        conn.close()
        other.close()


def test_watch_of_a_key_that_expires_fails_exec(redis_target: Any) -> None:
    """A WATCHed key that expires before EXEC (even not yet removed) aborts the EXEC."""
    conn = redis_target.raw_connection()
    try:
        conn.command("SET", "ttl", "v", "PX", "50")
        conn.command("WATCH", "ttl")
        time.sleep(0.15)
        conn.command("MULTI")
        conn.command("PING")
        assert conn.command("EXEC") == b"*-1\r\n"
        # a key already expired when WATCHed is simply absent: EXEC runs
        conn.command("SET", "ttl2", "v", "PX", "10")
        time.sleep(0.05)
        conn.command("WATCH", "ttl2")
        conn.command("MULTI")
        conn.command("PING")
        assert conn.command("EXEC") == b"*1\r\n+PONG\r\n"
    finally:
        conn.close()


def test_watch_invalidated_by_active_expiry(
    plugredis_server_factory: Any, manual_clock: Any
) -> None:
    h = plugredis_server_factory(clock=manual_clock, plugins=["strings"])
    r = h.client()
    r.set("k", "v", px=1000)
    pipe = r.pipeline()
    pipe.watch("k")
    manual_clock.advance(2)
    h.call(h.server.active_expire_cycle)
    pipe.multi()
    pipe.set("k", "new")
    with pytest.raises(redis.WatchError):
        pipe.execute()
    assert r.get("k") is None


def test_redis_py_pipeline_and_transaction_helper(redis_target: Any) -> None:
    r = redis_target.client
    with r.pipeline() as pipe:  # transaction=True: MULTI/EXEC
        pipe.set("p1", "a").incr("p2").lpush("p3", "x").get("p1")
        assert pipe.execute() == [True, 1, 1, b"a"]

    def double(p: Any) -> None:
        v = int(p.get("p2") or 0)
        p.multi()
        p.set("p2", v * 2)

    assert r.transaction(double, "p2") == [True]
    assert r.get("p2") == b"2"
    with r.pipeline() as pipe:
        pipe.set("q", "1").lpush("q", "x").get("q")
        with pytest.raises(redis.ResponseError):
            pipe.execute()
    assert r.get("q") == b"1"  # runtime errors do not roll back


def _contended_increments(host: str, port: int, keys: list[str], n_clients: int, n: int) -> int:
    """Each client adds 1 to every key, n times, with WATCH/MULTI/EXEC; returns the retries."""
    retries = [0]
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        c = redis.Redis(host=host, port=port)
        try:
            for _ in range(n):
                while True:
                    with c.pipeline() as p:
                        try:
                            p.watch(*keys)
                            values = [int(v or 0) for v in p.mget(keys)]
                            p.multi()
                            for k, v in zip(keys, values, strict=True):
                                p.set(k, v + 1)
                            p.execute()
                            break
                        except redis.WatchError:
                            with lock:
                                retries[0] += 1
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=worker) for _ in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return retries[0]


def test_concurrent_watch_multi_exec_increments_are_exact(plugredis_server: Any) -> None:
    keys = ["c:a", "c:b", "c:c"]
    n_clients, n = 12, 40
    retries = _contended_increments(
        plugredis_server.host, plugredis_server.port, keys, n_clients, n
    )
    r = plugredis_server.client()
    assert [int(v) for v in r.mget(keys)] == [n_clients * n] * 3
    assert retries > 0  # there was real contention


def test_transaction_helper_retries_under_contention(plugredis_server: Any) -> None:
    host, port = plugredis_server.host, plugredis_server.port
    r = plugredis_server.client()
    r.set("counter", 0)
    per_client, clients = 30, 8

    def worker() -> None:
        c = redis.Redis(host=host, port=port)
        for _ in range(per_client):

            def incr(p: Any) -> None:
                v = int(p.get("counter"))
                p.multi()
                p.set("counter", v + 1)

            c.transaction(incr, "counter")
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert int(r.get("counter")) == per_client * clients


def test_exec_runs_atomically_between_other_clients(plugredis_server: Any) -> None:
    """Nothing another client sends runs in the middle of an EXEC."""
    r = plugredis_server.client()
    stop = threading.Event()
    seen_partial = []

    def reader() -> None:
        c = plugredis_server.client()
        while not stop.is_set():
            a, b = c.mget("x", "y")
            if (a is None) != (b is None) or (a is not None and a != b):
                seen_partial.append((a, b))
        c.close()

    t = threading.Thread(target=reader)
    t.start()
    try:
        for i in range(200):
            with r.pipeline() as p:
                p.set("x", i).set("y", i).execute()
    finally:
        stop.set()
        t.join(10)
    assert not seen_partial


def test_commandstats_and_errorstats_count_inside_exec(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory(plugins=["strings"])
    r = h.client()
    r.config_resetstat()
    with r.pipeline() as p:
        p.set("a", "x").incr("a")
        with pytest.raises(redis.ResponseError):
            p.execute()
    stats = r.info("commandstats")
    assert stats["cmdstat_incrby"]["failed_calls"] == 1  # redis-py sends INCRBY
    assert stats["cmdstat_exec"]["calls"] == 1
    assert r.info("errorstats")["errorstat_ERR"]["count"] == 1


# -- random sequences, two clients per server --------------------------------------------------

KEYS = st.sampled_from(["a", "b", "c"])
VALUES = st.sampled_from(["1", "x", "10", "-3"])
#: commands a client may send: transaction control, reads, writes, wrong types, bad arity
COMMANDS = st.one_of(
    st.tuples(st.just("MULTI")),
    st.tuples(st.just("EXEC")),
    st.tuples(st.just("DISCARD")),
    st.tuples(st.just("UNWATCH")),
    st.builds(lambda ks: ("WATCH", *ks), st.lists(KEYS, min_size=1, max_size=3)),
    st.builds(lambda k, v: ("SET", k, v), KEYS, VALUES),
    st.builds(lambda k: ("GET", k), KEYS),
    st.builds(lambda k: ("INCR", k), KEYS),
    st.builds(lambda k, v: ("LPUSH", k, v), KEYS, VALUES),
    st.builds(lambda k: ("DEL", k), KEYS),
    st.builds(lambda k: ("EXPIRE", k, "100"), KEYS),
    st.tuples(st.just("GET")),
    st.tuples(st.just("NOSUCH"), st.just("x")),
    st.tuples(st.just("MULTI"), st.just("extra")),
    st.tuples(st.just("FLUSHDB")),
    st.tuples(st.just("SWAPDB"), st.just("0"), st.just("1")),
    st.tuples(st.just("SELECT"), st.sampled_from(["0", "1"])),
    st.tuples(st.just("PING")),
)


def _transaction_machine(pair: Any) -> type[RuleBasedStateMachine]:
    class Transactions(RuleBasedStateMachine):
        @initialize(resp=st.sampled_from(["2", "3"]))
        def start(self, resp: str) -> None:
            ours, theirs = pair.plugredis.raw("FLUSHALL"), pair.redis.raw("FLUSHALL")
            assert ours == theirs
            self.conns = {
                name: (pair.plugredis.raw_connection(), pair.redis.raw_connection())
                for name in ("A", "B")
            }
            for a, b in self.conns.values():
                a.command("HELLO", resp)
                b.command("HELLO", resp)

        def teardown(self) -> None:
            for a, b in getattr(self, "conns", {}).values():
                a.close()
                b.close()

        def send(self, who: str, cmd: tuple[str, ...]) -> None:
            a, b = self.conns[who]
            ours, theirs = a.command(*cmd), b.command(*cmd)
            assert ours == theirs, f"{who} {cmd!r}: ours {ours!r} != redis {theirs!r}"

        @rule(cmd=COMMANDS)
        def client_a(self, cmd: tuple[str, ...]) -> None:
            self.send("A", cmd)

        @rule(cmd=COMMANDS)
        def client_b(self, cmd: tuple[str, ...]) -> None:
            self.send("B", cmd)

    return Transactions


def test_random_transaction_sequences_match_redis(redis_pair: Any) -> None:
    run_state_machine_as_test(
        _transaction_machine(redis_pair),
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
