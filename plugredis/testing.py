"""pytest plugin for plugin authors (entry point ``pytest11``): servers and clients as fixtures.

Loaded automatically once plugredis is installed; it imports almost nothing until a fixture is
used.  Fixtures:

``plugredis_server_factory``
    ``factory(plugins=None, extra=(), clock=None, **server_options)`` starts an in-process server
    on ``127.0.0.1:<free port>`` in a thread with its own event loop and returns a
    :class:`ServerHandle` (``.host``, ``.port``, ``.server``, ``.client()``); stopped at test end.
``plugredis_server``
    A server with the plugins chosen by the ``@pytest.mark.plugredis(plugins=[...], extra=[...])``
    marker (default: every installed plugin), shared by the tests that choose the same plugins.
``plugredis_client``
    A ``redis.Redis`` client of ``plugredis_server``; the server is flushed after each test.
``plugredis_async_client``
    A factory of ``redis.asyncio.Redis`` clients of ``plugredis_server`` (use them inside
    ``asyncio.run``).
``manual_clock``
    A :class:`~plugredis.clock.ManualClock`; a test that uses it gets its own server driven by that
    clock (``plugredis_server``/``plugredis_client`` then use it): ``manual_clock.advance(10)``.
``redis_target``
    Parametrized over ``plugredis`` and ``redis``: a :class:`Target` with ``.client`` (redis-py),
    ``.raw(*args)`` (the raw RESP reply bytes) and ``.name``.  The ``redis`` side runs a real
    ``redis-server``; it is skipped where none is installed, unless
    ``PLUGREDIS_REQUIRE_REAL_REDIS=1``, which turns the skip into a failure.
``redis_pair``
    Both targets at once (``.plugredis``, ``.redis``), for tests that compare replies directly.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import redis

    from .clock import ManualClock
    from .server import Server

__all__ = [
    "RealRedis",
    "ServerHandle",
    "Target",
    "assert_rdb_round_trip_with_redis",
    "encode_command",
    "raw_command",
    "start_server",
]

REQUIRE_REAL_ENV = "PLUGREDIS_REQUIRE_REAL_REDIS"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "plugredis(plugins=None, extra=()): choose the plugins of the plugredis server under test",
    )


# -------------------------------------------------------------------------------------------------
# Running a server in a thread
# -------------------------------------------------------------------------------------------------


class ServerHandle:
    """A plugredis server running in a background thread with its own event loop."""

    def __init__(self, server: Server, loop: asyncio.AbstractEventLoop, thread: threading.Thread):
        self.server = server
        self.loop = loop
        self.thread = thread
        self.host = "127.0.0.1"
        self.port = server.port

    def client(self, **kwargs: Any) -> redis.Redis:
        """A new redis-py client of this server (``decode_responses`` etc. as keyword args)."""
        import redis

        return redis.Redis(host=self.host, port=self.port, **kwargs)

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn()`` on the server's loop thread and return its result."""
        fut = asyncio.run_coroutine_threadsafe(_acall(fn), self.loop)
        return fut.result(10)

    def flush(self) -> None:
        def _flush() -> None:
            for db in self.server.dbs:
                db.flush()
            self.server.dirty = 0

        self.call(_flush)

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


async def _acall(fn: Callable[[], Any]) -> Any:
    return fn()


def start_server(
    plugins: Sequence[str] | None = None,
    extra: Sequence[Any] = (),
    clock: ManualClock | None = None,
    **options: Any,
) -> ServerHandle:
    """Start a plugredis server on a free port in a thread; returns once it accepts clients."""
    from .cli import _new_loop
    from .server import Server

    options.setdefault("port", 0)
    options.setdefault("save_interval", 0)
    if "dir" not in options:
        # Never read or write a dump.rdb in the current directory from a test.
        options["dir"] = tempfile.mkdtemp(prefix="plugredis-test-")
    server = Server(plugins=plugins, extra_plugins=extra, clock=clock, **options)
    loop = _new_loop()
    ready = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as e:  # report start-up failures to the caller
            errors.append(e)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, name=f"plugredis-{id(server):x}", daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("plugredis server did not start in 30 s")
    if errors:
        raise errors[0]
    return ServerHandle(server, loop, thread)


