"""Marking query matches in one text: highlight tags and crop windows.

The text is tokenized like the index does. A word matches when a query term lists its
index form (a prefix term: when the word starts with one of its forms, and only the typed
part is highlighted); a phrase matches a run of words in order, highlighted as one span.
Cropping keeps ``cropLength`` words around the group of matches that covers the most
distinct query terms (then the closest together, then the most in query order), growing
towards words rather than separators and preferring the soft-separator side; a marker is
added where text was cut. Without a match the crop keeps the first words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from lumi.search.query.terms import MatchingWords
from lumi.text.tokenizer import SEPARATOR, Token, Tokenizer

_DISTANCE_CAP = 7


class Option(NamedTuple):
    """How one text is formatted: highlighted, and cropped to ``crop`` words (0 or None:
    not cropped)."""

    highlight: bool = False
    crop: int | None = None

    def merge(self, other: Option) -> Option:
        crop = self.crop if self.crop is not None else other.crop
        return Option(self.highlight or other.highlight, crop)


# ---------------------------------------------------------------- what the query matches


class LocatedPhrase(NamedTuple):
    """A quoted phrase of the query: its term index, and its words in order (index forms,
    ``None`` where the query had a stop word, which any stop word fits)."""

    term: int
    words: tuple[str | None, ...]


class Highlights:
    """What a query marks in texts: the engine's matching words, and the query's phrases.

    A word matches the term whose derivations list it, or a prefix term it starts with; a
    word matched through a prefix term is marked on at most the length that was typed. Words
    of a phrase only count as a whole phrase, in order, never one by one.
    """

    __slots__ = ("_phrase_terms", "_phrase_words", "_prefixes", "_typed", "_words", "phrases")

    def __init__(self, words: MatchingWords, phrases: Sequence[LocatedPhrase] = ()) -> None:
        self._words = words.words
        self._prefixes = words.prefixes
        self._typed: dict[int, int] = {}
        for prefix, term in words.prefixes:
            self._typed[term] = max(self._typed.get(term, 0), len(prefix))
        self.phrases = tuple(phrase for phrase in phrases if phrase.words)
        self._phrase_terms = frozenset(phrase.term for phrase in self.phrases)
        self._phrase_words = frozenset(
            word for phrase in self.phrases for word in phrase.words if word is not None
        )

    def may_match(self, words: list[tuple[str, int]]) -> bool:
        """Whether any of these indexed words (``Tokenizer.words``) starts a match: a cheap
        test that spares tokenizing texts with nothing to mark."""
        match, phrase_words = self.match, self._phrase_words
        return any(match(word) is not None or word in phrase_words for word, _ in words)

    def match(self, word: str) -> tuple[int, int] | None:
        """``(term, n)``: ``word`` (an index form) matches ``term`` on its first ``n``
        characters (all of them unless through a prefix); None when it matches nothing."""
        term = self._words.get(word)
        if term is None:
            for prefix, index in self._prefixes:
                if word.startswith(prefix):
                    term = index
                    break
            else:
                return None
        if term in self._phrase_terms:
            return None
        typed = self._typed.get(term)
        return term, len(word) if typed is None else min(len(word), typed)


class Match(NamedTuple):
    """A matched word or phrase in a tokenized text; ``end`` and ``byte_len`` delimit the
    highlighted part (a prefix match stops inside its word)."""

    first_token: int
    last_token: int
    first_word: int
    last_word: int
    term: int  # the query term it matches
    end: int
    byte_len: int


# ---------------------------------------------------------------- marking one text


@dataclass(frozen=True, slots=True)
class Marks:
    """Highlight tags and crop marker of a search."""

    pre: str
    post: str
    crop_marker: str


class Marker:
    """Finds matches in texts and writes them highlighted and/or cropped."""

    __slots__ = ("highlights", "marks", "tokenizer")

    def __init__(self, tokenizer: Tokenizer, highlights: Highlights | None, marks: Marks) -> None:
        self.tokenizer = tokenizer
        self.highlights = highlights
        self.marks = marks

    def may_match(self, text: str) -> bool:
        """False when ``text`` surely holds no match (checked on its indexed words, which
        the tokenizer finds several times faster than full tokens)."""
        highlights = self.highlights
        return highlights is not None and highlights.may_match(self.tokenizer.words(text))

    def matches(self, tokens: Sequence[Token]) -> list[Match]:
        """Matches in text order; each word belongs to at most one match."""
        highlights = self.highlights
        if highlights is None:
            return []
        words = [(i, token) for i, token in enumerate(tokens) if token.kind != SEPARATOR]
        found: list[Match] = []
        position = 0
        while position < len(words):
            phrase = self._phrase_at(highlights, words, position)
            if phrase is not None:
                found.append(phrase)
                position = phrase.last_word + 1
                continue
            token_index, token = words[position]
            hit = highlights.match(token.text)
            if hit is not None:
                term, chars = hit
                end, byte_len = token.char_end, token.byte_len
                if chars < len(token.text):
                    end, byte_len = self._prefix_end(token, chars)
                found.append(
                    Match(token_index, token_index, position, position, term, end, byte_len)
                )
            position += 1
        return found

    @staticmethod
    def _phrase_at(
        highlights: Highlights, words: list[tuple[int, Token]], position: int
    ) -> Match | None:
        for phrase in highlights.phrases:
            last = position + len(phrase.words) - 1
            if last >= len(words):
                continue
            if all(
                words[position + k][1].is_stop_word
                if expected is None
                else words[position + k][1].text == expected
                for k, expected in enumerate(phrase.words)
            ):
                first_token, first = words[position]
                last_token, end = words[last]
                byte_len = end.byte_start + end.byte_len - first.byte_start
                return Match(
                    first_token, last_token, position, last, phrase.term, end.char_end, byte_len
                )
        return None

    def _prefix_end(self, token: Token, chars: int) -> tuple[int, int]:
        """Char end and byte length of the part of ``token`` whose index form is its first
        ``chars`` characters (accents and case folding can change lengths)."""
        original = token.original
        count = chars
        if original.lower() != token.text:
            normalize = self.tokenizer.normalize
            count = next(
                (k for k in range(1, len(original)) if len(normalize(original[:k])) >= chars),
                len(original),
            )
        return token.char_start + count, len(original[:count].encode())

    def format(
        self, text: str, tokens: Sequence[Token], matches: list[Match], option: Option
    ) -> str:
        """``text`` cropped to ``option.crop`` words (0 or None: whole) and highlighted."""
        start, end = 0, len(text)
        if option.crop:
            start, end = _crop_bounds(tokens, matches, option.crop, len(text))
        marks = self.marks
        out: list[str] = []
        if start > 0 and marks.crop_marker:
            out.append(marks.crop_marker)
        cursor = start
        if option.highlight:
            for match in matches:
                match_start = tokens[match.first_token].char_start
                match_end = tokens[match.last_token].char_end
                if match_start < start or match_end > end:
                    continue
                out.append(text[cursor:match_start])
                out.append(marks.pre)
                out.append(text[match_start : match.end])
                out.append(marks.post)
                out.append(text[match.end : match_end])
                cursor = match_end
        out.append(text[cursor:end])
        if end < len(text) and marks.crop_marker:
            out.append(marks.crop_marker)
        return "".join(out)


def _crop_bounds(
    tokens: Sequence[Token], matches: list[Match], crop: int, size: int
) -> tuple[int, int]:
    """Char bounds of the crop window: the best group of matches, then grown one word at a
    time on both sides (towards words first, and away from hard separators)."""
    if matches:
        first, last = _best_interval(matches, crop)
        remaining = crop - (last.last_word - first.first_word + 1)
        before = tokens[: first.first_token][::-1]
        after = tokens[last.last_token + 1 :]
        if remaining < 0:  # a phrase longer than the window: keep its first words
            before, remaining = [], crop
            after = tokens[first.first_token :]
    else:
        before, after, remaining = [], tokens, crop
    b = a = 0
    while remaining > 0:
        left = before[b] if b < len(before) else None
        right = after[a] if a < len(after) else None
        if left is not None and right is not None:
            left_word, right_word = left.kind != SEPARATOR, right.kind != SEPARATOR
            if left_word and right_word:
                b += 1
                remaining -= 1
                if remaining:
                    a += 1
                    remaining -= 1
            elif left_word or right_word:
                if left_word:
                    b += 1
                else:
                    a += 1
                remaining -= 1
            elif left.separator_kind == right.separator_kind:
                b += 1
                if remaining > 1:
                    a += 1
            elif left.separator_kind == "hard":
                a += 1
            else:
                b += 1
        elif left is not None:
            b += 1
            remaining -= left.kind != SEPARATOR
        elif right is not None:
            a += 1
            remaining -= right.kind != SEPARATOR
        else:
            break
    start = before[b].char_end if b < len(before) else 0
    end = after[a].char_start if a < len(after) else size
    return start, end


def _best_interval(matches: list[Match], crop: int) -> tuple[Match, Match]:
    """First and last match of the run of matches that fits in ``crop`` words and scores
    best (``_interval_score``); the earliest wins a tie."""
    best = (0, 0)
    best_score = _interval_score(matches[0:1])
    first = 0
    for index in range(1, len(matches)):
        reach = matches[index].last_word
        if reach - matches[first].first_word >= crop:
            score = _interval_score(matches[first:index])
            if score > best_score:
                best, best_score = (first, index - 1), score
            while first < index and reach - matches[first].first_word >= crop:
                first += 1
    score = _interval_score(matches[first:])
    if score > best_score:
        best = (first, len(matches) - 1)
    return matches[best[0]], matches[best[1]]


def _interval_score(matches: Sequence[Match]) -> tuple[int, int, int]:
    """(distinct query terms, closeness, pairs in query order): higher is better."""
    terms: set[int] = set()
    closeness = in_order = 0
    for k, match in enumerate(matches):
        inner = match.last_word - match.first_word  # a phrase: in order, adjacent words
        in_order += inner
        closeness -= inner
        if k + 1 < len(matches):
            following = matches[k + 1]
            if following.term > match.term:
                in_order += 1
            closeness -= min(following.first_word - match.last_word, _DISTANCE_CAP)
        terms.add(match.term)
    return len(terms), closeness, in_order
