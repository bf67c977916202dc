"""``POST /indexes/{uid}/documents/edit``: editing documents with a Rhai function.

The request is validated like the reference does (body first, then the
``editDocumentsByFunction`` feature), but Lumi has no Rhai interpreter: with the feature on,
the request is refused with ``edit_documents_by_function_error`` instead of registering a
task that could only fail.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.documents import META_QUERY
from lumi.http.features import require_feature
from lumi.http.indexes import json_body
from lumi.http.params import path_index_uid
from lumi.http.routing import endpoint
from lumi.http.validation import Body, Field, WrongType, any_json, string

EDITION_DISABLED = (
    "Using the documents edit route requires enabling the `edit documents by function` "
    "experimental feature. See https://github.com/orgs/meilisearch/discussions/762"
)
UNSUPPORTED = (
    "Editing documents with a function is not supported by Lumi: it cannot run Rhai "
    "scripts. Fetch the documents, change them, and send them back with "
    "`PUT /indexes/{index_uid}/documents` instead."
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
    path_index_uid(request)
    META_QUERY.parse(request.query_params.multi_items())
    EDIT_BODY.parse(await json_body(request))
    require_feature(request, "editDocumentsByFunction", EDITION_DISABLED)
    raise LumiError("edit_documents_by_function_error", UNSUPPORTED)


ENDPOINTS = [edit_documents]
