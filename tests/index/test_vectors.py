from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.vectors import (
    VectorStore,
    decode,
    document_embeddings,
    documents_with_vectors,
    embedder_dimensions,
    encode,
)
from tests.support.facets import MAP_SIZE, scratch_dir

DIMS = {"manual": 2}


@pytest.mark.parametrize(
    "vectors, found",
    [
        ({"manual": [0.5, 1]}, {"manual": [[0.5, 1.0]]}),
        ({"manual": [[0.5, 1], [2, 3]]}, {"manual": [[0.5, 1.0], [2.0, 3.0]]}),
        ({"manual": {"embeddings": [1, 2], "regenerate": False}}, {"manual": [[1.0, 2.0]]}),
        ({"manual": {"regenerate": True}}, {"manual": []}),
        ({"manual": None}, {"manual": []}),
        ({"manual": []}, {"manual": []}),
        ({"other": "anything"}, {}),
        ({}, {}),
    ],
)
def test_document_embeddings(vectors: dict[str, Any], found: dict[str, Any]) -> None:
    assert document_embeddings({"id": 1, "_vectors": vectors}, DIMS, "1") == found


def test_documents_are_not_read_without_embedders() -> None:
    assert document_embeddings({"_vectors": "not even an object"}, {}, "1") == {}


@pytest.mark.parametrize(
    "vectors, code, message",
    [
        (
            [1, 2],
            "invalid_vectors_type",
            'The `_vectors` field in the document with id: `"7"` is not an object. Was '
            "expecting an object with a key for each embedder with manually provided vectors, "
            "but instead got `[1,2]`",
        ),
        (
            {"manual": [1, 2, 3]},
            "invalid_vector_dimensions",
            "Invalid vector dimensions: expected: `2`, found: `3`.",
        ),
        (
            {"manual": [[1, 2], [1]]},
            "invalid_vector_dimensions",
            "Invalid vector dimensions: expected: `2`, found: `1`.",
        ),
        (
            {"manual": "x"},
            "invalid_vectors_type",
            'The `_vectors.manual` field in the document with id: `"7"` is not an array. Was '
            "expecting an array of floats or an array of arrays of floats but instead got "
            '`"x"`.',
        ),
        (
            {"manual": [1, "2"]},
            "invalid_vectors_type",
            'The `_vectors.manual` field in the document with id: `"7"` is not an array. Was '
            "expecting an array of floats or an array of arrays of floats but instead got "
            '`[1,"2"]`.',
        ),
        (
            {"manual": {"embeddings": [1, 2]}},
            "invalid_vectors_type",
            'Bad embedder configuration in the document with id: `"7"`. Missing field '
            "`regenerate` inside `.manual`",
        ),
        (
            {"manual": {"embeddings": [1, 2], "regenerate": False, "x": 1}},
            "invalid_vectors_type",
            'Bad embedder configuration in the document with id: `"7"`. Unknown field `x` '
            "inside `.manual`: expected one of `embeddings`, `regenerate`",
        ),
        (
            {"manual": [[1, 2]] * 257},
            "too_many_vectors",
            'Too many vectors for document with id "7": found 257, but limited to 256.',
        ),
    ],
)
def test_malformed_entries_are_refused(vectors: Any, code: str, message: str) -> None:
    with pytest.raises(LumiError) as caught:
        document_embeddings({"_vectors": vectors}, DIMS, "7")
    assert (caught.value.code, caught.value.message) == (code, message)


def test_rows_are_little_endian_float32() -> None:
    raw = encode([[1.0, 0.5], [2.0, -1.0]])
    assert raw == np.array([1.0, 0.5, 2.0, -1.0], dtype="<f4").tobytes()
    assert decode(raw, 2).tolist() == [[1.0, 0.5], [2.0, -1.0]]


@pytest.fixture
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        index = Index(path, map_size=MAP_SIZE)
        yield index
        index.close()


def test_store_round_trip_and_drop(index: Index) -> None:
    with index.write() as txn:
        store = VectorStore(index, txn)
        store.put("a", 2, encode([[1.0, 2.0]]))
        store.put("a", 1, encode([[3.0, 4.0]]))
        store.put("ab", 1, encode([[5.0, 6.0]]))
        store.set_docids("a", BitMap([1, 2]))
        store.set_config("a", ("userProvided", 2))
        assert [docid for docid, _raw in store.rows("a")] == [1, 2]
        assert store.configs() == {"a": ("userProvided", 2)}
        store.drop("a")
        assert list(store.rows("a")) == []
        assert store.get("ab", 1) == encode([[5.0, 6.0]])
        assert store.docids("a") == BitMap()
        assert store.configs() == {}


def test_documents_with_vectors(index: Index) -> None:
    with index.write() as txn:
        index.set_settings(
            txn, {"embedders": {"a": {"source": "userProvided", "dimensions": 2}, "b": {}}}
        )
        store = VectorStore(index, txn)
        store.set_docids("a", BitMap([1]))
        store.set_docids("b", BitMap([2]))
        store.set_docids("gone", BitMap([3]))
        assert documents_with_vectors(index, txn, None, None) == BitMap([1, 2])
        assert documents_with_vectors(index, txn, "a", "userProvided") == BitMap([1])
        assert documents_with_vectors(index, txn, "a", "regenerate") == BitMap()
        assert documents_with_vectors(index, txn, "gone", None) == BitMap()


def test_embedder_dimensions() -> None:
    settings = {"embedders": {"a": {"source": "userProvided", "dimensions": 3}}}
    assert embedder_dimensions(settings) == {"a": 3}
    assert embedder_dimensions({}) == {}
