from __future__ import annotations

from typing import Any

import pytest

from lumi.search.federated_distinct import DistinctKeys, distinct_hits, document_keys


@pytest.mark.parametrize(
    "hit, attribute, keys",
    [
        ({"sku": "AB-1"}, "sku", {(1, "ab-1")}),
        ({"sku": 7}, "sku", {(0, 7.0)}),
        ({"sku": 7.0, "other": 1}, "sku", {(0, 7.0)}),
        ({"sku": True}, "sku", {(1, "true")}),
        ({"sku": [" Café ", ["x", 2]]}, "sku", {(1, "cafe\u0301"), (1, "x"), (0, 2.0)}),
        ({"sku": None}, "sku", set()),
        ({"sku": {"nested": 1}}, "sku", set()),
        ({}, "sku", set()),
        ({"info": {"sku": "a"}}, "info.sku", {(1, "a")}),
        ({"info": [{"sku": "a"}, {"sku": "b"}, {"no": 1}]}, "info.sku", {(1, "a"), (1, "b")}),
    ],
)
def test_remote_hits_show_their_values(
    hit: dict[str, Any], attribute: str, keys: set[tuple[int, Any]]
) -> None:
    assert document_keys(hit, attribute) == frozenset(keys)


def test_hits_sharing_a_value_with_a_better_one_are_dropped() -> None:
    ranked = [
        (-0.9, 0, 0, {"id": 1, "tags": ["a", "b"]}),
        (-0.8, 1, 0, {"id": 2, "tags": "A"}),
        (-0.7, 1, 1, {"id": 3}),
        (-0.6, 0, 1, {"id": 4, "tags": "c"}),
        (-0.5, 2, 0, {"id": 5}),
        (-0.4, 2, 1, {"id": 6, "tags": ["c", "d"]}),
    ]
    # query 2 was searched here: its values come from the index, not from the hit
    known: dict[tuple[int, int], DistinctKeys] = {
        (2, 0): frozenset({(1, "d")}),
        (2, 1): frozenset(),
    }
    kept = distinct_hits(ranked, "tags", known)
    assert [item[3]["id"] for item in kept] == [1, 3, 4, 5, 6]
