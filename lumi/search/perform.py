"""One search on one index, from a validated request to the response body.

The order of the checks is the reference's, since the first problem is the one reported:
the vector options, the embedder, the filter and sort syntax, the ``_foreign`` calls of the
filter (evaluated on their foreign indexes), then attributes against the settings (distinct,
sort, filter, ``attributesToSearchOn``), the search itself, the facets. While the
``foreignKeys`` experimental feature is on, hits show foreign documents in place of their ids
(``lumi.search.foreign``), and while ``dynamicSearchRules`` is on, the pins of the rules
that fire take their places among the hits (``lumi.search.pins``).
Errors that need the index's settings are prefixed with ``Index `{uid}`: ``.

The response keys come in the reference's order: ``hits``, ``query``, ``processingTimeMs``,
the pagination fields of the mode in use, the facets when asked for, ``requestUid``, then
``metadata`` (when the client asked for it with ``Meili-Include-Metadata``) and
``performanceDetails`` (with ``showPerformanceDetails``).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lumi.errors import LumiError
from lumi.index.facet_store import FacetReader
from lumi.index.index import Index
from lumi.index.indexer.words import text_config, word_fields
from lumi.index.settings import setting_view
from lumi.search.constraints import Constraints, Resolver, parse_search_filter, parse_sort
from lumi.search.filters.ast import Node
from lumi.search.filters.foreign import ForeignScope, resolve_foreign
from lumi.search.foreign import FEATURE as FOREIGN_KEYS
from lumi.search.foreign import Hydrator, IndexOpener
from lumi.search.format import HitFormatter
from lumi.search.highlight import Highlights, LocatedPhrase
from lumi.search.hybrid import Semantic, semantic_query, semantic_search
from lumi.search.pins import pinned_search, rule_pins
from lumi.search.pipeline import EngineQuery, EngineResult, search
from lumi.search.query.parse import QueryPhrase, parse_query
from lumi.search.ranking.geo_sort import geo_distance
from lumi.search.request import MEDIA_DISABLED, SearchRequest
from lumi.search.scores import add_scores
from lumi.search.trace import SearchTrace, Timings
from lumi.search.vectors import document_vectors
from lumi.storage.env import Txn
from lumi.text.tokenizer import tokenizer_for


@dataclass(frozen=True, slots=True)
class SearchTarget:
    """An index to search: its uid, primary key and environment."""

    uid: str
    primary_key: str | None
    index: Index


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """How a search was asked for, besides its parameters.

    ``token_filter`` is the tenant token's filter for the index, ``query_string`` whether
    the parameters came from a query string (some messages name their GET spelling),
    ``request_uid`` the uid shared by the searches of one multi-search, ``features``
    the instance's experimental features, and ``indexes`` what opens the other indexes a
    search reads (foreign keys); without it hits are not hydrated. ``trace`` receives the
    engine's result and the step timings (``lumi.search.trace``).
    """

    token_filter: Any = None
    query_string: bool = False
    include_metadata: bool = False
    request_uid: str | None = None
    features: Mapping[str, bool] = field(default_factory=dict)
    indexes: IndexOpener | None = None
    trace: SearchTrace | None = None


def new_request_uid() -> str:
    """A UUID v7: a millisecond timestamp followed by random bits."""
    millis = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10), "big")
    value = (millis & (1 << 48) - 1) << 80 | 0x7 << 76 | (random >> 62 & 0xFFF) << 64
    value |= 0b10 << 62 | random & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def perform_search(
    target: SearchTarget, request: SearchRequest, options: SearchOptions = SearchOptions()
) -> dict[str, Any]:
    """The response body of ``request`` on ``target``; raises ``LumiError``."""
    began = time.perf_counter()
    timings = options.trace.timings if options.trace is not None else Timings()
    if request.media is not None and not options.features.get("multimodal"):
        raise LumiError("feature_not_enabled", MEDIA_DISABLED)
    embedder = request.semantic_embedder(query_string=options.query_string)
    with target.index.read() as txn:
        settings = target.index.settings(txn)
        if embedder is not None and embedder not in setting_view("embedders", settings):
            message = f"Cannot find embedder with name `{embedder}`."
            raise LumiError("invalid_search_embedder", message)
        semantic = _semantic(request, settings, embedder)
        run = _Search(target, txn, settings, request, options)
        run.check()
        step = timings.since("search > check parameters", began)
        result = run.engine(semantic)
        step = timings.since(_ranking_step(request), step)
        hits = run.hits(result)
        pagination = run.pagination(result)
        step = timings.since("search > format", step)
        facets = run.facets(result)
        if facets is not None:
            timings.since("search > facet distribution", step)
    timings.since("search", began)
    if options.trace is not None:
        options.trace.result = result
    body: dict[str, Any] = {
        "hits": hits,
        "query": request.query,
        **_query_vector(request, semantic, result),
        "processingTimeMs": int((time.perf_counter() - began) * 1000),
        **pagination,
    }
    if facets is not None:
        body["facetDistribution"], body["facetStats"] = facets
    body["requestUid"] = options.request_uid or new_request_uid()
    if options.include_metadata:
        body["metadata"] = {
            "queryUid": new_request_uid(),
            "indexUid": target.uid,
            "primaryKey": target.primary_key,
        }
    if request.show_performance_details:
        body["performanceDetails"] = timings.view()
    if result.semantic_hits is not None:
        body["semanticHitCount"] = result.semantic_hits
    return body


# ---- semantic and hybrid search (lumi.search.hybrid)


def _semantic(
    request: SearchRequest, settings: dict[str, Any], embedder: str | None
) -> Semantic | None:
    """The semantic side of the search, None for a keyword search; checks the vector."""
    if embedder is None or request.hybrid is None:
        return None
    return semantic_query(settings, embedder, request.vector, request.hybrid.semantic_ratio)


def _query_vector(
    request: SearchRequest, semantic: Semantic | None, result: EngineResult
) -> dict[str, Any]:
    """``queryVector``: the vector searched with (sent, or embedded from ``q`` by the
    provider), shown with ``retrieveVectors``."""
    if not request.retrieve_vectors or semantic is None:
        return {}
    vector = semantic.vector if semantic.vector is not None else result.query_vector
    return {} if vector is None else {"queryVector": vector}


def _ranking_step(request: SearchRequest) -> str:
    keyword = bool((request.q or "").strip())
    return "search > keyword ranking" if keyword else "search > placeholder ranking"


class _Search:
    """The steps of one search inside one read transaction."""

    def __init__(
        self,
        target: SearchTarget,
        txn: Txn,
        settings: dict[str, Any],
        request: SearchRequest,
        options: SearchOptions,
    ) -> None:
        self.target = target
        self.txn = txn
        self.request = request
        self.settings = settings
        self.options = options
        self.constraints = Constraints(
            filter=parse_search_filter(request.filter, options.token_filter),
            sort=None if request.sort is None else parse_sort(request.sort),
            distinct=request.distinct,
            facets=None if request.facets is None else tuple(request.facets),
        )
        contains = bool(options.features.get("containsFilter"))
        self.resolver = Resolver(target.index, txn, self.settings, target.uid, contains)
        self.max_total_hits: int = setting_view("pagination", self.settings)["maxTotalHits"]

    def check(self) -> None:
        self.constraints = replace(self.constraints, filter=self._resolve_foreign())
        self.resolver.check(self.constraints)
        names = self.request.attributes_to_search_on
        if names:
            _check_searchable(names, self.target, self.txn, self.settings)

    def engine(self, semantic: Semantic | None = None) -> EngineResult:
        request, constraints, resolver = self.request, self.constraints, self.resolver
        offset, limit = request.window(self.max_total_hits)
        query = EngineQuery(
            q=request.q,
            offset=offset,
            limit=limit,
            matching_strategy=request.matching_strategy,
            attributes_to_search_on=request.attributes_to_search_on,
            universe=resolver.universe(constraints),
            extra_rules=resolver.extra_rules(constraints),
            distinct=resolver.distinct(constraints),
            ranking_score_threshold=request.ranking_score_threshold,
            show_ranking_score=request.show_ranking_score,
            show_ranking_score_details=request.show_ranking_score_details,
            exhaustive_count=request.page_mode,
        )
        options, target = self.options, self.target
        if semantic is not None:
            return semantic_search(target.index, self.txn, query, semantic)
        pins = rule_pins(options.features, options.indexes, target.uid, request.q)
        if pins:
            return pinned_search(target.index, self.txn, query, pins)
        return search(target.index, self.txn, query)

    def pagination(self, result: EngineResult) -> dict[str, int]:
        """Pagination fields; page mode counts exhaustively, distinct values included."""
        total = len(result.candidates)
        if self.request.page_mode:
            distinct = self.resolver.distinct(self.constraints)
            if distinct is not None:
                total = len(distinct.reduce(result.candidates))
        return self.request.pagination_view(total, self.max_total_hits)

    def facets(self, result: EngineResult) -> tuple[dict[str, Any], dict[str, Any]] | None:
        constraints = self.constraints
        if constraints.facets is None:
            return None
        distinct = self.resolver.distinct(constraints)
        return self.resolver.facets(constraints.facets, result.candidates, distinct)

    def hits(self, result: EngineResult) -> list[dict[str, Any]]:
        request, index, txn = self.request, self.target.index, self.txn
        formatter = self._formatter(result)
        point = self._geo_point()
        reader = FacetReader(index, txn) if point is not None else None
        scores = result.scores if request.show_ranking_score else None
        details = result.details if request.show_ranking_score_details else None
        hits = []
        with self._hydrator() as hydrator:
            for rank, docid in enumerate(result.docids):
                document = index.document(txn, docid)
                if document is None:
                    continue
                if hydrator.keys:
                    hydrator.hydrate(document)
                extra = None
                if reader is not None and point is not None:
                    distance = geo_distance(reader, docid, point)
                    extra = None if distance is None else {"_geoDistance": distance}
                hit = formatter.hit(document, extra)
                if "_vectors" in hit:  # retrieveVectors: the stored embeddings
                    hit["_vectors"] = document_vectors(index, txn, docid, document)
                add_scores(hit, rank, scores, details)
                hits.append(hit)
        return hits

    def _resolve_foreign(self) -> Node | None:
        """The filter with its ``_foreign`` calls turned into conditions on this index."""
        options, target = self.options, self.target
        scope = ForeignScope(
            target.uid,
            target.index,
            self.txn,
            self.settings,
            bool(options.features.get(FOREIGN_KEYS)),
            options.indexes,
            contains_filter=bool(options.features.get("containsFilter")),
        )
        return resolve_foreign(self.constraints.filter, scope)

    def _hydrator(self) -> Hydrator:
        """Foreign ids become documents in hits while the ``foreignKeys`` feature is on."""
        options, target = self.options, self.target
        return Hydrator.for_search(
            self.settings,
            bool(options.features.get(FOREIGN_KEYS)),
            options.indexes,
            (target.uid, target.index, self.txn),
        )

    def _formatter(self, result: EngineResult) -> HitFormatter:
        request = self.request
        config = text_config(self.settings)
        highlights = None
        if request.q:
            parsed = parse_query(request.q, tokenizer_for(config))
            phrases = [
                LocatedPhrase(term, item.words)
                for term, item in enumerate(parsed.terms)
                if isinstance(item, QueryPhrase)
            ]
            highlights = Highlights(result.matching_words, phrases)
        if request.locales:
            config = replace(config, locales=tuple(request.locales))
        return HitFormatter(
            request,
            setting_view("displayedAttributes", self.settings),
            list(self.target.index.fields(self.txn)),
            tokenizer_for(config),
            highlights,
        )

    def _geo_point(self) -> tuple[float, float] | None:
        """The point of the first ``_geoPoint`` sort: hits then show their ``_geoDistance``."""
        for criterion in self.constraints.sort or ():
            if criterion.point is not None:
                return criterion.point
        return None


def _check_searchable(
    names: list[str], target: SearchTarget, txn: Txn, stored: dict[str, Any]
) -> None:
    """Every ``attributesToSearchOn`` entry must be a searchable attribute."""
    configured = setting_view("searchableAttributes", stored)
    paths = [path for path, fid in word_fields(target.index, txn).items() if fid >= 0]
    known = set(target.index.fields(txn)) | set(paths)
    for name in names:
        if name == "*":
            continue
        if configured == ["*"]:
            if name in known or any(path.startswith(name + ".") for path in paths):
                continue
        elif any(entry == name or name.startswith(entry + ".") for entry in configured):
            continue
        raise _not_searchable(name, configured, known, stored, target.uid)


def _not_searchable(
    name: str, configured: list[str], known: set[str], stored: dict[str, Any], uid: str
) -> LumiError:
    searchable = known if configured == ["*"] else set(configured)
    displayed = setting_view("displayedAttributes", stored)
    shown = sorted(
        attribute
        for attribute in searchable
        if displayed == ["*"]
        or any(entry == attribute or attribute.startswith(entry + ".") for entry in displayed)
    )
    hidden = ", <..hidden-attributes>" if len(shown) < len(searchable) else ""
    return LumiError(
        "invalid_search_attributes_to_search_on",
        f"Index `{uid}`: Attribute `{name}` is not searchable. Available searchable "
        f"attributes are: `{', '.join(shown)}{hidden}`.",
    )
