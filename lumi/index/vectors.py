"""Embeddings of documents: reading them from ``_vectors``, storing them.

A document gives its embeddings in its reserved ``_vectors`` field, one entry per embedder:
an array of numbers (one embedding), an array of arrays (several), ``null`` or ``[]`` (none),
or ``{"embeddings": <one of those>, "regenerate": <bool>}``. Entries naming an embedder the
index does not have stay in the document untouched, as any other field.

The document body keeps ``_vectors`` as sent; the ``vectors`` sub-database holds, per
embedder and document, the embeddings as little-endian float32 rows (``name \\0 docid`` ->
``n * dimensions`` floats), ``vector_docids`` the documents that have at least one, and
``vector_configs`` what each embedder's stored rows follow (``embedders.embedder_key``, and
for computed embeddings the dimensions they turned out to have), so a settings change knows
which embedders to rebuild. The documents whose embeddings were computed are kept too
(key ``name \\0generated`` in ``vector_docids``), for ``_vectors.<name>.regenerate`` filters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import orjson
from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.messages import compact_json
from lumi.storage import codecs
from lumi.storage.env import Txn

MAX_VECTORS = 256  # embeddings one document may give one embedder
F32 = np.dtype("<f4")
_NUMBERS = (int, float)


def embedder_dimensions(settings: Mapping[str, Any]) -> dict[str, int]:
    """``{embedder: dimensions}`` of the index's embedders whose settings give their
    dimensions (empty when there is none); the others learn them from their provider."""
    return {
        name: config["dimensions"]
        for name, config in settings.get("embedders", {}).items()
        if config.get("dimensions") is not None
    }


def regenerates(entry: Any) -> bool:
    """Whether a ``_vectors`` entry (``MISSING`` when absent) lets a computing embedder
    compute the document's embeddings."""
    return entry is MISSING or (type(entry) is dict and entry.get("regenerate") is True)


class _Missing:
    __slots__ = ()


MISSING: Any = _Missing()


# ---------------------------------------------------------------- documents


def document_embeddings(
    document: Mapping[str, Any], dimensions: Mapping[str, int], doc_id: str
) -> dict[str, list[list[float]]]:
    """The embeddings ``document`` gives each embedder of ``dimensions`` that it names.

    Raises ``LumiError`` (``invalid_vectors_type``, ``invalid_vector_dimensions``,
    ``too_many_vectors``) when an entry of a configured embedder is malformed.
    """
    vectors = document.get("_vectors")
    if vectors is None or not dimensions:
        return {}
    if type(vectors) is not dict:
        raise LumiError(
            "invalid_vectors_type",
            f"The `_vectors` field in the document with id: `{compact_json(doc_id)}` is not an "
            "object. Was expecting an object with a key for each embedder with manually "
            f"provided vectors, but instead got `{compact_json(vectors)}`",
        )
    found = {}
    for name, value in vectors.items():
        dims = dimensions.get(name)
        if dims is not None:
            found[name] = parse_entry(value, name, dims, doc_id)
    return found


def parse_entry(value: Any, name: str, dims: int, doc_id: str) -> list[list[float]]:
    """The embeddings of one ``_vectors`` entry, each ``dims`` long."""
    if type(value) is dict:
        value = _explicit(value, name, doc_id)
    if value is None or value == []:
        return []
    if type(value) is not list:
        raise _not_an_array(name, doc_id, value)
    if all(type(item) in _NUMBERS for item in value):
        embeddings = [value]
    elif all(type(item) is list for item in value):
        embeddings = value
        if not all(type(number) in _NUMBERS for item in value for number in item):
            raise _not_an_array(name, doc_id, value)
    else:
        raise _not_an_array(name, doc_id, value)
    if len(embeddings) > MAX_VECTORS:
        raise LumiError(
            "too_many_vectors",
            f"Too many vectors for document with id {compact_json(doc_id)}: found "
            f"{len(embeddings)}, but limited to {MAX_VECTORS}.",
        )
    for embedding in embeddings:
        if len(embedding) != dims:
            raise dimension_error(dims, len(embedding))
    return [[float(number) for number in embedding] for embedding in embeddings]


