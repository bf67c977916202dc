"""Locating and wording the first syntax error of a JSON or NDJSON payload.

Only a payload orjson rejects comes here: ``JsonScanner`` is a byte-level syntax checker that
reports the first error the way clients expect to read it (serde_json's wording and
``line``/``column`` positions), and ``stream_spans`` cuts an NDJSON stream into its objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

from lumi.errors import LumiError
from lumi.index.payloads.formats import PayloadFormat

NOT_DOCUMENTS = "data are neither an object nor a list of objects"


def malformed_payload(fmt: PayloadFormat, detail: str) -> LumiError:
    """The documents-route error: the detail is cut in the middle when it is very long."""
    if len(detail) > 138:
        detail = detail[:50] + "..." + detail[-85:]
    return LumiError(
        "malformed_payload",
        f"The `{fmt.value}` payload provided is malformed. "
        f"`Couldn't serialize document value: {detail}`.",
    )


def line_and_column(data: bytes, index: int) -> tuple[int, int]:
    """serde_json's position of a byte offset: 1-based line, column = bytes since the newline."""
    start = data.rfind(b"\n", 0, index) + 1
    return data.count(b"\n", 0, start) + 1, index - start


_Matcher = Callable[[bytes, int], re.Match[bytes]]


def _always_matching(pattern: bytes) -> _Matcher:
    """The ``match`` of a pattern that accepts the empty string, so it never returns None."""
    return cast(_Matcher, re.compile(pattern).match)


_match_ws = _always_matching(rb"[ \t\n\r]*")
_match_string_run = _always_matching(rb'[^"\\\x00-\x1f]*')
_match_digits = _always_matching(rb"[0-9]*")
_OPEN = {0x5B: 0x5D, 0x7B: 0x7D}  # [ -> ], { -> }
_SIMPLE_ESCAPES = frozenset(b'"\\/bfnrt')
_HEX = frozenset(b"0123456789abcdefABCDEF")
_SELF_DELIMITED = frozenset(b'[{"')
_END_OF_VALUE = frozenset(b' \n\t\r"[]{},:')
_EOF_IN = {0x5B: "EOF while parsing a list", 0x7B: "EOF while parsing an object"}
_COMMA_OR_END = {0x5B: "expected `,` or `]`", 0x7B: "expected `,` or `}`"}


