from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.settings import apply_patch
from lumi.search.federated_facets import (
    FacetCounter,
    IndexFacets,
    combine,
    merge_facets,
    remote_facets,
)
from lumi.search.multi import QueryError, SearchAccess
from lumi.search.perform import SearchTarget
from tests.support.facets import build_index

OPEN = SearchAccess(allowed=lambda uid: True, token_filter=lambda uid: None)
# docids follow the order of the documents: 0, 1, 2...
BOOKS = [
    {"id": 1, "genre": "Rock", "year": 1999, "author": "a"},
    {"id": 2, "genre": "rock", "year": 2005, "author": "a"},
    {"id": 3, "genre": "Jazz", "year": 2010, "author": "b"},
    {"id": 4, "genre": "Pop", "author": "c"},
]
BOOKS_SETTINGS = {"filterableAttributes": ["genre", "year", "author"]}


@pytest.fixture
def indexes(tmp_path: Path) -> Iterator[dict[str, Index]]:
    built = {
        "books": build_index(tmp_path / "books", BOOKS_SETTINGS, BOOKS),
        "plain": build_index(tmp_path / "plain", {}, [{"id": 1, "genre": "Rock"}]),
        "counted": build_index(
            tmp_path / "counted",
            apply_patch(
                {},
                {
                    "filterableAttributes": ["genre"],
                    "faceting": {"sortFacetValuesBy": {"genre": "count"}},
                },
            ),
            [{"id": 1, "genre": "Rock"}],
        ),
    }
    yield built
    for index in built.values():
        index.close()


def opener(indexes: dict[str, Index]) -> Callable[[str], SearchTarget]:
    def open_target(uid: str) -> SearchTarget:
        if uid not in indexes:
            raise LumiError("index_not_found", f"Index `{uid}` not found.")
        return SearchTarget(uid, "id", indexes[uid])

    return open_target


def counted(
    indexes: dict[str, Index],
    requested: dict[str, Any],
    found: list[tuple[str, list[int], str | None]] = (),  # type: ignore[assignment]
    **options: Any,
) -> dict[str, dict[str, Any]]:
    remote_only = options.pop("remote_only", ())
    access = options.pop("access", OPEN)
    counter = FacetCounter(requested, **options)
    for position, (uid, docids, distinct) in enumerate(found):
        counter.queried(uid, position)
        counter.add(uid, BitMap(docids), distinct)
    return counter.count(opener(indexes), access, remote_only)


def count(
    indexes: dict[str, Index],
    requested: dict[str, Any],
    found: list[tuple[str, list[int], str | None]] = (),  # type: ignore[assignment]
    **options: Any,
) -> dict[str, dict[str, Any]]:
    answer = counted(indexes, requested, found, **options)
    return {uid: facets.view() for uid, facets in answer.items()}


def test_counts_carry_the_order_and_limit_of_their_index(indexes: dict[str, Index]) -> None:
    found = [("books", [0], None), ("counted", [0], None)]
    answer = counted(indexes, {"books": ["genre", "year"], "counted": ["genre"]}, found)
    assert answer["books"].orders == {"genre": "alpha", "year": "alpha"}
    assert answer["counted"].orders == {"genre": "count"}
    assert (answer["books"].limit, answer["counted"].limit) == (100, 100)
    with pytest.raises(LumiError) as caught:
        merge_facets(answer, None)
    assert caught.value.code == "invalid_multi_search_facet_order"


# ---- counting the facets of each index --------------------------------------------------


def test_facets_are_counted_over_the_union_of_the_index_queries(
    indexes: dict[str, Index],
) -> None:
    found = [("books", [0, 2], None), ("books", [2, 3], None)]
    answer = count(indexes, {"books": ["genre", "year"]}, found)
    assert answer == {
        "books": {
            "distribution": {
                "genre": {"Jazz": 1, "Pop": 1, "Rock": 1},
                "year": {"1999": 1, "2010": 1},
            },
            "stats": {"year": {"min": 1999.0, "max": 2010.0}},
        }
    }


@pytest.mark.parametrize(
    "found, options, genres",
    [
        # each query's own distinct reduces its candidates before the union
        ([("books", [0, 1], "author"), ("books", [1], None)], {}, {"Rock": 2}),
        # the federation's distinct reduces the union
        (
            [("books", [0], None), ("books", [1, 2], None)],
            {"distinct": "author"},
            {"Jazz": 1, "Rock": 1},
        ),
    ],
)
def test_distinct_reduces_the_counted_candidates(
    indexes: dict[str, Index],
    found: list[tuple[str, list[int], str | None]],
    options: dict[str, Any],
    genres: dict[str, int],
) -> None:
    answer = count(indexes, {"books": ["genre"]}, found, **options)
    assert answer["books"]["distribution"] == {"genre": genres}


def test_an_index_no_query_searches_counts_nothing(indexes: dict[str, Index]) -> None:
    answer = count(indexes, {"books": ["genre"], "plain": None}, [])
    assert answer == {"books": {"distribution": {"genre": {}}, "stats": {}}}


def test_indexes_only_remotes_search_are_not_counted_here(indexes: dict[str, Index]) -> None:
    answer = count(indexes, {"books": ["genre"], "far": ["genre"]}, remote_only={"far"})
    assert list(answer) == ["books"]


def test_a_merge_limit_replaces_the_index_limit(indexes: dict[str, Index]) -> None:
    answer = count(indexes, {"books": ["genre"]}, [("books", [0, 1, 2, 3], None)], max_values=2)
    assert answer["books"]["distribution"] == {"genre": {"Jazz": 1, "Pop": 1}}


