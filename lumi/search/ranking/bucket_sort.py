"""Bucket sort: the only orchestrator of ranking rules.

The first rule splits the candidates into ordered buckets; each bucket is handed to the next
rule, which splits it further, depth first, so the best documents are settled first. A
bucket is final when it reaches the last rule, holds a single document (unless scores are
wanted), or lies entirely within ``offset`` (unless ``distinct`` or a score threshold needs
its documents ranked). Documents of a final bucket are taken in document id order, which
keeps ties stable. Sorting stops as soon as ``offset + limit`` documents are settled.

When the deadline passes, the documents still unranked are appended in document id order,
deepest bucket first (the best results so far, ``degraded``). With a score threshold, a
bucket whose best possible score is below it is dropped and reported in ``rejected``; with
``exhaustive`` sorting goes on past the page so that every such document is found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyroaring import BitMap

from lumi.search.ranking.base import DistinctHook, RankingContext, RankingRule, ScoreDetail
from lumi.search.scores import global_score


@dataclass(frozen=True, slots=True)
class SortRequest:
    offset: int = 0
    limit: int = 20
    distinct: DistinctHook | None = None
    threshold: float | None = None
    scored: bool = False  # every hit needs the details of every rule
    # with a threshold: rank every candidate so `rejected` is complete (exact counts)
    exhaustive: bool = False


@dataclass(slots=True)
class SortOutcome:
    docids: list[int] = field(default_factory=list)
    details: list[list[ScoreDetail]] = field(default_factory=list)
    rejected: BitMap = field(default_factory=BitMap)  # below the score threshold
    degraded: bool = False


class _Page:
    """Collects final buckets, skipping ``offset`` documents first."""

    def __init__(self, request: SortRequest, outcome: SortOutcome) -> None:
        self.request = request
        self.outcome = outcome
        self.skipped = 0

    @property
    def full(self) -> bool:
        return len(self.outcome.docids) >= self.request.limit

    def add(self, docs: BitMap, path: list[ScoreDetail]) -> None:
        if self.request.distinct is not None:
            docs = self.request.distinct(docs)
        if not docs or self.full:
            return
        offset = self.request.offset
        if self.skipped < offset:
            skip = min(offset - self.skipped, len(docs))
            self.skipped += skip
            if skip == len(docs):
                return
            docs = docs[skip:]
        room = self.request.limit - len(self.outcome.docids)
        taken = list(docs[:room]) if len(docs) > room else list(docs)
        self.outcome.docids.extend(taken)
        self.outcome.details.extend([list(path)] * len(taken))

    def can_skip(self, size: int) -> bool:
        request = self.request
        return (
            request.distinct is None
            and request.threshold is None
            and self.skipped + size <= request.offset
        )


def bucket_sort(
    ctx: RankingContext,
    rules: list[RankingRule],
    query: Any,
    universe: BitMap,
    request: SortRequest,
) -> SortOutcome:
    outcome = SortOutcome()
    page = _Page(request, outcome)
    if request.limit <= 0 or not universe:
        return outcome
    if not rules:
        page.add(BitMap(universe), [])
        return outcome
    depth = 0
    universes: list[BitMap] = [BitMap(universe)] + [BitMap() for _ in rules[1:]]
    queries: list[Any] = [query] + [None for _ in rules[1:]]
    path: list[ScoreDetail] = []
    rules[0].start(ctx, universes[0], query)
    classify = request.exhaustive and request.threshold is not None
    while not page.full or classify:
        if ctx.expired():
            outcome.degraded = True
            for level in range(depth, -1, -1):
                page.add(universes[level], path[:level])
                rules[level].end(ctx)
            return outcome
        bucket = rules[depth].next_bucket(ctx, universes[depth])
        if bucket is None or not bucket.docids:
            page.add(universes[depth], path[:depth])
            rules[depth].end(ctx)
            if depth == 0:
                break
            depth -= 1
            continue
        docs = bucket.docids & universes[depth]
        universes[depth] -= docs
        if not docs:
            continue
        del path[depth:]
        path.append(bucket.detail)
        if request.threshold is not None and global_score(path) < request.threshold:
            outcome.rejected |= docs
            continue
        last = depth == len(rules) - 1
        if last or (len(docs) == 1 and not request.scored) or page.can_skip(len(docs)):
            page.add(docs, path)
            continue
        depth += 1
        universes[depth] = docs
        queries[depth] = bucket.query if bucket.query is not None else queries[depth - 1]
        rules[depth].start(ctx, docs, queries[depth])
    for level in range(depth, -1, -1):
        rules[level].end(ctx)
    return outcome
