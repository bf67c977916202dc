"""Options added for backups: import paths, ignore flags, and the snapshot schedule."""

from __future__ import annotations

import pytest

from lumi.config import ConfigError, load_config


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        ([], {}, None),
        (["--schedule-snapshot"], {}, 86400),
        (["--schedule-snapshot", "3600"], {}, 3600),
        (["--schedule-snapshot=600"], {}, 600),
        (["--schedule-snapshot=false"], {}, None),
        (["--schedule-snapshot", "--no-analytics"], {}, 86400),
        ([], {"MEILI_SCHEDULE_SNAPSHOT": "true"}, 86400),
        ([], {"MEILI_SCHEDULE_SNAPSHOT": "120"}, 120),
    ],
)
def test_schedule_snapshot_takes_an_optional_interval(
    argv: list[str], environ: dict[str, str], expected: int | None
) -> None:
    assert load_config(argv, environ, read_file=False).schedule_snapshot == expected


@pytest.mark.parametrize("value", ["0", "soon", "-5"])
def test_a_bad_snapshot_interval_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="invalid value for `--schedule-snapshot`"):
        load_config([f"--schedule-snapshot={value}"], {}, read_file=False)


def test_import_options_and_flags() -> None:
    config = load_config(
        ["--import-dump", "x.dump", "--ignore-missing-dump", "--ignore-dump-if-db-exists"],
        {"MEILI_IMPORT_SNAPSHOT": "y.snapshot", "MEILI_IGNORE_MISSING_SNAPSHOT": "true"},
        read_file=False,
    )
    assert (config.import_dump, config.ignore_missing_dump, config.ignore_dump_if_db_exists) == (
        "x.dump",
        True,
        True,
    )
    assert (config.import_snapshot, config.ignore_missing_snapshot) == ("y.snapshot", True)
    assert config.ignore_snapshot_if_db_exists is False


def test_the_schedule_reaches_child_processes() -> None:
    config = load_config(["--schedule-snapshot", "60"], {}, read_file=False)
    child = load_config([], config.to_env(), read_file=False)
    assert child.schedule_snapshot == 60
