"""Bad input gets Redis's answer, closes the connection where Redis does, and harms no one else."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest


def talk(target: Any, data: bytes, wait: float = 0.3) -> tuple[bytes, bool]:
    """Send ``data`` on a new connection; return what came back and whether it was closed."""
    s = socket.create_connection((target.host, target.port), 5)
    s.sendall(data)
    s.settimeout(wait)
    out = b""
    closed = False
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            out += chunk
    except TimeoutError:
        pass
    except ConnectionResetError:
        closed = True
    s.close()
    return out, closed


BAD = [
    b"*1\r\n$-5\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
    b"*3000000000\r\n",
    b"*1\r\nfoo\r\n",
    b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
    b'SET "unbalanced\r\n',
    b"*1\r\n$4\r\nPING\r\n*1\r\n$-1\r\n",
    b"PING\r\n*x\r\n",
    b"\x00\x01\x02\xff garbage\r\n",
    b"*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n" + b"*1\r\n:1\r\n",
    # element headers that a RESP reply parser reads as strings, but Redis refuses
    b"*2\r\n+GET\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n",
    b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n(12\r\n",
    b"*2\r\n$4\r\nECHO\r\n=8\r\ntxt:abcd\r\n",
    b"*2\r\n$4\r\nECHO\r\n$2\r\n+a\r\n*2\r\n$4\r\nECHO\r\n+a\r\n",
    # ... and arguments that merely start with those bytes
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n+inf\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    b"*2\r\n$4\r\nECHO\r\n$2\r\n(1\r\n*2\r\n$4\r\nECHO\r\n$2\r\n=x\r\n",
    b"*2\r\n$4\r\nECHO\r\n$8\r\nab\r\n+cd\r\n\r\n*2\r\n$4\r\nECHO\r\n$10\r\n+a",
    # frames of other RESP types after a request: Redis reads them as inline commands
    b"*1\r\n$4\r\nPING\r\n~1\r\n$4\r\nPING\r\n",
    b"*1\r\n$4\r\nPING\r\n|1\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\n$4\r\nPING\r\n",
    b"*1\r\n$4\r\nPING\r\n%1\r\n$4\r\nPING\r\n$4\r\nPING\r\n",
    b"*1\r\n$4\r\nPING\r\n>1\r\n$4\r\nPING\r\n:1\r\n",
    b"*2\r\n$4\r\nECHO\r\n~1\r\n$1\r\na\r\n",
    # empty frames, which Redis skips, between requests
    b"*1\r\n$4\r\nPING\r\n*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n",
]


@pytest.mark.parametrize("data", BAD, ids=[repr(b)[:40] for b in BAD])
def test_bad_input_like_redis(redis_pair: Any, data: bytes) -> None:
    ours = talk(redis_pair.plugredis, data)
    theirs = talk(redis_pair.redis, data)
    assert ours == theirs
    # and the server still serves
    assert redis_pair.plugredis.new_client().ping() is True


SPLIT = [
    # the first read ends with what looks like a whole PING, but it is inside an ECHO argument
    (
        b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$20\r\n*1\r\n$4\r\nPING\r\n",
        b"123456\r\n*1\r\n$4\r\nPING\r\n",
    ),
    # a read cut inside a frame whose arguments start with '+'
    (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n+i", b"nf\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"),
    # a bad element header in the second read of a frame
    (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n", b"+inf\r\n*1\r\n$4\r\nPING\r\n"),
    # Redis skips the byte after a header's '\r' and the two bytes after a payload, whatever
    # they are, also when a read ends right there (found by fuzzing against Redis)
    (b"*1\r\n$1", b"\r4xyz*1\r", b"\n$1\r\nxyz"),
    (b"\rPING\r\n*1\r\n$1\r", b"1xyz*3\r\n$6\r\n3*-3\r1\r\n$0\r\n\r\n$2\r\n*", b"9\r\n"),
    (b"*1\r\n$1", b"\r:xyz*2\r\n$0\r\n\r\n$5\r\n*\n72", b"9\r\n"),
    (b"*-1\r", b"-*1\r\n$0\r\n\r\n*1\r\n$3\r\n", b"\r22\r\n"),
    (b"*0", b"\r\r*2\r\n", b"$1\r\n\n\r\n$3\r", b"\n:37\r\n*0\r\n"),
    (
        b"*-5",
        b"\r:*",
        b"3\r\n$2\r\n+",
        b" \r\n$5\r\n 27*1\r\n$6\r\n80$-\n5\r\n*1\r\n$4\r\n0$+2\r\n*1 \r\n",
    ),
]


@pytest.mark.parametrize("chunks", SPLIT, ids=[repr(c[0])[:40] for c in SPLIT])
def test_requests_split_across_reads_like_redis(redis_pair: Any, chunks: tuple[bytes, ...]) -> None:
    def run(target: Any) -> tuple[bytes, bool]:
        s = socket.create_connection((target.host, target.port), 5)
        for i, chunk in enumerate(chunks):
            if i:
                time.sleep(0.05)  # one read per chunk on the server side
            s.sendall(chunk)
        s.settimeout(0.3)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
            return out, True
        except TimeoutError:
            return out, False
        finally:
            s.close()

    assert run(redis_pair.plugredis) == run(redis_pair.redis)


def test_disconnect_mid_command_and_huge_declared_bulk(plugredis_server: Any) -> None:
    for data in (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc", b"*2\r\n$3\r\nGET\r\n$1000000\r\n"):
        s = socket.create_connection((plugredis_server.host, plugredis_server.port))
        s.sendall(data)
        s.close()
    r = plugredis_server.client()
    assert r.ping() is True
    assert r.get("k") is None


def test_a_thousand_clients_at_once(plugredis_server: Any) -> None:
    socks = []
    try:
        for _ in range(1000):
            socks.append(socket.create_connection((plugredis_server.host, plugredis_server.port)))
        for i, s in enumerate(socks):
            s.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$1\r\nv\r\n" % (len(b"k%d" % i), i))
        for s in socks:
            s.settimeout(10)
            assert s.recv(16) == b"+OK\r\n"
        assert plugredis_server.client().dbsize() == 1000
    finally:
        for s in socks:
            s.close()


def test_slow_reader_does_not_block_others(plugredis_server: Any) -> None:
    """A client that never reads its replies stops being read; everyone else is served."""
    s = socket.create_connection((plugredis_server.host, plugredis_server.port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    payload = b"*2\r\n$4\r\nECHO\r\n$10000\r\n" + b"x" * 10000 + b"\r\n"
    stop = threading.Event()

    def flood() -> None:
        try:
            while not stop.is_set():
                s.sendall(payload * 10)
        except OSError:
            pass

    t = threading.Thread(target=flood, daemon=True)
    t.start()
    time.sleep(0.5)
    r = plugredis_server.client()
    assert r.ping() is True
    stop.set()
    s.close()
    t.join(5)
