"""Filters, sorting, facets, distinct, geo search, facet search and documents by filter
through the official SDK (and raw HTTP where the SDK has no call) against a real server.
"""

from __future__ import annotations

from typing import Any

import httpx
import meilisearch
import pytest
from meilisearch.errors import MeilisearchApiError

from tests.api.conftest import wait, wait_ok

pytestmark = pytest.mark.api

RESTAURANTS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "Nàpiz' Milano",
        "type": "pizza",
        "tags": ["Italian", "Cheap"],
        "rating": 9,
        "chain": "napiz",
        "_geo": {"lat": 45.4777599, "lng": 9.1967508},
    },
    {
        "id": 2,
        "name": "Bouillon Pigalle",
        "type": "french",
        "tags": ["French", "cheap"],
        "rating": 8,
        "chain": "bouillon",
        "_geo": {"lat": 48.8826517, "lng": 2.3352748},
    },
    {
        "id": 3,
        "name": "Artico Gelateria Tradizionale",
        "type": "ice cream",
        "tags": ["Italian"],
        "rating": 10,
        "chain": "artico",
        "_geo": {"lat": 45.4632046, "lng": 9.1719421},
    },
    {
        "id": 4,
        "name": "Napiz Roma pizza",
        "type": "pizza",
        "tags": [],
        "rating": 7.5,
        "chain": "napiz",
        "_geo": {"lat": 41.9027835, "lng": 12.4963655},
    },
    {"id": 5, "name": "Ghost kitchen pizza", "type": "pizza", "tags": None, "chain": None},
]
SETTINGS = {
    "filterableAttributes": ["type", "tags", "rating", "chain", "_geo"],
    "sortableAttributes": ["rating", "name", "_geo"],
}
PATTERNS = "`_geo`, `chain`, `rating`, `tags`, `type`"


@pytest.fixture
def restaurants(client: meilisearch.Client, index_uid: str) -> meilisearch.index.Index:
    index = client.index(index_uid)
    wait_ok(client, index.add_documents(RESTAURANTS, primary_key="id"))
    wait_ok(client, index.update_settings(SETTINGS))
    return index


def ids(result: dict[str, Any]) -> list[int]:
    return [hit["id"] for hit in result["hits"]]


def api_error(call: Any, *args: Any, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(MeilisearchApiError) as caught:
        call(*args, **kwargs)
    return caught.value.status_code, caught.value.code


def post_error(http: httpx.Client, path: str, body: Any) -> tuple[int, str, str]:
    """Status, code and exact message of a request that must fail (the SDK decorates
    messages with a hint of its own)."""
    response = http.post(path, json=body)
    error = response.json()
    assert error["link"] == f"https://docs.meilisearch.com/errors#{error['code']}"
    return response.status_code, error["code"], error["message"]


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("filter_value", "expected"),
    [
        ("type = pizza", [1, 4, 5]),
        ("type = PIZZA AND rating > 8", [1]),
        ("rating 8 TO 9.5", [1, 2]),
        ("tags = italian", [1, 3]),
        ("tags IS EMPTY", [4]),
        ("tags IS NULL OR chain IS NULL", [5]),
        ("NOT tags EXISTS", []),
        ("rating NOT EXISTS", [5]),
        ("type != pizza", [2, 3]),
        ("chain IN [artico, bouillon]", [2, 3]),
        (["type = pizza", ["rating < 8", "rating NOT EXISTS"]], [4, 5]),
        ("type = pizza OR type = french AND rating > 8", [1, 4, 5]),
        ("_geoRadius(45.472735, 9.184019, 2000)", [1, 3]),
        ("_geoBoundingBox([45.494181, 9.214024], [45.449484, 9.179175])", [1]),
        ("_geoPolygon([45.49, 9.17], [45.49, 9.21], [45.45, 9.19])", [1]),
    ],
)
def test_filters(
    restaurants: meilisearch.index.Index, filter_value: Any, expected: list[int]
) -> None:
    result = restaurants.search("", {"filter": filter_value})
    assert sorted(ids(result)) == expected
    assert result["estimatedTotalHits"] == len(expected)


