r"""Reading the pieces of a filter string: whitespace, words, keywords and values.

::

    value = word | "'" text "'" | '"' text '"'
    word  = (letter | digit | mark | "_" | "-" | ".")+      not a keyword

Details users can observe, reproduced on purpose:

- AND OR IN NOT TO EXISTS IS NULL EMPTY _geoRadius _geoBoundingBox cannot be bare values or
  field names; quote them. Bare ``_geo``, ``_geoPoint…``, ``_geoDistance…``, ``_geoRadius``
  and ``_geoBoundingBox`` values are errors of their own.
- Unicode White_Space is skipped before a value, but only space, tab, CR and LF separate
  tokens elsewhere.
- In quotes, ``\<quote>`` is the quote; the other escapes are resolved after that (see
  ``escapes``); any other escape makes the value malformed.

The expression parser extends ``Lexer`` rather than holding one, so the reads it makes for
every token stay plain method calls on a single object.
"""

from __future__ import annotations

import math
import re
import unicodedata

from lumi.search.filters.ast import Span, Value
from lumi.search.filters.escapes import BadNumber, unescape
from lumi.search.filters.syntax_errors import (
    BAD_ESCAPE_NUMBER,
    BAD_VALUE,
    DELIMITER,
    KEYWORD_VALUE,
    MALFORMED,
    MISUSED,
    NO_VALUE,
    RESERVED_GEO,
    Backtrack,
    Failure,
    escape_debug,
)

# Unicode White_Space: stripped before a value; it also ends the word quoted in messages.
_WHITE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
WHITE_CHARS = _WHITE.replace("\u2000-\u200a", "".join(map(chr, range(0x2000, 0x200B))))
SPACE_SET = frozenset(" \t\r\n")
_WHITE_SET = frozenset(WHITE_CHARS)
_BOUNDARY = frozenset(" \t\r\n()[],'\"=<>!")
_NUMBER_START = frozenset("0123456789+-.")
FLOAT = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"

_WS = re.compile(r"[ \t\r\n]+")
_LEAD = re.compile(f"[{_WHITE}]+")
_WORD = re.compile(r"[\w.\-]+")
_NOT_SYNTAX = re.compile(f"[^{_WHITE}()=<>!]+")
_NUMBER = re.compile(FLOAT + r"\Z")

KEYWORDS = frozenset(("AND", "OR", "IN", "NOT", "TO", "EXISTS", "IS", "NULL", "EMPTY"))
KEYWORDS |= {"_geoRadius", "_geoBoundingBox"}
_MARKS = ("Mn", "Mc")


def span(fields: tuple[int, int, str]) -> Span:
    """A ``Span`` without the named-tuple constructor's overhead (it runs per value)."""
    return tuple.__new__(Span, fields)


def number(raw: str) -> float | None:
    """The finite float ``raw`` spells in the filter syntax, or None."""
    if raw[:1] not in _NUMBER_START or _NUMBER.match(raw) is None:
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def _run_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where the run of ``pattern`` starting at ``pos`` ends (``pos`` when there is none)."""
    match = pattern.match(text, pos)
    return match.end() if match else pos


class Lexer:
    """Token reads over one filter string; positions are char offsets into it."""

    __slots__ = ("n", "s")

    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)

    def ws(self, pos: int) -> int:
        """The position after the spaces, tabs, CRs and LFs at ``pos``."""
        s = self.s
        if pos < self.n and s[pos] in SPACE_SET and (match := _WS.match(s, pos)):
            return match.end()
        return pos

    def lead_end(self, pos: int) -> int:
        """The position after the Unicode white space at ``pos``: where a value there starts."""
        return _run_end(_LEAD, self.s, pos)

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
        """Whether ``word`` is written at ``pos`` as a whole word, not a prefix of a longer one."""
        if not self.s.startswith(word, pos):
            return False
        end = pos + len(word)
        return end == self.n or self.s[end] in _BOUNDARY or self.word_end(pos) == end

    def error(self, template: str, start: int) -> Failure:
        """A failure blaming the text from ``start`` to the end, quoted into ``template``."""
        return Failure(template.format(escape_debug(self.s[start:])), start, self.n)

    def value(self, pos: int) -> tuple[Value, int]:
        """A bare word or a quoted string, and the position after it and its trailing spaces.

        Raises ``Backtrack`` when no value starts here, ``Failure`` for errors no other
        reading could fix (unclosed quote, geo built-ins used as values).
        """
        s = self.s
        if s[pos : pos + 1] in _WHITE_SET:
            pos = self.lead_end(pos)
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
            if not raw or raw in KEYWORDS:
                self.not_a_value(pos, bool(raw))
        return Value(raw, number(raw), span((start, end, s))), self.ws(after)

    def not_a_value(self, pos: int, keyword: bool) -> None:
        """Raise the ``Backtrack`` for a missing value, or a keyword where a value was due."""
        blamed = _run_end(_NOT_SYNTAX, self.s, pos)
        shown = escape_debug(self.s[pos:blamed])
        if not shown:
            raise Backtrack(NO_VALUE, pos, pos)
        if keyword:
            raise Backtrack(KEYWORD_VALUE.format(shown), pos, blamed, keyword=True)
        raise Backtrack(BAD_VALUE.format(shown), pos, blamed)

    def reject_geo_value(self, pos: int) -> None:
        """Fail on the reserved ``_geo…`` names written where a value was due."""
        s = self.s
        for name in ("_geoPoint", "_geoDistance"):
            if s.startswith(name, pos):
                raise Failure(RESERVED_GEO.format(name), pos, self.n)
        word = s[pos : self.word_end(pos)]
        if word == "_geo":
            raise Failure(RESERVED_GEO.format(word), pos, self.n)
        if word in ("_geoRadius", "_geoBoundingBox"):
            raise Failure(MISUSED.format(word), pos, self.n)

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
                raise self.error(MALFORMED, start)
            index += 2 if char == "\\" else 1
        raise self.error(DELIMITER + quote + "`.", pos)

    def unescape(self, raw: str, quote: str, start: int, end: int) -> str:
        """Resolve ``\\<quote>``, then the other escape sequences."""
        try:
            return unescape(raw.replace("\\" + quote, quote))
        except BadNumber:
            message = BAD_ESCAPE_NUMBER
        except ValueError:
            message = MALFORMED
        raise Backtrack(message.format(escape_debug(self.s[start:end])), start, end)
