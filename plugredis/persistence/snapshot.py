"""Snapshots of a whole server: the RDB backend, atomic saves, fork-based BGSAVE, load at start-up.

Three layers:

- **the RDB backend** (:class:`RdbBackend`): ``save(server, path)`` writes the keyspace to
  ``path`` in the Redis RDB format (version 9, plain encodings, the aux fields Redis 7.0 writes);
  ``load(server)`` reads ``<dir>/<dbfilename>`` back.  Each value goes through its
  :class:`~plugredis.registry.TypeSpec` codec (``to_rdb``/``from_rdb``, or ``module_save`` /
  ``module_load`` for types Redis does not have, saved as Redis module types).  It is what the
  ``persistence_backend`` hook returns by default (registered ``trylast`` by
  :mod:`plugredis.builtin.persistence`); a plugin may return another object with the same two
  methods.
- **atomic files** (:func:`atomic_save`): the backend writes ``temp-<pid>.rdb`` in the target
  directory; it is fsynced, renamed over the target and the directory is fsynced.  A crash or
  ``kill -9`` at any moment leaves either the previous file or the new one, never a torn file.
- **scheduling** (:class:`Persistence`, one per server): foreground ``SAVE``, background saves
  in a forked child (``BGSAVE``, the ``save_interval`` timer and Redis-style ``save`` rules), the
  final save at shutdown, and the ``INFO persistence`` fields.

Failure policy (the choice Redis makes with ``stop-writes-on-bgsave-error no``): a save that
fails -- disk full, permission denied, a type without a codec -- is logged, shows as
``rdb_last_bgsave_status:err`` in ``INFO persistence``, leaves the previous file untouched and
is retried by the timer 5 seconds later at the earliest; the server keeps serving and keeps
accepting writes.  Redis's default (``yes``) would refuse writes with ``-MISCONF``; plugredis
prefers availability and says loudly in the log that the data is not being persisted.

Loading is all or nothing: the whole file is parsed (checksum included) into fresh
dictionaries before any database is touched, and a file that cannot be loaded -- truncated,
corrupt, hostile, a newer RDB version, a type no loaded plugin provides -- raises
:class:`LoadError` with a message saying why; the server refuses to start and never writes
over that file.  Nothing is unpickled: the file is data from disk and may be hostile.
"""

from __future__ import annotations

import errno
import gc
import inspect
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

from .. import __version__
from . import rdb

if TYPE_CHECKING:
    from ..registry import Registry, TypeSpec
    from ..server import Server

__all__ = [
    "BGSAVE_RETRY_DELAY",
    "LoadError",
    "LoadResult",
    "Persistence",
    "PersistenceError",
    "RdbBackend",
    "SaveError",
    "SaveInProgressError",
    "atomic_save",
    "check_save_rules",
    "find_type_providers",
    "format_save_rules",
    "load_rdb",
    "read_rdb",
    "write_rdb",
]

log = logging.getLogger("plugredis.persistence")

#: After a failed background save, automatic saves wait this long before trying again (Redis's
#: ``CONFIG_BGSAVE_RETRY_DELAY``); explicit BGSAVE/SAVE commands are never delayed.
BGSAVE_RETRY_DELAY = 5

#: While loading, a progress line is logged at most this often (seconds).
PROGRESS_EVERY = 2.0

_LLONG_MAX = (1 << 63) - 1
_LLONG_MIN = -(1 << 63)


class PersistenceError(Exception):
    """Base class of the errors of this module."""


class LoadError(PersistenceError):
    """The dump file cannot be loaded; the server must not start (and must not overwrite it)."""


class SaveError(PersistenceError):
    """A snapshot could not be written (the previous file is intact)."""


class SaveInProgressError(PersistenceError):
    """A background save is already running."""


# -------------------------------------------------------------------------------------------------
# save rules ("<seconds> <changes> ...")
# -------------------------------------------------------------------------------------------------


def _strtoll_whole(text: str) -> int | None:
    """C ``strtoll(text, &end, 10)`` that must consume everything (saturating); None if not."""
    if text == "":
        return 0  # strtoll("") consumes nothing and stops at the terminating NUL
    s = text.lstrip(" \t\n\v\f\r")
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s or not s.isascii() or not s.isdigit():
        return None
    return max(_LLONG_MIN, min(_LLONG_MAX, sign * int(s)))


