from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.search.filters import foreign as foreign_filters
from lumi.search.filters.ast import Condition, Op
from lumi.search.filters.foreign import ForeignScope, first_foreign, resolve_foreign
from lumi.search.filters.parameter import parse_filter
from lumi.search.perform import SearchOptions, SearchTarget, perform_search
from lumi.search.request import SearchRequest
from tests.support.facets import build_index, scratch_dir

COMPANIES = [
    {"id": "acme", "industry": "Technology", "founded": 2010, "state": "CA"},
    {"id": "beta", "industry": "Finance", "founded": 1990, "state": "NY"},
    {"id": 7, "industry": "Technology", "founded": 1999, "state": "NY"},
]
ACTORS = [
    {"id": "a1", "country": "USA", "age": 45},
    {"id": "a2", "country": "France", "age": 38},
    {"id": "a3", "country": "France", "age": 30},
]
DEALS = [
    {"id": "d1", "value": 500000, "company": "acme", "cast": ["a1", "a3"]},
    {"id": "d2", "value": 90000, "company": "acme", "cast": ["a2"]},
    {"id": "d3", "value": 700000, "company": "beta", "cast": []},
    {"id": "d4", "value": 100, "company": "7"},
    {"id": "d5", "value": 100, "company": 7, "parent": "d1"},
]
ACTOR_SETTINGS = {"filterableAttributes": ["country", "age"]}
DEAL_KEYS = [
    {"foreignIndexUid": "companies", "fieldName": "company"},
    {"foreignIndexUid": "actors", "fieldName": "cast"},
    {"foreignIndexUid": "deals", "fieldName": "parent"},
    {"foreignIndexUid": "gone", "fieldName": "lost"},
    {"foreignIndexUid": "companies", "fieldName": "unfilterable"},
]
DEAL_SETTINGS = {
    "foreignKeys": DEAL_KEYS,
    "filterableAttributes": ["company", "cast", "value", "parent", "lost", "id"],
}
ON = {"foreignKeys": True}


class Opener:
    def __init__(self, indexes: dict[str, Index]) -> None:
        self.indexes = indexes

    def open_index(self, uid: str) -> tuple[None, Index]:
        if uid not in self.indexes:
            raise LumiError("index_not_found", f"Index `{uid}` not found.")
        return None, self.indexes[uid]


@pytest.fixture(scope="module")
def indexes() -> Iterator[dict[str, Index]]:
    with scratch_dir() as path:
        built = {
            "companies": build_index(
                path / "c",
                {"filterableAttributes": ["id", "industry", "founded", "state"]},
                COMPANIES,
            ),
            "actors": build_index(path / "a", ACTOR_SETTINGS, ACTORS),
            "deals": build_index(path / "d", DEAL_SETTINGS, DEALS),
        }
        yield built
        for index in built.values():
            index.close()


def search(
    indexes: dict[str, Index], filter_value: Any, features: dict[str, bool] = ON
) -> list[str]:
    target = SearchTarget("deals", "id", indexes["deals"])
    options = SearchOptions(features=features, indexes=Opener(indexes))
    body = perform_search(target, SearchRequest(filter=filter_value, limit=50), options)
    return sorted(hit["id"] for hit in body["hits"])


def failure(
    indexes: dict[str, Index], filter_value: Any, features: dict[str, bool] = ON
) -> tuple[str, str]:
    with pytest.raises(LumiError) as caught:
        search(indexes, filter_value, features)
    return caught.value.code, caught.value.message


@pytest.mark.parametrize(
    ("filter_value", "expected"),
    [
        ('_foreign(company, id = "acme")', ["d1", "d2"]),
        ("_foreign(company, industry = Technology)", ["d1", "d2", "d4", "d5"]),
        ("_foreign(company, founded 2000 TO 2020)", ["d1", "d2"]),
        ("_foreign(company, industry = Technology AND state = NY)", ["d4", "d5"]),
        ("value >= 100000 AND _foreign(company, industry = Technology)", ["d1"]),
        ("NOT _foreign(company, industry = Finance)", ["d1", "d2", "d4", "d5"]),
        (["_foreign(company, state = CA)", ["value = 100", "id = d3"]], []),
        (["_foreign(company, state = NY)", ["value = 100", "id = d3"]], ["d3", "d4", "d5"]),
        # One actor must meet both conditions: a2 is French and over 35.
        ("_foreign(cast, country = France AND age > 35)", ["d2"]),
        ("_foreign(cast, country = France)", ["d1", "d2"]),
        ("_foreign(parent, value = 500000)", ["d5"]),
        ("_foreign(company, industry = Retail)", []),
        # A foreign index that does not exist selects nothing.
        ("_foreign(lost, anything = 1)", []),
    ],
)
def test_foreign_filters(indexes: dict[str, Index], filter_value: Any, expected: list[str]) -> None:
    assert search(indexes, filter_value) == expected


