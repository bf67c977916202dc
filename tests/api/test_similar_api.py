"""``/similar``: validated like Meilisearch, then refused because no embedder exists."""

from __future__ import annotations

import httpx
import meilisearch

from tests.api.conftest import wait_ok


def test_similar_without_embedder_names_the_missing_embedder(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.index(index_uid).add_documents([{"id": 1, "title": "Carol"}]))
    for response in (
        http.post(f"/indexes/{index_uid}/similar", json={"id": 1, "embedder": "default"}),
        http.get(f"/indexes/{index_uid}/similar", params={"id": "1", "embedder": "default"}),
    ):
        assert response.status_code == 400
        assert response.json() == {
            "message": f"Index `{index_uid}`: Cannot find embedder with name `default`.",
            "code": "invalid_similar_embedder",
            "type": "invalid_request",
            "link": "https://docs.meilisearch.com/errors#invalid_similar_embedder",
        }


def test_similar_validation_and_missing_index(http: httpx.Client, index_uid: str) -> None:
    missing = http.post(f"/indexes/{index_uid}/similar", json={"id": 1, "embedder": "e"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "index_not_found"
    bad = http.post(f"/indexes/{index_uid}/similar", json={"id": 1, "embedder": "e", "limit": -1})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_similar_limit"
    no_id = http.post(f"/indexes/{index_uid}/similar", json={"embedder": "e"})
    assert no_id.status_code == 400
    assert no_id.json()["message"] == "Missing field `id`"
