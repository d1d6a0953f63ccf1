"""Sans-IO RESP codec: the request parser and the reply encoder.

Nothing here knows about sockets or asyncio (the asyncpg ``CoreProtocol`` idea): the protocol
module feeds bytes in and gets requests out, and hands reply values in and gets bytes out.

Requests
    Clients send either *multibulk* frames (``*1\\r\\n$4\\r\\nPING\\r\\n``), parsed at C speed
    by ``hiredis.Reader``, or *inline* commands (``PING\\r\\n``, as typed into telnet), parsed
    here.  A frame that starts with ``*`` is multibulk; anything else starts an inline line, exactly
    as Redis decides (``processInputBuffer``).

    hiredis is a *reply* parser, so it accepts things Redis refuses in a request (integers,
    nested arrays, negative lengths it reports its own way) and it cannot tell us where a frame
    ended.  We only need positions in rare cases (a frame cut by the end of a read, or a protocol
    error), and for those we compute them: a well-formed request has exactly one encoding, so its
    length follows from its arguments (:func:`frame_length`).  Redis itself refuses non-canonical
    numbers such as ``$03``, so canonical lengths are exact for every request Redis would accept.

Replies
    Handlers return plain Python values; :func:`encode` turns them into RESP2 or RESP3 bytes with
    the shapes Redis uses (a :class:`Map` is a flat array in RESP2, a :class:`Double` a bulk string,
    ``None`` the null bulk ``$-1`` in RESP2 and ``_`` in RESP3, :data:`NULL_ARRAY` the ``*-1`` that
    BLPOP and friends send in RESP2).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable
from itertools import repeat
from operator import is_
from typing import Any

import hiredis

from ._cext import speedups as _c

# the optional C helpers (plugredis/_speedups.c); pure-Python twins below
_c_bulk_array = _c.bulk_array if _c is not None else None
_c_parse_inline = _c.parse_inline if _c is not None else None
_c_parse_requests = _c.parse_requests if _c is not None else None

__all__ = [
    "NULL_ARRAY",
    "OK",
    "QUEUED",
    "Double",
    "Error",
    "Map",
    "NullArray",
    "ProtocolError",
    "Push",
    "RequestParser",
    "RespSet",
    "SimpleString",
    "Verbatim",
    "encode",
    "encode_into",
    "encode_request",
    "frame_length",
    "split_args",
]

# ---------------------------------------------------------------------------------------------
# Limits (Redis's defaults)
# ---------------------------------------------------------------------------------------------

PROTO_MAX_BULK_LEN = 512 * 1024 * 1024
CLIENT_MAX_QUERYBUF_LEN = 1024 * 1024 * 1024
PROTO_INLINE_MAX_SIZE = 64 * 1024
INT_MAX = 2**31 - 1


class ProtocolError(Exception):
    """A request Redis would refuse; the connection gets ``-ERR Protocol error: <msg>`` and closes.

    ``reply`` is False for the cases where Redis closes silently (query buffer overflow).
    """

    def __init__(self, msg: str, reply: bool = True) -> None:
        super().__init__(msg)
        self.msg = msg
        self.reply = reply


# ---------------------------------------------------------------------------------------------
# Inline commands
# ---------------------------------------------------------------------------------------------

_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}
_HEX = b"0123456789abcdefABCDEF"


def split_args(line: bytes) -> list[bytes] | None:
    """Split an inline command line into arguments the way Redis does (``sdssplitargs``).

    Double quotes allow ``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\a`` and ``\\xHH`` escapes; single
    quotes allow only ``\\'``.  A closing quote must be followed by a space or the end of the
    line.  Returns ``None`` for unbalanced quotes.
    """
    args: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in b" \n\r\t\v\f\x00":
            i += 1
        if i >= n:
            return args
        cur = bytearray()
        inq = insq = False
        while True:
            if inq:
                if i >= n:
                    return None
                c = line[i]
                if (
                    c == 0x5C
                    and i + 3 < n
                    and line[i + 1] == ord("x")
                    and line[i + 2] in _HEX
                    and line[i + 3] in _HEX
                ):
                    cur.append(int(line[i + 2 : i + 4], 16))
                    i += 3
                elif c == 0x5C and i + 1 < n:
                    i += 1
                    cur.append(_ESCAPES.get(line[i], line[i]))
                elif c == 0x22:
                    if i + 1 < n and line[i + 1] not in b" \n\r\t\v\f\x00":
                        return None
                    i += 1
                    break
                else:
                    cur.append(c)
            elif insq:
                if i >= n:
                    return None
                c = line[i]
                if c == 0x5C and i + 1 < n and line[i + 1] == 0x27:
                    i += 1
                    cur.append(0x27)
                elif c == 0x27:
                    if i + 1 < n and line[i + 1] not in b" \n\r\t\v\f\x00":
                        return None
                    i += 1
                    break
                else:
                    cur.append(c)
            else:
                if i >= n:
                    break
                c = line[i]
                if c in b" \n\r\t\v\f\x00":
                    break
                if c == 0x22:
                    inq = True
                elif c == 0x27:
                    insq = True
                else:
                    cur.append(c)
            i += 1
        args.append(bytes(cur))


# ---------------------------------------------------------------------------------------------
# Multibulk frames in pure Python (rare paths only: cut frames, errors, suspicious input)
# ---------------------------------------------------------------------------------------------

#: plugredis refuses multibulk counts above this (Redis allows up to INT_MAX, but reads lazily;
#: hiredis would allocate the whole list up front, so a huge count must never reach it).
MAX_MULTIBULK = 1024 * 1024

#: Reads where these match take a careful path (C-speed scans per read):
#:
#: - a multibulk count of 7+ digits must be checked before hiredis sees it (hiredis allocates
#:   the whole list when it reads the count): :data:`_HUGE_COUNT`, parsed by the exact parser;
#: - a line starting with ``+``, ``(``, ``=``, ``~`` or ``|`` (:data:`_LAX_HEADER`, looked for
#:   only when one of these bytes occurs) may be a header that hiredis reads as a string or a
#:   plain list although Redis refuses it as an element (``expected '$', got '+'``) or reads a
#:   frame starting with it as an inline command; far more often it is an argument such as
#:   ``+inf`` or ``(1``, so these reads are parsed by hiredis and then checked against the
#:   canonical encoding of what it returned.
#:
#: Huge bulk lengths need no such check: a frame announcing one is necessarily cut by the end of
#: the read, and the scanner of cut frames checks its headers before any more of it reaches
#: hiredis.
_HUGE_COUNT = re.compile(rb"\*\d{7}")
_LAX_HEADER = re.compile(rb"\n[+(=~|]")


def _digits(n: int) -> int:
    return len(str(n))


def encode_request(req: list[bytes]) -> bytes:
    """The one canonical multibulk encoding of ``req`` (what redis-cli and clients send)."""
    return b"*%d\r\n" % len(req) + b"".join([b"$%d\r\n%s\r\n" % (len(a), a) for a in req])


def frame_length(req: list[bytes]) -> int:
    """Length in bytes of the one canonical multibulk encoding of ``req``."""
    total = 3 + _digits(len(req))
    for a in req:
        la = len(a)
        total += 5 + _digits(la) + la
    return total


def _strict_int(s: bytes) -> int | None:
    """Parse like Redis's ``string2ll``: no sign '+', no leading zeros, no spaces."""
    if not s or len(s) > 20:
        return None
    if s == b"0":
        return 0
    body = s[1:] if s[:1] == b"-" else s
    if not body or not body.isdigit() or body[:1] == b"0":
        return None
    v = int(s)
    if not -(2**63) <= v < 2**63:
        return None
    return v


