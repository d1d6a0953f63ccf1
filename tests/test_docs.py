"""The docs are part of every feature: complete hook reference, current generated pages, a build."""

from __future__ import annotations

import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plugredis import hookspecs

ROOT = Path(__file__).resolve().parent.parent


def _hookspecs() -> list[tuple[str, list[str]]]:
    return [
        (name, list(inspect.signature(fn).parameters))
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "plugredis_spec")
    ]


def test_every_hook_is_documented_with_its_signature() -> None:
    text = (ROOT / "docs" / "hooks.md").read_text()
    specs = _hookspecs()
    assert len(specs) >= 10
    for name, args in specs:
        assert f"`{name}({', '.join(args)})`" in text, f"{name} is not documented in docs/hooks.md"


def test_every_hook_has_a_docstring() -> None:
    for name, _ in _hookspecs():
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name


def test_generated_pages_are_current() -> None:
    res = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).with_name("mkdocs"))
    if not Path(mkdocs).exists():
        pytest.skip("mkdocs is not installed")
    res = subprocess.run(
        [mkdocs, "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_writing_plugins_guide_example_is_the_shipped_example() -> None:
    guide = (ROOT / "docs" / "writing-plugins.md").read_text()
    example = ROOT / "docs" / "examples" / "plugredis-counters"
    source = (example / "plugredis_counters" / "__init__.py").read_text()
    assert 'counters = "plugredis_counters"' in (example / "pyproject.toml").read_text()
    for snippet in (
        'module_name="plgcountr"',
        "def _save(value",
        "w.write_module_uint(len(value))",
    ):
        assert snippet in guide and snippet in source
