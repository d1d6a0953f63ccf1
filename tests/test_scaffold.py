"""``plugredis new-plugin NAME`` writes a plugin distribution that passes its own tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from plugredis.cli import _add_plugin_cli, cli


def test_new_plugin_skeleton_passes_its_own_tests(tmp_path: Path) -> None:
    _add_plugin_cli()
    res = CliRunner().invoke(cli, ["new-plugin", "gadgets", "--dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    root = tmp_path / "plugredis-gadgets"
    assert f"created {root}" in res.output
    meta = tomllib.loads((root / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "plugredis-gadgets"
    entry_points = meta["project"]["entry-points"]["plugredis"]
    assert entry_points == {"gadgets": "plugredis_gadgets"}
    # "install" it the way pip would expose it: a .dist-info with its entry points
    info = root / "plugredis_gadgets-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: plugredis-gadgets\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text("[plugredis]\ngadgets = plugredis_gadgets\n")
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests")],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 passed" in out.stdout


def test_new_plugin_refuses_bad_names_and_existing_dirs(tmp_path: Path) -> None:
    _add_plugin_cli()
    runner = CliRunner()
    res = runner.invoke(cli, ["new-plugin", "Bad-Name", "--dir", str(tmp_path)])
    assert res.exit_code == 2 and "lower case" in res.output
    assert runner.invoke(cli, ["new-plugin", "ok", "--dir", str(tmp_path)]).exit_code == 0
    res = runner.invoke(cli, ["new-plugin", "ok", "--dir", str(tmp_path)])
    assert res.exit_code == 2 and "already exists" in res.output