def dimension_error(expected: int, found: int) -> LumiError:
    return LumiError(
        "invalid_vector_dimensions",
        f"Invalid vector dimensions: expected: `{expected}`, found: `{found}`.",
    )


def _explicit(value: dict[str, Any], name: str, doc_id: str) -> Any:
    """``{"embeddings", "regenerate"}``: the embeddings part, once the object is checked."""
    for key in value:
        if key not in ("embeddings", "regenerate"):
            raise _bad_entry(
                doc_id,
                f"Unknown field `{key}` inside `.{name}`: expected one of `embeddings`, "
                "`regenerate`",
            )
    if "regenerate" not in value:
        raise _bad_entry(doc_id, f"Missing field `regenerate` inside `.{name}`")
    regenerate = value["regenerate"]
    if type(regenerate) is not bool:
        raise _bad_entry(
            doc_id,
            f"Invalid value type at `.{name}.regenerate`: expected a boolean, but found "
            f"`{compact_json(regenerate)}`",
        )
    return value.get("embeddings")


def _bad_entry(doc_id: str, detail: str) -> LumiError:
    return LumiError(
        "invalid_vectors_type",
        f"Bad embedder configuration in the document with id: `{compact_json(doc_id)}`. {detail}",
    )


def _not_an_array(name: str, doc_id: str, value: Any) -> LumiError:
    return LumiError(
        "invalid_vectors_type",
        f"The `_vectors.{name}` field in the document with id: `{compact_json(doc_id)}` is not "
        "an array. Was expecting an array of floats or an array of arrays of floats but "
        f"instead got `{compact_json(value)}`.",
    )


# ---------------------------------------------------------------- storage


def _prefix(name: str) -> bytes:
    return name.encode() + b"\0"


def encode(embeddings: list[list[float]]) -> bytes:
    return np.asarray(embeddings, dtype=F32).tobytes()


def decode(raw: bytes, dims: int) -> np.ndarray:
    """The stored rows of one document, shape ``(n, dims)``."""
    return np.frombuffer(raw, dtype=F32).reshape(-1, dims)


