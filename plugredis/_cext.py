"""The optional C helpers (``plugredis/_speedups.c``): :data:`speedups` is the module, or None
where it was not built or where ``PLUGREDIS_NO_SPEEDUPS`` is set, to run (and test) the
pure-Python twins of everything in it."""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("PLUGREDIS_NO_SPEEDUPS"):
        return None
    try:
        return importlib.import_module("plugredis._speedups")
    except ImportError:  # pragma: no cover - built wherever a C compiler is
        return None


speedups = _load()
