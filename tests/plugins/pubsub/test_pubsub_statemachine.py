"""A Hypothesis state machine drives three connections on plugredis and on a real redis-server
with random pub/sub commands and compares every frame each connection receives, byte for byte.

Channel and pattern alphabets are tiny so subscriptions overlap.  Where Redis's reply order is
its hash tables' order (UNSUBSCRIBE / SUNSUBSCRIBE without arguments, PUBSUB CHANNELS, several
patterns matching one message), the frames are compared as multisets; everything else is exact.
"""

from __future__ import annotations

import re
from typing import Any

import hiredis
import plugredis_pubsub
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from pubsub_helpers import Conn, wait_idle

pytestmark = pytest.mark.plugredis(plugins=["strings"], extra=[plugredis_pubsub])

CONN = st.integers(0, 2)
CHANNELS = st.lists(st.sampled_from(["a", "b", "ab", "s"]), max_size=3)
PATTERNS = st.lists(st.sampled_from(["a*", "*b", "?", "[ab]*", "s"]), max_size=3)
CHANNEL = st.sampled_from(["a", "b", "ab", "s", "zz"])
MESSAGE = st.sampled_from(["m", "", "x y", "\x00"])

_COUNT = re.compile(rb":\d+\r\n$")


def _parse(frame: bytes) -> Any:
    r = hiredis.Reader()
    r.feed(frame)
    return r.gets()


def _norm(cmd: tuple[Any, ...], frames: list[bytes]) -> Any:
    name = str(cmd[0]).upper() if cmd else ""
    if name in ("UNSUBSCRIBE", "SUNSUBSCRIBE") and len(cmd) == 1 and len(frames) > 2:
        body = frames[:-1]
        counts = [_COUNT.search(f).group(0) if _COUNT.search(f) else b"" for f in body]
        return sorted(_COUNT.sub(b"", f) for f in body), counts, frames[-1]
    if (
        name == "PUBSUB"
        and str(cmd[1]).upper() in ("CHANNELS", "SHARDCHANNELS")
        and frames[0][:1] in (b"*", b">")
    ):
        v = _parse(frames[0])
        return (sorted(v) if isinstance(v, list) else v), frames[1:]
    pm = [i for i, f in enumerate(frames) if b"pmessage" in f]
    if len(pm) > 1:
        frames = list(frames)
        for i, f in zip(pm, sorted(frames[i] for i in pm), strict=True):
            frames[i] = f
    return frames


def build_machine(pair: Any) -> type[RuleBasedStateMachine]:
    targets = (pair.plugredis, pair.redis)

    class PubSubMachine(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            self.conns: list[dict[int, Conn]] = [{}, {}]

        def teardown(self) -> None:
            for side, t in zip(self.conns, targets, strict=True):
                for c in side.values():
                    c.close()
                wait_idle(t.host, t.port)

        def conn(self, side: int, i: int) -> Conn:
            d = self.conns[side]
            if i not in d or d[i].closed:
                t = targets[side]
                d[i] = Conn(t.host, t.port)
            return d[i]

        def check(self, i: int, *cmd: Any) -> None:
            ours = _norm(cmd, self.conn(0, i).do(*cmd))
            theirs = _norm(cmd, self.conn(1, i).do(*cmd))
            assert ours == theirs, (
                f"conn {i} {cmd!r}:\n  plugredis {ours!r}\n  redis     {theirs!r}"
            )

        def sync_all(self) -> None:
            for i in range(3):
                if i in self.conns[0] and not self.conns[0][i].closed:
                    ours = _norm((), self.conn(0, i).sync())
                    theirs = _norm((), self.conn(1, i).sync())
                    assert ours == theirs, f"conn {i} messages:\n  {ours!r}\n  {theirs!r}"

        @rule(i=CONN, chans=CHANNELS)
        def subscribe(self, i: int, chans: list[str]) -> None:
            self.check(i, "SUBSCRIBE", *chans)

        @rule(i=CONN, chans=CHANNELS)
        def unsubscribe(self, i: int, chans: list[str]) -> None:
            self.check(i, "UNSUBSCRIBE", *chans)

        @rule(i=CONN, pats=PATTERNS)
        def psubscribe(self, i: int, pats: list[str]) -> None:
            self.check(i, "PSUBSCRIBE", *pats)

        @rule(i=CONN, pats=PATTERNS)
        def punsubscribe(self, i: int, pats: list[str]) -> None:
            self.check(i, "PUNSUBSCRIBE", *pats)

        @rule(i=CONN, chans=CHANNELS)
        def ssubscribe(self, i: int, chans: list[str]) -> None:
            self.check(i, "SSUBSCRIBE", *chans)

        @rule(i=CONN, chans=CHANNELS)
        def sunsubscribe(self, i: int, chans: list[str]) -> None:
            self.check(i, "SUNSUBSCRIBE", *chans)

        @rule(i=CONN, ch=CHANNEL, msg=MESSAGE)
        def publish(self, i: int, ch: str, msg: str) -> None:
            self.check(i, "PUBLISH", ch, msg)
            self.sync_all()

        @rule(i=CONN, ch=CHANNEL, msg=MESSAGE)
        def spublish(self, i: int, ch: str, msg: str) -> None:
            self.check(i, "SPUBLISH", ch, msg)
            self.sync_all()

        @rule(
            i=CONN,
            cmd=st.sampled_from(
                [
                    ("PUBSUB", "NUMPAT"),
                    ("PUBSUB", "NUMSUB", "a", "b", "s"),
                    ("PUBSUB", "SHARDNUMSUB", "s", "a"),
                    ("PUBSUB", "CHANNELS"),
                    ("PUBSUB", "CHANNELS", "a*"),
                    ("PUBSUB", "SHARDCHANNELS"),
                    ("PING",),
                    ("PING", "hi"),
                    ("GET", "k"),
                    ("RESET",),
                    ("HELLO", "2"),
                    ("HELLO", "3"),
                    ("ECHO", "e"),
                ]
            ),
        )
        def other(self, i: int, cmd: tuple[str, ...]) -> None:
            self.check(i, *cmd)

        @rule(i=CONN)
        def close(self, i: int) -> None:
            import time

            for side in (0, 1):
                c = self.conns[side].get(i)
                if c is not None:
                    c.close()
            time.sleep(0.02)

    return PubSubMachine


def test_pubsub_state_machine(redis_pair: Any) -> None:
    for t in (redis_pair.plugredis, redis_pair.redis):
        wait_idle(t.host, t.port)
    run_state_machine_as_test(
        build_machine(redis_pair),
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
