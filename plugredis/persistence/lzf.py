"""LZF, the small LZ77 variant Redis uses for compressed strings in RDB files.

The compressed stream is a sequence of chunks, each starting with a control byte ``c``:

* ``c < 32``: a *literal run*; the next ``c + 1`` bytes are copied as they are;
* otherwise a *back-reference*: ``length = c >> 5`` (if 7, one more byte is added to it),
  then one byte that with ``c & 31`` forms a 13-bit distance; ``length + 2`` bytes are
  copied from ``distance + 1`` bytes back in the output (the regions may overlap, which
  repeats the pattern).

:func:`decompress` is strict: any truncation, a back-reference before the start of the
output or an output length other than the expected one raises :class:`LzfError`.
:func:`compress` produces streams that liblzf (so Redis) decompresses.
"""

from __future__ import annotations

__all__ = ["LzfError", "compress", "decompress"]

_MAX_LITERAL = 32
_MAX_OFFSET = 1 << 13
_MAX_REF = (1 << 8) + (1 << 3)  # longest back-reference: 7 + 255 + 2 = 264


class LzfError(ValueError):
    """A corrupt or truncated LZF stream."""


def decompress(data: bytes | bytearray | memoryview, expected_length: int) -> bytes:
    """Decompress an LZF stream that must expand to exactly ``expected_length`` bytes."""
    src = bytes(data)
    n = len(src)
    out = bytearray()
    ip = 0
    while ip < n:
        ctrl = src[ip]
        ip += 1
        if ctrl < 32:
            run = ctrl + 1
            if ip + run > n:
                raise LzfError("LZF literal run past the end of the input")
            out += src[ip : ip + run]
            ip += run
        else:
            length = ctrl >> 5
            if length == 7:
                if ip >= n:
                    raise LzfError("LZF back-reference truncated")
                length += src[ip]
                ip += 1
            if ip >= n:
                raise LzfError("LZF back-reference truncated")
            distance = ((ctrl & 0x1F) << 8) + src[ip] + 1
            ip += 1
            length += 2
            start = len(out) - distance
            if start < 0:
                raise LzfError("LZF back-reference before the start of the output")
            if distance >= length:
                out += out[start : start + length]
            else:
                pattern = out[start:]
                reps = length // distance + 1
                out += (pattern * reps)[:length]
        if len(out) > expected_length:
            raise LzfError(f"LZF output longer than the expected {expected_length} bytes")
    if len(out) != expected_length:
        raise LzfError(
            f"LZF output is {len(out)} bytes, expected {expected_length}",
        )
    return bytes(out)


def compress(data: bytes | bytearray | memoryview) -> bytes:
    """Compress ``data`` into an LZF stream (empty input gives an empty stream).

    Greedy matching on 3-byte prefixes with a most-recent-position dictionary, as liblzf
    does.  The output can be larger than the input for incompressible data; callers
    (like Redis) store the raw string when compression does not pay.
    """
    src = bytes(data)
    n = len(src)
    out = bytearray()
    last_seen: dict[bytes, int] = {}
    lit_start = 0  # start of the pending literal run
    ip = 0

    def flush_literals(end: int) -> None:
        pos = lit_start
        while pos < end:
            run = min(_MAX_LITERAL, end - pos)
            out.append(run - 1)
            out.extend(src[pos : pos + run])
            pos += run

    limit = n - 2  # a match needs three bytes
    while ip < limit:
        key = src[ip : ip + 3]
        ref = last_seen.get(key)
        last_seen[key] = ip
        if ref is not None and ip - ref <= _MAX_OFFSET:
            max_len = min(_MAX_REF, n - ip)
            length = 3
            # Extend the match; compare in slices first, then byte-wise.
            while (
                length + 16 <= max_len
                and src[ref + length : ref + length + 16] == src[ip + length : ip + length + 16]
            ):
                length += 16
            while length < max_len and src[ref + length] == src[ip + length]:
                length += 1
            flush_literals(ip)
            distance = ip - ref - 1
            code = length - 2
            if code < 7:
                out.append((code << 5) | (distance >> 8))
            else:
                out.append((7 << 5) | (distance >> 8))
                out.append(code - 7)
            out.append(distance & 0xFF)
            # Index a couple of positions inside the match, like liblzf, then skip it.
            end = ip + length
            for pos in (end - 2, end - 1):
                if pos + 3 <= n and pos > ip:
                    last_seen[src[pos : pos + 3]] = pos
            ip = end
            lit_start = ip
        else:
            ip += 1
    flush_literals(n)
    return bytes(out)
