"""Random sequences of hash commands sent to plugredis and to a real redis-server.

Every reply must be byte-for-byte equal, errors included.  The small alphabets make keys and
fields collide; a 65-byte value converts hashes to the ``hashtable`` encoding, whose iteration
order is Redis's own: for those keys order-dependent replies are compared as multisets (the real
server's ``OBJECT ENCODING`` tells which keys they are), and the encoding itself is compared
after every step.
"""

from __future__ import annotations

import random
from typing import Any

import hiredis
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

pytestmark = pytest.mark.plugredis(plugins=["hashes", "strings"])

KEYS = ["h1", "h2", "s"]
FIELDS = ["a", "b", "c", "", "f" * 65]
VALUES = [
    "1",
    "-5",
    "x",
    "1.5",
    "0.1",
    "",
    "9223372036854775807",
    "-9223372036854775808",
    "1e400",
    "v" * 65,
]
INTS = ["1", "-1", "0", "100", "9223372036854775807", "-9223372036854775808", "x", "1.0", ""]
FLOATS = ["1", "0.1", "-2.5", "1e3", "0x10", "inf", "nan", "abc", "", "1e-20", "-0"]
PATTERNS = ["*", "a*", "?", "[ab]", "*c", "", "\\a"]
COUNTS = ["1", "10", "0", "-1", "x"]

keys = st.sampled_from(KEYS)
fields = st.sampled_from(FIELDS)
values = st.sampled_from(VALUES)

#: commands whose reply order is the hash's iteration order
ORDERED = {"HGETALL", "HKEYS", "HVALS", "HSCAN", "HRANDFIELD"}


def _parse(raw: bytes) -> Any:
    reader = hiredis.Reader()
    reader.feed(raw)
    return reader.gets()


def _unordered(v: Any) -> Any:
    if isinstance(v, list):
        return sorted((_unordered(x) for x in v), key=repr)
    if isinstance(v, dict):
        return sorted(((_unordered(k), _unordered(x)) for k, x in v.items()), key=repr)
    return v


def _pairs(v: Any) -> Any:
    """A flat field/value list as a sorted list of pairs (order-free comparison)."""
    if isinstance(v, list) and all(isinstance(x, bytes) for x in v) and len(v) % 2 == 0:
        return sorted(zip(v[::2], v[1::2], strict=True))
    return _unordered(v)


