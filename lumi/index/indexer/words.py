"""The ``words`` extractor: keeps every full-text structure in step with the documents.

Structures (rows of ``lumi.index.layout``): ``word_docids``, ``exact_word_docids``,
``word_prefix_docids``, ``word_fid_docids``, ``word_position_docids``, ``word_pair_docids``,
``field_word_count_docids``, ``docid_word_positions`` and ``reversed_words``. ``main``
holds ``word_fields``: every dot path seen -> the field id used in those keys (-1 for a
path that is not searchable). Readers keep
nothing in memory: the typo dictionary is read from LMDB too, so every read transaction
sees structures consistent with its snapshot.

Large batches are tokenized by a pool of worker processes (``ctx.max_workers``); the parent
folds their deltas into a ``PostingBuffer`` and is the only one writing to LMDB. When the
build context is ``deferred``, changes gather into pieces of ``_PIECE`` documents per worker
(the larger a piece, the fewer keys the parent has to fold per document), a piece's
extraction runs while the parent writes the next documents, and the buffer is merged into
LMDB by ``finish``, or earlier when it outgrows its budget (``_buffer_budget``).
"""

from __future__ import annotations

import atexit
import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from lumi.index.fields import flatten, matches_attribute
from lumi.index.index import Index
from lumi.index.indexer.extract import STRUCTURES, Delta, ExtractConfig, extract
from lumi.index.indexer.postings import PostingBuffer
from lumi.index.indexer.write import Change
from lumi.index.settings import setting_view
from lumi.storage import codecs
from lumi.storage.env import Txn
from lumi.text.tokenizer import TextConfig

if TYPE_CHECKING:
    from lumi.index.indexer.build import BuildContext

FIELDS_KEY = b"word_fields"
OWNED = (*STRUCTURES, "docid_word_positions", "reversed_words")
# Below this many changes the pool's pickling costs more than it saves.
_PARALLEL_FROM = 2_000
# Documents a worker extracts at once in a deferred build.
_PIECE = 20_000
# The most the posting buffer may hold (estimated) before it is merged into LMDB. Beyond
# this, merging keys less often saves no measurable time (the frequent keys have gathered
# most of their postings already) while memory grows and lookups lose locality.
_BUFFER_CAP = 512 * 1024**2
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


def word_fields(index: Index, txn: Txn) -> dict[str, int]:
    """Dot path -> field id as used in ``word_fid_docids`` keys; -1: not searchable."""
    raw = txn.get(FIELDS_KEY, db=index.db["main"])
    return {} if raw is None else codecs.loads(raw)


class WordsExtractor:
    family = "words"

    def apply(self, ctx: BuildContext, changes: Sequence[Change]) -> None:
        if changes:
            _pipeline(ctx).add(ctx, _config(ctx, changes), changes)
        if not ctx.deferred:
            self.finish(ctx)

    def finish(self, ctx: BuildContext) -> None:
        pipeline: _Pipeline | None = ctx.pending.pop(self.family, None)
        if pipeline is not None:
            pipeline.finish(ctx)

    def rebuild(self, ctx: BuildContext) -> None:
        for name in OWNED:
            ctx.txn.drop(ctx.index.db[name], delete=False)
        ctx.txn.delete(FIELDS_KEY, db=ctx.index.db["main"])
        for chunk in _stored_chunks(ctx):
            ctx.check_abort()
            _pipeline(ctx).add(ctx, _config(ctx, chunk), chunk)
        self.finish(ctx)


def _pipeline(ctx: BuildContext) -> _Pipeline:
    pipeline = ctx.pending.get(WordsExtractor.family)
    if pipeline is None:
        pipeline = ctx.pending[WordsExtractor.family] = _Pipeline()
    return pipeline


class _Pipeline:
    """A build's changes on their way into LMDB: gathered (``waiting``), extracted by the
    workers (``running``, oldest first), folded into ``buffer`` in that order, and merged
    into LMDB by ``finish``."""

    __slots__ = ("buffer", "config", "running", "waiting")

    def __init__(self) -> None:
        self.waiting: list[Change] = []
        self.config: ExtractConfig | None = None
        self.running: deque[Future[Delta]] = deque()
        self.buffer = PostingBuffer()

    def add(self, ctx: BuildContext, config: ExtractConfig, changes: Sequence[Change]) -> None:
        if self.waiting and config != self.config:
            self.submit(ctx)
        self.config = config
        self.waiting.extend(changes)
        if not ctx.deferred or len(self.waiting) >= ctx.max_workers * _PIECE:
            self.submit(ctx)

    def submit(self, ctx: BuildContext) -> None:
        """Extract the waiting changes, in one piece per worker; fold the pieces submitted
        before, so the workers extract these while the caller prepares the next ones."""
        changes = _collapse(self.waiting)
        config = self.config
        assert config is not None
        self.waiting = []
        workers = ctx.max_workers
        if workers <= 1 or len(changes) < _PARALLEL_FROM:
            done: Future[Delta] = Future()
            done.set_result(extract(config, changes))
            self.running.append(done)
        else:
            pool = _executor(workers)
            size = -(-len(changes) // workers)
            self.running.extend(
                pool.submit(extract, config, changes[i : i + size])
                for i in range(0, len(changes), size)
            )
        self.fold_until(ctx, workers)
        if self.buffer.size > _buffer_budget(ctx):
            self.fold_until(ctx, 0)
            self.buffer.write(ctx.index, ctx.txn)

    def fold_until(self, ctx: BuildContext, left: int) -> None:
        """Fold finished pieces, waiting for them, until ``left`` remain running."""
        running, buffer = self.running, self.buffer
        while len(running) > left:
            buffer.fold(ctx.index, ctx.txn, running.popleft().result())

    def finish(self, ctx: BuildContext) -> None:
        if self.waiting:
            self.submit(ctx)
        self.fold_until(ctx, 0)
        self.buffer.write(ctx.index, ctx.txn)


def _buffer_budget(ctx: BuildContext) -> int:
    """A quarter of the indexing memory (documents, LMDB's dirty pages and the workers take
    the rest), at most ``_BUFFER_CAP``."""
    return min(ctx.max_memory // 4, _BUFFER_CAP)


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
