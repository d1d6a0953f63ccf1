"""Built-in introspection: COMMAND and its subcommands, generated from the registry.

Everything here reads :class:`~plugredis.commands.CommandSpec` objects, so ``COMMAND INFO``,
``COMMAND DOCS`` (which redis-cli uses for its hints), ``plugredis commands`` and
``docs/commands.md`` always agree with what the dispatcher runs.
"""

from __future__ import annotations

import sys
from typing import Any

from ..commands import CommandError, CommandSpec, arg, command, container
from ..connection import Client
from ..glob import compile_glob
from ..hookspecs import hookimpl
from ..resp import Map, RespSet, SimpleString


def _set(items: Any) -> RespSet:
    return RespSet(SimpleString(str(i).encode()) for i in items)


def command_info_reply(spec: CommandSpec) -> list[Any]:
    """One entry of ``COMMAND INFO``, in Redis 7.0's shape."""
    return [
        spec.name.encode(),
        spec.arity,
        _set(spec.flags),
        spec.first_key,
        spec.last_key,
        spec.key_step,
        _set("@" + c for c in spec.acl),
        RespSet(t.encode() for t in spec.tips),
        [ks.reply() for ks in spec.key_specs],
        [command_info_reply(s) for s in spec.subcommands.values()],
    ]


def _arg_reply(a: dict[str, Any]) -> Map:
    m = Map()
    for k in ("name", "type", "display_text", "key_spec_index", "token", "summary", "since"):
        if k in a:
            m[k] = a[k] if isinstance(a[k], int) else str(a[k]).encode()
    if "deprecated_since" in a:
        m["deprecated_since"] = a["deprecated_since"].encode()
    if a.get("flags"):
        m["flags"] = _set(a["flags"])
    if "arguments" in a:
        m["arguments"] = [_arg_reply(x) for x in a["arguments"]]
    return m


def command_docs_reply(spec: CommandSpec) -> Map:
    """One entry of ``COMMAND DOCS``, in Redis 7.0's shape (fields only when set)."""
    m = Map()
    if spec.summary:
        m["summary"] = spec.summary.encode()
    if spec.since:
        m["since"] = spec.since.encode()
    m["group"] = ("module" if spec.external else spec.group).encode()
    if spec.complexity:
        m["complexity"] = spec.complexity.encode()
    if spec.external and spec.plugin:
        m["module"] = spec.plugin.encode()
    if spec.doc_flags:
        m["doc_flags"] = _set(spec.doc_flags)
    if spec.deprecated_since:
        m["deprecated_since"] = spec.deprecated_since.encode()
    if spec.replaced_by:
        m["replaced_by"] = spec.replaced_by.encode()
    if spec.history:
        m["history"] = RespSet([v.encode(), d.encode()] for v, d in spec.history)
    if spec.arguments:
        m["arguments"] = [_arg_reply(a) for a in spec.arguments]
    if spec.subcommands:
        m["subcommands"] = Map(
            {s.name.encode(): command_docs_reply(s) for s in spec.subcommands.values()}
        )
    return m


def lookup(ctx: Client, name: bytes) -> CommandSpec | None:
    """A command or ``parent|sub`` subcommand by name (case-insensitive)."""
    n = name.decode("utf-8", "surrogateescape").lower()
    parent, _, sub = n.partition("|")
    spec = ctx.server.registry.commands.get(parent)
    if spec is None:
        return None
    if sub:
        return spec.subcommands.get(sub)
    return spec


