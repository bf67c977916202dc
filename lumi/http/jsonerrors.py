"""Request payloads and the exact wording of their errors.

Meilisearch clients see parser messages such as ``expected `,` or `}` at line 1 column 10``
inside ``malformed_payload`` errors, values quoted in compact JSON inside validation
messages, and "did you mean" hints. orjson decodes valid bodies quickly; only when it rejects
a body does a small scanner walk the bytes again to find the *first* problem in the same
order, with the same wording and the same (1-based, byte-counted) columns as the reference
parser. Content-Type checks live here too, since they come before any decoding.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, cast

import orjson

from lumi.errors import LumiError
from lumi.messages import backticked

# The reference parser refuses the 128th nested array/object.
_MAX_DEPTH = 128
# Runs skipped in one regex step, so that a large malformed body is scanned at C speed. Each
# pattern also matches the empty string, so its ``match`` never returns None; the cast says so
# once here instead of a check at every step of the scan.
_RunMatch = Callable[[bytes, int], re.Match[bytes]]
_WHITESPACE = cast(_RunMatch, re.compile(rb"[ \t\n\r]*").match)
_DIGIT_RUN = cast(_RunMatch, re.compile(rb"[0-9]*").match)
_PLAIN_TEXT = cast(_RunMatch, re.compile(rb'[^"\\\x00-\x1f]*').match)
_DIGITS = frozenset(b"0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_SIMPLE_ESCAPES = frozenset(b'"\\/bfnrt')

_EOF_VALUE = "EOF while parsing a value"
_EOF_STRING = "EOF while parsing a string"
_EOF_LIST = "EOF while parsing a list"
_EOF_OBJECT = "EOF while parsing an object"
_INVALID_NUMBER = "invalid number"
_LONE_SURROGATE = "lone leading surrogate in hex escape"


def parse_json_body(raw: bytes) -> Any:
    """Decode a request body, raising ``missing_payload`` / ``malformed_payload``.

    Only a truly empty body counts as missing: whitespace alone is a syntax error
    ("EOF while parsing a value at line 1 column 3"), as with the reference server.
    """
    if not raw:
        raise LumiError("missing_payload", "A json payload is missing.")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        # The scan finds every error known to both parsers; orjson's text is a last resort.
        raise _malformed(syntax_error(raw) or str(exc)) from None
    if raw.count(b"[") + raw.count(b"{") >= _MAX_DEPTH and _too_deep(value):
        raise _malformed(syntax_error(raw) or "recursion limit exceeded")
    return value


def _malformed(detail: str) -> LumiError:
    return LumiError("malformed_payload", f"The json payload provided is malformed. `{detail}`.")


def _too_deep(value: Any) -> bool:
    """Whether containers nest at least ``_MAX_DEPTH`` levels (orjson allows more)."""
    if type(value) is not dict and type(value) is not list:
        return False
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth >= _MAX_DEPTH:
            return True
        children = node.values() if type(node) is dict else node
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
    return False


class _Stop(Exception):
    """The first syntax error: its wording and the byte offset its position is computed at."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


def syntax_error(raw: bytes) -> str | None:
    """The first syntax error of ``raw`` as ``{reason} at line L column C``, or None."""
    scanner = _Scanner(raw)
    try:
        scanner.document()
    except _Stop as stop:
        line = raw.count(b"\n", 0, stop.offset) + 1
        column = stop.offset - (raw.rfind(b"\n", 0, stop.offset) + 1)
        return f"{stop.reason} at line {line} column {column}"
    return None


