from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.search.constraints import SortCriterion
from lumi.search.ranking import sort as sort_module
from lumi.search.ranking.base import Bucket, RankingContext, RankingRule, ScoreDetail
from lumi.search.ranking.bucket_sort import SortRequest, bucket_sort
from lumi.search.ranking.sort import FieldSortRule, sort_factory
from tests.support.facets import build_index, scratch_dir

DOCUMENTS: list[dict[str, Any]] = [
    {"id": 0, "price": 10, "title": "banana"},
    {"id": 1, "price": "cheap", "title": "Apple"},
    {"id": 2, "price": [30, 5], "title": "cherry"},
    {"id": 3, "title": "apple"},
    {"id": 4, "price": 5, "title": ["Date", "avocado"]},
    {"id": 5, "price": -1.5, "title": 3},
    {"id": 6, "price": "Expensive", "title": None},
    {"id": 7, "price": 10, "title": "Banana"},
]


@pytest.fixture(scope="module")
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        built = build_index(path, {"sortableAttributes": ["price", "title"]}, DOCUMENTS)
        yield built
        built.close()


def ranked(index: Index, rules: list[RankingRule], universe: BitMap | None = None) -> list[int]:
    with index.read() as txn:
        ctx = RankingContext(index, txn, {})
        everything = BitMap(range(len(DOCUMENTS))) if universe is None else universe
        return bucket_sort(ctx, rules, None, everything, SortRequest(limit=100)).docids


@pytest.mark.parametrize(
    ("field", "ascending", "expected"),
    [
        # numbers first, then strings (lowercased), then documents without a value
        ("price", True, [5, 2, 4, 0, 7, 1, 6, 3]),
        ("price", False, [2, 0, 7, 4, 5, 6, 1, 3]),
        ("title", True, [5, 1, 3, 4, 0, 7, 2, 6]),
        ("title", False, [5, 4, 2, 0, 7, 1, 3, 6]),
    ],
)
def test_one_field(index: Index, field: str, ascending: bool, expected: list[int]) -> None:
    assert ranked(index, [FieldSortRule(field, ascending)]) == expected


def test_several_keys_apply_in_order(index: Index) -> None:
    rules: list[RankingRule] = [FieldSortRule("price", False), FieldSortRule("title", False)]
    # 0 and 7 tie on both keys ("banana" and "Banana" are one value): document id order
    assert ranked(index, rules) == [2, 0, 7, 4, 5, 6, 1, 3]


def test_bucket_values_show_in_details(index: Index) -> None:
    with index.read() as txn:
        ctx = RankingContext(index, txn, {})
        rule = FieldSortRule("title", True)
        universe = BitMap(range(len(DOCUMENTS)))
        rule.start(ctx, universe, None)
        seen = []
        while (bucket := rule.next_bucket(ctx, universe)) is not None:
            universe -= bucket.docids
            seen.append((list(bucket.docids), bucket.detail.key, bucket.detail.fields))
        rule.end(ctx)
    assert seen == [
        ([5], "title:asc", {"value": 3.0}),
        ([1, 3], "title:asc", {"value": "Apple"}),
        ([4], "title:asc", {"value": "avocado"}),
        ([0, 7], "title:asc", {"value": "banana"}),
        ([2], "title:asc", {"value": "cherry"}),
    ]
    assert all(detail for *_, detail in seen)


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


def test_sort_orders_inside_the_buckets_of_earlier_rules(index: Index) -> None:
    relevancy = Preference([[1, 3, 5, 7], [0, 2, 4, 6]])
    assert ranked(index, [relevancy, FieldSortRule("price", True)]) == [5, 7, 1, 3, 2, 4, 0, 6]


def test_earlier_sort_decides_before_later_rules(index: Index) -> None:
    relevancy = Preference([[1, 3, 5, 7], [0, 2, 4, 6]])
    assert ranked(index, [FieldSortRule("price", True), relevancy]) == [5, 2, 4, 7, 0, 1, 6, 3]


