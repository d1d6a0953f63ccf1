"""The command line: serving, graceful shutdown on signals, listing plugins and commands."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

from click.testing import CliRunner

from plugredis.cli import cli


def test_commands_and_plugins_listings() -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["commands", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.output)}
    assert rows["get"]["plugin"] == "strings"
    assert rows["ping"]["plugin"] == "builtin.connection"
    res = runner.invoke(cli, ["commands"])
    assert re.search(r"^GET\s+strings\s+", res.output, re.M)
    res = runner.invoke(cli, ["plugins"])
    assert res.exit_code == 0 and re.search(r"^strings 0\.1\.0 \(plugredis\)$", res.output, re.M)


def test_unknown_plugin_is_a_clear_startup_error() -> None:
    res = CliRunner().invoke(cli, ["--port", "0", "--plugins", "strings,nosuch"])
    assert res.exit_code == 2
    assert "unknown plugin nosuch" in res.output
    assert re.search(r"installed plugins: .*strings", res.output)


def _start(*args: str) -> tuple[subprocess.Popen[str], int]:
    data = tempfile.mkdtemp(prefix="plugredis-cli-test-")
    proc = subprocess.Popen(
        [sys.executable, "-m", "plugredis", "--port", "0", "--dir", data, *args],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        m = re.search(r"ready on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    raise AssertionError("server did not log its address")


def test_port_zero_logs_address_and_sigterm_stops_gracefully() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        proc, port = _start("--plugins", "strings")
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"PING\r\n")
            assert s.recv(16) == b"+PONG\r\n"
            proc.send_signal(sig)
            proc.wait(20)
            assert s.recv(16) == b""  # the server closed the connection
        assert proc.returncode == 0
        assert proc.stderr is not None
        assert "shutting down" in proc.stderr.read()


def test_plugins_option_selects() -> None:
    proc, port = _start("--plugins", "")
    try:
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"GET k\r\nPING\r\n")
            time.sleep(0.2)
            data = s.recv(1024)
        assert data.startswith(b"-ERR unknown command 'GET'") and data.endswith(b"+PONG\r\n")
    finally:
        proc.terminate()
        proc.wait(10)
