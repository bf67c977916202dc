"""``documentEdition`` batches: running a Rhai function over an index's documents.

The task is all-or-nothing: the script is compiled first, then run over every selected
document inside the index's write transaction; any script error, a changed primary key or a
``doc`` that is no longer a map aborts the transaction, so the index stays as it was.
Changed documents go through the ``DocumentWriter`` like additions do, so every search
structure is updated; a ``doc`` set to ``()`` deletes the document.
"""

from __future__ import annotations

from typing import Any

from lumi.errors import LumiError
from lumi.index.documents import document_id
from lumi.index.rhai import RhaiError, compile_script, edit_document
from lumi.tasks.models import Task
from lumi.tasks.process.base import BatchContext, BatchOutcome, TaskResult
from lumi.tasks.process.index_access import IndexWork, already_applied, open_index_work
from lumi.timefmt import now_ns

_CODE = "edit_documents_by_function_error"
# Documents edited between two cancelation checks.
_CHUNK = 1_000


def run_document_edition(ctx: BatchContext) -> BatchOutcome:
    task = ctx.tasks[0]
    uid = task.index_uid or ""
    reused = already_applied(ctx, uid)
    if reused is not None:
        return BatchOutcome(reused)
    details = {**(task.details or {}), "editedDocuments": 0, "deletedDocuments": 0}
    try:
        program = compile_script(task.params.get("function", ""))
    except RhaiError as error:
        failure = LumiError(_CODE, f"Index `{uid}`: Error while compiling the function: {error}")
        return BatchOutcome({task.uid: TaskResult.failed(failure, details)})
    try:
        with open_index_work(ctx, uid, create=False) as work:
            work.results = {task.uid: _edit(ctx, work, task, program, details)}
    except LumiError as error:
        return BatchOutcome({task.uid: TaskResult.failed(error, details)})
    meta = work.new_meta(now_ns())
    return BatchOutcome(work.results, store_changes=[lambda txn: ctx.registry.put_meta(txn, meta)])


def _edit(
    ctx: BatchContext, work: IndexWork, task: Task, program: list[Any], details: dict[str, Any]
) -> TaskResult:
    key = work.primary_key
    docids: list[int] = []
    if key is not None:
        selected = work.select(task)
        docids = list(work.writer.docids if selected is None else selected)
    context = task.params.get("context")
    writer = work.writer
    edited = deleted = 0
    for n, docid in enumerate(docids):
        if n and n % _CHUNK == 0:
            ctx.check_abort()
            ctx.report_progress("editing documents", n, len(docids))
        document = work.index.document(work.txn, docid)
        if document is None or key is None:
            continue
        external_id = document_id(document, key)
        changed = _run(program, document, context, task.index_uid, external_id)
        if changed is None:
            writer.delete(external_id)
            deleted += 1
            continue
        if _changed_id(changed, key, external_id):
            raise LumiError(
                _CODE,
                f"Index `{task.index_uid}`: The function changed the primary key of the "
                f"document `{external_id}`: a primary key cannot be changed.",
            )
        if changed != document:
            writer.put(external_id, changed)
            edited += 1
    return TaskResult(
        "succeeded", {**details, "editedDocuments": edited, "deletedDocuments": deleted}
    )


def _run(program: list[Any], document: dict[str, Any], context: Any, uid: Any, doc_id: str) -> Any:
    try:
        changed = edit_document(program, document, context)
    except RhaiError as error:
        raise LumiError(
            _CODE,
            f"Index `{uid}`: Error while running the function on document `{doc_id}`: {error}",
        ) from None
    if changed is not None and type(changed) is not dict:
        raise LumiError(
            _CODE,
            f"Index `{uid}`: The function must leave `doc` a map or `()`, "
            f"but for the document `{doc_id}` it is a value of another type.",
        )
    return changed


def _changed_id(document: dict[str, Any], key: str, external_id: str) -> bool:
    try:
        return document_id(document, key) != external_id
    except LumiError:
        return True
