from __future__ import annotations

import re

import pytest

from lumi.http.stats import human_size

HUMAN_SIZE = re.compile(r"^\d+(\.\d+)?\s+(B|KiB|MiB|GiB|TiB)$")


@pytest.mark.parametrize(
    "size, text",
    [
        (0, "0 B"),
        (1, "1 B"),
        (1023, "1023 B"),
        (1024, "1 KiB"),
        (1536, "1.5 KiB"),
        (4096, "4 KiB"),
        (793_118, "774.53 KiB"),
        (1_000_000, "976.56 KiB"),
        (1024**2 - 1, "1 MiB"),
        (3 * 1024**2 + 1024**2 // 4, "3.25 MiB"),
        (16 * 1024**3, "16 GiB"),
        (5 * 1024**4, "5 TiB"),
        (2048 * 1024**4, "2048 TiB"),
    ],
)
def test_human_size_uses_binary_units(size: int, text: str) -> None:
    assert human_size(size) == text
    assert HUMAN_SIZE.match(text)
