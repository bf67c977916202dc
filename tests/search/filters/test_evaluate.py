from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.search.filters.ast import And, Condition, Node, Not, Op, Or, Value
from lumi.search.filters.evaluate import FilterEvaluator
from lumi.search.filters.parameter import parse_filter
from tests.support.facets import build_index, scratch_dir

DOCUMENTS: list[dict[str, Any]] = [
    {
        "id": 1,
        "n": 1,
        "s": "Rock",
        "b": True,
        "x": None,
        "arr": ["a", "B"],
        "nested": {"k": "v", "num": 10},
        "date": "2004-01-01",
    },
    {
        "id": 2,
        "n": 2.5,
        "s": "rock",
        "b": False,
        "x": [],
        "arr": [],
        "nested": [{"k": "w"}, {"k": "V"}],
        "date": "2010-05-03",
    },
    {"id": 3, "n": "1", "s": "Pop", "x": "", "arr": [1, 2], "nested": {}},
    {"id": 4, "n": -3, "s": "Café", "x": {}, "arr": [None]},
    {"id": 5, "s": "cafe", "n": [5, 10]},
    {"id": 6},
]
FILTERABLE = ["n", "s", "b", "x", "arr", "nested", "date"]
ALL = [1, 2, 3, 4, 5, 6]


@pytest.fixture(scope="module")
def index() -> Iterator[Index]:
    with scratch_dir() as path:
        built = build_index(path, {"filterableAttributes": FILTERABLE}, DOCUMENTS)
        yield built
        built.close()


def ids(index: Index, filter_value: Any, **options: Any) -> list[int]:
    with index.read() as txn:
        evaluator = FilterEvaluator(index, txn, index.settings(txn), **options)
        node = parse_filter(filter_value)
        assert node is not None
        docids = evaluator.docids(node)
        return sorted(index.document(txn, docid)["id"] for docid in docids)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # numbers, and strings that read as numbers
        ("n = 1", [1, 3]),
        ("n = 1.0", [1]),
        ("n = 2.5", [2]),
        ("n = 10", [5]),
        ("n != 1", [2, 4, 5, 6]),
        ("n > 1", [2, 5]),
        ("n >= 1", [1, 2, 3, 5]),
        ("n < 0", [4]),
        ("n <= -3", [4]),
        ("n 0 TO 5", [1, 2, 3, 5]),
        ("n -3 TO -3", [4]),
        ("n IN [2.5, -3]", [2, 4]),
        ("n NOT IN [2.5, -3]", [1, 3, 5, 6]),
        # strings: case-insensitive, accent-sensitive
        ("s = rock", [1, 2]),
        ("s = ROCK", [1, 2]),
        ("s = '  rock '", [1, 2]),
        ("s = café", [4]),
        ("s = 'CAFÉ'", [4]),
        ("s = cafe", [5]),
        ("s != rock", [3, 4, 5, 6]),
        ("s IN [pop, café]", [3, 4]),
        ("s > pop", [1, 2]),
        ("s < pop", [4, 5]),
        ("s STARTS WITH ca", [4, 5]),
        ("s NOT STARTS WITH ro", [3, 4, 5, 6]),
        ("s STARTS WITH 'CAF'", [4, 5]),
        # booleans are the strings true/false
        ("b = true", [1]),
        ("b = FALSE", [2]),
        ("b != true", [2, 3, 4, 5, 6]),
        # null, empty, existence
        ("x IS NULL", [1]),
        ("x IS NOT NULL", [2, 3, 4, 5, 6]),
        ("x IS EMPTY", [2, 3, 4]),
        ("x IS NOT EMPTY", [1, 5, 6]),
        ("x EXISTS", [1, 2, 3, 4]),
        ("x NOT EXISTS", [5, 6]),
        ("x = ''", []),
        ("arr = b", [1]),
        ("arr = 2", [3]),
        ("arr IS EMPTY", [2]),
        ("arr IS NULL", []),
        ("arr EXISTS", [1, 2, 3, 4]),
        # nested objects and arrays of objects
        ("nested.k = v", [1, 2]),
        ("nested.k = w", [2]),
        ("nested.num > 5", [1]),
        ("nested IS EMPTY", [3]),
        ("nested EXISTS", [1, 2, 3]),
        ("nested.k EXISTS", [1, 2]),
        # dates as strings
        ("date > 2005-01-01", [2]),
        ("date 2004-01-01 TO 2004-12-31", [1]),
        # NOT > AND > OR
        ("NOT s = rock", [3, 4, 5, 6]),
        ("s = pop OR s = rock AND b = true", [1, 3]),
        ("(s = pop OR s = rock) AND b = true", [1]),
        ("NOT s = pop AND n = 1", [1]),
        ("NOT (s = pop AND n = 1)", [1, 2, 4, 5, 6]),
        ("NOT NOT s = pop", [3]),
        ("s = pop OR NOT x EXISTS", [3, 5, 6]),
        # array form: outer AND, inner OR
        ([["s = pop", "s = rock"], "b = true"], [1]),
        ([["s = pop", "s = rock"]], [1, 2, 3]),
        (["n > 0", "n < 3"], [1, 2, 3]),
    ],
)
def test_operators(index: Index, expression: Any, expected: list[int]) -> None:
    assert ids(index, expression) == expected


