"""Command, type and config registries, filled once per server through ``register`` callbacks.

Each plugin's ``register_*`` hook implementation is called on its own with a ``register`` callback
bound to the plugin's name, so every command and type carries its provenance, and a name that is
already taken is refused with both plugins named (Redis refuses a busy name to a module the same
way).  After assembly the registry is frozen into plain dicts: dispatch is one dict lookup.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from .commands import SPEC_ATTR, CommandSpec, WrongTypeError

__all__ = ["ConfigParam", "Registry", "RegistryError", "TypeSpec"]


class RegistryError(Exception):
    """A plugin tried to register something invalid or already taken."""


@dataclass
class TypeSpec:
    """A value type: what ``TYPE`` answers and how values are checked, copied and persisted.

    ``pytype`` is the Python class of stored values: the keyspace checks ``type(value) is
    pytype`` (so each type needs its own class; subclass a builtin if needed).  Optional
    callbacks, the way a Redis module type declares its own:

    - ``copy(value)``: an independent copy for COPY (default: ``pytype(value)``, or the value
      itself for immutable ``bytes``);
    - ``encoding(value)``: the name OBJECT ENCODING reports (default ``"raw"``);
    - ``memory(value)``: an estimate in bytes for MEMORY USAGE / INFO;
    - persistence of a type Redis also has: ``to_rdb(value)`` returns ``(kind, plain)`` where
      ``kind`` is one of ``"string"``, ``"list"``, ``"set"``, ``"zset"``, ``"hash"`` and
      ``plain`` is ``bytes`` / ``list[bytes]`` / ``set[bytes]`` / ``list[(member, score)]`` /
      ``dict[bytes, bytes]``; ``from_rdb(kind, plain)`` builds a value back; ``rdb_kinds`` lists
      the kinds this type loads (every RDB encoding of that kind is decoded by the core);
    - persistence of a type Redis does not have (saved as a Redis *module type*):
      ``module_name`` (exactly 9 characters), ``module_encver``, ``module_save(value, writer)``
      and ``module_load(reader, encver)``, with the ``write_module_*`` / ``read_module_*``
      primitives of :mod:`plugredis.persistence.rdb`.
    - compact storage at rest: ``pack(value)`` returns a ``bytes`` image of a (small) value, or
      None to keep it as it is, and ``unpack(image)`` builds an equal value back.  The keyspace
      stores the image (as an instance of ``packed_type``, a ``bytes`` subclass the registry
      makes), unpacks it in place when a command looks the key up, and packs it again once the
      key has gone unused for a cron tick (``hz``).  Use it for the encodings Redis keeps in a
      listpack: a ``bytes`` image costs a fraction of the Python objects (see
      ``plugredis.packing``).
    """

    name: str
    pytype: type
    copy: Callable[[Any], Any] | None = None
    encoding: Callable[[Any], str] | None = None
    memory: Callable[[Any], int] | None = None
    to_rdb: Callable[[Any], tuple[str, Any]] | None = None
    from_rdb: Callable[[str, Any], Any] | None = None
    rdb_kinds: tuple[str, ...] = ()
    module_name: str | None = None
    module_encver: int = 0
    module_save: Callable[[Any, Any], None] | None = None
    module_load: Callable[[Any, int], Any] | None = None
    pack: Callable[[Any], bytes | None] | None = None
    unpack: Callable[[bytes], Any] | None = None
    #: the class of packed images (made by the registry when ``pack`` is given)
    packed_type: type | None = None
    plugin: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self, value: Any) -> Any:
        if type(value) is not self.pytype:
            raise WrongTypeError()
        return value

    def plain(self, value: Any) -> Any:
        """``value`` itself, or the value a packed image stands for (never mutate the result
        of a packed image: it is a fresh copy the keyspace does not hold)."""
        unpack = self.unpack
        if unpack is not None and type(value) is self.packed_type:
            return unpack(cast(bytes, value))
        return value

    def packed(self, value: Any) -> Any:
        """The packed image of ``value`` (a ``packed_type`` instance), or None when the type
        does not pack or keeps this value as it is."""
        if self.pack is None or self.packed_type is None:
            return None
        image = self.pack(value)
        return None if image is None else self.packed_type(image)

    def clone(self, value: Any) -> Any:
        """An independent copy of ``value`` (COPY, and snapshots that must not share state)."""
        if type(value) is self.packed_type:
            return value  # an image is immutable: it can be shared
        if self.copy is not None:
            return self.copy(value)
        if self.pytype is bytes:
            return value
        return self.pytype(value)

    def encoding_of(self, value: Any) -> str:
        return self.encoding(self.plain(value)) if self.encoding is not None else "raw"


@dataclass
class ConfigParam:
    """A CONFIG parameter: its name, current-value getter and (optional) setter.

    ``get()`` returns the value as ``str``; ``set(value: str)`` raises ``ValueError`` with the
    reason when the value is refused (CONFIG SET answers ``ERR CONFIG SET failed (possibly
    related to argument '<name>') - <reason>``).  ``set`` of None makes it read-only at run time.
    """

    name: str
    get: Callable[[], str]
    set: Callable[[str], None] | None = None
    aliases: tuple[str, ...] = ()
    plugin: str | None = None
    help: str = ""
    #: for typed parameters (registered with default=): their type and default
    type: type | None = None
    default: Any = None


def _no_slots(ns: dict[str, Any]) -> None:
    ns["__slots__"] = ()


class Registry:
    """All commands, types and config parameters of one server."""

    def __init__(self) -> None:
        self.commands: dict[str, CommandSpec] = {}
        self.types: dict[str, TypeSpec] = {}
        self.types_by_pytype: dict[type, TypeSpec] = {}
        #: packed image class -> its type; Python class -> type, for the types that pack
        self.packed_types: dict[type, TypeSpec] = {}
        self.packing_types: dict[type, TypeSpec] = {}
        #: RDB kind ("list", ...) -> the type that loads it; module name -> its type
        self.types_by_kind: dict[str, TypeSpec] = {}
        self.types_by_module: dict[str, TypeSpec] = {}
        self.config: dict[str, ConfigParam] = {}
        #: values of the typed parameters plugins registered with ``default=``
        self.config_values: dict[str, Any] = {}
        #: dispatch table: command name as bytes (lower case) -> spec
        self.dispatch: dict[bytes, CommandSpec] = {}
        #: key event listeners: ``callback(event, db_index, key)``
        self.key_listeners: list[Callable[[str, int, bytes], None]] = []

    # -- commands -------------------------------------------------------------------------------

    def command_register(self, plugin: str, external: bool) -> Callable[[Any], None]:
        """The ``register`` callback handed to one plugin's ``register_commands``."""

        def register(*objs: Any) -> None:
            for obj in objs:
                for spec in _specs_of(obj):
                    self.add_command(spec, plugin, external)

        return register

    def add_command(self, spec: CommandSpec, plugin: str, external: bool = False) -> None:
        if not isinstance(spec, CommandSpec):
            raise RegistryError(f"plugin {plugin!r} registered {spec!r}, not a command")
        if not spec.name or " " in spec.name or "|" in spec.name:
            raise RegistryError(f"plugin {plugin!r}: invalid command name {spec.name!r}")
        if spec.handler is None and not spec.subcommands:
            raise RegistryError(f"plugin {plugin!r}: command {spec.name!r} has no handler")
        for s in (spec, *spec.subcommands.values()):
            problem = validate_spec(s)
            if problem is not None:
                raise RegistryError(f"plugin {plugin!r}: command {s.name!r}: {problem}")
        old = self.commands.get(spec.name)
        if old is not None:
            if old is spec:
                return
            raise RegistryError(
                f"command {spec.name!r} is registered twice: by plugin {old.plugin!r} "
                f"and by plugin {plugin!r}"
            )
        spec.plugin = plugin
        spec.external = external
        spec.slow = spec.slow or spec.handler is None or bool(spec.subcommands)
        for sub in spec.subcommands.values():
            sub.plugin = plugin
            sub.external = external
        self.commands[spec.name] = spec
        self.dispatch[spec.name.encode()] = spec

    def listener_register(self, plugin: str) -> Callable[[Callable[[str, int, bytes], None]], None]:
        def register(callback: Callable[[str, int, bytes], None]) -> None:
            if not callable(callback):
                raise RegistryError(f"plugin {plugin!r} registered {callback!r}, not a callable")
            self.key_listeners.append(callback)

        return register

    # -- types ----------------------------------------------------------------------------------

    def type_register(self, plugin: str) -> Callable[[TypeSpec], None]:
        def register(spec: TypeSpec) -> None:
            if not isinstance(spec, TypeSpec):
                raise RegistryError(f"plugin {plugin!r} registered {spec!r}, not a TypeSpec")
            old = self.types.get(spec.name)
            if old is not None:
                raise RegistryError(
                    f"type {spec.name!r} is registered twice: by plugin {old.plugin!r} "
                    f"and by plugin {plugin!r}"
                )
            other = self.types_by_pytype.get(spec.pytype)
            if other is not None:
                raise RegistryError(
                    f"types {other.name!r} (plugin {other.plugin!r}) and {spec.name!r} (plugin "
                    f"{plugin!r}) use the same Python class {spec.pytype.__name__}"
                )
            if spec.module_name is not None and len(spec.module_name) != 9:
                raise RegistryError(f"type {spec.name!r}: a module type name must be 9 characters")
            for kind in spec.rdb_kinds:
                owner = self.types_by_kind.get(kind)
                if owner is not None:
                    raise RegistryError(
                        f"RDB kind {kind!r} is loaded by two types: {owner.name!r} (plugin "
                        f"{owner.plugin!r}) and {spec.name!r} (plugin {plugin!r})"
                    )
            if (spec.pack is None) != (spec.unpack is None):
                raise RegistryError(f"type {spec.name!r}: pack and unpack go together")
            spec.plugin = plugin
            if spec.pack is not None:
                packed = spec.packed_type
                if packed is None:  # once per spec: servers in one process share the class
                    packed = types.new_class(
                        f"Packed{spec.pytype.__name__}", (bytes,), exec_body=_no_slots
                    )
                    packed.__module__ = __name__
                    spec.packed_type = packed
                self.types_by_pytype[packed] = spec
                self.packed_types[packed] = spec
                self.packing_types[spec.pytype] = spec
            self.types[spec.name] = spec
            self.types_by_pytype[spec.pytype] = spec
            for kind in spec.rdb_kinds:
                self.types_by_kind[kind] = spec
            if spec.module_name is not None:
                self.types_by_module[spec.module_name] = spec

        return register

    def type_of(self, value: Any) -> TypeSpec:
        spec = self.types_by_pytype.get(type(value))
        if spec is None:
            raise RegistryError(f"no registered type stores {type(value).__name__} values")
        return spec

    # -- config ---------------------------------------------------------------------------------

    def config_register(self, plugin: str) -> Callable[..., None]:
        """The ``register`` callback of ``register_config``.

        Two forms: ``register(name, get, set=None, aliases=())`` with your own accessors, or a
        typed parameter that the registry stores for you: ``register(name, default=10,
        type=int, help="...")`` (``type`` is ``int``, ``float``, ``bool`` or ``str``; ``bool``
        reads ``yes``/``no`` as Redis does).  Read a typed value with
        ``server.registry.config_values[name]``.
        """

        def register(
            name: str,
            get: Callable[[], str] | None = None,
            set: Callable[[str], None] | None = None,
            aliases: Iterable[str] = (),
            *,
            default: Any = None,
            type: type | None = None,
            help: str = "",
        ) -> None:
            name = name.lower()
            if get is None:
                if default is None:
                    raise RegistryError(
                        f"plugin {plugin!r}: config parameter {name!r} needs get= or default="
                    )
                type = type or builtins_type(default)
                get, set = self._typed_param(name, default, type)
            param = ConfigParam(
                name, get, set, tuple(a.lower() for a in aliases), plugin, help, type, default
            )
            for n in (param.name, *param.aliases):
                old = self.config.get(n)
                if old is not None:
                    raise RegistryError(
                        f"config parameter {n!r} is registered twice: by plugin "
                        f"{old.plugin!r} and by plugin {plugin!r}"
                    )
                self.config[n] = param

        return register

    def _typed_param(
        self, name: str, default: Any, kind: type
    ) -> tuple[Callable[[], str], Callable[[str], None]]:
        if kind not in (int, float, bool, str):
            raise RegistryError(f"config parameter {name!r}: type must be int, float, bool or str")
        self.config_values[name] = default

        def get() -> str:
            v = self.config_values[name]
            if kind is bool:
                return "yes" if v else "no"
            return str(v)

        def set(raw: str) -> None:
            self.config_values[name] = parse_config_value(raw, kind)

        return get, set

    # -- views ----------------------------------------------------------------------------------

    def commands_of(self, plugin: str) -> list[str]:
        return sorted(n for n, s in self.commands.items() if s.plugin == plugin)

    def types_of(self, plugin: str) -> list[str]:
        return sorted(n for n, s in self.types.items() if s.plugin == plugin)


