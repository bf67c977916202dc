"""The ``embedders`` index setting: validation, PATCH merging and what the vectors depend on.

Every source of the reference is checked field by field (types, fields a source does not
have, fields it requires, models and templates that cannot work), so a misspelt setting is
reported the same way whatever its source. Every source is stored: ``userProvided`` vectors
come with the documents and queries, ``openAi``, ``ollama`` and ``rest`` embedders are
called over HTTP (``lumi.index.embedding_client``), ``huggingFace`` is kept but cannot
compute embeddings here, and ``composite`` (behind its experimental feature) pairs two of
them. The stored form holds the defaults the settings show (model, document template...),
so reading the setting back shows what the embedder will use.

A PATCH merges per embedder name: ``null`` removes the embedder, an object updates the
fields it sends (a field set to ``null`` is reset), a new name is created from the object,
and an object naming another source starts the embedder afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from lumi.errors import LumiError
from lumi.index.embedding_shapes import (
    OPENAI_DEFAULT_MODEL,
    OPENAI_MODELS,
    ShapeError,
    check_templates,
    ollama_templates,
)
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
from lumi.messages import mask_secret

CODE = "invalid_settings_embedders"
USER_PROVIDED = "userProvided"
COMPOSITE = "composite"
SOURCES = ("openAi", "huggingFace", "ollama", USER_PROVIDED, "rest", COMPOSITE)
DEFAULT_SOURCE = "openAi"  # what an embedder without ``source`` uses
DEFAULT_TEMPLATE = (
    "{% for field in fields %}{% if field.is_searchable and field.value != nil %}"
    "{{ field.name }}: {{ field.value }}\n{% endif %}{% endfor %}"
)
DEFAULT_MAX_BYTES = 400
# Embedder names key the index's vector storage, whose keys hold at most 511 bytes with a
# separator and a docid after the name.
MAX_NAME_BYTES = 500
HUGGING_FACE_DEFAULT_MODEL = "BAAI/bge-base-en-v1.5"
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
    _check_required(got, source, path, code)
    _check_values(got, source, path, code)
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
# Fields whose change changes the embeddings (an API key or headers do not).
_EMBEDDING_FIELDS = (
    "model",
    "revision",
    "pooling",
    "dimensions",
    "documentTemplate",
    "documentTemplateMaxBytes",
    "url",
    "request",
    "response",
    "indexingFragments",
)


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


def _check_values(config: Mapping[str, Any], source: str, path: str, code: str) -> None:
    """Values that cannot work with their source: an unknown OpenAI model or too many
    dimensions for it, an Ollama URL that is not an embedding route, unusable templates."""
    if source == "openAi":
        _check_openai(config, path, code)
    elif source == "ollama" and config.get("url") is not None:
        try:
            ollama_templates(config["url"], config.get("model") or "")
        except ShapeError as error:
            raise invalid_value(code, f"{path}.url", str(error)) from None
    elif source == "rest" and None not in (config.get("request"), config.get("response")):
        try:
            check_templates(config["request"], config["response"])
        except ShapeError as error:
            raise invalid_value(code, path, str(error)) from None


def _check_openai(config: Mapping[str, Any], path: str, code: str) -> None:
    model = config.get("model") or OPENAI_DEFAULT_MODEL
    known = OPENAI_MODELS.get(model)
    if known is None:
        models = ", ".join(f"`{name}`" for name in OPENAI_MODELS)
        raise invalid_value(
            code,
            f"{path}.model",
            f"unknown OpenAI model `{model}`: expected one of {models}. Use a `rest` embedder "
            "for other models.",
        )
    dimensions = config.get("dimensions")
    native, shortens = known
    if dimensions is None or dimensions == native:
        return
    if not shortens:
        raise invalid_value(
            code,
            f"{path}.dimensions",
            f"the model `{model}` does not let `dimensions` change its {native} dimensions",
        )
    if dimensions > native:
        raise invalid_value(
            code,
            f"{path}.dimensions",
            f"the model `{model}` has at most {native} dimensions, got {dimensions}",
        )


def _check(config: Mapping[str, Any], source: str, path: str, code: str) -> None:
    _check_fields(config, source, path, code)
    _check_required(config, source, path, code)
    _check_values(config, source, path, code)


def embedder_patch(value: Any, path: str, code: str) -> dict[str, Any] | None:
    """One embedder of a PATCH: ``None`` (remove) or the fields sent, checked."""
    if value is None:
        return None
    got = fields(value, path, code, FIELDS)
    source = got.get("source")
    if source is not None:
        _check(got, source, path, code)
    return got


def embedders(value: Any, path: str, code: str) -> dict[str, Any]:
    """The ``embedders`` setting of a request: names sorted, each embedder checked."""
    if not isinstance(value, dict):
        raise type_error(code, path, "an object", value)
    for name in value:
        _check_name(name, path, code)
    checked = {name: embedder_patch(item, f"{path}.{name}", code) for name, item in value.items()}
    return dict(sorted(checked.items()))


def _check_name(name: str, path: str, code: str) -> None:
    """Refuse the names the vector storage cannot key: empty, too long, or holding NUL."""
    if not name or "\0" in name or len(name.encode()) > MAX_NAME_BYTES:
        raise invalid_value(
            code,
            path,
            f"`{name}` is not a valid embedder name: it must be non-empty, hold no NUL "
            f"character and be at most {MAX_NAME_BYTES} bytes long.",
        )


def check_sources(patch: Mapping[str, Any], path: str, features: Mapping[str, bool]) -> None:
    """Request-time refusals that need the instance: composite without its feature."""
    for config in patch.values():
        source = None if config is None else config.get("source")
        if source == COMPOSITE and not features.get("compositeEmbedders"):
            raise LumiError("feature_not_enabled", COMPOSITE_DISABLED)


def with_defaults(config: Mapping[str, Any], indexing: bool = True) -> dict[str, Any]:
    """``config`` completed with its source's defaults, fields in display order. A composite's
    search embedder renders no document, so it gets no document template."""
    source = config.get("source") or DEFAULT_SOURCE
    defaults: dict[str, Any] = {"source": source}
    if source == "openAi":
        defaults["model"] = OPENAI_DEFAULT_MODEL
    elif source == "huggingFace":
        defaults["model"] = HUGGING_FACE_DEFAULT_MODEL
        defaults["pooling"] = "useModel"
    elif source == "rest":
        defaults["headers"] = {}
    if indexing and "documentTemplate" in ALLOWED[source]:
        defaults["documentTemplate"] = DEFAULT_TEMPLATE
        defaults["documentTemplateMaxBytes"] = DEFAULT_MAX_BYTES
    complete = {**defaults, **{key: item for key, item in config.items() if item is not None}}
    if source == COMPOSITE:
        complete["searchEmbedder"] = with_defaults(complete["searchEmbedder"], False)
        complete["indexingEmbedder"] = with_defaults(complete["indexingEmbedder"])
    return {key: complete[key] for key in FIELDS if key in complete}


def merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The embedders after a PATCH; raises ``LumiError`` when a merged embedder is
    incomplete or inconsistent (a partial update may leave out the source)."""
    merged = {name: dict(config) for name, config in current.items()}
    for name, update in patch.items():
        if update is None:
            merged.pop(name, None)
            continue
        before = merged.get(name, {})
        if update.get("source") not in (None, before.get("source")):
            before = {}  # another source: nothing of the old embedder carries over
        config = {key: item for key, item in {**before, **update}.items() if item is not None}
        path = f".embedders.{name}"
        source = config.get("source") or DEFAULT_SOURCE
        _check(config, source, path, CODE)
        if current.get(name, {}).get("binaryQuantized") and config.get("binaryQuantized") is False:
            raise invalid_value(
                CODE,
                f"{path}.binaryQuantized",
                "cannot disable the binary quantization: it is a lossy operation that cannot "
                "be reverted. Add a new embedder that is not quantized and send its vectors.",
            )
        merged[name] = with_defaults(config)
    return dict(sorted(merged.items()))


