r"""Parse the ``filter`` parameter (a string, or arrays of strings) into an ``ast`` tree.

Grammar of one filter string (``ws`` = space, tab, CR or LF; keywords are case-sensitive)::

    filter     = expression EOF
    expression = or
    or         = and ("OR" and)*
    and        = not ("AND" not)*
    not        = "NOT" not | primary
    primary    = "(" expression ")"
               | "_geoRadius(" float "," float "," float ["," float] ")"
               | "_geoBoundingBox(" point "," point ")"
               | "_geoPolygon(" point ("," point)* ")"            at least 3 points
               | value ["NOT"] "IN" "[" [value ("," value)* [","]] "]"
               | value ("<=" | ">=" | "!=" | "<" | ">" | "=") value
               | value "IS" ws+ ["NOT" ws+] ("NULL" | "EMPTY")
               | value ["NOT" ws+] "EXISTS"
               | value value "TO" ws+ value
               | value ["NOT" ws+] "CONTAINS" value
               | value ["NOT" ws+] "STARTS" ws+ "WITH" value
    point      = "[" float "," float "]"
    float      = [+-] (digits ["." digits?] | "." digits) [(e|E) [+-] digits]
    value      = word | "'" text "'" | '"' text '"'
    word       = (letter | digit | mark | "_" | "-" | ".")+      not a keyword

A bare ``_vectors`` or ``_vectors.{embedder}[.userProvided|.documentTemplate|.regenerate|
.fragments.{name}]`` field followed by ``[NOT] EXISTS`` is a vector filter.

Details users can observe, reproduced on purpose:

- ``AND``, ``OR``, ``NOT`` and ``IN`` must be whole words (``ORDER`` is a field name); the
  other operators match as prefixes (``x EXISTSfoo`` leaves ``foo`` unparsed).
- AND OR IN NOT TO EXISTS IS NULL EMPTY _geoRadius _geoBoundingBox cannot be bare values or
  field names; quote them. Bare ``_geo``, ``_geoPoint…``, ``_geoDistance…``, ``_geoRadius``
  and ``_geoBoundingBox`` values are errors of their own.
- In quotes, ``\<quote>`` is the quote; the other escapes are resolved after that (``\\``,
  ``\n``, ``\t``, ``\r``, ``\b``, ``\f``, ``\v``, ``\'``, ``\"``, ``\/``, ``\uXXXX``,
  ``\u{X…}``, ``\xXX``, octal ``\NNN``); any other escape makes the value malformed.
- Each ``or``/``and``/``not``/``primary`` step is one level of depth; more than ``MAX_DEPTH``
  levels is an error, reached with 37 nested parentheses or 148 chained ``NOT``.

Every syntax error message is followed by ``\n{start}:{end} {filter}`` (see
``ast.format_position``). The span is the offending value, or more often everything from where
parsing stopped to the end of the filter.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import orjson

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
    format_position,
)

MAX_DEPTH = 150

# Unicode White_Space: stripped before a value; it also ends the word quoted in messages.
_WHITE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WHITE_CHARS = _WHITE.replace("\u2000-\u200a", "".join(map(chr, range(0x2000, 0x200B))))
_SPACES = " \t\r\n"
_SPACE_SET = frozenset(_SPACES)
_WHITE_SET = frozenset(_WHITE_CHARS)
_BOUNDARY = frozenset(" \t\r\n()[],'\"=<>!")
_NUMBER_START = frozenset("0123456789+-.")
_FLOAT = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_SIDE = r"(?:([\w.\-]+)|\"([^\"\\]*)\"|'([^'\\]*)')"

_WS = re.compile(r"[ \t\r\n]*")
_LEAD = re.compile(f"[{_WHITE}]*")
_WORD = re.compile(r"[\w.\-]+")
_NOT_SYNTAX = re.compile(f"[^{_WHITE}()=<>!]*")
_NUMBER = re.compile(_FLOAT + r"\Z")
_FLOAT_ARG = re.compile(rf"[ \t\r\n]*({_FLOAT})[ \t\r\n]*")
# The common `field op value` with plain words or escape-free quotes, read in one match.
_SIMPLE = re.compile(rf"[ \t\r\n]*{_SIDE}[ \t\r\n]*(<=|>=|!=|<|>|=)[ \t\r\n]*{_SIDE}[ \t\r\n]*")
_IS = re.compile(r"IS[ \t\r\n]+(NOT[ \t\r\n]+)?(NULL|EMPTY)")
_NOT_EXISTS = re.compile(r"NOT[ \t\r\n]+EXISTS")
_NOT_CONTAINS = re.compile(r"NOT[ \t\r\n]+CONTAINS")
_STARTS_WITH = re.compile(r"(NOT[ \t\r\n]+)?STARTS[ \t\r\n]+WITH")
_RADIX = re.compile(r"\+?[0-9a-fA-F]+\Z")
_OCTAL = re.compile("[0-7]*")

_KEYWORDS = frozenset(("AND", "OR", "IN", "NOT", "TO", "EXISTS", "IS", "NULL", "EMPTY"))
_KEYWORDS |= {"_geoRadius", "_geoBoundingBox"}
_COMPARISONS = {"<=": Op.LTE, ">=": Op.GTE, "!=": Op.NE, "<": Op.LT, ">": Op.GT, "=": Op.EQ}
_MARKS = ("Mn", "Mc")
_SIMPLE_ESCAPES = dict(zip("bfnrtv'\"\\/", "\b\f\n\r\t\v'\"\\/", strict=True))
_DEBUG_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\0": "\\0", "\\": "\\\\"}
_DEBUG_ESCAPES |= {"'": "\\'", '"': '\\"'}
_VECTOR_KINDS = {kind.value: kind for kind in VectorKind if kind is not VectorKind.FRAGMENT}

_OPERATIONS = (
    "Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `IN`, `NOT IN`, `TO`, `EXISTS`, "
    "`NOT EXISTS`, `IS NULL`, `IS NOT NULL`, `IS EMPTY`, `IS NOT EMPTY`, `CONTAINS`, "
    "`NOT CONTAINS`, `STARTS WITH`, `NOT STARTS WITH`, `_geoRadius`, `_geoBoundingBox` or "
    "`_geoPolygon` "
)
_RESERVED_GEO = (
    "`{}` is a reserved keyword and thus can't be used as a filter expression. Use the "
    "`_geoRadius(latitude, longitude, distance)` or `_geoBoundingBox([latitude, longitude], "
    "[latitude, longitude])` built-in rules to filter on `_geo` coordinates."
)
_DEPTH = (
    "The filter exceeded the maximum depth limit. "
    "Try rewriting the filter so that it contains fewer nested conditions."
)
_END = (
    "Found unexpected characters at the end of the filter: `{}`. "
    "You probably forgot an `OR` or an `AND` rule."
)
_KEYWORD_VALUE = (
    "Was expecting a value but instead got `{0}`, which is a reserved keyword. "
    "To use `{0}` as a field name or a value, surround it by quotes."
)
_MISUSED = "The `{}` filter is an operation and can't be used as a value."
_DELIMITER = "Expression `{}` is missing the following closing delimiter: `"
_IN_CLOSE = "Expected matching `]` after the list of field names given to `IN[`"
_IN_VALUES = "Expected only comma-separated field names inside `IN[..]` but instead found `{}`."
_GEO_RADIUS = (
    "The `_geoRadius` filter must be in the form: "
    "`_geoRadius(latitude, longitude, radius, optionalResolution)`."
)
_GEO_RADIUS_COUNT = "Was expecting 3 or 4 arguments for `_geoRadius`, but instead found {}."
_GEO_BOX = (
    "The `_geoBoundingBox` filter expects two pairs of arguments: "
    "`_geoBoundingBox([latitude, longitude], [latitude, longitude])`."
)
_GEO_POLYGON = (
    "The `_geoPolygon` filter doesn't match the expected format: "
    "`_geoPolygon([latitude, longitude], [latitude, longitude])`."
)
_POLYGON_POINTS = "The `_geoPolygon` filter expects at least 3 points but only {} were specified"
_NOT_PAIR = "Was expecting 2 coordinates but instead found {}."


_Step = Callable[[int, int], tuple[Node, int]]


def _span(fields: tuple[int, int, str]) -> Span:
    """A ``Span`` without the named-tuple constructor's overhead (it runs per value)."""
    return tuple.__new__(Span, fields)


