"""The plugin framework: registration, discovery through entry points, selection, provenance."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import redis

from plugredis import CommandError, command, hookimpl
from plugredis.plugins import PluginSelectionError, installed_plugins
from plugredis.registry import RegistryError
from plugredis.server import Server

ROOT = Path(__file__).resolve().parent.parent


@command("HELLOWORLD", arity=-1, flags="fast", summary="Say hello", group="generic")
def helloworld(ctx: Any, *args: bytes) -> bytes:
    if args:
        raise CommandError("ERR HELLOWORLD takes no arguments")
    return b"hello world"


class HelloPlugin:
    plugredis_name = "hello"

    @hookimpl
    def register_commands(self, register: Any) -> None:
        register(helloworld)


def test_throwaway_plugin_adds_a_command(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory(plugins=[], extra=[HelloPlugin()])
    r = h.client()
    assert r.execute_command("HELLOWORLD") == b"hello world"
    assert r.execute_command("helloworld") == b"hello world"
    with pytest.raises(redis.ResponseError, match="takes no arguments"):
        r.execute_command("HELLOWORLD", "x")
    from plugredis.testing import raw_command

    info = raw_command(h.host, h.port, "COMMAND", "INFO", "helloworld")
    assert info.startswith(b"*1\r\n*10\r\n$10\r\nhelloworld\r\n:-1\r\n*1\r\n+fast\r\n")
    assert h.server.registry.commands["helloworld"].plugin == "hello"
    # third-party commands are shown as module commands in COMMAND DOCS
    docs = raw_command(h.host, h.port, "COMMAND", "DOCS", "helloworld")
    assert b"$5\r\ngroup\r\n$6\r\nmodule\r\n" in docs
    assert b"$6\r\nmodule\r\n$5\r\nhello\r\n" in docs


@pytest.mark.plugredis(plugins=[], extra=[HelloPlugin()])
def test_marker_chooses_plugins(plugredis_client: Any) -> None:
    assert plugredis_client.execute_command("HELLOWORLD") == b"hello world"
    with pytest.raises(redis.ResponseError, match="unknown command 'GET'"):
        plugredis_client.get("k")


def test_duplicate_command_names_fail_at_startup() -> None:
    class Other:
        plugredis_name = "other"

        @hookimpl
        def register_commands(self, register: Any) -> None:
            @command("HELLOWORLD", arity=1)
            def hw(ctx: Any) -> bytes:
                return b"x"

            register(hw)

    with pytest.raises(RegistryError, match=r"'helloworld'.*'hello'.*'other'"):
        Server(plugins=[], extra_plugins=[HelloPlugin(), Other()])
    with pytest.raises(RegistryError, match=r"'get'.*'strings'.*'clash'"):

        class Clash:
            plugredis_name = "clash"

            @hookimpl
            def register_commands(self, register: Any) -> None:
                @command("GET", arity=2)
                def get(ctx: Any, key: bytes) -> bytes:
                    return b""

                register(get)

        Server(plugins=["strings"], extra_plugins=[Clash()])


def test_selection_and_unknown_plugins() -> None:
    assert "strings" in installed_plugins()
    s = Server(plugins=["strings"])
    assert "get" in s.registry.commands and s.plugin_names == ["strings"]
    s = Server(plugins=[])
    assert "get" not in s.registry.commands and "ping" in s.registry.commands
    with pytest.raises(PluginSelectionError, match=r"nosuch.*installed plugins: .*strings"):
        Server(plugins=["nosuch"])


def test_unloaded_plugin_command_is_unknown(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory(plugins=[])
    with pytest.raises(redis.ResponseError) as e:
        h.client().get("k")
    assert str(e.value) == "unknown command 'GET', with args beginning with: 'k' "


FAKE_PLUGIN = """
from plugredis import command, hookimpl

@command("FAKECMD", arity=1, flags="fast", summary="From a fake distribution")
def fakecmd(ctx):
    return b"fake!"