def test_contains_when_the_feature_is_enabled(index: Index) -> None:
    assert ids(index, "s CONTAINS AF", contains_filter=True) == [4, 5]
    assert ids(index, "s CONTAINS caf", contains_filter=True) == [4, 5]
    assert ids(index, "s NOT CONTAINS o", contains_filter=True) == [4, 5, 6]
    assert ids(index, "date CONTAINS '-05-'", contains_filter=True) == [2]


def error(index: Index, expression: Any, **options: Any) -> tuple[str, str]:
    with pytest.raises(LumiError) as caught:
        ids(index, expression, **options)
    return caught.value.code, caught.value.message


def test_contains_needs_the_experimental_feature(index: Index) -> None:
    assert error(index, "s = a OR s NOT CONTAINS b") == (
        "feature_not_enabled",
        "Using `CONTAINS` in a filter requires enabling the `contains filter` experimental "
        "feature. See https://github.com/orgs/meilisearch/discussions/763",
    )


PATTERNS = "`arr`, `b`, `date`, `n`, `nested`, `s`, `x`"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "title = x",
            f"Attribute `title` is not filterable. Available filterable attribute patterns "
            f"are: {PATTERNS}.\n1:6 title = x",
        ),
        (
            "s = a AND (b = c OR other EXISTS)",
            f"Attribute `other` is not filterable. Available filterable attribute patterns "
            f"are: {PATTERNS}.\n21:26 s = a AND (b = c OR other EXISTS)",
        ),
        (
            "_geoRadius(45, 9, 100)",
            f"Attribute `_geo` is not filterable. Available filterable attribute patterns "
            f"are: {PATTERNS}.\n12:14 _geoRadius(45, 9, 100)",
        ),
        (
            "_geoPolygon([1, 2], [3, 4], [5, 6])",
            f"Attribute `_geojson` is not filterable. Available filterable attribute patterns "
            f"are: {PATTERNS}.\n14:15 _geoPolygon([1, 2], [3, 4], [5, 6])",
        ),
    ],
)
def test_attributes_must_be_filterable(index: Index, expression: str, message: str) -> None:
    assert error(index, expression) == ("invalid_search_filter", message)


def test_the_error_code_is_the_routes(index: Index) -> None:
    code, _ = error(index, "title = x", code="invalid_document_filter")
    assert code == "invalid_document_filter"


def test_foreign_calls_are_refused_where_nothing_resolves_them(index: Index) -> None:
    assert error(index, "s = a AND _foreign(x, y = 1)", code="invalid_document_filter") == (
        "invalid_document_filter",
        "The `_foreign` filter is not supported on this route.\n11:29 s = a AND _foreign(x, y = 1)",
    )


def test_index_without_filterable_attributes() -> None:
    with scratch_dir() as path:
        bare = build_index(path, {}, DOCUMENTS)
        assert error(bare, "s = a") == (
            "invalid_search_filter",
            "Attribute `s` is not filterable. This index does not have configured filterable "
            "attributes.\n1:2 s = a",
        )
        bare.close()


GRANULAR = {
    "filterableAttributes": [
        {
            "attributePatterns": ["s", "n*"],
            "features": {"facetSearch": True, "filter": {"equality": True, "comparison": False}},
        },
        {
            "attributePatterns": ["n"],
            "features": {"facetSearch": False, "filter": {"equality": True, "comparison": True}},
        },
        {
            "attributePatterns": ["date"],
            "features": {"facetSearch": False, "filter": {"equality": False, "comparison": True}},
        },
        {
            "attributePatterns": ["b"],
            "features": {"facetSearch": True, "filter": {"equality": False, "comparison": False}},
        },
    ]
}


