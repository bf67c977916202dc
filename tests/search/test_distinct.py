from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.search.distinct import Distinct, distinct_attribute
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail
from lumi.search.ranking.bucket_sort import SortRequest, bucket_sort
from tests.support.facets import build_index, scratch_dir

DOCUMENTS: list[dict[str, Any]] = [
    {"id": 0, "sku": "A", "color": ["red", "blue"]},
    {"id": 1, "sku": "a", "color": "Blue"},
    {"id": 2, "sku": "B", "color": ["green"]},
    {"id": 3, "color": "yellow"},
    {"id": 4, "sku": 1, "color": ["yellow", "pink"]},
    {"id": 5, "sku": "1", "color": "pink"},
    {"id": 6, "sku": None},
    {"id": 7, "sku": "B"},
]


@pytest.fixture(scope="module")
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        built = build_index(path, {"filterableAttributes": ["sku", "color"]}, DOCUMENTS)
        yield built
        built.close()


def test_the_search_parameter_overrides_the_setting() -> None:
    assert distinct_attribute({"distinctAttribute": "sku"}, None) == "sku"
    assert distinct_attribute({"distinctAttribute": "sku"}, "color") == "color"
    assert distinct_attribute({}, None) is None


@pytest.mark.parametrize(
    ("field", "kept"),
    [
        # "A" and "a" are one value; 1 and "1" are not; documents without a value stay
        ("sku", [0, 2, 3, 4, 5, 6]),
        # one shared array element with a kept document is enough to be dropped: 1 shares
        # blue with 0, 4 yellow with 3; 5 only shares pink with 4, which was not kept
        ("color", [0, 2, 3, 5, 6, 7]),
    ],
)
def test_candidates_in_document_order(index: Index, field: str, kept: list[int]) -> None:
    with index.read() as txn:
        hook = Distinct(index, txn, field)
        hook(BitMap([7]))
        assert list(hook.reduce(BitMap(range(8)))) == kept


def test_later_buckets_lose_to_earlier_ones(index: Index) -> None:
    with index.read() as txn:
        hook = Distinct(index, txn, "sku")
        assert list(hook(BitMap([7, 5]))) == [5, 7]
        assert list(hook(BitMap([2, 4, 0]))) == [0, 4]
        assert list(hook(BitMap([1, 3, 6]))) == [3, 6]


class Preference(RankingRule):
    """A relevancy stand-in: one bucket per listed group, best first."""

    id = "preference"

    def __init__(self, groups: list[list[int]]) -> None:
        self.groups = groups
        self.position = 0

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.position = 0

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        while self.position < len(self.groups):
            docids = BitMap(self.groups[self.position]) & universe
            self.position += 1
            if docids:
                return Bucket(docids, ScoreDetail(self.id, len(self.groups) - self.position + 1))
        return None


def test_the_best_ranked_document_of_each_value_is_kept(index: Index) -> None:
    with index.read() as txn:
        ctx = RankingContext(index, txn, {})
        rules: list[RankingRule] = [Preference([[7], [5, 2], [1, 0], [3, 4, 6]])]
        request = SortRequest(limit=10, distinct=Distinct(index, txn, "sku"))
        outcome = bucket_sort(ctx, rules, None, BitMap(range(8)), request)
    # 7 (B) beats 2 (B); 5 ("1") and 4 (1) are different values; 0 ("A") and 1 ("a") tie
    # in one bucket, so the lower document id wins
    assert outcome.docids == [7, 5, 0, 3, 4, 6]


def test_distinct_applies_before_pagination(index: Index) -> None:
    with index.read() as txn:
        ctx = RankingContext(index, txn, {})
        rules: list[RankingRule] = [Preference([[0, 1], [2, 7], [3]])]
        request = SortRequest(offset=1, limit=2, distinct=Distinct(index, txn, "sku"))
        outcome = bucket_sort(ctx, rules, None, BitMap([0, 1, 2, 3, 7]), request)
    assert outcome.docids == [2, 3]