def check_save_rules(text: str) -> list[tuple[int, int]]:
    """Parse a ``save`` value as Redis 7.0 does; ``ValueError("Invalid save parameters")``.

    The value is split on single spaces; there must be an even number of parts; each
    ``seconds`` must be at least 1 and each ``changes`` at least 0 (C ``strtoll`` rules, so
    ``010`` is 10 and huge numbers saturate).  The empty string means "no rules".
    """
    if text == "":
        return []
    parts = text.split(" ")
    if len(parts) % 2:
        raise ValueError("Invalid save parameters")
    values: list[int] = []
    for i, part in enumerate(parts):
        v = _strtoll_whole(part)
        if v is None or (i % 2 == 0 and v < 1) or (i % 2 == 1 and v < 0):
            raise ValueError("Invalid save parameters")
        values.append(v)
    return list(zip(values[::2], values[1::2], strict=True))


def format_save_rules(rules: list[tuple[int, int]]) -> str:
    """``[(3600, 1), (300, 100)]`` -> ``"3600 1 300 100"`` (what CONFIG GET save shows)."""
    return " ".join(f"{s} {c}" for s, c in rules)


# -------------------------------------------------------------------------------------------------
# writing
# -------------------------------------------------------------------------------------------------


def _used_memory() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _encoder(w: rdb.RdbWriter, spec: TypeSpec) -> Callable[[bytes, Any], None]:
    """A function writing ``type byte, key, value`` for values of ``spec``."""
    if spec.to_rdb is not None:
        to_rdb = spec.to_rdb
        type_ids = rdb.KIND_TYPE_IDS
        save_value = rdb.save_value

        plain_of = spec.plain

        def encode(key: bytes, value: Any) -> None:
            kind, plain = to_rdb(plain_of(value))
            type_id = type_ids.get(kind)
            if type_id is None:
                raise SaveError(
                    f"type '{spec.name}' (plugin {spec.plugin!r}): to_rdb returned the unknown "
                    f"kind {kind!r}"
                )
            w.write_type(type_id)
            w.write_string(key)
            save_value(w, kind, plain)

        return encode
    if spec.module_name is not None and spec.module_save is not None:
        module_save = spec.module_save
        name, encver = spec.module_name, spec.module_encver

        def encode_module(key: bytes, value: Any) -> None:
            v = spec.plain(value)
            w.write_module_entry(key, name, encver, lambda writer: module_save(v, writer))

        return encode_module
    raise SaveError(
        f"values of type '{spec.name}' (plugin {spec.plugin!r}) cannot be saved: the type has "
        "neither to_rdb nor module_save"
    )


def write_rdb(
    server: Server,
    fp: BinaryIO | None = None,
    *,
    now_ms: int | None = None,
    key_delay_us: int = 0,
) -> rdb.RdbWriter:
    """Write the whole keyspace of ``server`` as an RDB image to ``fp`` (memory when None).

    Keys whose expiry time is already past at ``now_ms`` are left out (they would be dropped
    on load anyway).  ``key_delay_us`` sleeps that many microseconds after each key (Redis's
    ``rdb-key-save-delay``, for tests that need a slow save).  Returns the finished writer
    (``getvalue()`` in memory mode).
    """
    from ..server import REDIS_VERSION

    if now_ms is None:
        now_ms = server.clock.ms()
    w = rdb.RdbWriter(fp, compress=False, encode_ints=True)
    w.write_header(rdb.RDB_VERSION)
    w.write_aux("redis-ver", REDIS_VERSION)
    w.write_aux("redis-bits", 64 if sys.maxsize > 2**32 else 32)
    w.write_aux("ctime", int(time.time()))
    w.write_aux("used-mem", _used_memory())
    w.write_aux("aof-base", 0)
    w.write_aux("plugredis-ver", __version__)
    by_pytype = server.registry.types_by_pytype
    encoders: dict[type, Callable[[bytes, Any], None]] = {}
    write = w.write
    write_string = w.write_string
    expiretime = rdb.RDB_OPCODE_EXPIRETIME_MS
    fast_strings = bytes in by_pytype and by_pytype[bytes].to_rdb is not None
    delay = key_delay_us / 1_000_000 if key_delay_us > 0 else 0.0
    for db in server.dbs:
        data = db.data
        if not data:
            continue
        expires = db.expires
        w.write_selectdb(db.id)
        w.write_resizedb(len(data), len(expires))
        for key, value in data.items():
            if expires:
                when = expires.get(key)
                if when is not None:
                    if when <= now_ms:
                        continue
                    write(bytes((expiretime,)) + when.to_bytes(8, "little", signed=True))
            t = type(value)
            if t is bytes and fast_strings:
                klen = len(key)
                vlen = len(value)
                # Fast path: short key and value that cannot be integer-encoded (a decimal
                # integer starts with a digit or '-'): one write for the whole record.
                if (
                    klen < 64
                    and vlen < 64
                    and (vlen > 11 or value[:1] not in _INT_START)
                    and (klen > 11 or key[:1] not in _INT_START)
                ):
                    write(b"\x00%c%b%c%b" % (klen, key, vlen, value))
                else:
                    write(b"\x00")
                    write_string(key)
                    write_string(value)
            else:
                enc = encoders.get(t)
                if enc is None:
                    spec = by_pytype.get(t)
                    if spec is None:
                        raise SaveError(
                            f"key {key!r} in database {db.id} holds a {t.__name__} value that "
                            "no registered type describes"
                        )
                    enc = encoders[t] = _encoder(w, spec)
                enc(key, value)
            if delay:
                time.sleep(delay)
    w.finish()
    return w


