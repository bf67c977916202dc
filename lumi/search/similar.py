"""Documents similar to a stored one: ``/indexes/{uid}/similar``.

The reference document's (first) embedding for the embedder is the query vector; the other
documents with an embedding for that embedder, within the filter (and the tenant token's
filter), are ranked by similarity to it, as a semantic search ranks them
(``lumi.search.hybrid.vector_search``). The reference document itself is never a hit.
Errors come in the reference's order: embedder, document id, filter.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lumi.errors import LumiError
from lumi.index.documents import is_valid_document_id
from lumi.index.indexer.words import text_config
from lumi.index.settings import setting_view
from lumi.index.vectors import VectorStore, decode, stored_dimensions
from lumi.search.filters.ast import And
from lumi.search.filters.evaluate import FilterEvaluator
from lumi.search.filters.foreign import ForeignScope, resolve_foreign
from lumi.search.filters.parameter import parse_filter
from lumi.search.foreign import FEATURE as FOREIGN_KEYS
from lumi.search.foreign import IndexOpener
from lumi.search.format import HitFormatter
from lumi.search.hybrid import vector_search
from lumi.search.perform import SearchTarget
from lumi.search.pipeline import EngineQuery, EngineResult
from lumi.search.request import SearchRequest
from lumi.search.scores import add_scores
from lumi.search.trace import Timings
from lumi.search.vectors import document_vectors
from lumi.storage.env import Txn
from lumi.text.tokenizer import tokenizer_for

FILTER_CODE = "invalid_similar_filter"
INVALID_ID = (
    "Invalid value at `.id`: the value of `id` is invalid. A document identifier can be of "
    "type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens "
    "(-) and underscores (_), and can not be more than 511 bytes."
)
THRESHOLD = (
    "Invalid value at `.rankingScoreThreshold`: the value of `rankingScoreThreshold` is "
    "invalid, expected a float between `0.0` and `1.0`."
)


@dataclass(frozen=True, slots=True)
class SimilarRequest:
    """The parameters of a similar-documents request, validated by the HTTP layer."""

    id: str
    embedder: str
    offset: int = 0
    limit: int = 20
    filter: Any = None
    attributes_to_retrieve: list[str] | None = None
    retrieve_vectors: bool = False
    show_ranking_score: bool = False
    show_ranking_score_details: bool = False
    ranking_score_threshold: float | None = None

    @classmethod
    def of(cls, params: dict[str, Any]) -> SimilarRequest:
        return cls(
            id=params["id"],
            embedder=params["embedder"],
            offset=params.get("offset", 0),
            limit=params.get("limit", 20),
            filter=params.get("filter"),
            attributes_to_retrieve=params.get("attributesToRetrieve"),
            retrieve_vectors=bool(params.get("retrieveVectors")),
            show_ranking_score=bool(params.get("showRankingScore")),
            show_ranking_score_details=bool(params.get("showRankingScoreDetails")),
            ranking_score_threshold=params.get("rankingScoreThreshold"),
        )


def perform_similar(
    target: SearchTarget,
    similar: SimilarRequest,
    token_filter: Any = None,
    show_performance_details: bool = False,
    *,
    features: Mapping[str, bool] | None = None,
    opener: IndexOpener | None = None,
) -> dict[str, Any]:
    """The response body; raises ``LumiError``. ``features`` are the instance's experimental
    features and ``opener`` what opens the foreign indexes ``_foreign`` filters read."""
    began = time.perf_counter()
    threshold = similar.ranking_score_threshold
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise LumiError("invalid_similar_ranking_score_threshold", THRESHOLD)
    if not is_valid_document_id(similar.id):
        raise LumiError("invalid_similar_id", INVALID_ID)
    index = target.index
    with index.read() as txn:
        settings = index.settings(txn)
        embedders = setting_view("embedders", settings)
        if similar.embedder not in embedders:
            raise LumiError(
                "invalid_similar_embedder",
                f"Index `{target.uid}`: Cannot find embedder with name `{similar.embedder}`.",
            )
        docid = index.docid(txn, similar.id)
        if docid is None:
            raise LumiError(
                "not_found_similar_id",
                f"Index `{target.uid}`: Document `{similar.id}` not found.",
            )
        scope = ForeignScope(
            target.uid,
            index,
            txn,
            settings,
            bool(features and features.get(FOREIGN_KEYS)),
            opener,
            FILTER_CODE,
        )
        universe = _universe(target, txn, settings, similar, token_filter, scope)
        store = VectorStore(index, txn)
        universe = universe & store.docids(similar.embedder)
        universe.discard(docid)
        raw = store.get(similar.embedder, docid)
        result = None
        dims = stored_dimensions(settings, store, similar.embedder)
        if raw is not None and universe and dims is not None:
            vector = decode(raw, dims)[0].tolist()
            query = EngineQuery(
                offset=similar.offset,
                limit=similar.limit,
                universe=universe,
                ranking_score_threshold=threshold,
                show_ranking_score=similar.show_ranking_score,
                show_ranking_score_details=similar.show_ranking_score_details,
            )
            result = vector_search(index, txn, query, similar.embedder, vector)
        hits = [] if result is None else _hits(target, txn, settings, similar, result)
    body: dict[str, Any] = {
        "hits": hits,
        "id": similar.id,
        "processingTimeMs": int((time.perf_counter() - began) * 1000),
        "limit": similar.limit,
        "offset": similar.offset,
        "estimatedTotalHits": 0 if result is None else len(result.candidates),
    }
    if show_performance_details:
        timings = Timings()
        timings.since("similar", began)
        body["performanceDetails"] = timings.view()
    return body


def _universe(
    target: SearchTarget,
    txn: Txn,
    settings: dict[str, Any],
    similar: SimilarRequest,
    token_filter: Any,
    scope: ForeignScope,
) -> Any:
    """The documents the filters allow (every document without filter), ``_foreign`` calls
    resolved within ``scope``."""
    nodes = [
        node
        for node in (
            parse_filter(similar.filter, code=FILTER_CODE),
            parse_filter(token_filter, code=FILTER_CODE),
        )
        if node is not None
    ]
    combined = And(tuple(nodes)) if len(nodes) > 1 else nodes[0] if nodes else None
    node = resolve_foreign(combined, scope)
    if node is None:
        return target.index.docids(txn)
    evaluator = FilterEvaluator(target.index, txn, settings, code=FILTER_CODE)
    try:
        evaluator.check(node)
    except LumiError as error:
        raise error.prefixed(f"Index `{target.uid}`: ") from None
    return evaluator.evaluate(node)


def _hits(
    target: SearchTarget,
    txn: Txn,
    settings: dict[str, Any],
    similar: SimilarRequest,
    result: EngineResult,
) -> list[dict[str, Any]]:
    index = target.index
    request = SearchRequest(
        attributes_to_retrieve=similar.attributes_to_retrieve,
        retrieve_vectors=similar.retrieve_vectors,
    )
    formatter = HitFormatter(
        request,
        setting_view("displayedAttributes", settings),
        list(index.fields(txn)),
        tokenizer_for(text_config(settings)),
        None,
    )
    scores = result.scores if similar.show_ranking_score else None
    details = result.details if similar.show_ranking_score_details else None
    hits = []
    for rank, docid in enumerate(result.docids):
        document = index.document(txn, docid)
        if document is None:
            continue
        hit = formatter.hit(document)
        if "_vectors" in hit:
            hit["_vectors"] = document_vectors(index, txn, docid, document)
        add_scores(hit, rank, scores, details)
        hits.append(hit)
    return hits
