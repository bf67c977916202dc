"""Federated multi-search facets (``facetsByIndex``, ``mergeFacets``), ``distinct`` and
``showPerformanceDetails`` against a real server, with the shapes the official SDKs expect.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import meilisearch
import pytest

from tests.api.conftest import wait_ok
from tests.api.test_search_api import assert_error

pytestmark = pytest.mark.api

DURATION = re.compile(r"^\d+\.\d\d(ns|µs|ms|s)$")
BOOKS = [
    {"id": 123, "title": "Pride and Prejudice", "author": "Jane Austen", "genre": ["romance"]},
    {"id": 456, "title": "Le Petit Prince", "author": "Saint-Exupéry", "genre": ["adventure"]},
    {"id": 2, "title": "Le Rouge et le Noir", "author": "Stendhal", "genre": ["romance"]},
    {"id": 1, "title": "Alice In Wonderland", "author": "Lewis Carroll", "genre": ["adventure"]},
    {"id": 1344, "title": "The Hobbit", "author": "Tolkien", "genre": ["fantasy", "adventure"]},
    {"id": 4, "title": "Harry Potter and the Half-Blood Prince", "genre": ["fantasy"]},
    {"id": 42, "title": "The Hitchhiker's Guide to the Galaxy", "genre": ["sci fi", "comedy"]},
]
MOVIES = [
    {"id": 1, "title": "Pride and Prejudice"},
    {"id": 2, "title": "The Hobbit: An Unexpected Journey"},
    {"id": 3, "title": "Harry Potter and the Half-Blood Prince"},
]


@pytest.fixture
def uids(client: meilisearch.Client, index_uid: str) -> Iterator[dict[str, str]]:
    """``books`` and ``movies`` indexes, filterable like the SDKs' own test data."""
    names = {"books": index_uid + "_books", "movies": index_uid + "_movies"}
    setup = {
        "books": (BOOKS, ["genre", "title", "id", "author"]),
        "movies": (MOVIES, ["title", "id"]),
    }
    for name, (documents, filterable) in setup.items():
        index = client.index(names[name])
        wait_ok(client, index.update_filterable_attributes(filterable))
        wait_ok(client, index.add_documents(documents, primary_key="id"))
    yield names
    for uid in names.values():
        client.index(uid).delete()


def hobbit(uids: dict[str, str]) -> list[dict[str, Any]]:
    return [{"indexUid": uids["movies"], "q": "Hobbit"}, {"indexUid": uids["books"], "q": "Hobbit"}]


def test_facets_by_index(client: meilisearch.Client, uids: dict[str, str]) -> None:
    facets = {uids["movies"]: ["title", "id"], uids["books"]: ["title"]}
    answer = client.multi_search(hobbit(uids), {"limit": 20, "offset": 0, "facetsByIndex": facets})
    assert len(answer["hits"]) == 2
    assert answer["facetsByIndex"] == {
        uids["movies"]: {
            "distribution": {"id": {"2": 1}, "title": {"The Hobbit: An Unexpected Journey": 1}},
            "stats": {"id": {"min": 2, "max": 2}},
        },
        uids["books"]: {"distribution": {"title": {"The Hobbit": 1}}, "stats": {}},
    }
    assert "facetDistribution" not in answer
    assert list(answer)[-2:] == ["facetsByIndex", "requestUid"]


def test_merge_facets(client: meilisearch.Client, uids: dict[str, str]) -> None:
    facets = {uids["movies"]: ["title", "id"], uids["books"]: ["title"]}
    federation = {"facetsByIndex": facets, "mergeFacets": {"maxValuesPerFacet": 10}}
    answer = client.multi_search(hobbit(uids), federation)
    assert answer["facetDistribution"] == {
        "id": {"2": 1},
        "title": {"The Hobbit": 1, "The Hobbit: An Unexpected Journey": 1},
    }
    assert answer["facetStats"] == {"id": {"min": 2, "max": 2}}
    assert "facetsByIndex" not in answer
    federation = {"facetsByIndex": facets, "mergeFacets": {"maxValuesPerFacet": 1}}
    answer = client.multi_search(hobbit(uids), federation)
    assert answer["facetDistribution"]["title"] == {"The Hobbit": 1}


def test_facets_count_every_match_not_only_the_page(
    client: meilisearch.Client, uids: dict[str, str]
) -> None:
    # `le` also matches `Lewis` (Alice In Wonderland) as a prefix
    queries = [{"indexUid": uids["books"], "q": "prince"}, {"indexUid": uids["books"], "q": "le"}]
    federation = {"limit": 1, "facetsByIndex": {uids["books"]: ["genre"]}}
    answer = client.multi_search(queries, federation)
    assert len(answer["hits"]) == 1
    assert answer["facetsByIndex"][uids["books"]]["distribution"] == {
        "genre": {"adventure": 2, "fantasy": 1, "romance": 1}
    }


def test_federation_distinct(client: meilisearch.Client, uids: dict[str, str]) -> None:
    queries = [{"indexUid": uids["books"], "q": ""}]
    answer = client.multi_search(queries, {"distinct": "genre"})
    # 2 and 1 repeat a genre of 123 and 456, 1344 shares `adventure` with 456
    assert [hit["id"] for hit in answer["hits"]] == [123, 456, 4, 42]


