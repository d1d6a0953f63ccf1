"""redis-cli hints come from COMMAND DOCS, for plugin commands too (driven in tmux)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from typing import Any

import pytest

from plugredis import arg, command, hookimpl
from plugredis.testing import REQUIRE_REAL_ENV


@command(
    "GREET",
    arity=-2,
    flags="fast",
    summary="Greet someone",
    since="1.0.0",
    arguments=[arg("name", "string"), arg("loud", "pure-token", token="LOUD", optional=True)],
)
def greet(ctx: Any, name: bytes, *opts: bytes) -> bytes:
    return b"hello " + name


class GreetPlugin:
    plugredis_name = "greet"

    @hookimpl
    def register_commands(self, register: Any) -> None:
        register(greet)


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get(REQUIRE_REAL_ENV) == "1":
            pytest.fail(f"{tool} is not installed")
        pytest.skip(f"{tool} is not installed")
    return path


def _hint(port: int, typed: str) -> str:
    tmux = _need("tmux")
    cli = _need("redis-cli")
    session = f"plugredis-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [tmux, "new-session", "-d", "-s", session, "-x", "200", "-y", "10", f"{cli} -p {port}"],
        check=True,
    )
    try:
        screen = ""
        for _ in range(50):  # wait for the prompt
            screen = subprocess.run(
                [tmux, "capture-pane", "-t", session, "-p"], capture_output=True, text=True
            ).stdout
            if f":{port}>" in screen:
                break
            time.sleep(0.1)
        subprocess.run([tmux, "send-keys", "-t", session, typed], check=True)
        for _ in range(30):
            time.sleep(0.1)
            screen = subprocess.run(
                [tmux, "capture-pane", "-t", session, "-p"], capture_output=True, text=True
            ).stdout
            line = next((ln for ln in screen.splitlines() if typed.strip() in ln), "")
            if len(line.rstrip()) > len(f"127.0.0.1:{port}> {typed}"):
                return line.rstrip()
        return screen
    finally:
        subprocess.run([tmux, "kill-session", "-t", session], capture_output=True)


def test_hints_for_builtin_and_plugin_commands(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory(plugins=["strings"], extra=[GreetPlugin()])
    assert _hint(h.port, "SET k ").endswith("SET k value [NX|XX] [GET] [EX seconds|PX "
                                            "milliseconds|EXAT unix-time-seconds|PXAT "
                                            "unix-time-milliseconds|KEEPTTL]")  # fmt: skip
    assert _hint(h.port, "GREET ").endswith("GREET name [LOUD]")
