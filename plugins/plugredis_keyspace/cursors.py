"""SCAN cursors over a Python dict: one key snapshot per scan in progress.

Redis walks its hash table with a reverse-binary cursor, which survives rehashing.  A Python dict
has no stable bucket order to walk, so plugredis gives the same guarantee another way:

* ``SCAN 0`` takes a snapshot of the database's keys (``list(db.data)``: one C-level copy of the
  key references, no key is copied) and remembers it under a *scan id*;
* the cursor handed to the client is ``(scan_id << 32) | position``: where the next call resumes
  in that snapshot.  Each call examines up to COUNT snapshot entries, skips those that no longer
  hold a live key (deleted or expired), applies MATCH and TYPE, and returns the rest;
* when the position reaches the end of the snapshot the cursor is ``0`` and the snapshot is
  dropped.

Guarantees (those Redis documents): a key present during the whole scan was present when the
snapshot was taken, so it is in the snapshot, and it is still live when the position passes it:
it is returned (exactly once, as long as the client follows the cursors).  A key added during the
scan may or may not be returned (here: it is not); a deleted key is not returned after its
deletion.  The dict may grow, shrink or be rebuilt (FLUSHDB) without affecting this.

Small databases (no more keys than COUNT) are answered in one reply with cursor 0 and no snapshot,
as Redis does.  Snapshots are kept for the :data:`MAX_SCANS` most recently used scans of a server;
a cursor that names no known snapshot (evicted, finished, made up, from another server process, or
for another database) starts a fresh scan of the current database from its beginning: keys may be
returned twice then, never lost.  The cost is one pointer per key per scan in progress, paid by
``SCAN 0``.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any

__all__ = ["MAX_SCANS", "ScanTable", "scan_table"]

#: snapshots kept per server (least recently used first out)
MAX_SCANS = 64
_POS_BITS = 32
_POS_MASK = (1 << _POS_BITS) - 1
_MAX_ID = (1 << 31) - 1


class ScanTable:
    """The scans in progress on one server: scan id -> (database index, key snapshot)."""

    __slots__ = ("next_id", "scans")

    def __init__(self) -> None:
        self.scans: OrderedDict[int, tuple[int, list[bytes]]] = OrderedDict()
        self.next_id = 1

    def _new(self, db_id: int, keys: list[bytes]) -> int:
        sid = self.next_id
        while sid in self.scans:
            sid = sid % _MAX_ID + 1
        self.next_id = sid % _MAX_ID + 1
        self.scans[sid] = (db_id, keys)
        while len(self.scans) > MAX_SCANS:
            self.scans.popitem(last=False)
        return sid

    def batch(self, db: Any, cursor: int, count: int) -> tuple[int, list[bytes]]:
        """The next cursor and the candidate keys (not yet checked for liveness) of one call."""
        data = db.data
        sid = cursor >> _POS_BITS
        pos = cursor & _POS_MASK
        entry = self.scans.get(sid) if cursor else None
        if entry is None or entry[0] != db.id or pos > len(entry[1]):
            # a new scan (or an unknown cursor: start over, duplicates are allowed, losses not)
            if len(data) <= count:
                return 0, list(data)
            keys = list(data)
            sid = self._new(db.id, keys)
            pos = 0
        else:
            keys = entry[1]
            self.scans.move_to_end(sid)
        end = pos + count
        out = keys[pos:end]
        if end >= len(keys):
            self.scans.pop(sid, None)
            return 0, out
        return (sid << _POS_BITS) | end, out


_tables: weakref.WeakKeyDictionary[Any, ScanTable] = weakref.WeakKeyDictionary()


def scan_table(server: Any) -> ScanTable:
    """The scan table of ``server`` (created on first use, gone with the server)."""
    t = _tables.get(server)
    if t is None:
        t = _tables[server] = ScanTable()
    return t
