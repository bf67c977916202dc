from __future__ import annotations

from collections.abc import Callable

import pytest
from pyroaring import BitMap

from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail
from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]

BOOKS = [
    {"id": 1, "title": "The Dark Knight", "text": "batman fights crime in gotham"},
    {"id": 2, "title": "Dark Places", "text": "a knight in a dark forest"},
    {"id": 3, "title": "Knight Rider", "text": "a talking car"},
    {"id": 4, "title": "Gotham Stories", "text": "crime fiction"},
    {"id": 5, "title": "Newspaper Tales", "text": "news paper stories"},
]


@pytest.fixture
def books(small_index: Make) -> SmallIndex:
    return small_index(BOOKS)


@pytest.mark.parametrize(
    ("q", "ids"),
    [
        ("dark knight", [1, 2]),
        ("knight dark", [1, 2, 3]),
        ('"dark knight"', [1]),
        ('"knight dark"', []),
        ("dark -knight", []),
        ("dark -rider", [2, 1]),
        ('knight -"dark knight"', [3, 2]),
        ("gotham", [4, 1]),
        ("goth", [4, 1]),
        ("gothm", [4, 1]),
        ("gothm ", [4, 1]),
        ("newspaper", [5]),
        ("news paper", [5]),
        ("zzz", []),
    ],
)
def test_queries(books: SmallIndex, q: str, ids: list[int]) -> None:
    assert books.ids(q) == ids


def test_placeholder_returns_every_document_in_docid_order(books: SmallIndex) -> None:
    assert books.ids(None) == [1, 2, 3, 4, 5]
    assert books.ids("", offset=1, limit=2) == [2, 3]
    assert books.ids("", universe=BitMap([1, 3])) == [2, 4]


def test_universe_restricts_results(books: SmallIndex) -> None:
    assert books.ids("dark knight", universe=BitMap([1, 2])) == [2]


def test_candidates_count_every_match(books: SmallIndex) -> None:
    result = books.search("knight", limit=1)
    assert len(result.docids) == 1
    assert set(result.candidates) == {0, 1, 2}


@pytest.mark.parametrize(
    ("strategy", "ids"),
    [("last", [2, 1, 4]), ("all", [2]), ("frequency", [2, 3])],
)
def test_matching_strategy(small_index: Make, strategy: str, ids: list[int]) -> None:
    built = small_index(
        [
            {"id": 1, "t": "red apple"},
            {"id": 2, "t": "red apple pie"},
            {"id": 3, "t": "apple pie pie"},
            {"id": 4, "t": "red car"},
            {"id": 5, "t": "red bike"},
        ]
    )
    assert built.ids("red apple pie", matching_strategy=strategy)[:3] == ids


def test_attributes_to_search_on(books: SmallIndex) -> None:
    assert books.ids("knight", attributes_to_search_on=["title"]) == [3, 1]
    assert books.ids("knight", attributes_to_search_on=["text"]) == [2]


def test_synonyms_are_one_way(small_index: Make) -> None:
    built = small_index(
        [{"id": 1, "t": "iphone case"}, {"id": 2, "t": "phone case"}],
        synonyms={"phone": ["iphone"]},
    )
    assert built.ids("phone") == [2, 1]
    assert built.ids("iphone ") == [1]


def test_multi_word_synonyms(small_index: Make) -> None:
    built = small_index(
        [{"id": 1, "t": "san francisco bay"}, {"id": 2, "t": "sf giants"}],
        synonyms={"sf": ["san francisco"], "san francisco": ["sf"]},
    )
    assert built.ids("sf ") == [2, 1]
    assert sorted(built.ids("san francisco ")) == [1, 2]


def test_stop_words_are_not_indexed(small_index: Make) -> None:
    built = small_index([{"id": 1, "t": "the wall"}, {"id": 2, "t": "a wall"}], stopWords=["the"])
    assert built.ids("the") == []
    assert built.ids("the wall") == [1, 2]


