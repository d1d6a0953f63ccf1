"""Helpers for the persistence suites: throwaway value types, data sets, real redis-servers.

The list/hash/set/zset plugins are written separately, so these suites bring their own types
(an in-test plugin, ``TYPES``) with the TypeSpec persistence contract (``to_rdb``/``from_rdb``),
plus a module type (``Gadget``, saved as the Redis module type ``pr-gadget``) that Redis does not
know.  Servers under test load only the strings plugin plus ``TYPES``.
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

from plugredis import TypeSpec, hookimpl
from plugredis.testing import REQUIRE_REAL_ENV, ServerHandle

# -------------------------------------------------------------------------------------------------
# in-test value types
# -------------------------------------------------------------------------------------------------


class TList(list):  # type: ignore[type-arg]
    pass


class TSet(set):  # type: ignore[type-arg]
    pass


class TZset(dict):  # type: ignore[type-arg]
    """member -> score"""


class THash(dict):  # type: ignore[type-arg]
    pass


class Gadget:
    """A value type Redis does not have: saved as module type ``pr-gadget``."""

    __slots__ = ("count", "name", "ratio")

    def __init__(self, name: bytes, count: int, ratio: float) -> None:
        self.name, self.count, self.ratio = name, count, ratio

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Gadget) and (self.name, self.count, self.ratio) == (
            other.name,
            other.count,
            other.ratio,
        )

    def __repr__(self) -> str:
        return f"Gadget({self.name!r}, {self.count}, {self.ratio})"


def _gadget_save(value: Gadget, w: Any) -> None:
    w.write_module_string(value.name)
    w.write_module_sint(value.count)
    w.write_module_double(value.ratio)


def _gadget_load(r: Any, encver: int) -> Gadget:
    if encver != 3:
        raise ValueError(f"unknown gadget encoding version {encver}")
    return Gadget(r.read_module_string(), r.read_module_sint(), r.read_module_double())


LIST = TypeSpec(
    "list",
    TList,
    to_rdb=lambda v: ("list", list(v)),
    from_rdb=lambda kind, v: TList(v),
    rdb_kinds=("list",),
)
SET = TypeSpec(
    "set",
    TSet,
    to_rdb=lambda v: ("set", set(v)),
    from_rdb=lambda kind, v: TSet(v),
    rdb_kinds=("set",),
)
ZSET = TypeSpec(
    "zset",
    TZset,
    to_rdb=lambda v: ("zset", list(v.items())),
    from_rdb=lambda kind, v: TZset(v),
    rdb_kinds=("zset",),
)
HASH = TypeSpec(
    "hash",
    THash,
    to_rdb=lambda v: ("hash", dict(v)),
    from_rdb=lambda kind, v: THash(v),
    rdb_kinds=("hash",),
)
GADGET = TypeSpec(
    "gadget",
    Gadget,
    module_name="pr-gadget",
    module_encver=3,
    module_save=_gadget_save,
    module_load=_gadget_load,
)


class TypesPlugin:
    """list/set/zset/hash types with the RDB contract (no commands)."""

    plugredis_name = "testtypes"

    @hookimpl
    def register_types(self, register: Any) -> None:
        for spec in (LIST, SET, ZSET, HASH):
            register(spec)


class GadgetPlugin:
    """A third-party module type."""

    plugredis_name = "gadgets"

    @hookimpl
    def register_types(self, register: Any) -> None:
        register(GADGET)


TYPES = TypesPlugin()
GADGETS = GadgetPlugin()
PLUGINS = ["strings"]
EXTRA = [TYPES, GADGETS]

# -------------------------------------------------------------------------------------------------
# data sets: {db: {key: (kind, plain value, absolute expiry ms or None)}}
# -------------------------------------------------------------------------------------------------

Data = dict[int, dict[bytes, tuple[str, Any, int | None]]]

FAR = 4_000_000_000_000  # year 2096, in Unix ms

INT_STRINGS = [
    b"0", b"-1", b"12", b"127", b"128", b"-128", b"-129", b"32767", b"32768", b"-32769",
    b"2147483647", b"2147483648", b"-2147483648", b"-2147483649", b"9223372036854775807",
    b"-9223372036854775808", b"9223372036854775808", b"007", b"+1", b"-0", b"1.5", b" 1",
]  # fmt: skip


def build_data(*, big: bool = True, gadgets: bool = False, seed: int = 5) -> Data:
    """Every type, empty strings, binary, integer edges, >1 MB values, TTLs, several dbs."""
    rng = random.Random(seed)
    db0: dict[bytes, tuple[str, Any, int | None]] = {}
    for i, s in enumerate(INT_STRINGS):
        db0[b"int:%d" % i] = ("string", s, None)
    db0[b"empty"] = ("string", b"", None)
    db0[b""] = ("string", b"empty key", None)
    db0[b"binary"] = ("string", bytes(range(256)) * 2, None)
    db0[b"\x00k\xff\r\n"] = ("string", b"\x00\x01", FAR)
    db0[b"list"] = ("list", [b"a", b"", *INT_STRINGS, b"x" * 70, bytes(range(256))], None)
    db0[b"list:ttl"] = ("list", [b"%d" % i for i in range(300)], FAR + 1)
    db0[b"set"] = ("set", {b"1", b"2", b"-9223372036854775808", b"", b"\xff"}, None)
    db0[b"set:big"] = ("set", {rng.randbytes(12) for _ in range(200)}, None)
    db0[b"zset"] = (
        "zset",
        {b"a": 0.0, b"b": -1.5, b"c": 1e300, b"inf": math.inf, b"-inf": -math.inf,
         b"pi": math.pi, b"third": 1 / 3, b"": 5e-324},
        FAR + 2,
    )  # fmt: skip
    db0[b"zset:big"] = ("zset", {b"m%d" % i: rng.uniform(-1e6, 1e6) for i in range(200)}, None)
    db0[b"hash"] = ("hash", {b"f": b"v", b"n": b"12", b"": b"", b"bin": b"\x00\xff"}, None)
    db0[b"hash:big"] = ("hash", {b"f%d" % i: rng.randbytes(20) for i in range(200)}, FAR + 3)
    if big:
        db0[b"big:string"] = ("string", rng.randbytes(1_100_000), None)
        db0[b"big:list"] = ("list", [rng.randbytes(600_000), rng.randbytes(600_000)], None)
        db0[b"big:hash"] = ("hash", {b"f": rng.randbytes(1_050_000)}, None)
    data: Data = {0: db0}
    for db in (1, 7, 15):
        data[db] = {
            b"db%d:s" % db: ("string", b"in db %d" % db, None),
            b"db%d:l" % db: ("list", [b"x", b"y"], FAR + db),
            b"db%d:h" % db: ("hash", {b"k": b"v%d" % db}, None),
        }
    if gadgets:
        db0[b"gadget"] = ("gadget", Gadget(b"widget", -42, 2.5), None)
        data[3] = {b"g3": ("gadget", Gadget(b"", 1 << 62, -0.0), FAR)}
    return data


def _to_value(kind: str, plain: Any) -> Any:
    if kind == "string":
        return bytes(plain)
    if kind == "list":
        return TList(plain)
    if kind == "set":
        return TSet(plain)
    if kind == "zset":
        return TZset(plain)
    if kind == "hash":
        return THash(plain)
    if kind == "gadget":
        return plain
    raise AssertionError(kind)


_KINDS = {bytes: "string", TList: "list", TSet: "set", TZset: "zset", THash: "hash"}


def _to_plain(value: Any) -> tuple[str, Any]:
    t = type(value)
    if t is Gadget:
        return "gadget", value
    kind = _KINDS.get(t)
    if kind is None:
        # a real plugin's type: go through its own codec
        raise AssertionError(f"unexpected value type {t.__name__}")
    if kind == "list":
        return kind, list(value)
    if kind == "set":
        return kind, set(value)
    if kind in ("zset", "hash"):
        return kind, dict(value)
    return kind, value


def populate(handle: ServerHandle, data: Data) -> None:
    """Store ``data`` directly in the server's databases (no commands needed)."""

    def fill() -> None:
        server = handle.server
        for db, keys in data.items():
            d = server.dbs[db]
            for key, (kind, plain, ttl) in keys.items():
                d.data[key] = _to_value(kind, plain)
                if ttl is not None:
                    d.set_expire(key, ttl)
                d.signal_modified(key)

    handle.call(fill)


