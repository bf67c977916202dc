"""Merging posting deltas into LMDB: the single-writer half of building the word structures.

Pieces of a batch extracted by different workers are combined first; then each key is
written once: ``stored - removed | added``; a key left empty is
deleted. Keys are visited in sorted order
so LMDB touches its pages in sequence. New and vanished ``word_docids`` keys are reported so
the reversed-word dictionary (used for typo search) follows the word dictionary exactly.
"""

from __future__ import annotations

import lmdb
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.index.indexer.extract import Delta, Postings
from lumi.storage import codecs

_deserialize = BitMap.deserialize


def combine_deltas(deltas: list[Delta]) -> Delta:
    """One delta for several pieces of a batch (each document is in one piece)."""
    first = deltas[0]
    for delta in deltas[1:]:
        _combine(first.added, delta.added)
        _combine(first.removed, delta.removed)
        first.records.extend(delta.records)
        first.dropped.extend(delta.dropped)
    return first


def _combine(into: Postings, other: Postings) -> None:
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


def write_delta(index: Index, txn: lmdb.Transaction, delta: Delta) -> None:
    """Apply ``delta`` to every word structure of ``index`` inside ``txn``."""
    for name in delta.added.keys() | delta.removed.keys():
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
    for docid, record in sorted(delta.records):
        txn.put(codecs.u32(docid), record, db=records_db)


def _merge(
    txn: lmdb.Transaction,
    db: lmdb._Database,
    added: dict[bytes, bytes],
    removed: dict[bytes, bytes],
) -> tuple[list[bytes], list[bytes]]:
    """Merge into one sub-database; returns the keys created and the keys emptied. Reads
    and writes go through one ``getmulti`` and one ``putmulti`` call."""
    created: list[bytes] = []
    emptied: list[bytes] = []
    writes: list[tuple[bytes, bytes]] = []
    keys = sorted(added.keys() | removed.keys()) if removed else sorted(added)
    cursor = txn.cursor(db=db)
    stored_values = dict(cursor.getmulti(keys))
    for key in keys:
        stored = stored_values.get(key)
        gone = removed.get(key) if removed else None
        fresh = added.get(key)
        if stored is None:
            if fresh is None:
                continue
            if gone is not None:
                result = _deserialize(fresh) - _deserialize(gone)
                if not result:
                    continue
                fresh = result.serialize()
            writes.append((key, fresh))
            created.append(key)
            continue
        result = _deserialize(stored)
        if gone is not None:
            result -= _deserialize(gone)
        if fresh is not None:
            result |= _deserialize(fresh)
        if result:
            writes.append((key, codecs.bitmap_bytes(result) if gone else result.serialize()))
        else:
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
