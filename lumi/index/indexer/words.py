"""The ``words`` extractor: keeps every full-text structure in step with the documents.

Structures (rows of ``lumi.index.layout``): ``word_docids``, ``exact_word_docids``,
``word_prefix_docids``, ``word_fid_docids``, ``word_position_docids``, ``word_pair_docids``,
``field_word_count_docids``, ``docid_word_positions`` and ``reversed_words``. ``main``
holds ``word_fields``: every dot path seen -> the field id used in those keys (-1 for a
path that is not searchable). Readers keep
nothing in memory: the typo dictionary is read from LMDB too, so every read transaction
sees structures consistent with its snapshot.

Large batches are tokenized by a pool of worker processes (``ctx.max_workers``); the parent
merges their deltas and is the only one writing to LMDB.
"""

from __future__ import annotations

import atexit
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import lmdb

from lumi.index.fields import flatten, matches_attribute
from lumi.index.index import Index
from lumi.index.indexer.extract import STRUCTURES, ExtractConfig, extract
from lumi.index.indexer.postings import write_deltas
from lumi.index.indexer.write import Change
from lumi.index.settings import setting_view
from lumi.storage import codecs
from lumi.text.tokenizer import TextConfig

if TYPE_CHECKING:
    from lumi.index.indexer.build import BuildContext

FIELDS_KEY = b"word_fields"
OWNED = (*STRUCTURES, "docid_word_positions", "reversed_words")
# Below this many changes the pool's pickling costs more than it saves.
_PARALLEL_FROM = 2_000
_REBUILD_CHUNK = 20_000

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def text_config(settings: dict[str, Any]) -> TextConfig:
    """The tokenizer configuration the index settings ask for (indexing and queries)."""
    return TextConfig(
        separators=tuple(sorted(setting_view("separatorTokens", settings))),
        non_separators=tuple(sorted(setting_view("nonSeparatorTokens", settings))),
        dictionary=tuple(sorted(setting_view("dictionary", settings))),
        stop_words=frozenset(setting_view("stopWords", settings)),
    )


def word_fields(index: Index, txn: lmdb.Transaction) -> dict[str, int]:
    """Dot path -> field id as used in ``word_fid_docids`` keys; -1: not searchable."""
    raw = txn.get(FIELDS_KEY, db=index.db["main"])
    return {} if raw is None else codecs.loads(raw)


class WordsExtractor:
    family = "words"

    def apply(self, ctx: BuildContext, changes: Sequence[Change]) -> None:
        if not changes:
            return
        config = _config(ctx, changes)
        _write(ctx, config, _collapse(changes))

    def rebuild(self, ctx: BuildContext) -> None:
        for name in OWNED:
            ctx.txn.drop(ctx.index.db[name], delete=False)
        ctx.txn.delete(FIELDS_KEY, db=ctx.index.db["main"])
        for chunk in _stored_chunks(ctx):
            ctx.check_abort()
            config = _config(ctx, chunk)
            _write(ctx, config, chunk)


def _collapse(changes: Sequence[Change]) -> list[Change]:
    """One change per document: its version before the batch and its last version, so that
    postings added by an early change are never left behind by a later one."""
    merged: dict[int, Change] = {}
    for docid, old, new in changes:
        first = merged.get(docid)
        merged[docid] = (docid, old if first is None else first[1], new)
    return list(merged.values())


def _stored_chunks(ctx: BuildContext) -> Iterator[list[Change]]:
    chunk: list[Change] = []
    for docid, document in ctx.index.iter_documents(ctx.txn):
        chunk.append((docid, None, document))
        if len(chunk) >= _REBUILD_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _config(ctx: BuildContext, changes: Sequence[Change]) -> ExtractConfig:
    """Settings-derived extraction inputs; gives ids to searchable paths seen first here."""
    settings = ctx.settings
    fields = word_fields(ctx.index, ctx.txn)
    known = set(fields)
    searchable = settings.get("searchableAttributes", ["*"])
    seen: set[str] = set()
    for _docid, _old, new in changes:
        if new is not None:
            _paths(new, seen)
    fresh = sorted(seen - known)
    if fresh:
        for path in fresh:
            if any(matches_attribute(entry, path) for entry in searchable):
                fields[path] = len(fields)
            else:
                fields[path] = -1
        ctx.txn.put(FIELDS_KEY, codecs.dumps(fields), db=ctx.index.db["main"])
    typo = setting_view("typoTolerance", settings)
    exact_names = typo["disableOnAttributes"]
    exact = frozenset(
        fid
        for path, fid in fields.items()
        if fid >= 0 and any(matches_attribute(name, path) for name in exact_names)
    )
    return ExtractConfig(
        text=text_config(settings),
        fields={path: fid for path, fid in fields.items() if fid >= 0},
        exact_fids=exact,
        prefixes=settings.get("prefixSearch", "indexingTime") == "indexingTime",
        pairs=settings.get("proximityPrecision", "byWord") == "byWord",
    )


def _paths(document: dict, out: set[str]) -> None:
    """Dot paths of ``document``'s leaves (a shortcut for flat documents)."""
    for key, value in document.items():
        kind = type(value)
        if kind is dict or kind is list:
            out.update(flatten({key: value}))
        else:
            out.add(key)


def _write(ctx: BuildContext, config: ExtractConfig, changes: list[Change]) -> None:
    """Extract ``changes`` (one per document), in one piece per worker, and merge the
    pieces' deltas together: each key is rewritten once per batch, which matters for the
    large posting lists of frequent words and short prefixes."""
    workers = ctx.max_workers
    if workers <= 1 or len(changes) < _PARALLEL_FROM:
        write_deltas(ctx.index, ctx.txn, [extract(config, changes)])
        return
    pool = _executor(workers)
    size = -(-len(changes) // workers)
    futures = [
        pool.submit(extract, config, changes[i : i + size]) for i in range(0, len(changes), size)
    ]
    write_deltas(ctx.index, ctx.txn, [future.result() for future in futures])


def _executor(workers: int) -> ProcessPoolExecutor:
    """A pool kept for the life of the process: starting workers costs a second."""
    global _pool, _pool_size
    if _pool is None or _pool_size != workers:
        if _pool is not None:
            _pool.shutdown(cancel_futures=True)
        _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        _pool_size = workers
    return _pool


@atexit.register
def close_pool() -> None:
    """Stop the extraction workers (they start again when needed)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None
