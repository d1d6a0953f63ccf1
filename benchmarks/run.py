#!/usr/bin/env python3
"""Benchmark plugredis against a real redis-server, in the same run, with redis-benchmark.

Both servers are started here (pinned to one CPU with taskset; redis-benchmark to another),
each test is run alternately against redis and plugredis (A B A B ...) for a few rounds, and the
median requests/second per test are printed as a Markdown table per client configuration, with the
ratio plugredis/redis and a geometric mean over the tests.

Only the standard library is needed.  See benchmarks/README.md.

    python benchmarks/run.py                 # full run (takes a while)
    python benchmarks/run.py --quick         # smoke check: n=2000, one round, one configuration
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
    payload = b"*%d\r\n" % len(args)
    for arg in args:
        data = arg.encode()
        payload += b"$%d\r\n%s\r\n" % (len(data), data)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(payload)
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
                for test in args.tests:
                    line = f"[{config.label} ({ci}/{len(args.configs)}) round {rnd}/{args.rounds}]"
                    line += f" {test:<11}"
                    for name in SERVERS:  # A B A B ...: each test alternates between servers
                        server = self.servers[name]
                        result = self.run_one(server, config, test)
                        for problem in result.problems:
                            log("ERROR " + problem)
                        self.problems += result.problems
                        if result.rps is None:
                            self.failed = True
                        else:
                            table.setdefault(test, {}).setdefault(name, []).append(result.rps)
                        shown = "error" if result.rps is None else f"{result.rps:,.0f}"
                        line += f" {name}: {shown:>12}"
                        if not server.alive():
                            raise BenchmarkError(f"{name} died during the benchmark")
                    log(line)


# --------------------------------------------------------------------------- report


def geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def render(args: argparse.Namespace, header: list[str], runner: Runner, partial: bool) -> str:
    out = ["# plugredis vs redis-server (redis-benchmark)", ""]
    out += [f"- {line}" for line in header]
    if partial:
        out.append("- **interrupted: partial results**")
    out.append("")
    for config in args.configs:
        table = runner.samples.get(config.label)
        if not table:
            continue
        out += [f"## {config.label}", ""]
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
    if runner.problems:
        out += ["", "## Errors and warnings", ""]
        out += ["```", *runner.problems, "```"]
    out.append("")
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
        "--quick", action="store_true", help="smoke check: -n 2000, 1 round, the first config only"
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.requests, args.rounds, args.configs = 2000, 1, args.configs[:1]
    if args.rounds < 1 or args.requests < 1:
        print("--rounds and --requests must be at least 1", file=sys.stderr)
        return 2
    unknown = [t for t in args.tests if t not in KNOWN_TESTS]
    if unknown:
        log(f"warning: tests not known to this script (passed to redis-benchmark as is): {unknown}")
    if shutil.which(args.redis_benchmark) is None:
        print(f"redis-benchmark not found: {args.redis_benchmark}", file=sys.stderr)
        return 2
    args.use_taskset, pin_note = taskset_usable(args)
    server_prefix = ["taskset", "-c", args.server_cpu] if args.use_taskset else []

    header = machine_info()
    header.append(f"redis-benchmark: {tool_version(args.redis_benchmark)}")
    header.append(pin_note)
    rounds_note = f"{args.rounds} round(s), A/B alternating per test, median per test"
    header.append(f"parameters: -n {args.requests} -r {args.random_keys}, {rounds_note}")
    if args.quick:
        header.append("--quick: a smoke check of the plumbing; these numbers mean nothing")
    header.append(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    for line in header:
        print(line, flush=True)
    print(flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="plugredis-bench-"))
    servers: dict[str, Server] = {}
    runner: Runner | None = None
    status = 0
    partial = False
    with sigterm_as_interrupt():
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
                header.append(note)
                print(note, flush=True)
            print(flush=True)
            runner = Runner(args, servers)
            runner.run()
        except BenchmarkError as exc:
            log(f"ERROR {exc}")
            status, partial = 2, True
        except KeyboardInterrupt:
            log("interrupted: stopping the servers")
            status, partial = 130, True
        finally:
            for server in servers.values():
                server.stop()
            shutil.rmtree(workdir, ignore_errors=True)

    if runner is None:
        return status or 2
    report = render(args, header, runner, partial)
    print(report)
    if args.output:
        args.output.write_text(report)
        log(f"report written to {args.output}")
    if runner.problems:
        log(f"{len(runner.problems)} problem(s) reported: see 'Errors and warnings' above")
    if status == 0 and runner.failed:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