def get_keys(spec: CommandSpec, argv: list[bytes]) -> list[int]:
    """Positions of the keys in ``argv`` (name at 0) from the spec's key specs."""
    positions: list[int] = []
    argc = len(argv)
    for ks in spec.key_specs:
        bs, fk = ks.begin_search, ks.find_keys
        if bs[0] == "index":
            start = bs[1]
        elif bs[0] == "keyword":
            _, kw, startfrom = bs
            rng = range(startfrom, argc) if startfrom > 0 else range(argc + startfrom, 0, -1)
            start = 0
            for i in rng:
                if argv[i].lower() == kw.lower().encode():
                    start = i + 1
                    break
            if not start:
                continue
        else:
            continue
        if start >= argc:
            continue
        if fk[0] == "range":
            _, lastkey, step, limit = fk
            if lastkey >= 0:
                last = start + lastkey
            elif limit and limit > 1:
                last = start + ((argc - start) // limit) - 1
            else:
                last = argc + lastkey
            last = min(last, argc - 1)
            positions.extend(range(start, last + 1, step))
        elif fk[0] == "keynum":
            _, idx, first, step = fk
            try:
                n = int(argv[start + idx])
            except (IndexError, ValueError):
                continue
            begin = start + first
            positions.extend(p for p in range(begin, begin + n * step, step) if p < argc)
    return positions


COMMAND = container(
    "command",
    arity=-1,
    summary="Get array of Redis command details",
    since="2.8.13",
    group="server",
    complexity="O(N) where N is the total number of Redis commands",
)


@COMMAND.subcommand(
    "COUNT",
    arity=2,
    flags="loading stale",
    acl="connection",
    summary="Get total number of Redis commands",
    since="2.8.13",
    group="server",
    complexity="O(1)",
)
def command_count(ctx: Client) -> int:
    """COMMAND COUNT"""
    return len(ctx.server.registry.commands)


@COMMAND.subcommand(
    "INFO",
    arity=-2,
    flags="loading stale",
    acl="connection",
    summary="Get array of specific Redis command details, or all when no argument is given.",
    since="2.8.13",
    group="server",
    complexity="O(N) where N is the number of commands to look up",
    tips=["nondeterministic_output_order"],
    history=[("7.0.0", "Allowed to be called with no argument to get info on all commands.")],
    arguments=[
        arg("command-name", "string", optional=True, multiple=True),
    ],
)
def command_info(ctx: Client, *names: bytes) -> Any:
    """COMMAND INFO [command-name ...]"""
    if not names:
        return [command_info_reply(s) for s in ctx.server.registry.commands.values()]
    out: list[Any] = []
    for n in names:
        spec = lookup(ctx, n)
        out.append(command_info_reply(spec) if spec is not None else None)
    return out


@command(
    "COMMAND",
    arity=-1,
    flags="loading stale",
    acl="connection",
    summary="Get array of Redis command details",
    since="2.8.13",
    group="server",
    complexity="O(N) where N is the total number of Redis commands",
    tips=["nondeterministic_output_order"],
)
def command_(ctx: Client) -> Any:
    """COMMAND: every command's info."""
    return command_info(ctx)


@COMMAND.subcommand(
    "DOCS",
    arity=-2,
    flags="loading stale",
    acl="connection",
    summary="Get array of specific Redis command documentation",
    since="7.0.0",
    group="server",
    complexity="O(N) where N is the number of commands to look up",
    tips=["nondeterministic_output_order"],
    arguments=[
        arg("command-name", "string", optional=True, multiple=True),
    ],
)
def command_docs(ctx: Client, *names: bytes) -> Any:
    """COMMAND DOCS [command-name ...]"""
    reg = ctx.server.registry.commands
    if not names:
        return Map({s.name.encode(): command_docs_reply(s) for s in reg.values()})
    out = Map()
    for n in names:
        spec = lookup(ctx, n)
        if spec is not None:
            out[spec.name.encode()] = command_docs_reply(spec)
    return out


@COMMAND.subcommand(
    "LIST",
    arity=-2,
    flags="loading stale",
    acl="connection",
    summary="Get an array of Redis command names",
    since="7.0.0",
    group="server",
    complexity="O(N) where N is the total number of Redis commands",
    tips=["nondeterministic_output_order"],
    arguments=[
        arg(
            "filterby",
            "oneof",
            token="FILTERBY",
            optional=True,
            arguments=[
                arg("module-name", "string", token="MODULE"),
                arg("category", "string", token="ACLCAT"),
                arg("pattern", "pattern", token="PATTERN"),
            ],
        ),
    ],
)
def command_list(ctx: Client, *args: bytes) -> Any:
    """COMMAND LIST [FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]"""
    specs = list(ctx.server.registry.commands.values())
    names = [s.name for s in specs] + [sub.name for s in specs for sub in s.subcommands.values()]
    if not args:
        return [n.encode() for n in names]
    if len(args) != 3 or args[0].lower() != b"filterby":
        raise CommandError("ERR syntax error")
    kind, value = args[1].lower(), args[2]
    all_specs = specs + [sub for s in specs for sub in s.subcommands.values()]
    if kind == b"module":
        v = value.decode("utf-8", "surrogateescape")
        return [s.name.encode() for s in all_specs if s.external and s.plugin == v]
    if kind == b"aclcat":
        v = value.decode("utf-8", "surrogateescape").lower()
        return [s.name.encode() for s in all_specs if v in s.acl]
    if kind == b"pattern":
        match = compile_glob(value, nocase=True)
        return [s.name.encode() for s in all_specs if match(s.name.encode())]
    raise CommandError("ERR syntax error")


def _getkeys_spec(ctx: Client, argv: tuple[bytes, ...]) -> tuple[CommandSpec, list[bytes]]:
    spec = ctx.server.registry.dispatch.get(argv[0].lower())
    if spec is None:
        raise CommandError("ERR Invalid command specified")
    if spec.subcommands and len(argv) >= 2:
        sub = spec.subcommands.get(argv[1].decode("utf-8", "surrogateescape").lower())
        if sub is None:
            raise CommandError("ERR Invalid command specified")
        spec = sub
    has_keys = getattr(spec.handler, "getkeys", None) is not None or any(
        "not_key" not in ks.flags and "NOT_KEY" not in ks.flags for ks in spec.key_specs
    )
    if not has_keys:
        raise CommandError("ERR The command has no key arguments")
    a = spec.arity
    if (a > 0 and len(argv) != a) or len(argv) < -a:
        raise CommandError("ERR Invalid number of arguments specified for command")
    return spec, list(argv)


def _no_keys_found(spec: CommandSpec) -> list[Any]:
    """A command that has keys, but none in these arguments (Redis 7.0's answers)."""
    if "no_mandatory_keys" in spec.flags:
        return []
    raise CommandError("ERR Invalid arguments specified for command")


@COMMAND.subcommand(
    "GETKEYS",
    arity=-4,
    flags="loading stale",
    acl="connection",
    summary="Extract keys given a full Redis command",
    since="2.8.13",
    group="server",
    complexity="O(N) where N is the number of arguments to the command",
)
def command_getkeys(ctx: Client, *argv: bytes) -> Any:
    """COMMAND GETKEYS command [arg ...]"""
    spec, args = _getkeys_spec(ctx, argv)
    getkeys = getattr(spec.handler, "getkeys", None)
    pos = getkeys(args) if getkeys is not None else get_keys(spec, args)
    if not pos:
        return _no_keys_found(spec)
    return [args[p] for p in pos]


@COMMAND.subcommand(
    "GETKEYSANDFLAGS",
    arity=-4,
    flags="loading stale",
    acl="connection",
    summary="Extract keys and access flags given a full Redis command",
    since="7.0.0",
    group="server",
    complexity="O(N) where N is the number of arguments to the command",
)
def command_getkeysandflags(ctx: Client, *argv: bytes) -> Any:
    """COMMAND GETKEYSANDFLAGS command [arg ...]"""
    spec, args = _getkeys_spec(ctx, argv)
    out: list[Any] = []
    for ks in spec.key_specs:
        one = CommandSpec(spec.name, spec.handler, spec.arity, key_specs=[ks])
        for p in get_keys(one, args):
            out.append([args[p], _set(ks.flags)])
    if not out:
        return _no_keys_found(spec)
    return out


@COMMAND.subcommand(
    "HELP",
    arity=2,
    flags="loading stale",
    acl="connection",
    summary="Show helpful text about the different subcommands",
    since="5.0.0",
    group="server",
    complexity="O(1)",
)
def command_help(ctx: Client) -> Any:
    """COMMAND HELP"""
    lines = [
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Print this help.",
    ]
    return [SimpleString(line.encode()) for line in lines]


@hookimpl
def register_commands(register: Any) -> None:
    # COMMAND is both a command (no arguments) and a container of subcommands.
    COMMAND.handler = command_
    COMMAND.flags = command_.spec.flags  # type: ignore[attr-defined]
    COMMAND.acl_categories = command_.spec.acl_categories  # type: ignore[attr-defined]
    COMMAND.tips = command_.spec.tips  # type: ignore[attr-defined]
    COMMAND.arity = -1
    register(COMMAND)


_ = (container, sys)
