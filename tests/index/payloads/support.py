"""Assertion helpers shared by the payload tests."""

from __future__ import annotations

import pytest

from lumi.errors import LumiError


def error_of(call, *args) -> tuple[str, str]:
    with pytest.raises(LumiError) as info:
        call(*args)
    return info.value.code, info.value.message


def json_error(detail: str, fmt: str = "json") -> str:
    return (
        f"The `{fmt}` payload provided is malformed. `Couldn't serialize document value: {detail}`."
    )
