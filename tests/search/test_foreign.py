from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.search.federation import Federation, federated_search
from lumi.search.foreign import foreign_keys
from lumi.search.multi import MultiQuery, SearchAccess, multi_search
from lumi.search.perform import SearchOptions, SearchTarget, perform_search
from lumi.search.request import SearchRequest
from tests.support.facets import build_index, scratch_dir

ACTORS = [
    {"id": 1, "name": "Tom Hanks", "born": 1956, "_vectors": {"manual": [0.1]}},
    {"id": 2, "name": "Robin Wright", "born": 1966},
    {"id": "gs", "name": "Gary Sinise", "born": 1955},
]
MOVIES = [
    {"id": 1, "title": "Forrest Gump", "actors": [1, 2, "gs", 99], "lead": 1},
    {"id": 2, "title": "Cast Away", "actors": [1], "lead": "2", "sequel": 1},
    {"id": 3, "title": "Odd Ids", "actors": [{"id": 1}, 1.0, True, None, "", "x" * 600]},
    {"id": 4, "title": "Nested", "crew": {"director": 2, "cast": [{"actor": "gs"}]}},
]
MOVIE_KEYS = [
    {"foreignIndexUid": "actors", "fieldName": "actors"},
    {"foreignIndexUid": "actors", "fieldName": "lead"},
    {"foreignIndexUid": "movies", "fieldName": "sequel"},
    {"foreignIndexUid": "actors", "fieldName": "crew.director"},
    {"foreignIndexUid": "actors", "fieldName": "crew.cast.actor"},
]
ON = {"foreignKeys": True}
TOM = {"id": 1, "name": "Tom Hanks", "born": 1956}
ROBIN = {"id": 2, "name": "Robin Wright", "born": 1966}
GARY = {"id": "gs", "name": "Gary Sinise", "born": 1955}


class Opener:
    """Opens the test indexes by uid and counts how often each was opened."""

    def __init__(self, indexes: dict[str, Index]) -> None:
        self.indexes = dict(indexes)
        self.opened: list[str] = []

    def open_index(self, uid: str) -> tuple[None, Index]:
        self.opened.append(uid)
        if uid not in self.indexes:
            raise LumiError("index_not_found", f"Index `{uid}` not found.")
        return None, self.indexes[uid]


@pytest.fixture(scope="module")
def built() -> Iterator[dict[str, Index]]:
    with scratch_dir() as path:
        actors = build_index(path / "actors", {}, ACTORS)
        movies = build_index(path / "movies", {"foreignKeys": MOVIE_KEYS}, MOVIES, words=True)
        yield {"actors": actors, "movies": movies}
        actors.close()
        movies.close()


@pytest.fixture
def opener(built: dict[str, Index]) -> Opener:
    return Opener(built)


def hits(
    opener: Opener, features: dict[str, bool] = ON, uid: str = "movies", **params: Any
) -> list[dict[str, Any]]:
    target = SearchTarget(uid, "id", opener.indexes[uid])
    options = SearchOptions(features=features, indexes=opener)
    return perform_search(target, SearchRequest.of(params), options)["hits"]


