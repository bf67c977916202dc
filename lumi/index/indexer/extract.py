"""From documents to posting deltas: the CPU-bound half of building the word structures.

``extract`` runs in worker processes (or inline for small batches). It turns the old and
new versions of changed documents into, for every word structure, the documents to add
to and to remove from each key (serialized roaring bitmaps, or a bare docid for a key with
one document), plus the per-document position records. The parent merges those into LMDB
(``postings``); keeping this module free of LMDB lets any process run it.

What a document contributes (only its searchable fields, flattened to dot paths):

- every word (tokenizer index form; stop words and over-long words are left out but keep
  their position) -> ``word`` (or ``exact_word`` for ``disableOnAttributes`` fields),
  ``word_fid`` (per field), ``word_position`` (the word's best position bucket),
  ``word_prefix`` (its 1-4 character prefixes, when prefix search is on);
- each pair of words at consecutive positions of one field -> ``word_pair`` (when
  proximity is computed by word);
- per field, its number of words (up to ``MAX_COUNTED_WORDS``) -> ``field_word_count``;
- a position record ``[{word: [fid << 16 | position, ...]}, [[fid, words], ...]]``.

Numbers and booleans are indexed as their text. Values of an array follow each other with
a gap of 8 positions, like a hard separator. Positions past 65 535 in a field are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pyroaring import BitMap

from lumi.gc_tuning import collector_paused
from lumi.index.fields import flatten
from lumi.text.tokenizer import HARD_DISTANCE, TextConfig, tokenizer_for

MAX_POSITION = 65_535
PREFIX_LENGTH = 4  # word_prefix_docids holds every prefix of 1 to 4 characters
MAX_COUNTED_WORDS = 15  # field_word_count_docids only tells fields of up to 15 words
STRUCTURES = (
    "word_docids",
    "exact_word_docids",
    "word_prefix_docids",
    "word_fid_docids",
    "word_position_docids",
    "word_pair_docids",
    "field_word_count_docids",
)


def position_bucket(position: int) -> int:
    """Positions 0-15 are kept exact, later ones grouped by powers of two (16-31 → 16...)."""
    return position if position < 16 else 11 + position.bit_length()


@dataclass(frozen=True, slots=True)
class ExtractConfig:
    """The settings-derived inputs of extraction (picklable, sent to workers)."""

    text: TextConfig
    fields: dict[str, int]  # searchable dot path -> field id
    exact_fids: frozenset[int]
    prefixes: bool  # prefixSearch is indexingTime
    pairs: bool  # proximityPrecision is byWord


# structure -> key -> its documents: a serialized bitmap, or the docid itself when it is the
# only one, as it is for most keys of a piece (which spares encoding and decoding a bitmap).
Postings = dict[str, dict[bytes, bytes | int]]


@dataclass(slots=True)
class Delta:
    """What a set of document changes does to the word structures."""

    added: Postings
    removed: Postings
    records: list[tuple[int, bytes]]  # position records to write
    dropped: list[int]  # documents whose position record goes away
    size: int = 0  # bytes of the serialized bitmaps of ``added`` and ``removed``


class _Collector:
    """Per-structure ``key -> [docid, ...]`` lists for one side (added or removed)."""

    __slots__ = ("counts", "exact", "fid", "pair", "position", "word")

    def __init__(self) -> None:
        self.word: dict[str, list[int]] = {}
        self.exact: dict[str, list[int]] = {}
        self.fid: dict[tuple[str, int], list[int]] = {}
        self.position: dict[tuple[str, int], list[int]] = {}
        self.pair: dict[tuple[str, str], list[int]] = {}
        self.counts: dict[tuple[int, int], list[int]] = {}

    def postings(self, config: ExtractConfig) -> Postings:
        out: Postings = {
            "word_docids": _serialize({w.encode(): d for w, d in self.word.items()}),
            "exact_word_docids": _serialize({w.encode(): d for w, d in self.exact.items()}),
            "word_fid_docids": _serialize(
                {w.encode() + b"\0" + f.to_bytes(2, "big"): d for (w, f), d in self.fid.items()}
            ),
            "word_position_docids": _serialize(
                {w.encode() + b"\0" + bytes((b,)): d for (w, b), d in self.position.items()}
            ),
            "word_pair_docids": _serialize(
                {a.encode() + b"\0" + b.encode(): d for (a, b), d in self.pair.items()}
            ),
            "field_word_count_docids": _serialize(
                {f.to_bytes(2, "big") + bytes((n,)): d for (f, n), d in self.counts.items()}
            ),
            "word_prefix_docids": {},
        }
        if config.prefixes:
            out["word_prefix_docids"] = _serialize(self._prefixes())
        return out

    def _prefixes(self) -> dict[bytes, list[int]]:
        found: dict[str, list[int]] = {}
        for table in (self.word, self.exact):
            for word, docids in table.items():
                for size in range(1, min(PREFIX_LENGTH, len(word)) + 1):
                    prefix = word[:size]
                    bucket = found.get(prefix)
                    if bucket is None:
                        found[prefix] = list(docids)
                    else:
                        bucket.extend(docids)
        return {prefix.encode(): docids for prefix, docids in found.items()}


def _serialize(table: dict[bytes, list[int]]) -> dict[bytes, bytes | int]:
    return {
        key: docids[0] if len(docids) == 1 else BitMap(docids).serialize()
        for key, docids in table.items()
    }


def _size(postings: Postings) -> int:
    return sum(len(v) for table in postings.values() for v in table.values() if type(v) is bytes)


def extract(config: ExtractConfig, changes: list[tuple[int, Any, Any]]) -> Delta:
    """The delta of ``changes`` (docid, old document or None, new document or None)."""
    added, removed = _Collector(), _Collector()
    words = tokenizer_for(config.text).words
    records: list[tuple[int, bytes]] = []
    dropped: list[int] = []
    with collector_paused():
        for docid, old, new in changes:
            if old is not None:
                _document(config, docid, old, removed, words)
            if new is not None:
                records.append((docid, _document(config, docid, new, added, words)))
            else:
                dropped.append(docid)
        plus, minus = added.postings(config), removed.postings(config)
    return Delta(plus, minus, records, dropped, _size(plus) + _size(minus))


def _text_of(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return str(value)
    return None


def document_words(
    config: ExtractConfig,
    document: dict,
    pairs: set[tuple[str, str]] | None = None,
    words: Callable[[str], list[tuple[str, int]]] | None = None,
) -> tuple[dict[str, list[int]], list[list[int]]]:
    """``{word: [fid << 16 | position, ...]}`` and ``[[fid, word count], ...]`` of a document;
    adds the pairs of words at consecutive positions to ``pairs`` when given. ``words`` is
    the tokenizer's ``words`` for ``config.text`` (looked up when not given)."""
    if words is None:
        words = tokenizer_for(config.text).words
    plain_numbers = not config.text.stop_words
    fields = config.fields
    positions: dict[str, list[int]] = {}
    known_word = positions.get
    add_pair = pairs.add if pairs is not None else None
    counts: list[list[int]] = []
    found: list[tuple[str, int]] | None
    for path, values in _leaves(document):
        fid = fields.get(path)
        if fid is None:
            continue
        base = fid << 16
        offset = 0
        total = 0
        for value in values:
            kind = type(value)
            if kind is str:
                found = words(value)
            elif plain_numbers and kind is int:
                found = [(str(value if value >= 0 else -value), 0)]
            else:
                text = _text_of(value)
                found = words(text) if text is not None else None
            if not found:
                continue
            previous = ""
            last = -2
            for word, position in found:
                position += offset
                if position > MAX_POSITION:
                    break
                known = known_word(word)
                if known is None:
                    positions[word] = [base | position]
                else:
                    known.append(base | position)
                if position == last + 1 and add_pair is not None:
                    add_pair((previous, word))
                previous = word
                last = position
                total += 1
            offset = found[-1][1] + offset + HARD_DISTANCE
        if total:
            counts.append([fid, total])
    return positions, counts


