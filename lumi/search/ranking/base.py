"""The ranking-rule contract that ``bucket_sort`` drives.

A ranking rule orders the documents of one bucket into smaller, ordered buckets:

1. ``start(ctx, universe, query)`` is called once with the documents of the parent bucket
   (every document still in play at that level) and the query as the previous rules left
   it (the ``words`` rule narrows it to the terms a bucket matched);
2. ``next_bucket(ctx, universe)`` is called repeatedly; ``universe`` is what remains of the
   parent bucket (documents already placed in an earlier sub-bucket, or removed by
   ``distinct``, are gone). The rule returns the next best documents of ``universe`` as a
   ``Bucket``, or ``None`` once ``universe`` holds nothing it can rank: ``bucket_sort`` then
   keeps whatever is left, in document id order, as a last bucket;
3. ``end(ctx)`` releases what ``start`` prepared.

Every bucket carries one ``ScoreDetail`` describing all of its documents for this rule: it
feeds ``_rankingScore`` (rules that rank by relevancy give a ``rank`` out of ``max_rank``;
``sort`` and ``x:asc`` rules give ``rank=None`` and only show their ``fields``) and the
rule's entry in ``_rankingScoreDetails``.

Rules are built per search from a ``RuleFactory`` (no arguments) so one instance never
serves two searches; sort-like rules injected by the request layer use the same contract.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyroaring import BitMap

from lumi.index.index import Index
from lumi.storage.env import Txn


@dataclass(frozen=True, slots=True)
class ScoreDetail:
    """What one rule says about the documents of one bucket.

    ``key`` is the rule's name in ``_rankingScoreDetails`` (``"typo"``, ``"price:asc"``).
    ``rank`` runs from 1 (worst) to ``max_rank`` (best); ``None`` means the rule does not
    contribute to the ranking score. ``fields`` are the extra members of the rule's details
    object (``typoCount``, ``value``...), in display order, without ``order`` and ``score``.
    ``parts`` lets one displayed rule add more than one level to the score (``exactness``
    ranks first by attribute match, then by exact words); it overrides ``rank``/``max_rank``
    for the score when given.
    """

    key: str
    rank: int | None
    max_rank: int = 1
    fields: dict[str, Any] = field(default_factory=dict)
    parts: tuple[tuple[int, int], ...] = ()

    def ranks(self) -> tuple[tuple[int, int], ...]:
        """The (rank, max_rank) levels this detail adds to the global score."""
        if self.parts:
            return self.parts
        if self.rank is None:
            return ()
        return ((self.rank, self.max_rank),)

    def local_score(self) -> float | None:
        """The detail's own ``score``: ``rank / max_rank``."""
        if self.rank is None:
            return None
        return self.rank / self.max_rank if self.max_rank else 1.0


@dataclass(slots=True)
class Bucket:
    """Documents a rule ranks equally, and the query later rules should work with."""

    docids: BitMap
    detail: ScoreDetail
    query: Any = None  # None: later rules keep the query this rule was started with


@dataclass(slots=True)
class RankingContext:
    """Shared by every rule of one search: where to read, and until when to work."""

    index: Index
    txn: Txn
    settings: dict[str, Any]
    deadline: float = float("inf")  # time.perf_counter() value after which work stops
    cache: dict[Any, Any] = field(default_factory=dict)  # per-search memo, keyed by rule

    def expired(self) -> bool:
        return time.perf_counter() > self.deadline


class RankingRule(ABC):
    """One ranking rule; see the module docstring for the call sequence."""

    #: The rule's name, also its key in ``_rankingScoreDetails``.
    id: str = ""

    @abstractmethod
    def start(self, ctx: RankingContext, universe: BitMap, query: Any) -> None:
        """Prepare to rank ``universe``; ``query`` is the text query (``None`` when
        placeholder search)."""

    @abstractmethod
    def next_bucket(self, ctx: RankingContext, universe: BitMap) -> Bucket | None:
        """The next best documents of ``universe`` (a subset of it), or ``None``."""

    def end(self, ctx: RankingContext) -> None:  # noqa: B027 - most rules hold nothing
        """Forget the state of the current iteration."""


RuleFactory = Callable[[], RankingRule]

# Called by bucket_sort on every final bucket, in ranking order: returns the documents of
# the bucket to keep. Implementations remember the distinct values already kept, so a later
# document sharing one is dropped (``lumi.search.distinct``).
DistinctHook = Callable[[BitMap], BitMap]