def test_performance_details(
    client: meilisearch.Client, http: httpx.Client, uids: dict[str, str]
) -> None:
    books = uids["books"]
    posted = client.index(books).search("prince", {"showPerformanceDetails": True})
    got = http.get(f"/indexes/{books}/search", params={"showPerformanceDetails": "true"}).json()
    multi = client.multi_search([{"indexUid": books, "q": "x", "showPerformanceDetails": True}])
    federated = client.multi_search(hobbit(uids), {"showPerformanceDetails": True})
    for answer in (posted, got, multi["results"][0], federated):
        assert answer["performanceDetails"], answer
        assert all(DURATION.match(value) for value in answer["performanceDetails"].values())
    assert list(posted["performanceDetails"]) == [
        "search > check parameters",
        "search > keyword ranking",
        "search > format",
        "search",
    ]
    assert "search > placeholder ranking" in got["performanceDetails"]
    assert "federating results > merge results" in federated["performanceDetails"]
    assert list(federated)[-1] == "performanceDetails"
    assert "performanceDetails" not in client.index(books).search("prince")


def _body(uids: dict[str, str], **federation: Any) -> dict[str, Any]:
    return {"queries": [{"indexUid": uids["books"]}], "federation": federation}


@pytest.mark.parametrize(
    "federation, code, message",
    [
        (
            {"facetsByIndex": {"{books}": ["comment"]}},
            "invalid_multi_search_facets",
            "Inside `.federation.facetsByIndex.{books}`: Invalid facet distribution: Pattern "
            "`comment` is not filterable. Available filterable attributes patterns are: "
            "`author, genre, id, title`.\n - Note: `.queries[0]` searches the index `{books}`",
        ),
        (
            {"facetsByIndex": {"{books}_nope": ["genre"]}},
            "index_not_found",
            "Inside `.federation.facetsByIndex.{books}_nope`: Index `{books}_nope` not found.",
        ),
        (
            {"facetsByIndex": ["genre"]},
            "invalid_multi_search_facets_by_index",
            "Invalid value type at `.federation.facetsByIndex`: expected an object, but found an "
            'array: `["genre"]`',
        ),
        (
            {"facetsByIndex": {"": ["genre"]}},
            "invalid_multi_search_facets_by_index",
            "Invalid value at `.federation.facetsByIndex`: `` is not a valid index uid. Index "
            "uid can be an integer or a string containing only alphanumeric characters, hyphens "
            "(-) and underscores (_), and can not be more than 512 bytes.",
        ),
        (
            {"mergeFacets": True},
            "invalid_multi_search_merge_facets",
            "Invalid value type at `.federation.mergeFacets`: expected an object, but found a "
            "boolean: `true`",
        ),
        (
            {"mergeFacets": {"maxValuesPerFacet": -1}},
            "invalid_multi_search_max_values_per_facet",
            "Invalid value type at `.federation.mergeFacets.maxValuesPerFacet`: expected a "
            "positive integer, but found a negative integer: `-1`",
        ),
        (
            {"distinct": "comment"},
            "invalid_search_distinct",
            "Inside `.queries[0]`: Index `{books}`: Attribute `comment` is not filterable and "
            "thus, cannot be used as distinct attribute. Available filterable attributes "
            "patterns are: `author, genre, id, title`.",
        ),
        (
            {"showPerformanceDetails": "yes"},
            "invalid_search_show_performance_details",
            "Invalid value type at `.federation.showPerformanceDetails`: expected a boolean, "
            'but found a string: `"yes"`',
        ),
    ],
)
def test_bad_federation_facets_and_distinct(
    http: httpx.Client, uids: dict[str, str], federation: dict[str, Any], code: str, message: str
) -> None:
    books = uids["books"]
    federation = {
        key: {name.format(books=books): v for name, v in value.items()}
        if key == "facetsByIndex" and isinstance(value, dict)
        else value
        for key, value in federation.items()
    }
    response = http.post("/multi-search", json=_body(uids, **federation))
    assert_error(response, 400, code, message.format(books=books))


def test_merged_facets_need_one_order_per_facet(
    client: meilisearch.Client, http: httpx.Client, uids: dict[str, str]
) -> None:
    movies = client.index(uids["movies"])
    wait_ok(client, movies.update_faceting_settings({"sortFacetValuesBy": {"title": "count"}}))
    facets = {uids["books"]: ["title"], uids["movies"]: ["title"]}
    body = {"queries": hobbit(uids), "federation": {"facetsByIndex": facets, "mergeFacets": {}}}
    assert_error(
        http.post("/multi-search", json=body),
        400,
        "invalid_multi_search_facet_order",
        f"Inconsistent order for values in facet `title`: index `{uids['books']}` orders them "
        f"alphabetically, but index `{uids['movies']}` orders them by count.\n - Hint: remove "
        "`federation.mergeFacets` or set the same `faceting.sortFacetValuesBy` for this facet "
        "in every index.",
    )
    body["federation"] = {"facetsByIndex": facets}
    assert http.post("/multi-search", json=body).status_code == 200
