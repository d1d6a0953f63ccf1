"""Hostile dump files: fuzzed truncations and byte flips are refused or loaded consistently.

"Refused" means :class:`RdbError` / :class:`LoadError` -- never another exception, never a hang.
Flips are tried with the original checksum (almost always caught by the CRC64) and with the
checksum zeroed ("not computed", which Redis accepts), so the parser itself sees the damage.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import EXTRA, PLUGINS, build_data, populate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugredis.persistence import rdb
from plugredis.persistence.check import check_rdb
from plugredis.persistence.snapshot import LoadError, read_rdb, write_rdb
from plugredis.server import Server
from plugredis.testing import ServerHandle


def _our_file(handle: ServerHandle) -> bytes:
    data = build_data(big=False, gadgets=True)
    populate(handle, data)
    w = handle.call(lambda: write_rdb(handle.server))
    image: bytes = w.getvalue()
    return image


def _compact_file() -> bytes:
    """Every compact encoding Redis 7.0 reads, built by hand."""
    w = rdb.RdbWriter()
    w.write_header(10)
    w.write_aux("redis-ver", "7.0.15")
    w.write_selectdb(0)
    w.write_resizedb(8, 1)
    w.write_type(rdb.RDB_TYPE_LIST_QUICKLIST_2)
    w.write_string(b"ql")
    w.write_length(2)
    w.write_length(rdb.QUICKLIST_NODE_CONTAINER_PACKED)
    w.write_string(rdb.encode_listpack([b"a", b"12", b"-7", b"x" * 70]))
    w.write_length(rdb.QUICKLIST_NODE_CONTAINER_PLAIN)
    w.write_string(b"plain node")
    w.write_type(rdb.RDB_TYPE_LIST_ZIPLIST)
    w.write_string(b"zl")
    w.write_string(rdb.encode_ziplist([b"1", b"two", b"300000"]))
    w.write_type(rdb.RDB_TYPE_SET_INTSET)
    w.write_string(b"is")
    w.write_string(rdb.encode_intset([1, -5, 70000, 1 << 40]))
    w.write_type(rdb.RDB_TYPE_SET_LISTPACK)
    w.write_string(b"sl")
    w.write_string(rdb.encode_listpack([b"m1", b"m2"]))
    w.write_type(rdb.RDB_TYPE_ZSET_LISTPACK)
    w.write_string(b"zs")
    w.write_string(rdb.encode_listpack([b"a", b"1.5", b"b", b"2"]))
    w.write_type(rdb.RDB_TYPE_HASH_LISTPACK)
    w.write_string(b"hl")
    w.write_string(rdb.encode_listpack([b"f", b"v", b"n", b"5"]))
    w.write_type(rdb.RDB_TYPE_HASH_ZIPMAP)
    w.write_string(b"hz")
    w.write_string(rdb.encode_zipmap([(b"f", b"v")]))
    w.write_expiretime_ms(4_000_000_000_000)
    w.write_type(rdb.RDB_TYPE_STRING)
    w.write_string(b"lzf")
    w.write_string(b"compress me " * 20, compress=True)
    w.finish()
    return w.getvalue()


@pytest.fixture
def server(plugredis_server_factory: object, tmp_path: Path) -> ServerHandle:
    handle: ServerHandle = plugredis_server_factory(  # type: ignore[operator]
        plugins=PLUGINS, extra=EXTRA, dir=str(tmp_path)
    )
    return handle


def _canonical(result: tuple[list[dict[bytes, object]], list[dict[bytes, int]], object]) -> object:
    datas, exps, _ = result

    def norm(v: object) -> object:
        if isinstance(v, dict):
            return sorted((repr(k), norm(x)) for k, x in v.items())
        if isinstance(v, set):
            return sorted(repr(x) for x in v)
        if isinstance(v, float) and math.isnan(v):
            return "nan"
        if isinstance(v, list):
            return [norm(x) for x in v]
        return repr(v)

    return [norm(d) for d in datas], [sorted(e.items()) for e in exps]


def _try(srv: Server, data: bytes) -> object:
    try:
        result = read_rdb(srv, data, now_ms=0)
    except (rdb.RdbError, LoadError):
        return None
    return _canonical(result)


def _mutations() -> st.SearchStrategy[tuple[str, int, list[tuple[int, int]], bool]]:
    return st.tuples(
        st.sampled_from(["ours", "compact"]),
        st.integers(min_value=0, max_value=10**9),  # truncation point (mod length)
        st.lists(
            st.tuples(st.integers(min_value=0, max_value=10**9), st.integers(1, 255)),
            max_size=4,
        ),
        st.booleans(),  # zero the checksum
    )


def test_fuzzed_files_are_refused_or_loaded_consistently(
    server: ServerHandle, tmp_path: Path
) -> None:
    srv = server.server
    bases = {"ours": _our_file(server), "compact": _compact_file()}
    assert _try(srv, bases["ours"]) is not None
    assert _try(srv, bases["compact"]) is not None

    @settings(
        max_examples=400,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(_mutations())
    def check(m: tuple[str, int, list[tuple[int, int]], bool]) -> None:
        name, cut, flips, zero_crc = m
        data = bytearray(bases[name])
        for pos, xor in flips:
            data[pos % len(data)] ^= xor
        if zero_crc and len(data) > 8:
            data[-8:] = bytes(8)
        if cut % 3 == 0:  # a third of the cases are also truncated
            del data[cut % len(data) :]
        image = bytes(data)
        first = _try(srv, image)
        second = _try(srv, image)
        assert first == second  # consistent
        report = check_rdb_bytes(image, tmp_path)
        if first is not None:
            assert report.ok, report.error  # what loads, check-rdb accepts

    check()


def check_rdb_bytes(image: bytes, tmp_path: Path) -> rdb.RdbParser | object:
    path = tmp_path / "fuzz.rdb"
    path.write_bytes(image)
    return check_rdb(path, now_ms=0)


def test_truncation_at_every_offset_is_refused(server: ServerHandle) -> None:
    srv = server.server
    image = _compact_file()
    for cut in range(len(image)):
        with pytest.raises((rdb.RdbError, LoadError)):
            read_rdb(srv, image[:cut], now_ms=0)


def test_a_plugin_loader_failure_is_a_refusal(server: ServerHandle) -> None:
    w = rdb.RdbWriter()
    w.write_header()
    w.write_selectdb(0)
    # a gadget with encoding version 4: the test plugin's loader raises ValueError
    w.write_module_entry(b"g", "pr-gadget", 4, lambda mw: mw.write_module_string(b"x"))
    w.finish()
    with pytest.raises(rdb.RdbError, match="pr-gadget"):
        read_rdb(server.server, w.getvalue(), now_ms=0)