class _Scanner:
    """A recursive-descent walk over JSON bytes that only looks for the first error.

    Two kinds of positions exist, as in the reference parser: errors found while *peeking*
    at a byte point at that byte (1-based), errors found after *consuming* it point at the
    consumed byte; at the end of input both point at the last byte.
    """

    __slots__ = ("depth", "i", "n", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.i = 0
        self.n = len(raw)
        self.depth = _MAX_DEPTH

    def peek_error(self, reason: str) -> NoReturn:
        raise _Stop(reason, min(self.i + 1, self.n))

    def error(self, reason: str) -> NoReturn:
        raise _Stop(reason, self.i)

    def skip_whitespace(self) -> int | None:
        i = self.i = _WHITESPACE(self.raw, self.i).end()
        return self.raw[i] if i < self.n else None

    def next_byte(self, eof_reason: str) -> int:
        if self.i >= self.n:
            self.error(eof_reason)
        byte = self.raw[self.i]
        self.i += 1
        return byte

    def document(self) -> None:
        self.value()
        if self.skip_whitespace() is not None:
            self.peek_error("trailing characters")

    def value(self) -> None:
        byte = self.skip_whitespace()
        if byte is None:
            self.peek_error(_EOF_VALUE)
        elif byte in b"ntf":
            self.i += 1
            self.ident({0x6E: b"ull", 0x74: b"rue", 0x66: b"alse"}[byte])
        elif byte == 0x2D or byte in _DIGITS:
            self.number()
        elif byte == 0x22:
            self.i += 1
            self.string()
        elif byte == 0x5B or byte == 0x7B:
            self.depth -= 1
            if self.depth == 0:
                self.peek_error("recursion limit exceeded")
            self.i += 1
            if byte == 0x5B:
                self.array()
            else:
                self.object()
            self.depth += 1
        else:
            self.peek_error("expected value")

    def ident(self, rest: bytes) -> None:
        for expected in rest:
            if self.next_byte(_EOF_VALUE) != expected:
                self.error("expected ident")

    def number(self) -> None:
        raw, n, start = self.raw, self.n, self.i
        if raw[start] == 0x2D:
            self.i += 1
        first = self.next_byte(_EOF_VALUE)
        if first == 0x30:
            if self.i < n and raw[self.i] in _DIGITS:
                self.peek_error(_INVALID_NUMBER)
        elif first in _DIGITS:
            self.digits()
        else:
            self.error(_INVALID_NUMBER)
        if self.i < n and raw[self.i] == 0x2E:
            self.i += 1
            if self.digits() == 0:
                self.peek_error(_INVALID_NUMBER if self.i < n else _EOF_VALUE)
        if self.i < n and raw[self.i] in b"eE":
            self.i += 1
            if self.i < n and raw[self.i] in b"+-":
                self.i += 1
            if self.next_byte(_EOF_VALUE) not in _DIGITS:
                self.error(_INVALID_NUMBER)
            self.digits()
        if math.isinf(float(raw[start : self.i])):
            self.error("number out of range")

    def digits(self) -> int:
        start = self.i
        self.i = _DIGIT_RUN(self.raw, start).end()
        return self.i - start

    def string(self) -> None:
        start = self.i
        while True:
            self.i = _PLAIN_TEXT(self.raw, self.i).end()
            byte = self.next_byte(_EOF_STRING)
            if byte == 0x22:
                break
            if byte == 0x5C:
                self.escape()
            elif byte < 0x20:
                self.error("control character (\\u0000-\\u001F) found while parsing a string")
        try:
            self.raw[start : self.i - 1].decode()
        except UnicodeDecodeError:
            self.error("invalid unicode code point")

    def escape(self) -> None:
        byte = self.next_byte(_EOF_STRING)
        if byte in _SIMPLE_ESCAPES:
            return
        if byte != 0x75:
            self.error("invalid escape")
        unit = self.hex_escape()
        if 0xDC00 <= unit <= 0xDFFF:
            self.error(_LONE_SURROGATE)
        if 0xD800 <= unit <= 0xDBFF:
            for expected in b"\\u":
                if self.next_byte(_EOF_STRING) != expected:
                    self.error("unexpected end of hex escape")
            if not 0xDC00 <= self.hex_escape() <= 0xDFFF:
                self.error(_LONE_SURROGATE)

    def hex_escape(self) -> int:
        if self.i + 4 > self.n:
            self.i = self.n
            self.error(_EOF_STRING)
        chunk = self.raw[self.i : self.i + 4]
        self.i += 4
        if not all(byte in _HEX for byte in chunk):
            self.error("invalid escape")
        return int(chunk, 16)

    def array(self) -> None:
        first = True
        while True:
            byte = self.skip_whitespace()
            if byte is None:
                self.peek_error(_EOF_LIST)
            if byte == 0x5D:
                self.i += 1
                return
            if byte == 0x2C and not first:
                self.i += 1
                byte = self.skip_whitespace()
                if byte is None:
                    self.peek_error(_EOF_VALUE)
                if byte == 0x5D:
                    self.peek_error("trailing comma")
            elif first:
                first = False
            else:
                self.peek_error("expected `,` or `]`")
            self.value()

    def object(self) -> None:
        first = True
        while True:
            byte = self.skip_whitespace()
            if byte is None:
                self.peek_error(_EOF_OBJECT)
            if byte == 0x7D:
                self.i += 1
                return
            if byte == 0x2C and not first:
                self.i += 1
                byte = self.skip_whitespace()
            elif first:
                first = False
            else:
                self.peek_error("expected `,` or `}`")
            if byte is None:
                self.peek_error(_EOF_VALUE)
            if byte == 0x7D:
                self.peek_error("trailing comma")
            if byte != 0x22:
                self.peek_error("key must be a string")
            self.i += 1
            self.string()
            byte = self.skip_whitespace()
            if byte is None:
                self.peek_error(_EOF_OBJECT)
            if byte != 0x3A:
                self.peek_error("expected `:`")
            self.i += 1
            self.value()


JSON_CONTENT_TYPES = ("application/json",)
DOCUMENT_CONTENT_TYPES = ("application/json", "application/x-ndjson", "text/csv")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf"\s*({_TOKEN}/{_TOKEN})\s*(?:;\s*{_TOKEN}=(?:{_TOKEN}|\"[^\"]*\")\s*)*")


