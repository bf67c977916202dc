"""Embedders that compute embeddings (``openAi``, ``ollama``, ``rest``, ``huggingFace``,
``composite``) end to end, against a local fake provider: the settings as the SDKs read them
back, documents embedded at indexing time, queries embedded at search time, and failures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import meilisearch
import pytest

from lumi.index.embedders import DEFAULT_TEMPLATE
from tests.api.conftest import wait, wait_ok
from tests.support.fake_embedder import DIMENSIONS, FakeEmbedder, embedding
from tests.support.server import free_port

DOCS = [
    {"id": 1, "title": "red apple pie"},
    {"id": 2, "title": "green pear tart"},
    {"id": 3, "title": "blue whale song"},
]
TEMPLATED = {"documentTemplate": DEFAULT_TEMPLATE, "documentTemplateMaxBytes": 400}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeEmbedder]:
    with FakeEmbedder() as server:
        yield server


def providers(url: str) -> dict[str, dict[str, Any]]:
    template = {"documentTemplate": "{{doc.title}}"}
    return {
        "openAi": {"source": "openAi", "url": f"{url}/v1/embeddings", "apiKey": "sk-1", **template},
        "ollama": {"source": "ollama", "url": f"{url}/api/embed", "model": "m", **template},
        "rest": {
            "source": "rest",
            "url": f"{url}/custom",
            "request": {"query": {"text": "{{text}}"}},
            "response": {"result": {"vector": "{{embedding}}"}},
            **template,
        },
    }


def settings_of(http: httpx.Client, uid: str) -> dict[str, Any]:
    return dict(http.get(f"/indexes/{uid}/settings/embedders").json())


def without_key(config: dict[str, Any]) -> dict[str, Any]:
    """The settings without ``apiKey``, whose shown form is checked on its own."""
    return {key: value for key, value in config.items() if key != "apiKey"}


# ---------------------------------------------------------------- settings as the SDK reads them


SDK_FORMATS = [
    (
        {
            "source": "openAi",
            "apiKey": "test-key",
            "model": "text-embedding-3-small",
            "dimensions": 1536,
            "documentTemplateMaxBytes": 400,
            "distribution": {"mean": 0.5, "sigma": 0.1},
            "binaryQuantized": False,
        },
        {
            "source": "openAi",
            "model": "text-embedding-3-small",
            "dimensions": 1536,
            "binaryQuantized": False,
            **TEMPLATED,
            "distribution": {"mean": 0.5, "sigma": 0.1},
        },
    ),
    (
        {
            "source": "huggingFace",
            "model": "BAAI/bge-base-en-v1.5",
            "revision": "main",
            "documentTemplateMaxBytes": 400,
            "distribution": {"mean": 0.5, "sigma": 0.1},
            "binaryQuantized": False,
        },
        {
            "source": "huggingFace",
            "model": "BAAI/bge-base-en-v1.5",
            "revision": "main",
            "pooling": "useModel",
            "binaryQuantized": False,
            **TEMPLATED,
            "distribution": {"mean": 0.5, "sigma": 0.1},
        },
    ),
    (
        {
            "source": "ollama",
            "url": "http://localhost:11434/api/embeddings",
            "apiKey": "test-key",
            "model": "llama2",
            "dimensions": 4096,
            "documentTemplateMaxBytes": 400,
        },
        {
            "source": "ollama",
            "model": "llama2",
            "dimensions": 4096,
            **TEMPLATED,
            "url": "http://localhost:11434/api/embeddings",
        },
    ),
    (
        {
            "source": "rest",
            "url": "http://localhost:8000/embed",
            "apiKey": "test-key",
            "dimensions": 512,
            "documentTemplateMaxBytes": 400,
            "request": {"model": "MODEL_NAME", "input": "{{text}}"},
            "response": {"result": {"data": ["{{embedding}}"]}},
            "headers": {"Authorization": "Bearer test-key"},
        },
        {
            "source": "rest",
            "dimensions": 512,
            **TEMPLATED,
            "url": "http://localhost:8000/embed",
            "request": {"model": "MODEL_NAME", "input": "{{text}}"},
            "response": {"result": {"data": ["{{embedding}}"]}},
            "headers": {"Authorization": "Bearer test-key"},
        },
    ),
]


@pytest.mark.parametrize("sent, shown", SDK_FORMATS)
def test_each_source_is_stored_and_read_back_with_its_defaults(
    client: meilisearch.Client,
    http: httpx.Client,
    index_uid: str,
    sent: dict[str, Any],
    shown: dict[str, Any],
) -> None:
    task = wait_ok(client, client.index(index_uid).update_embedders({"e": sent}))
    assert without_key(task.details["embedders"]["e"]) == without_key(sent)
    assert without_key(settings_of(http, index_uid)["e"]) == shown
    read = client.index(index_uid).get_embedders()
    assert read is not None and read.embedders["e"].source == sent["source"]


def test_composite_embedders_read_back_as_the_sdk_expects(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    http.patch("/experimental-features", json={"compositeEmbedders": True})
    try:
        part = {"source": "huggingFace", "pooling": "useModel"}
        body = {"source": "composite", "searchEmbedder": part, "indexingEmbedder": part}
        wait_ok(client, client.index(index_uid).update_embedders({"c": body}))
    finally:
        http.patch("/experimental-features", json={"compositeEmbedders": False})
    model = {"source": "huggingFace", "model": "BAAI/bge-base-en-v1.5", "pooling": "useModel"}
    assert settings_of(http, index_uid) == {
        "c": {
            "source": "composite",
            "searchEmbedder": model,
            "indexingEmbedder": {**model, **TEMPLATED},
        }
    }


# ---------------------------------------------------------------- embedding with providers


def hits(http: httpx.Client, uid: str, **body: Any) -> dict[str, Any]:
    response = http.post(f"/indexes/{uid}/search", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize("source", ["openAi", "ollama", "rest"])
def test_documents_and_queries_are_embedded_by_the_provider(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, fake: FakeEmbedder, source: str
) -> None:
    index = client.index(index_uid)
    wait_ok(client, index.update_embedders({"e": providers(fake.url)[source]}))
    wait_ok(client, index.add_documents(DOCS, primary_key="id"))
    semantic = hits(
        http,
        index_uid,
        q="green pear tart",
        hybrid={"embedder": "e", "semanticRatio": 1.0},
        retrieveVectors=True,
        showRankingScore=True,
    )
    assert semantic["hits"][0]["id"] == 2
    assert semantic["hits"][0]["_rankingScore"] == 1.0
    assert semantic["hits"][0]["_vectors"]["e"] == {
        "embeddings": [embedding("green pear tart")],
        "regenerate": True,
    }
    assert semantic["semanticHitCount"] == 3
    assert semantic["queryVector"] == pytest.approx(embedding("green pear tart"))
    mixed = hits(http, index_uid, q="whale", hybrid={"embedder": "e", "semanticRatio": 0.5})
    assert "queryVector" not in mixed  # only shown with retrieveVectors
    assert mixed["hits"][0]["id"] == 3


def test_unchanged_documents_are_not_sent_again(
    client: meilisearch.Client, index_uid: str, fake: FakeEmbedder
) -> None:
    index = client.index(index_uid)
    wait_ok(client, index.update_embedders({"e": providers(fake.url)["ollama"]}))
    wait_ok(client, index.add_documents(DOCS, primary_key="id"))
    sent = len(fake.texts())
    wait_ok(client, index.update_documents([{"id": 1, "extra": 1}, {"id": 2, "title": "plum"}]))
    assert fake.texts()[sent:] == ["plum"]


def test_an_embedder_added_later_embeds_the_existing_documents(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, fake: FakeEmbedder
) -> None:
    index = client.index(index_uid)
    own = {"id": 4, "title": "own", "_vectors": {"e": [1] * DIMENSIONS}}
    wait_ok(client, index.add_documents([*DOCS, own]))
    wait_ok(client, index.update_embedders({"e": providers(fake.url)["rest"]}))
    semantic = {"embedder": "e", "semanticRatio": 1.0}
    body = hits(http, index_uid, q="blue whale song", hybrid=semantic)
    assert body["hits"][0]["id"] == 3
    filtered = hits(http, index_uid, filter="_vectors.e.userProvided EXISTS")
    assert [hit["id"] for hit in filtered["hits"]] == [4]


def test_an_unreachable_provider_fails_the_task_and_leaves_the_index_as_it_was(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/embed"
    index = client.index(index_uid)
    wait_ok(client, index.add_documents(DOCS[:1], primary_key="id"))
    unreachable = {"source": "ollama", "url": url, "model": "m"}
    task = wait(client, index.update_embedders({"e": unreachable}))
    assert task.status == "failed"
    assert task.error["code"] == "vector_embedding_error"
    assert task.error["message"].startswith(
        f"Error while generating embeddings: runtime error: could not reach the embedder at `{url}`"
    )
    assert settings_of(http, index_uid) == {}
    wait_ok(client, index.delete_all_documents())
    wait_ok(client, index.update_embedders({"e": unreachable}))
    task = wait(client, index.add_documents(DOCS))
    assert (task.status, task.error["code"]) == ("failed", "vector_embedding_error")
    assert http.get(f"/indexes/{index_uid}/stats").json()["numberOfDocuments"] == 0
    response = http.post(
        f"/indexes/{index_uid}/search", json={"q": "a", "hybrid": {"embedder": "e"}}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "vector_embedding_error"


def test_local_models_are_accepted_but_cannot_embed(
    client: meilisearch.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    wait_ok(client, index.update_embedders({"e": {"source": "huggingFace"}}))
    task = wait(client, index.add_documents(DOCS, primary_key="id"))
    assert (task.status, task.error["code"]) == ("failed", "vector_embedding_error")
    assert "Lumi does not run local models" in task.error["message"]


def test_the_vector_parameter_still_works_without_a_call(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, fake: FakeEmbedder
) -> None:
    index = client.index(index_uid)
    wait_ok(client, index.update_embedders({"e": providers(fake.url)["ollama"]}))
    wait_ok(client, index.add_documents(DOCS, primary_key="id"))
    calls = len(fake.calls)
    body = hits(
        http,
        index_uid,
        vector=embedding("red apple pie"),
        hybrid={"embedder": "e", "semanticRatio": 1.0},
    )
    assert body["hits"][0]["id"] == 1
    assert len(fake.calls) == calls


def test_api_keys_are_masked_wherever_settings_are_read(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, fake: FakeEmbedder
) -> None:
    """The key is kept (documents are still embedded with it) but only shown masked."""
    config = {**providers(fake.url)["openAi"], "apiKey": "sk-0123456789abcdefghijklmno"}
    task = wait_ok(client, client.index(index_uid).update_embedders({"e": config}))
    masked = "sk-XXXXX..."  # 27 characters: the first 3 kept
    assert task.details["embedders"]["e"]["apiKey"] == masked
    assert settings_of(http, index_uid)["e"]["apiKey"] == masked
    whole = http.get(f"/indexes/{index_uid}/settings").json()
    assert whole["embedders"]["e"]["apiKey"] == masked
    wait_ok(client, client.index(index_uid).add_documents([{"id": 1, "title": "kept key"}]))
    sent = {k.lower(): v for k, v in fake.calls[-1].headers.items()}
    assert sent["authorization"] == "Bearer " + config["apiKey"]
