"""Readable behaviour tests of the keyspace plugin: expiry on a manual clock, SCAN's guarantee,
the type-generic contract (a module type the plugin has never heard of), UNLINK, WAIT."""

from __future__ import annotations

import time
import weakref
from typing import Any

import pytest
import redis
from keyspace_toys import TOYS, ToyBlob, ToyList
from plugredis_keyspace import cursors as scanmod

pytestmark = pytest.mark.plugredis(plugins=["keyspace", "strings"], extra=[TOYS])


@pytest.fixture
def r(plugredis_server: Any) -> Any:
    """A client of a flushed shared server (toy types loaded)."""
    plugredis_server.flush()
    client = plugredis_server.client()
    yield client
    client.close()


@pytest.fixture
def clocked(plugredis_server_factory: Any, manual_clock: Any, tmp_path: Any) -> Any:
    """A server on a manual clock, without active expiry: only lazy expiry removes keys."""
    h = plugredis_server_factory(
        plugins=["keyspace", "strings"],
        extra=[TOYS],
        clock=manual_clock,
        active_expiry=False,
        dir=str(tmp_path),
    )
    return h, h.client(), manual_clock


# -- expiry on a manual clock -------------------------------------------------------------------


def test_ttl_counts_down_and_the_key_expires(clocked: Any) -> None:
    _, r, clock = clocked
    r.set("k", "v")
    assert r.ttl("k") == -1 and r.pttl("k") == -1
    assert r.expire("k", 10) == 1
    assert r.pttl("k") == 10_000 and r.ttl("k") == 10
    clock.advance(ms=8_501)
    assert r.pttl("k") == 1_499 and r.ttl("k") == 1  # TTL rounds to the nearest second
    clock.advance(ms=1)
    assert r.ttl("k") == 2 - 1 and r.pttl("k") == 1_498
    clock.advance(ms=1_497)
    assert r.pttl("k") == 1 and r.exists("k") == 1
    clock.advance(ms=1)
    assert r.exists("k") == 0
    assert r.ttl("k") == -2 and r.pttl("k") == -2 and r.get("k") is None


