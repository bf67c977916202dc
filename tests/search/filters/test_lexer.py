from __future__ import annotations

import pytest

from lumi.search.filters.ast import Condition
from lumi.search.filters.expression import parse_expression
from lumi.search.filters.lexer import Lexer
from lumi.search.filters.syntax_errors import Backtrack
from tests.search.filters.trees import NOTHING, message_of

RESERVED_GEO = (
    "is a reserved keyword and thus can't be used as a filter expression. Use the "
    "`_geoRadius(latitude, longitude, distance)` or `_geoBoundingBox([latitude, longitude], "
    "[latitude, longitude])` built-in rules to filter on `_geo` coordinates."
)


# -- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "raw"),
    [
        ("director = 'Jordan Peele'", "director", "Jordan Peele"),
        ('director = "Tim Burton"', "director", "Tim Burton"),
        ("'my field' = x", "my field", "x"),
        ('"AND" = "OR"', "AND", "OR"),
        ("a = ''", "a", ""),
        ("a = ' spaced '", "a", " spaced "),
        ("a = 'cha)nnel'", "a", "cha)nnel"),
        ("a = 'cha\"nnel'", "a", 'cha"nnel'),
        ('a = "cha\'nnel"', "a", "cha'nnel"),
        (r'a = "Hello \"world\""', "a", 'Hello "world"'),
        (r"a = 'I\'m'", "a", "I'm"),
        (r'a = "\\"', "a", "\\"),
        (r'a = "\\\\\\"', "a", "\\\\\\"),
        (r'a = "aa\\aa"', "a", r"aa\aa"),
        (r'a = "Hello \\\"world\\\""', "a", r"Hello \"world\""),
        (r"a = 'Hello \\\'world\\\''", "a", r"Hello \'world\'"),
        (r'a = "\"\""', "a", '""'),
        (r'a = "tab\there\nnew\r\b\f\v"', "a", "tab\there\nnew\r\b\f\v"),
        (r'a = "\u0041\u{1F980}\x41\101\7\/"', "a", "A🦀AA\x07/"),
        (r'a = "\u{41"', "a", "A"),
        ("a = 2004-01-01", "a", "2004-01-01"),
        ("a = _private.x-y", "a", "_private.x-y"),
        ("a = café", "a", "café"),
        ("a = 中文", "a", "中文"),
        ("a = हिंदी", "a", "हिंदी"),
        ("a = ANDROID", "a", "ANDROID"),
    ],
)
def test_values(text: str, field: str, raw: str) -> None:
    tree = parse_expression(text)
    assert isinstance(tree, Condition)
    assert (tree.field, tree.values[0].raw) == (field, raw)


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("1", 1.0),
        ("-1.5", -1.5),
        ("+2", 2.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("1E-3", 0.001),
        ("0", 0.0),
        ("1e400", None),
        ("inf", None),
        ("NaN", None),
        ("1_000", None),
        ("0x10", None),
        ("١٢", None),
        ("2004-01-01", None),
        ("abc", None),
    ],
)
def test_numbers(raw: str, number: float | None) -> None:
    tree = parse_expression(f"a = '{raw}'")
    assert isinstance(tree, Condition)
    assert tree.values[0].number == number


@pytest.mark.parametrize(
    ("text", "pos", "raw", "number", "span", "after"),
    [
        ("abc def", 0, "abc", None, (0, 3), 4),
        ("x -1.5e3 ", 1, "-1.5e3", -1500.0, (2, 8), 9),
        ("  'x y'  z", 0, "x y", None, (3, 6), 9),
        ('"a\\"b" x', 0, 'a"b', None, (1, 5), 7),
        ("\u3000abc", 0, "abc", None, (1, 4), 4),
        ("हिंदी = x", 0, "हिंदी", None, (0, 5), 6),
    ],
)
def test_value_reads_one_value_and_the_spaces_after_it(
    text: str, pos: int, raw: str, number: float | None, span: tuple[int, int], after: int
) -> None:
    value, end = Lexer(text).value(pos)
    assert (value.raw, value.number, value.span[:2], end) == (raw, number, span, after)
    assert value.span.text == text


@pytest.mark.parametrize(
    ("text", "message", "span", "keyword"),
    [
        ("a = ", NOTHING, (4, 4), False),
        ("a = )", NOTHING, (4, 4), False),
        ("a = 🦀 x", "Was expecting a value but instead got `🦀`.", (4, 5), False),
        (
            "a = NULL)",
            "Was expecting a value but instead got `NULL`, which is a reserved keyword. "
            "To use `NULL` as a field name or a value, surround it by quotes.",
            (4, 8),
            True,
        ),
    ],
)
def test_missing_values_backtrack(
    text: str, message: str, span: tuple[int, int], keyword: bool
) -> None:
    with pytest.raises(Backtrack) as raised:
        Lexer(text).value(4)
    error = raised.value
    assert (error.message, (error.start, error.end), error.keyword) == (message, span, keyword)


