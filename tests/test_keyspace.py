"""Keyspace core: databases, lazy and active expiry on a manual clock, WRONGTYPE."""

from __future__ import annotations

from typing import Any

import pytest

from plugredis import ManualClock


def test_select_isolates_databases(plugredis_server: Any) -> None:
    r0 = plugredis_server.client(db=0)
    r1 = plugredis_server.client(db=1)
    r0.set("k", "zero")
    assert r1.get("k") is None
    r1.set("k", "one")
    assert r0.get("k") == b"zero" and r1.get("k") == b"one"
    assert r0.dbsize() == 1 and r1.dbsize() == 1
    r1.flushdb()
    assert r0.dbsize() == 1 and r1.dbsize() == 0


def test_lazy_expiry_with_manual_clock(plugredis_server_factory: Any) -> None:
    clock = ManualClock()
    h = plugredis_server_factory(clock=clock, active_expiry=False)
    r = h.client()
    r.set("a", "1", px=1500)
    r.set("b", "2", ex=10)
    clock.advance(1.499)
    assert r.get("a") == b"1"
    clock.advance(0.001)
    assert r.get("a") is None
    assert r.get("b") == b"2"
    clock.advance(9)
    assert r.get("b") is None
    assert h.server.stats.expired_keys == 2


def test_active_expiry_removes_keys_nobody_reads(plugredis_server_factory: Any) -> None:
    clock = ManualClock()
    h = plugredis_server_factory(clock=clock, active_expiry=False)
    r = h.client()
    for i in range(500):
        r.set(f"k{i}", "v", px=100 + i)
    r.set("keep", "v")
    clock.advance(10)
    removed = 0
    while True:
        n = h.call(h.server.active_expire_cycle)
        if not n:
            break
        removed += n
    assert removed == 500
    assert h.call(lambda: len(h.server.dbs[0].data)) == 1


def test_real_short_ttl(plugredis_client: Any) -> None:
    import time

    plugredis_client.set("t", "v", px=50)
    assert plugredis_client.get("t") == b"v"
    time.sleep(0.12)
    assert plugredis_client.get("t") is None


def test_wrongtype_through_typespec(plugredis_server_factory: Any) -> None:
    from plugredis import TypeSpec, command, hookimpl

    class Box(list):  # type: ignore[type-arg]
        pass

    @command("BOXPUT", arity=3, flags="write", keys=(1, 1, 1))
    def boxput(ctx: Any, key: bytes, item: bytes) -> int:
        box = ctx.db.lookup_write(key, Box)
        if box is None:
            box = Box()
            ctx.db.add(key, box)
        box.append(item)
        ctx.db.signal_modified(key)
        return len(box)

    class BoxPlugin:
        plugredis_name = "box"

        @hookimpl
        def register_types(self, register: Any) -> None:
            register(TypeSpec("box", Box))

        @hookimpl
        def register_commands(self, register: Any) -> None:
            register(boxput)

    h = plugredis_server_factory(extra=[BoxPlugin()])
    r = h.client()
    assert r.execute_command("BOXPUT", "b", "x") == 2 - 1
    with pytest.raises(Exception, match="WRONGTYPE"):
        r.get("b")
    r.set("s", "v")
    with pytest.raises(Exception, match="WRONGTYPE"):
        r.execute_command("BOXPUT", "s", "x")
