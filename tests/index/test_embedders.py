from __future__ import annotations

from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.index import embedders as e
from lumi.index.settings import (
    apply_patch,
    settings_diff,
    validate_setting,
    validate_settings_patch,
)

USER = {"source": "userProvided", "dimensions": 3}
TEMPLATE = {"documentTemplate": e.DEFAULT_TEMPLATE, "documentTemplateMaxBytes": 400}
REST = {
    "source": "rest",
    "url": "http://h/e",
    "request": {"input": "{{text}}"},
    "response": {"data": ["{{embedding}}"]},
}


def error_of(call: Any, *args: Any) -> LumiError:
    with pytest.raises(LumiError) as caught:
        call(*args)
    return caught.value


@pytest.mark.parametrize(
    "body, stored",
    [
        ({"default": USER}, {"default": USER}),
        (
            {
                "b": {
                    "binaryQuantized": False,
                    "distribution": {"mean": 0.7, "sigma": 0.3},
                    "dimensions": 1,
                    "source": "userProvided",
                },
                "a": USER,
            },
            {
                "a": USER,
                "b": {
                    "source": "userProvided",
                    "dimensions": 1,
                    "binaryQuantized": False,
                    "distribution": {"mean": 0.7, "sigma": 0.3},
                },
            },
        ),
        ({"default": {**USER, "distribution": None, "binaryQuantized": None}}, {"default": USER}),
    ],
)
def test_user_provided_embedders_are_stored_in_field_order(
    body: dict[str, Any], stored: dict[str, Any]
) -> None:
    patch = validate_settings_patch({"embedders": body})
    result = apply_patch({}, patch)["embedders"]
    assert result == stored
    assert [list(config) for config in result.values()] == [list(c) for c in stored.values()]


@pytest.mark.parametrize(
    "body, message",
    [
        (
            {"x": {"source": "openAi", "model": "gpt-4"}},
            "Invalid value at `.embedders.x.model`: unknown OpenAI model `gpt-4`: expected one "
            "of `text-embedding-ada-002`, `text-embedding-3-small`, `text-embedding-3-large`. "
            "Use a `rest` embedder for other models.",
        ),
        (
            {"x": {"source": "openAi", "dimensions": 4000}},
            "Invalid value at `.embedders.x.dimensions`: the model `text-embedding-3-small` has "
            "at most 1536 dimensions, got 4000",
        ),
        (
            {"x": {"source": "openAi", "model": "text-embedding-ada-002", "dimensions": 8}},
            "Invalid value at `.embedders.x.dimensions`: the model `text-embedding-ada-002` "
            "does not let `dimensions` change its 1536 dimensions",
        ),
        (
            {"x": {"source": "ollama", "model": "m", "url": "http://h/api/generate"}},
            "Invalid value at `.embedders.x.url`: unsupported Ollama URL `http://h/api/generate`"
            ": it must end with `/api/embed` or `/api/embeddings`",
        ),
        (
            {"x": {**REST, "request": {"input": "text"}}},
            "Invalid value at `.embedders.x`: in `request`: the placeholder `{{text}}` must "
            "appear exactly once, found 0 times",
        ),
        (
            {"x": {**REST, "response": ["{{embedding}}", "{{embedding}}"]}},
            "Invalid value at `.embedders.x`: in `response`: the placeholder `{{embedding}}` "
            "must appear exactly once, found 2 times",
        ),
        (
            {"x": {**REST, "request": {"input": ["{{text}}", "{{..}}"]}}},
            "Invalid value at `.embedders.x`: `request` and `response` must both repeat with "
            "`{{..}}`, or neither: one text per request needs one embedding per response",
        ),
        (
            {"x": {**REST, "request": {"input": "{{text}}", "more": "{{..}}"}}},
            "Invalid value at `.embedders.x`: in `request`: `{{..}}` must be the second item of "
            "a two-item array",
        ),
        (
            {"x": {"source": "rest", "url": "u"}},
            "Invalid value at `.embedders.x`: missing field `request`, which is mandatory for "
            "source `rest`.",
        ),
        (
            {"x": {"source": "ollama"}},
            "Invalid value at `.embedders.x`: missing field `model`, which is mandatory for "
            "source `ollama`.",
        ),
        (
            {"x": {"source": "userProvided"}},
            "Invalid value at `.embedders.x`: missing field `dimensions`, which is mandatory for "
            "source `userProvided`.",
        ),
        (
            {"x": {**USER, "model": "m"}},
            "Invalid value at `.embedders.x`: field `model` is unavailable for source "
            "`userProvided`. Available fields: `source`, `dimensions`, `binaryQuantized`, "
            "`distribution`.",
        ),
        (
            {"x": {**USER, "dimensions": 0}},
            "Invalid value at `.embedders.x.dimensions`: `dimensions` cannot be zero",
        ),
        (
            {"x": {**USER, "dimensions": "3"}},
            "Invalid value type at `.embedders.x.dimensions`: expected a positive integer, but "
            'found a string: `"3"`',
        ),
        (
            {"x": {**USER, "distribution": {"mean": 0.5}}},
            "Missing field `sigma` inside `.embedders.x.distribution`",
        ),
        (
            {"x": {**USER, "distribution": {"mean": 2, "sigma": 0.1}}},
            "Invalid value at `.embedders.x.distribution.mean`: `mean` must be a number between "
            "0 and 1, got 2.0",
        ),
        (
            {"x": {"source": "nope"}},
            "Unknown value `nope` at `.embedders.x.source`: expected one of `openAi`, "
            "`huggingFace`, `ollama`, `userProvided`, `rest`, `composite`",
        ),
        ({"x": "userProvided"}, None),
        *(
            (
                {name: USER},
                f"Invalid value at `.embedders`: `{name}` is not a valid embedder name: it must "
                "be non-empty, hold no NUL character and be at most 500 bytes long.",
            )
            for name in ("", "a\0b", "é" * 251)
        ),
    ],
)
def test_invalid_embedders_are_refused_at_request_time(
    body: dict[str, Any], message: str | None
) -> None:
    error = error_of(validate_settings_patch, {"embedders": body})
    assert error.code == "invalid_settings_embedders"
    if message is not None:
        assert error.message == message


