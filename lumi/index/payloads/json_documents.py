"""JSON and NDJSON payloads into documents: one orjson call on the happy path.

A payload orjson rejects is either invalid (``json_syntax`` words the first error) or valid
JSON that orjson refuses (huge integers, deep nesting, ...), which the standard library then
reads with 64-bit JSON reader semantics.
"""

from __future__ import annotations

import json
import re

import orjson

from lumi.index.payloads.formats import PayloadFormat
from lumi.index.payloads.json_syntax import (
    NOT_DOCUMENTS,
    JsonScanner,
    line_and_column,
    malformed_payload,
)


def parse_json(raw: bytes) -> list[dict]:
    """One object or an array of objects; anything else is ``malformed_payload``."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        JsonScanner(raw, PayloadFormat.JSON).check_json_documents()
        value = _lenient_loads(raw, PayloadFormat.JSON, 0, len(raw))
    if type(value) is dict:
        return [value]
    if type(value) is not list or any(type(doc) is not dict for doc in value):
        raise malformed_payload(PayloadFormat.JSON, NOT_DOCUMENTS)
    return value


def parse_ndjson(raw: bytes) -> list[dict]:
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
    spans = JsonScanner(raw, PayloadFormat.NDJSON).stream_spans()
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
    line, column = line_and_column(raw, offset)
    raise malformed_payload(fmt, f"{detail} at line {line} column {column}")


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
