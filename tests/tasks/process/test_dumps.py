"""Dump batches: the task's details, the file's name, failures."""

from __future__ import annotations

import re
from pathlib import Path

from lumi.tasks import builders
from lumi.tasks.process.dumps import dump_uid
from tests.support.backups import backup_harness, seed


def test_dump_uid_is_the_utc_start_time_to_the_millisecond() -> None:
    ns = 1_700_000_123_456_789_012  # 2023-11-14T22:15:23.456789012Z
    assert dump_uid(ns) == "20231114-221523456"


def test_a_dump_task_succeeds_with_its_dump_uid_and_writes_the_file(tmp_path: Path) -> None:
    harness = backup_harness(tmp_path)
    seed(harness)
    task = harness.register(builders.dump_creation())
    assert harness.task(task.uid).view()["details"] == {"dumpUid": None}
    harness.run_all()
    done = harness.task(task.uid)
    assert done.status == "succeeded"
    assert done.index_uid is None
    uid = done.details["dumpUid"]  # type: ignore[index]
    assert re.fullmatch(r"\d{8}-\d{9}", uid)
    assert uid == dump_uid(done.started_at or 0)
    assert [p.name for p in (tmp_path / "dumps").iterdir()] == [f"{uid}.dump"]
    harness.close()


def test_dumps_run_before_index_tasks_enqueued_earlier(tmp_path: Path) -> None:
    harness = backup_harness(tmp_path)
    addition = harness.add_documents("movies", [{"id": 1}])
    dump = harness.register(builders.dump_creation())
    harness.scheduler.tick()
    assert harness.task(dump.uid).status == "succeeded"
    assert harness.task(addition.uid).status == "enqueued"
    harness.close()


def test_an_unwritable_dump_directory_fails_the_task(tmp_path: Path) -> None:
    harness = backup_harness(tmp_path)
    (tmp_path / "dumps").write_text("a file where the directory should be")
    task = harness.register(builders.dump_creation())
    harness.run_all()
    failed = harness.task(task.uid)
    assert failed.status == "failed"
    assert failed.details == {"dumpUid": None}
    assert failed.error is not None and failed.error["code"] == "io_error"
    harness.close()