def test_sub_route_paths_start_at_the_embedder_name() -> None:
    error = error_of(validate_setting, "embedders", {"x": {"source": "ollama"}})
    assert error.message == (
        "Invalid value at `.x`: missing field `model`, which is mandatory for source `ollama`."
    )


SDK_OPENAI = {
    "source": "openAi",
    "url": None,
    "apiKey": None,
    "model": None,
    "dimensions": None,
    "documentTemplate": None,
    "documentTemplateMaxBytes": None,
    "distribution": None,
    "binaryQuantized": None,
}


@pytest.mark.parametrize(
    "body, stored",
    [
        (SDK_OPENAI, {"source": "openAi", "model": "text-embedding-3-small", **TEMPLATE}),
        (
            {"source": "openAi", "apiKey": "sk-123", "dimensions": 512, "url": "http://h"},
            {
                "source": "openAi",
                "model": "text-embedding-3-small",
                "apiKey": "sk-123",
                "dimensions": 512,
                **TEMPLATE,
                "url": "http://h",
            },
        ),
        (
            {"source": "huggingFace", "revision": "main"},
            {
                "source": "huggingFace",
                "model": "BAAI/bge-base-en-v1.5",
                "revision": "main",
                "pooling": "useModel",
                **TEMPLATE,
            },
        ),
        (
            {"source": "ollama", "model": "llama2", "documentTemplateMaxBytes": 100},
            {
                "source": "ollama",
                "model": "llama2",
                "documentTemplate": e.DEFAULT_TEMPLATE,
                "documentTemplateMaxBytes": 100,
            },
        ),
        (
            {**REST, "documentTemplate": "{{doc.title}}"},
            {
                "source": "rest",
                "documentTemplate": "{{doc.title}}",
                "documentTemplateMaxBytes": 400,
                "url": "http://h/e",
                "request": REST["request"],
                "response": REST["response"],
                "headers": {},
            },
        ),
        (
            {"dimensions": 3},
            {"source": "openAi", "model": "text-embedding-3-small", "dimensions": 3, **TEMPLATE},
        ),
    ],
)
def test_every_source_is_stored_with_its_defaults(
    body: dict[str, Any], stored: dict[str, Any]
) -> None:
    result = apply_patch({}, validate_setting("embedders", {"x": body}))["embedders"]["x"]
    assert result == stored
    assert list(result) == list(stored)


def test_composite_needs_its_feature_and_stores_both_embedders() -> None:
    hugging = {"source": "huggingFace", "pooling": "useModel"}
    body = {"x": {"source": "composite", "searchEmbedder": hugging, "indexingEmbedder": hugging}}
    error = error_of(validate_setting, "embedders", body)
    assert (error.code, error.message) == ("feature_not_enabled", e.COMPOSITE_DISABLED)
    patch = validate_setting("embedders", body, {"compositeEmbedders": True})
    stored = apply_patch({}, patch)["embedders"]["x"]
    model = {"source": "huggingFace", "model": "BAAI/bge-base-en-v1.5", "pooling": "useModel"}
    assert stored == {
        "source": "composite",
        "searchEmbedder": model,
        "indexingEmbedder": {**model, **TEMPLATE},
    }


