from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lumi.errors import LumiError
from lumi.search.filters.ast import (
    And,
    Condition,
    GeoBoundingBox,
    GeoPolygon,
    GeoRadius,
    Node,
    Not,
    Op,
    Or,
    Span,
    Value,
    VectorKind,
    VectorsExists,
    fields_in,
)
from lumi.search.filters.parser import parse_filter

NOWHERE = Span(0, 0, "")
OPS = (
    "Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `IN`, `NOT IN`, `TO`, `EXISTS`, "
    "`NOT EXISTS`, `IS NULL`, `IS NOT NULL`, `IS EMPTY`, `IS NOT EMPTY`, `CONTAINS`, "
    "`NOT CONTAINS`, `STARTS WITH`, `NOT STARTS WITH`, `_geoRadius`, `_geoBoundingBox` or "
    "`_geoPolygon` "
)
RESERVED_GEO = (
    "is a reserved keyword and thus can't be used as a filter expression. Use the "
    "`_geoRadius(latitude, longitude, distance)` or `_geoBoundingBox([latitude, longitude], "
    "[latitude, longitude])` built-in rules to filter on `_geo` coordinates."
)
EOF_HINT = "You probably forgot an `OR` or an `AND` rule."
GEO_RADIUS = (
    "The `_geoRadius` filter must be in the form: "
    "`_geoRadius(latitude, longitude, radius, optionalResolution)`."
)
GEO_BOX = (
    "The `_geoBoundingBox` filter expects two pairs of arguments: "
    "`_geoBoundingBox([latitude, longitude], [latitude, longitude])`."
)
DEPTH = (
    "The filter exceeded the maximum depth limit. "
    "Try rewriting the filter so that it contains fewer nested conditions."
)
NOTHING = "Was expecting a value but instead got nothing."


def v(raw: str) -> Value:
    return Value(raw, None, NOWHERE)


def c(field: str, op: Op, *values: str) -> Condition:
    return Condition(field, op, tuple(v(raw) for raw in values), NOWHERE, NOWHERE)


def eq(field: str, value: str) -> Condition:
    return c(field, Op.EQ, value)


def error_of(value: Any, code: str = "invalid_search_filter") -> str:
    with pytest.raises(LumiError) as raised:
        parse_filter(value, code=code)
    assert raised.value.code == code
    return raised.value.message


# -- operators ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("genres = horror", eq("genres", "horror")),
        ("a=1", eq("a", "1")),
        ("a != 1", c("a", Op.NE, "1")),
        ("a!=1", c("a", Op.NE, "1")),
        ("a > 1", c("a", Op.GT, "1")),
        ("a >= 1", c("a", Op.GTE, "1")),
        ("a<1", c("a", Op.LT, "1")),
        ("a <= 1", c("a", Op.LTE, "1")),
        ("rating.users 80 TO 89", c("rating.users", Op.RANGE, "80", "89")),
        ("a -5 TO 'x y'", c("a", Op.RANGE, "-5", "x y")),
        ("genres IN [horror, comedy]", c("genres", Op.IN, "horror", "comedy")),
        ("a IN[1]", c("a", Op.IN, "1")),
        ("a IN []", c("a", Op.IN)),
        ("a IN [ 1 , 2 , ]", c("a", Op.IN, "1", "2")),
        ("a IN ['x, y', \"z\"]", c("a", Op.IN, "x, y", "z")),
        ("genres NOT IN [horror]", Not(c("genres", Op.IN, "horror"))),
        ("release_date EXISTS", c("release_date", Op.EXISTS)),
        ("release_date NOT EXISTS", Not(c("release_date", Op.EXISTS))),
        ("overview IS NULL", c("overview", Op.IS_NULL)),
        ("overview IS NOT NULL", Not(c("overview", Op.IS_NULL))),
        ("overview IS EMPTY", c("overview", Op.IS_EMPTY)),
        ("overview IS  NOT\tEMPTY", Not(c("overview", Op.IS_EMPTY))),
        ("name CONTAINS kef", c("name", Op.CONTAINS, "kef")),
        ("name NOT CONTAINS kef", Not(c("name", Op.CONTAINS, "kef"))),
        ("name STARTS WITH kef", c("name", Op.STARTS_WITH, "kef")),
        ("name NOT STARTS WITH 'k f'", Not(c("name", Op.STARTS_WITH, "k f"))),
        # `NOT` before the attribute means the same as the negated operator.
        ("NOT genres IN [horror]", Not(c("genres", Op.IN, "horror"))),
        ("NOT release_date EXISTS", Not(c("release_date", Op.EXISTS))),
        # Operators other than AND/OR/NOT/IN match as prefixes of the next word.
        ("a CONTAINSkef", c("a", Op.CONTAINS, "kef")),
    ],
)
def test_operators(text: str, tree: Node) -> None:
    assert parse_filter(text) == tree


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
    assert parse_filter(text) == tree


