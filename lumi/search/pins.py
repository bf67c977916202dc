"""Dynamic search rules at search time: which rules fire, and where their pinned documents
land among the hits.

While the ``dynamicSearchRules`` experimental feature is on, a search first finds the active
rules whose conditions hold: ``isEmpty`` (the query has no words, or has some), ``words``
(every word of the condition begins a word of the query, after case and accent folding, so
``call history`` fires for ``history of calls``), and the ``time`` window (bounds included,
against the server's clock). Rules are taken by ascending ``precedence``, rules without one
last, then by uid. Their pins for the searched index (a selector without ``indexUid`` targets
every index) are kept in that order; a document pinned twice keeps its first pin.

Pins go on top of the organic ranking, which does not change: a pinned document must exist
and pass the search's filters (the tenant token's included), but need not match the query.
It leaves its organic place, takes its position (0-based), and pins sharing a position
follow one another in precedence order. A position past the last hit puts the document
right after it. Pinned documents count in the totals and facets, show ``_rankingScore`` 1.0
(pinning gives no score) and ``_rankingScoreDetails`` ``{"pin": {"order": 0, "position"}}``.

Rules are compiled once per version of their stored record: a search reads the record's
bytes and reuses the compiled rules while they are unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from pyroaring import BitMap

from lumi.index.documents import is_valid_document_id
from lumi.index.index import Index
from lumi.search.pipeline import EngineQuery, EngineResult, search
from lumi.storage import codecs
from lumi.storage.env import Txn
from lumi.tasks.process.search_rules import raw_rules
from lumi.tasks.store import TaskStore
from lumi.text.tokenizer import TextConfig, tokenizer_for
from lumi.timefmt import parse_rfc3339

FEATURE = "dynamicSearchRules"
PIN_SCORE = 1.0
_TOKENIZER = tokenizer_for(TextConfig())


@runtime_checkable
class RuleSource(Protocol):
    """What holds the rules: the engine, through its task store."""

    store: TaskStore


@dataclass(frozen=True, slots=True)
class Pin:
    """One pin action: document ``document_id`` at ``position`` (None: in any index)."""

    index_uid: str | None
    document_id: str
    position: int


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """An active rule, ready to test: ``words`` normalized, ``start``/``end`` in ns."""

    uid: str
    empty: bool | None
    words: tuple[str, ...] | None
    start: int | None
    end: int | None
    pins: tuple[Pin, ...]

    def fires(self, query_words: tuple[str, ...], now: int) -> bool:
        if self.empty is not None and self.empty != (not query_words):
            return False
        if self.words is not None and not all(
            any(word.startswith(needed) for word in query_words) for needed in self.words
        ):
            return False
        if self.start is not None and now < self.start:
            return False
        return self.end is None or now <= self.end


def words_of(text: str | None) -> tuple[str, ...]:
    """The normalized words of ``text``, as conditions compare them."""
    if not text:
        return ()
    return tuple(word for word, _position in _TOKENIZER.words(text))


def compile_rules(rules: Mapping[str, dict[str, Any]]) -> tuple[CompiledRule, ...]:
    """The active rules in the order they apply: by precedence (none last), then uid."""
    active = [rule for rule in rules.values() if rule.get("active", True)]
    active.sort(key=lambda r: (r.get("precedence") is None, r.get("precedence") or 0, r["uid"]))
    return tuple(_compile(rule) for rule in active)


def _compile(rule: dict[str, Any]) -> CompiledRule:
    conditions = rule.get("conditions") or {}
    query = conditions.get("query") or {}
    window = conditions.get("time") or {}
    words = query.get("words")
    pins = tuple(
        Pin(
            action["selector"].get("indexUid"),
            action["selector"]["id"],
            action["action"]["position"],
        )
        for action in rule.get("actions") or ()
    )
    return CompiledRule(
        uid=rule["uid"],
        empty=query.get("isEmpty"),
        words=None if words is None else words_of(words),
        start=_instant(window.get("start")),
        end=_instant(window.get("end")),
        pins=pins,
    )


def _instant(text: str | None) -> int | None:
    return None if text is None else parse_rfc3339(text)


def applicable_pins(
    rules: tuple[CompiledRule, ...], index_uid: str, q: str | None, now: int
) -> list[tuple[int, str]]:
    """``(position, document id)`` of the pins that apply, in placement order."""
    query_words = words_of(q)
    chosen: list[tuple[int, str]] = []
    seen: set[str] = set()
    for rule in rules:
        if not rule.fires(query_words, now):
            continue
        for pin in rule.pins:
            if pin.index_uid is not None and pin.index_uid != index_uid:
                continue
            if pin.document_id not in seen:
                seen.add(pin.document_id)
                chosen.append((pin.position, pin.document_id))
    chosen.sort(key=lambda item: item[0])
    return chosen


_compiled: tuple[bytes | None, tuple[CompiledRule, ...]] = (None, ())


def stored_rules(store: TaskStore) -> tuple[CompiledRule, ...]:
    """The active stored rules, compiled; recompiled only when the record changed."""
    global _compiled
    with store.read() as txn:
        raw = raw_rules(store, txn)
    cached_raw, cached = _compiled
    if raw == cached_raw:
        return cached
    rules = () if raw is None else compile_rules(codecs.loads(raw))
    _compiled = (raw, rules)
    return rules


def rule_pins(
    features: Mapping[str, bool], source: object, index_uid: str, q: str | None
) -> list[tuple[int, str]]:
    """The pins a search of ``q`` on ``index_uid`` must apply; none while the feature is
    off or when ``source`` (what opens indexes for the search) holds no rules."""
    if not features.get(FEATURE) or not isinstance(source, RuleSource):
        return []
    rules = stored_rules(source.store)
    if not rules:
        return []
    return applicable_pins(rules, index_uid, q, time.time_ns())


def pinned_search(
    index: Index, txn: Txn, query: EngineQuery, pins: list[tuple[int, str]]
) -> EngineResult:
    """``query`` answered with ``pins`` (from ``rule_pins``) placed among its hits."""
    allowed = index.docids(txn) if query.universe is None else query.universe
    placed: list[tuple[int, int]] = []
    docids = BitMap()
    for position, document_id in pins:
        if not is_valid_document_id(document_id):
            continue
        docid = index.docid(txn, document_id)
        if docid is not None and docid in allowed:
            placed.append((position, docid))
            docids.add(docid)
    if not placed:
        return search(index, txn, query)
    end = query.offset + query.limit
    organic = search(index, txn, replace(query, universe=allowed - docids, offset=0, limit=end))
    return _merge(organic, placed, docids, query.offset, end)


def _merge(
    organic: EngineResult, placed: list[tuple[int, int]], docids: BitMap, offset: int, end: int
) -> EngineResult:
    """The page ``[offset, end)`` of the organic hits with the pins inserted."""
    order: list[int] = []
    scores: list[float] | None = [] if organic.scores is not None else None
    details: list[dict[str, Any]] | None = [] if organic.details is not None else None
    next_pin = next_hit = 0
    hits = organic.docids
    while len(order) < end:
        if next_pin < len(placed) and (placed[next_pin][0] <= len(order) or next_hit >= len(hits)):
            position, docid = placed[next_pin]
            next_pin += 1
            score: float = PIN_SCORE
            detail: dict[str, Any] = {"pin": {"order": 0, "position": position}}
        elif next_hit < len(hits):
            docid = hits[next_hit]
            score = organic.scores[next_hit] if organic.scores is not None else PIN_SCORE
            detail = organic.details[next_hit] if organic.details is not None else {}
            next_hit += 1
        else:
            break
        order.append(docid)
        if scores is not None:
            scores.append(score)
        if details is not None:
            details.append(detail)
    return replace(
        organic,
        docids=order[offset:],
        scores=None if scores is None else scores[offset:],
        details=None if details is None else details[offset:],
        candidates=organic.candidates | docids,
    )
