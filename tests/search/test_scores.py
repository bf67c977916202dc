from __future__ import annotations

import pytest

from lumi.search.ranking.base import ScoreDetail
from lumi.search.scores import details_view, global_score

WORDS = ScoreDetail("words", 2, 3, {"matchingWords": 2, "maxMatchingWords": 3})
TYPO = ScoreDetail("typo", 2, 2, {"typoCount": 0, "maxTypoCount": 1})
SORT = ScoreDetail("price:asc", None, fields={"value": 12})
EXACT = ScoreDetail(
    "exactness",
    2,
    3,
    {"matchType": "noExactMatch", "matchingWords": 1, "maxMatchingWords": 2},
    parts=((1, 3), (2, 3)),
)


@pytest.mark.parametrize(
    ("details", "score"),
    [
        ([], 1.0),
        ([WORDS], 2 / 3),
        ([WORDS, TYPO], 4 / 6),
        ([WORDS, SORT, TYPO], 4 / 6),
        ([ScoreDetail("typo", 1, 2), WORDS], 2 / 6),
        ([EXACT], 2 / 9),
    ],
)
def test_global_score(details: list[ScoreDetail], score: float) -> None:
    assert global_score(details) == pytest.approx(score)


def test_details_view() -> None:
    assert details_view([WORDS, SORT, EXACT]) == {
        "words": {"order": 0, "matchingWords": 2, "maxMatchingWords": 3, "score": 2 / 3},
        "price:asc": {"order": 1, "value": 12},
        "exactness": {
            "order": 2,
            "matchType": "noExactMatch",
            "matchingWords": 1,
            "maxMatchingWords": 2,
            "score": 2 / 3,
        },
    }
