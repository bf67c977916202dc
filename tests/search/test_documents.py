from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.search.documents import browse, document_view
from tests.support.facets import build_index, scratch_dir

DOCUMENTS = [
    {"id": "a", "year": 2001, "title": "b"},
    {"id": "b", "year": 1999, "title": "a"},
    {"id": "c", "year": 2001},
    {"id": "d", "year": 2010, "title": "c"},
]
SETTINGS = {"filterableAttributes": ["year"], "sortableAttributes": ["title", "year"]}


@pytest.fixture(scope="module")
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        built = build_index(path, SETTINGS, DOCUMENTS)
        yield built
        built.close()


def listed(index: Index, **options: Any) -> tuple[list[str], int]:
    with index.read() as txn:
        docids, total = browse(index, txn, **options)
        return [index.document(txn, docid)["id"] for docid in docids], total


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, (["a", "b", "c", "d"], 4)),
        ({"offset": 1, "limit": 2}, (["b", "c"], 4)),
        ({"ids": ["d", "a", "zz", "a"]}, (["a", "d"], 2)),
        ({"filter_value": "year = 2001"}, (["a", "c"], 2)),
        ({"filter_value": ["year > 2000"], "ids": ["d", "b"]}, (["d"], 1)),
        ({"sort": ["title:asc"]}, (["b", "a", "d", "c"], 4)),
        ({"sort": ["year:desc", "title:asc"], "limit": 3}, (["d", "a", "c"], 4)),
        ({"sort": ["year:asc"], "filter_value": "year >= 2001", "offset": 1}, (["c", "d"], 3)),
    ],
)
def test_browse(index: Index, options: dict[str, Any], expected: tuple[list[str], int]) -> None:
    assert listed(index, **options) == expected


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        (
            {"filter_value": "title = b"},
            "invalid_document_filter",
            "Attribute `title` is not filterable. Available filterable attribute patterns "
            "are: `year`.\n1:6 title = b",
        ),
        (
            {"filter_value": "year ="},
            "invalid_document_filter",
            "Was expecting a value but instead got nothing.\n7:7 year =",
        ),
        (
            {"sort": ["id:asc"]},
            "invalid_document_sort",
            "Attribute `id` is not sortable. Available sortable attributes are: `title, year`.",
        ),
        (
            {"sort": ["year"]},
            "invalid_document_sort",
            "Invalid syntax for the sort parameter: expected expression ending by `:asc` or "
            "`:desc`, found `year`.",
        ),
        (
            {"filter_value": "year CONTAINS 1"},
            "feature_not_enabled",
            "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental "
            "feature. See https://github.com/orgs/meilisearch/discussions/763",
        ),
    ],
)
def test_browse_errors(index: Index, options: dict[str, Any], code: str, message: str) -> None:
    with pytest.raises(LumiError) as caught:
        listed(index, **options)
    assert (caught.value.code, caught.value.message) == (code, message)


VECTORS = {"manual": [0.5]}


@pytest.mark.parametrize(
    ("document", "fields", "retrieve", "expected"),
    [
        ({"id": 1, "_vectors": VECTORS}, None, False, {"id": 1}),
        ({"id": 1, "_vectors": VECTORS}, ["id", "_vectors"], False, {"id": 1}),
        ({"id": 1, "_vectors": VECTORS}, None, True, {"id": 1, "_vectors": VECTORS}),
        ({"id": 1, "_vectors": VECTORS}, ["id"], True, {"id": 1, "_vectors": VECTORS}),
        ({"id": 1, "_vectors": VECTORS}, ["_vectors.other"], True, {"_vectors": VECTORS}),
        ({"id": 1}, None, True, {"id": 1, "_vectors": {}}),
        ({"id": 1, "a": 2}, ["a"], True, {"a": 2, "_vectors": {}}),
        ({"id": 1, "a": 2}, ["a"], False, {"a": 2}),
    ],
)
def test_document_view_shows_vectors_only_when_retrieved(
    document: dict[str, Any], fields: list[str] | None, retrieve: bool, expected: dict[str, Any]
) -> None:
    assert document_view(dict(document), fields, retrieve) == expected
