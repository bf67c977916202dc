from __future__ import annotations

from collections.abc import Callable

import pytest

from lumi.search.ranking import proximity
from lumi.search.ranking.spans import pair_cost
from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]

DOCS = [
    {"id": 1, "t": "new york pizza"},
    {"id": 2, "t": "new restaurant in york with pizza"},
    {"id": 3, "t": "york new pizza"},
    {"id": 4, "t": "new. york pizza"},
    {"id": 5, "t": "new one york pizza"},
]


@pytest.mark.parametrize(
    ("left", "right", "cost"),
    [
        ([(0, 0)], [(1, 1)], 0),  # adjacent, in order
        ([(0, 0)], [(2, 2)], 1),
        ([(0, 0)], [(3, 3)], 2),
        ([(0, 0)], [(7, 7)], 6),
        ([(0, 0)], [(8, 8)], 7),  # capped from distance 8 on
        ([(0, 0)], [(40, 40)], 7),
        ([(1, 1)], [(0, 0)], 1),  # reversed: distance 2
        ([(0, 0)], [(1 << 16 | 1, 1 << 16 | 1)], 7),  # another field
        ([(0, 0), (5, 5)], [(6, 6)], 0),  # closest pair wins
        ([(0, 2)], [(3, 3)], 0),  # a phrase ends right before
    ],
)
def test_pair_cost(left: list, right: list, cost: int) -> None:
    assert pair_cost(left, right) == cost


def test_closer_terms_first(small_index: Make) -> None:
    built = small_index(DOCS)
    result = built.search("new york", show_ranking_score_details=True)
    assert built.ids("new york") == [1, 3, 5, 2, 4]
    assert result.details is not None
    assert [d["proximity"]["score"] for d in result.details] == [1.0, 0.875, 0.875, 0.75, 0.125]


def test_large_buckets_use_adjacent_pairs(small_index: Make, monkeypatch) -> None:
    monkeypatch.setattr(proximity, "SCAN_LIMIT", 0)
    built = small_index(DOCS)
    ids = built.ids("new york")
    assert ids[0] == 1
    assert sorted(ids[1:]) == [2, 3, 4, 5]


def test_by_attribute_precision(small_index: Make) -> None:
    built = small_index(
        [{"id": 1, "a": "new", "b": "york"}, {"id": 2, "a": "new far away york"}],
        proximityPrecision="byAttribute",
    )
    result = built.search("new york", show_ranking_score_details=True)
    assert built.ids("new york") == [2, 1]
    assert result.details is not None
    assert [d["proximity"]["score"] for d in result.details] == [1.0, 0.125]
