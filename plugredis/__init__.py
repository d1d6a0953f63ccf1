"""plugredis: a Redis-compatible server whose every command family is a plugin.

This module is the public API for plugin authors; import from here, not from submodules::

    from plugredis import hookimpl, command, arg, TypeSpec, CommandError, OK

    @command("HELLOWORLD", arity=1, flags="fast", summary="Say hello", group="generic")
    def helloworld(ctx):
        return b"hello world"

    @hookimpl
    def register_commands(register):
        register(helloworld)
"""

from __future__ import annotations

__version__ = "0.1.0"

from .args import (
    NOT_FLOAT,
    NOT_INTEGER,
    SYNTAX_ERROR,
    config_memory,
    config_nonneg_int,
    parse_float,
    parse_int,
    parse_positive_int,
)
from .blocking import BLOCKED, parse_timeout, parse_timeout_ms
from .clock import Clock, ManualClock
from .commands import (
    WRONGTYPE,
    CommandError,
    CommandSpec,
    KeySpec,
    WrongTypeError,
    arg,
    c_twin,
    command,
    container,
)
from .connection import Client
from .dump import dump_value, restore_value
from .glob import compile_glob, glob_match, is_plain
from .hookspecs import hookimpl
from .keyspace import Database
from .longdouble import LD_INF, ld_add, ld_format, ld_from_int, ld_is_inf, ld_parse, ld_round
from .packing import pack_bytes, unpack_bytes
from .registry import RegistryError, TypeSpec
from .resp import (
    NULL_ARRAY,
    OK,
    QUEUED,
    Double,
    Error,
    Map,
    NullArray,
    Push,
    RespSet,
    SimpleString,
    Verbatim,
    format_double,
)

__all__ = [
    "BLOCKED",
    "LD_INF",
    "NOT_FLOAT",
    "NOT_INTEGER",
    "NULL_ARRAY",
    "OK",
    "QUEUED",
    "SYNTAX_ERROR",
    "WRONGTYPE",
    "Client",
    "Clock",
    "CommandError",
    "CommandSpec",
    "Database",
    "Double",
    "Error",
    "KeySpec",
    "ManualClock",
    "Map",
    "NullArray",
    "Push",
    "RegistryError",
    "RespSet",
    "SimpleString",
    "TypeSpec",
    "Verbatim",
    "WrongTypeError",
    "__version__",
    "arg",
    "c_twin",
    "command",
    "compile_glob",
    "config_memory",
    "config_nonneg_int",
    "container",
    "dump_value",
    "format_double",
    "glob_match",
    "hookimpl",
    "is_plain",
    "ld_add",
    "ld_format",
    "ld_from_int",
    "ld_is_inf",
    "ld_parse",
    "ld_round",
    "pack_bytes",
    "parse_float",
    "parse_int",
    "parse_positive_int",
    "parse_timeout",
    "parse_timeout_ms",
    "restore_value",
    "unpack_bytes",
]