@pytest.mark.parametrize(
    ("text", "word", "whole"),
    [
        ("OR", "OR", True),
        ("OR(a = 1)", "OR", True),
        ("OR\tb", "OR", True),
        ("ORDER", "OR", False),
        ("OR_x", "OR", False),
        ("ORé", "OR", False),
        ("OR🦀", "OR", True),
        ("AN", "AND", False),
    ],
)
def test_keywords_must_be_whole_words(text: str, word: str, whole: bool) -> None:
    assert Lexer(text).is_word(0, word) is whole


# -- value errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # missing or reserved values
        ("channel = ", f"{NOTHING}\n11:11 channel = "),
        ("a 1 TO ", f"{NOTHING}\n8:8 a 1 TO "),
        ("a = (b)", f"{NOTHING}\n5:5 a = (b)"),
        ("a == 1", f"{NOTHING}\n4:4 a == 1"),
        ("a = 🦀 AND b = 1", "Was expecting a value but instead got `🦀`.\n5:6 a = 🦀 AND b = 1"),
        (
            "OR",
            "Was expecting a value but instead got `OR`, which is a reserved keyword. "
            "To use `OR` as a field name or a value, surround it by quotes.\n1:3 OR",
        ),
        (
            "AND = 8",
            "Was expecting a value but instead got `AND`, which is a reserved keyword. "
            "To use `AND` as a field name or a value, surround it by quotes.\n1:4 AND = 8",
        ),
        (
            "x = EXISTS",
            "Was expecting a value but instead got `EXISTS`, which is a reserved keyword. "
            "To use `EXISTS` as a field name or a value, surround it by quotes.\n5:11 x = EXISTS",
        ),
        (
            "x CONTAINS IS",
            "Was expecting a value but instead got `IS`, which is a reserved keyword. "
            "To use `IS` as a field name or a value, surround it by quotes.\n12:14 x CONTAINS IS",
        ),
        # unclosed quotes
        (
            "channel = 'ponce",
            "Expression `\\'ponce` is missing the following closing delimiter: `'`."
            "\n11:17 channel = 'ponce",
        ),
        (
            'channel = "ponce',
            'Expression `\\"ponce` is missing the following closing delimiter: `"`.'
            '\n11:17 channel = "ponce',
        ),
        (
            'a = "x\\"',
            'Expression `\\"x\\\\\\"` is missing the following closing delimiter: `"`.'
            '\n5:9 a = "x\\"',
        ),
        (
            "colour IN ['blue, green",
            "Expression `\\'blue, green` is missing the following closing delimiter: `'`."
            "\n12:24 colour IN ['blue, green",
        ),
        # escapes
        ('a = "abc\\', 'Malformed value: `abc\\\\`.\n6:10 a = "abc\\'),
        ('a = "x\\q"', 'Malformed value: `x\\\\q`.\n6:9 a = "x\\q"'),
        ('a = "\\x4"', 'Malformed value: `\\\\x4`.\n6:9 a = "\\x4"'),
        ('a = "\\u{110000}"', 'Malformed value: `\\\\u{110000}`.\n6:16 a = "\\u{110000}"'),
        ('a = "\\uD800"', 'Malformed value: `\\\\uD800`.\n6:12 a = "\\uD800"'),
        (
            'a = "x\\u{zz}"',
            'Found an invalid escaped sequence number: `x\\\\u{zz}`.\n6:13 a = "x\\u{zz}"',
        ),
        ('a = "\\xzz"', 'Found an invalid escaped sequence number: `\\\\xzz`.\n6:10 a = "\\xzz"'),
        # reserved geo names
        ("_geo = 12", f"`_geo` {RESERVED_GEO}\n1:10 _geo = 12"),
        ("_geo(12, 13, 14)", f"`_geo` {RESERVED_GEO}\n1:17 _geo(12, 13, 14)"),
        ("_geoPoint(12, 13, 14)", f"`_geoPoint` {RESERVED_GEO}\n1:22 _geoPoint(12, 13, 14)"),
        ("_geoPointer = 1", f"`_geoPoint` {RESERVED_GEO}\n1:16 _geoPointer = 1"),
        (
            "position <= _geoPoint(12, 13, 14)",
            f"`_geoPoint` {RESERVED_GEO}\n13:34 position <= _geoPoint(12, 13, 14)",
        ),
        (
            "position <= _geoDistance(12, 13, 14)",
            f"`_geoDistance` {RESERVED_GEO}\n13:37 position <= _geoDistance(12, 13, 14)",
        ),
        (
            "position <= _geo(12, 13, 14)",
            f"`_geo` {RESERVED_GEO}\n13:29 position <= _geo(12, 13, 14)",
        ),
        ("a IN [1, _geo]", f"`_geo` {RESERVED_GEO}\n10:15 a IN [1, _geo]"),
        (
            "position <= _geoRadius(12, 13, 14)",
            "The `_geoRadius` filter is an operation and can't be used as a value."
            "\n13:35 position <= _geoRadius(12, 13, 14)",
        ),
        (
            "position <= _geoBoundingBox([1, 2], [3, 4])",
            "The `_geoBoundingBox` filter is an operation and can't be used as a value."
            "\n13:44 position <= _geoBoundingBox([1, 2], [3, 4])",
        ),
    ],
)
def test_value_errors(text: str, message: str) -> None:
    assert message_of(text) == message
