"""Helpers for the pub/sub suites: raw connections that read every frame a command produced.

A command may answer with several frames (SUBSCRIBE a b c) and a subscribed connection receives
messages at any time, so after each command :meth:`Conn.do` sends ``PING <token>`` and reads
every frame up to the PING's reply.  PING is allowed in every context; the server sends what it
had for the connection before the PING's reply, so the frames read are exactly what the command
(and earlier publishes) produced.  The PING reply itself is kept: it shows the context
(``$5 token`` or, for a RESP2 subscriber, ``*2 $4 pong $5 token``).
"""

from __future__ import annotations

import re
import time
from typing import Any

from plugredis.testing import RawConnection, encode_command

#: the argument of the sentinel PING
TOKEN = b"~sync~"
_ENDS = (b"$6\r\n~sync~\r\n", b"*2\r\n$4\r\npong\r\n$6\r\n~sync~\r\n")

_HELLO_ID = re.compile(rb"\$2\r\nid\r\n:\d+\r\n")


class Conn:
    """One raw connection to a server."""

    def __init__(self, host: str, port: int) -> None:
        self.raw = RawConnection(host, port)
        self.closed = False

    def do(self, *cmd: Any) -> list[bytes]:
        """Send ``cmd`` and return every frame up to (and including) a sentinel PING's reply."""
        self.raw.send(encode_command(cmd) + encode_command(("PING", TOKEN)))
        return self._until()

    def exchange(self, n: int, *cmd: Any) -> list[bytes]:
        """Send ``cmd`` without a sentinel and read ``n`` frames (inside MULTI)."""
        self.raw.send(encode_command(cmd))
        return [self.raw.read_reply() for _ in range(n)]

    def sync(self) -> list[bytes]:
        """Frames received so far (messages), up to a sentinel PING's reply (excluded)."""
        self.raw.send(encode_command(("PING", TOKEN)))
        return self._until()[:-1]

    def _until(self) -> list[bytes]:
        frames: list[bytes] = []
        while True:
            f = self.raw.read_reply()
            if not f:
                frames.append(b"<closed>")
                return frames
            frames.append(_HELLO_ID.sub(b"ID", f))
            if f in _ENDS:
                return frames

    def close(self) -> None:
        if not self.closed:
            self.raw.close()
            self.closed = True


def wait_idle(host: str, port: int, timeout: float = 3.0) -> None:
    """Wait until the server has no channel, pattern or shard channel subscription left."""
    c = RawConnection(host, port)
    try:
        deadline = time.monotonic() + timeout
        while True:
            state = (
                c.command("PUBSUB", "NUMPAT"),
                c.command("PUBSUB", "CHANNELS"),
                c.command("PUBSUB", "SHARDCHANNELS"),
            )
            if state == (b":0\r\n", b"*0\r\n", b"*0\r\n") or time.monotonic() > deadline:
                return
            time.sleep(0.01)
    finally:
        c.close()


def run_scenario(host: str, port: int, steps: list[tuple[Any, ...]]) -> list[Any]:
    """Run ``steps`` on fresh connections; the transcript (frames of every step).

    A step is ``(i, *command)`` (connection ``i`` sends it), ``("sync", i)`` (messages that
    connection ``i`` received), ``("close", i)`` or ``("n", i, count, *command)`` (send without a
    sentinel, read ``count`` frames: for MULTI, where the sentinel PING would be queued).
    """
    conns: dict[int, Conn] = {}

    def conn(i: int) -> Conn:
        if i not in conns or conns[i].closed:
            conns[i] = Conn(host, port)
        return conns[i]

    out: list[Any] = []
    try:
        for step in steps:
            if step[0] == "sync":
                out.append((step, conn(step[1]).sync()))
            elif step[0] == "n":
                out.append((step, conn(step[1]).exchange(step[2], *step[3:])))
            elif step[0] == "close":
                conn(step[1]).close()
                time.sleep(0.05)  # let the server see the disconnection
                out.append((step, None))
            else:
                out.append((step, conn(step[0]).do(*step[1:])))
    finally:
        for c in conns.values():
            c.close()
    wait_idle(host, port)
    return out
