"""Turn a document payload (the body of ``POST``/``PUT /indexes/{uid}/documents``) into dicts.

Three steps, each a pure function so the HTTP layer can reject a bad request before enqueueing
and the scheduler can parse the stored payload later with the very same rules:

1. ``decode_content_encoding`` undoes ``Content-Encoding`` (gzip, deflate, br).
2. ``format_from_content_type`` picks JSON, NDJSON or CSV from ``Content-Type``.
3. ``parse_documents`` parses the bytes. The happy path is one ``orjson`` call per JSON
   payload or NDJSON line; only a payload orjson rejects goes through ``_Scanner``, a
   byte-level syntax checker that reports the first error the way clients expect to read
   it (serde_json's wording and ``line``/``column`` positions).
"""

from __future__ import annotations

import csv
import enum
import gc
import io
import itertools
import json
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import brotli
import orjson

from lumi.errors import LumiError


class PayloadFormat(enum.Enum):
    """A documents payload format; the value is the name used in error messages."""

    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"


# --------------------------------------------------------------------------- content encoding

_SUPPORTED_ENCODINGS = "`gzip`, `deflate`, `br`, `identity`"


def decode_content_encoding(raw: bytes, encoding: str | None, max_size: int | None = None) -> bytes:
    """Undo every encoding listed in a ``Content-Encoding`` header.

    Encodings are listed in the order they were applied, so they are undone from the last
    to the first. ``max_size`` bounds the decoded size so that a small compressed body
    cannot expand into an unbounded one.
    """
    if not encoding or not raw:
        return raw
    for name in reversed(encoding.split(",")):
        token = name.strip().lower()
        if token in ("", "identity"):
            continue
        if token in ("gzip", "x-gzip"):
            raw = _inflate(raw, 16 + zlib.MAX_WBITS, token, max_size)
        elif token == "deflate":
            raw = _inflate_deflate(raw, max_size)
        elif token == "br":
            raw = _unbrotli(raw, max_size)
        else:
            raise LumiError(
                "bad_request",
                f"The Content-Encoding `{name.strip()}` is not supported. "
                f"Supported encodings are: {_SUPPORTED_ENCODINGS}.",
            )
    return raw


def _inflate(raw: bytes, wbits: int, name: str, max_size: int | None) -> bytes:
    """zlib-family decoding; gzip bodies may hold several concatenated members."""
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            decoder = zlib.decompressobj(wbits)
            chunk = decoder.decompress(raw, max_size + 1 if max_size is not None else 0)
            total += len(chunk)
            _check_size(total, max_size)
            chunks.append(chunk)
            if not decoder.eof:
                raise zlib.error("the compressed data ends too early")
            raw = decoder.unused_data
            if not raw:
                return b"".join(chunks)
    except zlib.error as exc:
        raise _corrupt(name, str(exc)) from None


def _inflate_deflate(raw: bytes, max_size: int | None) -> bytes:
    """``deflate`` is zlib-wrapped per the HTTP spec, but some clients send raw deflate."""
    try:
        return _inflate(raw, zlib.MAX_WBITS, "deflate", max_size)
    except LumiError as exc:
        if exc.code != "malformed_payload":
            raise
        return _inflate(raw, -zlib.MAX_WBITS, "deflate", max_size)


def _unbrotli(raw: bytes, max_size: int | None) -> bytes:
    decoder = brotli.Decompressor()
    try:
        if max_size is None:
            decoded = decoder.process(raw)
        else:
            decoded = decoder.process(raw, output_buffer_limit=max_size + 1)
    except brotli.error as exc:
        raise _corrupt("br", str(exc) or "invalid brotli stream") from None
    _check_size(len(decoded), max_size)
    if not decoder.is_finished():
        raise _corrupt("br", "the compressed data ends too early")
    return decoded


def _corrupt(name: str, detail: str) -> LumiError:
    return LumiError(
        "malformed_payload",
        f"The payload could not be decoded with the `{name}` content-encoding: {detail}.",
    )


def _check_size(size: int, max_size: int | None) -> None:
    if max_size is not None and size > max_size:
        raise LumiError(
            "payload_too_large",
            "The provided payload reached the size limit. "
            f"The maximum accepted payload size is {format_byte_size(max_size)}.",
        )


def format_byte_size(size: int) -> str:
    """``100 MB`` for decimal sizes, ``10 MiB`` when the size is a multiple of 1024."""
    base, units = (1024, _BINARY_UNITS) if size and size % 1024 == 0 else (1000, _DECIMAL_UNITS)
    value, unit = float(size), units[0]
    for unit in units:
        if value < base or unit == units[-1]:
            break
        value /= base
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}"


