"""The sorted sets plugin compared byte for byte with a real redis-server (RESP2 and RESP3)."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import plugredis_zsets
import pytest

from plugredis.plugins import installed_plugins

_LOADED = ["strings"] + (["sets"] if "sets" in installed_plugins() else [])
if "zsets" in installed_plugins():
    pytestmark = pytest.mark.plugredis(plugins=["zsets", *_LOADED])
else:  # not registered in pyproject.toml yet: load the package as an extra plugin
    import plugredis_sets

    pytestmark = pytest.mark.plugredis(plugins=["strings"], extra=[plugredis_zsets, plugredis_sets])

LONG = "m" * 65
MANY = [x for i in range(200) for x in (str(i % 17), f"e{i:03d}")]

# One connection per server runs the whole table (state carries over).  Everything here is
# deterministic: sorted sets are ordered; ZSCAN is only used on listpacks.
CASES: list[tuple[Any, ...]] = [
    # ZADD and its options
    ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
    ("ZADD", "z", "1", "a"),
    ("ZADD", "z", "CH", "5", "a", "2", "b"),
    ("ZADD", "z", "NX", "9", "a", "4", "d"),
    ("ZADD", "z", "XX", "9", "a", "4", "e"),
    ("ZADD", "z", "XX", "CH", "8", "a", "4", "e"),
    ("ZADD", "z", "GT", "CH", "1", "a", "10", "b"),
    ("ZADD", "z", "LT", "CH", "1", "a", "10", "c"),
    ("ZADD", "z", "GT", "XX", "CH", "100", "a"),
    ("ZADD", "z", "INCR", "1.5", "d"),
    ("ZADD", "z", "INCR", "1", "newinc"),
    ("ZADD", "z", "NX", "INCR", "1", "d"),
    ("ZADD", "z", "XX", "INCR", "1", "nothere"),
    ("ZADD", "z", "GT", "INCR", "-1", "d"),
    ("ZADD", "z", "LT", "INCR", "-1", "d"),
    ("ZADD", "z", "INCR", "0", "d"),
    ("ZADD", "z", "nx", "xx", "1", "a"),
    ("ZADD", "z", "gt", "lt", "1", "a"),
    ("ZADD", "z", "nx", "gt", "1", "a"),
    ("ZADD", "z", "nx", "lt", "1", "a"),
    ("ZADD", "z", "incr", "1", "a", "2", "b"),
    ("ZADD", "z", "1", "a", "2"),
    ("ZADD", "z", "ch"),
    ("ZADD", "z", "ch", "1", "a", "incr"),
    ("ZADD", "z", "x", "a"),
    ("ZADD", "z", "nan", "a"),
    ("ZADD", "z", "1", "a", "bad", "b"),
    ("ZADD", "z", "1e400", "a"),
    ("ZADD", "z", "1e-400", "a"),
    ("ZADD", "z", " 1", "a"),
    ("ZADD", "z", "1 ", "a"),
    ("ZADD", "z", "", "a"),
    ("ZADD", "z", "1_0", "a"),
    ("ZADD", "z", "0x10", "hex"),
    ("ZADD", "z", "-inf", "ninf", "+inf", "pinf", "Infinity", "pinf2"),
    ("ZADD", "z", "4.9e-324", "denorm"),
    ("ZADD", "z", "-0", "negzero"),
    ("ZADD", "z", "1e20", "big", "0.1", "tenth", "-3.5", "neg"),
    ("ZADD", "nokey", "XX", "1", "a"),
    ("ZADD", "nokey", "XX", "INCR", "1", "a"),
    ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
    ("ZCARD", "z"),
    ("ZCARD", "nokey"),
    # ZINCRBY / ZSCORE / ZMSCORE / ZRANK
    ("ZINCRBY", "z", "2", "a"),
    ("ZINCRBY", "z", "x", "a"),
    ("ZINCRBY", "z", "inf", "pinf"),
    ("ZINCRBY", "z", "-inf", "pinf"),
    ("ZINCRBY", "z", "-0", "newneg"),
    ("ZINCRBY", "newz", "-0", "m"),
    ("ZSCORE", "newz", "m"),
    ("ZSCORE", "z", "a"),
    ("ZSCORE", "z", "negzero"),
    ("ZSCORE", "z", "nope"),
    ("ZSCORE", "nokey", "a"),
    ("ZMSCORE", "z", "a", "nope", "tenth", "pinf", "ninf"),
    ("ZMSCORE", "nokey", "a", "b"),
    ("ZMSCORE", "z"),
    ("ZRANK", "z", "a"),
    ("ZRANK", "z", "ninf"),
    ("ZRANK", "z", "nope"),
    ("ZRANK", "nokey", "a"),
    ("ZREVRANK", "z", "a"),
    ("ZREVRANK", "z", "ninf"),
    ("ZREVRANK", "z", "nope"),
    ("ZRANK", "z", "a", "WITHSCORE"),
    # ZRANGE by rank
    ("ZRANGE", "z", "0", "2"),
    ("ZRANGE", "z", "-3", "-1", "WITHSCORES"),
    ("ZRANGE", "z", "5", "2"),
    ("ZRANGE", "z", "-100", "100"),
    ("ZRANGE", "z", "100", "200"),
    ("ZRANGE", "z", "0", "-100"),
    ("ZRANGE", "z", "0", "1", "REV"),
    ("ZRANGE", "z", "-2", "-1", "REV", "WITHSCORES"),
    ("ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"),
    ("ZRANGE", "z", "0", "1", "LIMIT", "0", "1"),
    ("ZRANGE", "z", "0", "1", "REV", "REV"),
    ("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"),
    ("ZRANGE", "z", "0", "1", "LIMIT"),
    ("ZRANGE", "z", "0", "1", "LIMIT", "0"),
    ("ZRANGE", "z", "0", "1", "LIMIT", "x", "1"),
    ("ZRANGE", "z", "x", "1"),
    ("ZRANGE", "z", "0", "1", "foo"),
    ("ZRANGE", "z", "0"),
    ("ZRANGE", "nokey", "0", "-1"),
    ("ZREVRANGE", "z", "0", "2", "WITHSCORES"),
    ("ZREVRANGE", "z", "0", "2", "REV"),
    ("ZREVRANGE", "z", "0", "2", "LIMIT", "0", "1"),
    # by score
    ("ZRANGE", "z", "1", "5", "BYSCORE"),
    ("ZRANGE", "z", "(1", "(5", "BYSCORE", "WITHSCORES"),
    ("ZRANGE", "z", "5", "(1", "BYSCORE", "REV"),
    ("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "3"),
    ("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "2", "3", "WITHSCORES"),
    ("ZRANGEBYSCORE", "z", "-inf", "+inf"),
    ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"),
    ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "-1"),
    ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "0"),
    ("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "100", "1"),
    ("ZRANGEBYSCORE", "z", "(-inf", "(inf"),
    ("ZRANGEBYSCORE", "z", "(1e400", "inf"),
    ("ZRANGEBYSCORE", "z", "-1e400", "1e-400"),
    ("ZRANGEBYSCORE", "z", " 1", "3"),
    ("ZRANGEBYSCORE", "z", "", "3"),
    ("ZRANGEBYSCORE", "z", "(", "3"),
    ("ZRANGEBYSCORE", "z", "0x1", "3"),
    ("ZRANGEBYSCORE", "z", "1\x00junk", "3"),
    ("ZRANGEBYSCORE", "z", "nan", "3"),
    ("ZRANGEBYSCORE", "z", "a", "3"),
    ("ZRANGEBYSCORE", "z", "1", "3 "),
    ("ZRANGEBYSCORE", "z", "3", "1"),
    ("ZRANGEBYSCORE", "z", "1", "(1"),
    ("ZRANGEBYSCORE", "z", "0", "0"),
    ("ZRANGEBYSCORE", "z", "-0", "0", "WITHSCORES"),
    ("ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"),
    ("ZRANGEBYSCORE", "z", "0", "1", "REV"),
    ("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES", "LIMIT", "1", "2"),
    ("ZREVRANGEBYSCORE", "z", "(5", "(1"),
    ("ZREVRANGEBYSCORE", "z", "1", "5"),
    ("ZCOUNT", "z", "-inf", "+inf"),
    ("ZCOUNT", "z", "(1", "3"),
    ("ZCOUNT", "z", "x", "3"),
    ("ZCOUNT", "nokey", "x", "3"),
    ("ZCOUNT", "nokey", "1", "3"),
    # by lex (same scores)
    ("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "aa", "0", ""),
    ("ZRANGEBYLEX", "lex", "-", "+"),
    ("ZRANGEBYLEX", "lex", "[a", "[c"),
    ("ZRANGEBYLEX", "lex", "(a", "(c"),
    ("ZRANGEBYLEX", "lex", "[", "(b"),
    ("ZRANGEBYLEX", "lex", "-", "[aa", "LIMIT", "1", "2"),
    ("ZRANGEBYLEX", "lex", "+", "-"),
    ("ZRANGEBYLEX", "lex", "-", "-"),
    ("ZRANGEBYLEX", "lex", "[b", "[b"),
    ("ZRANGEBYLEX", "lex", "(b", "[b"),
    ("ZRANGEBYLEX", "lex", "a", "b"),
    ("ZRANGEBYLEX", "lex", "+x", "-"),
    ("ZRANGEBYLEX", "lex", "", "+"),
    ("ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"),
    ("ZREVRANGEBYLEX", "lex", "+", "-"),
    ("ZREVRANGEBYLEX", "lex", "[c", "(a", "LIMIT", "0", "2"),
    ("ZRANGE", "lex", "[b", "+", "BYLEX"),
    ("ZRANGE", "lex", "+", "[b", "BYLEX", "REV", "LIMIT", "1", "10"),
    ("ZRANGE", "lex", "-", "+", "BYLEX", "WITHSCORES"),
    ("ZLEXCOUNT", "lex", "-", "+"),
    ("ZLEXCOUNT", "lex", "[a", "(c"),
    ("ZLEXCOUNT", "lex", "+", "-"),
    ("ZLEXCOUNT", "lex", "a", "b"),
    ("ZLEXCOUNT", "nokey", "-", "+"),
    # by lex with different scores on a listpack: Redis walks it linearly
    ("ZADD", "mix", "0", "b", "1", "a", "2", "c", "3", "aa"),
    ("ZRANGEBYLEX", "mix", "[a", "[c"),
    ("ZRANGEBYLEX", "mix", "[b", "+"),
    ("ZRANGEBYLEX", "mix", "(a", "+"),
    ("ZREVRANGEBYLEX", "mix", "+", "-"),
    ("ZREVRANGEBYLEX", "mix", "[c", "[a"),
    ("ZREVRANGEBYLEX", "mix", "[b", "-"),
    ("ZLEXCOUNT", "mix", "[a", "[c"),
    ("ZLEXCOUNT", "mix", "(b", "+"),
    # ZRANGESTORE
    ("ZRANGESTORE", "dst", "z", "0", "2"),
    ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
    ("ZRANGESTORE", "dst", "z", "1", "5", "BYSCORE", "LIMIT", "1", "2"),
    ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
    ("ZRANGESTORE", "dst", "lex", "[b", "+", "BYLEX", "REV"),
    ("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
    ("ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"),
    ("ZRANGESTORE", "dst", "nokey", "0", "-1"),
    ("ZCARD", "dst"),
    ("ZRANGESTORE", "dst", "z", "100", "200"),
    ("ZRANGESTORE", "dst"),
    # ZREM and ZREMRANGEBY*
    ("ZADD", "r", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"),
    ("ZREM", "r", "a", "nope", "a"),
    ("ZREM", "nokey", "a"),
    ("ZREM", "r"),
    ("ZREMRANGEBYRANK", "r", "0", "0"),
    ("ZREMRANGEBYRANK", "r", "-1", "-1"),
    ("ZREMRANGEBYRANK", "r", "5", "1"),
    ("ZREMRANGEBYRANK", "r", "x", "1"),
    ("ZREMRANGEBYRANK", "nokey", "0", "1"),
    ("ZRANGE", "r", "0", "-1"),
    ("ZREMRANGEBYSCORE", "r", "(3", "4"),
    ("ZREMRANGEBYSCORE", "r", "x", "4"),
    ("ZREMRANGEBYSCORE", "nokey", "x", "4"),
    ("ZRANGE", "r", "0", "-1"),
    ("ZADD", "r", "0", "x", "0", "y", "0", "z"),
    ("ZREMRANGEBYLEX", "r", "[x", "(z"),
    ("ZREMRANGEBYLEX", "r", "x", "(z"),
    ("ZRANGE", "r", "0", "-1", "WITHSCORES"),
    ("ZREMRANGEBYSCORE", "r", "-inf", "+inf"),
    ("ZCARD", "r"),
    ("ZRANGE", "r", "0", "-1"),
    # ZPOPMIN / ZPOPMAX / ZMPOP
    ("ZADD", "p", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"),
    ("ZPOPMIN", "p"),
    ("ZPOPMAX", "p"),
    ("ZPOPMIN", "p", "2"),
    ("ZPOPMIN", "p", "0"),
    ("ZPOPMIN", "p", "-1"),
    ("ZPOPMIN", "p", "x"),
    ("ZPOPMIN", "p", "1", "2"),
    ("ZPOPMAX", "p", "10"),
    ("ZCARD", "p"),
    ("ZPOPMIN", "nokey"),
    ("ZPOPMIN", "nokey", "3"),
    ("ZADD", "p", "1", "a", "2", "b", "3", "c"),
    ("ZMPOP", "1", "p", "MIN"),
    ("ZMPOP", "2", "nokey", "p", "max", "COUNT", "5"),
    ("ZMPOP", "1", "p", "MIN"),
    ("ZMPOP", "0", "p", "MIN"),
    ("ZMPOP", "x", "p", "MIN"),
    ("ZMPOP", "2", "p", "MIN"),
    ("ZMPOP", "1", "p"),
    ("ZMPOP", "1", "p", "foo"),
    ("ZMPOP", "1", "p", "MIN", "COUNT", "0"),
    ("ZMPOP", "1", "p", "MIN", "COUNT", "-1"),
    ("ZMPOP", "1", "p", "MIN", "COUNT", "x"),
    ("ZMPOP", "1", "p", "MIN", "COUNT", "1", "COUNT", "2"),
    ("ZMPOP", "1", "p", "MIN", "COUNT"),
    ("ZMPOP", "1", "p", "MIN", "foo"),
    # blocking pops that can answer at once, or time out inside MULTI
    ("ZADD", "bp", "1", "a", "2", "b", "3", "c"),
    ("BZPOPMIN", "nokey", "bp", "0"),
    ("BZPOPMAX", "bp", "0.5"),
    ("BZMPOP", "0", "2", "nokey", "bp", "MIN", "COUNT", "3"),
    ("ZADD", "bp", "1", "a", "2", "b"),
    ("BZPOPMIN", "bp", "9223372036854775.807"),
    ("BZPOPMIN", "bp", "9223372036854775.808"),
    ("BZPOPMIN", "bp", "0.0001"),
    ("BZPOPMIN", "bp", "x"),
    ("BZPOPMIN", "bp", "-1"),
    ("BZPOPMIN", "bp", "inf"),
    ("BZPOPMIN", "bp", "1e400"),
    ("BZMPOP", "x", "1", "bp", "MIN"),
    ("BZMPOP", "-1", "1", "bp", "MIN"),
    ("BZMPOP", "x", "0", "bp", "MIN"),
    ("BZMPOP", "x", "1", "bp", "foo"),
    ("BZMPOP", "x", "1", "bp", "MIN", "COUNT", "0"),
    ("MULTI",),
    ("BZPOPMIN", "nokey", "0"),
    ("BZMPOP", "0", "1", "nokey", "MAX"),
    ("EXEC",),
    # ZRANDMEMBER (deterministic forms)
    ("ZADD", "rm", "1", "a", "2", "b", "3", "c"),
    ("ZRANDMEMBER", "nokey"),
    ("ZRANDMEMBER", "nokey", "3"),
    ("ZRANDMEMBER", "nokey", "3", "WITHSCORES"),
    ("ZRANDMEMBER", "rm", "0"),
    ("ZRANDMEMBER", "rm", "10"),
    ("ZRANDMEMBER", "rm", "10", "WITHSCORES"),
    ("ZRANDMEMBER", "rm", "x"),
    ("ZRANDMEMBER", "rm", "1", "x"),
    ("ZRANDMEMBER", "rm", "1", "WITHSCORES", "x"),
    ("ZRANDMEMBER", "rm", "-9223372036854775808"),
    ("ZRANDMEMBER", "rm", "4611686018427387904", "WITHSCORES"),
    ("ZRANDMEMBER", "rm", "-4611686018427387904", "WITHSCORES"),
    ("ZADD", "one", "7", "only"),
    ("ZRANDMEMBER", "one"),
    ("ZRANDMEMBER", "one", "-3", "WITHSCORES"),
    ("ZRANDMEMBER", "one", "1", "WITHSCORES"),
    # ZSCAN (listpack: everything at once)
    ("ZSCAN", "z", "0"),
    ("ZSCAN", "z", "55", "COUNT", "1"),
    ("ZSCAN", "z", "0", "MATCH", "*inf*"),
    ("ZSCAN", "z", "0", "COUNT", "0"),
    ("ZSCAN", "z", "0", "MATCH"),
    ("ZSCAN", "z", "x"),
    ("ZSCAN", "nokey", "0"),
    ("ZSCAN", "nokey", "x"),
    # ZUNION / ZINTER / ZDIFF (+STORE) / ZINTERCARD
    ("ZADD", "u1", "1", "a", "2", "b", "3", "c"),
    ("ZADD", "u2", "10", "b", "20", "c", "30", "d"),
    ("ZADD", "u3", "0.1", "c", "0.2", "d", "0.3", "a", "0.4", "e"),
    ("ZUNION", "2", "u1", "u2"),
    ("ZUNION", "2", "u1", "u2", "WITHSCORES"),
    ("ZUNION", "3", "u1", "u2", "u3", "WEIGHTS", "1", "2", "3", "WITHSCORES"),
    ("ZUNION", "3", "u1", "u2", "u3", "AGGREGATE", "MIN", "WITHSCORES"),
    ("ZUNION", "3", "u1", "u2", "u3", "AGGREGATE", "max", "WITHSCORES"),
    ("ZUNION", "2", "u1", "nokey", "WITHSCORES"),
    ("ZUNION", "1", "u1", "WEIGHTS", "-1", "WITHSCORES"),
    ("ZUNION", "1", "u1", "WEIGHTS", "inf", "WITHSCORES"),
    ("ZUNION", "2", "u1", "u1", "WEIGHTS", "inf", "-inf", "WITHSCORES"),
    ("ZINTER", "2", "u1", "u2", "WITHSCORES"),
    ("ZINTER", "3", "u1", "u2", "u3", "WITHSCORES"),
    ("ZINTER", "2", "u1", "u3", "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX", "WITHSCORES"),
    ("ZINTER", "2", "u1", "nokey"),
    ("ZINTER", "2", "u1", "u1", "WITHSCORES"),
    ("ZDIFF", "2", "u1", "u2", "WITHSCORES"),
    ("ZDIFF", "3", "u3", "u1", "u2"),
    ("ZDIFF", "2", "nokey", "u1"),
    ("ZDIFF", "2", "u1", "u1"),
    ("ZDIFF", "1", "u1", "WEIGHTS", "1"),
    ("ZDIFF", "1", "u1", "AGGREGATE", "SUM"),
    ("ZUNION", "0", "u1"),
    ("ZUNION", "x", "u1"),
    ("ZUNION", "3", "u1"),
    ("ZUNION", "1", "u1", "WEIGHTS"),
    ("ZUNION", "1", "u1", "WEIGHTS", "x"),
    ("ZUNION", "2", "u1", "u2", "WEIGHTS", "1"),
    ("ZUNION", "1", "u1", "AGGREGATE"),
    ("ZUNION", "1", "u1", "AGGREGATE", "foo"),
    ("ZUNION", "1", "u1", "foo"),
    ("ZINTER", "0", "u1"),
    ("ZDIFF", "0", "u1"),
    ("ZUNIONSTORE", "out", "2", "u1", "u2"),
    ("ZRANGE", "out", "0", "-1", "WITHSCORES"),
    ("ZINTERSTORE", "out", "2", "u1", "u2", "WEIGHTS", "1", "-1"),
    ("ZRANGE", "out", "0", "-1", "WITHSCORES"),
    ("ZDIFFSTORE", "out", "2", "u1", "u2"),
    ("ZRANGE", "out", "0", "-1", "WITHSCORES"),
    ("ZINTERSTORE", "out", "2", "u1", "nokey"),
    ("ZCARD", "out"),
    ("ZUNIONSTORE", "out", "1", "u1", "WITHSCORES"),
    ("ZUNIONSTORE", "out", "0", "u1"),
    ("ZINTERSTORE", "out", "0", "u1"),
    ("ZDIFFSTORE", "out", "0", "u1"),
    ("ZUNIONSTORE", "neg", "1", "newz", "WEIGHTS", "-1"),
    ("ZRANGE", "neg", "0", "-1", "WITHSCORES"),
    ("ZUNION", "1", "newz", "WEIGHTS", "-1", "WITHSCORES"),
    ("ZADD", "n1", "1", "a"),
    ("ZADD", "n2", "inf", "a"),
    ("ZINTER", "2", "n1", "n2", "WEIGHTS", "1", "0", "WITHSCORES"),
    ("ZINTER", "2", "n2", "n1", "WEIGHTS", "0", "1", "WITHSCORES"),
    ("ZINTER", "2", "n1", "n2", "WEIGHTS", "1", "0", "AGGREGATE", "MIN", "WITHSCORES"),
    ("ZINTERCARD", "2", "u1", "u2"),
    ("ZINTERCARD", "3", "u1", "u2", "u3"),
    ("ZINTERCARD", "2", "u1", "u2", "LIMIT", "1"),
    ("ZINTERCARD", "2", "u1", "u2", "LIMIT", "0"),
    ("ZINTERCARD", "2", "u1", "u2", "LIMIT", "1", "LIMIT", "0"),
    ("ZINTERCARD", "2", "u1", "nokey"),
    ("ZINTERCARD", "0", "u1"),
    ("ZINTERCARD", "x", "u1"),
    ("ZINTERCARD", "3", "u1", "u2"),
    ("ZINTERCARD", "1", "u1", "LIMIT", "-1"),
    ("ZINTERCARD", "1", "u1", "LIMIT", "x"),
    ("ZINTERCARD", "1", "u1", "LIMIT"),
    ("ZINTERCARD", "1", "u1", "WEIGHTS", "2"),
    ("ZINTERCARD", "1", "u1", "WITHSCORES"),
    # sets as inputs
    ("SADD", "set1", "a", "b", "x"),
    ("ZUNION", "2", "u1", "set1", "WITHSCORES"),
    ("ZINTER", "2", "set1", "u1", "WEIGHTS", "5", "1", "WITHSCORES"),
    ("ZDIFF", "2", "set1", "u1", "WITHSCORES"),
    ("ZINTERCARD", "2", "set1", "u1"),
    ("ZUNIONSTORE", "fromset", "1", "set1"),
    ("ZRANGE", "fromset", "0", "-1", "WITHSCORES"),
    # wrong types
    ("SET", "str", "v"),
    ("ZADD", "str", "1", "a"),
    ("ZADD", "str", "x", "a"),
    ("ZINCRBY", "str", "1", "a"),
    ("ZSCORE", "str", "a"),
    ("ZMSCORE", "str", "a"),
    ("ZCARD", "str"),
    ("ZCOUNT", "str", "0", "1"),
    ("ZCOUNT", "str", "x", "1"),
    ("ZLEXCOUNT", "str", "-", "+"),
    ("ZRANK", "str", "a"),
    ("ZREVRANK", "str", "a"),
    ("ZRANGE", "str", "0", "1"),
    ("ZRANGE", "str", "x", "1"),
    ("ZRANGE", "str", "0", "1", "foo"),
    ("ZRANGEBYSCORE", "str", "0", "1"),
    ("ZRANGEBYLEX", "str", "-", "+"),
    ("ZRANGESTORE", "dst2", "str", "0", "1"),
    ("ZRANGESTORE", "str", "z", "0", "1"),
    ("GET", "str"),
    ("SET", "str", "v"),
    ("ZREM", "str", "a"),
    ("ZREMRANGEBYRANK", "str", "0", "1"),
    ("ZREMRANGEBYSCORE", "str", "0", "1"),
    ("ZREMRANGEBYLEX", "str", "-", "+"),
    ("ZPOPMIN", "str"),
    ("ZPOPMIN", "str", "0"),
    ("ZPOPMIN", "str", "x"),
    ("ZMPOP", "2", "nokey", "str", "MIN"),
    ("ZMPOP", "2", "u1", "str", "MAX"),
    ("BZPOPMIN", "str", "0"),
    ("BZPOPMIN", "nokey", "str", "0"),
    ("BZPOPMIN", "str", "x"),
    ("BZMPOP", "0", "1", "str", "MIN"),
    ("ZRANDMEMBER", "str"),
    ("ZRANDMEMBER", "str", "1"),
    ("ZRANDMEMBER", "str", "x"),
    ("ZSCAN", "str", "0"),
    ("ZUNION", "2", "u1", "str"),
    ("ZUNION", "2", "str", "u1", "foo"),
    ("ZINTERSTORE", "dst3", "2", "nokey", "str"),
    ("ZINTERCARD", "1", "str"),
    ("ZINTERCARD", "1", "str", "LIMIT", "x"),
    ("ZUNIONSTORE", "str", "1", "u1"),
    ("ZRANGE", "str", "0", "-1", "WITHSCORES"),
    # conversions: big and long-member sets stay ordered
    ("ZADD", "big", *MANY),
    ("ZCARD", "big"),
    ("ZRANGE", "big", "0", "9", "WITHSCORES"),
    ("ZRANGE", "big", "-5", "-1", "REV"),
    ("ZRANGEBYSCORE", "big", "(3", "5", "LIMIT", "10", "5", "WITHSCORES"),
    ("ZCOUNT", "big", "5", "(9"),
    ("ZRANK", "big", "e150"),
    ("ZREVRANK", "big", "e150"),
    ("ZREMRANGEBYRANK", "big", "10", "150"),
    ("ZRANGE", "big", "0", "-1"),
    ("ZADD", "lm", "1", LONG, "-0", "nz"),
    ("ZSCORE", "lm", "nz"),
    ("ZRANGE", "lm", "0", "-1", "WITHSCORES"),
    ("ZUNIONSTORE", "lmu", "1", "lm", "WEIGHTS", "-1"),
    ("ZRANGE", "lmu", "0", "-1", "WITHSCORES"),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_zset_table_matches_redis(redis_pair: Any, resp: int) -> None:
    if resp == 3:
        assert redis_pair.raw("HELLO", "3")[0].startswith(b"%7")
    mismatches = []
    for cmd in CASES:
        ours, theirs = redis_pair.raw(*cmd)
        if ours != theirs:
            mismatches.append((cmd, ours, theirs))
    assert not mismatches, "\n".join(
        f"{c[:8]!r}: ours {o[:300]!r} != redis {t[:300]!r}" for c, o, t in mismatches
    )


# -------------------------------------------------------------------------------------------------
# COMMAND INFO / COMMAND DOCS / GETKEYS
# -------------------------------------------------------------------------------------------------

ZSET_COMMANDS = [
    "zadd",
    "zincrby",
    "zscore",
    "zmscore",
    "zcard",
    "zcount",
    "zrange",
    "zrangestore",
    "zrevrange",
    "zrangebyscore",
    "zrevrangebyscore",
    "zrangebylex",
    "zrevrangebylex",
    "zlexcount",
    "zrank",
    "zrevrank",
    "zrem",
    "zremrangebyrank",
    "zremrangebyscore",
    "zremrangebylex",
    "zpopmin",
    "zpopmax",
    "zrandmember",
    "zunion",
    "zinter",
    "zdiff",
    "zunionstore",
    "zinterstore",
    "zdiffstore",
    "zintercard",
    "zmpop",
    "zscan",
    "bzpopmin",
    "bzpopmax",
    "bzmpop",
]


@pytest.mark.parametrize("name", ZSET_COMMANDS)
@pytest.mark.parametrize("sub", ["INFO", "DOCS"])
def test_command_metadata_matches_redis(redis_pair: Any, name: str, sub: str) -> None:
    redis_pair.assert_same_metadata(sub, name)


@pytest.mark.parametrize(
    "cmd",
    [
        ("ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"),
        ("ZUNION", "2", "a", "b"),
        ("ZINTERCARD", "2", "a", "b", "LIMIT", "1"),
        ("ZMPOP", "2", "a", "b", "MIN"),
        ("BZMPOP", "0", "2", "a", "b", "MIN"),
        ("BZPOPMIN", "a", "b", "0"),
        ("ZRANGESTORE", "d", "s", "0", "1"),
    ],
)
def test_command_getkeys_matches_redis(compare: Any, cmd: tuple[str, ...]) -> None:
    compare("COMMAND", "GETKEYS", *cmd)


# -------------------------------------------------------------------------------------------------
# Scores: formatting and parsing
# -------------------------------------------------------------------------------------------------


def test_random_scores_match_redis(redis_pair: Any) -> None:
    rng = random.Random(7)
    cmds: list[tuple[str, ...]] = []
    for i in range(300):
        kind = rng.randrange(5)
        if kind == 0:
            s = repr(rng.uniform(-1e6, 1e6))
        elif kind == 1:
            s = f"{rng.uniform(-10, 10):.{rng.randint(0, 20)}f}"
        elif kind == 2:
            s = f"{rng.random() * 10 ** rng.randint(-300, 300):.17g}"
        elif kind == 3:
            s = str(rng.randint(-(2**60), 2**60))
        else:
            s = rng.choice(
                ["0.1", "0.2", "0.3", "1e-5", "-0.0", "2.5e-310", "1.7976931348623157e308"]
            )
        cmds.append(("ZADD", "rs", s, f"m{i % 50}"))
        cmds.append(("ZINCRBY", "rs", s, f"m{(i * 7) % 50}"))
    cmds.append(("ZRANGE", "rs", "0", "-1", "WITHSCORES"))
    cmds.append(("ZSCAN", "rs", "0"))
    for resp in ("2", "3"):
        redis_pair.raw("HELLO", resp)
        for cmd in cmds:
            ours, theirs = redis_pair.raw(*cmd)
            assert ours == theirs, cmd


# -------------------------------------------------------------------------------------------------
# Behaviour (each test runs against plugredis and against redis)
# -------------------------------------------------------------------------------------------------


def test_leaderboard(redis_target: Any) -> None:
    r = redis_target.client
    r.zadd("lb", {"ann": 10, "bob": 20, "cid": 15})
    assert r.zrevrange("lb", 0, 1, withscores=True) == [(b"bob", 20.0), (b"cid", 15.0)]
    assert r.zincrby("lb", 10, "ann") == 20.0
    assert r.zrank("lb", "ann") == 1
    assert r.zrangebyscore("lb", 15, "+inf") == [b"cid", b"ann", b"bob"]
    assert r.zpopmax("lb") == [(b"bob", 20.0)]


def test_big_sorted_set_ranks_and_ranges(redis_target: Any) -> None:
    r = redis_target.client
    rng = random.Random(3)
    members = {f"m{i}": rng.randint(0, 1000) / 4 for i in range(3000)}
    pipe = r.pipeline(transaction=False)
    items = list(members.items())
    for i in range(0, len(items), 500):
        pipe.zadd("bz", dict(items[i : i + 500]))
    pipe.execute()
    expected = sorted(members.items(), key=lambda kv: (kv[1], kv[0].encode()))
    got = r.zrange("bz", 0, -1, withscores=True)
    assert [(m.decode(), s) for m, s in got] == expected
    for m in ("m0", "m1500", "m2999"):
        rank = [k for k, _ in expected].index(m)
        assert r.zrank("bz", m) == rank
        assert r.zrevrank("bz", m) == len(expected) - 1 - rank
    assert r.zcount("bz", 100, 200) == sum(1 for _, s in expected if 100 <= s <= 200)
    removed = r.zremrangebyscore("bz", 0, 50)
    assert removed == sum(1 for _, s in expected if s <= 50)
    assert r.zcard("bz") == 3000 - removed


def test_zscan_skiplist_iterates_everything(redis_target: Any) -> None:
    r = redis_target.client
    members = {f"k{i}".encode(): float(i) for i in range(500)}
    r.zadd("zs", members)
    seen: dict[bytes, float] = {}
    cursor = 0
    calls = 0
    while True:
        cursor, chunk = r.zscan("zs", cursor, count=20)
        seen.update(dict(chunk))
        calls += 1
        if cursor == 0:
            break
    assert seen == members and calls > 1


def test_zrandmember_properties(redis_target: Any) -> None:
    r = redis_target.client
    members = {f"m{i}".encode(): float(i) for i in range(40)}
    r.zadd("zr", members)
    assert r.zrandmember("zr") in members
    for count in (1, 5, 39, 40, 100):
        got = r.zrandmember("zr", count)
        assert len(got) == min(count, 40) and len(set(got)) == len(got)
        assert set(got) <= set(members)
    got = r.zrandmember("zr", -60)
    assert len(got) == 60 and set(got) <= set(members)
    pairs = r.zrandmember("zr", 5, withscores=True)
    assert len(pairs) == 10
    for m, s in zip(pairs[::2], pairs[1::2], strict=True):
        assert members[m] == float(s)
    small = r.zrandmember("zr", 10)
    # a listpack's unique sample keeps the sorted order
    assert small == sorted(small, key=lambda m: members[m])


def test_bzpopmin_wakes_up(redis_target: Any) -> None:
    r = redis_target.client
    other = redis_target.new_client()
    result: list[Any] = []

    def waiter() -> None:
        result.append(other.bzpopmin(["q1", "q2"], timeout=5))

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.2)
    r.zadd("q2", {"x": 1, "y": 2})
    t.join(5)
    other.close()
    assert result == [(b"q2", b"x", 1.0)]
    assert r.zrange("q2", 0, -1) == [b"y"]


def test_bzmpop_wakes_up_and_times_out(redis_target: Any) -> None:
    r = redis_target.client
    other = redis_target.new_client()
    result: list[Any] = []

    def waiter() -> None:
        result.append(other.execute_command("BZMPOP", "5", "1", "q3", "MAX", "COUNT", "2"))

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.2)
    r.zadd("q3", {"a": 1, "b": 2, "c": 3})
    t.join(5)
    assert result == [[b"q3", [[b"c", b"3"], [b"b", b"2"]]]]
    start = time.monotonic()
    assert other.execute_command("BZPOPMAX", "nothing", "0.2") is None
    assert 0.1 < time.monotonic() - start < 2
    other.close()


def test_bzpopmin_ignores_other_types(redis_target: Any) -> None:
    r = redis_target.client
    other = redis_target.new_client()
    result: list[Any] = []

    def waiter() -> None:
        result.append(other.bzpopmin(["q4"], timeout=5))

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.2)
    r.set("q4", "string")
    time.sleep(0.1)
    assert not result
    r.execute_command("SET", "q4", "x", "PX", "1")  # replace, then let it expire
    time.sleep(0.05)
    r.zadd("q4", {"z": 9})
    t.join(5)
    other.close()
    assert result == [(b"q4", b"z", 9.0)]


# -------------------------------------------------------------------------------------------------
# Encodings (plugredis's flag compared with OBJECT ENCODING on the real server)
# -------------------------------------------------------------------------------------------------

ENCODING_SCENARIOS: list[list[tuple[str, ...]]] = [
    [("ZADD", "e", "1", "a")],
    [("ZADD", "e", "1", "m" * 64)],
    [("ZADD", "e", "1", "m" * 65)],
    [("ZADD", "e", "1", "a", "2", "m" * 65), ("ZREM", "e", "m" * 65)],
    [("ZADD", "e", *[x for i in range(128) for x in (str(i), f"m{i}")])],
    [("ZADD", "e", *[x for i in range(129) for x in (str(i), f"m{i}")])],
    [("ZADD", "e", *["1", "a"] * 200)],
    [("ZADD", "e", "1", "a"), ("ZINCRBY", "e", "1", "m" * 65)],
    [("ZINCRBY", "e", "1", "m" * 65)],
    [("ZADD", "x", *[x for i in range(200) for x in (str(i), f"m{i}")]),
     ("ZRANGESTORE", "e", "x", "0", "9")],
    [("ZADD", "x", *[x for i in range(200) for x in (str(i), f"m{i}")]),
     ("ZRANGESTORE", "e", "x", "0", "150", "BYSCORE")],
    [("ZADD", "x", *[x for i in range(200) for x in (str(i), f"m{i}")]),
     ("ZREMRANGEBYRANK", "x", "0", "190"), ("ZUNIONSTORE", "e", "1", "x")],
    [("ZADD", "x", *[x for i in range(200) for x in (str(i), f"m{i}")]),
     ("ZREMRANGEBYRANK", "x", "0", "190"), ("ZRANGE", "x", "0", "-1"), ("ZPOPMIN", "x"),
     ("ZADD", "e", "1", "a"), ("ZDIFFSTORE", "e", "2", "x", "e")],
    [("ZADD", "x", "1", "m" * 70, "2", "b"), ("ZINTERSTORE", "e", "1", "x")],
]  # fmt: skip


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
        assert ours == theirs, cmd
    expected = redis_pair.redis.raw("OBJECT", "ENCODING", "e")
    assert _plugredis_encoding(redis_pair, b"e") == expected.split(b"\r\n")[1].decode()


def test_encoding_thresholds_are_config(redis_pair: Any) -> None:
    try:
        for cmd in [
            ("CONFIG", "SET", "zset-max-listpack-entries", "2"),
            ("CONFIG", "SET", "zset-max-ziplist-value", "3"),
            ("CONFIG", "GET", "zset-max-listpack-entries"),
            ("CONFIG", "GET", "zset-max-ziplist-entries"),
            ("CONFIG", "GET", "zset-max-listpack-value"),
            ("CONFIG", "SET", "zset-max-listpack-entries", "x"),
            ("CONFIG", "SET", "zset-max-listpack-value", "1.5"),
            ("ZADD", "e", "1", "a", "2", "b"),
        ]:
            ours, theirs = redis_pair.raw(*cmd)
            assert ours == theirs, cmd
        assert _plugredis_encoding(redis_pair, b"e") == "listpack"
        redis_pair.raw("ZADD", "e", "3", "c")
        assert _plugredis_encoding(redis_pair, b"e") == "skiplist"
        redis_pair.raw("ZADD", "e2", "1", "abcd")
        assert _plugredis_encoding(redis_pair, b"e2") == "skiplist"
        assert redis_pair.redis.raw("OBJECT", "ENCODING", "e2") == b"$8\r\nskiplist\r\n"
        redis_pair.raw("CONFIG", "SET", "zset-max-listpack-entries", "0")
        for cmd in [("ZADD", "e3", "1", "a"), ("ZUNIONSTORE", "e4", "1", "e3")]:
            ours, theirs = redis_pair.raw(*cmd)
            assert ours == theirs
        for k in (b"e3", b"e4"):
            assert _plugredis_encoding(redis_pair, k) == "skiplist"
    finally:
        redis_pair.raw("CONFIG", "SET", "zset-max-listpack-entries", "128")
        redis_pair.raw("CONFIG", "SET", "zset-max-listpack-value", "64")


def test_typespec_round_trip() -> None:
    z = plugredis_zsets.new_zset([(b"a", 1.0), (b"b", -0.0)])
    assert z.lp
    kind, plain = plugredis_zsets.ZSET.to_rdb(z)  # type: ignore[misc]
    assert kind == "zset" and plain == [(b"b", 0.0), (b"a", 1.0)]
    back = plugredis_zsets.ZSET.from_rdb("zset", [(b"x" * 70, 2.0)])  # type: ignore[misc]
    assert type(back) is plugredis_zsets.ZSet and not back.lp
    c = plugredis_zsets.ZSET.clone(back)
    assert c is not back and list(c.items()) == list(back.items()) and not c.lp
    assert plugredis_zsets.ZSET.encoding_of(z) == "listpack"
