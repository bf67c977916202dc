"""Documents over the API: additions in every format and encoding, primary keys, id
validation, browsing and fetching, deletions, ``skipCreation`` and ``customMetadata``.
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import brotli
import httpx
import meilisearch
import orjson
import pytest

from tests.api.conftest import wait, wait_ok
from tests.api.test_errors_api import LINK, assert_error

ID_RULE = (
    "A document identifier can be of type integer or string, only composed of alphanumeric "
    "characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 "
    "bytes."
)
MOVIES = [
    {"id": 1, "title": "Carol", "year": 2015, "genres": ["Romance", "Drama"]},
    {"id": 2, "title": "Wonder Woman", "year": 2017, "rating": 7.4},
    {"id": 3, "title": "Life of Pi", "meta": {"lang": "en", "tags": ["tiger"]}, "sequel": None},
    {"id": 4, "title": "Mad Max: Fury Road", "year": 2015, "seen": True},
    {"id": 5, "title": "Moana", "year": -1, "title_fr": "Vaiana, la légende du bout du monde"},
]


def docs_of(http: httpx.Client, uid: str, **params: Any) -> dict[str, Any]:
    response = http.get(f"/indexes/{uid}/documents", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def add(client: meilisearch.Client, uid: str, docs: list[dict[str, Any]], **kw: Any) -> Any:
    return wait_ok(client, client.index(uid).add_documents(docs, **kw))


def post_raw(
    http: httpx.Client,
    uid: str,
    body: bytes,
    headers: dict[str, str],
    query: str = "",
    *,
    method: str = "POST",
) -> dict[str, Any]:
    response = http.request(
        method, f"/indexes/{uid}/documents{query}", content=body, headers=headers
    )
    assert response.status_code == 202, response.text
    return response.json()


def delete_ids(index: Any, ids: list[Any], **kw: Any) -> Any:
    """The SDK's delete by ids, which warns that ids will give way to filters."""
    with pytest.warns(DeprecationWarning):
        return index.delete_documents(ids=ids, **kw)


def task_error(code: str, message: str) -> dict[str, str]:
    return {"message": message, "code": code, "type": "invalid_request", "link": LINK + code}


# --------------------------------------------------------------------------- additions


