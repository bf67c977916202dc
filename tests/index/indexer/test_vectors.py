from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index import embedding_client
from lumi.index.embedders import with_defaults
from lumi.index.index import Index
from lumi.index.indexer.build import BuildContext
from lumi.index.indexer.vectors import VectorsExtractor
from lumi.index.indexer.write import Change, DocumentWriter
from lumi.index.vectors import VectorStore, decode, documents_with_vectors
from tests.support.facets import MAP_SIZE, scratch_dir
from tests.support.fake_embedder import DIMENSIONS, FakeEmbedder, embedding
from tests.support.server import free_port


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


# ---------------------------------------------------------------- computed embeddings

TEMPLATE = "{{doc.title}}"
OWN = [float(n) for n in range(DIMENSIONS)]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeEmbedder]:
    with FakeEmbedder() as server:
        yield server


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding_client, "BACKOFF", 0.01)


def ollama(url: str, **more: Any) -> dict[str, Any]:
    config = {"source": "ollama", "url": f"{url}/api/embed", "model": "m"}
    return {"embedders": {"e": with_defaults({**config, "documentTemplate": TEMPLATE, **more})}}


def test_documents_are_embedded_from_their_rendered_template(
    index: Index, fake: FakeEmbedder
) -> None:
    settings = ollama(fake.url)
    docs = [{"id": 1, "title": "red apple"}, {"id": 2, "title": "green pear"}]
    write(index, settings, docs, rebuild=True)
    expected = {0: [embedding("red apple")], 1: [embedding("green pear")]}
    assert stored(index, "e", DIMENSIONS) == expected
    with index.read() as txn:
        store = VectorStore(index, txn)
        assert store.learned_dimensions("e") == DIMENSIONS
        assert store.generated("e") == BitMap([0, 1])


def test_unchanged_texts_cost_no_call_and_changed_ones_are_embedded_again(
    index: Index, fake: FakeEmbedder
) -> None:
    settings = ollama(fake.url)
    write(index, settings, [{"id": 1, "title": "red apple", "n": 1}], rebuild=True)
    before = len(fake.calls)
    write(index, settings, [{"id": 1, "title": "red apple", "n": 2}])
    assert len(fake.calls) == before
    write(index, settings, [{"id": 1, "title": "ripe apple"}])
    assert fake.texts()[-1] == "ripe apple"
    assert stored(index, "e", DIMENSIONS) == {0: [embedding("ripe apple")]}
    write(index, settings, [], deleted=("1",))
    assert stored(index, "e", DIMENSIONS) == {}


def test_user_vectors_are_kept_unless_regenerate_is_true(index: Index, fake: FakeEmbedder) -> None:
    settings = ollama(fake.url)
    docs = [
        {"id": 1, "title": "a", "_vectors": {"e": OWN}},
        {"id": 2, "title": "b", "_vectors": {"e": {"embeddings": None, "regenerate": False}}},
        {"id": 3, "title": "c", "_vectors": {"e": {"embeddings": [OWN], "regenerate": True}}},
    ]
    write(index, settings, docs, rebuild=True)
    assert stored(index, "e", DIMENSIONS) == {0: [OWN], 2: [embedding("c")]}
    with index.read() as txn:
        assert documents_with_vectors(index, txn, "e", "userProvided") == BitMap([0])
        assert documents_with_vectors(index, txn, "e", "regenerate") == BitMap([2])


def test_a_settings_change_embeds_the_existing_documents_again(
    index: Index, fake: FakeEmbedder
) -> None:
    write(index, {}, [{"id": 1, "title": "red apple", "body": "tart"}])
    write(index, ollama(fake.url), rebuild=True)
    assert stored(index, "e", DIMENSIONS) == {0: [embedding("red apple")]}
    write(index, ollama(fake.url, documentTemplate="{{doc.body}}"), rebuild=True)
    assert stored(index, "e", DIMENSIONS) == {0: [embedding("tart")]}


def test_a_failing_provider_fails_the_write(index: Index) -> None:
    settings = ollama(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(LumiError) as caught:
        write(index, settings, [{"id": 1, "title": "a"}], rebuild=True)
    assert caught.value.code == "vector_embedding_error"


def test_local_models_fail_only_when_something_needs_embedding(index: Index) -> None:
    config = with_defaults({"source": "huggingFace"})
    write(index, {"embedders": {"e": config}}, rebuild=True)
    with pytest.raises(LumiError) as caught:
        write(index, {"embedders": {"e": config}}, [{"id": 1, "title": "a"}])
    assert caught.value.code == "vector_embedding_error"