def test_geo_arguments_keep_their_numbers() -> None:
    tree = parse_filter("_geoRadius(45.5, -9, 1e3, 7)")
    assert isinstance(tree, GeoRadius)
    assert [tree.lat.number, tree.lng.number, tree.radius.number] == [45.5, -9.0, 1000.0]
    assert tree.resolution is not None and tree.resolution.number == 7.0
    # Out-of-range numbers are kept; the evaluator reports them with their position.
    huge = parse_filter("_geoRadius(1e400, 0, 1)")
    assert isinstance(huge, GeoRadius) and huge.lat.raw == "1e400" and huge.lat.number is None


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("_vectors EXISTS", VectorsExists(None, None, None, NOWHERE)),
        ("_vectors.default EXISTS", VectorsExists("default", None, None, NOWHERE)),
        (
            "_vectors.default.userProvided EXISTS",
            VectorsExists("default", VectorKind.USER_PROVIDED, None, NOWHERE),
        ),
        (
            "_vectors.e.documentTemplate EXISTS",
            VectorsExists("e", VectorKind.DOCUMENT_TEMPLATE, None, NOWHERE),
        ),
        ("_vectors.e.regenerate EXISTS", VectorsExists("e", VectorKind.REGENERATE, None, NOWHERE)),
        (
            "_vectors.e.fragments.text EXISTS",
            VectorsExists("e", VectorKind.FRAGMENT, "text", NOWHERE),
        ),
        ("_vectors.e NOT EXISTS", Not(VectorsExists("e", None, None, NOWHERE))),
        ("NOT _vectors EXISTS", Not(VectorsExists(None, None, None, NOWHERE))),
        # Other shapes stay ordinary attributes (which can never be filterable).
        ("_vectors.e.unknown EXISTS", c("_vectors.e.unknown", Op.EXISTS)),
        ("_vectors.e.fragments EXISTS", c("_vectors.e.fragments", Op.EXISTS)),
        ("'_vectors' EXISTS", c("_vectors", Op.EXISTS)),
        ("_vectorsX EXISTS", c("_vectorsX", Op.EXISTS)),
        ("_vectors.e = 1", eq("_vectors.e", "1")),
    ],
)
def test_vector_filters(text: str, tree: Node) -> None:
    assert parse_filter(text) == tree


# -- precedence and grouping -------------------------------------------------------------------

A, B, C = eq("a", "1"), eq("b", "2"), eq("c", "3")


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a = 1 OR b = 2 AND c = 3", Or((A, And((B, C))))),
        ("a = 1 AND b = 2 OR c = 3", Or((And((A, B)), C))),
        ("(a = 1 OR b = 2) AND c = 3", And((Or((A, B)), C))),
        ("a = 1 AND b = 2 AND c = 3", And((A, B, C))),
        ("(a = 1 AND b = 2) AND c = 3", And((And((A, B)), C))),
        ("a = 1 OR (b = 2 OR c = 3)", Or((A, Or((B, C))))),
        ("((a = 1))", A),
        ("NOT a = 1 AND b = 2", And((Not(A), B))),
        ("NOT (a = 1 AND b = 2)", Not(And((A, B)))),
        ("NOT NOT a = 1", Not(Not(A))),
        ("NOT NOT NOT a = 1 OR b = 2", Or((Not(Not(Not(A))), B))),
        ("NOT a NOT IN [1]", Not(Not(c("a", Op.IN, "1")))),
        ("NOT(a = 1)", Not(A)),
        ("(a = 1)AND(b = 2)", And((A, B))),
        ("(a = 1)OR(b = 2)", Or((A, B))),
        ("  a = 1\nOR\tb = 2\r\n", Or((A, B))),
        # Keywords are whole words: these are attribute names.
        (
            "ORDER = 1 OR NOTE = 2 AND ANDROID = 3 AND INDEX = 4",
            Or((eq("ORDER", "1"), And((eq("NOTE", "2"), eq("ANDROID", "3"), eq("INDEX", "4"))))),
        ),
        # ...and lowercase keywords are plain words.
        ("a = and", eq("a", "and")),
    ],
)
def test_precedence(text: str, tree: Node) -> None:
    assert parse_filter(text) == tree


