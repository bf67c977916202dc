"""Snapshots: compacted copies of every environment, without the snapshot's own tasks."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import orjson
import pytest

from lumi.dumps.reader import DumpError
from lumi.dumps.snapshot import extract_snapshot, snapshot_name, write_snapshot
from lumi.embedded import Lumi
from lumi.engine import Engine
from lumi.tasks import builders
from tests.support.backups import MOVIES, backup_harness, seed


def test_snapshot_name_follows_the_data_directory(tmp_path: Path) -> None:
    assert snapshot_name(tmp_path / "data.lumi") == "data.lumi.snapshot"


def test_a_snapshot_restores_the_instance_without_its_own_tasks(tmp_path: Path) -> None:
    harness = backup_harness(tmp_path)
    seed(harness)
    own = harness.register(builders.snapshot_creation())
    pending = harness.add_documents("movies", [{"id": 9, "title": "Robots of Mars"}])
    big = harness.add_documents("large", [{"id": n, "text": "word " * 250} for n in range(1000)])
    target = tmp_path / "snapshots" / "data.snapshot"
    write_snapshot(target, harness.engine.store, harness.engine.registry, [own.uid])
    harness.close()
    with tarfile.open(target, "r:gz") as tar:
        names = tar.getnames()
    assert "snapshot.json" in names and "tasks/data.mdb" in names
    assert not any(name.endswith("lock.mdb") for name in names)
    extract_snapshot(target, tmp_path / "copy")
    engine = Engine(tmp_path / "copy")
    try:
        assert engine.get_task(own.uid) is None
        assert engine.get_task(pending.uid).status == "enqueued"  # type: ignore[union-attr]
        large = engine.get_task(big.uid)
        assert large is not None and engine.task_payload(large) is not None
    finally:
        engine.close()
    with Lumi(tmp_path / "copy") as lumi:
        assert lumi.wait_for_task(pending.uid)["status"] == "succeeded"
        movies = lumi.index("movies")
        assert [hit["id"] for hit in movies.search("mars")["hits"]] == [9]
        assert len(movies.search("", limit=50)["hits"]) == len(MOVIES) + 1


def test_a_new_snapshot_replaces_the_previous_one(tmp_path: Path) -> None:
    harness = backup_harness(tmp_path)
    target = tmp_path / "snapshots" / "data.snapshot"
    for _ in range(2):
        write_snapshot(target, harness.engine.store, harness.engine.registry, [])
    harness.close()
    assert [p.name for p in target.parent.iterdir()] == ["data.snapshot"]


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"data.mdb": b""}, "is not a Lumi snapshot"),
        (
            {"snapshot.json": b'{"format": "other"}', "tasks/data.mdb": b""},
            "is not a Lumi snapshot",
        ),
        (
            {
                "snapshot.json": orjson.dumps({"format": "lumi-snapshot", "storageVersion": 99}),
                "tasks/data.mdb": b"",
            },
            "uses storage format 99, but this Lumi reads format 1; import a dump instead",
        ),
    ],
)
def test_foreign_snapshots_are_refused(
    tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    path = _tar(tmp_path / "x.snapshot", members)
    with pytest.raises(DumpError, match=message):
        extract_snapshot(path, tmp_path / "copy")


def test_members_outside_the_data_layout_are_not_extracted(tmp_path: Path) -> None:
    metadata = orjson.dumps({"format": "lumi-snapshot", "storageVersion": 1})
    path = _tar(
        tmp_path / "x.snapshot",
        {"snapshot.json": metadata, "tasks/data.mdb": b"", "elsewhere.txt": b"no"},
    )
    extract_snapshot(path, tmp_path / "copy")
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == ["tasks"]
