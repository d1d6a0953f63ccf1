"""The optional C helpers (plugredis/_speedups.c) answer exactly as their pure-Python twins."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugredis import resp
from plugredis.resp import Map, RespSet, SimpleString, encode

try:
    from plugredis import _speedups
except ImportError:  # pragma: no cover - no C compiler where the tests run
    _speedups = None  # type: ignore[assignment]

needs_c = pytest.mark.skipif(_speedups is None, reason="plugredis._speedups was not built")

items = st.lists(
    st.one_of(
        st.binary(max_size=20),
        st.binary(min_size=4090, max_size=4100),
        st.integers(),
        st.builds(SimpleString, st.binary(max_size=5)),
        st.none(),
    ),
    max_size=12,
)


def test_the_c_helpers_are_built_where_ci_requires_them() -> None:
    if os.environ.get("PLUGREDIS_REQUIRE_SPEEDUPS") == "1":
        assert _speedups is not None, "plugredis._speedups was not built (no C compiler?)"


@needs_c
@given(items, st.sampled_from([b"*", b"~", b">", b"%"]), st.integers(-1, 30), st.booleans())
def test_bulk_array_matches_its_python_twin(
    values: list[Any], prefix: bytes, count: int, as_tuple: bool
) -> None:
    seq: Any = tuple(values) if as_tuple else values
    assert _speedups.bulk_array(seq, prefix, count if count >= 0 else len(seq)) == (
        resp.bulk_array(seq, prefix, count)
    )
    assert _speedups.bulk_array(seq) == resp.bulk_array(seq)


@needs_c
def test_bulk_array_refuses_what_is_not_a_list_of_bytes() -> None:
    assert _speedups.bulk_array({b"a"}) is None
    assert _speedups.bulk_array(RespSet([b"a"]), b"~") == b"~1\r\n$1\r\na\r\n"
    with pytest.raises(TypeError):
        _speedups.bulk_array([b"a"], b"**")
    with pytest.raises(ValueError):
        _speedups.bulk_array([b"a"], b"*", -2)


@given(items, st.booleans())
def test_replies_are_the_same_with_and_without_the_c_helpers(values: list[Any], r3: bool) -> None:
    pairs = Map(zip(values[::2], values[1::2], strict=False))
    replies = [values, RespSet(values), pairs, [values, pairs]]
    with_c = [encode(v, r3) for v in replies]
    saved = resp._bulk_array
    resp._bulk_array = resp.bulk_array
    try:
        assert [encode(v, r3) for v in replies] == with_c
    finally:
        resp._bulk_array = saved


def _mb(*args: bytes) -> bytes:
    return resp.encode_request(list(args))


_pieces = st.one_of(
    st.lists(st.binary(max_size=6), min_size=1, max_size=4).map(lambda a: _mb(*a)),
    st.sampled_from(
        [
            b"*0\r\n",
            b"*-1\r\n",
            b"*01\r\n$1\r\nx\r\n",
            b"*1\r\n$01\r\nx\r\n",
            b"*1\r\n$1\r\nxyz",
            b"*1\r\n$1\r\nx\n\n",
            b"PING\r\n",
            b"+OK\r\n",
            b"*1\r\n+x\r\n",
            b"*1\r\n:1\r\n",
            b"*2\r\n$1\r\nx\r\n*1\r\n$1\r\ny\r\n",
            b"*1000000\r\n",
            b"*999999\r\n",
            b"$3\r\nfoo\r\n",
            b"*1\r\n$20\r\n",
            b"PING\r\n",
            b"SET a  b\r\n",
            b" \t\r\n",
            b'SET "a b" c\n',
            b"ECHO 'x'\r\n",
            b"GET k\x00x\n",
            b"GET\x0bk\x0c\r\n",
            b"x" * 40 + b"\n",
            b"ECHO \xff\x1c\n",
            b"*1\r\n$-1\r\n",
            b"*1 \r\n",
            b"*\r\n",
            b"\r\n",
            b"*1\r\r\n",
        ]
    ),
    st.binary(max_size=8),
)


@needs_c
def test_parse_inline_takes_plain_lines_and_stops_at_the_rest() -> None:
    P = _speedups.parse_inline
    assert P(b"PING\r\nSET a  b\n\r\n", 100) == ([[b"PING"], [b"SET", b"a", b"b"]], 17)
    assert P(b"PING\r\n*1\r\n", 100) == ([[b"PING"]], 6)  # a frame starts
    assert P(b"PING\r\nGET", 100) == ([[b"PING"]], 6)  # an unfinished line
    assert P(b'ECHO "a"\nPING\n', 100) == ([], 0)  # quotes: the Python parser
    assert P(b"ECHO a\x00\n", 100) == ([], 0)
    assert P(b"PING\n" + b"x" * 11 + b"\n", 10) == ([[b"PING"]], 5)  # too long: Python errs


def _parse_all(chunks: list[bytes], use_c: bool) -> tuple[list[list[bytes]], str | None]:
    saved = resp._c_parse_requests, resp._c_parse_inline
    if not use_c:
        resp._c_parse_requests = resp._c_parse_inline = None
    try:
        parser = resp.RequestParser(max_bulk=16)
        out: list[list[bytes]] = []
        for chunk in chunks:
            out += parser.feed(chunk)
            if parser.error is not None:
                return out, parser.error.msg
        return out, None
    finally:
        resp._c_parse_requests, resp._c_parse_inline = saved


@needs_c
@given(st.lists(_pieces, min_size=1, max_size=6), st.data())
def test_parse_requests_reads_what_the_python_parser_reads(
    pieces: list[bytes], data: st.DataObject
) -> None:
    blob = b"".join(pieces)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(blob)), max_size=3)))
    chunks = [blob[i:j] for i, j in zip([0, *cuts], [*cuts, len(blob)], strict=True)]
    assert _parse_all(chunks, True) == _parse_all(chunks, False)


@needs_c
@given(st.lists(st.lists(st.binary(max_size=20), min_size=1, max_size=4), min_size=1), st.data())
def test_parse_requests_with_one_byte_changed(reqs: list[list[bytes]], data: st.DataObject) -> None:
    blob = bytearray(b"".join(_mb(*r) for r in reqs))
    i = data.draw(st.integers(0, len(blob) - 1))
    blob[i] = data.draw(st.sampled_from(b"*$:+-0123456789\r\nx "))
    assert _parse_all([bytes(blob)], True) == _parse_all([bytes(blob)], False)
    assert _parse_all([bytes(blob[:i]), bytes(blob[i:])], True) == _parse_all(
        [bytes(blob[:i]), bytes(blob[i:])], False
    )


@needs_c
def test_parse_requests_stops_at_a_cut_frame() -> None:
    P = _speedups.parse_requests
    assert P(_mb(b"GET", b"k"), 100) == ([[b"GET", b"k"]], 20)
    assert P(_mb(b"PING") + b"*2\r\n$3\r\nGET\r\n$1\r\nk", 100) == ([[b"PING"]], 14)
    assert P(_mb(b"PING") + b"PING\r\n", 100) is None  # an inline command: the Python parser
    assert P(b"*1\r\n$3\r\nfoo\r\n", 2) is None  # longer than max_bulk
    assert P(b"*1000000\r\n", 10) is None  # 7 digits: hiredis must not see it


@needs_c
def test_the_pure_python_twins_pass_the_protocol_and_command_suites() -> None:
    """The suites below again, in a fresh process where plugredis ignores its C helpers."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PLUGREDIS_NO_SPEEDUPS": "1"}
    suites = [
        "tests/test_resp.py",
        "tests/test_bad_input.py",
        "tests/test_transactions.py",
        "tests/test_limits.py",
        "tests/plugins/strings",
        "tests/plugins/lists",
    ]
    check = (
        "import plugredis.protocol as p, plugredis.commands as c; "
        "assert p._c_run_fast is None and c._c_twin is None; "
        "assert p.RedisProtocol.data_received.__qualname__ == 'RedisProtocol.data_received'"
    )
    subprocess.run([sys.executable, "-c", check], env=env, check=True)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", *suites],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