@hookimpl
def register_commands(register):
    register(fakecmd)
"""


@pytest.fixture
def fake_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plugin installed as a distribution: a .dist-info with entry_points.txt on sys.path."""
    (tmp_path / "plugredis_fake.py").write_text(textwrap.dedent(FAKE_PLUGIN))
    info = tmp_path / "plugredis_fake-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plugredis-fake\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text("[plugredis]\nfake = plugredis_fake\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_installed_distribution_is_discovered(fake_distribution: Path) -> None:
    found = installed_plugins()
    assert found["fake"].version == "1.2.3"
    assert found["fake"].dist_name == "plugredis-fake"
    s = Server(plugins=["fake"])
    assert s.registry.commands["fakecmd"].plugin == "fake"
    s = Server()  # default: every installed plugin
    assert {"fake", "strings"} <= set(s.plugin_names)


def test_cli_lists_an_installed_distribution(fake_distribution: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(fake_distribution))
    out = subprocess.run(
        [sys.executable, "-m", "plugredis", "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    data = {p["name"]: p for p in json.loads(out.stdout)}
    assert data["fake"]["commands"] == ["fakecmd"]
    assert data["fake"]["version"] == "1.2.3"
    assert "register_commands" in data["fake"]["hooks"]
    assert "get" in data["strings"]["commands"]


def test_no_hook_is_called_per_command(plugredis_server_factory: Any) -> None:
    h = plugredis_server_factory()
    calls = []
    h.server.pm.add_hookcall_monitoring(lambda name, impls, kw: calls.append(name), lambda *a: None)
    r = h.client()
    for i in range(50):
        r.set(f"k{i}", "v")
        r.get(f"k{i}")
    r.ping()
    assert calls == []


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_imports_no_plugin() -> None:
    for path in (ROOT / "plugredis").rglob("*.py"):
        bad = {n for n in _imports(path) if n.startswith("plugredis_")}
        assert not bad, f"{path} imports plugins {bad}"


def test_plugins_use_only_the_public_api() -> None:
    for plugin_dir in (ROOT / "plugins").iterdir():
        if not plugin_dir.is_dir() or plugin_dir.name.startswith((".", "_")):
            continue
        for path in plugin_dir.rglob("*.py"):
            for name in _imports(path):
                assert not name.startswith("plugredis."), f"{path}: imports {name}"
                if name.startswith("plugredis_"):
                    assert name.split(".")[0] == plugin_dir.name, f"{path}: imports {name}"


def _plugin_with(spec_kwargs: dict[str, Any]) -> Any:
    class Bad:
        plugredis_name = "badplugin"

        @hookimpl
        def register_commands(self, register: Any) -> None:
            @command("BADCMD", **spec_kwargs)
            def bad(ctx: Any, *args: bytes) -> bytes:
                return b""

            register(bad)

    return Bad()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"arity": 0}, "arity 0"),
        ({"arity": 2, "flags": "write fastest"}, "unknown flag fastest"),
        ({"arity": 2, "keys": (2, 2, 1)}, "first key position 2 is beyond the arity 2"),
    ],
)
def test_bad_specs_stop_startup_naming_the_plugin(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(RegistryError, match=rf"plugin 'badplugin': command 'badcmd': {message}"):
        Server(plugins=[], extra_plugins=[_plugin_with(kwargs)])


def test_plugin_import_error_names_plugin_and_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plugredis.plugins import PluginLoadError

    (tmp_path / "plugredis_broken.py").write_text("import no_such_module_anywhere\n")
    info = tmp_path / "plugredis_broken-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plugredis-broken\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text("[plugredis]\nbroken = plugredis_broken\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginLoadError) as e:
        Server(plugins=["broken"])
    msg = str(e.value)
    assert "plugin 'broken'" in msg and "plugredis-broken" in msg
    assert "ModuleNotFoundError" in msg and "no_such_module_anywhere" in msg


