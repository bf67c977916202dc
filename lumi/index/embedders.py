"""The ``embedders`` index setting: validation, PATCH merging and what the vectors depend on.

Every source of the reference is checked field by field (types, fields a source does not
have, fields it requires), so a misspelt setting is reported the same way whatever its
source. Only ``userProvided`` embedders are stored: they need no model nor network, the
vectors come with the documents (``_vectors``) and with each query (``vector``). Any other
source computes embeddings through a provider this engine never calls, so it is refused
when the request arrives (or, for a partial update naming no source, when the task runs).

A PATCH merges per embedder name: ``null`` removes the embedder, an object updates the
fields it sends (a field set to ``null`` is reset), a new name is created from the object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lumi.errors import LumiError
from lumi.index.settings_validation import (
    Validator,
    boolean,
    fields,
    invalid_value,
    missing_field,
    nullable,
    one_of,
    string,
    type_error,
    u64,
)

CODE = "invalid_settings_embedders"
USER_PROVIDED = "userProvided"
COMPOSITE = "composite"
SOURCES = ("openAi", "huggingFace", "ollama", USER_PROVIDED, "rest", COMPOSITE)
DEFAULT_SOURCE = "openAi"  # what an embedder without ``source`` uses
COMPOSITE_DISABLED = (
    'using `"composite"` as source requires enabling the `composite embedders` experimental '
    "feature. See https://github.com/orgs/meilisearch/discussions/816"
)


def _number(value: Any, path: str, code: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise type_error(code, path, "a number", value)
    return float(value)


def _distribution(value: Any, path: str, code: str) -> dict[str, float]:
    got = fields(value, path, code, {"mean": _number, "sigma": _number})
    for name in ("mean", "sigma"):
        if name not in got:
            raise missing_field(code, path, name)
    for name, number in got.items():
        if not 0.0 <= number <= 1.0:
            raise invalid_value(
                code, f"{path}.{name}", f"`{name}` must be a number between 0 and 1, got {number}"
            )
    if got["sigma"] == 0.0:
        raise invalid_value(code, f"{path}.sigma", "`sigma` must be greater than 0")
    return got


def _dimensions(value: Any, path: str, code: str) -> int:
    if u64(value, path, code) == 0:
        raise invalid_value(code, path, "`dimensions` cannot be zero")
    return int(value)


def _json_object(value: Any, path: str, code: str) -> Any:
    if not isinstance(value, dict):
        raise type_error(code, path, "an object", value)
    return value


def _any_json(value: Any, path: str, code: str) -> Any:
    return value


def _string_map(value: Any, path: str, code: str) -> dict[str, str]:
    got = _json_object(value, path, code)
    for key, item in got.items():
        string(item, f"{path}.{key}", code)
    return dict(got)


def _sub_embedder(value: Any, path: str, code: str) -> dict[str, Any]:
    """A ``searchEmbedder``/``indexingEmbedder`` of a composite embedder."""
    got = fields(value, path, code, _SUB_FIELDS)
    source = got.get("source") or DEFAULT_SOURCE
    if source in (USER_PROVIDED, COMPOSITE):
        raise invalid_value(
            code, f"{path}.source", f"a composite embedder cannot use a `{source}` embedder"
        )
    _check_fields(got, source, path, code)
    return got


# Every field of every source, in the order the settings show them.
FIELDS: dict[str, Validator] = {
    "source": nullable(one_of(*SOURCES)),
    "model": nullable(string),
    "revision": nullable(string),
    "pooling": nullable(one_of("useModel", "forceMean", "forceCls")),
    "apiKey": nullable(string),
    "dimensions": nullable(_dimensions),
    "binaryQuantized": nullable(boolean),
    "documentTemplate": nullable(string),
    "documentTemplateMaxBytes": nullable(u64),
    "indexingFragments": nullable(_json_object),
    "searchFragments": nullable(_json_object),
    "url": nullable(string),
    "request": nullable(_any_json),
    "response": nullable(_any_json),
    "headers": nullable(_string_map),
    "searchEmbedder": nullable(_sub_embedder),
    "indexingEmbedder": nullable(_sub_embedder),
    "distribution": nullable(_distribution),
}
_SUB_FIELDS = {
    name: check
    for name, check in FIELDS.items()
    if name not in ("searchEmbedder", "indexingEmbedder", "binaryQuantized", "distribution")
}
_COMMON = ("source", "binaryQuantized", "distribution")
_TEMPLATED = ("documentTemplate", "documentTemplateMaxBytes")
ALLOWED: dict[str, tuple[str, ...]] = {
    "openAi": (*_COMMON, "model", "apiKey", "dimensions", *_TEMPLATED, "url"),
    "huggingFace": (*_COMMON, "model", "revision", "pooling", *_TEMPLATED),
    "ollama": (*_COMMON, "model", "apiKey", "dimensions", *_TEMPLATED, "url"),
    "rest": (
        *_COMMON,
        "apiKey",
        "dimensions",
        *_TEMPLATED,
        "indexingFragments",
        "searchFragments",
        "url",
        "request",
        "response",
        "headers",
    ),
    USER_PROVIDED: (*_COMMON, "dimensions"),
    COMPOSITE: (*_COMMON, "searchEmbedder", "indexingEmbedder"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "ollama": ("model",),
    "rest": ("url", "request", "response"),
    USER_PROVIDED: ("dimensions",),
    COMPOSITE: ("searchEmbedder", "indexingEmbedder"),
}


def _check_fields(got: Mapping[str, Any], source: str, path: str, code: str) -> None:
    """Fields sent must exist for ``source``; a field reset (``null``) always may."""
    allowed = ALLOWED[source]
    for name, value in got.items():
        if value is not None and name not in allowed:
            shown = ", ".join(f"`{field}`" for field in FIELDS if field in allowed)
            raise invalid_value(
                code,
                path,
                f"field `{name}` is unavailable for source `{source}`. Available fields: {shown}.",
            )


def _check_required(config: Mapping[str, Any], source: str, path: str, code: str) -> None:
    for name in REQUIRED.get(source, ()):
        if config.get(name) is None:
            raise invalid_value(
                code, path, f"missing field `{name}`, which is mandatory for source `{source}`."
            )


def unreachable(source: str, path: str) -> LumiError:
    """The refusal for a source whose embeddings come from a provider."""
    return invalid_value(
        CODE,
        path,
        f"the `{source}` source computes embeddings with an embedding provider this engine "
        "cannot reach. Only `userProvided` embedders are supported: send the vectors in each "
        "document's `_vectors` field and in the `vector` search parameter.",
    )


def embedder_patch(value: Any, path: str, code: str) -> dict[str, Any] | None:
    """One embedder of a PATCH: ``None`` (remove) or the fields sent, checked."""
    if value is None:
        return None
    got = fields(value, path, code, FIELDS)
    source = got.get("source")
    if source is not None:
        _check_fields(got, source, path, code)
        _check_required(got, source, path, code)
    return got


def embedders(value: Any, path: str, code: str) -> dict[str, Any]:
    """The ``embedders`` setting of a request: names sorted, each embedder checked."""
    if not isinstance(value, dict):
        raise type_error(code, path, "an object", value)
    checked = {name: embedder_patch(item, f"{path}.{name}", code) for name, item in value.items()}
    return dict(sorted(checked.items()))


def check_sources(patch: Mapping[str, Any], path: str, features: Mapping[str, bool]) -> None:
    """Request-time refusals that need the instance: composite without its feature, and
    every source other than ``userProvided``."""
    for name, config in patch.items():
        source = None if config is None else config.get("source")
        if source == COMPOSITE and not features.get("compositeEmbedders"):
            raise LumiError("feature_not_enabled", COMPOSITE_DISABLED)
        if source is not None and source != USER_PROVIDED:
            raise unreachable(source, f"{path}.{name}")


def merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The embedders after a PATCH; raises ``LumiError`` when a merged embedder is not a
    complete ``userProvided`` one (a partial update may leave out the source)."""
    merged = {name: dict(config) for name, config in current.items()}
    for name, update in patch.items():
        if update is None:
            merged.pop(name, None)
            continue
        config = {**merged.get(name, {}), **update}
        config = {key: config[key] for key in FIELDS if config.get(key) is not None}
        path = f".embedders.{name}"
        source = config.get("source") or DEFAULT_SOURCE
        if source != USER_PROVIDED:
            raise unreachable(source, path)
        _check_fields(config, source, path, CODE)
        _check_required(config, source, path, CODE)
        if current.get(name, {}).get("binaryQuantized") and config.get("binaryQuantized") is False:
            raise invalid_value(
                CODE,
                f"{path}.binaryQuantized",
                "cannot disable the binary quantization: it is a lossy operation that cannot "
                "be reverted. Add a new embedder that is not quantized and send its vectors.",
            )
        merged[name] = config
    return dict(sorted(merged.items()))


def vector_key(value: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """What stored vectors depend on: each embedder's source and dimensions."""
    return {name: (config["source"], config["dimensions"]) for name, config in value.items()}
