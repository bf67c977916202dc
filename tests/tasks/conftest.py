"""An engine and a scheduler in-process on a temporary data dir, stepped by ``tick()``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from lumi.engine import Engine
from lumi.tasks.models import Task
from lumi.tasks.scheduler import Scheduler, SchedulerOptions


class Harness:
    def __init__(self, data_dir: Path) -> None:
        self.engine = Engine(data_dir, writable=True)
        self.scheduler = Scheduler(data_dir, self.engine.store, SchedulerOptions())
        self.scheduler.recover()

    def register(self, task: Task, payload: bytes | None = None, **kw: Any) -> Task:
        return self.engine.enqueue(task, payload, **kw).result(timeout=10)

    def add_documents(self, index: str, docs: list[dict], **params: Any) -> Task:
        payload = orjson.dumps(docs)
        task = Task(
            uid=0,
            type="documentAdditionOrUpdate",
            index_uid=index,
            enqueued_at=0,
            details={"receivedDocuments": len(docs), "indexedDocuments": None},
            params={"method": "replace", "format": "json", "payloadSize": len(payload), **params},
        )
        return self.register(task, payload)

    def create_index(self, index: str, primary_key: str | None = None) -> Task:
        task = Task(
            uid=0,
            type="indexCreation",
            index_uid=index,
            enqueued_at=0,
            details={"primaryKey": primary_key},
            params={"primaryKey": primary_key},
        )
        return self.register(task)

    def run_all(self, limit: int = 100) -> int:
        """Tick until the queue is empty; returns the number of batches run."""
        batches = 0
        while self.scheduler.tick():
            batches += 1
            assert batches < limit
        return batches

    def task(self, uid: int) -> Task:
        found = self.engine.get_task(uid)
        assert found is not None
        return found

    def documents(self, index: str) -> list[dict]:
        _meta, idx = self.engine.open_index(index)
        with idx.read() as txn:
            return [doc for _id, doc in idx.iter_documents(txn)]

    def close(self) -> None:
        self.engine.close()


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path / "data")
    yield h
    h.close()