#: Every command flag Redis 7.0 has (wire spelling), plus ``no_auth``.
KNOWN_FLAGS = frozenset(
    (
        "write",
        "readonly",
        "denyoom",
        "module",
        "admin",
        "pubsub",
        "noscript",
        "blocking",
        "loading",
        "stale",
        "skip_monitor",
        "skip_slowlog",
        "asking",
        "fast",
        "no_auth",
        "may_replicate",
        "sentinel",
        "only_sentinel",
        "no_mandatory_keys",
        "no_async_loading",
        "no_multi",
        "movablekeys",
        "allow_busy",
        "",
    )
)


def builtins_type(value: Any) -> type:
    return bool if isinstance(value, bool) else type(value)


def parse_config_value(raw: str, kind: type) -> Any:
    """A CONFIG SET value for a typed parameter (``ValueError`` with Redis-like reasons)."""
    if kind is bool:
        low = raw.lower()
        if low not in ("yes", "no"):
            raise ValueError("argument must be 'yes' or 'no'")
        return low == "yes"
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError("argument couldn't be parsed into an integer")
    if kind is float:
        try:
            return float(raw)
        except ValueError:
            raise ValueError("argument couldn't be parsed into a number")
    return raw


def validate_spec(spec: CommandSpec) -> str | None:
    """What is wrong with a spec, or None: arity 0, unknown flags, keys beyond the arity."""
    if spec.arity == 0:
        return "arity 0 (use n for exactly n arguments counting the name, -n for at least n)"
    unknown = [f for f in spec.flags if f not in KNOWN_FLAGS]
    if unknown:
        return f"unknown flag{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"
    if spec.first_key < 0 or spec.key_step < 0:
        return "negative first key position or key step"
    if spec.first_key:
        # Positions count from the command name (0), for subcommands too (OBJECT ENCODING key
        # is keys=(2, 2, 1) with arity 3), as in Redis.
        if spec.arity > 0 and spec.first_key >= spec.arity:
            return (
                f"first key position {spec.first_key} is beyond the arity {spec.arity} "
                "(positions count the command name as 0)"
            )
        if spec.arity > 0 and spec.last_key > 0 and spec.last_key >= spec.arity:
            return f"last key position {spec.last_key} is beyond the arity {spec.arity}"
    return None


def _specs_of(obj: Any) -> list[CommandSpec]:
    """Command specs in what a plugin passed to ``register``: a spec, a handler, a module."""
    if isinstance(obj, CommandSpec):
        return [obj]
    spec = getattr(obj, SPEC_ATTR, None)
    if isinstance(spec, CommandSpec):
        return [spec]
    if isinstance(obj, types.ModuleType):
        found = []
        for value in vars(obj).values():
            if isinstance(value, CommandSpec):
                found.append(value)
            else:
                s = getattr(value, SPEC_ATTR, None)
                if isinstance(s, CommandSpec):
                    found.append(s)
        # keep one entry per spec (a module may hold a handler under two names)
        seen: dict[int, CommandSpec] = {}
        for s in found:
            seen.setdefault(id(s), s)
        return list(seen.values())
    if isinstance(obj, list | tuple):
        return [s for o in obj for s in _specs_of(o)]
    raise RegistryError(f"cannot register {obj!r}: not a command, a handler or a module")
