r"""Backslash escapes inside quoted filter values.

The escaped quote itself (``\'`` in ``'…'``) is resolved by the lexer first; this module then
resolves ``\\``, ``\n``, ``\t``, ``\r``, ``\b``, ``\f``, ``\v``, ``\'``, ``\"``, ``\/``,
``\uXXXX``, ``\u{X…}``, ``\xXX`` and octal ``\NNN``. The two failure kinds become different
messages, so a numeric escape whose digits do not parse raises its own ``BadNumber``.
"""

from __future__ import annotations

import re

_SIMPLE_ESCAPES = dict(zip("bfnrtv'\"\\/", "\b\f\n\r\t\v'\"\\/", strict=True))
_RADIX = re.compile(r"\+?[0-9a-fA-F]+\Z")
_OCTAL = re.compile("[0-7]+")


class BadNumber(ValueError):
    """A numeric escape whose digits do not parse."""


def unescape(raw: str) -> str:
    """Resolve backslash escapes; ``ValueError`` (or ``BadNumber``) for a malformed one."""
    out: list[str] = []
    pos, n = 0, len(raw)
    while (slash := raw.find("\\", pos)) >= 0:
        out.append(raw[pos:slash])
        char = raw[slash + 1 : slash + 2]
        pos = slash + 2
        if char and char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif char == "u" and raw.startswith("{", pos):
            close = raw.find("}", pos)
            close = n if close < 0 else close
            out.append(_char(raw[pos + 1 : close], 0xFFFFFFFF))
            pos = close + 1
        elif char in ("u", "x") and char:
            width = 4 if char == "u" else 2
            if pos + width > n:
                raise ValueError("incomplete escape")
            out.append(_char(raw[pos : pos + width], 0xFFFFFFFF if char == "u" else 0xFF))
            pos += width
        elif char and char in "01234567":
            # Up to three digits in all, and only up to \377 so the code stays below 256.
            more = _OCTAL.match(raw, pos, pos + (2 if char in "0123" else 1))
            digits = char + more[0] if more else char
            out.append(chr(int(digits, 8)))
            pos = slash + 1 + len(digits)
        else:
            raise ValueError("unknown or incomplete escape")
    out.append(raw[pos:])
    return "".join(out)


def _char(digits: str, limit: int) -> str:
    """The char of a hexadecimal escape; ``BadNumber`` if the digits do not parse."""
    if _RADIX.match(digits) is None or int(digits, 16) > limit:
        raise BadNumber(digits)
    code = int(digits, 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ValueError("not a char")
    return chr(code)
