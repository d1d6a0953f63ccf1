"""A Hypothesis state machine sends random string-command sequences to plugredis and to a real
redis-server and asserts the raw reply bytes are identical, errors included.

Keys and values come from small alphabets so commands collide on the same keys, meet values that
are (not) integers or floats, lists (WRONGTYPE) and bad arguments.  TTLs are either long (TTL
answers the same on both) or already in the past (expired at once on both), so the comparison
never depends on timing.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from strings_toys import TOYS

pytestmark = pytest.mark.plugredis(plugins=["strings"], extra=[TOYS])

KEYS = st.sampled_from(["a", "b", "c"])
VALUES = st.one_of(
    st.sampled_from(
        [
            "", "0", "1", "-1", "7", "10", "255", "abc", "3.5", "-0.25", "1e3", "0x10", "inf",
            "9223372036854775807", "-9223372036854775808", "12345678901234567890",
            "\x00\xff", "hello world", "x" * 50,
        ]
    ),
    st.binary(max_size=5),
)  # fmt: skip
INTS = st.one_of(
    st.integers(-12, 12).map(str),
    st.sampled_from(["9223372036854775807", "-9223372036854775808", "1.5", "x", "", "99"]),
)
FLOATS = st.one_of(
    st.sampled_from(["0.1", "-1.5", "1e3", "3", "inf", "nan", "abc", "1e400", "0x1p-3", ""]),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
)
OFFSETS = st.one_of(st.integers(0, 40).map(str), st.sampled_from(["-1", "x", "4294967296"]))
SET_OPTIONS = st.sampled_from(
    [
        (), ("NX",), ("XX",), ("GET",), ("NX", "GET"), ("XX", "GET"), ("KEEPTTL",),
        ("EX", "100"), ("PX", "200000"), ("EXAT", "1"), ("PXAT", "99999999999999"),
        ("EX", "0"), ("EX", "x"), ("NX", "XX"), ("EX", "100", "KEEPTTL"), ("FOO",), ("GET", "EX"),
    ]
)  # fmt: skip
GETEX_OPTIONS = st.sampled_from(
    [(), ("EX", "100"), ("PX", "0"), ("EXAT", "1"), ("PERSIST",), ("PERSIST", "EX", "1"), ("X",)]
)
TTLS = st.sampled_from(["100", "0", "-1", "x"])
BIT_UNITS = st.sampled_from([(), ("BIT",), ("BYTE",), ("bits",)])
BF_TYPES = st.sampled_from(["u1", "i1", "u3", "i8", "u8", "i16", "u63", "i64", "u64", "x8"])


def build_machine(pair: Any) -> type[RuleBasedStateMachine]:
    """A state machine class comparing ``pair.plugredis`` with ``pair.redis``."""

    class StringsMachine(RuleBasedStateMachine):
        def check(self, *cmd: Any) -> None:
            ours, theirs = pair.raw(*cmd)
            assert ours == theirs, f"{cmd!r}:\n  plugredis {ours!r}\n  redis     {theirs!r}"

        @initialize(resp=st.sampled_from(["2", "3"]))
        def start(self, resp: str) -> None:
            pair.raw("HELLO", resp)
            pair.raw("FLUSHALL")

        # -- plain strings ----------------------------------------------------------------
        @rule(key=KEYS, value=VALUES, options=SET_OPTIONS)
        def set(self, key: str, value: str, options: tuple[str, ...]) -> None:
            self.check("SET", key, value, *options)

        @rule(key=KEYS)
        def get(self, key: str) -> None:
            self.check("GET", key)

        @rule(key=KEYS, value=VALUES)
        def getset(self, key: str, value: str) -> None:
            self.check("GETSET", key, value)

        @rule(key=KEYS)
        def getdel(self, key: str) -> None:
            self.check("GETDEL", key)

        @rule(key=KEYS, options=GETEX_OPTIONS)
        def getex(self, key: str, options: tuple[str, ...]) -> None:
            self.check("GETEX", key, *options)

        @rule(keys=st.lists(KEYS, min_size=1, max_size=4))
        def mget(self, keys: list[str]) -> None:
            self.check("MGET", *keys)

        @rule(
            pairs=st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=3),
            nx=st.booleans(),
            odd=st.booleans(),
        )
        def mset(self, pairs: list[tuple[str, str]], nx: bool, odd: bool) -> None:
            args = [x for p in pairs for x in p]
            if odd:
                args.pop()
            self.check("MSETNX" if nx else "MSET", *args)

        @rule(key=KEYS, value=VALUES)
        def setnx(self, key: str, value: str) -> None:
            self.check("SETNX", key, value)

        @rule(key=KEYS, value=VALUES, ttl=TTLS, ms=st.booleans())
        def setex(self, key: str, value: str, ttl: str, ms: bool) -> None:
            self.check("PSETEX" if ms else "SETEX", key, ttl + "000" if ms else ttl, value)

        @rule(key=KEYS, value=VALUES)
        def append(self, key: str, value: str) -> None:
            self.check("APPEND", key, value)

        @rule(key=KEYS)
        def strlen(self, key: str) -> None:
            self.check("STRLEN", key)

        @rule(key=KEYS, start=INTS, end=INTS, substr=st.booleans())
        def getrange(self, key: str, start: str, end: str, substr: bool) -> None:
            self.check("SUBSTR" if substr else "GETRANGE", key, start, end)

        @rule(key=KEYS, offset=INTS, value=VALUES)
        def setrange(self, key: str, offset: str, value: str) -> None:
            self.check("SETRANGE", key, offset, value)

        # -- counters ---------------------------------------------------------------------
        @rule(key=KEYS, cmd=st.sampled_from(["INCR", "DECR"]))
        def incr(self, key: str, cmd: str) -> None:
            self.check(cmd, key)

        @rule(key=KEYS, cmd=st.sampled_from(["INCRBY", "DECRBY"]), amount=INTS)
        def incrby(self, key: str, cmd: str, amount: str) -> None:
            self.check(cmd, key, amount)

        @rule(key=KEYS, amount=FLOATS)
        def incrbyfloat(self, key: str, amount: str) -> None:
            self.check("INCRBYFLOAT", key, amount)

        # -- bitmaps ----------------------------------------------------------------------
        @rule(key=KEYS, offset=OFFSETS, bit=st.sampled_from(["0", "1", "2"]))
        def setbit(self, key: str, offset: str, bit: str) -> None:
            self.check("SETBIT", key, offset, bit)

        @rule(key=KEYS, offset=OFFSETS)
        def getbit(self, key: str, offset: str) -> None:
            self.check("GETBIT", key, offset)

        @rule(key=KEYS, rng=st.none() | st.tuples(INTS, INTS), unit=BIT_UNITS)
        def bitcount(self, key: str, rng: tuple[str, str] | None, unit: tuple[str, ...]) -> None:
            self.check("BITCOUNT", key, *(rng + unit if rng else ()))

        @rule(
            key=KEYS,
            bit=st.sampled_from(["0", "1", "2"]),
            args=st.one_of(
                st.just(()),
                st.tuples(INTS),
                st.tuples(INTS, INTS),
                st.tuples(INTS, INTS, st.sampled_from(["BIT", "BYTE", "x"])),
            ),
        )
        def bitpos(self, key: str, bit: str, args: tuple[str, ...]) -> None:
            self.check("BITPOS", key, bit, *args)

        @rule(
            op=st.sampled_from(["AND", "OR", "XOR", "NOT", "FOO"]),
            dest=KEYS,
            srcs=st.lists(KEYS, min_size=1, max_size=3),
        )
        def bitop(self, op: str, dest: str, srcs: list[str]) -> None:
            self.check("BITOP", op, dest, *srcs)

        @rule(
            key=KEYS,
            ops=st.lists(
                st.one_of(
                    st.tuples(st.just("GET"), BF_TYPES, OFFSETS),
                    st.tuples(st.sampled_from(["SET", "INCRBY"]), BF_TYPES, OFFSETS, INTS),
                    st.tuples(st.just("OVERFLOW"), st.sampled_from(["WRAP", "SAT", "FAIL", "X"])),
                ),
                max_size=4,
            ),
            ro=st.booleans(),
        )
        def bitfield(self, key: str, ops: list[tuple[str, ...]], ro: bool) -> None:
            self.check("BITFIELD_RO" if ro else "BITFIELD", key, *(x for op in ops for x in op))

        # -- LCS, other types, keyspace ---------------------------------------------------
        @rule(
            k1=KEYS,
            k2=KEYS,
            opts=st.sampled_from(
                [(), ("LEN",), ("IDX",), ("IDX", "WITHMATCHLEN"), ("IDX", "MINMATCHLEN", "2"),
                 ("IDX", "LEN"), ("FOO",)]
            ),
        )  # fmt: skip
        def lcs(self, k1: str, k2: str, opts: tuple[str, ...]) -> None:
            self.check("LCS", k1, k2, *opts)

        @rule(key=KEYS, value=VALUES)
        def rpush(self, key: str, value: str) -> None:
            self.check("RPUSH", key, value)

        @rule(key=KEYS)
        def delete(self, key: str) -> None:
            self.check("DEL", key)

        # -- WATCH shows whether a command touched a key --------------------------------
        @rule(keys=st.lists(KEYS, min_size=1, max_size=3))
        def watch(self, keys: list[str]) -> None:
            self.check("WATCH", *keys)

        @rule()
        def exec_transaction(self) -> None:
            self.check("MULTI")
            self.check("PING")
            self.check("EXEC")

        @rule(key=KEYS)
        def inspect(self, key: str) -> None:
            self.check("TYPE", key)
            self.check("TTL", key)
            self.check("EXISTS", key)

    return StringsMachine


def test_random_command_sequences_match_redis(redis_pair: Any) -> None:
    machine = build_machine(redis_pair)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=80,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
