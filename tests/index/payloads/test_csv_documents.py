from __future__ import annotations

import pytest

from lumi.index.payloads.csv_documents import parse_csv
from tests.index.payloads.support import error_of
from tests.support.datasets import SHARED_DATASETS

FIXTURES = SHARED_DATASETS / "meili-sdk"


def csv_error(detail: str) -> str:
    return f"The `csv` payload provided is malformed: `{detail}`."


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
    assert parse_csv(raw, delimiter) == expected


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
    assert error_of(parse_csv, raw, ",") == ("malformed_payload", csv_error(detail))


def test_csv_with_invalid_utf8() -> None:
    code, message = error_of(parse_csv, b"id\n\xff\n", ",")
    assert code == "malformed_payload"
    assert message.startswith("The `csv` payload provided is malformed: `CSV parse error: ")


def test_songs_csv_first_document() -> None:
    docs = parse_csv((FIXTURES / "songs.csv").read_bytes(), ",")
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
    comma = parse_csv((FIXTURES / "songs.csv").read_bytes(), ",")
    semicolon = parse_csv((FIXTURES / "songs_custom_delimiter.csv").read_bytes(), ";")
    assert semicolon[0] == comma[0]
