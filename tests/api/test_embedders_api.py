"""``userProvided`` embedders end to end (providers: ``test_embedding_providers_api``):
settings, ``_vectors`` in documents, semantic and hybrid search, ``/similar`` and ``_vectors``
filters, through the SDK and plain HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import meilisearch
import pytest

from tests.api.conftest import wait, wait_ok

EMBEDDER = {"source": "userProvided", "dimensions": 2}
DOCS = [
    {"id": 1, "title": "dark knight", "genre": "action", "_vectors": {"default": [1.0, 0.0]}},
    {"id": 2, "title": "dark forest", "genre": "drama", "_vectors": {"default": [0.0, 1.0]}},
    {
        "id": 3,
        "title": "bright knight",
        "genre": "action",
        "_vectors": {"default": {"embeddings": [[0.7, 0.7]], "regenerate": False}},
    },
    {"id": 4, "title": "plain dark", "genre": "drama"},
]


def vectors_of(*embedding: float) -> dict[str, Any]:
    return {"default": {"embeddings": [list(embedding)] if embedding else [], "regenerate": False}}


@pytest.fixture(scope="module")
def movies(server: Any) -> str:
    client = meilisearch.Client(server.url, timeout=30)
    index = client.index("embedders_movies")
    task = index.update_settings(
        {"embedders": {"default": EMBEDDER}, "filterableAttributes": ["genre"]}
    )
    wait_ok(client, task)
    wait_ok(client, index.add_documents(DOCS, primary_key="id"))
    return "embedders_movies"


def search(http: httpx.Client, uid: str, **body: Any) -> dict[str, Any]:
    response = http.post(f"/indexes/{uid}/search", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body["message"]


def test_settings_round_trip_and_task_details(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    sent = {
        "source": "userProvided",
        "dimensions": 3,
        "distribution": {"mean": 0.7, "sigma": 0.3},
        "binaryQuantized": False,
    }
    task = wait_ok(client, client.index(index_uid).update_embedders({"default": sent}))
    assert task.details == {"embedders": {"default": sent}}
    assert http.get(f"/indexes/{index_uid}/settings/embedders").json() == {"default": sent}
    patch = {"default": {"dimensions": 4}, "other": EMBEDDER}
    wait_ok(client, http.patch(f"/indexes/{index_uid}/settings/embedders", json=patch).json())
    assert http.get(f"/indexes/{index_uid}/settings").json()["embedders"] == {
        "default": {**sent, "dimensions": 4},
        "other": EMBEDDER,
    }
    wait_ok(
        client, http.patch(f"/indexes/{index_uid}/settings/embedders", json={"other": None}).json()
    )
    assert list(http.get(f"/indexes/{index_uid}/settings/embedders").json()) == ["default"]
    wait_ok(client, http.delete(f"/indexes/{index_uid}/settings/embedders").json())
    assert http.get(f"/indexes/{index_uid}/settings/embedders").json() == {}


def test_unusable_provider_settings_are_refused_when_sent(
    http: httpx.Client, index_uid: str
) -> None:
    response = http.patch(
        f"/indexes/{index_uid}/settings",
        json={"embedders": {"default": {"source": "openAi", "model": "gpt-4"}}},
    )
    assert error(response) == (
        400,
        "invalid_settings_embedders",
        "Invalid value at `.embedders.default.model`: unknown OpenAI model `gpt-4`: expected "
        "one of `text-embedding-ada-002`, `text-embedding-3-small`, `text-embedding-3-large`. "
        "Use a `rest` embedder for other models.",
    )


def test_documents_with_wrong_dimensions_fail_their_task(
    client: meilisearch.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    wait_ok(client, index.update_embedders({"default": EMBEDDER}))
    task = wait(client, index.add_documents([{"id": 1, "_vectors": {"default": [1, 2, 3]}}]))
    assert task.status == "failed"
    assert task.error["code"] == "invalid_vector_dimensions"
    assert task.error["message"] == "Invalid vector dimensions: expected: `2`, found: `3`."
    assert task.details == {"receivedDocuments": 1, "indexedDocuments": 0}


def test_semantic_search_with_vectors_shown(http: httpx.Client, movies: str) -> None:
    body = search(
        http,
        movies,
        vector=[0.0, 1.0],
        hybrid={"embedder": "default", "semanticRatio": 1.0},
        retrieveVectors=True,
        showRankingScoreDetails=True,
        attributesToRetrieve=["id"],
        limit=2,
    )
    assert body["hits"] == [
        {
            "id": 2,
            "_vectors": vectors_of(0.0, 1.0),
            "_rankingScoreDetails": {"vectorSort": {"order": 0, "similarity": 1.0}},
        },
        {
            "id": 3,
            "_vectors": vectors_of(0.7, 0.7),
            "_rankingScoreDetails": {"vectorSort": {"order": 0, "similarity": 0.8535534}},
        },
    ]
    assert body["queryVector"] == [0.0, 1.0]
    assert body["semanticHitCount"] == 2
    assert body["estimatedTotalHits"] == 4
    assert list(body)[:3] == ["hits", "query", "queryVector"]
    assert list(body)[-1] == "semanticHitCount"


def test_filters_apply_to_semantic_hits(http: httpx.Client, movies: str) -> None:
    body = search(
        http,
        movies,
        vector=[0.0, 1.0],
        hybrid={"embedder": "default", "semanticRatio": 1.0},
        filter="genre = action",
    )
    assert [hit["id"] for hit in body["hits"]] == [3, 1]
    assert "_vectors" not in body["hits"][0]


def test_hybrid_search_and_its_get_form(http: httpx.Client, movies: str) -> None:
    body = search(
        http,
        movies,
        q="knight",
        vector=[0.0, 1.0],
        hybrid={"embedder": "default", "semanticRatio": 0.9},
    )
    assert [hit["id"] for hit in body["hits"]] == [2, 3, 1, 4]
    assert body["semanticHitCount"] == 4
    response = http.get(
        f"/indexes/{movies}/search",
        params={"q": "knight", "hybridEmbedder": "default", "hybridSemanticRatio": 0.5},
    )
    assert [hit["id"] for hit in response.json()["hits"]] == [1, 3]
    assert response.json()["semanticHitCount"] == 0
    keyword = search(http, movies, q="knight", hybrid={"embedder": "default", "semanticRatio": 0.0})
    assert "semanticHitCount" not in keyword


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            {"vector": [1, 0]},
            (
                400,
                "missing_search_hybrid",
                "Invalid request: missing `hybrid` parameter when `vector` or `media` are present.",
            ),
        ),
        (
            {"vector": [1, 0], "hybrid": {"embedder": "nope"}},
            (400, "invalid_search_embedder", "Cannot find embedder with name `nope`."),
        ),
        (
            {"vector": [1, 0, 0], "hybrid": {"embedder": "default"}},
            (
                400,
                "invalid_vector_dimensions",
                "Invalid vector dimensions: expected: `2`, found: `3`.",
            ),
        ),
        (
            {"q": "dark", "hybrid": {"embedder": "default", "semanticRatio": 1.0}},
            (
                400,
                "vector_embedding_error",
                "Error while generating embeddings: user error: the embedder `default` is "
                "`userProvided`: it cannot embed `q`, so a semantic search with it needs the "
                "query's embedding in the `vector` parameter.",
            ),
        ),
    ],
)
def test_search_errors(
    http: httpx.Client, movies: str, body: dict[str, Any], expected: tuple[int, str, str]
) -> None:
    assert error(http.post(f"/indexes/{movies}/search", json=body)) == expected


def test_non_numeric_vectors_are_refused(http: httpx.Client, movies: str) -> None:
    response = http.post(
        f"/indexes/{movies}/search", json={"vector": ["a"], "hybrid": {"embedder": "default"}}
    )
    assert error(response)[:2] == (400, "invalid_search_vector")


@pytest.mark.parametrize("vector", ["nan,1", "inf,1", "1e400,1"])
def test_non_finite_vectors_of_the_get_form_search_without_failing(
    http: httpx.Client, movies: str, vector: str
) -> None:
    response = http.get(
        f"/indexes/{movies}/search",
        params={"vector": vector, "hybridEmbedder": "default", "hybridSemanticRatio": 1.0},
    )
    assert response.status_code == 200, response.text
    assert [hit["id"] for hit in response.json()["hits"]] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "flt, ids",
    [
        ("_vectors EXISTS", [1, 2, 3]),
        ("_vectors.default EXISTS", [1, 2, 3]),
        ("_vectors.default.userProvided EXISTS", [1, 2, 3]),
        ("_vectors.default.documentTemplate EXISTS", []),
        ("_vectors.default NOT EXISTS", [4]),
        ("_vectors.other EXISTS", []),
    ],
)
def test_vectors_filters(http: httpx.Client, movies: str, flt: str, ids: list[int]) -> None:
    body = search(http, movies, filter=flt)
    assert sorted(hit["id"] for hit in body["hits"]) == ids


def test_similar_documents_get_and_post(http: httpx.Client, movies: str) -> None:
    posted = http.post(
        f"/indexes/{movies}/similar",
        json={
            "id": 1,
            "embedder": "default",
            "attributesToRetrieve": ["id"],
            "showRankingScore": True,
        },
    ).json()
    assert [hit["id"] for hit in posted["hits"]] == [3, 2]
    assert posted["id"] == "1"
    assert posted["estimatedTotalHits"] == 2
    assert posted["hits"][1]["_rankingScore"] == 0.5
    got = http.get(
        f"/indexes/{movies}/similar",
        params={
            "id": "1",
            "embedder": "default",
            "filter": "genre = drama",
            "retrieveVectors": "true",
        },
    ).json()
    assert got["hits"] == [
        {"id": 2, "title": "dark forest", "genre": "drama", "_vectors": vectors_of(0.0, 1.0)}
    ]
    missing = http.post(f"/indexes/{movies}/similar", json={"id": 99, "embedder": "default"})
    assert error(missing) == (
        400,
        "not_found_similar_id",
        f"Index `{movies}`: Document `99` not found.",
    )


def test_similar_through_the_sdk(client: meilisearch.Client, movies: str) -> None:
    found = client.index(movies).get_similar_documents({"id": "3", "embedder": "default"})
    assert [hit["id"] for hit in found["hits"]] == [1, 2]


def test_an_embedder_added_later_finds_the_vectors_and_removing_it_keeps_them(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    wait_ok(client, index.add_documents([{"id": 1, "_vectors": {"late": [0.5, 0.5]}}], "id"))
    wait_ok(client, index.update_embedders({"late": EMBEDDER}))
    body = search(
        http,
        index_uid,
        vector=[1, 1],
        hybrid={"embedder": "late", "semanticRatio": 1.0},
        retrieveVectors=True,
    )
    assert body["hits"] == [
        {"id": 1, "_vectors": {"late": {"embeddings": [[0.5, 0.5]], "regenerate": False}}}
    ]
    wait_ok(client, index.reset_embedders())
    assert search(http, index_uid, retrieveVectors=True)["hits"] == [
        {"id": 1, "_vectors": {"late": [0.5, 0.5]}}
    ]
    task = wait(
        client, index.update_embedders({"late": {"source": "userProvided", "dimensions": 3}})
    )
    assert task.status == "failed"
    assert task.error["code"] == "invalid_vector_dimensions"


def test_documents_routes_show_the_embeddings_when_asked(
    client: meilisearch.Client, http: httpx.Client, movies: str
) -> None:
    listed = http.get(f"/indexes/{movies}/documents", params={"retrieveVectors": "true"}).json()
    assert [doc["_vectors"] for doc in listed["results"]] == [
        vectors_of(1.0, 0.0),
        vectors_of(0.0, 1.0),
        vectors_of(0.7, 0.7),
        vectors_of(),
    ]
    fetched = http.post(
        f"/indexes/{movies}/documents/fetch",
        json={"ids": ["3"], "retrieveVectors": True, "fields": ["id"]},
    ).json()
    assert fetched["results"] == [{"id": 3, "_vectors": vectors_of(0.7, 0.7)}]
    one = client.index(movies).get_document(1, {"retrieveVectors": "true"})
    assert dict(one)["_vectors"] == vectors_of(1.0, 0.0)
    hidden = http.get(f"/indexes/{movies}/documents/1").json()
    assert hidden == {"id": 1, "title": "dark knight", "genre": "action"}


def test_index_stats_count_embeddings_and_embedded_documents(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    wait_ok(client, index.update_settings({"embedders": {"a": EMBEDDER, "b": EMBEDDER}}))
    documents = [
        {"id": 1, "_vectors": {"a": [[1.0, 0.0], [0.0, 1.0]], "b": [0.5, 0.5]}},
        {"id": 2, "_vectors": {"a": [1.0, 1.0]}},
        {"id": 3},
    ]
    wait_ok(client, index.add_documents(documents, primary_key="id"))
    stats = http.get(f"/indexes/{index_uid}/stats").json()
    assert (stats["numberOfEmbeddings"], stats["numberOfEmbeddedDocuments"]) == (4, 2)
    assert http.get("/stats").json()["indexes"][index_uid]["numberOfEmbeddings"] == 4