@pytest.mark.parametrize(
    "requested, found, access, code, message",
    [
        (
            {"plain": ["genre"]},
            [("plain", [0], None)],
            OPEN,
            "invalid_multi_search_facets",
            "Inside `.federation.facetsByIndex.plain`: Invalid facet distribution: Pattern "
            "`genre` is not filterable. This index does not have configured filterable "
            "attributes.\n - Note: `.queries[0]` searches the index `plain`",
        ),
        (
            {"books": ["title"]},
            [],
            OPEN,
            "invalid_multi_search_facets",
            "Inside `.federation.facetsByIndex.books`: Invalid facet distribution: Pattern "
            "`title` is not filterable. Available filterable attributes patterns are: "
            "`author, genre, year`.",
        ),
        (
            {"missing": ["genre"]},
            [],
            OPEN,
            "index_not_found",
            "Inside `.federation.facetsByIndex.missing`: Index `missing` not found.",
        ),
        (
            {"books": ["genre"]},
            [],
            SearchAccess(allowed=lambda uid: False, token_filter=lambda uid: None),
            "invalid_api_key",
            "Inside `.federation.facetsByIndex.books`: The provided API key is invalid.",
        ),
    ],
)
def test_errors_name_the_facets_by_index_entry(
    indexes: dict[str, Index],
    requested: dict[str, Any],
    found: list[tuple[str, list[int], str | None]],
    access: SearchAccess,
    code: str,
    message: str,
) -> None:
    with pytest.raises(QueryError) as caught:
        count(indexes, requested, found, access=access)
    assert (caught.value.code, caught.value.message) == (code, message)
    assert caught.value.status == (403 if code == "invalid_api_key" else 400)


# ---- merging ----------------------------------------------------------------------------


def facets(
    distribution: Any, stats: Any = None, order: str = "alpha", limit: int = 100
) -> IndexFacets:
    return IndexFacets(distribution, stats or {}, dict.fromkeys(distribution, order), limit)


def test_merged_values_are_summed_and_ordered_like_one_index() -> None:
    movies = facets(
        {"genre": {"2": 1, "10": 2, "Rock": 3, "pop": 1}}, {"genre": {"min": 2, "max": 10}}
    )
    books = facets(
        {"genre": {"1.5": 1, "rock": 2, "Jazz": 1}, "year": {"1999": 1}},
        {"genre": {"min": 1.5, "max": 1.5}},
    )
    distribution, stats = merge_facets({"movies": movies, "books": books}, None)
    assert list(distribution) == ["genre", "year"]
    assert list(distribution["genre"].items()) == [
        ("1.5", 1),
        ("2", 1),
        ("10", 2),
        ("Jazz", 1),
        ("pop", 1),
        ("Rock", 5),
    ]
    assert stats == {"genre": {"min": 1.5, "max": 10}}


def test_count_order_keeps_the_most_frequent_ties_in_value_order() -> None:
    first = facets({"g": {"b": 2, "a": 1, "3": 1}}, order="count")
    second = facets({"g": {"a": 1, "c": 2}}, order="count")
    distribution, _ = merge_facets({"first": first, "second": second}, 3)
    assert list(distribution["g"].items()) == [("a", 2), ("b", 2), ("c", 2)]


@pytest.mark.parametrize("limit, kept", [(None, 3), (1, 1), (0, 0)])
def test_the_merged_limit(limit: int | None, kept: int) -> None:
    first = facets({"g": {"a": 1, "b": 1}}, limit=2)
    second = facets({"g": {"c": 1}}, limit=3)
    distribution, _ = merge_facets({"first": first, "second": second}, limit)
    assert list(distribution["g"]) == ["a", "b", "c"][:kept]


def test_indexes_must_order_a_merged_facet_alike() -> None:
    first = facets({"genre": {"a": 1}, "year": {"1": 1}})
    second = facets({"genre": {"b": 1}}, order="count")
    with pytest.raises(LumiError) as caught:
        merge_facets({"movies": first, "books": second}, None)
    assert caught.value.code == "invalid_multi_search_facet_order"
    assert caught.value.message == (
        "Inconsistent order for values in facet `genre`: index `movies` orders them "
        "alphabetically, but index `books` orders them by count.\n - Hint: remove "
        "`federation.mergeFacets` or set the same `faceting.sortFacetValuesBy` for this facet "
        "in every index."
    )


def test_remote_counts_join_the_local_ones() -> None:
    local = facets({"g": {"a": 1, "b": 1}}, {"n": {"min": 1, "max": 2}}, order="count", limit=2)
    remote = IndexFacets({"g": {"b": 4, "c": 1}}, {"n": {"min": 0, "max": 1}})
    merged = combine([local, remote])
    assert merged.view() == {
        "distribution": {"g": {"b": 5, "a": 1}},
        "stats": {"n": {"min": 0, "max": 2}},
    }
    assert combine([remote]) is remote
    assert combine([]).view() == {"distribution": {}, "stats": {}}


def test_remote_facets_keep_well_formed_entries() -> None:
    payload = {
        "books": {"distribution": {"g": {"a": 1}}, "stats": {}},
        "broken": {"distribution": []},
        "odd": 3,
    }
    assert {uid: part.view() for uid, part in remote_facets(payload).items()} == {
        "books": {"distribution": {"g": {"a": 1}}, "stats": {}}
    }
    assert remote_facets(None) == {}
