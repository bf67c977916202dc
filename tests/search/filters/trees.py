"""Shared by the filter parser tests: builders for expected trees, the message a filter string
fails with, and message texts written out here rather than imported from the code under test."""

from __future__ import annotations

import pytest

from lumi.search.filters.ast import Condition, Op, Span, Value
from lumi.search.filters.expression import parse_expression
from lumi.search.filters.syntax_errors import Failure

# Spans are left out of tree equality, so expected trees need not spell them.
NOWHERE = Span(0, 0, "")

OPS = (
    "Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `IN`, `NOT IN`, `TO`, `EXISTS`, "
    "`NOT EXISTS`, `IS NULL`, `IS NOT NULL`, `IS EMPTY`, `IS NOT EMPTY`, `CONTAINS`, "
    "`NOT CONTAINS`, `STARTS WITH`, `NOT STARTS WITH`, `_geoRadius`, `_geoBoundingBox` or "
    "`_geoPolygon` "
)
EOF_HINT = "You probably forgot an `OR` or an `AND` rule."
NOTHING = "Was expecting a value but instead got nothing."


def v(raw: str) -> Value:
    return Value(raw, None, NOWHERE)


def c(field: str, op: Op, *values: str) -> Condition:
    return Condition(field, op, tuple(v(raw) for raw in values), NOWHERE, NOWHERE)


def eq(field: str, value: str) -> Condition:
    return c(field, Op.EQ, value)


A, B, C = eq("a", "1"), eq("b", "2"), eq("c", "3")


def message_of(text: str) -> str:
    """What users read when ``text`` fails to parse: the message, then its position line."""
    with pytest.raises(Failure) as raised:
        parse_expression(text)
    return raised.value.full_message(text)