def test_universe_is_respected(index: Index) -> None:
    assert ranked(index, [FieldSortRule("price", True)], BitMap([0, 3, 6])) == [0, 6, 3]


def test_large_and_small_universes_sort_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(2)
    pool: list[Any] = [rng.randint(-50, 50) for _ in range(30)] + [
        "x",
        "Y",
        "é",
        "b",
        "B",
        "ba",
        "Bb",
        "a",
    ]
    documents = [
        {"id": i, "v": rng.choice([rng.choice(pool), rng.sample(pool, 2), None])}
        for i in range(400)
    ]
    documents = [{k: v for k, v in doc.items() if v is not None} for doc in documents]
    with scratch_dir() as path:
        built = build_index(path, {"sortableAttributes": ["v"]}, documents)
        for ascending in (True, False):
            walked = ranked_all(built, ascending)
            monkeypatch.setattr(sort_module, "FEW_DOCUMENTS", 10_000)
            direct = ranked_all(built, ascending)
            monkeypatch.setattr(sort_module, "FEW_DOCUMENTS", 0)
            assert walked == direct == expected_order(documents, ascending)
        built.close()


def ranked_all(index: Index, ascending: bool) -> list[int]:
    with index.read() as txn:
        ctx = RankingContext(index, txn, {})
        outcome = bucket_sort(
            ctx, [FieldSortRule("v", ascending)], None, index.docids(txn), SortRequest(limit=1000)
        )
        return outcome.docids


def expected_order(documents: list[dict[str, Any]], ascending: bool) -> list[int]:
    """Numbers, then strings, then the rest; ties and the rest in id order."""
    pick = min if ascending else max
    numbers, strings, rest = [], [], []
    for doc in documents:
        values = doc.get("v")
        values = values if isinstance(values, list) else [values] if "v" in doc else []
        found = [float(v) for v in values if isinstance(v, int)]
        texts = [unicodedata.normalize("NFKD", v).lower() for v in values if isinstance(v, str)]
        if found:
            numbers.append((pick(found), doc["id"]))
        elif texts:
            strings.append((pick(texts), doc["id"]))
        else:
            rest.append(doc["id"])
    numbers.sort(key=lambda item: item[0], reverse=not ascending)
    strings.sort(key=lambda item: item[0], reverse=not ascending)
    return [docid for _, docid in numbers] + [docid for _, docid in strings] + rest


def test_one_sort_rule_for_several_entries(index: Index) -> None:
    criteria = [SortCriterion("price", False), SortCriterion("title", False)]
    rule = sort_factory(criteria)()
    assert rule.id == "sort"
    # the same order as one rule per entry
    assert ranked(index, [rule]) == [2, 0, 7, 4, 5, 6, 1, 3]


def test_documents_lacking_a_later_entry_stay_in_their_bucket() -> None:
    documents = [
        {"id": 0, "a": 1},
        {"id": 1, "a": 1, "b": 5},
        {"id": 2, "a": 0},
        {"id": 3, "a": 1, "b": 2},
        {"id": 4, "b": 1},
    ]
    with scratch_dir() as path:
        built = build_index(path, {"sortableAttributes": ["a", "b"]}, documents)
        rule = sort_factory([SortCriterion("a", True), SortCriterion("b", True)])()
        with built.read() as txn:
            ctx = RankingContext(built, txn, {})
            outcome = bucket_sort(ctx, [rule], None, BitMap(range(5)), SortRequest(limit=9))
        built.close()
    assert outcome.docids == [2, 3, 1, 0, 4]
    assert [[d.fields for d in path] for path in outcome.details] == [
        [{"value": 0.0}],
        [{"value": 1.0}],
        [{"value": 1.0}],
        [{"value": 1.0}],
        [],
    ]


def test_a_single_entry_needs_no_composite() -> None:
    rule = sort_factory([SortCriterion("price", True)])()
    assert isinstance(rule, FieldSortRule) and rule.id == "price:asc"
