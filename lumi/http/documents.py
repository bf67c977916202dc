"""``/indexes/{uid}/documents``: add, update, browse, fetch, get one, and delete."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.auth import access_of
from lumi.http.body import read_body
from lumi.http.enqueue import engine_of, enqueue
from lumi.http.indexes import json_body
from lumi.http.params import path_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import (
    Body,
    Field,
    Invalid,
    Query,
    any_json,
    array,
    boolean,
    integer,
    nullable,
    parse_value,
    q_boolean,
    q_integer,
    q_list,
    q_string,
    string,
)
from lumi.http.views import offset_page
from lumi.index.documents import is_valid_document_id
from lumi.index.payloads.formats import format_from_content_type, validate_csv_delimiter
from lumi.index.payloads.parse import parse_documents
from lumi.search.documents import browse, document_view
from lumi.search.filters.evaluate import check_contains
from lumi.search.filters.parameter import parse_filter
from lumi.search.request import decode_filter, split_sort
from lumi.search.vectors import document_vectors
from lumi.tasks import builders

# Bodies above this size are parsed on a worker thread to keep the event loop responsive.
_INLINE_PARSE = 256 * 1024


def _skip_creation(value: str) -> bool:
    if value in ("true", "false"):
        return value == "true"
    raise LumiError(
        "invalid_skip_creation", f"skipCreation must be either `true` or `false`. Found: `{value}`"
    )


def _csv_delimiter(value: str) -> str:
    return validate_csv_delimiter(value)


ADD_QUERY = Query(
    [
        Field("primaryKey", q_string(), "invalid_index_primary_key"),
        Field("csvDelimiter", _csv_delimiter, "invalid_document_csv_delimiter"),
        Field("customMetadata", q_string(), "invalid_index_custom_metadata"),
        Field("skipCreation", _skip_creation, "invalid_skip_creation"),
    ]
)
META_QUERY = Query([Field("customMetadata", q_string(), "invalid_index_custom_metadata")])


def _id_list(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


BROWSE_QUERY = Query(
    [
        Field("offset", q_integer(), "invalid_document_offset", default=0),
        Field("limit", q_integer(), "invalid_document_limit", default=20),
        Field("fields", q_list(q_string()), "invalid_document_fields"),
        Field("retrieveVectors", q_boolean(), "invalid_document_retrieve_vectors", default=False),
        Field("ids", _id_list, "invalid_document_ids"),
        Field("filter", decode_filter, "invalid_document_filter"),
        Field("sort", split_sort, "invalid_document_sort"),
    ]
)


def _ids_body(value: Any) -> list[str]:
    return [_stringify_id(v) for v in value]


FETCH_BODY = Body(
    [
        Field("offset", integer(), "invalid_document_offset", default=0),
        Field("limit", integer(), "invalid_document_limit", default=20),
        Field("fields", nullable(array(string())), "invalid_document_fields"),
        Field("retrieveVectors", boolean(), "invalid_document_retrieve_vectors", default=False),
        Field("ids", nullable(array(any_json())), "invalid_document_ids"),
        Field("filter", any_json(), "invalid_document_filter"),
        Field("sort", nullable(array(string())), "invalid_document_sort"),
    ]
)
ONE_QUERY = Query(
    [
        Field("fields", q_list(q_string()), "invalid_document_fields"),
        Field("retrieveVectors", q_boolean(), "invalid_document_retrieve_vectors", default=False),
    ]
)
DELETE_FILTER_BODY = Body(
    [
        Field(
            "filter",
            any_json(),
            "invalid_document_filter",
            required=True,
            missing_code="missing_document_filter",
        )
    ]
)


def _stringify_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Invalid("the document ids must be strings or integers")
    return str(value)


async def _add(request: Request, method: str) -> Response:
    uid = path_index_uid(request)
    params = ADD_QUERY.parse(request.query_params.multi_items())
    fmt = format_from_content_type(request.headers.get("content-type"), params.get("csvDelimiter"))
    payload = await read_body(request)
    delimiter = params.get("csvDelimiter") or ","
    if len(payload) > _INLINE_PARSE:
        documents = await asyncio.to_thread(parse_documents, payload, fmt, delimiter)
    else:
        documents = parse_documents(payload, fmt, delimiter)
    task = builders.document_addition(
        uid,
        count=len(documents),
        method=method,
        fmt=fmt.value,
        payload_size=len(payload),
        primary_key=params.get("primaryKey"),
        csv_delimiter=params.get("csvDelimiter"),
        skip_creation=params.get("skipCreation", False),
        allow_index_creation=access_of(request).allows_action("indexes.create"),
        custom_metadata=params.get("customMetadata"),
    )
    del documents
    return await enqueue(request, task, payload)


@endpoint("POST", "/indexes/{index_uid}/documents", "documents.add")
async def replace_documents(request: Request) -> Response:
    return await _add(request, "replace")


@endpoint("PUT", "/indexes/{index_uid}/documents", "documents.add")
async def update_documents(request: Request) -> Response:
    return await _add(request, "update")


def _browse(request: Request, uid: str, params: dict[str, Any]) -> dict[str, Any]:
    engine = engine_of(request)
    _meta, index = engine.open_index(uid)
    features = engine.experimental_features()
    offset, limit, fields = params["offset"], params["limit"], params.get("fields")
    with index.read() as txn:
        docids, total = browse(
            index,
            txn,
            filter_value=params.get("filter"),
            sort=params.get("sort"),
            ids=params.get("ids"),
            offset=offset,
            limit=limit,
            contains_filter=features["containsFilter"],
            uid=uid,
            foreign_keys=features["foreignKeys"],
            opener=engine,
        )
        docs = [index.document(txn, docid) for docid in docids]
        vectors = params["retrieveVectors"]
        if vectors:
            for docid, doc in zip(docids, docs, strict=True):
                if doc is not None:
                    doc["_vectors"] = document_vectors(index, txn, docid, doc)
    results = [document_view(doc, fields, vectors) for doc in docs if doc is not None]
    return offset_page(results, offset, limit, total)


@endpoint("GET", "/indexes/{index_uid}/documents", "documents.get")
async def browse_documents(request: Request) -> Response:
    uid = path_index_uid(request)
    params = BROWSE_QUERY.parse(request.query_params.multi_items())
    return json(_browse(request, uid, params))


@endpoint("POST", "/indexes/{index_uid}/documents/fetch", "documents.get")
async def fetch_documents(request: Request) -> Response:
    uid = path_index_uid(request)
    params = FETCH_BODY.parse(await json_body(request))
    if params.get("ids") is not None:
        params["ids"] = parse_value(
            array(_stringify_id), params["ids"], "invalid_document_ids", ".ids"
        )
    return json(_browse(request, uid, params))


@endpoint("GET", "/indexes/{index_uid}/documents/{document_id}", "documents.get")
async def get_document(request: Request) -> Response:
    uid = path_index_uid(request)
    params = ONE_QUERY.parse(request.query_params.multi_items())
    external = request.path_params["document_id"]
    _meta, index = engine_of(request).open_index(uid)
    doc = None
    if is_valid_document_id(external):
        with index.read() as txn:
            docid = index.docid(txn, external)
            doc = index.document(txn, docid) if docid is not None else None
            if doc is not None and docid is not None and params["retrieveVectors"]:
                doc["_vectors"] = document_vectors(index, txn, docid, doc)
    if doc is None:
        raise LumiError("document_not_found", f"Document `{external}` not found.")
    return json(document_view(doc, params.get("fields"), params["retrieveVectors"]))


async def _delete_ids(request: Request, uid: str, ids: list[str]) -> Response:
    params = META_QUERY.parse(request.query_params.multi_items())
    task = builders.document_deletion_by_ids(uid, ids, params.get("customMetadata"))
    return await enqueue(request, task)


@endpoint("DELETE", "/indexes/{index_uid}/documents/{document_id}", "documents.delete")
async def delete_document(request: Request) -> Response:
    uid = path_index_uid(request)
    return await _delete_ids(request, uid, [request.path_params["document_id"]])


@endpoint("POST", "/indexes/{index_uid}/documents/delete-batch", "documents.delete")
async def delete_batch(request: Request) -> Response:
    uid = path_index_uid(request)
    ids = parse_value(array(_stringify_id), await json_body(request), "bad_request")
    return await _delete_ids(request, uid, ids)


@endpoint("POST", "/indexes/{index_uid}/documents/delete", "documents.delete")
async def delete_by_filter(request: Request) -> Response:
    uid = path_index_uid(request)
    params = META_QUERY.parse(request.query_params.multi_items())
    body = DELETE_FILTER_BODY.parse(await json_body(request))
    value = body["filter"]
    node = parse_filter(value, code="invalid_document_filter")
    if node is None:
        raise LumiError("invalid_document_filter", "Sending an empty filter is forbidden.")
    check_contains(node, engine_of(request).experimental_features()["containsFilter"])
    task = builders.document_deletion_by_filter(uid, value, params.get("customMetadata"))
    return await enqueue(request, task)


@endpoint("DELETE", "/indexes/{index_uid}/documents", "documents.delete")
async def clear_documents(request: Request) -> Response:
    uid = path_index_uid(request)
    params = META_QUERY.parse(request.query_params.multi_items())
    task = builders.documents_clear(uid, params.get("customMetadata"))
    return await enqueue(request, task)


ENDPOINTS = [
    replace_documents,
    update_documents,
    browse_documents,
    fetch_documents,
    delete_batch,
    delete_by_filter,
    get_document,
    delete_document,
    clear_documents,
]
