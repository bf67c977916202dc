from __future__ import annotations

from collections.abc import Callable

from lumi.index.indexer.extract import position_bucket
from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]


def test_position_buckets() -> None:
    assert [position_bucket(p) for p in (0, 1, 15, 16, 31, 32, 64, 65_535)] == [
        0,
        1,
        15,
        16,
        16,
        17,
        18,
        27,
    ]


def test_earlier_matches_first(small_index: Make) -> None:
    built = small_index(
        [
            {"id": 1, "t": "one two three four five six seven target"},
            {"id": 2, "t": "target first"},
            {"id": 3, "t": "a b target"},
        ]
    )
    result = built.search("target", show_ranking_score_details=True)
    assert built.ids("target") == [2, 3, 1]
    assert result.details is not None
    assert result.details[0]["wordPosition"] == {"order": 4, "score": 1.0}
    assert result.details[1]["wordPosition"]["score"] == 26 / 28


def test_the_earliest_matching_term_counts(small_index: Make) -> None:
    built = small_index([{"id": 1, "t": "x y batman robin"}, {"id": 2, "t": "robin x y batman"}])
    built.settings({"rankingRules": ["words", "wordPosition"]})
    assert built.ids("batman robin") == [2, 1]
    assert built.ids("batman") == [1, 2]
