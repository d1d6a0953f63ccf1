"""Random sequences of set commands sent to plugredis and to a real redis-server.

Replies must be byte-for-byte equal, errors included.  Where a ``hashtable``-encoded set is
involved (the real server's ``OBJECT ENCODING`` says which), Redis's order is its own, so the
members are compared as multisets; intsets are sorted on both sides and must match exactly.
The encodings of all keys are compared after every step.
"""

from __future__ import annotations

import random
from typing import Any

import hiredis
import plugredis_sets
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from plugredis.plugins import installed_plugins

if "sets" in installed_plugins():
    pytestmark = pytest.mark.plugredis(plugins=["sets", "strings"])
else:  # not registered in pyproject.toml yet: load the package as an extra plugin
    pytestmark = pytest.mark.plugredis(plugins=["strings"], extra=[plugredis_sets])

KEYS = ["s1", "s2", "s3", "str"]
MEMBERS = ["1", "2", "-3", "10", "a", "b", "", "01", "9223372036854775807"]

keys = st.sampled_from(KEYS)
members = st.sampled_from(MEMBERS)
key_lists = st.lists(keys, min_size=1, max_size=3)


def _parse(raw: bytes) -> Any:
    reader = hiredis.Reader()
    reader.feed(raw)
    return reader.gets()


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

    def any_hashtable(names: list[str]) -> bool:
        return any(b"hashtable" in pair.redis.raw("OBJECT", "ENCODING", k) for k in names)

    class SetMachine(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            pair.raw("HELLO", "2")
            pair.raw("FLUSHALL")

        def check(self, *cmd: str, involved: list[str] | None = None) -> None:
            # ``involved``: the keys whose order shapes the reply (checked before the command)
            unordered = involved is not None and any_hashtable(involved)
            ours, theirs = pair.raw(*cmd)
            if ours == theirs:
                return
            if unordered and not theirs.startswith(b"-") and ours[:1] == theirs[:1]:
                a, b = _parse(ours), _parse(theirs)
                if cmd[0] == "SSCAN":
                    if cmd[2] != "0" or a[0] != b"0" or b[0] != b"0":
                        everything = set(_parse(pair.redis.raw("SMEMBERS", cmd[1])))
                        assert set(a[1]) <= everything, (cmd, ours)
                        return
                    a, b = a[1], b[1]
                if isinstance(a, list) and isinstance(b, list) and sorted(a) == sorted(b):
                    return
            raise AssertionError(f"{cmd!r}: plugredis {ours!r} != redis {theirs!r}")

        @rule(key=keys, ms=st.lists(members, min_size=1, max_size=4))
        def sadd(self, key: str, ms: list[str]) -> None:
            self.check("SADD", key, *ms)

        @rule(key=keys, ms=st.lists(members, min_size=1, max_size=3))
        def srem(self, key: str, ms: list[str]) -> None:
            self.check("SREM", key, *ms)

        @rule(key=keys, m=members)
        def sismember(self, key: str, m: str) -> None:
            self.check("SISMEMBER", key, m)

        @rule(key=keys, ms=st.lists(members, min_size=1, max_size=3))
        def smismember(self, key: str, ms: list[str]) -> None:
            self.check("SMISMEMBER", key, *ms)

        @rule(key=keys)
        def smembers(self, key: str) -> None:
            self.check("SMEMBERS", key, involved=[key])

        @rule(key=keys)
        def scard(self, key: str) -> None:
            self.check("SCARD", key)

        @rule(src=keys, dst=keys, m=members)
        def smove(self, src: str, dst: str, m: str) -> None:
            self.check("SMOVE", src, dst, m)

        @rule(op=st.sampled_from(["SINTER", "SUNION", "SDIFF"]), ks=key_lists)
        def algebra(self, op: str, ks: list[str]) -> None:
            self.check(op, *ks, involved=ks)

        @rule(
            op=st.sampled_from(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), dst=keys, ks=key_lists
        )
        def algebra_store(self, op: str, dst: str, ks: list[str]) -> None:
            self.check(op, dst, *ks)

        @rule(
            ks=key_lists,
            numkeys=st.sampled_from([None, "0", "5", "x"]),
            limit=st.sampled_from([None, "0", "1", "2", "-1", "x"]),
        )
        def sintercard(self, ks: list[str], numkeys: str | None, limit: str | None) -> None:
            args = ["SINTERCARD", numkeys if numkeys is not None else str(len(ks)), *ks]
            if limit is not None:
                args += ["LIMIT", limit]
            self.check(*args)

        @rule(
            key=keys,
            cursor=st.sampled_from(["0", "0", "3", "x"]),
            match=st.none() | st.sampled_from(["*", "1*", "?", "[ab]", "-*"]),
            count=st.none() | st.sampled_from(["1", "10", "0", "x"]),
        )
        def sscan(self, key: str, cursor: str, match: str | None, count: str | None) -> None:
            args = ["SSCAN", key, cursor]
            if match is not None:
                args += ["MATCH", match]
            if count is not None:
                args += ["COUNT", count]
            self.check(*args, involved=[key])

        @rule(key=keys, count=st.sampled_from(["0", "100", "-1", "x"]), extra=st.booleans())
        def spop_deterministic(self, key: str, count: str, extra: bool) -> None:
            self.check("SPOP", key, count, *(["junk"] if extra else []), involved=[key])

        @rule(key=keys, count=st.sampled_from(["0", "100", "x", "-9223372036854775808"]))
        def srandmember_deterministic(self, key: str, count: str) -> None:
            self.check("SRANDMEMBER", key, count, involved=[key])

        @rule(key=keys, count=st.sampled_from([None, "1", "2", "-4"]))
        def srandmember_random(self, key: str, count: str | None) -> None:
            args = ["SRANDMEMBER", key] + ([count] if count else [])
            ours, theirs = pair.raw(*args)
            if theirs.startswith(b"-") or theirs in (b"$-1\r\n", b"_\r\n", b"*0\r\n"):
                assert ours == theirs, (args, ours, theirs)
                return
            a, b = _parse(ours), _parse(theirs)
            everything = set(_parse(pair.redis.raw("SMEMBERS", key)))
            if count is None:
                assert a in everything, (args, ours)
                return
            assert len(a) == len(b) and set(a) <= everything, (args, ours, theirs)

        @rule(key=keys, value=members)
        def set_string(self, key: str, value: str) -> None:
            self.check("SET", key, value)

        @rule(proto=st.sampled_from(["2", "3"]))
        def hello(self, proto: str) -> None:
            pair.raw("HELLO", proto)

        @invariant()
        def encodings_match(self) -> None:
            for key in KEYS:
                theirs = pair.redis.raw("OBJECT", "ENCODING", key)
                ours = our_encoding(key)
                if theirs in (b"$-1\r\n", b"_\r\n"):
                    assert ours is None, (key, ours)
                else:
                    assert ours is not None, (key, theirs)
                    assert theirs.split(b"\r\n")[1] == ours.encode(), (key, ours, theirs)

    return SetMachine


def test_random_set_commands_match_redis(redis_pair: Any) -> None:
    run_state_machine_as_test(
        make_machine(redis_pair),
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


def _random_command(rng: random.Random) -> tuple[list[str], list[str] | None]:
    """(command, keys whose hash-table order may shape the reply)."""
    key = rng.choice(["s1", "s1", "s2", "s3", "str"])
    m = lambda: rng.choice([*MEMBERS, "5", "6", "c"])  # noqa: E731
    ks = [rng.choice(["s1", "s2", "s3"]) for _ in range(rng.randrange(1, 4))]
    pick = rng.randrange(14)
    if pick < 3:
        return ["SADD", key, *[m() for _ in range(rng.randrange(1, 4))]], None
    if pick == 3:
        return ["SREM", key, m(), m()], None
    if pick == 4:
        return [rng.choice(["SISMEMBER", "SMISMEMBER"]), key, m()], None
    if pick == 5:
        return [rng.choice(["SMEMBERS", "SCARD"]), key], [key]
    if pick == 6:
        return ["SMOVE", key, rng.choice(["s1", "s2", "s3"]), m()], None
    if pick in (7, 8):
        return [rng.choice(["SINTER", "SUNION", "SDIFF"]), *ks], ks
    if pick == 9:
        op = rng.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
        return [op, rng.choice(["s1", "s2", "s3"]), *ks], None
    if pick == 10:
        return ["SINTERCARD", str(len(ks)), *ks, "LIMIT", rng.choice(["0", "1", "2"])], None
    if pick == 11:
        return ["SSCAN", key, "0", "COUNT", "100"], [key]
    if pick == 12:
        return ["SPOP", key, rng.choice(["0", "100"])], [key]
    return ["SRANDMEMBER", key, rng.choice(["0", "100"])], [key]


@pytest.mark.parametrize("seed", range(3))
def test_seeded_set_fuzz_matches_redis(redis_pair: Any, seed: int) -> None:
    """A seeded random walk: many more commands per second than the state machine."""
    rng = random.Random(seed)
    redis_pair.raw("HELLO", str(2 + seed % 2))
    for step in range(1500):
        cmd, involved = _random_command(rng)
        loose = involved is not None and any(
            b"hashtable" in redis_pair.redis.raw("OBJECT", "ENCODING", k) for k in involved
        )
        ours, theirs = redis_pair.raw(*cmd)
        if loose and ours != theirs and not theirs.startswith(b"-"):
            a, b = _parse(ours), _parse(theirs)
            if cmd[0] == "SSCAN":
                a, b = a[1], b[1]
            assert sorted(a) == sorted(b), f"step {step}: {cmd!r}: {ours!r} != {theirs!r}"
            continue
        assert ours == theirs, f"step {step}: {cmd!r}: plugredis {ours!r} != redis {theirs!r}"