def _accepted(accepted: Sequence[str]) -> str:
    return "Accepted values for the Content-Type header are: " + backticked(accepted)


def _missing_content_type(accepted: Sequence[str]) -> LumiError:
    return LumiError(
        "missing_content_type", f"A Content-Type header is missing. {_accepted(accepted)}"
    )


def _invalid_content_type(shown: str, accepted: Sequence[str]) -> LumiError:
    return LumiError(
        "invalid_content_type", f"The Content-Type `{shown}` is invalid. {_accepted(accepted)}"
    )


def _essence(content_type: str) -> str | None:
    """``type/subtype`` in lower case, or None when the header is not a media type."""
    match = _MEDIA_TYPE.fullmatch(content_type)
    return match.group(1).lower() if match else None


def require_json_content_type(content_type: str | None) -> None:
    """Check the Content-Type of a JSON route (check it before reading the body).

    Like the reference server, any ``*/json`` or ``*/*+json`` media type is taken as JSON,
    parameters such as ``charset`` are ignored, and a refused header is quoted as sent.
    """
    if content_type is None:
        raise _missing_content_type(JSON_CONTENT_TYPES)
    essence = _essence(content_type)
    if essence is not None:
        subtype = essence.partition("/")[2]
        if subtype == "json" or subtype.endswith("+json"):
            return
    raise _invalid_content_type(content_type, JSON_CONTENT_TYPES)


def check_content_type(content_type: str | None, accepted: Sequence[str]) -> str:
    """The accepted ``type/subtype`` the header names; a well-formed but refused media type is
    quoted without parameters, an unparsable header as sent."""
    if content_type is None:
        raise _missing_content_type(accepted)
    essence = _essence(content_type)
    if essence is None:
        raise _invalid_content_type(content_type, accepted)
    if essence not in accepted:
        raise _invalid_content_type(essence, accepted)
    return essence


def truncate_detail(detail: str) -> str:
    """Shorten a parser message quoting user input: first 50 chars, ``...``, last 85."""
    if len(detail) > 50 + 3 + 85:
        return detail[:50] + "..." + detail[-85:]
    return detail
