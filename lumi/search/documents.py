"""Which stored documents a documents listing returns (``GET /documents``,
``POST /documents/fetch``): by ids, by ``filter``, ordered by ``sort``.

Errors use the documents routes' codes (``invalid_document_filter``,
``invalid_document_sort``) and, unlike search, carry no index prefix. Without ``sort`` the
documents come in document id order (whatever order ``ids`` lists them in, each once); with
it, by the sort entries in turn, documents lacking a value last.

Each document then shows the requested ``fields``, and its ``_vectors`` only with
``retrieveVectors`` (always then, ``{}`` when it has none); ``displayedAttributes`` do not
apply to these routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.projection import project
from lumi.index.settings import is_sortable
from lumi.search.constraints import SortCriterion, parse_sort
from lumi.search.filters.evaluate import FilterEvaluator
from lumi.search.filters.foreign import ForeignScope, resolve_foreign
from lumi.search.filters.parameter import parse_filter
from lumi.search.foreign import IndexOpener
from lumi.search.format import add_vectors
from lumi.search.ranking.base import RankingContext
from lumi.search.ranking.bucket_sort import SortRequest, bucket_sort
from lumi.search.ranking.sort import sort_rule_factories
from lumi.storage.env import Txn

FILTER_CODE = "invalid_document_filter"
SORT_CODE = "invalid_document_sort"


def browse(
    index: Index,
    txn: Txn,
    *,
    filter_value: Any = None,
    sort: Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
    offset: int = 0,
    limit: int = 20,
    contains_filter: bool = False,
    uid: str = "",
    foreign_keys: bool = False,
    opener: IndexOpener | None = None,
) -> tuple[list[int], int]:
    """The document ids of the requested page, and how many documents match in all.

    ``uid``, ``foreign_keys`` (the experimental feature) and ``opener`` let ``_foreign``
    calls in the filter reach the foreign indexes."""
    settings = index.settings(txn)
    criteria = _criteria(sort, settings) if sort else ()
    node = parse_filter(filter_value, code=FILTER_CODE)
    scope = ForeignScope(
        uid, index, txn, settings, foreign_keys, opener, FILTER_CODE, contains_filter
    )
    node = resolve_foreign(node, scope)
    selected = index.docids(txn) if ids is None else _known(index, txn, ids)
    if node is not None:
        evaluator = FilterEvaluator(
            index, txn, settings, code=FILTER_CODE, contains_filter=contains_filter
        )
        selected &= evaluator.docids(node)
    if not criteria:
        return list(selected[offset : offset + limit]), len(selected)
    ctx = RankingContext(index, txn, settings)
    rules = [factory() for factory in sort_rule_factories(criteria)]
    outcome = bucket_sort(ctx, rules, None, selected, SortRequest(offset=offset, limit=limit))
    return outcome.docids, len(selected)


def document_view(
    document: dict[str, Any], fields: list[str] | None, retrieve_vectors: bool
) -> dict[str, Any]:
    """``document`` as the documents routes answer it (it may be updated in place)."""
    if not retrieve_vectors:
        if "_vectors" in document:
            document = {k: v for k, v in document.items() if k != "_vectors"}
        return project(document, fields)
    shown = project(document, fields)
    add_vectors(shown, document)
    return shown


def _known(index: Index, txn: Txn, ids: Sequence[str]) -> BitMap:
    return BitMap(d for d in (index.docid(txn, external) for external in ids) if d is not None)


def _criteria(sort: Sequence[str], settings: dict[str, Any]) -> tuple[SortCriterion, ...]:
    try:
        criteria = parse_sort(sort)
    except LumiError as error:
        raise LumiError(SORT_CODE, error.message) from None
    for criterion in criteria:
        field = "_geo" if criterion.field is None else criterion.field
        if not is_sortable(settings, field):
            names = sorted(settings.get("sortableAttributes", ()))
            available = (
                f"Available sortable attributes are: `{', '.join(names)}`."
                if names
                else "This index does not have configured sortable attributes."
            )
            raise LumiError(SORT_CODE, f"Attribute `{field}` is not sortable. {available}")
    return criteria