def test_filter_with_a_text_query(restaurants: meilisearch.index.Index) -> None:
    assert sorted(ids(restaurants.search("pizza", {"filter": "chain = napiz"}))) == [1, 4]


@pytest.mark.parametrize(
    ("filter_value", "message"),
    [
        (
            "name = x",
            "Index `{uid}`: Attribute `name` is not filterable. Available filterable attribute "
            f"patterns are: {PATTERNS}.\n1:5 name = x",
        ),
        (
            "rating > 5 AND",
            "Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `IN`, `NOT IN`, `TO`, "
            "`EXISTS`, `NOT EXISTS`, `IS NULL`, `IS NOT NULL`, `IS EMPTY`, `IS NOT EMPTY`, "
            "`CONTAINS`, `NOT CONTAINS`, `STARTS WITH`, `NOT STARTS WITH`, `_geoRadius`, "
            "`_geoBoundingBox` or `_geoPolygon` but instead got nothing.\n15:15 rating > 5 AND",
        ),
        (
            "_geoRadius(95, 9, 10)",
            "Index `{uid}`: Bad latitude `95`. Latitude must be contained between -90 and 90 "
            "degrees. \n12:14 _geoRadius(95, 9, 10)",
        ),
    ],
)
def test_filter_errors(
    http: httpx.Client, restaurants: meilisearch.index.Index, filter_value: str, message: str
) -> None:
    found = post_error(http, f"/indexes/{restaurants.uid}/search", {"filter": filter_value})
    assert found == (400, "invalid_search_filter", message.format(uid=restaurants.uid))


def test_contains_follows_the_experimental_feature(
    client: meilisearch.Client, http: httpx.Client, restaurants: meilisearch.index.Index
) -> None:
    path = f"/indexes/{restaurants.uid}/search"
    assert post_error(http, path, {"filter": "type CONTAINS izz"}) == (
        400,
        "feature_not_enabled",
        "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental "
        "feature. See https://github.com/orgs/meilisearch/discussions/763",
    )
    http.patch("/experimental-features", json={"containsFilter": True}).raise_for_status()
    try:
        result = restaurants.search("", {"filter": "type CONTAINS izz"})
        assert sorted(ids(result)) == [1, 4, 5]
    finally:
        http.patch("/experimental-features", json={"containsFilter": False}).raise_for_status()


def test_changing_filterable_attributes_reindexes(
    client: meilisearch.Client, restaurants: meilisearch.index.Index
) -> None:
    wait_ok(client, restaurants.update_filterable_attributes(["name"]))
    assert ids(restaurants.search("", {"filter": "name = 'bouillon pigalle'"})) == [2]
    assert api_error(restaurants.search, "", {"filter": "type = pizza"}) == (
        400,
        "invalid_search_filter",
    )


# ---------------------------------------------------------------- sort


def test_sort_by_several_keys(restaurants: meilisearch.index.Index) -> None:
    result = restaurants.search("", {"sort": ["rating:desc"]})
    assert ids(result) == [3, 1, 2, 4, 5]
    result = restaurants.search("", {"sort": ["rating:asc", "name:desc"]})
    assert ids(result) == [4, 2, 1, 3, 5]
    # accents are kept, decomposed: "nàpiz" sorts after "napiz"
    result = restaurants.search("pizza", {"sort": ["name:asc"]})
    assert ids(result) == [5, 4, 1]


def test_sort_by_distance_adds_the_distance(restaurants: meilisearch.index.Index) -> None:
    result = restaurants.search("", {"sort": ["_geoPoint(48.8561446, 2.2978204):asc"]})
    assert ids(result) == [2, 3, 1, 4, 5]
    distances = [hit.get("_geoDistance") for hit in result["hits"]]
    assert distances[0] == 4024
    assert distances[-1] is None
    assert distances[1:4] == sorted(distances[1:4])


def test_sort_errors(http: httpx.Client, restaurants: meilisearch.index.Index) -> None:
    path = f"/indexes/{restaurants.uid}/search"
    status, code, message = post_error(http, path, {"sort": ["type:asc"]})
    assert (status, code) == (400, "invalid_search_sort")
    assert message == (
        f"Index `{restaurants.uid}`: Attribute `type` is not sortable. Available sortable "
        "attributes are: `_geo, name, rating`."
    )


