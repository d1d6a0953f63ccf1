"""Tests for plugredis.glob: hand cases, a reference model, and a differential test against a real
redis-server (KEYS for case-sensitive matching, CONFIG GET for nocase matching).

The real-server tests skip when redis-server is missing, unless PLUGREDIS_REQUIRE_REAL_REDIS=1.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from plugredis.glob import STAR_NESTING_LIMIT, compile_glob, glob_match, is_plain

# --------------------------------------------------------------------------- hand cases

# (pattern, string, nocase, expected); the quirky ones were checked against redis-server 7.0.15.
CASES: list[tuple[bytes, bytes, bool, bool]] = [
    # plain and empty
    (b"", b"", False, True),
    (b"", b"a", False, False),
    (b"a", b"", False, False),
    (b"abc", b"abc", False, True),
    (b"abc", b"abd", False, False),
    (b"abc", b"ABC", False, False),
    (b"abc", b"ABC", True, True),
    # stars
    (b"*", b"", False, False),  # stringmatchlen itself never matches "" with a non-empty pattern
    (b"**", b"", False, False),
    (b"*", b"anything", False, True),
    (b"***", b"x", False, True),
    (b"a*", b"a", False, True),
    (b"a*", b"abc", False, True),
    (b"*a", b"a", False, True),
    (b"*a", b"ba", False, True),
    (b"*a", b"ab", False, False),
    (b"a*b", b"ab", False, True),
    (b"a*b", b"axxb", False, True),
    (b"a*b", b"axxbx", False, False),
    (b"a*b*c", b"abbbcbc", False, True),
    (b"*a*b*", b"xxbxa", False, False),
    (b"h*llo", b"heeeello", False, True),
    # question mark
    (b"?", b"", False, False),
    (b"?", b"x", False, True),
    (b"?", b"xy", False, False),
    (b"h?llo", b"hallo", False, True),
    (b"a?*", b"a", False, False),
    (b"a?*", b"ab", False, True),
    # classes
    (b"h[ae]llo", b"hello", False, True),
    (b"h[ae]llo", b"hillo", False, False),
    (b"h[^e]llo", b"hallo", False, True),
    (b"h[^e]llo", b"hello", False, False),
    (b"h[a-b]llo", b"hbllo", False, True),
    (b"[z-a]", b"m", False, True),  # reversed range
    (b"[a-]", b"]", False, True),  # range a..] (swapped to ]..a)
    (b"[a-]", b"_", False, True),
    (b"[a-]", b"-", False, False),
    (b"[a-]b]", b"b", False, True),  # the class goes on after that range
    (b"[]", b"]", False, False),  # empty class
    (b"[]a]", b"]a]", False, False),
    (b"[]a]", b"a]", False, False),
    (b"[^]", b"x", False, True),  # negated empty class: any byte
    (b"[^]", b"", False, False),
    (b"[", b"[", False, False),  # unterminated, empty: matches nothing
    (b"[^", b"q", False, True),  # unterminated, negated empty: any byte
    (b"[ab", b"b", False, True),  # unterminated: ends at pattern end
    (b"[ab", b"ab", False, False),
    (b"[\\]", b"]", False, True),  # escaped ], then unterminated
    (b"[\\]", b"\\", False, False),
    (b"[\\", b"\\", False, True),  # a lone backslash at the end of a class is literal
    (b"[\\^a]", b"^", False, True),
    (b"[\\-a]", b"-", False, True),
    (b"[\\-a]", b"b", False, False),
    (b"[a\\-c]", b"b", False, False),  # escaped dash is no range
    (b"[--0]", b"/", False, True),
    (b"[*?]", b"*", False, True),
    (b"[*?]", b"x", False, False),
    # escapes outside classes
    (b"\\*", b"*", False, True),
    (b"\\*", b"a", False, False),
    (b"\\?", b"?", False, True),
    (b"\\[a]", b"[a]", False, True),
    (b"\\a", b"a", False, True),
    (b"\\", b"\\", False, True),  # trailing backslash is literal
    (b"a\\", b"a\\", False, True),
    (b"\\\\", b"\\", False, True),
    (b"a\\*", b"a", False, False),
    (b"\\A", b"a", True, True),  # escapes outside a class fold case
    # nocase quirks (checked against CONFIG GET)
    (b"[\\M]", b"m", True, False),  # escapes inside a class do not fold case
    (b"[\\m]", b"m", True, True),
    (b"[M]", b"m", True, True),
    (b"[Z-n]", b"m", False, True),
    (b"[Z-n]", b"m", True, False),  # swapped first, lowered after: z..n is empty
    (b"[Z-N]", b"m", True, False),  # N..Z -> n..z
    (b"[Z-N]", b"n", True, True),
    (b"[B-A]", b"a", True, True),
    (b"[A-z]", b"[", False, True),
    (b"[A-z]", b"[", True, False),  # a..z once lowered
    (b"[A-z]", b"Q", True, True),
    # signed-char range ends (x86 Redis)
    (b"[a-\xff]", b"\xff", False, True),  # -1..97
    (b"[a-\xff]", b"A", False, True),
    (b"[a-\xff]", b"\x80", False, False),
    (b"[a-\xff]", b"b", False, False),
    (b"[\x80-\xff]", b"\x90", False, True),
    (b"[^\x80-\xff]", b"\x90", False, False),
    # bytes are opaque: NUL, newline
    (b"a?c", b"a\nc", False, True),
    (b"*", b"\n", False, True),
    (b"a\x00*", b"a\x00b", False, True),
]


@pytest.mark.parametrize(("pattern", "string", "nocase", "expected"), CASES)
def test_hand_cases(pattern: bytes, string: bytes, nocase: bool, expected: bool) -> None:
    assert glob_match(pattern, string, nocase) is expected
    assert compile_glob(pattern, nocase)(string) is expected


def test_star_nesting_limit() -> None:
    key = b"a" * 1200 + b"b"
    cases = [
        (b"a*" * STAR_NESTING_LIMIT + b"b", True),
        (b"a*" * (STAR_NESTING_LIMIT + 1) + b"b", False),  # one inner star group too many
        (b"a*" * (STAR_NESTING_LIMIT + 1), True),  # the last group is trailing: no recursion
        (b"a*" * 2000, False),
        (b"*" * 5000 + b"b", True),  # consecutive stars are one group
        (b"a\\*" * 1500 + b"*", False),  # escaped stars are no groups; literal mismatch
    ]
    for pattern, expected in cases:
        assert glob_match(pattern, key) is expected, pattern[:20]
        assert compile_glob(pattern)(key) is expected, pattern[:20]


def test_no_catastrophic_backtracking() -> None:
    pattern = b"*a" * 20 + b"*b"
    string = b"a" * 20_000
    start = time.perf_counter()
    assert not glob_match(pattern, string)
    assert not compile_glob(pattern)(string)
    assert compile_glob(pattern)(string + b"b")
    assert time.perf_counter() - start < 2.0


def test_is_plain() -> None:
    for p in [b"", b"abc", b"user:1", b"a]b", b"^-", b"\x00\xff"]:
        assert is_plain(p)
        assert compile_glob(p)(p)
    for p in [b"*", b"a?", b"[a]", b"a\\b", b"a]b*"]:
        assert not is_plain(p)


def test_compile_glob_is_cached_and_accepts_bytearray() -> None:
    assert compile_glob(b"a*[bc]") is compile_glob(b"a*[bc]")
    assert compile_glob(bytearray(b"a*[bc]"))(b"axc")
    assert compile_glob(b"a*", nocase=True)(b"AB")


def test_fast_paths() -> None:
    assert compile_glob(b"user:*")(b"user:1")
    assert not compile_glob(b"user:*")(b"use")
    assert compile_glob(b"*:1")(b"user:1")
    assert not compile_glob(b"*:1")(b"")
    assert not compile_glob(b"***")(b"")
    assert compile_glob(b"\\*x*")(b"*xy")
    assert not compile_glob(b"\\*x*")(b"axy")
    assert compile_glob(b"*5*")(b"a5b")
    assert compile_glob(b"**5**")(b"5")
    assert not compile_glob(b"*5*")(b"a6b")


# --------------------------------------------------------------------------- reference model


def _signed(b: int) -> int:
    return b - 256 if b > 127 else b


def _tolower(v: int) -> int:
    return v + 32 if 65 <= v <= 90 else v


def model(p: bytes, s: bytes, nocase: bool) -> bool:
    """A slow, recursive model of Redis 7.0's matcher, written independently of plugredis.glob."""
    if not s:
        return not p

    def same(a: int, b: int) -> bool:
        return _tolower(a) == _tolower(b) if nocase else a == b

    def in_class(pi: int, c: int) -> tuple[bool, int]:
        # pi indexes the byte after '['; returns (matched, index after the class)
        neg = pi < len(p) and p[pi] == ord("^")
        if neg:
            pi += 1
        hit = False
        while pi < len(p) and p[pi] != ord("]"):
            if p[pi] == ord("\\") and pi + 1 < len(p):
                hit = hit or p[pi + 1] == c
                pi += 2
            elif pi + 2 < len(p) and p[pi + 1] == ord("-"):
                a, b, x = _signed(p[pi]), _signed(p[pi + 2]), _signed(c)
                a, b = min(a, b), max(a, b)
                if nocase:
                    a, b, x = _tolower(a), _tolower(b), _tolower(x)
                hit = hit or a <= x <= b
                pi += 3
            else:
                hit = hit or same(p[pi], c)
                pi += 1
        if pi < len(p):
            pi += 1  # the closing ']'
        return hit != neg, pi

    def rec(pi: int, si: int) -> bool:
        if si == len(s):
            return all(b == ord("*") for b in p[pi:])
        if pi == len(p):
            return False
        c = p[pi]
        if c == ord("*"):
            while pi < len(p) and p[pi] == ord("*"):
                pi += 1
            if pi == len(p):
                return True
            return any(rec(pi, k) for k in range(si, len(s)))
        if c == ord("?"):
            return rec(pi + 1, si + 1)
        if c == ord("["):
            ok, nxt = in_class(pi + 1, s[si])
            return ok and rec(nxt, si + 1)
        if c == ord("\\") and pi + 1 < len(p):
            pi += 1
        return same(p[pi], s[si]) and rec(pi + 1, si + 1)

    return rec(0, 0)


