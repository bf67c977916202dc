"""The task queue over the API: the task object field by field, every ``GET /tasks`` filter
and its errors, pagination, cancelation, deletion, task payloads and the live task stream.

Tasks that must stay ``enqueued`` while a test looks at them wait behind a ``Blocker``: a
large addition on its own index that keeps the scheduler busy until the test cancels it.
"""

from __future__ import annotations

import contextlib
import datetime
import queue
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import meilisearch
import orjson
import pytest

from tests.api.conftest import wait, wait_ok
from tests.api.test_errors_api import assert_error, newest_task_uid
from tests.support.server import LumiServer

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
TASK_KEYS = [
    "uid",
    "batchUid",
    "indexUid",
    "status",
    "type",
    "canceledBy",
    "details",
    "error",
    "duration",
    "enqueuedAt",
    "startedAt",
    "finishedAt",
]
TYPES = (
    "`documentAdditionOrUpdate`, `documentEdition`, `documentDeletion`, `settingsUpdate`, "
    "`indexCreation`, `indexDeletion`, `indexUpdate`, `indexSwap`, `taskCancelation`, "
    "`taskDeletion`, `dumpCreation`, `snapshotCreation`, `export`, `upgradeDatabase`, "
    "`indexCompaction`, `networkTopologyChange`, `dsrUpdate`, `dsrClear`"
)
STATUSES = "`enqueued`, `processing`, `succeeded`, `failed`, `canceled`"
NS = 1_000_000_000
STEP_TIMEOUT = 30.0


def rfc3339_ns(text: str) -> int:
    base, _, frac = text.rstrip("Z").partition(".")
    seconds = datetime.datetime.fromisoformat(base + "+00:00").timestamp()
    return int(seconds) * NS + int(frac.ljust(9, "0") or 0)


def iso_duration(ns: int) -> str:
    """The reference's ISO 8601 form: days split off, fraction of 0, 3, 6 or 9 digits."""
    days, rest = divmod(ns, 86_400 * NS)
    secs, frac = divmod(rest, NS)
    digits = 0 if frac == 0 else 3 if frac % 1_000_000 == 0 else 6 if frac % 1_000 == 0 else 9
    fraction = f".{frac // 10 ** (9 - digits):0{digits}d}" if digits else ""
    return "P" + (f"{days}D" if days else "") + (f"T{secs}{fraction}S" if rest or not days else "")


def get_task(http: httpx.Client, uid: int) -> dict[str, Any]:
    response = http.get(f"/tasks/{uid}")
    assert response.status_code == 200, response.text
    return response.json()


def task_uids(http: httpx.Client, **params: Any) -> list[int]:
    response = http.get("/tasks", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return [task["uid"] for task in response.json()["results"]]


def wait_status(http: httpx.Client, uid: int, status: str) -> dict[str, Any]:
    """Wait (like ``wait_for_task``) until a task shows ``status``."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        task = get_task(http, uid)
        if task["status"] == status:
            return task
        assert task["status"] in ("enqueued", "processing"), task
        time.sleep(0.01)
    raise AssertionError(f"task {uid} never became {status}")


def big_ndjson(n: int) -> bytes:
    return b"".join(b'{"id":%d,"t":"w%d x%d y"}\n' % (i, i % 997, i % 13) for i in range(n))


class Blocker:
    """A large addition on its own index: the scheduler stays busy until ``release``."""

    DOCUMENTS = 200_000

    def __init__(self, http: httpx.Client, index_uid: str) -> None:
        self.http = http
        self.index_uid = index_uid
        response = http.post(
            f"/indexes/{index_uid}/documents",
            content=big_ndjson(self.DOCUMENTS),
            headers={"Content-Type": "application/x-ndjson"},
        )
        assert response.status_code == 202, response.text
        self.uid: int = response.json()["taskUid"]

    def processing(self) -> dict[str, Any]:
        return wait_status(self.http, self.uid, "processing")

    def release(self) -> dict[str, Any]:
        """Cancel the blocking task; returns the finished cancelation task."""
        response = self.http.post("/tasks/cancel", params={"uids": self.uid})
        assert response.status_code == 200, response.text
        cancel_uid = response.json()["taskUid"]
        done = wait_status(self.http, cancel_uid, "succeeded")
        assert get_task(self.http, self.uid)["status"] in ("canceled", "succeeded")
        return done


@contextlib.contextmanager
def blocked_queue(http: httpx.Client, index_uid: str) -> Iterator[Blocker]:
    blocker = Blocker(http, f"{index_uid}_blocker")
    try:
        yield blocker
    finally:
        blocker.release()


class Stream:
    """Lines of a live NDJSON stream, read on a thread so that reads can time out."""

    def __init__(self, url: str, path: str, params: dict[str, Any] | None = None) -> None:
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.client = httpx.Client(base_url=url, timeout=httpx.Timeout(5.0, read=None))
        self.response = self.client.send(
            self.client.build_request("GET", path, params=params), stream=True
        )
        assert self.response.status_code == 200
        assert self.response.headers["content-type"].startswith("application/x-ndjson")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with contextlib.suppress(httpx.HTTPError, RuntimeError):
            for line in self.response.iter_lines():
                if line:
                    self.lines.put(orjson.loads(line))

    def until(self, done: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Every line read up to and including the first one ``done`` accepts."""
        seen = []
        deadline = time.monotonic() + STEP_TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"the awaited line never came; got {seen}") from None
            seen.append(line)
            if done(line):
                return seen

    def close(self) -> None:
        """Hang up; shutting the socket down is what unblocks the reading thread, so the
        server sees the client leave and ends its side of the stream."""
        network = self.response.extensions.get("network_stream")
        sock = network.get_extra_info("socket") if network is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.thread.join(timeout=5)
        self.response.close()
        self.client.close()


