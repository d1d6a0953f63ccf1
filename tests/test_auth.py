"""requirepass, AUTH, HELLO AUTH, NOAUTH and protected mode, compared with a real Redis."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from plugredis.testing import (
    RawConnection,
    RealRedis,
    ServerHandle,
    find_redis_server,
    start_server,
)

PASSWORD = "s3cret pass"  # a space, to check quoting does not matter


def _real(*args: str) -> RealRedis:
    exe = find_redis_server()
    if exe is None:
        pytest.skip("redis-server is not installed")
    return RealRedis(exe, *args)


@pytest.fixture(scope="module")
def secured() -> Iterator[tuple[ServerHandle, RealRedis]]:
    ours = start_server(plugins=["strings"], requirepass=PASSWORD)
    theirs = _real()  # (RealRedis waits for a PONG: the password is set once it runs)
    c = RawConnection(theirs.host, theirs.port)
    assert c.command("CONFIG", "SET", "requirepass", PASSWORD) == b"+OK\r\n"
    c.close()
    yield ours, theirs
    ours.stop()
    theirs.stop()


def _both(secured: Any) -> tuple[RawConnection, RawConnection]:
    ours, theirs = secured
    return RawConnection(ours.host, ours.port), RawConnection(theirs.host, theirs.port)


NOAUTH_SEQUENCE: list[tuple[str, ...]] = [
    ("PING",),
    ("NOSUCH", "a"),  # unknown command before NOAUTH
    ("GET",),  # arity before NOAUTH
    ("GET", "a"),
    ("CLIENT", "ID"),
    ("CLIENT", "NOSUCH"),
    ("MULTI",),
    ("EXEC",),  # refused EXEC: EXECABORT with the reason
    ("DISCARD",),
    ("HELLO",),
    ("HELLO", "3"),
    ("HELLO", "2", "SETNAME", "x"),
    ("HELLO", "2", "AUTH", "default", "wrong"),
    ("HELLO", "x"),
    ("HELLO", "4"),
    ("AUTH",),
    ("AUTH", "a", "b", "c"),
    ("AUTH", "wrong"),
    ("AUTH", "default", "wrong"),
    ("AUTH", "bob", PASSWORD),
    ("PING",),
    ("AUTH", PASSWORD),
    ("PING",),
    ("AUTH", "wrong"),  # a failed AUTH keeps the authenticated state
    ("PING",),
    ("RESET",),  # RESET logs out
    ("PING",),
    ("AUTH", "default", PASSWORD),
    ("SET", "k", "v"),
    ("GET", "k"),
    ("RESET",),
    ("HELLO", "2", "AUTH", "default", PASSWORD, "SETNAME", "me"),
    ("CLIENT", "GETNAME"),
    ("QUIT",),
]


@pytest.mark.parametrize("resp", [2, 3])
def test_noauth_and_auth_flows_match_redis(secured: Any, resp: int) -> None:
    a, b = _both(secured)
    try:
        if resp == 3:  # HELLO 3 AUTH: authenticate and switch protocol, then RESET to log out
            for conn in (a, b):
                conn.command("HELLO", "3", "AUTH", "default", PASSWORD)
                conn.command("RESET")
        for cmd in NOAUTH_SEQUENCE:
            ours, theirs = a.command(*cmd), b.command(*cmd)
            if cmd[0] in ("HELLO",) and ours.startswith((b"%", b"*14")):
                # the client id differs
                ours, theirs = ours.split(b"id\r\n")[0], theirs.split(b"id\r\n")[0]
            assert ours == theirs, f"{cmd!r}: ours {ours!r} != redis {theirs!r}"
    finally:
        a.close()
        b.close()


def test_inline_commands_need_auth_too(secured: Any) -> None:
    for target in secured:
        s = socket.create_connection((target.host, target.port), 5)
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"-NOAUTH Authentication required.\r\n"
        s.sendall(f'AUTH "{PASSWORD}"\r\nPING\r\n'.encode())
        time.sleep(0.1)
        assert s.recv(100) == b"+OK\r\n+PONG\r\n"
        s.close()


@pytest.mark.parametrize("target", ["plugredis", "redis"])
def test_config_set_requirepass_applies_to_new_connections(target: str) -> None:
    h: Any = start_server(plugins=["strings"]) if target == "plugredis" else _real()
    try:
        first = RawConnection(h.host, h.port)
        assert first.command("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
        assert first.command("PING") == b"+PONG\r\n"  # already authenticated
        second = RawConnection(h.host, h.port)
        assert second.command("PING") == b"-NOAUTH Authentication required.\r\n"
        assert second.command("AUTH", "pw") == b"+OK\r\n"
        assert first.command("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
        third = RawConnection(h.host, h.port)
        assert third.command("PING") == b"+PONG\r\n"
        assert third.command("AUTH", "x") == (
            b"-ERR AUTH <password> called without any password configured for the default "
            b"user. Are you sure your configuration is correct?\r\n"
        )
        # with no password, AUTH default <anything> succeeds (the default user is nopass)
        assert third.command("AUTH", "default", "anything") == b"+OK\r\n"
        for c in (first, second, third):
            c.close()
    finally:
        h.stop()


def test_password_comparison_is_constant_time(monkeypatch: Any) -> None:
    """AUTH compares with hmac.compare_digest (no early exit on the first wrong byte)."""
    import hmac

    from plugredis.builtin import connection as builtin_connection

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(builtin_connection.hmac, "compare_digest", spy)
    h = start_server(plugins=["strings"], requirepass="pw")
    try:
        c = RawConnection(h.host, h.port)
        assert c.command("AUTH", "px").startswith(b"-WRONGPASS")
        assert c.command("AUTH", "pw") == b"+OK\r\n"
        c.close()
    finally:
        h.stop()
    assert calls == [(b"px", b"pw"), (b"pw", b"pw")]


# -- protected mode -------------------------------------------------------------------------------


def _non_loopback_address() -> str | None:
    """An address of this machine that is not loopback (to connect from), if it has one."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for addr in out.split():
        if ":" not in addr and not addr.startswith("127."):
            return addr
    try:
        addr = socket.gethostbyname(socket.gethostname())
        if not addr.startswith("127."):
            return addr
    except OSError:
        pass
    return None


