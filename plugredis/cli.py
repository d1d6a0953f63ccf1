"""The ``plugredis`` command line (click).

``plugredis [OPTIONS]`` serves until Ctrl+C/SIGTERM; ``plugredis plugins`` and ``plugredis
commands`` describe what is installed; ``plugredis check-rdb FILE`` verifies a dump file.  Plugins
add sub-commands with the ``register_cli`` hook.

Exit status of the server: 0 after a clean shutdown (SIGINT, SIGTERM, SHUTDOWN), 1 when the dump
file cannot be loaded at start-up (the reason is printed; the file is left untouched), 2 for
usage errors.
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
from .config import LOGLEVELS, loglevel_name
from .plugins import PluginSelectionError, installed_plugins, parse_selection


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:  # pragma: no cover - uvloop is a dependency where it installs
        return asyncio.new_event_loop()


#: command-line option -> CONFIG parameter it sets (for "flags override the config file")
_OPTION_PARAMS = {
    "bind": "bind",
    "port": "port",
    "databases": "databases",
    "requirepass": "requirepass",
    "maxclients": "maxclients",
    "dir_": "dir",
    "dbfilename": "dbfilename",
    "protected_mode": "protected-mode",
    "timeout": "timeout",
}


def run_server(
    explicit: set[str] | None = None,
    plugin_config: list[tuple[str, str, int]] | None = None,
    **kwargs: Any,
) -> None:
    """Build a :class:`~plugredis.server.Server` and serve until a signal stops it.

    With ``config_file``, the file's directives are applied first and then every option given
    explicitly on the command line (``explicit``) wins over them.
    """
    from .config import ConfigFileError, read_config_file
    from .persistence.snapshot import LoadError
    from .server import Server

    loop = _new_loop()
    asyncio.set_event_loop(loop)
    directives: list[tuple[str, str, int]] = []
    if kwargs.get("config_file"):
        try:
            directives = read_config_file(kwargs["config_file"])
        except (OSError, ConfigFileError) as e:
            raise click.UsageError(f"cannot read the configuration file: {e}")
        # Start-up-only directives go to the constructor unless overridden on the command line.
        given = {_OPTION_PARAMS[o] for o in (explicit or ()) if o in _OPTION_PARAMS}
        startup = {"port": int, "databases": int, "bind": str}
        rest = []
        for name, value, line in directives:
            if name in startup:
                if name not in given:
                    kwargs[name] = value.split() if name == "bind" else startup[name](value)
            elif name not in given:
                rest.append((name, value, line))
        directives = rest
    try:
        server = Server(**kwargs)
        server.apply_config(directives, str(kwargs.get("config_file") or ""))
        if plugin_config:
            server.apply_config(plugin_config, "command line")
    except PluginSelectionError as e:
        raise click.UsageError(str(e))
    except ValueError as e:
        raise click.UsageError(f"configuration error: {e}")

    async def main() -> None:
        await server.start()
        server.install_signal_handlers()
        await server.serve_forever()
        await server.stop()

    try:
        loop.run_until_complete(main())
    except LoadError as e:
        logging.getLogger("plugredis").critical("%s", e)
        click.echo(f"plugredis: refusing to start: {e}", err=True)
        sys.exit(1)
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
@click.option(
    "--config",
    "config_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="A redis.conf-style file; options given here override it.",
)
@click.option(
    "--protected-mode",
    type=click.Choice(["yes", "no"]),
    default="yes",
    show_default=True,
    help="Refuse non-loopback clients when no password is set.",
)
@click.option(
    "--timeout",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Close clients idle this many seconds (0: never).",
)
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
    config_file: str | None,
    protected_mode: str,
    timeout: int,
    **plugin_options: Any,
) -> None:
    """plugredis: a Redis-compatible server whose command families are plugins.

    Without a sub-command, serve until Ctrl+C or SIGTERM.
    """
    if ctx.invoked_subcommand is not None:
        return
    loglevel_name[0] = loglevel
    logging.basicConfig(
        level=LOGLEVELS[loglevel],
        format="%(asctime)s %(levelname).1s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    explicit = {
        name
        for name in ctx.params
        if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT
    }
    plugin_config = [
        (PLUGIN_OPTIONS[key], _config_text(value), 0)
        for key, value in plugin_options.items()
        if value is not None and key in PLUGIN_OPTIONS
    ]
    run_server(
        explicit=explicit,
        plugin_config=plugin_config,
        config_file=config_file,
        protected_mode=protected_mode == "yes",
        timeout=timeout,
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


@cli.command("check-rdb")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def check_rdb_cmd(file: str, as_json: bool) -> None:
    """Verify an RDB file (like redis-check-rdb) and summarize it per database and type.

    Exits 0 when the file is valid, 1 otherwise (the first problem is printed with its offset).
    """
    from .persistence.check import check_rdb, format_report

    report = check_rdb(file)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for line in format_report(report):
            click.echo(line)
    if not report.ok:
        sys.exit(1)


#: click parameter name -> CONFIG parameter, for the options plugins' typed parameters add
PLUGIN_OPTIONS: dict[str, str] = {}


def _config_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _add_plugin_options(pm: Any) -> None:
    """A ``--<plugin>-<param>`` option for every typed CONFIG parameter a plugin registers."""
    from .registry import Registry

    for impl in pm.hook.register_config.get_hookimpls():
        plugin = impl.plugin_name
        if plugin.startswith("builtin."):
            continue
        registry = Registry()
        offered = {"register": registry.config_register(plugin), "server": None}
        try:
            impl.function(**{k: v for k, v in offered.items() if k in impl.argnames})
        except Exception:  # parameters that need a live server get no option
            pass
        for name, param in registry.config.items():
            if param.type is None or name != param.name:
                continue
            opt = name if name.startswith(plugin + "-") else f"{plugin}-{name}"
            key = "plugin_opt_" + opt.replace("-", "_")
            if key in PLUGIN_OPTIONS:
                continue
            PLUGIN_OPTIONS[key] = name
            kind: Any = click.Choice(["yes", "no"]) if param.type is bool else param.type
            cli.params.append(
                click.Option(
                    [f"--{opt}", key],
                    default=None,
                    type=kind,
                    help=f"{param.help} (CONFIG {name}; default {_config_text(param.default)})",
                )
            )


def _add_plugin_cli() -> None:
    """Let installed plugins add sub-commands (``register_cli``) and options (typed config)."""
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
        _add_plugin_options(pm)
    except Exception as e:  # pragma: no cover
        logging.getLogger("plugredis").warning("register_cli failed: %s", e)


def main() -> None:
    _add_plugin_cli()
    cli(prog_name="plugredis")


if __name__ == "__main__":  # pragma: no cover
    main()
