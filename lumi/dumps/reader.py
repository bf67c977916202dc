"""Reading a dump front to back, the way it was written (see ``lumi.dumps``).

The archive is read as a stream: members arrive in the writer's order and each is consumed
before the next one, so importing a dump never holds more than one batch of documents in
memory and never seeks backwards in the compressed data.
"""

from __future__ import annotations

import io
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from lumi import dumps


class DumpError(Exception):
    """The file is not a dump this Lumi can import; the message says why."""


# What reading a truncated or corrupted gzip tar raises, at any point.
_DAMAGE = (OSError, tarfile.TarError, EOFError, zlib.error)


@dataclass(frozen=True, slots=True)
class Member:
    """One archive member: its name and a file object readable until the next member."""

    name: str
    file: IO[bytes]

    def read(self) -> bytes:
        try:
            return self.file.read()
        except _DAMAGE as exc:
            raise _damaged(exc) from None

    def json(self) -> Any:
        try:
            return orjson.loads(self.read())
        except orjson.JSONDecodeError as exc:
            raise DumpError(f"`{self.name}` is not valid JSON: {exc}") from None

    def lines(self) -> Iterator[Any]:
        """Each non-empty line, decoded as JSON."""
        lines = iter(self.file)
        number = 0
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except _DAMAGE as exc:
                raise _damaged(exc) from None
            number += 1
            if not line.strip():
                continue
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise DumpError(
                    f"line {number} of `{self.name}` is not valid JSON: {exc}"
                ) from None


def _damaged(exc: BaseException) -> DumpError:
    return DumpError(f"the dump is damaged: {exc or type(exc).__name__}")


def read_members(path: Path) -> Iterator[Member]:
    """Every file member of the dump, in order, after checking its metadata.

    The first member must be the metadata of a Lumi dump of a format version this code
    reads; anything else is refused before any data is used.
    """
    try:
        archive = tarfile.open(path, mode="r|gz")  # noqa: SIM115 - closed below
    except (OSError, tarfile.TarError) as exc:
        raise DumpError(f"cannot read `{path}` as a dump: {exc}") from None
    with archive:
        first = True
        try:
            for info in archive:
                if not info.isfile():
                    continue
                file = archive.extractfile(info)
                assert file is not None
                member = Member(info.name, file)
                if first:
                    # Checked before anything else is used, then offered to the caller too.
                    member = Member(info.name, io.BytesIO(orjson.dumps(check_metadata(member))))
                    first = False
                yield member
        except _DAMAGE as exc:
            raise _damaged(exc) from None
        if first:
            raise DumpError(f"the dump `{path}` is empty")


def check_metadata(member: Member) -> dict[str, Any]:
    if member.name != dumps.METADATA:
        raise DumpError("this file is not a Lumi dump (its first member is not its metadata)")
    metadata = member.json()
    if not isinstance(metadata, dict) or metadata.get("format") != dumps.DUMP_FORMAT:
        raise DumpError(
            "this file is not a Lumi dump; dumps made by other search engines cannot be imported"
        )
    version = metadata.get("formatVersion")
    if not isinstance(version, int) or version > dumps.DUMP_FORMAT_VERSION:
        raise DumpError(
            f"this dump uses format version {version}, but this Lumi reads versions up to "
            f"{dumps.DUMP_FORMAT_VERSION}"
        )
    return metadata
