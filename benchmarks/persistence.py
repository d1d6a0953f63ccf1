#!/usr/bin/env python3
"""Persistence benchmark: SAVE, BGSAVE (the parent's pause) and load for N keys, next to Redis.

The same data set is used on both sides: a real ``redis-server`` creates it with
``DEBUG POPULATE <keys> key <size>`` and SAVEs it; plugredis then *starts on that very file*
(which measures its load) and saves it again.  For each server:

- ``load``: the server's own "DB loaded from disk" time (and the wall time until PING answers);
- ``SAVE``: a foreground save, timed by the client;
- ``BGSAVE``: the fork time the server reports (``latest_fork_usec``), the parent's longest stall
  (the worst PING round trip seen by a client that pings every ~1 ms during the background save:
  the pause clients feel), and the time until the background save finished;
- the file size.

Run it with the Python in which plugredis is installed (not part of the test suite)::

    python benchmarks/persistence.py                  # 1,000,000 keys of 16 bytes
    python benchmarks/persistence.py --keys 200000 --value-size 100 --json results.json

``benchmarks/run.py`` calls :func:`compare` and :func:`table` to add this table to its report.
The servers are not pinned to a CPU here: a forked BGSAVE child inherits its parent's CPU
affinity, so pinning would make the child and the parent share one core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from plugredis.testing import RawConnection

DEFAULT_REDIS_CMD = "redis-server --port {port} --bind {host} --save '' --appendonly no"
DEFAULT_PLUGREDIS_CMD = "{python} -m plugredis --port {port} --save-interval 0"
DEFAULT_HOST = "127.0.0.1"
PING_INTERVAL = 0.001  # seconds between the pinger's PINGs during BGSAVE


class PersistenceError(RuntimeError):
    """A server did not start, answered unexpectedly, or a save failed."""


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def command_argv(template: str, host: str, port: int) -> list[str]:
    """The argv of a start command template; ``{port}``, ``{host}``, ``{python}`` filled in."""
    return shlex.split(template.format(port=port, host=host, python=shlex.quote(sys.executable)))


def wait_ping(
    host: str,
    port: int,
    proc: subprocess.Popen[bytes] | None = None,
    timeout: float = 600.0,
) -> float:
    """Seconds until the server answers PING with +PONG."""
    start = time.monotonic()
    while True:
        if proc is not None and proc.poll() is not None:
            raise PersistenceError(
                f"server on port {port} exited with status {proc.returncode} before answering PING"
            )
        try:
            conn = RawConnection(host, port, timeout=5)
            try:
                if conn.command("PING") == b"+PONG\r\n":
                    return time.monotonic() - start
            finally:
                conn.close()
        except OSError:
            pass
        if time.monotonic() - start > timeout:
            raise PersistenceError(f"server on port {port} did not answer PING in {timeout:.0f} s")
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


def expect(reply: bytes, wanted: bytes, what: str) -> None:
    if not reply.startswith(wanted):
        raise PersistenceError(f"{what}: unexpected reply {reply[:200]!r}")


def bgsave(host: str, port: int, timeout: float = 600.0) -> dict[str, Any]:
    """BGSAVE while another connection PINGs every ~1 ms: fork time, worst PING, duration."""
    stop = threading.Event()
    samples: list[tuple[float, float]] = []  # (sent at, round trip) of every PING
    errors: list[BaseException] = []

    def pinger() -> None:
        try:
            conn = RawConnection(host, port, timeout=60)
            try:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    reply = conn.command("PING")
                    samples.append((t0, time.perf_counter() - t0))
                    if reply != b"+PONG\r\n":
                        raise PersistenceError(f"PING during BGSAVE: {reply[:200]!r}")
                    time.sleep(PING_INTERVAL)
            finally:
                conn.close()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    conn = RawConnection(host, port, timeout=600)
    thread = threading.Thread(target=pinger, daemon=True)
    try:
        thread.start()
        time.sleep(0.3)  # the worst PING before the save, for scale
        start = time.perf_counter()
        expect(conn.command("BGSAVE"), b"+Background saving started", "BGSAVE")
        while info(conn, "persistence").get("rdb_bgsave_in_progress") == "1":
            if time.perf_counter() - start > timeout:
                raise PersistenceError(f"BGSAVE still running after {timeout:.0f} s")
            time.sleep(0.005)
        done = time.perf_counter()
        stop.set()
        thread.join(70)
        if errors:
            raise PersistenceError(f"the pinging client failed: {errors[0]!r}")
        stats = info(conn, "stats")
        persistence = info(conn, "persistence")
    finally:
        stop.set()
        conn.close()
    if persistence.get("rdb_last_bgsave_status") != "ok":
        raise PersistenceError(f"BGSAVE failed: {persistence}")
    before = [rtt for t0, rtt in samples if t0 + rtt < start]
    # every PING whose round trip overlaps the save, including one already in flight at its start
    during = [rtt for t0, rtt in samples if t0 <= done and t0 + rtt >= start]
    return {
        "fork_ms": int(stats.get("latest_fork_usec", "0")) / 1000,
        "worst_ping_ms": max(during) * 1000 if during else None,
        "baseline_worst_ping_ms": max(before) * 1000 if before else None,
        "pings": len(during),
        "bgsave_s": done - start,
        "cow_mb": int(persistence.get("rdb_last_cow_size", "0")) / 1e6,
    }


def loaded_seconds(log: str) -> float | None:
    m = re.search(r"DB loaded from disk: (?:.*? in )?([0-9.]+) seconds", log)
    return float(m.group(1)) if m else None


def run_server(cmd: list[str], log: Path) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    logf = open(log, "wb")  # noqa: SIM115 - closed by stop_server
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT
        )
    except OSError as exc:
        logf.close()
        raise PersistenceError(f"cannot start {shlex.join(cmd)}: {exc}") from exc
    return proc, logf


def stop_server(proc: subprocess.Popen[bytes], logf: IO[bytes], timeout: float = 120.0) -> None:
    try:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    finally:
        logf.close()


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"(no log at {path})"
    return f"--- last lines of {path.name} ---\n" + "\n".join(text)


def measure_redis(
    directory: Path,
    keys: int,
    size: int,
    redis_cmd: str = DEFAULT_REDIS_CMD,
    host: str = DEFAULT_HOST,
) -> dict[str, Any]:
    """Populate a real redis-server, SAVE, BGSAVE, then time a fresh one loading the file."""
    extra = ["--dir", str(directory), "--enable-debug-command", "yes"]
    extra += ["--logfile", str(directory / "redis.log")]

    def start() -> tuple[subprocess.Popen[bytes], IO[bytes], int]:
        port = free_port(host)
        proc, logf = run_server([*command_argv(redis_cmd, host, port), *extra], directory / "o")
        return proc, logf, port

    proc, logf, port = start()
    try:
        try:
            wait_ping(host, port, proc, 30)
        except PersistenceError as exc:
            raise PersistenceError(f"redis: {exc}\n{log_tail(directory / 'redis.log')}") from exc
        conn = RawConnection(host, port, timeout=600)
        try:
            populate = ("DEBUG", "POPULATE", str(keys), "key", str(size))
            populate_s, reply = timed(lambda: conn.command(*populate))
            expect(reply, b"+OK", "redis DEBUG POPULATE")
            save_s, reply = timed(lambda: conn.command("SAVE"))
            expect(reply, b"+OK", "redis SAVE")
        finally:
            conn.close()
        bg = bgsave(host, port)
    finally:
        stop_server(proc, logf, 60)
    size_b = (directory / "dump.rdb").stat().st_size
    # load: a fresh server on the file
    (directory / "redis.log").write_text("")
    t0 = time.monotonic()
    proc, logf, port = start()
    try:
        wait_ping(host, port, proc)
        ready_s = time.monotonic() - t0
    finally:
        stop_server(proc, logf, 60)
    return {
        "populate_s": populate_s,
        "save_s": save_s,
        "file_mb": size_b / 1e6,
        "load_s": loaded_seconds((directory / "redis.log").read_text(errors="replace")),
        "ready_s": ready_s,
        **bg,
    }


def measure_plugredis(
    directory: Path,
    source: Path,
    plugredis_cmd: str = DEFAULT_PLUGREDIS_CMD,
    host: str = DEFAULT_HOST,
) -> dict[str, Any]:
    """Start plugredis on Redis's file (its load), then SAVE and BGSAVE."""
    shutil.copy(source, directory / "dump.rdb")
    port = free_port(host)
    cmd = [*command_argv(plugredis_cmd, host, port), "--dir", str(directory)]
    log = directory / "plugredis.log"
    t0 = time.monotonic()
    proc, logf = run_server(cmd, log)
    try:
        try:
            wait_ping(host, port, proc)
        except PersistenceError as exc:
            raise PersistenceError(f"plugredis: {exc}\n{log_tail(log)}") from exc
        ready_s = time.monotonic() - t0
        conn = RawConnection(host, port, timeout=600)
        try:
            dbsize = conn.command("DBSIZE")
            expect(dbsize, b":", "plugredis DBSIZE")
            save_s, reply = timed(lambda: conn.command("SAVE"))
            expect(reply, b"+OK", "plugredis SAVE")
        finally:
            conn.close()
        bg = bgsave(host, port)
    finally:
        stop_server(proc, logf, 120)
    return {
        "keys_loaded": int(dbsize[1:-2]),
        "save_s": save_s,
        "file_mb": (directory / "dump.rdb").stat().st_size / 1e6,
        "load_s": loaded_seconds(log.read_text(errors="replace")),
        "ready_s": ready_s,
        **bg,
    }


