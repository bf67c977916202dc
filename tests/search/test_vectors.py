from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.index.vectors import VectorStore, encode
from lumi.search import vectors as v
from tests.support.facets import MAP_SIZE, scratch_dir

ROWS = {0: [[1.0, 0.0]], 1: [[0.0, 1.0], [0.9, 0.1]], 2: [[-1.0, 0.0]], 3: [[1.0, 0.0]]}


@pytest.fixture
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        index = Index(path, map_size=MAP_SIZE)
        put(index, ROWS)
        yield index
        index.close()


def put(index: Index, rows: dict[int, list[list[float]]], **more: Any) -> None:
    with index.write() as txn:
        index.set_settings(
            txn, {"embedders": {"e": {"source": "userProvided", "dimensions": 2}}, **more}
        )
        store = VectorStore(index, txn)
        for docid, embeddings in rows.items():
            store.put("e", docid, encode(embeddings))
        store.set_docids("e", BitMap(rows))


def ranked(index: Index, vector: list[float], universe: BitMap | None) -> list[tuple[int, float]]:
    with index.read() as txn:
        found = v.rank(v.embedder_matrix(index, txn, "e", 2), vector, universe)
    return [
        (int(d), round(float(s), 4)) for d, s in zip(found.docids, found.similarities, strict=True)
    ]


def test_documents_rank_by_their_best_embedding_ties_by_docid(index: Index) -> None:
    assert ranked(index, [1.0, 0.0], None) == [(0, 1.0), (3, 1.0), (1, 0.9969), (2, 0.0)]


def test_the_universe_restricts_the_ranking(index: Index) -> None:
    assert ranked(index, [0.0, 2.0], BitMap([1, 2, 9])) == [(1, 1.0), (2, 0.5)]
    assert ranked(index, [0.0, 2.0], BitMap()) == []


def test_a_zero_query_vector_is_equally_far_from_everything(index: Index) -> None:
    assert ranked(index, [0.0, 0.0], BitMap([0, 2])) == [(0, 0.5), (2, 0.5)]


@pytest.mark.parametrize(
    ("vector", "expected"),
    [
        ([1e308, 0.0], [(0, 1.0), (3, 1.0), (1, 0.9969), (2, 0.0)]),
        ([float("nan"), 1.0], [(0, 0.5), (1, 0.5), (2, 0.5), (3, 0.5)]),
        ([float("inf"), 0.0], [(0, 0.5), (1, 0.5), (2, 0.5), (3, 0.5)]),
    ],
)
def test_huge_or_non_finite_query_vectors_rank_without_nan(
    index: Index, vector: list[float], expected: list[tuple[int, float]]
) -> None:
    """Huge components keep their direction; NaN or infinity give no direction at all."""
    assert ranked(index, vector, None) == expected


def test_a_stored_embedding_with_infinite_components_ranks_last(index: Index) -> None:
    put(index, {4: [[float("inf"), 1.0]]})
    assert ranked(index, [1.0, 0.0], BitMap([2, 4])) == [(2, 0.0), (4, 0.0)]


def test_the_matrix_is_cached_per_snapshot(index: Index) -> None:
    with index.read() as txn:
        first = v.embedder_matrix(index, txn, "e", 2)
        assert v.embedder_matrix(index, txn, "e", 2) is first
    with index.read() as txn:
        assert v.embedder_matrix(index, txn, "e", 2) is first
    put(index, {5: [[0.0, 1.0]]})
    with index.read() as txn:
        again = v.embedder_matrix(index, txn, "e", 2)
    assert again is not first
    assert again.docids.tolist() == [0, 1, 1, 2, 3, 5]


def test_vectors_view_shows_every_embedder_as_float32(index: Index) -> None:
    put(index, {7: [[0.1, 0.2]]})
    with index.read() as txn:
        assert v.vectors_view(index, txn, 7) == {
            "e": {"embeddings": [[0.1, 0.2]], "regenerate": False}
        }
        assert v.vectors_view(index, txn, 8) == {"e": {"embeddings": [], "regenerate": False}}
        document = {"_vectors": {"e": [0.1, 0.2], "other": [1]}}
        assert v.document_vectors(index, txn, 7, document) == {
            "other": [1],
            "e": {"embeddings": [[0.1, 0.2]], "regenerate": False},
        }


def test_vectors_view_is_empty_without_embedders() -> None:
    with scratch_dir() as path:
        index = Index(path, map_size=MAP_SIZE)
        with index.read() as txn:
            assert v.vectors_view(index, txn, 0) == {}
            assert v.document_vectors(index, txn, 0, {"_vectors": {"x": [1]}}) == {"x": [1]}
        index.close()
