"""The plugin API is small and complete: everything in ``plugredis.__all__`` is importable."""

from __future__ import annotations

import plugredis


def test_every_public_name_exists() -> None:
    missing = [name for name in plugredis.__all__ if not hasattr(plugredis, name)]
    assert not missing


def test_public_api_covers_what_plugins_need() -> None:
    for name in (
        "hookimpl",
        "command",
        "container",
        "arg",
        "KeySpec",
        "CommandSpec",
        "TypeSpec",
        "CommandError",
        "WrongTypeError",
        "OK",
        "Map",
        "Double",
        "NULL_ARRAY",
        "BLOCKED",
        "parse_int",
        "parse_float",
        "parse_timeout",
        "compile_glob",
        "dump_value",
        "restore_value",
    ):
        assert name in plugredis.__all__, name
