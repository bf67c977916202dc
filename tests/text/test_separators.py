from __future__ import annotations

import pytest

from lumi.text.separators import (
    DEFAULT_SEPARATORS,
    HARD,
    SOFT,
    separator_kind,
    separator_set,
    split_pattern,
)


@pytest.mark.parametrize(
    ("char", "separates"),
    [
        (" ", True),
        ("\t", True),
        ("\n", True),
        ("-", True),
        ("_", True),
        ("'", True),
        ('"', True),
        (":", True),
        ("/", True),
        ("\\", True),
        ("@", True),
        ("+", True),
        ("*", True),
        ("#", True),
        ("(", True),
        ("`", True),
        ("—", True),
        ("’", True),
        ("«", True),
        ("。", True),
        ("，", True),
        ("\u3000", True),
        ("\U00010100", True),
        # Left out of Charabia's table: they stay inside words.
        ("|", False),
        ("=", False),
        ("~", False),
        ("^", False),
        ("$", False),
        ("<", False),
        ("\u00a0", False),
        ("→", False),
        ("a", False),
        ("1", False),
    ],
)
def test_default_separators(char: str, separates: bool) -> None:
    assert (char in DEFAULT_SEPARATORS) is separates


@pytest.mark.parametrize(
    ("separator", "kind"),
    [
        (". ", HARD),
        (", ", HARD),
        ("!", HARD),
        ("?", HARD),
        (";", HARD),
        ("¿", HARD),
        ("。", HARD),
        ("、", HARD),
        ("؟", HARD),
        (".", SOFT),
        (",", SOFT),
        (":", SOFT),
        ("(", SOFT),
        ("]", SOFT),
        ("-", SOFT),
        (" ", SOFT),
        ("|", SOFT),
    ],
)
def test_separator_kind(separator: str, kind: str) -> None:
    assert separator_kind(separator) == kind


def test_separator_set_adds_and_removes() -> None:
    separators = separator_set(extra=["|", "&&", ""], removed=["+", "#", "&&"])
    assert "|" in separators
    assert "+" not in separators
    assert "#" not in separators
    assert "&&" not in separators  # removal wins
    assert "" not in separators
    assert " " in separators


@pytest.mark.parametrize(
    ("dictionary", "text", "parts"),
    [
        ((), "a b", ["a", " ", "b"]),
        ((), "end. Next", ["end", ". ", "Next"]),
        ((), "3.14", ["3", ".", "14"]),
        ((), "x, y,z", ["x", ", ", "y", ",", "z"]),
        ((), "a\U00010100b", ["a", "\U00010100", "b"]),
        (("J.R.R.",), "J.R.R. Tolkien", ["", "J.R.R.", "", " ", "Tolkien"]),
        # The longest entry starting at the leftmost match wins.
        (("J.R", "J.R.R."), "J.R.R. J.R. x", ["", "J.R.R.", "", " ", "", "J.R", "", ". ", "x"]),
        # Dictionary entries are found inside words too, like Aho-Corasick does.
        (("ice",), "police", ["pol", "ice", ""]),
    ],
)
def test_split_is_leftmost_longest(
    dictionary: tuple[str, ...], text: str, parts: list[str]
) -> None:
    assert split_pattern(DEFAULT_SEPARATORS, dictionary).split(text) == parts


def test_split_with_custom_multi_character_separator() -> None:
    pattern = split_pattern(separator_set(["&sep&"], []))
    assert pattern.split("one&sep&two & three") == [
        "one",
        "&sep&",
        "two",
        " ",
        "",
        "&",
        "",
        " ",
        "three",
    ]


def test_split_without_any_separator_keeps_text_whole() -> None:
    assert split_pattern(frozenset()).split("a b") == ["a b"]
