"""Indexes over the API: uid rules, creation, listing, update (primary key, rename),
deletion, swaps (with ``rename``), index stats, ``/stats``, ``/health`` and ``/version``.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest
from meilisearch.errors import MeilisearchApiError
from meilisearch.models.index import SizeFormat

from tests.api.conftest import wait, wait_ok
from tests.api.test_errors_api import LINK, UID_RULE, assert_error, newest_task_uid
from tests.api.test_tasks_api import RFC3339, rfc3339_ns
from tests.support.server import LumiServer


def error(code: str, message: str, kind: str = "invalid_request") -> dict[str, str]:
    return {"message": message, "code": code, "type": kind, "link": LINK + code}


def add_docs(client: meilisearch.Client, uid: str, docs: list[dict[str, Any]], **kw: Any) -> Any:
    return wait_ok(client, client.index(uid).add_documents(docs, **kw))


def api_error(call: Any) -> MeilisearchApiError:
    with pytest.raises(MeilisearchApiError) as caught:
        call()
    return caught.value


# --------------------------------------------------------------------------- creation


def test_create_index_answers_a_summarized_task(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    response = http.post("/indexes", json={"uid": index_uid, "primaryKey": "sku"})
    assert response.status_code == 202
    summary = response.json()
    assert list(summary) == ["taskUid", "indexUid", "status", "type", "enqueuedAt"]
    assert summary["indexUid"] == index_uid
    assert summary["status"] == "enqueued"
    assert summary["type"] == "indexCreation"
    assert RFC3339.match(summary["enqueuedAt"])
    task = wait_ok(client, summary["taskUid"])
    assert task.details == {"primaryKey": "sku"}
    view = http.get(f"/indexes/{index_uid}").json()
    assert list(view) == ["uid", "createdAt", "updatedAt", "primaryKey"]
    assert view["uid"] == index_uid
    assert view["primaryKey"] == "sku"
    assert RFC3339.match(view["createdAt"]) and RFC3339.match(view["updatedAt"])
    assert rfc3339_ns(view["createdAt"]) <= rfc3339_ns(view["updatedAt"])


def test_create_index_without_primary_key(client: meilisearch.Client, index_uid: str) -> None:
    task = wait_ok(client, client.create_index(index_uid))
    assert task.details == {"primaryKey": None}
    assert task.index_uid == index_uid
    assert client.get_index(index_uid).primary_key is None


def test_create_existing_index_fails_in_the_task(
    client: meilisearch.Client, index_uid: str
) -> None:
    wait_ok(client, client.create_index(index_uid))
    task = wait(client, client.create_index(index_uid, {"primaryKey": "id"}))
    assert task.status == "failed"
    assert task.error == error("index_already_exists", f"Index `{index_uid}` already exists.")
    assert task.details == {"primaryKey": "id"}
    assert client.get_index(index_uid).primary_key is None


@pytest.mark.parametrize(
    "suffix", ["", "-With_Dashes", "_9", "x" * 300], ids=["plain", "dashes", "digits", "long"]
)
def test_valid_index_uids(client: meilisearch.Client, index_uid: str, suffix: str) -> None:
    uid = (index_uid + suffix)[:400]
    wait_ok(client, client.create_index(uid))
    assert client.get_index(uid).uid == uid


def test_numeric_index_uid(client: meilisearch.Client, index_uid: str) -> None:
    uid = str(int(index_uid[4:], 16))
    wait_ok(client, client.create_index(uid))
    assert client.get_raw_index(uid)["uid"] == uid


@pytest.mark.parametrize(
    "uid", ["", "a b", "café", "a.b", ".meili_x", "a/b", "x" * 401, "a\tb"], ids=repr
)
def test_invalid_index_uids_are_refused(http: httpx.Client, uid: str) -> None:
    before = newest_task_uid(http)
    response = http.post("/indexes", json={"uid": uid})
    assert_error(
        response,
        400,
        "invalid_index_uid",
        f"Invalid value at `.uid`: `{uid}` is not a valid index uid. {UID_RULE}",
    )
    assert newest_task_uid(http) == before


@pytest.mark.parametrize("path", ["", "/documents", "/stats"])
def test_invalid_index_uid_in_path(http: httpx.Client, path: str) -> None:
    response = http.get(f"/indexes/caf%C3%A9{path}")
    assert_error(response, 400, "invalid_index_uid", f"`café` is not a valid index uid. {UID_RULE}")


# --------------------------------------------------------------------------- reading


def test_get_missing_index(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    for path in ("", "/stats", "/documents", "/documents/1"):
        response = http.get(f"/indexes/{index_uid}{path}")
        assert_error(response, 404, "index_not_found", f"Index `{index_uid}` not found.")
    sdk = api_error(lambda: client.get_index(index_uid))
    assert (sdk.status_code, sdk.code, sdk.type) == (404, "index_not_found", "invalid_request")


def test_list_indexes_sorted_with_offset_and_limit(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    uids = [f"{index_uid}_{c}" for c in ("c", "a", "B")]
    for uid in uids:
        client.create_index(uid)
    wait_ok(client, client.create_index(f"{index_uid}_d", {"primaryKey": "id"}))
    everything = http.get("/indexes", params={"limit": 10_000}).json()
    listed = [view["uid"] for view in everything["results"]]
    assert listed == sorted(listed, key=lambda uid: uid.encode())
    ours = [uid for uid in listed if uid.startswith(index_uid)]
    assert ours == [f"{index_uid}_B", f"{index_uid}_a", f"{index_uid}_c", f"{index_uid}_d"]
    assert everything["total"] == len(listed)
    assert everything["offset"] == 0 and everything["limit"] == 10_000

    start = listed.index(ours[0])
    page = http.get("/indexes", params={"offset": start + 1, "limit": 2}).json()
    assert list(page) == ["results", "offset", "limit", "total"]
    assert [v["uid"] for v in page["results"]] == ours[1:3]
    assert (page["offset"], page["limit"], page["total"]) == (start + 1, 2, len(listed))
    assert http.get("/indexes").json()["limit"] == 20

    sdk_page = client.get_indexes({"offset": start, "limit": 1})
    assert [index.uid for index in sdk_page["results"]] == [ours[0]]
    assert sdk_page["results"][0].primary_key is None
    assert client.get_index(ours[3]).primary_key == "id"


# --------------------------------------------------------------------------- update


def test_set_primary_key_on_an_empty_index(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.create_index(index_uid))
    created = http.get(f"/indexes/{index_uid}").json()
    task = wait_ok(client, client.index(index_uid).update(primary_key="sku"))
    assert task.type == "indexUpdate"
    assert task.details == {"primaryKey": "sku"}
    updated = http.get(f"/indexes/{index_uid}").json()
    assert updated["primaryKey"] == "sku"
    assert updated["createdAt"] == created["createdAt"]
    assert rfc3339_ns(updated["updatedAt"]) > rfc3339_ns(created["updatedAt"])


def test_primary_key_cannot_change_once_documents_exist(
    client: meilisearch.Client, index_uid: str
) -> None:
    add_docs(client, index_uid, [{"id": 1, "sku": "a"}])
    task = wait(client, client.index(index_uid).update(primary_key="sku"))
    assert task.status == "failed"
    assert task.error == error(
        "index_primary_key_already_exists",
        f"Index `{index_uid}`: Index already has a primary key: `id`.",
    )
    assert client.get_index(index_uid).primary_key == "id"


def test_update_missing_index_fails_in_the_task(client: meilisearch.Client, index_uid: str) -> None:
    task = wait(client, client.index(index_uid).update(primary_key="id"))
    assert task.status == "failed"
    assert task.error == error("index_not_found", f"Index `{index_uid}` not found.")


def test_rename_index_with_patch_uid(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    add_docs(client, index_uid, [{"id": 1, "title": "kept"}])
    new_uid = f"{index_uid}_renamed"
    response = http.patch(f"/indexes/{index_uid}", json={"uid": new_uid})
    assert response.status_code == 202
    assert response.json()["indexUid"] == index_uid
    task = wait_ok(client, response.json())
    assert task.details == {"primaryKey": None, "oldIndexUid": index_uid, "newIndexUid": new_uid}
    assert http.get(f"/indexes/{index_uid}").status_code == 404
    renamed = client.get_index(new_uid)
    assert renamed.primary_key == "id"
    assert client.index(new_uid).get_document(1).title == "kept"


def test_rename_onto_an_existing_index_fails(client: meilisearch.Client, index_uid: str) -> None:
    other = f"{index_uid}_other"
    wait_ok(client, client.create_index(index_uid))
    wait_ok(client, client.create_index(other))
    task = wait(client, client.index(index_uid).update(new_uid=other))
    assert task.status == "failed"
    assert task.error is not None
    assert task.error["code"] == "index_already_exists"
    assert task.error["message"] == f"Index `{other}` already exists."
    assert client.get_index(index_uid).uid == index_uid


def test_patch_with_the_same_uid_is_not_a_rename(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.create_index(index_uid))
    response = http.patch(f"/indexes/{index_uid}", json={"uid": index_uid, "primaryKey": "k"})
    task = wait_ok(client, response.json())
    assert task.details == {"primaryKey": "k"}
    assert client.get_index(index_uid).primary_key == "k"


@pytest.mark.parametrize(
    "body, code, message",
    [
        (
            {"createdAt": "2024-01-01T00:00:00Z"},
            "immutable_index_created_at",
            "Immutable field `createdAt`: expected one of `primaryKey`, `uid`",
        ),
        (
            {"updatedAt": "2024-01-01T00:00:00Z"},
            "immutable_index_updated_at",
            "Immutable field `updatedAt`: expected one of `primaryKey`, `uid`",
        ),
        (
            {"uid": "bad uid"},
            "invalid_index_uid",
            f"Invalid value at `.uid`: `bad uid` is not a valid index uid. {UID_RULE}",
        ),
        (
            {"primaryKey": 12},
            "invalid_index_primary_key",
            "Invalid value type at `.primaryKey`: expected a string, but found a positive "
            "integer: `12`",
        ),
    ],
)
def test_patch_index_errors(
    http: httpx.Client, index_uid: str, body: dict[str, Any], code: str, message: str
) -> None:
    before = newest_task_uid(http)
    assert_error(http.patch(f"/indexes/{index_uid}", json=body), 400, code, message)
    assert newest_task_uid(http) == before


# --------------------------------------------------------------------------- deletion


def test_delete_index(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    add_docs(client, index_uid, [{"id": 1}, {"id": 2}, {"id": 3}])
    response = http.delete(f"/indexes/{index_uid}")
    assert response.status_code == 202
    assert response.json()["type"] == "indexDeletion"
    task = wait_ok(client, response.json())
    assert task.details == {"deletedDocuments": 3}
    assert http.get(f"/indexes/{index_uid}").status_code == 404
    assert index_uid not in [v["uid"] for v in http.get("/indexes?limit=10000").json()["results"]]


def test_delete_missing_index_fails_in_the_task(client: meilisearch.Client, index_uid: str) -> None:
    task = wait(client, client.delete_index(index_uid))
    assert task.status == "failed"
    assert task.details == {"deletedDocuments": 0}
    assert task.error == error("index_not_found", f"Index `{index_uid}` not found.")


def test_deleted_index_can_be_created_again(client: meilisearch.Client, index_uid: str) -> None:
    add_docs(client, index_uid, [{"id": 1}])
    wait_ok(client, client.delete_index(index_uid))
    add_docs(client, index_uid, [{"key": "a"}], primary_key="key")
    assert client.get_index(index_uid).primary_key == "key"
    assert client.index(index_uid).get_documents().total == 1


# --------------------------------------------------------------------------- swaps


def test_swap_two_indexes(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    a, b = f"{index_uid}_a", f"{index_uid}_b"
    added_a = add_docs(client, a, [{"id": 1, "from": "a"}])
    add_docs(client, b, [{"key": 1, "from": "b"}, {"key": 2, "from": "b"}], primary_key="key")
    response = http.post("/swap-indexes", json=[{"indexes": [a, b]}])
    assert response.status_code == 202
    assert response.json()["indexUid"] is None
    assert response.json()["type"] == "indexSwap"
    task = wait_ok(client, response.json())
    assert task.index_uid is None
    assert task.details == {"swaps": [{"indexes": [a, b], "rename": False}]}
    assert client.get_index(a).primary_key == "key"
    assert client.index(a).get_documents().total == 2
    assert client.get_index(b).primary_key == "id"
    assert dict(client.index(b).get_document(1)) == {"id": 1, "from": "a"}
    # History is rewritten: the older addition to `a` now names `b`.
    assert client.get_task(added_a.uid).index_uid == b
    old_uids = {t.uid for t in client.get_tasks({"indexUids": [b]}).results}
    assert added_a.uid in old_uids


def test_swap_with_rename(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    a, b = f"{index_uid}_a", f"{index_uid}_b"
    add_docs(client, a, [{"id": 1}])
    response = http.post("/swap-indexes", json=[{"indexes": [a, b], "rename": True}])
    task = wait_ok(client, response.json())
    assert task.details == {"swaps": [{"indexes": [a, b], "rename": True}]}
    assert http.get(f"/indexes/{a}").status_code == 404
    assert client.index(b).get_documents().total == 1


def test_swap_rename_onto_existing_index_fails(client: meilisearch.Client, index_uid: str) -> None:
    a, b = f"{index_uid}_a", f"{index_uid}_b"
    wait_ok(client, client.create_index(a))
    wait_ok(client, client.create_index(b))
    task = wait(client, client.swap_indexes([{"indexes": [a, b], "rename": True}]))
    assert task.status == "failed"
    assert task.error == error(
        "index_already_exists",
        f"Cannot rename `{a}` to `{b}` as the index already exists. Hint: You can remove `{b}` "
        "first and then do your remove.",
    )
    assert client.get_index(a).uid == a


def test_swap_with_missing_indexes_fails(client: meilisearch.Client, index_uid: str) -> None:
    a, b = f"{index_uid}_a", f"{index_uid}_b"
    task = wait(client, client.swap_indexes([{"indexes": [a, b]}]))
    assert task.status == "failed"
    assert task.error == error("index_not_found", f"Indexes `{a}`, `{b}` not found.")
    wait_ok(client, client.create_index(a))
    task = wait(client, client.swap_indexes([{"indexes": [a, b]}]))
    assert task.error == error("index_not_found", f"Index `{b}` not found.")


@pytest.mark.parametrize(
    "body, code, message",
    [
        (
            [{"indexes": ["a", "b", "c"]}],
            "invalid_swap_indexes",
            'Two indexes must be given for each swap. The list `["a", "b", "c"]` contains 3 '
            "indexes.",
        ),
        (
            [{"indexes": ["a", "b"]}, {"indexes": ["c", "a"]}],
            "invalid_swap_duplicate_index_found",
            "Indexes must be declared only once during a swap. `a` was specified several times.",
        ),
        (
            [{"indexes": ["a", "b"]}, {"indexes": ["b", "a"]}],
            "invalid_swap_duplicate_index_found",
            "Indexes must be declared only once during a swap. `a`, `b` were specified several "
            "times.",
        ),
        ([{"rename": True}], "missing_swap_indexes", "Missing field `indexes` inside `[0]`"),
    ],
)
def test_swap_request_errors(http: httpx.Client, body: Any, code: str, message: str) -> None:
    before = newest_task_uid(http)
    assert_error(http.post("/swap-indexes", json=body), 400, code, message)
    assert newest_task_uid(http) == before


# --------------------------------------------------------------------------- stats


STATS_KEYS = [
    "numberOfDocuments",
    "rawDocumentDbSize",
    "avgDocumentSize",
    "isIndexing",
    "numberOfEmbeddings",
    "numberOfEmbeddedDocuments",
    "fieldDistribution",
]


def test_index_stats(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    add_docs(client, index_uid, [{"id": 1, "title": "a"}, {"id": 2, "title": "b", "year": 3}])
    stats = http.get(f"/indexes/{index_uid}/stats").json()
    assert list(stats) == STATS_KEYS
    assert stats["numberOfDocuments"] == 2
    assert stats["isIndexing"] is False
    assert stats["fieldDistribution"] == {"id": 2, "title": 2, "year": 1}
    assert stats["rawDocumentDbSize"] > 0
    assert stats["avgDocumentSize"] == stats["rawDocumentDbSize"] // 2
    assert client.index(index_uid).get_stats().number_of_documents == 2


def test_stats_of_an_empty_index(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.create_index(index_uid))
    stats = http.get(f"/indexes/{index_uid}/stats").json()
    assert stats["numberOfDocuments"] == 0
    assert stats["avgDocumentSize"] == 0
    assert stats["fieldDistribution"] == {}


def test_global_stats(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    task = add_docs(client, index_uid, [{"id": 1, "title": "a"}])
    finished_at = http.get(f"/tasks/{task.uid}").json()["finishedAt"]
    stats = http.get("/stats").json()
    assert list(stats) == ["databaseSize", "usedDatabaseSize", "lastUpdate", "indexes"]
    assert stats["databaseSize"] > 0
    assert RFC3339.match(stats["lastUpdate"])
    assert rfc3339_ns(stats["lastUpdate"]) >= rfc3339_ns(finished_at)
    assert stats["indexes"][index_uid] == http.get(f"/indexes/{index_uid}/stats").json()
    assert client.get_all_stats()["indexes"][index_uid]["numberOfDocuments"] == 1


INTERNAL_DATABASES = [
    "main",
    "documents",
    "external_ids",
    "word_docids",
    "exact_word_docids",
    "word_prefix_docids",
    "word_fid_docids",
    "word_position_docids",
    "word_pair_docids",
    "field_word_count_docids",
    "docid_word_positions",
    "reversed_words",
    "facet_string_docids",
    "facet_number_docids",
    "docid_facet_values",
    "field_docids",
    "geo",
    "vectors",
    "vector_docids",
    "vector_configs",
]
STATS_WITH_SIZES_KEYS = [*STATS_KEYS[:4], "internalDatabaseSizes", *STATS_KEYS[4:]]
HUMAN_SIZE = re.compile(r"^\d+(\.\d+)?\s+(B|KiB|MiB|GiB|TiB)$")
PAGE_SIZE = os.sysconf("SC_PAGESIZE")


def test_index_stats_with_internal_database_sizes(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    add_docs(client, index_uid, [{"id": 1, "title": "a"}, {"id": 2, "title": "b", "year": 3}])
    stats = http.get(f"/indexes/{index_uid}/stats?showInternalDatabaseSizes=true").json()
    assert list(stats) == STATS_WITH_SIZES_KEYS
    sizes = stats["internalDatabaseSizes"]
    assert list(sizes) == INTERNAL_DATABASES
    assert all(isinstance(size, int) and size % PAGE_SIZE == 0 for size in sizes.values())
    assert sizes["documents"] == stats["rawDocumentDbSize"] > 0
    assert sizes["word_docids"] > 0
    assert sizes["geo"] == 0
    without = http.get(f"/indexes/{index_uid}/stats?showInternalDatabaseSizes=false").json()
    assert list(without) == STATS_KEYS
    sdk_stats = client.index(index_uid).get_stats(show_internal_database_sizes=True)
    assert sdk_stats.internal_database_sizes == sizes


def test_index_stats_in_human_sizes(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    add_docs(client, index_uid, [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}])
    raw = http.get(f"/indexes/{index_uid}/stats?showInternalDatabaseSizes=true").json()
    query = "sizeFormat=human&showInternalDatabaseSizes=true"
    human = http.get(f"/indexes/{index_uid}/stats?{query}").json()
    assert list(human) == STATS_WITH_SIZES_KEYS
    one_page = f"{PAGE_SIZE // 1024} KiB"
    assert human["rawDocumentDbSize"] == one_page == human["internalDatabaseSizes"]["documents"]
    assert human["avgDocumentSize"] == f"{PAGE_SIZE // 2048} KiB"
    assert human["internalDatabaseSizes"]["geo"] == "0 B"
    assert list(human["internalDatabaseSizes"]) == list(raw["internalDatabaseSizes"])
    assert all(HUMAN_SIZE.match(size) for size in human["internalDatabaseSizes"].values())
    human_only = http.get(f"/indexes/{index_uid}/stats?sizeFormat=human").json()
    assert list(human_only) == STATS_KEYS
    sdk_stats = client.index(index_uid).get_stats(
        show_internal_database_sizes=True, size_format=SizeFormat.HUMAN
    )
    assert sdk_stats.internal_database_sizes == human["internalDatabaseSizes"]


def test_global_stats_with_internal_sizes_in_human_units(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    add_docs(client, index_uid, [{"id": 1, "title": "a"}])
    stats = client.get_all_stats(show_internal_database_sizes=True, size_format=SizeFormat.HUMAN)
    assert list(stats) == ["databaseSize", "usedDatabaseSize", "lastUpdate", "indexes"]
    assert HUMAN_SIZE.match(stats["databaseSize"])
    assert HUMAN_SIZE.match(stats["usedDatabaseSize"])
    for entry in stats["indexes"].values():
        assert list(entry) == STATS_WITH_SIZES_KEYS
        assert list(entry["internalDatabaseSizes"]) == INTERNAL_DATABASES
        assert all(HUMAN_SIZE.match(entry[key]) for key in STATS_KEYS[1:3])
        assert all(HUMAN_SIZE.match(size) for size in entry["internalDatabaseSizes"].values())
    single = f"/indexes/{index_uid}/stats?showInternalDatabaseSizes=true&sizeFormat=human"
    assert stats["indexes"][index_uid] == http.get(single).json()
    raw = http.get("/stats?showInternalDatabaseSizes=true").json()
    assert isinstance(raw["databaseSize"], int)
    assert raw["indexes"][index_uid]["internalDatabaseSizes"]["documents"] == PAGE_SIZE
    assert "internalDatabaseSizes" not in http.get("/stats").json()["indexes"][index_uid]


@pytest.mark.parametrize(
    "query, code, message",
    [
        (
            "sizeFormat=big",
            "invalid_stats_size_format",
            "Unknown value `big` for parameter `sizeFormat`: expected one of `raw`, `human`",
        ),
        (
            "showInternalDatabaseSizes=yes",
            "invalid_stats_show_internal_database_sizes",
            "Invalid value in parameter `showInternalDatabaseSizes`: could not parse `yes` as a "
            "boolean, expected either `true` or `false`",
        ),
        ("foo=1", "bad_request", None),
    ],
)
def test_stats_parameter_errors(
    client: meilisearch.Client,
    http: httpx.Client,
    index_uid: str,
    query: str,
    code: str,
    message: str | None,
) -> None:
    wait_ok(client, client.create_index(index_uid))
    for path in ("/stats", f"/indexes/{index_uid}/stats"):
        response = http.get(f"{path}?{query}")
        assert response.status_code == 400
        assert response.json()["code"] == code
        if message is not None:
            assert response.json()["message"] == message


# --------------------------------------------------------------------------- system


def test_health(client: meilisearch.Client, http: httpx.Client) -> None:
    response = http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "available"}
    assert client.is_healthy()


def test_version(client: meilisearch.Client, http: httpx.Client) -> None:
    version = http.get("/version").json()
    assert list(version) == ["commitSha", "commitDate", "pkgVersion"]
    assert version["pkgVersion"] == "1.50.0"
    assert client.get_version()["pkgVersion"] == "1.50.0"


def _processes_mapping(directory: str) -> list[int]:
    """Pids of this machine's processes with a file of ``directory`` mapped or open."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            maps = (proc / "maps").read_text()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if directory in maps:
            pids.append(int(proc.name))
    return pids


def test_a_deleted_index_frees_its_disk_space(
    client: meilisearch.Client, server: LumiServer, index_uid: str
) -> None:
    """Every process closes the deleted index's files, the web workers included (they
    opened it to search), so the space is given back while the server runs."""
    root = server.data_dir / "indexes"
    before = set(root.iterdir())
    index = client.index(index_uid)
    wait_ok(client, index.add_documents([{"id": 1, "title": "carol"}]))
    assert index.search("carol")["hits"] == [{"id": 1, "title": "carol"}]
    [path] = set(root.iterdir()) - before
    directory = str(path)
    assert _processes_mapping(directory)
    wait_ok(client, client.delete_index(index_uid))
    deadline = time.monotonic() + 10
    while _processes_mapping(directory) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mapping(directory) == []
