"""A small index with facet structures only, built in-process for unit tests of filters,
facets, sorting and distinct."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lumi.index.index import Index
from lumi.index.indexer.build import EXTRACTORS, BuildContext
from lumi.index.indexer.facets import FacetExtractor
from lumi.index.indexer.write import Change, DocumentWriter

MAP_SIZE = 64 * 1024**2
# LMDB syncs every commit; on a memory file system that costs nothing.
_SHM = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@contextlib.contextmanager
def scratch_dir() -> Iterator[Path]:
    """A temporary directory, in memory when the system has ``/dev/shm``."""
    with tempfile.TemporaryDirectory(dir=_SHM) as path:
        yield Path(path)


def _no_abort() -> None:
    return None


def build_index(
    path: Path,
    settings: dict[str, Any],
    documents: Iterable[dict[str, Any]],
    *,
    words: bool = False,
) -> Index:
    """An index at ``path`` holding ``documents`` (primary key ``id``) under ``settings``;
    with ``words`` the full-text structures are built too, for tests that search ``q``."""
    index = Index(path, map_size=MAP_SIZE)
    write_documents(index, settings, documents, words=words)
    return index


def write_documents(
    index: Index,
    settings: dict[str, Any],
    documents: Iterable[dict[str, Any]] = (),
    deleted: Iterable[str] = (),
    *,
    words: bool = False,
) -> None:
    """Store ``settings``, then add or replace ``documents`` and delete ``deleted`` ids."""
    extractors = list(EXTRACTORS) if words else [FacetExtractor()]
    with index.write() as txn:
        index.set_primary_key(txn, "id")
        previous = index.settings(txn)
        index.set_settings(txn, settings)
        ctx = BuildContext(index=index, txn=txn, settings=settings, check_abort=_no_abort)
        if previous != settings:
            for extractor in extractors:
                extractor.rebuild(ctx)

        def sink(changes: list[Change]) -> None:
            for extractor in extractors:
                extractor.apply(ctx, changes)

        writer = DocumentWriter(index, txn, sink)
        for document in documents:
            writer.put(str(document["id"]), document)
        for external_id in deleted:
            writer.delete(external_id)
        writer.finish()