class _Failure(Exception):
    """A syntax error: its message without the position line, and the 0-based span it blames."""

    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


class _Backtrack(_Failure):
    """No value could be read here; the caller may try another reading before failing."""

    def __init__(self, message: str, start: int, end: int, keyword: bool = False) -> None:
        super().__init__(message, start, end)
        self.keyword = keyword


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
    try:
        shown = orjson.dumps(found).decode()
    except TypeError:  # integers wider than 64 bits
        shown = json.dumps(found, separators=(",", ":"), ensure_ascii=False)
    return f"Invalid syntax for the filter parameter: `expected {expected}, found: {shown}`."


def _parse_text(text: str, code: str) -> Node | None:
    if not text.strip(_WHITE_CHARS):
        return None
    try:
        return _Parser(text).parse()
    except _Failure as error:
        position = format_position(Span(error.start, error.end, text))
        raise LumiError(code, f"{error.message}\n{position}") from None


def _escape_debug(text: str) -> str:
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


def _number(raw: str) -> float | None:
    if raw[:1] not in _NUMBER_START or _NUMBER.match(raw) is None:
        return None
    number = float(raw)
    return number if math.isfinite(number) else None


class _Parser:
    """Recursive descent over one filter string; positions are char offsets into it."""

    __slots__ = ("n", "s")

    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)

    def parse(self) -> Node:
        node, pos = self.or_(0, 0)
        pos = self.ws(pos)
        if pos < self.n:
            raise self.error(_END, pos)
        return node

    def ws(self, pos: int) -> int:
        if pos < self.n and self.s[pos] in _SPACES:
            return _WS.match(self.s, pos).end()  # type: ignore[union-attr]
        return pos

    def word_end(self, pos: int) -> int:
        """End of the bare word at ``pos`` (``pos`` itself when there is none)."""
        s, n = self.s, self.n
        match = _WORD.match(s, pos)
        end = match.end() if match else pos
        # Letters may carry combining marks (Indic vowel signs…), which \w leaves out.
        while end < n and s[end] > "\x7f" and unicodedata.category(s[end]) in _MARKS:
            match = _WORD.match(s, end + 1)
            end = match.end() if match else end + 1
        return end

    def is_word(self, pos: int, word: str) -> bool:
        if not self.s.startswith(word, pos):
            return False
        end = pos + len(word)
        return end == self.n or self.s[end] in _BOUNDARY or self.word_end(pos) == end

    def error(self, template: str, start: int) -> _Failure:
        """A failure blaming the text from ``start`` to the end, quoted into ``template``."""
        return _Failure(template.format(_escape_debug(self.s[start:])), start, self.n)

    # -- expressions -----------------------------------------------------------------------

    def or_(self, pos: int, depth: int) -> tuple[Node, int]:
        return self.chain(pos, depth, "OR", self.and_, Or)

    def and_(self, pos: int, depth: int) -> tuple[Node, int]:
        return self.chain(pos, depth, "AND", self.not_, And)

    def chain(
        self, pos: int, depth: int, keyword: str, inner: _Step, kind: type[And | Or]
    ) -> tuple[Node, int]:
        """``inner (keyword inner)*``; once the keyword is read, what follows must parse."""
        if depth > MAX_DEPTH:
            raise _Failure(_DEPTH, pos, self.n)
        node, pos = inner(pos, depth + 1)
        children = [node]
        while True:
            start = self.ws(pos)
            if not self.is_word(start, keyword):
                break
            node, pos = inner(self.ws(start + len(keyword)), depth + 1)
            children.append(node)
        return (node if len(children) == 1 else kind(tuple(children))), pos

    def not_(self, pos: int, depth: int) -> tuple[Node, int]:
        if depth > MAX_DEPTH:
            raise _Failure(_DEPTH, pos, self.n)
        start = self.ws(pos)
        if self.is_word(start, "NOT"):
            child, end = self.not_(self.ws(start + 3), depth + 1)
            return Not(child), end
        return self.primary(pos, depth + 1)

    def primary(self, pos: int, depth: int) -> tuple[Node, int]:
        if depth > MAX_DEPTH:
            raise _Failure(_DEPTH, pos, self.n)
        match = _SIMPLE.match(self.s, pos)
        if match is not None:
            node = self.simple(match)
            if node is not None:
                return node, match.end()
        s = self.s
        start = self.ws(pos)
        if s.startswith("(", start):
            node, end = self.or_(self.ws(start + 1), depth + 1)
            end = self.ws(end)
            if not s.startswith(")", end):
                raise self.error(_DELIMITER + ")`.", pos)
            return node, self.ws(end + 1)
        if s.startswith("_geo", start):
            word = s[start : self.word_end(start)]
            if word == "_geoRadius":
                return self.geo_radius(pos, start + len(word))
            if word in ("_geoBoundingBox", "_geoPolygon"):
                return self.geo_shape(pos, start + len(word), word == "_geoPolygon")
        try:
            field, after = self.value(pos)
        except _Backtrack as error:
            if error.keyword:
                raise
            raise self.invalid_primary(pos) from None
        return self.operation(pos, field, after)

    def simple(self, match: re.Match[str]) -> Condition | None:
        """The one-match reading of ``field op value``, or None where it could differ."""
        groups, spans, s = match.groups(), match.regs, self.s
        field = 0 if groups[0] is not None else 1 if groups[1] is not None else 2
        value = 4 if groups[4] is not None else 5 if groups[5] is not None else 6
        for group in (field, value):
            word = groups[group]
            if group in (0, 4) and (word in _KEYWORDS or word.startswith("_geo")):
                return None
        start, end = spans[value + 1]
        if value == 4 and end < self.n and s[end] > "\x7f":  # maybe a combining mark
            return None
        raw = groups[value]
        return Condition(
            groups[field],
            _COMPARISONS[groups[3]],
            (Value(raw, _number(raw), _span((start, end, s))),),
            _span((*spans[field + 1], s)),
            _span((*spans[4], s)),
        )

    def invalid_primary(self, pos: int) -> _Failure:
        if not self.s[pos:].strip():
            return _Failure(_OPERATIONS + "but instead got nothing.", pos, self.n)
        return self.error(_OPERATIONS + "at `{}`.", pos)

    def operation(self, pos: int, field: Value, at: int) -> tuple[Node, int]:
        """What follows a field; the readings are tried in the reference's order."""
        s = self.s
        end = self.word_end(at)
        if s[at:end] == "IN":
            return self.in_list(field, at, end)
        if s[at:end] == "NOT" and self.is_word(self.ws(end), "IN"):
            node, end = self.in_list(field, self.ws(end), self.ws(end) + 2)
            return Not(node), end
        op = _COMPARISONS.get(s[at : at + 2]) or _COMPARISONS.get(s[at : at + 1])
        if op is not None:
            end = at + len(op.value)
            value, after = self.value(end)
            return self.condition(field, op, (value,), at, end), after
        match = _IS.match(s, at)
        if match:
            op = Op.IS_NULL if match[2] == "NULL" else Op.IS_EMPTY
            node = self.condition(field, op, (), at, match.end())
            return (Not(node) if match[1] else node), match.end()
        if s.startswith("EXISTS", at):
            return self.exists(pos, field, at), at + 6
        match = _NOT_EXISTS.match(s, at)
        if match:
            return Not(self.exists(pos, field, match.end() - 6)), match.end()
        return self.range_or_text(pos, field, at)

    def range_or_text(self, pos: int, field: Value, at: int) -> tuple[Node, int]:
        s = self.s
        try:
            low, to = self.value(at)
        except _Backtrack:
            pass
        else:
            if s.startswith("TO", to) and s[to + 2 : to + 3] in _SPACE_SET:
                high, end = self.value(to + 2)
                return self.condition(field, Op.RANGE, (low, high), to, to + 2), end
        match = _NOT_CONTAINS.match(s, at)
        if s.startswith("CONTAINS", at) or match:
            keyword = match.end() - 8 if match else at
            value, end = self.value(keyword + 8)
            node = self.condition(field, Op.CONTAINS, (value,), keyword, keyword + 8)
            return (Not(node) if match else node), end
        match = _STARTS_WITH.match(s, at)
        if match:
            value, end = self.value(match.end())
            keyword = match.end(1) if match[1] else at
            node = self.condition(field, Op.STARTS_WITH, (value,), keyword, match.end())
            return (Not(node) if match[1] else node), end
        raise self.invalid_primary(pos)

    def condition(
        self, field: Value, op: Op, values: tuple[Value, ...], op_start: int, op_end: int
    ) -> Condition:
        return Condition(field.raw, op, values, field.span, _span((op_start, op_end, self.s)))

    def exists(self, pos: int, field: Value, keyword: int) -> Node:
        """``field EXISTS``, or a vector filter when the field is a bare ``_vectors…`` word."""
        bare = field.span.start == _LEAD.match(self.s, pos).end()  # type: ignore[union-attr]
        if bare and field.raw.startswith("_vectors"):
            vectors = _vectors(field.raw, field.span)
            if vectors is not None:
                return vectors
        return self.condition(field, Op.EXISTS, (), keyword, keyword + 6)

    def in_list(self, field: Value, keyword: int, after: int) -> tuple[Node, int]:
        s, n = self.s, self.n
        start = self.ws(after)
        if not s.startswith("[", start):
            raise _Failure("Expected `[` after `IN` keyword.", start, n)
        values: list[Value] = []
        pos = start + 1
        try:
            value, pos = self.value(pos)
            values.append(value)
            while s.startswith(",", self.ws(pos)):
                value, pos = self.value(self.ws(pos) + 1)
                values.append(value)
        except _Backtrack:
            pass
        if values and s.startswith(",", self.ws(pos)):
            pos = self.ws(self.ws(pos) + 1)
        close = self.ws(pos)
        if s.startswith("]", close):
            node = self.condition(field, Op.IN, tuple(values), keyword, keyword + 2)
            return node, self.ws(close + 1)
        if pos == n:
            raise _Failure(_IN_CLOSE, n, n)
        raise self.error(_IN_VALUES, pos)

    # -- values ----------------------------------------------------------------------------

    def value(self, pos: int) -> tuple[Value, int]:
        """A bare word or a quoted string, and the position after it and its trailing spaces.

        Raises ``_Backtrack`` when no value starts here, ``_Failure`` for errors no other
        reading could fix (unclosed quote, geo built-ins used as values).
        """
        s = self.s
        if s[pos : pos + 1] in _WHITE_SET:
            pos = _LEAD.match(s, pos).end()  # type: ignore[union-attr]
        if s.startswith("_geo", pos):
            self.reject_geo_value(pos)
        quote = s[pos : pos + 1]
        if quote == "'" or quote == '"':
            start, end = self.quoted(pos, quote)
            raw = s[start:end]
            if "\\" in raw:
                raw = self.unescape(raw, quote, start, end)
            after = end + 1
        else:
            start = pos
            end = after = self.word_end(pos)
            raw = s[start:end]
            if not raw or raw in _KEYWORDS:
                self.not_a_value(pos, bool(raw))
        return Value(raw, _number(raw), _span((start, end, s))), self.ws(after)

    def not_a_value(self, pos: int, keyword: bool) -> None:
        blamed = _NOT_SYNTAX.match(self.s, pos).end()  # type: ignore[union-attr]
        shown = _escape_debug(self.s[pos:blamed])
        if not shown:
            raise _Backtrack("Was expecting a value but instead got nothing.", pos, pos)
        if keyword:
            raise _Backtrack(_KEYWORD_VALUE.format(shown), pos, blamed, keyword=True)
        raise _Backtrack(f"Was expecting a value but instead got `{shown}`.", pos, blamed)

    def reject_geo_value(self, pos: int) -> None:
        s = self.s
        for name in ("_geoPoint", "_geoDistance"):
            if s.startswith(name, pos):
                raise _Failure(_RESERVED_GEO.format(name), pos, self.n)
        word = s[pos : self.word_end(pos)]
        if word == "_geo":
            raise _Failure(_RESERVED_GEO.format(word), pos, self.n)
        if word in ("_geoRadius", "_geoBoundingBox"):
            raise _Failure(_MISUSED.format(word), pos, self.n)

    def quoted(self, pos: int, quote: str) -> tuple[int, int]:
        """The content span of the string opened at ``pos``; a backslash escapes any char."""
        s, n = self.s, self.n
        start = pos + 1
        close = s.find(quote, start)
        if s.find("\\", start, n if close < 0 else close) < 0 <= close:
            return start, close
        index = start
        while index < n:
            char = s[index]
            if char == quote:
                return start, index
            if char == "\\" and index + 1 >= n:
                raise self.error("Malformed value: `{}`.", start)
            index += 2 if char == "\\" else 1
        raise self.error(_DELIMITER + quote + "`.", pos)

    def unescape(self, raw: str, quote: str, start: int, end: int) -> str:
        """Resolve ``\\<quote>``, then the other escape sequences."""
        try:
            return _unescape(raw.replace("\\" + quote, quote))
        except _BadNumber:
            message = "Found an invalid escaped sequence number: `{}`."
        except ValueError:
            message = "Malformed value: `{}`."
        raise _Backtrack(message.format(_escape_debug(self.s[start:end])), start, end)

    # -- geo -------------------------------------------------------------------------------

    def geo_radius(self, pos: int, after: int) -> tuple[Node, int]:
        args = self.floats(after + 1, ")") if self.s.startswith("(", after) else None
        if args is None:
            raise _Failure(_GEO_RADIUS, pos, self.n)
        values, end = args
        if not 3 <= len(values) <= 4:
            raise _Failure(_GEO_RADIUS_COUNT.format(len(values)), end, self.n)
        resolution = values[3] if len(values) == 4 else None
        return GeoRadius(values[0], values[1], values[2], resolution), end

    def geo_shape(self, pos: int, after: int, polygon: bool) -> tuple[Node, int]:
        """``_geoBoundingBox`` (two points) or ``_geoPolygon`` (three or more)."""
        points = self.points(after)
        if points is None:
            raise _Failure(_GEO_POLYGON if polygon else _GEO_BOX, pos, self.n)
        pairs, end = points
        if not polygon:
            if len(pairs) != 2 or len(pairs[0]) != 2 or len(pairs[1]) != 2:
                raise _Failure(_GEO_BOX, end, self.n)
            return GeoBoundingBox((pairs[0][0], pairs[0][1]), (pairs[1][0], pairs[1][1])), end
        if len(pairs) < 3:
            raise _Failure(_POLYGON_POINTS.format(len(pairs)), end, self.n)
        for pair in pairs:
            if len(pair) != 2:
                raise _Failure(_NOT_PAIR.format(len(pair)), pair[0].span.start, pair[0].span.end)
        return GeoPolygon(tuple((pair[0], pair[1]) for pair in pairs)), end

    def points(self, after: int) -> tuple[list[list[Value]], int] | None:
        """``([f, f…], [f, f…]…)`` starting at the ``(``; None if malformed."""
        s = self.s
        if not s.startswith("(", after):
            return None
        pairs: list[list[Value]] = []
        pos = after + 1
        while True:
            pos = self.ws(pos)
            args = self.floats(pos + 1, "]") if s.startswith("[", pos) else None
            if args is None:
                return None
            pairs.append(args[0])
            pos = self.ws(args[1])
            if s.startswith(")", pos):
                return pairs, pos + 1
            if not s.startswith(",", pos):
                return None
            pos += 1

    def floats(self, pos: int, close: str) -> tuple[list[Value], int] | None:
        """Comma-separated floats up to ``close``; the position after ``close``, or None."""
        s = self.s
        values: list[Value] = []
        while True:
            match = _FLOAT_ARG.match(s, pos)
            if match is None:
                return None
            raw = match[1]
            values.append(Value(raw, _number(raw), _span((*match.span(1), s))))
            pos = match.end()
            if s.startswith(close, pos):
                return values, pos + 1
            if not s.startswith(",", pos):
                return None
            pos += 1


