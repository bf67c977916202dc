"""``POST /indexes/{uid}/documents/edit``: editing documents with a Rhai function.

The request is validated like the reference does (body first, then the
``editDocumentsByFunction`` feature, then the filter), then a ``documentEdition`` task is
registered; the script itself is compiled and run when the task is processed.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.documents import META_QUERY
from lumi.http.enqueue import engine_of, enqueue
from lumi.http.features import require_feature
from lumi.http.indexes import json_body
from lumi.http.params import path_index_uid
from lumi.http.routing import endpoint
from lumi.http.validation import Body, Field, WrongType, any_json, string
from lumi.search.filters.evaluate import check_contains
from lumi.search.filters.parameter import parse_filter
from lumi.tasks import builders

EDITION_DISABLED = (
    "Using the documents edit route requires enabling the `edit documents by function` "
    "experimental feature. See https://github.com/orgs/meilisearch/discussions/762"
)


def _context(value: Any) -> Any:
    if value is not None and type(value) is not dict:
        raise WrongType("an object", value)
    return value


EDIT_BODY = Body(
    [
        Field(
            "function",
            string(),
            "invalid_document_edition_function_filter",
            required=True,
            missing_code="missing_document_edition_function",
        ),
        Field("filter", any_json(), "invalid_document_filter"),
        Field("context", _context, "invalid_document_edition_context"),
    ]
)


@endpoint("POST", "/indexes/{index_uid}/documents/edit", "documents.*")
async def edit_documents(request: Request) -> Response:
    uid = path_index_uid(request)
    params = META_QUERY.parse(request.query_params.multi_items())
    body = EDIT_BODY.parse(await json_body(request))
    require_feature(request, "editDocumentsByFunction", EDITION_DISABLED)
    filter_value = body.get("filter")
    node = parse_filter(filter_value, code="invalid_document_filter")
    if node is not None:
        check_contains(node, engine_of(request).experimental_features()["containsFilter"])
    task = builders.document_edition(
        uid,
        body["function"],
        filter_value=filter_value if node is not None else None,
        context=body.get("context"),
        custom_metadata=params.get("customMetadata"),
    )
    return await enqueue(request, task)


ENDPOINTS = [edit_documents]
