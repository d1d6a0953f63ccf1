"""x87 80-bit ``long double`` arithmetic, emulated exactly, for INCRBYFLOAT-style commands.

Shared by plugins through the public API (``from plugredis import ld_parse, ld_add, ...``).
Redis 7.0 parses HINCRBYFLOAT's operands with ``strtold`` (``string2ld``), adds them as ``long
double`` and prints the sum with ``"%.17Lf"`` minus trailing zeros (``ld2string``, human mode).
On x86-64 a ``long double`` has a 64-bit significand and a 15-bit exponent, so results differ from
what Python's 53-bit floats give (``10.5 + 0.1`` prints ``10.6``, and ``1e4000`` is a valid
value).  Values are kept as exact :class:`~fractions.Fraction` objects rounded to the nearest
representable ``long double`` (ties to even) after every operation, as the FPU does.
"""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = ["LD_INF", "ld_add", "ld_format", "ld_from_int", "ld_is_inf", "ld_parse", "ld_round"]

#: significand bits, smallest exponent of the last significand bit (subnormals), overflow bound
_MANT = 64
_EMIN = -16382 - (_MANT - 1)
_LIMIT = Fraction(2) ** 16384

#: the result of an overflow (only compared with ``is``)
LD_INF = Fraction(2) ** 20000

#: ``string2ld`` refuses strings this long or longer (Redis's MAX_LONG_DOUBLE_CHARS)
MAX_LONG_DOUBLE_CHARS = 5 * 1024

_DEC = re.compile(rb"([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?")
_HEX = re.compile(
    rb"([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?"
)
_INF = re.compile(rb"[+-]?(?:inf|infinity)", re.IGNORECASE)
_NAN = re.compile(rb"[+-]?nan(?:\([0-9a-zA-Z_]*\))?", re.IGNORECASE)


def ld_round(v: Fraction) -> Fraction:
    """``v`` rounded to the nearest ``long double`` (ties to even); :data:`LD_INF` on overflow."""
    if v == 0:
        return Fraction(0)
    neg = v < 0
    n, d = abs(v.numerator), v.denominator
    k = n.bit_length() - d.bit_length()
    if (n << -k if k < 0 else n) < (d << k if k > 0 else d):
        k -= 1  # now 2**k <= |v| < 2**(k+1)
    e = max(k - (_MANT - 1), _EMIN)
    num, den = (n << -e, d) if e < 0 else (n, d << e)
    q, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and q & 1):
        q += 1
    out = Fraction(q) * (Fraction(2) ** e)
    if out >= _LIMIT:
        return LD_INF
    return -out if neg else out


def ld_from_int(n: int) -> Fraction:
    """A 64-bit integer as a ``long double`` (exact)."""
    return Fraction(n)


def ld_parse(raw: bytes) -> Fraction | None:
    """``string2ld``: the value of ``raw`` as ``strtold`` reads it, None where Redis refuses it.

    Refused: empty or too long strings, leading white space, trailing garbage, NaN, overflow
    and underflow to zero.  ``inf`` is accepted (returned as :data:`LD_INF` / ``-LD_INF``).
    """
    if not raw or len(raw) >= MAX_LONG_DOUBLE_CHARS:
        return None
    if b"\0" in raw:
        return None  # strtold stops at a NUL: the whole string was not consumed
    if raw[:1] in b" \t\n\v\f\r":
        return None
    m = _DEC.fullmatch(raw)
    if m is not None:
        sign, ip, fp, fp2, ex = m.groups()
        digits = ip + fp if fp2 is None else fp2
        scale = -len(fp) if fp2 is None else -len(fp2)
        return _scaled(sign, _to_int(digits, 10), 10, scale, _exponent(ex))
    m = _HEX.fullmatch(raw)
    if m is not None:
        sign, ip, fp, fp2, ex = m.groups()
        digits = ip + fp if fp2 is None else fp2
        scale = -4 * (len(fp) if fp2 is None else len(fp2))
        return _scaled(sign, _to_int(digits, 16), 2, scale, _exponent(ex))
    if _INF.fullmatch(raw):
        return -LD_INF if raw[:1] == b"-" else LD_INF
    return None  # NaN, or not a number at all


def _exponent(ex: bytes | None) -> int:
    """The exponent part, clamped (a huge exponent only means overflow or underflow)."""
    if not ex:
        return 0
    body = ex.lstrip(b"+-").lstrip(b"0")
    if len(body) > 18:
        return -(10**18) if ex[:1] == b"-" else 10**18
    return int(ex)


def _to_int(digits: bytes, base: int) -> int:
    """``int(digits, base)`` without Python's limit on long decimal conversions."""
    if base != 10 or len(digits) <= 4000:
        return int(digits, base)
    n = 0
    for i in range(0, len(digits), 4000):
        chunk = digits[i : i + 4000]
        n = n * 10 ** len(chunk) + int(chunk)
    return n


def _ndigits(n: int) -> int:
    """The number of decimal digits of ``n`` > 0."""
    guess = max(1, int(n.bit_length() * 0.30102999566398120))
    while n >= 10**guess:
        guess += 1
    while guess > 1 and n < 10 ** (guess - 1):
        guess -= 1
    return guess


def _to_str(n: int) -> str:
    """``str(n)`` for a non-negative int of any size."""
    if n < 10**4000:
        return str(n)
    hi, lo = divmod(n, 10**4000)
    return _to_str(hi) + str(lo).rjust(4000, "0")


def _scaled(sign: bytes, mant: int, base: int, scale: int, exp: int) -> Fraction | None:
    if mant == 0:
        return Fraction(0)
    if base == 10:
        e10 = scale + exp
        mag = _ndigits(mant) + e10  # 10**(mag-1) <= value < 10**mag
        if mag > 4940:
            return None  # overflow to HUGE_VALL: ERANGE, refused
        if mag < -4960:
            return None  # underflow to 0: ERANGE, refused
        v = Fraction(mant) * Fraction(10) ** e10
    else:
        e2 = scale + exp
        mag = mant.bit_length() + e2
        if mag > 16400:
            return None
        if mag < -16500:
            return None
        v = Fraction(mant) * Fraction(2) ** e2
    r = ld_round(v)
    if r is LD_INF:
        return None
    if r == 0:
        return None  # underflow to zero
    return -r if sign == b"-" else r


def ld_is_inf(v: Fraction) -> bool:
    return v is LD_INF or (v < 0 and -v == LD_INF)


def ld_add(a: Fraction, b: Fraction) -> Fraction | None:
    """``a + b`` rounded to a ``long double``; None when the sum is infinite or NaN."""
    if ld_is_inf(a) or ld_is_inf(b):
        return None
    r = ld_round(a + b)
    if r is LD_INF:
        return None
    return r


def ld_format(v: Fraction) -> bytes:
    """``ld2string(..., LD_STR_HUMAN)``: ``"%.17Lf"`` without trailing zeros (``-0`` is ``0``)."""
    neg = v < 0
    n, d = abs(v.numerator), v.denominator
    q, r = divmod(n * 10**17, d)
    if 2 * r > d or (2 * r == d and q & 1):
        q += 1
    s = _to_str(q).rjust(18, "0")
    text = (s[:-17] + "." + s[-17:]).rstrip("0").rstrip(".")
    if neg and text != "0":
        text = "-" + text
    return text.encode()