def test_the_condition_uses_the_foreign_index_settings(indexes: dict[str, Index]) -> None:
    code, message = failure(indexes, "_foreign(cast, name = x)")
    assert code == "invalid_search_filter"
    assert message == (
        "Index `actors`: Attribute `name` is not filterable. Available filterable attribute "
        "patterns are: `age`, `country`.\n16:20 _foreign(cast, name = x)"
    )


def test_the_feature_must_be_on(indexes: dict[str, Index]) -> None:
    assert failure(indexes, "value = 1 OR _foreign(company, id = x)", {}) == (
        "feature_not_enabled",
        "Using `_foreign` in a filter requires enabling the `foreign keys` experimental "
        "feature. See https://www.meilisearch.com/docs/capabilities/indexing/how_to/"
        "document_relations",
    )


@pytest.mark.parametrize(
    ("filter_value", "message"),
    [
        (
            "_foreign(value, id = x)",
            "Index `deals`: Attribute `value` is not a foreign key. Available foreign keys are: "
            "`company`, `cast`, `parent`, `lost`, `unfilterable`.\n10:15 _foreign(value, id = x)",
        ),
        (
            "_foreign(company, _foreign(x, id = 1))",
            "Index `deals`: The `_foreign` filter cannot be used inside another `_foreign` "
            "filter.\n19:38 _foreign(company, _foreign(x, id = 1))",
        ),
        (
            "_foreign(unfilterable, industry = Finance)",
            "Index `deals`: Attribute `unfilterable` is not filterable. Available filterable "
            "attribute patterns are: `cast`, `company`, `id`, `lost`, `parent`, `value`.\n"
            "10:22 _foreign(unfilterable, industry = Finance)",
        ),
    ],
)
def test_errors(indexes: dict[str, Index], filter_value: str, message: str) -> None:
    assert failure(indexes, filter_value) == ("invalid_search_filter", message)


def test_an_index_without_foreign_keys_says_so(tmp_path: Path) -> None:
    plain = build_index(tmp_path / "plain", {}, [{"id": 1}])
    try:
        with plain.read() as txn:
            scope = ForeignScope("plain", plain, txn, {}, True, None)
            with pytest.raises(LumiError) as caught:
                resolve_foreign(parse_filter("_foreign(x, a = 1)"), scope)
    finally:
        plain.close()
    assert caught.value.message == (
        "Index `plain`: Attribute `x` is not a foreign key. This index has no foreign keys."
        "\n10:11 _foreign(x, a = 1)"
    )


def test_too_many_foreign_documents_fail(
    indexes: dict[str, Index], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(foreign_filters, "MAX_FOREIGN_DOCUMENTS", 2)
    assert search(indexes, "_foreign(company, industry = Technology)") == [
        "d1",
        "d2",
        "d4",
        "d5",
    ]
    assert failure(indexes, "_foreign(company, founded > 0)") == (
        "invalid_search_filter",
        "Index `deals`: The `_foreign` filter on `company` selects 3 documents of the index "
        "`companies`, more than the limit of 2. Make its filter more specific.\n"
        "1:31 _foreign(company, founded > 0)",
    )


def test_calls_become_in_conditions_on_their_field(indexes: dict[str, Index]) -> None:
    deals = indexes["deals"]
    with deals.read() as txn:
        scope = ForeignScope("deals", deals, txn, DEAL_SETTINGS, True, Opener(indexes))
        node = resolve_foreign(parse_filter("_foreign(company, state = NY)"), scope)
    assert isinstance(node, Condition)
    assert (node.field, node.op) == ("company", Op.IN)
    assert sorted(value.raw for value in node.values) == ["7", "beta"]
    assert [value.number for value in node.values if value.raw == "7"] == [7.0]


def test_filters_without_calls_are_left_alone(indexes: dict[str, Index]) -> None:
    node = parse_filter("value = 1 OR id = d1")
    assert node is not None and first_foreign(node) is None
    deals = indexes["deals"]
    with deals.read() as txn:
        scope = ForeignScope("deals", deals, txn, DEAL_SETTINGS, False, None)
        assert resolve_foreign(node, scope) is node
        assert resolve_foreign(None, scope) is None