@pytest.mark.parametrize(("pattern", "string", "nocase", "expected"), CASES)
def test_model_agrees_with_hand_cases(
    pattern: bytes, string: bytes, nocase: bool, expected: bool
) -> None:
    assert model(pattern, string, nocase) is expected


PATTERN_ALPHABET = b"ab*?[]^-\\Az\xff"
STRING_ALPHABET = b"ab]^-\\[*?AZz_\x80\xff"
patterns = st.lists(st.sampled_from(PATTERN_ALPHABET), max_size=8).map(bytes)
strings = st.lists(st.sampled_from(STRING_ALPHABET), max_size=6).map(bytes)


@settings(max_examples=1500, deadline=None, database=None)
@given(patterns, strings, st.booleans())
def test_glob_match_agrees_with_model(pattern: bytes, string: bytes, nocase: bool) -> None:
    assert glob_match(pattern, string, nocase) == model(pattern, string, nocase)


@settings(max_examples=1500, deadline=None, database=None)
@given(patterns, st.lists(strings, max_size=6), st.booleans())
def test_compile_glob_agrees_with_glob_match(
    pattern: bytes, candidates: list[bytes], nocase: bool
) -> None:
    matcher = compile_glob(pattern, nocase)
    for s in candidates:
        assert matcher(s) == glob_match(pattern, s, nocase), (pattern, s, nocase)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(st.sampled_from(b"ab*?[]-"), max_size=12).map(bytes),
    st.lists(st.text("ab", max_size=40).map(str.encode), max_size=4),
)
def test_compile_glob_agrees_on_star_heavy_patterns(
    pattern: bytes, candidates: list[bytes]
) -> None:
    matcher = compile_glob(pattern)
    for s in candidates:
        assert matcher(s) == glob_match(pattern, s)