# -- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "raw"),
    [
        ("director = 'Jordan Peele'", "director", "Jordan Peele"),
        ('director = "Tim Burton"', "director", "Tim Burton"),
        ("'my field' = x", "my field", "x"),
        ('"AND" = "OR"', "AND", "OR"),
        ("a = ''", "a", ""),
        ("a = ' spaced '", "a", " spaced "),
        ("a = 'cha)nnel'", "a", "cha)nnel"),
        ("a = 'cha\"nnel'", "a", 'cha"nnel'),
        ('a = "cha\'nnel"', "a", "cha'nnel"),
        (r'a = "Hello \"world\""', "a", 'Hello "world"'),
        (r"a = 'I\'m'", "a", "I'm"),
        (r'a = "\\"', "a", "\\"),
        (r'a = "\\\\\\"', "a", "\\\\\\"),
        (r'a = "aa\\aa"', "a", r"aa\aa"),
        (r'a = "Hello \\\"world\\\""', "a", r"Hello \"world\""),
        (r"a = 'Hello \\\'world\\\''", "a", r"Hello \'world\'"),
        (r'a = "\"\""', "a", '""'),
        (r'a = "tab\there\nnew\r\b\f\v"', "a", "tab\there\nnew\r\b\f\v"),
        (r'a = "\u0041\u{1F980}\x41\101\7\/"', "a", "A🦀AA\x07/"),
        (r'a = "\u{41"', "a", "A"),
        ("a = 2004-01-01", "a", "2004-01-01"),
        ("a = _private.x-y", "a", "_private.x-y"),
        ("a = café", "a", "café"),
        ("a = 中文", "a", "中文"),
        ("a = हिंदी", "a", "हिंदी"),
        ("a = ANDROID", "a", "ANDROID"),
    ],
)
def test_values(text: str, field: str, raw: str) -> None:
    tree = parse_filter(text)
    assert isinstance(tree, Condition)
    assert (tree.field, tree.values[0].raw) == (field, raw)


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("1", 1.0),
        ("-1.5", -1.5),
        ("+2", 2.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("1E-3", 0.001),
        ("0", 0.0),
        ("1e400", None),
        ("inf", None),
        ("NaN", None),
        ("1_000", None),
        ("0x10", None),
        ("١٢", None),
        ("2004-01-01", None),
        ("abc", None),
    ],
)
def test_numbers(raw: str, number: float | None) -> None:
    tree = parse_filter(f"a = '{raw}'")
    assert isinstance(tree, Condition)
    assert tree.values[0].number == number


# -- array form ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tree"),
    [
        (["a = 1", "b = 2"], And((A, B))),
        ([["a = 1", "b = 2"], "c = 3"], And((Or((A, B)), C))),
        ([["a = 1"]], A),
        (["a = 1 OR b = 2"], Or((A, B))),
        (["", "a = 1", [], [" "]], A),
        ([["a = 1", ""], "b = 2 AND c = 3"], And((A, And((B, C))))),
        ([], None),
        ([""], None),
        ([[], " "], None),
        (None, None),
        ("", None),
        (" \t\n\u3000", None),
    ],
)
def test_array_form(value: Any, tree: Node | None) -> None:
    assert parse_filter(value) == tree


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1, "`expected String, Array, found: 1`"),
        (1.5, "`expected String, Array, found: 1.5`"),
        (True, "`expected String, Array, found: true`"),
        ({"a": [1, "x"]}, '`expected String, Array, found: {"a":[1,"x"]}`'),
        ([1], "`expected String, [String], found: 1`"),
        (["a = 1", None], "`expected String, [String], found: null`"),
        ([{"a": 1}], '`expected String, [String], found: {"a":1}`'),
        ([["a = 1", 2]], "`expected String, found: 2`"),
        ([[["a = 1"]]], '`expected String, found: ["a = 1"]`'),
        # The shape is checked before any string is parsed.
        (["a =", 3], "`expected String, [String], found: 3`"),
    ],
)
def test_array_form_errors(value: Any, message: str) -> None:
    assert error_of(value) == f"Invalid syntax for the filter parameter: {message}."


