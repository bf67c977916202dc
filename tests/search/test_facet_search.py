from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.settings import apply_patch, validate_settings_patch
from lumi.search.facet_search import FacetSearchRequest, facet_search, prefix_within
from tests.support.facets import build_index, scratch_dir

DOCUMENTS: list[dict[str, Any]] = [
    {"id": 1, "title": "blue train", "genre": ["Rock", "Classic Rock"], "author": "Jane Austen"},
    {"id": 2, "title": "kind of blue", "genre": "rock", "author": "jane doe", "year": 1999},
    {"id": 3, "title": "giant steps", "genre": ["Jazz", "Café"], "year": "1999"},
    {"id": 4, "title": "red train", "genre": ["cafe", "Classical"], "author": "Austen"},
    {"id": 5, "title": "blue monk", "genre": "Jazz", "year": 1959},
]
SETTINGS = apply_patch({}, {"filterableAttributes": ["genre", "author", "year", "title"]})


@pytest.fixture(scope="module")
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        built = build_index(path, SETTINGS, DOCUMENTS, words=True)
        yield built
        built.close()


def hits(index: Index, name: str, query: str | None = None, **more: Any) -> list[tuple[str, int]]:
    request = FacetSearchRequest(facet_name=name, facet_query=query, **more)
    body = facet_search(index, "movies", request)
    assert body["facetQuery"] == query
    assert isinstance(body["processingTimeMs"], int)
    return [(hit["value"], hit["count"]) for hit in body["facetHits"]]


@pytest.mark.parametrize(
    ("name", "query", "expected"),
    [
        (
            "genre",
            None,
            [
                ("cafe", 1),
                ("Café", 1),
                ("Classic Rock", 1),
                ("Classical", 1),
                ("Jazz", 2),
                ("Rock", 2),
            ],
        ),
        ("genre", "ro", [("Rock", 2)]),
        ("genre", "ROCK", [("Rock", 2)]),
        ("genre", "caf", [("cafe", 1), ("Café", 1)]),
        ("genre", "cafe", [("cafe", 1), ("Café", 1)]),
        ("genre", "classic music", [("Classic Rock", 1), ("Classical", 1)]),
        ("genre", "clasical", [("Classical", 1)]),  # 8 bytes: one typo
        ("genre", "clsasical", [("Classical", 1)]),  # a transposition is one typo
        ("genre", "jaz", [("Jazz", 2)]),
        ("genre", "jaxz", []),  # 4 bytes: no typo allowed
        ("author", "austen", [("Austen", 1)]),  # values must start with the word
        ("author", "jane austen", [("Jane Austen", 1), ("jane doe", 1)]),
        ("year", "19", [("1999", 1)]),  # numbers are not facet-searchable
        (
            "genre",
            "  ",
            [
                ("cafe", 1),
                ("Café", 1),
                ("Classic Rock", 1),
                ("Classical", 1),
                ("Jazz", 2),
                ("Rock", 2),
            ],
        ),
    ],
)
def test_values_matching_the_facet_query(
    index: Index, name: str, query: str | None, expected: list[tuple[str, int]]
) -> None:
    assert hits(index, name, query) == expected


def test_counts_follow_q_and_filter(index: Index) -> None:
    assert hits(index, "genre", "", q="blue") == [("Classic Rock", 1), ("Jazz", 1), ("Rock", 2)]
    assert hits(index, "genre", "j", filter="title = 'blue monk'") == [("Jazz", 1)]
    assert hits(index, "genre", "r", q="train", filter=["genre != jazz"]) == [("Rock", 1)]


def test_order_and_limit_follow_faceting(index: Index) -> None:
    settings = apply_patch(
        SETTINGS, {"faceting": {"maxValuesPerFacet": 2, "sortFacetValuesBy": {"genre": "count"}}}
    )
    with scratch_dir() as path:
        built = build_index(path, settings, DOCUMENTS)
        assert hits(built, "genre") == [("Jazz", 2), ("Rock", 2)]
        assert hits(built, "author") == [("Austen", 1), ("Jane Austen", 1)]
        built.close()


def test_typos_follow_the_typo_settings(index: Index) -> None:
    settings = apply_patch(SETTINGS, {"typoTolerance": {"disableOnAttributes": ["genre"]}})
    with scratch_dir() as path:
        built = build_index(path, settings, DOCUMENTS)
        assert hits(built, "genre", "clasical") == []
        built.close()


def error(index: Index, name: str) -> tuple[str, str]:
    with pytest.raises(LumiError) as caught:
        hits(index, name, "x")
    return caught.value.code, caught.value.message


def test_the_facet_must_be_facet_searchable(index: Index) -> None:
    assert error(index, "label") == (
        "invalid_facet_search_facet_name",
        "Index `movies`: Attribute `label` is not facet-searchable. Available facet-searchable "
        "attributes patterns are: `author, genre, title, year`. To make it facet-searchable "
        "add it to the `filterableAttributes` index settings.",
    )
    rule = {"attributePatterns": ["genre"], "features": {"facetSearch": False}}
    granular = apply_patch({}, validate_settings_patch({"filterableAttributes": [rule]}))
    with scratch_dir() as path:
        built = build_index(path, granular, DOCUMENTS)
        assert error(built, "genre") == (
            "invalid_facet_search_facet_name",
            "Index `movies`: Attribute `genre` is not facet-searchable. This index does not "
            "have configured facet-searchable attributes. To make it facet-searchable add it "
            "to the `filterableAttributes` index settings.",
        )
        built.close()


def test_the_index_setting_can_turn_facet_search_off() -> None:
    settings = apply_patch(SETTINGS, {"facetSearch": False})
    with scratch_dir() as path:
        built = build_index(path, settings, DOCUMENTS)
        assert error(built, "genre") == (
            "facet_search_disabled",
            "The facet search is disabled for this index",
        )
        built.close()


@pytest.mark.parametrize(
    ("word", "value", "budget", "expected"),
    [
        ("rock", "rock and roll", 0, True),
        ("rokc", "rock", 0, False),
        ("rokc", "rock", 1, True),
        ("rcok", "rock music", 1, True),
        ("classicl", "classical", 1, True),
        ("clssicl", "classical", 1, False),
        ("clssicl", "classical", 2, True),
        ("abc", "", 2, False),
        ("abc", "a", 2, True),
        ("xbc", "abcdef", 1, True),
    ],
)
def test_prefix_within(word: str, value: str, budget: int, expected: bool) -> None:
    assert prefix_within(word, value, budget) is expected
