"""The C twins of the hottest handlers (``plugredis.c_twin``) answer and act exactly as the
Python handlers they stand for: the same reply or error, the same keyspace, TTLs, dirty count,
keyspace stats, WATCH invalidations and key-listener events, whatever state the key is in."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugredis import Client, ManualClock
from plugredis._cext import speedups
from plugredis.server import Server

needs_c = pytest.mark.skipif(speedups is None, reason="plugredis._speedups was not built")

TWINNED = [b"get", b"set", b"mset", b"incr", b"decr", b"lpush", b"rpush", b"lpop", b"rpop"]
TWINNED += [b"hset"]

# each family mostly on its own keys, all of them now and then on "a" (WRONGTYPE)
keys = st.sampled_from([b"a", b"b", b"c", b"l"])
list_keys = st.sampled_from([b"l", b"l", b"l", b"m", b"a"])
hash_keys = st.sampled_from([b"h", b"h", b"h", b"a"])
values = st.sampled_from(
    [
        b"0",
        b"1",
        b"-1",
        b"007",
        b"",
        b"abc",
        b" 1",
        b"999999999999999999",  # 18 digits: the twins' own counters
        b"9999999999999999999",  # 19: the Python handler's
        b"9223372036854775807",
        b"-9223372036854775808",
        b"x" * 100,
    ]
)
actions = st.one_of(
    st.tuples(st.just("get"), keys),
    st.tuples(st.just("set"), keys, values),
    st.tuples(st.just("setopt"), keys, values),  # SET with an option: the handler itself
    st.tuples(st.just("mset"), st.lists(st.tuples(keys, values), min_size=1, max_size=4)),
    st.tuples(st.just("msetodd"), keys),
    st.tuples(st.just("incr"), keys),
    st.tuples(st.just("decr"), keys),
    st.tuples(st.just("ttl"), keys, st.integers(-5, 5)),
    st.tuples(st.just("tick"), st.integers(0, 5)),
    st.tuples(st.just("watch"), keys),
    st.tuples(st.just("unwatch")),
    st.tuples(st.just("listen")),
    st.tuples(
        st.sampled_from(["lpush", "rpush"]), list_keys, st.lists(values, min_size=1, max_size=3)
    ),
    st.tuples(
        st.sampled_from(["lpop", "rpop"]), list_keys, st.sampled_from([[], [], [], [b"2"], [b"x"]])
    ),
    st.tuples(st.sampled_from(["lpush", "rpush"]), list_keys, st.lists(values, min_size=1)),
    st.tuples(st.sampled_from(["lpop", "rpop"]), list_keys, st.just([])),
    st.tuples(st.just("hset"), hash_keys, st.lists(st.tuples(values, values), max_size=3)),
    st.tuples(st.just("hset"), hash_keys, st.lists(st.tuples(values, values), min_size=1)),
    st.tuples(st.just("select"), st.integers(0, 1)),
    st.tuples(st.just("pack")),  # the cron packs what is unpacked: lookups unpack again
)


class Side:
    """A server and a client whose commands go through the twins (``twin``) or not."""

    def __init__(self, twin: bool) -> None:
        self.clock = ManualClock(1_000_000)
        self.server = Server(plugins=["strings", "lists", "hashes", "keyspace"], clock=self.clock)
        self.server.now_ms = self.clock.ms()
        self.client = Client(self.server)
        self.watcher = Client(self.server)
        self.events: list[tuple[str, int, bytes]] = []
        fast = self.client.ops.fast_dispatch
        self.handlers: dict[bytes, Any] = {}
        for name in TWINNED:
            h = fast[name][0]
            self.handlers[name] = h if twin else getattr(h, "__wrapped__", h)

    def call(self, name: bytes, *args: bytes) -> Any:
        try:
            return ("ok", self.handlers[name](self.client, *args))
        except Exception as e:  # the reply is the error: compare its kind and text
            return ("error", type(e).__name__, str(e))

    def do(self, action: tuple[Any, ...]) -> Any:
        kind, *rest = action
        db = self.client.db
        if kind in ("get", "incr", "decr"):
            return self.call(kind.encode(), rest[0])
        if kind == "set":
            return self.call(b"set", rest[0], rest[1])
        if kind == "setopt":
            return self.call(b"set", rest[0], rest[1], b"KEEPTTL")
        if kind == "mset":
            return self.call(b"mset", *[x for kv in rest[0] for x in kv])
        if kind == "msetodd":
            return self.call(b"mset", rest[0], b"v", rest[0])
        if kind in ("lpush", "rpush", "lpop", "rpop"):
            return self.call(kind.encode(), rest[0], *rest[1])
        if kind == "hset":
            return self.call(b"hset", rest[0], *[x for fv in rest[1] for x in fv])
        if kind == "pack":
            self.server.compact()
            return None
        if kind == "ttl":
            if rest[0] in db.data:
                db.set_expire(rest[0], self.server.now_ms + rest[1])
            return None
        if kind == "tick":
            self.clock.advance(rest[0] / 1000)
            self.server.now_ms = self.clock.ms()
            return None
        if kind == "watch":
            db.watched.setdefault(rest[0], set()).add(self.watcher)
            return None
        if kind == "unwatch":
            db.watched.clear()
            self.watcher.dirty_cas = False
            return None
        if kind == "listen":  # on, off, on...
            if db.listeners:
                db.listeners.clear()
            else:
                db.listeners.append(lambda ev, i, k: self.events.append((ev, i, k)))
            return None
        if kind == "select":
            self.client.db = self.server.dbs[rest[0]]
            return None
        raise AssertionError(kind)

    def state(self) -> Any:
        s = self.server

        def plain(v: Any) -> Any:
            v = s.registry.type_of(v).plain(v)
            if isinstance(v, dict):  # a hash: its encoding and version too
                return (dict(v), v.ht, v.version)  # type: ignore[attr-defined]
            return v if type(v) is bytes else list(v)

        return (
            [
                ({k: (type(v).__name__, plain(v)) for k, v in db.data.items()}, db.expires)
                for db in s.dbs[:2]
            ],
            s.dirty,
            s.stats.keyspace_hits,
            s.stats.keyspace_misses,
            s.stats.expired_keys,
            self.watcher.dirty_cas,
            self.events,
        )


@needs_c
def test_the_fast_path_calls_the_twins() -> None:
    side = Side(twin=True)
    fast = side.client.ops.fast_dispatch
    for name in TWINNED:
        h = fast[name][0]
        assert type(h).__name__ == "Twin", name
        spec = fast[name][3]
        assert h.__wrapped__ is spec.handler and spec.fast_handler is h
    assert "C twin get" in repr(fast[b"get"][0])


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(actions, max_size=30))
def test_twins_answer_and_act_as_their_handlers(script: list[tuple[Any, ...]]) -> None:
    c, py = Side(twin=True), Side(twin=False)
    for action in script:
        assert c.do(action) == py.do(action), action
        assert c.state() == py.state(), action


@needs_c
def test_a_twin_called_with_something_else_calls_its_handler() -> None:
    side = Side(twin=True)
    get = side.handlers[b"get"]
    side.call(b"set", b"k", b"v")

    class Other:  # not a Client: the handler runs (and fails as it would)
        db = side.client.db

    assert get(Other(), b"k") == b"v"
    with pytest.raises(TypeError):
        get(side.client, b"k", b"extra")
    with pytest.raises(TypeError):
        speedups.twin("get", 42)
    with pytest.raises(ValueError):
        speedups.twin("nothing", print)