class VectorStore:
    """Typed access to the vector sub-databases of one index, inside one transaction."""

    def __init__(self, index: Index, txn: Txn) -> None:
        self.txn = txn
        self._rows = index.db["vectors"]
        self._docids = index.db["vector_docids"]
        self._configs = index.db["vector_configs"]

    def get(self, name: str, docid: int) -> bytes | None:
        raw = self.txn.get(_prefix(name) + codecs.u32(docid), db=self._rows)
        return None if raw is None else bytes(raw)

    def put(self, name: str, docid: int, raw: bytes | None) -> None:
        """Store a document's rows; ``None`` (or no rows) removes them."""
        key = _prefix(name) + codecs.u32(docid)
        if raw:
            self.txn.put(key, raw, db=self._rows)
        else:
            self.txn.delete(key, db=self._rows)

    def rows(self, name: str) -> Iterator[tuple[int, bytes]]:
        """``(docid, rows)`` of every document with embeddings for ``name``, docid order."""
        prefix = _prefix(name)
        with self.txn.cursor(db=self._rows) as cursor:
            if not cursor.set_range(prefix):
                return
            for key, value in cursor:
                if not key.startswith(prefix):
                    return
                yield codecs.from_u32(key[len(prefix) :]), bytes(value)

    def docids(self, name: str) -> BitMap:
        return codecs.bitmap(self.txn.get(name.encode(), db=self._docids))

    def set_docids(self, name: str, docids: BitMap) -> None:
        if docids:
            self.txn.put(name.encode(), codecs.bitmap_bytes(docids), db=self._docids)
        else:
            self.txn.delete(name.encode(), db=self._docids)

    def configs(self) -> dict[str, tuple[Any, ...]]:
        """The key (``embedders.embedder_key``) each embedder's stored rows follow."""
        with self.txn.cursor(db=self._configs) as cursor:
            return {key.decode(): _config_key(orjson.loads(value)) for key, value in cursor}

    def set_config(
        self, name: str, config: tuple[Any, ...] | None, dimensions: int | None = None
    ) -> None:
        """Record what the rows of ``name`` follow; ``dimensions``: those computed embeddings
        turned out to have."""
        if config is None:
            self.txn.delete(name.encode(), db=self._configs)
        elif dimensions is None:
            self.txn.put(name.encode(), orjson.dumps(list(config)), db=self._configs)
        else:
            record = {"key": list(config), "dims": dimensions}
            self.txn.put(name.encode(), orjson.dumps(record), db=self._configs)

    def learned_dimensions(self, name: str) -> int | None:
        """The dimensions the computed embeddings of ``name`` have (None: none yet)."""
        raw = self.txn.get(name.encode(), db=self._configs)
        record = None if raw is None else orjson.loads(raw)
        return record.get("dims") if type(record) is dict else None

    def generated(self, name: str) -> BitMap:
        """The documents whose embeddings for ``name`` were computed by the embedder."""
        return codecs.bitmap(self.txn.get(_prefix(name) + b"generated", db=self._docids))

    def set_generated(self, name: str, docids: BitMap) -> None:
        key = _prefix(name) + b"generated"
        if docids:
            self.txn.put(key, codecs.bitmap_bytes(docids), db=self._docids)
        else:
            self.txn.delete(key, db=self._docids)

    def drop(self, name: str) -> None:
        """Forget every row of ``name``."""
        prefix = _prefix(name)
        with self.txn.cursor(db=self._rows) as cursor:
            if cursor.set_range(prefix):
                while cursor.key().startswith(prefix):
                    if not cursor.delete():
                        break
        self.set_docids(name, BitMap())
        self.set_generated(name, BitMap())
        self.set_config(name, None)


def _config_key(record: Any) -> tuple[Any, ...]:
    return tuple(record["key"] if type(record) is dict else record)


def stored_dimensions(settings: Mapping[str, Any], store: VectorStore, name: str) -> int | None:
    """The dimensions of the embeddings stored for ``name``: from its settings, else as its
    provider answered (None while it has computed none)."""
    config = settings.get("embedders", {}).get(name, {})
    if config.get("dimensions") is not None:
        return int(config["dimensions"])
    return store.learned_dimensions(name)


def documents_with_vectors(
    index: Index, txn: Txn, embedder: str | None, kind: str | None
) -> BitMap:
    """What ``_vectors[.embedder[.kind]] EXISTS`` selects: documents with an embedding for
    ``embedder`` (None: any embedder); ``userProvided`` keeps those the user gave,
    ``documentTemplate`` and ``regenerate`` those the embedder computed (no fragment is
    ever stored); an embedder the index does not have selects nothing."""
    if kind not in (None, "userProvided", "documentTemplate", "regenerate"):
        return BitMap()
    names = list(index.settings(txn).get("embedders", {}))
    store = VectorStore(index, txn)
    found = BitMap()
    for name in names:
        if embedder is None or name == embedder:
            docids = store.docids(name)
            if kind == "userProvided":
                docids -= store.generated(name)
            elif kind is not None:
                docids &= store.generated(name)
            found |= docids
    return found


def embedding_counts(index: Index, txn: Txn) -> tuple[int, int]:
    """``(embeddings, documents with at least one)`` over every embedder of the index, for
    its stats. Counting embeddings reads each stored row's length (nothing without
    embedders)."""
    settings = index.settings(txn)
    store = VectorStore(index, txn)
    embeddings = 0
    documents = BitMap()
    for name in settings.get("embedders", {}):
        dims = stored_dimensions(settings, store, name)
        if not dims:
            continue
        documents |= store.docids(name)
        embeddings += sum(len(raw) for _, raw in store.rows(name)) // (4 * dims)
    return embeddings, len(documents)
