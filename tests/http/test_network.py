"""Merging ``PATCH /network`` bodies into the stored network."""

from __future__ import annotations

from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.http.network import default_network, merge_network

ONE = {"ms-1": {"url": "http://a:7700", "searchApiKey": "s", "writeApiKey": None}}


@pytest.mark.parametrize(
    ("current", "patch", "expected"),
    [
        (default_network(), {}, default_network()),
        (default_network(), {"self": "ms-1"}, {**default_network(), "self": "ms-1"}),
        (
            default_network(),
            {"remotes": {"ms-1": {"url": "http://a:7700", "searchApiKey": "s"}}},
            {**default_network(), "remotes": ONE},
        ),
        (
            {**default_network(), "remotes": ONE},
            {"remotes": {"ms-1": {"writeApiKey": "w", "url": None}}},
            {**default_network(), "remotes": {"ms-1": {**ONE["ms-1"], "writeApiKey": "w"}}},
        ),
        ({**default_network(), "remotes": ONE}, {"remotes": {"ms-1": None}}, default_network()),
        ({**default_network(), "remotes": ONE}, {"remotes": None}, default_network()),
        ({**default_network(), "self": "x"}, {"self": None}, default_network()),
        # What clients send to clear a network: nothing Enterprise is asked for.
        (
            {**default_network(), "self": "x", "remotes": ONE},
            {"leader": None, "self": None, "remotes": {}, "shards": {}},
            {**default_network(), "remotes": ONE},
        ),
        (default_network(), {"shards": None, "previousShards": {}}, default_network()),
    ],
)
def test_patches_merge(current: dict[str, Any], patch: dict[str, Any], expected: Any) -> None:
    assert merge_network(current, patch) == expected


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"remotes": {"new": {"searchApiKey": "k"}}}, "missing_network_url"),
        ({"leader": "ms-1"}, "requires_enterprise_edition"),
        ({"shards": {"s": {"remotes": ["a"]}}}, "requires_enterprise_edition"),
        ({"leader": "ms-1", "shards": {}}, "requires_enterprise_edition"),
        ({"shards": []}, "requires_enterprise_edition"),
        ({"previousShards": {"s": {}}}, "requires_enterprise_edition"),
        ({"previousRemotes": None}, "unexpected_network_previous_remotes"),
    ],
)
def test_refused_patches(patch: dict[str, Any], code: str) -> None:
    with pytest.raises(LumiError) as refused:
        merge_network(default_network(), patch)
    assert refused.value.code == code


def test_merging_never_changes_the_current_network() -> None:
    current = {**default_network(), "remotes": {"ms-1": dict(ONE["ms-1"])}}
    merge_network(current, {"remotes": {"ms-1": {"writeApiKey": "w"}}})
    assert current["remotes"] == ONE