def test_array_elements_report_their_own_position() -> None:
    assert error_of(["a = 1", ["b = 2", "c ="]]) == f"{NOTHING}\n4:4 c ="


@pytest.mark.parametrize(
    "code", ["invalid_search_filter", "invalid_document_filter", "invalid_similar_filter"]
)
def test_error_code_is_the_callers(code: str) -> None:
    assert error_of("a =", code=code) == f"{NOTHING}\n4:4 a ="
    assert error_of(7, code=code).startswith("Invalid syntax for the filter parameter")


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # end of input where a condition is due
        ("channel = Ponce OR", OPS + "but instead got nothing.\n19:19 channel = Ponce OR"),
        ("channel = Ponce AND ", OPS + "but instead got nothing.\n21:21 channel = Ponce AND "),
        ("NOT", OPS + "but instead got nothing.\n4:4 NOT"),
        ("()", OPS + "at `)`.\n2:3 ()"),
        # no operation after the attribute
        ("channel Ponce", OPS + "at `channel Ponce`.\n1:14 channel Ponce"),
        ("'OR'", OPS + "at `\\'OR\\'`.\n1:5 'OR'"),
        (
            "subscribers 100 TO1000",
            OPS + "at `subscribers 100 TO1000`.\n1:23 subscribers 100 TO1000",
        ),
        ("a 1 TO", OPS + "at `a 1 TO`.\n1:7 a 1 TO"),
        ("colour NOT EXIST", OPS + "at `colour NOT EXIST`.\n1:17 colour NOT EXIST"),
        ("a = 1 AND b", OPS + "at `b`.\n11:12 a = 1 AND b"),
        ('"a\\q" = 1', OPS + 'at `\\"a\\\\q\\" = 1`.\n1:10 "a\\q" = 1'),
        # missing or reserved values
        ("channel = ", f"{NOTHING}\n11:11 channel = "),
        ("a 1 TO ", f"{NOTHING}\n8:8 a 1 TO "),
        ("a = (b)", f"{NOTHING}\n5:5 a = (b)"),
        ("a == 1", f"{NOTHING}\n4:4 a == 1"),
        ("a = 🦀 AND b = 1", "Was expecting a value but instead got `🦀`.\n5:6 a = 🦀 AND b = 1"),
        (
            "OR",
            "Was expecting a value but instead got `OR`, which is a reserved keyword. "
            "To use `OR` as a field name or a value, surround it by quotes.\n1:3 OR",
        ),
        (
            "AND = 8",
            "Was expecting a value but instead got `AND`, which is a reserved keyword. "
            "To use `AND` as a field name or a value, surround it by quotes.\n1:4 AND = 8",
        ),
        (
            "x = EXISTS",
            "Was expecting a value but instead got `EXISTS`, which is a reserved keyword. "
            "To use `EXISTS` as a field name or a value, surround it by quotes.\n5:11 x = EXISTS",
        ),
        (
            "x CONTAINS IS",
            "Was expecting a value but instead got `IS`, which is a reserved keyword. "
            "To use `IS` as a field name or a value, surround it by quotes.\n12:14 x CONTAINS IS",
        ),
        # leftovers
        (
            "title = Glass XOR title = Glass",
            f"Found unexpected characters at the end of the filter: `XOR title = Glass`. {EOF_HINT}"
            "\n15:32 title = Glass XOR title = Glass",
        ),
        (
            "channel = ponce ORdog != 'bernese mountain'",
            "Found unexpected characters at the end of the filter: "
            f"`ORdog != \\'bernese mountain\\'`. {EOF_HINT}"
            "\n17:44 channel = ponce ORdog != 'bernese mountain'",
        ),
        (
            "channel = mv OR followers >= 1000)",
            f"Found unexpected characters at the end of the filter: `)`. {EOF_HINT}"
            "\n34:35 channel = mv OR followers >= 1000)",
        ),
        (
            "x EXISTSfoo",
            f"Found unexpected characters at the end of the filter: `foo`. {EOF_HINT}"
            "\n9:12 x EXISTSfoo",
        ),
        (
            "a=b=c",
            f"Found unexpected characters at the end of the filter: `=c`. {EOF_HINT}\n4:6 a=b=c",
        ),
        (
            "a = I'm",
            f"Found unexpected characters at the end of the filter: `\\'m`. {EOF_HINT}"
            "\n6:8 a = I'm",
        ),
        # unclosed delimiters
        (
            "channel = mv OR (followers >= 1000",
            "Expression `(followers >= 1000` is missing the following closing delimiter: `)`."
            "\n17:35 channel = mv OR (followers >= 1000",
        ),
        (
            "  (a = 1",
            "Expression `  (a = 1` is missing the following closing delimiter: `)`.\n1:9   (a = 1",
        ),
        (
            "channel = 'ponce",
            "Expression `\\'ponce` is missing the following closing delimiter: `'`."
            "\n11:17 channel = 'ponce",
        ),
        (
            'channel = "ponce',
            'Expression `\\"ponce` is missing the following closing delimiter: `"`.'
            '\n11:17 channel = "ponce',
        ),
        (
            'a = "x\\"',
            'Expression `\\"x\\\\\\"` is missing the following closing delimiter: `"`.'
            '\n5:9 a = "x\\"',
        ),
        # escapes
        ('a = "abc\\', 'Malformed value: `abc\\\\`.\n6:10 a = "abc\\'),
        ('a = "x\\q"', 'Malformed value: `x\\\\q`.\n6:9 a = "x\\q"'),
        ('a = "\\x4"', 'Malformed value: `\\\\x4`.\n6:9 a = "\\x4"'),
        ('a = "\\u{110000}"', 'Malformed value: `\\\\u{110000}`.\n6:16 a = "\\u{110000}"'),
        ('a = "\\uD800"', 'Malformed value: `\\\\uD800`.\n6:12 a = "\\uD800"'),
        (
            'a = "x\\u{zz}"',
            'Found an invalid escaped sequence number: `x\\\\u{zz}`.\n6:13 a = "x\\u{zz}"',
        ),
        ('a = "\\xzz"', 'Found an invalid escaped sequence number: `\\\\xzz`.\n6:10 a = "\\xzz"'),
        # IN lists
        (
            "colour IN blue, green]",
            "Expected `[` after `IN` keyword.\n11:23 colour IN blue, green]",
        ),
        ("a IN", "Expected `[` after `IN` keyword.\n5:5 a IN"),
        ("a NOT IN x", "Expected `[` after `IN` keyword.\n10:11 a NOT IN x"),
        (
            "colour IN [blue, green",
            "Expected matching `]` after the list of field names given to `IN[`"
            "\n23:23 colour IN [blue, green",
        ),
        (
            "a IN [",
            "Expected matching `]` after the list of field names given to `IN[`\n7:7 a IN [",
        ),
        (
            "colour IN [blue, green, 'blue' > 2]",
            "Expected only comma-separated field names inside `IN[..]` but instead found `> 2]`."
            "\n32:36 colour IN [blue, green, 'blue' > 2]",
        ),
        (
            "colour IN [blue, green, AND]",
            "Expected only comma-separated field names inside `IN[..]` but instead found `AND]`."
            "\n25:29 colour IN [blue, green, AND]",
        ),
        (
            "a IN [x y]",
            "Expected only comma-separated field names inside `IN[..]` but instead found `y]`."
            "\n9:11 a IN [x y]",
        ),
        (
            "colour IN ['blue, green",
            "Expression `\\'blue, green` is missing the following closing delimiter: `'`."
            "\n12:24 colour IN ['blue, green",
        ),
        # reserved geo names
        ("_geo = 12", f"`_geo` {RESERVED_GEO}\n1:10 _geo = 12"),
        ("_geo(12, 13, 14)", f"`_geo` {RESERVED_GEO}\n1:17 _geo(12, 13, 14)"),
        ("_geoPoint(12, 13, 14)", f"`_geoPoint` {RESERVED_GEO}\n1:22 _geoPoint(12, 13, 14)"),
        ("_geoPointer = 1", f"`_geoPoint` {RESERVED_GEO}\n1:16 _geoPointer = 1"),
        (
            "position <= _geoPoint(12, 13, 14)",
            f"`_geoPoint` {RESERVED_GEO}\n13:34 position <= _geoPoint(12, 13, 14)",
        ),
        (
            "position <= _geoDistance(12, 13, 14)",
            f"`_geoDistance` {RESERVED_GEO}\n13:37 position <= _geoDistance(12, 13, 14)",
        ),
        (
            "position <= _geo(12, 13, 14)",
            f"`_geo` {RESERVED_GEO}\n13:29 position <= _geo(12, 13, 14)",
        ),
        ("a IN [1, _geo]", f"`_geo` {RESERVED_GEO}\n10:15 a IN [1, _geo]"),
        (
            "position <= _geoRadius(12, 13, 14)",
            "The `_geoRadius` filter is an operation and can't be used as a value."
            "\n13:35 position <= _geoRadius(12, 13, 14)",
        ),
        (
            "position <= _geoBoundingBox([1, 2], [3, 4])",
            "The `_geoBoundingBox` filter is an operation and can't be used as a value."
            "\n13:44 position <= _geoBoundingBox([1, 2], [3, 4])",
        ),
        # geo built-ins with bad arguments
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
        # columns restart on each line; the message escapes control characters
        ("a = 1 AND\nb", OPS + "at `b`.\n1:2 a = 1 AND\nb"),
        (
            "a = 1 XOR\nb",
            f"Found unexpected characters at the end of the filter: `XOR\\nb`. {EOF_HINT}"
            "\n7:12 a = 1 XOR\nb",
        ),
    ],
)
def test_errors(text: str, message: str) -> None:
    assert error_of(text) == message


