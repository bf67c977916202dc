"""Document tasks of an index batch: additions, updates, deletions by id or filter, clearing.

Each task is all-or-nothing: its payload is parsed and every document id checked before
anything of it is written, so a bad payload fails only its own task. The primary key is the
index's, else the first addition's ``primaryKey`` parameter, else inferred from the first
document of the batch.
"""

from __future__ import annotations

from lumi.errors import LumiError
from lumi.index.documents import document_id, infer_primary_key, merge_documents, validate_geo
from lumi.index.payloads.formats import PayloadFormat
from lumi.index.payloads.parse import parse_documents
from lumi.index.settings import is_filterable, is_sortable
from lumi.index.vectors import document_embeddings, embedder_dimensions
from lumi.tasks.models import Task
from lumi.tasks.process.base import BatchContext, TaskResult
from lumi.tasks.process.index_access import IndexWork

# Documents written between two cancelation checks.
_CHUNK = 10_000


class DocumentTaskRunner:
    def __init__(self, ctx: BatchContext, work: IndexWork) -> None:
        self.ctx = ctx
        self.work = work
        self.index_key = work.primary_key
        self.batch_key: str | None = None

    def run(self, task: Task) -> TaskResult:
        if task.type == "documentAdditionOrUpdate":
            return self._add(task)
        operation = task.params.get("operation")
        if operation == "clear":
            return TaskResult("succeeded", {"deletedDocuments": self.work.clear_documents()})
        if operation == "ids":
            ids: list[str] = task.params.get("ids", [])
            deleted = sum(1 for external_id in ids if self.work.writer.delete(external_id))
            return TaskResult(
                "succeeded",
                {"providedIds": len(ids), "deletedDocuments": deleted, "originalFilter": None},
            )
        if operation == "filter":
            return self._delete_by_filter(task)
        raise LumiError("internal", f"Unexpected task `{task.uid}` in a document batch.")

    def _delete_by_filter(self, task: Task) -> TaskResult:
        """Delete the documents the task's filter selects, as the batch has left them so far:
        pending changes are indexed first so the filter sees them."""
        work = self.work
        details = {**(task.details or {}), "deletedDocuments": 0}
        try:
            docids = work.select(task)
        except LumiError as error:
            return TaskResult.failed(error, details)
        key = work.primary_key or self.batch_key
        if docids and key is not None:
            details["deletedDocuments"] = work.writer.delete_docids(docids, key, document_id)
        return TaskResult("succeeded", details)

    def finish(self) -> None:
        """Record the primary key the batch settled on."""
        if self.index_key is None and self.batch_key is not None:
            self.work.index.set_primary_key(self.work.txn, self.batch_key)
            self.work.primary_key = self.batch_key

    def _add(self, task: Task) -> TaskResult:
        params = task.params
        received = (task.details or {}).get("receivedDocuments", 0)
        try:
            documents = parse_documents(
                self.ctx.payload(task),
                PayloadFormat(params["format"]),
                params.get("csvDelimiter") or ",",
            )
            key = self._primary_key(task, documents)
            ids = [document_id(doc, key) for doc in documents] if key is not None else []
            if self._geo_checked():
                for doc, external_id in zip(documents, ids, strict=True):
                    validate_geo(doc, external_id)
            dimensions = embedder_dimensions(self.work.index.settings(self.work.txn))
            if dimensions:
                for doc, external_id in zip(documents, ids, strict=True):
                    document_embeddings(doc, dimensions, external_id)
        except LumiError as error:
            return TaskResult.failed(error, {"receivedDocuments": received, "indexedDocuments": 0})
        if key is not None and self.index_key is None:
            self.batch_key = key
        return TaskResult(
            "succeeded",
            {"receivedDocuments": received, "indexedDocuments": self._write(task, ids, documents)},
        )

    def _geo_checked(self) -> bool:
        """``_geo`` values are validated once ``_geo`` is filterable or sortable."""
        settings = self.work.index.settings(self.work.txn)
        return is_filterable(settings, "_geo") is not None or is_sortable(settings, "_geo")

    def _primary_key(self, task: Task, documents: list[dict]) -> str | None:
        wanted = task.params.get("primaryKey")
        if self.index_key is not None:
            if wanted is not None and wanted != self.index_key:
                raise LumiError(
                    "index_primary_key_already_exists",
                    f"Index `{task.index_uid}`: Index already has a primary key: "
                    f"`{self.index_key}`.",
                )
            return self.index_key
        if self.batch_key is not None:
            return self.batch_key
        if wanted is not None:
            return wanted
        if documents:
            return infer_primary_key(documents[0])
        return None

    def _write(self, task: Task, ids: list[str], documents: list[dict]) -> int:
        writer = self.work.writer
        update = task.params.get("method") == "update"
        skip_creation = bool(task.params.get("skipCreation"))
        written = 0
        for n, (external_id, document) in enumerate(zip(ids, documents, strict=True)):
            if n and n % _CHUNK == 0:
                self.ctx.check_abort()
                self.ctx.report_progress("indexing documents", n, len(documents))
                writer.flush()
            found = writer.existing(external_id) if (update or skip_creation) else None
            if skip_creation and found is None:
                continue
            if update and found is not None:
                document = merge_documents(found[1], document)
            writer.put(external_id, document)
            written += 1
        return written
