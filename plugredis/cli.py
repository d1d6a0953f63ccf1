"""The ``plugredis`` command line (click).

``plugredis [OPTIONS]`` serves until Ctrl+C/SIGTERM; ``plugredis plugins`` and ``plugredis
commands`` describe what is installed.  Plugins add sub-commands with the ``register_cli`` hook.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import sys
from typing import Any

import click

from . import __version__
from .plugins import PluginSelectionError, installed_plugins, parse_selection

LOGLEVELS = {
    "debug": logging.DEBUG,
    "verbose": logging.INFO,
    "notice": logging.INFO,
    "warning": logging.WARNING,
    "nothing": logging.CRITICAL + 10,
}


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:  # pragma: no cover - uvloop is a dependency where it installs
        return asyncio.new_event_loop()


def run_server(**kwargs: Any) -> None:
    """Build a :class:`~plugredis.server.Server` and serve until a signal stops it."""
    from .server import Server

    loop = _new_loop()
    asyncio.set_event_loop(loop)
    try:
        server = Server(**kwargs)
    except PluginSelectionError as e:
        raise click.UsageError(str(e))

    async def main() -> None:
        await server.start()
        server.install_signal_handlers()
        await server.serve_forever()
        await server.stop()

    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--bind",
    default="127.0.0.1",
    show_default=True,
    help="Addresses to listen on (space separated).",
)
@click.option(
    "--port",
    default=6379,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port; 0 picks a free one.",
)
@click.option(
    "--plugins",
    "plugins",
    default=None,
    envvar="PLUGREDIS_PLUGINS",
    help="Comma-separated plugins to load (default: all installed).",
)
@click.option("--databases", default=16, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--loglevel", default="notice", show_default=True, type=click.Choice(list(LOGLEVELS)))
@click.option("--requirepass", default=None, help="Password clients must AUTH with.")
@click.option("--maxclients", default=10000, show_default=True, type=click.IntRange(1))
@click.option(
    "--save-interval",
    default=300,
    show_default=True,
    type=click.IntRange(0),
    help="Seconds between background saves when data changed; 0 disables.",
)
@click.option("--dir", "dir_", default=".", show_default=True, help="Directory of the dump file.")
@click.option("--dbfilename", default="dump.rdb", show_default=True)
@click.version_option(__version__, "-v", "--version", prog_name="plugredis")
@click.pass_context
def cli(
    ctx: click.Context,
    bind: str,
    port: int,
    plugins: str | None,
    databases: int,
    loglevel: str,
    requirepass: str | None,
    maxclients: int,
    save_interval: int,
    dir_: str,
    dbfilename: str,
) -> None:
    """plugredis: a Redis-compatible server whose command families are plugins.

    Without a sub-command, serve until Ctrl+C or SIGTERM.
    """
    if ctx.invoked_subcommand is not None:
        return
    logging.basicConfig(
        level=LOGLEVELS[loglevel],
        format="%(asctime)s %(levelname).1s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    run_server(
        bind=bind.split(),
        port=port,
        plugins=parse_selection(plugins) if plugins is not None else None,
        databases=databases,
        requirepass=requirepass,
        maxclients=maxclients,
        save_interval=save_interval,
        dir=dir_,
        dbfilename=dbfilename,
    )


def _describe(names: list[str] | None = None) -> list[dict[str, Any]]:
    """Every installed plugin with its version, hooks, commands and types."""
    from .server import Server

    server = Server(plugins=names, active_expiry=False)
    installed = installed_plugins()
    out = []
    for name in server.plugin_names:
        plugin = server.pm.get_plugin(name)
        hooks = sorted(h.name for h in server.pm.get_hookcallers(plugin) or [] if h.name)
        info = installed.get(name)
        out.append(
            {
                "name": name,
                "version": info.version if info else None,
                "distribution": info.dist_name if info else None,
                "hooks": hooks,
                "commands": server.registry.commands_of(name),
                "types": server.registry.types_of(name),
            }
        )
    return out


@cli.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_cmd(as_json: bool) -> None:
    """List the installed plugins: name, version, hooks, commands, types."""
    data = _describe()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for p in data:
        click.echo(f"{p['name']} {p['version'] or ''} ({p['distribution'] or 'local'})")
        click.echo(f"  hooks:    {', '.join(p['hooks'])}")
        click.echo(f"  commands: {', '.join(p['commands']) or '-'}")
        if p["types"]:
            click.echo(f"  types:    {', '.join(p['types'])}")


@cli.command("commands")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def commands_cmd(as_json: bool) -> None:
    """List every command with the plugin that provides it."""
    from .server import Server

    server = Server(active_expiry=False)
    rows: list[dict[str, Any]] = [
        {
            "name": spec.name,
            "plugin": spec.plugin,
            "arity": spec.arity,
            "flags": list(spec.flags),
            "group": spec.group,
            "summary": spec.summary,
            "subcommands": sorted(spec.subcommands),
        }
        for spec in sorted(server.registry.commands.values(), key=lambda s: s.name)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        click.echo(f"{r['name'].upper():<{width}}  {r['plugin']:<24} {r['summary']}")


def _add_plugin_cli() -> None:
    """Let installed plugins add sub-commands (``register_cli`` hook)."""
    try:
        import pluggy

        from . import hookspecs
        from .plugins import BUILTIN_PLUGINS

        pm = pluggy.PluginManager("plugredis")
        pm.add_hookspecs(hookspecs)
        for name, modname in BUILTIN_PLUGINS:
            pm.register(importlib.import_module(modname), name=name)
        for name, info in installed_plugins().items():
            try:
                pm.register(info.entry_point.load(), name=name)
            except Exception as e:  # a broken plugin must not break the CLI
                logging.getLogger("plugredis").warning("plugin %s failed to load: %s", name, e)
        pm.hook.register_cli(cli=cli)
    except Exception as e:  # pragma: no cover
        logging.getLogger("plugredis").warning("register_cli failed: %s", e)


def main() -> None:
    _add_plugin_cli()
    cli(prog_name="plugredis")


if __name__ == "__main__":  # pragma: no cover
    main()
