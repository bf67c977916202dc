from __future__ import annotations

from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.search import federation
from lumi.search.federation import Federation, federated_search
from lumi.search.multi import MultiQuery, QueryError, SearchAccess
from lumi.search.perform import SearchOptions, SearchTarget
from lumi.search.request import SearchRequest

OPEN = SearchAccess(allowed=lambda uid: True, token_filter=lambda uid: None)
# Hits each index returns, best first, with their ranking scores.
SCORED = {
    "movies": [(1, 0.9), (2, 0.5), (3, 0.2)],
    "books": [(10, 0.8), (11, 0.5)],
}


def open_target(uid: str) -> SearchTarget:
    return SearchTarget(uid, "id", None)  # type: ignore[arg-type]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[SearchRequest]:
    """Answer searches from ``SCORED`` and record the requests."""
    requests: list[SearchRequest] = []

    def fake(
        target: SearchTarget, request: SearchRequest, options: SearchOptions
    ) -> dict[str, Any]:
        requests.append(request)
        found = SCORED[target.uid]
        hits = [
            {"id": docid, "_formatted": {"id": str(docid)}, "_rankingScore": score}
            for docid, score in found[request.offset : request.offset + request.limit]
        ]
        return {"hits": hits, "query": request.query, "estimatedTotalHits": len(found)}

    monkeypatch.setattr(federation, "perform_search", fake)
    return requests


def query(uid: str, weight: float | None = None, **params: Any) -> MultiQuery:
    options = None if weight is None else {"weight": weight}
    given = frozenset(name for name, value in params.items() if value is not None)
    return MultiQuery(uid, SearchRequest.of(params), options, given)


def ids(answer: dict[str, Any]) -> list[int]:
    return [hit["id"] for hit in answer["hits"]]


def test_hits_are_merged_by_weighted_score(asked: list[SearchRequest]) -> None:
    queries = [query("movies"), query("books")]
    answer = federated_search(queries, Federation(), open_target, OPEN)
    assert ids(answer) == [1, 10, 2, 11, 3]
    assert answer["estimatedTotalHits"] == 5
    queries = [query("movies"), query("books", weight=2.0)]
    answer = federated_search(queries, Federation(), open_target, OPEN)
    assert ids(answer) == [10, 11, 1, 2, 3]
    assert answer["hits"][0]["_federation"] == {
        "indexUid": "books",
        "queriesPosition": 1,
        "weightedRankingScore": 1.6,
    }


def test_every_query_is_asked_for_the_whole_federated_page(asked: list[SearchRequest]) -> None:
    queries = [query("movies"), query("books")]
    answer = federated_search(queries, Federation(limit=2, offset=1), open_target, OPEN)
    assert ids(answer) == [10, 2]
    assert [(r.offset, r.limit, r.show_ranking_score) for r in asked] == [(0, 3, True)] * 2
    assert (answer["limit"], answer["offset"]) == (2, 1)


def test_ties_keep_query_order_and_scores_show_only_when_asked(
    asked: list[SearchRequest],
) -> None:
    queries = [query("books"), query("movies", showRankingScore=True)]
    hits = federated_search(queries, Federation(), open_target, OPEN)["hits"]
    assert [hit["id"] for hit in hits] == [1, 10, 11, 2, 3]
    assert list(hits[0]) == ["id", "_federation", "_formatted", "_rankingScore"]
    assert "_rankingScore" not in hits[1]


def test_page_mode(asked: list[SearchRequest]) -> None:
    pages = Federation(page=2, hits_per_page=2)
    answer = federated_search([query("movies"), query("books")], pages, open_target, OPEN)
    assert ids(answer) == [2, 11]
    assert [answer[k] for k in ("hitsPerPage", "page", "totalPages", "totalHits")] == [2, 2, 3, 5]


@pytest.mark.parametrize(
    "bad, code",
    [
        (query("books", limit=3), "invalid_multi_search_query_pagination"),
        (query("books", facets=["genre"]), "invalid_multi_search_query_facets"),
        (
            query("books", showPerformanceDetails=True),
            "invalid_multi_search_query_show_performance_details",
        ),
        (
            query("books", personalize={"userContext": "x"}),
            "invalid_multi_search_query_personalization",
        ),
    ],
)
def test_queries_may_not_paginate_or_facet(
    asked: list[SearchRequest], bad: MultiQuery, code: str
) -> None:
    with pytest.raises(QueryError) as caught:
        federated_search([query("movies"), bad], Federation(), open_target, OPEN)
    assert caught.value.code == code
    assert caught.value.message.startswith("Inside `.queries[1]`: ")
    assert asked == []


@pytest.mark.parametrize("name", ["facetsByIndex", "mergeFacets", "distinct"])
def test_unsupported_federation_parameters_are_refused(name: str) -> None:
    with pytest.raises(LumiError) as caught:
        Federation.of({name: {} if name != "distinct" else "sku"})
    assert caught.value.code == "invalid_multi_search_federated"
    assert caught.value.message == (
        f"`{name}` is not available yet in federated search on this server."
    )