_DECIMAL_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")
_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")

# ------------------------------------------------------------------------------- content type

_ACCEPTED = "`application/json`, `application/x-ndjson`, `text/csv`"
_FORMATS = {
    "application/json": PayloadFormat.JSON,
    "application/x-ndjson": PayloadFormat.NDJSON,
    "text/csv": PayloadFormat.CSV,
}
_MIME_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+/[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def format_from_content_type(ct: str | None, csv_delimiter: str | None) -> PayloadFormat:
    """The payload format of a documents request, validating ``csvDelimiter`` on the way.

    ``ct`` is the raw ``Content-Type`` header (None when absent); parameters such as
    ``charset`` are ignored. ``csv_delimiter`` is the raw query parameter (None when absent).
    """
    if csv_delimiter is not None:
        validate_csv_delimiter(csv_delimiter)
    if ct is None:
        raise LumiError(
            "missing_content_type",
            "A Content-Type header is missing. "
            f"Accepted values for the Content-Type header are: {_ACCEPTED}",
        )
    essence = ct.split(";", 1)[0].strip()
    if _MIME_TOKEN.fullmatch(essence) is None:
        shown = ct
    else:
        shown = essence.lower()
        fmt = _FORMATS.get(shown)
        if fmt is PayloadFormat.CSV or (fmt is not None and csv_delimiter is None):
            return fmt
        if fmt is not None:
            raise LumiError(
                "invalid_content_type",
                f"The Content-Type `{shown}` does not support the use of a csv delimiter. "
                "The csv delimiter can only be used with the Content-Type `text/csv`.",
            )
    raise LumiError(
        "invalid_content_type",
        f"The Content-Type `{shown}` is invalid. "
        f"Accepted values for the Content-Type header are: {_ACCEPTED}",
    )


def validate_csv_delimiter(value: str) -> str:
    """A ``csvDelimiter`` must be exactly one ASCII character."""
    if len(value) != 1:
        raise LumiError(
            "invalid_document_csv_delimiter",
            "Invalid value in parameter `csvDelimiter`: expected a string of one character, "
            f"but found the following string of {len(value)} characters: `{value}`",
        )
    if not value.isascii():
        raise LumiError(
            "invalid_document_csv_delimiter",
            f"csv delimiter must be an ascii character. Found: `{value}`",
        )
    return value


# ---------------------------------------------------------------------------------- parsing


def parse_documents(raw: bytes, fmt: PayloadFormat, csv_delimiter: str = ",") -> list[dict]:
    """Every document of a payload, in payload order.

    Raises ``missing_payload`` for an empty body and ``malformed_payload`` for anything
    that is not a JSON object / array of objects, a stream of NDJSON objects, or a CSV table.
    """
    if not raw:
        raise LumiError("missing_payload", f"A {fmt.value} payload is missing.")
    with _gc_paused():
        if fmt is PayloadFormat.JSON:
            return _parse_json(raw)
        if fmt is PayloadFormat.NDJSON:
            return _parse_ndjson(raw)
        return _parse_csv(raw, csv_delimiter)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Millions of fresh dicts would trigger useless collections; none of them are cyclic."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_NOT_DOCUMENTS = "data are neither an object nor a list of objects"


def _malformed(fmt: PayloadFormat, detail: str) -> LumiError:
    """The documents-route error: the detail is cut in the middle when it is very long."""
    if len(detail) > 138:
        detail = detail[:50] + "..." + detail[-85:]
    return LumiError(
        "malformed_payload",
        f"The `{fmt.value}` payload provided is malformed. "
        f"`Couldn't serialize document value: {detail}`.",
    )


def _parse_json(raw: bytes) -> list[dict]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        _Scanner(raw, PayloadFormat.JSON).check_json_documents()
        value = _lenient_loads(raw, PayloadFormat.JSON, 0, len(raw))
    if type(value) is dict:
        return [value]
    if type(value) is not list or any(type(doc) is not dict for doc in value):
        raise _malformed(PayloadFormat.JSON, _NOT_DOCUMENTS)
    return value


def _parse_ndjson(raw: bytes) -> list[dict]:
    """One orjson call per line; anything unusual replays the payload as a JSON stream."""
    loads = orjson.loads
    try:
        docs = [loads(line) for line in raw.split(b"\n") if line.strip(b" \t\r")]
    except orjson.JSONDecodeError:
        return _parse_json_stream(raw)
    if any(type(doc) is not dict for doc in docs):
        return _parse_json_stream(raw)
    return docs


def _parse_json_stream(raw: bytes) -> list[dict]:
    """Objects separated by any JSON whitespace, like a streaming JSON reader accepts."""
    spans = _Scanner(raw, PayloadFormat.NDJSON).stream_spans()
    docs = []
    for start, end in spans:
        try:
            docs.append(orjson.loads(raw[start:end]))
        except orjson.JSONDecodeError:
            docs.append(_lenient_loads(raw, PayloadFormat.NDJSON, start, end))
    return docs


def _lenient_loads(raw: bytes, fmt: PayloadFormat, start: int, end: int) -> object:
    """``raw[start:end]`` is valid JSON syntax that orjson refuses: integers beyond 64 bits,
    numbers beyond the float range, deep nesting, invalid UTF-8 or lone surrogates. Huge
    integers become floats, as 64-bit JSON readers do; infinite floats are refused.
    """
    text = raw[start:end]
    try:
        value = json.loads(text.decode("utf-8"), parse_int=_int_or_float, parse_float=_finite)
        orjson.dumps(value)  # refuses strings holding lone surrogates
        return value
    except orjson.JSONEncodeError:
        found = _SURROGATE.search(text)
        offset = start + (found.end() if found else len(text))
        detail = "lone leading surrogate in hex escape"
    except UnicodeDecodeError as exc:
        offset = start + exc.start + 1
        detail = "invalid unicode code point"
    except _OutOfRange as exc:
        offset = start + text.find(exc.text.encode()) + len(exc.text)
        detail = "number out of range"
    except RecursionError:
        offset = end
        detail = "recursion limit exceeded"
    line, column = _position(raw, offset)
    raise _malformed(fmt, f"{detail} at line {line} column {column}")


_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class _OutOfRange(ValueError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _finite(text: str) -> float:
    value = float(text)
    if value - value != 0.0:
        raise _OutOfRange(text)
    return value


def _int_or_float(text: str) -> int | float:
    value = int(text)
    return value if -(2**63) <= value < 2**64 else _finite(text)


def _position(data: bytes, index: int) -> tuple[int, int]:
    """serde_json's position of a byte offset: 1-based line, column = bytes since the newline."""
    start = data.rfind(b"\n", 0, index) + 1
    return data.count(b"\n", 0, start) + 1, index - start


# ----------------------------------------------------------------------- JSON error locator

_WS = re.compile(rb"[ \t\n\r]*")
_STRING_RUN = re.compile(rb'[^"\\\x00-\x1f]*')
_DIGITS = re.compile(rb"[0-9]*")
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


class _Scanner:
    """Walks JSON bytes without building values, only to find the first error.

    ``strict`` follows the rules of a reader building values (``trailing comma`` errors,
    range-checked numbers); otherwise the rules of a reader that only skips raw values.
    """

    def __init__(self, data: bytes, fmt: PayloadFormat) -> None:
        self.data = data
        self.n = len(data)
        self.fmt = fmt

    def fail(self, issue: _SyntaxIssue) -> LumiError:
        line, column = _position(self.data, min(issue.offset + 1, self.n))
        return _malformed(self.fmt, f"{issue.message} at line {line} column {column}")

    def check_json_documents(self) -> None:
        """An array of objects, or one object; raises at the first problem."""
        data, n = self.data, self.n
        try:
            i = _WS.match(data, 0).end()
            if i < n and data[i] == 0x5B:
                i = self._document_array(i + 1)
            elif i < n and data[i] == 0x7B:
                i = self.value(i, strict=True)
            else:
                self.value(i, strict=True)
                raise _malformed(self.fmt, _NOT_DOCUMENTS)
            i = _WS.match(data, i).end()
            if i < n:
                raise _SyntaxIssue("trailing characters", i)
        except _SyntaxIssue as issue:
            raise self.fail(issue) from None

    def _document_array(self, i: int) -> int:
        data, n, ws = self.data, self.n, _WS.match
        i = ws(data, i).end()
        if i >= n:
            raise _SyntaxIssue("EOF while parsing a list", n)
        if data[i] == 0x5D:
            return i + 1
        while True:
            start = ws(data, i).end()
            i = self.value(start, strict=False)
            if data[start] != 0x7B:
                raise _malformed(self.fmt, _NOT_DOCUMENTS)
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
        data, n, ws = self.data, self.n, _WS.match
        spans = []
        i = ws(data, 0).end()
        try:
            while i < n:
                end = self.value(i, strict=False)
                if data[i] not in _SELF_DELIMITED and end < n and data[end] not in _END_OF_VALUE:
                    raise _SyntaxIssue("trailing characters", end)
                if data[i] != 0x7B:
                    raise _malformed(self.fmt, _NOT_DOCUMENTS)
                spans.append((i, end))
                i = ws(data, end).end()
        except _SyntaxIssue as issue:
            raise self.fail(issue) from None
        return spans

    def value(self, i: int, strict: bool) -> int:
        """Skips one value starting at or after ``i``; returns the offset just past it."""
        data, n, ws = self.data, self.n, _WS.match
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
        data, n, ws = self.data, self.n, _WS.match
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
        i = _WS.match(data, self._string(i + 1)).end()
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
            i = _STRING_RUN.match(data, i).end()
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
            i = _DIGITS.match(data, i).end()
        else:
            raise _SyntaxIssue("invalid number", i)
        if i < n and data[i] == 0x2E:
            j = _DIGITS.match(data, i + 1).end()
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
            i = _DIGITS.match(data, i).end()
        if strict and float(data[start:i]) in (float("inf"), float("-inf")):
            raise _SyntaxIssue("number out of range", i - 1)
        return i


# ----------------------------------------------------------------------------------------- CSV

_INTEGER = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(
    r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)", re.I
)
_STRING, _NUMBER, _BOOLEAN = 0, 1, 2
_HEADER_TYPES = {"string": _STRING, "number": _NUMBER, "boolean": _BOOLEAN}
_MAX_FIELD = 2**31 - 1


def _csv_header(header: str) -> tuple[str, int]:
    """``name:number`` → (``name``, number); an unknown suffix stays part of the name."""
    name, sep, kind = header.rpartition(":")
    if sep and kind in _HEADER_TYPES:
        return name, _HEADER_TYPES[kind]
    return header, _STRING


def _csv_error(detail: str) -> LumiError:
    return LumiError("malformed_payload", f"The `csv` payload provided is malformed: `{detail}`.")


def _parse_csv(raw: bytes, delimiter: str) -> list[dict]:
    text = _decode_csv(raw)
    if csv.field_size_limit() < _MAX_FIELD:
        csv.field_size_limit(_MAX_FIELD)
    quoting = csv.QUOTE_NONE if delimiter == '"' else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
    header: list[tuple[str, int]] | None = None
    docs: list[dict] = []
    record = previous_line = 0
    for row in reader:
        if not row:
            previous_line = reader.line_num
            continue
        if header is None:
            header = [_csv_header(cell) for cell in row]
        elif len(row) != len(header):
            raise _unequal_lengths(text, record, previous_line + 1, len(row), len(header))
        else:
            docs.append(_csv_document(header, row, record))
        record += 1
        previous_line = reader.line_num
    return docs


def _csv_document(header: list[tuple[str, int]], row: list[str], line: int) -> dict:
    doc: dict = {}
    for (name, kind), cell in zip(header, row, strict=True):
        if kind == _STRING:
            doc[name] = cell or None
            continue
        value = cell.strip()
        if not value:
            doc[name] = None
        elif kind == _BOOLEAN:
            if value not in ("true", "false"):
                raise _csv_error(
                    f"Error parsing boolean {_rust_debug(cell)} at line {line}: "
                    "provided string was not `true` or `false`"
                )
            doc[name] = value == "true"
        else:
            doc[name] = _csv_number(value, cell, line)
    return doc


def _csv_number(value: str, cell: str, line: int) -> int | float | None:
    if _INTEGER.fullmatch(value) and -(2**63) <= (number := int(value)) < 2**63:
        return number
    if _FLOAT.fullmatch(value) is None:
        raise _csv_error(
            f"Error parsing number {_rust_debug(cell)} at line {line}: invalid float literal"
        )
    result = float(value)
    return result if result - result == 0.0 else None  # inf and nan have no JSON form


def _decode_csv(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        raise _csv_error(
            f"CSV parse error: record {line - 1} (line {line}, byte: {start}): "
            f"invalid utf-8 sequence near byte index {exc.start - start}"
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _unequal_lengths(text: str, record: int, line: int, got: int, expected: int) -> LumiError:
    lines = itertools.islice(io.StringIO(text, newline=""), line - 1)
    byte = sum(len(part.encode("utf-8")) for part in lines)
    return _csv_error(
        f"CSV error: record {record} (line: {line}, byte: {byte}): found record with {got} "
        f"fields, but the previous record has {expected} fields"
    )


def _rust_debug(text: str) -> str:
    """A string quoted and escaped the way Rust's ``{:?}`` prints it."""
    out = ['"']
    for char in text:
        if char in _RUST_ESCAPES:
            out.append(_RUST_ESCAPES[char])
        elif char < " " or char == "\x7f":
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


_RUST_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}
