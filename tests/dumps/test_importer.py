"""Importing a dump: the instance comes back whole and its indexes answer searches."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from lumi.dumps.importer import import_dump
from lumi.dumps.reader import DumpError
from lumi.dumps.writer import ArchiveWriter
from lumi.embedded import Lumi
from lumi.engine import Engine
from lumi.tasks import builders
from lumi.tasks.process.search_rules import load_rules
from lumi.tasks.query import TaskQuery
from tests.support.backups import KEY, MOVIES, SETTINGS, WEBHOOK, backup_harness, seed
from tests.tasks.conftest import Harness


def _dump(harness: Harness, root: Path) -> Path:
    task = harness.register(builders.dump_creation())
    while harness.task(task.uid).status == "enqueued":
        harness.scheduler.tick()
    uid = harness.task(task.uid).details["dumpUid"]  # type: ignore[index]
    return root / "dumps" / f"{uid}.dump"


@pytest.fixture
def seeded(tmp_path: Path) -> Harness:
    harness = backup_harness(tmp_path)
    seed(harness)
    return harness


def test_round_trip_restores_indexes_tasks_keys_and_instance_records(
    seeded: Harness, tmp_path: Path
) -> None:
    path = _dump(seeded, tmp_path)
    original = seeded.engine.list_tasks(TaskQuery(), None, 100, False).results
    seeded.close()
    summary = import_dump(path, tmp_path / "copy")
    assert summary.documents == {"movies": 4, "songs": 0}
    assert summary.keys == 1
    engine = Engine(tmp_path / "copy")
    try:
        metas = {m.uid: m for m in engine.list_indexes()}
        assert {uid: m.primary_key for uid, m in metas.items()} == {
            "movies": "id",
            "songs": "isrc",
        }
        _meta, index = engine.open_index("movies")
        with index.read() as txn:
            assert [doc for _id, doc in index.iter_documents(txn)] == MOVIES
            assert index.settings(txn) == SETTINGS
        restored = engine.list_tasks(TaskQuery(), None, 100, False).results
        # The dump recorded its own end a moment before the batch really ended.
        for view in (restored[0], original[0]):
            assert view["type"] == "dumpCreation"
            del view["finishedAt"], view["duration"]
        assert restored == original
        with engine.store.read() as txn:
            assert engine.store.get_record(txn, "keys", KEY["uid"]) == KEY
            assert list(dict(engine.store.records(txn, "webhooks")).values()) == [WEBHOOK]
        assert engine.experimental_features()["containsFilter"] is True
        assert engine.index_stats("movies")["fieldDistribution"] == {
            "genre": 4,
            "id": 4,
            "title": 4,
            "year": 4,
        }
    finally:
        engine.close()


def test_dynamic_search_rules_travel_with_the_instance(seeded: Harness, tmp_path: Path) -> None:
    rule = {"actions": [{"selector": {"id": "1"}, "action": {"type": "pin", "position": 0}}]}
    seeded.register(builders.search_rule_update("promo", rule))
    seeded.run_all()
    with seeded.engine.store.read() as txn:
        before = load_rules(seeded.engine.store, txn)
    path = _dump(seeded, tmp_path)
    seeded.close()
    import_dump(path, tmp_path / "copy")
    engine = Engine(tmp_path / "copy")
    try:
        with engine.store.read() as txn:
            assert load_rules(engine.store, txn) == before
        assert list(before) == ["promo"]
    finally:
        engine.close()


def test_imported_indexes_answer_searches_and_pending_tasks_run(
    seeded: Harness, tmp_path: Path
) -> None:
    dump = seeded.register(builders.dump_creation())
    pending = seeded.add_documents("movies", [{"id": 9, "title": "Robots of Mars", "year": 2020}])
    seeded.scheduler.tick()
    uid = seeded.task(dump.uid).details["dumpUid"]  # type: ignore[index]
    seeded.close()
    import_dump(tmp_path / "dumps" / f"{uid}.dump", tmp_path / "copy")
    with Lumi(tmp_path / "copy") as lumi:
        movies = lumi.index("movies")
        # The replayed task may run at any moment: check the imported state without it.
        assert lumi.wait_for_task(pending.uid)["status"] == "succeeded"
        assert [hit["id"] for hit in movies.search("fury")["hits"]] == [3]
        assert [hit["id"] for hit in movies.search("robot", filter="year != 2020")["hits"]] == [2]
        filtered = movies.search("", filter="year = 2015", sort=["year:asc"])
        assert sorted(hit["id"] for hit in filtered["hits"]) == [1, 3]
        assert [hit["id"] for hit in movies.search("mars")["hits"]] == [9]
        created = lumi.create_index("books")
        assert created["taskUid"] == pending.uid + 1


def test_large_pending_payloads_come_back_as_payload_files(seeded: Harness, tmp_path: Path) -> None:
    big = [{"id": n, "text": "lorem ipsum " * 100} for n in range(1000)]
    dump = seeded.register(builders.dump_creation())
    pending = seeded.add_documents("large", big)
    assert seeded.task(pending.uid).params.get("payloadFile")
    seeded.scheduler.tick()
    uid = seeded.task(dump.uid).details["dumpUid"]  # type: ignore[index]
    seeded.close()
    import_dump(tmp_path / "dumps" / f"{uid}.dump", tmp_path / "copy")
    engine = Engine(tmp_path / "copy")
    try:
        task = engine.get_task(pending.uid)
        assert task is not None and task.status == "enqueued"
        assert orjson.loads(engine.task_payload(task) or b"") == big
    finally:
        engine.close()


def _write(path: Path, members: dict[str, bytes]) -> Path:
    with ArchiveWriter(path) as archive:
        for name, data in members.items():
            archive.add_bytes(name, data)
        archive.commit()
    return path


_METADATA = orjson.dumps({"format": "lumi-dump", "formatVersion": 1})
_INDEX = orjson.dumps(
    {
        "uid": "movies",
        "primaryKey": None,
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-01T00:00:00Z",
    }
)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"extra.json": b"{}"}, "unexpected member `extra.json` in the dump"),
        (
            {"indexes/movies/documents.ndjson": b""},
            "`indexes/movies/documents.ndjson` comes before the description of its index",
        ),
        (
            {"indexes/movies/index.json": _INDEX, "indexes/movies/settings.json": b"{}"},
            "the index `movies` of the dump has no documents file",
        ),
        (
            {
                "indexes/movies/index.json": _INDEX,
                "indexes/movies/documents.ndjson": b'{"id": 1}\n',
            },
            "the index `movies` has documents but no primary key",
        ),
        ({"update_files/../../etc": b""}, "unexpected payload file `../../etc` in the dump"),
    ],
)
def test_inconsistent_dumps_are_refused(
    tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    path = _write(tmp_path / "bad.dump", {"metadata.json": _METADATA, **members})
    with pytest.raises(DumpError) as caught:
        import_dump(path, tmp_path / "copy")
    assert str(caught.value) == message


def test_records_of_the_wrong_shape_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.dump", {"metadata.json": _METADATA, "tasks.ndjson": b'{"uid": 1}\n'}
    )
    with pytest.raises(DumpError) as caught:
        import_dump(path, tmp_path / "copy")
    assert str(caught.value) == f"cannot import `{path}`: unexpected content (KeyError('type'))"
