"""Interoperability with a real redis-server (7.x): files and DUMP payloads both ways.

1. Redis writes dump.rdb (every encoding it picks for small and large values); we parse it.
2. We write dump.rdb (plain encodings, and a file of legacy/compact encodings built by
   hand); a fresh redis-server loads it and we read everything back with redis-py.
3. DUMP from Redis -> :func:`parse_dump_payload`; :func:`dump_payload` -> RESTORE.

Skipped when ``redis-server`` is not installed, unless ``PLUGREDIS_REQUIRE_REAL_REDIS=1``;
``PLUGREDIS_REDIS_SERVER`` names another binary.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from plugredis.persistence.rdb import (
    RDB_TYPE_HASH_LISTPACK,
    RDB_TYPE_HASH_ZIPLIST,
    RDB_TYPE_HASH_ZIPMAP,
    RDB_TYPE_LIST_QUICKLIST,
    RDB_TYPE_LIST_QUICKLIST_2,
    RDB_TYPE_LIST_ZIPLIST,
    RDB_TYPE_SET_INTSET,
    RDB_TYPE_ZSET,
    RDB_TYPE_ZSET_LISTPACK,
    RDB_TYPE_ZSET_ZIPLIST,
    RdbError,
    RdbParser,
    RdbWriter,
    dump_payload,
    encode_intset,
    encode_listpack,
    encode_ziplist,
    encode_zipmap,
    parse_dump_payload,
)

redis = pytest.importorskip("redis")

REDIS_SERVER = (
    os.environ.get("PLUGREDIS_REDIS_SERVER")
    or shutil.which("redis-server")
    or "/usr/bin/redis-server"
)
REQUIRE_REAL = os.environ.get("PLUGREDIS_REQUIRE_REAL_REDIS") == "1"

Data = dict[int, dict[bytes, tuple[str, Any, int | None]]]  # db -> key -> (kind, value, ttl ms)


@pytest.fixture(scope="module")
def redis_server_binary() -> str:
    if not os.access(REDIS_SERVER, os.X_OK):
        message = f"redis-server not found at {REDIS_SERVER}"
        if REQUIRE_REAL:
            pytest.fail(message + " (PLUGREDIS_REQUIRE_REAL_REDIS=1)")
        pytest.skip(message)
    return REDIS_SERVER


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RealRedis:
    """One redis-server process in its own directory; always stopped by the fixture."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.dir = directory
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> None:
        for _attempt in range(5):
            self.port = _free_port()
            log = self.dir / "redis.log"
            self.proc = subprocess.Popen(
                [
                    self.binary,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--dir", str(self.dir),
                    "--dbfilename", "dump.rdb",
                    "--save", "",
                    "--appendonly", "no",
                    "--enable-debug-command", "yes",
                    "--logfile", str(log),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    if self.client().ping():
                        return
                except redis.ConnectionError:
                    time.sleep(0.02)
            text = log.read_text(errors="replace") if log.exists() else ""
            self.stop()
            if "Address already in use" not in text:
                pytest.fail(f"redis-server did not start:\n{text[-3000:]}")
        pytest.fail("redis-server: no free port")

    def client(self, db: int = 0) -> Any:
        return redis.Redis(port=self.port, db=db, socket_timeout=20)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def log(self) -> str:
        path = self.dir / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def start_redis(
    redis_server_binary: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[str, bytes | None], RealRedis]:
    """Start a redis-server in ``tmp_path/<name>``, optionally on a given dump.rdb."""

    def start(name: str, rdb_file: bytes | None = None) -> RealRedis:
        directory = tmp_path / name
        directory.mkdir()
        if rdb_file is not None:
            (directory / "dump.rdb").write_bytes(rdb_file)
        server = RealRedis(redis_server_binary, directory)
        request.addfinalizer(server.stop)
        server.start()
        return server

    return start


# ---------------------------------------------------------------------------- the data

INT_STRINGS = [
    b"0", b"-1", b"12", b"13", b"127", b"128", b"-128", b"-129", b"4095", b"-4096",
    b"32767", b"32768", b"-32768", b"-32769", b"8388607", b"-8388609", b"2147483647",
    b"2147483648", b"-2147483648", b"-2147483649", b"9223372036854775807",
    b"-9223372036854775808", b"9223372036854775808", b"007", b"+1", b"-0", b"1.5", b" 1",
]  # fmt: skip

FAR = 4_000_000_000_000  # year 2096, in Unix ms


def build_data() -> Data:
    rng = random.Random(20240607)
    db0: dict[bytes, tuple[str, Any, int | None]] = {}
    for i, s in enumerate(INT_STRINGS):
        db0[b"str:int:%d" % i] = ("string", s, None)
    db0[b"str:empty"] = ("string", b"", None)
    db0[b"str:binary"] = ("string", bytes(range(256)) * 3, None)
    db0[b"str:big"] = ("string", rng.randbytes(1_200_000), None)
    db0[b"str:lzf"] = ("string", b"compress me please! " * 5000, None)
    db0[b"\x00key\xff\n"] = ("string", b"binary key", None)
    db0[b"str:ttl"] = ("string", b"expiring", FAR)
    db0[b"list:small"] = ("list", [b"a", *INT_STRINGS, b"", b"x" * 60], None)
    db0[b"list:big"] = (
        "list",
        [rng.randbytes(rng.randint(0, 100)) for _ in range(700)] + [b"y" * 5000, b"7"],
        None,
    )
    db0[b"list:ints"] = (
        "list",
        [str(rng.randint(-(10**12), 10**12)).encode() for _ in range(300)],
        FAR + 1,
    )
    db0[b"set:intset"] = (
        "set",
        {b"1", b"2", b"-100000", b"5000000000", b"-9223372036854775808"},
        None,
    )
    db0[b"set:strings"] = ("set", {b"a", b"b", b"", b"\x00\xff"}, None)
    db0[b"set:bigints"] = ("set", {str(i * 7919).encode() for i in range(1000)}, None)
    db0[b"set:big"] = ("set", {rng.randbytes(20) for _ in range(300)}, None)
    db0[b"zset:small"] = (
        "zset",
        [(b"a", 0.0), (b"b", -1.5), (b"c", 1e300), (b"d", math.inf), (b"e", -math.inf),
         (b"f", 3.141592653589793), (b"g", 1 / 3), (b"h", 12.0), (b"", 5e-324)],
        FAR + 2,
    )  # fmt: skip
    db0[b"zset:big"] = ("zset", [(b"m%d" % i, rng.uniform(-1e6, 1e6)) for i in range(300)], None)
    db0[b"zset:longmember"] = ("zset", [(b"z" * 100, 1.0), (b"y", 2.0)], None)
    db0[b"hash:small"] = ("hash", {b"f": b"v", b"n": b"12", b"neg": b"-5", b"e": b""}, None)
    db0[b"hash:big"] = ("hash", {b"f%d" % i: rng.randbytes(30) for i in range(300)}, None)
    db0[b"hash:longvalue"] = ("hash", {b"f": b"v" * 100}, FAR + 3)
    return {
        0: db0,
        1: {b"db1:key": ("string", b"in db 1", None), b"db1:list": ("list", [b"x"], FAR)},
        5: {b"db5:hash": ("hash", {b"a": b"1"}, None), b"db5:set": ("set", {b"9"}, None)},
    }


# Hash listpack entries whose size sits on the back-length boundaries (127/128 bytes,
# 16383/16384, 2097151/2097152): Redis keeps these in a listpack when
# hash-max-listpack-value allows it.
BOUNDARY_SIZES = [125, 126, 16377, 16378, 16379, 2097146, 2097147]


def fill(server: RealRedis, data: Data) -> None:
    for db, keys in data.items():
        client = server.client(db)
        pipe = client.pipeline(transaction=False)
        for key, (kind, value, ttl) in keys.items():
            if kind == "string":
                pipe.set(key, value)
            elif kind == "list":
                for i in range(0, len(value), 100):
                    pipe.rpush(key, *value[i : i + 100])
            elif kind == "set":
                pipe.sadd(key, *value)
            elif kind == "zset":
                pipe.zadd(key, dict(value))
            elif kind == "hash":
                pipe.hset(key, mapping=value)
            if ttl is not None:
                pipe.pexpireat(key, ttl)
        pipe.execute()


def read_back(server: RealRedis, dbs: list[int]) -> Data:
    """Everything in the given databases, through redis-py."""
    out: Data = {}
    for db in dbs:
        client = server.client(db)
        found: dict[bytes, tuple[str, Any, int | None]] = {}
        for key in client.scan_iter(count=1000):
            kind = client.type(key).decode()
            value: Any
            if kind == "string":
                value = client.get(key)
            elif kind == "list":
                value = client.lrange(key, 0, -1)
            elif kind == "set":
                value = client.smembers(key)
            elif kind == "zset":
                value = dict(client.zrange(key, 0, -1, withscores=True))
            elif kind == "hash":
                value = client.hgetall(key)
            else:
                raise AssertionError(f"unexpected type {kind}")
            expire = client.pexpiretime(key)
            found[key] = (kind, value, None if expire < 0 else expire)
        out[db] = found
    return out


def normalized(data: Data) -> Data:
    return {
        db: {
            key: (kind, dict(value) if kind == "zset" else value, ttl)
            for key, (kind, value, ttl) in keys.items()
        }
        for db, keys in data.items()
    }


def assert_same(got: Data, want: Data) -> None:
    got, want = normalized(got), normalized(want)
    assert sorted(got) == sorted(want)
    for db in want:
        assert sorted(got[db]) == sorted(want[db]), f"keys differ in db {db}"
        for key, expected in want[db].items():
            assert got[db][key] == expected, f"db {db} key {key!r}"


# ------------------------------------------------------------------------------- tests


def test_parse_file_written_by_redis(
    start_redis: Callable[[str, bytes | None], RealRedis],
) -> None:
    data = build_data()
    server = start_redis("redis-writes", None)
    fill(server, data)
    client = server.client()
    # A hash in a listpack with entries on the back-length boundaries.
    client.config_set("hash-max-listpack-value", 3_000_000)
    boundary = {b"b%d" % n: bytes([65 + i]) * n for i, n in enumerate(BOUNDARY_SIZES)}
    client.hset(b"hash:boundaries", mapping=boundary)
    assert client.object("encoding", b"hash:boundaries") == b"listpack"
    client.config_set("hash-max-listpack-value", 64)
    # A quicklist with PLAIN nodes (elements above the packed threshold).
    client.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 1000)
    plain_list = [b"small", b"P" * 5000, b"tiny", b"Q" * 3000]
    client.rpush(b"list:plain", *plain_list)
    client.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 1 << 30)
    client.function_load(
        "#!lua name=plugredis_test\nredis.register_function('noop', function() return 1 end)"
    )
    assert client.save()

    raw = (server.dir / "dump.rdb").read_bytes()
    parser = RdbParser(raw)
    entries = list(parser)
    assert parser.version == 10
    assert parser.aux[b"redis-ver"].startswith(b"7.")
    assert parser.aux[b"redis-bits"] == b"64"
    assert parser.checksum not in (None, 0)
    assert len(parser.functions) == 1 and b"plugredis_test" in parser.functions[0]

    got: Data = {}
    types = set()
    for e in entries:
        got.setdefault(e.db, {})[e.key] = (e.kind, e.value, e.expire_ms)
        types.add(e.type_id)
    assert got[0].pop(b"hash:boundaries") == ("hash", boundary, None)
    assert got[0].pop(b"list:plain") == ("list", plain_list, None)
    assert_same(got, data)
    # Redis chose compact encodings for the small values and plain ones for the big.
    for type_id in (0, 2, 4, 5, 11, RDB_TYPE_HASH_LISTPACK, RDB_TYPE_ZSET_LISTPACK, 18):
        assert type_id in types, f"type {type_id} not produced"
    assert b"compress me please! " * 100 not in raw  # Redis stored it LZF-compressed

    # DUMP -> parse_dump_payload for every key of db 0.
    for key, (kind, value, _ttl) in normalized(data)[0].items():
        payload = client.dump(key)
        got_kind, got_value = parse_dump_payload(payload)
        assert got_kind == kind
        assert (dict(got_value) if kind == "zset" else got_value) == value, key
    # A tampered payload is refused by us and by Redis alike.
    payload = bytearray(client.dump(b"hash:small"))
    payload[3] ^= 1
    with pytest.raises(RdbError):
        parse_dump_payload(bytes(payload))
    with pytest.raises(redis.ResponseError, match="checksum"):
        client.restore(b"tampered", 0, bytes(payload))


