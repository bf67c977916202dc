"""``_foreign(field, condition)`` filters, turned into plain conditions before a search runs.

``field`` must be one of the index's ``foreignKeys``. ``condition`` is evaluated on that key's
foreign index, with that index's own filterable attributes; the primary keys of the documents
it selects become ``field IN [id, …]`` on the searched index. From there the usual checks
apply (the foreign key must be filterable, with equality), and matching follows the ``=``
rules, so ``1`` and ``"1"`` are the same id and an array field matches when one element does.
Because the condition selects single foreign documents, ``_foreign(actors, country = France
AND age > 35)`` wants one actor meeting both conditions.

Choices where the reference says little (messages are this server's own wording):

- ``_foreign`` while the ``foreignKeys`` experimental feature is off: ``feature_not_enabled``;
- a field that is not a foreign key, or a ``_foreign`` inside another one (joins are one
  level deep): the route's filter error code;
- more than ``MAX_FOREIGN_DOCUMENTS`` foreign documents selected: the route's filter error;
- a foreign index that does not exist selects nothing, as missing foreign documents do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lumi.errors import LumiError
from lumi.index.documents import document_id
from lumi.index.index import Index
from lumi.search.filters.ast import And, Condition, Foreign, Node, Not, Op, Or, Value
from lumi.search.filters.ast import format_position as position
from lumi.search.filters.evaluate import FilterEvaluator
from lumi.search.filters.lexer import number
from lumi.search.foreign import IndexOpener, foreign_keys
from lumi.storage.env import Txn

MAX_FOREIGN_DOCUMENTS = 1000
FOREIGN_DISABLED = (
    "Using `_foreign` in a filter requires enabling the `foreign keys` experimental feature. "
    "See https://www.meilisearch.com/docs/capabilities/indexing/how_to/document_relations"
)


@dataclass(frozen=True, slots=True)
class ForeignScope:
    """What resolving ``_foreign`` calls needs from the search: the searched index (uid,
    index, snapshot and stored settings), whether the feature is on, what opens the other
    indexes (None: only the searched one is reachable), and the route's filter error code."""

    uid: str
    index: Index
    txn: Txn
    settings: dict[str, Any]
    enabled: bool
    opener: IndexOpener | None
    code: str = "invalid_search_filter"
    contains_filter: bool = False


def resolve_foreign(node: Node | None, scope: ForeignScope) -> Node | None:
    """``node`` with each ``_foreign`` call replaced by an ``IN`` condition on its field.

    Raises ``LumiError``: ``feature_not_enabled``, or ``scope.code`` for a field that is not
    a foreign key, nested calls, too many foreign documents, or a condition the foreign
    index refuses (prefixed with that index's uid).
    """
    if node is None or first_foreign(node) is None:
        return node
    if not scope.enabled:
        raise LumiError("feature_not_enabled", FOREIGN_DISABLED)
    return _Resolver(scope).rebuild(node)


class _Resolver:
    __slots__ = ("keys", "scope")

    def __init__(self, scope: ForeignScope) -> None:
        self.scope = scope
        self.keys = foreign_keys(scope.settings)

    def rebuild(self, node: Node) -> Node:
        if isinstance(node, Foreign):
            return self.resolve(node)
        if isinstance(node, And):
            return And(tuple(self.rebuild(child) for child in node.children))
        if isinstance(node, Or):
            return Or(tuple(self.rebuild(child) for child in node.children))
        if isinstance(node, Not):
            return Not(self.rebuild(node.child))
        return node

    def resolve(self, node: Foreign) -> Condition:
        uid = self.keys.get(node.field)
        if uid is None:
            raise self.error(f"{_not_a_key(node.field, self.keys)}\n{position(node.field_span)}")
        nested = first_foreign(node.condition)
        if nested is not None:
            raise self.error(
                "The `_foreign` filter cannot be used inside another `_foreign` filter.\n"
                f"{position(nested.span)}"
            )
        ids = self.foreign_ids(uid, node)
        values = tuple(Value(raw, number(raw), node.field_span) for raw in ids)
        return Condition(node.field, Op.IN, values, node.field_span, node.span)

    def foreign_ids(self, uid: str, node: Foreign) -> list[str]:
        """Primary keys of the documents of index ``uid`` that ``node.condition`` selects."""
        scope = self.scope
        if uid == scope.uid:
            return self.select(uid, scope.index, scope.txn, node)
        if scope.opener is None:
            return []
        try:
            _meta, index = scope.opener.open_index(uid)
        except LumiError as error:
            if error.code != "index_not_found":
                raise
            return []
        with index.read() as txn:
            return self.select(uid, index, txn, node)

    def select(self, uid: str, index: Index, txn: Txn, node: Foreign) -> list[str]:
        scope = self.scope
        evaluator = FilterEvaluator(
            index, txn, index.settings(txn), code=scope.code, contains_filter=scope.contains_filter
        )
        try:
            docids = evaluator.docids(node.condition)
        except LumiError as error:
            raise error.prefixed(f"Index `{uid}`: ") from None
        if len(docids) > MAX_FOREIGN_DOCUMENTS:
            raise self.error(
                f"The `_foreign` filter on `{node.field}` selects {len(docids)} documents of "
                f"the index `{uid}`, more than the limit of {MAX_FOREIGN_DOCUMENTS}. Make its "
                f"filter more specific.\n{position(node.span)}"
            )
        key = index.primary_key(txn)
        if key is None:
            return []
        ids = []
        for docid in docids:
            document = index.document(txn, docid)
            if document is not None:
                ids.append(document_id(document, key))
        return ids

    def error(self, message: str) -> LumiError:
        return LumiError(self.scope.code, f"Index `{self.scope.uid}`: {message}")


def _not_a_key(field: str, keys: dict[str, str]) -> str:
    if not keys:
        return f"Attribute `{field}` is not a foreign key. This index has no foreign keys."
    names = ", ".join(f"`{name}`" for name in keys)
    return f"Attribute `{field}` is not a foreign key. Available foreign keys are: {names}."


def first_foreign(node: Node) -> Foreign | None:
    """The first ``_foreign`` call of ``node`` in reading order, if any."""
    if isinstance(node, Foreign):
        return node
    children: tuple[Node, ...] = ()
    if isinstance(node, And | Or):
        children = node.children
    elif isinstance(node, Not):
        children = (node.child,)
    for child in children:
        found = first_foreign(child)
        if found is not None:
            return found
    return None
