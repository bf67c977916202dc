from __future__ import annotations

from collections.abc import Callable

import pytest

from lumi.index.indexer.extract import position_bucket
from lumi.search.ranking.word_position import LEVEL_BUCKETS, bucket_level
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


@pytest.mark.parametrize(
    ("position", "level"),
    [
        (0, 0),
        (1, 1),
        (2, 2),
        (3, 2),
        (4, 3),
        (7, 3),
        (8, 4),
        (15, 4),
        (16, 5),
        (31, 5),
        (32, 6),
        (64, 7),
        (128, 8),
        (255, 8),
        (256, 9),
        (1023, 9),
        (1024, 10),
        (65_535, 10),
    ],
)
def test_position_levels_widen_with_the_position(position: int, level: int) -> None:
    assert bucket_level(position_bucket(position)) == level
    assert position_bucket(position) in LEVEL_BUCKETS[level]


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
    assert result.details[1]["wordPosition"]["score"] == 9 / 11  # level 2 of 0-10
    assert result.details[2]["wordPosition"]["score"] == 8 / 11  # position 7: level 3


def test_the_earliest_matching_term_counts(small_index: Make) -> None:
    built = small_index([{"id": 1, "t": "x y batman robin"}, {"id": 2, "t": "robin x y batman"}])
    built.settings({"rankingRules": ["words", "wordPosition"]})
    assert built.ids("batman robin") == [2, 1]
    assert built.ids("batman") == [1, 2]
