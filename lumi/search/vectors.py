"""Similarity between a query vector and the stored embeddings of an embedder.

Search is exhaustive: every embedding of the candidates is compared with the query (cosine
similarity, one numpy matrix product), which is exact and fast enough for the collections
one Lumi node serves. The matrix of an embedder (every row normalized, with the docid of each
row) is loaded once per index snapshot: it is cached per index environment and embedder,
keyed by the LMDB transaction id, which only changes when a write commits.

A document ranks by its best embedding. Similarities are reported in ``[0, 1]``:
``(1 + cosine) / 2``, so identical directions score 1 and opposite ones 0.

``vectors_view`` is what ``retrieveVectors`` shows for a stored document: the embeddings of
every configured embedder (``{"embeddings": [[...]], "regenerate": <bool>}``, an empty list
when there is none; ``regenerate`` is true where the embedder computed them), merged over the
document's own ``_vectors`` entries for embedders the index does not have.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.index.vectors import F32, VectorStore, decode, stored_dimensions
from lumi.storage.env import Txn

_CACHE_SIZE = 16  # embedder matrices kept, across indexes
_PLAIN_RANGE = (1e-18, 1e18)  # largest components whose float32 squares neither vanish nor overflow


@dataclass(frozen=True, slots=True)
class EmbedderMatrix:
    """Every stored embedding of one embedder: one normalized row each, with its docid."""

    docids: np.ndarray  # uint32, one per row, ascending
    rows: np.ndarray  # float32, shape (len(docids), dimensions), rows of norm 1 (or 0)


@dataclass(frozen=True, slots=True)
class Ranked:
    """Documents by decreasing similarity (each with its best embedding's similarity)."""

    docids: np.ndarray  # uint32
    similarities: np.ndarray  # float32, in [0, 1], decreasing


_cache: dict[tuple[str, int, str], tuple[int, int, EmbedderMatrix]] = {}
_lock = threading.Lock()


def embedder_matrix(index: Index, txn: Txn, name: str, dims: int) -> EmbedderMatrix:
    """The embeddings of ``name`` in the snapshot ``txn``, loaded at most once per snapshot."""
    key = (str(index.path), id(index.env), name)
    snapshot = txn.id()
    cached = _cache.get(key)
    if cached is not None and cached[0] == snapshot and cached[1] == dims:
        return cached[2]
    matrix = _load(VectorStore(index, txn), name, dims)
    with _lock:
        if key not in _cache and len(_cache) >= _CACHE_SIZE:
            del _cache[next(iter(_cache))]
        _cache[key] = (snapshot, dims, matrix)
    return matrix


def _load(store: VectorStore, name: str, dims: int) -> EmbedderMatrix:
    docids: list[np.ndarray] = []
    blocks: list[np.ndarray] = []
    for docid, raw in store.rows(name):
        rows = decode(raw, dims)
        blocks.append(rows)
        docids.append(np.full(len(rows), docid, dtype=np.uint32))
    if not blocks:
        return EmbedderMatrix(np.empty(0, np.uint32), np.empty((0, dims), F32))
    rows = np.concatenate(blocks).astype(np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    with np.errstate(invalid="ignore"):  # rows with infinite components become NaN rows
        return EmbedderMatrix(np.concatenate(docids), rows / norms)


def rank(matrix: EmbedderMatrix, vector: list[float], universe: BitMap | None) -> Ranked:
    """The documents of ``universe`` (None: all) with embeddings, most similar first; ties
    keep docid order."""
    docids, rows = matrix.docids, matrix.rows
    if universe is not None and len(docids):
        keep = np.isin(docids, np.fromiter(universe, dtype=np.uint32, count=len(universe)))
        docids, rows = docids[keep], rows[keep]
    if not len(docids):
        return Ranked(docids, np.empty(0, np.float32))
    cosine = rows @ _unit(vector)
    similarity = np.clip((1.0 + cosine) / 2.0, 0.0, 1.0).astype(np.float32)
    similarity[np.isnan(similarity)] = 0.0  # rows stored with infinite components
    order = np.argsort(-similarity, kind="stable")
    ordered = docids[order]
    _unique, first = np.unique(ordered, return_index=True)
    best = np.sort(first)  # each document at its best row, keeping the ranking order
    return Ranked(ordered[best], similarity[order][best])


def _unit(vector: list[float]) -> np.ndarray:
    """``vector`` scaled to norm 1, in float32 as the stored rows are. Components so large or
    so small that float32 would overflow or lose them are first divided by the largest one,
    so they keep their direction. A zero vector, or one holding NaN or infinity (it has no
    direction), gives zeros."""
    query = np.asarray(vector, dtype=np.float64)
    largest = float(np.abs(query).max(initial=0.0))
    if not largest or not np.isfinite(largest):
        return np.zeros(len(query), dtype=np.float32)
    if not _PLAIN_RANGE[0] <= largest <= _PLAIN_RANGE[1]:
        query = query / largest
    query32 = query.astype(np.float32)
    norm = np.linalg.norm(query32)
    return query32 / norm if norm else query32


def shown_float(value: float) -> float:
    """A float32 as its shortest decimal form (``0.1``, not ``0.10000000149011612``)."""
    return float(str(np.float32(value)))


# ---------------------------------------------------------------- retrieveVectors


def vectors_view(index: Index, txn: Txn, docid: int) -> dict[str, Any]:
    """``{embedder: {"embeddings": [[...]], "regenerate": bool}}`` for every embedder of the
    index (``embeddings`` empty when the document has none); ``{}`` without embedders."""
    settings = index.settings(txn)
    names = settings.get("embedders")
    if not names:
        return {}
    store = VectorStore(index, txn)
    view: dict[str, Any] = {}
    for name in names:
        raw = store.get(name, docid)
        dims = stored_dimensions(settings, store, name)
        rows = [] if raw is None or dims is None else [_row(row) for row in decode(raw, dims)]
        view[name] = {"embeddings": rows, "regenerate": docid in store.generated(name)}
    return view


def document_vectors(
    index: Index, txn: Txn, docid: int, document: dict[str, Any]
) -> dict[str, Any]:
    """The whole ``_vectors`` object of a hit or document: the document's own entries for
    embedders the index does not have, then ``vectors_view``."""
    own = document.get("_vectors")
    view = vectors_view(index, txn, docid)
    if type(own) is not dict:
        return view
    return {**{k: v for k, v in own.items() if k not in view}, **view}


def _row(row: np.ndarray) -> list[float]:
    return [float(text) for text in map(str, row)]
