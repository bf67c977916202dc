from __future__ import annotations

import pytest

from lumi.text.normalizer import (
    CJ,
    CYRILLIC,
    GREEK,
    LATIN,
    OTHER,
    analyze,
    normalize,
    normalize_swedish,
    original_prefix_length,
    script_of,
)


@pytest.mark.parametrize(
    ("word", "normalized"),
    [
        ("Hello", "hello"),
        ("Café", "cafe"),
        ("Cafe\u0301", "cafe"),  # already decomposed
        ("ÜBER", "uber"),
        ("naïve", "naive"),
        ("Ærø", "aerø"),  # ø has no decomposition: it stays
        ("Œuvre", "oeuvre"),
        ("Đorđe", "dorde"),
        ("İstanbul", "istanbul"),
        ("ISPARTA", "isparta"),
        ("ılık", "ilik"),
        ("l’eau", "l'eau"),
        ("ﬁne", "fine"),
        ("ＡＢＣ", "abc"),
        ("①", "1"),
        ("ΟΔΟΣ", "οδοσ"),
        ("Σοφία", "σοφια"),
        ("й", "\u0438\u0306"),  # Cyrillic keeps its marks (decomposed)
        ("ПРИВЕТ", "привет"),
        ("שָׁלוֹם", "שלום"),
        ("أحمد", "احمد"),
        ("مدرسة", "مدرسه"),
        ("مستشفى", "مستشفي"),
        ("كتـــاب", "كتاب"),
        ("٣٤٥", "345"),
        ("۱۲۳", "123"),
        ("カタカナ", "かたかな"),
        ("ｶﾀｶﾅ", "かたかな"),
        ("中文", "中文"),
        ("a\x01b", "ab"),
        ("Åsa", "asa"),
    ],
)
def test_normalize(word: str, normalized: str) -> None:
    assert normalize(word) == normalized


@pytest.mark.parametrize(
    ("word", "normalized"),
    [
        ("Åsa", "åsa"),
        ("ÄPPLE", "äpple"),
        ("Öl", "öl"),
        ("a\u030angstrom", "ångstrom"),
        ("Café", "cafe"),  # other accents still fold
        ("Über", "uber"),
    ],
)
def test_normalize_swedish_keeps_a_ring_and_umlauts(word: str, normalized: str) -> None:
    assert normalize_swedish(word) == normalized


@pytest.mark.parametrize(
    ("piece", "form"),
    [
        ("The", "The"),  # case is kept: stop words are case-sensitive
        ("Café", "Cafe\u0301"),
        ("…", "..."),
        ("\u00a0", " "),
        ("a\x00b", "ab"),
    ],
)
def test_classification_form(piece: str, form: str) -> None:
    assert analyze(piece)[0] == form


@pytest.mark.parametrize(
    ("piece", "expected"),
    [
        ("word", ("word", "word", True)),
        ("\x01", ("", "", False)),
        ("\x0b", ("\x0b", "", True)),  # whitespace-only: takes a position, indexes nothing
        (" x ", (" x ", "x", True)),
    ],
)
def test_analyze_strips_and_reports_position_use(piece: str, expected: tuple) -> None:
    assert analyze(piece) == expected


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("hello", LATIN),
        ("123abc", LATIN),
        ("привет", CYRILLIC),
        ("σοφία", GREEK),
        ("中文", CJ),
        ("カナ", CJ),
        ("2024", OTHER),
    ],
)
def test_script_of(text: str, script: str) -> None:
    assert script_of(text) == script


@pytest.mark.parametrize(
    ("original", "length", "expected"),
    [
        ("Café", 3, 3),
        ("Café", 4, 4),
        ("Cafe\u0301s", 4, 5),  # the mark goes with its letter
        ("Œuvre", 1, 1),  # œ folds into two characters
        ("Œuvre", 3, 2),
        ("hello", 0, 0),
        ("hello", 9, 5),
    ],
)
def test_original_prefix_length(original: str, length: int, expected: int) -> None:
    assert original_prefix_length(original, length) == expected
