from __future__ import annotations

import pytest

from lumi.search.filters.escapes import BadNumber, unescape


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("plain", "plain"),
        (r"\\", "\\"),
        (r"a\nb", "a\nb"),
        (r"\t\r\b\f\v", "\t\r\b\f\v"),
        (r"\'\"\/", "'\"/"),
        (r"\u0041", "A"),
        (r"\u{1F980}", "🦀"),
        # An unclosed brace runs to the end of the value.
        (r"\u{41", "A"),
        (r"\x41", "A"),
        (r"\xFF", "\xff"),
        (r"\x+1", "\x01"),
        (r"\101", "A"),
        (r"\7", "\x07"),
        (r"\0", "\0"),
        (r"\377", "\xff"),
        # Three octal digits only up to \377; the rest is text.
        (r"\477", "'7"),
        (r"\18", "\x018"),
    ],
)
def test_escapes_resolve(raw: str, text: str) -> None:
    assert unescape(raw) == text


@pytest.mark.parametrize("raw", [r"\q", "\\", r"x\x4", r"\u004", r"\u{110000}", r"\uD800"])
def test_malformed_escapes(raw: str) -> None:
    with pytest.raises(ValueError) as raised:
        unescape(raw)
    assert not isinstance(raised.value, BadNumber)


@pytest.mark.parametrize("raw", [r"\u{zz}", r"\xzz", r"\u{}", r"\u{100000000}", r"\u00G0"])
def test_escaped_numbers_that_do_not_parse(raw: str) -> None:
    with pytest.raises(BadNumber):
        unescape(raw)