@pytest.fixture(scope="module")
def granular() -> Iterator[Index]:
    with scratch_dir() as path:
        built = build_index(path, GRANULAR, DOCUMENTS)
        yield built
        built.close()


def test_granular_rules_allow_their_operators(granular: Index) -> None:
    assert ids(granular, "s = rock") == [1, 2]
    assert ids(granular, "n = 1") == [1, 3]
    assert ids(granular, "date > 2005") == [2]
    assert ids(granular, "nested.num EXISTS") == [1]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "n > 1",
            "Filter operator `>` is not allowed for the attribute `n`.\n"
            "  - Note: allowed operators: OR, AND, NOT, =, !=, IN, IS EMPTY, IS NULL, EXISTS.\n"
            "  - Note: field `n` matched rule #0 in `filterableAttributes`\n"
            "  - Hint: enable comparison in rule #0 by modifying the features.filter object\n"
            "  - Hint: prepend another rule matching `n` with appropriate filter features "
            "before rule #0\n1:2 n > 1",
        ),
        (
            "date = 2004-01-01",
            "Filter operator `=` is not allowed for the attribute `date`.\n"
            "  - Note: allowed operators: OR, AND, NOT, <, >, <=, >=, TO.\n"
            "  - Note: field `date` matched rule #2 in `filterableAttributes`\n"
            "  - Hint: enable equality in rule #2 by modifying the features.filter object\n"
            "  - Hint: prepend another rule matching `date` with appropriate filter features "
            "before rule #2\n1:5 date = 2004-01-01",
        ),
        (
            "b = true",
            "Attribute `b` is not filterable. Available filterable attribute patterns are: "
            "`date`, `n`, `n*`, `s`.\n1:2 b = true",
        ),
    ],
)
def test_granular_rules_refuse_other_operators(
    granular: Index, expression: str, message: str
) -> None:
    assert error(granular, expression) == ("invalid_search_filter", message)


# ---------------------------------------------------------------- against a naive evaluator

FIELDS = ("a", "b", "c", "c.d")
SCALARS = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([0.5, -1.5, 2.0]),
    st.sampled_from(["x", "X", "y", "é", "E\u0301", "1", "2", "10", " x ", ""]),
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["d", "e"]), inner, max_size=2)
    ),
    max_leaves=5,
)
DOCS = st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), VALUES), max_size=12)
RAW_VALUES = st.sampled_from(["x", "X", "é", "y", "1", "2", "10", "-1", "0.5", "true", "", "d"])


def _condition(field: str, op: Op, raws: list[str]) -> Condition:
    values = tuple(Value(raw, None, None) for raw in raws)  # type: ignore[arg-type]
    return Condition(field, op, values, None, None)  # type: ignore[arg-type]


def _conditions() -> st.SearchStrategy[Condition]:
    one = (Op.EQ, Op.NE, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.STARTS_WITH, Op.CONTAINS)
    none = (Op.EXISTS, Op.IS_NULL, Op.IS_EMPTY)
    field = st.sampled_from(FIELDS)
    return st.one_of(
        st.builds(lambda f, o, v: _condition(f, o, [v]), field, st.sampled_from(one), RAW_VALUES),
        st.builds(lambda f, o: _condition(f, o, []), field, st.sampled_from(none)),
        st.builds(lambda f, a, b: _condition(f, Op.RANGE, [a, b]), field, RAW_VALUES, RAW_VALUES),
        st.builds(lambda f, vs: _condition(f, Op.IN, vs), field, st.lists(RAW_VALUES, max_size=3)),
    )


EXPRESSIONS = st.recursive(
    _conditions(),
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: And(tuple(c))),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: Or(tuple(c))),
    ),
    max_leaves=6,
)


def _quote(raw: str) -> str:
    return "'" + raw + "'"