def _write_file(data: Data, *, compress: bool, encode_ints: bool, version: int = 9) -> bytes:
    w = RdbWriter(compress=compress, encode_ints=encode_ints)
    w.write_header(version)
    w.write_aux("redis-ver", "7.0.15")
    w.write_aux("redis-bits", 64)
    w.write_aux("ctime", int(time.time()))
    w.write_function(
        b"#!lua name=fromplugredis\nredis.register_function('one', function() return 1 end)"
    )
    for db, keys in data.items():
        w.write_selectdb(db)
        w.write_resizedb(len(keys), sum(1 for *_, ttl in keys.values() if ttl is not None))
        for key, (kind, value, ttl) in keys.items():
            w.write_entry(key, kind, value, expire_ms=ttl)
    w.finish()
    return w.getvalue()


@pytest.mark.parametrize(
    "compress, encode_ints", [(False, False), (True, True)], ids=["plain", "compressed"]
)
def test_redis_loads_file_we_write(
    start_redis: Callable[[str, bytes | None], RealRedis], compress: bool, encode_ints: bool
) -> None:
    data = build_data()
    raw = _write_file(data, compress=compress, encode_ints=encode_ints)
    if compress:
        assert len(raw) < len(_write_file(data, compress=False, encode_ints=False)) - 100_000
    server = start_redis("we-write", raw)
    assert "DB loaded from disk" in server.log()
    assert_same(read_back(server, sorted(data)), data)
    assert server.client().fcall("one", 0) == 1  # the FUNCTION2 record was loaded
    # Redis saves it again; we read its version back and get the same data.
    assert server.client().save()
    again: Data = {}
    for e in RdbParser((server.dir / "dump.rdb").read_bytes()):
        again.setdefault(e.db, {})[e.key] = (e.kind, e.value, e.expire_ms)
    assert_same(again, data)


