from __future__ import annotations

from typing import Any

import pytest
from pyroaring import BitMap

from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail
from lumi.search.ranking.bucket_sort import SortRequest, bucket_sort


class _Groups(RankingRule):
    """Ranks by a fixed table docid -> group (0 best); records what it was asked."""

    def __init__(self, name: str, groups: dict[int, int], calls: list[str]) -> None:
        self.id = name
        self.table = groups
        self.calls = calls
        self.top = max(groups.values()) + 1

    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        self.calls.append(f"{self.id} start {list(universe)}")
        self.next = 0

    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        while self.next < self.top:
            group = self.next
            self.next += 1
            docs = BitMap(d for d in universe if self.table.get(d) == group)
            if docs:
                return Bucket(docs, ScoreDetail(self.id, self.top - group, self.top))
        return None


def _ctx() -> RankingContext:
    return RankingContext(index=None, txn=None, settings={})  # type: ignore[arg-type]


FIRST = {0: 1, 1: 0, 2: 1, 3: 0, 4: 2, 5: 1}
SECOND = {0: 1, 1: 1, 2: 0, 3: 0, 4: 0, 5: 0}


def _sort(request: SortRequest, calls: list[str] | None = None) -> list[int]:
    calls = [] if calls is None else calls
    rules: list[RankingRule] = [_Groups("a", FIRST, calls), _Groups("b", SECOND, calls)]
    return bucket_sort(_ctx(), rules, None, BitMap(range(6)), request).docids


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, 10, [3, 1, 2, 5, 0, 4]),
        (0, 2, [3, 1]),
        (1, 2, [1, 2]),
        (2, 2, [2, 5]),
        (5, 10, [4]),
        (6, 10, []),
        (0, 0, []),
    ],
)
def test_order_offset_limit(offset: int, limit: int, expected: list[int]) -> None:
    assert _sort(SortRequest(offset=offset, limit=limit)) == expected


def test_ties_keep_document_id_order() -> None:
    calls: list[str] = []
    rules: list[RankingRule] = [_Groups("a", dict.fromkeys(range(5), 0), calls)]
    assert bucket_sort(_ctx(), rules, None, BitMap(range(5)), SortRequest()).docids == [
        0,
        1,
        2,
        3,
        4,
    ]


def test_stops_once_the_page_is_settled() -> None:
    calls: list[str] = []
    _sort(SortRequest(limit=1), calls)
    assert calls == ["a start [0, 1, 2, 3, 4, 5]", "b start [1, 3]"]


def test_buckets_inside_the_offset_are_not_refined() -> None:
    calls: list[str] = []
    assert _sort(SortRequest(offset=2, limit=1), calls) == [2]
    assert "b start [1, 3]" not in calls


def test_details_follow_the_rules() -> None:
    rules: list[RankingRule] = [_Groups("a", FIRST, []), _Groups("b", SECOND, [])]
    request = SortRequest(limit=2, scored=True)
    outcome = bucket_sort(_ctx(), rules, None, BitMap(range(6)), request)
    assert [[(d.key, d.rank, d.max_rank) for d in path] for path in outcome.details] == [
        [("a", 3, 3), ("b", 2, 2)],
        [("a", 3, 3), ("b", 1, 2)],
    ]


def test_threshold_rejects_whole_buckets() -> None:
    rules: list[RankingRule] = [_Groups("a", FIRST, []), _Groups("b", SECOND, [])]
    request = SortRequest(threshold=0.6, scored=True)
    outcome = bucket_sort(_ctx(), rules, None, BitMap(range(6)), request)
    assert outcome.docids == [3, 1, 2, 5]  # (1, 0)'s score is 2/6, (2, *) at most 1/3
    assert set(outcome.rejected) == {0, 4}


def test_distinct_is_applied_to_every_final_bucket_in_order() -> None:
    seen: set[int] = set()
    order: list[list[int]] = []

    def one_per_parity(bucket: BitMap) -> BitMap:
        order.append(list(bucket))
        kept = BitMap()
        for docid in bucket:
            if docid % 2 not in seen:
                seen.add(docid % 2)
                kept.add(docid)
        return kept

    assert _sort(SortRequest(distinct=one_per_parity)) == [3, 2]
    assert order[0] == [3]


def test_expired_deadline_returns_the_rest_unrefined() -> None:
    ctx = _ctx()
    ctx.deadline = 0.0
    rules: list[RankingRule] = [_Groups("a", FIRST, [])]
    outcome = bucket_sort(ctx, rules, None, BitMap(range(6)), SortRequest())
    assert outcome.docids == [0, 1, 2, 3, 4, 5]
    assert outcome.degraded


def test_no_rules_keeps_document_id_order() -> None:
    outcome = bucket_sort(_ctx(), [], None, BitMap([5, 2, 9]), SortRequest(offset=1))
    assert outcome.docids == [5, 9]


@pytest.mark.parametrize(("exhaustive", "rejected"), [(False, set()), (True, {0, 4})])
def test_exhaustive_threshold_finds_every_rejected_document(
    exhaustive: bool, rejected: set[int]
) -> None:
    rules: list[RankingRule] = [_Groups("a", FIRST, []), _Groups("b", SECOND, [])]
    request = SortRequest(limit=1, threshold=0.6, scored=True, exhaustive=exhaustive)
    outcome = bucket_sort(_ctx(), rules, None, BitMap(range(6)), request)
    assert outcome.docids == [3]
    assert set(outcome.rejected) == rejected
