"""``retrieveVectors`` over the API: every hit and every document gets a ``_vectors``
object when it is asked for (the document's own vectors, else ``{}``), and none otherwise,
even when the document was sent with vectors.
"""

from __future__ import annotations

from typing import Any

import httpx
import meilisearch
import pytest

from tests.api.conftest import wait_ok

OWN = {"manual": [0.5, 0.25]}
DOCS = [{"id": 1, "title": "prince", "_vectors": OWN}, {"id": 2, "title": "prince too"}]
SHOWN = [
    {"id": 1, "title": "prince", "_vectors": OWN},
    {"id": 2, "title": "prince too", "_vectors": {}},
]
HIDDEN = [{"id": 1, "title": "prince"}, {"id": 2, "title": "prince too"}]


@pytest.fixture(scope="module")
def movies(server: Any) -> str:
    client = meilisearch.Client(server.url)
    uid = "vectors_movies"
    wait_ok(client, client.index(uid).add_documents(DOCS, primary_key="id"))
    return uid


def _browse(http: httpx.Client, uid: str, vectors: bool | None) -> list[dict[str, Any]]:
    params = {} if vectors is None else {"retrieveVectors": str(vectors).lower()}
    response = http.get(f"/indexes/{uid}/documents", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def _fetch(http: httpx.Client, uid: str, vectors: bool | None) -> list[dict[str, Any]]:
    body = {} if vectors is None else {"retrieveVectors": vectors}
    response = http.post(f"/indexes/{uid}/documents/fetch", json=body)
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def _one_by_one(http: httpx.Client, uid: str, vectors: bool | None) -> list[dict[str, Any]]:
    params = {} if vectors is None else {"retrieveVectors": str(vectors).lower()}
    found = []
    for doc in DOCS:
        response = http.get(f"/indexes/{uid}/documents/{doc['id']}", params=params)
        assert response.status_code == 200, response.text
        found.append(response.json())
    return found


def _search(http: httpx.Client, uid: str, vectors: bool | None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"q": "prince"}
    if vectors is not None:
        body["retrieveVectors"] = vectors
    response = http.post(f"/indexes/{uid}/search", json=body)
    assert response.status_code == 200, response.text
    return sorted(response.json()["hits"], key=lambda hit: hit["id"])


def _search_get(http: httpx.Client, uid: str, vectors: bool | None) -> list[dict[str, Any]]:
    params = {"q": "prince"}
    if vectors is not None:
        params["retrieveVectors"] = str(vectors).lower()
    response = http.get(f"/indexes/{uid}/search", params=params)
    assert response.status_code == 200, response.text
    return sorted(response.json()["hits"], key=lambda hit: hit["id"])


def _multi(http: httpx.Client, uid: str, vectors: bool | None) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"indexUid": uid, "q": "prince"}
    if vectors is not None:
        query["retrieveVectors"] = vectors
    response = http.post("/multi-search", json={"queries": [query]})
    assert response.status_code == 200, response.text
    return sorted(response.json()["results"][0]["hits"], key=lambda hit: hit["id"])


ROUTES = [_browse, _fetch, _one_by_one, _search, _search_get, _multi]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("vectors", "expected"), [(True, SHOWN), (False, HIDDEN), (None, HIDDEN)])
def test_vectors_appear_only_when_retrieved(
    http: httpx.Client,
    movies: str,
    route: Any,
    vectors: bool | None,
    expected: list[dict[str, Any]],
) -> None:
    assert route(http, movies, vectors) == expected


def test_fields_keep_the_vectors_when_retrieved(http: httpx.Client, movies: str) -> None:
    response = http.get(
        f"/indexes/{movies}/documents", params={"fields": "title", "retrieveVectors": "true"}
    )
    assert response.json()["results"] == [
        {"title": "prince", "_vectors": OWN},
        {"title": "prince too", "_vectors": {}},
    ]
    one = http.get(f"/indexes/{movies}/documents/2", params={"fields": "id"})
    assert one.json() == {"id": 2}