def test_trace_plugins_logs_hook_calls(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    monkeypatch.setenv("PLUGREDIS_TRACE_PLUGINS", "1")
    with caplog.at_level(logging.INFO, logger="plugredis.plugins"):
        Server(plugins=["strings"])
    text = caplog.text
    assert "hook register_commands(register, server)" in text or "hook register_commands" in text
    assert "strings" in text


def test_key_event_listeners(plugredis_server_factory: Any) -> None:
    from plugredis import ManualClock

    events: list[tuple[str, int, bytes]] = []

    @command("DELKEY", arity=2, flags="write", keys=(1, 1, 1))
    def delkey(ctx: Any, key: bytes) -> int:
        return int(ctx.db.delete(key))

    class Listener:
        plugredis_name = "listener"

        @hookimpl
        def register_key_listeners(self, register: Any) -> None:
            register(lambda event, db, key: events.append((event, db, key)))

        @hookimpl
        def register_commands(self, register: Any) -> None:
            register(delkey)

    clock = ManualClock()
    h = plugredis_server_factory(plugins=["strings"], extra=[Listener()], clock=clock)
    r = h.client()
    r.set("a", "1")
    r.execute_command("DELKEY", "a")
    r.set("b", "2", px=100)
    clock.advance(1)
    assert r.get("b") is None
    assert events == [("written", 0, b"a"), ("deleted", 0, b"a"), ("written", 0, b"b"),
                      ("expired", 0, b"b")]  # fmt: skip


CONFIG_PLUGIN = """
from plugredis import hookimpl

@hookimpl
def register_config(register):
    register("fakecfg-limit", default=10, type=int, help="How many things")
    register("verbose", default=False, help="Talk more")
"""


@pytest.fixture
def config_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "plugredis_fakecfg.py").write_text(textwrap.dedent(CONFIG_PLUGIN))
    info = tmp_path / "plugredis_fakecfg-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plugredis-fakecfg\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[plugredis]\nfakecfg = plugredis_fakecfg\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_typed_plugin_config(config_distribution: Path) -> None:
    s = Server(plugins=["fakecfg"])
    reg = s.registry
    assert reg.config["fakecfg-limit"].get() == "10"
    assert reg.config["verbose"].get() == "no"
    reg.config["fakecfg-limit"].set("5")  # type: ignore[misc]
    assert reg.config_values["fakecfg-limit"] == 5
    with pytest.raises(ValueError, match="couldn't be parsed into an integer"):
        reg.config["fakecfg-limit"].set("many")  # type: ignore[misc]
    with pytest.raises(ValueError, match="'yes' or 'no'"):
        reg.config["verbose"].set("maybe")  # type: ignore[misc]


def test_plugin_config_on_the_command_line_and_in_the_config_file(
    config_distribution: Path, tmp_path: Path
) -> None:
    env = dict(os.environ, PYTHONPATH=str(config_distribution))
    help_text = subprocess.run(
        [sys.executable, "-m", "plugredis", "--help"], capture_output=True, text=True, env=env
    ).stdout
    assert "--fakecfg-limit" in help_text and "--fakecfg-verbose" in help_text
    assert "CONFIG fakecfg-limit; default 10" in " ".join(help_text.split())
    conf = tmp_path / "p.conf"
    conf.write_text("verbose yes\nfakecfg-limit 3\n")
    data = tmp_path / "data"
    data.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "plugredis", "--port", "0", "--dir", str(data), "--config",
         str(conf), "--fakecfg-limit", "7", "--plugins", "fakecfg"],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        port = None
        for _ in range(50):
            line = proc.stderr.readline()
            m = re.search(r"ready on 127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
                break
        assert port is not None
        r = redis.Redis(port=port)
        assert r.config_get("fakecfg-limit") == {"fakecfg-limit": "7"}  # the flag wins
        assert r.config_get("verbose") == {"verbose": "yes"}  # from the file
        r.close()
    finally:
        proc.terminate()
        proc.wait(10)
