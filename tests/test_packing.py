"""Compact storage at rest: small hashes and lists are kept as packed ``bytes`` images between
commands (``TypeSpec.pack``/``unpack``), and nothing a client can see changes because of it."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st
from plugredis_hashes import HASH, PACK_MAX_FIELDS
from plugredis_lists import LIST, PACK_MAX_BYTES, PACK_MAX_ITEMS

import plugredis.server
from plugredis import RegistryError, TypeSpec, pack_bytes, unpack_bytes
from plugredis.connection import ops_of
from plugredis.registry import Registry

PLUGINS = ["keyspace", "strings", "hashes", "lists"]
pytestmark = pytest.mark.plugredis(plugins=PLUGINS)


@pytest.fixture
def r(plugredis_server: Any, plugredis_client: Any) -> Any:
    plugredis_server.flush()
    return plugredis_client


def stored(handle: Any, key: str, db: int = 0) -> Any:
    """The object the keyspace holds at ``key`` once every unused value is packed (what the
    cron does a tick or two after a key was last used), read in the server's thread."""

    def get() -> Any:
        handle.server.compact()
        return handle.server.dbs[db].data.get(key.encode())

    return handle.call(get)


def held(handle: Any, key: str) -> Any:
    """The object the keyspace holds at ``key`` right now."""
    return handle.call(lambda: handle.server.dbs[0].data.get(key.encode()))


@given(st.lists(st.binary(max_size=300), max_size=40))
def test_pack_bytes_round_trips(items: list[bytes]) -> None:
    image = pack_bytes(items)
    assert type(image) is bytes
    assert unpack_bytes(image) == items
    assert unpack_bytes(pack_bytes(iter(items))) == items


def test_a_short_element_costs_two_bytes_of_header() -> None:
    items = [b"x" * 10] * 20
    assert len(pack_bytes(items)) <= 20 * (10 + 2) + 8


def test_small_hashes_and_lists_are_stored_packed(r: Any, plugredis_server: Any) -> None:
    r.hset("h", mapping={"a": "1", "b": "2"})
    r.rpush("l", "x", "y", "z")
    r.set("s", "v")
    assert type(stored(plugredis_server, "h")) is HASH.packed_type
    assert type(stored(plugredis_server, "l")) is LIST.packed_type
    assert type(stored(plugredis_server, "s")) is bytes
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2"}
    assert r.lrange("l", 0, -1) == [b"x", b"y", b"z"]


def test_a_key_in_use_is_unpacked_once_and_packed_again_later(
    r: Any, plugredis_server: Any
) -> None:
    r.hset("h", mapping={"a": "1"})
    image = stored(plugredis_server, "h")
    assert type(image) is HASH.packed_type
    assert r.hget("h", "a") == b"1"
    unpacked = held(plugredis_server, "h")
    assert type(unpacked) is HASH.pytype  # unpacked in place by the lookup...
    assert r.hlen("h") == 1 and r.hset("h", "b", "2") == 1
    assert held(plugredis_server, "h") is unpacked  # ...and not again while in use
    after = stored(plugredis_server, "h")
    assert type(after) is HASH.packed_type and after != image
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2"}
    assert r.lpush("l", "1") == 1 and r.rpush("l", "2") == 2 and r.lpop("l") == b"1"
    assert type(stored(plugredis_server, "l")) is LIST.packed_type
    assert r.lrange("l", 0, -1) == [b"2"]
    assert r.rpop("l") == b"2" and r.exists("l") == 0  # emptied: removed, not packed


def test_the_cron_packs_what_went_unused(r: Any, plugredis_server: Any) -> None:
    r.hset("h", "f", "v")
    assert type(held(plugredis_server, "h")) is HASH.pytype
    deadline = time.monotonic() + 5
    while type(held(plugredis_server, "h")) is not HASH.packed_type:
        assert time.monotonic() < deadline, "the cron never packed the hash"
        time.sleep(0.02)
    assert r.hgetall("h") == {b"f": b"v"}


