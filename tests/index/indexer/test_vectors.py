from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.indexer.build import BuildContext
from lumi.index.indexer.vectors import VectorsExtractor
from lumi.index.indexer.write import Change, DocumentWriter
from lumi.index.vectors import VectorStore, decode
from tests.support.facets import MAP_SIZE, scratch_dir


def embedders(**dims: int) -> dict[str, Any]:
    return {
        "embedders": {name: {"source": "userProvided", "dimensions": d} for name, d in dims.items()}
    }


@pytest.fixture
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        index = Index(path, map_size=MAP_SIZE)
        with index.write() as txn:
            index.set_primary_key(txn, "id")
        yield index
        index.close()


def write(
    index: Index,
    settings: dict[str, Any],
    documents: Sequence[dict[str, Any]] = (),
    deleted: tuple[str, ...] = (),
    *,
    rebuild: bool = False,
) -> None:
    extractor = VectorsExtractor()
    with index.write() as txn:
        index.set_settings(txn, settings)
        ctx = BuildContext(index=index, txn=txn, settings=settings, check_abort=lambda: None)
        if rebuild:
            extractor.rebuild(ctx)

        def sink(changes: list[Change]) -> None:
            extractor.apply(ctx, changes)

        writer = DocumentWriter(index, txn, sink)
        for document in documents:
            writer.put(str(document["id"]), document)
        for external_id in deleted:
            writer.delete(external_id)
        writer.finish()


def stored(index: Index, name: str, dims: int) -> dict[int, list[list[float]]]:
    with index.read() as txn:
        store = VectorStore(index, txn)
        rows = {docid: decode(raw, dims).tolist() for docid, raw in store.rows(name)}
        assert store.docids(name) == BitMap(rows)
        return rows


def test_additions_updates_and_deletions_keep_rows_exact(index: Index) -> None:
    settings = embedders(a=2, b=1)
    write(
        index,
        settings,
        [
            {"id": 1, "_vectors": {"a": [1, 2], "b": [[3], [4]]}},
            {"id": 2, "_vectors": {"a": {"embeddings": [5, 6], "regenerate": False}}},
            {"id": 3, "title": "none"},
        ],
        rebuild=True,
    )
    assert stored(index, "a", 2) == {0: [[1.0, 2.0]], 1: [[5.0, 6.0]]}
    assert stored(index, "b", 1) == {0: [[3.0], [4.0]]}
    write(index, settings, [{"id": 1, "_vectors": {"a": [7, 8]}}, {"id": 3, "_vectors": None}])
    assert stored(index, "a", 2) == {0: [[7.0, 8.0]], 1: [[5.0, 6.0]]}
    assert stored(index, "b", 1) == {}
    write(index, settings, deleted=("2",))
    assert stored(index, "a", 2) == {0: [[7.0, 8.0]]}


def test_nothing_is_stored_without_embedders(index: Index) -> None:
    write(index, {}, [{"id": 1, "_vectors": {"a": [1, 2]}}])
    assert stored(index, "a", 2) == {}


def test_rebuild_reads_existing_documents_and_drops_removed_embedders(index: Index) -> None:
    write(index, {}, [{"id": 1, "_vectors": {"a": [1, 2]}}, {"id": 2, "_vectors": {"a": [3, 4]}}])
    write(index, embedders(a=2), rebuild=True)
    assert stored(index, "a", 2) == {0: [[1.0, 2.0]], 1: [[3.0, 4.0]]}
    write(index, {}, rebuild=True)
    assert stored(index, "a", 2) == {}
    with index.read() as txn:
        assert VectorStore(index, txn).configs() == {}


def test_rebuild_with_new_dimensions_refuses_documents_that_do_not_fit(index: Index) -> None:
    write(index, embedders(a=2), [{"id": 1, "_vectors": {"a": [1, 2]}}], rebuild=True)
    with pytest.raises(LumiError) as caught:
        write(index, embedders(a=3), rebuild=True)
    assert caught.value.code == "invalid_vector_dimensions"
    assert stored(index, "a", 2) == {0: [[1.0, 2.0]]}  # the failed write left nothing


def test_rebuild_keeps_embedders_whose_shape_did_not_change(index: Index) -> None:
    write(index, embedders(a=2), [{"id": 1, "_vectors": {"a": [1, 2]}}], rebuild=True)
    with index.write() as txn:  # rows the rebuild must not touch
        VectorStore(index, txn).put("a", 0, b"\x00" * 8)
    write(index, embedders(a=2, b=1), rebuild=True)
    assert stored(index, "a", 2) == {0: [[0.0, 0.0]]}
