from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyroaring import BitMap

from lumi.index.facet_store import FacetReader
from lumi.index.index import Index
from lumi.search.ranking.base import RankingContext, RankingRule
from lumi.search.ranking.bucket_sort import SortRequest, bucket_sort
from lumi.search.ranking.geo_sort import GeoSortRule, geo_distance
from lumi.search.ranking.sort import FieldSortRule
from tests.support.facets import build_index, scratch_dir

DOCUMENTS = [
    {"id": 0, "_geo": {"lat": 0, "lng": 1}, "rank": 2},  # 111 194.93 m from (0, 0)
    {"id": 1, "_geo": {"lat": 0, "lng": 0.5}, "rank": 1},  # 55 597.46 m
    {"id": 2, "rank": 0},  # no point
    {"id": 3, "_geo": {"lat": -1, "lng": 0}, "rank": 1},  # 111 194.93 m
    {"id": 4, "_geo": {"lat": "0", "lng": "0"}, "rank": 3},  # 0 m
]


@pytest.fixture(scope="module")
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        built = build_index(path, {"sortableAttributes": ["_geo", "rank"]}, DOCUMENTS)
        yield built
        built.close()


def run(index: Index, rules: list[RankingRule]) -> tuple[list[int], list]:
    with index.read() as txn:
        ctx = RankingContext(index, txn, {})
        outcome = bucket_sort(ctx, rules, None, BitMap(range(5)), SortRequest(limit=10))
    return outcome.docids, outcome.details


def test_nearest_first_and_documents_without_point_last(index: Index) -> None:
    docids, details = run(index, [GeoSortRule((0.0, 0.0), True)])
    assert docids == [4, 1, 0, 3, 2]
    first = details[0][0]
    assert first.key == "_geoPoint(0, 0):asc"
    assert first.fields == {"value": {"lat": 0.0, "lng": 0.0}, "distance": 0.0}
    assert details[1][0].fields["distance"] == pytest.approx(55_597.46, abs=0.01)
    assert details[4] == []


def test_farthest_first(index: Index) -> None:
    docids, details = run(index, [GeoSortRule((0.0, 0.0), False)])
    assert docids == [0, 3, 1, 4, 2]
    assert details[0][0].key == "_geoPoint(0, 0):desc"


def test_ties_on_distance_go_to_the_next_rule(index: Index) -> None:
    rules: list[RankingRule] = [GeoSortRule((0.0, 0.0), False), FieldSortRule("rank", True)]
    docids, _ = run(index, rules)
    assert docids == [3, 0, 1, 4, 2]


def test_the_hit_distance_is_rounded_meters(index: Index) -> None:
    with index.read() as txn:
        reader = FacetReader(index, txn)
        assert geo_distance(reader, 0, (0.0, 0.0)) == 111_195
        assert geo_distance(reader, 1, (0.0, 0.0)) == 55_597
        assert geo_distance(reader, 2, (0.0, 0.0)) is None
        # spherical law of cosines on the same sphere: 5 437 029.84 m
        assert geo_distance(reader, 4, (48.8561446, 2.2978204)) == 5_437_030


def test_the_detail_key_shows_the_point() -> None:
    assert GeoSortRule((48.8561446, -2.5), True).id == "_geoPoint(48.8561446, -2.5):asc"
