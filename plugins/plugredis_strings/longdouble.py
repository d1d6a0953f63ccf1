"""x86-64 ``long double`` (80-bit extended precision) emulated exactly with Python integers.

INCRBYFLOAT parses both operands the way C's ``strtold`` does, adds them in ``long double``
arithmetic and prints the sum with ``"%.17Lf"`` before removing trailing zeros.  The format has a
64-bit significand (explicit leading bit) and a 15-bit exponent: finite non-zero values are
``m * 2**q`` with ``m < 2**64`` and ``q >= -16445`` (the smallest subnormal), the largest is
``(2**64 - 1) * 2**16320`` (about 1.19e4932).  Every operation rounds the exact result to the
nearest representable value, ties to even, as the x87 FPU does in its default mode, so Python
floats (53-bit, 1.8e308 at most) are not good enough: ``10.5 + 0.1`` must print ``10.6`` and
``1e400`` is a valid value.

A value is a tuple ``(negative, m, q)``; :data:`INF` and :data:`NEG_INF` are the infinities.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["INF", "NEG_INF", "InvalidFloat", "ld_add", "ld_format", "ld_parse"]

LongDouble = tuple[bool, int, int]

_MANT_BITS = 64
_Q_MIN = -16445  # 2**-16445 is the smallest subnormal
_Q_MAX = 16383 - (_MANT_BITS - 1)  # the largest finite value is (2**64 - 1) * 2**_Q_MAX

INF: LongDouble = (False, -1, 0)
NEG_INF: LongDouble = (True, -1, 0)
ZERO: LongDouble = (False, 0, 0)

#: ``string2ld`` refuses strings this long or longer (Redis's MAX_LONG_DOUBLE_CHARS)
MAX_LONG_DOUBLE_CHARS = 5 * 1024

_DEC = re.compile(rb"([+-]?)(?:([0-9]+)\.?([0-9]*)|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?")
_HEX = re.compile(
    rb"([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?"
)
_INF = re.compile(rb"([+-]?)(?:inf|infinity)", re.IGNORECASE)


class InvalidFloat(ValueError):
    """The string is not a number ``string2ld`` accepts (Redis: "value is not a valid float")."""


class _Overflow(Exception):
    pass


def _round(num: int, den: int) -> tuple[int, int]:
    """``num / den`` (both positive) rounded to ``(m, q)``; ``(0, 0)`` on underflow to zero.

    Raises :class:`_Overflow` when the result is beyond the largest finite value.
    """
    e = num.bit_length() - den.bit_length()
    if (num << -e if e < 0 else num) < (den << e if e > 0 else den):
        e -= 1  # now 2**e <= num/den < 2**(e+1)
    q = max(e - (_MANT_BITS - 1), _Q_MIN)
    if q <= 0:
        n2, d2 = num << -q, den
    else:
        n2, d2 = num, den << q
    m, r = divmod(n2, d2)
    r2 = 2 * r
    if r2 > d2 or (r2 == d2 and m & 1):
        m += 1
        if m == 1 << _MANT_BITS:
            m >>= 1
            q += 1
    if q > _Q_MAX:
        raise _Overflow
    if m == 0:
        return 0, 0
    return m, q


def _round_dyadic(neg: bool, n: int, q0: int) -> LongDouble:
    """``(-1)**neg * n * 2**q0`` rounded; n >= 0."""
    if n == 0:
        return (neg, 0, 0)
    try:
        if q0 >= 0:
            m, q = _round(n << q0, 1)
        else:
            m, q = _round(n, 1 << -q0)
    except _Overflow:
        return NEG_INF if neg else INF
    return (neg, m, q)


def _digits(ds: bytes) -> int:
    """An int from decimal digits, however many (``int()`` refuses more than 4300)."""
    if len(ds) <= 4000:
        return int(ds) if ds else 0
    return int(Decimal(ds.decode("ascii")))


def _exponent(raw: bytes | None) -> int | None:
    """The exponent's value, or None when it is so large that only its sign matters."""
    if not raw:
        return 0
    sign = -1 if raw[:1] == b"-" else 1
    body = raw.lstrip(b"+-").lstrip(b"0")
    if len(body) > 12:
        return None if sign > 0 else -(10**13)
    return sign * int(body or b"0")


