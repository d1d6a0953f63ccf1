"""A sorted list of ``(score, member)`` tuples with O(log n) positions, for sorted sets.

The elements are kept in chunks of a few hundred (the idea of the ``sortedcontainers`` package,
written again here in a few lines): an insertion or removal shifts at most one chunk, and a
positional lookup finds its chunk by bisecting prefix counts that are rebuilt lazily after
changes.  Redis keeps the same order in its listpacks and skiplists: by score, then by member
bytes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator
from itertools import islice
from typing import Any

__all__ = ["SortedList"]

Entry = tuple[float, bytes]

_LOAD = 256


class SortedList:
    __slots__ = ("_len", "_lists", "_maxes", "_offsets")

    def __init__(self, items: Any = ()) -> None:
        data = sorted(items)
        self._lists: list[list[Entry]] = [data[i : i + _LOAD] for i in range(0, len(data), _LOAD)]
        self._maxes: list[Entry] = [c[-1] for c in self._lists]
        self._len = len(data)
        self._offsets: list[int] | None = None

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Entry]:
        for c in self._lists:
            yield from c

    def __reversed__(self) -> Iterator[Entry]:
        for c in reversed(self._lists):
            yield from reversed(c)

    # -- changes --------------------------------------------------------------------------------

    def add(self, x: Entry) -> None:
        lists = self._lists
        self._offsets = None
        self._len += 1
        if not lists:
            lists.append([x])
            self._maxes.append(x)
            return
        ci = bisect_left(self._maxes, x)
        if ci == len(lists):
            ci -= 1
            lists[ci].append(x)
            self._maxes[ci] = x
        else:
            insort(lists[ci], x)
        c = lists[ci]
        if len(c) > 2 * _LOAD:
            lists[ci : ci + 1] = [c[:_LOAD], c[_LOAD:]]
            self._maxes[ci : ci + 1] = [c[_LOAD - 1], c[-1]]

    def remove(self, x: Entry) -> None:
        ci = bisect_left(self._maxes, x)
        c = self._lists[ci]
        j = bisect_left(c, x)
        del c[j]
        self._offsets = None
        self._len -= 1
        if not c:
            del self._lists[ci]
            del self._maxes[ci]
            return
        self._maxes[ci] = c[-1]
        if len(c) < _LOAD // 4 and len(self._lists) > 1:
            # merge a small chunk into a neighbour
            k = ci - 1 if ci > 0 else ci + 1
            a, b = min(ci, k), max(ci, k)
            merged = self._lists[a] + self._lists[b]
            self._lists[a : b + 1] = [merged]
            self._maxes[a : b + 1] = [merged[-1]]
            if len(merged) > 2 * _LOAD:
                half = len(merged) // 2
                self._lists[a : a + 1] = [merged[:half], merged[half:]]
                self._maxes[a : a + 1] = [merged[half - 1], merged[-1]]

    def delete_range(self, start: int, stop: int) -> list[Entry]:
        """Remove and return the elements at positions ``start <= i < stop``."""
        if start >= stop:
            return []
        start = max(start, 0)
        stop = min(stop, self._len)
        removed: list[Entry] = []
        if start >= stop:
            return removed
        offs = self._offs()
        ci = bisect_right(offs, start) - 1
        lists = self._lists
        pos = offs[ci]
        new_lists: list[list[Entry]] = lists[:ci]
        for c in lists[ci:]:
            lo, hi = max(start - pos, 0), min(stop - pos, len(c))
            pos += len(c)
            if lo < hi:
                removed.extend(c[lo:hi])
                del c[lo:hi]
            if c:
                new_lists.append(c)
        self._lists = new_lists
        self._maxes = [c[-1] for c in new_lists]
        self._len -= len(removed)
        self._offsets = None
        return removed

    # -- positions ------------------------------------------------------------------------------

    def _offs(self) -> list[int]:
        offs = self._offsets
        if offs is None:
            offs = [0]
            total = 0
            for c in self._lists:
                total += len(c)
                offs.append(total)
            self._offsets = offs
        return offs

    def bisect_left(self, x: Any) -> int:
        """The position of the first element ``>= x``."""
        ci = bisect_left(self._maxes, x)
        if ci == len(self._maxes):
            return self._len
        return self._offs()[ci] + bisect_left(self._lists[ci], x)

    def bisect_right(self, x: Any) -> int:
        """The position after the last element ``<= x``."""
        ci = bisect_right(self._maxes, x)
        if ci == len(self._maxes):
            return self._len
        return self._offs()[ci] + bisect_right(self._lists[ci], x)

    def __getitem__(self, i: int) -> Entry:
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError(i)
        if len(self._lists) == 1:
            return self._lists[0][i]
        offs = self._offs()
        ci = bisect_right(offs, i) - 1
        return self._lists[ci][i - offs[ci]]

    def islice(self, start: int, stop: int) -> Iterator[Entry]:
        """The elements at positions ``start <= i < stop``, in order."""
        start = max(start, 0)
        stop = min(stop, self._len)
        if start >= stop:
            return iter(())
        offs = self._offs()
        ci = bisect_right(offs, start) - 1
        return islice(self._iter_from(ci, start - offs[ci]), stop - start)

    def _iter_from(self, ci: int, j: int) -> Iterator[Entry]:
        lists = self._lists
        yield from lists[ci][j:]
        for c in lists[ci + 1 :]:
            yield from c

    def islice_reversed(self, start: int, stop: int) -> Iterator[Entry]:
        """The elements at positions ``start <= i < stop``, last first."""
        start = max(start, 0)
        stop = min(stop, self._len)
        if start >= stop:
            return iter(())
        offs = self._offs()
        ci = bisect_right(offs, stop - 1) - 1
        return islice(self._iter_back(ci, stop - 1 - offs[ci]), stop - start)

    def _iter_back(self, ci: int, j: int) -> Iterator[Entry]:
        lists = self._lists
        c = lists[ci]
        for k in range(j, -1, -1):
            yield c[k]
        for c in reversed(lists[:ci]):
            yield from reversed(c)