class FrameScanner:
    """Follows one multibulk frame across reads, checking every header as Redis does.

    ``feed(data, pos)`` consumes bytes from ``pos`` and returns the offset just past the end of
    the frame, or None if the frame goes on; a bad header sets ``error`` (Redis's message).
    With ``collect=True`` it also gathers the arguments in ``args``.  Payloads are skipped by
    arithmetic, so following a large value costs nothing per byte.
    """

    __slots__ = ("args", "collect", "error", "hdr", "left", "max_bulk", "need", "parts")

    def __init__(self, collect: bool = False, max_bulk: int = PROTO_MAX_BULK_LEN) -> None:
        self.collect = collect
        self.max_bulk = max_bulk
        self.left = -1  # elements still to read; -1 before the count line
        self.need = 0  # payload bytes (CRLF included) still to skip
        self.hdr = b""  # an incomplete header line
        self.parts: list[bytes] = []
        self.args: list[bytes] = []
        self.error: str | None = None

    def feed(self, data: bytes, pos: int = 0) -> int | None:
        n = len(data)
        while True:
            if self.need:
                take = min(self.need, n - pos)
                if self.collect:
                    self.parts.append(data[pos : pos + take])
                self.need -= take
                pos += take
                if self.need:
                    return None
                if self.collect:  # the payload and the 2 bytes after it (CRLF, unchecked)
                    parts = self.parts
                    last = parts[-1]
                    if len(last) >= 2:
                        parts[-1] = last[:-2]
                        self.args.append(parts[0] if len(parts) == 1 else b"".join(parts))
                    else:
                        self.args.append(b"".join(parts)[:-2])
                    self.parts = []
                self.left -= 1
                if self.left == 0:
                    return pos
                continue
            # a header line: Redis looks for '\r' and then skips one more byte
            if self.hdr.endswith(b"\r"):  # the line ended with the last read: skip one byte
                if pos >= n:
                    return None
                line = self.hdr[:-1]
                pos += 1
            else:
                cr = data.find(b"\r", pos)
                if cr < 0 or cr + 1 >= n:
                    self.hdr += data[pos:]
                    if len(self.hdr) > PROTO_INLINE_MAX_SIZE:
                        self.error = (
                            "too big mbulk count string"
                            if self.left < 0
                            else "too big bulk count string"
                        )
                    return None
                line = self.hdr + data[pos:cr]
                pos = cr + 2
            self.hdr = b""
            if self.left < 0:
                count = _strict_int(line[1:])
                if count is None or count > INT_MAX or count > MAX_MULTIBULK:
                    self.error = "invalid multibulk length"
                    return None
                if count <= 0:
                    self.left = 0
                    return pos
                self.left = count
                continue
            if line[:1] != b"$":
                self.error = f"expected '$', got '{chr(line[0]) if line else chr(13)}'"
                return None
            ln = _strict_int(line[1:])
            if ln is None or ln < 0 or ln > self.max_bulk:
                self.error = "invalid bulk length"
                return None
            self.need = ln + 2