# -- depth --------------------------------------------------------------------------------------


def test_depth_limit_on_parentheses() -> None:
    assert parse_filter("(" * 36 + "x = 1" + ")" * 36) == eq("x", "1")
    text = "(" * 37 + "x = 1" + ")" * 37
    assert error_of(text) == f"{DEPTH}\n38:80 {text}"


def test_depth_limit_on_not_chains() -> None:
    tree = parse_filter("NOT " * 147 + "x = 1")
    for _ in range(147):
        assert isinstance(tree, Not)
        tree = tree.child
    assert tree == eq("x", "1")
    text = "NOT " * 148 + "x = 1"
    assert error_of(text) == f"{DEPTH}\n593:598 {text}"


def test_long_flat_chains_are_not_deep() -> None:
    text = " OR ".join(f"a = {i}" for i in range(1000))
    tree = parse_filter(text)
    assert isinstance(tree, Or) and len(tree.children) == 1000


# -- spans --------------------------------------------------------------------------------------


def test_spans_point_into_the_source() -> None:
    text = "a = 1 AND ('my field' > \"x y\" OR NOT c NOT CONTAINS d) AND e IN [f]"
    tree = parse_filter(text)
    assert [(name, text[span.start : span.end]) for name, span in fields_in(tree)] == [
        ("a", "a"),
        ("my field", "my field"),
        ("c", "c"),
        ("e", "e"),
    ]
    assert isinstance(tree, And)
    group = tree.children[1]
    assert isinstance(group, Or)
    quoted = group.children[0]
    assert isinstance(quoted, Condition)
    assert text[quoted.op_span.start : quoted.op_span.end] == ">"
    assert text[quoted.values[0].span.start : quoted.values[0].span.end] == "x y"
    negated = group.children[1]
    assert isinstance(negated, Not) and isinstance(negated.child, Not)
    contains = negated.child.child
    assert isinstance(contains, Condition)
    assert text[contains.op_span.start : contains.op_span.end] == "CONTAINS"