def snapshot(handle: ServerHandle) -> Data:
    """Everything in the server's databases, as plain data.

    Values of the in-test types are converted directly; any other type (a real plugin's) goes
    through its own ``to_rdb``.
    """

    def read() -> Data:
        out: Data = {}
        registry = handle.server.registry
        for d in handle.server.dbs:
            if not d.data:
                continue
            keys = {}
            for key, value in d.data.items():
                if type(value) in _KINDS or type(value) is Gadget:
                    kind, plain = _to_plain(value)
                else:
                    spec = registry.type_of(value)
                    assert spec.to_rdb is not None, spec.name
                    kind, plain = spec.to_rdb(spec.plain(value))  # (may be packed)
                    if kind == "list":
                        plain = list(plain)
                    elif kind == "set":
                        plain = set(plain)
                    elif kind in ("zset", "hash"):
                        plain = dict(plain)
                keys[key] = (kind, plain, d.expires.get(key))
            out[d.id] = keys
        return out

    result: Data = handle.call(read)
    return result


def assert_same(got: Data, want: Data) -> None:
    assert sorted(got) == sorted(want), "databases differ"
    for db in want:
        assert sorted(got[db]) == sorted(want[db]), f"keys differ in db {db}"
        for key, expected in want[db].items():
            g = got[db][key]
            if expected[0] == "zset":
                assert g[0] == "zset" and g[2] == expected[2], key
                assert g[1].keys() == expected[1].keys(), key
                for m, s in expected[1].items():
                    assert g[1][m] == s or (math.isnan(s) and math.isnan(g[1][m])), (key, m)
            else:
                assert g == expected, f"db {db} key {key!r}: {g!r:.200} != {expected!r:.200}"


