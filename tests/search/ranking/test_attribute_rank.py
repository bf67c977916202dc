from __future__ import annotations

from collections.abc import Callable

from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]

DOCS = [
    {"id": 1, "title": "nothing", "overview": "belgium"},
    {"id": 2, "title": "belgium", "overview": "nothing"},
    {"id": 3, "title": "x", "overview": "y", "extra": {"note": "belgium"}},
]


def test_all_fields_weigh_the_same_with_star(small_index: Make) -> None:
    built = small_index(DOCS)
    result = built.search("belgium", show_ranking_score_details=True)
    assert result.details is not None
    assert {d["attributeRank"]["score"] for d in result.details} == {1.0}


def test_earlier_searchable_attributes_rank_higher(small_index: Make) -> None:
    built = small_index(DOCS, searchableAttributes=["title", "extra", "overview"])
    result = built.search("belgium", show_ranking_score_details=True)
    assert built.ids("belgium") == [2, 3, 1]
    assert result.details is not None
    assert [round(d["attributeRank"]["score"], 4) for d in result.details] == [1.0, 0.6667, 0.3333]


def test_reordering_searchable_attributes_reorders_results(small_index: Make) -> None:
    built = small_index(DOCS, searchableAttributes=["title", "overview"])
    assert built.ids("belgium") == [2, 1]
    built.settings({"searchableAttributes": ["overview", "title"]})
    assert built.ids("belgium") == [1, 2]