_is_bytes = bytes.__instancecheck__
_chain = itertools.chain.from_iterable


# ---------------------------------------------------------------------------------------------
# The request parser
# ---------------------------------------------------------------------------------------------


class RequestParser:
    """Turns the bytes a client sends into a list of requests (each a ``list[bytes]``).

    Usage: ``reqs = parser.feed(data)``; then, if ``parser.error`` is set, reply with it and close
    the connection after the replies to ``reqs`` (Redis runs the good commands before the bad one).

    The fast path hands each read to hiredis.  Exact bookkeeping of frame boundaries happens only
    when a read does not end at one: then the open frame is followed by a :class:`FrameScanner`,
    so a bad header is answered at once, as Redis does, instead of waiting for data.
    """

    __slots__ = ("_cut_len", "_inline", "_reader", "_scanner", "error", "max_bulk", "max_query")

    def __init__(
        self, max_bulk: int = PROTO_MAX_BULK_LEN, max_query: int = CLIENT_MAX_QUERYBUF_LEN
    ) -> None:
        self._reader = hiredis.Reader()
        #: bytes of the frame currently cut by the end of a read (0: at a frame boundary)
        self._cut_len = 0
        #: follows the cut frame's headers
        self._scanner: FrameScanner | None = None
        #: an incomplete inline line
        self._inline = b""
        self.error: ProtocolError | None = None
        self.max_bulk = max_bulk
        self.max_query = max_query

    def feed(self, data: bytes) -> list[list[bytes]]:
        out: list[list[bytes]] = []
        if self.error is not None or not data:
            return out
        if self._cut_len:
            data = self._continue_cut(data, out)
            if not data or self.error is not None:
                return out
        # At a frame boundary, anything but '*' starts an inline command.  ('$' goes to hiredis:
        # it returns a string, and the exact parser re-reads it as inline, as Redis would.)
        if self._inline or data[:1] not in (b"*", b"$"):
            data = self._feed_inline(self._inline + data, out)
            if not data or self.error is not None:
                return out
        self._feed_multibulk(data, out)
        return out

    def _continue_cut(self, data: bytes, out: list[list[bytes]]) -> bytes:
        """Go on with a frame cut by the previous read; return the bytes after its end."""
        scanner = self._scanner
        assert scanner is not None
        end = scanner.feed(data)  # Redis's own reading: checks every header, collects the args
        if scanner.error is not None:
            self.error = ProtocolError(scanner.error)
            return b""
        if end is None:
            self._cut_len += len(data)
            if self._cut_len > self.max_query:
                self.error = ProtocolError("max query buffer length reached", reply=False)
            return b""
        if scanner.args:  # (a "*-5" or "*0" frame has none: Redis ignores it)
            out.append(scanner.args)
        self._cut_len = 0
        self._scanner = None
        return data[end:]

    # -- inline ---------------------------------------------------------------------------------

    def _feed_inline(self, data: bytes, out: list[list[bytes]]) -> bytes:
        """Parse inline lines from ``data`` until a ``*`` starts a frame; return what is left.

        Where the C helpers were built, ``parse_inline`` first takes the plain lines (no quotes,
        no NUL) and this loop goes on from where it stopped."""
        pos = 0
        n = len(data)
        if _c_parse_inline is not None:
            reqs, pos = _c_parse_inline(data, PROTO_INLINE_MAX_SIZE)
            out += reqs
        while pos < n:
            if data[pos] == 0x2A:  # '*': back to multibulk
                self._inline = b""
                return data[pos:]
            nl = data.find(b"\n", pos)
            nul = data.find(b"\x00", pos, nl if nl >= 0 else n)
            if nl < 0 or nul >= 0:  # Redis's strchr() stops at a NUL byte: no line yet
                if n - pos > PROTO_INLINE_MAX_SIZE:
                    self.error = ProtocolError("too big inline request")
                    return b""
                self._inline = data[pos:]
                return b""
            line = data[pos:nl]
            pos = nl + 1
            if len(line) > PROTO_INLINE_MAX_SIZE:
                self.error = ProtocolError("too big inline request")
                return b""
            # Lines without quotes split like bytes.split() (C isspace); quotes need the parser.
            args = line.split() if b'"' not in line and b"'" not in line else split_args(line)
            if args is None:
                self.error = ProtocolError("unbalanced quotes in request")
                return b""
            if args:
                out.append(args)
        self._inline = b""
        return b""

    # -- multibulk: the fast path ---------------------------------------------------------------

    def _feed_multibulk(self, data: bytes, out: list[list[bytes]]) -> None:
        """Parse a read that starts at a frame boundary: hiredis, then checks per read.

        hiredis is stricter than Redis on every length and laxer only on element and frame
        types, so the read holds exactly the requests Redis sees when (1) every frame hiredis
        returns is a non-empty list of ``bytes`` (one C-speed pass over all arguments), (2) no
        header is one that hiredis reads as a string or a plain list where Redis does not
        (``+``, ``(``, ``=``, ``~``, ``|``: the regex guard, or a re-encoding check when the
        guard fires), and (3) the read ends where
        the last frame ends (a probe frame hiredis must return as a fresh ``[]``).  A read of one
        frame (the usual unpipelined request) is instead checked in one go: it must be the
        canonical encoding of what hiredis returned.  Anything else (``*0``, ``*-1``, inline
        commands after frames, bad elements) is parsed again by :meth:`_exact`, which is Redis's
        parser written out.

        Where the C helpers were built, ``parse_requests`` first reads the reads made only of
        canonical frames (what clients send) in one call, and leaves every other read to this
        path.
        """
        if _c_parse_requests is not None:
            done = _c_parse_requests(data, self.max_bulk)
            if done is not None:
                reqs, end = done
                out += reqs
                if end < len(data):  # the frame at ``end`` is cut by the end of the read
                    self._start_cut(data, end)
                return
        if _HUGE_COUNT.search(data) is not None:
            self._exact(data, 0, out)
            return
        reader = self._reader
        reader.feed(data)
        first = len(out)
        gets = reader.gets
        append = out.append
        try:
            req = gets()
            while req is not False:
                append(req)
                req = gets()
        except hiredis.ProtocolError:
            self._redo(data, out, first)
            return
        new = out[first:] if first else out
        if not new:  # no frame ended in this read
            self._start_cut(data, 0)
            return
        if len(new) == 1 and new[0]:
            try:
                if encode_request(new[0]) == data:
                    return
            except TypeError:  # an element is not bytes
                pass
        if not (
            all(map(is_, map(type, new), repeat(list)))
            and all(new)
            and all(map(_is_bytes, _chain(new)))
        ):  # not only plain requests: let the exact parser sort them out
            self._redo(data, out, first)
            return
        if (
            b"+" in data or b"(" in data or b"=" in data or b"~" in data or b"|" in data
        ) and _LAX_HEADER.search(data):
            # an argument (or a header) starts with '+', '(', '=', '~' or '|': check every frame
            done = b"".join(map(encode_request, new))
            if not data.startswith(done):
                self._redo(data, out, first)
                return
            end = len(done)
            if end < len(data):  # and a frame is cut
                self._start_cut(data, end)
            return
        # Did the read end where the last frame ends?  At a frame boundary hiredis returns the
        # probe as a new empty list; inside a frame it returns something else (or nothing).
        reader.feed(b"*0\r\n")
        try:
            probe = gets()
        except hiredis.ProtocolError:
            probe = None
        if type(probe) is list and not probe:
            return
        # A frame is cut: start again from just after the last whole one (every frame is
        # canonical here, so its length follows from its arguments).
        start = self._offset_after(out, first)
        self._start_cut(data, start)

    def _redo(self, data: bytes, out: list[list[bytes]], first: int) -> None:
        """hiredis's reading of this read is not Redis's: parse it again exactly."""
        del out[first:]
        self._reader = hiredis.Reader()
        self._exact(data, 0, out)

    def _offset_after(self, out: list[list[bytes]], first: int) -> int:
        """Offset in the current read just after its frames ``out[first:]`` (all canonical)."""
        return sum(map(frame_length, out[first:]))

    def _start_cut(self, data: bytes, start: int) -> None:
        """The frame at ``data[start:]`` is cut by the end of the read: follow it (headers
        checked, arguments collected) until it ends, exactly as Redis reads it.  hiredis only
        ever reads whole reads: whatever it was fed of this one is dropped."""
        self._reader = hiredis.Reader()
        scanner = FrameScanner(collect=True, max_bulk=self.max_bulk)
        scanner.feed(data, start)
        self._scanner = scanner
        self._cut_len = len(data) - start
        if scanner.error is not None:
            self.error = ProtocolError(scanner.error)

    # -- multibulk: exact paths -----------------------------------------------------------------

    def _exact(self, data: bytes, pos: int, out: list[list[bytes]]) -> None:
        """Parse ``data[pos:]`` from a frame boundary in pure Python, exactly as Redis."""
        n = len(data)
        while pos < n:
            if data[pos] != 0x2A:
                rest = self._feed_inline(data[pos:], out)
                if not rest or self.error is not None:
                    return
                data, pos, n = rest, 0, len(rest)
                continue
            scanner = FrameScanner(collect=True, max_bulk=self.max_bulk)
            end = scanner.feed(data, pos)
            if scanner.error is not None:
                self.error = ProtocolError(scanner.error)
                return
            if end is None:  # a cut frame whose headers so far are fine: follow it
                self._scanner = scanner
                self._cut_len = n - pos
                return
            if scanner.args:
                out.append(scanner.args)
            pos = end


