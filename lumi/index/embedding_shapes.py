"""The JSON shapes exchanged with embedding providers, as ``rest`` embedders describe them.

A ``rest`` embedder gives a ``request`` template, where the string ``{{text}}`` stands for the
text to embed, and a ``response`` template, where ``{{embedding}}`` marks where the embedding
is. A two-item array whose second item is ``{{..}}`` repeats its first item once per text
(in the request) or per embedding (in the response), so one call embeds a whole batch; both
templates must then repeat, or neither. ``openAi`` and ``ollama`` embedders are the same
mechanism with shapes fixed by their API, so one client (``lumi.index.embedding_client``)
serves every remote source.

The checks run when the settings are validated, so a template that cannot work is refused
before any document is sent.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TEXT = "{{text}}"
EMBEDDING = "{{embedding}}"
REPEAT = "{{..}}"

OPENAI_URL = "https://api.openai.com/v1/embeddings"
OLLAMA_URL = "http://localhost:11434/api/embed"
# Model name -> (native dimensions, whether `dimensions` may shorten it).
OPENAI_MODELS: dict[str, tuple[int, bool]] = {
    "text-embedding-ada-002": (1536, False),
    "text-embedding-3-small": (1536, True),
    "text-embedding-3-large": (3072, True),
}
OPENAI_DEFAULT_MODEL = "text-embedding-3-small"


class ShapeError(ValueError):
    """A request or response template (or an Ollama URL) that cannot be used."""


@dataclass(frozen=True, slots=True)
class Shape:
    """How to call one provider: where, with which headers, and the two templates."""

    url: str
    headers: dict[str, str]
    request: Any
    response: Any
    batched: bool  # one call embeds many texts (both templates repeat)


# ---------------------------------------------------------------- templates


def _count(node: Any, placeholder: str) -> int:
    if node == placeholder:
        return 1
    if type(node) is dict:
        return sum(_count(item, placeholder) for item in node.values())
    if type(node) is list:
        return sum(_count(item, placeholder) for item in node)
    return 0


def _repeats(node: Any, placeholder: str) -> bool:
    """Whether ``node`` holds a ``[<...placeholder...>, "{{..}}"]`` array; raises
    ``ShapeError`` for a ``{{..}}`` anywhere else."""
    if type(node) is dict:
        return any(_repeats(item, placeholder) for item in node.values())
    if type(node) is not list:
        if node == REPEAT:
            raise ShapeError(f"`{REPEAT}` must be the second item of a two-item array")
        return False
    if len(node) == 2 and node[1] == REPEAT:
        if _count(node[0], placeholder) != 1:
            raise ShapeError(
                f"the first item of an array repeated with `{REPEAT}` must contain `{placeholder}`"
            )
        _repeats(node[0], placeholder)
        return True
    return any(_repeats(item, placeholder) for item in node)


def check_templates(request: Any, response: Any) -> bool:
    """Whether the templates embed a batch per call; raises ``ShapeError`` when they cannot
    work together."""
    for name, template, placeholder in (
        ("request", request, TEXT),
        ("response", response, EMBEDDING),
    ):
        found = _count(template, placeholder)
        if found != 1:
            raise ShapeError(
                f"in `{name}`: the placeholder `{placeholder}` must appear exactly once, "
                f"found {found} times"
            )
    try:
        batched = _repeats(request, TEXT)
    except ShapeError as error:
        raise ShapeError(f"in `request`: {error}") from None
    try:
        answers_batch = _repeats(response, EMBEDDING)
    except ShapeError as error:
        raise ShapeError(f"in `response`: {error}") from None
    if batched != answers_batch:
        raise ShapeError(
            f"`request` and `response` must both repeat with `{REPEAT}`, or neither: one text "
            "per request needs one embedding per response"
        )
    return batched


def fill(template: Any, texts: list[str]) -> Any:
    """The request body for ``texts`` (one text unless the template repeats)."""
    if template == TEXT:
        return texts[0]
    kind = type(template)
    if kind is dict:
        return {key: fill(item, texts) for key, item in template.items()}
    if kind is list:
        if len(template) == 2 and template[1] == REPEAT:
            return [fill(template[0], [text]) for text in texts]
        return [fill(item, texts) for item in template]
    return template


def extract(template: Any, value: Any, where: str = "") -> list[list[float]]:
    """The embeddings ``value`` (a response) holds where ``template`` says; raises
    ``ShapeError`` naming the first place that does not match."""
    if template == EMBEDDING:
        if type(value) is not list or not all(type(number) in (int, float) for number in value):
            raise ShapeError(f"expected an array of numbers at `{where or '.'}`")
        return [value]
    if type(template) is dict:
        for key, item in template.items():
            if _count(item, EMBEDDING):
                if type(value) is not dict or key not in value:
                    raise ShapeError(f"missing field `{where}.{key}`")
                return extract(item, value[key], f"{where}.{key}")
    if type(template) is list:
        if type(value) is not list:
            raise ShapeError(f"expected an array at `{where or '.'}`")
        if len(template) == 2 and template[1] == REPEAT:
            found: list[list[float]] = []
            for position, item in enumerate(value):
                found += extract(template[0], item, f"{where}[{position}]")
            return found
        for position, item in enumerate(template):
            if _count(item, EMBEDDING):
                if position >= len(value):
                    raise ShapeError(f"missing item `{where}[{position}]`")
                return extract(item, value[position], f"{where}[{position}]")
    raise ShapeError(f"no embedding found at `{where or '.'}`")


# ---------------------------------------------------------------- sources


def ollama_templates(url: str, model: str) -> tuple[Any, Any]:
    """Ollama's two embedding routes: ``/api/embed`` (batches) and ``/api/embeddings``."""
    if url.endswith("/api/embed"):
        return (
            {"model": model, "input": [TEXT, REPEAT]},
            {"embeddings": [EMBEDDING, REPEAT]},
        )
    if url.endswith("/api/embeddings"):
        return {"model": model, "prompt": TEXT}, {"embedding": EMBEDDING}
    raise ShapeError(
        f"unsupported Ollama URL `{url}`: it must end with `/api/embed` or `/api/embeddings`"
    )


def _bearer(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def shape_of(config: Mapping[str, Any]) -> Shape:
    """How to call the provider of a remote embedder (``openAi``, ``ollama``, ``rest``)."""
    source = config.get("source")
    if source == "openAi":
        model = config.get("model") or OPENAI_DEFAULT_MODEL
        request: dict[str, Any] = {"model": model, "input": [TEXT, REPEAT]}
        if config.get("dimensions") is not None and OPENAI_MODELS.get(model, (0, True))[1]:
            request["dimensions"] = config["dimensions"]
        key = (
            config.get("apiKey")
            or os.environ.get("OPENAI_API_KEY")
            or os.environ.get("MEILI_OPENAI_API_KEY")
        )
        return Shape(
            config.get("url") or OPENAI_URL,
            _bearer(key),
            request,
            {"data": [{"embedding": EMBEDDING}, REPEAT]},
            True,
        )
    if source == "ollama":
        url = config.get("url") or OLLAMA_URL
        request, response = ollama_templates(url, config["model"])
        batched = url.endswith("/api/embed")
        return Shape(url, _bearer(config.get("apiKey")), request, response, batched)
    headers = {**_bearer(config.get("apiKey")), **(config.get("headers") or {})}
    batched = check_templates(config["request"], config["response"])
    return Shape(config["url"], headers, config["request"], config["response"], batched)
