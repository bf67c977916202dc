from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.index.indexer import words
from lumi.index.indexer.build import BuildContext, apply_changes, finish_changes, rebuild
from lumi.index.indexer.words import OWNED
from lumi.index.indexer.write import DocumentWriter
from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]


def _dump(built: SmallIndex) -> dict[str, dict[bytes, Any]]:
    """Every word structure, bitmaps decoded, for comparisons."""
    out: dict[str, dict[bytes, Any]] = {}
    with built.index.read() as txn:
        for name in OWNED:
            table = {}
            for key, value in txn.cursor(db=built.index.db[name]):
                decoded = value
                if name not in ("docid_word_positions", "reversed_words"):
                    decoded = list(BitMap.deserialize(value))
                table[key] = decoded
            out[name] = table
    return out


def _rebuilt(built: SmallIndex) -> dict[str, dict[bytes, Any]]:
    with built.index.write() as txn:
        settings = built.index.settings(txn)
        rebuild(BuildContext(built.index, txn, settings, lambda: None), {"words"})
    return _dump(built)


def test_incremental_changes_equal_a_rebuild(small_index: Make) -> None:
    built = small_index(
        [
            {"id": 1, "title": "dark knight", "tags": ["hero", "night"]},
            {"id": 2, "title": "knight rider"},
            {"id": 3, "title": "the dark crystal"},
        ]
    )
    built.add([{"id": 2, "title": "car show"}, {"id": 4, "title": "dark matter"}])
    built.delete(["3"])
    incremental = _dump(built)
    assert incremental == _rebuilt(built)
    assert b"rider" not in incremental["word_docids"]
    assert b"redir" not in incremental["reversed_words"]
    assert b"crystal" not in incremental["word_docids"]


def test_a_replaced_document_never_matches_its_old_words(small_index: Make) -> None:
    built = small_index([{"id": 1, "t": "alpha beta"}, {"id": 2, "t": "alpha"}])
    built.add([{"id": 1, "t": "gamma"}])
    assert built.ids("beta ") == []
    assert built.ids("alpha ") == [2]
    assert built.ids("gamma ") == [1]
    assert built.ids('"alpha beta"') == []


def test_deleted_documents_never_match(small_index: Make) -> None:
    built = small_index([{"id": 1, "t": "alpha"}, {"id": 2, "t": "alphabet"}])
    built.delete(["1"])
    assert built.ids("alph") == [2]
    assert built.ids("alpha ") == []


def test_settings_changes_rebuild(small_index: Make) -> None:
    built = small_index([{"id": 1, "a": "the wall", "b": "brick"}])
    built.settings({"stopWords": ["the"]})
    assert b"the" not in _dump(built)["word_docids"]
    assert built.ids("the wall") == [1]
    built.settings({"searchableAttributes": ["b"]})
    assert built.ids("wall ") == []
    assert built.ids("brick ") == [1]
    assert _dump(built) == _rebuilt(built)


def test_prefix_search_disabled_builds_no_prefixes(small_index: Make) -> None:
    built = small_index([{"id": 1, "t": "python"}], prefixSearch="disabled")
    assert _dump(built)["word_prefix_docids"] == {}
    assert built.ids("pyth") == []
    assert built.ids("python") == [1]


def test_parallel_extraction_matches_inline(
    small_index: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = [{"id": i, "t": f"word{i % 7} common text{i % 3}"} for i in range(60)]
    inline = small_index(documents)
    monkeypatch.setattr(words, "_PARALLEL_FROM", 10)
    parallel = SmallIndex(Path(inline.index.path).with_name("parallel"))
    with parallel.index.write() as txn:
        ctx = BuildContext(parallel.index, txn, {}, lambda: None, max_workers=2)
        words.WordsExtractor().apply(ctx, [(i, None, d) for i, d in enumerate(documents)])
    assert _dump(parallel) == _dump(inline)
    parallel.index.close()


def test_a_document_changed_twice_in_one_batch(small_index: Make) -> None:
    built = small_index([{"id": 1, "t": "first"}])
    built.add([{"id": 1, "t": "second"}, {"id": 1, "t": "third"}, {"id": 2, "t": "second"}])
    assert built.ids("first ") == []
    assert built.ids("second ") == [2]
    assert built.ids("third ") == [1]
    assert _dump(built) == _rebuilt(built)


def _build(
    path: Path,
    operations: list[tuple[str, dict | str]],
    *,
    deferred: bool,
    chunk: int,
    workers: int,
) -> SmallIndex:
    """Apply ``("put", document)`` / ``("delete", id)`` operations in one transaction, handing
    the changes over every ``chunk`` operations, as the scheduler does."""
    built = SmallIndex(path)
    with built.index.write() as txn:
        ctx = BuildContext(
            built.index, txn, {}, lambda: None, max_workers=workers, deferred=deferred
        )
        writer = DocumentWriter(built.index, txn, lambda changes: apply_changes(ctx, changes))
        for count, (kind, value) in enumerate(operations, 1):
            if kind == "put":
                assert isinstance(value, dict)
                writer.put(str(value["id"]), value)
            else:
                writer.delete(str(value))
            if count % chunk == 0:
                writer.flush()
        writer.finish()
        finish_changes(ctx)
    return built


OPERATIONS: list[tuple[str, dict | str]] = [
    *(("put", {"id": i, "t": f"word{i % 7} common text{i % 3}", "n": i}) for i in range(40)),
    ("put", {"id": 3, "t": "replaced entirely"}),
    ("delete", "5"),
    ("put", {"id": 10, "t": "word1 changed"}),
    ("put", {"id": 40, "t": "fresh document"}),  # reuses the freed internal id of 5
    ("put", {"id": 3, "t": "replaced twice"}),
    ("delete", "11"),
    ("put", {"id": 11, "t": "back again"}),
]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("cap", [None, 1], ids=["one merge", "merged as it goes"])
def test_a_deferred_batch_equals_applying_it_chunk_by_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, cap: int | None
) -> None:
    """Pieces gathered across chunks, extracted in parallel and merged once (or whenever the
    buffer outgrows its budget) give the very structures of one merge per chunk."""
    monkeypatch.setattr(words, "_PIECE", 4)
    monkeypatch.setattr(words, "_PARALLEL_FROM", 2)
    if cap is not None:
        monkeypatch.setattr(words, "_BUFFER_CAP", cap)
    stepwise = _build(tmp_path / "stepwise", OPERATIONS, deferred=False, chunk=6, workers=1)
    deferred = _build(tmp_path / "deferred", OPERATIONS, deferred=True, chunk=6, workers=workers)
    expected = _dump(stepwise)
    assert _dump(deferred) == expected
    assert expected == _rebuilt(stepwise)
    assert deferred.ids("replaced ") == [3]
    assert deferred.ids("entirely ") == []
    assert deferred.ids("fresh ") == [40]
    stepwise.index.close()
    deferred.index.close()


def test_deferred_changes_are_written_by_finish(tmp_path: Path) -> None:
    built = SmallIndex(tmp_path / "index")
    with built.index.write() as txn:
        ctx = BuildContext(built.index, txn, {}, lambda: None, deferred=True)
        apply_changes(ctx, [(0, None, {"id": 1, "t": "pending"})])
        assert txn.get(b"pending", db=built.index.db["word_docids"]) is None
        finish_changes(ctx)
        assert list(BitMap.deserialize(txn.get(b"pending", db=built.index.db["word_docids"]))) == [
            0
        ]
        assert ctx.pending == {}
    built.index.close()
