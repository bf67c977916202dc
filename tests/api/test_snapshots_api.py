"""Snapshots end to end: ``POST /snapshots``, ``--schedule-snapshot``, and a second server
started with ``--import-snapshot``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import meilisearch
import pytest

from tests.api.conftest import wait_ok
from tests.support.server import LumiServer

pytestmark = pytest.mark.api

DOCUMENTS = [{"id": n, "title": f"Song number {n}", "year": 1990 + n} for n in range(30)]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("snapshots")
    server = LumiServer(root / "data.lumi", "--snapshot-dir", str(root / "snapshots")).start()
    try:
        client = meilisearch.Client(server.url, timeout=30)
        songs = client.index("songs")
        wait_ok(client, songs.update_filterable_attributes(["year"]))
        wait_ok(client, songs.add_documents(DOCUMENTS))
        answer = httpx.post(f"{server.url}/snapshots")
        done = wait_ok(client, answer.json()["taskUid"])
        view = httpx.get(f"{server.url}/tasks/{done.uid}").json()
    finally:
        server.stop()
    yield {"root": root, "answer": answer, "view": view}


def _wait_for_scheduled(url: str, after: int) -> dict[str, Any]:
    """A snapshot task the schedule registered after ``after`` finished."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        tasks = httpx.get(
            f"{url}/tasks", params={"types": "snapshotCreation", "statuses": "succeeded"}
        ).json()["results"]
        if tasks and tasks[0]["uid"] > after:
            return dict(tasks[0])
        time.sleep(0.1)
    raise AssertionError("no scheduled snapshot ran")


def test_post_snapshots_registers_a_task_without_details(source: dict[str, Any]) -> None:
    answer = source["answer"]
    assert answer.status_code == 202
    assert answer.json()["type"] == "snapshotCreation"
    assert answer.json()["indexUid"] is None
    view = source["view"]
    assert view["status"] == "succeeded"
    assert "details" not in view
    assert list(view) == [
        "uid",
        "batchUid",
        "indexUid",
        "status",
        "type",
        "canceledBy",
        "error",
        "duration",
        "enqueuedAt",
        "startedAt",
        "finishedAt",
    ]


def test_the_snapshot_is_named_after_the_data_directory(source: dict[str, Any]) -> None:
    assert [p.name for p in (source["root"] / "snapshots").iterdir()] == ["data.lumi.snapshot"]


@pytest.fixture(scope="module")
def restored(source: dict[str, Any]) -> Iterator[LumiServer]:
    snapshot = source["root"] / "snapshots" / "data.lumi.snapshot"
    server = LumiServer(
        source["root"] / "restored",
        "--import-snapshot",
        str(snapshot),
        "--snapshot-dir",
        str(source["root"] / "later"),
        "--schedule-snapshot",
        "1",
    ).start()
    yield server
    server.stop()


def test_a_server_started_from_the_snapshot_answers_searches(restored: LumiServer) -> None:
    songs = meilisearch.Client(restored.url, timeout=30).index("songs")
    assert songs.get_stats().number_of_documents == len(DOCUMENTS)
    assert [hit["id"] for hit in songs.search("number 7", {"filter": "year = 1997"})["hits"]] == [7]


def test_the_snapshot_left_out_the_task_that_made_it(
    source: dict[str, Any], restored: LumiServer
) -> None:
    uid = source["view"]["uid"]
    assert httpx.get(f"{restored.url}/tasks/{uid - 1}").json()["status"] == "succeeded"
    missing = httpx.get(f"{restored.url}/tasks/{uid}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "task_not_found"


def test_scheduled_snapshots_are_registered_by_the_server(
    source: dict[str, Any], restored: LumiServer
) -> None:
    scheduled = _wait_for_scheduled(restored.url, source["view"]["uid"])
    assert "details" not in scheduled
    assert [p.name for p in (source["root"] / "later").iterdir()] == ["restored.snapshot"]


def test_a_snapshot_is_never_imported_over_a_database(
    source: dict[str, Any], restored: LumiServer
) -> None:
    restored.stop()
    snapshot = source["root"] / "snapshots" / "data.lumi.snapshot"
    again = LumiServer(
        source["root"] / "restored",
        "--import-snapshot",
        str(snapshot),
        "--ignore-snapshot-if-db-exists",
        "--snapshot-dir",
        str(source["root"] / "later"),
    ).start()
    try:
        songs = meilisearch.Client(again.url, timeout=30).index("songs")
        assert songs.get_stats().number_of_documents == len(DOCUMENTS)
    finally:
        again.stop()
