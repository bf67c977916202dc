from __future__ import annotations

import gc
import gzip
import zlib

import brotli
import pytest

from lumi.errors import LumiError
from lumi.index.payloads import (
    PayloadFormat,
    decode_content_encoding,
    format_byte_size,
    format_from_content_type,
    parse_documents,
    validate_csv_delimiter,
)
from lumi.index.payloads import _malformed as _malformed
from tests.support.datasets import SHARED_DATASETS

FIXTURES = SHARED_DATASETS / "meili-sdk"
JSON, NDJSON, CSV = PayloadFormat.JSON, PayloadFormat.NDJSON, PayloadFormat.CSV
ACCEPTED = "`application/json`, `application/x-ndjson`, `text/csv`"
BODY = b'[{"id": 1, "title": "Carol"}, {"id": 2, "title": "Wonder Woman"}]' * 20


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def json_error(detail: str, fmt: str = "json") -> str:
    return (
        f"The `{fmt}` payload provided is malformed. `Couldn't serialize document value: {detail}`."
    )


def csv_error(detail: str) -> str:
    return f"The `csv` payload provided is malformed: `{detail}`."


def error_of(call, *args) -> tuple[str, str]:
    with pytest.raises(LumiError) as info:
        call(*args)
    return info.value.code, info.value.message


# ------------------------------------------------------------------------ content encoding


@pytest.mark.parametrize(
    ("encoded", "header"),
    [
        (BODY, None),
        (BODY, ""),
        (BODY, "identity"),
        (gzip.compress(BODY, mtime=0), "gzip"),
        (gzip.compress(BODY, mtime=0), "GZIP"),
        (gzip.compress(BODY, mtime=0), "x-gzip"),
        (gzip.compress(BODY[:100], mtime=0) + gzip.compress(BODY[100:], mtime=0), "gzip"),
        (zlib.compress(BODY), "deflate"),
        (raw_deflate(BODY), "deflate"),
        (brotli.compress(BODY), "br"),
        (brotli.compress(gzip.compress(BODY, mtime=0)), "gzip, br"),
        (gzip.compress(zlib.compress(BODY), mtime=0), "deflate,gzip"),
        (gzip.compress(BODY, mtime=0), "identity, gzip"),
    ],
)
def test_decode_content_encoding_round_trips(encoded: bytes, header: str | None) -> None:
    assert decode_content_encoding(encoded, header) == BODY


def test_empty_compressed_body_stays_empty() -> None:
    assert decode_content_encoding(b"", "gzip") == b""


@pytest.mark.parametrize("header", ["gzip", "deflate", "br"])
def test_corrupt_encoded_body_is_malformed(header: str) -> None:
    code, message = error_of(decode_content_encoding, b"definitely not compressed", header)
    assert code == "malformed_payload"
    assert message.startswith(
        f"The payload could not be decoded with the `{header}` content-encoding: "
    )


@pytest.mark.parametrize(
    ("encoded", "header"),
    [
        (gzip.compress(BODY, mtime=0)[:-10], "gzip"),
        (zlib.compress(BODY)[:-10], "deflate"),
        (brotli.compress(BODY)[:-3], "br"),
        (gzip.compress(BODY, mtime=0) + b"trailing garbage", "gzip"),
    ],
)
def test_truncated_body_is_malformed(encoded: bytes, header: str) -> None:
    code, message = error_of(decode_content_encoding, encoded, header)
    assert code == "malformed_payload"
    assert f"`{header}` content-encoding" in message


def test_unknown_content_encoding() -> None:
    assert error_of(decode_content_encoding, BODY, "zstd") == (
        "bad_request",
        "The Content-Encoding `zstd` is not supported. "
        "Supported encodings are: `gzip`, `deflate`, `br`, `identity`.",
    )


@pytest.mark.parametrize("header", ["gzip", "deflate", "br"])
def test_decoded_size_is_bounded(header: str) -> None:
    bomb = bytes(3_000_000)
    encoded = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[header]
    assert decode_content_encoding(encoded(bomb), header, max_size=3_000_000) == bomb
    assert error_of(decode_content_encoding, encoded(bomb), header, 2_000_000) == (
        "payload_too_large",
        "The provided payload reached the size limit. The maximum accepted payload size is 2 MB.",
    )


@pytest.mark.parametrize(
    ("size", "text"),
    [(100_000_000, "100 MB"), (10 * 1024 * 1024, "10 MiB"), (500, "500 B"), (1_500_000, "1.5 MB")],
)
def test_format_byte_size(size: int, text: str) -> None:
    assert format_byte_size(size) == text


# ---------------------------------------------------------------------------- content type


@pytest.mark.parametrize(
    ("header", "delimiter", "expected"),
    [
        ("application/json", None, JSON),
        ("application/json; charset=utf-8", None, JSON),
        ("Application/JSON", None, JSON),
        ("application/x-ndjson", None, NDJSON),
        ("application/x-ndjson;charset=UTF-8", None, NDJSON),
        ("text/csv", None, CSV),
        ("text/csv; charset=utf-8", ";", CSV),
        ("text/csv", "\t", CSV),
    ],
)
def test_accepted_content_types(header: str, delimiter: str | None, expected) -> None:
    assert format_from_content_type(header, delimiter) is expected