def test_ranking_score_and_details(books: SmallIndex) -> None:
    result = books.search("knight rider", show_ranking_score=True, show_ranking_score_details=True)
    assert result.scores is not None and result.details is not None
    assert result.scores[0] == 1.0
    assert list(result.details[0]) == [
        "words",
        "typo",
        "proximity",
        "attributeRank",
        "wordPosition",
        "exactness",
    ]
    assert result.details[0]["words"] == {
        "order": 0,
        "matchingWords": 2,
        "maxMatchingWords": 2,
        "score": 1.0,
    }
    assert result.details[0]["exactness"] == {"order": 5, "matchType": "exactMatch", "score": 1.0}
    assert result.scores == sorted(result.scores, reverse=True)


def test_ranking_score_threshold_drops_hits_and_candidates(books: SmallIndex) -> None:
    every = books.search("dark knight", show_ranking_score=True)
    assert every.scores is not None
    threshold = every.scores[0] - 1e-9
    kept = books.search("dark knight", ranking_score_threshold=threshold)
    assert kept.docids == every.docids[:1]
    assert len(kept.candidates) == 1


def test_words_is_forced_before_text_rules(books: SmallIndex) -> None:
    books.settings({"rankingRules": ["typo", "words"]})
    result = books.search("dark knight", show_ranking_score_details=True)
    assert result.details is not None
    assert list(result.details[0]) == ["words", "typo"]


def test_all_strategy_leaves_out_words(books: SmallIndex) -> None:
    result = books.search("dark knight", matching_strategy="all", show_ranking_score_details=True)
    assert result.details is not None and "words" not in result.details[0]


class _ByParity(RankingRule):
    """Odd document ids first, then even: a stand-in for an injected sort rule."""

    id = "parity:asc"

    def start(self, ctx: RankingContext, universe: BitMap, query: object) -> None:
        self.step = 0

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        while self.step < 2:
            parity = self.step
            self.step += 1
            docs = BitMap(d for d in universe if d % 2 != parity)
            if docs:
                return Bucket(docs, ScoreDetail(self.id, None, fields={"value": parity}))
        return None


def test_extra_rules_are_placed_where_ranking_rules_list_them(books: SmallIndex) -> None:
    books.settings({"rankingRules": ["parity:asc", "words"]})
    assert books.ids(None, extra_rules={"parity:asc": _ByParity}) == [2, 4, 1, 3, 5]
    result = books.search(
        "knight", extra_rules={"parity:asc": _ByParity}, show_ranking_score_details=True
    )
    assert result.details is not None
    assert result.details[0]["parity:asc"] == {"order": 0, "value": 0}


def test_distinct_hook_sees_buckets_in_order(books: SmallIndex) -> None:
    seen: list[list[int]] = []

    def keep_first_two(bucket: BitMap) -> BitMap:
        seen.append(list(bucket))
        return BitMap(list(bucket)[:1])

    books.ids("dark knight", distinct=keep_first_two)
    assert seen[0] == [0]


def test_matching_words_for_highlighting(books: SmallIndex) -> None:
    words = books.search("gothm knig").matching_words
    assert words.matches("gotham") == (0, 6)
    assert words.matches("knight") == (1, 4)
    assert words.matches("car") is None


def test_zero_cutoff_still_answers(books: SmallIndex) -> None:
    result = books.search("dark knight", cutoff_ms=0)
    assert sorted(result.docids) == [0, 1]
    assert result.degraded


def test_exhaustive_count_leaves_out_every_document_below_the_threshold(
    books: SmallIndex,
) -> None:
    every = books.search("knight", show_ranking_score=True)
    assert every.scores is not None and len(every.scores) == 3
    threshold = every.scores[1] - 1e-9
    page = books.search("knight", limit=1, ranking_score_threshold=threshold)
    exact = books.search(
        "knight", limit=1, ranking_score_threshold=threshold, exhaustive_count=True
    )
    assert page.docids == exact.docids == every.docids[:1]
    assert len(exact.candidates) == 2
    assert len(page.candidates) >= len(exact.candidates)