# ---------------------------------------------------------------- facets and distinct


def test_facet_distribution_and_stats(restaurants: meilisearch.index.Index) -> None:
    result = restaurants.search("", {"facets": ["type", "tags", "rating"]})
    assert result["facetDistribution"] == {
        "rating": {"7.5": 1, "8": 1, "9": 1, "10": 1},
        "tags": {"Cheap": 2, "French": 1, "Italian": 2},
        "type": {"french": 1, "ice cream": 1, "pizza": 3},
    }
    assert result["facetStats"] == {"rating": {"min": 7.5, "max": 10.0}}
    filtered = restaurants.search("", {"facets": ["*"], "filter": "type = pizza"})
    assert filtered["facetDistribution"]["chain"] == {"napiz": 2}
    assert sorted(filtered["facetDistribution"]) == [
        "chain",
        "rating",
        "tags",
        "type",
    ]


def test_facet_ordering_follows_the_settings(
    client: meilisearch.Client, restaurants: meilisearch.index.Index
) -> None:
    faceting = {"maxValuesPerFacet": 2, "sortFacetValuesBy": {"type": "count"}}
    wait_ok(client, restaurants.update_faceting_settings(faceting))
    result = restaurants.search("", {"facets": ["type", "chain"]})
    assert list(result["facetDistribution"]["type"].items()) == [("pizza", 3), ("french", 1)]
    assert list(result["facetDistribution"]["chain"].items()) == [("artico", 1), ("bouillon", 1)]


def test_distinct_parameter_and_setting(
    client: meilisearch.Client, restaurants: meilisearch.index.Index
) -> None:
    result = restaurants.search("", {"distinct": "chain", "sort": ["rating:desc"]})
    assert ids(result) == [3, 1, 2, 5]
    wait_ok(client, restaurants.update_distinct_attribute("chain"))
    result = restaurants.search("", {"facets": ["type"], "hitsPerPage": 10})
    assert ids(result) == [1, 2, 3, 5]
    assert result["totalHits"] == 4
    assert result["facetDistribution"] == {"type": {"french": 1, "ice cream": 1, "pizza": 2}}


def test_distinct_must_be_filterable(
    http: httpx.Client, restaurants: meilisearch.index.Index
) -> None:
    path = f"/indexes/{restaurants.uid}/search"
    status, code, message = post_error(http, path, {"distinct": "name"})
    assert (status, code) == (400, "invalid_search_distinct")
    assert message == (
        f"Index `{restaurants.uid}`: Attribute `name` is not filterable and thus, cannot be "
        "used as distinct attribute. Available filterable attributes patterns are: "
        "`_geo, chain, rating, tags, type`."
    )


def test_multi_search_carries_the_constraints(
    client: meilisearch.Client, restaurants: meilisearch.index.Index
) -> None:
    response = client.multi_search(
        [
            {"indexUid": restaurants.uid, "filter": "type = pizza", "sort": ["rating:asc"]},
            {"indexUid": restaurants.uid, "facets": ["chain"], "distinct": "type"},
        ]
    )
    first, second = response["results"]
    assert ids(first) == [4, 1, 5]
    assert ids(second) == [1, 2, 3]
    assert second["facetDistribution"] == {"chain": {"artico": 1, "bouillon": 1, "napiz": 1}}


# ---------------------------------------------------------------- facet search


def test_facet_search(client: meilisearch.Client, restaurants: meilisearch.index.Index) -> None:
    result = restaurants.facet_search("tags", "ital")
    assert result["facetHits"] == [{"value": "Italian", "count": 2}]
    assert result["facetQuery"] == "ital"
    result = restaurants.facet_search("tags", "chep", {"filter": "type = french"})
    assert result["facetHits"] == []
    result = restaurants.facet_search("tags", "che", {"filter": "type = french"})
    assert result["facetHits"] == [{"value": "cheap", "count": 1}]
    result = restaurants.facet_search("type", None, {"q": "pizza"})
    assert result["facetHits"] == [{"value": "pizza", "count": 3}]
    assert result["facetQuery"] is None


