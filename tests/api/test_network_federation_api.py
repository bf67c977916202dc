"""Remote federated search between two real ``lumi serve`` processes.

The worker's shared server is ``ms_0`` (``self``); a second server of this module, protected
by a master key, is ``ms_1``, reached with a search key; ``ms_down`` is a closed port. Each
test switches the ``network`` feature on and configures the network, then puts both back as
they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest

from tests.api.conftest import wait_ok
from tests.api.test_errors_api import assert_error
from tests.support.server import LumiServer, free_port

pytestmark = pytest.mark.api

MASTER_KEY = "network-federation-master-key"
LINK = "https://docs.meilisearch.com/errors#"
LOCAL = [{"id": 1, "title": "Local one"}, {"id": 2, "title": "Local two"}]
REMOTE = [{"id": 10, "title": "Remote ten"}, {"id": 11, "title": "Remote eleven"}]
REMOTE_DISABLED = (
    "Inside `.queries[0]`: Performing a remote federated search requires enabling the "
    "`network` experimental feature. See https://github.com/orgs/meilisearch/discussions/805"
)


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LumiServer]:
    data_dir: Path = tmp_path_factory.mktemp("network-remote") / "data"
    lumi = LumiServer(data_dir, "--master-key", MASTER_KEY).start()
    yield lumi
    lumi.stop()


@pytest.fixture(scope="module")
def other_admin(other: LumiServer) -> meilisearch.Client:
    return meilisearch.Client(other.url, MASTER_KEY, timeout=30)


@pytest.fixture(scope="module")
def search_key(other_admin: meilisearch.Client) -> str:
    created = other_admin.create_key({"actions": ["search"], "indexes": ["*"], "expiresAt": None})
    return str(created.key)


@pytest.fixture
def shared_index(
    client: meilisearch.Client, other_admin: meilisearch.Client, index_uid: str
) -> str:
    """An index of the same name on both servers, with different documents."""
    wait_ok(client, client.index(index_uid).add_documents(LOCAL, primary_key="id"))
    wait_ok(other_admin, other_admin.index(index_uid).add_documents(REMOTE, primary_key="id"))
    return index_uid


@pytest.fixture
def network(http: httpx.Client) -> Iterator[Callable[[dict[str, Any]], None]]:
    """Switch ``network`` on and configure the network; both are restored afterwards."""
    before_flag = http.get("/experimental-features").json()["network"]
    http.patch("/experimental-features", json={"network": True}).raise_for_status()
    before = http.get("/network").json()

    def configure(body: dict[str, Any]) -> None:
        http.patch("/network", json=body).raise_for_status()

    try:
        yield configure
    finally:
        http.patch("/experimental-features", json={"network": True}).raise_for_status()
        configure({"self": before["self"], "remotes": None})
        if before["remotes"]:
            configure({"remotes": before["remotes"]})
        assert http.get("/network").json() == before
        http.patch("/experimental-features", json={"network": before_flag}).raise_for_status()


@pytest.fixture
def cluster(
    network: Callable[[dict[str, Any]], None],
    server: LumiServer,
    other: LumiServer,
    search_key: str,
) -> Callable[[dict[str, Any]], None]:
    """``ms_0`` is this server, ``ms_1`` the other one, ``ms_down`` nobody."""
    network(
        {
            "self": "ms_0",
            "remotes": {
                "ms_0": {"url": server.url, "searchApiKey": "unused"},
                "ms_1": {"url": other.url, "searchApiKey": search_key},
                "ms_down": {"url": f"http://127.0.0.1:{free_port()}"},
            },
        }
    )
    return network


def federated(http: httpx.Client, queries: list[dict[str, Any]], **options: Any) -> Any:
    response = http.post("/multi-search", json={"queries": queries, "federation": options})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_query_for_self_runs_here_and_names_its_remote(
    client: meilisearch.Client, cluster: Any, shared_index: str
) -> None:
    response = client.multi_search(
        [{"indexUid": shared_index, "q": "", "federationOptions": {"remote": "ms_0"}}],
        federation={},
    )
    assert "results" not in response
    assert [hit["id"] for hit in response["hits"]] == [1, 2]
    assert response["hits"][0]["_federation"] == {
        "indexUid": shared_index,
        "queriesPosition": 0,
        "weightedRankingScore": 1.0,
        "remote": "ms_0",
    }
    assert response["remoteErrors"] == {}
    assert list(response)[-1] == "remoteErrors"


def test_remote_hits_are_merged_by_weighted_score_and_failures_reported(
    http: httpx.Client, cluster: Any, shared_index: str
) -> None:
    answer = federated(
        http,
        [
            {"indexUid": shared_index, "q": ""},
            {"indexUid": shared_index, "federationOptions": {"remote": "ms_1", "weight": 2.0}},
            {"indexUid": shared_index, "federationOptions": {"remote": "ms_down", "weight": 3}},
            {"indexUid": shared_index, "federationOptions": {"remote": "ms_0", "weight": 0.5}},
        ],
    )
    assert [(hit["id"], hit["_federation"].get("remote")) for hit in answer["hits"]] == [
        (10, "ms_1"),
        (11, "ms_1"),
        (1, None),
        (2, None),
        (1, "ms_0"),
        (2, "ms_0"),
    ]
    assert answer["hits"][0] == {
        "id": 10,
        "title": "Remote ten",
        "_federation": {
            "indexUid": shared_index,
            "queriesPosition": 1,
            "weightedRankingScore": 2.0,
            "remote": "ms_1",
        },
    }
    assert answer["estimatedTotalHits"] == 6
    assert list(answer["remoteErrors"]) == ["ms_down"]
    error = answer["remoteErrors"]["ms_down"]
    assert error["code"] == "remote_could_not_send_request"
    assert (error["type"], error["link"]) == ("system", LINK + "remote_could_not_send_request")
    assert error["message"].startswith("Could not send the search to remote `ms_down` at `http")


def test_the_federated_page_spans_local_and_remote_hits(
    http: httpx.Client, cluster: Any, shared_index: str
) -> None:
    queries = [
        {"indexUid": shared_index, "federationOptions": {"weight": 0.5}},
        {"indexUid": shared_index, "federationOptions": {"remote": "ms_1"}},
    ]
    page = federated(http, queries, offset=1, limit=2)
    assert [hit["id"] for hit in page["hits"]] == [11, 1]
    assert (page["offset"], page["limit"], page["estimatedTotalHits"]) == (1, 2, 4)
    paged = federated(http, queries, page=2, hitsPerPage=3)
    assert [hit["id"] for hit in paged["hits"]] == [2]
    assert (paged["totalHits"], paged["totalPages"]) == (4, 2)


def test_metadata_names_the_remote_of_each_query(
    http: httpx.Client, cluster: Any, shared_index: str
) -> None:
    body = {
        "federation": {},
        "queries": [
            {"indexUid": shared_index, "federationOptions": {"remote": "ms_1"}},
            {"indexUid": shared_index},
            {"indexUid": shared_index, "federationOptions": {"remote": "ms_0"}},
        ],
    }
    response = http.post("/multi-search", json=body, headers={"Meili-Include-Metadata": "true"})
    metadata = response.json()["metadata"]
    assert [(m["indexUid"], m["primaryKey"], m.get("remote")) for m in metadata] == [
        (shared_index, "id", "ms_1"),
        (shared_index, "id", None),
        (shared_index, "id", "ms_0"),
    ]


@pytest.mark.parametrize(
    ("remote", "index", "code", "kind", "message"),
    [
        (
            {"searchApiKey": "not-a-key"},
            None,
            "remote_invalid_api_key",
            "auth",
            "Remote `ms_1` refused the search with status 403: The provided API key is invalid.\n"
            " - Hint: check that the `searchApiKey` of remote `ms_1` is a key of that instance "
            "with the `search` action",
        ),
        (
            {},
            "nowhere",
            "remote_bad_request",
            "invalid_request",
            "Remote `ms_1` refused the search with status 400: Inside `.queries[0]`: "
            "Index `nowhere` not found.",
        ),
    ],
)
def test_a_remote_refusal_is_reported_under_its_name(
    http: httpx.Client,
    cluster: Callable[[dict[str, Any]], None],
    shared_index: str,
    remote: dict[str, Any],
    index: str | None,
    code: str,
    kind: str,
    message: str,
) -> None:
    if remote:
        cluster({"remotes": {"ms_1": remote}})
    queries: list[dict[str, Any]] = [
        {"indexUid": shared_index},
        {"indexUid": index or shared_index, "federationOptions": {"remote": "ms_1"}},
    ]
    answer = federated(http, queries)
    assert [hit["id"] for hit in answer["hits"]] == [1, 2]
    assert answer["remoteErrors"] == {
        "ms_1": {"message": message, "code": code, "type": kind, "link": LINK + code}
    }


def test_an_unknown_remote_is_refused(http: httpx.Client, cluster: Any, shared_index: str) -> None:
    body = {
        "federation": {},
        "queries": [
            {"indexUid": shared_index},
            {"indexUid": shared_index, "federationOptions": {"remote": "ms_9"}},
        ],
    }
    assert_error(
        http.post("/multi-search", json=body),
        400,
        "invalid_multi_search_remote",
        "Inside `.queries[1]`: Invalid `federationOptions.remote`: remote `ms_9` is neither "
        "`self` nor one of the `remotes` of the network.",
    )


def test_without_remotes_the_response_has_no_remote_errors(
    http: httpx.Client, cluster: Any, shared_index: str
) -> None:
    answer = federated(http, [{"indexUid": shared_index, "federationOptions": {"remote": None}}])
    assert [hit["id"] for hit in answer["hits"]] == [1, 2]
    assert "remoteErrors" not in answer
    assert "remote" not in answer["hits"][0]["_federation"]


def test_remotes_need_the_network_feature(
    http: httpx.Client, network: Any, shared_index: str
) -> None:
    http.patch("/experimental-features", json={"network": False}).raise_for_status()
    body = {
        "federation": {},
        "queries": [{"indexUid": shared_index, "federationOptions": {"remote": "ms_0"}}],
    }
    assert_error(http.post("/multi-search", json=body), 400, "feature_not_enabled", REMOTE_DISABLED)


def test_remote_facet_counts_join_the_local_ones(
    client: meilisearch.Client,
    other_admin: meilisearch.Client,
    http: httpx.Client,
    cluster: Any,
    shared_index: str,
) -> None:
    wait_ok(client, client.index(shared_index).update_filterable_attributes(["title"]))
    queries = [
        {"indexUid": shared_index},
        {"indexUid": shared_index, "federationOptions": {"remote": "ms_1"}},
    ]
    facets = {shared_index: ["title"]}
    refused = federated(http, queries, facetsByIndex=facets)
    assert refused["facetsByIndex"] == {
        shared_index: {"distribution": {"title": {"Local one": 1, "Local two": 1}}, "stats": {}}
    }
    assert refused["remoteErrors"]["ms_1"]["code"] == "remote_bad_request"
    assert [hit["id"] for hit in refused["hits"]] == [1, 2]
    index = other_admin.index(shared_index)
    wait_ok(other_admin, index.update_filterable_attributes(["title"]))
    titles = {"Local one": 1, "Local two": 1, "Remote eleven": 1, "Remote ten": 1}
    answer = federated(http, queries, facetsByIndex=facets)
    assert answer["facetsByIndex"] == {
        shared_index: {"distribution": {"title": titles}, "stats": {}}
    }
    assert answer["remoteErrors"] == {}
    merged = federated(http, queries, facetsByIndex=facets, mergeFacets={"maxValuesPerFacet": 3})
    assert merged["facetDistribution"] == {"title": dict(list(titles.items())[:3])}
