"""Turning a Rhai script into tokens.

Tokens are plain tuples ``(kind, value, position)`` so the parser can compare kinds cheaply.
Kinds: ``int``, ``float``, ``str``, ``tpl`` (a backtick template, value = list of literal
text and ``${...}`` source pieces), ``id``, ``kw``, ``op`` and ``eof``.
"""

from __future__ import annotations

import re
from typing import Any

Token = tuple[str, Any, int]


class RhaiError(Exception):
    """A script that cannot be compiled or fails while running."""


KEYWORDS = frozenset(
    {"let", "const", "if", "else", "for", "in", "while", "loop", "break", "continue", "true"}
    | {"false"}
)
_OPERATORS = sorted(
    [
        "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "#{",
        "(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "+", "-", "*", "/", "%",
        "!", "<", ">", "=",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_SPACE = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)+", re.S)
_NUMBER = re.compile(r"\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
_ESCAPES["$"] = "$"
_ESCAPES["`"] = "`"


def where(source: str, position: int) -> str:
    """``(line L, position P)`` as scripts are read by people, both counted from 1."""
    line = source.count("\n", 0, position) + 1
    column = position - (source.rfind("\n", 0, position) + 1) + 1
    return f"(line {line}, position {column})"


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos, end = 0, len(source)
    while True:
        space = _SPACE.match(source, pos)
        if space:
            pos = space.end()
        if pos >= end:
            tokens.append(("eof", None, pos))
            return tokens
        char = source[pos]
        if char.isdigit():
            pos = _number(source, pos, tokens)
        elif char == "_" or char.isalpha():
            match = _IDENT.match(source, pos)
            if match is None:
                raise RhaiError(f"Unexpected character `{char}` {where(source, pos)}")
            word = match.group()
            tokens.append(("kw" if word in KEYWORDS else "id", word, pos))
            pos = match.end()
        elif char == '"':
            text, after = _string(source, pos + 1, '"')
            tokens.append(("str", text, pos))
            pos = after
        elif char == "`":
            parts, after = _template(source, pos + 1)
            tokens.append(("tpl", parts, pos))
            pos = after
        else:
            pos = _operator(source, pos, tokens)


def _number(source: str, pos: int, tokens: list[Token]) -> int:
    match = _NUMBER.match(source, pos)
    assert match is not None  # a digit always matches
    text = match.group().replace("_", "")
    if match.group(1) or match.group(2):
        tokens.append(("float", float(text), pos))
    else:
        tokens.append(("int", int(text), pos))
    return match.end()


def _operator(source: str, pos: int, tokens: list[Token]) -> int:
    for op in _OPERATORS:
        if source.startswith(op, pos):
            tokens.append(("op", op, pos))
            return pos + len(op)
    raise RhaiError(f"Unexpected character `{source[pos]}` {where(source, pos)}")


def _escape(source: str, pos: int) -> tuple[str, int]:
    """The character an escape starting after ``\\`` at ``pos`` stands for."""
    if pos >= len(source):
        raise RhaiError(f"Unterminated string {where(source, pos)}")
    char = source[pos]
    if char in _ESCAPES:
        return _ESCAPES[char], pos + 1
    if char in "xuU":
        size = {"x": 2, "u": 4, "U": 8}[char]
        digits = source[pos + 1 : pos + 1 + size]
        try:
            return chr(int(digits, 16)), pos + 1 + size
        except ValueError:
            pass
    raise RhaiError(f"Invalid escape sequence `\\{char}` {where(source, pos)}")


def _string(source: str, pos: int, quote: str) -> tuple[str, int]:
    out: list[str] = []
    start = pos
    while pos < len(source):
        char = source[pos]
        if char == quote:
            return "".join(out), pos + 1
        if char == "\\":
            text, pos = _escape(source, pos + 1)
            out.append(text)
            continue
        out.append(char)
        pos += 1
    raise RhaiError(f"Unterminated string {where(source, start - 1)}")


def _template(source: str, pos: int) -> tuple[list[tuple[bool, str, int]], int]:
    """Parts of a backtick string: ``(False, text, at)`` literals, ``(True, code, at)``
    interpolations whose code is compiled by the parser."""
    parts: list[tuple[bool, str, int]] = []
    text: list[str] = []
    start = pos
    while pos < len(source):
        char = source[pos]
        if char == "`":
            if text:
                parts.append((False, "".join(text), start))
            return parts, pos + 1
        if char == "$" and source.startswith("${", pos):
            if text:
                parts.append((False, "".join(text), start))
                text = []
            close = _closing_brace(source, pos + 2)
            parts.append((True, source[pos + 2 : close], pos + 2))
            pos = close + 1
            continue
        if char == "\\":
            escaped, pos = _escape(source, pos + 1)
            text.append(escaped)
            continue
        text.append(char)
        pos += 1
    raise RhaiError(f"Unterminated string {where(source, start - 1)}")


def _closing_brace(source: str, pos: int) -> int:
    """Where the ``}`` ending an interpolation is, skipping nested braces and strings."""
    depth = 0
    while pos < len(source):
        char = source[pos]
        if char == '"':
            pos = _string(source, pos + 1, '"')[1]
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    raise RhaiError(f"Open string interpolation is missing `}}` {where(source, pos)}")