def without(data: Data, kinds: set[str]) -> Data:
    return {
        db: {k: v for k, v in keys.items() if v[0] not in kinds}
        for db, keys in data.items()
        if any(v[0] not in kinds for v in keys.values())
    }


# -------------------------------------------------------------------------------------------------
# the plugredis side of redis_target / redis_pair: its own server in a temporary directory
# -------------------------------------------------------------------------------------------------


@pytest.fixture
def plugredis_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerHandle]:
    """Overrides the shared ``plugredis_server``: these suites SAVE, so each test gets a server
    working in a fresh directory (never the current one, never a dump.rdb left by others)."""
    from plugredis.testing import start_server

    marker = request.node.get_closest_marker("plugredis")
    plugins = marker.kwargs.get("plugins") if marker is not None else None
    extra = marker.kwargs.get("extra", ()) if marker is not None else ()
    handle = start_server(
        plugins=plugins, extra=extra, dir=str(tmp_path_factory.mktemp("plugredis"))
    )
    yield handle
    handle.stop()


# -------------------------------------------------------------------------------------------------
# real redis-server with a data directory
# -------------------------------------------------------------------------------------------------

REDIS_SERVER = (
    os.environ.get("PLUGREDIS_REDIS_SERVER")
    or shutil.which("redis-server")
    or "/usr/bin/redis-server"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class DirRedis:
    """A redis-server working in ``directory`` (its dump.rdb is loaded at start)."""

    def __init__(self, directory: Path, *args: str) -> None:
        self.dir = directory
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> DirRedis:
        import redis

        for _ in range(5):
            self.port = _free_port()
            log = self.dir / "redis.log"
            self.proc = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--dir", str(self.dir), "--dbfilename", "dump.rdb", "--save", "",
                 "--appendonly", "no", "--logfile", str(log), *self.args],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if redis.Redis(port=self.port).ping():
                        return self
                except redis.exceptions.BusyLoadingError:
                    time.sleep(0.02)
                except redis.ConnectionError:
                    time.sleep(0.02)
            text = log.read_text(errors="replace") if log.exists() else ""
            self.stop()
            if "Address already in use" not in text:
                raise AssertionError(f"redis-server did not start:\n{text[-3000:]}")
        raise AssertionError("redis-server: no free port")

    def client(self, db: int = 0) -> Any:
        import redis

        return redis.Redis(port=self.port, db=db, socket_timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@pytest.fixture
def redis_binary() -> str:
    if not os.access(REDIS_SERVER, os.X_OK):
        if os.environ.get(REQUIRE_REAL_ENV) == "1":
            pytest.fail(f"redis-server not found at {REDIS_SERVER} ({REQUIRE_REAL_ENV}=1)")
        pytest.skip(f"redis-server not found at {REDIS_SERVER}")
    return REDIS_SERVER


@pytest.fixture
def dir_redis(redis_binary: str) -> Iterator[Callable[..., DirRedis]]:
    """``dir_redis(directory, *args)`` starts a redis-server there; all stopped at the end."""
    started: list[DirRedis] = []

    def start(directory: Path, *args: str) -> DirRedis:
        directory.mkdir(parents=True, exist_ok=True)
        server = DirRedis(directory, *args)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def fill_redis(server: DirRedis, data: Data) -> None:
    for db, keys in data.items():
        pipe = server.client(db).pipeline(transaction=False)
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
            else:
                raise AssertionError(kind)
            if ttl is not None:
                pipe.pexpireat(key, ttl)
        pipe.execute()


def read_redis(server: DirRedis) -> Data:
    """Everything in every database of a real redis-server, through redis-py."""
    out: Data = {}
    for db in range(16):
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
        if found:
            out[db] = found
    return out


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.01)


def info_field(client: Any, name: str, section: str = "persistence") -> Any:
    """One field of INFO (redis-py parses numbers)."""
    return client.info(section)[name]
