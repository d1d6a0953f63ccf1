"""Readable behaviour tests of the lists family (most run against plugredis and real Redis)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from plugredis_lists import ListValue

from plugredis import CommandError, parse_timeout_ms

pytestmark = pytest.mark.plugredis(plugins=["lists", "strings"])


def test_push_order_and_lengths(redis_target: Any) -> None:
    r = redis_target.client
    assert r.lpush("l", "a", "b", "c") == 3
    assert r.rpush("l", "d", "e") == 5
    assert r.lrange("l", 0, -1) == [b"c", b"b", b"a", b"d", b"e"]
    assert r.lpushx("nokey", "x") == 0
    assert r.rpushx("l", "f") == 6
    assert r.llen("l") == 6


def test_popping_the_last_element_deletes_the_key(redis_target: Any) -> None:
    r = redis_target.client
    r.rpush("l", "a", "b")
    assert r.dbsize() == 1
    assert r.lpop("l", 5) == [b"a", b"b"]
    assert r.dbsize() == 0
    r.rpush("l", "a")
    r.ltrim("l", 1, 0)
    assert r.dbsize() == 0
    r.rpush("l", "a", "a")
    assert r.lrem("l", 0, "a") == 2
    assert r.dbsize() == 0
    r.rpush("src", "x")
    assert r.lmove("src", "dst") == b"x"
    assert r.dbsize() == 1
    assert r.lmpop(1, "dst", direction="LEFT") == [b"dst", [b"x"]]
    assert r.dbsize() == 0


def test_count_forms_and_null_shapes(redis_target: Any) -> None:
    r = redis_target.client
    assert r.lpop("nokey") is None
    assert r.lpop("nokey", 2) is None
    r.rpush("l", 1, 2, 3)
    assert r.lpop("l", 0) == []
    assert r.rpop("l", 2) == [b"3", b"2"]
    with pytest.raises(redis.ResponseError, match="value is out of range, must be positive"):
        r.lpop("l", -1)
    assert redis_target.raw("LPOP", "nokey", "1") == b"*-1\r\n"
    assert redis_target.raw("LPOP", "nokey") == b"$-1\r\n"
    assert redis_target.raw("HELLO", "3")[:1] == b"%"
    assert redis_target.raw("LPOP", "nokey", "1") == b"_\r\n"
    assert redis_target.raw("LPOP", "nokey") == b"_\r\n"


def test_wrongtype(redis_target: Any) -> None:
    r = redis_target.client
    r.set("s", "x")
    for call in (
        lambda: r.lpush("s", 1),
        lambda: r.llen("s"),
        lambda: r.lrange("s", 0, -1),
        lambda: r.blpop(["s"], 0),
        lambda: r.lmove("s", "d"),
    ):
        with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
            call()
    r.rpush("l", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.lmove("l", "s")
    assert r.lrange("l", 0, -1) == [b"v"]  # nothing moved


def test_lset_errors_and_index_arithmetic(redis_target: Any) -> None:
    r = redis_target.client
    with pytest.raises(redis.ResponseError, match=r"^no such key$"):
        r.lset("nokey", 0, "x")
    r.rpush("l", *"abcde")
    with pytest.raises(redis.ResponseError, match=r"^index out of range$"):
        r.lset("l", 5, "x")
    assert r.lset("l", -5, "A") is True
    assert r.lindex("l", 0) == b"A"
    assert r.lindex("l", -6) is None
    assert r.lrange("l", -2, 100) == [b"d", b"e"]
    assert r.lrange("l", 3, 1) == []


def test_lpos_options(redis_target: Any) -> None:
    r = redis_target.client
    r.rpush("l", *"abcabca")
    assert r.lpos("l", "a") == 0
    assert r.lpos("l", "a", rank=2) == 3
    assert r.lpos("l", "a", rank=-1) == 6
    assert r.lpos("l", "a", count=0) == [0, 3, 6]
    assert r.lpos("l", "a", rank=-1, count=2) == [6, 3]
    assert r.lpos("l", "a", maxlen=3, count=0) == [0]
    assert r.lpos("l", "z") is None
    with pytest.raises(redis.ResponseError, match="RANK can't be zero"):
        r.lpos("l", "a", rank=0)
    with pytest.raises(redis.ResponseError, match="COUNT can't be negative"):
        r.lpos("l", "a", count=-1)


def test_timeout_parsing_follows_redis() -> None:
    """strtold, then ceill(t * 1000) in long-double precision (checked against 7.0.15)."""
    assert parse_timeout_ms(b"0") == 0
    assert parse_timeout_ms(b"1.5") == 1500
    assert parse_timeout_ms(b"0.0001") == 1  # rounds up: a 1 ms timeout, not "forever"
    assert parse_timeout_ms(b"-0.0005") == 0  # ceil(-0.5) = 0: blocks forever in Redis
    assert parse_timeout_ms(b"-0.001") == 0  # 0.001 in long double is a hair under 1/1000
    assert parse_timeout_ms(b"0x10") == 16000
    assert parse_timeout_ms(b"9223372036854775.8065") == 2**63 - 1
    for raw, err in [
        (b"-0.0011", "negative"),
        (b"-1", "negative"),
        (b"inf", "negative"),
        (b"1e4000", "negative"),  # overflows long long: x86 gives LLONG_MIN
        (b"9223372036854775.8075", "negative"),
        (b"1e5000", "not a float"),  # overflows long double
        (b"1e-5000", "not a float"),  # underflows to zero
        (b"nan", "not a float"),
        (b" 1", "not a float"),
        (b"1 ", "not a float"),
        (b"1_0", "not a float"),
        (b"", "not a float"),
        (b"0x", "not a float"),
        (b"0.01\x00x", "not a float"),  # string2ld: the whole argument must be the number
    ]:
        with pytest.raises(CommandError, match=err):
            parse_timeout_ms(raw)


@pytest.mark.plugredis(plugins=["lists", "zsets"])
@pytest.mark.parametrize(
    "timeout", [b"0.01\x00x", b"inf", b"1e20", b"1e-5000", b" 1", b"0x1p-7", b"-0.0011"]
)
def test_timeouts_of_blpop_and_bzpopmin_like_redis(redis_pair: Any, timeout: bytes) -> None:
    """Every blocking family parses timeouts with the one core parser, as Redis does."""
    replies: dict[str, list[Any]] = {}
    for name, target in (("plugredis", redis_pair.plugredis), ("redis", redis_pair.redis)):
        r = target.new_client()
        replies[name] = []
        for cmd in (("BLPOP", "nolist", timeout), ("BZPOPMIN", "nozset", timeout)):
            try:
                replies[name].append(r.execute_command(*cmd))
            except redis.ResponseError as e:
                replies[name].append(str(e))
    assert replies["plugredis"] == replies["redis"]


def test_type_spec(plugredis_server: Any) -> None:
    registry = plugredis_server.server.registry
    spec = registry.types["list"]
    assert spec.pytype is ListValue
    value = ListValue([b"a", b"b"])
    assert registry.type_of(value) is spec
    assert spec.encoding_of(value) == "quicklist"
    assert spec.encoding_of(ListValue([b"x" * 10_000] * 300)) == "quicklist"
    copy = spec.clone(value)
    copy.append(b"c")
    assert list(value) == [b"a", b"b"]
    assert type(copy) is ListValue
    assert spec.to_rdb is not None and spec.from_rdb is not None
    kind, plain = spec.to_rdb(value)
    assert (kind, plain) == ("list", [b"a", b"b"])
    back = spec.from_rdb("list", plain)
    assert type(back) is ListValue and list(back) == [b"a", b"b"]
    assert spec.memory is not None and spec.memory(value) > 0


@pytest.mark.parametrize(
    "elements",
    [
        [b"a", b"b", b"c"],
        [b"1", b"-7", b"123456789012", b"", b"x" * 100],
        [b"e%d" % i for i in range(1000)],
        [b"y" * 9000, b"small"],
    ],
)
def test_dump_payload_interoperates_with_redis(redis_pair: Any, elements: list[bytes]) -> None:
    """Our DUMP payload restores in Redis 7.0, and Redis's restores as a ListValue here."""
    from plugredis import dump_value, restore_value

    registry = redis_pair.plugredis.handle.server.registry
    payload = dump_value(registry, ListValue(elements))
    real = redis_pair.redis.client
    assert real.restore("fromus", 0, payload) == b"OK"
    assert real.lrange("fromus", 0, -1) == elements
    real.rpush("fromredis", *elements)
    value = restore_value(registry, real.dump("fromredis"))
    assert type(value) is ListValue and list(value) == elements