@contextlib.contextmanager
def open_stream(url: str, path: str, params: dict[str, Any] | None = None) -> Iterator[Stream]:
    stream = Stream(url, path, params)
    try:
        yield stream
    finally:
        stream.close()


# --------------------------------------------------------------------------- the task object


def test_task_object_of_a_finished_addition(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    summary = http.post(f"/indexes/{index_uid}/documents", json=[{"id": 1}, {"id": 2}]).json()
    wait_ok(client, summary)
    task = get_task(http, summary["taskUid"])
    assert list(task) == TASK_KEYS
    assert task["uid"] == summary["taskUid"]
    assert task["enqueuedAt"] == summary["enqueuedAt"]
    assert (task["indexUid"], task["status"], task["type"]) == (
        index_uid,
        "succeeded",
        "documentAdditionOrUpdate",
    )
    assert task["canceledBy"] is None and task["error"] is None
    assert task["details"] == {"receivedDocuments": 2, "indexedDocuments": 2}
    assert isinstance(task["batchUid"], int)
    for key in ("enqueuedAt", "startedAt", "finishedAt"):
        assert RFC3339.match(task[key]), task[key]
    enqueued, started, finished = (
        rfc3339_ns(task[k]) for k in ("enqueuedAt", "startedAt", "finishedAt")
    )
    assert enqueued <= started <= finished
    assert task["duration"] == iso_duration(finished - started)
    batch = http.get(f"/batches/{task['batchUid']}").json()
    assert (batch["startedAt"], batch["finishedAt"]) == (task["startedAt"], task["finishedAt"])


def test_task_object_while_enqueued(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    with blocked_queue(http, index_uid):
        summary = http.post(f"/indexes/{index_uid}/documents", json=[{"id": 1}]).json()
        task = get_task(http, summary["taskUid"])
        assert task == {
            "uid": summary["taskUid"],
            "batchUid": None,
            "indexUid": index_uid,
            "status": "enqueued",
            "type": "documentAdditionOrUpdate",
            "canceledBy": None,
            "details": {"receivedDocuments": 1, "indexedDocuments": None},
            "error": None,
            "duration": None,
            "enqueuedAt": summary["enqueuedAt"],
            "startedAt": None,
            "finishedAt": None,
        }
        assert list(task) == TASK_KEYS
    wait_ok(client, summary)


def test_processing_task_shows_its_batch(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    with blocked_queue(http, index_uid) as blocker:
        task = blocker.processing()
        assert isinstance(task["batchUid"], int)
        assert RFC3339.match(task["startedAt"])
        assert (task["finishedAt"], task["duration"]) == (None, None)
        assert task["details"] == {"receivedDocuments": Blocker.DOCUMENTS, "indexedDocuments": None}
        assert blocker.uid in task_uids(http, statuses="processing")
        assert blocker.uid not in task_uids(http, statuses="enqueued")
        assert blocker.uid in task_uids(http, batchUids=task["batchUid"])


def test_details_of_each_task_type_while_enqueued_and_finished(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    other = f"{index_uid}_b"
    wait_ok(client, client.index(index_uid).add_documents([{"id": 1}, {"id": 2}]))
    wait_ok(client, client.create_index(other))
    wait_ok(client, client.index(f"{index_uid}_e").add_documents([{"id": 1}]))
    requests = [
        ("POST", "/indexes", {"uid": f"{index_uid}_c", "primaryKey": "k"}),
        ("PATCH", f"/indexes/{other}", {"primaryKey": "pk"}),
        ("PATCH", f"/indexes/{other}", {"uid": f"{index_uid}_d"}),
        ("POST", f"/indexes/{index_uid}/documents/delete-batch", [1, "x"]),
        ("DELETE", f"/indexes/{index_uid}/documents/2", None),
        ("DELETE", f"/indexes/{index_uid}/documents", None),
        ("POST", "/swap-indexes", [{"indexes": [f"{index_uid}_c", f"{index_uid}_d"]}]),
        ("DELETE", f"/indexes/{index_uid}_e", None),
    ]
    with blocked_queue(http, index_uid):
        uids = [http.request(m, p, json=b).json()["taskUid"] for m, p, b in requests]
        enqueued = [get_task(http, uid)["details"] for uid in uids]
    finished = [wait_ok(client, uid).details for uid in uids]
    assert enqueued == [
        {"primaryKey": "k"},
        {"primaryKey": "pk"},
        {"primaryKey": None, "oldIndexUid": other, "newIndexUid": f"{index_uid}_d"},
        {"providedIds": 2, "deletedDocuments": None, "originalFilter": None},
        {"providedIds": 1, "deletedDocuments": None, "originalFilter": None},
        {"deletedDocuments": None},
        {"swaps": [{"indexes": [f"{index_uid}_c", f"{index_uid}_d"], "rename": False}]},
        {"deletedDocuments": None},
    ]
    assert finished == [
        {"primaryKey": "k"},
        {"primaryKey": "pk"},
        {"primaryKey": None, "oldIndexUid": other, "newIndexUid": f"{index_uid}_d"},
        {"providedIds": 2, "deletedDocuments": 1, "originalFilter": None},
        {"providedIds": 1, "deletedDocuments": 1, "originalFilter": None},
        {"deletedDocuments": 0},
        {"swaps": [{"indexes": [f"{index_uid}_c", f"{index_uid}_d"], "rename": False}]},
        {"deletedDocuments": 1},
    ]


def test_failed_task_keeps_its_error_and_zero_counts(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    uid = client.index(index_uid).add_documents([{"no_key_here": 1}]).task_uid
    wait(client, uid)
    task = get_task(http, uid)
    assert list(task) == TASK_KEYS
    assert task["status"] == "failed"
    assert task["details"] == {"receivedDocuments": 1, "indexedDocuments": 0}
    assert list(task["error"]) == ["message", "code", "type", "link"]
    assert task["error"]["code"] == "index_primary_key_no_candidate_found"
    assert task["duration"] == iso_duration(
        rfc3339_ns(task["finishedAt"]) - rfc3339_ns(task["startedAt"])
    )


def test_task_uids_increase_without_gaps(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    uids = [
        http.post(f"/indexes/{index_uid}_{n}/documents", json=[{"id": n}]).json()["taskUid"]
        for n in range(5)
    ]
    assert uids == list(range(uids[0], uids[0] + 5))
    enqueued = [get_task(http, uid)["enqueuedAt"] for uid in uids]
    assert [rfc3339_ns(e) for e in enqueued] == sorted({rfc3339_ns(e) for e in enqueued})
    wait_ok(client, uids[-1])


@pytest.mark.parametrize(
    "path, status, code, message",
    [
        ("/tasks/abc", 400, "invalid_task_uids", None),
        ("/tasks/-1", 400, "invalid_task_uids", None),
        ("/tasks/4294967296", 400, "invalid_task_uids", None),
        ("/tasks/4294967295", 404, "task_not_found", "Task `4294967295` not found."),
    ],
)
def test_get_task_errors(
    http: httpx.Client, path: str, status: int, code: str, message: str | None
) -> None:
    raw = path.rsplit("/", 1)[1]
    expected = message or f"Task uid `{raw}` is invalid. It should only contain numeric characters."
    assert_error(http.get(path), status, code, expected)


# --------------------------------------------------------------------------- filters


@pytest.fixture(scope="session")
def history(server: LumiServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Five finished tasks on two fresh indexes, each in its own batch."""
    client = meilisearch.Client(server.url, timeout=30)
    suffix = tmp_path_factory.mktemp("history").name.replace("-", "_")
    first, second = f"hist_{suffix}", f"hist2_{suffix}"
    with httpx.Client(base_url=server.url, timeout=30) as http:
        uids = []
        for make in (
            lambda: client.create_index(first),
            lambda: client.index(first).add_documents([{"id": 1}, {"id": 2}]),
            lambda: client.index(first).add_documents([{"bad": True}]),
            lambda: client.index(first).delete_document(1),
            lambda: client.create_index(second),
        ):
            uids.append(wait(client, make()).uid)
        views = [get_task(http, uid) for uid in uids]
    return {"indexes": (first, second), "uids": uids, "views": views}


def test_filter_by_uids(http: httpx.Client, history: dict[str, Any]) -> None:
    t = history["uids"]
    assert task_uids(http, uids=f"{t[1]},{t[3]}") == [t[3], t[1]]
    assert task_uids(http, uids=f"{t[0]}", indexUids=history["indexes"][1]) == []


def test_filter_by_statuses(http: httpx.Client, history: dict[str, Any]) -> None:
    t, (first, _) = history["uids"], history["indexes"]
    assert task_uids(http, indexUids=first, statuses="failed") == [t[2]]
    assert task_uids(http, indexUids=first, statuses="succeeded") == [t[3], t[1], t[0]]
    assert task_uids(http, indexUids=first, statuses="succeeded,failed") == t[3::-1]
    assert task_uids(http, indexUids=first, statuses="*") == t[3::-1]
    assert task_uids(http, indexUids=first, statuses="enqueued,processing,canceled") == []


def test_filter_by_types(http: httpx.Client, history: dict[str, Any]) -> None:
    t, indexes = history["uids"], ",".join(history["indexes"])
    assert task_uids(http, indexUids=indexes, types="indexCreation") == [t[4], t[0]]
    additions = task_uids(http, indexUids=indexes, types="DOCUMENTADDITIONORUPDATE")
    assert additions == [t[2], t[1]]
    assert task_uids(http, indexUids=indexes, types="documentDeletion,indexCreation") == [
        t[4],
        t[3],
        t[0],
    ]


def test_filter_by_index_uids(
    client: meilisearch.Client, http: httpx.Client, history: dict[str, Any]
) -> None:
    t, (first, second) = history["uids"], history["indexes"]
    assert task_uids(http, indexUids=second) == [t[4]]
    assert task_uids(http, indexUids=f"{first},{second}") == t[::-1]
    sdk = client.get_tasks({"indexUids": [first, second], "limit": 2})
    assert [task.uid for task in sdk.results] == [t[4], t[3]]
    assert (sdk.total, sdk.limit, sdk.from_, sdk.next_) == (5, 2, t[4], t[2])


def test_filter_by_batch_uids(http: httpx.Client, history: dict[str, Any]) -> None:
    views = history["views"]
    batch = views[1]["batchUid"]
    expected = [v["uid"] for v in views if v["batchUid"] == batch]
    assert task_uids(http, batchUids=batch) == expected
    both = f"{views[0]['batchUid']},{views[4]['batchUid']}"
    assert task_uids(http, batchUids=both) == [views[4]["uid"], views[0]["uid"]]


@pytest.mark.parametrize(
    "param, field, index, before",
    [
        ("afterEnqueuedAt", "enqueuedAt", 2, False),
        ("beforeEnqueuedAt", "enqueuedAt", 2, True),
        ("afterStartedAt", "startedAt", 1, False),
        ("beforeStartedAt", "startedAt", 3, True),
        ("afterFinishedAt", "finishedAt", 3, False),
        ("beforeFinishedAt", "finishedAt", 2, True),
    ],
)
def test_date_filters_are_strict(
    http: httpx.Client, history: dict[str, Any], param: str, field: str, index: int, before: bool
) -> None:
    views, indexes = history["views"], ",".join(history["indexes"])
    bound = views[index][field]
    ns = rfc3339_ns(bound)
    expected = [
        v["uid"]
        for v in reversed(views)
        if (rfc3339_ns(v[field]) < ns if before else rfc3339_ns(v[field]) > ns)
    ]
    assert views[index]["uid"] not in expected
    assert task_uids(http, indexUids=indexes, **{param: bound}) == expected
    # The same instant written with an offset.
    shifted = datetime.datetime.fromtimestamp(
        ns // NS, datetime.timezone(datetime.timedelta(hours=2))
    )
    frac = bound.rstrip("Z").partition(".")[2]
    with_offset = shifted.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "+02:00"
    assert task_uids(http, indexUids=indexes, **{param: with_offset}) == expected


@pytest.mark.parametrize("param", ["EnqueuedAt", "StartedAt", "FinishedAt"])
def test_bare_date_filters(http: httpx.Client, history: dict[str, Any], param: str) -> None:
    views, indexes = history["views"], ",".join(history["indexes"])
    field = param[0].lower() + param[1:]
    day = datetime.date.fromisoformat(views[0][field][:10])
    midnight = rfc3339_ns(f"{day}T00:00:00Z")
    next_midnight = midnight + 86_400 * NS
    everything = [v["uid"] for v in reversed(views)]
    after_day = [v["uid"] for v in reversed(views) if rfc3339_ns(v[field]) >= next_midnight]
    before_day = [v["uid"] for v in reversed(views) if rfc3339_ns(v[field]) < midnight]
    assert task_uids(http, indexUids=indexes, **{f"after{param}": str(day)}) == after_day
    assert task_uids(http, indexUids=indexes, **{f"before{param}": str(day)}) == before_day
    yesterday, tomorrow = day - datetime.timedelta(days=1), day + datetime.timedelta(days=2)
    assert task_uids(http, indexUids=indexes, **{f"after{param}": str(yesterday)}) == everything
    assert task_uids(http, indexUids=indexes, **{f"before{param}": str(tomorrow)}) == everything
    assert task_uids(http, indexUids=indexes, **{f"before{param}": "*"}) == everything


def test_filters_combine_with_and(http: httpx.Client, history: dict[str, Any]) -> None:
    t, (first, _) = history["uids"], history["indexes"]
    params = {"indexUids": first, "types": "documentAdditionOrUpdate", "statuses": "succeeded"}
    assert task_uids(http, **params) == [t[1]]
    assert task_uids(http, **params, uids=f"{t[2]},{t[3]}") == []


def test_pagination(http: httpx.Client, history: dict[str, Any]) -> None:
    t, indexes = history["uids"], ",".join(history["indexes"])

    def page(**params: Any) -> tuple[list[int], int, int, int | None, int | None]:
        body = http.get("/tasks", params={"indexUids": indexes, **params}).json()
        assert list(body) == ["results", "total", "limit", "from", "next"]
        uids = [task["uid"] for task in body["results"]]
        return uids, body["total"], body["limit"], body["from"], body["next"]

    assert page(limit=2) == ([t[4], t[3]], 5, 2, t[4], t[2])
    assert page(limit=2, **{"from": t[2]}) == ([t[2], t[1]], 5, 2, t[2], t[0])
    assert page(limit=2, **{"from": t[0]}) == ([t[0]], 5, 2, t[0], None)
    assert page(limit=2, reverse="true") == ([t[0], t[1]], 5, 2, t[0], t[2])
    assert page(limit=2, reverse="true", **{"from": t[3]}) == ([t[3], t[4]], 5, 2, t[3], None)
    assert page(limit=0) == ([], 5, 0, None, t[4])
    assert page() == (t[::-1], 5, 20, t[4], None)
    assert page(uids=str(t[4] + 1_000_000)) == ([], 0, 20, None, None)


@pytest.mark.parametrize(
    "query, code, message",
    [
        (
            "uids=x",
            "invalid_task_uids",
            "Invalid value in parameter `uids`: could not parse `x` as a positive integer",
        ),
        (
            "uids=1,x",
            "invalid_task_uids",
            "Invalid value in parameter `uids[1]`: could not parse `x` as a positive integer",
        ),
        (
            "uids=4294967296",
            "invalid_task_uids",
            "Invalid value in parameter `uids`: could not parse `4294967296` as a positive integer",
        ),
        (
            "batchUids=-1",
            "invalid_batch_uids",
            "Invalid value in parameter `batchUids`: could not parse `-1` as a positive integer",
        ),
        (
            "canceledBy=a",
            "invalid_task_canceled_by",
            "Invalid value in parameter `canceledBy`: could not parse `a` as a positive integer",
        ),
        (
            "types=createIndex",
            "invalid_task_types",
            "Invalid value in parameter `types`: `createIndex` is not a valid task type. "
            f"Available types are {TYPES}.",
        ),
        (
            "statuses=done",
            "invalid_task_statuses",
            "Invalid value in parameter `statuses`: `done` is not a valid task status. "
            f"Available statuses are {STATUSES}.",
        ),
        (
            "indexUids=a%20b",
            "invalid_index_uid",
            "Invalid value in parameter `indexUids`: `a b` is not a valid index uid. Index uid "
            "can be an integer or a string containing only alphanumeric characters, hyphens (-) "
            "and underscores (_), and can not be more than 512 bytes.",
        ),
        *(
            (
                f"{name}=2024-02-30",
                f"invalid_task_{snake}",
                f"Invalid value in parameter `{name}`: `2024-02-30` is an invalid date-time. It "
                "should follow the YYYY-MM-DD or RFC 3339 date-time format.",
            )
            for name, snake in (
                ("afterEnqueuedAt", "after_enqueued_at"),
                ("beforeEnqueuedAt", "before_enqueued_at"),
                ("afterStartedAt", "after_started_at"),
                ("beforeStartedAt", "before_started_at"),
                ("afterFinishedAt", "after_finished_at"),
                ("beforeFinishedAt", "before_finished_at"),
            )
        ),
        (
            "afterEnqueuedAt=yesterday",
            "invalid_task_after_enqueued_at",
            "Invalid value in parameter `afterEnqueuedAt`: `yesterday` is an invalid date-time. "
            "It should follow the YYYY-MM-DD or RFC 3339 date-time format.",
        ),
    ],
)
@pytest.mark.parametrize("route", ["GET /tasks", "POST /tasks/cancel", "DELETE /tasks"])
def test_invalid_filter_values(
    http: httpx.Client, route: str, query: str, code: str, message: str
) -> None:
    method, path = route.split()
    before = newest_task_uid(http)
    assert_error(http.request(method, f"{path}?{query}"), 400, code, message)
    assert newest_task_uid(http) == before


@pytest.mark.parametrize(
    "query, code, message",
    [
        (
            "limit=-2",
            "invalid_task_limit",
            "Invalid value in parameter `limit`: could not parse `-2` as a positive integer",
        ),
        (
            "from=x",
            "invalid_task_from",
            "Invalid value in parameter `from`: could not parse `x` as a positive integer",
        ),
        (
            "reverse=1",
            "invalid_task_reverse",
            "Invalid value in parameter `reverse`: could not parse `1` as a boolean, expected "
            "either `true` or `false`",
        ),
        (
            "indexUid=x",
            "bad_request",
            "Unknown parameter `indexUid`: did you mean `indexUids`? expected one of `limit`, "
            "`from`, `reverse`, `uids`, `batchUids`, `canceledBy`, `types`, `statuses`, "
            "`indexUids`, `afterEnqueuedAt`, `beforeEnqueuedAt`, `afterStartedAt`, "
            "`beforeStartedAt`, `afterFinishedAt`, `beforeFinishedAt`",
        ),
    ],
)
def test_invalid_list_parameters(http: httpx.Client, query: str, code: str, message: str) -> None:
    assert_error(http.get(f"/tasks?{query}"), 400, code, message)


@pytest.mark.parametrize(
    "method, path, verb", [("POST", "/tasks/cancel", "cancel"), ("DELETE", "/tasks", "delete")]
)
def test_cancel_and_delete_need_a_filter(
    http: httpx.Client, method: str, path: str, verb: str
) -> None:
    before = newest_task_uid(http)
    assert_error(
        http.request(method, path),
        400,
        "missing_task_filters",
        f"Query parameters to filter the tasks to {verb} are missing. Available query "
        "parameters are: `uids`, `indexUids`, `statuses`, `types`, `canceledBy`, "
        "`beforeEnqueuedAt`, `afterEnqueuedAt`, `beforeStartedAt`, `afterStartedAt`, "
        "`beforeFinishedAt`, `afterFinishedAt`.",
    )
    for extra in ("limit=1", "from=1", "reverse=true"):
        name = extra.split("=")[0]
        assert_error(
            http.request(method, f"{path}?{extra}"),
            400,
            "bad_request",
            f"Unknown parameter `{name}`: expected one of `uids`, `batchUids`, `canceledBy`, "
            "`types`, `statuses`, `indexUids`, `afterEnqueuedAt`, `beforeEnqueuedAt`, "
            "`afterStartedAt`, `beforeStartedAt`, `afterFinishedAt`, `beforeFinishedAt`",
        )
    assert newest_task_uid(http) == before


# --------------------------------------------------------------------------- cancelation


def test_cancel_enqueued_tasks(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    bystander = f"{index_uid}_other"
    with blocked_queue(http, index_uid):
        doomed = [client.index(index_uid).add_documents([{"id": n}]).task_uid for n in range(2)]
        spared = client.index(bystander).add_documents([{"id": 1}]).task_uid
        response = http.post(f"/tasks/cancel?indexUids={index_uid}&statuses=enqueued")
        assert response.status_code == 200
        summary = response.json()
        assert list(summary) == ["taskUid", "indexUid", "status", "type", "enqueuedAt"]
        assert (summary["indexUid"], summary["status"], summary["type"]) == (
            None,
            "enqueued",
            "taskCancelation",
        )
        pending = get_task(http, summary["taskUid"])
        assert pending["details"] == {
            "matchedTasks": 2,
            "canceledTasks": None,
            "originalFilter": f"?indexUids={index_uid}&statuses=enqueued",
        }
    cancel = wait_ok(client, summary)
    assert cancel.index_uid is None
    assert cancel.details == {
        "matchedTasks": 2,
        "canceledTasks": 2,
        "originalFilter": f"?indexUids={index_uid}&statuses=enqueued",
    }
    cancel_view = get_task(http, cancel.uid)
    for uid in doomed:
        task = get_task(http, uid)
        assert task["status"] == "canceled"
        assert task["canceledBy"] == cancel.uid
        assert task["error"] is None
        assert task["details"] == {"receivedDocuments": 1, "indexedDocuments": 0}
        assert task["batchUid"] == cancel_view["batchUid"]
        assert (task["startedAt"], task["finishedAt"]) == (
            cancel_view["startedAt"],
            cancel_view["finishedAt"],
        )
        assert task["duration"] == cancel_view["duration"]
    assert task_uids(http, canceledBy=cancel.uid) == doomed[::-1]
    assert task_uids(http, indexUids=index_uid, statuses="canceled") == doomed[::-1]
    assert http.get(f"/indexes/{index_uid}").status_code == 404
    assert wait(client, spared).status == "succeeded"


def test_cancel_a_processing_batch_leaves_the_index_as_before(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.index(index_uid).add_documents([{"id": "kept"}]))
    blocker = Blocker(http, index_uid)
    blocker.processing()
    cancel = blocker.release()
    assert cancel["details"] == {
        "matchedTasks": 1,
        "canceledTasks": 1,
        "originalFilter": f"?uids={blocker.uid}",
    }
    task = get_task(http, blocker.uid)
    assert task["status"] == "canceled"
    assert task["canceledBy"] == cancel["uid"]
    assert task["details"] == {"receivedDocuments": Blocker.DOCUMENTS, "indexedDocuments": 0}
    documents = http.get(f"/indexes/{index_uid}/documents").json()
    assert (documents["total"], documents["results"]) == (1, [{"id": "kept"}])
    assert http.get(f"/indexes/{index_uid}/stats").json()["isIndexing"] is False
    wait_ok(client, client.index(index_uid).add_documents([{"id": "after"}]))
    assert http.get(f"/indexes/{index_uid}/documents").json()["total"] == 2


def test_canceling_part_of_a_running_batch_runs_the_rest_again(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    with blocked_queue(http, f"{index_uid}_outer"):
        slow = Blocker(http, index_uid)
        quick = client.index(index_uid).add_documents([{"id": "quick"}]).task_uid
    assert slow.processing()["batchUid"] == get_task(http, quick)["batchUid"]
    slow.release()
    assert get_task(http, slow.uid)["status"] == "canceled"
    done = wait_ok(client, quick)
    assert done.details == {"receivedDocuments": 1, "indexedDocuments": 1}
    assert http.get(f"/indexes/{index_uid}/documents").json()["results"] == [{"id": "quick"}]


def test_cancel_finished_tasks_changes_nothing(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    done = wait_ok(client, client.index(index_uid).add_documents([{"id": 1}]))
    response = http.post("/tasks/cancel", params={"uids": done.uid, "statuses": "succeeded"})
    cancel = wait_ok(client, response.json())
    assert cancel.details == {
        "matchedTasks": 1,
        "canceledTasks": 0,
        "originalFilter": f"?uids={done.uid}&statuses=succeeded",
    }
    assert get_task(http, done.uid)["status"] == "succeeded"
    assert get_task(http, done.uid)["canceledBy"] is None
    assert task_uids(http, canceledBy=cancel.uid) == []


def test_cancel_matches_only_older_tasks_and_star_is_a_filter(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    wait_ok(client, client.index(index_uid).add_documents([{"id": 1}]))
    existing = http.get("/tasks", params={"limit": 0}).json()["total"]
    cancel = wait_ok(client, http.post("/tasks/cancel?statuses=*").json())
    assert cancel.details == {
        "matchedTasks": existing,
        "canceledTasks": 0,
        "originalFilter": "?statuses=*",
    }
    own = cancel.uid + 1
    sdk = wait_ok(client, client.cancel_tasks({"uids": [str(cancel.uid), str(own)]}))
    assert sdk.uid == own
    assert sdk.details["matchedTasks"] == 1


# --------------------------------------------------------------------------- deletion


def test_delete_finished_tasks(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    finished = [
        wait(client, info)
        for info in (
            index.add_documents([{"id": 1}]),
            index.add_documents([{"nothing": 1}]),
            index.delete_document(1),
        )
    ]
    batches = {task.uid: get_task(http, task.uid)["batchUid"] for task in finished}
    response = http.delete(f"/tasks?indexUids={index_uid}")
    assert response.status_code == 200
    summary = response.json()
    assert (summary["type"], summary["indexUid"]) == ("taskDeletion", None)
    deletion = wait_ok(client, summary)
    assert deletion.details == {
        "matchedTasks": 3,
        "deletedTasks": 3,
        "originalFilter": f"?indexUids={index_uid}",
    }
    for task in finished:
        assert_error(
            http.get(f"/tasks/{task.uid}"), 404, "task_not_found", f"Task `{task.uid}` not found."
        )
        assert http.get(f"/batches/{batches[task.uid]}").status_code == 404
    assert task_uids(http, indexUids=index_uid) == []
    assert get_task(http, deletion.uid)["status"] == "succeeded"
    assert index.get_documents().total == 0


def test_delete_keeps_unfinished_tasks(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    with blocked_queue(http, index_uid):
        waiting = client.index(index_uid).add_documents([{"id": 1}]).task_uid
        deletion_uid = client.delete_tasks({"uids": [str(waiting)]}).task_uid
        assert get_task(http, deletion_uid)["details"] == {
            "matchedTasks": 1,
            "deletedTasks": None,
            "originalFilter": f"?uids={waiting}",
        }
    deletion = wait_ok(client, deletion_uid)
    assert deletion.details == {
        "matchedTasks": 1,
        "deletedTasks": 0,
        "originalFilter": f"?uids={waiting}",
    }
    assert wait_ok(client, waiting).uid == waiting


def test_delete_by_status_and_type(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    index = client.index(index_uid)
    ok = wait(client, index.add_documents([{"id": 1}]))
    failed = wait(client, index.add_documents([{"nothing": 1}]))
    query = f"?indexUids={index_uid}&statuses=failed&types=documentAdditionOrUpdate"
    deletion = wait_ok(client, http.delete(f"/tasks{query}").json())
    assert deletion.details == {"matchedTasks": 1, "deletedTasks": 1, "originalFilter": query}
    assert http.get(f"/tasks/{failed.uid}").status_code == 404
    assert get_task(http, ok.uid)["status"] == "succeeded"


# --------------------------------------------------------------------------- payloads


@pytest.fixture
def task_documents_route(http: httpx.Client) -> Iterator[None]:
    """The experimental ``getTaskDocumentsRoute`` switched on for one test."""
    http.patch("/experimental-features", json={"getTaskDocumentsRoute": True}).raise_for_status()
    yield
    http.patch("/experimental-features", json={"getTaskDocumentsRoute": False}).raise_for_status()


def test_the_documents_of_a_task_need_the_experimental_feature(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    uid = wait_ok(client, client.index(index_uid).add_documents([{"id": 1}])).uid
    assert_error(
        http.get(f"/tasks/{uid}/documents"),
        400,
        "feature_not_enabled",
        "Getting the documents of an enqueued task requires enabling the `get task documents "
        "route` experimental feature. See https://github.com/orgs/meilisearch/discussions/808",
    )


@pytest.mark.usefixtures("task_documents_route")
def test_documents_of_an_enqueued_task(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    with blocked_queue(http, index_uid):
        csv_uid = (
            client.index(index_uid).add_documents_csv(b"id,price:number\n1,2.5\n2,3\n").task_uid
        )
        json_uid = http.post(
            f"/indexes/{index_uid}/documents", json={"id": 3, "nested": {"a": [1]}}
        ).json()["taskUid"]
        response = http.get(f"/tasks/{csv_uid}/documents")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        assert [orjson.loads(line) for line in response.content.splitlines()] == [
            {"id": "1", "price": 2.5},
            {"id": "2", "price": 3},
        ]
        assert http.get(f"/tasks/{json_uid}/documents").content == b'{"id":3,"nested":{"a":[1]}}\n'
    wait_ok(client, json_uid)
    for uid in (csv_uid, json_uid):
        assert_error(
            http.get(f"/tasks/{uid}/documents"),
            404,
            "task_file_not_found",
            f"Task `{uid}` does not contain any documents. Only `documentAdditionOrUpdate` "
            "tasks with the statuses `enqueued` or `processing` contain documents",
        )


@pytest.mark.usefixtures("task_documents_route")
def test_documents_of_other_tasks(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    creation = wait_ok(client, client.create_index(index_uid)).uid
    assert http.get(f"/tasks/{creation}/documents").json()["code"] == "task_file_not_found"
    assert_error(
        http.get("/tasks/4294967295/documents"),
        404,
        "task_not_found",
        "Task `4294967295` not found.",
    )
    assert http.get("/tasks/x/documents").json()["code"] == "invalid_task_uids"


# --------------------------------------------------------------------------- the stream


def test_task_stream_shows_every_step_without_polling(
    server: LumiServer, client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    with open_stream(server.url, "/tasks/stream", {"indexUids": index_uid}) as stream:
        response = http.post(
            f"/indexes/{index_uid}/documents",
            content=big_ndjson(30_000),
            headers={"Content-Type": "application/x-ndjson"},
        )
        uid = response.json()["taskUid"]
        lines = stream.until(lambda task: task["uid"] == uid and task["status"] == "succeeded")
        small = client.index(index_uid).add_documents([{"id": "x"}]).task_uid
        more = stream.until(lambda task: task["uid"] == small and task["status"] == "succeeded")
    ours = [line for line in lines if line["uid"] == uid]
    assert [line["status"] for line in ours] == ["enqueued", "processing", "succeeded"]
    assert all(list(line) == TASK_KEYS for line in ours)
    assert ours[0]["batchUid"] is None and ours[1]["batchUid"] is not None
    assert ours[1]["details"] == {"receivedDocuments": 30_000, "indexedDocuments": None}
    assert ours[2] == get_task(http, uid)
    assert {line["indexUid"] for line in lines + more} == {index_uid}
    # Even a task registered and run between two looks at the queue shows every step.
    assert [line["status"] for line in more if line["uid"] == small] == [
        "enqueued",
        "processing",
        "succeeded",
    ]


def test_task_stream_filters(
    server: LumiServer, client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    params = {"indexUids": index_uid, "statuses": "failed", "types": "documentAdditionOrUpdate"}
    with open_stream(server.url, "/tasks/stream", params) as stream:
        index = client.index(index_uid)
        wait_ok(client, index.add_documents([{"id": 1}]))
        bad = index.add_documents([{"id": "a b"}]).task_uid
        lines = stream.until(lambda task: task["uid"] == bad)
    assert [(line["uid"], line["status"]) for line in lines] == [(bad, "failed")]
    assert_error(
        http.get("/tasks/stream?statuses=nope"),
        400,
        "invalid_task_statuses",
        f"Invalid value in parameter `statuses`: `nope` is not a valid task status. Available "
        f"statuses are {STATUSES}.",
    )
