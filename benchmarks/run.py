#!/usr/bin/env python3
"""Benchmark plugredis against a real redis-server, in the same run, with redis-benchmark.

Both servers are started here (pinned to one CPU with taskset; redis-benchmark to another),
each test is run alternately against redis and plugredis (A B, then B A: which goes first
alternates too) for a few rounds, and the median requests/second per test are printed as a
Markdown table per client configuration, with the ratio plugredis/redis and a geometric mean over
the tests.

The same run then measures memory (the RSS of fresh servers after loading 1,000,000 strings,
100,000 hashes and 100,000 lists, the same way into both) and persistence (RDB SAVE and load time
and the parent's longest stall during BGSAVE, with benchmarks/persistence.py), and prints them as
Markdown tables next to Redis's figures.

The throughput and memory parts need only the standard library; the persistence part imports
benchmarks/persistence.py, which needs plugredis (run this with the Python in which plugredis is
installed, or pass --skip-persistence).  See benchmarks/README.md.

    python benchmarks/run.py                 # full run (takes a while)
    python benchmarks/run.py --quick         # smoke check: n=2000, one round, one configuration,
                                             # tiny memory and persistence data sets
    python benchmarks/run.py --plugredis-cmd "redis-server --port {port} --save '' --appendonly no"
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import math
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

# redis-benchmark's own -t names, in the order it runs them (LPOP/RPOP pop what LPUSH/RPUSH pushed).
DEFAULT_TESTS = [
    "PING_INLINE",
    "PING_MBULK",
    "SET",
    "GET",
    "INCR",
    "LPUSH",
    "RPUSH",
    "LPOP",
    "RPOP",
    "HSET",
    "LRANGE_100",
    "LRANGE_300",
    "MSET",
]
KNOWN_TESTS = {
    *DEFAULT_TESTS,
    *("SADD", "SPOP", "ZADD", "ZPOPMIN", "LRANGE_500", "LRANGE_600", "XADD"),
}
DEFAULT_CONFIGS = "50x16,50x1,1x1"
DEFAULT_REDIS_CMD = "redis-server --port {port} --bind {host} --save '' --appendonly no"
DEFAULT_PLUGREDIS_CMD = "{python} -m plugredis --port {port} --save-interval 0"
SERVERS = ("redis", "plugredis")
MEMORY_KEYS = 1_000_000  # string keys; hashes and lists get a tenth as many keys, 10 items each
PERSISTENCE_KEYS = 1_000_000
QUICK_KEYS = 2000  # --quick: both data sets
VALUE_SIZE = 10  # bytes, every value, field value and list element of the data sets
ITEMS = 10  # fields per hash, elements per list


# --------------------------------------------------------------------------- small helpers


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def machine_info() -> list[str]:
    cpu_model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                cpu_model = value.strip()
                break
    nproc = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = nproc
    return [
        f"machine: {nproc} CPUs ({usable} usable), {cpu_model}; "
        f"{platform.system()} {platform.release()} {platform.machine()}",
        f"python: {platform.python_implementation()} {platform.python_version()} "
        f"({sys.executable})",
    ]


def tool_version(binary: str) -> str:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except OSError as exc:
        return f"unavailable ({exc})"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class RespError(Exception):
    """The server answered with a RESP error."""


def resp_command(host: str, port: int, *args: str, timeout: float = 5.0) -> bytes:
    """Send one command, return the reply payload (simple string, integer or bulk)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(encode([arg.encode() for arg in args]))
        buf = b""

        def fill(n: int) -> None:
            nonlocal buf
            while len(buf) < n:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed by the server")
                buf += chunk

        while b"\r\n" not in buf:
            fill(len(buf) + 1)
        line, _, rest = buf.partition(b"\r\n")
        kind, body = line[:1], line[1:]
        if kind == b"-":
            raise RespError(body.decode(errors="replace"))
        if kind == b"$":
            size = int(body)
            if size < 0:
                return b""
            buf = rest
            fill(size + 2)
            return buf[:size]
        return body


