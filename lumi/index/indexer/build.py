"""Keeping the search structures of an index in step with its documents and settings.

An ``Extractor`` owns some sub-databases of the index (see ``lumi.index.layout``). It is told
about every document change of a batch (old and new versions, so it can remove stale
postings before adding new ones) and can rebuild its structures from all documents when a
setting it depends on changes. ``EXTRACTORS`` lists them; the scheduler calls
``apply_changes`` through the ``DocumentWriter`` sink, ``finish_changes`` once the batch's
documents are all written, and ``rebuild`` after settings updates.

With ``BuildContext.deferred`` an extractor may keep work pending between ``apply`` calls
(postings buffered across chunks, extraction still running in worker processes) until
``finish_changes``; the caller promises to call it before anything reads the extractor's
structures and before committing. Without it every ``apply_changes`` call leaves the
structures complete.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lumi.index.index import Index
from lumi.index.indexer.write import Change
from lumi.storage.env import Txn


@dataclass(slots=True)
class BuildContext:
    """What an extractor needs: the index, its open write transaction, its settings."""

    index: Index
    txn: Txn
    settings: dict[str, Any]
    # Called between chunks of long work so a cancelation can interrupt it.
    check_abort: Callable[[], None]
    # Processes the extractor may use for CPU-bound work (``--max-indexing-threads``).
    max_workers: int = 1
    # Memory budget in bytes for in-memory buffers before they must be written out.
    max_memory: int = 1024**3
    # Whether extractors may keep work pending until ``finish_changes`` (see above).
    deferred: bool = False
    # Each extractor's pending work for this transaction, by family.
    pending: dict[str, Any] = field(default_factory=dict)


class Extractor(Protocol):
    """One family of search structures."""

    #: ``"words"``, ``"facets"`` or ``"vectors"``: the flags of ``settings_diff``.
    family: str

    def apply(self, ctx: BuildContext, changes: Sequence[Change]) -> None:
        """Update the structures for these changed documents (docid, old, new); completely
        unless ``ctx.deferred``."""

    def finish(self, ctx: BuildContext) -> None:
        """Complete whatever ``apply`` left pending in ``ctx``."""

    def rebuild(self, ctx: BuildContext) -> None:
        """Drop this family's structures and rebuild them from every stored document."""


EXTRACTORS: list[Extractor] = []


def apply_changes(ctx: BuildContext, changes: Sequence[Change]) -> None:
    for extractor in EXTRACTORS:
        extractor.apply(ctx, changes)


def finish_changes(ctx: BuildContext) -> None:
    """Complete the pending work of every extractor: the structures are then exact."""
    for extractor in EXTRACTORS:
        extractor.finish(ctx)


def rebuild(ctx: BuildContext, families: set[str]) -> None:
    for extractor in EXTRACTORS:
        if extractor.family in families:
            extractor.finish(ctx)
            extractor.rebuild(ctx)


def _register() -> None:
    from lumi.index.indexer.facets import FacetExtractor
    from lumi.index.indexer.vectors import VectorsExtractor
    from lumi.index.indexer.words import WordsExtractor

    EXTRACTORS.append(WordsExtractor())
    EXTRACTORS.append(FacetExtractor())
    EXTRACTORS.append(VectorsExtractor())


_register()