def _talk(host: str, port: int, data: bytes = b"PING\r\n") -> bytes:
    s = socket.create_connection((host, port), 5)
    try:
        s.sendall(data)
        out = b""
        s.settimeout(2)
        while True:
            try:
                chunk = s.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
            if out.endswith(b"\r\n") and not out.startswith(b"-DENIED"):
                break
        return out
    finally:
        s.close()


def test_protected_mode_refuses_non_loopback_clients_like_redis() -> None:
    addr = _non_loopback_address()
    if addr is None:
        pytest.skip("this machine has no non-loopback address to connect from")
    ours = start_server(plugins=["strings"], bind="0.0.0.0")
    theirs = _real("--bind", "0.0.0.0")
    try:
        denied = _talk(addr, ours.port)
        assert denied == _talk(addr, theirs.port)
        assert denied.startswith(b"-DENIED Redis is running in protected mode")
        # loopback clients are served
        assert _talk("127.0.0.1", ours.port) == b"+PONG\r\n"
        info = ours.client().info("stats")
        assert info["rejected_connections"] == 1
        # a password lifts protected mode, and so does protected-mode no
        ours.client().config_set("requirepass", "pw")
        assert _talk(addr, ours.port) == b"-NOAUTH Authentication required.\r\n"
        c = ours.client(password="pw")
        c.config_set("requirepass", "")
        c.config_set("protected-mode", "no")
        assert _talk(addr, ours.port) == b"+PONG\r\n"
    finally:
        ours.stop()
        theirs.stop()


def test_protected_mode_off_from_the_start() -> None:
    addr = _non_loopback_address()
    if addr is None:
        pytest.skip("this machine has no non-loopback address to connect from")
    ours = start_server(plugins=["strings"], bind="0.0.0.0", protected_mode=False)
    try:
        assert _talk(addr, ours.port) == b"+PONG\r\n"
    finally:
        ours.stop()
