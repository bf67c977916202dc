"""``documentEdition`` tasks: documents edited or deleted, all or nothing."""

from __future__ import annotations

from typing import Any

import pytest

from lumi.tasks import builders
from tests.tasks.conftest import Harness

DOCS = [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}, {"id": 3, "title": "c"}]


def _edit(harness: Harness, function: str, **kw: Any) -> Any:
    harness.add_documents("movies", DOCS)
    harness.run_all()
    task = harness.register(builders.document_edition("movies", function, **kw))
    harness.run_all()
    return harness.task(task.uid)


def test_edits_and_deletes_with_context_and_filter(harness: Harness) -> None:
    harness.register(
        builders.settings_update(
            "movies", {"filterableAttributes": ["id"]}, allow_index_creation=True
        )
    )
    done = _edit(
        harness,
        "if doc.id == 1 { doc = () } else { doc.title = `${doc.title}${context.s}` }",
        filter_value="id < 3",
        context={"s": "!"},
    )
    assert done.status == "succeeded"
    assert done.details == {
        "editedDocuments": 1,
        "deletedDocuments": 1,
        "originalFilter": '"id < 3"',
        "context": {"s": "!"},
        "function": "if doc.id == 1 { doc = () } else { doc.title = `${doc.title}${context.s}` }",
    }
    assert harness.documents("movies") == [{"id": 2, "title": "b!"}, {"id": 3, "title": "c"}]


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("doc.title = ", "Index `movies`: Error while compiling the function: Expecting an"),
        (
            "doc.title = 1; if doc.id == 3 { doc.x = 1 / 0 }",
            "Index `movies`: Error while running the function on document `3`: Division by zero",
        ),
        ("doc.id = 10", "Index `movies`: The function changed the primary key of the document `1`"),
        ("doc = 5", "Index `movies`: The function must leave `doc` a map or `()`"),
    ],
)
def test_failures_leave_the_index_unchanged(harness: Harness, function: str, message: str) -> None:
    done = _edit(harness, function)
    assert done.status == "failed"
    assert done.error is not None
    assert done.error["code"] == "edit_documents_by_function_error"
    assert done.error["message"].startswith(message)
    assert (done.details or {})["editedDocuments"] == 0
    assert harness.documents("movies") == DOCS


def test_a_filter_on_a_non_filterable_attribute_fails(harness: Harness) -> None:
    done = _edit(harness, "doc.x = 1", filter_value="title = a")
    assert done.status == "failed"
    assert done.error is not None
    assert done.error["code"] == "invalid_document_filter"
    assert done.error["message"].startswith("Index `movies`: Attribute `title` is not filterable.")
