"""End to end: pip-install the example plugin next to plugredis in a fresh virtualenv and use it.

docs/examples/plugredis-counters is a complete third-party distribution.  This test installs both
distributions into a new virtualenv (no editable installs, no access to this checkout's
packages), starts ``plugredis`` from there, and drives the new commands with the real
``redis-cli``; the plugin's type survives a save and restart, and a server without the plugin
refuses the dump, naming the type.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from plugredis.testing import REQUIRE_REAL_ENV

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "plugredis-counters"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("example-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    pip = [
        str(path / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, str(ROOT), str(EXAMPLE), "pytest", "redis"], check=True, timeout=600)
    return path


def _cli() -> str:
    exe = shutil.which("redis-cli")
    if exe is None:
        if os.environ.get(REQUIRE_REAL_ENV) == "1":
            pytest.fail("redis-cli is not installed")
        pytest.skip("redis-cli is not installed")
    return exe


def _start(venv: Path, data: Path, plugins: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [str(venv / "bin" / "plugredis"), "--port", "0", "--dir", str(data), "--plugins", plugins],
        stderr=subprocess.PIPE,
        text=True,
        cwd=data,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    lines = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        m = re.search(r"ready on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    raise AssertionError("server did not start:\n" + "".join(lines))


def test_installed_example_plugin_end_to_end(venv: Path, tmp_path: Path) -> None:
    cli = _cli()
    listing = subprocess.run(
        [str(venv / "bin" / "plugredis"), "plugins"], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^counters 1\.0\.0 \(plugredis-counters\)$", listing, re.M), listing
    assert "cget, ctop, cincrby" in listing.replace("ccount, ", "") or "cincrby" in listing

    # the plugin's own test suite passes against the installed plugredis
    res = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(EXAMPLE / "tests"), "-k", "not manual_clock"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr

    proc, port = _start(venv, tmp_path, "strings,keyspace,counters")
    try:

        def rc(*args: str) -> str:
            return subprocess.run(
                [cli, "-p", str(port), *args], capture_output=True, text=True, timeout=20
            ).stdout.strip()

        assert rc("CINCRBY", "visits", "home", "3") == "3"
        assert rc("CINCRBY", "visits", "about", "5") == "5"
        assert rc("CTOP", "visits", "1").splitlines() == ["about", "5"]
        assert rc("TYPE", "visits") == "counters"
        assert "counters" in rc("MODULE", "LIST")
        assert rc("SAVE") == "OK"
    finally:
        proc.terminate()
        proc.wait(20)

    proc, port = _start(venv, tmp_path, "strings,keyspace,counters")
    try:
        out = subprocess.run(
            [cli, "-p", str(port), "CGET", "visits", "about"], capture_output=True, text=True
        ).stdout.strip()
        assert out == "5"
    finally:
        proc.terminate()
        proc.wait(20)

    # without the plugin: its commands are unknown, and its data is refused with a clear message
    res = subprocess.run(
        [str(venv / "bin" / "plugredis"), "--port", "0", "--dir", str(tmp_path),
         "--plugins", "strings,keyspace"],
        capture_output=True, text=True, timeout=30, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode != 0
    assert "plgcountr" in res.stderr
