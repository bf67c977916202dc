"""Small indexes built in a temporary directory, for the indexer, search and ranking tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lumi.index.index import Index
from lumi.index.indexer.build import BuildContext, apply_changes, rebuild
from lumi.index.indexer.write import DocumentWriter
from lumi.index.settings import apply_patch, settings_diff
from lumi.search.pipeline import EngineQuery, EngineResult, search


class SmallIndex:
    """An index with helpers to add documents, change settings and search by title."""

    def __init__(self, path: Path) -> None:
        self.index = Index(path, map_size=64 * 1024**2)

    def add(self, documents: list[dict[str, Any]], key: str = "id") -> None:
        with self.index.write() as txn:
            ctx = BuildContext(self.index, txn, self.index.settings(txn), lambda: None)
            writer = DocumentWriter(self.index, txn, lambda changes: apply_changes(ctx, changes))
            for document in documents:
                writer.put(str(document[key]), document)
            writer.finish()

    def delete(self, ids: list[str]) -> None:
        with self.index.write() as txn:
            ctx = BuildContext(self.index, txn, self.index.settings(txn), lambda: None)
            writer = DocumentWriter(self.index, txn, lambda changes: apply_changes(ctx, changes))
            for external in ids:
                writer.delete(external)
            writer.finish()

    def settings(self, patch: dict[str, Any]) -> None:
        with self.index.write() as txn:
            old = self.index.settings(txn)
            new = apply_patch(old, patch)
            self.index.set_settings(txn, new)
            if settings_diff(old, new).reindex_words:
                rebuild(BuildContext(self.index, txn, new, lambda: None), {"words"})

    def search(self, q: str | None, **options: Any) -> EngineResult:
        with self.index.read() as txn:
            return search(self.index, txn, EngineQuery(q=q, **options))

    def ids(self, q: str | None, **options: Any) -> list[Any]:
        """External ids of the hits (the `id` field), best first."""
        result = self.search(q, **options)
        with self.index.read() as txn:
            return [self.index.document(txn, docid)["id"] for docid in result.docids]


@pytest.fixture
def small_index(tmp_path: Path) -> Iterator[Callable[..., SmallIndex]]:
    """``small_index(documents, **settings)`` builds an index (closed after the test)."""
    made: list[SmallIndex] = []

    def make(documents: list[dict[str, Any]] | None = None, **settings: Any) -> SmallIndex:
        built = SmallIndex(tmp_path / f"index{len(made)}")
        made.append(built)
        if settings:
            built.settings(settings)
        if documents:
            built.add(documents)
        return built

    yield make
    for built in made:
        built.index.close()
