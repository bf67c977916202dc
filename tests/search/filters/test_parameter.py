from __future__ import annotations

from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.search.filters.ast import And, Node, Or, Span, fields_in
from lumi.search.filters.parameter import parse_filter
from tests.search.filters.trees import NOTHING, A, B, C


def error_of(value: Any, code: str = "invalid_search_filter") -> str:
    with pytest.raises(LumiError) as raised:
        parse_filter(value, code=code)
    assert raised.value.code == code
    return raised.value.message


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
        ("a = 1", A),
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
        (2**70, "`expected String, Array, found: 1180591620717411303424`"),
        ([["a = 1", -(2**64)]], "`expected String, found: -18446744073709551616`"),
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


def test_array_spans_name_their_own_string() -> None:
    tree = parse_filter(["a = 1", ["b = 2", "  c = 3"]])
    spans = [span for _, span in fields_in(tree)]
    assert spans == [Span(0, 1, "a = 1"), Span(0, 1, "b = 2"), Span(2, 3, "  c = 3")]
