from __future__ import annotations

from collections.abc import Callable

import pytest

from lumi.search.query.dictionary import WordDictionary
from tests.search.word_index import SmallIndex

WORDS = (
    "saturday sunday request requests reqwests django djangocms flask flasks kubernetes "
    "kubernetse visualization vizualization visualisation tensorflow numpy numba "
    "requirements requirement batman"
)


@pytest.fixture
def dictionary(small_index: Callable[..., SmallIndex]) -> WordDictionary:
    built = small_index([{"id": 1, "text": WORDS}])
    txn = built.index.read()
    return WordDictionary(built.index, txn)


@pytest.mark.parametrize(
    ("word", "budget", "one", "two"),
    [
        ("satuday", 1, ["saturday"], []),  # deletion
        ("saturdy", 1, ["saturday"], []),
        ("satruday", 1, ["saturday"], []),  # swap counts as one typo
        ("saturdax", 1, ["saturday"], []),  # substitution
        ("sutuday", 1, [], []),  # two typos with a one-typo budget
        ("caturday", 1, [], []),  # first letter changed
        ("caturday", 2, [], ["saturday"]),  # first letter changed: two typos
        ("reqests", 1, ["requests", "reqwests"], []),
        ("reqests", 2, ["requests", "reqwests"], ["request"]),
        ("kubernetes", 2, ["kubernetse"], []),
        ("vizualisation", 2, ["visualisation", "vizualization"], ["visualization"]),
        ("requirments", 2, ["requirements"], ["requirement"]),
        ("tensorflwo", 2, ["tensorflow"], []),
        ("tesnorflwo", 2, [], ["tensorflow"]),
        ("tnesorflow", 2, ["tensorflow"], []),
        ("djanog", 0, [], []),
        ("zzzzzz", 2, [], []),
    ],
)
def test_typo_derivations(
    dictionary: WordDictionary, word: str, budget: int, one: list[str], two: list[str]
) -> None:
    assert dictionary.typos(word, budget) == (one, two)


def test_prefix_typos_are_prefixes_of_words(dictionary: WordDictionary) -> None:
    one, two = dictionary.typos("djnago", 1, prefix=True)
    assert one == ["django"]  # a swap: every word starting with `django` matches
    assert two == []


def test_prefixed_words(dictionary: WordDictionary) -> None:
    assert dictionary.prefixed("req") == [
        "request",
        "requests",
        "requirement",
        "requirements",
        "reqwests",
    ]
    assert dictionary.prefixed("flask") == ["flask", "flasks"]
    assert dictionary.prefixed("zz") == []


def test_contains(dictionary: WordDictionary) -> None:
    assert dictionary.contains("batman")
    assert not dictionary.contains("batma")
