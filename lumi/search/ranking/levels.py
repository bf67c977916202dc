"""Ranking documents by a sum of per-term levels, smallest sum first.

``typo`` (typos per term), ``wordPosition`` (position bucket per term) and the exact-words
part of ``exactness`` (0 or 1 per term) all rank by a sum over the active terms of a small
per-term level. ``LevelSum`` yields the documents of each total in turn: the union, over
the ways to split the total among the terms, of the intersection of each term's documents
at its level. Each term's levels are made exclusive (a document counts at its best level)
and limited to the documents being ranked, lazily, so only the totals actually asked for
cost anything. A bucket stops after ``MAX_STEPS`` intersections (long queries with many
typo-tolerant terms): documents it did not reach are left for the last bucket.
"""

from __future__ import annotations

from collections.abc import Callable

from pyroaring import BitMap

MAX_STEPS = 20_000
LevelDocs = Callable[[int], BitMap]  # level -> documents of the term at that level (any)


class _TermLevels:
    """One term's exclusive levels over ``universe``; documents found at no level below
    ``top`` are placed at ``top``."""

    def __init__(self, docs_at: LevelDocs, top: int, universe: BitMap) -> None:
        self.docs_at = docs_at
        self.top = top
        self.universe = universe
        self.levels: list[BitMap] = []
        self.seen = BitMap()

    def at(self, level: int) -> BitMap:
        while len(self.levels) <= level:
            current = len(self.levels)
            if current >= self.top:
                found = self.universe - self.seen
            else:
                found = (self.docs_at(current) & self.universe) - self.seen
            self.seen |= found
            self.levels.append(found)
        return self.levels[level]


class LevelSum:
    """Documents of ``universe`` grouped by the total of their per-term levels."""

    def __init__(self, terms: list[tuple[LevelDocs, int]], universe: BitMap) -> None:
        self.terms = [_TermLevels(docs_at, top, universe) for docs_at, top in terms]
        self.max_total = sum(top for _, top in terms)
        self.steps = 0

    def bucket(self, total: int, universe: BitMap) -> BitMap:
        """Documents of ``universe`` whose levels add up to ``total``."""
        found = BitMap()
        self.steps = 0
        self._walk(0, total, universe, found)
        return found

    def _walk(self, index: int, remaining: int, acc: BitMap, out: BitMap) -> None:
        if index == len(self.terms) - 1:
            term = self.terms[index]
            if remaining <= term.top:
                out |= acc & term.at(remaining)
            return
        term = self.terms[index]
        rest = sum(t.top for t in self.terms[index + 1 :])
        for level in range(max(0, remaining - rest), min(term.top, remaining) + 1):
            self.steps += 1
            if self.steps > MAX_STEPS:
                return
            narrowed = acc & term.at(level)
            if narrowed:
                self._walk(index + 1, remaining - level, narrowed, out)