@pytest.mark.parametrize(
    ("text", "op_text"),
    [
        ("a 1 TO 2", "TO"),
        ("a NOT IN [1]", "IN"),
        ("a IS NOT NULL", "IS NOT NULL"),
        ("a NOT EXISTS", "EXISTS"),
        ("a NOT STARTS WITH b", "STARTS WITH"),
        ("a != 1", "!="),
    ],
)
def test_operator_spans(text: str, op_text: str) -> None:
    tree = parse_filter(text)
    condition = tree.child if isinstance(tree, Not) else tree
    assert isinstance(condition, Condition)
    assert text[condition.op_span.start : condition.op_span.end] == op_text


def test_array_spans_name_their_own_string() -> None:
    tree = parse_filter(["a = 1", ["b = 2", "  c = 3"]])
    spans = [span for _, span in fields_in(tree)]
    assert spans == [Span(0, 1, "a = 1"), Span(0, 1, "b = 2"), Span(2, 3, "  c = 3")]


# -- round trips --------------------------------------------------------------------------------

_BARE = re.compile(r"[a-z0-9][a-z0-9_.\-]*")


def _quote(text: str) -> str:
    if _BARE.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _print(node: Node) -> str:
    """A filter string for ``node``: the inverse of the parser, for the property below."""
    if isinstance(node, And | Or):
        keyword = " AND " if isinstance(node, And) else " OR "
        return keyword.join(_group(child) for child in node.children)
    if isinstance(node, Not):
        return "NOT " + _group(node.child)
    if isinstance(node, GeoRadius):
        args = [node.lat, node.lng, node.radius] + ([node.resolution] if node.resolution else [])
        return "_geoRadius(" + ", ".join(arg.raw for arg in args) + ")"
    if isinstance(node, GeoBoundingBox):
        corners = (node.top_right, node.bottom_left)
        return "_geoBoundingBox(" + ", ".join(f"[{a.raw}, {b.raw}]" for a, b in corners) + ")"
    if isinstance(node, GeoPolygon):
        return "_geoPolygon(" + ", ".join(f"[{a.raw}, {b.raw}]" for a, b in node.points) + ")"
    assert isinstance(node, Condition)
    field, values = _quote(node.field), [_quote(value.raw) for value in node.values]
    if node.op is Op.RANGE:
        return f"{field} {values[0]} TO {values[1]}"
    if node.op is Op.IN:
        return f"{field} IN [{', '.join(values)}]"
    return " ".join([field, node.op.value, *values])


