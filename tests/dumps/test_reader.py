"""Reading a dump: what is refused before any of it is used."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import orjson
import pytest

from lumi.dumps.reader import DumpError, read_members
from lumi.dumps.writer import ArchiveWriter


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with ArchiveWriter(path) as archive:
        for name, data in members.items():
            archive.add_bytes(name, data)
        archive.commit()
    return path


def _metadata(**fields: object) -> bytes:
    return orjson.dumps({"format": "lumi-dump", "formatVersion": 1, **fields})


def test_members_come_in_order_with_their_content(tmp_path: Path) -> None:
    path = _archive(
        tmp_path / "a.dump",
        {"metadata.json": _metadata(dumpUid="x"), "tasks.ndjson": b'{"uid":0}\n\n{"uid":1}\n'},
    )
    seen = []
    for member in read_members(path):
        if member.name == "metadata.json":
            seen.append((member.name, member.json()["dumpUid"]))
        else:
            seen.append((member.name, [r["uid"] for r in member.lines()]))
    assert seen == [("metadata.json", "x"), ("tasks.ndjson", [0, 1])]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (
            {"tasks.ndjson": b""},
            "this file is not a Lumi dump (its first member is not its metadata)",
        ),
        (
            {"metadata.json": orjson.dumps({"dumpVersion": "V6"})},
            "this file is not a Lumi dump; dumps made by other search engines cannot be imported",
        ),
        (
            {"metadata.json": orjson.dumps({"format": "lumi-dump", "formatVersion": 2})},
            "this dump uses format version 2, but this Lumi reads versions up to 1",
        ),
    ],
)
def test_foreign_or_newer_dumps_are_refused(
    tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    path = _archive(tmp_path / "a.dump", members)
    with pytest.raises(DumpError) as caught:
        list(read_members(path))
    assert str(caught.value) == message


def test_a_file_that_is_not_an_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.dump"
    path.write_bytes(b"hello")
    with pytest.raises(DumpError, match=r"cannot read .* as a dump"):
        list(read_members(path))


def test_a_truncated_dump_is_reported_as_damaged(tmp_path: Path) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in (("metadata.json", _metadata()), ("tasks.ndjson", os.urandom(100_000))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp_path / "a.dump"
    path.write_bytes(gzip.compress(raw.getvalue())[:2000])
    with pytest.raises(DumpError, match="is damaged"):
        for member in read_members(path):
            member.read()


def test_invalid_json_lines_name_their_line(tmp_path: Path) -> None:
    path = _archive(
        tmp_path / "a.dump", {"metadata.json": _metadata(), "keys.ndjson": b'{"a":1}\n{oops\n'}
    )
    with pytest.raises(DumpError, match=r"line 2 of `keys\.ndjson` is not valid JSON"):
        for member in read_members(path):
            if member.name == "keys.ndjson":
                list(member.lines())
