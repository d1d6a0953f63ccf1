"""The optional C helpers (plugredis/_speedups.c) answer exactly as their pure-Python twins."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugredis import resp
from plugredis.resp import Map, RespSet, SimpleString, encode

try:
    from plugredis import _speedups
except ImportError:  # pragma: no cover - no C compiler where the tests run
    _speedups = None  # type: ignore[assignment]

needs_c = pytest.mark.skipif(_speedups is None, reason="plugredis._speedups was not built")

items = st.lists(
    st.one_of(
        st.binary(max_size=20),
        st.binary(min_size=4090, max_size=4100),
        st.integers(),
        st.builds(SimpleString, st.binary(max_size=5)),
        st.none(),
    ),
    max_size=12,
)


def test_the_c_helpers_are_built_where_ci_requires_them() -> None:
    if os.environ.get("PLUGREDIS_REQUIRE_SPEEDUPS") == "1":
        assert _speedups is not None, "plugredis._speedups was not built (no C compiler?)"


@needs_c
@given(items, st.sampled_from([b"*", b"~", b">", b"%"]), st.integers(-1, 30), st.booleans())
def test_bulk_array_matches_its_python_twin(
    values: list[Any], prefix: bytes, count: int, as_tuple: bool
) -> None:
    seq: Any = tuple(values) if as_tuple else values
    assert _speedups.bulk_array(seq, prefix, count if count >= 0 else len(seq)) == (
        resp.bulk_array(seq, prefix, count)
    )
    assert _speedups.bulk_array(seq) == resp.bulk_array(seq)


@needs_c
def test_bulk_array_refuses_what_is_not_a_list_of_bytes() -> None:
    assert _speedups.bulk_array({b"a"}) is None
    assert _speedups.bulk_array(RespSet([b"a"]), b"~") == b"~1\r\n$1\r\na\r\n"
    with pytest.raises(TypeError):
        _speedups.bulk_array([b"a"], b"**")
    with pytest.raises(ValueError):
        _speedups.bulk_array([b"a"], b"*", -2)


@given(items, st.booleans())
def test_replies_are_the_same_with_and_without_the_c_helpers(values: list[Any], r3: bool) -> None:
    pairs = Map(zip(values[::2], values[1::2], strict=False))
    replies = [values, RespSet(values), pairs, [values, pairs]]
    with_c = [encode(v, r3) for v in replies]
    saved = resp._bulk_array
    resp._bulk_array = resp.bulk_array
    try:
        assert [encode(v, r3) for v in replies] == with_c
    finally:
        resp._bulk_array = saved
