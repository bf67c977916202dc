"""Computing embeddings with the provider an embedder names.

``embedder_for`` turns an embedder's settings into an ``Embedder``: ``RemoteEmbedder`` calls
an ``openAi``, ``ollama`` or ``rest`` provider over HTTP, ``LocalModel`` stands for a
``huggingFace`` model (which Lumi cannot run), and ``None`` means the vectors come from the
user. A ``composite`` embedder uses its ``indexingEmbedder`` to index and its
``searchEmbedder`` to embed queries.

Indexing sends texts in batches and retries a failed call a few times with a growing pause
(network errors, rate limits and server errors can be transient); a query gets one call with
a short timeout, so a slow provider cannot hold a search for long. Every failure is a
``vector_embedding_error`` that says what went wrong and where.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from lumi.errors import LumiError
from lumi.index.embedding_shapes import Shape, ShapeError, extract, fill, shape_of

REMOTE_SOURCES = frozenset({"openAi", "ollama", "rest"})
BATCH_SIZE = 64  # texts per call when the provider takes batches
INDEXING_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
SEARCH_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
ATTEMPTS = 3  # calls per batch while indexing
BACKOFF = 0.2  # seconds before the first retry, multiplied by 4 each time
_RETRIED_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def embedding_error(detail: str) -> LumiError:
    return LumiError("vector_embedding_error", f"Error while generating embeddings: {detail}")


@dataclass(frozen=True, slots=True)
class Purpose:
    """Indexing (batches, retries) or searching (one call, short timeout)."""

    timeout: httpx.Timeout
    attempts: int


INDEXING = Purpose(INDEXING_TIMEOUT, ATTEMPTS)
SEARCH = Purpose(SEARCH_TIMEOUT, 1)


class LocalModel:
    """A ``huggingFace`` embedder: accepted in the settings, but nothing here can run it."""

    dimensions: int | None = None

    def __init__(self, name: str, model: str) -> None:
        self.name = name
        self.model = model

    def embed(self, texts: list[str]) -> list[list[float]]:
        raise embedding_error(
            f"user error: the embedder `{self.name}` uses the local `huggingFace` model "
            f"`{self.model}`, and Lumi does not run local models. Use an `openAi`, `ollama` or "
            "`rest` embedder to compute embeddings, or a `userProvided` one with your own "
            "vectors."
        )

    def close(self) -> None:
        """Nothing to release."""


class RemoteEmbedder:
    """An embedding provider reached over HTTP."""

    def __init__(self, shape: Shape, dimensions: int | None, purpose: Purpose) -> None:
        self.shape = shape
        self.dimensions = dimensions
        self.purpose = purpose
        self._client: httpx.Client | None = None

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One embedding per text, in order; raises ``vector_embedding_error``."""
        found: list[list[float]] = []
        step = BATCH_SIZE if self.shape.batched else 1
        for start in range(0, len(texts), step):
            found += self._call(texts[start : start + step])
        return found

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _call(self, texts: list[str]) -> list[list[float]]:
        shape = self.shape
        body = orjson.dumps(fill(shape.request, texts))
        response = self._post(body)
        try:
            payload = response.json()
        except ValueError:
            raise embedding_error(
                f"runtime error: the embedder at `{shape.url}` did not answer with JSON"
            ) from None
        try:
            embeddings = extract(shape.response, payload)
        except ShapeError as error:
            raise embedding_error(
                f"user error: the answer of the embedder at `{shape.url}` does not match the "
                f"`response` template: {error}"
            ) from None
        if len(embeddings) != len(texts):
            raise embedding_error(
                f"runtime error: the embedder at `{shape.url}` returned {len(embeddings)} "
                f"embeddings for {len(texts)} texts"
            )
        self._check_dimensions(embeddings)
        return [[float(number) for number in embedding] for embedding in embeddings]

    def _check_dimensions(self, embeddings: list[list[float]]) -> None:
        for embedding in embeddings:
            if self.dimensions is None:
                self.dimensions = len(embedding)
            if len(embedding) != self.dimensions or not embedding:
                raise embedding_error(
                    f"user error: the embedder at `{self.shape.url}` returned an embedding of "
                    f"{len(embedding)} dimensions, but the embedder has {self.dimensions}"
                )

    def _post(self, body: bytes) -> httpx.Response:
        """The provider's successful answer, after at most ``purpose.attempts`` calls."""
        shape = self.shape
        if self._client is None:
            headers = {"Content-Type": "application/json", **shape.headers}
            self._client = httpx.Client(headers=headers, timeout=self.purpose.timeout)
        failure = ""
        for attempt in range(self.purpose.attempts):
            if attempt:
                time.sleep(BACKOFF * 4 ** (attempt - 1))
            try:
                response = self._client.post(shape.url, content=body)
            except httpx.HTTPError as error:
                failure = f"could not reach the embedder at `{shape.url}`: {error or type(error)}"
                continue
            if response.is_success:
                return response
            failure = (
                f"the embedder at `{shape.url}` answered with HTTP status "
                f"{response.status_code}: {response.text[:200]}"
            )
            if response.status_code not in _RETRIED_STATUS:
                fault = "user" if response.status_code < 500 else "runtime"
                raise embedding_error(f"{fault} error: {failure}")
        attempts = self.purpose.attempts
        tried = f" (tried {attempts} times)" if attempts > 1 else ""
        raise embedding_error(f"runtime error: {failure}{tried}")


Embedder = RemoteEmbedder | LocalModel


def embedder_for(
    name: str, config: Mapping[str, Any], purpose: Purpose = INDEXING
) -> Embedder | None:
    """What computes the embeddings of ``config`` (None: the user gives them)."""
    source = config.get("source")
    if source == "composite":
        part = "indexingEmbedder" if purpose is INDEXING else "searchEmbedder"
        return embedder_for(name, config[part], purpose)
    if source == "huggingFace":
        return LocalModel(name, config.get("model") or "")
    if source in REMOTE_SOURCES:
        return RemoteEmbedder(shape_of(config), config.get("dimensions"), purpose)
    return None


def embed_query(name: str, config: Mapping[str, Any], text: str) -> list[float] | None:
    """The embedding of a search query (None when the embedder does not compute any)."""
    embedder = embedder_for(name, config, SEARCH)
    if embedder is None:
        return None
    try:
        return embedder.embed([text])[0]
    finally:
        embedder.close()
