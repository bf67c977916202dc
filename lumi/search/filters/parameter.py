"""The ``filter`` parameter in all its forms: absent, one string, or arrays of strings.

Every request that takes a filter goes through ``parse_filter``. Each string is parsed on its
own by ``expression`` (so every error's position line shows the one string it is about); the
array form only combines their trees.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from lumi.errors import LumiError
from lumi.search.filters.ast import And, Node, Or
from lumi.search.filters.expression import parse_expression
from lumi.search.filters.lexer import WHITE_CHARS
from lumi.search.filters.syntax_errors import Failure


def parse_filter(
    value: str | list[Any] | None, *, code: str = "invalid_search_filter"
) -> Node | None:
    """Parse a filter parameter; ``None``, blank strings and empty arrays mean no filter.

    The array form ANDs its elements; an element that is itself an array ORs its strings.
    Raises ``LumiError(code, message)`` with the reference's exact message.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return _parse_text(value, code)
    if isinstance(value, list):
        return _parse_array(value, code)
    raise LumiError(code, _invalid_syntax("String, Array", value))


def _parse_array(items: list[Any], code: str) -> Node | None:
    for item in items:  # every element's type is checked before any string is parsed
        if isinstance(item, list):
            for sub in item:
                if not isinstance(sub, str):
                    raise LumiError(code, _invalid_syntax("String", sub))
        elif not isinstance(item, str):
            raise LumiError(code, _invalid_syntax("String, [String]", item))
    ands: list[Node] = []
    for item in items:
        subs = [item] if isinstance(item, str) else item
        ors = [node for node in (_parse_text(sub, code) for sub in subs) if node is not None]
        if len(ors) > 1:
            ands.append(Or(tuple(ors)))
        elif ors:
            ands.append(ors[0])
    if not ands:
        return None
    return ands[0] if len(ands) == 1 else And(tuple(ands))


def _invalid_syntax(expected: str, found: Any) -> str:
    """The message for a parameter (or array element) of the wrong JSON type."""
    try:
        shown = orjson.dumps(found).decode()
    except TypeError:  # integers wider than 64 bits
        shown = json.dumps(found, separators=(",", ":"), ensure_ascii=False)
    return f"Invalid syntax for the filter parameter: `expected {expected}, found: {shown}`."


def _parse_text(text: str, code: str) -> Node | None:
    if not text.strip(WHITE_CHARS):
        return None
    try:
        return parse_expression(text)
    except Failure as error:
        raise LumiError(code, error.full_message(text)) from None
