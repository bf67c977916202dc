from __future__ import annotations

import gc

import pytest

from lumi.errors import LumiError
from lumi.index.payloads.formats import PayloadFormat
from lumi.index.payloads.parse import parse_documents
from tests.index.payloads.support import error_of
from tests.support.datasets import SHARED_DATASETS

FIXTURES = SHARED_DATASETS / "meili-sdk"
JSON, NDJSON, CSV = PayloadFormat.JSON, PayloadFormat.NDJSON, PayloadFormat.CSV


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


# ------------------------------------------------------------------------ garbage collector


@pytest.mark.parametrize(("raw", "fmt"), [(b'[{"id": 1}]', JSON), (b"[1]", JSON), (b"x", NDJSON)])
def test_garbage_collector_is_restored(raw: bytes, fmt: PayloadFormat) -> None:
    assert gc.isenabled()
    try:
        parse_documents(raw, fmt)
    except LumiError:
        pass
    assert gc.isenabled()
