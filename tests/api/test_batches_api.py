"""Batches over the API: the batch object, autobatching as users see it, ``progress`` while
processing, every filter of ``GET /batches``, pagination, errors and the live batch stream.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import meilisearch
import pytest

from tests.api.conftest import wait, wait_ok
from tests.api.test_errors_api import assert_error
from tests.api.test_tasks_api import (
    Blocker,
    big_ndjson,
    blocked_queue,
    get_task,
    iso_duration,
    open_stream,
    rfc3339_ns,
)
from tests.support.server import LumiServer

BATCH_KEYS = [
    "uid",
    "progress",
    "details",
    "stats",
    "duration",
    "startedAt",
    "finishedAt",
    "batchStrategy",
]


def get_batch(http: httpx.Client, uid: int) -> dict[str, Any]:
    response = http.get(f"/batches/{uid}")
    assert response.status_code == 200, response.text
    return response.json()


def batch_uids(http: httpx.Client, **params: Any) -> list[int]:
    response = http.get("/batches", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return [batch["uid"] for batch in response.json()["results"]]


def test_batch_object(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> None:
    task = wait_ok(client, client.create_index(index_uid, {"primaryKey": "id"}))
    view = get_task(http, task.uid)
    batch = get_batch(http, view["batchUid"])
    assert list(batch) == BATCH_KEYS
    assert batch["uid"] == view["batchUid"]
    assert batch["progress"] is None
    assert batch["details"] == {"primaryKey": "id"}
    trace = batch["stats"].pop("progressTrace")
    assert batch["stats"] == {
        "totalNbTasks": 1,
        "status": {"succeeded": 1},
        "types": {"indexCreation": 1},
        "indexUids": {index_uid: 1},
    }
    assert list(trace) == ["processing tasks"]
    assert re.fullmatch(r"\d+\.\d\d(s|ms|µs|ns)", trace["processing tasks"])
    assert (batch["startedAt"], batch["finishedAt"]) == (view["startedAt"], view["finishedAt"])
    assert batch["duration"] == iso_duration(
        rfc3339_ns(batch["finishedAt"]) - rfc3339_ns(batch["startedAt"])
    )
    assert batch["batchStrategy"] == (
        f"created batch containing only task with id {task.uid} of type `indexCreation` that "
        "cannot be batched with any other task."
    )
    sdk = client.get_batch(batch["uid"])
    assert (sdk.uid, sdk.duration, sdk.progress) == (batch["uid"], batch["duration"], None)


def test_consecutive_additions_are_batched_together(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    with blocked_queue(http, index_uid):
        uids = [
            index.add_documents([{"id": 1}, {"id": 2}]).task_uid,
            index.add_documents([{"id": "bad id"}]).task_uid,
            index.update_documents([{"id": 1, "v": 1}]).task_uid,
        ]
    tasks = [wait(client, uid) for uid in uids]
    assert [t.status for t in tasks] == ["succeeded", "failed", "succeeded"]
    views = [get_task(http, uid) for uid in uids]
    assert len({v["batchUid"] for v in views}) == 1
    batch = get_batch(http, views[0]["batchUid"])
    assert batch["stats"] == {
        "totalNbTasks": 3,
        "status": {"succeeded": 2, "failed": 1},
        "types": {"documentAdditionOrUpdate": 3},
        "indexUids": {index_uid: 3},
        "progressTrace": {"processing tasks": batch["stats"]["progressTrace"]["processing tasks"]},
    }
    assert batch["details"] == {"receivedDocuments": 4, "indexedDocuments": 3}
    assert batch["batchStrategy"] == f"batched all enqueued tasks for index `{index_uid}`"
    assert {v["startedAt"] for v in views} == {batch["startedAt"]}
    assert {v["finishedAt"] for v in views} == {batch["finishedAt"]}
    assert index.get_documents().total == 2


def test_index_deletion_closes_a_batch(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    with blocked_queue(http, index_uid):
        added = index.add_documents([{"id": 1}]).task_uid
        deleted = client.delete_index(index_uid).task_uid
        again = index.add_documents([{"id": 2}]).task_uid
    for uid in (added, deleted, again):
        wait_ok(client, uid)
    first, second, third = (get_task(http, uid)["batchUid"] for uid in (added, deleted, again))
    assert first == second != third
    batch = get_batch(http, first)
    assert batch["batchStrategy"] == (
        f"stopped after task with id {deleted} because it deletes the index"
    )
    assert batch["stats"]["types"] == {"documentAdditionOrUpdate": 1, "indexDeletion": 1}
    assert index.get_documents().total == 1


def test_batch_while_processing(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.create_index(index_uid))
    # Read the index once first: opening an index environment for the first time waits for
    # the scheduler's write transaction on it (a known problem of the storage layer).
    assert http.get(f"/indexes/{index_uid}/stats").json()["isIndexing"] is False
    blocker = Blocker(http, index_uid)
    try:
        task = blocker.processing()
        batch = get_batch(http, task["batchUid"])
        assert list(batch) == BATCH_KEYS
        assert (batch["duration"], batch["finishedAt"]) == (None, None)
        assert batch["startedAt"] == task["startedAt"]
        assert batch["stats"] == {
            "totalNbTasks": 1,
            "status": {"processing": 1},
            "types": {"documentAdditionOrUpdate": 1},
            "indexUids": {index_uid: 1},
        }
        progress = batch["progress"]
        assert list(progress) == ["steps", "percentage"]
        assert 0 <= progress["percentage"] <= 100
        for step in progress["steps"]:
            assert list(step) == ["currentStep", "finished", "total"]
            assert 0 <= step["finished"] <= step["total"]
        assert batch["uid"] in batch_uids(http, statuses="processing")
        assert task["batchUid"] in batch_uids(http, indexUids=index_uid)
        assert http.get(f"/indexes/{index_uid}/stats").json()["isIndexing"] is True
    finally:
        blocker.release()
    assert http.get(f"/indexes/{index_uid}/stats").json()["isIndexing"] is False


@pytest.fixture
def batches(client: meilisearch.Client, http: httpx.Client, index_uid: str) -> dict[str, Any]:
    """Four tasks in four batches on two indexes, then a cancelation that matched one."""
    first, second = index_uid, f"{index_uid}_2"
    tasks = [
        wait(client, enqueue())
        for enqueue in (
            lambda: client.create_index(first),
            lambda: client.index(first).add_documents([{"id": 1}]),
            lambda: client.index(first).add_documents([{"id": "bad id"}]),
            lambda: client.create_index(second),
        )
    ]
    views = [get_task(http, t.uid) for t in tasks]
    cancel = wait_ok(client, http.post(f"/tasks/cancel?uids={tasks[1].uid}").json())
    return {
        "indexes": (first, second),
        "views": views,
        "batches": [v["batchUid"] for v in views],
        "cancel": get_task(http, cancel.uid),
    }


def test_batch_filters(http: httpx.Client, batches: dict[str, Any]) -> None:
    views, b, (first, second) = batches["views"], batches["batches"], batches["indexes"]
    both = f"{first},{second}"
    assert len(set(b)) == 4
    assert batch_uids(http, uids=views[1]["uid"]) == [b[1]]
    assert batch_uids(http, uids=f"{views[0]['uid']},{views[3]['uid']}") == [b[3], b[0]]
    assert batch_uids(http, batchUids=f"{b[2]},{b[0]}") == [b[2], b[0]]
    assert batch_uids(http, indexUids=first) == [b[2], b[1], b[0]]
    assert batch_uids(http, indexUids=both, types="indexCreation") == [b[3], b[0]]
    assert batch_uids(http, indexUids=first, statuses="failed") == [b[2]]
    assert batch_uids(http, indexUids=both, statuses="enqueued") == []
    cancel = batches["cancel"]
    assert batch_uids(http, canceledBy=cancel["uid"]) == [cancel["batchUid"]]
    assert batch_uids(http, indexUids=both, afterEnqueuedAt=views[1]["enqueuedAt"]) == [
        b[3],
        b[2],
    ]
    assert batch_uids(http, indexUids=both, afterStartedAt=views[1]["startedAt"]) == [b[3], b[2]]
    assert batch_uids(http, indexUids=both, beforeFinishedAt=views[2]["finishedAt"]) == [
        b[1],
        b[0],
    ]


def test_batch_pagination(
    client: meilisearch.Client, http: httpx.Client, batches: dict[str, Any]
) -> None:
    b, indexes = batches["batches"], ",".join(batches["indexes"])
    body = http.get("/batches", params={"indexUids": indexes, "limit": 2}).json()
    assert list(body) == ["results", "total", "limit", "from", "next"]
    assert [r["uid"] for r in body["results"]] == [b[3], b[2]]
    assert (body["total"], body["limit"], body["from"], body["next"]) == (4, 2, b[3], b[1])
    body = http.get(
        "/batches", params={"indexUids": indexes, "limit": 3, "from": b[1], "reverse": "true"}
    ).json()
    assert [r["uid"] for r in body["results"]] == [b[1], b[2], b[3]]
    assert body["next"] is None
    sdk = client.get_batches({"indexUids": list(batches["indexes"]), "limit": 1})
    assert ([x.uid for x in sdk.results], sdk.total, sdk.next_) == ([b[3]], 4, b[2])


@pytest.mark.parametrize(
    "path, status, code, message",
    [
        (
            "/batches/x",
            400,
            "invalid_batch_uids",
            "Batch uid `x` is invalid. It should only contain numeric characters.",
        ),
        (
            "/batches/-3",
            400,
            "invalid_batch_uids",
            "Batch uid `-3` is invalid. It should only contain numeric characters.",
        ),
        ("/batches/4294967295", 404, "batch_not_found", "Batch `4294967295` not found."),
        (
            "/batches?types=nope",
            400,
            "invalid_task_types",
            "Invalid value in parameter `types`: `nope` is not a valid task type. Available "
            "types are `documentAdditionOrUpdate`, `documentEdition`, `documentDeletion`, "
            "`settingsUpdate`, `indexCreation`, `indexDeletion`, `indexUpdate`, `indexSwap`, "
            "`taskCancelation`, `taskDeletion`, `dumpCreation`, `snapshotCreation`, `export`, "
            "`upgradeDatabase`, `indexCompaction`, `networkTopologyChange`, `dsrUpdate`, "
            "`dsrClear`.",
        ),
        (
            "/batches?batchUids=1,b",
            400,
            "invalid_batch_uids",
            "Invalid value in parameter `batchUids[1]`: could not parse `b` as a positive integer",
        ),
        (
            "/batches?limit=x",
            400,
            "invalid_task_limit",
            "Invalid value in parameter `limit`: could not parse `x` as a positive integer",
        ),
        (
            "/batches?beforeStartedAt=today",
            400,
            "invalid_task_before_started_at",
            "Invalid value in parameter `beforeStartedAt`: `today` is an invalid date-time. It "
            "should follow the YYYY-MM-DD or RFC 3339 date-time format.",
        ),
    ],
)
def test_batch_errors(http: httpx.Client, path: str, status: int, code: str, message: str) -> None:
    assert_error(http.get(path), status, code, message)


def test_deleting_every_task_of_a_batch_deletes_the_batch(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    task = wait_ok(client, client.create_index(index_uid))
    batch_uid = get_task(http, task.uid)["batchUid"]
    wait_ok(client, client.delete_tasks({"uids": [str(task.uid)]}))
    assert_error(
        http.get(f"/batches/{batch_uid}"), 404, "batch_not_found", f"Batch `{batch_uid}` not found."
    )
    assert batch_uid not in batch_uids(http, batchUids=batch_uid)


def test_batch_stream(
    server: LumiServer, client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    with open_stream(server.url, "/batches/stream") as stream:
        response = http.post(
            f"/indexes/{index_uid}/documents",
            content=big_ndjson(30_000),
            headers={"Content-Type": "application/x-ndjson"},
        )
        uid = response.json()["taskUid"]
        lines = stream.until(
            lambda batch: (
                index_uid in batch["stats"]["indexUids"] and batch["finishedAt"] is not None
            )
        )
    batch_uid = get_task(http, uid)["batchUid"]
    ours = [line for line in lines if line["uid"] == batch_uid]
    running, final = ours[:-1], ours[-1]
    assert running, "the running batch was never streamed"
    for line in running:
        assert list(line) == BATCH_KEYS
        assert line["progress"] is not None and line["finishedAt"] is None
        assert line["stats"]["status"] == {"processing": 1}
    assert final == get_batch(http, batch_uid)
    assert final["progress"] is None