def compare(
    workdir: Path,
    keys: int,
    value_size: int,
    redis_cmd: str = DEFAULT_REDIS_CMD,
    plugredis_cmd: str = DEFAULT_PLUGREDIS_CMD,
    host: str = DEFAULT_HOST,
) -> dict[str, Any]:
    """Both measurements on the same data set, in subdirectories of ``workdir``."""
    (workdir / "redis").mkdir(parents=True, exist_ok=True)
    (workdir / "plugredis").mkdir(parents=True, exist_ok=True)
    redis = measure_redis(workdir / "redis", keys, value_size, redis_cmd, host)
    source = workdir / "redis" / "dump.rdb"
    ours = measure_plugredis(workdir / "plugredis", source, plugredis_cmd, host)
    if ours["keys_loaded"] != keys:
        raise PersistenceError(
            f"plugredis loaded {ours['keys_loaded']:,} keys from Redis's file, not {keys:,}"
        )
    return {"keys": keys, "value_size": value_size, "redis": redis, "plugredis": ours}


ROWS = [
    ("load: 'DB loaded from disk' (s)", "load_s", "{:.3f}"),
    ("load: start until PING answers (s)", "ready_s", "{:.3f}"),
    ("SAVE (s)", "save_s", "{:.3f}"),
    ("BGSAVE: fork (ms, latest_fork_usec)", "fork_ms", "{:.2f}"),
    ("BGSAVE: longest stall, worst PING while pinging every ~1 ms (ms)", "worst_ping_ms", "{:.2f}"),
    ("worst PING in the 0.3 s before it (ms)", "baseline_worst_ping_ms", "{:.2f}"),
    ("BGSAVE: PINGs answered during it", "pings", "{:,}"),
    ("BGSAVE: until done (s)", "bgsave_s", "{:.3f}"),
    ("BGSAVE: child copy-on-write (MB)", "cow_mb", "{:.1f}"),
    ("file size (MB)", "file_mb", "{:.1f}"),
]


