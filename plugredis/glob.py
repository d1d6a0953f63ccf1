"""Redis-exact glob matching on bytes (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE, ...).

The semantics are those of Redis 7.0's pattern matcher, quirks included:

* ``*`` matches any run of bytes, including an empty one; consecutive stars act as one.
* ``?`` matches exactly one byte.
* ``[...]`` matches one byte from a class; ``[^...]`` negates it.  Inside a class:

  - ``\\x`` is the literal ``x`` and is compared *case-sensitively* even when ``nocase`` is set;
  - ``a-z`` is a range; a reversed range (``[z-a]``) matches as if its ends were swapped.  Range
    ends compare as C ``signed char`` values (x86), so ``[a-\\xff]`` covers ``-1..97``: it matches
    ``\\xff`` and ``A`` but not ``\\x80``.  With ``nocase`` the ends are swapped first and
    lower-cased afterwards, so ``[Z-n]`` matches nothing at all;
  - the byte after a range start is taken as the range end even when it is ``]``: ``[a-]`` is the
    range ``]..a`` and the class goes on after it (``[a-]b]`` also matches ``b``);
  - ``[]`` is an empty class (matches nothing) and ``[^]`` matches any byte;
  - a class that is never closed ends at the end of the pattern (``[ab`` is ``[ab]``, a lone
    ``[`` matches nothing, ``[^`` matches any byte, ``[\\]`` matches ``]``).

* ``\\x`` outside a class is the literal ``x``; a trailing lone backslash is a literal backslash.
* ``nocase`` folds ASCII letters only (C locale ``tolower``).
* A non-empty pattern never matches the empty string, not even ``*`` (KEYS and SCAN special-case a
  pattern that is exactly ``*`` before matching, so ``KEYS *`` does list the key ``""`` while
  ``KEYS **`` does not: callers that want this must check ``pattern == b"*"`` themselves).  The
  empty pattern matches only the empty string.
* Redis gives up on patterns whose star groups nest too deep: a pattern with more than
  :data:`STAR_NESTING_LIMIT` groups of stars that are followed by something else matches nothing.

API:

* :func:`glob_match` -- one-shot match by a direct interpreter (no regex, no caching);
* :func:`compile_glob` -- a cached, fast ``Callable[[bytes], bool]`` for repeated use (plain
  equality / ``startswith`` / ``endswith`` where the pattern allows it, otherwise a compiled
  ``re`` pattern that never backtracks catastrophically);
* :func:`is_plain` -- True when the pattern has no special byte, so it matches exactly itself and a
  command like KEYS may do a direct dictionary lookup instead of a scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import TypeAlias

__all__ = ["STAR_NESTING_LIMIT", "compile_glob", "glob_match", "is_plain"]

#: Redis stops matching (answers "no match") beyond this many nested star groups.
STAR_NESTING_LIMIT = 1000

_STAR = ord("*")
_QUESTION = ord("?")
_OPEN = ord("[")
_CLOSE = ord("]")
_CARET = ord("^")
_DASH = ord("-")
_BACKSLASH = ord("\\")

_SPECIAL = re.compile(rb"[*?\[\\]")

#: What the public functions accept as a pattern (or a string, for :func:`glob_match`).
BytesLike: TypeAlias = bytes | bytearray | memoryview

# A "table" is a 256-byte ``bytes``: table[c] is 1 when the single-byte token matches byte c.
Table: TypeAlias = bytes
# A token is a table (matches one byte) or None (a group of stars).
Token: TypeAlias = Table | None

_ANY: Table = b"\x01" * 256
_UPPER = range(ord("A"), ord("Z") + 1)


def _signed(b: int) -> int:
    """The value of byte ``b`` as a C ``signed char`` (how Redis compares range ends)."""
    return b - 256 if b >= 128 else b


def _lower(v: int) -> int:
    """C-locale ``tolower`` on a (possibly negative) char value."""
    return v + 32 if ord("A") <= v <= ord("Z") else v


@cache
def _literal_table(b: int, fold: bool) -> Table:
    t = bytearray(256)
    t[b] = 1
    if fold:
        if ord("A") <= b <= ord("Z"):
            t[b + 32] = 1
        elif ord("a") <= b <= ord("z"):
            t[b - 32] = 1
    return bytes(t)


def _add_signed_range(t: bytearray, lo: int, hi: int) -> None:
    """Mark every byte whose signed-char value lies in ``lo..hi`` (both ends included)."""
    if lo > hi:
        return
    if lo < 0:  # negative values are the bytes 0x80..0xff
        neg_hi = min(hi, -1)
        t[lo + 256 : neg_hi + 257] = b"\x01" * (neg_hi - lo + 1)
    if hi >= 0:
        pos_lo = max(lo, 0)
        t[pos_lo : hi + 1] = b"\x01" * (hi - pos_lo + 1)


def _range_into(t: bytearray, start: int, end: int, nocase: bool) -> None:
    lo, hi = _signed(start), _signed(end)
    if lo > hi:
        lo, hi = hi, lo
    if not nocase:
        _add_signed_range(t, lo, hi)
        return
    # Redis lower-cases both ends (after the swap) and the subject byte: byte c matches when
    # lower(c) is in lower(lo)..lower(hi).  For non-letters lower(c) == c.
    lo, hi = _lower(lo), _lower(hi)
    r = bytearray(256)
    _add_signed_range(r, lo, hi)
    for c in _UPPER:
        r[c] = r[c + 32]  # an upper-case letter matches as its lower-case form
    for c in range(256):
        if r[c]:
            t[c] = 1


def _parse_class(pattern: bytes, i: int, nocase: bool) -> tuple[Table, int]:
    """Parse the class whose ``[`` is at ``pattern[i - 1]``; return its table and the next index."""
    n = len(pattern)
    negate = i < n and pattern[i] == _CARET
    if negate:
        i += 1
    t = bytearray(256)
    while i < n:
        c = pattern[i]
        if c == _BACKSLASH and i + 1 < n:
            t[pattern[i + 1]] = 1  # escaped: literal and always case-sensitive
            i += 2
        elif c == _CLOSE:
            i += 1
            break
        elif i + 2 < n and pattern[i + 1] == _DASH:
            # The byte after '-' is the range end whatever it is (even ']' or '\').
            _range_into(t, c, pattern[i + 2], nocase)
            i += 3
        else:
            if nocase:
                for b, v in enumerate(_literal_table(c, True)):
                    if v:
                        t[b] = 1
            else:
                t[c] = 1
            i += 1
    # Falling off the end of the pattern closes the class.
    if negate:
        t = bytearray(1 - v for v in t)
    return bytes(t), i


def _tokenize(pattern: bytes, nocase: bool) -> tuple[tuple[Token, ...], int]:
    """Split ``pattern`` into tokens; also count the star groups followed by another token."""
    tokens: list[Token] = []
    n = len(pattern)
    i = 0
    while i < n:
        c = pattern[i]
        if c == _STAR:
            while i < n and pattern[i] == _STAR:
                i += 1
            tokens.append(None)
        elif c == _QUESTION:
            tokens.append(_ANY)
            i += 1
        elif c == _OPEN:
            table, i = _parse_class(pattern, i + 1, nocase)
            tokens.append(table)
        else:
            if c == _BACKSLASH and i + 1 < n:
                i += 1
                c = pattern[i]
            tokens.append(_literal_table(c, nocase))  # outside a class, escapes fold too
            i += 1
    inner_stars = sum(1 for tok in tokens if tok is None)
    if tokens and tokens[-1] is None:
        inner_stars -= 1
    return tuple(tokens), inner_stars


def _run(tokens: tuple[Token, ...], string: bytes) -> bool:
    """Match by the classic two-pointer walk, backtracking only to the latest star."""
    n = len(string)
    m = len(tokens)
    if n == 0:
        return m == 0
    ti = si = 0
    star_ti = -1  # token index just after the latest star group
    star_si = 0  # string index that star group's match currently ends at
    while si < n:
        if ti < m:
            tok = tokens[ti]
            if tok is None:
                if ti + 1 == m:
                    return True  # trailing star: takes the rest
                ti += 1
                star_ti, star_si = ti, si
                continue
            if tok[string[si]]:
                ti += 1
                si += 1
                continue
        if star_ti < 0:
            return False
        star_si += 1
        si, ti = star_si, star_ti
    while ti < m and tokens[ti] is None:
        ti += 1
    return ti == m


def glob_match(pattern: BytesLike, string: BytesLike, nocase: bool = False) -> bool:
    """Does ``string`` match the Redis glob ``pattern``?  (Redis 7.0 ``stringmatchlen``.)"""
    tokens, inner_stars = _tokenize(bytes(pattern), nocase)
    if inner_stars > STAR_NESTING_LIMIT:
        return False
    return _run(tokens, bytes(string))


def is_plain(pattern: BytesLike) -> bool:
    """True if ``pattern`` has no special byte (``* ? [ \\``): it matches exactly itself."""
    return _SPECIAL.search(pattern) is None


def _regex_for(table: Table) -> bytes:
    members = [b for b in range(256) if table[b]]
    if len(members) == 256:
        return b"."  # compiled with DOTALL
    if not members:
        return b"(?!)"
    if len(members) == 1:
        return re.escape(bytes(members))
    negate = len(members) > 128
    if negate:
        members = [b for b in range(256) if not table[b]]
    parts: list[bytes] = []
    j = 0
    while j < len(members):
        k = j
        while k + 1 < len(members) and members[k + 1] == members[k] + 1:
            k += 1
        if k == j:
            parts.append(b"\\x%02x" % members[j])
        else:
            parts.append(b"\\x%02x-\\x%02x" % (members[j], members[k]))
        j = k + 1
    return b"[" + (b"^" if negate else b"") + b"".join(parts) + b"]"


def _never(string: bytes) -> bool:
    return False


def _build(pattern: bytes, nocase: bool) -> Callable[[bytes], bool]:
    tokens, inner_stars = _tokenize(pattern, nocase)
    if inner_stars > STAR_NESTING_LIMIT:
        return _never
    if not tokens:
        return lambda s: s == b""

    # Segments of single-byte tokens, separated by star groups.
    segments: list[list[Table]] = [[]]
    for tok in tokens:
        if tok is None:
            segments.append([])
        else:
            segments[-1].append(tok)
    trailing_star = tokens[-1] is None

    def literal(seg: list[Table]) -> bytes | None:
        out = bytearray()
        for table in seg:
            if table.count(1) != 1:
                return None
            out.append(table.index(1))
        return bytes(out)

    # Fast paths; a non-empty literal also rejects the empty string, as Redis does.
    if len(segments) == 1:
        whole = literal(segments[0])
        if whole is not None:
            return lambda s: s == whole
    elif len(segments) == 2:
        head, tail = segments
        if not tail:  # "head*"
            if not head:
                return bool  # only stars: any non-empty string
            prefix = literal(head)
            if prefix is not None:
                return lambda s: s.startswith(prefix)
        elif not head:  # "*tail"
            suffix = literal(tail)
            if suffix is not None:
                return lambda s: s.endswith(suffix)
    elif len(segments) == 3 and not segments[0] and not segments[2]:  # "*middle*"
        middle = literal(segments[1])
        if middle is not None:
            return lambda s: middle in s

    # General case.  Each star followed by an inner segment becomes an atomic lazy group: taking
    # the leftmost occurrence of the segment is always enough for a glob (segments have a fixed
    # length and stars are unconstrained), and atomicity keeps the regex engine from retrying
    # the other ones, so matching stays polynomial (no catastrophic backtracking).
    def seg_re(seg: list[Table]) -> bytes:
        return b"".join(_regex_for(t) for t in seg)

    parts = [seg_re(segments[0])]
    for seg in segments[1:-1]:
        parts.append(b"(?>.*?" + seg_re(seg) + b")")
    if len(segments) > 1:
        parts.append(b".*" if trailing_star else b".*" + seg_re(segments[-1]))
    try:
        fullmatch = re.compile(b"".join(parts), re.DOTALL).fullmatch
    except (re.error, RecursionError, OverflowError):  # pragma: no cover - absurd patterns
        return lambda s: _run(tokens, s)
    return lambda s: bool(s) and fullmatch(s) is not None


@lru_cache(maxsize=4096)
def _compile_cached(pattern: bytes, nocase: bool) -> Callable[[bytes], bool]:
    return _build(pattern, nocase)


def compile_glob(pattern: BytesLike, nocase: bool = False) -> Callable[[bytes], bool]:
    """A matcher equivalent to ``lambda s: glob_match(pattern, s, nocase)``, built for speed.

    Matchers are cached per ``(pattern, nocase)``; the returned function takes ``bytes``.
    """
    return _compile_cached(bytes(pattern), bool(nocase))
