r"""Syntax errors found while reading one filter string, and the exact texts they carry.

Every message here is the reference's wording, kept in one place so it can be checked against
the reference at a glance. A template's ``{}`` receives the offending text after
``escape_debug``, which shows it the way the reference quotes text (``'`` as ``\'``, control
characters escaped). The ``start:end filter`` position line is added only when the error
leaves the parser (``Failure.full_message``), because the blamed span is known only then.
"""

from __future__ import annotations

import unicodedata

from lumi.search.filters.ast import Span, format_position

OPERATIONS = (
    "Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `IN`, `NOT IN`, `TO`, `EXISTS`, "
    "`NOT EXISTS`, `IS NULL`, `IS NOT NULL`, `IS EMPTY`, `IS NOT EMPTY`, `CONTAINS`, "
    "`NOT CONTAINS`, `STARTS WITH`, `NOT STARTS WITH`, `_geoRadius`, `_geoBoundingBox` or "
    "`_geoPolygon` "
)
NO_OPERATION = OPERATIONS + "but instead got nothing."
BAD_OPERATION = OPERATIONS + "at `{}`."
DEPTH = (
    "The filter exceeded the maximum depth limit. "
    "Try rewriting the filter so that it contains fewer nested conditions."
)
END = (
    "Found unexpected characters at the end of the filter: `{}`. "
    "You probably forgot an `OR` or an `AND` rule."
)
DELIMITER = "Expression `{}` is missing the following closing delimiter: `"

NO_VALUE = "Was expecting a value but instead got nothing."
BAD_VALUE = "Was expecting a value but instead got `{}`."
KEYWORD_VALUE = (
    "Was expecting a value but instead got `{0}`, which is a reserved keyword. "
    "To use `{0}` as a field name or a value, surround it by quotes."
)
MALFORMED = "Malformed value: `{}`."
BAD_ESCAPE_NUMBER = "Found an invalid escaped sequence number: `{}`."
RESERVED_GEO = (
    "`{}` is a reserved keyword and thus can't be used as a filter expression. Use the "
    "`_geoRadius(latitude, longitude, distance)` or `_geoBoundingBox([latitude, longitude], "
    "[latitude, longitude])` built-in rules to filter on `_geo` coordinates."
)
MISUSED = "The `{}` filter is an operation and can't be used as a value."

IN_OPEN = "Expected `[` after `IN` keyword."
IN_CLOSE = "Expected matching `]` after the list of field names given to `IN[`"
IN_VALUES = "Expected only comma-separated field names inside `IN[..]` but instead found `{}`."

GEO_RADIUS = (
    "The `_geoRadius` filter must be in the form: "
    "`_geoRadius(latitude, longitude, radius, optionalResolution)`."
)
GEO_RADIUS_COUNT = "Was expecting 3 or 4 arguments for `_geoRadius`, but instead found {}."
GEO_BOX = (
    "The `_geoBoundingBox` filter expects two pairs of arguments: "
    "`_geoBoundingBox([latitude, longitude], [latitude, longitude])`."
)
GEO_POLYGON = (
    "The `_geoPolygon` filter doesn't match the expected format: "
    "`_geoPolygon([latitude, longitude], [latitude, longitude])`."
)
POLYGON_POINTS = "The `_geoPolygon` filter expects at least 3 points but only {} were specified"
NOT_PAIR = "Was expecting 2 coordinates but instead found {}."
# Not in the reference (which does not document the syntax errors of `_foreign`); worded
# like the geo built-ins' form messages.
FOREIGN = "The `_foreign` filter must be in the form: `_foreign(foreignKeyField, filter)`."

_DEBUG_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\0": "\\0", "\\": "\\\\"}
_DEBUG_ESCAPES |= {"'": "\\'", '"': '\\"'}


class Failure(Exception):
    """A syntax error: its message without the position line, and the 0-based span it blames."""

    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end

    def full_message(self, text: str) -> str:
        """The message users see: this one, then the position line over ``text``."""
        return f"{self.message}\n{format_position(Span(self.start, self.end, text))}"


class Backtrack(Failure):
    """No value could be read here; the caller may try another reading before failing.

    ``keyword`` marks a reserved word where a value was due: that error is final even where
    other readings are tried, because quoting the word is the fix users need to be told.
    """

    def __init__(self, message: str, start: int, end: int, keyword: bool = False) -> None:
        super().__init__(message, start, end)
        self.keyword = keyword


def escape_debug(text: str) -> str:
    """Show ``text`` in a message as the reference does: ``'`` as ``\\'``, controls escaped."""
    out = []
    for index, char in enumerate(text):
        escaped = _DEBUG_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif not char.isprintable() or (index == 0 and unicodedata.category(char) in ("Mn", "Me")):
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    return "".join(out)