def test_add_json_array_creates_the_index_and_keeps_documents_as_sent(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    response = http.post(f"/indexes/{index_uid}/documents", json=MOVIES)
    assert response.status_code == 202
    summary = response.json()
    assert list(summary) == ["taskUid", "indexUid", "status", "type", "enqueuedAt"]
    assert (summary["indexUid"], summary["type"]) == (index_uid, "documentAdditionOrUpdate")
    task = wait_ok(client, summary)
    assert task.details == {"receivedDocuments": 5, "indexedDocuments": 5}
    assert client.get_index(index_uid).primary_key == "id"
    page = docs_of(http, index_uid)
    assert page == {"results": MOVIES, "offset": 0, "limit": 20, "total": 5}
    assert [list(doc) for doc in page["results"]] == [list(doc) for doc in MOVIES]


def test_add_single_object(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    summary = post_raw(
        http, index_uid, b'{"id": "one", "v": 1.5}', {"Content-Type": "application/json"}
    )
    task = wait_ok(client, summary)
    assert task.details == {"receivedDocuments": 1, "indexedDocuments": 1}
    assert http.get(f"/indexes/{index_uid}/documents/one").json() == {"id": "one", "v": 1.5}


def test_add_ndjson(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    body = b"".join(orjson.dumps(doc) + b"\n" for doc in MOVIES[:3]) + b"\n"
    task = wait_ok(client, client.index(index_uid).add_documents_ndjson(body))
    assert task.details == {"receivedDocuments": 3, "indexedDocuments": 3}
    assert docs_of(http, index_uid)["results"] == MOVIES[:3]


def test_add_csv_with_typed_headers(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    csv = (
        b"id,title,price:number,available:boolean,code:string,note\n"
        b"1,Carol,12.5,true,007,plain\n"
        b'2,"Mad Max, Fury Road",3,false,,\n'
        b"3,Moana,,,x,\n"
    )
    task = wait_ok(client, client.index(index_uid).add_documents_csv(csv))
    assert task.details == {"receivedDocuments": 3, "indexedDocuments": 3}
    assert docs_of(http, index_uid)["results"] == [
        {
            "id": "1",
            "title": "Carol",
            "price": 12.5,
            "available": True,
            "code": "007",
            "note": "plain",
        },
        {
            "id": "2",
            "title": "Mad Max, Fury Road",
            "price": 3,
            "available": False,
            "code": None,
            "note": None,
        },
        {"id": "3", "title": "Moana", "price": None, "available": None, "code": "x", "note": None},
    ]


def test_add_csv_with_custom_delimiter(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    csv = b"id;title;year:number\n1;Carol, the movie;2015\n"
    task = wait_ok(client, client.index(index_uid).add_documents_csv(csv, csv_delimiter=";"))
    assert task.status == "succeeded"
    assert docs_of(http, index_uid)["results"] == [
        {"id": "1", "title": "Carol, the movie", "year": 2015}
    ]


@pytest.mark.parametrize(
    "encoding, encode",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("br", brotli.compress),
        ("identity", lambda body: body),
    ],
)
def test_compressed_payloads(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, encoding: str, encode: Any
) -> None:
    body = encode(orjson.dumps(MOVIES))
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    task = wait_ok(client, post_raw(http, index_uid, body, headers))
    assert task.details == {"receivedDocuments": 5, "indexedDocuments": 5}
    assert docs_of(http, index_uid)["results"] == MOVIES


def test_compressed_ndjson(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    body = gzip.compress(b'{"id": 1}\n{"id": 2}\n')
    headers = {"Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"}
    wait_ok(client, post_raw(http, index_uid, body, headers))
    assert docs_of(http, index_uid)["total"] == 2


def test_post_replaces_and_put_merges(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    add(client, index_uid, [{"id": 1, "a": 1, "nested": {"x": 1, "y": 2}, "keep": True}])
    task = wait_ok(client, index.update_documents([{"id": 1, "nested": {"x": 9}, "b": 2}]))
    assert task.type == "documentAdditionOrUpdate"
    assert task.details == {"receivedDocuments": 1, "indexedDocuments": 1}
    assert http.get(f"/indexes/{index_uid}/documents/1").json() == {
        "id": 1,
        "a": 1,
        "nested": {"x": 9},
        "keep": True,
        "b": 2,
    }
    add(client, index_uid, [{"id": 1, "only": "this"}])
    assert http.get(f"/indexes/{index_uid}/documents/1").json() == {"id": 1, "only": "this"}


def test_put_creates_missing_documents(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.index(index_uid).update_documents([{"id": "new", "v": 1}]))
    assert docs_of(http, index_uid)["results"] == [{"id": "new", "v": 1}]


def test_same_id_twice_in_one_payload_keeps_the_last(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    task = add(client, index_uid, [{"id": 1, "v": "first"}, {"id": "1", "v": "second"}])
    assert task.details == {"receivedDocuments": 2, "indexedDocuments": 2}
    page = docs_of(http, index_uid)
    assert page["total"] == 1
    assert page["results"][0]["v"] == "second"


def test_skip_creation_only_updates_existing_documents(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    add(client, index_uid, [{"id": 1, "v": 0}])
    index = client.index(index_uid)
    wait_ok(client, index.add_documents([{"id": 1, "v": 1}, {"id": 2, "v": 2}], skip_creation=True))
    assert docs_of(http, index_uid)["results"] == [{"id": 1, "v": 1}]
    wait_ok(client, index.update_documents([{"id": 1, "w": 1}, {"id": 3}], skip_creation=True))
    assert docs_of(http, index_uid)["results"] == [{"id": 1, "v": 1, "w": 1}]


def test_custom_metadata_is_echoed(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    response = http.post(
        f"/indexes/{index_uid}/documents",
        params={"customMetadata": "import #7 ✓"},
        json=[{"id": 1}],
    )
    summary = response.json()
    assert list(summary) == [
        "taskUid",
        "indexUid",
        "status",
        "type",
        "enqueuedAt",
        "customMetadata",
    ]
    assert summary["customMetadata"] == "import #7 ✓"
    wait_ok(client, summary)
    view = http.get(f"/tasks/{summary['taskUid']}").json()
    assert list(view)[-1] == "customMetadata"
    assert view["customMetadata"] == "import #7 ✓"
    index = client.index(index_uid)
    for info, expected in (
        (index.update_documents([{"id": 1}], metadata="m-put"), "m-put"),
        (index.delete_document(1, metadata="m-one"), "m-one"),
        (delete_ids(index, [1], metadata="m-batch"), "m-batch"),
        (index.delete_all_documents(metadata="m-all"), "m-all"),
    ):
        assert wait_ok(client, info).custom_metadata == expected
    plain = http.post(f"/indexes/{index_uid}/documents", json=[{"id": 2}]).json()
    assert "customMetadata" not in plain
    assert "customMetadata" not in http.get(f"/tasks/{plain['taskUid']}").json()
    wait_ok(client, plain)


# --------------------------------------------------------------------------- primary keys


def test_primary_key_parameter(client: meilisearch.Client, index_uid: str) -> None:
    task = add(client, index_uid, [{"id": 1, "sku": "a-1"}], primary_key="sku")
    assert task.status == "succeeded"
    assert client.get_index(index_uid).primary_key == "sku"
    assert client.index(index_uid).get_document("a-1").id == 1


def test_primary_key_parameter_ignored_when_the_same(
    client: meilisearch.Client, index_uid: str
) -> None:
    add(client, index_uid, [{"sku": "a"}], primary_key="sku")
    assert add(client, index_uid, [{"sku": "b"}], primary_key="sku").status == "succeeded"


def test_primary_key_parameter_conflicting_with_the_index(
    client: meilisearch.Client, index_uid: str
) -> None:
    add(client, index_uid, [{"id": 1, "sku": "a"}])
    task = wait(client, client.index(index_uid).add_documents([{"id": 2, "sku": "b"}], "sku"))
    assert task.status == "failed"
    assert task.details == {"receivedDocuments": 1, "indexedDocuments": 0}
    assert task.error == task_error(
        "index_primary_key_already_exists",
        f"Index `{index_uid}`: Index already has a primary key: `id`.",
    )


@pytest.mark.parametrize(
    "doc, key", [({"uid": "a", "name": "x"}, "uid"), ({"BookID": 3, "title": "t"}, "BookID")]
)
def test_primary_key_inference(
    client: meilisearch.Client, index_uid: str, doc: dict[str, Any], key: str
) -> None:
    add(client, index_uid, [doc])
    assert client.get_index(index_uid).primary_key == key


def test_primary_key_inference_without_candidate(
    client: meilisearch.Client, index_uid: str
) -> None:
    task = wait(client, client.index(index_uid).add_documents([{"name": "x"}, {"name": "y"}]))
    assert task.status == "failed"
    assert task.details == {"receivedDocuments": 2, "indexedDocuments": 0}
    assert task.error == task_error(
        "index_primary_key_no_candidate_found",
        "The primary key inference failed as the engine did not find any field ending with `id` "
        "in its name. Please specify the primary key manually using the `primaryKey` query "
        "parameter.",
    )


def test_primary_key_inference_with_several_candidates(
    client: meilisearch.Client, index_uid: str
) -> None:
    task = wait(client, client.index(index_uid).add_documents([{"book_id": 1, "id": 2}]))
    assert task.status == "failed"
    assert task.error == task_error(
        "index_primary_key_multiple_candidates_found",
        "The primary key inference failed as the engine found 2 fields ending with `id` in their "
        "names: 'book_id' and 'id'. Please specify the primary key manually using the "
        "`primaryKey` query parameter.",
    )
    assert add(client, index_uid, [{"book_id": 1, "id": 2}], primary_key="id").status == "succeeded"


# --------------------------------------------------------------------------- document ids


@pytest.mark.parametrize(
    "doc, shown",
    [
        ({"id": "a b"}, '"a b"'),
        ({"id": "é"}, '"é"'),
        ({"id": 1.5}, "1.5"),
        ({"id": True}, "true"),
        ({"id": [1]}, "[1]"),
        ({"id": {"a": 1}}, '{"a":1}'),
        ({"id": "x" * 512}, '"' + "x" * 512 + '"'),
    ],
    ids=["space", "accent", "float", "bool", "array", "object", "too-long"],
)
def test_invalid_document_id_fails_only_its_task(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, doc: dict[str, Any], shown: str
) -> None:
    add(client, index_uid, [{"id": "ok"}])
    index = client.index(index_uid)
    bad = index.add_documents([{"id": "fine"}, doc])
    good = index.add_documents([{"id": "later"}])
    failed = wait(client, bad)
    assert failed.status == "failed"
    assert failed.details == {"receivedDocuments": 2, "indexedDocuments": 0}
    assert failed.error == task_error(
        "invalid_document_id", f"Document identifier `{shown}` is invalid. {ID_RULE}"
    )
    wait_ok(client, good)
    assert [d["id"] for d in docs_of(http, index_uid)["results"]] == ["ok", "later"]


@pytest.mark.parametrize("value", ["a-B_9", 0, -12, "x" * 511], ids=["text", "zero", "neg", "511"])
def test_valid_document_ids(
    client: meilisearch.Client, http: httpx.Client, index_uid: str, value: Any
) -> None:
    add(client, index_uid, [{"id": value}])
    response = http.get(f"/indexes/{index_uid}/documents/{value}")
    assert response.json() == {"id": value}


def test_missing_document_id(client: meilisearch.Client, index_uid: str) -> None:
    add(client, index_uid, [{"id": 1}])
    task = wait(client, client.index(index_uid).add_documents([{"id": 2}, {"name": "x"}]))
    assert task.status == "failed"
    assert task.error == task_error(
        "missing_document_id", 'Document doesn\'t have a `id` attribute: `{"name":"x"}`.'
    )
    assert client.index(index_uid).get_documents().total == 1


# --------------------------------------------------------------------------- reading


@pytest.fixture
def movies(client: meilisearch.Client, index_uid: str) -> str:
    add(client, index_uid, MOVIES)
    return index_uid


def test_browse_offset_and_limit(http: httpx.Client, movies: str) -> None:
    page = docs_of(http, movies, offset=1, limit=2)
    assert page == {"results": MOVIES[1:3], "offset": 1, "limit": 2, "total": 5}
    assert docs_of(http, movies, offset=10)["results"] == []
    assert docs_of(http, movies, limit=0) == {"results": [], "offset": 0, "limit": 0, "total": 5}


def test_browse_fields(http: httpx.Client, movies: str) -> None:
    page = docs_of(http, movies, fields="title,id", limit=2)
    assert page["results"] == [{"id": 1, "title": "Carol"}, {"id": 2, "title": "Wonder Woman"}]
    nested = docs_of(http, movies, fields="meta.lang", ids="3")
    assert nested["results"] == [{"meta": {"lang": "en"}}]
    assert docs_of(http, movies, fields="nothing", limit=1)["results"] == [{}]
    assert docs_of(http, movies, fields="*", limit=1)["results"] == MOVIES[:1]


def test_browse_by_ids(http: httpx.Client, movies: str) -> None:
    page = docs_of(http, movies, ids="4,2,404,2")
    assert page["results"] == [MOVIES[1], MOVIES[3]]
    assert page["total"] == 2
    assert docs_of(http, movies, ids="5,3,1", limit=1, offset=1)["results"] == [MOVIES[2]]


def test_fetch_with_a_body(client: meilisearch.Client, http: httpx.Client, movies: str) -> None:
    response = http.post(
        f"/indexes/{movies}/documents/fetch",
        json={"offset": 1, "limit": 2, "fields": ["title"], "ids": [5, "3", 1]},
    )
    assert response.status_code == 200
    assert response.json() == {
        "results": [{"title": "Life of Pi"}, {"title": "Moana"}],
        "offset": 1,
        "limit": 2,
        "total": 3,
    }
    sdk = client.index(movies).get_documents({"limit": 1, "fields": ["id", "year"]})
    assert (sdk.total, sdk.limit, [dict(d) for d in sdk.results]) == (
        5,
        1,
        [{"id": 1, "year": 2015}],
    )


def test_fetch_bad_ids(http: httpx.Client, movies: str) -> None:
    response = http.post(f"/indexes/{movies}/documents/fetch", json={"ids": [1, {"a": 1}]})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_document_ids"
    assert response.json()["message"].startswith("Invalid value at `.ids[1]`: ")


def test_get_one_document(client: meilisearch.Client, http: httpx.Client, movies: str) -> None:
    assert http.get(f"/indexes/{movies}/documents/3").json() == MOVIES[2]
    assert http.get(f"/indexes/{movies}/documents/2?fields=title,rating").json() == {
        "title": "Wonder Woman",
        "rating": 7.4,
    }
    assert dict(client.index(movies).get_document(4, {"fields": ["seen"]})) == {"seen": True}
    for missing in ("404", "not-there", "a%20b"):
        response = http.get(f"/indexes/{movies}/documents/{missing}")
        shown = missing.replace("%20", " ")
        assert_error(response, 404, "document_not_found", f"Document `{shown}` not found.")


def test_browse_parameter_errors(http: httpx.Client, movies: str) -> None:
    assert_error(
        http.get(f"/indexes/{movies}/documents?limit=-1"),
        400,
        "invalid_document_limit",
        "Invalid value in parameter `limit`: could not parse `-1` as a positive integer",
    )
    assert_error(
        http.get(f"/indexes/{movies}/documents?offset=x"),
        400,
        "invalid_document_offset",
        "Invalid value in parameter `offset`: could not parse `x` as a positive integer",
    )
    assert_error(
        http.get(f"/indexes/{movies}/documents?retrieveVectors=1"),
        400,
        "invalid_document_retrieve_vectors",
        "Invalid value in parameter `retrieveVectors`: could not parse `1` as a boolean, "
        "expected either `true` or `false`",
    )


def test_filter_on_a_field_that_is_not_filterable(
    client: meilisearch.Client, http: httpx.Client, movies: str
) -> None:
    for response in (
        http.get(f"/indexes/{movies}/documents", params={"filter": "year = 2015"}),
        http.post(f"/indexes/{movies}/documents/fetch", json={"filter": "year = 2015"}),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_document_filter"
    response = http.post(f"/indexes/{movies}/documents/delete", json={"filter": "year = 2015"})
    if response.status_code == 202:  # checked when the task runs, once filters exist
        task = wait(client, response.json())
        assert (task.status, task.error["code"]) == ("failed", "invalid_document_filter")
    else:
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_document_filter"
    assert docs_of(http, movies)["total"] == len(MOVIES)
    assert_error(
        http.post(f"/indexes/{movies}/documents/delete", json={"filter": ""}),
        400,
        "invalid_document_filter",
        "Sending an empty filter is forbidden.",
    )


# --------------------------------------------------------------------------- deletions


def test_delete_one_document(client: meilisearch.Client, http: httpx.Client, movies: str) -> None:
    response = http.delete(f"/indexes/{movies}/documents/2")
    assert response.status_code == 202
    assert response.json()["type"] == "documentDeletion"
    task = wait_ok(client, response.json())
    assert task.details == {"providedIds": 1, "deletedDocuments": 1, "originalFilter": None}
    assert [d["id"] for d in docs_of(http, movies)["results"]] == [1, 3, 4, 5]
    missing = wait_ok(client, client.index(movies).delete_document("nope"))
    assert missing.details == {"providedIds": 1, "deletedDocuments": 0, "originalFilter": None}


def test_delete_a_batch_of_documents(
    client: meilisearch.Client, http: httpx.Client, movies: str
) -> None:
    response = http.post(f"/indexes/{movies}/documents/delete-batch", json=[1, "3", "nope"])
    assert response.status_code == 202
    task = wait_ok(client, response.json())
    assert task.type == "documentDeletion"
    assert task.details == {"providedIds": 3, "deletedDocuments": 2, "originalFilter": None}
    assert [d["id"] for d in docs_of(http, movies)["results"]] == [2, 4, 5]
    sdk = wait_ok(client, delete_ids(client.index(movies), [2, 4]))
    assert sdk.details["deletedDocuments"] == 2


def test_delete_all_documents(client: meilisearch.Client, http: httpx.Client, movies: str) -> None:
    response = http.delete(f"/indexes/{movies}/documents")
    assert response.status_code == 202
    task = wait_ok(client, response.json())
    assert task.details == {"deletedDocuments": 5}
    assert docs_of(http, movies)["total"] == 0
    assert client.get_index(movies).primary_key == "id"
    assert wait_ok(client, client.index(movies).delete_all_documents()).details == {
        "deletedDocuments": 0
    }


def test_deletions_on_a_missing_index_fail_in_the_task(
    client: meilisearch.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    for info, details in (
        (
            index.delete_document(1),
            {"providedIds": 1, "deletedDocuments": 0, "originalFilter": None},
        ),
        (index.delete_all_documents(), {"deletedDocuments": 0}),
    ):
        task = wait(client, info)
        assert task.status == "failed"
        assert task.details == details
        assert task.error == task_error("index_not_found", f"Index `{index_uid}` not found.")


def test_documents_of_failed_and_succeeded_tasks(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    infos = [
        index.add_documents([{"id": 1}]),
        index.add_documents([{"id": 2}, {"no_key": True}]),
        index.update_documents([{"id": 1, "v": 1}]),
        index.delete_document(1),
        index.add_documents([{"id": 3}]),
    ]
    statuses = [wait(client, info).status for info in infos]
    assert statuses == ["succeeded", "failed", "succeeded", "succeeded", "succeeded"]
    assert docs_of(http, index_uid)["results"] == [{"id": 3}]