def test_lazy_expiry(plugredis_server_factory: Any, manual_clock: Any, tmp_path: Any) -> None:
    handle = plugredis_server_factory(plugins=["lists"], clock=manual_clock, dir=str(tmp_path))
    r = handle.client()
    r.rpush("l", "a", "b")

    def expire() -> None:
        db = handle.server.dbs[0]
        db.set_expire(b"l", handle.server.clock.ms() + 1000)

    handle.call(expire)
    assert r.llen("l") == 2
    manual_clock.advance(2)
    assert r.llen("l") == 0
    assert r.rpush("l", "c") == 1
    assert handle.call(lambda: handle.server.dbs[0].get_expire(b"l")) is None
    r.close()


def test_large_list_operations_are_fast(redis_target: Any) -> None:
    """200,000 elements: index, set, range, insert and remove near either end stay quick."""
    r = redis_target.client
    n = 200_000
    pipe = r.pipeline(transaction=False)
    for start in range(0, n, 10_000):
        pipe.rpush("big", *[b"e%d" % i for i in range(start, start + 10_000)])
    pipe.execute()
    t0 = time.monotonic()
    for _ in range(50):
        assert r.lindex("big", n // 2) == b"e%d" % (n // 2)
        assert r.lindex("big", -3) == b"e%d" % (n - 3)
        assert r.lrange("big", -3, -1) == [b"e%d" % i for i in range(n - 3, n)]
        assert r.lrange("big", n - 10, n - 9) == [b"e%d" % (n - 10), b"e%d" % (n - 9)]
        assert r.lpos("big", b"e%d" % (n - 1), rank=-1) == n - 1
    assert r.lset("big", n // 2, "mid") is True
    assert r.linsert("big", "BEFORE", "e199990", "ins") == n + 1
    assert r.lrem("big", -1, "ins") == 1
    assert r.lrem("big", 1, "mid") == 1
    assert r.ltrim("big", 5, -6) is True
    assert r.llen("big") == n - 11
    assert time.monotonic() - t0 < 10