class _SyntaxIssue(Exception):
    """A syntax error at a byte offset (the offending byte, or the length at EOF)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class JsonScanner:
    """Walks JSON bytes without building values, only to find the first error.

    ``strict`` follows the rules of a reader building values (``trailing comma`` errors,
    range-checked numbers); otherwise the rules of a reader that only skips raw values.
    """

    def __init__(self, data: bytes, fmt: PayloadFormat) -> None:
        self.data = data
        self.n = len(data)
        self.fmt = fmt

    def fail(self, issue: _SyntaxIssue) -> LumiError:
        line, column = line_and_column(self.data, min(issue.offset + 1, self.n))
        return malformed_payload(self.fmt, f"{issue.message} at line {line} column {column}")

    def check_json_documents(self) -> None:
        """An array of objects, or one object; raises at the first problem."""
        data, n = self.data, self.n
        try:
            i = _match_ws(data, 0).end()
            if i < n and data[i] == 0x5B:
                i = self._document_array(i + 1)
            elif i < n and data[i] == 0x7B:
                i = self.value(i, strict=True)
            else:
                self.value(i, strict=True)
                raise malformed_payload(self.fmt, NOT_DOCUMENTS)
            i = _match_ws(data, i).end()
            if i < n:
                raise _SyntaxIssue("trailing characters", i)
        except _SyntaxIssue as issue:
            raise self.fail(issue) from None

    def _document_array(self, i: int) -> int:
        data, n, ws = self.data, self.n, _match_ws
        i = ws(data, i).end()
        if i >= n:
            raise _SyntaxIssue("EOF while parsing a list", n)
        if data[i] == 0x5D:
            return i + 1
        while True:
            start = ws(data, i).end()
            i = self.value(start, strict=False)
            if data[start] != 0x7B:
                raise malformed_payload(self.fmt, NOT_DOCUMENTS)
            i = ws(data, i).end()
            if i >= n:
                raise _SyntaxIssue("EOF while parsing a list", n)
            if data[i] == 0x5D:
                return i + 1
            if data[i] != 0x2C:
                raise _SyntaxIssue("expected `,` or `]`", i)
            i = ws(data, i + 1).end()
            if i < n and data[i] == 0x5D:
                raise _SyntaxIssue("trailing comma", i)

    def stream_spans(self) -> list[tuple[int, int]]:
        """The (start, end) offsets of every object in a whitespace-separated stream."""
        data, n, ws = self.data, self.n, _match_ws
        spans = []
        i = ws(data, 0).end()
        try:
            while i < n:
                end = self.value(i, strict=False)
                if data[i] not in _SELF_DELIMITED and end < n and data[end] not in _END_OF_VALUE:
                    raise _SyntaxIssue("trailing characters", end)
                if data[i] != 0x7B:
                    raise malformed_payload(self.fmt, NOT_DOCUMENTS)
                spans.append((i, end))
                i = ws(data, end).end()
        except _SyntaxIssue as issue:
            raise self.fail(issue) from None
        return spans

    def value(self, i: int, strict: bool) -> int:
        """Skips one value starting at or after ``i``; returns the offset just past it."""
        data, n, ws = self.data, self.n, _match_ws
        stack: list[int] = []
        while True:
            i = ws(data, i).end()
            if i >= n:
                raise _SyntaxIssue("EOF while parsing a value", n)
            c = data[i]
            if c in _OPEN:
                i = ws(data, i + 1).end()
                if i >= n:
                    raise _SyntaxIssue(_EOF_IN[c], n)
                if data[i] != _OPEN[c]:
                    stack.append(c)
                    if c == 0x7B:
                        i = self._key(i)
                    continue
                i += 1
            else:
                i = self._scalar(i, c, strict)
            i = self._close(i, stack, strict)
            if not stack:
                return i

    def _close(self, i: int, stack: list[int], strict: bool) -> int:
        """After a value: pops finished containers; stops before the next value."""
        data, n, ws = self.data, self.n, _match_ws
        while stack:
            frame = stack[-1]
            i = ws(data, i).end()
            if i >= n:
                raise _SyntaxIssue(_EOF_IN[frame], n)
            c = data[i]
            if c == _OPEN[frame]:
                stack.pop()
                i += 1
            elif c == 0x2C:
                j = ws(data, i + 1).end()
                if strict and j < n and data[j] == _OPEN[frame]:
                    raise _SyntaxIssue("trailing comma", j)
                if strict and j >= n:
                    raise _SyntaxIssue("EOF while parsing a value", n)
                return self._key(j) if frame == 0x7B else j
            else:
                raise _SyntaxIssue(_COMMA_OR_END[frame], i)
        return i

    def _key(self, i: int) -> int:
        """An object key and its colon, starting at ``i`` (already past whitespace)."""
        data, n = self.data, self.n
        if i >= n:
            raise _SyntaxIssue("EOF while parsing an object", n)
        if data[i] != 0x22:
            raise _SyntaxIssue("key must be a string", i)
        i = _match_ws(data, self._string(i + 1)).end()
        if i >= n:
            raise _SyntaxIssue("EOF while parsing an object", n)
        if data[i] != 0x3A:
            raise _SyntaxIssue("expected `:`", i)
        return i + 1

    def _scalar(self, i: int, c: int, strict: bool) -> int:
        if c == 0x22:
            return self._string(i + 1)
        if c == 0x2D or 0x30 <= c <= 0x39:
            return self._number(i, strict)
        for word in (b"null", b"true", b"false"):
            if c == word[0]:
                for k in range(1, len(word)):
                    if i + k >= self.n:
                        raise _SyntaxIssue("EOF while parsing a value", self.n)
                    if self.data[i + k] != word[k]:
                        raise _SyntaxIssue("expected ident", i + k)
                return i + len(word)
        raise _SyntaxIssue("expected value", i)

    def _string(self, i: int) -> int:
        data, n = self.data, self.n
        while True:
            i = _match_string_run(data, i).end()
            if i >= n:
                raise _SyntaxIssue("EOF while parsing a string", n)
            c = data[i]
            if c == 0x22:
                return i + 1
            if c != 0x5C:
                raise _SyntaxIssue(
                    "control character (\\u0000-\\u001F) found while parsing a string", i
                )
            i += 1
            if i >= n:
                raise _SyntaxIssue("EOF while parsing a string", n)
            if data[i] == 0x75:  # \uXXXX
                if i + 5 > n:
                    raise _SyntaxIssue("EOF while parsing a string", n)
                if not _HEX.issuperset(data[i + 1 : i + 5]):
                    raise _SyntaxIssue("invalid escape", i + 4)
                i += 5
            elif data[i] in _SIMPLE_ESCAPES:
                i += 1
            else:
                raise _SyntaxIssue("invalid escape", i)

    def _number(self, i: int, strict: bool) -> int:
        data, n = self.data, self.n
        eof = "EOF while parsing a value" if strict else "invalid number"
        start = i
        if data[i] == 0x2D:
            i += 1
            if i >= n:
                raise _SyntaxIssue(eof, n)
        if data[i] == 0x30:
            i += 1
            if i < n and 0x30 <= data[i] <= 0x39:
                raise _SyntaxIssue("invalid number", i)
        elif 0x31 <= data[i] <= 0x39:
            i = _match_digits(data, i).end()
        else:
            raise _SyntaxIssue("invalid number", i)
        if i < n and data[i] == 0x2E:
            j = _match_digits(data, i + 1).end()
            if j == i + 1:
                raise _SyntaxIssue(eof if j >= n else "invalid number", j)
            i = j
        if i < n and data[i] in b"eE":
            i += 1
            if i < n and data[i] in b"+-":
                i += 1
            if i >= n:
                raise _SyntaxIssue(eof, n)
            if not 0x30 <= data[i] <= 0x39:
                raise _SyntaxIssue("invalid number", i)
            i = _match_digits(data, i).end()
        if strict and float(data[start:i]) in (float("inf"), float("-inf")):
            raise _SyntaxIssue("number out of range", i - 1)
        return i