def ld_parse(raw: bytes) -> LongDouble:
    """Parse ``raw`` as Redis's ``string2ld`` does; raises :class:`InvalidFloat`.

    The whole string must be a number (no spaces, no NUL); ``inf``/``infinity`` are accepted,
    ``nan`` is not, and neither is a value that overflows or underflows to zero.
    """
    if not raw or len(raw) >= MAX_LONG_DOUBLE_CHARS:
        raise InvalidFloat
    mt = _DEC.fullmatch(raw)
    if mt is not None:
        sign, ip, fp, fp2 = mt.group(1), mt.group(2), mt.group(3), mt.group(4)
        frac = fp2 if fp2 is not None else fp
        digits = ((ip or b"") + frac).lstrip(b"0")
        neg = sign == b"-"
        if not digits:
            return (neg, 0, 0)
        exp = _exponent(mt.group(5))
        if exp is None:
            raise InvalidFloat  # overflow
        exp -= len(frac)
        lead = len(digits) - 1 + exp  # decimal exponent of the leading digit
        if lead > 4933 or lead < -4953:
            raise InvalidFloat  # overflow, or underflow to zero
        n = _digits(digits)
        try:
            m, q = _round(n * 10**exp, 1) if exp >= 0 else _round(n, 10**-exp)
        except _Overflow:
            raise InvalidFloat
        if m == 0:
            raise InvalidFloat
        return (neg, m, q)
    mt = _HEX.fullmatch(raw)
    if mt is not None:
        sign, ip, fp, fp2 = mt.group(1), mt.group(2), mt.group(3), mt.group(4)
        frac = fp2 if fp2 is not None else fp
        digits = ((ip or b"") + frac).lstrip(b"0")
        neg = sign == b"-"
        if not digits:
            return (neg, 0, 0)
        exp = _exponent(mt.group(5))
        if exp is None:
            raise InvalidFloat
        exp -= 4 * len(frac)
        n = int(digits, 16)
        lead = n.bit_length() - 1 + exp
        if lead > 16400 or lead < -16500:
            raise InvalidFloat
        try:
            m, q = _round(n << exp, 1) if exp >= 0 else _round(n, 1 << -exp)
        except _Overflow:
            raise InvalidFloat
        if m == 0:
            raise InvalidFloat
        return (neg, m, q)
    mt = _INF.fullmatch(raw)
    if mt is not None:
        return NEG_INF if mt.group(1) == b"-" else INF
    raise InvalidFloat


def ld_from_int(v: int) -> LongDouble:
    """An integer (at most 64 bits: exact)."""
    return _round_dyadic(v < 0, abs(v), 0)


def is_inf(x: LongDouble) -> bool:
    return x[1] < 0


def ld_add(x: LongDouble, y: LongDouble) -> LongDouble | None:
    """``x + y`` rounded; None for NaN (``inf + -inf``)."""
    if is_inf(x) or is_inf(y):
        if is_inf(x) and is_inf(y) and x[0] != y[0]:
            return None
        return x if is_inf(x) else y
    xn, xm, xq = x
    yn, ym, yq = y
    if xm == 0 and ym == 0:
        return (xn and yn, 0, 0)
    q0 = min(xq, yq) if xm and ym else (xq if xm else yq)
    s = (-xm if xn else xm) << (xq - q0) if xm else 0
    s += (-ym if yn else ym) << (yq - q0) if ym else 0
    if s == 0:
        return ZERO  # exact cancellation gives +0 when rounding to nearest
    return _round_dyadic(s < 0, abs(s), q0)


def ld_format(x: LongDouble) -> bytes:
    """``"%.17Lf"`` with trailing zeros (and a trailing dot) removed; ``-0`` becomes ``0``.

    This is Redis's ``ld2string`` in its human-friendly mode (INCRBYFLOAT, HINCRBYFLOAT).
    """
    neg, m, q = x
    if m < 0:
        return b"-inf" if neg else b"inf"
    if q >= 0:
        body = str(Decimal(m << q)).encode()
    else:
        # round m * 2**q to 17 decimals, ties to even (glibc printf is exact)
        num = m * 10**17
        den_shift = -q
        s = num >> den_shift
        r = num - (s << den_shift)
        half = 1 << (den_shift - 1)
        if r > half or (r == half and s & 1):
            s += 1
        ip, fp = divmod(s, 10**17)
        frac = b"%017d" % fp
        frac = frac.rstrip(b"0")
        body = str(Decimal(ip)).encode() + (b"." + frac if frac else b"")
    if neg and body != b"0":
        return b"-" + body
    return body
