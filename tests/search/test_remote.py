from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

import httpx
import pytest

from lumi.search import federation
from lumi.search.federation import Federation
from lumi.search.multi import MultiQuery, QueryError, SearchAccess
from lumi.search.perform import SearchOptions, SearchTarget
from lumi.search.remote import network_federated_search
from lumi.search.request import SearchRequest

OPEN = SearchAccess(allowed=lambda uid: True, token_filter=lambda uid: None)
OPTIONS = SearchOptions(features={"network": True}, request_uid="uid")
NETWORK = {
    "self": "ms_0",
    "remotes": {
        "ms_0": {"url": "http://ms0.test", "searchApiKey": "k0"},
        "ms_1": {"url": "http://ms1.test/", "searchApiKey": "k1"},
        "ms_2": {"url": "http://ms2.test", "searchApiKey": None},
    },
}
LOCAL = [(1, 0.9), (2, 0.4)]
Handler = Callable[[httpx.Request], Coroutine[Any, Any, httpx.Response]]


def open_target(uid: str) -> SearchTarget:
    return SearchTarget(uid, "id", None)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def local(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Searches run here answer ``LOCAL``; the list records their index uids."""
    searched: list[str] = []

    def fake(
        target: SearchTarget, request: SearchRequest, options: SearchOptions
    ) -> dict[str, Any]:
        searched.append(target.uid)
        hits = [{"id": docid, "_rankingScore": score} for docid, score in LOCAL]
        answer = {"hits": hits, "query": request.query, "estimatedTotalHits": len(LOCAL)}
        if options.include_metadata:
            answer["metadata"] = {"queryUid": "local", "indexUid": target.uid, "primaryKey": "id"}
        return answer

    monkeypatch.setattr(federation, "perform_search", fake)
    return searched


def query(
    uid: str, remote: str | None = None, weight: float | None = None, **body: Any
) -> MultiQuery:
    options: dict[str, Any] = {} if remote is None else {"remote": remote}
    if weight is not None:
        options["weight"] = weight
    sent = {"indexUid": uid, **body, "federationOptions": options or None}
    return MultiQuery(uid, SearchRequest.of(body), options or None, frozenset(body), sent)


def remote_answer(request: httpx.Request, score: float = 0.7) -> httpx.Response:
    """A federated answer for the queries of ``request``: one hit per query."""
    sent = json.loads(request.content)["queries"]
    hits = [
        {
            "id": 100 + q["federationOptions"]["queryPosition"],
            "_federation": {
                "indexUid": q["indexUid"],
                "queriesPosition": q["federationOptions"]["queryPosition"],
                "weightedRankingScore": score * q["federationOptions"].get("weight", 1.0),
            },
        }
        for q in sent
    ]
    metadata = [{"queryUid": f"r{i}", "indexUid": q["indexUid"]} for i, q in enumerate(sent)]
    body = {"hits": hits, "estimatedTotalHits": 5 * len(sent), "metadata": metadata}
    return httpx.Response(200, json=body)


def run(
    queries: list[MultiQuery],
    handler: Handler,
    federation_params: Federation = Federation(),
    options: SearchOptions = OPTIONS,
    access: SearchAccess = OPEN,
    timeout: float = 5.0,
) -> dict[str, Any]:
    transport = httpx.MockTransport(handler)
    search = network_federated_search(
        queries,
        federation_params,
        open_target,
        access,
        options,
        NETWORK,
        timeout=timeout,
        transport=transport,
    )
    return asyncio.run(search)


def test_each_remote_gets_one_request_with_its_queries() -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return remote_answer(request)

    queries = [
        query("movies"),
        query("books", "ms_1", q="dune", showRankingScore=True, weight=2.0),
        query("songs", "ms_2", filter="year > 2000"),
        query("films", "ms_1"),
    ]
    tokens = SearchAccess(allowed=lambda uid: True, token_filter=lambda uid: f"owner = {uid}")
    run(queries, handler, Federation(limit=3, offset=2), access=tokens)
    by_host = {request.url.host: request for request in seen}
    assert sorted(by_host) == ["ms1.test", "ms2.test"]
    first = by_host["ms1.test"]
    assert str(first.url) == "http://ms1.test/multi-search"
    assert first.headers["authorization"] == "Bearer k1"
    assert first.headers["meili-proxy-search"] == "true"
    assert "meili-include-metadata" not in first.headers
    assert json.loads(first.content) == {
        "federation": {"limit": 5, "offset": 0},
        "queries": [
            {
                "indexUid": "books",
                "q": "dune",
                "showRankingScore": True,
                "federationOptions": {"queryPosition": 1, "weight": 2.0},
                "filter": ["owner = books"],
            },
            {
                "indexUid": "films",
                "federationOptions": {"queryPosition": 3},
                "filter": ["owner = films"],
            },
        ],
    }
    second = by_host["ms2.test"]
    assert "authorization" not in second.headers
    assert json.loads(second.content)["queries"][0]["filter"] == ["owner = songs", "year > 2000"]


def test_remotes_count_the_facets_of_their_indexes() -> None:
    sent: dict[str, Any] = {}

    async def handler(request: httpx.Request) -> httpx.Response:
        federation_sent = json.loads(request.content)["federation"]
        sent[request.url.host] = federation_sent
        answer = remote_answer(request)
        body = answer.json()
        body["facetsByIndex"] = {
            uid: {"distribution": {name: {"x": 2} for name in names}, "stats": {}}
            for uid, names in federation_sent.get("facetsByIndex", {}).items()
        }
        return httpx.Response(200, json=body)

    queries = [query("books", "ms_1"), query("songs", "ms_2"), query("films", "ms_2")]
    facets = {"books": ["genre"], "songs": ["year", "genre"], "films": None}
    merge = Federation(facets_by_index=facets, distinct="sku", show_performance_details=True)
    answer = run(queries, handler, merge)
    assert sent == {
        "ms1.test": {
            "limit": 20,
            "offset": 0,
            "distinct": "sku",
            "facetsByIndex": {"books": ["genre"]},
        },
        "ms2.test": {
            "limit": 20,
            "offset": 0,
            "distinct": "sku",
            "facetsByIndex": {"songs": ["year", "genre"]},
        },
    }
    assert answer["facetsByIndex"] == {
        "books": {"distribution": {"genre": {"x": 2}}, "stats": {}},
        "songs": {"distribution": {"genre": {"x": 2}, "year": {"x": 2}}, "stats": {}},
    }
    assert list(answer["performanceDetails"])[:2] == [
        "federating results > start remote search",
        "federating results > wait for remote results",
    ]
    merged = run(queries, handler, replace(merge, merge_facets=True))
    assert merged["facetDistribution"] == {"genre": {"x": 4}, "year": {"x": 2}}


def test_remote_hits_merge_with_local_ones() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return remote_answer(request, 0.6 if request.url.host == "ms1.test" else 0.95)

    queries = [query("movies"), query("books", "ms_1", weight=1.0), query("songs", "ms_2")]
    options = SearchOptions(features={"network": True}, include_metadata=True)
    answer = run(queries, handler, options=options)
    assert [(hit["id"], hit["_federation"].get("remote")) for hit in answer["hits"]] == [
        (102, "ms_2"),
        (1, None),
        (101, "ms_1"),
        (2, None),
    ]
    assert answer["hits"][0]["_federation"] == {
        "indexUid": "songs",
        "queriesPosition": 2,
        "weightedRankingScore": 0.95,
        "remote": "ms_2",
    }
    assert answer["estimatedTotalHits"] == 2 + 5 + 5
    assert answer["remoteErrors"] == {}
    assert [(m["queryUid"], m.get("remote")) for m in answer["metadata"]] == [
        ("local", None),
        ("r0", "ms_1"),
        ("r0", "ms_2"),
    ]


def test_queries_for_self_are_searched_here(local: list[str]) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    answer = run([query("movies", "ms_0")], handler)
    assert local == ["movies"]
    assert [hit["_federation"]["remote"] for hit in answer["hits"]] == ["ms_0", "ms_0"]
    assert answer["remoteErrors"] == {}


def respond(status: int, body: Any = None, text: str | None = None) -> Handler:
    async def handler(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text)
        return httpx.Response(status, json=body)

    return handler


def fail_with(error: type[httpx.TransportError]) -> Handler:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise error("connection refused", request=request)

    return handler


async def never_answer(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(5)
    raise AssertionError("the remote should have timed out")


REFUSED = {"message": "nope", "code": "x", "type": "y", "link": "z"}
HINT = (
    "\n - Hint: check that the `searchApiKey` of remote `ms_1` is a key of that instance "
    "with the `search` action"
)
NO_FEDERATION = "Remote `ms_1` did not answer with a federated search response: "


@pytest.mark.parametrize(
    ("handler", "code", "kind", "message"),
    [
        (
            fail_with(httpx.ConnectError),
            "remote_could_not_send_request",
            "system",
            "Could not send the search to remote `ms_1` at `http://ms1.test/`: connection refused",
        ),
        (
            never_answer,
            "remote_timeout",
            "system",
            "Remote `ms_1` did not answer the search within 0.05 seconds.",
        ),
        (
            fail_with(httpx.ReadTimeout),
            "remote_timeout",
            "system",
            "Remote `ms_1` did not answer the search within 0.05 seconds.",
        ),
        (
            respond(403, REFUSED),
            "remote_invalid_api_key",
            "auth",
            "Remote `ms_1` refused the search with status 403: nope" + HINT,
        ),
        (
            respond(401, text="who?"),
            "remote_invalid_api_key",
            "auth",
            "Remote `ms_1` refused the search with status 401: who?" + HINT,
        ),
        (
            respond(400, REFUSED),
            "remote_bad_request",
            "invalid_request",
            "Remote `ms_1` refused the search with status 400: nope",
        ),
        (
            respond(502, text=""),
            "remote_remote_error",
            "system",
            "Remote `ms_1` failed the search with status 502: empty body",
        ),
        (
            respond(302, text="moved"),
            "remote_bad_response",
            "system",
            NO_FEDERATION + "unexpected status 302.",
        ),
        (
            respond(200, text="<html>"),
            "remote_bad_response",
            "system",
            NO_FEDERATION + "the body is not JSON.",
        ),
        (
            respond(200, {"results": []}),
            "remote_bad_response",
            "system",
            NO_FEDERATION + "it has no `hits` list.",
        ),
        (
            respond(200, {"hits": [{"id": 1}]}),
            "remote_bad_response",
            "system",
            NO_FEDERATION + "a hit has no `_federation` object.",
        ),
        (
            respond(200, {"hits": [{"_federation": {"queriesPosition": 1}}]}),
            "remote_bad_response",
            "system",
            NO_FEDERATION + "a hit's `_federation` lacks `weightedRankingScore` or "
            "`queriesPosition`.",
        ),
        (
            respond(
                200, {"hits": [{"_federation": {"queriesPosition": 0, "weightedRankingScore": 1}}]}
            ),
            "remote_bad_response",
            "system",
            NO_FEDERATION + "a hit names query #0, not sent to it.",
        ),
    ],
)
def test_a_failing_remote_is_reported_and_the_search_goes_on(
    handler: Handler, code: str, kind: str, message: str
) -> None:
    answer = run([query("movies"), query("books", "ms_1")], handler, timeout=0.05)
    assert [hit["id"] for hit in answer["hits"]] == [1, 2]
    assert answer["estimatedTotalHits"] == 2
    link = "https://docs.meilisearch.com/errors#" + code
    assert answer["remoteErrors"] == {
        "ms_1": {"message": message, "code": code, "type": kind, "link": link}
    }


@pytest.mark.parametrize(
    ("queries", "access", "status", "code", "message"),
    [
        (
            [query("movies"), query("books", "ms_9")],
            OPEN,
            400,
            "invalid_multi_search_remote",
            "Inside `.queries[1]`: Invalid `federationOptions.remote`: remote `ms_9` is neither "
            "`self` nor one of the `remotes` of the network.",
        ),
        (
            [query("books", "ms_1")],
            SearchAccess(allowed=lambda uid: uid != "books", token_filter=lambda uid: None),
            403,
            "invalid_api_key",
            "Inside `.queries[0]`: The provided API key is invalid.",
        ),
        (
            [query("books", "ms_1", limit=3)],
            OPEN,
            400,
            "invalid_multi_search_query_pagination",
            "Inside `.queries[0]`: Using pagination options is not allowed in federated "
            "queries.\n - Hint: remove `limit` from query #0 or remove `federation` from the "
            "request\n - Hint: pass `federation.limit` and `federation.offset` for pagination in "
            "federated search",
        ),
    ],
)
def test_bad_queries_are_refused_before_any_remote_is_asked(
    local: list[str],
    queries: list[MultiQuery],
    access: SearchAccess,
    status: int,
    code: str,
    message: str,
) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(QueryError) as caught:
        run(queries, handler, access=access)
    assert (caught.value.status, caught.value.code, caught.value.message) == (status, code, message)
    assert local == []
