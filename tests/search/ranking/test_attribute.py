from __future__ import annotations

from collections.abc import Callable

from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]


def test_legacy_attribute_rule_fuses_rank_and_position(small_index: Make) -> None:
    built = small_index(
        [
            {"id": 1, "title": "x y target", "body": "z"},
            {"id": 2, "title": "z", "body": "target"},
            {"id": 3, "title": "target", "body": "z"},
        ],
        searchableAttributes=["title", "body"],
        rankingRules=["words", "attribute"],
    )
    result = built.search("target", show_ranking_score_details=True)
    assert built.ids("target") == [3, 1, 2]
    assert result.details is not None
    first = result.details[0]["attribute"]
    assert first == {
        "order": 1,
        "attributeRankingOrderScore": 1.0,
        "queryWordDistanceScore": 1.0,
        "score": 1.0,
    }
    assert result.details[2]["attribute"]["attributeRankingOrderScore"] == 0.5
