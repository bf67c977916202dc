"""Search and multi-search through the official SDK (and raw HTTP for query strings and
headers) against a real server: response shape, pagination, formatting, and the reference's
errors for every kind of bad parameter.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import meilisearch
import pytest
from meilisearch.errors import MeilisearchApiError

from tests.api.conftest import wait_ok

pytestmark = pytest.mark.api

UUID_V7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NO_FILTERABLE = "This index does not have configured filterable attributes."

MOVIES: list[dict[str, Any]] = [
    {
        "id": 1,
        "title": "The Dark Knight",
        "overview": "When the menace known as the Joker wreaks havoc and chaos on the people of "
        "Gotham, Batman must accept one of the greatest psychological and physical tests.",
        "genres": ["Action", "Crime"],
        "year": 2008,
        "secret": "knight of the night",
    },
    {
        "id": 2,
        "title": "Knight and Day",
        "overview": "A fugitive couple goes on a glamorous and sometimes deadly adventure.",
        "genres": ["Comedy"],
        "year": 2010,
        "secret": "nothing",
    },
    {
        "id": 3,
        "title": "Finding Nemo",
        "overview": "Nemo, an adventurous young clownfish, is unexpectedly taken from his "
        "Great Barrier Reef home.",
        "genres": ["Animation"],
        "year": 2003,
        "secret": "nothing",
    },
]


@pytest.fixture
def movies(client: meilisearch.Client, index_uid: str) -> meilisearch.index.Index:
    index = client.index(index_uid)
    wait_ok(client, index.add_documents(MOVIES, primary_key="id"))
    return index


def api_error(call: Any, *args: Any) -> MeilisearchApiError:
    with pytest.raises(MeilisearchApiError) as caught:
        call(*args)
    return caught.value


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {
        "message": message,
        "code": code,
        "type": "invalid_request",
        "link": f"https://docs.meilisearch.com/errors#{code}",
    }


# ---------------------------------------------------------------- response shape


def test_offset_mode_response_shape(movies: meilisearch.index.Index) -> None:
    result = movies.search("knight")
    assert list(result) == [
        "hits",
        "query",
        "processingTimeMs",
        "limit",
        "offset",
        "estimatedTotalHits",
        "requestUid",
    ]
    assert result["query"] == "knight"
    assert (result["limit"], result["offset"], result["estimatedTotalHits"]) == (20, 0, 2)
    assert {hit["id"] for hit in result["hits"]} == {1, 2}
    assert UUID_V7.match(result["requestUid"])
    assert isinstance(result["processingTimeMs"], int)


def test_page_mode_response_shape(movies: meilisearch.index.Index) -> None:
    result = movies.search("", {"page": 2, "hitsPerPage": 2})
    assert list(result) == [
        "hits",
        "query",
        "processingTimeMs",
        "hitsPerPage",
        "page",
        "totalPages",
        "totalHits",
        "requestUid",
    ]
    assert (result["hitsPerPage"], result["page"], result["totalPages"]) == (2, 2, 2)
    assert result["totalHits"] == 3
    assert len(result["hits"]) == 1


def test_placeholder_search_returns_every_document(movies: meilisearch.index.Index) -> None:
    result = movies.search("")
    assert result["query"] == ""
    assert sorted(hit["id"] for hit in result["hits"]) == [1, 2, 3]
    assert result["hits"][0] == MOVIES[0]


@pytest.mark.parametrize(
    "params, ids, totals",
    [
        ({"limit": 1}, 1, {"estimatedTotalHits": 3}),
        ({"offset": 2}, 1, {"estimatedTotalHits": 3}),
        ({"offset": 5}, 0, {"estimatedTotalHits": 3}),
        ({"page": 0}, 0, {"totalHits": 3, "totalPages": 1}),
        ({"hitsPerPage": 0}, 0, {"totalHits": 3, "totalPages": 0}),
    ],
)
def test_pagination(
    movies: meilisearch.index.Index, params: dict[str, Any], ids: int, totals: dict[str, int]
) -> None:
    result = movies.search("", params)
    assert len(result["hits"]) == ids
    for key, value in totals.items():
        assert result[key] == value


def test_max_total_hits_caps_hits_and_totals(
    client: meilisearch.Client, movies: meilisearch.index.Index
) -> None:
    wait_ok(client, movies.update_pagination_settings({"maxTotalHits": 2}))
    result = movies.search("", {"limit": 10})
    assert len(result["hits"]) == 2
    assert result["estimatedTotalHits"] == 2
    assert result["limit"] == 10
    result = movies.search("", {"hitsPerPage": 1, "page": 3})
    assert result["hits"] == []
    assert (result["totalHits"], result["totalPages"]) == (2, 2)


def test_metadata_only_with_the_header(http: httpx.Client, movies: meilisearch.index.Index) -> None:
    path = f"/indexes/{movies.uid}/search"
    plain = http.post(path, json={"q": "nemo"}).json()
    assert "metadata" not in plain
    with_meta = http.post(path, json={"q": "nemo"}, headers={"Meili-Include-Metadata": "true"})
    body = with_meta.json()
    assert list(body)[-2:] == ["requestUid", "metadata"]
    assert list(body["metadata"]) == ["queryUid", "indexUid", "primaryKey"]
    assert body["metadata"]["indexUid"] == movies.uid
    assert body["metadata"]["primaryKey"] == "id"
    assert UUID_V7.match(body["metadata"]["queryUid"])


def test_ranking_scores(movies: meilisearch.index.Index) -> None:
    result = movies.search("dark knight", {"showRankingScore": True})
    scores = [hit["_rankingScore"] for hit in result["hits"]]
    assert result["hits"][0]["id"] == 1
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    details = movies.search("dark knight", {"showRankingScoreDetails": True})["hits"][0]
    assert "_rankingScore" not in details
    assert "words" in details["_rankingScoreDetails"]


def test_get_takes_the_same_parameters(http: httpx.Client, movies: meilisearch.index.Index) -> None:
    path = f"/indexes/{movies.uid}/search"
    params = {
        "q": "knight",
        "attributesToRetrieve": "id, title",
        "attributesToHighlight": "title",
        "limit": "1",
    }
    got = http.get(path, params=params).json()
    posted = http.post(
        path,
        json={
            "q": "knight",
            "attributesToRetrieve": ["id", "title"],
            "attributesToHighlight": ["title"],
            "limit": 1,
        },
    ).json()
    assert got["hits"] == posted["hits"]
    assert list(got["hits"][0]) == ["id", "title", "_formatted"]


# ---------------------------------------------------------------- hits and formatting


def test_retrieved_attributes_are_limited_to_displayed_ones(
    client: meilisearch.Client, movies: meilisearch.index.Index
) -> None:
    wait_ok(client, movies.update_displayed_attributes(["id", "title", "overview", "year"]))
    hit = movies.search("nemo", {"attributesToRetrieve": ["title", "secret", "year"]})["hits"][0]
    assert hit == {"title": "Finding Nemo", "year": 2003}
    hit = movies.search("nemo")["hits"][0]
    assert list(hit) == ["id", "title", "overview", "year"]


def test_highlight_crop_and_matches_position(movies: meilisearch.index.Index) -> None:
    hit = movies.search(
        "joker",
        {
            "attributesToHighlight": ["title"],
            "attributesToCrop": ["overview:5"],
            "attributesToRetrieve": ["id"],
            "showMatchesPosition": True,
        },
    )["hits"][0]
    assert list(hit) == ["id", "_formatted", "_matchesPosition"]
    assert hit["_formatted"] == {
        "id": "1",
        "title": "The Dark Knight",
        "overview": "…as the Joker wreaks havoc…",
    }
    assert hit["_matchesPosition"] == {"overview": [{"start": 29, "length": 5}]}


def test_highlight_tags_and_prefix_matches(movies: meilisearch.index.Index) -> None:
    hit = movies.search(
        "adventur",
        {"attributesToHighlight": ["*"], "highlightPreTag": "[", "highlightPostTag": "]"},
    )["hits"]
    formatted = {h["id"]: h["_formatted"]["overview"] for h in hit}
    assert "[adventur]e" in formatted[2]
    assert "[adventur]ous" in formatted[3]
    assert hit[0]["_formatted"]["year"] in ("2010", "2003")


# ---------------------------------------------------------------- errors


def test_searching_a_missing_index_is_a_404(http: httpx.Client, index_uid: str) -> None:
    for response in (
        http.post(f"/indexes/{index_uid}/search", json={"q": "x"}),
        http.get(f"/indexes/{index_uid}/search"),
    ):
        assert_error(response, 404, "index_not_found", f"Index `{index_uid}` not found.")


@pytest.mark.parametrize(
    "body, code, message",
    [
        (
            {"q": 1},
            "invalid_search_q",
            "Invalid value type at `.q`: expected a string, but found a positive integer: `1`",
        ),
        (
            {"limit": "10"},
            "invalid_search_limit",
            "Invalid value type at `.limit`: expected a positive integer, but found a string: "
            '`"10"`',
        ),
        (
            {"offset": None},
            "invalid_search_offset",
            "Invalid value type at `.offset`: expected a positive integer, but found null",
        ),
        (
            {"matchingStrategy": "any"},
            "invalid_search_matching_strategy",
            "Unknown value `any` at `.matchingStrategy`: expected one of `last`, `all`, "
            "`frequency`",
        ),
        (
            {"rankingScoreThreshold": 1.5},
            "invalid_search_ranking_score_threshold",
            "Invalid value at `.rankingScoreThreshold`: the value of `rankingScoreThreshold` is "
            "invalid, expected a float between `0.0` and `1.0`.",
        ),
        (
            {"attributesToHighlight": "title"},
            "invalid_search_attributes_to_highlight",
            "Invalid value type at `.attributesToHighlight`: expected an array, but found a "
            'string: `"title"`',
        ),
        (
            {"hybrid": {"semanticRatio": 0.5}},
            "invalid_search_hybrid_query",
            "Missing field `embedder` inside `.hybrid`",
        ),
        (
            {"hybrid": {"embedder": "default", "semanticRatio": 2}},
            "invalid_search_semantic_ratio",
            "Invalid value at `.hybrid.semanticRatio`: the value of `semanticRatio` is invalid, "
            "expected a float between `0.0` and `1.0`.",
        ),
        (
            {"vector": [0.1, 0.2]},
            "missing_search_hybrid",
            "Invalid request: missing `hybrid` parameter when `vector` or `media` are present.",
        ),
        (
            {"q": "hero", "hybrid": {"embedder": "default"}},
            "invalid_search_embedder",
            "Cannot find embedder with name `default`.",
        ),
        (
            {"q": "hero", "hybrid": {"embedder": "default"}, "filter": "genres ="},
            "invalid_search_embedder",
            "Cannot find embedder with name `default`.",
        ),
        (
            {"locales": ["xx"]},
            "invalid_search_locales",
            "Unknown value `xx` at `.locales[0]`: expected one of `af`, `ak`, `am`",
        ),
        (
            {"qq": "hero"},
            "bad_request",
            "Unknown field `qq`: expected one of `q`, `vector`, `media`, `hybrid`, `offset`",
        ),
        (
            {"filter": "genres = Action"},
            "invalid_search_filter",
            "Index `{uid}`: Attribute `genres` is not filterable. This index does not have "
            "configured filterable attributes.\n1:7 genres = Action",
        ),
        (
            {"filter": "genres ="},
            "invalid_search_filter",
            "Was expecting a value but instead got nothing.\n9:9 genres =",
        ),
        (
            {"sort": ["year:desc"]},
            "invalid_search_sort",
            "Index `{uid}`: Attribute `year` is not sortable. This index does not have "
            "configured sortable attributes.",
        ),
        (
            {"sort": ["year"]},
            "invalid_search_sort",
            "Invalid syntax for the sort parameter: expected expression ending by `:asc` or "
            "`:desc`, found `year`.",
        ),
        (
            {"distinct": "genres"},
            "invalid_search_distinct",
            "Index `{uid}`: Attribute `genres` is not filterable and thus, cannot be used as "
            f"distinct attribute. {NO_FILTERABLE}",
        ),
        (
            {"facets": ["genres"]},
            "invalid_search_facets",
            "Index `{uid}`: Invalid facet distribution: Pattern `genres` is not filterable. "
            f"{NO_FILTERABLE}",
        ),
    ],
)
def test_bad_search_bodies(
    http: httpx.Client, movies: meilisearch.index.Index, body: Any, code: str, message: str
) -> None:
    response = http.post(f"/indexes/{movies.uid}/search", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    expected = message.replace("{uid}", movies.uid)
    if code in ("invalid_search_locales", "bad_request"):
        assert response.json()["message"].startswith(expected)
    else:
        assert response.json()["message"] == expected


def test_attributes_to_search_on_must_be_searchable(
    client: meilisearch.Client, http: httpx.Client, movies: meilisearch.index.Index
) -> None:
    wait_ok(client, movies.update_searchable_attributes(["title", "overview"]))
    response = http.post(
        f"/indexes/{movies.uid}/search", json={"q": "knight", "attributesToSearchOn": ["secret"]}
    )
    assert_error(
        response,
        400,
        "invalid_search_attributes_to_search_on",
        f"Index `{movies.uid}`: Attribute `secret` is not searchable. Available searchable "
        "attributes are: `overview, title`.",
    )
    result = movies.search("knight", {"attributesToSearchOn": ["title"]})
    assert {hit["id"] for hit in result["hits"]} == {1, 2}


def test_star_facets_are_empty_without_filterable_attributes(
    movies: meilisearch.index.Index,
) -> None:
    result = movies.search("", {"facets": ["*"]})
    assert result["facetDistribution"] == {}
    assert result["facetStats"] == {}
    assert list(result)[-3:] == ["facetDistribution", "facetStats", "requestUid"]


@pytest.mark.parametrize(
    "params, code, message",
    [
        (
            {"limit": "ten"},
            "invalid_search_limit",
            "Invalid value in parameter `limit`: could not parse `ten` as a positive integer",
        ),
        (
            {"showRankingScore": "yes"},
            "invalid_search_show_ranking_score",
            "Invalid value in parameter `showRankingScore`: could not parse `yes` as a boolean, "
            "expected either `true` or `false`",
        ),
        (
            {"hybridSemanticRatio": "0.5"},
            "invalid_search_hybrid_query",
            "`hybridEmbedder` is mandatory when `hybridSemanticRatio` is present",
        ),
        (
            {"vector": "0.1,0.2"},
            "missing_search_hybrid",
            "`hybridEmbedder` is mandatory when `vector` is present",
        ),
        (
            {"sort": "_geoPoint(1, 2):asc,year:desc"},
            "invalid_search_sort",
            "Index `{uid}`: Attribute `_geo` is not sortable. This index does not have "
            "configured sortable attributes.",
        ),
        (
            {"filter": '["genres = Action"]'},
            "invalid_search_filter",
            "Index `{uid}`: Attribute `genres` is not filterable. This index does not have "
            "configured filterable attributes.\n1:7 genres = Action",
        ),
        (
            {"qq": "x"},
            "bad_request",
            "Unknown parameter `qq`: expected one of `q`, `vector`, `offset`, `limit`",
        ),
    ],
)
def test_bad_query_strings(
    http: httpx.Client, movies: meilisearch.index.Index, params: Any, code: str, message: str
) -> None:
    response = http.get(f"/indexes/{movies.uid}/search", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == code
    expected = message.replace("{uid}", movies.uid)
    if code == "bad_request":
        assert response.json()["message"].startswith(expected)
    else:
        assert response.json()["message"] == expected


def test_search_bodies_need_json(http: httpx.Client, movies: meilisearch.index.Index) -> None:
    path = f"/indexes/{movies.uid}/search"
    response = http.post(path, content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["code"] == "invalid_content_type"
    response = http.post(path, content=b"", headers={"Content-Type": "application/json"})
    assert_error(response, 400, "missing_payload", "A json payload is missing.")


# ---------------------------------------------------------------- filters, sort, facets


def test_filter_sort_and_facets_on_configured_attributes(
    client: meilisearch.Client, movies: meilisearch.index.Index
) -> None:
    settings = {"filterableAttributes": ["genres", "year"], "sortableAttributes": ["year"]}
    wait_ok(client, movies.update_settings(settings))
    result = movies.search(
        "", {"filter": "year > 2005", "sort": ["year:desc"], "facets": ["genres", "year"]}
    )
    assert [hit["id"] for hit in result["hits"]] == [2, 1]
    assert result["estimatedTotalHits"] == 2
    assert result["facetDistribution"] == {
        "genres": {"Action": 1, "Comedy": 1, "Crime": 1},
        "year": {"2008": 1, "2010": 1},
    }
    assert result["facetStats"] == {"year": {"min": 2008, "max": 2010}}
    result = movies.search("knight", {"filter": ["genres = comedy"]})
    assert [hit["id"] for hit in result["hits"]] == [2]


def test_distinct_keeps_one_hit_per_value(client: meilisearch.Client, index_uid: str) -> None:
    index = client.index(index_uid)
    documents = [
        {"id": 1, "sku": "a", "title": "red shirt"},
        {"id": 2, "sku": "a", "title": "red shirt large"},
        {"id": 3, "sku": "b", "title": "red hat"},
    ]
    wait_ok(client, index.add_documents(documents))
    wait_ok(client, index.update_filterable_attributes(["sku"]))
    result = index.search("red", {"distinct": "sku", "hitsPerPage": 10})
    assert sorted(hit["id"] for hit in result["hits"]) == [1, 3]
    assert result["totalHits"] == 2


def test_geo_sort_adds_the_distance(client: meilisearch.Client, index_uid: str) -> None:
    index = client.index(index_uid)
    documents = [
        {"id": 1, "name": "Milan", "_geo": {"lat": 45.4642, "lng": 9.19}},
        {"id": 2, "name": "Turin", "_geo": {"lat": 45.0703, "lng": 7.6869}},
        {"id": 3, "name": "Nowhere"},
    ]
    wait_ok(client, index.add_documents(documents))
    wait_ok(client, index.update_sortable_attributes(["_geo"]))
    result = index.search("", {"sort": ["_geoPoint(45.07, 7.68):asc"]})
    hits = result["hits"]
    assert [hit["id"] for hit in hits] == [2, 1, 3]
    assert list(hits[0]) == ["id", "name", "_geo", "_geoDistance"]
    assert hits[0]["_geoDistance"] < hits[1]["_geoDistance"]
    assert "_geoDistance" not in hits[2]


# ---------------------------------------------------------------- multi-search


def test_multi_search_answers_each_query_in_order(
    client: meilisearch.Client, movies: meilisearch.index.Index
) -> None:
    answer = client.multi_search(
        [
            {"indexUid": movies.uid, "q": "nemo"},
            {"indexUid": movies.uid, "q": "knight", "limit": 1, "attributesToRetrieve": ["id"]},
        ]
    )
    first, second = answer["results"]
    assert list(first)[:3] == ["indexUid", "hits", "query"]
    assert first["indexUid"] == movies.uid
    assert [hit["id"] for hit in first["hits"]] == [3]
    assert second["query"] == "knight"
    assert len(second["hits"]) == 1 and list(second["hits"][0]) == ["id"]
    assert second["estimatedTotalHits"] == 2


def test_multi_search_errors_name_the_query(
    http: httpx.Client, movies: meilisearch.index.Index, index_uid: str
) -> None:
    missing = index_uid + "_missing"
    response = http.post(
        "/multi-search",
        json={"queries": [{"indexUid": movies.uid}, {"indexUid": missing, "q": "x"}]},
    )
    assert_error(
        response, 400, "index_not_found", f"Inside `.queries[1]`: Index `{missing}` not found."
    )
    response = http.post(
        "/multi-search",
        json={"queries": [{"indexUid": movies.uid, "filter": "year > 2000"}]},
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith(
        f"Inside `.queries[0]`: Index `{movies.uid}`: Attribute `year` is not filterable."
    )
    response = http.post("/multi-search", json={"queries": [{"q": "x"}]})
    assert_error(
        response, 400, "missing_index_uid", "Missing field `indexUid` inside `.queries[0]`"
    )
    response = http.post("/multi-search", json={"queries": [{"indexUid": movies.uid, "q": 3}]})
    assert_error(
        response,
        400,
        "invalid_search_q",
        "Invalid value type at `.queries[0].q`: expected a string, but found a positive "
        "integer: `3`",
    )


def test_federation_options_need_federation(
    http: httpx.Client, movies: meilisearch.index.Index
) -> None:
    response = http.post(
        "/multi-search",
        json={"queries": [{"indexUid": movies.uid, "federationOptions": {"weight": 2}}]},
    )
    assert_error(
        response,
        400,
        "invalid_multi_search_federation_options",
        "Inside `.queries[0]`: Using `federationOptions` is not allowed in a non-federated "
        "search.\n - Hint: remove `federationOptions` from query #0 or add `federation` to the "
        "request.",
    )


def test_federated_search_merges_hits_by_weighted_score(
    client: meilisearch.Client, movies: meilisearch.index.Index, index_uid: str
) -> None:
    books = client.index(index_uid + "_books")
    wait_ok(client, books.add_documents([{"id": 10, "title": "The Knight's Tale"}]))
    queries = [
        {"indexUid": movies.uid, "q": "knight"},
        {"indexUid": books.uid, "q": "knight", "federationOptions": {"weight": 5.0}},
    ]
    answer = client.multi_search(queries, {"limit": 2})
    assert list(answer) == [
        "hits",
        "processingTimeMs",
        "limit",
        "offset",
        "estimatedTotalHits",
        "requestUid",
    ]
    assert (answer["limit"], answer["offset"], answer["estimatedTotalHits"]) == (2, 0, 3)
    first, second = answer["hits"]
    assert first["id"] == 10
    assert list(first) == ["id", "title", "_federation"]
    assert first["_federation"]["indexUid"] == books.uid
    assert first["_federation"]["queriesPosition"] == 1
    assert second["_federation"]["queriesPosition"] == 0
    scores = [hit["_federation"]["weightedRankingScore"] for hit in answer["hits"]]
    assert scores[0] > scores[1]
    paged = client.multi_search(queries, {"page": 2, "hitsPerPage": 2})
    assert [hit["id"] for hit in paged["hits"]] == [
        hit["id"] for hit in client.multi_search(queries, {"offset": 2, "limit": 2})["hits"]
    ]
    assert (paged["totalHits"], paged["totalPages"]) == (3, 2)


@pytest.mark.parametrize(
    "query, federation, code, message",
    [
        (
            {"limit": 5},
            {},
            "invalid_multi_search_query_pagination",
            "Inside `.queries[0]`: Using pagination options is not allowed in federated "
            "queries.\n - Hint: remove `limit` from query #0 or remove `federation` from the "
            "request\n - Hint: pass `federation.limit` and `federation.offset` for pagination in "
            "federated search",
        ),
        (
            {"federationOptions": {"weight": -1}},
            {},
            "invalid_multi_search_weight",
            "Invalid value at `.queries[0].federationOptions.weight`: the value of `weight` is "
            "invalid, expected a positive float (>= 0.0).",
        ),
        (
            {"distinct": "genres"},
            {"distinct": "genres"},
            "invalid_multi_search_distinct",
            "Inside `.queries[0]`: Using `distinct` in a federated query is not allowed when "
            "`federation.distinct` is set.\n - Hint: remove `distinct` from query #0 or remove "
            "`distinct` from `federation`",
        ),
        (
            {"showPerformanceDetails": True},
            {},
            "invalid_multi_search_query_show_performance_details",
            "Inside `.queries[0]`: Using `showPerformanceDetails` is not allowed in federated "
            "queries.\n - Hint: remove `showPerformanceDetails` from query #0 or remove "
            "`federation` from the request",
        ),
    ],
)
def test_federated_queries_cannot_paginate_themselves(
    http: httpx.Client,
    movies: meilisearch.index.Index,
    query: dict[str, Any],
    federation: dict[str, Any],
    code: str,
    message: str,
) -> None:
    body = {"queries": [{"indexUid": movies.uid, **query}], "federation": federation}
    assert_error(http.post("/multi-search", json=body), 400, code, message)
