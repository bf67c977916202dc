"""Keeping each document's embeddings (``lumi.index.vectors``) in step with its ``_vectors``.

Document changes rewrite the rows of the embedders whose ``_vectors`` entry changed. After an
``embedders`` settings change, ``rebuild`` compares every embedder with the (source,
dimensions) its rows were stored for: the rows of a removed or reshaped embedder are dropped,
and a new or reshaped one reads every document's entry again, so an embedder added to an
index whose documents already carry its vectors finds them. A document whose entry does not
fit the new dimensions fails that rebuild (and so the batch). With no embedder configured a
batch costs nothing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyroaring import BitMap

from lumi.index.documents import document_id
from lumi.index.indexer.build import BuildContext
from lumi.index.indexer.write import Change
from lumi.index.vectors import VectorStore, encode, parse_entry

REBUILD_CHUNK = 10_000  # documents read between two cancelation checks
_MISSING = object()


class VectorsExtractor:
    family = "vectors"

    def apply(self, ctx: BuildContext, changes: Sequence[Change]) -> None:
        embedders = ctx.settings.get("embedders")
        if not embedders:
            return
        store = VectorStore(ctx.index, ctx.txn)
        key = ctx.index.primary_key(ctx.txn)
        for name, config in embedders.items():
            dims = config["dimensions"]
            docids = store.docids(name)
            touched = False
            for docid, old, new in changes:
                entry = _entry(new, name)
                if entry == _entry(old, name):
                    continue
                touched = True
                rows = b""
                if entry is not _MISSING:
                    rows = encode(parse_entry(entry, name, dims, _id(new, key)))
                store.put(name, docid, rows)
                if rows:
                    docids.add(docid)
                else:
                    docids.discard(docid)
            if touched:
                store.set_docids(name, docids)

    def finish(self, ctx: BuildContext) -> None:
        """Every ``apply`` completes its work."""

    def rebuild(self, ctx: BuildContext) -> None:
        store = VectorStore(ctx.index, ctx.txn)
        wanted = {
            name: (config["source"], config["dimensions"])
            for name, config in ctx.settings.get("embedders", {}).items()
        }
        built = store.configs()
        for name, config in built.items():
            if wanted.get(name) != config:
                store.drop(name)
        fresh = {name: config for name, config in wanted.items() if built.get(name) != config}
        if fresh:
            self._read_all(ctx, store, fresh)

    def _read_all(
        self, ctx: BuildContext, store: VectorStore, fresh: dict[str, tuple[str, int]]
    ) -> None:
        """Store the rows of the ``fresh`` embedders from every document."""
        key = ctx.index.primary_key(ctx.txn)
        found = {name: BitMap() for name in fresh}
        for count, (docid, document) in enumerate(ctx.index.iter_documents(ctx.txn), 1):
            vectors = document.get("_vectors")
            if type(vectors) is dict:
                for name, (_source, dims) in fresh.items():
                    if name in vectors:
                        rows = parse_entry(vectors[name], name, dims, _id(document, key))
                        if rows:
                            store.put(name, docid, encode(rows))
                            found[name].add(docid)
            if count % REBUILD_CHUNK == 0:
                ctx.check_abort()
        for name, config in fresh.items():
            store.set_docids(name, found[name])
            store.set_config(name, config)


def _entry(document: dict[str, Any] | None, name: str) -> Any:
    """The ``_vectors`` entry of ``name`` in ``document``, ``_MISSING`` when there is none."""
    if document is None:
        return _MISSING
    vectors = document.get("_vectors")
    if type(vectors) is not dict:
        return _MISSING
    return vectors.get(name, _MISSING)


def _id(document: dict[str, Any] | None, key: str | None) -> str:
    """The document's id for messages (its primary key value)."""
    if document is None or key is None:
        return ""
    return document_id(document, key)
