"""The sans-IO codec: request parsing (multibulk, inline, cut frames, errors) and reply encoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugredis.resp import (
    NULL_ARRAY,
    OK,
    Double,
    Error,
    Map,
    Push,
    RequestParser,
    RespSet,
    Verbatim,
    encode,
    frame_length,
    split_args,
)


def mb(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def feed_all(chunks: list[bytes]) -> tuple[list[list[bytes]], str | None]:
    p = RequestParser()
    out: list[list[bytes]] = []
    for c in chunks:
        out += p.feed(c)
        if p.error is not None:
            return out, p.error.msg
    return out, None


def test_multibulk_and_pipeline() -> None:
    data = mb(b"SET", b"k", b"v") + mb(b"GET", b"k")
    assert feed_all([data]) == ([[b"SET", b"k", b"v"], [b"GET", b"k"]], None)


@pytest.mark.parametrize(
    "data",
    [
        mb(b"SET", b"key", b"value") + mb(b"GET", b"key") + b"PING\r\n" + mb(b"ECHO", b""),
        b"PING\r\nSET a 'b c'\r\n" + mb(b"GET", b"a"),
        mb(b"X", b"\r\n\x00" * 10) + b'ECHO "a\\x41\\n"\r\n',
    ],
)
def test_every_split_point_gives_the_same_requests(data: bytes) -> None:
    whole = feed_all([data])
    assert whole[1] is None
    for i in range(1, len(data)):
        assert feed_all([data[:i], data[i:]]) == whole, i
    # byte by byte
    assert feed_all([data[i : i + 1] for i in range(len(data))]) == whole


def test_inline_commands() -> None:
    assert feed_all([b"PING\r\n"]) == ([[b"PING"]], None)
    assert feed_all([b"PING\n"]) == ([[b"PING"]], None)
    assert feed_all([b"  SET  a   b  \r\n"]) == ([[b"SET", b"a", b"b"]], None)
    assert feed_all([b"\r\n\r\nPING\r\n"]) == ([[b"PING"]], None)
    assert feed_all([b"SET \"a b\" 'c d'\r\n"]) == ([[b"SET", b"a b", b"c d"]], None)
    assert feed_all([b'ECHO "\\x41\\t"\r\n']) == ([[b"ECHO", b"A\t"]], None)


@pytest.mark.parametrize(
    "line,expected",
    [
        (b"a b", [b"a", b"b"]),
        (b'"a"b', None),
        (b'"unterminated', None),
        (b"'it\\'s'", [b"it's"]),
        (b'"\\n\\r\\t\\b\\a\\z"', [b"\n\r\t\b\x07z"]),
        (b'""', [b""]),
        (b"", []),
    ],
)
def test_split_args(line: bytes, expected: list[bytes] | None) -> None:
    assert split_args(line) == expected


@pytest.mark.parametrize(
    "data,error",
    [
        (b"*1\r\n$-5\r\n", "invalid bulk length"),
        (b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n", "invalid bulk length"),
        (b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n", "invalid bulk length"),
        (b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n", "invalid bulk length"),
        (b"*3000000000\r\n", "invalid multibulk length"),
        (b"*abc\r\n", "invalid multibulk length"),
        (b"*1\r\nfoo\r\n", "expected '$', got 'f'"),
        (b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", "expected '$', got 'f'"),
        (b"*2\r\n:1\r\n$1\r\na\r\n", "expected '$', got ':'"),
        (b'SET "a\r\n', "unbalanced quotes in request"),
        (b"*1\r\n$" + b"9" * 70000, "too big bulk count string"),
    ],
)
def test_protocol_errors(data: bytes, error: str) -> None:
    assert feed_all([data])[1] == error


def test_good_requests_before_an_error_are_kept() -> None:
    out, err = feed_all([mb(b"PING") + b"*1\r\n$-5\r\n"])
    assert out == [[b"PING"]] and err == "invalid bulk length"


def test_empty_and_null_multibulk_are_ignored() -> None:
    assert feed_all([b"*0\r\n*-1\r\n" + mb(b"PING")]) == ([[b"PING"]], None)


def test_inline_too_big() -> None:
    assert feed_all([b"A" * (70 * 1024)])[1] == "too big inline request"


def test_query_buffer_limit() -> None:
    p = RequestParser(max_query=1024 * 1024)
    p.feed(b"*1\r\n$100000000\r\n")
    for _ in range(20):
        p.feed(b"x" * 65536)
        if p.error:
            break
    assert p.error is not None and not p.error.reply


@given(st.lists(st.lists(st.binary(max_size=20), min_size=1, max_size=5), max_size=5), st.data())
def test_random_pipelines_split_anywhere(reqs: list[list[bytes]], data: st.DataObject) -> None:
    raw = b"".join(mb(*r) for r in reqs)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=4)))
    chunks = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert feed_all([c for c in chunks if c]) == (reqs, None)


def test_frame_length() -> None:
    for req in ([b"a"], [b"SET", b"k" * 12, b"v" * 1000], [b""]):
        assert frame_length(req) == len(mb(*req))


# -- encoder ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,resp2,resp3",
    [
        (b"hi", b"$2\r\nhi\r\n", b"$2\r\nhi\r\n"),
        (None, b"$-1\r\n", b"_\r\n"),
        (NULL_ARRAY, b"*-1\r\n", b"_\r\n"),
        (OK, b"+OK\r\n", b"+OK\r\n"),
        (Error(b"ERR x"), b"-ERR x\r\n", b"-ERR x\r\n"),
        (42, b":42\r\n", b":42\r\n"),
        (-1, b":-1\r\n", b":-1\r\n"),
        (Double(1.5), b"$3\r\n1.5\r\n", b",1.5\r\n"),
        (Double(0.1), b"$19\r\n0.10000000000000001\r\n", b",0.10000000000000001\r\n"),
        (Double(float("inf")), b"$3\r\ninf\r\n", b",inf\r\n"),
        (Double(float("-inf")), b"$4\r\n-inf\r\n", b",-inf\r\n"),
        ([b"a", 1, None], b"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n", b"*3\r\n$1\r\na\r\n:1\r\n_\r\n"),
        (Map({b"k": b"v"}), b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n", b"%1\r\n$1\r\nk\r\n$1\r\nv\r\n"),
        (RespSet([b"a"]), b"*1\r\n$1\r\na\r\n", b"~1\r\n$1\r\na\r\n"),
        (Push([b"a"]), b"*1\r\n$1\r\na\r\n", b">1\r\n$1\r\na\r\n"),
        (Verbatim(b"x"), b"$1\r\nx\r\n", b"=5\r\ntxt:x\r\n"),
        ([], b"*0\r\n", b"*0\r\n"),
        ([OK, b"x"], b"*2\r\n+OK\r\n$1\r\nx\r\n", b"*2\r\n+OK\r\n$1\r\nx\r\n"),
        ([Error(b"ERR e")], b"*1\r\n-ERR e\r\n", b"*1\r\n-ERR e\r\n"),
        (
            [b"a", b"b" * 5000],
            b"*2\r\n$1\r\na\r\n$5000\r\n" + b"b" * 5000 + b"\r\n",
            b"*2\r\n$1\r\na\r\n$5000\r\n" + b"b" * 5000 + b"\r\n",
        ),
    ],
)
def test_encode(value: object, resp2: bytes, resp3: bytes) -> None:
    assert encode(value, False) == resp2
    assert encode(value, True) == resp3


def test_huge_counts_never_reach_hiredis() -> None:
    # hiredis would allocate the whole list at once: these must be refused by our own checks
    assert feed_all([b"*2000000000\r\n"])[1] == "invalid multibulk length"
    assert feed_all([mb(b"PING") + b"*2000000"])[1] is None  # header not complete yet
    assert feed_all([b"*2\r\n$3\r\nGET\r\n", b"*2000000\r\n"])[1] == "expected '$', got '*'"
    assert feed_all([b"*1\r\n", b"$2000000000\r\n"])[1] == "invalid bulk length"


@pytest.mark.parametrize(
    "data",
    [
        mb(b"SET", b"k", b"*1234567 and $123456789 inside a value") + mb(b"GET", b"k"),
        mb(b"SET", b"k", b"*1234567") + b"PING\r\n" + mb(b"ECHO", b"$1234567890"),
        mb(b"PING") + b"PING\r\n" + mb(b"PING") + b"ECHO x\r\n",
        b"*-5\r\n" + mb(b"PING"),
    ],
)
def test_careful_and_mixed_paths_agree_at_every_split(data: bytes) -> None:
    whole = feed_all([data])
    assert whole[1] is None
    for i in range(1, len(data)):
        assert feed_all([data[:i], data[i:]]) == whole, i


def test_large_value_across_many_reads() -> None:
    value = b"v" * 300_000
    data = mb(b"SET", b"k", value) + mb(b"GET", b"k")
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    assert feed_all(chunks) == ([[b"SET", b"k", value], [b"GET", b"k"]], None)
