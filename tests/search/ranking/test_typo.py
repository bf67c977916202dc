from __future__ import annotations

from collections.abc import Callable

from tests.search.word_index import SmallIndex

Make = Callable[..., SmallIndex]


def test_fewer_typos_first_and_details(small_index: Make) -> None:
    built = small_index(
        [{"id": 1, "t": "saturday sunday"}, {"id": 2, "t": "satuday"}, {"id": 3, "t": "sturday"}]
    )
    result = built.search("satuday ", show_ranking_score_details=True)
    assert result.details is not None
    assert [d["typo"]["typoCount"] for d in result.details] == [0, 1]
    assert result.details[0]["typo"] == {
        "order": 1,
        "typoCount": 0,
        "maxTypoCount": 1,
        "score": 1.0,
    }
    assert result.details[1]["typo"]["score"] == 0.5
    assert built.ids("satuday ") == [2, 1]  # `sturday` is two typos away: no match


def test_typos_add_up_over_terms(small_index: Make) -> None:
    built = small_index(
        [
            {"id": 1, "t": "quick brown"},
            {"id": 2, "t": "quikc browm"},
            {"id": 3, "t": "quick browm"},
        ]
    )
    result = built.search("quick brown ", show_ranking_score_details=True)
    assert result.details is not None
    assert built.ids("quick brown ") == [1, 3, 2]
    assert [d["typo"]["typoCount"] for d in result.details] == [0, 1, 2]


def test_disabled_typo_tolerance_matches_exactly(small_index: Make) -> None:
    built = small_index([{"id": 1, "t": "saturday"}], typoTolerance={"enabled": False})
    assert built.ids("satuday ") == []
    assert built.ids("saturday ") == [1]


def test_thresholds_from_settings(small_index: Make) -> None:
    built = small_index(
        [{"id": 1, "t": "cats"}], typoTolerance={"minWordSizeForTypos": {"oneTypo": 4}}
    )
    assert built.ids("cass ") == [1]


def test_disable_on_words_and_numbers(small_index: Make) -> None:
    built = small_index(
        [{"id": 1, "t": "shrek 2024"}],
        typoTolerance={"disableOnWords": ["Shrekk"], "disableOnNumbers": True},
    )
    assert built.ids("shrekk ") == []
    assert built.ids("20245 ") == []
    assert built.ids("shrek ") == [1]


def test_disable_on_attributes_keeps_prefix(small_index: Make) -> None:
    built = small_index(
        [{"id": 1, "title": "biutiful", "body": "x"}, {"id": 2, "title": "x", "body": "biutiful"}],
        typoTolerance={"disableOnAttributes": ["title"]},
    )
    assert built.ids("beautiful ") == [2]
    assert built.ids("biutif") == [1, 2]


def test_split_and_concatenation_count_as_typos(small_index: Make) -> None:
    built = small_index([{"id": 1, "t": "news paper"}, {"id": 2, "t": "newspaper"}])
    result = built.search("newspaper ", show_ranking_score_details=True)
    assert result.details is not None
    assert built.ids("newspaper ") == [2, 1]
    assert [d["typo"]["typoCount"] for d in result.details] == [0, 1]
    assert built.ids("news paper ") == [1, 2]


def test_disabled_typo_tolerance_also_disables_splits_and_ngrams(small_index: Make) -> None:
    built = small_index(
        [{"id": 1, "t": "news paper"}, {"id": 2, "t": "newspaper"}],
        typoTolerance={"enabled": False},
    )
    assert built.ids("newspaper ") == [2]
    assert built.ids("news paper ") == [1]