@dataclass
class Server:
    name: str
    argv: list[str]
    host: str
    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.workdir / f"{self.name}.log"

    def start(self, timeout: float) -> None:
        log(f"starting {self.name}: {shlex.join(self.argv)}")
        with open(self.log_path, "wb") as out:
            try:
                self.proc = subprocess.Popen(
                    self.argv,
                    cwd=self.workdir,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # our own group: a terminal's Ctrl+C reaches us only
                )
            except OSError as exc:
                raise BenchmarkError(f"cannot start {self.name}: {exc}") from exc
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchmarkError(
                    f"{self.name} exited with status {self.proc.returncode} during start-up\n"
                    f"command: {shlex.join(self.argv)}\n{self.log_tail()}\n"
                    f"(the start command is set with --{self.name}-cmd; placeholders {{port}}, "
                    "{host}, {python}: use a Python where plugredis is installed)"
                )
            try:
                reply = resp_command(self.host, self.port, "PING", timeout=1.0)
                if reply == b"PONG":
                    return
                last_error = f"unexpected PING reply {reply!r}"
            except (OSError, RespError) as exc:
                last_error = str(exc)
            time.sleep(0.1)
        raise BenchmarkError(
            f"{self.name} did not answer PING on {self.host}:{self.port} within {timeout:.0f} s "
            f"(last error: {last_error})\n{self.log_tail()}"
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def info_field(self, name: str) -> str | None:
        try:
            info = resp_command(self.host, self.port, "INFO", "server").decode(errors="replace")
        except (OSError, RespError):
            return None
        match = re.search(rf"^{re.escape(name)}:(.*?)\r?$", info, re.MULTILINE)
        return match.group(1).strip() if match else None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return f"(no log at {self.log_path})"
        return f"--- last lines of the {self.name} log ---\n" + "\n".join(text)

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)  # the group this script created for the server
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                log(f"{self.name} (pid {proc.pid}) did not stop after {sig.name}")


class BenchmarkError(Exception):
    pass


@dataclass
class RunResult:
    rps: float | None
    problems: list[str]


def parse_csv(stdout: str) -> dict[str, float]:
    """Test name -> requests/s from redis-benchmark --csv output (header line, quoted fields)."""
    results: dict[str, float] = {}
    for row in csv.reader(line for line in stdout.splitlines() if line.startswith('"')):
        if len(row) < 2 or row[0] == "test" or "needed to benchmark" in row[0]:
            continue  # header, or the LPUSH that fills the list for LRANGE
        name = row[0].split(" (", 1)[0].strip().upper()  # "LRANGE_100 (first 100 elements)"
        with contextlib.suppress(ValueError):
            results[name] = float(row[1])
    return results


# --------------------------------------------------------------------------- the benchmark


@dataclass
class Config:
    clients: int
    pipeline: int

    @property
    def label(self) -> str:
        return f"-c {self.clients} -P {self.pipeline}"


def parse_configs(text: str) -> list[Config]:
    configs = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*[xX:/]\s*(\d+)\s*", part)
        if not match:
            raise argparse.ArgumentTypeError(
                f"bad configuration {part!r}: use CLIENTSxPIPELINE, e.g. 50x16,50x1,1x1"
            )
        configs.append(Config(int(match.group(1)), int(match.group(2))))
    return configs


def parse_tests(text: str) -> list[str]:
    tests = [t.strip().upper() for t in text.split(",") if t.strip()]
    if not tests:
        raise argparse.ArgumentTypeError("no tests given")
    return tests


