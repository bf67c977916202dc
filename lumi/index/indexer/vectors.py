"""Keeping each document's embeddings (``lumi.index.vectors``) in step with the documents.

Document changes rewrite the rows of the embedders whose ``_vectors`` entry changed. For an
embedder that computes embeddings (``openAi``, ``ollama``, ``rest``, ``huggingFace`` and
``composite``), a document without user embeddings is rendered with the embedder's document
template and the texts are sent to the provider in batches (``lumi.index.embedding_client``);
a document whose rendered text did not change keeps its embedding, so re-sending unchanged
documents costs no call. A failed call fails the batch, so the index stays as it was.

After an ``embedders`` settings change, ``rebuild`` compares every embedder with the key its
rows were stored for (``embedders.embedder_key``): the rows of a removed or changed embedder
are dropped, and a new or changed one reads (or computes) every document's embeddings again.
A document whose entry does not fit the dimensions fails that rebuild (and so the batch).
With no embedder configured a batch costs nothing here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pyroaring import BitMap

from lumi.index.documents import document_id
from lumi.index.embedders import embedder_key, is_user_provided
from lumi.index.embedding_client import Embedder, embedder_for
from lumi.index.indexer.build import BuildContext
from lumi.index.indexer.write import Change
from lumi.index.templates import DEFAULT_MAX_BYTES, Document, DocumentTemplate
from lumi.index.vectors import MISSING, VectorStore, encode, parse_entry, regenerates

REBUILD_CHUNK = 10_000  # documents read between two cancelation checks (user vectors)
EMBED_CHUNK = 256  # documents embedded between two cancelation checks


class VectorsExtractor:
    family = "vectors"

    def apply(self, ctx: BuildContext, changes: Sequence[Change]) -> None:
        embedders = ctx.settings.get("embedders")
        if not embedders:
            return
        store = VectorStore(ctx.index, ctx.txn)
        key = ctx.index.primary_key(ctx.txn)
        for name, config in embedders.items():
            if is_user_provided(config):
                _apply_user(store, name, config["dimensions"], changes, key)
            else:
                with _Computed(ctx, store, name, config) as computed:
                    computed.apply(changes, key)

    def finish(self, ctx: BuildContext) -> None:
        """Every ``apply`` completes its work."""

    def rebuild(self, ctx: BuildContext) -> None:
        store = VectorStore(ctx.index, ctx.txn)
        embedders = ctx.settings.get("embedders", {})
        wanted = {name: embedder_key(config) for name, config in embedders.items()}
        built = store.configs()
        for name, config in built.items():
            if wanted.get(name) != config:
                store.drop(name)
        fresh = [name for name, config in wanted.items() if built.get(name) != config]
        users = {name: embedders[name] for name in fresh if is_user_provided(embedders[name])}
        if users:
            _read_all(ctx, store, users)
        key = ctx.index.primary_key(ctx.txn)
        for name in fresh:
            if name not in users:
                with _Computed(ctx, store, name, embedders[name]) as computed:
                    for changes in _all_documents(ctx, EMBED_CHUNK):
                        computed.apply(changes, key)
                        ctx.check_abort()
                    computed.save_config()


# ---------------------------------------------------------------- userProvided


def _apply_user(
    store: VectorStore, name: str, dims: int, changes: Sequence[Change], key: str | None
) -> None:
    docids = store.docids(name)
    touched = False
    for docid, old, new in changes:
        entry = _entry(new, name)
        if entry == _entry(old, name):
            continue
        touched = True
        rows = b""
        if entry is not MISSING:
            rows = encode(parse_entry(entry, name, dims, _id(new, key)))
        store.put(name, docid, rows)
        if rows:
            docids.add(docid)
        else:
            docids.discard(docid)
    if touched:
        store.set_docids(name, docids)


def _read_all(ctx: BuildContext, store: VectorStore, fresh: Mapping[str, Any]) -> None:
    """Store the rows of the ``fresh`` userProvided embedders from every document."""
    key = ctx.index.primary_key(ctx.txn)
    found = {name: BitMap() for name in fresh}
    for count, (docid, document) in enumerate(ctx.index.iter_documents(ctx.txn), 1):
        vectors = document.get("_vectors")
        if type(vectors) is dict:
            for name, config in fresh.items():
                if name in vectors:
                    dims = config["dimensions"]
                    rows = parse_entry(vectors[name], name, dims, _id(document, key))
                    if rows:
                        store.put(name, docid, encode(rows))
                        found[name].add(docid)
        if count % REBUILD_CHUNK == 0:
            ctx.check_abort()
    for name, config in fresh.items():
        store.set_docids(name, found[name])
        store.set_config(name, embedder_key(config))


def _all_documents(ctx: BuildContext, size: int) -> Iterator[list[Change]]:
    """Every stored document as a creation, ``size`` at a time."""
    chunk: list[Change] = []
    for docid, document in ctx.index.iter_documents(ctx.txn):
        chunk.append((docid, None, document))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------- computed embeddings


class _Computed:
    """One computing embedder during one batch: its template, its client, its rows."""

    def __init__(self, ctx: BuildContext, store: VectorStore, name: str, config: Any) -> None:
        self.ctx = ctx
        self.store = store
        self.name = name
        self.config = config
        indexing = config["indexingEmbedder"] if config["source"] == "composite" else config
        self.template = DocumentTemplate(
            indexing.get("documentTemplate") or "",
            indexing.get("documentTemplateMaxBytes") or DEFAULT_MAX_BYTES,
        )
        self.embedder: Embedder | None = embedder_for(name, config)
        self.dims = config.get("dimensions") or store.learned_dimensions(name)
        # Rows of an embedder not built yet are all (re)computed by ``rebuild``, which
        # records its key once every stored document has its embedding.
        self.built = store.configs().get(name) == embedder_key(config)
        if self.embedder is not None and self.embedder.dimensions is None:
            self.embedder.dimensions = self.dims

    def __enter__(self) -> _Computed:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.embedder is not None:
            self.embedder.close()

    def apply(self, changes: Sequence[Change], key: str | None) -> None:
        store, name = self.store, self.name
        docids, generated = store.docids(name), store.generated(name)
        given: list[tuple[int, Any, str]] = []
        wanted: list[tuple[int, str]] = []
        for docid, old, new in changes:
            entry = _entry(new, name)
            if new is None or not regenerates(entry):
                if new is None or entry != _entry(old, name) or docid in generated:
                    given.append((docid, None if new is None else entry, _id(new, key)))
                continue
            text = self._render(new)
            if docid in generated and old is not None and self._render(old) == text:
                continue
            wanted.append((docid, text))
        self._compute(wanted, docids, generated)
        for docid, entry, external in given:
            rows = self._given_rows(entry, external)
            store.put(name, docid, rows)
            generated.discard(docid)
            if rows:
                docids.add(docid)
            else:
                docids.discard(docid)
        if given or wanted:
            store.set_docids(name, docids)
            store.set_generated(name, generated)
            if self.built:
                self.save_config()

    def save_config(self) -> None:
        self.store.set_config(self.name, embedder_key(self.config), self.dims)

    def _render(self, document: dict[str, Any]) -> str:
        return self.template.render(Document(document, self.ctx.settings))

    def _compute(self, wanted: list[tuple[int, str]], docids: BitMap, generated: BitMap) -> None:
        if not wanted or self.embedder is None:
            return
        for start in range(0, len(wanted), EMBED_CHUNK):
            part = wanted[start : start + EMBED_CHUNK]
            embeddings = self.embedder.embed([text for _docid, text in part])
            self.dims = self.embedder.dimensions
            for (docid, _text), embedding in zip(part, embeddings, strict=True):
                self.store.put(self.name, docid, encode([embedding]))
                docids.add(docid)
                generated.add(docid)
            self.ctx.check_abort()

    def _given_rows(self, entry: Any, external: str) -> bytes:
        """The user's embeddings of one entry (``None``: the document is gone)."""
        if entry is None or entry is MISSING:
            return b""
        if self.dims is None:
            self.dims = _first_length(entry)
            if self.embedder is not None:
                self.embedder.dimensions = self.dims
        if self.dims is None:
            return b""
        return encode(parse_entry(entry, self.name, self.dims, external))


def _first_length(entry: Any) -> int | None:
    """The length of the first embedding an entry gives (None when it gives none)."""
    value = entry.get("embeddings") if type(entry) is dict else entry
    if type(value) is not list or not value:
        return None
    first = value[0]
    return len(first) if type(first) is list else len(value)


def _entry(document: dict[str, Any] | None, name: str) -> Any:
    """The ``_vectors`` entry of ``name`` in ``document``, ``MISSING`` when there is none."""
    if document is None:
        return MISSING
    vectors = document.get("_vectors")
    if type(vectors) is not dict:
        return MISSING
    return vectors.get(name, MISSING)


def _id(document: dict[str, Any] | None, key: str | None) -> str:
    """The document's id for messages (its primary key value)."""
    if document is None or key is None:
        return ""
    return document_id(document, key)