# --------------------------------------------------------------------------- real redis-server


def _redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def real_redis() -> Iterator[Any]:
    required = os.environ.get("PLUGREDIS_REQUIRE_REAL_REDIS") == "1"
    binary = _redis_server_binary()
    try:
        import redis
    except ImportError:  # pragma: no cover
        redis = None  # type: ignore[assignment]
    if binary is None or redis is None:
        reason = "redis-server" if binary is None else "redis-py"
        if required:
            pytest.fail(f"PLUGREDIS_REQUIRE_REAL_REDIS=1 but {reason} is not available")
        pytest.skip(f"{reason} not available")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_timeout=10)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield client
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()


# Pattern pieces: special bytes, escapes and whole classes (closed or not) with ranges and escapes,
# so that the quirky paths are reached often.
ATOMS = b"ab]^-\\[*?Az\x80\xff"


def _class_item(alphabet: bytes) -> st.SearchStrategy[bytes]:
    one = st.sampled_from(alphabet).map(lambda c: bytes([c]))
    return st.one_of(
        one,
        one.map(lambda c: b"\\" + c),
        st.tuples(one, one).map(lambda t: t[0] + b"-" + t[1]),
    )


def class_fragments(alphabet: bytes = ATOMS) -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda neg, items, close: b"[" + (b"^" if neg else b"") + b"".join(items) + close,
        st.booleans(),
        st.lists(_class_item(alphabet), max_size=3),
        st.sampled_from([b"]", b"]", b"]", b""]),
    )


def glob_patterns(alphabet: bytes = ATOMS, max_pieces: int = 5) -> st.SearchStrategy[bytes]:
    piece = st.one_of(
        st.sampled_from(alphabet).map(lambda c: bytes([c])),
        st.sampled_from(alphabet).map(lambda c: b"\\" + bytes([c])),
        class_fragments(alphabet),
    )
    return st.lists(piece, max_size=max_pieces).map(b"".join)


