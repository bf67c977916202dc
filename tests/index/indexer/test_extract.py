from __future__ import annotations

import orjson
import pytest
from pyroaring import BitMap

from lumi.index.indexer.extract import ExtractConfig, document_words, extract
from lumi.text.tokenizer import TextConfig

FIELDS = {"title": 0, "tags": 1, "info.year": 2, "flag": 3}
CONFIG = ExtractConfig(TextConfig(), FIELDS, frozenset(), prefixes=True, pairs=True)


def _keys(table: dict[bytes, bytes | int]) -> dict[bytes, list[int]]:
    """A piece's postings as docid lists (a lone docid travels as an int)."""
    return {
        key: [raw] if isinstance(raw, int) else list(BitMap.deserialize(raw))
        for key, raw in table.items()
    }


@pytest.mark.parametrize(
    ("document", "positions"),
    [
        ({"title": "The Dark Knight"}, {"the": [0], "dark": [1], "knight": [2]}),
        ({"title": "one. two"}, {"one": [0], "two": [8]}),
        ({"tags": ["a b", "c"]}, {"a": [65536], "b": [65537], "c": [65545]}),
        ({"info": {"year": 1999}}, {"1999": [131072]}),
        ({"info": {"year": -5}}, {"5": [131072]}),
        ({"flag": True}, {"true": [196608]}),
        ({"title": None, "other": "not searchable"}, {}),
        ({"title": "x" * 251}, {}),
    ],
)
def test_document_words(document: dict, positions: dict) -> None:
    assert document_words(CONFIG, document)[0] == positions


def test_stop_words_keep_their_position() -> None:
    config = ExtractConfig(
        TextConfig(stop_words=frozenset({"the"})), FIELDS, frozenset(), True, True
    )
    assert document_words(config, {"title": "the dark knight"})[0] == {"dark": [1], "knight": [2]}


def test_positions_past_the_limit_are_dropped() -> None:
    text = " ".join(["w"] * 70_000)
    positions = document_words(CONFIG, {"title": text})[0]
    assert len(positions["w"]) == 65_536


def test_delta_of_a_replacement() -> None:
    delta = extract(
        CONFIG,
        [(7, {"title": "old words"}, {"title": "new words"}), (8, {"title": "gone"}, None)],
    )
    added, removed = delta.added, delta.removed
    assert _keys(added["word_docids"]) == {b"new": [7], b"words": [7]}
    assert _keys(removed["word_docids"]) == {b"old": [7], b"words": [7], b"gone": [8]}
    assert _keys(added["word_pair_docids"]) == {b"new\0words": [7]}
    assert _keys(added["word_fid_docids"])[b"new\0\0\0"] == [7]
    assert _keys(added["word_position_docids"]) == {b"new\0\0": [7], b"words\0\1": [7]}
    assert _keys(added["field_word_count_docids"]) == {b"\0\0\2": [7]}
    assert sorted(_keys(added["word_prefix_docids"])) == [
        b"n",
        b"ne",
        b"new",
        b"w",
        b"wo",
        b"wor",
        b"word",
    ]
    assert delta.dropped == [8]
    [(docid, record)] = delta.records
    assert docid == 7
    assert orjson.loads(record) == [{"new": [0], "words": [1]}, [[0, 2]]]


def test_exact_attributes_go_to_exact_words_only() -> None:
    config = ExtractConfig(TextConfig(), FIELDS, frozenset({0}), True, True)
    delta = extract(
        config, [(1, None, {"title": "sku", "tags": "both"}), (2, None, {"title": "both"})]
    )
    assert _keys(delta.added["exact_word_docids"]) == {b"sku": [1], b"both": [2]}
    assert _keys(delta.added["word_docids"]) == {b"both": [1]}


def test_no_prefixes_or_pairs_when_disabled() -> None:
    config = ExtractConfig(TextConfig(), FIELDS, frozenset(), prefixes=False, pairs=False)
    delta = extract(config, [(1, None, {"title": "dark knight"})])
    assert delta.added["word_prefix_docids"] == {}
    assert delta.added["word_pair_docids"] == {}