@pytest.mark.parametrize(
    ("header", "delimiter", "code", "message"),
    [
        (
            None,
            None,
            "missing_content_type",
            f"A Content-Type header is missing. Accepted values for the Content-Type header "
            f"are: {ACCEPTED}",
        ),
        (
            None,
            ";",
            "missing_content_type",
            f"A Content-Type header is missing. Accepted values for the Content-Type header "
            f"are: {ACCEPTED}",
        ),
        (
            "text/plain; charset=utf-8",
            None,
            "invalid_content_type",
            f"The Content-Type `text/plain` is invalid. Accepted values for the Content-Type "
            f"header are: {ACCEPTED}",
        ),
        (
            "application/xml",
            ";",
            "invalid_content_type",
            f"The Content-Type `application/xml` is invalid. Accepted values for the "
            f"Content-Type header are: {ACCEPTED}",
        ),
        (
            "nonsense",
            None,
            "invalid_content_type",
            f"The Content-Type `nonsense` is invalid. Accepted values for the Content-Type "
            f"header are: {ACCEPTED}",
        ),
        (
            "application/json",
            ";",
            "invalid_content_type",
            "The Content-Type `application/json` does not support the use of a csv delimiter. "
            "The csv delimiter can only be used with the Content-Type `text/csv`.",
        ),
        (
            "application/x-ndjson; charset=utf-8",
            ",",
            "invalid_content_type",
            "The Content-Type `application/x-ndjson` does not support the use of a csv "
            "delimiter. The csv delimiter can only be used with the Content-Type `text/csv`.",
        ),
        (
            "text/csv",
            "é",
            "invalid_document_csv_delimiter",
            "csv delimiter must be an ascii character. Found: `é`",
        ),
        (
            None,
            "é",
            "invalid_document_csv_delimiter",
            "csv delimiter must be an ascii character. Found: `é`",
        ),
        (
            "text/csv",
            ";;",
            "invalid_document_csv_delimiter",
            "Invalid value in parameter `csvDelimiter`: expected a string of one character, "
            "but found the following string of 2 characters: `;;`",
        ),
        (
            "text/csv",
            "",
            "invalid_document_csv_delimiter",
            "Invalid value in parameter `csvDelimiter`: expected a string of one character, "
            "but found the following string of 0 characters: ``",
        ),
    ],
)
def test_rejected_content_types(
    header: str | None, delimiter: str | None, code: str, message: str
) -> None:
    assert error_of(format_from_content_type, header, delimiter) == (code, message)


def test_validate_csv_delimiter_returns_the_delimiter() -> None:
    assert validate_csv_delimiter("|") == "|"


# ----------------------------------------------------------------------------- empty bodies


@pytest.mark.parametrize("fmt", [JSON, NDJSON, CSV])
def test_empty_payload_is_missing(fmt: PayloadFormat) -> None:
    assert error_of(parse_documents, b"", fmt) == (
        "missing_payload",
        f"A {fmt.value} payload is missing.",
    )


@pytest.mark.parametrize(
    ("raw", "fmt"),
    [(b"[]", JSON), (b" [ ] ", JSON), (b"\n\n \r\n", NDJSON), (b"id,title\n", CSV), (b"\n", CSV)],
)
def test_payloads_without_documents(raw: bytes, fmt: PayloadFormat) -> None:
    assert parse_documents(raw, fmt) == []


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
    docs = parse_documents(raw, JSON)
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
    assert error_of(parse_documents, raw, JSON) == ("malformed_payload", json_error(detail))


@pytest.mark.parametrize(
    ("detail", "shown"),
    [
        ("x" * 138, "x" * 138),
        ("a" * 50 + "b" * 4 + "c" * 85, "a" * 50 + "..." + "c" * 85),
        ("a" * 50 + "b" * 1000 + "c" * 85, "a" * 50 + "..." + "c" * 85),
    ],
)
def test_long_malformed_detail_is_cut_in_the_middle(detail: str, shown: str) -> None:
    assert _malformed(JSON, detail).message == json_error(shown)


def test_very_deep_nesting_is_reported() -> None:
    raw = b"[" + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"]"
    code, message = error_of(parse_documents, raw, JSON)
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
    assert parse_documents(raw, NDJSON) == expected


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
    assert error_of(parse_documents, raw, NDJSON) == (
        "malformed_payload",
        json_error(detail, "ndjson"),
    )


