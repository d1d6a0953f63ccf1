"""Built-in persistence commands (being written)."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl


@hookimpl
def register_commands(register: Any) -> None:
    """Nothing yet."""