# ---------------------------------------------------------------------------------------------
# Reply types
# ---------------------------------------------------------------------------------------------


class SimpleString(bytes):
    """A status reply: ``+OK``."""

    __slots__ = ()


class Error(bytes):
    """An error reply value (``-ERR ...``), for errors inside arrays (EXEC) or returned directly."""

    __slots__ = ()


class Double(float):
    """A double: ``,1.5`` in RESP3, a bulk string in RESP2 (formatted ``%.17g`` as Redis 7.0)."""

    __slots__ = ()


class Map(dict):  # type: ignore[type-arg,unused-ignore]
    """A map: ``%n`` in RESP3, a flat array of key, value, ... in RESP2."""


class RespSet(list):  # type: ignore[type-arg,unused-ignore]
    """A set: ``~n`` in RESP3, an array in RESP2."""


class Push(list):  # type: ignore[type-arg,unused-ignore]
    """An out-of-band push (pub/sub messages): ``>n`` in RESP3, an array in RESP2."""


class PartialArray(list):  # type: ignore[type-arg,unused-ignore]
    """An array whose header counts ``length`` elements though fewer follow (no header at all
    when ``length`` is None).

    EXEC writes one under CLIENT REPLY: Redis writes the header before it runs the commands
    (unless replies are off then), and then only the replies made while replies are on.
    """

    __slots__ = ("length",)

    def __init__(self, items: list[Any], length: int | None) -> None:
        super().__init__(items)
        self.length = length


