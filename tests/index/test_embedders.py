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

UNREACHABLE = (
    "source computes embeddings with an embedding provider this engine cannot reach. Only "
    "`userProvided` embedders are supported: send the vectors in each document's `_vectors` "
    "field and in the `vector` search parameter."
)
USER = {"source": "userProvided", "dimensions": 3}


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
            {"x": {"source": "openAi", "apiKey": "k"}},
            f"Invalid value at `.embedders.x`: the `openAi` {UNREACHABLE}",
        ),
        (
            {"x": {"source": "huggingFace", "model": "m"}},
            f"Invalid value at `.embedders.x`: the `huggingFace` {UNREACHABLE}",
        ),
        (
            {"x": {"source": "rest", "url": "u", "request": {}, "response": {}}},
            f"Invalid value at `.embedders.x`: the `rest` {UNREACHABLE}",
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
    error = error_of(validate_setting, "embedders", {"x": {"source": "ollama", "model": "m"}})
    assert error.message == f"Invalid value at `.x`: the `ollama` {UNREACHABLE}"


def test_composite_needs_its_feature_then_is_unreachable() -> None:
    body = {"x": {"source": "composite", "searchEmbedder": {}, "indexingEmbedder": {}}}
    error = error_of(validate_setting, "embedders", body)
    assert (error.code, error.message) == ("feature_not_enabled", e.COMPOSITE_DISABLED)
    error = error_of(validate_setting, "embedders", body, {"compositeEmbedders": True})
    assert error.message == f"Invalid value at `.x`: the `composite` {UNREACHABLE}"


def test_patch_merges_per_embedder_and_null_removes() -> None:
    stored = apply_patch({}, validate_setting("embedders", {"a": USER, "b": USER}))
    patch = validate_setting("embedders", {"a": {"dimensions": 5}, "b": None})
    assert apply_patch(stored, patch) == {"embedders": {"a": {**USER, "dimensions": 5}}}
    assert apply_patch(stored, validate_setting("embedders", None)) == {}


def test_a_partial_embedder_without_source_is_refused_when_the_task_runs() -> None:
    patch = validate_setting("embedders", {"new": {"dimensions": 2}})
    error = error_of(apply_patch, {}, patch)
    assert error.message == f"Invalid value at `.embedders.new`: the `openAi` {UNREACHABLE}"


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
    ],
)
def test_vectors_are_rebuilt_when_an_embedder_is_added_removed_or_reshaped(
    after: dict[str, Any], rebuilds: bool
) -> None:
    changes = settings_diff({"embedders": {"a": USER}}, {"embedders": after} if after else {})
    assert changes.reindex_vectors is rebuilds
    assert not changes.reindex_words and not changes.reindex_facets
