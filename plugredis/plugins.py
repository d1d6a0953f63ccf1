"""Plugin discovery and the per-server plugin manager.

Plugins are found only through the ``plugredis`` entry-point group; built-in families are
registered in ``pyproject.toml`` exactly as a third party registers theirs.  Every server builds
its own ``pluggy.PluginManager`` (no module-global manager: tests can run several servers with
different plugins side by side).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from . import hookspecs

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "InstalledPlugin",
    "PluginLoadError",
    "PluginSelectionError",
    "build_plugin_manager",
    "installed_plugins",
    "parse_selection",
]

ENTRY_POINT_GROUP = "plugredis"

#: The core's own command modules: always loaded, never selected or blocked.
BUILTIN_PLUGINS = (
    ("builtin.connection", "plugredis.builtin.connection"),
    ("builtin.server", "plugredis.builtin.server"),
    ("builtin.introspection", "plugredis.builtin.introspection"),
    ("builtin.transactions", "plugredis.builtin.transactions"),
    ("builtin.persistence", "plugredis.builtin.persistence"),
    ("builtin.admin", "plugredis.builtin.admin"),
    ("builtin.scaffold", "plugredis.scaffold"),
)


class PluginSelectionError(Exception):
    """``--plugins`` named a plugin that is not installed."""


class PluginLoadError(Exception):
    """An installed plugin cannot be loaded: import error, or invalid hook implementations."""


@dataclass
class InstalledPlugin:
    name: str
    entry_point: EntryPoint
    dist_name: str | None
    version: str | None

    @property
    def builtin(self) -> bool:
        return self.dist_name == "plugredis"


def installed_plugins() -> dict[str, InstalledPlugin]:
    """Every plugin installed in the ``plugredis`` entry-point group, by name."""
    found: dict[str, InstalledPlugin] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        found.setdefault(
            ep.name,
            InstalledPlugin(
                ep.name,
                ep,
                dist.metadata["Name"] if dist is not None else None,
                dist.version if dist is not None else None,
            ),
        )
    return dict(sorted(found.items()))


def parse_selection(value: str | Sequence[str] | None) -> list[str] | None:
    """``"lists,hashes"`` -> ``["lists", "hashes"]``; None or ``"all"``/``"*"`` -> None (all)."""
    if value is None:
        value = os.environ.get("PLUGREDIS_PLUGINS") or None
        if value is None:
            return None
    if isinstance(value, str):
        names = [n.strip() for n in value.replace(" ", ",").split(",") if n.strip()]
    else:
        names = [n.strip() for n in value if n.strip()]
    if names in (["all"], ["*"]):
        return None
    return names


def build_plugin_manager(
    plugins: Sequence[str] | None = None, extra: Iterable[Any] = ()
) -> tuple[pluggy.PluginManager, list[str]]:
    """A new plugin manager with the built-ins, the selected installed plugins and ``extra``.

    :param plugins: names of installed plugins to load; None loads every installed plugin.
    :param extra: plugin objects (modules or instances with ``@hookimpl`` methods) registered
        after the installed ones, e.g. a throwaway plugin inside a test.  An object may carry a
        ``plugredis_name`` attribute; otherwise its module or class name is used.
    :returns: the manager and the names of the loaded non-built-in plugins, in order.
    """
    import importlib

    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    for name, modname in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(modname), name=name)
    installed = installed_plugins()
    if plugins is None:
        selected = list(installed)
    else:
        unknown = [n for n in plugins if n not in installed]
        if unknown:
            raise PluginSelectionError(
                f"unknown plugin{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                f"installed plugins: {', '.join(installed) or '(none)'}"
            )
        selected = list(dict.fromkeys(plugins))
    loaded: list[str] = []
    for name in selected:
        info = installed[name]
        try:
            module = info.entry_point.load()
        except Exception as e:
            raise PluginLoadError(
                f"plugin {name!r} (distribution {info.dist_name or '?'} {info.version or ''}, "
                f"entry point {info.entry_point.value!r}) failed to import: "
                f"{type(e).__name__}: {e}"
            ) from e
        try:
            pm.register(module, name=name)
        except pluggy.PluginValidationError as e:
            raise PluginLoadError(
                f"plugin {name!r} (distribution {info.dist_name or '?'}) is invalid: {e}"
            ) from e
        loaded.append(name)
    for obj in extra:
        name = str(
            getattr(obj, "plugredis_name", None)
            or getattr(obj, "__name__", None)
            or type(obj).__name__
        )
        base, n = name, 2
        while pm.get_plugin(name) is not None:
            name = f"{base}-{n}"
            n += 1
        pm.register(obj, name=name)
        loaded.append(name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as e:
        raise PluginLoadError(f"plugin {e.plugin!r} implements a hook that does not exist: {e}")
    if os.environ.get("PLUGREDIS_TRACE_PLUGINS") == "1":
        trace_hooks(pm)
    return pm, loaded


def trace_hooks(pm: pluggy.PluginManager) -> None:
    """Log every hook call (plugin by plugin) at INFO level: ``PLUGREDIS_TRACE_PLUGINS=1``."""
    import logging

    log = logging.getLogger("plugredis.plugins")

    def before(hook_name: str, impls: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        names = ", ".join(i.plugin_name for i in impls)
        log.info("hook %s(%s) -> %s", hook_name, ", ".join(kwargs), names or "(no plugin)")

    def after(
        outcome: Any, hook_name: str, impls: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> None:
        exc = outcome.exception
        if exc is not None:
            log.info("hook %s raised %s: %s", hook_name, type(exc).__name__, exc)

    pm.add_hookcall_monitoring(before, after)