def by_id(found: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {hit["id"]: hit for hit in found}


def test_ids_become_the_documents_they_name(opener: Opener) -> None:
    movies = by_id(hits(opener))
    assert movies[1] == {
        "id": 1,
        "title": "Forrest Gump",
        "actors": [TOM, ROBIN, GARY, 99],
        "lead": TOM,
    }
    assert movies[2]["actors"] == [TOM]
    assert movies[2]["lead"] == ROBIN  # "2" and 2 are the same id


def test_values_that_cannot_be_ids_stay_as_written(opener: Opener) -> None:
    assert by_id(hits(opener))[3]["actors"] == [{"id": 1}, 1.0, True, None, "", "x" * 600]


def test_a_key_may_point_back_at_the_searched_index(opener: Opener) -> None:
    sequel = by_id(hits(opener))[2]["sequel"]
    assert sequel == {"id": 1, "title": "Forrest Gump", "actors": [1, 2, "gs", 99], "lead": 1}


def test_dotted_field_names_reach_nested_objects_and_arrays(opener: Opener) -> None:
    assert by_id(hits(opener))[4]["crew"] == {"director": ROBIN, "cast": [{"actor": GARY}]}


@pytest.mark.parametrize(
    ("features", "with_opener"), [({}, True), ({"foreignKeys": False}, True), (ON, False)]
)
def test_other_indexes_are_not_read_without_the_feature_or_an_opener(
    opener: Opener, features: dict[str, bool], with_opener: bool
) -> None:
    target = SearchTarget("movies", "id", opener.indexes["movies"])
    options = SearchOptions(features=features, indexes=opener if with_opener else None)
    movies = by_id(perform_search(target, SearchRequest(), options)["hits"])
    assert movies[1]["actors"] == [1, 2, "gs", 99]
    assert opener.opened == []
    assert isinstance(movies[2]["sequel"], dict) == features.get("foreignKeys", False)


def test_each_index_is_opened_once_per_search(opener: Opener) -> None:
    hits(opener)
    assert opener.opened == ["actors"]


def test_retrieving_part_of_a_foreign_document(opener: Opener) -> None:
    found = hits(opener, attributesToRetrieve=["id", "title", "actors.name"])
    assert by_id(found)[1] == {
        "id": 1,
        "title": "Forrest Gump",
        "actors": [{"name": "Tom Hanks"}, {"name": "Robin Wright"}, {"name": "Gary Sinise"}],
    }


def test_formatted_hits_hold_the_hydrated_documents(opener: Opener) -> None:
    (hit,) = hits(opener, q="forrest", attributesToHighlight=["title", "lead"])
    assert hit["_formatted"]["title"] == "<em>Forrest</em> Gump"
    assert hit["_formatted"]["lead"] == {"id": "1", "name": "Tom Hanks", "born": "1956"}


def test_fields_that_are_not_displayed_are_not_hydrated(
    tmp_path: Path, opener: Opener, built: dict[str, Index]
) -> None:
    settings = {"foreignKeys": MOVIE_KEYS, "displayedAttributes": ["title", "actors"]}
    hidden = build_index(tmp_path / "hidden", settings, MOVIES[:1])
    try:
        opener.indexes["hidden"] = hidden
        found = hits(opener, uid="hidden")
    finally:
        hidden.close()
    assert found == [{"title": "Forrest Gump", "actors": [TOM, ROBIN, GARY, 99]}]


def test_foreign_documents_show_their_displayed_fields(tmp_path: Path, opener: Opener) -> None:
    names = build_index(tmp_path / "names", {"displayedAttributes": ["name"]}, ACTORS)
    try:
        opener.indexes["actors"] = names
        found = hits(opener, attributesToRetrieve=["actors"])
    finally:
        names.close()
    assert found[0]["actors"] == [
        {"name": "Tom Hanks"},
        {"name": "Robin Wright"},
        {"name": "Gary Sinise"},
        99,
    ]


def test_a_missing_foreign_index_leaves_the_ids(opener: Opener) -> None:
    del opener.indexes["actors"]
    movies = by_id(hits(opener))
    assert movies[1]["actors"] == [1, 2, "gs", 99]
    assert movies[2]["sequel"]["title"] == "Forrest Gump"


def test_multi_and_federated_searches_hydrate_their_hits(opener: Opener) -> None:
    access = SearchAccess(allowed=lambda uid: True, token_filter=lambda uid: None)
    options = SearchOptions(features=ON, indexes=opener)

    def open_target(uid: str) -> SearchTarget:
        return SearchTarget(uid, "id", opener.indexes[uid])

    queries = [MultiQuery("movies", SearchRequest(q="cast"))]
    answer = multi_search(queries, open_target, access, options)
    assert answer["results"][0]["hits"][0]["actors"] == [TOM]
    merged = federated_search(queries, Federation(), open_target, access, options)
    assert merged["hits"][0]["actors"] == [TOM]


def test_the_first_entry_for_a_field_wins() -> None:
    settings = {
        "foreignKeys": [
            {"foreignIndexUid": "a", "fieldName": "x"},
            {"foreignIndexUid": "b", "fieldName": "y"},
            {"foreignIndexUid": "c", "fieldName": "x"},
        ]
    }
    assert foreign_keys(settings) == {"x": "a", "y": "b"}
    assert foreign_keys({}) == {}
