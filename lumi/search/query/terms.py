"""Query terms and what each one matches: exact words, typos, prefix, synonyms, n-grams,
splits; the documents matching a term at each typo level; ``MatchingWords`` for highlighting.

A term matches at typo level 0 through the word itself, its one-word synonyms, its
multi-word synonyms (as phrases), the words it is a prefix of (last term only) and n-grams
of earlier terms that cover it; at level 1 through one-typo words, the 2-gram it starts and
its split into two adjacent words; at level 2 through two-typo words and the 3-gram it
starts. The level is what the ``typo`` rule counts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from pyroaring import BitMap

from lumi.search.query.postings import PostingReader

MAX_WORD_BYTES = 250
Span = tuple[int, int]  # first and last packed position (fid << 16 | position) of a match


@dataclass(slots=True)
class Term:
    """One query term (a word or a phrase) and its derivations."""

    index: int
    text: str  # the word, or a phrase's words joined by spaces
    prefix: bool = False
    phrase: tuple[str | None, ...] | None = None
    max_typos: int = 0  # the highest typo level any derivation costs
    exact: list[str] = field(default_factory=list)  # the word itself when indexed
    zero: list[str] = field(default_factory=list)  # one-word synonyms, covering n-grams
    prefix_key: str | None = None  # a word_prefix_docids key covering the prefix words
    prefix_words: list[str] = field(default_factory=list)
    one: list[str] = field(default_factory=list)  # one-typo words
    two: list[str] = field(default_factory=list)  # two-typo words
    typo_prefixes: list[tuple[str, int]] = field(default_factory=list)  # (prefix, level)
    phrases: list[tuple[tuple[str | None, ...], int]] = field(default_factory=list)
    ngrams: list[tuple[str, int]] = field(default_factory=list)  # (word, level) it starts
    _levels: list[BitMap] | None = None

    def words_at(self, level: int) -> list[str]:
        """Single words matching at ``level`` (used by the per-word ranking rules)."""
        if level == 0:
            return self.exact + self.zero + self.prefix_words
        words = self.one if level == 1 else self.two
        return words + [word for word, cost in self.ngrams if cost == level]

    def all_words(self) -> list[str]:
        return self.words_at(0) + self.words_at(1) + self.words_at(2)

    def levels(self, reader: PostingReader) -> list[BitMap]:
        """Documents matching this term at typo level 0, 1 and 2 (not exclusive)."""
        if self._levels is None:
            self._levels = [self._level(reader, level) for level in range(3)]
        return self._levels

    def docids(self, reader: PostingReader) -> BitMap:
        first, second, third = self.levels(reader)
        return BitMap.union(first, second, third)

    def exact_docids(self, reader: PostingReader) -> BitMap:
        """Documents containing the term exactly (no typo, prefix or synonym)."""
        if self.phrase is not None:
            return self.levels(reader)[0]
        return BitMap.union(BitMap(), *(reader.word(word) for word in self.exact))

    def _level(self, reader: PostingReader, level: int) -> BitMap:
        if self.phrase is not None:
            return phrase_docids(reader, self.phrase) if level == 0 else BitMap()
        parts: list[BitMap] = []
        if level == 0:
            words = self.exact + self.zero
            if self.prefix_key is None:
                words += self.prefix_words
            else:
                parts.append(reader.prefix(self.prefix_key))
            parts.extend(reader.word(word) for word in words)
        else:
            typos = self.one if level == 1 else self.two
            parts.extend(reader.word(word, typo=True) for word in typos)
            parts.extend(reader.word(word) for word, cost in self.ngrams if cost == level)
        for words_alternative, cost in self.phrases:
            if cost == level:
                parts.append(phrase_docids(reader, words_alternative))
        return BitMap.union(BitMap(), *parts)


def phrase_docids(reader: PostingReader, words: tuple[str | None, ...]) -> BitMap:
    """Documents containing ``words`` at consecutive positions of one field (``None`` fits
    any word). Pairs of adjacent words narrow the candidates; phrases with gaps or more than
    two words are checked against the documents' positions when few enough remain."""
    present = [(offset, word) for offset, word in enumerate(words) if word is not None]
    if not present:
        return BitMap()
    found = BitMap(reader.word(present[0][1]))
    for _, word in present[1:]:
        found &= reader.word(word)
    for (offset, word), (next_offset, next_word) in itertools.pairwise(present):
        if next_offset == offset + 1 and found:
            found &= reader.pair(word, next_word)
    exact_pairs = len(present) == 2 and present[1][0] == 1
    if len(present) == 1 or exact_pairs or len(found) > _VERIFY_LIMIT:
        return found
    return BitMap(docid for docid in found if phrase_spans(reader.record(docid)[0], words))


_VERIFY_LIMIT = 5_000


def phrase_spans(positions: dict[str, list[int]], phrase: tuple[str | None, ...]) -> list[Span]:
    """``(first, last)`` packed positions of each occurrence of ``phrase`` in a document's
    position record (``None`` fits any word; a phrase never crosses fields)."""
    present = [(offset, word) for offset, word in enumerate(phrase) if word is not None]
    if not present:
        return []
    first_offset, first_word = present[0]
    found: list[Span] = []
    for start in positions.get(first_word, ()):
        origin = start - first_offset
        if origin < 0 or (origin >> 16) != (start >> 16):
            continue
        if all(origin + offset in positions.get(word, ()) for offset, word in present[1:]):
            found.append((origin, origin + len(phrase) - 1))
    return found


@dataclass(frozen=True, slots=True)
class MatchingWords:
    """What each query term matched, for highlighting: ``matches(token)`` on a normalized
    token gives ``(term index, matched length in characters)`` or ``None``. A prefix match
    covers only the prefix's length; other matches cover the whole token."""

    words: dict[str, int] = field(default_factory=dict)  # word -> term index
    prefixes: tuple[tuple[str, int], ...] = ()  # (prefix, term index), longest first

    def matches(self, token: str) -> tuple[int, int] | None:
        term = self.words.get(token)
        if term is not None:
            return term, len(token)
        for prefix, index in self.prefixes:
            if token.startswith(prefix):
                return index, len(prefix)
        return None


def matching_words(terms: list[Term]) -> MatchingWords:
    words: dict[str, int] = {}
    prefixes: list[tuple[str, int]] = []
    for term in terms:
        whole = term.exact + term.zero + [word for word, _ in term.ngrams]
        if term.prefix:
            prefixes.append((term.text, term.index))
            prefixes.extend((start, term.index) for start, _ in term.typo_prefixes)
        else:
            whole += term.one + term.two
        alternatives = [words_of for words_of, _ in term.phrases]
        if term.phrase is not None:
            alternatives.append(term.phrase)
        whole += [word for phrase in alternatives for word in phrase if word is not None]
        for word in whole:
            words.setdefault(word, term.index)
    prefixes.sort(key=lambda item: -len(item[0]))
    return MatchingWords(words, tuple(prefixes))
