"""Helpers for the lists suites: a scripted multi-client scenario runner for blocking commands.

A scenario is a list of steps run first against plugredis, then against a real redis-server,
each time on fresh raw connections; the transcripts (every reply's exact bytes) are compared.

Steps:

``("cmd", i, *args)``
    send a command on connection ``i`` and record its reply;
``("send", i, *args)``
    send without reading (the command is expected to block);
``("read", i)``
    record the next reply of connection ``i``;
``("silent", i, seconds)``
    record that connection ``i`` received nothing for ``seconds``;
``("blocked", n)``
    wait until ``INFO clients`` reports ``blocked_clients:n`` (nothing recorded);
``("close", i)``
    close connection ``i``;
``("sleep", seconds)``.

An argument ``("id", j)`` is replaced by the CLIENT ID of connection ``j``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from plugredis.testing import encode_command

Step = tuple[Any, ...]


def _blocked_clients(conn: Any) -> int:
    info = conn.command("INFO", "clients")
    for line in info.split(b"\r\n"):
        if line.startswith(b"blocked_clients:"):
            return int(line.split(b":")[1])
    raise AssertionError(f"no blocked_clients in {info!r}")


def run_scenario(target: Any, steps: list[Step], nconns: int, resp: int = 2) -> list[Any]:
    """Run ``steps`` against one target (a plugredis.testing.Target); returns the transcript."""
    conns = [target.raw_connection() for _ in range(nconns)]
    control = target.raw_connection()
    ids: list[int] = []
    out: list[Any] = []
    try:
        for c in conns:
            ids.append(int(c.command("CLIENT", "ID")[1:-2]))
            if resp == 3:
                assert c.command("HELLO", "3")[:1] == b"%"
        for step in steps:
            kind = step[0]
            if kind in ("cmd", "send"):
                i = step[1]
                args = [ids[a[1]] if isinstance(a, tuple) and a[0] == "id" else a for a in step[2:]]
                if kind == "cmd":
                    out.append((i, conns[i].command(*args)))
                else:
                    conns[i].send(encode_command(args))
            elif kind == "read":
                out.append((step[1], conns[step[1]].read_reply()))
            elif kind == "silent":
                c = conns[step[1]]
                c.sock.settimeout(step[2])
                try:
                    got = c.read_reply()
                except TimeoutError:
                    got = None
                finally:
                    c.sock.settimeout(5.0)
                out.append((step[1], "silent" if got is None else got))
            elif kind == "blocked":
                deadline = time.monotonic() + 5
                while True:
                    n = _blocked_clients(control)
                    if n == step[1]:
                        break
                    if time.monotonic() > deadline:
                        raise AssertionError(f"blocked_clients stayed {n}, wanted {step[1]}")
                    time.sleep(0.005)
            elif kind == "close":
                conns[step[1]].close()
            elif kind == "sleep":
                time.sleep(step[1])
            else:  # pragma: no cover
                raise ValueError(kind)
    finally:
        for c in conns:
            try:
                c.close()
            except OSError:
                pass
        control.command("FLUSHALL")
        control.close()
    return out


@pytest.fixture
def scenario(redis_pair: Any) -> Callable[..., list[Any]]:
    """``scenario(steps, nconns, resp=2)``: assert both servers give the same transcript."""

    def check(steps: list[Step], nconns: int, resp: int = 2) -> list[Any]:
        ours = run_scenario(redis_pair.plugredis, steps, nconns, resp)
        theirs = run_scenario(redis_pair.redis, steps, nconns, resp)
        assert ours == theirs, "\n".join(
            f"{'  ' if o == t else '!!'} {o!r} | redis {t!r}"
            for o, t in zip(ours, theirs, strict=False)
        )
        return theirs

    return check


@pytest.fixture(autouse=True)
def _start_from_empty_plugredis(request: pytest.FixtureRequest) -> None:
    """Flush the shared plugredis server before each test that uses it.

    The session server is started in the current directory and loads any ``dump.rdb`` found
    there, so the first test would otherwise see that file's keys.
    """
    names = set(request.fixturenames)
    if {"redis_target", "redis_pair", "plugredis_server"} & names and "manual_clock" not in names:
        request.getfixturevalue("plugredis_server").flush()
