from __future__ import annotations

import pytest

from lumi.search.filters.syntax_errors import Failure, escape_debug
from tests.search.filters.trees import EOF_HINT, OPS, message_of


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text", "plain text"),
        ("it's", "it\\'s"),
        ('"q"', '\\"q\\"'),
        ("a\tb\nc\rd\0", "a\\tb\\nc\\rd\\0"),
        ("back\\slash", "back\\\\slash"),
        ("bell\x07", "bell\\u{7}"),
        # A combining mark is escaped only where it has nothing to combine with.
        ("\u0301x", "\\u{301}x"),
        ("x\u0301", "x\u0301"),
        ("é 🦀 中文", "é 🦀 中文"),
    ],
)
def test_escape_debug(text: str, shown: str) -> None:
    assert escape_debug(text) == shown


@pytest.mark.parametrize(
    ("start", "end", "text", "message"),
    [
        (14, 31, "title = Glass XOR title = Glass", "m\n15:32 title = Glass XOR title = Glass"),
        (3, 3, "a =", "m\n4:4 a ="),
        (10, 11, "a = 1 AND\nb", "m\n1:2 a = 1 AND\nb"),
    ],
)
def test_full_message_adds_the_position_line(start: int, end: int, text: str, message: str) -> None:
    assert Failure("m", start, end).full_message(text) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # columns restart on each line; the message escapes control characters
        ("a = 1 AND\nb", OPS + "at `b`.\n1:2 a = 1 AND\nb"),
        (
            "a = 1 XOR\nb",
            f"Found unexpected characters at the end of the filter: `XOR\\nb`. {EOF_HINT}"
            "\n7:12 a = 1 XOR\nb",
        ),
        (
            "a = 1 )\t",
            f"Found unexpected characters at the end of the filter: `)\\t`. {EOF_HINT}"
            "\n7:9 a = 1 )\t",
        ),
    ],
)
def test_messages_as_users_see_them(text: str, message: str) -> None:
    assert message_of(text) == message
