from __future__ import annotations

import pytest

from lumi.index.payloads.sizes import format_byte_size


@pytest.mark.parametrize(
    ("size", "text"),
    [(100_000_000, "100 MB"), (10 * 1024 * 1024, "10 MiB"), (500, "500 B"), (1_500_000, "1.5 MB")],
)
def test_format_byte_size(size: int, text: str) -> None:
    assert format_byte_size(size) == text
