"""Merging posting deltas into LMDB: the single-writer half of building the word structures.

The deltas of a batch's pieces (one per worker) are combined first, then each key is
written once: ``stored - removed | added``; a key left empty is deleted. Keys are read and
written in sorted order, through one ``getmulti`` and one ``putmulti`` call per
sub-database. New and vanished ``word_docids`` keys are reported so the reversed-word
dictionary (used for typo search) follows the word dictionary exactly.
"""

from __future__ import annotations

import lmdb
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.index.indexer.extract import Delta, Postings
from lumi.storage import codecs

_deserialize = BitMap.deserialize
Table = dict[bytes, bytes]


def write_deltas(index: Index, txn: lmdb.Transaction, deltas: list[Delta]) -> None:
    """Apply ``deltas`` (of disjoint sets of documents) to every word structure."""
    delta = deltas[0]
    for other in deltas[1:]:
        _combine(delta.added, other.added)
        _combine(delta.removed, other.removed)
        delta.records.extend(other.records)
        delta.dropped.extend(other.dropped)
    for name in sorted(delta.added.keys() | delta.removed.keys()):
        added = delta.added.get(name, {})
        removed = delta.removed.get(name, {})
        if not added and not removed:
            continue
        created, emptied = _merge(txn, index.db[name], added, removed)
        if name == "word_docids":
            _follow_dictionary(txn, index.db["reversed_words"], created, emptied)
    records_db = index.db["docid_word_positions"]
    for docid in delta.dropped:
        txn.delete(codecs.u32(docid), db=records_db)
    if delta.records:
        records = sorted((codecs.u32(docid), record) for docid, record in delta.records)
        txn.cursor(db=records_db).putmulti(records)


def _combine(into: Postings, other: Postings) -> None:
    """Fold a piece's postings into another's; only keys both have cost bitmap work."""
    for name, table in other.items():
        target = into.get(name)
        if not target:
            into[name] = table
            continue
        for key, raw in table.items():
            mine = target.get(key)
            target[key] = (
                raw if mine is None else (_deserialize(mine) | _deserialize(raw)).serialize()
            )


def _merge(
    txn: lmdb.Transaction, db: lmdb._Database, added: Table, removed: Table
) -> tuple[list[bytes], list[bytes]]:
    """Merge into one sub-database; returns the keys created and the keys emptied."""
    created: list[bytes] = []
    emptied: list[bytes] = []
    writes: list[tuple[bytes, bytes]] = []
    cursor = txn.cursor(db=db)
    if not removed:  # additions only: the bulk case
        keys = sorted(added)
        stored_values = dict(cursor.getmulti(keys))
        for key in keys:
            stored = stored_values.get(key)
            if stored is None:
                writes.append((key, added[key]))
                created.append(key)
            else:
                writes.append((key, (_deserialize(stored) | _deserialize(added[key])).serialize()))
    else:
        keys = sorted(added.keys() | removed.keys())
        stored_values = dict(cursor.getmulti(keys))
        for key in keys:
            stored = stored_values.get(key)
            fresh = added.get(key)
            result = BitMap() if stored is None else _deserialize(stored)
            result -= _deserialize(removed[key]) if key in removed else BitMap()
            if fresh is not None:
                result |= _deserialize(fresh)
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
    txn: lmdb.Transaction, db: lmdb._Database, created: list[bytes], emptied: list[bytes]
) -> None:
    for key in emptied:
        txn.delete(key.decode()[::-1].encode(), db=db)
    for key in created:
        txn.put(key.decode()[::-1].encode(), b"", db=db)
