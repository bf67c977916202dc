from __future__ import annotations

import pytest

from lumi.search.filters.ast import (
    And,
    Condition,
    GeoRadius,
    Not,
    Op,
    Or,
    Span,
    Value,
    VectorsExists,
    fields_in,
    format_position,
)


@pytest.mark.parametrize(
    ("span", "line"),
    [
        (Span(14, 31, "title = Glass XOR title = Glass"), "15:32 title = Glass XOR title = Glass"),
        (Span(0, 1, "a = 1"), "1:2 a = 1"),
        (Span(18, 18, "channel = Ponce OR"), "19:19 channel = Ponce OR"),
        # Columns count from the start of the line holding the span's start.
        (Span(10, 11, "a = 1 AND\nb"), "1:2 a = 1 AND\nb"),
        (Span(6, 11, "a = 1 XOR\nb"), "7:12 a = 1 XOR\nb"),
        # Columns are chars, not bytes.
        (Span(4, 5, "é = 🦀"), "5:6 é = 🦀"),
    ],
)
def test_format_position(span: Span, line: str) -> None:
    assert format_position(span) == line


def _value(raw: str, start: int, text: str) -> Value:
    return Value(raw, None, Span(start, start + len(raw), text))


def test_equality_ignores_where_things_were_written() -> None:
    assert Value("1", 1.0, Span(0, 1, "1")) == Value("1", None, Span(5, 6, "x = 1"))
    assert Value("1", 1.0, Span(0, 1, "1")) != Value("1.0", 1.0, Span(0, 3, "1.0"))
    first = Condition(
        "a", Op.EQ, (_value("1", 4, "a = 1"),), Span(0, 1, "a = 1"), Span(2, 3, "a = 1")
    )
    second = Condition("a", Op.EQ, (_value("1", 2, "a=1"),), Span(0, 1, "a=1"), Span(1, 2, "a=1"))
    assert first == second
    assert hash(first) == hash(second)
    assert first != Condition("a", Op.NE, first.values, first.field_span, first.op_span)


def test_fields_in_lists_condition_attributes_in_reading_order() -> None:
    text = "a = 1 AND (b EXISTS OR NOT c IS NULL) AND _geoRadius(1, 2, 3) AND _vectors EXISTS"

    def cond(field: str, start: int) -> Condition:
        span = Span(start, start + len(field), text)
        return Condition(field, Op.EXISTS, (), span, span)

    radius = GeoRadius(_value("1", 53, text), _value("2", 56, text), _value("3", 59, text), None)
    tree = And(
        (
            cond("a", 0),
            Or((cond("b", 11), Not(cond("c", 27)))),
            radius,
            VectorsExists(None, None, None, Span(67, 75, text)),
        )
    )
    assert fields_in(tree) == [
        ("a", Span(0, 1, text)),
        ("b", Span(11, 12, text)),
        ("c", Span(27, 28, text)),
    ]


def test_operator_names_are_what_messages_print() -> None:
    assert [op.value for op in Op] == [
        "=",
        "!=",
        ">",
        ">=",
        "<",
        "<=",
        "TO",
        "IN",
        "EXISTS",
        "IS NULL",
        "IS EMPTY",
        "CONTAINS",
        "STARTS WITH",
    ]
