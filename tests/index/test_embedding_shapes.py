from __future__ import annotations

from typing import Any

import pytest

from lumi.index.embedding_shapes import (
    ShapeError,
    check_templates,
    extract,
    fill,
    ollama_templates,
    shape_of,
)

BATCH_REQUEST = {"model": "m", "input": ["{{text}}", "{{..}}"]}
BATCH_RESPONSE = {"data": [{"embedding": "{{embedding}}"}, "{{..}}"]}


@pytest.mark.parametrize(
    "template, texts, body",
    [
        ({"input": "{{text}}", "n": 1}, ["a"], {"input": "a", "n": 1}),
        (BATCH_REQUEST, ["a", "b"], {"model": "m", "input": ["a", "b"]}),
        (
            {"items": [{"t": "{{text}}", "k": True}, "{{..}}"]},
            ["a", "b"],
            {"items": [{"t": "a", "k": True}, {"t": "b", "k": True}]},
        ),
        (["x", "{{text}}"], ["a"], ["x", "a"]),
    ],
)
def test_requests_are_filled_with_the_texts(template: Any, texts: list[str], body: Any) -> None:
    assert fill(template, texts) == body


@pytest.mark.parametrize(
    "template, answer, embeddings",
    [
        ({"result": {"data": ["{{embedding}}"]}}, {"result": {"data": [[1, 2]]}}, [[1, 2]]),
        (BATCH_RESPONSE, {"data": [{"embedding": [1]}, {"embedding": [2]}]}, [[1], [2]]),
        ("{{embedding}}", [0.5, 1], [[0.5, 1]]),
    ],
)
def test_embeddings_are_found_where_the_response_template_says(
    template: Any, answer: Any, embeddings: list[list[float]]
) -> None:
    assert extract(template, answer) == embeddings


@pytest.mark.parametrize(
    "template, answer, message",
    [
        ({"a": {"b": "{{embedding}}"}}, {"a": {}}, "missing field `.a.b`"),
        ({"a": "{{embedding}}"}, {"a": ["x"]}, "expected an array of numbers at `.a`"),
        (BATCH_RESPONSE, {"data": {}}, "expected an array at `.data`"),
        (["{{embedding}}"], [], "missing item `[0]`"),
        (BATCH_RESPONSE, {"data": [{"vector": [1]}]}, "missing field `.data[0].embedding`"),
    ],
)
def test_a_response_that_does_not_match_says_where(
    template: Any, answer: Any, message: str
) -> None:
    with pytest.raises(ShapeError) as caught:
        extract(template, answer)
    assert str(caught.value) == message


def test_batches_need_both_templates_to_repeat() -> None:
    assert check_templates(BATCH_REQUEST, BATCH_RESPONSE) is True
    assert check_templates({"input": "{{text}}"}, {"e": "{{embedding}}"}) is False
    with pytest.raises(ShapeError, match="must both repeat"):
        check_templates({"input": "{{text}}"}, BATCH_RESPONSE)


@pytest.mark.parametrize(
    "url, request_body",
    [
        ("http://h/api/embed", {"model": "m", "input": ["{{text}}", "{{..}}"]}),
        ("http://h/api/embeddings", {"model": "m", "prompt": "{{text}}"}),
    ],
)
def test_ollama_has_two_routes(url: str, request_body: Any) -> None:
    assert ollama_templates(url, "m")[0] == request_body


def test_openai_shape_sends_the_key_and_dimensions_when_the_model_accepts_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    shape = shape_of({"source": "openAi", "dimensions": 256})
    assert shape.url == "https://api.openai.com/v1/embeddings"
    assert shape.headers == {"Authorization": "Bearer from-env"}
    assert shape.request["dimensions"] == 256 and shape.batched
    ada = shape_of({"source": "openAi", "model": "text-embedding-ada-002", "apiKey": "k"})
    assert "dimensions" not in ada.request and ada.headers == {"Authorization": "Bearer k"}


def test_rest_headers_add_to_the_api_key() -> None:
    config = {
        "source": "rest",
        "url": "http://h",
        "apiKey": "k",
        "headers": {"X-Team": "t"},
        "request": {"q": "{{text}}"},
        "response": {"e": "{{embedding}}"},
    }
    shape = shape_of(config)
    assert shape.headers == {"Authorization": "Bearer k", "X-Team": "t"}
    assert not shape.batched
