"""Smoke run of the benchmark driver: ``benchmarks/run.py --quick`` against a real redis-server.

Only checks that the plumbing works (exit status 0, and a table with a redis and a plugredis column
for throughput, memory and persistence); the numbers of a --quick run mean nothing, so nothing here
looks at them.  Skipped when redis-server or redis-benchmark is missing, unless
``PLUGREDIS_REQUIRE_REAL_REDIS=1``, which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plugredis.testing import REQUIRE_REAL_ENV

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get(REQUIRE_REAL_ENV) == "1":
            pytest.fail(f"{tool} is not installed but {REQUIRE_REAL_ENV}=1")
        pytest.skip(f"{tool} is not installed")


def _section(report: str, heading: str) -> str:
    """The text of the Markdown section whose heading starts with ``heading``."""
    start = report.find("\n" + heading)
    assert start >= 0, f"no section {heading!r} in the report:\n{report}"
    end = report.find("\n## ", start + 1)
    return report[start : end if end >= 0 else len(report)]


def test_quick_run_prints_throughput_memory_and_persistence_tables(tmp_path: Path) -> None:
    _need("redis-server")
    _need("redis-benchmark")
    output = tmp_path / "report.md"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--output", str(output)],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,  # a guard against a hang only: the run takes a few seconds
    )
    assert proc.returncode == 0, (
        f"run.py --quick exited with {proc.returncode}\n"
        f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
    )
    report = proc.stdout
    assert output.read_text() in report  # --output writes the same report

    throughput = _section(report, "## Throughput: ")
    assert "| test | redis rps | plugredis rps | ratio |" in throughput
    assert "| SET |" in throughput

    memory = _section(report, "## Memory")
    assert "| data set | redis RSS (MiB) | plugredis RSS (MiB) | ratio |" in memory
    for data_set in ("2,000 strings", "200 hashes", "200 lists"):
        assert f"| {data_set}" in memory

    persistence = _section(report, "## Persistence")
    assert "| measure | redis | plugredis | ratio |" in persistence
    assert "| SAVE (s) |" in persistence
    assert "BGSAVE: longest stall" in persistence

    assert "## Errors and warnings" not in report
