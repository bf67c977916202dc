"""Merging posting deltas into LMDB: the single-writer half of building the word structures.

A ``PostingBuffer`` folds the deltas of a batch's pieces, in the order their documents were
changed, into one pending change per key, then ``write`` merges each key into LMDB once:
``stored - removed | added``; a key left empty is deleted. Merging once per key rather than
once per piece is what keeps large additions fast: frequent words and short prefixes have
large posting lists that would otherwise be read, decoded and rewritten for every piece.
Keys are read and written in sorted order, through one ``getmulti`` and one ``putmulti``
call per sub-database. New and vanished ``word_docids`` keys are reported so the
reversed-word dictionary (used for typo search) follows the word dictionary exactly.

Position records (one per document) are not buffered: ``fold`` writes them at once, in
order, so a document changed in several pieces ends with its last record.
"""

from __future__ import annotations

import struct
from typing import Any, cast

import lmdb
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.index.indexer.extract import Delta
from lumi.storage import codecs
from lumi.storage.env import Txn

_deserialize = BitMap.deserialize
# Rough bytes a buffered key costs besides its serialized postings (dict slot, object
# headers, a decoded bitmap's allocations): the buffer's size estimate, compared with its
# budget.
_KEY_COST = 160
# A key's pending postings: as a piece gave them (a lone docid or a serialized bitmap) while
# they come from one piece; from the second piece on, a ``BitMap`` the later pieces are
# or-ed into. None of these is tracked by the garbage collector, which matters with millions
# of keys.
Pending = dict[bytes, int | bytes | BitMap]
_SINGLE = struct.Struct("<IIHHIH")


class PostingBuffer:
    """Pending additions and removals per structure and key, for one index transaction."""

    __slots__ = ("added", "removed", "size")

    def __init__(self) -> None:
        self.added: dict[str, Pending] = {}
        self.removed: dict[str, dict[bytes, BitMap]] = {}
        self.size = 0  # estimated bytes held

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def fold(self, index: Index, txn: Txn, delta: Delta) -> None:
        """Add the effect of ``delta`` (a piece changed after everything folded so far).

        Applying ``(R1, A1)`` then ``(R2, A2)`` to a stored set ``S`` gives
        ``S - (R1 | R2) | (A1 - R2) | A2``, which is what the buffer keeps.
        """
        _write_records(index, txn, delta)
        self.size += delta.size
        for name, table in delta.removed.items():
            if table:
                self._fold_removed(name, table)
        for name, table in delta.added.items():
            if table:
                self._fold_added(name, table)

    def _fold_removed(self, name: str, table: dict[bytes, bytes | int]) -> None:
        added = self.added.get(name, {})
        removed = self.removed.setdefault(name, {})
        for key, raw in table.items():
            bitmap = _decoded(raw)
            pending = added.get(key)
            if pending is not None:
                added[key] = _decoded(pending) - bitmap
            known = removed.get(key)
            if known is None:
                removed[key] = bitmap
                self.size += _KEY_COST
            else:
                known |= bitmap

    def _fold_added(self, name: str, table: dict[bytes, bytes | int]) -> None:
        added = self.added.get(name)
        if not added:
            # The delta is ours now and never read as a delta again, so its table can hold
            # the merged ``BitMap`` values of later pieces.
            self.added[name] = cast(Pending, table)
            self.size += _KEY_COST * len(table)
            return
        # Keys new to the buffer go in with one C-level update; only the keys it already
        # holds cost Python work.
        merged: Pending = {}
        for key in added.keys() & table.keys():
            # ``Any``: the single ``type()`` per key below picks the conversion to a
            # ``BitMap``, which mypy cannot follow through ``kind``.
            known: Any = added[key]
            kind = type(known)
            if kind is int:
                known = BitMap((known,))
            elif kind is bytes:
                known = _deserialize(known)
            raw = table[key]
            if isinstance(raw, int):
                known.add(raw)
            else:
                known |= _deserialize(raw)
            merged[key] = known
        added.update(table)
        added.update(merged)
        self.size += _KEY_COST * (len(table) - len(merged))

    def write(self, index: Index, txn: Txn) -> None:
        """Merge every pending key into LMDB, then forget them."""
        for name in sorted(self.added.keys() | self.removed.keys()):
            added = self.added.get(name, {})
            removed = self.removed.get(name, {})
            if not added and not removed:
                continue
            created, emptied = _merge(txn, index.db[name], added, removed)
            if name == "word_docids":
                _follow_dictionary(txn, index.db["reversed_words"], created, emptied)
        self.added = {}
        self.removed = {}
        self.size = 0


