"""API tests drive one real ``lumi serve`` per test worker with the official SDK.

Every test gets its own index uid, so tests never depend on each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest

from tests.support.server import LumiServer

TASK_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LumiServer]:
    data_dir: Path = tmp_path_factory.mktemp("api") / "data"
    lumi = LumiServer(data_dir).start()
    yield lumi
    lumi.stop()


@pytest.fixture
def client(server: LumiServer) -> meilisearch.Client:
    return meilisearch.Client(server.url, timeout=30)


@pytest.fixture
def http(server: LumiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as session:
        yield session


@pytest.fixture
def index_uid() -> str:
    return f"idx_{uuid.uuid4().hex[:12]}"


def wait(client: meilisearch.Client, task: Any) -> Any:
    """Wait for a task (a TaskInfo, a dict or a uid) and return the finished task."""
    if isinstance(task, int):
        uid = task
    elif isinstance(task, dict):
        uid = task["taskUid"]
    else:
        uid = task.task_uid
    return client.wait_for_task(uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=20)


def wait_ok(client: meilisearch.Client, task: Any) -> Any:
    """Wait for a task and fail the test with the task's error unless it succeeded."""
    done = wait(client, task)
    assert done.status == "succeeded", f"task {done.uid} {done.status}: {done.error}"
    return done
