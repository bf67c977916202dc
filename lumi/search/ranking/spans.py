"""Where the terms of a query occur in one document, read from its position record.

``MatchFinder(term).spans(positions)`` lists the ``(start, end)`` packed positions
(``fid << 16 | position``) of the term's matches in a document: one word, or the first and
last word of a phrase (the term's own phrase, a multi-word synonym or a split).
``pair_cost`` is the proximity cost between two consecutive terms.
"""

from __future__ import annotations

from lumi.search.query.terms import Span, Term, phrase_spans

# The highest cost of a pair of terms: 7, for words 8 or more positions apart, in different
# fields, or absent.
MAX_PAIR_COST = 7


class MatchFinder:
    """Finds one term's matches in position records."""

    __slots__ = ("lookup", "phrases", "prefixes", "term", "words")

    def __init__(self, term: Term) -> None:
        self.term = term
        self.words = frozenset(term.all_words())
        prefixes = [start for start, _ in term.typo_prefixes]
        if term.prefix:
            prefixes.append(term.text)
        self.prefixes = tuple(prefixes)
        phrases = [alternative for alternative, _ in term.phrases]
        if term.phrase is not None:
            phrases.append(term.phrase)
        self.phrases = phrases
        # Few known words and no prefix: look them up instead of testing every word.
        self.lookup = not self.prefixes and len(self.words) <= 16

    def spans(self, positions: dict[str, list[int]]) -> list[Span]:
        found: list[Span] = []
        if self.lookup:
            for word in self.words:
                packed = positions.get(word)
                if packed:
                    found.extend((p, p) for p in packed)
        else:
            words, prefixes = self.words, self.prefixes
            for word, packed in positions.items():
                if word in words or (prefixes and word.startswith(prefixes)):
                    found.extend((p, p) for p in packed)
        for phrase in self.phrases:
            found.extend(phrase_spans(positions, phrase))
        return found


def pair_cost(left: list[Span], right: list[Span]) -> int:
    """``min(distance, 8) - 1`` for the closest pair of matches in one field, else 7."""
    best = MAX_PAIR_COST
    for _, end in left:
        field = end >> 16
        for start, _ in right:
            if start >> 16 != field:
                continue
            if end < start:
                distance = start - end
            elif end > start:
                distance = end - start + 1
            else:
                distance = 1
            cost = distance - 1 if distance <= MAX_PAIR_COST else MAX_PAIR_COST
            if cost < best:
                if cost == 0:
                    return 0
                best = cost
    return best
