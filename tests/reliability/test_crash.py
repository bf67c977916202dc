"""Crashes at the worst moments: every acknowledged task survives, no batch is half applied.

The whole server (supervisor, HTTP workers, scheduler) is killed with SIGKILL, or the
scheduler dies at a named commit point and is restarted by ``lumi serve``.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import orjson
import pytest

from tests.support.server import LumiServer

pytestmark = pytest.mark.crash


def _wait_all(session: httpx.Client, uids: list[int], timeout: float = 120.0) -> dict[int, dict]:
    deadline = time.monotonic() + timeout
    done: dict[int, dict] = {}
    while time.monotonic() < deadline:
        for uid in uids:
            if uid in done:
                continue
            task = session.get(f"/tasks/{uid}").json()
            if task["status"] in ("succeeded", "failed", "canceled"):
                done[uid] = task
        if len(done) == len(uids):
            return done
        time.sleep(0.05)
    raise AssertionError(f"tasks not finished: {sorted(set(uids) - set(done))}")


def _add(session: httpx.Client, index: str, docs: list[dict]) -> int:
    response = session.post(
        f"/indexes/{index}/documents",
        content=b"\n".join(orjson.dumps(d) for d in docs),
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 202, response.text
    return int(response.json()["taskUid"])


def test_kill_during_a_large_addition_loses_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = LumiServer(data).start()
    acknowledged: list[int] = []
    with httpx.Client(base_url=server.url, timeout=60) as session:
        acknowledged.append(_add(session, "crash", [{"id": i, "n": i} for i in range(100)]))
        _wait_all(session, acknowledged)
        big = [{"id": i, "text": f"document number {i} " * 5} for i in range(100, 150_100)]
        big_uid = _add(session, "crash", big)
        acknowledged.append(big_uid)
        acknowledged.append(_add(session, "crash", [{"id": "tail", "n": 1}]))
        deadline = time.monotonic() + 60
        while session.get(f"/tasks/{big_uid}").json()["status"] == "enqueued":
            assert time.monotonic() < deadline
            time.sleep(0.01)
    server.kill()

    restarted = LumiServer(data)
    restarted.port = server.port
    restarted.start()
    try:
        with httpx.Client(base_url=restarted.url, timeout=60) as session:
            finished = _wait_all(session, acknowledged)
            assert all(t["status"] == "succeeded" for t in finished.values()), finished
            stats = session.get("/indexes/crash/stats").json()
            assert stats["numberOfDocuments"] == 100 + 150_000 + 1
            total = session.get("/tasks", params={"indexUids": "crash"}).json()["total"]
            assert total == len(acknowledged)
    finally:
        restarted.stop()


@pytest.mark.parametrize(
    "point", ["after_index_commit", "before_store_commit", "after_store_commit"]
)
def test_scheduler_death_at_each_commit_point(tmp_path: Path, point: str) -> None:
    """The scheduler dies once at ``point``; ``lumi serve`` restarts it and the batch is
    applied exactly once with the right details."""
    data = tmp_path / "data"
    server = LumiServer(
        data,
        env={"LUMI_FAILPOINT": point, "LUMI_FAILPOINT_MARKER": str(tmp_path / "died")},
    ).start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as session:
            first = _add(session, "points", [{"id": i} for i in range(10)])
            _wait_all(session, [first])
            assert (tmp_path / "died").exists()
            deletion = session.post("/indexes/points/documents/delete-batch", json=[1, 2, 3, 99])
            uid = int(deletion.json()["taskUid"])
            done = _wait_all(session, [uid])[uid]
            assert done["status"] == "succeeded"
            assert done["details"] == {
                "providedIds": 4,
                "deletedDocuments": 3,
                "originalFilter": None,
            }
            first_task = session.get(f"/tasks/{first}").json()
            assert first_task["details"] == {"receivedDocuments": 10, "indexedDocuments": 10}
            assert session.get("/indexes/points/stats").json()["numberOfDocuments"] == 7
            batches = session.get("/batches", params={"reverse": "true"}).json()["results"]
            assert [b["uid"] for b in batches] == list(range(len(batches)))
    finally:
        server.stop()