def to_text(node: Node) -> str:
    """The filter string of a tree, every value quoted, every group parenthesized."""
    if isinstance(node, And | Or):
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(to_text(child) for child in node.children) + ")"
    if isinstance(node, Not):
        return "NOT " + to_text(node.child)
    assert isinstance(node, Condition)
    field, values = _quote(node.field), [_quote(v.raw) for v in node.values]
    if node.op is Op.RANGE:
        return f"{field} {values[0]} TO {values[1]}"
    if node.op is Op.IN:
        return f"{field} IN [{', '.join(values)}]"
    if node.op in (Op.EXISTS, Op.IS_NULL, Op.IS_EMPTY):
        return f"{field} {node.op.value}"
    return f"{field} {node.op.value} {values[0]}"


def norm(text: str) -> str:
    return unicodedata.normalize("NFKD", text.strip()).lower()


def as_number(raw: str) -> float | None:
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if raw.strip() == raw and raw and raw[0] in "0123456789+-." else None


def leaves(document: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """(path, value, inside an array) for every value and container of the document."""
    out: list[tuple[str, Any, bool]] = []

    def walk(value: Any, path: str, in_array: bool) -> None:
        out.append((path, value, in_array))
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}", in_array)
        elif isinstance(value, list):
            for item in value:
                spread(item, path)

    def spread(item: Any, path: str) -> None:
        if isinstance(item, list):
            for inner in item:
                spread(inner, path)
        elif isinstance(item, dict):
            for key, inner in item.items():
                walk(inner, f"{path}.{key}", True)
        else:
            out.append((path, item, True))

    for key, value in document.items():
        walk(value, key, False)
    return out


def naive(node: Node, document: dict[str, Any]) -> bool:
    if isinstance(node, And):
        return all(naive(child, document) for child in node.children)
    if isinstance(node, Or):
        return any(naive(child, document) for child in node.children)
    if isinstance(node, Not):
        return not naive(node.child, document)
    assert isinstance(node, Condition)
    found = [(v, in_array) for path, v, in_array in leaves(document) if path == node.field]
    numbers = [float(v) for v, _ in found if type(v) in (int, float)]
    strings = [
        norm("true" if v is True else "false" if v is False else v)
        for v, _ in found
        if type(v) in (str, bool) and v != ""
    ]
    op, raws = node.op, [v.raw for v in node.values]

    def equal(raw: str) -> bool:
        number = as_number(raw)
        return norm(raw) in strings or (number is not None and number in numbers)

    def between(low: str | None, high: str | None, low_in: bool, high_in: bool) -> bool:
        def fits(x: Any, lo: Any, hi: Any) -> bool:
            return (lo is None or (x >= lo if low_in else x > lo)) and (
                hi is None or (x <= hi if high_in else x < hi)
            )

        nlo = as_number(low) if low is not None else None
        nhi = as_number(high) if high is not None else None
        numeric = (low is None or nlo is not None) and (high is None or nhi is not None)
        if numeric and any(fits(x, nlo, nhi) for x in numbers):
            return True
        slo = norm(low) if low is not None else None
        shi = norm(high) if high is not None else None
        return any(fits(x, slo, shi) for x in strings)

    if op is Op.EQ:
        return equal(raws[0])
    if op is Op.NE:
        return not equal(raws[0])
    if op is Op.IN:
        return any(equal(raw) for raw in raws)
    if op is Op.EXISTS:
        return bool(found)
    if op is Op.IS_NULL:
        return any(v is None and not in_array for v, in_array in found)
    if op is Op.IS_EMPTY:
        return any(v in ("", [], {}) and not in_array for v, in_array in found)
    if op is Op.STARTS_WITH:
        return any(s.startswith(norm(raws[0])) for s in strings)
    if op is Op.CONTAINS:
        return any(norm(raws[0]) in s for s in strings)
    if op is Op.RANGE:
        return between(raws[0], raws[1], True, True)
    if op in (Op.GT, Op.GTE):
        return between(raws[0], None, op is Op.GTE, True)
    return between(None, raws[0], True, op is Op.LTE)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(DOCS, st.lists(EXPRESSIONS, min_size=1, max_size=5))
def test_engine_agrees_with_a_naive_evaluator(
    documents: list[dict[str, Any]], expressions: list[Node]
) -> None:
    with scratch_dir() as path:
        docs = [{"id": i, **document} for i, document in enumerate(documents)]
        built = build_index(path, {"filterableAttributes": ["a", "b", "c"]}, docs)
        try:
            for expression in expressions:
                text = to_text(expression)
                expected = [doc["id"] for doc in docs if naive(expression, doc)]
                assert ids(built, text, contains_filter=True) == expected, text
        finally:
            built.close()
