from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.search.perform import SearchTarget
from lumi.search.similar import SimilarRequest, perform_similar
from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]
EMBEDDERS = {"manual": {"source": "userProvided", "dimensions": 3}}
DOCS = [
    {"id": 1, "title": "Azkaban", "year": 2004, "_vectors": {"manual": [0.8, 0.8, 0.8]}},
    {"id": 2, "title": "Goblet", "year": 2005, "_vectors": {"manual": [0.7, 0.7, 0.9]}},
    {"id": 3, "title": "Rings", "year": 2001, "_vectors": {"manual": [0.6, 0.5, 0.2]}},
    {"id": 4, "title": "No vectors", "year": 2001},
]


@pytest.fixture
def target(small_index: Make) -> SearchTarget:
    books = small_index(DOCS, embedders=EMBEDDERS, filterableAttributes=["year"])
    return SearchTarget("books", "id", books.index)


def similar(target: SearchTarget, **params: Any) -> dict[str, Any]:
    body = perform_similar(target, SimilarRequest.of({"embedder": "manual", **params}))
    body.pop("processingTimeMs")
    return body


def test_similar_documents_exclude_the_reference_and_unembedded_documents(
    target: SearchTarget,
) -> None:
    assert similar(target, id="2", attributesToRetrieve=["id"]) == {
        "hits": [{"id": 1}, {"id": 3}],
        "id": "2",
        "limit": 20,
        "offset": 0,
        "estimatedTotalHits": 2,
    }


def test_filter_window_scores_and_vectors(target: SearchTarget) -> None:
    body = similar(
        target,
        id="1",
        filter="year < 2005",
        attributesToRetrieve=["title"],
        showRankingScore=True,
        retrieveVectors=True,
    )
    assert body["hits"] == [
        {
            "title": "Rings",
            "_vectors": {"manual": {"embeddings": [[0.6, 0.5, 0.2]], "regenerate": False}},
            "_rankingScore": pytest.approx(0.9655, abs=1e-4),
        }
    ]
    assert similar(target, id="3", offset=1, limit=1, attributesToRetrieve=["id"])["hits"] == [
        {"id": 2}
    ]
    details = similar(target, id="3", limit=1, showRankingScoreDetails=True)["hits"][0]
    assert list(details["_rankingScoreDetails"]) == ["vectorSort"]


@pytest.mark.parametrize(
    "params, code, message",
    [
        (
            {"id": "1", "embedder": "nope"},
            "invalid_similar_embedder",
            "Index `books`: Cannot find embedder with name `nope`.",
        ),
        ({"id": "9"}, "not_found_similar_id", "Index `books`: Document `9` not found."),
        (
            {"id": "a b"},
            "invalid_similar_id",
            "Invalid value at `.id`: the value of `id` is invalid. A document identifier can be "
            "of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), "
            "hyphens (-) and underscores (_), and can not be more than 511 bytes.",
        ),
        (
            {"id": "1", "filter": "title = x"},
            "invalid_similar_filter",
            "Index `books`: Attribute `title` is not filterable. Available filterable attribute "
            "patterns are: `year`.\n1:6 title = x",
        ),
        (
            {"id": "1", "rankingScoreThreshold": 2},
            "invalid_similar_ranking_score_threshold",
            "Invalid value at `.rankingScoreThreshold`: the value of `rankingScoreThreshold` is "
            "invalid, expected a float between `0.0` and `1.0`.",
        ),
    ],
)
def test_errors(target: SearchTarget, params: dict[str, Any], code: str, message: str) -> None:
    with pytest.raises(LumiError) as caught:
        similar(target, **params)
    assert (caught.value.code, caught.value.message) == (code, message)
