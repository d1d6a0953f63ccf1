"""Throw random and malformed RESP at a plugredis server, at volume (>= 100k inputs by default).

    python benchmarks/fuzz_protocol.py                  # 100000 inputs, a server it starts
    python benchmarks/fuzz_protocol.py -n 500000 --seed 7
    python benchmarks/fuzz_protocol.py --port 6379      # an already running server

Inputs mix well-formed commands with random arguments, malformed multibulk frames (bad counts,
lengths, types, missing CRLFs), inline commands with broken quoting, and raw random bytes.  They
are spread over a pool of connections (each input is written to the next connection; whatever the
server answers is read without waiting; a connection the server closes is reopened).  Every 1000
inputs a separate, well-behaved client must get PONG within 2 seconds.  The run fails (exit 1) if
the server process dies, a liveness check fails, or a reply contains ``internal error`` (a handler
raised something other than a CommandError).

The tests run a small Hypothesis-driven sample of the same thing (tests/test_fuzz_protocol.py).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

SAFE_COMMANDS = [
    b"GET", b"SET", b"DEL", b"INCR", b"LPUSH", b"LRANGE", b"HSET", b"HGETALL", b"EXPIRE",
    b"TTL", b"MULTI", b"EXEC", b"DISCARD", b"WATCH", b"UNWATCH", b"PING", b"ECHO", b"SELECT",
    b"HELLO", b"AUTH", b"CLIENT", b"INFO", b"COMMAND", b"DBSIZE", b"TYPE", b"KEYS", b"SCAN",
    b"RESET", b"MEMORY", b"SLOWLOG", b"LATENCY", b"BLPOP", b"OBJECT", b"EXISTS", b"get",
    b"set", b"mget", b"NOSUCH", b"SETRANGE", b"APPEND", b"RPOPLPUSH", b"HINCRBY", b"SORT",
    b"RENAME", b"COPY", b"DUMP", b"RESTORE", b"GETRANGE", b"LPOS", b"HRANDFIELD", b"SWAPDB",
]  # fmt: skip
ARGS = [b"0", b"-1", b"1", b"9" * 25, b"0.5", b"GET", b"k", b"ALL", b"INFO", b"*", b"", b"inf"]


def _arg(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return rng.choice(ARGS)
    return rng.randbytes(rng.randint(0, 12))


def good_request(rng: random.Random) -> bytes:
    name = rng.choice(SAFE_COMMANDS)
    args = [_arg(rng) for _ in range(rng.randint(0, 5))]
    if name.upper() == b"BLPOP":
        args = [*args[:2], b"0.01"]
    parts = [name, *args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in parts)


def bad_frame(rng: random.Random) -> bytes:
    count = rng.choice([b"-1", b"0", b"1", b"3", b"x", b"", b"99999999999", b"-5", b"2"])
    out = b"*" + count + rng.choice([b"\r\n", b"\n", b"\r", b""])
    for _ in range(rng.randint(0, 3)):
        kind = rng.choice([b"$", b":", b"+", b"*", b"-", b"x", b"$"])
        length = rng.choice([b"3", b"-1", b"0", b"1000000000", b"abc", b"2", b"", b"04"])
        out += kind + length + b"\r\n" + rng.randbytes(rng.randint(0, 8))
        out += rng.choice([b"\r\n", b"", b"\n"])
    return out


def inline(rng: random.Random) -> bytes:
    words = [
        rng.choice([b"PING", b"GET", b"k", b'"a b"', b"'x'", b'"\\x4', b'"', b"ECHO", b"\x00"])
        for _ in range(rng.randint(0, 4))
    ]
    return b" ".join(words) + rng.choice([b"\r\n", b"\n", b""])


def fuzz_input(rng: random.Random) -> bytes:
    makers = (
        good_request,
        good_request,
        bad_frame,
        inline,
        lambda r: r.randbytes(r.randint(0, 40)),
    )
    return b"".join(rng.choice(makers)(rng) for _ in range(rng.randint(1, 6)))


def start_server() -> tuple[subprocess.Popen[bytes], int]:
    """A plugredis server in a child process (its log goes to a file: nobody must block it)."""
    d = tempfile.mkdtemp(prefix="plugredis-fuzz-")
    log_path = os.path.join(d, "server.log")
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "plugredis", "--port", "0", "--save-interval", "0", "--dir", d],
            stderr=log_file,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(log_path, "rb") as f:
            m = re.search(rb"ready on [\d.]+:(\d+)", f.read())
        if m:
            print(f"server pid {proc.pid}, port {m.group(1).decode()}, log {log_path}")
            return proc, int(m.group(1))
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not start")


def alive(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 2) as s:
            s.settimeout(2)
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(16) == b"+PONG\r\n"
    except OSError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=100_000, help="number of inputs")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--port", type=int, default=None, help="fuzz a running server")
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    proc = None
    port = args.port
    if port is None:
        proc, port = start_server()
    pool: list[socket.socket | None] = [None] * args.connections
    uses = [0] * args.connections
    closed = received = internal = 0
    started = time.monotonic()

    def conn(i: int) -> socket.socket:
        s = pool[i]
        if s is None or uses[i] > 200:
            if s is not None:
                s.close()
            s = socket.create_connection(("127.0.0.1", port), 5)
            s.setblocking(False)
            pool[i] = s
            uses[i] = 0
        return s

    try:
        for n in range(args.n):
            i = n % args.connections
            s = conn(i)
            uses[i] += 1
            data = fuzz_input(rng)
            try:
                s.sendall(data)
            except (BlockingIOError, OSError):
                s.close()
                pool[i] = None
                closed += 1
                continue
            ready, _, _ = select.select([s], [], [], 0)
            if ready:
                try:
                    out = s.recv(1 << 20)
                except (BlockingIOError, ConnectionResetError, OSError):
                    out = b""
                if not out:
                    s.close()
                    pool[i] = None
                    closed += 1
                else:
                    received += len(out)
                    if b"internal error" in out:
                        internal += 1
                        print(f"internal error after input {data!r}: {out[:300]!r}")
            if n % 1000 == 999:
                if proc is not None and proc.poll() is not None:
                    print(f"FAIL: the server died after {n + 1} inputs (seed {seed})")
                    return 1
                if not alive(port):
                    print(f"FAIL: the server stopped answering after {n + 1} inputs (seed {seed})")
                    return 1
                if n % 20000 == 19999:
                    rate = (n + 1) / (time.monotonic() - started)
                    print(
                        f"{n + 1} inputs, {rate:.0f}/s, {closed} connections closed by the server"
                    )
        ok = alive(port) and (proc is None or proc.poll() is None)
    finally:
        for s in pool:
            if s is not None:
                s.close()
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    elapsed = time.monotonic() - started
    tracebacks = 0
    if proc is not None and proc.args:
        log_path = os.path.join(str(proc.args[-1]), "server.log")
        try:
            with open(log_path, "rb") as f:
                tracebacks = f.read().count(b"Traceback")
        except OSError:
            pass
    print(
        f"{args.n} inputs in {elapsed:.1f} s (seed {seed}): server alive: {ok}; "
        f"{closed} connections closed by the server (protocol errors); {received} reply bytes; "
        f"{internal} internal errors; {tracebacks} tracebacks in the server log"
    )
    return 0 if ok and not internal and not tracebacks else 1


if __name__ == "__main__":
    sys.exit(main())