def _derived_keys(pattern: bytes) -> set[bytes]:
    """Keys likely to match: the pattern with its special bytes dropped or replaced."""
    out = {pattern, pattern.replace(b"*", b"").replace(b"?", b"a")}
    out.add(bytes(c for c in pattern if c not in b"*?[]\\^"))
    out.add(bytes(c for c in pattern if c not in b"*?[]\\"))
    return out


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    glob_patterns(),
    st.sets(st.lists(st.sampled_from(ATOMS), max_size=5).map(bytes), max_size=8),
)
def test_keys_agrees_with_redis(real_redis: Any, pattern: bytes, random_keys: set[bytes]) -> None:
    keys = random_keys | _derived_keys(pattern) | {b""}
    pipe = real_redis.pipeline(transaction=False)
    pipe.flushdb()
    pipe.mset({k: b"1" for k in keys})
    pipe.keys(pattern)
    got = set(pipe.execute()[-1])
    # KEYS answers every key for the pattern "*" without calling the matcher (that is how the
    # empty key shows up); every other pattern goes through stringmatchlen.
    expected = set(keys) if pattern == b"*" else {k for k in keys if glob_match(pattern, k)}
    assert got == expected
    matcher = compile_glob(pattern)
    assert {k for k in keys if pattern == b"*" or matcher(k)} == expected


@pytest.mark.parametrize(
    ("pattern", "string", "expected"),
    [(p, s, e) for p, s, nocase, e in CASES if not nocase],
)
def test_hand_cases_agree_with_redis(
    real_redis: Any, pattern: bytes, string: bytes, expected: bool
) -> None:
    pipe = real_redis.pipeline(transaction=False)
    pipe.flushdb()
    pipe.set(string, b"1")
    pipe.keys(pattern)
    got = pipe.execute()[-1] == [string]
    assert got is (expected or pattern == b"*")  # KEYS short-cuts a lone "*"


@pytest.fixture(scope="module")
def single_byte_db(real_redis: Any) -> Any:
    """Database 1 of the real server, holding the 256 one-byte keys."""
    import redis

    client = redis.Redis(port=real_redis.connection_pool.connection_kwargs["port"], db=1)
    client.flushdb()
    client.mset({bytes([b]): b"1" for b in range(256)})
    yield client
    client.close()


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.one_of(class_fragments(), glob_patterns(max_pieces=1)))
def test_one_byte_patterns_agree_with_redis(single_byte_db: Any, pattern: bytes) -> None:
    """A one-byte pattern (class, escape, ...) against every possible byte at once."""
    got = set(single_byte_db.keys(pattern))
    everything = [bytes([b]) for b in range(256)]
    assert got == {k for k in everything if pattern == b"*" or glob_match(pattern, k)}
    matcher = compile_glob(pattern)
    assert got == {k for k in everything if pattern == b"*" or matcher(k)}


def _config_get_names(client: Any, pattern: bytes) -> set[bytes]:
    reply = client.execute_command("CONFIG", "GET", pattern)
    names = reply.keys() if isinstance(reply, dict) else reply[::2]  # redis-py may build a dict
    return {n.encode() if isinstance(n, str) else n for n in names}


@pytest.fixture(scope="module")
def config_names(real_redis: Any) -> set[bytes]:
    names = _config_get_names(real_redis, b"*")
    assert b"maxmemory" in names
    return names


NOCASE_ATOMS = b"aeimprsAEIMPRSZ-]^\\09"


@settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.one_of(
        class_fragments(NOCASE_ATOMS).map(lambda c: c + b"*"),  # first byte of each name
        class_fragments(NOCASE_ATOMS).map(lambda c: b"*" + c),  # last byte (if the class closes)
        glob_patterns(b"maxMAXyY*?-", max_pieces=10),
    )
)
def test_config_get_nocase_agrees_with_redis(
    real_redis: Any, config_names: set[bytes], pattern: bytes
) -> None:
    # CONFIG GET looks a name up directly (case-insensitively) unless it contains one of "[*?".
    assume(any(c in pattern for c in b"[*?"))
    got = _config_get_names(real_redis, pattern)
    assert got == {n for n in config_names if glob_match(pattern, n, nocase=True)}
    matcher = compile_glob(pattern, nocase=True)
    assert got == {n for n in config_names if matcher(n)}


@pytest.mark.parametrize(
    "pattern",
    [
        *(b"[Z-n]axmemory", b"[Z-N]axmemory", b"[\\M]axmemory", b"[\\m]axmemory"),
        *(b"M[B-A]xmemory", b"*MEMORY*", b"[^M]axmemory", b"MAX*", b"*-[A-Z]*", b"?AXMEMORY"),
    ],
)
def test_config_get_quirks(real_redis: Any, config_names: set[bytes], pattern: bytes) -> None:
    got = _config_get_names(real_redis, pattern)
    assert got == {n for n in config_names if glob_match(pattern, n, nocase=True)}