def _leaves(document: dict) -> Iterable[tuple[str, Sequence[Any]]]:
    """``flatten(document).items()``, with a shortcut for flat documents (the common case)."""
    for value in document.values():
        kind = type(value)
        if kind is dict or kind is list:
            return flatten(document).items()
    return [(key, (value,)) for key, value in document.items()]


def _document(
    config: ExtractConfig,
    docid: int,
    document: dict,
    out: _Collector,
    words: Callable[[str], list[tuple[str, int]]],
) -> bytes:
    """Add one document's postings to ``out``; return its position record. The appends are
    written out in full: this runs for every word of every document."""
    pairs: set[tuple[str, str]] | None = set() if config.pairs else None
    positions, counts = document_words(config, document, pairs, words)
    exact_fids = config.exact_fids
    word_table, fid_table, position_table = out.word, out.fid, out.position
    word_get, fid_get, position_get = word_table.get, fid_table.get, position_table.get
    for word, packed in positions.items():
        if len(packed) == 1:  # most words occur once in a document
            first = packed[0]
            fid = first >> 16
            best = first & 0xFFFF
            if exact_fids and fid in exact_fids:
                _append(out.exact, word, docid)
            else:
                known = word_get(word)
                if known is None:
                    word_table[word] = [docid]
                else:
                    known.append(docid)
            key: Any = (word, fid)
            known = fid_get(key)
            if known is None:
                fid_table[key] = [docid]
            else:
                known.append(docid)
        else:
            fids = {p >> 16 for p in packed}
            best = min([p & 0xFFFF for p in packed])
            if exact_fids and not exact_fids.isdisjoint(fids):
                _append(out.exact, word, docid)
            if not exact_fids or not exact_fids.issuperset(fids):
                _append(word_table, word, docid)
            for fid in fids:
                _append(fid_table, (word, fid), docid)
        key = (word, best if best < 16 else 11 + best.bit_length())
        known = position_get(key)
        if known is None:
            position_table[key] = [docid]
        else:
            known.append(docid)
    if pairs:
        pair_table = out.pair
        pair_get = pair_table.get
        for pair in pairs:
            known = pair_get(pair)
            if known is None:
                pair_table[pair] = [docid]
            else:
                known.append(docid)
    for fid, total in counts:
        if total <= MAX_COUNTED_WORDS:
            _append(out.counts, (fid, total), docid)
    return orjson.dumps([positions, counts])


def _append(table: dict[Any, list[int]], key: Any, docid: int) -> None:
    known = table.get(key)
    if known is None:
        table[key] = [docid]
    else:
        known.append(docid)
