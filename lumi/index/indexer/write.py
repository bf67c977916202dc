"""Applying document changes to an index inside one write transaction.

``DocumentWriter`` is the single place where documents enter or leave an index: it keeps
the documents store, the external-id map, the set of used document ids, the field-id map
and the field distribution consistent, and hands every change (old version, new version)
to the search-structure builder so postings never point at replaced or deleted documents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
from pyroaring import BitMap

from lumi.index.fields import field_names
from lumi.index.index import Index
from lumi.storage import codecs
from lumi.storage.env import Txn

# (docid, old document or None, new document or None) for every change of a batch.
Change = tuple[int, dict[str, Any] | None, dict[str, Any] | None]
ChangeSink = Callable[[list[Change]], None]


class DocumentWriter:
    """Accumulates document puts and deletions, then writes them in ``finish``."""

    def __init__(self, index: Index, txn: Txn, sink: ChangeSink | None = None) -> None:
        self.index = index
        self.txn = txn
        self.sink = sink
        self.docids = index.docids(txn)
        self.fields = index.fields(txn)
        self.distribution = Counter(index.field_distribution(txn))
        self._free: list[int] | None = None
        self._changes: list[Change] = []
        self._docs_db = index.db["documents"]
        self._ids_db = index.db["external_ids"]

    def existing(self, external_id: str) -> tuple[int, dict[str, Any]] | None:
        """The stored (or already written in this batch) document with this id."""
        docid = self.index.docid(self.txn, external_id)
        if docid is None:
            return None
        doc = self.index.document(self.txn, docid)
        return None if doc is None else (docid, doc)

    def put(self, external_id: str, document: dict[str, Any]) -> None:
        """Add or replace the document with this external id."""
        found = self.existing(external_id)
        if found is None:
            docid = self._allocate()
            old = None
            self.txn.put(external_id.encode(), codecs.u32(docid), db=self._ids_db)
            self.docids.add(docid)
        else:
            docid, old = found
            self._count(old, -1)
        self.txn.put(codecs.u32(docid), orjson.dumps(document), db=self._docs_db)
        self._count(document, +1)
        self._changes.append((docid, old, document))

    def delete(self, external_id: str) -> bool:
        """Remove the document with this id; False when there was none."""
        found = self.existing(external_id)
        if found is None:
            return False
        docid, old = found
        self.txn.delete(external_id.encode(), db=self._ids_db)
        self.txn.delete(codecs.u32(docid), db=self._docs_db)
        self.docids.discard(docid)
        self._count(old, -1)
        self._changes.append((docid, old, None))
        return True

    def delete_docids(self, docids: BitMap, primary_key: str, id_of: Callable[..., str]) -> int:
        """Remove documents by internal id (deletion by filter)."""
        count = 0
        for docid in list(docids):
            doc = self.index.document(self.txn, docid)
            if doc is not None and self.delete(id_of(doc, primary_key)):
                count += 1
        return count

    def flush(self) -> None:
        """Hand the accumulated changes to the search-structure builder."""
        if self.sink is not None and self._changes:
            self.sink(self._changes)
        self._changes = []

    def finish(self) -> None:
        self.flush()
        self.index.set_docids(self.txn, self.docids)
        self.index.set_fields(self.txn, self.fields)
        self.index.set_field_distribution(
            self.txn, {name: n for name, n in sorted(self.distribution.items()) if n > 0}
        )

    @property
    def pending(self) -> int:
        return len(self._changes)

    def _count(self, document: dict[str, Any], delta: int) -> None:
        for name in field_names(document):
            self.distribution[name] += delta
            if name not in self.fields:
                self.fields[name] = len(self.fields)

    def _allocate(self) -> int:
        """The smallest unused document id, as Meilisearch reuses freed ids."""
        if self._free is None:
            top = self.docids.max() + 1 if self.docids else 0
            self._free = sorted(BitMap(range(top)) - self.docids, reverse=True)
        if self._free:
            return self._free.pop()
        return self.docids.max() + 1 if self.docids else 0
