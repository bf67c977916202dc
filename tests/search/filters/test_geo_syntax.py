from __future__ import annotations

import pytest

from lumi.search.filters.ast import And, GeoBoundingBox, GeoPolygon, GeoRadius, Node, Not, Op
from lumi.search.filters.expression import parse_expression
from lumi.search.filters.geo_syntax import geo_radius, geo_shape
from lumi.search.filters.lexer import Lexer
from tests.search.filters.trees import c, eq, message_of, v

GEO_RADIUS = (
    "The `_geoRadius` filter must be in the form: "
    "`_geoRadius(latitude, longitude, radius, optionalResolution)`."
)
GEO_BOX = (
    "The `_geoBoundingBox` filter expects two pairs of arguments: "
    "`_geoBoundingBox([latitude, longitude], [latitude, longitude])`."
)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        (
            "_geoRadius(45.472735, 9.184019, 2000)",
            GeoRadius(v("45.472735"), v("9.184019"), v("2000"), None),
        ),
        ("_geoRadius(1,2,3,4)", GeoRadius(v("1"), v("2"), v("3"), v("4"))),
        ("  _geoRadius( -1.5e3 , +.5, 3. )", GeoRadius(v("-1.5e3"), v("+.5"), v("3."), None)),
        (
            "_geoBoundingBox([45.49, 9.21], [45.45, 9.17])",
            GeoBoundingBox((v("45.49"), v("9.21")), (v("45.45"), v("9.17"))),
        ),
        (
            "_geoBoundingBox( [1,2] ,[3,4] )",
            GeoBoundingBox((v("1"), v("2")), (v("3"), v("4"))),
        ),
        (
            "_geoPolygon([1, 2], [3, 4], [5, 6], [7, 8])",
            GeoPolygon(((v("1"), v("2")), (v("3"), v("4")), (v("5"), v("6")), (v("7"), v("8")))),
        ),
        (
            "_geoRadius(1, 2, 3) AND NOT _geoBoundingBox([1, 2], [3, 4])",
            And(
                (
                    GeoRadius(v("1"), v("2"), v("3"), None),
                    Not(GeoBoundingBox((v("1"), v("2")), (v("3"), v("4")))),
                )
            ),
        ),
        # Only the exact built-in names are special.
        ("_geoRadiusX = 1", eq("_geoRadiusX", "1")),
        ("_geo.lat > 1", c("_geo.lat", Op.GT, "1")),
        ("'_geo' = 1", eq("_geo", "1")),
    ],
)
def test_geo_forms(text: str, tree: Node) -> None:
    assert parse_expression(text) == tree


def test_geo_arguments_keep_their_numbers() -> None:
    tree = parse_expression("_geoRadius(45.5, -9, 1e3, 7)")
    assert isinstance(tree, GeoRadius)
    assert [tree.lat.number, tree.lng.number, tree.radius.number] == [45.5, -9.0, 1000.0]
    assert tree.resolution is not None and tree.resolution.number == 7.0
    # Out-of-range numbers are kept; the evaluator reports them with their position.
    huge = parse_expression("_geoRadius(1e400, 0, 1)")
    assert isinstance(huge, GeoRadius) and huge.lat.raw == "1e400" and huge.lat.number is None


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("_geoRadius(1, 2, 3) AND x = 1", 19),
        ("_geoRadius( 1 ,2,3 ,4 )", 23),
    ],
)
def test_geo_radius_ends_after_its_list(text: str, end: int) -> None:
    node, after = geo_radius(Lexer(text), 0, len("_geoRadius"))
    assert isinstance(node, GeoRadius) and after == end


def test_geo_shapes_end_after_their_list() -> None:
    text = "_geoPolygon([1, 2], [3, 4], [5, 6]) OR x = 1"
    node, after = geo_shape(Lexer(text), 0, len("_geoPolygon"), polygon=True)
    assert isinstance(node, GeoPolygon) and text[after:] == " OR x = 1"
    text = "_geoBoundingBox([1, 2], [3, 4])"
    node, after = geo_shape(Lexer(text), 0, len("_geoBoundingBox"), polygon=False)
    assert isinstance(node, GeoBoundingBox) and after == len(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("_geoRadius", f"{GEO_RADIUS}\n1:11 _geoRadius"),
        ("_geoRadius = 12", f"{GEO_RADIUS}\n1:16 _geoRadius = 12"),
        ("_geoRadius (1, 2, 3)", f"{GEO_RADIUS}\n1:21 _geoRadius (1, 2, 3)"),
        ("_geoRadius(1, 2, x)", f"{GEO_RADIUS}\n1:20 _geoRadius(1, 2, x)"),
        ("_geoRadius(1, 2, 3e)", f"{GEO_RADIUS}\n1:21 _geoRadius(1, 2, 3e)"),
        ("a = 1 OR _geoRadius(1, 2,)", f"{GEO_RADIUS}\n10:27 a = 1 OR _geoRadius(1, 2,)"),
        (
            "_geoRadius(1, 2)",
            "Was expecting 3 or 4 arguments for `_geoRadius`, but instead found 2."
            "\n17:17 _geoRadius(1, 2)",
        ),
        (
            "_geoRadius(1, 2, 3, 4, 5) AND a = 1",
            "Was expecting 3 or 4 arguments for `_geoRadius`, but instead found 5."
            "\n26:36 _geoRadius(1, 2, 3, 4, 5) AND a = 1",
        ),
        ("_geoBoundingBox", f"{GEO_BOX}\n1:16 _geoBoundingBox"),
        ("_geoBoundingBox = 12", f"{GEO_BOX}\n1:21 _geoBoundingBox = 12"),
        ("_geoBoundingBox(1.0, 1.0)", f"{GEO_BOX}\n1:26 _geoBoundingBox(1.0, 1.0)"),
        ("_geoBoundingBox([1, 2])", f"{GEO_BOX}\n24:24 _geoBoundingBox([1, 2])"),
        (
            "_geoBoundingBox([1, 2], [3, 4], [5, 6])",
            f"{GEO_BOX}\n40:40 _geoBoundingBox([1, 2], [3, 4], [5, 6])",
        ),
        ("_geoBoundingBox([1], [3, 4])", f"{GEO_BOX}\n29:29 _geoBoundingBox([1], [3, 4])"),
        (
            "_geoPolygon([1, 2], [3, 4])",
            "The `_geoPolygon` filter expects at least 3 points but only 2 were specified"
            "\n28:28 _geoPolygon([1, 2], [3, 4])",
        ),
        (
            "_geoPolygon([1, 2], [3, 4], [5, 6, 7])",
            "Was expecting 2 coordinates but instead found 3."
            "\n30:31 _geoPolygon([1, 2], [3, 4], [5, 6, 7])",
        ),
        (
            "_geoPolygon(1, 2, 3)",
            "The `_geoPolygon` filter doesn't match the expected format: "
            "`_geoPolygon([latitude, longitude], [latitude, longitude])`."
            "\n1:21 _geoPolygon(1, 2, 3)",
        ),
    ],
)
def test_geo_argument_errors(text: str, message: str) -> None:
    assert message_of(text) == message
