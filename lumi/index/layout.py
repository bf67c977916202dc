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
    SubDb("word_docids", "utf-8 word", "bitmap", "documents with a word (typo-tolerant fields)"),
    SubDb("exact_word_docids", "utf-8 word", "bitmap", "words in attributes without typos"),
    SubDb("word_prefix_docids", "utf-8 prefix (1-4 chars)", "bitmap", "documents by word prefix"),
    SubDb("word_fid_docids", "word \\0 u16 fid", "bitmap", "documents with a word in a field"),
    SubDb("word_position_docids", "word \\0 u8 bucket", "bitmap", "best position bucket of a word"),
    SubDb("word_pair_docids", "word \\0 word", "bitmap", "second word right after the first"),
    SubDb("field_word_count_docids", "u16 fid + u8 count", "bitmap", "fields with n words"),
    SubDb("docid_word_positions", "u32 docid", "orjson positions", "positions for proximity"),
    SubDb("reversed_words", "utf-8 reversed word", "empty", "typo dictionary read backwards"),
    SubDb("facet_string_docids", "path \\0 normalized value", "bitmap", "string facets"),
    SubDb("facet_number_docids", "path \\0 level + ordered f64 prefix", "bitmap", "number facets"),
    SubDb("docid_facet_values", "path \\0 u32 docid", "orjson values", "facet values per doc"),
    SubDb("field_docids", "path \\0 kind byte", "bitmap", "exists / null / empty per field"),
    SubDb("geo", "p + u32 docid | a/o + level + f64", "two f64 | bitmap", "coordinates"),
    SubDb("vectors", "embedder \\0 u32 docid", "f32 little-endian", "a document's embeddings"),
    SubDb("vector_docids", "utf-8 embedder", "bitmap", "documents with embeddings"),
    SubDb("vector_configs", "utf-8 embedder", "orjson [source, dims]", "what vectors follow"),
)

NAMES: tuple[str, ...] = tuple(db.name for db in DBS)