def make_machine(pair: Any) -> type[RuleBasedStateMachine]:
    handle = pair.plugredis.handle

    def our_encoding(key: str) -> str | None:
        def get() -> str | None:
            server = handle.server
            v = server.dbs[0].data.get(key.encode())
            if v is None:
                return None
            return str(server.registry.type_of(v).encoding_of(v))

        result: str | None = handle.call(get)
        return result

    class HashMachine(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            pair.raw("HELLO", "2")
            pair.raw("FLUSHALL")
            self.resp3 = False

        def check(self, *cmd: str) -> None:
            ours, theirs = pair.raw(*cmd)
            if ours == theirs:
                return
            name = cmd[0].upper()
            if name in ORDERED and not theirs.startswith(b"-"):
                enc = pair.redis.raw("OBJECT", "ENCODING", cmd[1])
                if b"hashtable" in enc:
                    a, b = _parse(ours), _parse(theirs)
                    if name == "HSCAN":
                        if cmd[2] != "0" or a[0] != b"0" or b[0] != b"0":
                            # a partial step of a table scan: cursors are each server's own
                            everything = _pairs(_parse(pair.redis.raw("HGETALL", cmd[1])))
                            assert set(_pairs(a[1])) <= set(everything), (cmd, ours)
                            return
                        a, b = a[1], b[1]
                    if name in ("HKEYS", "HVALS") or (name == "HRANDFIELD" and len(cmd) == 3):
                        assert sorted(a) == sorted(b), (cmd, ours, theirs)
                    else:
                        assert _pairs(a) == _pairs(b), (cmd, ours, theirs)
                    return
            raise AssertionError(f"{cmd!r}: plugredis {ours!r} != redis {theirs!r}")

        @rule(key=keys, fv=st.lists(st.tuples(fields, values), min_size=1, max_size=3))
        def hset(self, key: str, fv: list[tuple[str, str]]) -> None:
            self.check("HSET", key, *[x for p in fv for x in p])

        @rule(key=keys, args=st.lists(st.sampled_from(FIELDS + VALUES), max_size=3))
        def hset_odd(self, key: str, args: list[str]) -> None:
            if len(args) % 2 == 1:
                self.check("HSET", key, *args)
            else:
                self.check("HMSET", key, *args, "odd")

        @rule(key=keys, fv=st.lists(st.tuples(fields, values), min_size=1, max_size=2))
        def hmset(self, key: str, fv: list[tuple[str, str]]) -> None:
            self.check("HMSET", key, *[x for p in fv for x in p])

        @rule(key=keys, field=fields, value=values)
        def hsetnx(self, key: str, field: str, value: str) -> None:
            self.check("HSETNX", key, field, value)

        @rule(key=keys, field=fields)
        def hget(self, key: str, field: str) -> None:
            self.check("HGET", key, field)

        @rule(key=keys, fs=st.lists(fields, min_size=1, max_size=4))
        def hmget(self, key: str, fs: list[str]) -> None:
            self.check("HMGET", key, *fs)

        @rule(key=keys, fs=st.lists(fields, min_size=1, max_size=3))
        def hdel(self, key: str, fs: list[str]) -> None:
            self.check("HDEL", key, *fs)

        @rule(key=keys, field=fields)
        def hexists(self, key: str, field: str) -> None:
            self.check("HEXISTS", key, field)

        @rule(key=keys, field=fields)
        def hstrlen(self, key: str, field: str) -> None:
            self.check("HSTRLEN", key, field)

        @rule(key=keys, cmd=st.sampled_from(["HGETALL", "HKEYS", "HVALS", "HLEN"]))
        def whole(self, key: str, cmd: str) -> None:
            self.check(cmd, key)

        @rule(key=keys, field=fields, incr=st.sampled_from(INTS))
        def hincrby(self, key: str, field: str, incr: str) -> None:
            self.check("HINCRBY", key, field, incr)

        @rule(key=keys, field=fields, incr=st.sampled_from(FLOATS))
        def hincrbyfloat(self, key: str, field: str, incr: str) -> None:
            self.check("HINCRBYFLOAT", key, field, incr)

        @rule(
            key=keys,
            cursor=st.sampled_from(["0", "0", "7", "x", "-1"]),
            match=st.none() | st.sampled_from(PATTERNS),
            count=st.none() | st.sampled_from(COUNTS),
        )
        def hscan(self, key: str, cursor: str, match: str | None, count: str | None) -> None:
            args = ["HSCAN", key, cursor]
            if match is not None:
                args += ["MATCH", match]
            if count is not None:
                args += ["COUNT", count]
            self.check(*args)

        @rule(
            key=keys,
            count=st.sampled_from(["0", "10", "100", "x", "-9223372036854775808"]),
            withvalues=st.sampled_from([None, "WITHVALUES", "withvalues", "junk"]),
        )
        def hrandfield_deterministic(self, key: str, count: str, withvalues: str | None) -> None:
            # count 0 or >= the hash size, and errors: the reply does not depend on chance
            args = ["HRANDFIELD", key, count] + ([withvalues] if withvalues else [])
            self.check(*args)

        @rule(key=keys, count=st.sampled_from([None, "1", "2", "-3"]))
        def hrandfield_random(self, key: str, count: str | None) -> None:
            args = ["HRANDFIELD", key] + ([count] if count else [])
            ours, theirs = pair.raw(*args)
            if theirs.startswith(b"-") or theirs in (b"$-1\r\n", b"_\r\n", b"*0\r\n"):
                assert ours == theirs, (args, ours, theirs)
                return
            a, b = _parse(ours), _parse(theirs)
            if count is None:
                assert isinstance(a, bytes) and isinstance(b, bytes)
                return
            assert len(a) == len(b), (args, ours, theirs)
            members = set(_parse(pair.redis.raw("HKEYS", key)))
            assert set(a) <= members, (args, ours, members)

        @rule(key=keys, value=values)
        def set_string(self, key: str, value: str) -> None:
            self.check("SET", key, value)

        @rule(proto=st.sampled_from(["2", "3"]))
        def hello(self, proto: str) -> None:
            pair.raw("HELLO", proto)
            self.resp3 = proto == "3"

        @invariant()
        def encodings_match(self) -> None:
            for key in KEYS:
                theirs = pair.redis.raw("OBJECT", "ENCODING", key)
                ours = our_encoding(key)
                if theirs in (b"$-1\r\n", b"_\r\n"):
                    assert ours is None, (key, ours)
                else:
                    assert ours is not None and theirs.split(b"\r\n")[1] == ours.encode(), (
                        key,
                        ours,
                        theirs,
                    )

    return HashMachine


def test_random_hash_commands_match_redis(redis_pair: Any) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    machine = make_machine(redis_pair)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


def _random_command(rng: random.Random) -> list[str]:
    key = rng.choice(["h1", "h1", "h2", "s"])
    f = lambda: rng.choice([*FIELDS, "d", "e"])  # noqa: E731
    v = lambda: rng.choice(VALUES)  # noqa: E731
    pick = rng.randrange(14)
    if pick < 3:
        return ["HSET", key, *[x for _ in range(rng.randrange(1, 4)) for x in (f(), v())]]
    if pick == 3:
        return ["HSETNX", key, f(), v()]
    if pick == 4:
        return ["HDEL", key, f(), f()]
    if pick == 5:
        return ["HINCRBY", key, f(), rng.choice(INTS)]
    if pick == 6:
        return ["HINCRBYFLOAT", key, f(), rng.choice(FLOATS)]
    if pick == 7:
        return ["HMGET", key, f(), f(), f()]
    if pick == 8:
        return [rng.choice(["HGET", "HEXISTS", "HSTRLEN"]), key, f()]
    if pick == 9:
        return [rng.choice(["HLEN", "HGETALL", "HKEYS", "HVALS"]), key]
    if pick == 10:
        return ["HSCAN", key, "0", "MATCH", rng.choice(PATTERNS), "COUNT", "100"]
    if pick == 11:
        return ["HRANDFIELD", key, rng.choice(["0", "100", "-0"]), "WITHVALUES"]
    if pick == 12:
        return ["HMSET", key, f(), v()]
    return ["SET", "s", v()] if rng.random() < 0.3 else ["HGET", key, f()]


@pytest.mark.parametrize("seed", range(3))
def test_seeded_hash_fuzz_matches_redis(redis_pair: Any, seed: int) -> None:
    """A seeded random walk: many more commands per second than the state machine."""
    rng = random.Random(seed)
    redis_pair.raw("HELLO", str(2 + seed % 2))
    for step in range(1500):
        cmd = _random_command(rng)
        ours, theirs = redis_pair.raw(*cmd)
        if (
            ours != theirs
            and cmd[0] in ORDERED
            and not theirs.startswith(b"-")
            and b"hashtable" in redis_pair.redis.raw("OBJECT", "ENCODING", cmd[1])
        ):
            # Redis's own hash-table order: compare the contents
            a, b = _parse(ours), _parse(theirs)
            if cmd[0] == "HSCAN":
                a, b = a[1], b[1]
            if cmd[0] in ("HKEYS", "HVALS"):
                assert sorted(a) == sorted(b), (step, cmd, ours, theirs)
            else:
                assert _pairs(a) == _pairs(b), (step, cmd, ours, theirs)
            continue
        assert ours == theirs, f"step {step}: {cmd!r}: plugredis {ours!r} != redis {theirs!r}"
