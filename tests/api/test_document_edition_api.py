"""``POST /indexes/{uid}/documents/edit`` through the SDK and raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import meilisearch
import pytest

from tests.api.conftest import wait, wait_ok


@pytest.fixture
def edition(http: httpx.Client) -> Iterator[None]:
    http.patch("/experimental-features", json={"editDocumentsByFunction": True})
    yield
    http.patch("/experimental-features", json={"editDocumentsByFunction": False})


@pytest.mark.usefixtures("edition")
def test_sdk_edits_deletes_and_search_sees_it(client: meilisearch.Client, index_uid: str) -> None:
    index = client.index(index_uid)
    wait_ok(
        client, index.add_documents([{"id": "1", "title": "dune"}, {"id": "2", "title": "emma"}])
    )
    task = client.update_documents_by_function(
        index_uid,
        {"function": 'if doc.id == "1" {doc = () } else {doc.title = `* ${doc.title} rebecca *`}'},
    )
    done = wait_ok(client, task["taskUid"])
    assert done.type == "documentEdition"
    assert done.details == {
        "editedDocuments": 1,
        "deletedDocuments": 1,
        "originalFilter": None,
        "context": None,
        "function": 'if doc.id == "1" {doc = () } else {doc.title = `* ${doc.title} rebecca *`}',
    }
    hits = index.search("rebecca")["hits"]
    assert hits == [{"id": "2", "title": "* emma rebecca *"}]
    assert index.search("dune")["hits"] == []


@pytest.mark.usefixtures("edition")
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "missing_document_edition_function"),
        ({"function": 1}, "invalid_document_edition_function_filter"),
        ({"function": "doc", "context": [1]}, "invalid_document_edition_context"),
        ({"function": "doc", "filter": "title ="}, "invalid_document_filter"),
        ({"function": "doc", "other": 1}, "bad_request"),
    ],
)
def test_invalid_bodies(http: httpx.Client, body: dict[str, Any], code: str) -> None:
    response = http.post("/indexes/movies/documents/edit", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == code


@pytest.mark.usefixtures("edition")
def test_a_script_error_fails_the_task(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.index(index_uid).add_documents([{"id": 1}]))
    response = http.post(f"/indexes/{index_uid}/documents/edit", json={"function": ""})
    assert response.status_code == 202
    done = wait(client, response.json()["taskUid"])
    assert done.status == "succeeded"  # an empty script leaves every document as it was
    response = http.post(f"/indexes/{index_uid}/documents/edit", json={"function": "doc.a ="})
    done = wait(client, response.json()["taskUid"])
    assert done.status == "failed"
    assert done.error["code"] == "edit_documents_by_function_error"


def test_refused_while_the_feature_is_off(http: httpx.Client) -> None:
    response = http.post("/indexes/movies/documents/edit", json={"function": "doc"})
    assert response.json()["code"] == "feature_not_enabled"
