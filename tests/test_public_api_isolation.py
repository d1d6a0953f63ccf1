"""Every built-in plugin needs nothing but the public API: import each with the core hidden.

In a fresh interpreter, ``plugredis`` is replaced by a bare module holding only the names in
``plugredis.__all__``, every ``plugredis.<submodule>`` is removed and made unimportable, and then
each built-in plugin is imported and its hooks are called with a recording ``register``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.abc, sys, types
    import plugredis

    public = types.ModuleType("plugredis")
    for name in plugredis.__all__:
        setattr(public, name, getattr(plugredis, name))
    public.__all__ = list(plugredis.__all__)
    public.__path__ = []  # a package with no submodules

    class Deny(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.startswith("plugredis."):
                raise ImportError(f"{name} is not public API")
            return None

    for name in [n for n in sys.modules if n == "plugredis" or n.startswith("plugredis")]:
        del sys.modules[name]
    sys.modules["plugredis"] = public
    sys.meta_path.insert(0, Deny())

    found = {}
    for plugin in PLUGINS:
        module = importlib.import_module(plugin)
        commands, types_ = [], []
        if hasattr(module, "register_commands"):
            module.register_commands(register=lambda *objs: commands.extend(objs))
        if hasattr(module, "register_types"):
            module.register_types(register=types_.append)
        found[plugin] = (len(commands), len(types_))
    print(found)
    """
)


def test_builtin_plugins_import_with_only_the_public_api() -> None:
    plugins = sorted(
        p.name for p in (ROOT / "plugins").iterdir() if p.name.startswith("plugredis_")
    )
    assert len(plugins) >= 6
    code = f"PLUGINS = {plugins!r}\n" + SCRIPT
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    found = eval(res.stdout)  # the dict printed above
    for plugin in plugins:
        assert found[plugin][0] >= 1, plugin  # each registered its commands
