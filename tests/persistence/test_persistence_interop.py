"""Whole files between plugredis and a real redis-server 7.0, both ways.

plugredis SAVEs/BGSAVEs -> a fresh redis-server starts on that dump.rdb -> every key, value, type
and TTL read back through redis-py matches; redis-server SAVEs -> plugredis starts on it -> the
same check.  All five types (in-test types; and the real plugins' types where they exist),
empty strings, binary, > 1 MB values, integer edges, several databases, expired-at-load keys.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    EXTRA,
    PLUGINS,
    Data,
    DirRedis,
    assert_same,
    build_data,
    fill_redis,
    info_field,
    populate,
    read_redis,
    snapshot,
    wait_for,
    without,
)

from plugredis.server import Server
from plugredis.testing import ServerHandle, raw_command

Factory = Callable[..., ServerHandle]


def _redis_encodings_data() -> Data:
    """Values that make Redis pick each of its encodings (listpack, quicklist, intset...)."""
    return {
        2: {
            b"l:listpack": ("list", [b"1", b"two", b"-3"], None),
            b"l:quicklist": ("list", [b"%d" % i for i in range(2000)] + [b"x" * 9000], None),
            b"s:intset": ("set", {b"1", b"2", b"-3", b"9223372036854775807"}, None),
            b"s:listpack": ("set", {b"a", b"b"}, None),
            b"s:hashtable": ("set", {b"m%d" % i for i in range(600)}, None),
            b"z:listpack": ("zset", {b"a": 1.0, b"b": 2.5}, None),
            b"z:skiplist": ("zset", {b"m%d" % i: i / 7 for i in range(300)}, None),
            b"h:listpack": ("hash", {b"a": b"1", b"b": b"x"}, None),
            b"h:hashtable": ("hash", {b"f%d" % i: b"v" * (i % 90) for i in range(700)}, None),
        }
    }


def _all_data() -> Data:
    data = build_data()
    data.update(_redis_encodings_data())
    return data


@pytest.mark.parametrize("command", ["SAVE", "BGSAVE"])
def test_redis_loads_what_plugredis_writes(
    plugredis_server_factory: Factory,
    dir_redis: Callable[..., DirRedis],
    tmp_path: Path,
    command: str,
) -> None:
    data = _all_data()
    (tmp_path / "p").mkdir()
    ours = plugredis_server_factory(plugins=PLUGINS, extra=EXTRA, dir=str(tmp_path / "p"))
    populate(ours, data)
    reply = raw_command(ours.host, ours.port, command)
    assert reply in (b"+OK\r\n", b"+Background saving started\r\n")
    client = ours.client()
    wait_for(lambda: info_field(client, "rdb_bgsave_in_progress") == 0, 20)
    assert info_field(client, "rdb_last_bgsave_status") == "ok"
    (tmp_path / "r").mkdir()
    shutil.copy(tmp_path / "p" / "dump.rdb", tmp_path / "r" / "dump.rdb")
    real = dir_redis(tmp_path / "r")
    assert_same(read_redis(real), data)


def test_plugredis_loads_what_redis_writes(
    plugredis_server_factory: Factory, dir_redis: Callable[..., DirRedis], tmp_path: Path
) -> None:
    data = _all_data()
    real = dir_redis(tmp_path)
    fill_redis(real, data)
    assert real.client().save()
    real.stop()
    ours = plugredis_server_factory(plugins=PLUGINS, extra=EXTRA, dir=str(tmp_path))
    assert_same(snapshot(ours), data)
    total = sum(len(keys) for keys in data.values())
    assert info_field(ours.client(), "rdb_last_load_keys_loaded") == total


def test_keys_expired_by_load_time_are_dropped(
    plugredis_server_factory: Factory, dir_redis: Callable[..., DirRedis], tmp_path: Path
) -> None:
    real = dir_redis(tmp_path)
    client = real.client()
    client.set("stays", "1")
    client.set("goes", "2", px=300)
    client.rpush("goes:list", "x")
    client.pexpire("goes:list", 300)
    client.set("stays:ttl", "3", ex=3600)
    assert client.save()
    real.stop()
    time.sleep(0.4)
    ours = plugredis_server_factory(plugins=PLUGINS, extra=EXTRA, dir=str(tmp_path))
    got = snapshot(ours)
    assert sorted(got[0]) == [b"stays", b"stays:ttl"]
    assert info_field(ours.client(), "rdb_last_load_keys_expired") == 2


def _real_kinds() -> set[str]:
    registry = Server(active_expiry=False).registry
    return set(registry.types_by_kind)


def test_with_the_real_type_plugins_both_ways(
    plugredis_server_factory: Factory, dir_redis: Callable[..., DirRedis], tmp_path: Path
) -> None:
    """The installed plugins' own TypeSpecs (strings, and lists/hashes/... once they have them)."""
    kinds = _real_kinds()
    assert "string" in kinds
    data = without(_all_data(), {"list", "set", "zset", "hash"} - kinds)
    # redis -> plugredis (every installed plugin, no in-test types)
    real = dir_redis(tmp_path / "a")
    fill_redis(real, data)
    assert real.client().save()
    real.stop()
    ours = plugredis_server_factory(dir=str(tmp_path / "a"))
    assert_same(snapshot(ours), data)
    # plugredis -> redis
    assert raw_command(ours.host, ours.port, "SAVE") == b"+OK\r\n"
    (tmp_path / "b").mkdir()
    shutil.copy(tmp_path / "a" / "dump.rdb", tmp_path / "b" / "dump.rdb")
    real2 = dir_redis(tmp_path / "b")
    assert_same(read_redis(real2), data)


def test_redis_refuses_nothing_we_write_for_empty_and_many_databases(
    plugredis_server_factory: Factory, dir_redis: Callable[..., DirRedis], tmp_path: Path
) -> None:
    # an empty keyspace, then 16 databases of one key each
    for name, data in (
        ("empty", {}),
        ("many", {db: {b"k": ("string", b"%d" % db, None)} for db in range(16)}),
    ):
        directory = tmp_path / name
        directory.mkdir()
        ours = plugredis_server_factory(plugins=PLUGINS, extra=EXTRA, dir=str(directory))
        populate(ours, data)
        assert raw_command(ours.host, ours.port, "SAVE") == b"+OK\r\n"
        real = dir_redis(directory)
        assert_same(read_redis(real), data)
        real.stop()
