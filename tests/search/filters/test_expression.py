from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lumi.search.filters.ast import (
    And,
    Condition,
    Foreign,
    GeoBoundingBox,
    GeoPolygon,
    GeoRadius,
    Node,
    Not,
    Op,
    Or,
    VectorKind,
    VectorsExists,
    fields_in,
)
from lumi.search.filters.expression import parse_expression
from tests.search.filters.trees import EOF_HINT, NOWHERE, OPS, A, B, C, c, eq, message_of, v

DEPTH = (
    "The filter exceeded the maximum depth limit. "
    "Try rewriting the filter so that it contains fewer nested conditions."
)


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
    assert parse_expression(text) == tree


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
    assert parse_expression(text) == tree


# -- precedence and grouping -------------------------------------------------------------------


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
    assert parse_expression(text) == tree


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
        # unclosed parentheses
        (
            "channel = mv OR (followers >= 1000",
            "Expression `(followers >= 1000` is missing the following closing delimiter: `)`."
            "\n17:35 channel = mv OR (followers >= 1000",
        ),
        (
            "  (a = 1",
            "Expression `  (a = 1` is missing the following closing delimiter: `)`.\n1:9   (a = 1",
        ),
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
    ],
)
def test_errors(text: str, message: str) -> None:
    assert message_of(text) == message


# -- depth --------------------------------------------------------------------------------------


def test_depth_limit_on_parentheses() -> None:
    assert parse_expression("(" * 36 + "x = 1" + ")" * 36) == eq("x", "1")
    text = "(" * 37 + "x = 1" + ")" * 37
    assert message_of(text) == f"{DEPTH}\n38:80 {text}"


def test_depth_limit_on_not_chains() -> None:
    tree = parse_expression("NOT " * 147 + "x = 1")
    for _ in range(147):
        assert isinstance(tree, Not)
        tree = tree.child
    assert tree == eq("x", "1")
    text = "NOT " * 148 + "x = 1"
    assert message_of(text) == f"{DEPTH}\n593:598 {text}"


def test_long_flat_chains_are_not_deep() -> None:
    text = " OR ".join(f"a = {i}" for i in range(1000))
    tree = parse_expression(text)
    assert isinstance(tree, Or) and len(tree.children) == 1000


# -- spans --------------------------------------------------------------------------------------


def test_spans_point_into_the_source() -> None:
    text = "a = 1 AND ('my field' > \"x y\" OR NOT c NOT CONTAINS d) AND e IN [f]"
    tree = parse_expression(text)
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
    tree = parse_expression(text)
    condition = tree.child if isinstance(tree, Not) else tree
    assert isinstance(condition, Condition)
    assert text[condition.op_span.start : condition.op_span.end] == op_text


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
    assert parse_expression(text) == tree
    assert [name for name, _ in fields_in(parse_expression(text))] == [
        name for name, _ in fields_in(tree)
    ]


# -- _foreign -----------------------------------------------------------------------------------

FOREIGN_FORM = "The `_foreign` filter must be in the form: `_foreign(foreignKeyField, filter)`."


def foreign(field: str, condition: Node) -> Foreign:
    return Foreign(field, condition, NOWHERE, NOWHERE)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("_foreign(company, a = 1)", foreign("company", A)),
        ("_foreign( 'my key' ,a = 1 OR b = 2)", foreign("my key", Or((A, B)))),
        (
            "_foreign(company, (a = 1 OR b = 2) AND NOT c = 3)",
            foreign("company", And((Or((A, B)), Not(C)))),
        ),
        ("a = 1 AND NOT _foreign(x, b = 2)", And((A, Not(foreign("x", B))))),
        ("_foreign(x, b = 2)OR c = 3", Or((foreign("x", B), C))),
        ("_foreign(x, _foreign(y, a = 1))", foreign("x", foreign("y", A))),
        # Without its parenthesis, `_foreign` is an attribute name like any other.
        ("_foreign = 1", eq("_foreign", "1")),
    ],
)
def test_foreign_calls(text: str, tree: Node) -> None:
    assert parse_expression(text) == tree


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("_foreign(a)", f"{FOREIGN_FORM}\n1:12 _foreign(a)"),
        ("_foreign(, a = 1)", f"{FOREIGN_FORM}\n1:18 _foreign(, a = 1)"),
        ("x = 1 OR _foreign(a, b = 1", f"{FOREIGN_FORM}\n10:27 x = 1 OR _foreign(a, b = 1"),
        ("_foreign(a, )", f"{OPS}at `)`.\n13:14 _foreign(a, )"),
        (
            "_foreign(AND, a = 1)",
            "Was expecting a value but instead got `AND,`, which is a reserved keyword. To use "
            "`AND,` as a field name or a value, surround it by quotes.\n10:14 _foreign(AND, a = 1)",
        ),
    ],
)
def test_foreign_errors(text: str, message: str) -> None:
    assert message_of(text) == message


def test_foreign_spans_and_fields() -> None:
    text = "a = 1 AND _foreign( 'key' , b = 2 )"
    tree = parse_expression(text)
    assert isinstance(tree, And)
    call = tree.children[1]
    assert isinstance(call, Foreign)
    assert text[call.span.start : call.span.end] == "_foreign( 'key' , b = 2 )"
    assert text[call.field_span.start : call.field_span.end] == "key"
    assert [name for name, _ in fields_in(tree)] == ["a", "key"]
