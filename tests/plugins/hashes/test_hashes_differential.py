"""The hashes plugin compared byte for byte with a real redis-server (RESP2 and RESP3)."""

from __future__ import annotations

import random
from typing import Any

import pytest

pytestmark = pytest.mark.plugredis(plugins=["hashes", "strings"])

LONG = "x" * 65
FIELDS_300 = [a for i in range(300) for a in (f"f{i}", f"v{i}")]

# One connection per server runs the whole table, so state carries over from line to line.
# Everything here is deterministic on both servers (listpack-encoded hashes keep their order).
CASES: list[tuple[Any, ...]] = [
    # HSET / HMSET / HSETNX and arity
    ("HSET", "h", "a", "1"),
    ("HSET", "h", "a", "2", "b", "3", "a", "4"),
    ("HSET", "h"),
    ("HSET", "h", "a"),
    ("HSET", "h", "a", "1", "b"),
    ("HMSET", "h", "c"),
    ("HMSET", "h", "c", "5", "d"),
    ("HMSET", "h", "c", "5", "d", "6"),
    ("HSETNX", "h", "a", "x"),
    ("HSETNX", "h", "e", "7"),
    ("HSETNX", "h", "e"),
    ("HSETNX", "newh", "f", "v"),
    ("HGETALL", "h"),
    ("HGETALL", "newh"),
    ("HGETALL", "nokey"),
    ("HGETALL",),
    ("HGETALL", "h", "extra"),
    # reads
    ("HGET", "h", "a"),
    ("HGET", "h", "zz"),
    ("HGET", "nokey", "a"),
    ("HGET", "h"),
    ("HMGET", "h", "a", "zz", "b", "a"),
    ("HMGET", "nokey", "a", "b"),
    ("HMGET", "h"),
    ("HEXISTS", "h", "a"),
    ("HEXISTS", "h", "zz"),
    ("HEXISTS", "nokey", "a"),
    ("HLEN", "h"),
    ("HLEN", "nokey"),
    ("HSTRLEN", "h", "a"),
    ("HSTRLEN", "h", "zz"),
    ("HSTRLEN", "nokey", "a"),
    ("HKEYS", "h"),
    ("HVALS", "h"),
    ("HKEYS", "nokey"),
    ("HVALS", "nokey"),
    # empty strings and binary
    ("HSET", "bin", "", ""),
    ("HSET", "bin", "\x00\xff", "v\r\nw"),
    ("HGET", "bin", ""),
    ("HSTRLEN", "bin", ""),
    ("HGETALL", "bin"),
    # HDEL
    ("HDEL", "h", "a", "a", "zz"),
    ("HDEL", "h"),
    ("HDEL", "nokey", "a"),
    ("HDEL", "newh", "f"),
    ("HLEN", "newh"),
    ("HGETALL", "newh"),
    ("HSET", "h", "a", "again"),
    ("HKEYS", "h"),
    # HINCRBY
    ("HINCRBY", "n", "i", "5"),
    ("HINCRBY", "n", "i", "-7"),
    ("HINCRBY", "n", "i", "abc"),
    ("HINCRBY", "n", "i", "1.5"),
    ("HINCRBY", "n", "i", " 1"),
    ("HINCRBY", "n", "i", "+1"),
    ("HINCRBY", "n", "i", "9223372036854775808"),
    ("HINCRBY", "n", "i", "9223372036854775807"),
    ("HINCRBY", "n", "j", "9223372036854775807"),
    ("HINCRBY", "n", "j", "1"),
    ("HINCRBY", "n", "j", "-9223372036854775808"),
    ("HINCRBY", "n", "k", "-9223372036854775808"),
    ("HINCRBY", "n", "k", "-1"),
    ("HINCRBY", "n", "k", "0"),
    ("HSET", "n", "s", "notanumber", "f", "1.5", "sp", " 1", "z", "007", "m", "-0"),
    ("HINCRBY", "n", "s", "1"),
    ("HINCRBY", "n", "f", "1"),
    ("HINCRBY", "n", "sp", "1"),
    ("HINCRBY", "n", "z", "1"),
    ("HINCRBY", "n", "m", "1"),
    ("HINCRBY", "nokey2", "x", "3"),
    ("HINCRBY", "n", "i"),
    ("HGETALL", "n"),
    # HINCRBYFLOAT
    ("HINCRBYFLOAT", "fl", "a", "10.5"),
    ("HINCRBYFLOAT", "fl", "a", "0.1"),
    ("HINCRBYFLOAT", "fl", "a", "-10.6"),
    ("HINCRBYFLOAT", "fl", "b", "3.0e3"),
    ("HINCRBYFLOAT", "fl", "b", "1e-5"),
    ("HINCRBYFLOAT", "fl", "c", "5.0e-18"),
    ("HINCRBYFLOAT", "fl", "d", "-0.0"),
    ("HINCRBYFLOAT", "fl", "d", "-0.000000000000000001"),
    ("HINCRBYFLOAT", "fl", "e", "0x10"),
    ("HINCRBYFLOAT", "fl", "e", "0x1.8p1"),
    ("HINCRBYFLOAT", "fl", "e", ".5"),
    ("HINCRBYFLOAT", "fl", "e", "5."),
    ("HINCRBYFLOAT", "fl", "e", "+1"),
    ("HINCRBYFLOAT", "fl", "e", "1E2"),
    ("HINCRBYFLOAT", "fl", "a", "inf"),
    ("HINCRBYFLOAT", "fl", "a", "-Infinity"),
    ("HINCRBYFLOAT", "fl", "a", "nan"),
    ("HINCRBYFLOAT", "fl", "a", "abc"),
    ("HINCRBYFLOAT", "fl", "a", ""),
    ("HINCRBYFLOAT", "fl", "a", " 1"),
    ("HINCRBYFLOAT", "fl", "a", "1 "),
    ("HINCRBYFLOAT", "fl", "a", "1e"),
    ("HINCRBYFLOAT", "fl", "a", "0x"),
    ("HINCRBYFLOAT", "fl", "a", "."),
    ("HINCRBYFLOAT", "fl", "a", "1_0"),
    ("HINCRBYFLOAT", "fl", "a", "1e5000"),
    ("HINCRBYFLOAT", "fl", "a", "1e-5000"),
    ("HINCRBYFLOAT", "fl", "big", "1e4000"),
    ("HINCRBYFLOAT", "fl", "big", "1e4000"),
    ("HINCRBYFLOAT", "fl", "big", "1.1e4932"),
    ("HINCRBYFLOAT", "fl", "tiny", "1e-4940"),
    ("HINCRBYFLOAT", "fl", "pi", "3.14159265358979323846264338327950288"),
    ("HINCRBYFLOAT", "fl", "pi", "1e30"),
    ("HSET", "fl", "bad", "abc", "inf", "inf", "sp", "1 ", "hex", "0x1p4", "int", "12"),
    ("HINCRBYFLOAT", "fl", "bad", "1"),
    ("HINCRBYFLOAT", "fl", "inf", "1"),
    ("HINCRBYFLOAT", "fl", "sp", "1"),
    ("HINCRBYFLOAT", "fl", "hex", "1"),
    ("HINCRBYFLOAT", "fl", "int", "0.25"),
    ("HINCRBYFLOAT", "fl", "a"),
    ("HINCRBYFLOAT", "nokey3", "a", "1.5"),
    ("HGETALL", "nokey3"),
    ("HINCRBY", "fl", "a", "1"),
    # HRANDFIELD (deterministic cases)
    ("HRANDFIELD", "nokey"),
    ("HRANDFIELD", "nokey", "3"),
    ("HRANDFIELD", "nokey", "-3"),
    ("HRANDFIELD", "nokey", "3", "WITHVALUES"),
    ("HRANDFIELD", "h", "0"),
    ("HRANDFIELD", "h", "0", "WITHVALUES"),
    ("HRANDFIELD", "h", "100"),
    ("HRANDFIELD", "h", "100", "withvalues"),
    ("HRANDFIELD", "h", "x"),
    ("HRANDFIELD", "h", "1", "x"),
    ("HRANDFIELD", "h", "1", "WITHVALUES", "x"),
    ("HRANDFIELD", "h", "-9223372036854775808"),
    ("HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"),
    ("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"),
    ("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"),
    ("HRANDFIELD", "h", "9223372036854775808"),
    ("HRANDFIELD", "nokey", "x"),
    ("HRANDFIELD", "nokey", "1", "x"),
    ("HSET", "one", "f", "v"),
    ("HRANDFIELD", "one"),
    ("HRANDFIELD", "one", "1"),
    ("HRANDFIELD", "one", "-3"),
    ("HRANDFIELD", "one", "-2", "WITHVALUES"),
    ("HRANDFIELD", "one", "1", "WITHVALUES"),
    # HSCAN (listpack: everything in one call, cursor 0 whatever the cursor)
    ("HSCAN", "h", "0"),
    ("HSCAN", "h", "123"),
    ("HSCAN", "h", "0", "COUNT", "1"),
    ("HSCAN", "h", "0", "MATCH", "a*"),
    ("HSCAN", "h", "0", "match", "*", "count", "100"),
    ("HSCAN", "h", "0", "MATCH", "[bc]"),
    ("HSCAN", "h", "0", "MATCH", "nothing"),
    ("HSCAN", "bin", "0", "MATCH", "*"),
    ("HSCAN", "bin", "0", "MATCH", "?*"),
    ("HSCAN", "h", "0", "COUNT", "0"),
    ("HSCAN", "h", "0", "COUNT", "-1"),
    ("HSCAN", "h", "0", "COUNT", "x"),
    ("HSCAN", "h", "0", "COUNT"),
    ("HSCAN", "h", "0", "MATCH"),
    ("HSCAN", "h", "0", "NOVALUES"),
    ("HSCAN", "h", "0", "TYPE", "string"),
    ("HSCAN", "h", "x"),
    ("HSCAN", "h", "-1"),
    ("HSCAN", "h", ""),
    ("HSCAN", "h", "+5"),
    ("HSCAN", "h", " 5"),
    ("HSCAN", "h", "5 "),
    ("HSCAN", "h", "18446744073709551615"),
    ("HSCAN", "h", "18446744073709551616"),
    ("HSCAN", "h", "0\x00x"),
    ("HSCAN", "h", "-"),
    ("HSCAN", "h", "0x10"),
    ("HSCAN", "nokey", "0"),
    ("HSCAN", "nokey", "x"),
    ("HSCAN", "nokey", "0", "COUNT", "0"),
    ("HSCAN", "h"),
    # wrong types
    ("SET", "str", "v"),
    ("HSET", "str", "a", "1"),
    ("HMSET", "str", "a", "1"),
    ("HSETNX", "str", "a", "1"),
    ("HGET", "str", "a"),
    ("HMGET", "str", "a"),
    ("HDEL", "str", "a"),
    ("HEXISTS", "str", "a"),
    ("HGETALL", "str"),
    ("HKEYS", "str"),
    ("HVALS", "str"),
    ("HLEN", "str"),
    ("HSTRLEN", "str", "a"),
    ("HINCRBY", "str", "a", "1"),
    ("HINCRBY", "str", "a", "x"),
    ("HINCRBYFLOAT", "str", "a", "1"),
    ("HINCRBYFLOAT", "str", "a", "x"),
    ("HINCRBYFLOAT", "str", "a", "inf"),
    ("HRANDFIELD", "str"),
    ("HRANDFIELD", "str", "2"),
    ("HRANDFIELD", "str", "x"),
    ("HRANDFIELD", "str", "1", "x"),
    ("HSCAN", "str", "0"),
    ("HSCAN", "str", "x"),
    ("HSCAN", "str", "0", "COUNT", "0"),
    ("GET", "h"),
    ("HSET", "h", "a"),
    # conversion to hashtable keeps working (results independent of order)
    ("HSET", "big", *FIELDS_300),
    ("HLEN", "big"),
    ("HGET", "big", "f299"),
    ("HSET", "long", "a", LONG),
    ("HGET", "long", "a"),
    ("HSTRLEN", "long", "a"),
    ("HDEL", "big", *[f"f{i}" for i in range(300)]),
    ("HLEN", "big"),
    ("GET", "big"),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_hash_table_matches_redis(redis_pair: Any, resp: int) -> None:
    if resp == 3:
        assert redis_pair.raw("HELLO", "3")[0].startswith(b"%7")
    mismatches = []
    for cmd in CASES:
        ours, theirs = redis_pair.raw(*cmd)
        if ours != theirs:
            mismatches.append((cmd, ours, theirs))
    assert not mismatches, "\n".join(
        f"{c!r}: ours {o[:300]!r} != redis {t[:300]!r}" for c, o, t in mismatches
    )


# -------------------------------------------------------------------------------------------------
# COMMAND INFO / COMMAND DOCS
# -------------------------------------------------------------------------------------------------

HASH_COMMANDS = [
    "hset",
    "hsetnx",
    "hget",
    "hmget",
    "hmset",
    "hdel",
    "hexists",
    "hgetall",
    "hkeys",
    "hvals",
    "hlen",
    "hstrlen",
    "hincrby",
    "hincrbyfloat",
    "hrandfield",
    "hscan",
]


@pytest.mark.parametrize("name", HASH_COMMANDS)
@pytest.mark.parametrize("sub", ["INFO", "DOCS"])
def test_command_metadata_matches_redis(redis_pair: Any, name: str, sub: str) -> None:
    redis_pair.assert_same_metadata(sub, name)


def test_command_getkeys_matches_redis(compare: Any) -> None:
    compare("COMMAND", "GETKEYS", "HSET", "k", "f", "v")
    compare("COMMAND", "GETKEYS", "HGETALL", "k")
    compare("COMMAND", "GETKEYS", "HSCAN", "k", "0")


# -------------------------------------------------------------------------------------------------
# HINCRBYFLOAT: Redis computes in 80-bit long double and prints "%.17Lf"
# -------------------------------------------------------------------------------------------------


def _float_operands(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        kind = rng.randrange(6)
        if kind == 0:
            out.append(str(rng.randint(-(10**6), 10**6)))
        elif kind == 1:
            out.append(f"{rng.uniform(-1000, 1000):.{rng.randint(0, 20)}f}")
        elif kind == 2:
            out.append(f"{rng.uniform(-10, 10):.6e}".replace("e", rng.choice("eE")))
        elif kind == 3:
            out.append(repr(rng.uniform(-1e20, 1e20)))
        elif kind == 4:
            out.append(f"{rng.random() * 10 ** rng.randint(-30, 30):.17g}")
        else:
            out.append(rng.choice(["0.1", "0.2", "0.3", "-0.1", "1e-17", "5e-18", "1.5e-18"]))
    return out


def test_hincrbyfloat_random_sums_match_redis(redis_pair: Any) -> None:
    rng = random.Random(1234)
    mismatches = []
    for i, incr in enumerate(_float_operands(rng, 400)):
        cmd = ("HINCRBYFLOAT", "acc", f"f{i % 7}", incr)
        ours, theirs = redis_pair.raw(*cmd)
        if ours != theirs:
            mismatches.append((cmd, ours, theirs))
    assert not mismatches, mismatches[:10]


@pytest.mark.parametrize(
    "value",
    [
        "\x001",
        "1\x00garbage",
        "\x00",
        "0x1p-16400",
        "0X1P3",
        "0x.8",
        "1e-4950",
        "1e-4960",
        "0e99999999999",
        "1e99999999999",
        "-1e-99999999999",
        "infinity",
        "-INF",
        "nan(123)",
        "1" * 5119,
        "1" * 5120,
        "0." + "0" * 5000 + "1",
        "\t1",
        "1\t",
        "1e+5",
        "1e-0",
        "00012.5000",
        "-.0e-3",
    ],
)
def test_hincrbyfloat_parsing_matches_redis(compare: Any, value: str) -> None:
    compare("HINCRBYFLOAT", "p", "incr", value)
    compare("HSET", "p", "stored", value)
    compare("HINCRBYFLOAT", "p", "stored", "1")
    compare("HGETALL", "p")


# -------------------------------------------------------------------------------------------------
# Behaviour (each test runs against plugredis and against redis)
# -------------------------------------------------------------------------------------------------


def test_hset_and_hgetall(redis_target: Any) -> None:
    r = redis_target.client
    assert r.hset("user", mapping={"name": "ann", "age": "42"}) == 2
    assert r.hset("user", "age", "43") == 0
    assert r.hgetall("user") == {b"name": b"ann", b"age": b"43"}
    assert r.hget("user", "age") == b"43"
    assert r.hmget("user", ["name", "nope"]) == [b"ann", None]
    assert r.hlen("user") == 2
    assert r.hdel("user", "name", "age") == 2
    assert r.hlen("user") == 0


def test_hgetall_is_a_map_in_resp3(redis_target: Any) -> None:
    r = redis_target.new_client(protocol=3)
    try:
        r.hset("m", mapping={"a": "1", "b": "2"})
        assert redis_target.raw("HELLO", "3").startswith(b"%")
        raw = redis_target.raw("HGETALL", "m")
        assert raw == b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    finally:
        r.close()


def test_hincrby_overflow_leaves_value(redis_target: Any) -> None:
    r = redis_target.client
    r.hset("c", "n", str(2**63 - 2))
    assert r.hincrby("c", "n", 1) == 2**63 - 1
    with pytest.raises(Exception, match="increment or decrement would overflow"):
        r.hincrby("c", "n", 1)
    assert r.hget("c", "n") == str(2**63 - 1).encode()


def test_hincrbyfloat_is_long_double(redis_target: Any) -> None:
    r = redis_target.client
    assert r.hincrbyfloat("f", "x", 10.5) == 10.5
    assert redis_target.raw("HINCRBYFLOAT", "f", "x", "0.1") == b"$4\r\n10.6\r\n"
    assert redis_target.raw("HINCRBYFLOAT", "f", "y", "1e4000").startswith(b"$4000\r\n9999")


def test_hrandfield_properties(redis_target: Any) -> None:
    r = redis_target.client
    fields = {f"f{i}".encode(): f"v{i}".encode() for i in range(20)}
    r.hset("rh", mapping=fields)
    assert r.hrandfield("rh") in fields
    got = r.hrandfield("rh", 5)
    assert len(got) == 5 and len(set(got)) == 5 and set(got) <= set(fields)
    got = r.hrandfield("rh", -50)
    assert len(got) == 50 and set(got) <= set(fields)
    assert sorted(r.hrandfield("rh", 30)) == sorted(fields)
    flat = redis_target.raw("HRANDFIELD", "rh", "-3", "WITHVALUES")
    assert flat.startswith(b"*6\r\n")
    pairs = r.hrandfield("rh", 7, withvalues=True)
    assert len(pairs) == 14
    for f, v in zip(pairs[::2], pairs[1::2], strict=True):
        assert fields[f] == v
    redis_target.raw("HELLO", "3")
    nested = redis_target.raw("HRANDFIELD", "rh", "2", "WITHVALUES")
    assert nested.startswith(b"*2\r\n*2\r\n$")
    nested = redis_target.raw("HRANDFIELD", "rh", "-2", "WITHVALUES")
    assert nested.startswith(b"*2\r\n*2\r\n$")


def test_hrandfield_unique_sample_of_a_small_hash_keeps_order(redis_target: Any) -> None:
    r = redis_target.client
    fields = [f"f{i:02d}".encode() for i in range(30)]
    r.hset("ord", mapping={f: b"v" for f in fields})
    for _ in range(20):
        got = r.hrandfield("ord", 10)
        assert got == sorted(got)


def test_hrandfield_hashtable(redis_target: Any) -> None:
    r = redis_target.client
    fields = {f"f{i}".encode(): b"v" for i in range(1000)}
    r.hset("bigr", mapping=fields)
    for count in (1, 5, 400, 990, 1000, 2000):
        got = r.hrandfield("bigr", count)
        assert len(got) == min(count, 1000) and len(set(got)) == len(got)
        assert set(got) <= set(fields)
    assert len(r.hrandfield("bigr", -2000)) == 2000


@pytest.mark.parametrize("size", [10, 600])
def test_hscan_iterates_everything(redis_target: Any, size: int) -> None:
    r = redis_target.client
    fields = {f"field:{i}".encode(): str(i).encode() for i in range(size)}
    r.hset("sh", mapping=fields)
    seen: dict[bytes, bytes] = {}
    cursor = 0
    calls = 0
    while True:
        cursor, chunk = r.hscan("sh", cursor, count=25)
        seen.update(chunk)
        calls += 1
        if cursor == 0:
            break
    assert seen == fields
    if size <= 512:
        assert calls == 1  # listpack: one call returns everything
    else:
        assert calls > 1
    matched: dict[bytes, bytes] = {}
    for f, v in r.hscan_iter("sh", match="field:1*", count=50):
        matched[f] = v
    assert matched == {f: v for f, v in fields.items() if f.startswith(b"field:1")}


def test_hscan_survives_changes_between_calls(redis_target: Any) -> None:
    r = redis_target.client
    stable = {f"s{i}".encode(): b"1" for i in range(700)}
    r.hset("chg", mapping=stable)
    seen: set[bytes] = set()
    cursor = 0
    step = 0
    while True:
        cursor, chunk = r.hscan("chg", cursor, count=20)
        seen.update(chunk)
        step += 1
        # grow and shrink the table while iterating
        if step == 3:
            r.hset("chg", mapping={f"t{i}".encode(): b"2" for i in range(2000)})
        if step == 10:
            r.hdel("chg", *[f"t{i}".encode() for i in range(2000)])
        if cursor == 0:
            break
    assert set(stable) <= seen


def test_hscan_count_bounds_a_hashtable_reply(redis_target: Any) -> None:
    r = redis_target.client
    r.hset("cnt", mapping={f"k{i}": "v" for i in range(2000)})
    cursor, chunk = r.hscan("cnt", 0, count=5)
    assert cursor != 0
    assert 0 < len(chunk) < 50


def test_empty_hash_is_removed(redis_target: Any) -> None:
    r = redis_target.client
    r.hset("gone", "a", "1")
    r.hdel("gone", "a")
    assert redis_target.raw("HLEN", "gone") == b":0\r\n"
    assert redis_target.raw("GET", "gone") == b"$-1\r\n"
    r.set("gone", "string now")
    assert r.get("gone") == b"string now"


# -------------------------------------------------------------------------------------------------
# Encodings (plugredis's flag compared with OBJECT ENCODING on the real server)
# -------------------------------------------------------------------------------------------------

ENCODING_SCENARIOS: list[list[tuple[str, ...]]] = [
    [("HSET", "e", "a", "1")],
    [("HSET", "e", "a", "x" * 64)],
    [("HSET", "e", "a", "x" * 65)],
    [("HSET", "e", "x" * 65, "1")],
    [("HSET", "e", "a", "1"), ("HSET", "e", "b", "x" * 65), ("HDEL", "e", "b")],
    [("HSET", "e", *[str(i) for i in range(1024)])],
    [("HSET", "e", *[str(i) for i in range(1026)])],
    [("HSET", "e", *[str(i) for i in range(1026)]), ("HDEL", "e", "0", "2", "4")],
    [("HSETNX", "e", "a", "x" * 65)],
    [("HSET", "e", "a", "1"), ("HSETNX", "e", "a", "x" * 65)],
    [("HINCRBY", "e", "f" * 65, "1")],
    [("HINCRBYFLOAT", "e", "a", "1e70")],
    [("HINCRBYFLOAT", "e", "a", "1e60")],
    [("HMSET", "e", "a", "1", "b", "y" * 100)],
]


def _plugredis_encoding(redis_pair: Any, key: bytes) -> str:
    server = redis_pair.plugredis.handle.server

    def get() -> str:
        v = server.dbs[0].data[key]
        return str(server.registry.type_of(v).encoding_of(v))

    return str(redis_pair.plugredis.handle.call(get))


@pytest.mark.parametrize("steps", ENCODING_SCENARIOS, ids=lambda s: f"{len(s)}-steps")
def test_encoding_matches_redis(redis_pair: Any, steps: list[tuple[str, ...]]) -> None:
    for cmd in steps:
        ours, theirs = redis_pair.raw(*cmd)
        assert ours == theirs
    expected = redis_pair.redis.raw("OBJECT", "ENCODING", "e")
    assert expected.startswith(b"$")
    assert _plugredis_encoding(redis_pair, b"e") == expected.split(b"\r\n")[1].decode()


def test_encoding_thresholds_are_config(redis_pair: Any) -> None:
    try:
        for cmd in [
            ("CONFIG", "SET", "hash-max-listpack-entries", "3"),
            ("CONFIG", "SET", "hash-max-ziplist-value", "5"),
            ("CONFIG", "GET", "hash-max-listpack-entries"),
            ("CONFIG", "GET", "hash-max-ziplist-entries"),
            ("CONFIG", "GET", "hash-max-listpack-value"),
            ("CONFIG", "SET", "hash-max-listpack-entries", "x"),
            ("CONFIG", "SET", "hash-max-listpack-entries", "-1"),
            ("CONFIG", "SET", "hash-max-listpack-value", "1.5"),
            ("CONFIG", "SET", "hash-max-listpack-value", "-1"),
            ("CONFIG", "SET", "hash-max-listpack-value", "9223372036854775808"),
            ("HSET", "e", "a", "1", "b", "2", "c", "3"),
        ]:
            ours, theirs = redis_pair.raw(*cmd)
            assert ours == theirs, cmd
        assert _plugredis_encoding(redis_pair, b"e") == "listpack"
        redis_pair.raw("HSET", "e", "d", "4")
        assert _plugredis_encoding(redis_pair, b"e") == "hashtable"
        assert redis_pair.redis.raw("OBJECT", "ENCODING", "e") == b"$9\r\nhashtable\r\n"
        redis_pair.raw("HSET", "e2", "a", "123456")
        assert _plugredis_encoding(redis_pair, b"e2") == "hashtable"
        assert redis_pair.redis.raw("OBJECT", "ENCODING", "e2") == b"$9\r\nhashtable\r\n"
    finally:
        redis_pair.raw("CONFIG", "SET", "hash-max-listpack-entries", "512")
        redis_pair.raw("CONFIG", "SET", "hash-max-listpack-value", "64")


def test_typespec_persistence_round_trip() -> None:
    import plugredis_hashes as ph

    h = ph.new_hash({b"a": b"1", b"b": b"2"})
    kind, plain = ph.HASH.to_rdb(h)  # type: ignore[misc]
    assert kind == "hash" and plain == {b"a": b"1", b"b": b"2"}
    back = ph.HASH.from_rdb("hash", plain)  # type: ignore[misc]
    assert type(back) is ph.Hash and back == h and not back.ht
    big = ph.HASH.from_rdb("hash", {b"k": b"v" * 65})  # type: ignore[misc]
    assert big.ht
    c = ph.HASH.clone(big)
    assert c == big and c is not big and c.ht
    assert ph.HASH.encoding_of(h) == "listpack"
    assert ph.HASH.encoding_of(big) == "hashtable"
