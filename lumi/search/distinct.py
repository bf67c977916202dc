"""Distinct: at most one document per value of the distinct attribute.

The attribute is the ``distinct`` search parameter, else the ``distinctAttribute`` setting.
Documents are visited best-ranked first; the first one holding a value is kept and every
other document sharing any of its values (arrays share when one element is common) is
dropped from then on. Documents without a value for the attribute are always kept. Within
one ranking bucket, documents come in document id order, so ties go to the lowest id.
"""

from __future__ import annotations

from typing import Any

from pyroaring import BitMap

from lumi.index.facet_store import FacetReader, normalize
from lumi.index.index import Index
from lumi.storage.env import Txn


def distinct_attribute(settings: dict[str, Any], requested: str | None) -> str | None:
    """The attribute in force: the search parameter wins over the setting."""
    return requested if requested is not None else settings.get("distinctAttribute")


class Distinct:
    """The distinct hook of one search (``lumi.search.ranking.base.DistinctHook``)."""

    def __init__(self, index: Index, txn: Txn, field: str) -> None:
        self.index = index
        self.txn = txn
        self.reader = FacetReader(index, txn)
        self.field = field
        self.dropped = BitMap()

    def __call__(self, bucket: BitMap) -> BitMap:
        """The documents of ``bucket`` to keep; the others are dropped for good."""
        kept = BitMap()
        dropped = self.dropped
        for docid in bucket - dropped:
            if docid in dropped:
                continue
            kept.add(docid)
            self._drop_sharing(docid)
        return kept

    def reduce(self, candidates: BitMap) -> BitMap:
        """``candidates`` as distinct leaves them when visited in document id order (a
        search without ranking), for exhaustive counts and facet counts; the documents this
        hook already dropped play no part."""
        return Distinct(self.index, self.txn, self.field)(candidates)

    def _drop_sharing(self, docid: int) -> None:
        reader, field = self.reader, self.field
        for value in reader.document_values(field, docid):
            if type(value) is float:
                self.dropped |= reader.number_docids(field, value)
            else:
                self.dropped |= reader.string_docids(field, normalize(value))
