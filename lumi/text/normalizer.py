"""Case and accent folding, so that a word typed in a query and the same word in a document
reduce to one index key.

A segment of text goes through two stages, as in Charabia:

1. *Classification form*: Unicode compatibility decomposition (NFKD), Swedish recomposition of
   ``å ä ö`` when the text is Swedish, and removal of control characters (whitespace controls
   stay). Stop words and separators are recognised on this form, which is why stop words are
   case-sensitive (``"The"`` in ``stopWords`` does not remove ``"the"``), as in Meilisearch.
2. *Index form*: lowercase; ``œ æ`` become ``oe ae``, ``đ ð`` become ``d``, dotless ``ı``
   becomes ``i`` (dotted ``İ`` decomposes to ``I`` + a mark, hence ``i`` too); the curly single
   quotes ``’ ‘ ‛`` become ``'``; Greek ``ς`` becomes ``σ``; Arabic alef variants become ``ا``,
   ``ى`` becomes ``ي``, ``ة`` becomes ``ه`` and the tatweel disappears; Arabic-Indic and
   extended Arabic-Indic digits become ASCII digits; katakana become hiragana; and nonspacing
   marks (accents) are removed from Latin, Greek, Hebrew, Thai and Arabic words (``Café`` =
   ``cafe``, ``ü`` = ``u``), but kept elsewhere (Cyrillic ``й`` stays distinct from ``и``).

With Swedish text (``sv``/``swe`` among the locales) ``å ä ö`` are recomposed before the marks
are removed, so they stay distinct from ``a`` and ``o``; other accents still fold.

Folding is per segment, never dependent on the surrounding text, so a word normalizes the same
way in a document and in a query. Results are cached per segment.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Script codes. A segment's script is the script of its first character that has one.
OTHER = "0"
LATIN = "L"
GREEK = "R"
CYRILLIC = "C"
ARABIC = "A"
HEBREW = "H"
THAI = "I"
CJ = "J"  # Chinese ideographs and Japanese kana
HANGUL = "K"
KHMER = "X"

# Code point ranges per script, lowest precedence first (later lines overwrite earlier ones),
# following the character ranges Charabia uses to split text into script runs.
_SCRIPT_RANGES: tuple[tuple[str, str], ...] = (
    (KHMER, "1780-17FF 19E0-19FF"),
    ("Y", "1000-109F"),  # Myanmar
    ("S", "D80-DFF"),  # Sinhala
    ("O", "B00-B7F"),  # Oriya
    ("M", "D00-D7F"),  # Malayalam
    ("W", "C00-C7F"),  # Telugu
    ("P", "A00-A7F"),  # Gurmukhi
    ("U", "A80-AFF"),  # Gujarati
    (THAI, "E00-E7F"),
    ("T", "B80-BFF"),  # Tamil
    ("N", "C80-CFF"),  # Kannada
    (GREEK, "370-3FF 1F00-1FFF"),
    (
        CJ,
        "2E80-2E99 2E9B-2EF3 2F00-2FD5 3005 3007 3021-3029 3038-303B 3040-30FF 3400-4DB5 "
        "4E00-9FCC F900-FA6D FA70-FAD9",
    ),
    (HANGUL, "1100-11FF 3130-318F 3200-32FF A960-A97F AC00-D7AF D7B0-D7FF FF00-FFEF"),
    ("B", "980-9FF"),  # Bengali
    ("G", "10A0-10FF"),  # Georgian
    ("E", "1200-139F 2D80-2DDF AB00-AB2F"),  # Ethiopic
    (HEBREW, "590-5FF"),
    ("D", "900-97F A8E0-A8FF 1CD0-1CFF"),  # Devanagari
    (ARABIC, "600-6FF 750-7FF 8A0-8FF FB50-FDFF FE70-FEFF 10E60-10E7F 1EE00-1EEFF"),
    (CYRILLIC, "400-484 487-52F 1D2B 1D78 2DE0-2DFF A640-A69D A69F"),
    (
        LATIN,
        "41-5A 61-7A 80-24F 250-2AF 1D00-1DBF 1E00-1EFF 2100-214F 2C60-2C7F A720-A7FF AB30-AB6F",
    ),
)


def _script_table() -> str:
    """A string indexed by code point giving each character's script code (for str.translate)."""
    table = bytearray(OTHER.encode() * 0x110000)
    for code, ranges in _SCRIPT_RANGES:
        for item in ranges.split():
            first, _, last = item.partition("-")
            start, end = int(first, 16), int(last or first, 16) + 1
            table[start:end] = code.encode() * (end - start)
    return table.decode("ascii")


SCRIPT_TABLE = _script_table()

# Scripts whose nonspacing marks are dropped.
_MARK_SCRIPTS = frozenset((LATIN, GREEK, HEBREW, THAI, ARABIC))


