#!/usr/bin/env python3
"""Persistence benchmark: SAVE, BGSAVE (the parent's pause) and load for N keys, next to Redis.

The same data set is used on both sides: a real ``redis-server`` creates it with
``DEBUG POPULATE <keys> key <size>`` and SAVEs it; plugredis then *starts on that very file*
(which measures its load) and saves it again.  For each server:

- ``load``: the server's own "DB loaded from disk" time (and the wall time until PING answers);
- ``SAVE``: a foreground save, timed by the client;
- ``BGSAVE``: the fork time the server reports (``latest_fork_usec``), the longest PING round trip
  seen by a client pinging in a loop during the background save (the pause clients feel), and
  the time until the background save finished;
- the file size.

Run it with the Python in which plugredis is installed (not part of the test suite)::

    python benchmarks/persistence.py                  # 1,000,000 keys of 16 bytes
    python benchmarks/persistence.py --keys 200000 --value-size 100 --json results.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plugredis.testing import RawConnection


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ping(port: int, timeout: float = 600.0) -> float:
    """Seconds until the server answers PING with +PONG."""
    start = time.monotonic()
    while True:
        try:
            conn = RawConnection("127.0.0.1", port, timeout=5)
            try:
                if conn.command("PING") == b"+PONG\r\n":
                    return time.monotonic() - start
            finally:
                conn.close()
        except OSError:
            pass
        if time.monotonic() - start > timeout:
            raise SystemExit(f"server on port {port} did not answer PING")
        time.sleep(0.01)


def info(conn: RawConnection, section: str) -> dict[str, str]:
    raw = conn.command("INFO", section)
    text = raw.split(b"\r\n", 1)[1].decode(errors="replace")
    out = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v.strip()
    return out


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def bgsave(port: int) -> dict[str, float]:
    """BGSAVE while another connection PINGs in a loop: fork time, worst PING, duration."""
    stop = threading.Event()
    worst = [0.0]
    pings = [0]

    def pinger() -> None:
        conn = RawConnection("127.0.0.1", port, timeout=60)
        try:
            while not stop.is_set():
                t0 = time.perf_counter()
                conn.command("PING")
                worst[0] = max(worst[0], time.perf_counter() - t0)
                pings[0] += 1
        finally:
            conn.close()

    conn = RawConnection("127.0.0.1", port, timeout=600)
    thread = threading.Thread(target=pinger, daemon=True)
    thread.start()
    time.sleep(0.3)
    baseline = worst[0]
    worst[0] = 0.0
    t0 = time.perf_counter()
    reply = conn.command("BGSAVE")
    assert reply.startswith(b"+Background saving started"), reply
    while info(conn, "persistence").get("rdb_bgsave_in_progress") == "1":
        time.sleep(0.005)
    duration = time.perf_counter() - t0
    stop.set()
    thread.join(10)
    stats = info(conn, "stats")
    persistence = info(conn, "persistence")
    conn.close()
    assert persistence.get("rdb_last_bgsave_status") == "ok", persistence
    return {
        "fork_ms": int(stats.get("latest_fork_usec", "0")) / 1000,
        "worst_ping_ms": worst[0] * 1000,
        "baseline_worst_ping_ms": baseline * 1000,
        "pings": pings[0],
        "bgsave_s": duration,
        "cow_mb": int(persistence.get("rdb_last_cow_size", "0")) / 1e6,
    }


def loaded_seconds(log: str) -> float | None:
    m = re.search(r"DB loaded from disk: (?:.*? in )?([0-9.]+) seconds", log)
    return float(m.group(1)) if m else None


def run_server(cmd: list[str], log: Path) -> tuple[subprocess.Popen[bytes], Any]:
    logf = open(log, "wb")  # noqa: SIM115 - closed by the caller
    return subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT), logf


def measure_redis(redis_server: str, directory: Path, keys: int, size: int) -> dict[str, Any]:
    port = free_port()
    base = [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    base += ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"]
    proc, logf = run_server([*base, "--logfile", str(directory / "redis.log")], directory / "o")
    try:
        wait_ping(port, 30)
        conn = RawConnection("127.0.0.1", port, timeout=600)
        populate = ("DEBUG", "POPULATE", str(keys), "key", str(size))
        populate_s, _ = timed(lambda: conn.command(*populate))
        save_s, reply = timed(lambda: conn.command("SAVE"))
        assert reply == b"+OK\r\n", reply
        conn.close()
        bg = bgsave(port)
    finally:
        proc.terminate()
        proc.wait(60)
        logf.close()
    size_b = (directory / "dump.rdb").stat().st_size
    # load: a fresh server on the file
    port = free_port()
    base[2] = str(port)
    (directory / "redis.log").write_text("")
    t0 = time.monotonic()
    proc, logf = run_server([*base, "--logfile", str(directory / "redis.log")], directory / "o")
    try:
        wait_ping(port)
        ready_s = time.monotonic() - t0
    finally:
        proc.terminate()
        proc.wait(60)
        logf.close()
    return {
        "populate_s": populate_s,
        "save_s": save_s,
        "file_mb": size_b / 1e6,
        "load_s": loaded_seconds((directory / "redis.log").read_text(errors="replace")),
        "ready_s": ready_s,
        **bg,
    }


def measure_plugredis(directory: Path, source: Path) -> dict[str, Any]:
    shutil.copy(source, directory / "dump.rdb")
    port = free_port()
    cmd = [sys.executable, "-m", "plugredis", "--port", str(port), "--dir", str(directory)]
    cmd += ["--save-interval", "0", "--plugins", "strings"]
    t0 = time.monotonic()
    proc, logf = run_server(cmd, directory / "plugredis.log")
    try:
        wait_ping(port)
        ready_s = time.monotonic() - t0
        conn = RawConnection("127.0.0.1", port, timeout=600)
        dbsize = conn.command("DBSIZE")
        save_s, reply = timed(lambda: conn.command("SAVE"))
        assert reply == b"+OK\r\n", reply
        conn.close()
        bg = bgsave(port)
    finally:
        proc.terminate()
        proc.wait(120)
        logf.close()
    return {
        "keys_loaded": int(dbsize[1:-2]),
        "save_s": save_s,
        "file_mb": (directory / "dump.rdb").stat().st_size / 1e6,
        "load_s": loaded_seconds((directory / "plugredis.log").read_text(errors="replace")),
        "ready_s": ready_s,
        **bg,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--value-size", type=int, default=16, help="DEBUG POPULATE value size")
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the numbers here")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="plugredis-persist-bench-"))
    try:
        print(
            f"# persistence benchmark: {args.keys:,} keys, {args.value_size}-byte values "
            f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})"
        )
        (work / "redis").mkdir()
        (work / "plugredis").mkdir()
        redis = measure_redis(args.redis_server, work / "redis", args.keys, args.value_size)
        ours = measure_plugredis(work / "plugredis", work / "redis" / "dump.rdb")
        assert ours["keys_loaded"] == args.keys, ours
        rows = [
            ("load: 'DB loaded from disk' (s)", "load_s", "{:.3f}"),
            ("load: start until PING answers (s)", "ready_s", "{:.3f}"),
            ("SAVE (s)", "save_s", "{:.3f}"),
            ("BGSAVE: fork (ms, latest_fork_usec)", "fork_ms", "{:.2f}"),
            ("BGSAVE: worst PING during it (ms)", "worst_ping_ms", "{:.2f}"),
            ("worst PING before it (ms)", "baseline_worst_ping_ms", "{:.2f}"),
            ("BGSAVE: until done (s)", "bgsave_s", "{:.3f}"),
            ("BGSAVE: child copy-on-write (MB)", "cow_mb", "{:.1f}"),
            ("file size (MB)", "file_mb", "{:.1f}"),
        ]
        print()
        print("| measure | redis-server | plugredis | plugredis / redis |")
        print("|---|---:|---:|---:|")
        for label, key, fmt in rows:
            a, b = redis.get(key), ours.get(key)
            ratio = f"{b / a:.1f}x" if a and b is not None else "-"
            print(
                f"| {label} | {fmt.format(a) if a is not None else '-'} | "
                f"{fmt.format(b) if b is not None else '-'} | {ratio} |"
            )
        if args.json_out:
            Path(args.json_out).write_text(
                json.dumps({"keys": args.keys, "redis": redis, "plugredis": ours}, indent=2)
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
