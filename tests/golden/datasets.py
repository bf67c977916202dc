"""The golden datasets: the SDK fixtures and a fixed sample of the PyPI dataset, read from
the shared folder at test time (never copied into the repository)."""

from __future__ import annotations

import gzip
import itertools
from typing import Any

import orjson
import pytest

from tests.support.datasets import SHARED_DATASETS

SHARED = SHARED_DATASETS
PYPI_SAMPLE = 20_000


def load(name: str) -> list[dict[str, Any]]:
    """Documents of ``movies``, ``songs`` or ``pypi`` (skips the test when absent)."""
    paths = {
        "movies": SHARED / "meili-sdk" / "small_movies.json",
        "songs": SHARED / "meili-sdk" / "songs.ndjson",
        "pypi": SHARED / "pypi-packages.ndjson.gz",
    }
    path = paths[name]
    if not path.exists():
        pytest.skip(f"{path} is not available")
    if name == "movies":
        return orjson.loads(path.read_bytes())
    if name == "songs":
        return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    with gzip.open(path) as lines:
        return [orjson.loads(line) for line in itertools.islice(lines, PYPI_SAMPLE)]
