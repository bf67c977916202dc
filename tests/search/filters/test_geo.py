from __future__ import annotations

from collections.abc import Iterator

import pytest

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.search.filters.evaluate import FilterEvaluator
from lumi.search.filters.geo import haversine, inside
from lumi.search.filters.parameter import parse_filter
from tests.support.facets import build_index, scratch_dir

POINTS = [
    (0.0, 0.0),  # id 0
    (0.0, 0.5),  # id 1: half a degree east
    (0.0, 1.0),  # id 2: one degree east
    (1.0, 0.0),  # id 3: one degree north
    (0.0, 179.9),  # id 4: just west of the antimeridian
    (0.0, -179.9),  # id 5: just east of it
    (89.99, 45.0),  # id 6: near the north pole
]


@pytest.fixture(scope="module")
def index() -> Iterator[Index]:
    documents = [{"id": i, "_geo": {"lat": lat, "lng": lng}} for i, (lat, lng) in enumerate(POINTS)]
    documents.append({"id": 7})
    documents.append({"id": 8, "_geo": None})
    with scratch_dir() as path:
        built = build_index(path, {"filterableAttributes": ["_geo"]}, documents)
        yield built
        built.close()


def ids(index: Index, expression: str) -> list[int]:
    with index.read() as txn:
        evaluator = FilterEvaluator(index, txn, index.settings(txn))
        node = parse_filter(expression)
        assert node is not None
        return sorted(index.document(txn, d)["id"] for d in evaluator.docids(node))


@pytest.mark.parametrize(
    ("a", "b", "meters"),
    [
        ((0, 0), (0, 1), 111_194.93),
        ((0, 0), (1, 0), 111_194.93),
        ((0, 179.9), (0, -179.9), 22_238.99),
        ((90, 0), (89.99, 45), 1_111.95),
        ((0, 0), (0, 180), 20_015_086.80),
        ((48.8561446, 2.2978204), (48.8826517, 2.3352748), 4_023.95),
    ],
)
def test_haversine_distances(a: tuple[float, float], b: tuple[float, float], meters: float) -> None:
    assert haversine(*a, *b) == pytest.approx(meters, abs=0.01)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("_geoRadius(0, 0, 111194)", [0, 1]),
        ("_geoRadius(0, 0, 111195)", [0, 1, 2, 3]),
        ("_geoRadius(0, 0, 0)", [0]),
        ("_geoRadius(0.0, 0.25, 27799)", [0, 1]),
        ("_geoRadius(0, 179.95, 6000)", [4]),
        ("_geoRadius(0, 180, 11200)", [4, 5]),
        ("_geoRadius(0, -180, 11000)", []),
        ("_geoRadius(90, 0, 2000)", [6]),
        ("_geoRadius(0, 0, 30000000)", [0, 1, 2, 3, 4, 5, 6]),
        ("_geoRadius(0, 0, 111195, 3)", [0, 1, 2, 3]),
        ("_geoBoundingBox([1, 1], [0, 0])", [0, 1, 2, 3]),
        ("_geoBoundingBox([0.5, 0.75], [-0.5, 0.25])", [1]),
        ("_geoBoundingBox([1, -179], [-1, 179])", [4, 5]),
        ("_geoBoundingBox([90, 180], [-90, -180])", [0, 1, 2, 3, 4, 5, 6]),
        ("_geoPolygon([-0.1, -0.1], [-0.1, 0.6], [0.1, 0.6], [0.1, -0.1])", [0, 1]),
        ("_geoPolygon([0.5, -0.5], [1.5, -0.5], [1.5, 1.5])", [3]),
        ("NOT _geoRadius(0, 0, 111195)", [4, 5, 6, 7, 8]),
        ("_geoRadius(0, 0, 111195) AND NOT _geoRadius(0, 0, 60000)", [2, 3]),
    ],
)
def test_geo_filters(index: Index, expression: str, expected: list[int]) -> None:
    assert ids(index, expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "_geoRadius(91, 0, 10)",
            "Bad latitude `91`. Latitude must be contained between -90 and 90 degrees. "
            "\n12:14 _geoRadius(91, 0, 10)",
        ),
        (
            "_geoRadius(0, -181.5, 10)",
            "Bad longitude `-181.5`. Longitude must be contained between -180 and 180 degrees. "
            "\n15:21 _geoRadius(0, -181.5, 10)",
        ),
        (
            "_geoBoundingBox([0, 0], [1, 1])",
            "The top latitude `0` is below the bottom latitude `1`.\n18:19 "
            "_geoBoundingBox([0, 0], [1, 1])",
        ),
        (
            "_geoPolygon([0, 0], [1, 1], [-95, 1])",
            "Bad latitude `-95`. Latitude must be contained between -90 and 90 degrees. "
            "\n30:33 _geoPolygon([0, 0], [1, 1], [-95, 1])",
        ),
    ],
)
def test_geo_arguments_are_checked(index: Index, expression: str, message: str) -> None:
    with pytest.raises(LumiError) as caught:
        ids(index, expression)
    assert (caught.value.code, caught.value.message) == ("invalid_search_filter", message)


@pytest.mark.parametrize(
    ("point", "expected"),
    [((0.5, 0.5), True), ((2.0, 0.5), False), ((0.0, 0.5), True), ((1.0, 1.0), True)],
)
def test_point_in_polygon(point: tuple[float, float], expected: bool) -> None:
    square = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    assert inside(point, square) is expected


def test_polygon_filter_accepts_geojson_filterable_rule() -> None:
    documents = [{"id": 1, "_geo": {"lat": 0, "lng": 0}}]
    with scratch_dir() as path:
        built = build_index(path, {"filterableAttributes": ["_geo", "_geojson"]}, documents)
        assert ids(built, "_geoPolygon([1, 1], [1, -1], [-1, 0])") == [1]
        built.close()
