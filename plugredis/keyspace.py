"""The keyspace: one :class:`Database` per index, with lazy and active expiry.

Values are stored as plain Python objects in ``data``; the type of a value is the Python class
registered by its :class:`~plugredis.registry.TypeSpec` (strings are ``bytes``).  Expiry times live
in a separate dict, as in Redis, in milliseconds since the epoch.

Every read goes through :meth:`Database.lookup_read` and every write through
:meth:`Database.lookup_write`: both expire the key lazily first, then check its type (WRONGTYPE).
Every modification ends with one :meth:`Database.signal_modified` call: the single place where WATCH
invalidation and the wake-up of blocked clients hook in.

Small containers of the types that declare ``pack``/``unpack`` are stored at rest as packed
``bytes`` images (like Redis's listpacks): a lookup unpacks one in place and hands the key to
:meth:`~plugredis.server.Server.loosen`, and the cron packs it again once it has not been used
for a tick.  Code that reads ``data`` directly may meet an image: ask its type for
``registry.type_of(value).plain(value)``.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .commands import WrongTypeError

if TYPE_CHECKING:
    from .connection import Client
    from .server import Server

__all__ = ["Database"]

#: keys removed per active-expiry pass at most (the pass is re-run soon if more are due)
ACTIVE_EXPIRE_BATCH = 200


class Database:
    """One numbered database (``SELECT n``)."""

    __slots__ = ("_heap", "data", "expires", "id", "listeners", "server", "waiters", "watched")

    def __init__(self, index: int, server: Server) -> None:
        self.id = index
        self.server = server
        #: key -> value
        self.data: dict[bytes, Any] = {}
        #: key -> absolute expiry time in ms
        self.expires: dict[bytes, int] = {}
        #: (deadline, key) min-heap for active expiry; stale entries are skipped
        self._heap: list[tuple[int, bytes]] = []
        #: key -> clients WATCHing it
        self.watched: dict[bytes, set[Client]] = {}
        #: key -> clients blocked on it (FIFO), maintained by plugredis.blocking
        self.waiters: dict[bytes, Any] = {}
        #: the server's key event listeners (``registry.key_listeners``, the same list)
        self.listeners: list[Any] = []

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"<Database {self.id} keys={len(self.data)} expires={len(self.expires)}>"

    # -- lookups --------------------------------------------------------------------------------

    def lookup_read(self, key: bytes, pytype: type | None = None) -> Any:
        """The value at ``key`` (None if absent or expired); WRONGTYPE unless it is a ``pytype``.

        Counts a keyspace hit or miss for INFO.
        """
        v = self.data.get(key)
        if v is None:
            self.server.stats.keyspace_misses += 1
            return None
        if self.expires and key in self.expires and self.expires[key] <= self.server.now_ms:
            self._expire(key)
            self.server.stats.keyspace_misses += 1
            return None
        if type(v) is not pytype:
            v = self._other_type(key, v, pytype)
        self.server.stats.keyspace_hits += 1
        return v

    def lookup_write(self, key: bytes, pytype: type | None = None) -> Any:
        """Like :meth:`lookup_read` for a command that will modify the key (no hit/miss stats)."""
        v = self.data.get(key)
        if v is None:
            return None
        if self.expires and key in self.expires and self.expires[key] <= self.server.now_ms:
            self._expire(key)
            return None
        if type(v) is not pytype:
            v = self._other_type(key, v, pytype)
        return v

    def _other_type(self, key: bytes, v: Any, pytype: type | None) -> Any:
        """A lookup whose value is not of ``pytype``: a packed image of it (or of anything, if
        ``pytype`` is None) is unpacked, anything else is WRONGTYPE.

        The unpacked value replaces the image until the cron packs it again
        (:meth:`~plugredis.server.Server.loosen`), so a key in use is unpacked once.
        """
        spec = self.server.registry.packed_types.get(type(v))
        if spec is None:
            if pytype is None:
                return v
            raise WrongTypeError()
        if pytype is not None and spec.pytype is not pytype:
            raise WrongTypeError()
        assert spec.unpack is not None
        v = spec.unpack(v)
        self.data[key] = v
        self.server.loosen(self, key)
        return v

    def exists(self, key: bytes) -> bool:
        """True if ``key`` holds a value that has not expired (no stats)."""
        if key not in self.data:
            return False
        if self.expires and key in self.expires and self.expires[key] <= self.server.now_ms:
            self._expire(key)
            return False
        return True

    # -- writes ---------------------------------------------------------------------------------

    def set(self, key: bytes, value: Any, keep_ttl: bool = False) -> None:
        """Store ``value`` at ``key`` (clearing any TTL unless ``keep_ttl``) and signal it."""
        self.data[key] = value
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)
        if type(value) is not bytes:
            self.server.loosen(self, key)
        self.signal_modified(key)

    def set_many(self, keys: list[bytes], values: list[bytes]) -> None:
        """:meth:`set` of each string ``values[i]`` at ``keys[i]``, in order (MSET): one C-level
        ``dict.update`` when no key is watched, waited on or listened to."""
        server = self.server
        if self.watched or self.waiters or self.listeners:
            for key, value in zip(keys, values, strict=True):
                self.set(key, value)
            return
        self.data.update(zip(keys, values, strict=True))
        expires = self.expires
        if expires:
            for key in keys:
                expires.pop(key, None)
        server.dirty += len(keys)

    def add(self, key: bytes, value: Any) -> None:
        """Store a new container created by a command (the key is known to be absent)."""
        self.data[key] = value
        if self.expires:
            self.expires.pop(key, None)
        self.server.loosen(self, key)

    def delete(self, key: bytes) -> bool:
        """Remove ``key``; True if it existed (and had not expired)."""
        if key not in self.data:
            return False
        if self.expires and key in self.expires:
            expired = self.expires.pop(key) <= self.server.now_ms
            del self.data[key]
            if expired:
                self.server.stats.expired_keys += 1
                self.signal_modified(key, "expired")
                return False
        else:
            del self.data[key]
        self.signal_modified(key, "deleted")
        return True

    def pop(self, key: bytes) -> Any:
        """Remove ``key`` and return its value (None if absent or expired)."""
        v = self.lookup_write(key)
        if v is None:
            return None
        del self.data[key]
        if self.expires:
            self.expires.pop(key, None)
        self.signal_modified(key, "deleted")
        return v

    def remove_if_empty(self, key: bytes, value: Any) -> None:
        """Delete a container left empty by a command (Redis never keeps empty containers)."""
        if not value and self.data.get(key) is value:
            del self.data[key]
            if self.expires:
                self.expires.pop(key, None)
            listeners = self.server.registry.key_listeners
            if listeners:  # the command already signalled the change itself
                for callback in listeners:
                    callback("deleted", self.id, key)

    def signal_modified(self, key: bytes, event: str = "written") -> None:
        """Tell the server ``key`` changed: invalidates WATCH, wakes blocked clients, counts dirty.

        Call it exactly once per key per command that modifies it.  ``event`` tells key
        listeners (the ``register_key_listeners`` hook) what happened: ``"written"`` (default),
        ``"deleted"``, ``"expired"``, ``"renamed_from"``, ``"renamed_to"``.
        """
        self.server.dirty += 1
        listeners = self.listeners
        if listeners:
            for callback in listeners:
                callback(event, self.id, key)
        if self.watched:
            clients = self.watched.get(key)
            if clients:
                for c in clients:
                    c.dirty_cas = True
        if self.waiters and key in self.waiters:
            self.server.blocking.signal(self, key)

    def touch_all_watched(self) -> None:
        """Invalidate every WATCH on this database (FLUSHDB, FLUSHALL, SWAPDB)."""
        for key, clients in self.watched.items():
            if key in self.data:
                for c in clients:
                    c.dirty_cas = True

    def flush(self) -> int:
        """Remove every key; returns how many there were."""
        n = len(self.data)
        self.touch_all_watched()
        self.data = {}
        self.expires = {}
        self._heap = []
        self.server.dirty += n
        return n

    # -- expiry ---------------------------------------------------------------------------------

    def _expire(self, key: bytes) -> None:
        del self.data[key]
        del self.expires[key]
        self.server.stats.expired_keys += 1
        self.signal_modified(key, "expired")

    def set_expire(self, key: bytes, when_ms: int) -> None:
        """Set the absolute expiry time of an existing key (does not signal: the caller does)."""
        self.expires[key] = when_ms
        heapq.heappush(self._heap, (when_ms, key))
        if len(self._heap) > 64 and len(self._heap) > 3 * len(self.expires):
            self._heap = [(w, k) for k, w in self.expires.items()]
            heapq.heapify(self._heap)

    def get_expire(self, key: bytes) -> int | None:
        """The absolute expiry time in ms of ``key``, or None if it has no TTL."""
        return self.expires.get(key) if self.expires else None

    def persist(self, key: bytes) -> bool:
        """Remove the TTL of ``key``; True if it had one."""
        return self.expires.pop(key, None) is not None if self.expires else False

    def active_expire(self, now_ms: int, budget: int = ACTIVE_EXPIRE_BATCH) -> int:
        """Remove up to ``budget`` keys whose deadline has passed; returns how many were removed.

        Pops the deadline heap, skipping entries made stale by PERSIST or a newer EXPIRE.
        """
        heap = self._heap
        expires = self.expires
        removed = 0
        while heap and removed < budget and heap[0][0] <= now_ms:
            when, key = heapq.heappop(heap)
            if expires.get(key) == when:
                self._expire(key)
                removed += 1
        return removed

    def next_deadline(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    # -- iteration ------------------------------------------------------------------------------

    def iter_keys(self) -> Iterator[bytes]:
        """Every live key (expired keys are skipped, not removed)."""
        now = self.server.now_ms
        expires = self.expires
        for k in list(self.data):
            if expires:
                w = expires.get(k)
                if w is not None and w <= now:
                    continue
            yield k

    def random_key(self) -> bytes | None:
        """A random live key (expired candidates are removed on the way), or None."""
        for _ in range(100):
            if not self.data:
                return None
            k = random.choice(list(self.data)) if len(self.data) < 64 else self._sample()
            if self.lookup_write(k) is not None:
                return k
        return next(iter(self.iter_keys()), None)

    def _sample(self) -> bytes:
        n = random.randrange(len(self.data))
        for i, k in enumerate(self.data):
            if i == n:
                return k
        raise KeyError("empty")  # pragma: no cover
