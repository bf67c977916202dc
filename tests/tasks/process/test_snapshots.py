"""Snapshot batches: every enqueued snapshot task at once, no details, one file."""

from __future__ import annotations

from pathlib import Path

from lumi.tasks import builders
from tests.support.backups import backup_harness, seed


def test_enqueued_snapshots_share_one_batch_and_show_no_details(tmp_path: Path) -> None:
    harness = backup_harness(tmp_path)
    seed(harness)
    first = harness.register(builders.snapshot_creation())
    addition = harness.add_documents("movies", [{"id": 9}])
    second = harness.register(builders.snapshot_creation())
    assert harness.scheduler.tick()
    a, b = harness.task(first.uid), harness.task(second.uid)
    assert a.status == b.status == "succeeded"
    assert a.batch_uid == b.batch_uid
    assert "details" not in a.view()
    assert harness.task(addition.uid).status == "enqueued"
    assert [p.name for p in (tmp_path / "snapshots").iterdir()] == ["data.snapshot"]
    harness.close()


def test_an_unwritable_snapshot_directory_fails_every_task(tmp_path: Path) -> None:
    harness = backup_harness(tmp_path)
    (tmp_path / "snapshots").write_text("not a directory")
    tasks = [harness.register(builders.snapshot_creation()) for _ in range(2)]
    harness.run_all()
    for task in tasks:
        failed = harness.task(task.uid)
        assert failed.status == "failed"
        assert failed.error is not None and failed.error["code"] == "io_error"
        assert "details" not in failed.view()
    harness.close()