# -------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("raw", "delimiter", "expected"),
    [
        (b"id,title\n1,Carol\n", ",", [{"id": "1", "title": "Carol"}]),
        (b"id;title\r\n1;Carol\r\n", ";", [{"id": "1", "title": "Carol"}]),
        (b"id\ttitle\n1\tCarol", "\t", [{"id": "1", "title": "Carol"}]),
        (
            b"id:number,price:number,ok:boolean,name:string\n1, 2.5 , true ,x\n-7,1e3,false,\n",
            ",",
            [
                {"id": 1, "price": 2.5, "ok": True, "name": "x"},
                {"id": -7, "price": 1000.0, "ok": False, "name": None},
            ],
        ),
        (b"n:number,b:boolean,s\n,  ,\n", ",", [{"n": None, "b": None, "s": None}]),
        (b"s\n  \n", ",", [{"s": "  "}]),
        (b"n:number\n+5\n.5\n5.\n", ",", [{"n": 5}, {"n": 0.5}, {"n": 5.0}]),
        (b"n:number\n9223372036854775808\ninf\n", ",", [{"n": 9.223372036854776e18}, {"n": None}]),
        (b"a:other,b:c:number\n1,2\n", ",", [{"a:other": "1", "b:c": 2}]),
        (b"a,a:number\n1,2\n", ",", [{"a": 2}]),
        (b'id,text\n1,"a, ""quoted""\nline"\n', ",", [{"id": "1", "text": 'a, "quoted"\nline'}]),
        (b"\n\nid\n\n1\n", ",", [{"id": "1"}]),
        (b"\xef\xbb\xbfid\n1\n", ",", [{"id": "1"}]),
        ("id,name\n1,Zoë\n".encode(), ",", [{"id": "1", "name": "Zoë"}]),
    ],
)
def test_csv_documents(raw: bytes, delimiter: str, expected: list) -> None:
    assert parse_documents(raw, CSV, delimiter) == expected


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"n:number\n1\nabc\n", 'Error parsing number "abc" at line 2: invalid float literal'),
        (b"n:number\n1_000\n", 'Error parsing number "1_000" at line 1: invalid float literal'),
        (b'n:number\n" x"\n', 'Error parsing number " x" at line 1: invalid float literal'),
        (
            b"b:boolean\nyes\n",
            'Error parsing boolean "yes" at line 1: provided string was not `true` or `false`',
        ),
        (
            b"b:boolean\nTrue\n",
            'Error parsing boolean "True" at line 1: provided string was not `true` or `false`',
        ),
        (
            b"id,title\n1,a\n2\n",
            "CSV error: record 2 (line: 3, byte: 13): found record with 1 fields, "
            "but the previous record has 2 fields",
        ),
        (
            b"id,title\n\n1,a,b\n",
            "CSV error: record 1 (line: 3, byte: 10): found record with 3 fields, "
            "but the previous record has 2 fields",
        ),
    ],
)
def test_malformed_csv(raw: bytes, detail: str) -> None:
    assert error_of(parse_documents, raw, CSV) == ("malformed_payload", csv_error(detail))


def test_csv_with_invalid_utf8() -> None:
    code, message = error_of(parse_documents, b"id\n\xff\n", CSV)
    assert code == "malformed_payload"
    assert message.startswith("The `csv` payload provided is malformed: `CSV parse error: ")


# --------------------------------------------------------------------------- SDK fixtures


@pytest.mark.parametrize(
    ("name", "fmt", "delimiter", "count"),
    [
        ("songs.csv", CSV, ",", 499),
        ("songs_custom_delimiter.csv", CSV, ";", 20),
        ("songs.ndjson", NDJSON, ",", 225),
        ("small_movies.json", JSON, ",", 31),
        ("nested_movies.json", JSON, ",", 7),
    ],
)
def test_sdk_fixtures_parse(name: str, fmt: PayloadFormat, delimiter: str, count: int) -> None:
    docs = parse_documents((FIXTURES / name).read_bytes(), fmt, delimiter)
    assert len(docs) == count
    assert all(isinstance(doc, dict) and "id" in doc for doc in docs)


def test_songs_csv_first_document() -> None:
    docs = parse_documents((FIXTURES / "songs.csv").read_bytes(), CSV)
    assert docs[0] == {
        "id": "702481615",
        "title": "Armatage Shanks",
        "album": "Dookie: The Ultimate Critical Review",
        "artist": "Green Day",
        "genre": "Rock",
        "country": "Europe",
        "released": "2005",
        "duration": None,
        "released-timestamp": "1104537600",
        "duration-float": None,
    }
    assert docs[2]["genre"] == "Folk, World, & Country"


def test_custom_delimiter_fixture_matches_the_comma_one() -> None:
    comma = parse_documents((FIXTURES / "songs.csv").read_bytes(), CSV)
    semicolon = parse_documents((FIXTURES / "songs_custom_delimiter.csv").read_bytes(), CSV, ";")
    assert semicolon[0] == comma[0]


# ------------------------------------------------------------------------ garbage collector


@pytest.mark.parametrize(("raw", "fmt"), [(b'[{"id": 1}]', JSON), (b"[1]", JSON), (b"x", NDJSON)])
def test_garbage_collector_is_restored(raw: bytes, fmt: PayloadFormat) -> None:
    assert gc.isenabled()
    try:
        parse_documents(raw, fmt)
    except LumiError:
        pass
    assert gc.isenabled()