def test_a_composite_cannot_nest_user_provided_embedders() -> None:
    body = {"x": {"source": "composite", "searchEmbedder": USER, "indexingEmbedder": USER}}
    error = error_of(validate_setting, "embedders", body, {"compositeEmbedders": True})
    assert error.message == (
        "Invalid value at `.x.searchEmbedder.source`: a composite embedder cannot use a "
        "`userProvided` embedder"
    )


def test_patch_merges_per_embedder_and_null_removes() -> None:
    stored = apply_patch({}, validate_setting("embedders", {"a": USER, "b": USER}))
    patch = validate_setting("embedders", {"a": {"dimensions": 5}, "b": None})
    assert apply_patch(stored, patch) == {"embedders": {"a": {**USER, "dimensions": 5}}}
    assert apply_patch(stored, validate_setting("embedders", None)) == {}


def test_another_source_starts_the_embedder_afresh_and_a_reset_field_gets_its_default() -> None:
    body = {"a": {"source": "openAi", "model": "text-embedding-3-large", "apiKey": "k"}}
    stored = apply_patch({}, validate_setting("embedders", body))
    reset = apply_patch(stored, validate_setting("embedders", {"a": {"model": None}}))
    assert reset["embedders"]["a"]["model"] == "text-embedding-3-small"
    assert reset["embedders"]["a"]["apiKey"] == "k"
    swapped = apply_patch(stored, validate_setting("embedders", {"a": USER}))
    assert swapped == {"embedders": {"a": USER}}


def test_a_partial_embedder_without_source_is_checked_when_the_task_runs() -> None:
    patch = validate_setting("embedders", {"new": {"revision": "main"}})
    error = error_of(apply_patch, {}, patch)
    assert error.message == (
        "Invalid value at `.embedders.new`: field `revision` is unavailable for source "
        "`openAi`. Available fields: `source`, `model`, `apiKey`, `dimensions`, "
        "`binaryQuantized`, `documentTemplate`, `documentTemplateMaxBytes`, `url`, "
        "`distribution`."
    )


@pytest.mark.parametrize(
    "secret, shown",
    [
        ("abc", "XXX..."),
        ("sk-0123456", "sk" + "XXXX..."),
        ("x" * 25, "xxx" + "XXXXX..."),
        ("y" * 40, "yyyyy" + "XXXXXX..."),
    ],
)
def test_api_keys_are_masked_when_shown(secret: str, shown: str) -> None:
    config = {"source": "composite", "searchEmbedder": {"apiKey": secret}}
    view = e.redacted({"a": {"apiKey": secret}, "b": config, "c": None})
    assert view == {
        "a": {"apiKey": shown},
        "b": {"source": "composite", "searchEmbedder": {"apiKey": shown}},
        "c": None,
    }


def test_binary_quantization_cannot_be_disabled() -> None:
    stored = apply_patch(
        {}, validate_setting("embedders", {"a": {**USER, "binaryQuantized": True}})
    )
    error = error_of(
        apply_patch, stored, validate_setting("embedders", {"a": {"binaryQuantized": False}})
    )
    assert error.message.startswith(
        "Invalid value at `.embedders.a.binaryQuantized`: cannot disable the binary quantization"
    )


@pytest.mark.parametrize(
    "after, rebuilds",
    [
        ({"a": USER}, False),
        ({"a": {**USER, "distribution": {"mean": 0.5, "sigma": 0.2}}}, False),
        ({"a": {**USER, "dimensions": 4}}, True),
        ({}, True),
        ({"a": USER, "b": USER}, True),
        ({"a": REST}, True),
    ],
)
def test_vectors_are_rebuilt_when_an_embedder_is_added_removed_or_reshaped(
    after: dict[str, Any], rebuilds: bool
) -> None:
    changes = settings_diff({"embedders": {"a": USER}}, {"embedders": after} if after else {})
    assert changes.reindex_vectors is rebuilds
    assert not changes.reindex_words and not changes.reindex_facets


@pytest.mark.parametrize(
    "change, rebuilds",
    [
        ({"apiKey": "other"}, False),
        ({"headers": {"X-Team": "search"}}, False),
        ({"distribution": {"mean": 0.5, "sigma": 0.2}}, False),
        ({"documentTemplate": "{{doc.title}}"}, True),
        ({"url": "http://other/e"}, True),
        ({"dimensions": 8}, True),
    ],
)
def test_computed_embeddings_are_rebuilt_when_what_shapes_them_changes(
    change: dict[str, Any], rebuilds: bool
) -> None:
    before = {"embedders": {"a": e.with_defaults(REST)}}
    after = {"embedders": {"a": e.with_defaults({**REST, **change})}}
    changes = settings_diff(before, after)
    assert changes.reindex_vectors is rebuilds
    assert not changes.reindex_words and not changes.reindex_facets