def _vectors(raw: str, span: Span) -> VectorsExists | None:
    """``_vectors[.embedder[.kind]]`` as a vector filter, or None for any other shape."""
    if raw == "_vectors":
        return VectorsExists(None, None, None, span)
    parts = raw.split(".")
    if parts[0] != "_vectors" or not all(parts):
        return None
    if len(parts) == 2:
        return VectorsExists(parts[1], None, None, span)
    if len(parts) == 3 and parts[2] in _VECTOR_KINDS:
        return VectorsExists(parts[1], _VECTOR_KINDS[parts[2]], None, span)
    if len(parts) == 4 and parts[2] == VectorKind.FRAGMENT.value:
        return VectorsExists(parts[1], VectorKind.FRAGMENT, parts[3], span)
    return None


class _BadNumber(ValueError):
    """A numeric escape whose digits do not parse."""


def _unescape(raw: str) -> str:
    """Resolve backslash escapes; ``ValueError`` for a malformed one."""
    out: list[str] = []
    pos, n = 0, len(raw)
    while (slash := raw.find("\\", pos)) >= 0:
        out.append(raw[pos:slash])
        char = raw[slash + 1 : slash + 2]
        pos = slash + 2
        if char and char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif char == "u" and raw.startswith("{", pos):
            close = raw.find("}", pos)
            close = n if close < 0 else close
            out.append(_char(raw[pos + 1 : close], 0xFFFFFFFF))
            pos = close + 1
        elif char in ("u", "x") and char:
            width = 4 if char == "u" else 2
            if pos + width > n:
                raise ValueError("incomplete escape")
            out.append(_char(raw[pos : pos + width], 0xFFFFFFFF if char == "u" else 0xFF))
            pos += width
        elif char and char in "01234567":
            digits = char + raw[pos : pos + (2 if char in "0123" else 1)]
            digits = _OCTAL.match(digits)[0]  # type: ignore[index]
            out.append(chr(int(digits, 8)))
            pos = slash + 1 + len(digits)
        else:
            raise ValueError("unknown or incomplete escape")
    out.append(raw[pos:])
    return "".join(out)


def _char(digits: str, limit: int) -> str:
    """The char of a hexadecimal escape; ``_BadNumber`` if the digits do not parse."""
    if _RADIX.match(digits) is None or int(digits, 16) > limit:
        raise _BadNumber(digits)
    code = int(digits, 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ValueError("not a char")
    return chr(code)