class Runner:
    def __init__(self, args: argparse.Namespace, servers: dict[str, Server]) -> None:
        self.args = args
        self.servers = servers
        self.prefix = ["taskset", "-c", args.bench_cpu] if args.use_taskset else []
        # config label -> test -> server -> per-round rps
        self.samples: dict[str, dict[str, dict[str, list[float]]]] = {}
        self.problems: list[str] = []  # everything that went wrong, reported at the end
        self.failed = False

    def run_one(self, server: Server, config: Config, test: str) -> RunResult:
        argv = [
            *self.prefix,
            self.args.redis_benchmark,
            "-h",
            server.host,
            "-p",
            str(server.port),
            "-t",
            test.lower(),
            "-n",
            str(self.args.requests),
            "-r",
            str(self.args.random_keys),
            "-c",
            str(config.clients),
            "-P",
            str(config.pipeline),
            "--csv",
        ]
        where = f"{server.name}, {config.label}, {test}"
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=self.args.run_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            problem = f"[{where}] redis-benchmark timed out after {self.args.run_timeout:.0f} s"
            return RunResult(None, [problem])
        except BaseException:  # Ctrl+C, SIGTERM: never leave redis-benchmark behind
            proc.kill()
            proc.wait()
            raise
        rc = proc.returncode
        problems = []
        noise = [
            line.strip()
            for line in (stdout + "\n" + stderr).splitlines()
            if line.strip() and not line.startswith('"')
        ]
        if rc != 0:
            detail = "\n    ".join(noise[-10:]) or "(no output)"
            problems.append(f"[{where}] redis-benchmark exited with status {rc}:\n    {detail}")
        else:
            problems += [
                f"[{where}] redis-benchmark said: {line}" for line in noise if "ERR" in line
            ]
        rps = parse_csv(stdout).get(test)
        if rps is None and rc == 0:
            problems.append(f"[{where}] no result row for {test} in the CSV output")
        if not server.alive():
            problems.append(f"[{where}] {server.name} is no longer running\n{server.log_tail()}")
        return RunResult(rps, problems)

    def flush(self, server: Server) -> None:
        try:
            resp_command(server.host, server.port, "FLUSHALL", timeout=60)
        except (OSError, RespError) as exc:
            self.problems.append(f"[{server.name}] FLUSHALL failed before a round: {exc}")

    def run(self) -> None:
        args = self.args
        for ci, config in enumerate(args.configs, 1):
            table = self.samples.setdefault(config.label, {})
            for rnd in range(1, args.rounds + 1):
                for server in self.servers.values():
                    self.flush(server)  # each round starts from the same (empty) data
                for ti, test in enumerate(args.tests):
                    line = f"[{config.label} ({ci}/{len(args.configs)}) round {rnd}/{args.rounds}]"
                    line += f" {test:<11}"
                    # each test alternates between the servers, and which goes first alternates
                    # too (A B, then B A: the second run of a pair has no edge over the first)
                    order = SERVERS if (rnd + ti) % 2 else SERVERS[::-1]
                    shown_rps: dict[str, str] = {}
                    for name in order:
                        server = self.servers[name]
                        result = self.run_one(server, config, test)
                        for problem in result.problems:
                            log("ERROR " + problem)
                        self.problems += result.problems
                        if result.rps is None:
                            self.failed = True
                        else:
                            table.setdefault(test, {}).setdefault(name, []).append(result.rps)
                        shown_rps[name] = "error" if result.rps is None else f"{result.rps:,.0f}"
                        if not server.alive():
                            raise BenchmarkError(f"{name} died during the benchmark")
                    line += "".join(f" {name}: {shown_rps[name]:>12}" for name in SERVERS)
                    log(line + ("" if order == SERVERS else "  (plugredis first)"))


# --------------------------------------------------------------------------- memory


@dataclass
class Dataset:
    kind: str  # "strings", "hashes" or "lists"
    keys: int

    @property
    def label(self) -> str:
        if self.kind == "strings":
            return f"{self.keys:,} strings"
        what = "fields" if self.kind == "hashes" else "elements"
        return f"{self.keys:,} {self.kind} of {ITEMS} {what}"


