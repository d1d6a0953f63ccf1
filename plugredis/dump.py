"""Values to and from DUMP payloads, through each value's :class:`~plugredis.registry.TypeSpec`.

Shared by the DUMP/RESTORE commands and anything else that needs a self-contained, checksummed
serialization of one value (the real Redis DUMP format, so payloads move between plugredis and
Redis both ways).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .commands import CommandError
from .persistence import rdb

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["dump_value", "module_loaders", "restore_value"]

BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
BAD_FORMAT = "ERR Bad data format"


def dump_value(registry: Registry, value: Any) -> bytes:
    """The DUMP payload of ``value`` (its type must be registered)."""
    spec = registry.type_of(value)
    value = spec.plain(value)
    if spec.to_rdb is not None:
        kind, plain = spec.to_rdb(value)
        return rdb.dump_payload(kind, plain)
    if spec.module_name is not None and spec.module_save is not None:
        save = spec.module_save
        return rdb.dump_module_payload(
            spec.module_name, spec.module_encver, lambda w: save(value, w)
        )
    raise CommandError(f"ERR type '{spec.name}' cannot be serialized")


def module_loaders(registry: Registry) -> dict[str, rdb.ModuleLoader]:
    """Loaders for every registered module type, keyed by module type name."""
    loaders: dict[str, rdb.ModuleLoader] = {}
    for name, spec in registry.types_by_module.items():
        load = spec.module_load
        if load is None:
            continue

        def loader(reader: rdb.RdbReader, encver: int, _load: Any = load) -> tuple[str, Any]:
            return ("module", _load(reader, encver))

        loaders[name] = loader
    return loaders


def from_plain(registry: Registry, kind: str, plain: Any) -> Any:
    """A stored value from a decoded RDB ``(kind, plain)`` pair (module values pass through)."""
    if kind == "module":
        return plain
    spec = registry.types_by_kind.get(kind)
    if spec is None or spec.from_rdb is None:
        raise rdb.RdbError(f"no loaded plugin stores values of kind {kind!r}")
    return spec.from_rdb(kind, plain)


def restore_value(registry: Registry, payload: bytes) -> Any:
    """The value of a DUMP payload, or CommandError with Redis's message."""
    try:
        kind, plain = rdb.parse_dump_payload(payload, module_loaders=module_loaders(registry))
    except rdb.RdbModuleTypeError:
        raise CommandError(BAD_FORMAT)
    except rdb.RdbError as e:
        msg = str(e).lower()
        if "checksum" in msg or "crc" in msg or "version" in msg or "too short" in msg:
            raise CommandError(BAD_PAYLOAD)
        raise CommandError(BAD_FORMAT)
    try:
        return from_plain(registry, kind, plain)
    except rdb.RdbError:
        raise CommandError(BAD_FORMAT)