def _legacy_file() -> tuple[bytes, Data]:
    """Values in the encodings of older Redis versions, built with our encoders."""
    w = RdbWriter()
    w.write_header(10)
    w.write_selectdb(0)
    expected: dict[bytes, tuple[str, Any, int | None]] = {}

    def raw(type_id: int, key: bytes, *blobs: bytes, count: int | None = None) -> None:
        w.write_type(type_id)
        w.write_string(key)
        if count is not None:
            w.write_length(count)
        for blob in blobs:
            w.write_string(blob, encode_int=False)

    items = [b"a", b"12", b"-7", b"", b"x" * 70, b"70000", b"-9223372036854775808", b"y" * 20000]
    raw(RDB_TYPE_LIST_ZIPLIST, b"old:list:ziplist", encode_ziplist(items))
    expected[b"old:list:ziplist"] = ("list", items, None)
    raw(
        RDB_TYPE_LIST_QUICKLIST,
        b"old:list:quicklist",
        encode_ziplist(items[:3]),
        encode_ziplist(items[3:]),
        count=2,
    )
    expected[b"old:list:quicklist"] = ("list", items, None)
    w.write_type(RDB_TYPE_LIST_QUICKLIST_2)
    w.write_string(b"old:list:quicklist2")
    w.write_length(3)
    for container, blob in (
        (2, encode_listpack(items[:4])),
        (1, b"P" * 9000),
        (2, encode_listpack(items[4:])),
    ):
        w.write_length(container)
        w.write_string(blob, encode_int=False)
    expected[b"old:list:quicklist2"] = ("list", [*items[:4], b"P" * 9000, *items[4:]], None)
    raw(RDB_TYPE_SET_INTSET, b"old:set:intset", encode_intset([5, -3, 2**40]))
    expected[b"old:set:intset"] = ("set", {b"5", b"-3", str(2**40).encode()}, None)
    zitems = [b"a", b"1", b"b", b"2.5", b"c", b"-inf", b"d", b"1e10"]
    zset = {b"a": 1.0, b"b": 2.5, b"c": -math.inf, b"d": 1e10}
    raw(RDB_TYPE_ZSET_ZIPLIST, b"old:zset:ziplist", encode_ziplist(zitems))
    expected[b"old:zset:ziplist"] = ("zset", zset, None)
    raw(RDB_TYPE_ZSET_LISTPACK, b"old:zset:listpack", encode_listpack(zitems))
    expected[b"old:zset:listpack"] = ("zset", zset, None)
    w.write_type(RDB_TYPE_ZSET)
    w.write_string(b"old:zset:ascii")
    w.write_length(3)
    for member, score in ((b"p", 0.1), (b"q", math.inf), (b"r", -2.0)):
        w.write_string(member)
        w.write_double_ascii(score)
    expected[b"old:zset:ascii"] = ("zset", {b"p": 0.1, b"q": math.inf, b"r": -2.0}, None)
    hitems = [b"f", b"v", b"n", b"42", b"big", b"z" * 300]
    raw(RDB_TYPE_HASH_ZIPLIST, b"old:hash:ziplist", encode_ziplist(hitems))
    expected[b"old:hash:ziplist"] = (
        "hash",
        dict(zip(hitems[::2], hitems[1::2], strict=True)),
        None,
    )
    raw(RDB_TYPE_HASH_LISTPACK, b"old:hash:listpack", encode_listpack(hitems))
    expected[b"old:hash:listpack"] = (
        "hash",
        dict(zip(hitems[::2], hitems[1::2], strict=True)),
        None,
    )
    pairs = [(b"f", b"v"), (b"k" * 300, b"w" * 400), (b"e", b"")]
    raw(RDB_TYPE_HASH_ZIPMAP, b"old:hash:zipmap", encode_zipmap(pairs))
    expected[b"old:hash:zipmap"] = ("hash", dict(pairs), None)
    # Expiry in seconds (the pre-2.6 opcode).
    w.write_type(253)
    w.write((2_100_000_000).to_bytes(4, "little"))  # 2036, fits in the signed 32 bits
    w.write_entry(b"old:expire:seconds", "string", b"s")
    expected[b"old:expire:seconds"] = ("string", b"s", 2_100_000_000_000)
    w.finish()
    return w.getvalue(), {0: expected}


