from __future__ import annotations

import pytest

from lumi.search.query.parse import ParsedQuery, QueryPhrase, QueryWord, parse_query
from lumi.text.tokenizer import TextConfig, tokenizer_for

TOKENIZER = tokenizer_for(TextConfig(stop_words=frozenset({"the", "of"})))
W, P = QueryWord, QueryPhrase


@pytest.mark.parametrize(
    ("q", "terms", "negative_words", "negative_phrases"),
    [
        ("batman dark knight", (W("batman"), W("dark"), W("knight", True)), (), ()),
        ("batman ", (W("batman"),), (), ()),
        ("batman,", (W("batman"),), (), ()),
        ("Café CRÈME", (W("cafe"), W("creme", True)), (), ()),
        ('"dark knight" returns', (P(("dark", "knight")), W("returns", True)), (), ()),
        ('"dark knight', (P(("dark", "knight")),), (), ()),
        ('"dark. knight"', (P(("dark",)), P(("knight",))), (), ()),
        ('"lord of the rings"', (P(("lord", None, None, "rings")),), (), ()),
        ('"the lord"', (P(("lord",)),), (), ()),
        ("-batman robin", (W("robin", True),), ("batman",), ()),
        ('robin -"dark knight"', (W("robin"),), (), (P(("dark", "knight")),)),
        ("co-op", (W("co"), W("op", True)), (), ()),
        ("the lord of the rings", (W("lord"), W("rings", True)), (), ()),
        ("lord of the", (W("lord"), W("the", True)), (), ()),
        ("lord of the ", (W("lord"),), (), ()),
        ("", (), (), ()),
        ("   ", (), (), ()),
    ],
)
def test_parse(q: str, terms: tuple, negative_words: tuple, negative_phrases: tuple) -> None:
    assert parse_query(q, TOKENIZER) == ParsedQuery(terms, negative_words, negative_phrases)


def test_only_the_first_ten_words_count() -> None:
    q = "a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12"
    parsed = parse_query(q, TOKENIZER)
    assert [t.text for t in parsed.terms] == [f"a{i}" for i in range(1, 11)]
    assert not any(t.prefix for t in parsed.terms)  # the query goes on after the tenth


def test_prefix_search_disabled_makes_no_prefix() -> None:
    assert parse_query("batman", TOKENIZER, prefix_search=False).terms == (W("batman"),)