def _nonspacing_marks() -> re.Pattern[str]:
    """A regex for runs of nonspacing marks (category Mn), built from the running Unicode data."""
    points = [cp for cp in range(0x20000) if unicodedata.category(chr(cp)) == "Mn"]
    points.extend(range(0xE0100, 0xE01F0))  # variation selectors supplement
    parts = []
    start = prev = points[0]
    for cp in [*points[1:], -1]:
        if cp != prev + 1:
            parts.append(chr(start) if start == prev else f"{chr(start)}-{chr(prev)}")
            start = cp
        prev = cp
    return re.compile("[" + "".join(parts) + "]+")


_MARKS = _nonspacing_marks()
# Control characters except the whitespace ones (tab, line feed, VT, FF, CR, NEL).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]+")

_SWEDISH = (
    ("a\u030a", "å"),
    ("A\u030a", "Å"),
    ("a\u0308", "ä"),
    ("A\u0308", "Ä"),
    ("o\u0308", "ö"),
    ("O\u0308", "Ö"),
)


def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {
        ord("œ"): "oe",
        ord("æ"): "ae",
        ord("đ"): "d",
        ord("ð"): "d",
        ord("ı"): "i",
        ord("’"): "'",
        ord("‘"): "'",
        ord("‛"): "'",
        ord("ς"): "σ",
        ord("أ"): "ا",
        ord("إ"): "ا",
        ord("آ"): "ا",
        ord("ٱ"): "ا",
        ord("ى"): "ي",
        ord("ة"): "ه",
        ord("ـ"): None,
    }
    for digit in range(10):
        table[0x0660 + digit] = str(digit)
        table[0x06F0 + digit] = str(digit)
    for katakana in range(0x30A1, 0x30F7):
        table[katakana] = chr(katakana - 0x60)
    return table


_FOLD = _fold_table()


def script_of(text: str) -> str:
    """The script code of the first character of ``text`` that belongs to a script."""
    codes = text.translate(SCRIPT_TABLE).lstrip(OTHER)
    return codes[0] if codes else OTHER


def _fold(piece: str, swedish: bool) -> tuple[str, str]:
    """``(classification form, folded form)``, the latter not yet stripped."""
    if piece.isascii():
        form = _CONTROLS.sub("", piece) if _CONTROLS.search(piece) else piece
        return form, form.lower()
    form = unicodedata.normalize("NFKD", piece)
    if swedish:
        for decomposed, composed in _SWEDISH:
            form = form.replace(decomposed, composed)
    form = _CONTROLS.sub("", form)
    folded = form.lower().translate(_FOLD)
    if script_of(piece) in _MARK_SCRIPTS:
        folded = _MARKS.sub("", folded)
    return form, folded


def fold_piece(piece: str, swedish: bool = False) -> tuple[str, str, bool]:
    """``(classification form, index form, occupies a position)`` for one segment.

    The index form is stripped of surrounding whitespace; a segment whose folded form is not
    empty still occupies a word position even if nothing of it gets indexed."""
    form, folded = _fold(piece, swedish)
    return form, folded.strip(), bool(folded)


# Segments longer than this are folded without the cache, which would otherwise keep big
# unsplittable strings (encoded blobs, long URLs) alive.
CACHED_PIECE_LENGTH = 64


@lru_cache(maxsize=200_000)
def analyze(piece: str) -> tuple[str, str, bool]:
    """``fold_piece`` with a cache; meant for segments up to ``CACHED_PIECE_LENGTH``."""
    return fold_piece(piece, False)


@lru_cache(maxsize=50_000)
def analyze_swedish(piece: str) -> tuple[str, str, bool]:
    """``analyze`` for Swedish text: ``å ä ö`` stay distinct letters."""
    return fold_piece(piece, True)


def normalize(text: str) -> str:
    """The index form of one word: what the index stores and what a query word is looked up as."""
    if len(text) > CACHED_PIECE_LENGTH:
        return fold_piece(text)[1]
    return analyze(text)[1]


def normalize_swedish(text: str) -> str:
    """``normalize`` for Swedish text."""
    if len(text) > CACHED_PIECE_LENGTH:
        return fold_piece(text, True)[1]
    return analyze_swedish(text)[1]


def original_prefix_length(original: str, normalized_length: int, swedish: bool = False) -> int:
    """How many characters of ``original`` produce the first ``normalized_length`` characters of
    its index form; highlighting a prefix match uses it to wrap only the matched part.

    Approximate where one original character folds into several (``œ``) or none (a mark)."""
    if normalized_length <= 0:
        return 0
    mark_script = script_of(original) in _MARK_SCRIPTS
    produced = 0
    for index, char in enumerate(original):
        is_mark = unicodedata.category(char) == "Mn"
        if produced >= normalized_length and not is_mark:
            return index
        if not (is_mark and mark_script):
            produced += len(_fold(char, swedish)[1])
    return len(original)