class _Transport:
    """Records what a protocol writes (an in-process connection)."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 5000) if name in ("peername", "sockname") else default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


_commands = st.sampled_from(
    [
        [b"PING"],
        [b"ping", b"hello"],
        [b"ECHO", b"x" * 600],
        [b"GET", b"k"],
        [b"GET"],
        [b"SET", b"k", b"1"],
        [b"SET", b"k", b"v", b"NX"],
        [b"INCR", b"k"],
        [b"INCR", b"n"],
        [b"MSET", b"a", b"1", b"b", b"2"],
        [b"MGET", b"a", b"b", b"k"],
        [b"LPUSH", b"l", b"x", b"y"],
        [b"RPOP", b"l"],
        [b"LRANGE", b"l", b"0", b"-1"],
        [b"HSET", b"h", b"f", b"v"],
        [b"HGETALL", b"h"],
        [b"HELLO", b"3"],
        [b"HELLO", b"2"],
        [b"MULTI"],
        [b"EXEC"],
        [b"DISCARD"],
        [b"WATCH", b"k"],
        [b"DEL", b"k", b"l"],
        [b"NOSUCH", b"x"],
        [b"CLIENT", b"REPLY", b"SKIP"],
        [b"CLIENT", b"REPLY", b"OFF"],
        [b"CLIENT", b"REPLY", b"ON"],
        [b"SELECT", b"1"],
        [b"SELECT", b"0"],
        [b"QUIT"],
    ]
)


def _run_reads(
    reads: list[bytes], use_serve: bool, whole: bool = False
) -> tuple[bytes, bool, dict[bytes, Any]]:
    """Feed ``reads`` to a fresh in-process connection with or without ``serve`` (which must
    take the first read when it is ``whole``)."""
    from plugredis import protocol
    from plugredis.server import Server

    server = Server(plugins=["strings", "lists", "hashes", "keyspace"], active_expiry=False)
    proto = protocol.RedisProtocol(server)
    transport = _Transport()
    proto.connection_made(transport)  # type: ignore[arg-type]
    python_read = protocol.RedisProtocol._read
    to_python = [0]

    def counting(p: Any, data: bytes) -> None:
        to_python[0] += 1
        python_read(p, data)

    # the C data_received serves what it can and calls _read for the rest; _read is the whole
    # of the Python path
    feed = proto.data_received if use_serve else proto._read
    protocol.RedisProtocol._read = counting  # type: ignore[method-assign]
    try:
        for data in reads:
            feed(data)
    finally:
        protocol.RedisProtocol._read = python_read  # type: ignore[method-assign]
    if use_serve and whole:
        assert to_python[0] < len(reads)  # serve took at least one read
    data = {k: server.registry.type_of(v).plain(v) for k, v in server.dbs[0].data.items()}
    written = re.sub(rb"\$2\r\nid\r\n:\d+", b"<id>", b"".join(transport.written))  # HELLO
    return written, transport.closed, data


@needs_c
@settings(deadline=None)  # each example starts two servers: a loaded machine takes > 200 ms
@given(st.lists(st.lists(_commands, min_size=1, max_size=5), min_size=1, max_size=6), st.data())
def test_serve_answers_as_the_python_read_path(
    batches: list[list[list[bytes]]], data: st.DataObject
) -> None:
    """serve() (whole reads, in C) and data_received's Python path give the same bytes, for
    multibulk and inline reads."""
    inline = data.draw(st.lists(st.booleans(), min_size=len(batches), max_size=len(batches)))
    reads = [
        b"".join(b" ".join(argv) + b"\r\n" if flat else _mb(*argv) for argv in batch)
        for batch, flat in zip(batches, inline, strict=True)
    ]
    cut = data.draw(st.booleans())
    if cut:  # cut one read in two: the Python path takes the cut frame
        k = data.draw(st.integers(0, len(reads) - 1))
        at = data.draw(st.integers(0, len(reads[k])))
        reads[k : k + 1] = [reads[k][:at], reads[k][at:]]
    assert _run_reads(reads, True, not cut) == _run_reads(reads, False)


@needs_c
def test_serve_writes_the_replies_of_a_loop_iteration_together() -> None:
    """Replies of reads served in one loop iteration are written at its end, in order; any
    other write to a client writes them first; a lone client gets its replies at once."""
    from plugredis import protocol
    from plugredis.server import Server

    async def main() -> None:
        server = Server(plugins=["strings"], active_expiry=False)
        conns = []
        for _ in range(3):
            proto = protocol.RedisProtocol(server)
            transport = _Transport()
            proto.connection_made(transport)  # type: ignore[arg-type]
            conns.append((proto, transport))
        other = protocol.RedisProtocol(Server(plugins=["strings"], active_expiry=False))
        assert other.deferred is not conns[0][0].deferred  # per server: loops never share one
        assert conns[1][0].deferred is conns[0][0].deferred
        was = _speedups.defer_writes(True)
        try:
            for proto, _ in conns:
                proto.data_received(_mb(b"PING"))
            assert [t.written for _, t in conns] == [[], [], []]
            await asyncio.sleep(0)
            assert [t.written for _, t in conns] == [[b"+PONG\r\n"]] * 3
            # a read for the Python path (an inline command) writes what was deferred first
            a, ta = conns[0]
            b, tb = conns[1]
            a.data_received(_mb(b"SET", b"k", b"v"))
            b.data_received(_mb(b"GET", b"k"))
            a.data_received(b"QUIT\r\n")
            assert ta.written == [b"+PONG\r\n", b"+OK\r\n", b"+OK\r\n"] and ta.closed
            assert tb.written == [b"+PONG\r\n", b"$1\r\nv\r\n"]
            await asyncio.sleep(0)
            # one reply per iteration, again and again: the deferral turns itself off
            for _ in range(10):
                b.data_received(_mb(b"PING"))
                await asyncio.sleep(0)
            assert not _speedups.defer_writes()
            b.data_received(_mb(b"ECHO", b"now"))
            assert tb.written[-1] == b"$3\r\nnow\r\n"
        finally:
            _speedups.defer_writes(was)

    asyncio.run(main())


@needs_c
def test_command_names_are_handed_out_once_and_parse_as_sent() -> None:
    """The parser hands out one bytes object per recent command name (so dispatch finds it by
    identity); names of every length and case, and arguments, still parse as sent."""
    frames = _mb(b"GET", b"GET") + _mb(b"GET", b"k") + _mb(b"get") + _mb(b"x" * 40, b"GET")
    reqs, end = _speedups.parse_requests(frames, 1 << 20)
    assert end == len(frames)
    assert reqs == [[b"GET", b"GET"], [b"GET", b"k"], [b"get"], [b"x" * 40, b"GET"]]
    assert reqs[0][0] is reqs[1][0]  # the same name: the same object
    assert reqs[0][1] is not reqs[0][0]  # an argument is never the cached name
    # many names that collide in the small table replace each other and still read back right
    names = [bytes([65 + i % 26]) * (1 + i % 24) for i in range(200)]
    reqs, _ = _speedups.parse_requests(b"".join(_mb(n) for n in names), 1 << 20)
    assert [r[0] for r in reqs] == names


@needs_c
def test_counters_bumped_in_place_are_never_ones_someone_else_holds() -> None:
    """serve() bumps an int counter only this object refers to in place; a value that Python
    code holds (read from INFO, a local) never changes under it."""
    from plugredis import protocol
    from plugredis.connection import ops_of
    from plugredis.server import Server

    server = Server(plugins=["strings"], active_expiry=False)
    proto = protocol.RedisProtocol(server)
    transport = _Transport()
    proto.connection_made(transport)  # type: ignore[arg-type]
    spec = ops_of(server).dispatch[b"get"]
    calls0 = spec.calls
    for _ in range(300):  # past the shared small ints
        proto.data_received(_mb(b"GET", b"k"))
    held_calls, held_misses = spec.calls, server.stats.keyspace_misses
    before = (int(held_calls), int(held_misses))
    assert before == (calls0 + 300, 300)
    for _ in range(5):
        proto.data_received(_mb(b"GET", b"k"))
    assert (held_calls, held_misses) == before  # what was read is what it was
    assert (spec.calls, server.stats.keyspace_misses) == (calls0 + 305, 305)
    del held_calls, held_misses
    for _ in range(1 << 10):  # in place from here on
        proto.data_received(_mb(b"GET", b"k"))
    assert (spec.calls, server.stats.keyspace_misses) == (calls0 + 305 + (1 << 10), 305 + (1 << 10))
    ops = ops_of(server)
    ops.batch_ns = (1 << 30) - 1
    proto.data_received(_mb(b"GET", b"k"))
    assert ops.batch_ns >= 1 << 30 and type(ops.batch_ns) is int
    big = ops.batch_ns
    proto.data_received(_mb(b"GET", b"k"))
    assert big < ops.batch_ns


@needs_c
def test_replies_sent_straight_to_the_socket_keep_their_order_when_it_fills() -> None:
    """serve() sends small replies straight to the socket while uvloop buffers nothing; when
    the socket fills (a client that reads late), a reply sent in part has its rest buffered by
    uvloop and every later reply queues behind it: the client gets them all, in order."""
    import socket
    import time

    from plugredis.testing import encode_command, start_server

    handle = start_server(plugins=["strings"])
    try:
        value = b"v" * 400  # small enough for the C reply path
        batch = encode_command(["GET", "k"]) * 100
        with socket.create_connection((handle.host, handle.port)) as s:
            s.sendall(encode_command(["SET", "k", value]))
            assert s.recv(5) == b"+OK\r\n"
            for _ in range(200):  # about 8 MB of replies, more than the socket holds
                s.sendall(batch)
                time.sleep(0.002)  # a read each, served in C
            s.sendall(encode_command(["ECHO", "end"]))
            want = b"$400\r\n%s\r\n" % value * 100 * 200 + b"$3\r\nend\r\n"
            got = bytearray()
            s.settimeout(20)
            while len(got) < len(want):
                chunk = s.recv(1 << 20)
                assert chunk, "connection closed early"
                got += chunk
            assert bytes(got) == want
    finally:
        handle.stop()
