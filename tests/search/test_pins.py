"""Pins of dynamic search rules: when rules fire, which pins apply and where they land."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.search.perform import SearchOptions, SearchTarget, perform_search
from lumi.search.pins import (
    CompiledRule,
    Pin,
    applicable_pins,
    compile_rules,
    pinned_search,
    rule_pins,
    words_of,
)
from lumi.search.pipeline import EngineQuery, EngineResult
from lumi.search.request import SearchRequest
from lumi.tasks import builders
from lumi.timefmt import parse_rfc3339
from tests.search.word_index import SmallIndex
from tests.tasks.conftest import Harness

JAN = parse_rfc3339("2026-01-01T00:00:00Z") or 0
FEB = parse_rfc3339("2026-02-01T00:00:00Z") or 0
MAR = parse_rfc3339("2026-03-01T00:00:00Z") or 0


def rule(
    uid: str = "r",
    *,
    empty: bool | None = None,
    words: str | None = None,
    start: int | None = None,
    end: int | None = None,
    pins: tuple[Pin, ...] = (),
) -> CompiledRule:
    return CompiledRule(uid, empty, None if words is None else words_of(words), start, end, pins)


@pytest.mark.parametrize(
    ("condition", "q", "now", "fires"),
    [
        (rule(), "anything", FEB, True),
        (rule(empty=True), None, FEB, True),
        (rule(empty=True), "", FEB, True),
        (rule(empty=True), "   ", FEB, True),
        (rule(empty=True), "a", FEB, False),
        (rule(empty=False), "a", FEB, True),
        (rule(empty=False), None, FEB, False),
        (rule(words="invoice"), "where is my INVOICE", FEB, True),
        (rule(words="invoice"), "invoices", FEB, True),
        (rule(words="invoice"), "invo", FEB, False),
        (rule(words="call history"), "where is call history", FEB, True),
        (rule(words="call history"), "history of calls", FEB, True),
        (rule(words="call history"), "call logs", FEB, False),
        (rule(words="Crème brûlée"), "creme brulee recipe", FEB, True),
        (rule(words="invoice"), None, FEB, False),
        (rule(start=JAN, end=MAR), None, FEB, True),
        (rule(start=JAN, end=MAR), None, JAN, True),
        (rule(start=JAN, end=MAR), None, MAR, True),
        (rule(start=FEB), None, JAN, False),
        (rule(end=FEB), None, MAR, False),
        (rule(words="sale", start=JAN, end=FEB), "summer sale", MAR, False),
        (rule(words="sale", start=JAN, end=MAR), "summer sale", FEB, True),
    ],
)
def test_a_rule_fires_when_all_its_conditions_hold(
    condition: CompiledRule, q: str | None, now: int, fires: bool
) -> None:
    assert condition.fires(words_of(q), now) is fires


def stored(uid: str, **fields: Any) -> dict[str, Any]:
    return {"uid": uid, "active": True, "conditions": {}, "actions": [], **fields}


def action(document_id: str, position: int, index_uid: str | None = None) -> dict[str, Any]:
    selector: dict[str, Any] = {"id": document_id}
    if index_uid is not None:
        selector["indexUid"] = index_uid
    return {"selector": selector, "action": {"type": "pin", "position": position}}


def test_compiled_rules_skip_paused_ones_and_follow_precedence() -> None:
    rules = {
        "late": stored("late"),
        "b": stored("b", precedence=2),
        "paused": stored("paused", precedence=0, active=False),
        "a": stored("a", precedence=2),
        "first": stored("first", precedence=1),
    }
    assert [r.uid for r in compile_rules(rules)] == ["first", "a", "b", "late"]


def test_compiled_conditions_and_actions() -> None:
    compiled = compile_rules(
        {
            "r": stored(
                "r",
                conditions={
                    "query": {"words": "Summer SALE"},
                    "time": {"start": "2026-01-01T00:00:00Z"},
                },
                actions=[action("7", 0, "products"), action("8", 3)],
            )
        }
    )
    assert compiled == (
        CompiledRule(
            "r", None, ("summer", "sale"), JAN, None, (Pin("products", "7", 0), Pin(None, "8", 3))
        ),
    )


def test_applicable_pins_follow_precedence_and_target_the_index() -> None:
    rules = compile_rules(
        {
            "winner": stored("winner", precedence=0, actions=[action("1", 0), action("2", 2)]),
            "loser": stored("loser", precedence=5, actions=[action("1", 4), action("3", 0)]),
            "other": stored("other", precedence=1, actions=[action("9", 1, "elsewhere")]),
            "quiet": stored(
                "quiet",
                precedence=0,
                conditions={"query": {"isEmpty": True}},
                actions=[action("5", 0)],
            ),
        }
    )
    assert applicable_pins(rules, "movies", "q", FEB) == [(0, "1"), (0, "3"), (2, "2")]
    assert applicable_pins(rules, "elsewhere", "q", FEB) == [(0, "1"), (0, "3"), (1, "9"), (2, "2")]


DOCUMENTS = [
    {"id": n, "title": f"movie {n}" + (" blue" if n % 2 else ""), "n": n} for n in range(8)
]


@pytest.fixture
def movies(small_index: Callable[..., SmallIndex]) -> SmallIndex:
    return small_index(DOCUMENTS, filterableAttributes=["n"])


def pinned(
    index: SmallIndex, q: str | None, pins: list[tuple[int, str]], **options: Any
) -> tuple[list[int], EngineResult]:
    with index.index.read() as txn:
        result = pinned_search(index.index, txn, EngineQuery(q=q, **options), pins)
        ids = [index.index.document(txn, docid)["id"] for docid in result.docids]
    return ids, result


@pytest.mark.parametrize(
    ("pins", "options", "expected"),
    [
        ([], {}, [1, 3, 5, 7]),
        ([(0, "6")], {}, [6, 1, 3, 5, 7]),
        ([(0, "5")], {}, [5, 1, 3, 7]),
        ([(2, "6"), (2, "4")], {}, [1, 3, 6, 4, 5, 7]),
        ([(0, "6"), (1, "4")], {"limit": 3}, [6, 4, 1]),
        ([(0, "6"), (1, "4")], {"offset": 1, "limit": 2}, [4, 1]),
        ([(9, "6")], {}, [1, 3, 5, 7, 6]),
        ([(0, "missing"), (1, "6")], {}, [1, 6, 3, 5, 7]),
        ([(0, "6")], {"universe": BitMap([1, 3])}, [1, 3]),
    ],
)
def test_pins_take_their_positions_among_the_hits(
    movies: SmallIndex, pins: list[tuple[int, str]], options: dict[str, Any], expected: list[int]
) -> None:
    assert pinned(movies, "blue", pins, **options)[0] == expected


def test_pinned_hits_count_and_show_their_pin(movies: SmallIndex) -> None:
    ids, result = pinned(
        movies, "blue", [(1, "6")], show_ranking_score=True, show_ranking_score_details=True
    )
    assert ids == [1, 6, 3, 5, 7]
    assert len(result.candidates) == 5
    assert result.scores is not None and result.scores[1] == 1.0
    assert result.details is not None
    assert result.details[1] == {"pin": {"order": 0, "position": 1}}
    assert "words" in result.details[0]


def test_pinned_search_without_surviving_pins_is_the_plain_search(movies: SmallIndex) -> None:
    ids, result = pinned(movies, "blue", [(0, "6")], universe=BitMap([1]))
    assert ids == [1]
    assert list(result.candidates) == [1]


# ---- through perform_search, with rules stored by the scheduler ---------------------------


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path / "data")
    h.add_documents("movies", DOCUMENTS)
    h.register(
        builders.settings_update(
            "movies", {"filterableAttributes": ["n"]}, allow_index_creation=True
        )
    )
    h.register(
        builders.search_rule_update(
            "blue-first",
            {
                "conditions": {"query": {"words": "blue"}},
                "actions": [action("6", 0, "movies"), action("0", 1)],
            },
        )
    )
    h.run_all()
    yield h
    h.close()


def search(harness: Harness, enabled: bool, **params: Any) -> dict[str, Any]:
    engine = harness.engine
    meta, index = engine.open_index("movies")
    options = SearchOptions(features={"dynamicSearchRules": enabled}, indexes=engine)
    request = SearchRequest.of({"attributesToRetrieve": ["id"], **params})
    return perform_search(SearchTarget("movies", meta.primary_key, index), request, options)


def ids(body: dict[str, Any]) -> list[int]:
    return [hit["id"] for hit in body["hits"]]


def test_searches_apply_the_stored_rules_while_the_feature_is_on(harness: Harness) -> None:
    assert ids(search(harness, False, q="blue")) == [1, 3, 5, 7]
    body = search(harness, True, q="blue", facets=["n"])
    assert ids(body) == [6, 0, 1, 3, 5, 7]
    assert body["estimatedTotalHits"] == 6
    assert body["facetDistribution"] == {"n": {str(n): 1 for n in (0, 1, 3, 5, 6, 7)}}
    assert ids(search(harness, True, q="movie", limit=3)) == [0, 1, 2]


def test_filters_drop_pins_and_pages_count_them(harness: Harness) -> None:
    assert ids(search(harness, True, q="blue", filter="n > 4")) == [6, 5, 7]
    body = search(harness, True, q="blue", hitsPerPage=4, page=2)
    assert ids(body) == [5, 7]
    assert (body["totalHits"], body["totalPages"]) == (6, 2)


def test_paused_and_deleted_rules_stop_applying(harness: Harness) -> None:
    harness.register(builders.search_rule_update("blue-first", {"active": False}))
    harness.run_all()
    assert ids(search(harness, True, q="blue")) == [1, 3, 5, 7]
    harness.register(builders.search_rule_update("blue-first", {"active": True}))
    harness.run_all()
    assert ids(search(harness, True, q="blue"))[:2] == [6, 0]
    harness.register(builders.search_rule_deletion("blue-first"))
    harness.run_all()
    assert ids(search(harness, True, q="blue")) == [1, 3, 5, 7]


def test_rule_pins_need_the_feature_and_a_rule_source(harness: Harness) -> None:
    engine = harness.engine
    assert rule_pins({"dynamicSearchRules": True}, engine, "movies", "blue") == [(0, "6"), (1, "0")]
    assert rule_pins({"dynamicSearchRules": True}, engine, "other", "blue") == [(1, "0")]
    assert rule_pins({}, engine, "movies", "blue") == []
    assert rule_pins({"dynamicSearchRules": True}, object(), "movies", "blue") == []
