from __future__ import annotations

from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.http.search import SEARCH_BODY, SEARCH_QUERY, query_request
from lumi.search.request import Hybrid


def from_query(**params: str) -> Any:
    return query_request(SEARCH_QUERY.parse(params.items()))


def error_of(call: Any, *args: Any) -> tuple[str, str]:
    with pytest.raises(LumiError) as caught:
        call(*args)
    return caught.value.code, caught.value.message


def test_query_strings_mean_the_same_as_bodies() -> None:
    request = from_query(
        q="hero",
        limit="5",
        attributesToRetrieve="title, overview",
        showRankingScore="true",
        sort="_geoPoint(1, 2):asc,year:desc",
        filter='["genre = horror"]',
        hybridEmbedder="default",
        personalizeUserContext="likes horror",
        locales="fra,eng",
    )
    assert request.q == "hero"
    assert request.limit == 5
    assert request.attributes_to_retrieve == ["title", "overview"]
    assert request.show_ranking_score is True
    assert request.sort == ["_geoPoint(1,2):asc", "year:desc"]
    assert request.filter == ["genre = horror"]
    assert request.hybrid == Hybrid("default", 0.5)
    assert request.personalize == {"userContext": "likes horror"}
    assert request.locales == ["fra", "eng"]


def test_a_semantic_ratio_needs_an_embedder_in_query_strings() -> None:
    assert from_query(hybridEmbedder="e", hybridSemanticRatio="0.2").hybrid == Hybrid("e", 0.2)
    assert error_of(lambda: from_query(hybridSemanticRatio="0.2")) == (
        "invalid_search_hybrid_query",
        "`hybridEmbedder` is mandatory when `hybridSemanticRatio` is present",
    )


@pytest.mark.parametrize(
    "params, code, message",
    [
        (
            {"hybridEmbedder": "e", "hybridSemanticRatio": "2"},
            "invalid_search_semantic_ratio",
            "Invalid value in parameter `hybridSemanticRatio`: the value of `semanticRatio` is "
            "invalid, expected a float between `0.0` and `1.0`.",
        ),
        (
            {"rankingScoreThreshold": "high"},
            "invalid_search_ranking_score_threshold",
            "Invalid value in parameter `rankingScoreThreshold`: could not parse `high` as a float",
        ),
        (
            {"vector": "0.1,x"},
            "invalid_search_vector",
            "Invalid value in parameter `vector[1]`: could not parse `x` as a float",
        ),
        (
            {"matchingStrategy": "most"},
            "invalid_search_matching_strategy",
            "Unknown value `most` for parameter `matchingStrategy`: expected one of `last`, "
            "`all`, `frequency`",
        ),
        (
            {"page": "-1"},
            "invalid_search_page",
            "Invalid value in parameter `page`: could not parse `-1` as a positive integer",
        ),
    ],
)
def test_bad_query_strings(params: dict[str, str], code: str, message: str) -> None:
    assert error_of(SEARCH_QUERY.parse, params.items()) == (code, message)


def test_locales_name_the_bad_item() -> None:
    code, message = error_of(SEARCH_QUERY.parse, [("locales", "fra,klingon")])
    assert code == "invalid_search_locales"
    assert message.startswith("Unknown value `klingon` for parameter `locales[1]`: expected one of")


@pytest.mark.parametrize(
    "body, code, message",
    [
        (
            {"personalize": {}},
            "invalid_search_personalize",
            "Missing field `userContext` inside `.personalize`",
        ),
        (
            {"useNetwork": "yes"},
            "invalid_search_use_network",
            'Invalid value type at `.useNetwork`: expected a boolean, but found a string: `"yes"`',
        ),
        (
            {"hybrid": {"embedder": 1}},
            "invalid_search_embedder",
            "Invalid value type at `.hybrid.embedder`: expected a string, but found a positive "
            "integer: `1`",
        ),
        (
            {"cropLength": -1},
            "invalid_search_crop_length",
            "Invalid value type at `.cropLength`: expected a positive integer, but found a "
            "negative integer: `-1`",
        ),
    ],
)
def test_bad_bodies(body: dict[str, Any], code: str, message: str) -> None:
    assert error_of(SEARCH_BODY.parse, body) == (code, message)


def test_null_is_accepted_where_the_reference_has_options() -> None:
    nullable = [
        "q",
        "vector",
        "hybrid",
        "page",
        "hitsPerPage",
        "attributesToRetrieve",
        "attributesToCrop",
        "attributesToHighlight",
        "filter",
        "sort",
        "distinct",
        "facets",
        "attributesToSearchOn",
        "rankingScoreThreshold",
        "locales",
        "personalize",
        "useNetwork",
    ]
    assert SEARCH_BODY.parse(dict.fromkeys(nullable)) == dict.fromkeys(nullable)
