from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from lumi.search import federation
from lumi.search.federated_facets import IndexFacets
from lumi.search.federation import Federation, federated_search
from lumi.search.multi import MultiQuery, QueryError, SearchAccess
from lumi.search.perform import SearchOptions, SearchTarget, perform_search
from lumi.search.request import SearchRequest
from tests.search.word_index import SmallIndex

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


def test_federation_fields() -> None:
    parsed = Federation.of(
        {
            "limit": 5,
            "facetsByIndex": {"movies": ["genre"], "books": None},
            "mergeFacets": {"maxValuesPerFacet": 7},
            "distinct": "sku",
            "showPerformanceDetails": True,
        }
    )
    assert parsed == Federation(
        limit=5,
        show_performance_details=True,
        facets_by_index={"movies": ["genre"], "books": None},
        merge_facets=True,
        max_values_per_facet=7,
        distinct="sku",
    )
    assert Federation.of({"mergeFacets": {}}).merge_facets
    assert not Federation.of({"mergeFacets": None}).merge_facets


def test_a_query_may_not_name_its_own_distinct_beside_the_federation_one(
    asked: list[SearchRequest],
) -> None:
    queries = [query("movies", distinct="genre"), query("books", distinct="genre")]
    assert ids(federated_search(queries, Federation(), open_target, OPEN)) == [1, 10, 2, 11, 3]
    with pytest.raises(QueryError) as caught:
        federated_search(queries, Federation(distinct="sku"), open_target, OPEN)
    assert (caught.value.code, caught.value.status) == ("invalid_multi_search_distinct", 400)
    assert caught.value.message == (
        "Inside `.queries[0]`: Using `distinct` in a federated query is not allowed when "
        "`federation.distinct` is set.\n - Hint: remove `distinct` from query #0 or remove "
        "`distinct` from `federation`"
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


# ---- real indexes: distinct, facets and performance details ---------------------------------

DURATION = re.compile(r"^\d+\.\d\d(ns|µs|ms|s)$")
TAGS = [
    {"id": 1, "title": "both", "genre": ["a", "b"]},
    {"id": 2, "title": "one", "genre": "a"},
    {"id": 3, "title": "two", "genre": "B"},
    {"id": 4, "title": "three", "genre": "c"},
]
SHOP = [
    {"id": 1, "title": "red shirt", "brand": "acme", "price": 10},
    {"id": 2, "title": "red shoes", "brand": "Acme", "price": 30},
    {"id": 3, "title": "blue shirt", "brand": "zeta", "price": 20},
    {"id": 4, "title": "green hat", "brand": "zeta", "price": 5},
]
OUTLET = [
    {"id": 10, "title": "red scarf", "brand": "acme"},
    {"id": 11, "title": "blue scarf", "brand": "omni"},
]


@pytest.fixture
def stores(small_index: Callable[..., SmallIndex]) -> Callable[[str], SearchTarget]:
    """``open_target`` over real indexes ``tags``, ``shop`` and ``outlet``."""
    built = {
        "tags": small_index(TAGS, filterableAttributes=["genre", "id"]),
        "shop": small_index(SHOP, filterableAttributes=["brand", "price"]),
        "outlet": small_index(OUTLET, filterableAttributes=["brand"]),
    }

    def open_real(uid: str) -> SearchTarget:
        return SearchTarget(uid, "id", built[uid].index)

    return open_real


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``limit`` of every search run, the searches being real."""
    asked: list[int] = []

    def recorded(
        target: SearchTarget, request: SearchRequest, options: SearchOptions
    ) -> dict[str, Any]:
        asked.append(request.limit)
        return perform_search(target, request, options)

    monkeypatch.setattr(federation, "perform_search", recorded)
    return asked


def test_federation_distinct_keeps_one_hit_per_value_across_queries(
    stores: Callable[[str], SearchTarget],
) -> None:
    queries = [query("shop", q="red"), query("outlet", q="scarf")]
    answer = federated_search(queries, Federation(distinct="brand"), stores, OPEN)
    brands = [hit["brand"].lower() for hit in answer["hits"]]
    assert sorted(brands) == ["acme", "omni"]


def test_federation_distinct_searches_again_when_the_page_runs_short(
    stores: Callable[[str], SearchTarget], limits: list[int]
) -> None:
    # Document 1 holds both `a` and `b`: once it ranks first, 2 and 3 share a value with it.
    queries = [query("tags", filter="id > 1"), query("tags", weight=2.0, q="both")]
    answer = federated_search(queries, Federation(limit=2, distinct="genre"), stores, OPEN)
    assert ids(answer) == [1, 4]
    assert limits == [2, 2, 4, 4]


def test_federation_distinct_must_be_filterable_in_every_index(
    stores: Callable[[str], SearchTarget],
) -> None:
    queries = [query("shop"), query("tags")]
    with pytest.raises(QueryError) as caught:
        federated_search(queries, Federation(distinct="brand"), stores, OPEN)
    assert caught.value.code == "invalid_search_distinct"
    assert caught.value.message == (
        "Inside `.queries[1]`: Index `tags`: Attribute `brand` is not filterable and thus, "
        "cannot be used as distinct attribute. Available filterable attributes patterns are: "
        "`genre, id`."
    )


def test_remote_hits_take_part_in_distinct_by_their_own_fields(
    stores: Callable[[str], SearchTarget],
) -> None:
    remote_hit = {"id": 99, "brand": ["ACME"], "_federation": {"weightedRankingScore": 2.0}}
    remotes = federation.Remotes(self_name="ms_0", hits=[(-2.0, 1, 0, remote_hit)])
    queries = [query("shop", q="red"), remote_query("outlet", "ms_1")]
    options = SearchOptions(features={"network": True})
    answer = federated_search(queries, Federation(distinct="brand"), stores, OPEN, options, remotes)
    assert ids(answer) == [99]


FACETS_BY_INDEX = {"shop": ["brand", "price"], "outlet": ["brand"], "tags": []}


def test_facets_by_index_count_every_candidate_of_the_index_queries(
    stores: Callable[[str], SearchTarget],
) -> None:
    queries = [query("shop", q="shirt"), query("shop", q="red"), query("outlet", q="blue")]
    merge = Federation(limit=1, facets_by_index=FACETS_BY_INDEX)
    answer = federated_search(queries, merge, stores, OPEN)
    assert len(answer["hits"]) == 1
    assert answer["facetsByIndex"] == {
        "shop": {
            "distribution": {"brand": {"acme": 2, "zeta": 1}, "price": {"10": 1, "20": 1, "30": 1}},
            "stats": {"price": {"min": 10.0, "max": 30.0}},
        },
        "outlet": {"distribution": {"brand": {"omni": 1}}, "stats": {}},
        "tags": {"distribution": {}, "stats": {}},
    }
    keys = list(answer)
    assert keys.index("estimatedTotalHits") < keys.index("facetsByIndex") < keys.index("requestUid")


def test_merge_facets_give_one_distribution(stores: Callable[[str], SearchTarget]) -> None:
    queries = [query("shop", q="red"), query("outlet", q="scarf")]
    merge = Federation(facets_by_index=FACETS_BY_INDEX, merge_facets=True)
    answer = federated_search(queries, merge, stores, OPEN)
    assert "facetsByIndex" not in answer
    assert answer["facetDistribution"] == {
        "brand": {"acme": 3, "omni": 1},
        "price": {"10": 1, "30": 1},
    }
    assert answer["facetStats"] == {"price": {"min": 10.0, "max": 30.0}}
    limited = replace(merge, max_values_per_facet=1)
    answer = federated_search(queries, limited, stores, OPEN)
    assert answer["facetDistribution"] == {"brand": {"acme": 3}, "price": {"10": 1}}
    nothing = federated_search(queries, Federation(merge_facets=True), stores, OPEN)
    assert (nothing["facetDistribution"], nothing["facetStats"]) == ({}, {})
    assert "facetDistribution" not in federated_search(queries, Federation(), stores, OPEN)


def test_remote_facet_counts_join_the_local_ones(stores: Callable[[str], SearchTarget]) -> None:
    remote = IndexFacets({"brand": {"acme": 4, "zorg": 1}}, {})
    remotes = federation.Remotes(self_name="ms_0", facets={"shop": [remote], "outlet": [remote]})
    queries = [query("shop", q="red"), remote_query("outlet", "ms_1")]
    options = SearchOptions(features={"network": True})
    merge = Federation(facets_by_index={"shop": ["brand"], "outlet": ["brand"]})
    answer = federated_search(queries, merge, stores, OPEN, options, remotes)
    assert answer["facetsByIndex"] == {
        "shop": {"distribution": {"brand": {"acme": 6, "zorg": 1}}, "stats": {}},
        "outlet": {"distribution": {"brand": {"acme": 4, "zorg": 1}}, "stats": {}},
    }


def test_performance_details_time_each_step(stores: Callable[[str], SearchTarget]) -> None:
    queries = [query("shop", q="red"), query("outlet")]
    merge = Federation(facets_by_index={"shop": ["brand"]}, show_performance_details=True)
    answer = federated_search(queries, merge, stores, OPEN)
    details = answer["performanceDetails"]
    assert list(answer)[-2:] == ["requestUid", "performanceDetails"]
    assert list(details) == [
        "federating results > partition queries",
        "search > check parameters",
        "search > keyword ranking",
        "search > format",
        "search",
        "search > placeholder ranking",
        "federating results > execute local search",
        "federating results > merge results",
        "federating results > merge facets",
    ]
    assert all(DURATION.match(value) for value in details.values())
    assert "performanceDetails" not in federated_search(queries, Federation(), stores, OPEN)
