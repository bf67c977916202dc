from __future__ import annotations

from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.search import multi
from lumi.search.multi import MultiQuery, QueryError, SearchAccess, multi_search
from lumi.search.perform import SearchOptions, SearchTarget
from lumi.search.request import SearchRequest

OPEN = SearchAccess(allowed=lambda uid: True, token_filter=lambda uid: None)


def open_target(uid: str) -> SearchTarget:
    if uid == "missing":
        raise LumiError("index_not_found", f"Index `{uid}` not found.")
    return SearchTarget(uid, "id", None)  # type: ignore[arg-type]


@pytest.fixture
def searches(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record every search instead of running it; a query ``boom`` fails like a bad filter."""
    seen: list[dict[str, Any]] = []

    def fake(
        target: SearchTarget, request: SearchRequest, options: SearchOptions
    ) -> dict[str, Any]:
        if request.q == "boom":
            raise LumiError("invalid_search_filter", f"Index `{target.uid}`: bad filter")
        seen.append({"uid": target.uid, "q": request.q, "token_filter": options.token_filter})
        return {"hits": [], "query": request.query, "requestUid": options.request_uid}

    monkeypatch.setattr(multi, "perform_search", fake)
    return seen


def test_results_come_in_query_order_with_their_index(searches: list[dict[str, Any]]) -> None:
    queries = [
        MultiQuery("movies", SearchRequest(q="hero")),
        MultiQuery("books", SearchRequest(q="dune")),
        MultiQuery("movies", SearchRequest()),
    ]
    answer = multi_search(queries, open_target, OPEN)
    results = answer["results"]
    assert [(r["indexUid"], r["query"]) for r in results] == [
        ("movies", "hero"),
        ("books", "dune"),
        ("movies", ""),
    ]
    assert all(list(r)[:2] == ["indexUid", "hits"] for r in results)
    assert len({r["requestUid"] for r in results}) == 1


def test_the_token_filter_of_each_index_is_passed_along(searches: list[dict[str, Any]]) -> None:
    access = SearchAccess(lambda uid: True, lambda uid: f"tenant = {uid}")
    multi_search(
        [MultiQuery("a", SearchRequest()), MultiQuery("b", SearchRequest())], open_target, access
    )
    assert [s["token_filter"] for s in searches] == ["tenant = a", "tenant = b"]


@pytest.mark.parametrize(
    "queries, code, status, message",
    [
        (
            [MultiQuery("movies", SearchRequest()), MultiQuery("missing", SearchRequest())],
            "index_not_found",
            400,
            "Inside `.queries[1]`: Index `missing` not found.",
        ),
        (
            [MultiQuery("movies", SearchRequest(q="boom"))],
            "invalid_search_filter",
            400,
            "Inside `.queries[0]`: Index `movies`: bad filter",
        ),
        (
            [MultiQuery("movies", SearchRequest(), {"weight": 2.0})],
            "invalid_multi_search_federation_options",
            400,
            "Inside `.queries[0]`: Using `federationOptions` is not allowed in a non-federated "
            "search.\n - Hint: remove `federationOptions` from query #0 or add `federation` to "
            "the request.",
        ),
        (
            [MultiQuery("secret", SearchRequest())],
            "invalid_api_key",
            403,
            "Inside `.queries[0]`: The provided API key is invalid.",
        ),
    ],
)
def test_the_first_failing_query_decides(
    searches: list[dict[str, Any]],
    queries: list[MultiQuery],
    code: str,
    status: int,
    message: str,
) -> None:
    access = SearchAccess(lambda uid: uid != "secret", lambda uid: None)
    with pytest.raises(QueryError) as caught:
        multi_search(queries, open_target, access)
    assert (caught.value.code, caught.value.status, caught.value.message) == (
        code,
        status,
        message,
    )


def test_an_empty_query_list_gives_no_results(searches: list[dict[str, Any]]) -> None:
    assert multi_search([], open_target, OPEN) == {"results": []}
