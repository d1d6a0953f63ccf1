"""A Hypothesis state machine: random list command sequences on plugredis and a real Redis.

Small key and element alphabets make collisions (and WRONGTYPE, via a string key) frequent;
arguments include bad integers, bad options and wrong arities.  Every reply's raw bytes must be
equal.  Blocking commands run inside MULTI (where they never block) or with invalid timeouts.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

pytestmark = pytest.mark.plugredis(plugins=["lists", "strings"])

KEYS = st.sampled_from(["a", "b", "c", "s"])
ELEMS = st.sampled_from(["x", "y", "z", "", "1", "-1", "10", "x" * 70])
INTS = st.one_of(
    st.integers(-9, 9),
    st.sampled_from(["abc", "", "1.5", "+1", "01", "-0", "-9223372036854775808"]),
    st.sampled_from(["9223372036854775807", "9223372036854775808"]),
)
COUNTS = st.one_of(st.integers(-2, 12), st.sampled_from(["abc", "-0", "9223372036854775807"]))
WHERE = st.sampled_from(["LEFT", "right", "left", "RIGHT", "middle"])
BAD_TIMEOUTS = st.sampled_from(["-1", "abc", "", "nan", "-0.01", "inf", "1e400", " 1"])
TIMEOUTS = st.sampled_from(["0", "0.5", "1", "0.001", "-0.0005"])


def _machine(conns: list[Any]) -> type[RuleBasedStateMachine]:
    ours, theirs = conns

    class ListMachine(RuleBasedStateMachine):
        @initialize()
        def flush(self) -> None:
            for c in conns:  # leave a MULTI a failed example may have left open
                c.command("DISCARD")
            assert ours.command("FLUSHALL") == theirs.command("FLUSHALL")

        def check(self, *cmd: Any) -> None:
            o = ours.command(*cmd)
            t = theirs.command(*cmd)
            assert o == t, f"{cmd!r}:\n ours  {o!r}\n redis {t!r}"

        @rule(
            cmd=st.sampled_from(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]),
            key=KEYS,
            elems=st.lists(ELEMS, max_size=5),
        )
        def push(self, cmd: str, key: str, elems: list[str]) -> None:
            self.check(cmd, key, *elems)

        @rule(cmd=st.sampled_from(["LPOP", "RPOP"]), key=KEYS, count=st.none() | COUNTS)
        def pop(self, cmd: str, key: str, count: Any) -> None:
            self.check(cmd, key, *([] if count is None else [count]))

        @rule(
            keys=st.lists(KEYS, min_size=1, max_size=3),
            numkeys=st.none() | st.integers(-1, 4),
            where=WHERE,
            count=st.none() | COUNTS,
        )
        def lmpop(self, keys: list[str], numkeys: Any, where: str, count: Any) -> None:
            n = len(keys) if numkeys is None else numkeys
            self.check("LMPOP", n, *keys, where, *([] if count is None else ["COUNT", count]))

        @rule(key=KEYS)
        def llen(self, key: str) -> None:
            self.check("LLEN", key)

        @rule(key=KEYS, index=INTS)
        def lindex(self, key: str, index: Any) -> None:
            self.check("LINDEX", key, index)

        @rule(key=KEYS, index=INTS, elem=ELEMS)
        def lset(self, key: str, index: Any, elem: str) -> None:
            self.check("LSET", key, index, elem)

        @rule(key=KEYS, start=INTS, stop=INTS)
        def lrange(self, key: str, start: Any, stop: Any) -> None:
            self.check("LRANGE", key, start, stop)

        @rule(key=KEYS, start=INTS, stop=INTS)
        def ltrim(self, key: str, start: Any, stop: Any) -> None:
            self.check("LTRIM", key, start, stop)
            self.check("LRANGE", key, 0, -1)

        @rule(
            key=KEYS,
            where=st.sampled_from(["BEFORE", "after", "middle"]),
            pivot=ELEMS,
            elem=ELEMS,
        )
        def linsert(self, key: str, where: str, pivot: str, elem: str) -> None:
            self.check("LINSERT", key, where, pivot, elem)

        @rule(key=KEYS, count=INTS, elem=ELEMS)
        def lrem(self, key: str, count: Any, elem: str) -> None:
            self.check("LREM", key, count, elem)

        @rule(
            key=KEYS,
            elem=ELEMS,
            opts=st.lists(
                st.tuples(st.sampled_from(["RANK", "COUNT", "MAXLEN", "rank", "FOO"]), COUNTS),
                max_size=3,
            ),
            dangling=st.booleans(),
        )
        def lpos(self, key: str, elem: str, opts: list[tuple[str, Any]], dangling: bool) -> None:
            args: list[Any] = [a for pair in opts for a in pair]
            if dangling:
                args.append("COUNT")
            self.check("LPOS", key, elem, *args)

        @rule(src=KEYS, dst=KEYS, wf=WHERE, wt=WHERE)
        def lmove(self, src: str, dst: str, wf: str, wt: str) -> None:
            self.check("LMOVE", src, dst, wf, wt)

        @rule(src=KEYS, dst=KEYS)
        def rpoplpush(self, src: str, dst: str) -> None:
            self.check("RPOPLPUSH", src, dst)

        @rule(
            kind=st.sampled_from(["BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP"]),
            keys=st.lists(KEYS, min_size=1, max_size=3),
            wf=WHERE,
            wt=WHERE,
            count=st.none() | COUNTS,
            timeout=TIMEOUTS | BAD_TIMEOUTS,
            in_multi=st.booleans(),
        )
        def blocking(
            self,
            kind: str,
            keys: list[str],
            wf: str,
            wt: str,
            count: Any,
            timeout: str,
            in_multi: bool,
        ) -> None:
            if kind in ("BLPOP", "BRPOP"):
                cmd: tuple[Any, ...] = (kind, *keys, timeout)
            elif kind == "BLMOVE":
                cmd = (kind, keys[0], keys[-1], wf, wt, timeout)
            elif kind == "BRPOPLPUSH":
                cmd = (kind, keys[0], keys[-1], timeout)
            else:
                extra = [] if count is None else ["COUNT", count]
                cmd = (kind, timeout, len(keys), *keys, wf, *extra)
            if in_multi:
                self.check("MULTI")
                self.check(*cmd)
                self.check("EXEC")
            elif timeout in ("-1", "abc", "", "nan", "-0.01", "inf", "1e400", " 1"):
                self.check(*cmd)  # refused before it could block

        @rule(value=st.sampled_from(["str", "1"]))
        def set_string(self, value: str) -> None:
            self.check("SET", "s", value)

        @rule(
            cmd=st.sampled_from(["LLEN", "LINDEX", "LSET", "LRANGE", "LPOS", "LMOVE", "LPOP"]),
            nargs=st.integers(0, 6),
        )
        def arity(self, cmd: str, nargs: int) -> None:
            self.check(cmd, *(["a"] * nargs))

    return ListMachine


@pytest.mark.parametrize("resp", [2, 3])
def test_random_list_commands_match_redis(redis_pair: Any, resp: int) -> None:
    conns = [redis_pair.plugredis.raw_connection(), redis_pair.redis.raw_connection()]
    try:
        if resp == 3:
            for c in conns:
                assert c.command("HELLO", "3")[:1] == b"%"
        run_state_machine_as_test(
            _machine(conns),
            settings=settings(
                max_examples=int(os.environ.get("PLUGREDIS_LISTS_EXAMPLES", "150")),
                stateful_step_count=30,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            ),
        )
    finally:
        for c in conns:
            c.close()