def test_expiretime_and_absolute_expiry(clocked: Any) -> None:
    _, r, clock = clocked
    now = clock.ms()
    r.set("k", "v")
    assert r.pexpireat("k", now + 1_234) == 1
    assert r.execute_command("PEXPIRETIME", "k") == now + 1_234
    assert r.execute_command("EXPIRETIME", "k") == (now + 1_234 + 500) // 1000
    assert r.expireat("k", now // 1000 - 1) == 1  # in the past: deleted at once
    assert r.exists("k") == 0
    r.set("k", "v")
    assert r.pexpireat("k", now) == 1  # "now" is already expired
    assert r.exists("k") == 0


def test_expire_conditions_on_a_fixed_clock(clocked: Any) -> None:
    _, r, _clock = clocked
    r.set("k", "v")
    assert r.expire("k", 100, gt=True) == 0  # no TTL counts as infinite: GT never wins
    assert r.expire("k", 100, lt=True) == 1
    assert r.expire("k", 100, gt=True) == 0  # equal is not greater
    assert r.expire("k", 100, lt=True) == 0
    assert r.expire("k", 101, gt=True) == 1
    assert r.expire("k", 50, nx=True) == 0
    assert r.expire("k", 50, xx=True) == 1
    assert r.pttl("k") == 50_000
    assert r.persist("k") == 1 and r.persist("k") == 0
    assert r.expire("k", 50, xx=True) == 0


def test_ttl_moves_with_rename_move_copy_and_restore(clocked: Any) -> None:
    h, r, clock = clocked
    r.set("a", "v")
    r.pexpire("a", 5_000)
    r.rename("a", "b")
    assert r.pttl("b") == 5_000
    assert r.copy("b", "c") == 1 and r.pttl("c") == 5_000
    assert r.move("c", 3) == 1
    r3 = h.client(db=3)
    assert r3.pttl("c") == 5_000
    payload = r.dump("b")
    assert r.restore("d", 2_000, payload) == b"OK" and r.pttl("d") == 2_000
    now = clock.ms()
    assert r.restore("e", now + 700, payload, absttl=True) == b"OK" and r.pttl("e") == 700
    assert r.restore("f", now - 1, payload, absttl=True) == b"OK"  # already expired: not created
    assert r.exists("f") == 0
    clock.advance(5)
    assert r.exists("b", "d", "e") == 0 and r3.exists("c") == 0


def test_expired_keys_are_invisible_everywhere(clocked: Any) -> None:
    h, r, clock = clocked
    for k in ("a", "b", "c"):
        r.set(k, "v")
    r.pexpire("a", 10)
    r.pexpire("b", 10)
    clock.advance(ms=10)
    db = h.server.dbs[0]
    assert set(r.keys("*")) == {b"c"}
    assert r.keys("a") == [] and r.keys("[ab]") == []
    assert len(db.data) == 3  # KEYS skips expired keys without deleting them, as Redis does
    assert r.scan(0) == (0, [b"c"])
    assert r.scan(0, match="a") == (0, [])
    assert r.randomkey() == b"c"
    assert r.type("a") == b"none" and r.exists("a", "b") == 0
    assert r.object("encoding", "a") is None
    assert r.dump("b") is None
    with pytest.raises(redis.ResponseError, match="no such key"):
        r.rename("a", "z")
    assert r.copy("a", "z") == 0 and r.move("a", 1) == 0
    assert r.expire("a", 100) == 0 and r.persist("a") == 0 and r.touch("a") == 0
    assert len(db.data) == 1


def test_expire_signals_watchers(r: Any, plugredis_server: Any) -> None:
    other = plugredis_server.client()
    r.set("k", "v")
    for change in (
        lambda: other.expire("k", 100),
        lambda: other.persist("k"),
        lambda: other.pexpireat("k", 1),  # deletes
    ):
        r.set("k", "v")
        r.expire("k", 1000)
        with r.pipeline() as pipe:
            pipe.watch("k")
            change()
            pipe.multi()
            pipe.get("k")
            with pytest.raises(redis.WatchError):
                pipe.execute()
    # a no-op (missing key, failed condition) does not invalidate a WATCH
    r.set("k", "v")
    with r.pipeline() as pipe:
        pipe.watch("k")
        other.expire("nokey", 100)
        other.expire("k", 100, xx=True)
        other.persist("k")
        pipe.multi()
        pipe.get("k")
        assert pipe.execute() == [b"v"]


def test_one_real_short_ttl(redis_target: Any) -> None:
    r = redis_target.client
    r.flushall()
    r.set("k", "v")
    assert r.pexpire("k", 50) == 1
    assert r.exists("k") == 1
    time.sleep(0.12)
    assert r.exists("k") == 0 and r.pttl("k") == -2


# -- SCAN ----------------------------------------------------------------------------------------


def _full_scan(r: Any, count: int, between: Any = None, **kw: Any) -> list[bytes]:
    seen: list[bytes] = []
    cursor = 0
    calls = 0
    while True:
        cursor, keys = r.scan(cursor, count=count, **kw)
        seen.extend(keys)
        calls += 1
        if between is not None:
            between(calls)
        if cursor == 0:
            return seen
        assert calls < 100_000


def test_scan_returns_every_key_present_for_the_whole_scan(r: Any) -> None:
    stable = [f"stable:{i}" for i in range(2_000)]
    doomed = [f"doomed:{i}" for i in range(500)]
    with r.pipeline(transaction=False) as p:
        for k in stable + doomed:
            p.set(k, "v")
        p.execute()

    def mutate(call: int) -> None:
        # the dict grows (new keys), shrinks (deletions) and churns between every call
        with r.pipeline(transaction=False) as p:
            for j in range(50):
                p.set(f"new:{call}:{j}", "v")
            if call <= 100:
                p.delete(*doomed[(call - 1) * 5 : call * 5])
            p.delete(f"new:{call - 1}:0")
            p.execute()

    seen = _full_scan(r, 10, mutate)
    assert set(stable) <= {k.decode() for k in seen}
    # no key is returned twice when the client follows the cursors
    assert len(seen) == len(set(seen))
    # keys deleted before the scan reached them are not returned after their deletion
    assert not {f"doomed:{i}" for i in range(250, 500)} & {k.decode() for k in seen}


def test_scan_survives_flush_and_type_filters(r: Any) -> None:
    for i in range(30):
        r.set(f"s{i}", "v")
        r.rpush(f"l{i}", "x")
    cursor, _ = r.scan(0, count=5)
    assert cursor != 0
    lists = _full_scan(r, 7, _type="list")
    assert sorted(lists) == sorted(f"l{i}".encode() for i in range(30))
    strings = _full_scan(r, 1000, match="s1*")
    assert sorted(strings) == sorted(f"s{i}".encode() for i in [1, *range(10, 20)])
    r.flushdb()
    r.set("after", "v")
    # a cursor of a scan whose keys were all flushed: nothing stale comes back
    cursor, keys = r.scan(cursor, count=1000)
    assert cursor == 0 and keys in ([], [b"after"])


def test_unknown_cursors_restart_instead_of_losing_keys(r: Any, plugredis_server: Any) -> None:
    for i in range(100):
        r.set(f"k{i}", "v")
    # a made-up cursor, or one of a scan evicted from the table, starts a fresh scan
    got: set[bytes] = set()
    cursor, keys = r.scan(123456789, count=10)
    got.update(keys)
    while cursor:
        cursor, keys = r.scan(cursor, count=10)
        got.update(keys)
    assert len(got) == 100
    cursors = [r.scan(0, count=10)[0] for _ in range(scanmod.MAX_SCANS + 5)]
    cursor = cursors[0]  # evicted by the later ones
    got = set()
    while True:
        cursor, keys = r.scan(cursor, count=10)
        got.update(keys)
        if cursor == 0:
            break
    assert len(got) == 100
    # a cursor used on another database is a fresh scan of that database
    cursor = r.scan(0, count=10)[0]
    r1 = plugredis_server.client(db=1)
    r1.set("only-in-1", "v")
    assert r1.scan(cursor, count=10) == (0, [b"only-in-1"])


def test_scan_table_unit() -> None:
    class FakeDb:
        def __init__(self) -> None:
            self.id = 0
            self.data = {f"k{i}".encode(): b"v" for i in range(25)}

    t = scanmod.ScanTable()
    db = FakeDb()
    assert t.batch(db, 0, 100) == (0, list(db.data))  # small: one reply, no snapshot
    assert not t.scans
    c1, b1 = t.batch(db, 0, 10)
    assert c1 and len(b1) == 10 and len(t.scans) == 1
    db.data[b"late"] = b"v"
    c2, b2 = t.batch(db, c1, 10)
    c3, b3 = t.batch(db, c2, 10)
    assert c3 == 0 and not t.scans
    assert b1 + b2 + b3 == [f"k{i}".encode() for i in range(25)]
    assert c1 < 2**63 and c2 < 2**63


# -- the type-generic contract --------------------------------------------------------------------


def test_a_type_the_plugin_never_heard_of(r: Any, plugredis_server: Any) -> None:
    r.execute_command("TOYBLOB", "b", "data")
    assert r.type("b") == b"toyblob"
    assert r.object("encoding", "b") == b"toy"
    assert r.object("refcount", "b") == 7  # TypeSpec.extra["refcount"]
    assert r.scan(0, _type="toyblob") == (0, [b"b"])
    assert r.scan(0, _type="TOYBLOB") == (0, [b"b"])
    assert r.copy("b", "c") == 1
    db = plugredis_server.server.dbs[0]
    assert type(db.data[b"c"]) is ToyBlob and db.data[b"c"] == db.data[b"b"]
    assert db.data[b"c"] is not db.data[b"b"]  # TypeSpec.clone, not a shared reference
    assert r.rename("c", "d") == 1 and r.type("d") == b"toyblob"
    payload = r.dump("b")
    assert payload[:1] == b"\x07"  # a module-type value (RDB_TYPE_MODULE_2)
    assert r.restore("e", 0, payload) == b"OK"
    assert r.type("e") == b"toyblob" and db.data[b"e"] == ToyBlob(b"data")
    with pytest.raises(redis.ResponseError, match=r"BUSYKEY Target key name already exists\."):
        r.restore("e", 0, payload)
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.sort("b")
    r.rpush("l", "1", "2")
    r.execute_command("TOYBLOB", "w_1", "5")
    assert r.sort("l", by="w_*", get="w_*") == [None, None]  # not a string: as if missing
    assert r.delete("b", "d", "e") == 3


def test_unlink_releases_big_values_after_the_reply(r: Any, plugredis_server: Any) -> None:
    r.rpush("big", *range(1000))
    r.rpush("small", "x")
    db = plugredis_server.server.dbs[0]
    big = plugredis_server.call(lambda: weakref.ref(db.data[b"big"]))
    assert r.unlink("big", "small", "nokey", "big") == 2
    r.ping()
    assert plugredis_server.call(lambda: big()) is None
    assert r.exists("big", "small") == 0
    assert isinstance(ToyList(), list)


def test_object_subcommands(r: Any) -> None:
    r.set("k", "hello")
    assert r.object("idletime", "k") == 0
    assert r.object("refcount", "k") == 1
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is not selected"):
        r.object("freq", "k")
    assert r.object("freq", "nokey") is None
    help_lines = r.execute_command("OBJECT", "HELP")
    assert (
        help_lines[0].startswith(b"OBJECT <subcommand>")
        and help_lines[-1] == b"    Prints this help."
    )


def test_wait_times_out_with_zero_replicas(redis_target: Any) -> None:
    r = redis_target.client
    assert r.execute_command("WAIT", 0, 0) == 0
    t = time.monotonic()
    assert r.execute_command("WAIT", 1, 150) == 0
    assert time.monotonic() - t >= 0.14


def test_sort_store_and_getkeys(r: Any) -> None:
    r.rpush("l", "3", "1", "2")
    assert r.sort("l", store="dst") == 3
    assert r.lrange("dst", 0, -1) == [b"1", b"2", b"3"]
    assert r.type("dst") == b"list"
    assert r.command_getkeys("SORT", "l", "STORE", "dst") == ["l", "dst"]