_INT_START = frozenset(b"%c" % c for c in b"-0123456789")

#: Indirection so tests can make the fsync fail (disk full) without touching the os module.
_fsync = os.fsync


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        _fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as e:  # some filesystems cannot fsync a directory: not worth a failed save
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def atomic_save(write: Callable[[Path], None], target: Path, tmp: Path | None = None) -> None:
    """Write a file through ``write(tmp)``, fsync it, rename it over ``target``, fsync the dir.

    ``tmp`` defaults to ``temp-<pid>.rdb`` next to ``target`` (same directory, so the rename
    is atomic).  On any failure the temporary file is removed, ``target`` is untouched and the
    exception propagates.
    """
    directory = target.parent
    if tmp is None:
        tmp = directory / f"temp-{os.getpid()}.rdb"
    try:
        write(tmp)
        _fsync_path(tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def _write_file(server: Server, path: Path, key_delay_us: int = 0) -> None:
    with open(path, "wb", buffering=0) as fp:
        write_rdb(server, fp, key_delay_us=key_delay_us)


# -------------------------------------------------------------------------------------------------
# reading
# -------------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    """What a load did (logged, and shown in INFO as ``rdb_last_load_keys_*``)."""

    path: Path | None = None
    size: int = 0
    keys_loaded: int = 0
    keys_expired: int = 0
    seconds: float = 0.0
    rdb_version: int = 0
    aux: dict[bytes, bytes] = field(default_factory=dict)
    functions_ignored: int = 0
    empty_keys_skipped: int = 0


def find_type_providers() -> tuple[dict[str, str], dict[str, str]]:
    """``(kind -> plugin, module type name -> plugin)`` over every *installed* plugin.

    Used to say which plugin to load when a file needs a type no loaded plugin provides.
    A plugin that fails to import or to register is skipped.
    """
    from ..plugins import installed_plugins

    kinds: dict[str, str] = {}
    modules: dict[str, str] = {}
    for name, info in installed_plugins().items():
        try:
            obj = info.entry_point.load()
            hook = getattr(obj, "register_types", None)
            if hook is None:
                continue

            def register(spec: Any, _name: str = name) -> None:
                for kind in getattr(spec, "rdb_kinds", ()) or ():
                    kinds.setdefault(kind, _name)
                module_name = getattr(spec, "module_name", None)
                if module_name:
                    modules.setdefault(module_name, _name)

            params = inspect.signature(hook).parameters
            hook(**{k: v for k, v in {"register": register}.items() if k in params})
        except Exception:
            continue
    return kinds, modules


def _missing_plugin_hint(plugin: str | None) -> str:
    if plugin is None:
        return "no installed plugin provides it"
    return f"it is provided by plugin '{plugin}', which is installed but not loaded (--plugins)"


def _guarded(loaders: dict[str, rdb.ModuleLoader]) -> dict[str, rdb.ModuleLoader]:
    """Module loaders whose failures (plugin code meeting hostile data) become RdbError."""

    def guard(name: str, load: rdb.ModuleLoader) -> rdb.ModuleLoader:
        def guarded(reader: rdb.RdbReader, encver: int) -> tuple[str, Any]:
            start = reader.pos
            try:
                return load(reader, encver)
            except rdb.RdbError:
                raise
            except Exception as e:
                raise rdb.RdbError(
                    f"the loader of module type '{name}' (encoding version {encver}) refused the "
                    f"value at offset {start}: {type(e).__name__}: {e}"
                ) from e

        return guarded

    return {name: guard(name, load) for name, load in loaders.items()}


def read_rdb(
    server: Server,
    data: bytes | bytearray | memoryview,
    *,
    now_ms: int | None = None,
    progress: Callable[[rdb.RdbParser, int], None] | None = None,
) -> tuple[list[dict[bytes, Any]], list[dict[bytes, int]], LoadResult]:
    """Decode an RDB image into fresh per-database dicts; nothing of ``server`` is changed.

    Returns ``(data, expires, result)``: one key->value and one key->expiry dict per database.
    Keys already expired at ``now_ms`` are dropped and counted (as a Redis master does).
    Raises :class:`~plugredis.persistence.rdb.RdbError` for a malformed file and
    :class:`LoadError` for a well-formed one this server cannot hold (a database index
    beyond ``databases``, a type no loaded plugin stores, a plugin codec refusing a value).
    """
    from ..dump import module_loaders

    registry: Registry = server.registry
    if now_ms is None:
        now_ms = server.clock.ms()
    parser = rdb.RdbParser(data, module_loaders=_guarded(module_loaders(registry)))
    ndb = len(server.dbs)
    datas: list[dict[bytes, Any]] = [{} for _ in range(ndb)]
    exps: list[dict[bytes, int]] = [{} for _ in range(ndb)]
    result = LoadResult(size=len(data), rdb_version=parser.version)
    by_kind = registry.types_by_kind
    string_spec = by_kind.get("string")
    strings_plain = string_spec is not None and string_spec.pytype is bytes
    loaded = expired = 0
    n = 0
    for db, key, kind, plain, when, _type_id, _idle, _freq in parser.records():
        n += 1
        if progress is not None and not n & 0xFFFF:
            progress(parser, n)
        if db >= ndb:
            raise LoadError(
                f"the file has keys in database {db} but this server has only {ndb} databases "
                "(start it with a larger --databases)"
            )
        if when is not None and when <= now_ms:
            expired += 1
            continue
        if (kind == "string" and strings_plain) or kind == "module":
            value = plain
        else:
            spec = by_kind.get(kind)
            if spec is None or spec.from_rdb is None:
                kinds, _ = find_type_providers()
                raise LoadError(
                    f"the file holds {kind} values (key {key!r} in database {db}) but no "
                    f"loaded plugin stores them: {_missing_plugin_hint(kinds.get(kind))}"
                )
            try:
                value = spec.from_rdb(kind, plain)
                image = spec.packed(value)  # small containers are stored packed (at rest)
                if image is not None:
                    value = image
            except Exception as e:
                raise LoadError(
                    f"plugin {spec.plugin!r} refused the {kind} value of key {key!r} in "
                    f"database {db}: {e}"
                ) from e
        d = datas[db]
        if key in d:
            raise rdb.RdbError(f"duplicate key {key!r} in database {db}")
        d[key] = value
        if when is not None:
            exps[db][key] = when
        loaded += 1
    result.keys_loaded = loaded
    result.keys_expired = expired
    result.aux = dict(parser.aux)
    result.functions_ignored = len(parser.functions)
    result.empty_keys_skipped = parser.empty_keys_skipped
    return datas, exps, result


def install(server: Server, datas: list[dict[bytes, Any]], exps: list[dict[bytes, int]]) -> None:
    """Replace every database's contents with ``datas``/``exps`` (from :func:`read_rdb`)."""
    for db, d, ex in zip(server.dbs, datas, exps, strict=True):
        db.flush()
        db.data = d
        for key, when in ex.items():
            db.set_expire(key, when)
    server.dirty = 0


def load_rdb(server: Server, path: Path) -> LoadResult | None:
    """Load ``path`` into ``server`` (all or nothing); None if the file does not exist.

    Logs the start, progress for large files and a summary line.  Raises :class:`LoadError`
    with a message saying why the file was refused; the file is never modified.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise LoadError(f"cannot read {path}: {e.strerror or e}") from e
    started = time.monotonic()
    size = len(data)
    big = size >= 16 * 1024 * 1024
    if big:
        log.info("Loading %s (%.1f MB)...", path, size / 1e6)
    last = [started]

    def progress(parser: rdb.RdbParser, n: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            log.info(
                "Loading %s: %d%% (%d keys, %.1f s)",
                path.name,
                parser.pos * 100 // max(size, 1),
                n,
                now - started,
            )

    try:
        datas, exps, result = read_rdb(server, data, progress=progress)
    except rdb.RdbModuleTypeError as e:
        _, modules = find_type_providers()
        raise LoadError(
            f"cannot load {path}: it holds {_module_what(e)} of module type '{e.name}' "
            f"(encoding version {e.encver}) and no loaded plugin provides that type: "
            f"{_missing_plugin_hint(modules.get(e.name))}; the file was left untouched"
        ) from e
    except rdb.RdbError as e:
        raise LoadError(
            f"cannot load {path}: not a valid RDB file this server can read ({e}); "
            "the file was left untouched"
        ) from e
    except LoadError as e:
        raise LoadError(f"cannot load {path}: {e}; the file was left untouched") from e
    except Exception as e:  # a bug, or a plugin codec meeting data it did not expect
        log.exception("unexpected error while loading %s", path)
        raise LoadError(
            f"cannot load {path}: unexpected {type(e).__name__}: {e}; the file was left untouched"
        ) from e
    install(server, datas, exps)
    result.path = path
    result.seconds = time.monotonic() - started
    ver = result.aux.get(b"redis-ver")
    if ver is not None:
        log.info("Loading RDB produced by version %s", ver.decode("ascii", "replace"))
    ctime = result.aux.get(b"ctime")
    if ctime is not None and ctime.lstrip(b"-").isdigit():
        log.info("RDB age %d seconds", int(time.time()) - int(ctime))
    if result.functions_ignored:
        log.warning(
            "%d function libraries in %s were ignored (plugredis has no FUNCTION support)",
            result.functions_ignored,
            path,
        )
    log.info(
        "DB loaded from disk: %d keys (%d expired keys dropped) in %.3f seconds",
        result.keys_loaded,
        result.keys_expired,
        result.seconds,
    )
    return result


def _module_what(e: rdb.RdbModuleTypeError) -> str:
    return "aux data" if "aux data" in str(e) else "values"


class RdbBackend:
    """The default persistence backend: a real Redis ``dump.rdb``.

    ``save(server, path)`` writes the snapshot to ``path`` (the caller makes it atomic) and
    ``load(server)`` loads ``server.dir / server.dbfilename`` (None if there is no file).
    """

    name = "rdb"

    def save(self, server: Server, path: Path) -> None:
        delay = getattr(server, "rdb_key_save_delay", 0)
        _write_file(server, Path(path), key_delay_us=delay)

    def load(self, server: Server) -> LoadResult | None:
        return load_rdb(server, Path(server.dir) / server.dbfilename)


# -------------------------------------------------------------------------------------------------
# scheduling: SAVE, BGSAVE, timers, shutdown, INFO
# -------------------------------------------------------------------------------------------------


@dataclass
class _Child:
    pid: int
    rfd: int
    started: float
    tmp: Path
    target: Path
    dirty_at_fork: int
    keys_total: int
    output: bytearray = field(default_factory=bytearray)
    eof: bool = False


def _private_dirty() -> int:
    """Bytes of this process's memory that are private and dirty (the copy-on-write cost)."""
    try:
        with open("/proc/self/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Private_Dirty:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _oneline(e: BaseException) -> str:
    text = str(e) or type(e).__name__
    if isinstance(e, OSError) and e.strerror:
        text = e.strerror + (f": {e.filename}" if e.filename else "")
    return text.replace("\r", " ").replace("\n", " ")[:500]


class Persistence:
    """Snapshot scheduling and state for one server (``server.persistence``)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        #: Unix time of the last successful save (at start-up the data counts as saved)
        self.lastsave = int(server.clock.time())
        self.last_bgsave_ok = True
        self.last_error = ""
        self.last_bgsave_try = 0.0
        self.saves = 0
        self.last_bgsave_secs = -1
        self.last_cow_size = 0
        self.latest_fork_usec = 0
        self.total_forks = 0
        self.keys_loaded = 0
        self.keys_expired = 0
        self.child: _Child | None = None
        self.bgsave_scheduled = False
        self.final_save_done = False
        self._backend: Any = None

    # -- configuration -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The dump file: ``<dir>/<dbfilename>``."""
        return Path(self.server.dir) / self.server.dbfilename

    @property
    def enabled(self) -> bool:
        """True when snapshots are on (a timer or a save rule): SHUTDOWN then saves by default."""
        return self.server.save_interval > 0 or bool(self.server.save_rule_pairs)

    def backend(self) -> Any:
        """The persistence backend (the ``persistence_backend`` hook's first result)."""
        if self._backend is None:
            backend = self.server.pm.hook.persistence_backend(server=self.server)
            self._backend = backend if backend is not None else RdbBackend()
        return self._backend

    # -- loading -------------------------------------------------------------------------------

    def load(self) -> LoadResult | None:
        """Load the dump file at start-up (raises :class:`LoadError`; see :func:`load_rdb`)."""
        result = self.backend().load(self.server)
        if isinstance(result, LoadResult):
            self.keys_loaded = result.keys_loaded
            self.keys_expired = result.keys_expired
        self.server.dirty = 0
        self.lastsave = int(self.server.clock.time())
        return result

    # -- saving in the foreground --------------------------------------------------------------

    def _call_hook(self, name: str, **kwargs: Any) -> None:
        try:
            getattr(self.server.pm.hook, name)(server=self.server, **kwargs)
        except Exception:
            log.exception("a %s hook failed", name)

    def save(self) -> bool:
        """Save in the foreground (SAVE, shutdown).  Returns False (and logs) on failure.

        Raises :class:`SaveInProgressError` while a background save runs.
        """
        if self.child is not None:
            raise SaveInProgressError("Background save already in progress")
        server = self.server
        self.saves += 1
        self._call_hook("before_save")
        target = self.path
        backend = self.backend()
        started = time.monotonic()
        try:
            atomic_save(lambda tmp: backend.save(server, tmp), target)
        except Exception as e:
            self._failed(f"Write error saving DB on disk: {_oneline(e)}")
            return False
        server.dirty = 0
        self.lastsave = int(server.clock.time())
        self.last_bgsave_ok = True
        self.last_error = ""
        log.info("DB saved on disk (%s, %.3f s)", target, time.monotonic() - started)
        self._call_hook("after_save", path=target)
        return True

    def _failed(self, message: str) -> None:
        self.last_bgsave_ok = False
        self.last_error = message
        log.error(
            "%s -- the previous dump file is kept; the server keeps accepting writes, "
            "which are NOT persisted until a save succeeds",
            message,
        )

    # -- saving in the background --------------------------------------------------------------

    def bgsave(self) -> int:
        """Fork a child that writes the snapshot; returns its pid.

        Raises :class:`SaveInProgressError` if one runs, :class:`SaveError` if fork fails.
        """
        if self.child is not None:
            raise SaveInProgressError("Background save already in progress")
        if not hasattr(os, "fork"):  # pragma: no cover - plugredis targets POSIX
            if not self.save():
                raise SaveError(self.last_error)
            return os.getpid()
        server = self.server
        self._call_hook("before_save")
        self.saves += 1
        self.last_bgsave_try = server.clock.time()
        target = self.path
        directory = target.parent
        backend = self.backend()
        rfd, wfd = os.pipe()
        gc.freeze()  # the parent's collector leaves the existing objects alone: less COW
        t0 = time.perf_counter_ns()
        try:
            pid = os.fork()
        except OSError as e:
            gc.unfreeze()
            os.close(rfd)
            os.close(wfd)
            self._failed(f"Can't save in background: fork: {_oneline(e)}")
            raise SaveError(self.last_error) from e
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            self._child_main(rfd, wfd, backend, directory, target)
        fork_ns = time.perf_counter_ns() - t0
        os.close(wfd)
        os.set_blocking(rfd, False)
        self.latest_fork_usec = fork_ns // 1000
        self.total_forks += 1
        self.child = _Child(
            pid=pid,
            rfd=rfd,
            started=time.monotonic(),
            tmp=directory / f"temp-{pid}.rdb",
            target=target,
            dirty_at_fork=server.dirty,
            keys_total=sum(len(db.data) for db in server.dbs),
        )
        loop = server.loop
        if loop is not None:
            try:
                loop.add_reader(rfd, self._on_child_output)
            except (RuntimeError, NotImplementedError, ValueError):
                pass
        log.info("Background saving started by pid %d (fork took %.3f ms)", pid, fork_ns / 1e6)
        return pid

    def _child_main(
        self, rfd: int, wfd: int, backend: Any, directory: Path, target: Path
    ) -> NoReturn:  # pragma: no cover - runs in the forked child
        code = 1
        message = b"err unknown failure\n"
        try:
            try:
                os.close(rfd)
                gc.disable()
                self._child_setup()
                tmp = directory / f"temp-{os.getpid()}.rdb"
                server = self.server
                atomic_save(lambda path: backend.save(server, path), target, tmp)
                message = b"ok %d\n" % _private_dirty()
                code = 0
            except BaseException as e:
                message = ("err " + _oneline(e) + "\n").encode("utf-8", "replace")
            try:
                os.write(wfd, message)
            except BaseException:
                pass
        finally:
            os._exit(code)

    def _child_setup(self) -> None:  # pragma: no cover - runs in the forked child
        """In the child: own signal dispositions, and drop the parent's sockets."""
        try:
            signal.set_wakeup_fd(-1)  # never poke the parent's event loop
        except (ValueError, OSError):
            pass
        for sig, action in (
            (signal.SIGINT, signal.SIG_IGN),  # Ctrl+C: the parent decides (it kills us)
            (signal.SIGTERM, signal.SIG_DFL),
            (signal.SIGUSR1, signal.SIG_DFL),
            (signal.SIGHUP, signal.SIG_IGN),
        ):
            try:
                signal.signal(sig, action)
            except (ValueError, OSError):
                pass
        server = self.server
        fds: list[int] = []
        for srv in getattr(server, "_listeners", ()):
            for sock in srv.sockets or ():
                try:
                    fds.append(sock.fileno())
                except Exception:
                    pass
        for client in list(server.clients.values()):
            proto = client.protocol
            if proto is not None and getattr(proto, "fd", -1) >= 0:
                fds.append(proto.fd)
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass

    def _on_child_output(self) -> None:
        child = self.child
        if child is None:
            return
        try:
            while True:
                chunk = os.read(child.rfd, 65536)
                if not chunk:
                    self._close_pipe(child)
                    break
                child.output += chunk
        except BlockingIOError:
            return
        except OSError:
            self._close_pipe(child)
        if child.eof:
            self.poll_child()
            if self.child is child and self.server.loop is not None:
                self.server.loop.call_later(0.01, self.poll_child)

    def _close_pipe(self, child: _Child) -> None:
        if child.eof:
            return
        child.eof = True
        loop = self.server.loop
        if loop is not None:
            try:
                loop.remove_reader(child.rfd)
            except Exception:
                pass
        try:
            os.close(child.rfd)
        except OSError:
            pass

    def _drain_pipe(self, child: _Child) -> None:
        if child.eof:
            return
        try:
            while True:
                chunk = os.read(child.rfd, 65536)
                if not chunk:
                    break
                child.output += chunk
        except OSError:
            pass
        self._close_pipe(child)

    def poll_child(self) -> bool:
        """Reap the background save child if it has exited (non-blocking); True if it had."""
        child = self.child
        if child is None:
            return False
        try:
            pid, status = os.waitpid(child.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = child.pid, -1  # reaped by someone else: trust its message
        if pid == 0:
            return False
        self._child_done(child, status)
        return True

    def wait_child(self, timeout: float | None = None) -> bool:
        """Block until the background save ends (tests, shutdown); True if it did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.child is not None:
            if self.poll_child():
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def _child_done(self, child: _Child, status: int) -> None:
        self._drain_pipe(child)
        self.child = None
        gc.unfreeze()
        server = self.server
        self.last_bgsave_secs = int(time.monotonic() - child.started + 0.5)
        text = bytes(child.output).decode("utf-8", "replace").strip()
        if status == -1:
            code = 0 if text.startswith("ok") else 1
        else:
            code = os.waitstatus_to_exitcode(status)
        if code == 0 and text.startswith("ok"):
            parts = text.split()
            if len(parts) > 1 and parts[1].isdigit():
                self.last_cow_size = int(parts[1])
            server.dirty = max(0, server.dirty - child.dirty_at_fork)
            self.lastsave = int(server.clock.time())
            self.last_bgsave_ok = True
            self.last_error = ""
            log.info(
                "Background saving terminated with success (%s, %.3f s, %d MB copy-on-write)",
                child.target,
                time.monotonic() - child.started,
                self.last_cow_size // (1024 * 1024),
            )
            self._call_hook("after_save", path=child.target)
            return
        if code < 0:
            sig = -code
            try:
                os.unlink(child.tmp)
            except OSError:
                pass
            if sig == signal.SIGUSR1:
                log.warning("Background saving terminated by signal %d (on purpose)", sig)
                return
            self._failed(f"Background saving terminated by signal {sig}")
            return
        detail = text[4:] if text.startswith("err ") else (text or f"exit code {code}")
        self._failed(f"Background saving error: {detail}")

    def kill_child(self) -> None:
        """Stop a running background save (shutdown); its temporary file is removed."""
        child = self.child
        if child is None:
            return
        log.warning("There is a child saving an .rdb. Killing it!")
        try:
            os.kill(child.pid, signal.SIGUSR1)
        except ProcessLookupError:
            pass
        try:
            _, status = os.waitpid(child.pid, 0)
        except ChildProcessError:
            status = -1
        self._drain_pipe(child)
        self.child = None
        gc.unfreeze()
        try:
            os.unlink(child.tmp)
        except OSError:
            pass
        del status

    # -- the periodic check --------------------------------------------------------------------

    def cron(self) -> None:
        """Called about 10 times a second: reap the child, run due or scheduled saves."""
        if self.child is not None:
            self.poll_child()
            return
        if self.final_save_done:  # shutting down: the final snapshot is written
            return
        server = self.server
        now = server.clock.time()
        reason = None
        if self.bgsave_scheduled:
            reason = "BGSAVE scheduled"
        else:
            may_retry = self.last_bgsave_ok or now - self.last_bgsave_try > BGSAVE_RETRY_DELAY
            if not may_retry:
                return
            since = now - self.lastsave
            interval = server.save_interval
            if interval > 0 and server.dirty > 0 and since >= interval:
                reason = f"{server.dirty} changes and {interval} seconds passed"
            else:
                for seconds, changes in server.save_rule_pairs:
                    if server.dirty >= changes and since > seconds:
                        reason = f"{changes} changes in {seconds} seconds"
                        break
        if reason is None:
            return
        self.bgsave_scheduled = False
        log.info("%s. Saving...", reason)
        try:
            self.bgsave()
        except PersistenceError:
            pass

    # -- shutdown ------------------------------------------------------------------------------

    def shutdown_save(self, save: bool | None = None, force: bool = False) -> bool:
        """The final save: True when the server may exit.

        ``save`` None saves when snapshots are :attr:`enabled` (SHUTDOWN, SIGINT, SIGTERM),
        True always (SHUTDOWN SAVE), False never (SHUTDOWN NOSAVE).  A running background save
        is killed first.  A failed save returns False (the server keeps running, as Redis
        does) unless ``force``.
        """
        if self.child is not None:
            self.kill_child()
        if save is None:
            save = self.enabled
        if not save or self.final_save_done:
            self.final_save_done = True
            return True
        log.info("Saving the final RDB snapshot before exiting.")
        if self.save():
            self.final_save_done = True
            return True
        if force:
            log.error("Error trying to save the DB: exiting anyway (FORCE).")
            self.final_save_done = True
            return True
        log.error("Error trying to save the DB, can't exit.")
        return False

    # -- INFO ----------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """The ``INFO persistence`` fields, in Redis 7.0's order."""
        child = self.child
        server = self.server
        return {
            "loading": 0,
            "async_loading": 0,
            "current_cow_peak": 0,
            "current_cow_size": 0,
            "current_cow_size_age": 0,
            "current_fork_perc": "0.00",
            "current_save_keys_processed": 0,
            "current_save_keys_total": child.keys_total if child is not None else 0,
            "rdb_changes_since_last_save": server.dirty,
            "rdb_bgsave_in_progress": 1 if child is not None else 0,
            "rdb_last_save_time": self.lastsave,
            "rdb_last_bgsave_status": "ok" if self.last_bgsave_ok else "err",
            "rdb_last_bgsave_time_sec": self.last_bgsave_secs,
            "rdb_current_bgsave_time_sec": (
                int(time.monotonic() - child.started) if child is not None else -1
            ),
            "rdb_saves": self.saves,
            "rdb_last_cow_size": self.last_cow_size,
            "rdb_last_load_keys_expired": self.keys_expired,
            "rdb_last_load_keys_loaded": self.keys_loaded,
            "aof_enabled": 0,
            "aof_rewrite_in_progress": 0,
            "aof_rewrite_scheduled": 0,
            "aof_last_rewrite_time_sec": -1,
            "aof_current_rewrite_time_sec": -1,
            "aof_last_bgrewrite_status": "ok",
            "aof_rewrites": 0,
            "aof_rewrites_consecutive_failures": 0,
            "aof_last_write_status": "ok",
            "aof_last_cow_size": 0,
            "module_fork_in_progress": 0,
            "module_fork_last_cow_size": 0,
        }

    def stats_info(self) -> dict[str, Any]:
        """The fork fields of ``INFO stats``."""
        return {"latest_fork_usec": self.latest_fork_usec, "total_forks": self.total_forks}
