from __future__ import annotations

import pytest

from lumi.index.payloads.json_documents import parse_json, parse_ndjson
from tests.index.payloads.support import error_of, json_error

# ------------------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"id": 1}', [{"id": 1}]),
        (b'[{"id": 1}, {"id": "b", "n": {"x": [1, 2.5, null, true]}}]', None),
        (b' \n[{"id": 1}]\r\n', [{"id": 1}]),
        (b'[{"id": 123456789012345678901234567890}]', [{"id": 1.2345678901234568e29}]),
        (b'[{"id": 18446744073709551615}]', [{"id": 18446744073709551615}]),
        (b'[{"smile": "\\ud83d\\ude00"}]', [{"smile": "😀"}]),
    ],
)
def test_json_documents(raw: bytes, expected: list | None) -> None:
    docs = parse_json(raw)
    if expected is None:
        expected = [{"id": 1}, {"id": "b", "n": {"x": [1, 2.5, None, True]}}]
    assert docs == expected


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b" ", "EOF while parsing a value at line 1 column 1"),
        (b"x", "expected value at line 1 column 1"),
        (b"\xef\xbb\xbf[]", "expected value at line 1 column 1"),
        (b'{"id": 1', "EOF while parsing an object at line 1 column 8"),
        (b'{"id" 1}', "expected `:` at line 1 column 7"),
        (b'{"id": 1 "a": 2}', "expected `,` or `}` at line 1 column 10"),
        (b'{"id": 1,}', "trailing comma at line 1 column 10"),
        (b"{id: 1}", "key must be a string at line 1 column 2"),
        (b'{"id": 1} {"id": 2}', "trailing characters at line 1 column 11"),
        (b'[{"id": 1}', "EOF while parsing a list at line 1 column 10"),
        (b'[{"id": 1},]', "trailing comma at line 1 column 12"),
        (b'[{"id": 1} {"id": 2}]', "expected `,` or `]` at line 1 column 12"),
        (b'[{"id": 1,}]', "key must be a string at line 1 column 11"),
        (b'[{"id": 1}] x', "trailing characters at line 1 column 13"),
        (b'[\n  {"id": 1},\n  {"id": tru}\n]', "expected ident at line 3 column 13"),
        (b'[{"id": 01}]', "invalid number at line 1 column 10"),
        (b'[{"id": 1.}]', "invalid number at line 1 column 11"),
        (b'[{"id": -}]', "invalid number at line 1 column 10"),
        (b'[{"id": 1e}]', "invalid number at line 1 column 11"),
        (b'{"id": -', "EOF while parsing a value at line 1 column 8"),
        (b'{"id": 1e400}', "number out of range at line 1 column 12"),
        (b'[{"id": 1e400}]', "number out of range at line 1 column 13"),
        (b'[{"id": NaN}]', "expected value at line 1 column 9"),
        (b'[{"id": "a\\x"}]', "invalid escape at line 1 column 12"),
        (b'[{"id": "\\u12G4"}]', "invalid escape at line 1 column 15"),
        (
            b'[{"id": "a\x01"}]',
            "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 11",
        ),
        (b'[{"id": "abc', "EOF while parsing a string at line 1 column 12"),
        (b'"abc', "EOF while parsing a string at line 1 column 4"),
        (b'[{"id": "\xff"}]', "invalid unicode code point at line 1 column 10"),
        (b'[{"id": "\\ud800"}]', "lone leading surrogate in hex escape at line 1 column 15"),
        (b"[1, 2]", "data are neither an object nor a list of objects"),
        (b'[{"id": 1}, [], {"id": ', "data are neither an object nor a list of objects"),
        (b'"a string"', "data are neither an object nor a list of objects"),
        (b"42", "data are neither an object nor a list of objects"),
        (b"null", "data are neither an object nor a list of objects"),
    ],
)
def test_malformed_json(raw: bytes, detail: str) -> None:
    assert error_of(parse_json, raw) == ("malformed_payload", json_error(detail))


def test_very_deep_nesting_is_reported() -> None:
    raw = b"[" + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"]"
    code, message = error_of(parse_json, raw)
    assert code == "malformed_payload"
    assert "recursion limit exceeded at line 1" in message


# ----------------------------------------------------------------------------------- NDJSON


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"id": 1}\n{"id": 2}\n', [{"id": 1}, {"id": 2}]),
        (b'{"id": 1}\r\n\r\n  \n{"id": 2}', [{"id": 1}, {"id": 2}]),
        (b'{"id": 1} {"id": 2}', [{"id": 1}, {"id": 2}]),
        (b'{"id": 1}{"id": 2}', [{"id": 1}, {"id": 2}]),
        (b'{\n  "id": 1\n}\n{"id": 2}', [{"id": 1}, {"id": 2}]),
        (b'{"id": 99999999999999999999999}', [{"id": 1e23}]),
    ],
)
def test_ndjson_documents(raw: bytes, expected: list) -> None:
    assert parse_ndjson(raw) == expected


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b'{"id": 1}\n{"id": 2', "EOF while parsing an object at line 2 column 8"),
        (b'{"id": 1},\n{"id": 2}', "expected value at line 1 column 10"),
        (b'{"id": 1}\n[{"id": 2}]', "data are neither an object nor a list of objects"),
        (b'{"id": 1}\n12\n', "data are neither an object nor a list of objects"),
        (b'{"id": 1}\n12x\n', "trailing characters at line 2 column 3"),
        (b'{"id": 1}\n{"id": 1,}', "key must be a string at line 2 column 10"),
        (b'{"id": 1}\n{"id": 1e999}', "number out of range at line 2 column 12"),
        (b'{"id": 1}\n{"id": "\xff"}', "invalid unicode code point at line 2 column 9"),
    ],
)
def test_malformed_ndjson(raw: bytes, detail: str) -> None:
    assert error_of(parse_ndjson, raw) == (
        "malformed_payload",
        json_error(detail, "ndjson"),
    )
