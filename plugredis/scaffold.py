"""``plugredis new-plugin NAME``: write the skeleton of a plugin distribution that passes its tests.

The skeleton has a ``pyproject.toml`` with the entry point, a package with one command and one
value type (persisted as a module type), tests that use the fixtures plugredis ships, and a
README.  It is registered as a CLI sub-command through the ``register_cli`` hook, the way any
plugin adds one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from .hookspecs import hookimpl

__all__ = ["write_skeleton"]

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "plugredis-{name}"
version = "0.1.0"
description = "A plugredis plugin: {name}"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["plugredis"]

[project.optional-dependencies]
test = ["pytest", "redis"]

[project.entry-points.plugredis]
{name} = "plugredis_{name}"

[tool.hatch.build.targets.wheel]
packages = ["plugredis_{name}"]
"""

PACKAGE = '''\
"""plugredis-{name}: a plugredis plugin."""

from __future__ import annotations

import sys
from typing import Any

from plugredis import KeySpec, TypeSpec, arg, command, hookimpl

__version__ = "0.1.0"


class {cls}Box(list):  # type: ignore[type-arg]
    """The value type of this plugin: a list of items (a class of its own for WRONGTYPE)."""


def _save(value: {cls}Box, w: Any) -> None:
    w.write_module_uint(len(value))
    for item in value:
        w.write_module_string(item)


def _load(r: Any, encver: int) -> {cls}Box:
    return {cls}Box(r.read_module_string() for _ in range(r.read_module_uint()))


BOX = TypeSpec(
    name="{name}box",
    pytype={cls}Box,
    copy=lambda v: {cls}Box(v),
    module_name="{module_name}",
    module_encver=1,
    module_save=_save,
    module_load=_load,
)


@command(
    "{upper}.PUT",
    arity=3,
    flags="write denyoom fast",
    keys=(1, 1, 1),
    summary="Append an item to a {name} box",
    since="0.1.0",
    complexity="O(1)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RW", "insert"))],
    arguments=[arg("key", "key", key_spec_index=0), arg("item", "string")],
)
def put(ctx: Any, key: bytes, item: bytes) -> int:
    """{upper}.PUT key item: append ``item``; returns the number of items."""
    box = ctx.db.lookup_write(key, {cls}Box)
    if box is None:
        box = {cls}Box()
        ctx.db.add(key, box)
    box.append(item)
    ctx.db.signal_modified(key)
    return len(box)


@command(
    "{upper}.ALL",
    arity=2,
    flags="readonly",
    keys=(1, 1, 1),
    summary="All items of a {name} box",
    since="0.1.0",
    complexity="O(N)",
    key_specs=[KeySpec(("index", 1), ("range", 0, 1, 0), ("RO", "access"))],
    arguments=[arg("key", "key", key_spec_index=0)],
)
def all_items(ctx: Any, key: bytes) -> list[bytes]:
    """{upper}.ALL key"""
    box = ctx.db.lookup_read(key, {cls}Box)
    return [] if box is None else list(box)


@hookimpl
def register_types(register: Any) -> None:
    register(BOX)


@hookimpl
def register_commands(register: Any) -> None:
    register(sys.modules[__name__])
'''

TESTS = '''\
"""Tests of plugredis-{name}, with the fixtures plugredis ships."""

from __future__ import annotations

import pytest
import redis

pytestmark = pytest.mark.plugredis(plugins=["{name}"])


def test_put_and_all(plugredis_client: redis.Redis) -> None:
    r = plugredis_client
    assert r.execute_command("{upper}.PUT", "b", "x") == 1
    assert r.execute_command("{upper}.PUT", "b", "y") == 2
    assert r.execute_command("{upper}.ALL", "b") == [b"x", b"y"]
    assert r.execute_command("{upper}.ALL", "missing") == []


def test_arity_error(plugredis_client: redis.Redis) -> None:
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        plugredis_client.execute_command("{upper}.PUT", "b")
'''

README = """\
# plugredis-{name}

A plugredis plugin. It adds a value type `{name}box` and the commands `{upper}.PUT key item`
and `{upper}.ALL key`.

```sh
pip install -e '.[test]'
pytest                       # the tests use the fixtures plugredis ships
plugredis --plugins {name}   # serve with this plugin
```
"""


def write_skeleton(name: str, directory: Path) -> Path:
    """Write ``plugredis-<name>/`` under ``directory``; returns its path."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(
            "a plugin name is lower case letters, digits and _, starting with a letter"
        )
    root = directory / f"plugredis-{name}"
    if root.exists():
        raise FileExistsError(f"{root} already exists")
    module_name = (name.replace("_", "")[:6] + "typ").ljust(9, "x")[:9]
    fields = {
        "name": name,
        "upper": name.upper(),
        "cls": "".join(p.capitalize() for p in name.split("_")),
        "module_name": module_name,
    }
    pkg = root / f"plugredis_{name}"
    (root / "tests").mkdir(parents=True)
    pkg.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT.format(**fields))
    (root / "README.md").write_text(README.format(**fields))
    (pkg / "__init__.py").write_text(PACKAGE.format(**fields))
    (root / "tests" / f"test_{name}.py").write_text(TESTS.format(**fields))
    return root


@hookimpl
def register_cli(cli: Any) -> None:
    @cli.command("new-plugin")
    @click.argument("name")
    @click.option(
        "--dir",
        "directory",
        default=".",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Where to create plugredis-NAME/.",
    )
    def new_plugin(name: str, directory: Path) -> None:
        """Write the skeleton of a plugin distribution named plugredis-NAME."""
        try:
            root = write_skeleton(name, directory)
        except (ValueError, FileExistsError) as e:
            raise click.UsageError(str(e))
        click.echo(f"created {root}")
        click.echo(f"next: cd {root} && pip install -e '.[test]' && pytest")
