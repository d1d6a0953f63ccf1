"""The hashes family (work in progress: see the issue for this family)."""

from __future__ import annotations

from typing import Any

from plugredis import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_commands(register: Any) -> None:
    """Nothing yet."""