def memory_datasets(keys: int) -> list[Dataset]:
    """``keys`` strings, and a tenth as many hashes and lists of 10 items: as many values each."""
    few = max(1, keys // ITEMS)
    return [Dataset("strings", keys), Dataset("hashes", few), Dataset("lists", few)]


def value(i: int) -> bytes:
    """A 10-byte value that is not a number (Redis would store a number as an integer)."""
    return b"v%09d" % i


def encode(args: Sequence[bytes]) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    parts += [b"$%d\r\n%s\r\n" % (len(arg), arg) for arg in args]
    return b"".join(parts)


MSET_KEYS = 100  # keys per MSET


def dataset_commands(ds: Dataset) -> Iterator[bytes]:
    """The RESP commands that load ``ds``: MSET of 100 keys, HSET of 10 fields, RPUSH of 10."""
    if ds.kind == "strings":
        for base in range(0, ds.keys, MSET_KEYS):
            args = [b"MSET"]
            for i in range(base, min(base + MSET_KEYS, ds.keys)):
                args += (b"string:%d" % i, value(i))
            yield encode(args)
    elif ds.kind == "hashes":
        for i in range(ds.keys):
            args = [b"HSET", b"hash:%d" % i]
            for j in range(ITEMS):
                args += (b"f%d" % (j + 1), value(i * ITEMS + j))
            yield encode(args)
    else:
        for i in range(ds.keys):
            items = [value(i * ITEMS + j) for j in range(ITEMS)]
            yield encode([b"RPUSH", b"list:%d" % i, *items])


class ReplyCounter:
    """Reads replies that are each one line (+OK, :10, -ERR ...) and fails on an error reply."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def read(self, count: int) -> None:
        while self.buf.count(b"\r\n") < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by the server while loading")
            self.buf += chunk
        lines = self.buf.split(b"\r\n", count)
        self.buf = lines.pop()
        for line in lines:
            if line[:1] not in (b"+", b":"):
                raise RespError(f"while loading: {line[:200].decode(errors='replace')}")


PIPELINE_BYTES = 256 * 1024  # commands sent at once before reading their replies


def load_dataset(host: str, port: int, ds: Dataset) -> float:
    """Load ``ds`` over one socket, pipelined in batches of ~256 KB; seconds it took."""
    start = time.perf_counter()
    with socket.create_connection((host, port), timeout=600) as sock:
        replies = ReplyCounter(sock)
        batch: list[bytes] = []
        size = 0
        for command in dataset_commands(ds):
            batch.append(command)
            size += len(command)
            if size >= PIPELINE_BYTES:
                sock.sendall(b"".join(batch))
                replies.read(len(batch))
                batch, size = [], 0
        if batch:
            sock.sendall(b"".join(batch))
            replies.read(len(batch))
    return time.perf_counter() - start


def rss_bytes(pid: int) -> int | None:
    """VmRSS of a process, from /proc/PID/status (None where there is no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024  # "VmRSS:   12345 kB"
    except (OSError, ValueError, IndexError):
        return None
    return None


@dataclass
class MemoryResult:
    empty: int | None = None  # RSS in bytes of the fresh server, before loading
    loaded: int | None = None  # RSS in bytes after loading
    load_s: float | None = None


def measure_memory_one(
    args: argparse.Namespace,
    name: str,
    template: str,
    server_prefix: list[str],
    ds: Dataset,
    workdir: Path,
) -> MemoryResult:
    """Start a fresh server, read its RSS, load ``ds``, check DBSIZE, read its RSS again."""
    result = MemoryResult()
    directory = workdir / f"memory-{ds.kind}-{name}"
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port(args.host)
    server = Server(
        name, server_argv(template, args.host, port, server_prefix), args.host, port, directory
    )
    try:
        server.start(args.startup_timeout)
        assert server.proc is not None
        time.sleep(args.settle)
        result.empty = rss_bytes(server.proc.pid)
        result.load_s = load_dataset(args.host, port, ds)
        dbsize = int(resp_command(args.host, port, "DBSIZE", timeout=60))
        if dbsize != ds.keys:
            raise BenchmarkError(f"DBSIZE is {dbsize:,} after loading, not {ds.keys:,}")
        time.sleep(args.settle)
        result.loaded = rss_bytes(server.proc.pid)
        if result.loaded is None:
            raise BenchmarkError(f"cannot read VmRSS from /proc/{server.proc.pid}/status")
    except (OSError, RespError, ValueError) as exc:
        detail = "" if server.alive() else "\n" + server.log_tail()
        raise BenchmarkError(f"{exc}{detail}") from exc
    finally:
        server.stop()
    return result


def measure_memory(
    args: argparse.Namespace,
    server_prefix: list[str],
    workdir: Path,
    results: dict[str, dict[str, MemoryResult]],
    problems: list[str],
) -> None:
    """Fill ``results`` (data set label -> server -> result): redis then plugredis per data set."""
    templates = {"redis": args.redis_cmd, "plugredis": args.plugredis_cmd}
    for ds in args.datasets:
        row = results.setdefault(ds.label, {})
        line = f"[memory] {ds.label:<28}"
        for name in SERVERS:
            try:
                result = measure_memory_one(args, name, templates[name], server_prefix, ds, workdir)
            except BenchmarkError as exc:
                problems.append(f"[memory, {name}, {ds.label}] {exc}")
                log(f"ERROR {problems[-1]}")
                line += f" {name}: error"
                continue
            row[name] = result
            line += f" {name}: {mib(result.loaded)} MiB in {result.load_s or 0:.1f} s"
        log(line)


def mib(size: int | None) -> str:
    return "-" if size is None else f"{size / (1024 * 1024):,.1f}"


# --------------------------------------------------------------------------- persistence


def measure_persistence(args: argparse.Namespace, workdir: Path, problems: list[str]) -> list[str]:
    """The Markdown table of benchmarks/persistence.py for ``--persistence-keys`` keys."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    try:
        import persistence  # benchmarks/persistence.py (needs plugredis.testing and hiredis)
    except ImportError as exc:
        problems.append(
            f"[persistence] cannot import benchmarks/persistence.py ({exc}): run this script "
            "with the Python in which plugredis is installed, or pass --skip-persistence"
        )
        return []
    log(f"[persistence] {args.persistence_keys:,} keys: redis, then plugredis on redis's file")
    try:
        results = persistence.compare(
            workdir / "persistence",
            args.persistence_keys,
            VALUE_SIZE,
            args.redis_cmd,
            args.plugredis_cmd,
            args.host,
        )
    except (persistence.PersistenceError, OSError) as exc:
        problems.append(f"[persistence] {exc}")
        return []
    return persistence.table(results)


# --------------------------------------------------------------------------- report


def geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def render_throughput(args: argparse.Namespace, runner: Runner) -> list[str]:
    out: list[str] = []
    for config in args.configs:
        table = runner.samples.get(config.label)
        if not table:
            continue
        out += [f"## Throughput: {config.label}", ""]
        out += ["| test | redis rps | plugredis rps | ratio |", "| --- | ---: | ---: | ---: |"]
        ratios: list[float] = []
        medians: dict[str, list[float]] = {name: [] for name in SERVERS}
        spreads: dict[str, float] = dict.fromkeys(SERVERS, 0.0)
        for test in args.tests:
            per_server = table.get(test, {})
            cells = []
            med: dict[str, float] = {}
            for name in SERVERS:
                samples = per_server.get(name, [])
                if samples:
                    med[name] = statistics.median(samples)
                    spread = (max(samples) - min(samples)) / med[name] if med[name] else 0.0
                    spreads[name] = max(spreads[name], spread)
                    cells.append(f"{med[name]:,.0f}")
                else:
                    cells.append("error")
            if len(med) == 2 and med["redis"] > 0 and med["plugredis"] > 0:
                ratio = med["plugredis"] / med["redis"]
                ratios.append(ratio)
                for name in SERVERS:
                    medians[name].append(med[name])
                cells.append(f"{ratio:.2f}")
            else:
                cells.append("n/a")
            out.append(f"| {test} | " + " | ".join(cells) + " |")
        if ratios:
            left_out = len(args.tests) - len(ratios)
            label = "geometric mean" + (f" ({len(ratios)} tests)" if left_out else "")
            out.append(
                f"| **{label}** | {geomean(medians['redis']):,.0f} | "
                f"{geomean(medians['plugredis']):,.0f} | **{geomean(ratios):.2f}** |"
            )
        out.append("")
        if args.rounds > 1:
            out.append(
                f"Medians of {args.rounds} rounds; largest round-to-round spread (max-min)/median: "
                f"redis {spreads['redis']:.0%}, plugredis {spreads['plugredis']:.0%}."
            )
            out.append("")
    out.append("ratio = plugredis rps / redis rps (higher is better for plugredis; 1.00 = parity).")
    out.append("")
    return out


def render_memory(
    args: argparse.Namespace, memory: dict[str, dict[str, MemoryResult]], partial: bool
) -> list[str]:
    out = ["## Memory: RSS of a fresh server after loading each data set", ""]
    out += [
        "| data set | redis RSS (MiB) | plugredis RSS (MiB) | ratio "
        "| redis data (MiB) | plugredis data (MiB) | data ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def ratio(a: float | None, b: float | None) -> str:
        return f"{b / a:.2f}" if a and b is not None and a > 0 else "-"

    empties = {
        name: [r[name].empty for r in memory.values() if name in r and r[name].empty is not None]
        for name in SERVERS
    }
    empty = {name: int(statistics.median(v)) if v else None for name, v in empties.items()}
    out.append(
        f"| empty server (median) | {mib(empty['redis'])} | {mib(empty['plugredis'])} | "
        f"{ratio(empty['redis'], empty['plugredis'])} | | | |"
    )
    missing = "-" if partial else "error"  # not measured (interrupted) or failed
    for ds in args.datasets:
        row = memory.get(ds.label, {})
        if partial and not row:
            continue
        loaded = {name: row[name].loaded if name in row else None for name in SERVERS}
        data: dict[str, int | None] = {}
        for name in SERVERS:
            result = row.get(name)
            data[name] = None
            if result is not None and result.loaded is not None and result.empty is not None:
                data[name] = result.loaded - result.empty
        cells = [
            mib(loaded["redis"]) if loaded["redis"] is not None else missing,
            mib(loaded["plugredis"]) if loaded["plugredis"] is not None else missing,
            ratio(loaded["redis"], loaded["plugredis"]),
            mib(data["redis"]),
            mib(data["plugredis"]),
            ratio(data["redis"], data["plugredis"]),
        ]
        out.append(f"| {ds.label} | " + " | ".join(cells) + " |")
    out += [
        "",
        f"RSS = VmRSS of the server process (/proc/PID/status), {args.settle:g} s after start "
        f"and {args.settle:g} s after the last reply; data = loaded RSS - empty RSS of the same "
        "process. "
        f"Values, fields and elements are {VALUE_SIZE} bytes; both servers are loaded by the same "
        f"client with pipelined MSET ({MSET_KEYS} keys each), HSET key f1 v1 .. f{ITEMS} v{ITEMS} "
        f"and RPUSH key e1 .. e{ITEMS}. "
        "ratio = plugredis / redis (lower is better for plugredis; target: RSS ratio <= 2.00).",
        "",
    ]
    return out


def render_persistence(args: argparse.Namespace, table: list[str]) -> list[str]:
    out = [
        f"## Persistence: {args.persistence_keys:,} keys of {VALUE_SIZE} bytes (RDB)",
        "",
        *table,
        "",
        "The data set is made by redis-server (DEBUG POPULATE) and saved; plugredis then starts "
        "on that file. The longest stall is the worst PING round trip seen by a client pinging "
        "every ~1 ms during BGSAVE. Servers not pinned: a BGSAVE child inherits its parent's "
        "CPU affinity. ratio = plugredis / redis (lower is better for plugredis).",
        "",
    ]
    return out


@dataclass
class Report:
    header: list[str]
    runner: Runner | None = None
    memory: dict[str, dict[str, MemoryResult]] | None = None
    persistence: list[str] | None = None
    problems: list[str] = field(default_factory=list)  # memory and persistence problems
    partial: bool = False

    def all_problems(self) -> list[str]:
        return (self.runner.problems if self.runner else []) + self.problems


def render(args: argparse.Namespace, report: Report) -> str:
    out = ["# plugredis vs redis-server: throughput, memory, persistence", ""]
    out += [f"- {line}" for line in report.header]
    if report.partial:
        out.append("- **interrupted: partial results**")
    out.append("")
    if report.runner is not None:
        out += render_throughput(args, report.runner)
    if report.memory is not None:
        out += render_memory(args, report.memory, report.partial)
    if report.persistence:
        out += render_persistence(args, report.persistence)
    problems = report.all_problems()
    if problems:
        out += ["## Errors and warnings", ""]
        out += ["```", *problems, "```", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Benchmark plugredis against redis-server with redis-benchmark, in one run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--plugredis-cmd",
        default=DEFAULT_PLUGREDIS_CMD,
        help="command that starts plugredis; placeholders {port}, {host}, {python}",
    )
    p.add_argument(
        "--redis-cmd",
        default=DEFAULT_REDIS_CMD,
        help="command that starts the reference redis-server; same placeholders",
    )
    p.add_argument("--redis-benchmark", default="redis-benchmark", help="redis-benchmark binary")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("-n", "--requests", type=int, default=200_000, help="requests per test (-n)")
    p.add_argument(
        "-r", "--random-keys", type=int, default=100_000, help="keyspace of random keys (-r)"
    )
    p.add_argument(
        "--configs",
        type=parse_configs,
        default=DEFAULT_CONFIGS,
        help="comma-separated CLIENTSxPIPELINE configurations (redis-benchmark -c and -P)",
    )
    p.add_argument(
        "--tests",
        type=parse_tests,
        default=",".join(DEFAULT_TESTS),
        help="comma-separated redis-benchmark tests (-t names, any case)",
    )
    p.add_argument("--rounds", type=int, default=3, help="A/B rounds per test; medians are kept")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke check: -n 2000, 1 round, the first config only, {QUICK_KEYS:,}-key data sets",
    )
    p.add_argument("--output", type=Path, help="also write the Markdown report to this file")
    p.add_argument("--server-cpu", default="0", help="CPU list for the servers (taskset -c)")
    p.add_argument("--bench-cpu", default="1", help="CPU list for redis-benchmark (taskset -c)")
    p.add_argument("--no-taskset", action="store_true", help="do not pin processes to CPUs")
    p.add_argument(
        "--startup-timeout", type=float, default=30.0, help="seconds to wait for PONG at start"
    )
    p.add_argument(
        "--run-timeout", type=float, default=900.0, help="seconds allowed per redis-benchmark run"
    )
    p.add_argument("--skip-throughput", action="store_true", help="no redis-benchmark tables")
    p.add_argument("--skip-memory", action="store_true", help="no memory (RSS after loading) table")
    p.add_argument(
        "--skip-persistence", action="store_true", help="no persistence (RDB save/load) table"
    )
    p.add_argument(
        "--dataset-scale",
        type=float,
        default=1.0,
        help=f"multiply the default data sets ({MEMORY_KEYS:,} strings, {MEMORY_KEYS // ITEMS:,} "
        f"hashes and lists; {PERSISTENCE_KEYS:,} persistence keys) by this factor",
    )
    p.add_argument(
        "--memory-keys",
        type=int,
        default=argparse.SUPPRESS,
        help=f"string keys of the memory test; hashes and lists get 1/{ITEMS} as many "
        f"(default {MEMORY_KEYS:,} x --dataset-scale; {QUICK_KEYS:,} with --quick)",
    )
    p.add_argument(
        "--persistence-keys",
        type=int,
        default=argparse.SUPPRESS,
        help=f"keys of the persistence test (default {PERSISTENCE_KEYS:,} x --dataset-scale; "
        f"{QUICK_KEYS:,} with --quick)",
    )
    return p


def taskset_usable(args: argparse.Namespace) -> tuple[bool, str]:
    if args.no_taskset:
        return False, "no CPU pinning (--no-taskset)"
    if shutil.which("taskset") is None:
        return False, "no CPU pinning: taskset is not installed"
    for cpus in (args.server_cpu, args.bench_cpu):
        probe = subprocess.run(["taskset", "-c", cpus, "true"], capture_output=True, check=False)
        if probe.returncode != 0:
            return (
                False,
                f"no CPU pinning: taskset -c {cpus} failed ({probe.stderr.decode().strip()})",
            )
    return True, f"servers pinned to CPU {args.server_cpu}, redis-benchmark to CPU {args.bench_cpu}"


def server_argv(template: str, host: str, port: int, prefix: list[str]) -> list[str]:
    text = template.format(port=port, host=host, python=shlex.quote(sys.executable))
    return prefix + shlex.split(text)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # same clean-up and partial report as Ctrl+C

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def resolve_sizes(args: argparse.Namespace) -> str | None:
    """Fill in args.memory_keys, args.persistence_keys, args.datasets; an error message or None."""
    if args.dataset_scale <= 0:
        return "--dataset-scale must be positive"
    for attr, default in (("memory_keys", MEMORY_KEYS), ("persistence_keys", PERSISTENCE_KEYS)):
        if getattr(args, attr, None) is None:
            size = QUICK_KEYS if args.quick else round(default * args.dataset_scale)
            setattr(args, attr, max(1, size))
        elif getattr(args, attr) < 1:
            return f"--{attr.replace('_', '-')} must be at least 1"
    args.datasets = memory_datasets(args.memory_keys)
    args.settle = 0.1 if args.quick else 0.5  # seconds before each RSS reading
    return None


def run_throughput(
    args: argparse.Namespace, server_prefix: list[str], workdir: Path, report: Report
) -> None:
    servers: dict[str, Server] = {}
    try:
        for name, template in (("redis", args.redis_cmd), ("plugredis", args.plugredis_cmd)):
            port = free_port(args.host)
            servers[name] = Server(
                name,
                server_argv(template, args.host, port, server_prefix),
                args.host,
                port,
                workdir,
            )
            servers[name].start(args.startup_timeout)
        for name, server in servers.items():
            version = server.info_field("redis_version") or "?"
            extra = server.info_field("plugredis_version")
            note = f"{name}: `{shlex.join(server.argv)}` (INFO redis_version {version}"
            note += f", plugredis_version {extra})" if extra else ")"
            report.header.append(note)
            print(note, flush=True)
        print(flush=True)
        report.runner = Runner(args, servers)
        report.runner.run()
    finally:
        for server in servers.values():
            server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.requests, args.rounds, args.configs = 2000, 1, args.configs[:1]
    if args.rounds < 1 or args.requests < 1:
        print("--rounds and --requests must be at least 1", file=sys.stderr)
        return 2
    error = resolve_sizes(args)
    if error:
        print(error, file=sys.stderr)
        return 2
    unknown = [t for t in args.tests if t not in KNOWN_TESTS]
    if unknown and not args.skip_throughput:
        log(f"warning: tests not known to this script (passed to redis-benchmark as is): {unknown}")
    if not args.skip_throughput and shutil.which(args.redis_benchmark) is None:
        print(f"redis-benchmark not found: {args.redis_benchmark}", file=sys.stderr)
        return 2
    args.use_taskset, pin_note = taskset_usable(args)
    server_prefix = ["taskset", "-c", args.server_cpu] if args.use_taskset else []

    header = machine_info()
    if not args.skip_throughput:
        header.append(f"redis-benchmark: {tool_version(args.redis_benchmark)}")
    header.append(pin_note)
    if not args.skip_throughput:
        rounds_note = f"{args.rounds} round(s), A/B alternating per test, median per test"
        header.append(f"throughput: -n {args.requests} -r {args.random_keys}, {rounds_note}")
    if not args.skip_memory:
        sets = ", ".join(ds.label for ds in args.datasets)
        header.append(
            f"memory: {sets} ({VALUE_SIZE}-byte values), a fresh server per data set"
            + (f" (pinned to CPU {args.server_cpu})" if args.use_taskset else "")
        )
    if not args.skip_persistence:
        header.append(
            f"persistence: {args.persistence_keys:,} keys of {VALUE_SIZE} bytes, servers not pinned"
        )
    if args.quick:
        header.append("--quick: a smoke check of the plumbing; these numbers mean nothing")
    header.append(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    for line in header:
        print(line, flush=True)
    print(flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="plugredis-bench-"))
    report = Report(header)
    status = 0
    with sigterm_as_interrupt():
        try:
            if not args.skip_throughput:
                run_throughput(args, server_prefix, workdir, report)
            if not args.skip_memory:
                report.memory = {}  # filled as it goes: an interruption keeps what was done
                measure_memory(args, server_prefix, workdir, report.memory, report.problems)
            if not args.skip_persistence:
                report.persistence = measure_persistence(args, workdir, report.problems)
        except BenchmarkError as exc:
            log(f"ERROR {exc}")
            status, report.partial = 2, True
        except KeyboardInterrupt:
            log("interrupted: stopping the servers")
            status, report.partial = 130, True
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    text = render(args, report)
    print(text)
    if args.output:
        args.output.write_text(text)
        log(f"report written to {args.output}")
    problems = report.all_problems()
    if problems:
        log(f"{len(problems)} problem(s) reported: see 'Errors and warnings' above")
    failed = (report.runner is not None and report.runner.failed) or bool(report.problems)
    if status == 0 and failed:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
