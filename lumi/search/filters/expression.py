r"""Parse one filter string into an ``ast`` tree.

Grammar (``ws`` = space, tab, CR or LF; keywords are case-sensitive; ``value`` is read by the
``lexer``)::

    filter     = expression EOF
    expression = or
    or         = and ("OR" and)*
    and        = not ("AND" not)*
    not        = "NOT" not | primary
    primary    = "(" expression ")"
               | ("_geoRadius" | "_geoBoundingBox" | "_geoPolygon") "(" … ")"    see ``geo_syntax``
               | "_foreign(" value "," expression ")"
               | value ["NOT"] "IN" "[" [value ("," value)* [","]] "]"
               | value ("<=" | ">=" | "!=" | "<" | ">" | "=") value
               | value "IS" ws+ ["NOT" ws+] ("NULL" | "EMPTY")
               | value ["NOT" ws+] "EXISTS"
               | value value "TO" ws+ value
               | value ["NOT" ws+] "CONTAINS" value
               | value ["NOT" ws+] "STARTS" ws+ "WITH" value

A bare ``_vectors`` or ``_vectors.{embedder}[.userProvided|.documentTemplate|.regenerate|
.fragments.{name}]`` field followed by ``[NOT] EXISTS`` is a vector filter.

Details users can observe, reproduced on purpose:

- ``AND``, ``OR``, ``NOT`` and ``IN`` must be whole words (``ORDER`` is a field name); the
  other operators match as prefixes (``x EXISTSfoo`` leaves ``foo`` unparsed).
- Each ``or``/``and``/``not``/``primary`` step is one level of depth; more than ``MAX_DEPTH``
  levels is an error, reached with 37 nested parentheses or 148 chained ``NOT``.

A syntax error raises ``syntax_errors.Failure``. The span it blames is the offending value, or
more often everything from where parsing stopped to the end of the filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lumi.search.filters.ast import (
    And,
    Condition,
    Foreign,
    Node,
    Not,
    Op,
    Or,
    Span,
    Value,
    VectorKind,
    VectorsExists,
)
from lumi.search.filters.geo_syntax import geo_radius, geo_shape
from lumi.search.filters.lexer import KEYWORDS, SPACE_SET, Lexer, number, span
from lumi.search.filters.syntax_errors import (
    BAD_OPERATION,
    DELIMITER,
    DEPTH,
    END,
    FOREIGN,
    IN_CLOSE,
    IN_OPEN,
    IN_VALUES,
    NO_OPERATION,
    Backtrack,
    Failure,
)

MAX_DEPTH = 150

_SIDE = r"(?:([\w.\-]+)|\"([^\"\\]*)\"|'([^'\\]*)')"
# The common `field op value` with plain words or escape-free quotes, read in one match.
_SIMPLE = re.compile(rf"[ \t\r\n]*{_SIDE}[ \t\r\n]*(<=|>=|!=|<|>|=)[ \t\r\n]*{_SIDE}[ \t\r\n]*")
_IS = re.compile(r"IS[ \t\r\n]+(NOT[ \t\r\n]+)?(NULL|EMPTY)")
_NOT_EXISTS = re.compile(r"NOT[ \t\r\n]+EXISTS")
_NOT_CONTAINS = re.compile(r"NOT[ \t\r\n]+CONTAINS")
_STARTS_WITH = re.compile(r"(NOT[ \t\r\n]+)?STARTS[ \t\r\n]+WITH")

_COMPARISONS = {"<=": Op.LTE, ">=": Op.GTE, "!=": Op.NE, "<": Op.LT, ">": Op.GT, "=": Op.EQ}
_VECTOR_KINDS = {kind.value: kind for kind in VectorKind if kind is not VectorKind.FRAGMENT}

_Step = Callable[[int, int], tuple[Node, int]]


def parse_expression(text: str) -> Node:
    """The tree of one non-blank filter string; raises ``Failure`` on a syntax error."""
    return _Parser(text).parse()


class _Parser(Lexer):
    """Recursive descent over one filter string; positions are char offsets into it."""

    __slots__ = ()

    def parse(self) -> Node:
        node, pos = self.or_(0, 0)
        pos = self.ws(pos)
        if pos < self.n:
            raise self.error(END, pos)
        return node

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
            raise Failure(DEPTH, pos, self.n)
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
            raise Failure(DEPTH, pos, self.n)
        start = self.ws(pos)
        if self.is_word(start, "NOT"):
            child, end = self.not_(self.ws(start + 3), depth + 1)
            return Not(child), end
        return self.primary(pos, depth + 1)

    def primary(self, pos: int, depth: int) -> tuple[Node, int]:
        if depth > MAX_DEPTH:
            raise Failure(DEPTH, pos, self.n)
        match = _SIMPLE.match(self.s, pos)
        if match is not None:
            simple = self.simple(match)
            if simple is not None:
                return simple, match.end()
        s = self.s
        start = self.ws(pos)
        if s.startswith("(", start):
            node, end = self.or_(self.ws(start + 1), depth + 1)
            end = self.ws(end)
            if not s.startswith(")", end):
                raise self.error(DELIMITER + ")`.", pos)
            return node, self.ws(end + 1)
        if s.startswith("_geo", start):
            word = s[start : self.word_end(start)]
            if word == "_geoRadius":
                return geo_radius(self, pos, start + len(word))
            if word in ("_geoBoundingBox", "_geoPolygon"):
                return geo_shape(self, pos, start + len(word), word == "_geoPolygon")
        if s.startswith("_foreign(", start):
            return self.foreign(pos, start, depth)
        try:
            field, after = self.value(pos)
        except Backtrack as error:
            if error.keyword:
                raise
            raise self.invalid_primary(pos) from None
        return self.operation(pos, field, after)

    def foreign(self, pos: int, start: int, depth: int) -> tuple[Foreign, int]:
        """``_foreign(field, expression)`` written at ``start`` (``pos`` before its spaces).

        A malformed call blames everything from ``pos``, as the geo built-ins do; errors
        inside the nested expression are that expression's own.
        """
        s = self.s
        try:
            field, after = self.value(start + len("_foreign("))
        except Backtrack as error:
            if error.keyword:
                raise
            raise Failure(FOREIGN, pos, self.n) from None
        if not s.startswith(",", after):
            raise Failure(FOREIGN, pos, self.n)
        condition, end = self.or_(self.ws(after + 1), depth + 1)
        end = self.ws(end)
        if not s.startswith(")", end):
            raise Failure(FOREIGN, pos, self.n)
        call = span((start, end + 1, s))
        return Foreign(field.raw, condition, field.span, call), self.ws(end + 1)

    def simple(self, match: re.Match[str]) -> Condition | None:
        """The one-match reading of ``field op value``, or None where it could differ."""
        groups, spans, s = match.groups(), match.regs, self.s
        field = 0 if groups[0] is not None else 1 if groups[1] is not None else 2
        value = 4 if groups[4] is not None else 5 if groups[5] is not None else 6
        for group in (field, value):
            word = groups[group]
            if group in (0, 4) and (word in KEYWORDS or word.startswith("_geo")):
                return None
        start, end = spans[value + 1]
        if value == 4 and end < self.n and s[end] > "\x7f":  # maybe a combining mark
            return None
        raw = groups[value]
        return Condition(
            groups[field],
            _COMPARISONS[groups[3]],
            (Value(raw, number(raw), span((start, end, s))),),
            span((*spans[field + 1], s)),
            span((*spans[4], s)),
        )

    def invalid_primary(self, pos: int) -> Failure:
        if not self.s[pos:].strip():
            return Failure(NO_OPERATION, pos, self.n)
        return self.error(BAD_OPERATION, pos)

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
        except Backtrack:
            pass
        else:
            if s.startswith("TO", to) and s[to + 2 : to + 3] in SPACE_SET:
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
        return Condition(field.raw, op, values, field.span, span((op_start, op_end, self.s)))

    def exists(self, pos: int, field: Value, keyword: int) -> Node:
        """``field EXISTS``, or a vector filter when the field is a bare ``_vectors…`` word."""
        bare = field.span.start == self.lead_end(pos)
        if bare and field.raw.startswith("_vectors"):
            vectors = _vectors(field.raw, field.span)
            if vectors is not None:
                return vectors
        return self.condition(field, Op.EXISTS, (), keyword, keyword + 6)

    def in_list(self, field: Value, keyword: int, after: int) -> tuple[Node, int]:
        s, n = self.s, self.n
        start = self.ws(after)
        if not s.startswith("[", start):
            raise Failure(IN_OPEN, start, n)
        values: list[Value] = []
        pos = start + 1
        try:
            value, pos = self.value(pos)
            values.append(value)
            while s.startswith(",", self.ws(pos)):
                value, pos = self.value(self.ws(pos) + 1)
                values.append(value)
        except Backtrack:
            pass
        if values and s.startswith(",", self.ws(pos)):
            pos = self.ws(self.ws(pos) + 1)
        close = self.ws(pos)
        if s.startswith("]", close):
            node = self.condition(field, Op.IN, tuple(values), keyword, keyword + 2)
            return node, self.ws(close + 1)
        if pos == n:
            raise Failure(IN_CLOSE, n, n)
        raise self.error(IN_VALUES, pos)


def _vectors(raw: str, field_span: Span) -> VectorsExists | None:
    """``_vectors[.embedder[.kind]]`` as a vector filter, or None for any other shape."""
    if raw == "_vectors":
        return VectorsExists(None, None, None, field_span)
    parts = raw.split(".")
    if parts[0] != "_vectors" or not all(parts):
        return None
    if len(parts) == 2:
        return VectorsExists(parts[1], None, None, field_span)
    if len(parts) == 3 and parts[2] in _VECTOR_KINDS:
        return VectorsExists(parts[1], _VECTOR_KINDS[parts[2]], None, field_span)
    if len(parts) == 4 and parts[2] == VectorKind.FRAGMENT.value:
        return VectorsExists(parts[1], VectorKind.FRAGMENT, parts[3], field_span)
    return None