# ``_decoded`` and ``_encoded`` pick the branch with one ``type()`` call, which mypy cannot
# narrow through: the ignores mark the branches it cannot follow.
def _decoded(pending: int | bytes | BitMap) -> BitMap:
    kind = type(pending)
    if kind is int:
        return BitMap((pending,))  # type: ignore[arg-type]
    if kind is bytes:
        return _deserialize(pending)  # type: ignore[arg-type]
    return pending  # type: ignore[return-value]


def _single(docid: int) -> bytes:
    """``BitMap((docid,)).serialize()`` without building the bitmap: the portable format's
    cookie (no run containers), one container, its high 16 bits and cardinality - 1, the
    offset of its data, then the low 16 bits."""
    return _SINGLE.pack(12346, 1, docid >> 16, 0, 16, docid & 0xFFFF)


def _encoded(pending: int | bytes | BitMap) -> bytes:
    kind = type(pending)
    if kind is int:
        return _single(pending)  # type: ignore[arg-type]
    if kind is bytes:
        return pending  # type: ignore[return-value]
    return pending.serialize()  # type: ignore[union-attr]


def _write_records(index: Index, txn: Txn, delta: Delta) -> None:
    records_db = index.db["docid_word_positions"]
    for docid in delta.dropped:
        txn.delete(codecs.u32(docid), db=records_db)
    if delta.records:
        records = sorted((codecs.u32(docid), record) for docid, record in delta.records)
        txn.cursor(db=records_db).putmulti(records)


def _merge(
    txn: Txn, db: lmdb._Database, added: Pending, removed: dict[bytes, BitMap]
) -> tuple[list[bytes], list[bytes]]:
    """Merge into one sub-database; returns the keys created and the keys emptied."""
    cursor = txn.cursor(db=db)
    if not removed and txn.stat(db)["entries"] == 0:  # a first import: nothing to read
        keys = sorted(added)
        cursor.putmulti([(key, _encoded(added[key])) for key in keys], append=True)
        return keys, []
    created: list[bytes] = []
    emptied: list[bytes] = []
    writes: list[tuple[bytes, bytes]] = []
    if not removed:  # additions only: the bulk case
        keys = sorted(added)
        stored_values = dict(cursor.getmulti(keys))
        for key in keys:
            stored = stored_values.get(key)
            if stored is None:
                writes.append((key, _encoded(added[key])))
                created.append(key)
            else:
                merged = _deserialize(stored)
                merged |= _decoded(added[key])
                writes.append((key, merged.serialize()))
    else:
        keys = sorted(added.keys() | removed.keys())
        stored_values = dict(cursor.getmulti(keys))
        for key in keys:
            stored = stored_values.get(key)
            fresh = added.get(key)
            result = BitMap() if stored is None else _deserialize(stored)
            gone = removed.get(key)
            if gone is not None:
                result -= gone
            if fresh is not None:
                result |= _decoded(fresh)
            if result:
                if stored is None:
                    created.append(key)
                writes.append((key, codecs.bitmap_bytes(result)))
            elif stored is not None:
                emptied.append(key)
    if writes:
        cursor.putmulti(writes)
    for key in emptied:
        txn.delete(key, db=db)
    return created, emptied


def _follow_dictionary(
    txn: Txn, db: lmdb._Database, created: list[bytes], emptied: list[bytes]
) -> None:
    for key in emptied:
        txn.delete(key.decode()[::-1].encode(), db=db)
    if created:
        reversed_keys = sorted(key.decode()[::-1].encode() for key in created)
        txn.cursor(db=db).putmulti([(key, b"") for key in reversed_keys])