class Verbatim(bytes):
    """A verbatim string (``=len\\r\\ntxt:...``) in RESP3, a bulk string in RESP2."""

    __slots__ = ()


class NullArray:
    """The null array: ``*-1`` in RESP2, ``_`` in RESP3 (timeouts of BLPOP and friends)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NULL_ARRAY"


NULL_ARRAY = NullArray()
OK = SimpleString(b"OK")
QUEUED = SimpleString(b"QUEUED")


def format_double(d: float) -> bytes:
    """Redis 7.0's ``addReplyDouble`` text: ``%.17g``, with ``inf``/``-inf``/``nan``."""
    if math.isinf(d):
        return b"inf" if d > 0 else b"-inf"
    if math.isnan(d):
        return b"nan"
    return b"%.17g" % d


def _enc_bulk(v: bytes, out: list[bytes], r3: bool) -> None:
    out.append(b"$%d\r\n%s\r\n" % (len(v), v))


def _enc_str(v: str, out: list[bytes], r3: bool) -> None:
    _enc_bulk(v.encode(), out, r3)


def _enc_int(v: int, out: list[bytes], r3: bool) -> None:
    out.append(b":%d\r\n" % v)


def _enc_none(v: None, out: list[bytes], r3: bool) -> None:
    out.append(b"_\r\n" if r3 else b"$-1\r\n")


