"""Redis-style configuration files (``redis.conf`` syntax) for ``plugredis --config FILE``.

Each non-empty line that does not start with ``#`` is ``directive arg [arg ...]``, split with
Redis's rules (quotes and escapes as in inline commands).  Directives are applied through the
same setters as ``CONFIG SET`` (a directive plugredis does not have is an error naming the line,
as in Redis).  ``save`` may appear several times; the values are joined.
"""

from __future__ import annotations

from pathlib import Path

from .resp import split_args

__all__ = ["ConfigFileError", "read_config_file"]


class ConfigFileError(Exception):
    """A line of the configuration file cannot be understood."""


def read_config_file(path: str | Path) -> list[tuple[str, str, int]]:
    """``(directive, value, line number)`` for each directive, in file order.

    Multiple arguments are joined with spaces (``save 900 1`` -> ``("save", "900 1")``).
    """
    out: list[tuple[str, str, int]] = []
    text = Path(path).read_bytes()
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(b"#"):
            continue
        args = split_args(line)
        if args is None:
            raise ConfigFileError(f"{path}:{n}: unbalanced quotes in configuration line")
        if not args:
            continue
        name = args[0].decode("utf-8", "surrogateescape").lower()
        value = " ".join(a.decode("utf-8", "surrogateescape") for a in args[1:])
        out.append((name, value, n))
    return out
