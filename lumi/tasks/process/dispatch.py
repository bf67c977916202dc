"""Which processor runs which kind of batch."""

from __future__ import annotations

from lumi.errors import LumiError
from lumi.tasks.autobatcher import BatchKind
from lumi.tasks.process.base import BatchContext, BatchOutcome
from lumi.tasks.process.compaction import compact_index
from lumi.tasks.process.document_edition import run_document_edition
from lumi.tasks.process.dumps import create_dump
from lumi.tasks.process.export import run_export
from lumi.tasks.process.index_batch import run_index_batch
from lumi.tasks.process.indexes import create_index, delete_index, swap_indexes, update_index
from lumi.tasks.process.search_rules import run_search_rules
from lumi.tasks.process.snapshots import create_snapshot
from lumi.tasks.process.tasks import cancel_tasks, delete_tasks
from lumi.timefmt import now_ns


def run_batch(ctx: BatchContext) -> BatchOutcome:
    kind = ctx.plan.kind
    if kind in (
        BatchKind.DOCUMENTS,
        BatchKind.CLEAR,
        BatchKind.SETTINGS,
        BatchKind.CLEAR_AND_SETTINGS,
    ):
        return run_index_batch(ctx)
    if kind == BatchKind.DOCUMENT_EDITION:
        return run_document_edition(ctx)
    if kind == BatchKind.INDEX_CREATION:
        return create_index(ctx)
    if kind == BatchKind.INDEX_UPDATE:
        return update_index(ctx)
    if kind == BatchKind.INDEX_DELETION:
        return delete_index(ctx)
    if kind == BatchKind.INDEX_SWAP:
        return swap_indexes(ctx)
    if kind == BatchKind.TASK_CANCELATION:
        return cancel_tasks(ctx, now_ns())
    if kind == BatchKind.TASK_DELETION:
        return delete_tasks(ctx)
    if kind == BatchKind.DUMP:
        return create_dump(ctx)
    if kind == BatchKind.SNAPSHOT:
        return create_snapshot(ctx)
    if kind == BatchKind.INDEX_COMPACTION:
        return compact_index(ctx)
    if kind == BatchKind.EXPORT:
        return run_export(ctx)
    if kind in (BatchKind.SEARCH_RULES, BatchKind.SEARCH_RULES_CLEAR):
        return run_search_rules(ctx)
    raise LumiError("internal", f"Batches of kind `{kind}` are not supported by this server.")