# -------------------------------------------------------------------------------------------------
# A real redis-server, for differential tests
# -------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RealRedis:
    """A ``redis-server`` child process on a free port, with no persistence."""

    def __init__(self, executable: str, *extra_args: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="plugredis-real-")
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.proc = subprocess.Popen(
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                *extra_args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection((self.host, self.port), 0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def client(self, **kwargs: Any) -> redis.Redis:
        import redis

        return redis.Redis(host=self.host, port=self.port, **kwargs)

    def flush(self) -> None:
        with socket.create_connection((self.host, self.port), 5) as s:
            s.sendall(b"FLUSHALL\r\n")
            s.recv(16)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def find_redis_server() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )


def _need_real_redis() -> str:
    exe = find_redis_server()
    if exe is None:
        if os.environ.get(REQUIRE_REAL_ENV) == "1":
            pytest.fail(f"redis-server is not installed but {REQUIRE_REAL_ENV}=1")
        pytest.skip("redis-server is not installed")
    return exe


# -------------------------------------------------------------------------------------------------
# Raw RESP access
# -------------------------------------------------------------------------------------------------


def _arg_bytes(a: Any) -> bytes:
    if isinstance(a, str):
        return a.encode()
    if isinstance(a, int | float):
        return str(a).encode()
    return bytes(a)


def encode_command(args: Sequence[Any]) -> bytes:
    """The RESP request for ``args`` (``str`` and numbers are written as their text)."""
    from .resp import encode_request  # this module stays light until it is used

    return encode_request([_arg_bytes(a) for a in args])


class RawConnection:
    """A socket speaking raw RESP: send a command, read exactly one reply's bytes."""

    def __init__(self, host: str, port: int, timeout: float = 5.0) -> None:
        import hiredis

        self.sock = socket.create_connection((host, port), timeout)
        self.reader = hiredis.Reader()
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_reply(self) -> bytes:
        """Read one complete reply and return its raw bytes."""
        while True:
            end = _reply_end(self.buf, 0)
            if end is not None:
                out, self.buf = self.buf[:end], self.buf[end:]
                return out
            chunk = self.sock.recv(65536)
            if not chunk:
                out, self.buf = self.buf, b""
                return out
            self.buf += chunk

    def command(self, *args: Any) -> bytes:
        self.send(encode_command(args))
        return self.read_reply()

    def close(self) -> None:
        self.sock.close()


def _reply_end(buf: bytes, pos: int) -> int | None:
    """End offset of the RESP2/RESP3 reply starting at ``pos``, None if incomplete."""
    if pos >= len(buf):
        return None
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        return None
    t = buf[pos : pos + 1]
    head = buf[pos + 1 : nl]
    after = nl + 2
    if t in (b"+", b"-", b":", b",", b"_", b"#", b"("):
        return after
    if t in (b"$", b"=", b"!"):
        n = int(head)
        if n < 0:
            return after
        end = after + n + 2
        return end if end <= len(buf) else None
    if t in (b"*", b"~", b">", b"%", b"|"):
        n = int(head)
        if n < 0:
            return after
        if t in (b"%", b"|"):
            n *= 2
        p: int | None = after
        for _ in range(n):
            assert p is not None
            p = _reply_end(buf, p)
            if p is None:
                return None
        return p
    return after  # inline/unknown: treat the line as the reply


def raw_command(host: str, port: int, *args: Any) -> bytes:
    """Send one command on a new connection and return the raw reply bytes."""
    conn = RawConnection(host, port)
    try:
        return conn.command(*args)
    finally:
        conn.close()


class Target:
    """One server under a differential test: ``name`` is ``"plugredis"`` or ``"redis"``."""

    def __init__(self, name: str, host: str, port: int, handle: Any) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.handle = handle
        self._client: redis.Redis | None = None
        self._raw: RawConnection | None = None

    @property
    def client(self) -> redis.Redis:
        """A redis-py client (bytes replies, RESP2)."""
        if self._client is None:
            import redis

            self._client = redis.Redis(host=self.host, port=self.port)
        return self._client

    def new_client(self, **kwargs: Any) -> redis.Redis:
        import redis

        return redis.Redis(host=self.host, port=self.port, **kwargs)

    def raw(self, *args: Any) -> bytes:
        """Send one command on this target's raw connection; the reply's exact bytes."""
        if self._raw is None:
            self._raw = RawConnection(self.host, self.port)
        return self._raw.command(*args)

    def raw_connection(self) -> RawConnection:
        return RawConnection(self.host, self.port)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def __repr__(self) -> str:
        return f"<Target {self.name} {self.host}:{self.port}>"


def _parse_reply(raw: bytes) -> Any:
    import hiredis

    reader = hiredis.Reader()
    reader.feed(raw)
    return reader.gets()


def _unordered(v: Any) -> Any:
    """A reply with every array, map and set sorted (Redis's own order is a hash order)."""
    if isinstance(v, list):
        return tuple(sorted((_unordered(x) for x in v), key=repr))
    if isinstance(v, dict):
        return tuple(sorted(((_unordered(k), _unordered(x)) for k, x in v.items()), key=repr))
    if isinstance(v, set):
        return tuple(sorted((_unordered(x) for x in v), key=repr))
    return v


class Pair:
    """plugredis and a real redis-server side by side (the ``redis_pair`` fixture)."""

    def __init__(self, plugredis: Target, redis: Target) -> None:
        self.plugredis = plugredis
        self.redis = redis

    def raw(self, *args: Any) -> tuple[bytes, bytes]:
        """Send one command to both; their exact reply bytes."""
        return self.plugredis.raw(*args), self.redis.raw(*args)

    def assert_same_metadata(self, sub: str, name: str) -> None:
        """``COMMAND INFO|DOCS name`` is the same on both servers, in RESP2 and RESP3.

        Byte for byte where possible; otherwise the parsed replies must be equal up to the order
        of arrays, maps and sets (subcommand lists come in Redis's hash order).
        """
        for resp in (2, 3):
            ours_conn = self.plugredis.raw_connection()
            theirs_conn = self.redis.raw_connection()
            try:
                if resp == 3:
                    ours_conn.command("HELLO", "3")
                    theirs_conn.command("HELLO", "3")
                ours = ours_conn.command("COMMAND", sub, name)
                theirs = theirs_conn.command("COMMAND", sub, name)
            finally:
                ours_conn.close()
                theirs_conn.close()
            if ours != theirs:
                assert _unordered(_parse_reply(ours)) == _unordered(_parse_reply(theirs)), (
                    f"RESP{resp} COMMAND {sub} {name}:\n ours  {ours!r}\n redis {theirs!r}"
                )


# -------------------------------------------------------------------------------------------------
# RDB interoperability
# -------------------------------------------------------------------------------------------------


def assert_rdb_round_trip_with_redis(
    factory: Callable[..., ServerHandle],
    directory: str,
    setup: Sequence[Sequence[Any]],
    queries: Sequence[tuple[bool, Sequence[Any]]],
    **server_options: Any,
) -> None:
    """Values survive dump.rdb both ways between plugredis and a real redis-server.

    A plugredis server made by ``factory`` (``plugredis_server_factory``) with
    ``server_options`` runs ``setup`` and SAVEs into ``directory``; redis-server loads the file
    and must answer ``queries`` the same (``(True, q)``: compared as sorted lists, for replies
    in hash-table order) with the same OBJECT ENCODING for every key; it SAVEs, and a new
    plugredis server loads that file and answers the same again, with the same encodings.
    Skips without redis-server (fails instead with ``PLUGREDIS_REQUIRE_REAL_REDIS=1``).
    """
    exe = _need_real_redis()

    def answers(conn: RawConnection) -> list[Any]:
        out = []
        for unordered, q in queries:
            raw = conn.command(*q)
            if unordered:
                v = _parse_reply(raw)
                out.append(sorted(v) if isinstance(v, list) else v)
            else:
                out.append(raw)
        return out

    def our_encodings(handle: ServerHandle, keys: list[bytes]) -> dict[bytes, str]:
        def get() -> dict[bytes, str]:
            server = handle.server
            out = {}
            for k in keys:
                v = server.dbs[0].data[k]
                out[k] = server.registry.type_of(v).encoding_of(v)
            return out

        result: dict[bytes, str] = handle.call(get)
        return result

    ours = factory(**server_options, dir=directory)
    conn = RawConnection(ours.host, ours.port)
    for cmd in setup:
        assert not conn.command(*cmd).startswith(b"-"), cmd
    expected = answers(conn)
    keys = sorted(_parse_reply(conn.command("KEYS", "*")) or [])
    assert keys
    encodings = our_encodings(ours, keys)
    assert conn.command("SAVE") == b"+OK\r\n"
    conn.close()
    ours.stop()

    real = RealRedis(exe, "--dir", directory)
    try:
        rconn = RawConnection(real.host, real.port)
        assert answers(rconn) == expected
        theirs = {k: _parse_reply(rconn.command("OBJECT", "ENCODING", k)).decode() for k in keys}
        assert theirs == encodings
        assert rconn.command("SAVE") == b"+OK\r\n"
        rconn.close()
    finally:
        real.stop()

    again = factory(**server_options, dir=directory)
    conn = RawConnection(again.host, again.port)
    assert answers(conn) == expected
    assert our_encodings(again, keys) == encodings
    conn.close()


# -------------------------------------------------------------------------------------------------
# Fixtures
# -------------------------------------------------------------------------------------------------


def _marker_options(
    request: pytest.FixtureRequest,
) -> tuple[tuple[str, ...] | None, tuple[Any, ...]]:
    marker = request.node.get_closest_marker("plugredis")
    if marker is None:
        return None, ()
    plugins = marker.kwargs.get("plugins", marker.args[0] if marker.args else None)
    extra = marker.kwargs.get("extra", ())
    return (tuple(plugins) if plugins is not None else None), tuple(extra)


class _ServerCache:
    def __init__(self) -> None:
        self.servers: dict[Any, ServerHandle] = {}

    def get(self, plugins: tuple[str, ...] | None, extra: tuple[Any, ...]) -> ServerHandle:
        key = (plugins, tuple(id(e) for e in extra))
        handle = self.servers.get(key)
        if handle is None:
            handle = start_server(plugins=plugins, extra=extra)
            self.servers[key] = handle
        return handle

    def close(self) -> None:
        for h in self.servers.values():
            h.stop()
        self.servers.clear()


@pytest.fixture(scope="session")
def _plugredis_server_cache() -> Iterator[_ServerCache]:
    cache = _ServerCache()
    yield cache
    cache.close()


@pytest.fixture
def plugredis_server_factory() -> Iterator[Callable[..., ServerHandle]]:
    """Start servers with ``factory(plugins=..., extra=..., clock=..., **options)``."""
    started: list[ServerHandle] = []

    def factory(
        plugins: Sequence[str] | None = None,
        extra: Sequence[Any] = (),
        clock: ManualClock | None = None,
        **options: Any,
    ) -> ServerHandle:
        h = start_server(plugins=plugins, extra=extra, clock=clock, **options)
        started.append(h)
        return h

    yield factory
    for h in started:
        h.stop()


@pytest.fixture
def manual_clock() -> ManualClock:
    """A clock that only moves with ``.advance(seconds)``."""
    from .clock import ManualClock

    return ManualClock()


@pytest.fixture
def plugredis_server(
    request: pytest.FixtureRequest, _plugredis_server_cache: _ServerCache
) -> Iterator[ServerHandle]:
    """A running server with the plugins the ``plugredis`` marker chooses; flushed after."""
    plugins, extra = _marker_options(request)
    if "manual_clock" in request.fixturenames:
        clock = request.getfixturevalue("manual_clock")
        handle = start_server(plugins=plugins, extra=extra, clock=clock)
        yield handle
        handle.stop()
        return
    handle = _plugredis_server_cache.get(plugins, extra)
    yield handle
    handle.flush()


@pytest.fixture
def plugredis_client(plugredis_server: ServerHandle) -> Iterator[redis.Redis]:
    """A redis-py client (bytes replies) of ``plugredis_server``."""
    client = plugredis_server.client()
    yield client
    client.close()


@pytest.fixture
def plugredis_async_client(plugredis_server: ServerHandle) -> Callable[..., Any]:
    """A factory of ``redis.asyncio.Redis`` clients of ``plugredis_server``."""
    import redis.asyncio

    def factory(**kwargs: Any) -> Any:
        return redis.asyncio.Redis(host=plugredis_server.host, port=plugredis_server.port, **kwargs)

    return factory


@pytest.fixture(scope="session")
def real_redis_server() -> Iterator[RealRedis]:
    """A real ``redis-server`` for the whole session (skips or fails where none is installed)."""
    exe = _need_real_redis()
    server = RealRedis(exe)
    yield server
    server.stop()


@pytest.fixture(params=["plugredis", "redis"])
def redis_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """Each test using it runs twice: against plugredis, then against a real redis-server."""
    if request.param == "plugredis":
        handle = request.getfixturevalue("plugredis_server")
        target = Target("plugredis", handle.host, handle.port, handle)
        yield target
        target.close()
    else:
        real = request.getfixturevalue("real_redis_server")
        target = Target("redis", real.host, real.port, real)
        yield target
        target.close()
        real.flush()


@pytest.fixture
def redis_pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    """plugredis and a real redis-server side by side (both flushed after the test)."""
    handle = request.getfixturevalue("plugredis_server")
    real = request.getfixturevalue("real_redis_server")
    pair = Pair(
        Target("plugredis", handle.host, handle.port, handle),
        Target("redis", real.host, real.port, real),
    )
    yield pair
    pair.plugredis.close()
    pair.redis.close()
    real.flush()
