"""The ranking score and ``_rankingScoreDetails`` of a hit, from its rules' details.

Score (search-semantics §6): start from rank 1 of 1; each level ``(r, m)`` a rule adds
gives ``rank = (rank - 1) * m + r`` and ``max = max * m``; the score is ``rank / max``.
Rules whose detail has no rank (``sort``, ``x:asc``) add nothing. Since a level at its
maximum leaves the ratio unchanged, the score of a partial path is an upper bound for the
documents below it, which is what ``rankingScoreThreshold`` prunes with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lumi.search.ranking.base import ScoreDetail


def global_score(details: Sequence[ScoreDetail]) -> float:
    rank, top = 1, 1
    for detail in details:
        for value, most in detail.ranks():
            rank = (rank - 1) * most + value
            top *= most
    return rank / top


def details_view(details: Sequence[ScoreDetail]) -> dict[str, Any]:
    """``{rule: {"order": i, ...fields, "score": s}}`` in ranking-rule order."""
    view: dict[str, Any] = {}
    for order, detail in enumerate(details):
        entry: dict[str, Any] = {"order": order, **detail.fields}
        score = detail.local_score()
        if score is not None:
            entry["score"] = score
        view[detail.key] = entry
    return view


def add_scores(
    hit: dict[str, Any],
    rank: int,
    scores: Sequence[float] | None,
    details: Sequence[dict[str, Any]] | None,
) -> None:
    """Add ``_rankingScore`` and ``_rankingScoreDetails`` of the hit at ``rank`` to it, each
    when it was computed (asked for)."""
    if scores is not None:
        hit["_rankingScore"] = scores[rank]
    if details is not None:
        hit["_rankingScoreDetails"] = details[rank]
