"""``plugredis check-rdb FILE``: verify an RDB file and summarize it per database and type.

Like ``redis-check-rdb``: every record is decoded (every encoding Redis 7.0 writes, module
values skipped field by field), the CRC64 is verified, and the first problem is reported with
its offset.  Nothing is loaded into a server and the file is only read.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import rdb

__all__ = ["CheckReport", "DbSummary", "check_rdb", "format_report"]


@dataclass
class DbSummary:
    """Counts for one database."""

    keys: int = 0
    expires: int = 0
    already_expired: int = 0
    #: kind ("string", "list", ... or "module <name>") -> keys
    kinds: Counter[str] = field(default_factory=Counter)
    #: encoding as stored (``"list (quicklist 2)"``...) -> keys
    encodings: Counter[str] = field(default_factory=Counter)


@dataclass
class CheckReport:
    """What :func:`check_rdb` found."""

    path: Path
    ok: bool = False
    error: str | None = None
    error_offset: int = 0
    size: int = 0
    version: int = 0
    aux: dict[str, str] = field(default_factory=dict)
    checksum: int | None = None
    functions: int = 0
    empty_keys_skipped: int = 0
    dbs: dict[int, DbSummary] = field(default_factory=dict)
    #: module type name -> the installed plugin that provides it (None if none does)
    module_types: dict[str, str | None] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def keys(self) -> int:
        return sum(d.keys for d in self.dbs.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "error": self.error,
            "error_offset": self.error_offset if self.error else None,
            "size": self.size,
            "rdb_version": self.version,
            "aux": self.aux,
            "checksum": f"{self.checksum:016x}" if self.checksum is not None else None,
            "functions": self.functions,
            "empty_keys_skipped": self.empty_keys_skipped,
            "keys": self.keys,
            "databases": {
                str(i): {
                    "keys": d.keys,
                    "expires": d.expires,
                    "already_expired": d.already_expired,
                    "types": dict(sorted(d.kinds.items())),
                    "encodings": dict(sorted(d.encodings.items())),
                }
                for i, d in sorted(self.dbs.items())
            },
            "module_types": self.module_types,
        }


class _SkipModules(Mapping[str, rdb.ModuleLoader]):
    """Module loaders for any name: each value's fields are read and dropped."""

    def __bool__(self) -> bool:
        return True

    def __getitem__(self, name: str) -> rdb.ModuleLoader:
        def skip(reader: rdb.RdbReader, encver: int) -> tuple[str, Any]:
            while True:
                start = reader.pos
                opcode = reader.read_len()
                if opcode == rdb.RDB_MODULE_OPCODE_EOF:
                    reader.pos = start  # load_value reads the EOF itself
                    return f"module {name}", None
                if opcode in (rdb.RDB_MODULE_OPCODE_SINT, rdb.RDB_MODULE_OPCODE_UINT):
                    reader.read_len()
                elif opcode == rdb.RDB_MODULE_OPCODE_FLOAT:
                    reader.read_bytes(4)
                elif opcode == rdb.RDB_MODULE_OPCODE_DOUBLE:
                    reader.read_bytes(8)
                elif opcode == rdb.RDB_MODULE_OPCODE_STRING:
                    reader.read_string()
                else:
                    raise rdb.RdbError(f"unknown module value opcode {opcode} at offset {start}")

        return skip

    def get(self, name: str, default: Any = None) -> rdb.ModuleLoader:
        return self[name]

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def check_rdb(path: str | Path, *, now_ms: int | None = None) -> CheckReport:
    """Decode every record of ``path`` and verify its checksum; never raises for bad data."""
    from .snapshot import find_type_providers

    path = Path(path)
    report = CheckReport(path=path)
    started = time.monotonic()
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    try:
        data = path.read_bytes()
    except OSError as e:
        report.error = f"cannot read the file: {e.strerror or e}"
        return report
    report.size = len(data)
    parser: rdb.RdbParser | None = None
    try:
        parser = rdb.RdbParser(data, module_loaders=_SkipModules())
        report.version = parser.version
        for entry in parser:
            summary = report.dbs.setdefault(entry.db, DbSummary())
            summary.keys += 1
            if entry.expire_ms is not None:
                summary.expires += 1
                if entry.expire_ms <= now_ms:
                    summary.already_expired += 1
            summary.kinds[entry.kind] += 1
            summary.encodings[rdb.TYPE_NAMES.get(entry.type_id, str(entry.type_id))] += 1
            if entry.kind.startswith("module "):
                report.module_types.setdefault(entry.kind[7:], None)
        report.checksum = parser.checksum
        report.ok = True
    except rdb.RdbError as e:
        report.error = str(e)
        report.error_offset = parser.pos if parser is not None else 0
    if parser is not None:
        report.aux = {
            k.decode("utf-8", "backslashreplace"): v.decode("utf-8", "backslashreplace")
            for k, v in parser.aux.items()
        }
        report.functions = len(parser.functions)
        report.empty_keys_skipped = parser.empty_keys_skipped
    if report.module_types:
        _, providers = find_type_providers()
        for name in report.module_types:
            report.module_types[name] = providers.get(name)
    report.seconds = time.monotonic() - started
    return report


def format_report(report: CheckReport) -> list[str]:
    """Human-readable lines, in the spirit of ``redis-check-rdb``."""
    lines = [f"[offset 0] Checking RDB file {report.path}"]
    if report.version:
        lines.append(f"[offset 9] RDB version {report.version}")
    for key, value in report.aux.items():
        lines.append(f"AUX FIELD {key} = '{value}'")
    if report.error is not None:
        lines.append("--- RDB ERROR DETECTED ---")
        lines.append(f"[offset {report.error_offset}] {report.error}")
        lines.append(f"[additional info] {report.keys} keys read before the error")
        return lines
    if report.checksum == 0:
        lines.append(f"[offset {report.size}] Checksum not computed (0): not verified")
    elif report.checksum is not None:
        lines.append(f"[offset {report.size}] Checksum OK ({report.checksum:016x})")
    lines.append(f"[offset {report.size}] \\o/ RDB looks OK! \\o/")
    total = report.keys
    expires = sum(d.expires for d in report.dbs.values())
    expired = sum(d.already_expired for d in report.dbs.values())
    lines.append(f"[info] {total} keys read")
    lines.append(f"[info] {expires} expires")
    lines.append(f"[info] {expired} already expired")
    if report.empty_keys_skipped:
        lines.append(f"[info] {report.empty_keys_skipped} empty keys skipped")
    if report.functions:
        lines.append(f"[info] {report.functions} function libraries")
    for index, d in sorted(report.dbs.items()):
        lines.append(
            f"db{index}: {d.keys} keys, {d.expires} with an expiry "
            f"({d.already_expired} already expired)"
        )
        for kind, n in sorted(d.kinds.items()):
            lines.append(f"    {kind:<20} {n:>10}")
        for enc, n in sorted(d.encodings.items()):
            lines.append(f"        encoding {enc:<24} {n:>10}")
    for name, plugin in sorted(report.module_types.items()):
        where = f"plugin '{plugin}'" if plugin else "no installed plugin provides it"
        lines.append(f"[info] module type '{name}': {where}")
    return lines