def test_facet_search_errors(
    client: meilisearch.Client, http: httpx.Client, restaurants: meilisearch.index.Index
) -> None:
    path = f"/indexes/{restaurants.uid}/facet-search"
    assert post_error(http, path, {"facetName": "name"}) == (
        400,
        "invalid_facet_search_facet_name",
        f"Index `{restaurants.uid}`: Attribute `name` is not facet-searchable. Available "
        "facet-searchable attributes patterns are: `_geo, chain, rating, tags, type`. To make "
        "it facet-searchable add it to the `filterableAttributes` index settings.",
    )
    assert post_error(http, path, {"facetQuery": "x"}) == (
        400,
        "missing_facet_search_facet_name",
        "Missing field `facetName`",
    )
    assert post_error(http, path, {"facetName": 1})[1] == "invalid_facet_search_name"
    wait_ok(client, restaurants.update_facet_search_settings(False))
    assert post_error(http, path, {"facetName": "tags"}) == (
        400,
        "facet_search_disabled",
        "The facet search is disabled for this index",
    )


# ---------------------------------------------------------------- documents by filter


def test_delete_documents_by_filter(
    client: meilisearch.Client, restaurants: meilisearch.index.Index
) -> None:
    task = wait_ok(client, restaurants.delete_documents(filter="type = pizza AND rating > 8"))
    assert task.type == "documentDeletion"
    assert task.details == {
        "providedIds": 0,
        "deletedDocuments": 1,
        "originalFilter": '"type = pizza AND rating > 8"',
    }
    task = wait_ok(
        client, restaurants.delete_documents(filter=[["chain = artico", "tags IS NULL"]])
    )
    assert task.details["deletedDocuments"] == 2
    assert task.details["originalFilter"] == '[["chain = artico","tags IS NULL"]]'
    remaining = restaurants.get_documents({"limit": 10})
    assert sorted(doc.id for doc in remaining.results) == [2, 4]
    assert ids(restaurants.search("", {"filter": "type = pizza"})) == [4]


def test_delete_by_filter_errors(
    client: meilisearch.Client, http: httpx.Client, restaurants: meilisearch.index.Index
) -> None:
    response = http.post(f"/indexes/{restaurants.uid}/documents/delete", json={"filter": ""})
    assert response.status_code == 400
    assert response.json()["message"] == "Sending an empty filter is forbidden."
    response = http.post(f"/indexes/{restaurants.uid}/documents/delete", json={})
    assert response.json()["code"] == "missing_document_filter"
    response = http.post(f"/indexes/{restaurants.uid}/documents/delete", json={"filter": "a ="})
    assert response.json()["code"] == "invalid_document_filter"
    task = wait(client, restaurants.delete_documents(filter="name = x"))
    assert task.status == "failed"
    assert task.error["code"] == "invalid_document_filter"
    assert task.error["message"] == (
        f"Index `{restaurants.uid}`: Attribute `name` is not filterable. Available filterable "
        f"attribute patterns are: {PATTERNS}.\n1:5 name = x"
    )
    assert task.details["deletedDocuments"] == 0


def test_get_documents_with_filter_and_sort(
    http: httpx.Client, restaurants: meilisearch.index.Index
) -> None:
    fetched = restaurants.get_documents({"filter": "type = pizza", "sort": ["rating:desc"]})
    assert [doc.id for doc in fetched.results] == [1, 4, 5]
    assert fetched.total == 3
    response = http.get(
        f"/indexes/{restaurants.uid}/documents",
        params={"filter": "tags = cheap", "sort": "name:asc", "fields": "id", "limit": 1},
    )
    assert response.json() == {"results": [{"id": 2}], "offset": 0, "limit": 1, "total": 2}
    response = http.get(f"/indexes/{restaurants.uid}/documents", params={"filter": "name = x"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_document_filter"
    response = http.post(f"/indexes/{restaurants.uid}/documents/fetch", json={"sort": ["type:asc"]})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_document_sort"