def _enc_null_array(v: NullArray, out: list[bytes], r3: bool) -> None:
    out.append(b"_\r\n" if r3 else b"*-1\r\n")


def _enc_simple(v: bytes, out: list[bytes], r3: bool) -> None:
    out.append(b"+%s\r\n" % v)


def _enc_error(v: bytes, out: list[bytes], r3: bool) -> None:
    out.append(b"-%s\r\n" % v)


def _enc_double(v: float, out: list[bytes], r3: bool) -> None:
    s = format_double(v)
    out.append(b",%s\r\n" % s if r3 else b"$%d\r\n%s\r\n" % (len(s), s))


def _enc_float(v: float, out: list[bytes], r3: bool) -> None:
    _enc_double(v, out, r3)


#: "$<n>" for bulk lengths below 4096: array replies of bulk strings are built by one join
_BULK_HEADS = [b"$%d" % i for i in range(4096)]
_heads = _BULK_HEADS.__getitem__
_ONLY_BYTES = {bytes}


def bulk_array(items: list[Any] | tuple[Any, ...], prefix: bytes = b"*", count: int = -1) -> Any:
    """The RESP array of ``items`` if every item is exactly ``bytes`` (else None), with
    ``prefix`` and ``count`` in its header (default ``*`` and ``len(items)``): the pure-Python
    twin of ``plugredis._speedups.bulk_array``, which replaces it where it was built."""
    n = len(items)
    head = b"%s%d\r\n" % (prefix, n if count < 0 else count)
    if not n:
        return head
    if set(map(type, items)) != _ONLY_BYTES:
        return None
    # interleave headers and values and join once (about 3x faster than formatting each);
    # a value of 4096 bytes or more makes the header lookup fail: format that one
    parts: list[Any] = [None] * (2 * n + 1)
    try:
        parts[0:-1:2] = map(_heads, map(len, items))
    except IndexError:
        parts[0:-1:2] = [b"$%d" % len(a) for a in items]
    parts[1::2] = items
    parts[-1] = b""
    return head + b"\r\n".join(parts)


