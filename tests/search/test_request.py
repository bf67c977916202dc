from __future__ import annotations

from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.search.request import (
    Hybrid,
    SearchRequest,
    decode_filter,
    split_list,
    split_sort,
)

MISSING_HYBRID = "Invalid request: missing `hybrid` parameter when `vector` or `media` are present."


def test_of_maps_api_names_and_keeps_defaults() -> None:
    request = SearchRequest.of(
        {
            "q": "hero",
            "hitsPerPage": 5,
            "attributesToHighlight": ["*"],
            "showRankingScoreDetails": True,
            "hybrid": {"embedder": "default", "semanticRatio": 0.7},
            "indexUid": "movies",
        }
    )
    assert request.q == "hero"
    assert request.hits_per_page == 5
    assert request.attributes_to_highlight == ["*"]
    assert request.show_ranking_score_details is True
    assert request.hybrid == Hybrid("default", 0.7)
    assert (request.limit, request.offset, request.crop_length) == (20, 0, 10)
    assert (request.highlight_pre_tag, request.highlight_post_tag) == ("<em>", "</em>")
    assert request.crop_marker == "…"
    assert request.matching_strategy == "last"


@pytest.mark.parametrize("q, shown", [(None, ""), ("", ""), ("star wars", "star wars")])
def test_query_echo(q: str | None, shown: str) -> None:
    assert SearchRequest(q=q).query == shown


@pytest.mark.parametrize(
    "params, max_total_hits, window",
    [
        ({}, 1000, (0, 20)),
        ({"offset": 10, "limit": 5}, 1000, (10, 5)),
        # offset and limit never reach past maxTotalHits
        ({"offset": 990, "limit": 20}, 1000, (990, 10)),
        ({"offset": 2000, "limit": 20}, 1000, (1000, 0)),
        ({"limit": 50}, 30, (0, 30)),
        # page mode: hitsPerPage defaults to 20, page to 1
        ({"page": 1}, 1000, (0, 20)),
        ({"page": 3, "hitsPerPage": 7}, 1000, (14, 7)),
        ({"hitsPerPage": 7}, 1000, (0, 7)),
        ({"page": 0, "hitsPerPage": 7}, 1000, (0, 0)),
        ({"page": 2, "hitsPerPage": 0}, 1000, (0, 0)),
        ({"page": 60, "hitsPerPage": 20}, 1000, (1000, 0)),
        # page mode ignores offset and limit
        ({"page": 2, "offset": 100, "limit": 1}, 1000, (20, 20)),
    ],
)
def test_window(params: dict[str, Any], max_total_hits: int, window: tuple[int, int]) -> None:
    assert SearchRequest.of(params).window(max_total_hits) == window


@pytest.mark.parametrize(
    "params, total, view",
    [
        ({}, 42, {"limit": 20, "offset": 0, "estimatedTotalHits": 42}),
        (
            {"offset": 3000, "limit": 7},
            5000,
            {"limit": 7, "offset": 3000, "estimatedTotalHits": 1000},
        ),
        ({"page": 2}, 42, {"hitsPerPage": 20, "page": 2, "totalPages": 3, "totalHits": 42}),
        ({"hitsPerPage": 10}, 40, {"hitsPerPage": 10, "page": 1, "totalPages": 4, "totalHits": 40}),
        ({"page": 0}, 5, {"hitsPerPage": 20, "page": 0, "totalPages": 1, "totalHits": 5}),
        ({"hitsPerPage": 0}, 5, {"hitsPerPage": 0, "page": 1, "totalPages": 0, "totalHits": 5}),
        ({"page": 1}, 0, {"hitsPerPage": 20, "page": 1, "totalPages": 0, "totalHits": 0}),
        ({"page": 1}, 4000, {"hitsPerPage": 20, "page": 1, "totalPages": 50, "totalHits": 1000}),
    ],
)
def test_pagination_view_keys_in_order_and_totals_capped(
    params: dict[str, Any], total: int, view: dict[str, int]
) -> None:
    shown = SearchRequest.of(params).pagination_view(total, 1000)
    assert shown == view
    assert list(shown) == list(view)


@pytest.mark.parametrize(
    "params, embedder",
    [
        ({"q": "hero"}, None),
        ({"q": "hero", "hybrid": {"embedder": "e"}}, "e"),
        # a semantic ratio of 0 is a keyword search
        ({"q": "hero", "hybrid": {"embedder": "e", "semanticRatio": 0.0}}, None),
        # a placeholder search without vector stays a keyword search
        ({"hybrid": {"embedder": "e", "semanticRatio": 1.0}}, None),
        ({"q": "  ", "hybrid": {"embedder": "e"}}, None),
        ({"vector": [0.1], "hybrid": {"embedder": "e"}}, "e"),
    ],
)
def test_semantic_embedder(params: dict[str, Any], embedder: str | None) -> None:
    assert SearchRequest.of(params).semantic_embedder() == embedder


@pytest.mark.parametrize(
    "params, query_string, code, message",
    [
        ({"vector": [0.1]}, False, "missing_search_hybrid", MISSING_HYBRID),
        (
            {"vector": [0.1]},
            True,
            "missing_search_hybrid",
            "`hybridEmbedder` is mandatory when `vector` is present",
        ),
        ({"media": {"image": "x"}}, False, "missing_search_hybrid", MISSING_HYBRID),
        (
            {"media": {}, "vector": [1.0], "hybrid": {"embedder": "e"}},
            False,
            "invalid_search_media_and_vector",
            "Invalid request: both `media` and `vector` parameters are present.",
        ),
    ],
)
def test_vector_and_media_need_hybrid(
    params: dict[str, Any], query_string: bool, code: str, message: str
) -> None:
    with pytest.raises(LumiError) as caught:
        SearchRequest.of(params).semantic_embedder(query_string=query_string)
    assert (caught.value.code, caught.value.message) == (code, message)


@pytest.mark.parametrize(
    "text, items",
    [
        ("title", ["title"]),
        ("title, overview ,genres", ["title", "overview", "genres"]),
        ("a,", ["a", ""]),
    ],
)
def test_split_list(text: str, items: list[str]) -> None:
    assert split_list(text) == items


@pytest.mark.parametrize(
    "text, items",
    [
        ("price:asc", ["price:asc"]),
        ("price:asc,title:desc", ["price:asc", "title:desc"]),
        ("_geoPoint(45.4, 9.1):asc,price:desc", ["_geoPoint(45.4,9.1):asc", "price:desc"]),
        ("title:asc, _geoPoint(1,2):desc", ["title:asc", "_geoPoint(1,2):desc"]),
        ('"price:asc"', ["price:asc"]),
    ],
)
def test_split_sort_keeps_geo_points_whole(text: str, items: list[str]) -> None:
    assert split_sort(text) == items


@pytest.mark.parametrize(
    "text, value",
    [
        ("genre = horror", "genre = horror"),
        ('["genre = horror", ["a = 1", "b = 2"]]', ["genre = horror", ["a = 1", "b = 2"]]),
        ("3", 3),
        ('"quoted"', "quoted"),
        ("[broken", "[broken"),
    ],
)
def test_decode_filter(text: str, value: Any) -> None:
    assert decode_filter(text) == value