def _group(node: Node) -> str:
    return f"({_print(node)})" if isinstance(node, And | Or) else _print(node)


_texts = st.one_of(st.from_regex(_BARE, fullmatch=True), st.text(max_size=8))
_floats = st.floats(allow_nan=False, allow_infinity=False).map(repr)
_one_value_ops = [Op.EQ, Op.NE, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.CONTAINS, Op.STARTS_WITH]


def _condition(field: str, op: Op, values: list[str]) -> Condition:
    return Condition(field, op, tuple(v(raw) for raw in values), NOWHERE, NOWHERE)


_conditions = st.one_of(
    st.builds(
        _condition,
        _texts,
        st.sampled_from(_one_value_ops),
        st.lists(_texts, min_size=1, max_size=1),
    ),
    st.builds(_condition, _texts, st.just(Op.RANGE), st.lists(_texts, min_size=2, max_size=2)),
    st.builds(_condition, _texts, st.just(Op.IN), st.lists(_texts, max_size=4)),
    st.builds(
        _condition, _texts, st.sampled_from([Op.EXISTS, Op.IS_NULL, Op.IS_EMPTY]), st.just([])
    ),
)
_points = st.tuples(_floats.map(v), _floats.map(v))
_leaves = st.one_of(
    _conditions,
    st.builds(
        GeoRadius, _floats.map(v), _floats.map(v), _floats.map(v), st.none() | _floats.map(v)
    ),
    st.builds(GeoBoundingBox, _points, _points),
    st.builds(GeoPolygon, st.lists(_points, min_size=3, max_size=5).map(tuple)),
)
_trees = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.builds(Not, children),
        st.lists(children, min_size=2, max_size=4).map(lambda kids: And(tuple(kids))),
        st.lists(children, min_size=2, max_size=4).map(lambda kids: Or(tuple(kids))),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(_trees)
def test_printed_trees_parse_back(tree: Node) -> None:
    text = _print(tree)
    assert parse_filter(text) == tree
    assert [name for name, _ in fields_in(parse_filter(text))] == [
        name for name, _ in fields_in(tree)
    ]