def table(results: dict[str, Any]) -> list[str]:
    """The Markdown table of :func:`compare`'s results (ratio = plugredis / redis)."""
    redis, ours = results["redis"], results["plugredis"]
    out = [
        "| measure | redis | plugredis | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, key, fmt in ROWS:
        a, b = redis.get(key), ours.get(key)
        ratio = f"{b / a:.2f}" if a and b is not None and key != "pings" else "-"
        cells = [fmt.format(v) if v is not None else "-" for v in (a, b)]
        out.append(f"| {label} | {cells[0]} | {cells[1]} | {ratio} |")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--value-size", type=int, default=16, help="DEBUG POPULATE value size")
    ap.add_argument(
        "--redis-server",
        default=None,
        help="redis-server binary (shorthand for the first word of --redis-cmd)",
    )
    ap.add_argument(
        "--redis-cmd",
        default=None,
        help=f"command that starts redis-server; placeholders {{port}}, {{host}}, {{python}} "
        f"(default: {DEFAULT_REDIS_CMD!r})",
    )
    ap.add_argument(
        "--plugredis-cmd",
        default=DEFAULT_PLUGREDIS_CMD,
        help="command that starts plugredis; same placeholders",
    )
    ap.add_argument("--json", dest="json_out", default=None, help="also write the numbers here")
    args = ap.parse_args(argv)
    redis_cmd = args.redis_cmd or DEFAULT_REDIS_CMD
    if args.redis_server:
        if args.redis_cmd:
            ap.error("give --redis-server or --redis-cmd, not both")
        redis_cmd = shlex.quote(args.redis_server) + " " + DEFAULT_REDIS_CMD.split(" ", 1)[1]

    work = Path(tempfile.mkdtemp(prefix="plugredis-persist-bench-"))
    try:
        print(
            f"# persistence benchmark: {args.keys:,} keys, {args.value_size}-byte values "
            f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})"
        )
        try:
            results = compare(
                work, args.keys, args.value_size, redis_cmd, args.plugredis_cmd, DEFAULT_HOST
            )
        except PersistenceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print()
        print("\n".join(table(results)))
        print()
        print("ratio = plugredis / redis (lower is better for plugredis).")
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
