"""CSV payloads into documents: typed headers (``name:number``, ``name:boolean``) and the
exact wording of CSV errors.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from typing import Literal

from lumi.errors import LumiError

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


def parse_csv(raw: bytes, delimiter: str) -> list[dict]:
    """A header row, then one document per non-empty record (empty cells become null)."""
    text = _decode_csv(raw)
    if csv.field_size_limit() < _MAX_FIELD:
        csv.field_size_limit(_MAX_FIELD)
    quoting: Literal[0, 3] = csv.QUOTE_NONE if delimiter == '"' else csv.QUOTE_MINIMAL
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