def embedder_key(config: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the stored vectors of one embedder depend on: its source and dimensions, and
    for computed embeddings whatever shapes them (model, template, URL...), as one string."""
    source = config["source"]
    if source == USER_PROVIDED:
        return (source, config["dimensions"])
    shaping = config["indexingEmbedder"] if source == COMPOSITE else config
    if shaping.get("source") == "openAi":  # another URL serves the same model
        shaping = {key: item for key, item in shaping.items() if key != "url"}
    parts = {key: shaping[key] for key in ("source", *_EMBEDDING_FIELDS) if key in shaping}
    return (source, config.get("dimensions"), orjson.dumps(parts).decode())


def vector_key(value: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """What stored vectors depend on, per embedder."""
    return {name: embedder_key(config) for name, config in value.items()}


def is_user_provided(config: Mapping[str, Any]) -> bool:
    return bool(config.get("source") == USER_PROVIDED)


def redacted(value: Mapping[str, Any]) -> dict[str, Any]:
    """The embedders as shown to users (settings, task details): API keys masked."""
    return {
        name: None if config is None else _redacted_one(config) for name, config in value.items()
    }


def _redacted_one(config: Mapping[str, Any]) -> dict[str, Any]:
    shown = dict(config)
    if type(shown.get("apiKey")) is str:
        shown["apiKey"] = mask_secret(shown["apiKey"])
    for part in ("searchEmbedder", "indexingEmbedder"):
        if type(shown.get(part)) is dict:
            shown[part] = _redacted_one(shown[part])
    return shown
