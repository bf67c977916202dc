from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.search.ranking.asc_desc import asc_desc_factories
from lumi.search.ranking.base import RankingContext
from lumi.search.ranking.bucket_sort import SortRequest, bucket_sort
from tests.support.facets import build_index, scratch_dir

SETTINGS = {"rankingRules": ["words", "rating:desc", "typo", "name:asc"]}
DOCUMENTS = [
    {"id": 0, "rating": 3, "name": "b"},
    {"id": 1, "rating": 5, "name": "a"},
    {"id": 2, "name": "c"},
    {"id": 3, "rating": 3, "name": "A"},
    {"id": 4, "rating": [1, 9], "name": "d"},
]


@pytest.fixture(scope="module")
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        built = build_index(path, SETTINGS, DOCUMENTS)
        yield built
        built.close()


def test_one_factory_per_custom_rule() -> None:
    factories = asc_desc_factories(SETTINGS)
    assert list(factories) == ["rating:desc", "name:asc"]
    assert [factory().id for factory in factories.values()] == ["rating:desc", "name:asc"]
    assert asc_desc_factories({}) == {}


def test_custom_rules_rank_without_being_sortable(index: Index) -> None:
    factories = asc_desc_factories(SETTINGS)
    with index.read() as txn:
        ctx = RankingContext(index, txn, SETTINGS)
        rules = [factories["rating:desc"](), factories["name:asc"]()]
        outcome = bucket_sort(ctx, rules, None, BitMap(range(5)), SortRequest(limit=10))
    assert outcome.docids == [4, 1, 3, 0, 2]
    # 3 and 0 tie on rating, so name orders them; the others are alone in their bucket
    assert [[d.key for d in path] for path in outcome.details] == [
        ["rating:desc"],
        ["rating:desc"],
        ["rating:desc", "name:asc"],
        ["rating:desc", "name:asc"],
        [],
    ]
    assert outcome.details[0][0].fields == {"value": 9.0}
