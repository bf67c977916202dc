"""Foreign keys against a real server: the ``foreignKeys`` setting through the official SDK,
hits hydrated with the documents their ids name, and ``_foreign`` filters.

The ``foreignKeys`` experimental feature is switched on per test and off again afterwards,
since the server is shared by every test of a worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import meilisearch
import pytest
from meilisearch.errors import MeilisearchApiError

from tests.api.conftest import wait_ok

pytestmark = pytest.mark.api

DISABLED = (
    "setting `foreignKeys` in the index settings requires enabling the `foreign keys` "
    "experimental feature. See https://www.meilisearch.com/docs/capabilities/indexing/how_to/"
    "document_relations"
)
FILTER_DISABLED = (
    "Using `_foreign` in a filter requires enabling the `foreign keys` experimental feature. "
    "See https://www.meilisearch.com/docs/capabilities/indexing/how_to/document_relations"
)
ACTORS = [
    {"id": 1, "name": "Tom Hanks", "born": 1956, "country": "USA"},
    {"id": 2, "name": "Robin Wright", "born": 1966, "country": "USA"},
    {"id": 3, "name": "Gary Sinise", "born": 1955, "country": "USA"},
    {"id": 4, "name": "Jean Reno", "born": 1948, "country": "France"},
]
MOVIES = [
    {"id": 1, "title": "Forrest Gump", "actors": [1, 2, 3]},
    {"id": 2, "title": "Cast Away", "actors": [1]},
    {"id": 3, "title": "Ronin", "actors": [4, 404], "lead": 4},
]


@pytest.fixture
def foreign_keys_on(http: httpx.Client) -> Iterator[None]:
    assert http.patch("/experimental-features", json={"foreignKeys": True}).status_code == 200
    yield
    assert http.patch("/experimental-features", json={"foreignKeys": False}).status_code == 200


def api_error(call: Any, *args: Any) -> MeilisearchApiError:
    with pytest.raises(MeilisearchApiError) as raised:
        call(*args)
    return raised.value


def keys(actors: str) -> list[dict[str, str]]:
    return [
        {"foreignIndexUid": actors, "fieldName": "actors"},
        {"foreignIndexUid": actors, "fieldName": "lead"},
    ]


@pytest.fixture
def movies(client: meilisearch.Client, index_uid: str, foreign_keys_on: None) -> str:
    """A ``movies`` index whose ``actors`` and ``lead`` name documents of an actors index."""
    actors = f"{index_uid}_actors"
    wait_ok(client, client.index(actors).add_documents(ACTORS, primary_key="id"))
    wait_ok(
        client,
        client.index(actors).update_settings(
            {"filterableAttributes": ["country", "born"], "displayedAttributes": ["name", "born"]}
        ),
    )
    index = client.index(index_uid)
    wait_ok(client, index.add_documents(MOVIES, primary_key="id"))
    settings = {"foreignKeys": keys(actors), "filterableAttributes": ["actors", "lead"]}
    wait_ok(client, index.update_settings(settings))
    return index_uid


TOM = {"name": "Tom Hanks", "born": 1956}
ROBIN = {"name": "Robin Wright", "born": 1966}
GARY = {"name": "Gary Sinise", "born": 1955}
JEAN = {"name": "Jean Reno", "born": 1948}


# ---------------------------------------------------------------- the setting


def test_sdk_reads_updates_and_resets_foreign_keys(
    client: meilisearch.Client, index_uid: str, foreign_keys_on: None
) -> None:
    wait_ok(client, client.create_index(index_uid))
    index = client.index(index_uid)
    assert index.get_foreign_keys() == []
    sent = [{"foreignIndexUid": "authors", "fieldName": "author"}]
    done = wait_ok(client, index.update_foreign_keys(sent))
    assert done.details == {"foreignKeys": sent}
    assert index.get_foreign_keys() == sent
    wait_ok(client, index.update_foreign_keys(None))
    assert index.get_foreign_keys() == []
    wait_ok(client, index.update_foreign_keys(sent))
    done = wait_ok(client, index.reset_foreign_keys())
    assert done.details == {"foreignKeys": None}
    assert index.get_foreign_keys() == []


def test_settings_show_foreign_keys_while_the_feature_is_on(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, foreign_keys_on: None
) -> None:
    sent = keys("actors")
    wait_ok(client, client.index(index_uid).update_settings({"foreignKeys": sent}))
    view = http.get(f"/indexes/{index_uid}/settings").json()
    assert list(view)[3:6] == ["sortableAttributes", "foreignKeys", "rankingRules"]
    assert view["foreignKeys"] == sent
    http.patch("/experimental-features", json={"foreignKeys": False})
    assert "foreignKeys" not in http.get(f"/indexes/{index_uid}/settings").json()
    assert http.get(f"/indexes/{index_uid}/settings/foreign-keys").json() == sent


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("PATCH", "", {"foreignKeys": [{"foreignIndexUid": "a", "fieldName": "b"}]}),
        ("PATCH", "", {"foreignKeys": []}),
        ("PUT", "/foreign-keys", [{"foreignIndexUid": "a", "fieldName": "b"}]),
    ],
)
def test_setting_foreign_keys_needs_the_feature(
    http: httpx.Client, index_uid: str, method: str, route: str, body: Any
) -> None:
    response = http.request(method, f"/indexes/{index_uid}/settings{route}", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "feature_not_enabled"
    assert response.json()["message"] == DISABLED


def test_reading_and_resetting_need_no_feature(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.create_index(index_uid))
    assert http.get(f"/indexes/{index_uid}/settings/foreign-keys").json() == []
    response = http.delete(f"/indexes/{index_uid}/settings/foreign-keys")
    assert response.status_code == 202
    wait_ok(client, response.json())


@pytest.mark.parametrize(
    ("route", "body", "message"),
    [
        (
            "",
            {"foreignKeys": [{"foreignIndexUid": "actors"}]},
            "Missing field `fieldName` inside `.foreignKeys[0]`",
        ),
        (
            "/foreign-keys",
            [{"foreignIndexUid": "bad uid!", "fieldName": "actors"}],
            "Invalid value at `[0].foreignIndexUid`: `bad uid!` is not a valid index uid. Index "
            "uid can be an integer or a string containing only alphanumeric characters, hyphens "
            "(-) and underscores (_), and can not be more than 512 bytes.",
        ),
        (
            "/foreign-keys",
            [{"foreignIndexUid": "a", "fieldName": "b", "extra": 1}],
            "Unknown field `extra` inside `[0]`: expected one of `foreignIndexUid`, `fieldName`",
        ),
    ],
)
def test_bad_foreign_keys_are_refused(
    http: httpx.Client, index_uid: str, foreign_keys_on: None, route: str, body: Any, message: str
) -> None:
    method = "PATCH" if not route else "PUT"
    response = http.request(method, f"/indexes/{index_uid}/settings{route}", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_settings_foreign_keys"
    assert response.json()["message"] == message


# ---------------------------------------------------------------- hydration


def test_search_hits_show_the_foreign_documents(client: meilisearch.Client, movies: str) -> None:
    hits = client.index(movies).search("")["hits"]
    assert hits == [
        {"id": 1, "title": "Forrest Gump", "actors": [TOM, ROBIN, GARY]},
        {"id": 2, "title": "Cast Away", "actors": [TOM]},
        # A missing foreign document leaves its id.
        {"id": 3, "title": "Ronin", "actors": [JEAN, 404], "lead": JEAN},
    ]


def test_highlighting_and_retrieval_reach_into_foreign_documents(
    http: httpx.Client, movies: str
) -> None:
    body = {
        "q": "ronin",
        "attributesToRetrieve": ["title", "lead.name"],
        "attributesToHighlight": ["title", "lead"],
    }
    (hit,) = http.post(f"/indexes/{movies}/search", json=body).json()["hits"]
    assert hit == {
        "title": "Ronin",
        "lead": {"name": "Jean Reno"},
        "_formatted": {
            "title": "<em>Ronin</em>",
            "lead": {"name": "Jean Reno", "born": "1948"},
        },
    }


def test_get_search_multi_search_and_federation_hydrate(http: httpx.Client, movies: str) -> None:
    expected = [TOM]
    got = http.get(f"/indexes/{movies}/search", params={"q": "cast"}).json()["hits"]
    assert got[0]["actors"] == expected
    queries = [{"indexUid": movies, "q": "cast"}]
    results = http.post("/multi-search", json={"queries": queries}).json()["results"]
    assert results[0]["hits"][0]["actors"] == expected
    merged = http.post("/multi-search", json={"queries": queries, "federation": {}}).json()
    assert merged["hits"][0]["actors"] == expected


def test_documents_routes_are_not_hydrated(http: httpx.Client, movies: str) -> None:
    assert http.get(f"/indexes/{movies}/documents/2").json()["actors"] == [1]


def test_hits_keep_their_ids_once_the_feature_is_off(http: httpx.Client, movies: str) -> None:
    http.patch("/experimental-features", json={"foreignKeys": False})
    hits = http.post(f"/indexes/{movies}/search", json={"q": "cast"}).json()["hits"]
    assert hits[0]["actors"] == [1]


# ---------------------------------------------------------------- _foreign filters


@pytest.mark.parametrize(
    ("filter_value", "titles"),
    [
        ("_foreign(actors, country = France)", ["Ronin"]),
        ("_foreign(actors, born < 1960 AND country = USA)", ["Cast Away", "Forrest Gump"]),
        ("_foreign(actors, born > 1960)", ["Forrest Gump"]),
        ("NOT _foreign(lead, country = France)", ["Cast Away", "Forrest Gump"]),
    ],
)
def test_foreign_filters(
    client: meilisearch.Client, movies: str, filter_value: str, titles: list[str]
) -> None:
    hits = client.index(movies).search("", {"filter": filter_value})["hits"]
    assert sorted(hit["title"] for hit in hits) == titles


def test_foreign_filters_need_the_feature(http: httpx.Client, movies: str) -> None:
    http.patch("/experimental-features", json={"foreignKeys": False})
    body = {"filter": "_foreign(actors, country = France)"}
    response = http.post(f"/indexes/{movies}/search", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "feature_not_enabled"
    assert response.json()["message"] == FILTER_DISABLED


def test_foreign_filter_errors_name_their_index(http: httpx.Client, movies: str) -> None:
    body = {"filter": "_foreign(actors, name = Tom)"}
    response = http.post(f"/indexes/{movies}/search", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_search_filter"
    assert response.json()["message"] == (
        f"Index `{movies}_actors`: Attribute `name` is not filterable. Available filterable "
        "attribute patterns are: `born`, `country`.\n18:22 _foreign(actors, name = Tom)"
    )


# ---------------------------------------------------------------- _foreign on other routes

FRANCE = "_foreign(actors, country = France)"
SIMILAR_VECTORS = {1: [1.0, 0.0], 2: [0.9, 0.1], 3: [0.0, 1.0]}


def _call(http: httpx.Client, method: str, url: str, body: dict[str, Any]) -> httpx.Response:
    """GET sends ``body`` as query parameters, POST as JSON."""
    return http.get(url, params=body) if method == "GET" else http.post(url, json=body)


def _titles(hits: list[dict[str, Any]]) -> list[str]:
    return sorted(hit["title"] for hit in hits)


@pytest.fixture
def similar_movies(client: meilisearch.Client, movies: str) -> str:
    """``movies`` with a ``userProvided`` embedder and a vector for each movie."""
    index = client.index(movies)
    embedder = {"default": {"source": "userProvided", "dimensions": 2}}
    wait_ok(client, index.update_settings({"embedders": embedder}))
    documents = [{"id": key, "_vectors": {"default": v}} for key, v in SIMILAR_VECTORS.items()]
    wait_ok(client, index.update_documents(documents))
    return movies


@pytest.mark.parametrize(
    ("method", "route", "filter_value", "titles"),
    [
        ("GET", "/documents", FRANCE, ["Ronin"]),
        ("POST", "/documents/fetch", FRANCE, ["Ronin"]),
        ("POST", "/documents/fetch", "_foreign(actors, born > 1960)", ["Forrest Gump"]),
        (
            "POST",
            "/documents/fetch",
            "NOT _foreign(lead, country = France)",
            ["Cast Away", "Forrest Gump"],
        ),
    ],
)
def test_documents_routes_take_foreign_filters(
    http: httpx.Client, movies: str, method: str, route: str, filter_value: str, titles: list[str]
) -> None:
    response = _call(http, method, f"/indexes/{movies}{route}", {"filter": filter_value})
    assert response.status_code == 200
    assert _titles(response.json()["results"]) == titles


@pytest.mark.parametrize(
    ("filter_value", "hits"),
    [
        (FRANCE, [{"value": "Ronin", "count": 1}]),
        (
            "_foreign(actors, country = USA)",
            [{"value": "Cast Away", "count": 1}, {"value": "Forrest Gump", "count": 1}],
        ),
    ],
)
def test_facet_search_takes_foreign_filters(
    client: meilisearch.Client,
    http: httpx.Client,
    movies: str,
    filter_value: str,
    hits: list[dict[str, Any]],
) -> None:
    settings = {"filterableAttributes": ["actors", "lead", "title"]}
    wait_ok(client, client.index(movies).update_settings(settings))
    body = {"facetName": "title", "filter": filter_value}
    response = http.post(f"/indexes/{movies}/facet-search", json=body)
    assert response.status_code == 200
    assert response.json()["facetHits"] == hits


@pytest.mark.parametrize(
    ("filter_value", "titles"),
    [
        ("_foreign(actors, born < 1950)", ["Ronin"]),
        ("_foreign(actors, country = USA)", ["Cast Away"]),
    ],
)
def test_similar_takes_foreign_filters(
    http: httpx.Client, similar_movies: str, filter_value: str, titles: list[str]
) -> None:
    body = {"id": 1, "embedder": "default", "filter": filter_value}
    response = http.post(f"/indexes/{similar_movies}/similar", json=body)
    assert response.status_code == 200
    assert _titles(response.json()["hits"]) == titles


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("GET", "/documents", {"filter": FRANCE}),
        ("POST", "/documents/fetch", {"filter": FRANCE}),
        ("POST", "/facet-search", {"facetName": "actors", "filter": FRANCE}),
        ("POST", "/similar", {"id": 1, "embedder": "default", "filter": FRANCE}),
    ],
)
def test_other_routes_need_the_feature_for_foreign_filters(
    http: httpx.Client, similar_movies: str, method: str, route: str, body: dict[str, Any]
) -> None:
    http.patch("/experimental-features", json={"foreignKeys": False})
    response = _call(http, method, f"/indexes/{similar_movies}{route}", body)
    assert response.status_code == 400
    assert response.json()["code"] == "feature_not_enabled"
    assert response.json()["message"] == FILTER_DISABLED
