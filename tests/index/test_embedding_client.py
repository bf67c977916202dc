from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.index import embedding_client as client
from lumi.index.embedding_client import embed_query, embedder_for
from tests.support.fake_embedder import DIMENSIONS, FakeEmbedder, embedding
from tests.support.server import free_port


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeEmbedder]:
    with FakeEmbedder() as server:
        yield server


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "BACKOFF", 0.01)


def configs(url: str) -> dict[str, dict[str, Any]]:
    return {
        "openAi": {"source": "openAi", "url": f"{url}/v1/embeddings", "apiKey": "sk-test"},
        "ollama": {"source": "ollama", "url": f"{url}/api/embed", "model": "m"},
        "ollama single": {"source": "ollama", "url": f"{url}/api/embeddings", "model": "m"},
        "rest": {
            "source": "rest",
            "url": f"{url}/custom",
            "request": {"query": {"text": "{{text}}"}},
            "response": {"result": {"vector": "{{embedding}}"}},
        },
        "rest batch": {
            "source": "rest",
            "url": f"{url}/custom/batch",
            "request": {"texts": ["{{text}}", "{{..}}"]},
            "response": {"vectors": [{"values": "{{embedding}}"}, "{{..}}"]},
        },
    }


@pytest.mark.parametrize("kind", ["openAi", "ollama", "ollama single", "rest", "rest batch"])
def test_every_remote_source_embeds_texts_in_order(fake: FakeEmbedder, kind: str) -> None:
    embedder = embedder_for("e", configs(fake.url)[kind])
    assert embedder is not None
    texts = ["red apple", "green pear", "apple pie"]
    assert embedder.embed(texts) == [embedding(text) for text in texts]
    assert embedder.dimensions == DIMENSIONS
    embedder.close()


def test_batches_are_split_and_the_api_key_is_sent(
    fake: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "BATCH_SIZE", 2)
    embedder = embedder_for("e", configs(fake.url)["openAi"])
    assert embedder is not None
    before = len(fake.calls)
    embedder.embed(["a", "b", "c"])
    calls = fake.calls[before:]
    assert [call.body["input"] for call in calls] == [["a", "b"], ["c"]]
    assert calls[0].headers["Authorization"] == "Bearer sk-test"
    assert calls[0].body["model"] == "text-embedding-3-small"


def test_queries_are_embedded_with_one_call(fake: FakeEmbedder) -> None:
    before = len(fake.calls)
    assert embed_query("e", configs(fake.url)["rest"], "apple") == embedding("apple")
    assert len(fake.calls) == before + 1
    assert embed_query("e", {"source": "userProvided", "dimensions": 2}, "apple") is None


def error_of(config: dict[str, Any], texts: list[str]) -> LumiError:
    embedder = embedder_for("e", config)
    assert embedder is not None
    with pytest.raises(LumiError) as caught:
        embedder.embed(texts)
    assert caught.value.code == "vector_embedding_error"
    return caught.value


def test_an_unreachable_provider_is_retried_then_fails() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/embed"
    error = error_of({"source": "ollama", "url": url, "model": "m"}, ["a"])
    assert error.message.startswith(
        f"Error while generating embeddings: runtime error: could not reach the embedder at "
        f"`{url}`: "
    )
    assert error.message.endswith("(tried 3 times)")


@pytest.mark.parametrize(
    "path, message",
    [
        (
            "/broken",
            "runtime error: the embedder at `{url}` answered with HTTP status 500: "
            '{"error": "the model is not loaded"} (tried 3 times)',
        ),
        (
            "/missing",
            'user error: the embedder at `{url}` answered with HTTP status 404: {"error": '
            '"no route /missing"}',
        ),
        ("/garbage", "runtime error: the embedder at `{url}` did not answer with JSON"),
    ],
)
def test_provider_failures_say_what_went_wrong(fake: FakeEmbedder, path: str, message: str) -> None:
    url = f"{fake.url}{path}"
    config = {"source": "rest", "url": url, "request": {"input": "{{text}}"}}
    error = error_of({**config, "response": {"e": "{{embedding}}"}}, ["a"])
    assert error.message == "Error while generating embeddings: " + message.replace("{url}", url)


def test_a_response_of_another_shape_is_a_user_error(fake: FakeEmbedder) -> None:
    config = configs(fake.url)["rest"]
    error = error_of({**config, "response": {"result": {"values": "{{embedding}}"}}}, ["a"])
    assert error.message == (
        "Error while generating embeddings: user error: the answer of the embedder at "
        f"`{fake.url}/custom` does not match the `response` template: missing field "
        "`.result.values`"
    )


def test_embeddings_of_the_wrong_size_are_refused(fake: FakeEmbedder) -> None:
    config = {"source": "ollama", "url": f"{fake.url}/api/embed", "model": "m"}
    error = error_of({**config, "dimensions": 3}, ["a"])
    assert error.message == (
        f"Error while generating embeddings: user error: the embedder at `{fake.url}/api/embed` "
        f"returned an embedding of {DIMENSIONS} dimensions, but the embedder has 3"
    )


def test_local_models_cannot_run() -> None:
    error = error_of({"source": "huggingFace", "model": "BAAI/bge-base-en-v1.5"}, ["a"])
    assert "Lumi does not run local models" in error.message
    hybrid = {
        "source": "composite",
        "searchEmbedder": {"source": "huggingFace"},
        "indexingEmbedder": {"source": "ollama", "model": "m"},
    }
    assert isinstance(embedder_for("e", hybrid), client.RemoteEmbedder)
    assert isinstance(embedder_for("e", hybrid, client.SEARCH), client.LocalModel)