def test_past_loose_max_the_oldest_are_packed_after_the_batch(
    r: Any, plugredis_server: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(plugredis.server, "LOOSE_MAX", 4)
    pipe = r.pipeline(transaction=False)
    for i in range(20):
        pipe.rpush(f"l{i}", "x")
    pipe.execute()
    r.ping()
    kinds = [type(held(plugredis_server, f"l{i}")) for i in range(20)]
    assert kinds.count(LIST.pytype) <= 4 and kinds[0] is LIST.packed_type
    assert [r.lrange(f"l{i}", 0, -1) for i in range(20)] == [[b"x"]] * 20


def test_big_or_hashtable_values_stay_unpacked(r: Any, plugredis_server: Any) -> None:
    r.hset("many", mapping={f"f{i}": "v" for i in range(PACK_MAX_FIELDS + 1)})
    r.hset("long", "f", "x" * 65)  # a hashtable in Redis: never packed
    r.rpush("items", *range(PACK_MAX_ITEMS + 1))
    r.rpush("bytes", "x" * (PACK_MAX_BYTES + 1))
    r.hset("edge", mapping={f"f{i}": "v" for i in range(PACK_MAX_FIELDS)})
    r.rpush("edge_l", *["y" * (PACK_MAX_BYTES // PACK_MAX_ITEMS)] * PACK_MAX_ITEMS)
    assert type(stored(plugredis_server, "many")) is HASH.pytype
    assert type(stored(plugredis_server, "long")) is HASH.pytype
    assert r.object("encoding", "long") == b"hashtable"
    assert type(stored(plugredis_server, "items")) is LIST.pytype
    assert type(stored(plugredis_server, "bytes")) is LIST.pytype
    assert type(stored(plugredis_server, "edge")) is HASH.packed_type
    assert type(stored(plugredis_server, "edge_l")) is LIST.packed_type
    assert r.hlen("edge") == PACK_MAX_FIELDS and r.llen("edge_l") == PACK_MAX_ITEMS


def test_types_and_errors_see_through_images(r: Any) -> None:
    r.hset("h", "f", "v")
    r.rpush("l", "e")
    assert r.type("h") == b"hash" and r.type("l") == b"list"
    assert r.object("encoding", "h") == b"listpack" and r.object("encoding", "l") == b"quicklist"
    for call in (
        lambda: r.get("h"),
        lambda: r.append("h", "x"),
        lambda: r.lpush("h", "x"),
        lambda: r.hset("l", "f", "v"),
        lambda: r.hget("l", "f"),
        lambda: r.llen("h"),
    ):
        with pytest.raises(redis.ResponseError, match=r"^WRONGTYPE"):
            call()
    assert sorted(r.scan(0, _type="hash")[1]) == [b"h"]
    assert sorted(r.scan(0, _type="list")[1]) == [b"l"]
    assert r.exists("h", "l") == 2
    assert r.memory_usage("h") > 0 and r.memory_usage("l") > 0


def test_copy_rename_move_dump_restore_of_images(r: Any) -> None:
    r.hset("h", mapping={"a": "1"})
    r.rpush("l", "x", "y")
    assert r.copy("h", "h2") and r.copy("l", "l2")
    r.hset("h2", "b", "2")
    r.rpush("l2", "z")
    assert r.hgetall("h") == {b"a": b"1"} and r.hgetall("h2") == {b"a": b"1", b"b": b"2"}
    assert r.lrange("l", 0, -1) == [b"x", b"y"] and r.llen("l2") == 3
    r.rename("h", "h3")
    assert r.hgetall("h3") == {b"a": b"1"}
    assert r.move("l", 1)
    assert r.exists("l") == 0
    r.restore("l4", 0, r.dump("l2"))
    r.restore("h4", 0, r.dump("h2"))
    assert r.lrange("l4", 0, -1) == [b"x", b"y", b"z"]
    assert r.hgetall("h4") == {b"a": b"1", b"b": b"2"}


def test_sort_reads_hash_fields_and_lists_from_images(r: Any) -> None:
    r.rpush("ids", "2", "1", "3")
    for i, w in ((1, "30"), (2, "10"), (3, "20")):
        r.hset(f"obj:{i}", mapping={"w": w, "name": f"n{i}"})
    assert r.sort("ids", by="obj:*->w", get="obj:*->name") == [b"n2", b"n3", b"n1"]
    assert r.sort("ids", store="out") == 3
    assert r.lrange("out", 0, -1) == [b"1", b"2", b"3"]


def test_transactions_and_blocking_pops_on_images(r: Any, plugredis_server: Any) -> None:
    r.rpush("q", "a")
    pipe = r.pipeline(transaction=True)
    pipe.rpush("q", "b").lpop("q").hset("h", "f", "v").hgetall("h").lrange("q", 0, -1)
    assert pipe.execute() == [2, b"a", 1, {b"f": b"v"}, [b"b"]]
    assert r.blpop(["empty", "q"], timeout=1) == (b"q", b"b")
    r.rpush("src", "1", "2")
    assert r.blmove("src", "dst", 1, "RIGHT", "LEFT") == b"2"
    assert r.lrange("src", 0, -1) == [b"1"] and r.lrange("dst", 0, -1) == [b"2"]
    assert type(stored(plugredis_server, "dst")) is LIST.packed_type


def test_images_are_saved_as_redis_encodings_and_loaded_packed(
    plugredis_server_factory: Any, tmp_path: Any
) -> None:
    h = plugredis_server_factory(plugins=PLUGINS, dir=str(tmp_path))
    ops_of(h.server).enable_debug = "yes"
    c = h.client()
    c.hset("h", mapping={"a": "1", "b": "2"})
    c.rpush("l", "x", "y")
    c.hset("big", mapping={f"f{i}": "v" for i in range(200)})
    digest = [c.execute_command("DEBUG", "DIGEST-VALUE", k) for k in ("h", "l", "big")]
    assert c.save()
    h.stop()
    h2 = plugredis_server_factory(plugins=PLUGINS, dir=str(tmp_path))
    ops_of(h2.server).enable_debug = "yes"
    c2 = h2.client()
    assert c2.hgetall("h") == {b"a": b"1", b"b": b"2"}
    assert c2.lrange("l", 0, -1) == [b"x", b"y"]
    assert c2.hlen("big") == 200
    assert [c2.execute_command("DEBUG", "DIGEST-VALUE", k) for k in ("h", "l", "big")] == digest
    assert type(stored(h2, "big")) is HASH.pytype
    h3 = plugredis_server_factory(plugins=PLUGINS, dir=str(tmp_path))  # loaded packed
    assert type(held(h3, "h")) is HASH.packed_type
    assert type(held(h3, "l")) is LIST.packed_type


def test_the_packed_class_is_made_once_per_type() -> None:
    spec = TypeSpec(
        name="bag",
        pytype=type("Bag", (list,), {}),
        pack=lambda v: pack_bytes(v),
        unpack=lambda image: unpack_bytes(image),
    )
    a, b = Registry(), Registry()
    a.type_register("one")(spec)
    b.type_register("two")(spec)
    assert spec.packed_type is not None and issubclass(spec.packed_type, bytes)
    assert a.type_of(spec.packed_type(b"")) is spec and b.packed_types[spec.packed_type] is spec
    image = spec.packed_type(pack_bytes([b"x"]))
    assert spec.plain(image) == [b"x"] and spec.clone(image) is image


def test_pack_and_unpack_go_together() -> None:
    with pytest.raises(RegistryError, match="pack and unpack go together"):
        Registry().type_register("p")(
            TypeSpec(name="half", pytype=type("Half", (list,), {}), pack=lambda v: b"")
        )
