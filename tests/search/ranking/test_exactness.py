from __future__ import annotations

from collections.abc import Callable

from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]

DOCS = [
    {"id": 1, "title": "knights of the round table"},
    {"id": 2, "title": "knight moves"},
    {"id": 3, "title": "the knight"},
    {"id": 4, "title": "knight"},
]


def test_exact_attribute_then_start_then_exact_words(small_index: Make) -> None:
    built = small_index(DOCS)
    built.settings({"rankingRules": ["words", "exactness"]})
    result = built.search("knight", show_ranking_score_details=True)
    assert built.ids("knight") == [4, 2, 3, 1]
    assert result.details is not None
    assert [d["exactness"] for d in result.details] == [
        {"order": 1, "matchType": "exactMatch", "score": 1.0},
        {"order": 1, "matchType": "matchesStart", "score": 2 / 3},
        {
            "order": 1,
            "matchType": "noExactMatch",
            "matchingWords": 1,
            "maxMatchingWords": 1,
            "score": 1.0,
        },
        {
            "order": 1,
            "matchType": "noExactMatch",
            "matchingWords": 0,
            "maxMatchingWords": 1,
            "score": 0.5,
        },
    ]


def test_exact_words_beat_typos_and_synonyms(small_index: Make) -> None:
    built = small_index(
        [{"id": 1, "t": "a ghost story"}, {"id": 2, "t": "a spirit story"}],
        synonyms={"spirit": ["ghost"]},
        rankingRules=["words", "exactness"],
    )
    assert built.ids("spirit ") == [2, 1]
