"""Reading the word structures during one search, each posting list at most once.

Every getter returns a ``BitMap`` that callers must not modify (they are cached). When the
search is restricted to some fields (``attributesToSearchOn``), word postings come from
``word_fid_docids`` for those fields only.
"""

from __future__ import annotations

from typing import Any

import orjson
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.storage import codecs
from lumi.storage.env import Txn

_EMPTY = BitMap()
_deserialize = BitMap.deserialize


class PostingReader:
    """Cached access to one snapshot's word structures."""

    def __init__(self, index: Index, txn: Txn, fids: tuple[int, ...] | None) -> None:
        self.txn = txn
        self.fids = fids  # None: every field
        db = index.db
        self._word = db["word_docids"]
        self._exact = db["exact_word_docids"]
        self._prefix = db["word_prefix_docids"]
        self._fid = db["word_fid_docids"]
        self._position = db["word_position_docids"]
        self._pair = db["word_pair_docids"]
        self._count = db["field_word_count_docids"]
        self._records = db["docid_word_positions"]
        self._cache: dict[Any, BitMap] = {}

    def _get(self, key: bytes, db: Any) -> BitMap:
        raw = self.txn.get(key, db=db)
        return _EMPTY if raw is None else _deserialize(raw)

    def word(self, word: str, typo: bool = False) -> BitMap:
        """Documents containing ``word``; a typo derivation only counts in typo-tolerant
        fields (``word_docids``), an exact one in every field."""
        key = ("w", word, typo)
        found = self._cache.get(key)
        if found is None:
            if self.fids is not None:
                found = self._restricted(word, typo)
            else:
                raw = word.encode()
                found = self._get(raw, self._word)
                if not typo:
                    exact = self._get(raw, self._exact)
                    if exact:
                        found = found | exact
            self._cache[key] = found
        return found

    def _restricted(self, word: str, typo: bool) -> BitMap:
        assert self.fids is not None
        base = word.encode() + b"\0"
        found = BitMap()
        for fid in self.fids:
            found |= self._get(base + fid.to_bytes(2, "big"), self._fid)
        if typo and found:
            found &= self._get(word.encode(), self._word)
        return found

    def frequency(self, word: str) -> int:
        """A cheap frequency estimate: the serialized size of the word's postings."""
        raw = self.txn.get(word.encode(), db=self._word)
        return 0 if raw is None else len(raw)

    def prefix(self, prefix: str) -> BitMap:
        """Documents with a word starting with ``prefix`` (1-4 characters, all fields)."""
        key = ("p", prefix)
        found = self._cache.get(key)
        if found is None:
            found = self._get(prefix.encode(), self._prefix)
            self._cache[key] = found
        return found

    def in_field(self, word: str, fid: int) -> BitMap:
        key = ("f", word, fid)
        found = self._cache.get(key)
        if found is None:
            found = self._get(word.encode() + b"\0" + fid.to_bytes(2, "big"), self._fid)
            self._cache[key] = found
        return found

    def at_bucket(self, word: str, bucket: int) -> BitMap:
        """Documents whose best position of ``word`` falls in ``bucket``."""
        key = ("b", word, bucket)
        found = self._cache.get(key)
        if found is None:
            found = self._get(word.encode() + b"\0" + bytes((bucket,)), self._position)
            self._cache[key] = found
        return found

    def pair(self, first: str, second: str) -> BitMap:
        """Documents where ``second`` directly follows ``first`` in a field."""
        key = ("2", first, second)
        found = self._cache.get(key)
        if found is None:
            found = self._get(first.encode() + b"\0" + second.encode(), self._pair)
            self._cache[key] = found
        return found

    def field_count(self, fid: int, count: int) -> BitMap:
        key = ("c", fid, count)
        found = self._cache.get(key)
        if found is None:
            found = self._get(fid.to_bytes(2, "big") + bytes((count,)), self._count)
            self._cache[key] = found
        return found

    def record(self, docid: int) -> tuple[dict[str, list[int]], list[list[int]]]:
        """A document's ``{word: [fid << 16 | position]}`` and ``[[fid, word count]]``."""
        raw = self.txn.get(codecs.u32(docid), db=self._records)
        if raw is None:
            return {}, []
        positions, counts = orjson.loads(raw)
        return positions, counts
