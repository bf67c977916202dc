from __future__ import annotations

import pytest

from lumi.index.payloads.formats import PayloadFormat
from lumi.index.payloads.json_syntax import JsonScanner, line_and_column, malformed_payload
from tests.index.payloads.support import json_error


@pytest.mark.parametrize(
    ("detail", "shown"),
    [
        ("x" * 138, "x" * 138),
        ("a" * 50 + "b" * 4 + "c" * 85, "a" * 50 + "..." + "c" * 85),
        ("a" * 50 + "b" * 1000 + "c" * 85, "a" * 50 + "..." + "c" * 85),
    ],
)
def test_long_malformed_detail_is_cut_in_the_middle(detail: str, shown: str) -> None:
    assert malformed_payload(PayloadFormat.JSON, detail).message == json_error(shown)


@pytest.mark.parametrize(
    ("data", "offset", "expected"),
    [(b"abc", 0, (1, 0)), (b"abc", 2, (1, 2)), (b"ab\ncd", 4, (2, 1)), (b"a\n\nb", 3, (3, 0))],
)
def test_line_and_column(data: bytes, offset: int, expected: tuple[int, int]) -> None:
    assert line_and_column(data, offset) == expected


@pytest.mark.parametrize(
    ("raw", "spans"),
    [
        (b'{"a":1} {"b":[2]}\n{}', [(0, 7), (8, 17), (18, 20)]),
        (b' {"a":"}"}{}', [(1, 10), (10, 12)]),
        (b" \n ", []),
    ],
)
def test_stream_spans(raw: bytes, spans: list[tuple[int, int]]) -> None:
    assert JsonScanner(raw, PayloadFormat.NDJSON).stream_spans() == spans
