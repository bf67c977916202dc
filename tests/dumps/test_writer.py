"""Writing a dump: the archive's members, in order, with what each one holds."""

from __future__ import annotations

import tarfile
from pathlib import Path

import orjson
import pytest

from lumi import dumps
from lumi.dumps.writer import ArchiveWriter, DumpRun, write_dump
from lumi.tasks import builders
from lumi.tasks.models import Batch
from lumi.tasks.process.base import BatchAborted
from tests.support.backups import KEY, MOVIES, SETTINGS, WEBHOOK, backup_harness, seed


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def test_a_dump_holds_the_instance_in_the_documented_order(tmp_path: Path) -> None:
    harness = backup_harness(tmp_path)
    seed(harness)
    dump = harness.register(builders.dump_creation())
    pending = harness.add_documents("movies", [{"id": 9, "title": "Late"}])
    assert harness.scheduler.tick()
    uid = harness.task(dump.uid).details["dumpUid"]  # type: ignore[index]
    path = tmp_path / "dumps" / f"{uid}.dump"
    with tarfile.open(path, "r:gz") as tar:
        names = tar.getnames()
    assert names == [
        dumps.METADATA,
        dumps.INSTANCE,
        dumps.KEYS,
        dumps.WEBHOOKS,
        dumps.TASKS,
        dumps.BATCHES,
        f"payloads/{pending.uid}",
        "indexes/movies/index.json",
        "indexes/movies/settings.json",
        "indexes/movies/documents.ndjson",
        "indexes/songs/index.json",
        "indexes/songs/settings.json",
        "indexes/songs/documents.ndjson",
    ]
    members = _members(path)
    metadata = orjson.loads(members[dumps.METADATA])
    assert metadata["format"] == "lumi-dump"
    assert metadata["formatVersion"] == 1
    assert metadata["dumpUid"] == uid
    assert metadata["nextTaskUid"] == pending.uid + 1
    assert orjson.loads(members[dumps.INSTANCE])["experimental_features"] == {
        "containsFilter": True
    }
    assert [orjson.loads(line) for line in members[dumps.KEYS].splitlines()] == [KEY]
    assert list(orjson.loads(members[dumps.WEBHOOKS]).values()) == [WEBHOOK]
    documents = [
        orjson.loads(line) for line in members["indexes/movies/documents.ndjson"].splitlines()
    ]
    assert documents == MOVIES
    assert orjson.loads(members["indexes/movies/settings.json"]) == SETTINGS
    assert members["indexes/songs/documents.ndjson"] == b""
    assert orjson.loads(members["indexes/songs/index.json"])["primaryKey"] == "isrc"


def test_the_dump_records_itself_as_succeeded_and_pending_tasks_as_enqueued(
    tmp_path: Path,
) -> None:
    harness = backup_harness(tmp_path)
    seed(harness)
    dump = harness.register(builders.dump_creation())
    pending = harness.add_documents("movies", [{"id": 9, "title": "Late"}])
    harness.scheduler.tick()
    uid = harness.task(dump.uid).details["dumpUid"]  # type: ignore[index]
    members = _members(tmp_path / "dumps" / f"{uid}.dump")
    tasks = {t["uid"]: t for t in map(orjson.loads, members[dumps.TASKS].splitlines())}
    assert tasks[dump.uid]["status"] == "succeeded"
    assert tasks[dump.uid]["details"] == {"dumpUid": uid}
    assert tasks[pending.uid]["status"] == "enqueued"
    batches = [orjson.loads(line) for line in members[dumps.BATCHES].splitlines()]
    assert batches[-1]["taskUids"] == [dump.uid]
    assert orjson.loads(members[f"payloads/{pending.uid}"]) == [{"id": 9, "title": "Late"}]


def test_an_unfinished_archive_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "x.dump"
    with pytest.raises(RuntimeError), ArchiveWriter(target) as archive:
        archive.add_json("a.json", {"a": 1})
        raise RuntimeError("interrupted")
    assert list(target.parent.iterdir()) == []


def test_a_committed_archive_replaces_the_target_atomically(tmp_path: Path) -> None:
    target = tmp_path / "x.dump"
    with ArchiveWriter(target) as archive:
        archive.add_json("a.json", {"a": 1})
        assert archive.add_lines("b.ndjson", [b'{"b":1}', b'{"b":2}']) == 2
        assert not target.exists()
        archive.commit()
    assert _members(target) == {"a.json": b'{"a":1}', "b.ndjson": b'{"b":1}\n{"b":2}\n'}
    assert [p.name for p in tmp_path.iterdir()] == ["x.dump"]


def test_an_interrupted_dump_leaves_no_file(tmp_path: Path) -> None:
    harness = backup_harness(tmp_path)
    seed(harness)
    engine = harness.engine

    def interrupt() -> None:
        raise BatchAborted

    run = DumpRun("20240101-000000000", Batch(7, 0, [], {}, {}, ""), [])
    target = tmp_path / "dumps" / "x.dump"
    with pytest.raises(BatchAborted):
        write_dump(target, engine.store, engine.registry, engine.update_files, run, interrupt)
    assert list((tmp_path / "dumps").iterdir()) == []
    harness.close()
