"""The real process: ``python -m plugredis`` saves on SIGINT/SIGTERM, survives kill -9, refuses
bad files with a non-zero exit; and ``plugredis check-rdb``."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import wait_for

from plugredis.cli import cli
from plugredis.persistence import rdb
from plugredis.persistence.check import check_rdb
from plugredis.persistence.snapshot import find_type_providers


class Proc:
    """``python -m plugredis`` in its own session (so kill -9 can reach a BGSAVE child too)."""

    def __init__(self, directory: Path, *args: str) -> None:
        self.dir = directory
        self.log = directory.parent / f"{directory.name}-{time.monotonic_ns()}.log"
        self.logf = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "plugredis", "--port", "0", "--dir", str(directory), *args],
            stdout=self.logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.port = 0

    def wait_ready(self) -> Proc:
        def ready() -> int:
            m = re.search(rb"ready on 127\.0\.0\.1:(\d+)", self.log.read_bytes())
            if m is None and self.proc.poll() is not None:
                raise AssertionError(f"exited {self.proc.returncode}:\n{self.output()}")
            return int(m.group(1)) if m else 0

        self.port = wait_for(ready, 30, "plugredis to be ready")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def cmd(self, *args: Any) -> bytes:
        from plugredis.testing import raw_command

        return raw_command("127.0.0.1", self.port, *args)

    def wait(self, timeout: float = 20) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        self.logf.close()


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for p in started:
        p.stop()


def start(procs: list[Proc], directory: Path, *args: str, ready: bool = True) -> Proc:
    directory.mkdir(exist_ok=True)
    p = Proc(directory, *args)
    procs.append(p)
    return p.wait_ready() if ready else p


def keys_in(path: Path) -> dict[bytes, bytes]:
    return {e.key: e.value for e in rdb.RdbParser(path.read_bytes())}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signals_save_before_exit(procs: list[Proc], tmp_path: Path, sig: int) -> None:
    p = start(procs, tmp_path / "d", "--plugins", "strings")
    assert p.cmd("SET", "k", "v") == b"+OK\r\n"
    assert p.cmd("SET", "n", "12345") == b"+OK\r\n"
    os.kill(p.proc.pid, sig)
    assert p.wait() == 0, p.output()
    assert keys_in(tmp_path / "d" / "dump.rdb") == {b"k": b"v", b"n": b"12345"}
    out = p.output()
    assert "shutting down" in out and "DB saved on disk" in out
    q = start(procs, tmp_path / "d", "--plugins", "strings")
    assert q.cmd("GET", "k") == b"$1\r\nv\r\n"
    assert "DB loaded from disk: 2 keys" in q.output()


def test_sigterm_with_a_failing_save_keeps_serving(procs: list[Proc], tmp_path: Path) -> None:
    directory = tmp_path / "d"
    p = start(procs, directory, "--plugins", "strings")
    assert p.cmd("SET", "k", "v") == b"+OK\r\n"
    directory.rmdir()
    os.kill(p.proc.pid, signal.SIGTERM)
    wait_for(lambda: "can't exit" in p.output(), 10, "the failed final save")
    assert p.proc.poll() is None
    assert p.cmd("PING") == b"+PONG\r\n"
    assert p.cmd("SHUTDOWN", "NOSAVE") == b""
    assert p.wait() == 0


def test_save_interval_zero_disables_the_final_save(procs: list[Proc], tmp_path: Path) -> None:
    p = start(procs, tmp_path / "d", "--plugins", "strings", "--save-interval", "0")
    assert p.cmd("SET", "k", "v") == b"+OK\r\n"
    os.kill(p.proc.pid, signal.SIGTERM)
    assert p.wait() == 0
    assert not (tmp_path / "d" / "dump.rdb").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"REDIS0009\xfe\x00\x00\x01k", "unexpected end of file"),
        (b"not a dump file", "bad RDB magic"),
        (b"REDIS0012\xff" + bytes(8), "unsupported RDB version 12"),
    ],
)
def test_bad_file_refused_with_exit_1(
    procs: list[Proc], tmp_path: Path, content: bytes, message: str
) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    (directory / "dump.rdb").write_bytes(content)
    p = start(procs, directory, "--plugins", "strings", ready=False)
    assert p.wait() == 1
    out = p.output()
    assert "refusing to start" in out and message in out and "left untouched" in out
    assert (directory / "dump.rdb").read_bytes() == content
    assert sorted(x.name for x in directory.iterdir()) == ["dump.rdb"]


def test_file_needing_an_unloaded_plugin_is_refused_naming_it(
    procs: list[Proc], tmp_path: Path
) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    w = rdb.RdbWriter()
    w.write_header()
    w.write_selectdb(0)
    w.write_entry(b"l", "list", [b"a"])
    w.finish()
    (directory / "dump.rdb").write_bytes(w.getvalue())
    p = start(procs, directory, "--plugins", "strings", ready=False)
    assert p.wait() == 1
    out = p.output()
    kinds, _ = find_type_providers()
    if "list" in kinds:
        assert f"provided by plugin '{kinds['list']}', which is installed but not loaded" in out
    else:
        assert "no installed plugin provides it" in out
    assert "holds list values" in out


def _set_generation(p: Proc, gen: int, n: int) -> None:
    for i in range(n):
        assert p.cmd("SET", f"k{i}", f"gen{gen}") == b"+OK\r\n"


def test_kill_9_during_bgsave_then_restart(procs: list[Proc], tmp_path: Path) -> None:
    directory = tmp_path / "d"
    p = start(procs, directory, "--plugins", "strings")
    _set_generation(p, 1, 20)
    assert p.cmd("SAVE") == b"+OK\r\n"
    good = (directory / "dump.rdb").read_bytes()
    _set_generation(p, 2, 20)
    assert p.cmd("CONFIG", "SET", "rdb-key-save-delay", "100000") == b"+OK\r\n"
    assert p.cmd("BGSAVE") == b"+Background saving started\r\n"
    wait_for(lambda: any(x.name.startswith("temp-") for x in directory.iterdir()), 10)
    os.killpg(p.proc.pid, signal.SIGKILL)  # the server and its child
    p.wait()
    time.sleep(0.1)
    assert (directory / "dump.rdb").read_bytes() == good
    q = start(procs, directory, "--plugins", "strings")
    assert q.cmd("GET", "k7") == b"$4\r\ngen1\r\n"


def test_kill_9_at_random_moments_never_tears_the_file(procs: list[Proc], tmp_path: Path) -> None:
    rng = random.Random(7)
    directory = tmp_path / "d"
    n = 15
    for gen in range(1, 4):
        p = start(procs, directory, "--plugins", "strings")
        if gen > 1:  # the previous generation survived
            got = keys_in(directory / "dump.rdb")
            assert len(set(got.values())) == 1 and len(got) == n
        _set_generation(p, gen, n)
        assert p.cmd("CONFIG", "SET", "rdb-key-save-delay", "20000") == b"+OK\r\n"
        command = rng.choice(["SAVE", "BGSAVE"])
        with socket.create_connection(("127.0.0.1", p.port)) as s:
            s.sendall(f"{command}\r\n".encode())
            time.sleep(rng.uniform(0.0, 0.4))
            os.killpg(p.proc.pid, signal.SIGKILL)
            p.wait()
        time.sleep(0.05)
        path = directory / "dump.rdb"
        if path.exists():
            report = check_rdb(path)
            assert report.ok, report.error
        else:
            # nothing was ever completed: make one good generation to continue from
            q = start(procs, directory, "--plugins", "strings")
            _set_generation(q, gen, n)
            assert q.cmd("SAVE") == b"+OK\r\n"
            q.stop()


# -------------------------------------------------------------------------------------------------
# plugredis check-rdb
# -------------------------------------------------------------------------------------------------


def _sample_file(path: Path) -> None:
    with open(path, "wb") as f:
        w = rdb.RdbWriter(f)
        w.write_header()
        w.write_aux("redis-ver", "7.0.15")
        w.write_selectdb(0)
        w.write_entry(b"s", "string", b"v")
        w.write_entry(b"l", "list", [b"a", b"b"], expire_ms=4_000_000_000_000)
        w.write_entry(b"old", "string", b"x", expire_ms=1000)
        w.write_selectdb(3)
        w.write_entry(b"h", "hash", {b"f": b"v"})
        w.write_entry(b"z", "zset", [(b"m", 1.0)])
        w.write_module_entry(b"g", "pr-gadget", 3, lambda mw: mw.write_module_uint(5))
        w.finish()


def test_check_rdb_summarizes_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "dump.rdb"
    _sample_file(path)
    res = CliRunner().invoke(cli, ["check-rdb", str(path)])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "RDB looks OK" in out and "Checksum OK" in out
    assert "[info] 6 keys read" in out and "[info] 2 expires" in out
    assert "[info] 1 already expired" in out
    assert "db0: 3 keys, 2 with an expiry (1 already expired)" in out
    assert re.search(r"db3: 3 keys.*\n(.*\n)*\s+hash\s+1", out)
    assert "module pr-gadget" in out and "module type 'pr-gadget'" in out
    assert "AUX FIELD redis-ver = '7.0.15'" in out
    res = CliRunner().invoke(cli, ["check-rdb", "--json", str(path)])
    data = json.loads(res.output)
    assert data["ok"] is True and data["keys"] == 6
    assert data["databases"]["0"]["types"] == {"list": 1, "string": 2}
    assert data["databases"]["3"]["encodings"]["module"] == 1


@pytest.mark.parametrize(
    ("cut", "message"), [(-3, "end of file"), (20, "end of file"), (0, "bad RDB magic")]
)
def test_check_rdb_reports_problems(tmp_path: Path, cut: int, message: str) -> None:
    path = tmp_path / "dump.rdb"
    _sample_file(path)
    path.write_bytes(path.read_bytes()[:cut])
    res = CliRunner().invoke(cli, ["check-rdb", str(path)])
    assert res.exit_code == 1
    assert "RDB ERROR DETECTED" in res.output and message in res.output


def test_check_rdb_missing_file(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["check-rdb", str(tmp_path / "nope.rdb")])
    assert res.exit_code == 1
    assert "cannot read the file" in res.output