def test_redis_loads_legacy_encodings_we_build(
    start_redis: Callable[[str, bytes | None], RealRedis],
) -> None:
    raw, expected = _legacy_file()
    # Our own reader agrees first.
    ours: Data = {0: {e.key: (e.kind, e.value, e.expire_ms) for e in RdbParser(raw)}}
    assert_same(ours, expected)
    server = start_redis("legacy", raw)
    assert "DB loaded from disk" in server.log()
    assert_same(read_back(server, [0]), expected)


def test_restore_payloads_we_build(
    start_redis: Callable[[str, bytes | None], RealRedis],
) -> None:
    data = build_data()
    server = start_redis("restore", None)
    client = server.client()
    for key, (kind, value, _ttl) in data[0].items():
        client.restore(key, 0, dump_payload(kind, value))
    assert_same(
        read_back(server, [0]), {0: {k: (kd, v, None) for k, (kd, v, _) in data[0].items()}}
    )
    # And a payload Redis made from what we restored parses back to the same value.
    payload = client.dump(b"zset:small")
    assert parse_dump_payload(payload)[0] == "zset"


def _iter_types(raw: bytes) -> Iterator[int]:
    for e in RdbParser(raw):
        yield e.type_id


def test_list_of_type_1_is_loaded_by_redis(
    start_redis: Callable[[str, bytes | None], RealRedis],
) -> None:
    """The plain list encoding (type 1) we write is still accepted by Redis 7."""
    w = RdbWriter()
    w.write_header()
    w.write_selectdb(0)
    w.write_entry(b"l", "list", [b"1", b"two", b""])
    w.finish()
    assert list(_iter_types(w.getvalue())) == [1]
    server = start_redis("type1", w.getvalue())
    assert server.client().lrange(b"l", 0, -1) == [b"1", b"two", b""]
