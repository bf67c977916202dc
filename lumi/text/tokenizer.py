"""Splitting text into words and separators, with the word positions proximity works on.

The same tokenizer runs on documents (indexing), on queries and on highlighted attributes, so
the three always agree on what a word is.

Segmentation, in order:

1. Separators and ``dictionary`` entries are found leftmost-longest (see ``separators``); each
   match is one token and is never cut further (``J.R.R.`` in the dictionary stays one word).
2. The text between matches is split where the script changes (``Python库`` → ``Python``,
   ``库``); characters without a script (digits, symbols, emoji) stay with their neighbours.
3. Runs of Chinese/Japanese script are cut into words (see ``cjk``); Arabic words starting with
   the article ``ال`` (or a variant with hamza or madda) are split after it; Thai, Khmer and
   Korean runs stay whole (no dictionary segmentation for them); camelCase words are split only
   when ``TextConfig.camel_case`` is set, because Meilisearch ships with that split turned off
   (``iPhone`` is one word, ``iphone``).
4. Every token is classified on its decomposed form (see ``normalizer``): a stop word, else a
   separator if that form is in the separator set (so ``…``, which decomposes to ``...``, ends
   up a word), else a word.

Positions (the rule of Meilisearch's indexer): the first word is at 0; each next word is at the
previous word's position + 8 when at least one hard separator lies between them, + 1 otherwise
(soft separators only, or none as between two Chinese words). Separators before the first
word count for nothing. Stop words and words longer than 250 bytes take a position but are not
indexed. Tokens whose folded form is empty (a lone control character) take no position.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from lumi.text import cjk
from lumi.text.normalizer import (
    ARABIC,
    CACHED_PIECE_LENGTH,
    CJ,
    LATIN,
    OTHER,
    SCRIPT_TABLE,
    analyze,
    analyze_swedish,
    fold_piece,
)
from lumi.text.separators import (
    DEFAULT_SEPARATORS,
    DEFAULT_SPLIT,
    HARD,
    HARD_SEPARATORS,
    SOFT,
    separator_set,
    split_pattern,
)

WORD = "word"
SEPARATOR = "separator"
MAX_WORD_BYTES = 250
SOFT_DISTANCE = 1
HARD_DISTANCE = 8
_SURELY_SHORT = MAX_WORD_BYTES // 4  # no UTF-8 character takes more than 4 bytes

_SWEDISH = frozenset(("sv", "swe"))
_ARTICLES = ("ال", "أل", "إل", "آل", "ٱل")


@dataclass(frozen=True, slots=True)
class TextConfig:
    """Index settings that change tokenization; hashable so tokenizers can be shared."""

    separators: tuple[str, ...] = ()  # separatorTokens
    non_separators: tuple[str, ...] = ()  # nonSeparatorTokens
    dictionary: tuple[str, ...] = ()
    stop_words: frozenset[str] = frozenset()  # stopWords, as written (case-sensitive)
    locales: tuple[str, ...] = ()  # ISO 639-1 or 639-3 codes
    camel_case: bool = False  # split camelCase words (off in Meilisearch)


class Token(NamedTuple):
    """One word or separator, with its place in the original string.

    ``text`` is the index form for words and the decomposed form for separators. Offsets are
    into the original string: characters for Python slicing, UTF-8 bytes for
    ``_matchesPosition``. A separator carries the position of the word before it."""

    kind: str  # WORD or SEPARATOR
    text: str
    original: str
    char_start: int
    char_end: int
    byte_start: int
    byte_len: int
    position: int
    is_stop_word: bool = False
    separator_kind: str | None = None  # SOFT or HARD for separators
    too_long: bool = False  # longer than MAX_WORD_BYTES: not indexed, matched exactly only


_ASCII_SEPARATORS = sorted(s for s in DEFAULT_SEPARATORS if len(s) == 1 and s.isascii())
# In pure-ASCII text: a word, or a hard separator (soft ones are skipped over).
_ASCII_TOKENS = re.compile(
    "[^" + "".join(re.escape(s) for s in _ASCII_SEPARATORS) + "]+|[!;?]|[.,] "
)
# ASCII controls other than tab, line feed and carriage return need the general path.
_ASCII_UNUSUAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASCII_HARD_FIRST = "!;?.,"


class Tokenizer:
    """Tokenizer for one ``TextConfig``; build it once (``tokenizer_for``) and reuse it."""

    __slots__ = (
        "_analyze",
        "_camel",
        "_distances",
        "_fast",
        "_separators",
        "_split",
        "_stop",
        "_swedish",
        "config",
    )

    def __init__(self, config: TextConfig = TextConfig()) -> None:
        self.config = config
        self._swedish = not _SWEDISH.isdisjoint(locale.lower() for locale in config.locales)
        self._analyze = analyze_swedish if self._swedish else analyze
        custom = bool(config.separators or config.non_separators)
        self._separators = (
            separator_set(config.separators, config.non_separators)
            if custom
            else DEFAULT_SEPARATORS
        )
        self._split = (
            split_pattern(self._separators, config.dictionary).split
            if custom or config.dictionary
            else DEFAULT_SPLIT.split
        )
        self._stop = frozenset(form for word in config.stop_words if (form := self._fold(word)[0]))
        self._camel = config.camel_case
        self._fast = not (custom or config.dictionary or config.camel_case)
        # Word distance of each separator string as written, when it still classifies as a
        # separator once decomposed: a shortcut past the normalizer for most segments.
        self._distances: dict[str, int] = {}
        for separator in self._separators:
            distance = self._distance(self._fold(separator)[0])
            if distance:
                self._distances[separator] = distance

    def _fold(self, piece: str) -> tuple[str, str, bool]:
        """``fold_piece`` under this tokenizer's locales, cached for short segments."""
        if len(piece) > CACHED_PIECE_LENGTH:
            return fold_piece(piece, self._swedish)
        return self._analyze(piece)

    def _distance(self, form: str) -> int:
        """8 for a hard separator, 1 for a soft one, 0 for a word or stop word."""
        if form not in self._separators or form in self._stop:
            return 0
        return HARD_DISTANCE if form in HARD_SEPARATORS else SOFT_DISTANCE

    def normalize(self, word: str) -> str:
        """The index form of one word under this tokenizer's locales."""
        return self._fold(word)[1]

    def words(self, text: str) -> list[tuple[str, int]]:
        """``(index form, position)`` of every indexable word: the indexing hot path.

        Stop words and words over ``MAX_WORD_BYTES`` are left out but keep their position."""
        if self._fast and text.isascii() and _ASCII_UNUSUAL.search(text) is None:
            return self._ascii_words(text)
        return self._general_words(text)

    def _ascii_words(self, text: str) -> list[tuple[str, int]]:
        stop = self._stop
        check_length = len(text) > MAX_WORD_BYTES
        out: list[tuple[str, int]] = []
        append = out.append
        position = -1
        hard = False
        for token in _ASCII_TOKENS.findall(text if stop else text.lower()):
            if token[0] in _ASCII_HARD_FIRST:
                hard = True
                continue
            position += HARD_DISTANCE if hard and position >= 0 else SOFT_DISTANCE
            hard = False
            if stop:
                if token in stop:
                    continue
                token = token.lower()
            if check_length and len(token) > MAX_WORD_BYTES:
                continue
            append((token, position))
        return out

    def _general_words(self, text: str) -> list[tuple[str, int]]:
        analyze_piece = self._analyze
        distances = self._distances
        stop = self._stop
        out: list[tuple[str, int]] = []
        position = 0
        gap = 0  # distance to the next word: 0 before the first word, then 1 or 8
        started = False
        for piece in self._pieces(text):
            distance = distances.get(piece)
            if distance is None:
                if len(piece) > CACHED_PIECE_LENGTH:
                    form, lemma, occupies = fold_piece(piece, self._swedish)
                else:
                    form, lemma, occupies = analyze_piece(piece)
                distance = self._distance(form)
            if distance:
                if started and (distance == HARD_DISTANCE or gap != HARD_DISTANCE):
                    gap = distance
                continue
            started = True
            if not occupies:
                continue
            position += gap
            gap = SOFT_DISTANCE
            if (
                lemma
                and form not in stop
                and (
                    len(lemma) <= _SURELY_SHORT
                    or len(lemma.encode("utf-8", "surrogatepass")) <= MAX_WORD_BYTES
                )
            ):
                out.append((lemma, position))
        return out

    def tokens(self, text: str) -> list[Token]:
        """Every word and separator of ``text`` in order, with offsets and positions.

        Stop words are kept (flagged) so a query can keep them inside phrases; segments whose
        index form is empty are left out."""
        ascii_text = text.isascii()
        out: list[Token] = []
        position = 0
        gap = 0
        started = False
        char_start = byte_start = 0
        for piece in self._pieces(text):
            char_end = char_start + len(piece)
            byte_len = len(piece) if ascii_text else len(piece.encode("utf-8", "surrogatepass"))
            form, lemma, occupies = self._fold(piece)
            distance = self._distance(form)
            if distance:
                if started and (distance == HARD_DISTANCE or gap != HARD_DISTANCE):
                    gap = distance
                kind = HARD if distance == HARD_DISTANCE else SOFT
                span = (char_start, char_end, byte_start, byte_len, position)
                out.append(Token(SEPARATOR, form, piece, *span, separator_kind=kind))
            else:
                started = True
                if occupies:
                    position += gap
                    gap = SOFT_DISTANCE
                    if lemma:
                        span = (char_start, char_end, byte_start, byte_len, position)
                        flags = (form in self._stop, None, _too_long(lemma))
                        out.append(Token(WORD, lemma, piece, *span, *flags))
            char_start = char_end
            byte_start += byte_len
        return out

    def _pieces(self, text: str) -> list[str]:
        """Contiguous segments covering ``text``: separator and dictionary matches whole, the
        text between them cut by script and language."""
        pieces: list[str] = []
        matched = False
        for part in self._split(text):
            if part:
                if matched or (part.isascii() and not self._camel):
                    pieces.append(part)
                else:
                    pieces.extend(self._segment(part))
            matched = not matched
        return pieces

    def _segment(self, run: str) -> list[str]:
        """Cut text that holds no separator at script changes, then per script."""
        codes = run.translate(SCRIPT_TABLE)
        scripts = set(codes)
        scripts.discard(OTHER)
        if len(scripts) <= 1:
            return self._segment_script(run, scripts.pop() if scripts else OTHER)
        pieces: list[str] = []
        start = 0
        current = OTHER
        for index, code in enumerate(codes):
            if code != OTHER and code != current:
                if current != OTHER:
                    pieces.extend(self._segment_script(run[start:index], current))
                    start = index
                current = code
        pieces.extend(self._segment_script(run[start:], current))
        return pieces

    def _segment_script(self, run: str, script: str) -> list[str]:
        if script == CJ:
            return cjk.segment(run)
        if script == ARABIC and len(run) > 2 and run.startswith(_ARTICLES):
            return [run[:2], run[2:]]
        if script == LATIN and self._camel:
            return _split_camel_case(run)
        return [run]


def _too_long(lemma: str) -> bool:
    """Longer than MAX_WORD_BYTES in UTF-8."""
    return (
        len(lemma) > _SURELY_SHORT and len(lemma.encode("utf-8", "surrogatepass")) > MAX_WORD_BYTES
    )


def _split_camel_case(word: str) -> list[str]:
    """Cut before an uppercase letter that follows a lowercase one, or that starts a
    capitalised word after an all-caps run: ``openSSLError`` → ``open SSL Error``."""
    pieces: list[str] = []
    start = 0
    previous_lower = word[:1].islower()
    for index in range(1, len(word)):
        char = word[index]
        if unicodedata.category(char) == "Mn":
            continue
        if char.isupper() and (previous_lower or word[index + 1 : index + 2].islower()):
            pieces.append(word[start:index])
            start = index
        previous_lower = char.islower()
    pieces.append(word[start:])
    return pieces


@lru_cache(maxsize=64)
def tokenizer_for(config: TextConfig) -> Tokenizer:
    """The shared tokenizer for ``config``."""
    return Tokenizer(config)
