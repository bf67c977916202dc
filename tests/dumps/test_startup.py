"""``--import-dump`` / ``--import-snapshot`` at start: what is imported, skipped or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from lumi.config import ConfigError, load_config
from lumi.dumps.reader import DumpError
from lumi.dumps.startup import has_database, import_at_start
from lumi.engine import Engine
from lumi.tasks import builders
from tests.support.backups import backup_harness, seed


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("backups")
    harness = backup_harness(root)
    seed(harness)
    dump = harness.register(builders.dump_creation())
    harness.register(builders.snapshot_creation())
    harness.run_all()
    uid = harness.task(dump.uid).details["dumpUid"]  # type: ignore[index]
    harness.close()
    return {
        "dump": root / "dumps" / f"{uid}.dump",
        "snapshot": root / "snapshots" / "data.snapshot",
    }


def _start(data_dir: Path, *args: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "lumi.lock").touch()
    import_at_start(load_config(["--db-path", str(data_dir), *args], {}, read_file=False))


def _indexes(data_dir: Path) -> list[str]:
    engine = Engine(data_dir)
    try:
        return [meta.uid for meta in engine.list_indexes()]
    finally:
        engine.close()


@pytest.mark.parametrize("kind", ["dump", "snapshot"])
def test_an_empty_data_directory_is_filled(
    tmp_path: Path, files: dict[str, Path], kind: str
) -> None:
    assert not has_database(tmp_path / "data")
    _start(tmp_path / "data", f"--import-{kind}", str(files[kind]))
    assert _indexes(tmp_path / "data") == ["movies", "songs"]


@pytest.mark.parametrize("kind", ["dump", "snapshot"])
def test_an_existing_database_is_never_overwritten(
    tmp_path: Path, files: dict[str, Path], kind: str
) -> None:
    data = tmp_path / "data"
    Engine(data).close()
    assert has_database(data)
    with pytest.raises(ConfigError) as refused:
        _start(data, f"--import-{kind}", str(files[kind]))
    assert str(refused.value) == (
        f"cannot import the {kind} `{files[kind]}`: a database already exists in `{data}`. "
        f"Remove it or start with `--ignore-{kind}-if-db-exists` to keep it"
    )
    _start(data, f"--import-{kind}", str(files[kind]), f"--ignore-{kind}-if-db-exists")
    assert _indexes(data) == []


@pytest.mark.parametrize("kind", ["dump", "snapshot"])
def test_a_missing_file_is_refused_unless_ignored(tmp_path: Path, kind: str) -> None:
    missing = tmp_path / f"nothing.{kind}"
    with pytest.raises(ConfigError) as refused:
        _start(tmp_path / "data", f"--import-{kind}", str(missing))
    assert str(refused.value) == f"the {kind} `{missing}` does not exist"
    _start(tmp_path / "data", f"--import-{kind}", str(missing), f"--ignore-missing-{kind}")
    assert not has_database(tmp_path / "data")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--ignore-missing-dump"],
            "`--ignore-missing-dump` can only be used with `--import-dump`",
        ),
        (
            ["--ignore-snapshot-if-db-exists"],
            "`--ignore-snapshot-if-db-exists` can only be used with `--import-snapshot`",
        ),
        (
            ["--import-dump", "a.dump", "--import-snapshot", "b.snapshot"],
            "`--import-dump` and `--import-snapshot` cannot be used together",
        ),
    ],
)
def test_inconsistent_flags_are_refused(tmp_path: Path, args: list[str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _start(tmp_path / "data", *args)
    assert str(refused.value) == message


def test_a_failed_import_leaves_the_directory_empty(tmp_path: Path) -> None:
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"not a dump")
    with pytest.raises(DumpError):
        _start(tmp_path / "data", "--import-dump", str(broken))
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["lumi.lock"]
