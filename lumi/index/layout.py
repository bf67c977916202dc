"""The one table of an index environment's sub-databases, with their key and value codecs.

Every reader and writer names sub-databases through ``DBS`` so the on-disk layout is
declared in a single place; adding a structure means adding a row here and bumping the
format version in ``lumi.storage.env`` when old data cannot be read any more.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SubDb:
    name: str
    key: str
    value: str
    purpose: str


DBS: tuple[SubDb, ...] = (
    SubDb("main", "ascii name", "orjson", "primary key, settings, field ids, counters"),
    SubDb("documents", "u32 docid", "orjson document as sent", "stored documents"),
    SubDb("external_ids", "utf-8 external id", "u32 docid", "primary key value -> docid"),
    SubDb("word_docids", "utf-8 word", "bitmap", "documents containing a word"),
    SubDb("exact_word_docids", "utf-8 word", "bitmap", "words in attributes without typos"),
    SubDb("word_prefix_docids", "utf-8 prefix", "bitmap", "documents with a word of a prefix"),
    SubDb("word_fid_docids", "word \\0 u16 fid", "bitmap", "documents with a word in a field"),
    SubDb("word_position_docids", "word \\0 u16 bucket", "bitmap", "word at a position bucket"),
    SubDb("docid_word_positions", "u32 docid", "packed positions", "positions for proximity"),
    SubDb("facet_string_docids", "u16 fid \\0 normalized value", "bitmap", "string facets"),
    SubDb("facet_number_docids", "u16 fid + ordered f64", "bitmap", "number facets"),
    SubDb("facet_originals", "u16 fid \\0 normalized value", "utf-8 original", "facet display"),
    SubDb("field_docids", "u16 fid + kind byte", "bitmap", "exists / null / empty per field"),
    SubDb("geo", "u32 docid", "two f64", "document coordinates"),
)

NAMES: tuple[str, ...] = tuple(db.name for db in DBS)
