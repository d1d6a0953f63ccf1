"""Whole-server snapshots: round trips through a restart, timers, failures, refusals, SHUTDOWN."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    EXTRA,
    FAR,
    GADGETS,
    PLUGINS,
    TYPES,
    Gadget,
    TList,
    assert_same,
    build_data,
    info_field,
    populate,
    snapshot,
    wait_for,
)

from plugredis import ManualClock
from plugredis.persistence import rdb
from plugredis.persistence import snapshot as snap
from plugredis.persistence.check import check_rdb
from plugredis.persistence.snapshot import LoadError
from plugredis.server import Server
from plugredis.testing import RawConnection, ServerHandle, raw_command

Start = Callable[..., ServerHandle]


@pytest.fixture
def start(plugredis_server_factory: Callable[..., ServerHandle], tmp_path: Path) -> Start:
    """``start(directory=tmp_path, **options)``: a server with the test types, in ``directory``."""

    def start_(directory: Path | None = None, **options: Any) -> ServerHandle:
        options.setdefault("plugins", PLUGINS)
        options.setdefault("extra", EXTRA)
        return plugredis_server_factory(dir=str(directory or tmp_path), **options)

    return start_


def raw(handle: ServerHandle, *args: Any) -> bytes:
    return raw_command(handle.host, handle.port, *args)


def wait_bgsave(client: Any) -> None:
    wait_for(lambda: info_field(client, "rdb_bgsave_in_progress") == 0, 20, "the BGSAVE to end")


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("temp-"))


def failing_fsync(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# -------------------------------------------------------------------------------------------------
# round trips
# -------------------------------------------------------------------------------------------------


def test_every_type_survives_save_and_restart(start: Start, tmp_path: Path) -> None:
    data = build_data(gadgets=True)
    a = start()
    populate(a, data)
    assert raw(a, "SAVE") == b"+OK\r\n"
    assert temp_files(tmp_path) == []
    a.stop()
    b = start()
    assert_same(snapshot(b), data)
    client = b.client()
    total = sum(len(keys) for keys in data.values())
    assert info_field(client, "rdb_last_load_keys_loaded") == total
    assert info_field(client, "rdb_changes_since_last_save") == 0
    assert client.get(b"big:string") == data[0][b"big:string"][1]


@pytest.mark.parametrize("how", ["save", "bgsave", "shutdown", "stop", "interval", "sigterm"])
def test_round_trip_through_each_way_of_saving(start: Start, tmp_path: Path, how: str) -> None:
    data = build_data(big=False, gadgets=True)
    a = start(save_interval=0 if how in ("save", "bgsave") else 300 if how != "interval" else 1)
    populate(a, data)
    client = a.client()
    if how == "save":
        assert client.save() is True
    elif how == "bgsave":
        assert raw(a, "BGSAVE") == b"+Background saving started\r\n"
        wait_bgsave(client)
        assert info_field(client, "rdb_last_bgsave_status") == "ok"
    elif how == "shutdown":
        assert raw(a, "SHUTDOWN") == b""
        wait_for(lambda: _stopped(a), 10, "the server to stop")
        with pytest.raises(OSError):
            raw(a, "PING")
    elif how == "stop":
        a.stop()
    elif how == "interval":
        wait_for(lambda: (tmp_path / "dump.rdb").exists(), 10, "the timed save")
        wait_bgsave(client)
    elif how == "sigterm":
        assert a.server.prepare_shutdown() is True  # what the SIGTERM handler does first
    a.stop()
    assert temp_files(tmp_path) == []
    b = start()
    assert_same(snapshot(b), data)


def test_expired_keys_are_dropped_at_load(start: Start, tmp_path: Path) -> None:
    now = 1_800_000_000_000
    a = start(clock=ManualClock(now))
    populate(
        a,
        {
            0: {
                b"soon": ("string", b"1", now + 1000),
                b"later": ("string", b"2", now + 100_000),
                b"past": ("string", b"3", now - 1),  # already expired: not even written
                b"list": ("list", [b"x"], now + 2000),
            }
        },
    )
    assert raw(a, "SAVE") == b"+OK\r\n"
    a.stop()
    report = check_rdb(tmp_path / "dump.rdb", now_ms=now)
    assert report.ok and report.keys == 3
    b = start(clock=ManualClock(now + 5000))
    got = snapshot(b)
    assert sorted(got[0]) == [b"later"]
    client = b.client()
    assert info_field(client, "rdb_last_load_keys_expired") == 2
    assert info_field(client, "rdb_last_load_keys_loaded") == 1


def test_many_databases_and_database_limit(start: Start, tmp_path: Path) -> None:
    data = {db: {b"k%d" % db: ("string", b"v%d" % db, None)} for db in range(0, 64, 3)}
    a = start(databases=64)
    populate(a, data)
    assert raw(a, "SAVE") == b"+OK\r\n"
    a.stop()
    b = start(databases=64)
    assert_same(snapshot(b), data)
    b.stop()
    before = (tmp_path / "dump.rdb").read_bytes()
    with pytest.raises(LoadError, match=r"database 18 .*only 16 databases"):
        start(databases=16)
    assert (tmp_path / "dump.rdb").read_bytes() == before


# -------------------------------------------------------------------------------------------------
# SAVE / BGSAVE / LASTSAVE / INFO
# -------------------------------------------------------------------------------------------------


def test_save_bgsave_lastsave_and_info(start: Start, tmp_path: Path) -> None:
    a = start()
    client = a.client()
    info = client.info("persistence")
    for name in (
        "rdb_changes_since_last_save",
        "rdb_bgsave_in_progress",
        "rdb_last_save_time",
        "rdb_last_bgsave_status",
        "rdb_last_bgsave_time_sec",
        "rdb_current_bgsave_time_sec",
        "rdb_saves",
        "rdb_last_cow_size",
        "loading",
    ):
        assert name in info, name
    assert info["rdb_last_bgsave_time_sec"] == -1
    assert info["rdb_saves"] == 0
    first = client.lastsave()
    client.set("a", "1")
    client.set("b", "2")
    assert info_field(client, "rdb_changes_since_last_save") == 2
    assert client.save()
    assert info_field(client, "rdb_changes_since_last_save") == 0
    assert info_field(client, "rdb_saves") == 1
    assert client.lastsave() >= first
    client.set("c", "3")
    assert raw(a, "BGSAVE", "SCHEDULE") == b"+Background saving started\r\n"
    wait_bgsave(client)
    info = client.info("persistence")
    assert info["rdb_saves"] == 2
    assert info["rdb_changes_since_last_save"] == 0
    assert info["rdb_last_bgsave_time_sec"] >= 0
    assert info["rdb_last_bgsave_status"] == "ok"
    stats = client.info("stats")
    assert stats["total_forks"] == 1
    assert stats["latest_fork_usec"] > 0
    assert raw(a, "LASTSAVE").startswith(b":")
    assert raw(a, "BGSAVE", "NOW") == b"-ERR syntax error\r\n"
    assert raw(a, "BGSAVE", "SCHEDULE", "SCHEDULE") == b"-ERR syntax error\r\n"
    assert raw(a, "SAVE", "x") == b"-ERR wrong number of arguments for 'save' command\r\n"


def test_a_running_bgsave_refuses_another_and_save(start: Start, tmp_path: Path) -> None:
    a = start()
    client = a.client()
    for i in range(5):
        client.set(f"k{i}", i)
    client.config_set("rdb-key-save-delay", 200_000)  # 0.2 s per key: a 1 s save
    assert raw(a, "BGSAVE") == b"+Background saving started\r\n"
    busy = b"-ERR Background save already in progress\r\n"
    assert raw(a, "BGSAVE") == busy
    assert raw(a, "BGSAVE", "SCHEDULE") == busy
    assert raw(a, "SAVE") == busy
    assert info_field(client, "rdb_bgsave_in_progress") == 1
    assert info_field(client, "rdb_current_bgsave_time_sec") >= 0
    # the parent keeps serving, and writes during the save stay counted as unsaved
    client.set("during1", "x")
    client.set("during2", "y")
    assert client.get("during1") == b"x"
    wait_bgsave(client)
    assert info_field(client, "rdb_changes_since_last_save") == 2
    client.config_set("rdb-key-save-delay", 0)
    report = check_rdb(tmp_path / "dump.rdb")
    assert report.ok and report.keys == 5  # the point-in-time snapshot


def test_bgsave_inside_multi_is_scheduled(start: Start, tmp_path: Path) -> None:
    a = start()
    client = a.client()
    client.set("k", "v")
    conn = RawConnection(a.host, a.port)
    assert conn.command("MULTI") == b"+OK\r\n"
    assert conn.command("BGSAVE") == b"+QUEUED\r\n"
    assert conn.command("EXEC") == b"*1\r\n+Background saving scheduled\r\n"
    conn.close()
    wait_for(lambda: (tmp_path / "dump.rdb").exists(), 10, "the scheduled save")
    wait_bgsave(client)
    assert check_rdb(tmp_path / "dump.rdb").keys == 1


# -------------------------------------------------------------------------------------------------
# timers and rules
# -------------------------------------------------------------------------------------------------


def test_save_rules_from_config_set(start: Start, tmp_path: Path) -> None:
    clock = ManualClock()
    a = start(clock=clock)
    client = a.client()
    assert client.config_get("save") == {"save": ""}
    client.config_set("save", "100 5 10 2")
    assert client.config_get("save") == {"save": "100 5 10 2"}
    client.set("a", "1")
    clock.advance(11)
    time.sleep(0.3)
    assert not (tmp_path / "dump.rdb").exists()  # one change: the "10 2" rule is not met
    client.set("b", "2")
    wait_for(lambda: (tmp_path / "dump.rdb").exists(), 10, "the rule-triggered save")
    wait_bgsave(client)
    assert raw(a, "LASTSAVE") == b":%d\r\n" % int(clock.time())
    assert info_field(client, "rdb_changes_since_last_save") == 0


def test_save_interval_timer(start: Start, tmp_path: Path) -> None:
    clock = ManualClock()
    a = start(clock=clock, save_interval=5)
    client = a.client()
    assert client.config_get("save") == {"save": "3600 1 300 100 60 10000"}
    clock.advance(6)
    time.sleep(0.3)
    assert not (tmp_path / "dump.rdb").exists()  # nothing changed: no save
    client.set("a", "1")  # a change, and more than 5 s since the last save: save now
    wait_for(lambda: (tmp_path / "dump.rdb").exists(), 10, "the timed save")
    wait_bgsave(client)
    assert info_field(client, "rdb_saves") == 1
    client.set("b", "1")
    clock.advance(4)
    time.sleep(0.3)
    assert info_field(client, "rdb_saves") == 1  # 4 s since the last save: wait
    clock.advance(1)
    wait_for(lambda: info_field(client, "rdb_saves") == 2, 10, "the second timed save")
    wait_bgsave(client)
    assert check_rdb(tmp_path / "dump.rdb").keys == 2


def test_failed_timed_saves_retry_after_a_delay(
    start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock()
    a = start(clock=clock, save_interval=1)
    client = a.client()
    client.set("a", "1")
    monkeypatch.setattr(snap, "_fsync", failing_fsync)
    clock.advance(1)
    wait_for(lambda: info_field(client, "rdb_saves") == 1, 10, "the first try")
    wait_bgsave(client)
    assert info_field(client, "rdb_last_bgsave_status") == "err"
    clock.advance(2)
    time.sleep(0.3)
    assert info_field(client, "rdb_saves") == 1  # within BGSAVE_RETRY_DELAY: no new try
    monkeypatch.undo()
    clock.advance(snap.BGSAVE_RETRY_DELAY)
    wait_for(lambda: info_field(client, "rdb_saves") == 2, 10, "the retry")
    wait_bgsave(client)
    assert info_field(client, "rdb_last_bgsave_status") == "ok"
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("", True),
        ("10 20 30 40", True),
        ("010 2", True),
        ("99999999999999999999 1", True),
        ("1 0", True),
        ("abc", False),
        ("1", False),
        ("0 0", False),
        ("-1 5", False),
        ("10 -1", False),
        ("  10   20  ", False),
        ("1.5 2", False),
    ],
)
def test_save_rule_parsing(value: str, ok: bool) -> None:
    if ok:
        snap.check_save_rules(value)
    else:
        with pytest.raises(ValueError, match="Invalid save parameters"):
            snap.check_save_rules(value)


def test_config_file_save_lines_are_merged() -> None:
    s = Server(plugins=["strings"], save_interval=0)
    s.apply_config([("save", "900 1", 1), ("save", "300 10", 2)])
    assert s.save_rules == "900 1 300 10"
    s.apply_config([("save", "", 1), ("save", "60 100", 2)])
    assert s.save_rules == "60 100"
    s.apply_config([("save", "", 3)])
    assert s.save_rule_pairs == []


# -------------------------------------------------------------------------------------------------
# failures: the previous file is kept, the server keeps serving
# -------------------------------------------------------------------------------------------------


def test_failed_save_keeps_previous_file_and_serving(
    start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = start()
    client = a.client()
    client.set("old", "1")
    assert client.save()
    good = (tmp_path / "dump.rdb").read_bytes()
    client.set("new", "2")
    monkeypatch.setattr(snap, "_fsync", failing_fsync)  # "disk full"
    assert raw(a, "SAVE") == b"-ERR\r\n"
    assert info_field(client, "rdb_last_bgsave_status") == "err"
    assert (tmp_path / "dump.rdb").read_bytes() == good
    assert temp_files(tmp_path) == []
    assert client.set("more", "3")  # writes keep working
    assert raw(a, "BGSAVE") == b"+Background saving started\r\n"
    wait_bgsave(client)
    assert info_field(client, "rdb_last_bgsave_status") == "err"
    assert (tmp_path / "dump.rdb").read_bytes() == good
    assert temp_files(tmp_path) == []
    assert info_field(client, "rdb_changes_since_last_save") == 2
    monkeypatch.undo()
    assert client.save()
    assert info_field(client, "rdb_last_bgsave_status") == "ok"
    assert check_rdb(tmp_path / "dump.rdb").keys == 3


def test_save_into_a_vanished_directory_fails_cleanly(start: Start, tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    a = start(directory)
    client = a.client()
    client.set("k", "v")
    shutil.rmtree(directory)
    assert raw(a, "SAVE") == b"-ERR\r\n"
    assert client.set("k2", "v")
    assert info_field(client, "rdb_last_bgsave_status") == "err"
    directory.mkdir()
    assert client.save()
    assert check_rdb(directory / "dump.rdb").keys == 2


def test_a_type_without_codec_fails_the_save(start: Start, tmp_path: Path) -> None:
    from plugredis import TypeSpec, hookimpl

    class Opaque:
        pass

    class OpaquePlugin:
        plugredis_name = "opaque"

        @hookimpl
        def register_types(self, register: Any) -> None:
            register(TypeSpec("opaque", Opaque))

    a = start(extra=[*EXTRA, OpaquePlugin()])
    a.call(lambda: a.server.dbs[0].data.__setitem__(b"o", Opaque()))
    assert raw(a, "SAVE") == b"-ERR\r\n"
    assert "opaque" in a.server.persistence.last_error
    assert not (tmp_path / "dump.rdb").exists()


def test_kill_9_of_the_child_during_bgsave_keeps_the_old_file(start: Start, tmp_path: Path) -> None:
    a = start()
    client = a.client()
    for i in range(10):
        client.set(f"k{i}", "old")
    assert client.save()
    good = (tmp_path / "dump.rdb").read_bytes()
    for i in range(10):
        client.set(f"k{i}", "new")
    client.config_set("rdb-key-save-delay", 300_000)
    assert raw(a, "BGSAVE") == b"+Background saving started\r\n"
    child = a.server.persistence.child
    assert child is not None
    wait_for(lambda: temp_files(tmp_path), 10, "the child's temp file")
    os.kill(child.pid, signal.SIGKILL)
    wait_bgsave(client)
    assert info_field(client, "rdb_last_bgsave_status") == "err"
    assert (tmp_path / "dump.rdb").read_bytes() == good
    assert temp_files(tmp_path) == []
    client.config_set("rdb-key-save-delay", 0)
    assert client.get("k0") == b"new"


# -------------------------------------------------------------------------------------------------
# SHUTDOWN
# -------------------------------------------------------------------------------------------------


def _stopped(handle: ServerHandle) -> bool:
    done = handle.server._stop_done
    return done is not None and done.is_set()


def test_shutdown_saves_and_stops(start: Start, tmp_path: Path) -> None:
    a = start(save_interval=300)
    a.client().set("k", "v")
    other = RawConnection(a.host, a.port)
    assert other.command("PING") == b"+PONG\r\n"
    assert raw(a, "SHUTDOWN") == b""  # no reply: the connection is closed
    wait_for(lambda: _stopped(a), 10, "the server to stop")
    assert other.command("PING") == b""  # closed too
    assert check_rdb(tmp_path / "dump.rdb").keys == 1


@pytest.mark.parametrize(
    ("args", "interval", "saved"),
    [
        ((), 0, False),
        (("NOSAVE",), 300, False),
        (("SAVE",), 0, True),
        (("save", "now", "force"), 0, True),
        (("NOW",), 300, True),
    ],
)
def test_shutdown_options(
    start: Start, tmp_path: Path, args: tuple[str, ...], interval: int, saved: bool
) -> None:
    a = start(save_interval=interval)
    a.client().set("k", "v")
    assert raw(a, "SHUTDOWN", *args) == b""
    wait_for(lambda: _stopped(a), 10, "the server to stop")
    assert (tmp_path / "dump.rdb").exists() is saved


def test_shutdown_with_a_failing_save_keeps_running_unless_forced(
    start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = start(save_interval=300)
    client = a.client()
    client.set("k", "v")
    monkeypatch.setattr(snap, "_fsync", failing_fsync)
    assert raw(a, "SHUTDOWN") == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
    assert client.ping()
    assert client.set("k2", "v")
    assert a.server.prepare_shutdown() is False  # SIGINT/SIGTERM: same answer, keep serving
    assert client.ping()
    assert raw(a, "SHUTDOWN", "FORCE") == b""
    wait_for(lambda: _stopped(a), 10, "the server to stop")
    assert not (tmp_path / "dump.rdb").exists()
    assert temp_files(tmp_path) == []


def test_shutdown_kills_a_running_bgsave_then_saves(start: Start, tmp_path: Path) -> None:
    a = start(save_interval=300)
    client = a.client()
    for i in range(5):
        client.set(f"k{i}", i)
    client.config_set("rdb-key-save-delay", 1_000_000)
    assert raw(a, "BGSAVE") == b"+Background saving started\r\n"
    client.config_set("rdb-key-save-delay", 0)
    wait_for(lambda: temp_files(tmp_path), 10, "the child's temp file")
    assert raw(a, "SHUTDOWN") == b""
    wait_for(lambda: _stopped(a), 10, "the server to stop")
    assert temp_files(tmp_path) == []
    assert check_rdb(tmp_path / "dump.rdb").keys == 5


@pytest.mark.parametrize(
    ("args", "reply"),
    [
        (("ABORT",), b"-ERR No shutdown in progress.\r\n"),
        (("foo",), b"-ERR syntax error\r\n"),
        (("NOSAVE", "SAVE"), b"-ERR syntax error\r\n"),
        (("ABORT", "NOW"), b"-ERR syntax error\r\n"),
        (("abort", "force"), b"-ERR syntax error\r\n"),
    ],
)
def test_shutdown_errors(start: Start, args: tuple[str, ...], reply: bytes) -> None:
    a = start()
    assert raw(a, "SHUTDOWN", *args) == reply
    assert a.client().ping()


# -------------------------------------------------------------------------------------------------
# module types and missing plugins
# -------------------------------------------------------------------------------------------------


def test_module_type_round_trip_and_refusal_without_its_plugin(
    start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = start()
    populate(a, {0: {b"g": ("gadget", Gadget(b"w", 7, 0.25), FAR)}})
    assert a.client().save()
    a.stop()
    b = start()
    assert snapshot(b)[0][b"g"] == ("gadget", Gadget(b"w", 7, 0.25), FAR)
    b.stop()
    path = tmp_path / "dump.rdb"
    before = path.read_bytes()
    with pytest.raises(LoadError) as e:
        start(extra=[TYPES])
    message = str(e.value)
    assert "'pr-gadget'" in message and "no installed plugin provides it" in message
    assert "left untouched" in message
    assert path.read_bytes() == before

    # when an installed (but not loaded) plugin provides it, the message names that plugin
    import plugredis.plugins as plugins_mod

    real = plugins_mod.installed_plugins

    class FakeEntryPoint:
        name = "gadgets"

        def load(self) -> Any:
            return GADGETS

    def fake_installed() -> dict[str, Any]:
        found = dict(real())
        found["gadgets"] = plugins_mod.InstalledPlugin("gadgets", FakeEntryPoint(), "x", "1")  # type: ignore[arg-type]
        return found

    monkeypatch.setattr(plugins_mod, "installed_plugins", fake_installed)
    with pytest.raises(LoadError, match="provided by plugin 'gadgets', which is installed but not"):
        start(extra=[TYPES])
    assert path.read_bytes() == before


def test_a_kind_no_loaded_plugin_stores_is_refused(start: Start, tmp_path: Path) -> None:
    a = start()
    a.call(lambda: a.server.dbs[0].data.__setitem__(b"l", TList([b"x"])))
    assert a.client().save()
    a.stop()
    with pytest.raises(LoadError, match=r"holds list values .*no loaded plugin stores them"):
        start(extra=[])


# -------------------------------------------------------------------------------------------------
# refused files are never overwritten
# -------------------------------------------------------------------------------------------------


def _valid_file() -> bytes:
    w = rdb.RdbWriter()
    w.write_header()
    w.write_aux("redis-ver", "7.0.15")
    w.write_selectdb(0)
    w.write_resizedb(2, 0)
    w.write_entry(b"a", "string", b"1")
    w.write_entry(b"b", "list", [b"x", b"y"])
    w.finish()
    return w.getvalue()


def _duplicate_key_file() -> bytes:
    w = rdb.RdbWriter()
    w.write_header()
    w.write_selectdb(0)
    w.write_entry(b"a", "string", b"1")
    w.write_entry(b"a", "string", b"2")
    w.finish()
    return w.getvalue()


def _stream_file() -> bytes:
    w = rdb.RdbWriter()
    w.write_header(10)
    w.write_selectdb(0)
    w.write_type(rdb.RDB_TYPE_STREAM_LISTPACKS_2)
    w.write_string(b"s")
    w.write_length(0)
    w.finish()
    return w.getvalue()


def _flip(data: bytes, pos: int) -> bytes:
    return data[:pos] + bytes([data[pos] ^ 0x5A]) + data[pos + 1 :]


@pytest.mark.parametrize(
    ("name", "make", "pattern"),
    [
        ("truncated", lambda v: v[: len(v) // 2], "unexpected end of file"),
        ("no checksum", lambda v: v[:-8], "unexpected end of file"),
        ("byte flip", lambda v: _flip(v, 22), "CRC64 mismatch"),
        ("bad magic", lambda v: b"RUBIS" + v[5:], "bad RDB magic"),
        ("newer version", lambda v: b"REDIS0011" + v[9:], "unsupported RDB version 11"),
        ("empty", lambda v: b"", "bad RDB magic"),
        ("text", lambda v: b"hello world, not a dump\n", "bad RDB magic"),
        ("duplicate key", lambda v: _duplicate_key_file(), "duplicate key"),
        ("stream", lambda v: _stream_file(), "stream values"),
        ("absurd length", lambda v: v[:9] + b"\xfe\x00\x00\x81" + b"\xff" * 8, "end of file"),
    ],
)
def test_bad_files_are_refused_and_left_untouched(
    start: Start, tmp_path: Path, name: str, make: Callable[[bytes], bytes], pattern: str
) -> None:
    path = tmp_path / "dump.rdb"
    data = make(_valid_file())
    path.write_bytes(data)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    with pytest.raises(LoadError, match=pattern):
        start(save_interval=300)
    assert path.read_bytes() == data
    assert path.stat().st_mtime == 1_000_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump.rdb"]


def test_a_missing_file_starts_empty_and_a_missing_dir_is_refused(
    start: Start, tmp_path: Path
) -> None:
    a = start()
    assert a.client().dbsize() == 0
    with pytest.raises(LoadError, match="does not exist"):
        start(tmp_path / "nope")


def test_loading_logs_progress_and_a_summary(
    start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    w = rdb.RdbWriter()
    w.write_header()
    w.write_selectdb(0)
    for i in range(70_000):
        w.write_entry(b"k%d" % i, "string", b"v")
    w.finish()
    (tmp_path / "dump.rdb").write_bytes(w.getvalue())
    monkeypatch.setattr(snap, "PROGRESS_EVERY", 0.0)
    with caplog.at_level("INFO", logger="plugredis.persistence"):
        a = start()
    assert a.client().dbsize() == 70_000
    messages = [r.getMessage() for r in caplog.records]
    assert any(re.match(r"Loading dump\.rdb: \d+% \(65536 keys", m) for m in messages), messages
    assert any(
        re.match(
            r"DB loaded from disk: 70000 keys \(0 expired keys dropped\) in [0-9.]+ seconds", m
        )
        for m in messages
    ), messages


def test_save_hooks_and_a_replacement_backend(start: Start, tmp_path: Path) -> None:
    from plugredis import hookimpl

    calls: list[tuple[str, Any]] = []

    class Hooks:
        plugredis_name = "savehooks"

        @hookimpl
        def before_save(self, server: Any) -> None:
            calls.append(("before", None))

        @hookimpl
        def after_save(self, server: Any, path: Any) -> None:
            calls.append(("after", Path(path).name))

    a = start(extra=[*EXTRA, Hooks()])
    client = a.client()
    client.set("k", "v")
    assert client.save()
    assert raw(a, "BGSAVE") == b"+Background saving started\r\n"
    wait_bgsave(client)
    assert calls == [("before", None), ("after", "dump.rdb")] * 2

    class TextBackend:
        """A toy backend: one 'key=value' line per string key."""

        def save(self, server: Any, path: Path) -> None:
            lines = [k + b"=" + v for k, v in sorted(server.dbs[0].data.items())]
            Path(path).write_bytes(b"\n".join(lines))

        def load(self, server: Any) -> None:
            path = Path(server.dir) / server.dbfilename
            if path.exists():
                for line in path.read_bytes().splitlines():
                    k, _, v = line.partition(b"=")
                    server.dbs[0].data[k] = v

    class BackendPlugin:
        plugredis_name = "textbackend"

        @hookimpl
        def persistence_backend(self, server: Any) -> Any:
            return TextBackend()

    directory = tmp_path / "text"
    directory.mkdir()
    b = start(directory, extra=[*EXTRA, BackendPlugin()])
    b.client().set("x", "1")
    assert b.client().save()
    assert (directory / "dump.rdb").read_bytes() == b"x=1"
    assert raw(b, "BGSAVE") == b"+Background saving started\r\n"
    wait_bgsave(b.client())
    b.stop()
    c = start(directory, extra=[*EXTRA, BackendPlugin()])
    assert c.client().get("x") == b"1"
