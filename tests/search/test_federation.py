from __future__ import annotations

from dataclasses import replace
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
        answer = {"hits": hits, "query": request.query, "estimatedTotalHits": len(found)}
        if options.include_metadata:
            answer["metadata"] = {"queryUid": "q", "indexUid": target.uid, "primaryKey": "id"}
        return answer

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


# ---- queries naming a remote of the network -------------------------------------------------

NETWORK_ON = SearchOptions(features={"network": True})


def remote_query(uid: str, remote: str | None, **options: Any) -> MultiQuery:
    return MultiQuery(uid, SearchRequest(), {"remote": remote, **options}, frozenset())


def test_remotes_need_the_network_feature(asked: list[SearchRequest]) -> None:
    with pytest.raises(QueryError) as caught:
        federated_search(
            [query("movies"), remote_query("books", "ms_0")], Federation(), open_target, OPEN
        )
    assert (caught.value.code, caught.value.status) == ("feature_not_enabled", 400)
    assert caught.value.message == (
        "Inside `.queries[1]`: Performing a remote federated search requires enabling the "
        "`network` experimental feature. See https://github.com/orgs/meilisearch/discussions/805"
    )
    assert asked == []


def test_queries_for_self_run_here_and_the_others_come_from_their_remote(
    asked: list[SearchRequest],
) -> None:
    origin = {"indexUid": "books", "queriesPosition": 2, "weightedRankingScore": 0.85}
    remote_hit = {"id": 99, "_federation": {**origin, "remote": "ms_1"}}
    remotes = federation.Remotes(
        self_name="ms_0",
        hits=[(-0.85, 2, 0, remote_hit)],
        total=7,
        metadata={2: {"queryUid": "q2", "indexUid": "books", "remote": "ms_1"}},
        errors={"ms_2": {"message": "down", "code": "remote_timeout"}},
    )
    queries = [
        remote_query("movies", "ms_0"),
        query("books"),
        remote_query("books", "ms_1"),
        remote_query("books", "ms_2"),
    ]
    options = replace(NETWORK_ON, include_metadata=True)
    answer = federated_search(queries, Federation(), open_target, OPEN, options, remotes)
    assert len(asked) == 2
    assert ids(answer) == [1, 99, 10, 2, 11, 3]
    assert [hit["_federation"].get("remote") for hit in answer["hits"]] == [
        "ms_0",
        "ms_1",
        None,
        "ms_0",
        None,
        "ms_0",
    ]
    assert answer["hits"][0]["_federation"] == {
        "indexUid": "movies",
        "queriesPosition": 0,
        "weightedRankingScore": 0.9,
        "remote": "ms_0",
    }
    assert answer["estimatedTotalHits"] == 3 + 2 + 7
    assert answer["remoteErrors"] == {"ms_2": {"message": "down", "code": "remote_timeout"}}
    assert list(answer)[-2:] == ["metadata", "remoteErrors"]
    assert [(m["indexUid"], m.get("remote")) for m in answer["metadata"]] == [
        ("movies", "ms_0"),
        ("books", None),
        ("books", "ms_1"),
    ]


def test_remote_errors_show_only_when_remotes_were_involved(asked: list[SearchRequest]) -> None:
    queries = [query("movies"), remote_query("books", None)]
    answer = federated_search(queries, Federation(), open_target, OPEN, NETWORK_ON)
    assert "remoteErrors" not in answer
    assert "remote" not in answer["hits"][0]["_federation"]


def test_query_position_is_the_position_reported(asked: list[SearchRequest]) -> None:
    queries = [remote_query("books", None, queryPosition=4), query("movies")]
    hits = federated_search(queries, Federation(), open_target, OPEN, NETWORK_ON)["hits"]
    assert [(hit["id"], hit["_federation"]["queriesPosition"]) for hit in hits] == [
        (1, 1),
        (10, 4),
        (11, 4),
        (2, 1),
        (3, 1),
    ]