_bulk_array: Callable[..., Any] = _c_bulk_array if _c_bulk_array is not None else bulk_array


def _enc_array(v: Iterable[Any], out: list[bytes], r3: bool, prefix: bytes = b"*") -> None:
    items = v if isinstance(v, list | tuple) else list(v)
    done = _bulk_array(items, prefix)
    if done is not None:  # an array of bulk strings (LRANGE, MGET...): one C call
        out.append(done)
        return
    n = len(items)
    out.append(b"%s%d\r\n" % (prefix, n))
    for item in items:
        if type(item) is bytes:
            out.append(b"$%d\r\n%s\r\n" % (len(item), item))
        else:
            encode_into(item, out, r3)


def _enc_partial(v: PartialArray, out: list[bytes], r3: bool) -> None:
    if v.length is not None:
        out.append(b"*%d\r\n" % v.length)
    for item in v:
        encode_into(item, out, r3)


def _enc_set(v: RespSet, out: list[bytes], r3: bool) -> None:
    _enc_array(v, out, r3, b"~" if r3 else b"*")


def _enc_push(v: Push, out: list[bytes], r3: bool) -> None:
    _enc_array(v, out, r3, b">" if r3 else b"*")


def _enc_map(v: Map, out: list[bytes], r3: bool) -> None:
    flat = list(_chain(v.items()))
    done = _bulk_array(flat, b"%", len(v)) if r3 else _bulk_array(flat)
    if done is not None:  # HGETALL, CONFIG GET...: every key and value a bulk string
        out.append(done)
        return
    out.append(b"%%%d\r\n" % len(v) if r3 else b"*%d\r\n" % (2 * len(v)))
    for k, val in v.items():
        encode_into(k, out, r3)
        encode_into(val, out, r3)


def _enc_verbatim(v: Verbatim, out: list[bytes], r3: bool) -> None:
    if r3:
        out.append(b"=%d\r\ntxt:%s\r\n" % (len(v) + 4, v))
    else:
        _enc_bulk(v, out, r3)


def _enc_bool(v: bool, out: list[bytes], r3: bool) -> None:
    out.append(b":1\r\n" if v else b":0\r\n")


_ENCODERS: dict[type, Callable[[Any, list[bytes], bool], None]] = {
    bytes: _enc_bulk,
    bytearray: _enc_bulk,
    memoryview: lambda v, out, r3: _enc_bulk(bytes(v), out, r3),
    str: _enc_str,
    int: _enc_int,
    bool: _enc_bool,
    type(None): _enc_none,
    NullArray: _enc_null_array,
    SimpleString: _enc_simple,
    Error: _enc_error,
    Double: _enc_double,
    float: _enc_float,
    list: _enc_array,
    tuple: _enc_array,
    RespSet: _enc_set,
    PartialArray: _enc_partial,
    Push: _enc_push,
    Map: _enc_map,
    dict: _enc_map,
    Verbatim: _enc_verbatim,
}


def encode_into(value: Any, out: list[bytes], resp3: bool) -> None:
    """Append the RESP encoding of ``value`` to ``out``."""
    t = type(value)
    if t is bytes:
        out.append(b"$%d\r\n%s\r\n" % (len(value), value))
        return
    enc = _ENCODERS.get(t)
    if enc is None:
        for base in t.__mro__[1:]:
            enc = _ENCODERS.get(base)
            if enc is not None:
                _ENCODERS[t] = enc
                break
        else:
            raise TypeError(f"cannot encode {t.__name__} as a RESP reply")
    enc(value, out, resp3)


def encode(value: Any, resp3: bool = False) -> bytes:
    """The RESP bytes for one reply value."""
    out: list[bytes] = []
    encode_into(value, out, resp3)
    return b"".join(out)
