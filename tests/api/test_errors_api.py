"""Bad input over raw HTTP: every refusal has the reference's status and error body, never a
500, and registers nothing (the newest task uid is unchanged and no index appears).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import pytest

from tests.api.conftest import wait_ok
from tests.support.server import LumiServer

LINK = "https://docs.meilisearch.com/errors#"
JSON = {"Content-Type": "application/json"}
NDJSON = {"Content-Type": "application/x-ndjson"}
CSV = {"Content-Type": "text/csv"}
UID_RULE = (
    "Index uid can be an integer or a string containing only alphanumeric characters, hyphens "
    "(-) and underscores (_), and can not be more than 512 bytes."
)
DOC_TYPES = "`application/json`, `application/x-ndjson`, `text/csv`"


def assert_error(
    response: httpx.Response, status: int, code: str, message: str, kind: str = "invalid_request"
) -> None:
    """The response is exactly the reference's error body, keys in order."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["message", "code", "type", "link"]
    assert body == {"message": message, "code": code, "type": kind, "link": LINK + code}


def newest_task_uid(http: httpx.Client) -> int | None:
    results = http.get("/tasks", params={"limit": 1}).json()["results"]
    return results[0]["uid"] if results else None


def request(http: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """Send a request and check it registered no task."""
    before = newest_task_uid(http)
    response = http.request(method, path, **kwargs)
    assert response.status_code < 500, response.text
    assert newest_task_uid(http) == before
    return response


# --------------------------------------------------------------------------- routes


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/nope"),
        ("GET", "/indexes/movies/nope"),
        ("POST", "/tasks/1/retry"),
        ("GET", "/indexes/movies/documents/1/extra"),
    ],
)
def test_unknown_route_is_a_bare_404(http: httpx.Client, method: str, path: str) -> None:
    response = request(http, method, path)
    assert response.status_code == 404
    assert response.content == b""


@pytest.mark.parametrize(
    "method, path",
    [
        ("PUT", "/indexes"),
        ("DELETE", "/health"),
        ("POST", "/version"),
        ("PATCH", "/tasks"),
        ("GET", "/swap-indexes"),
        ("PUT", "/tasks/cancel"),
        ("GET", "/tasks/cancel"),
        ("PUT", "/indexes/movies/documents/1"),
        ("DELETE", "/batches/0"),
    ],
)
def test_wrong_method_is_a_bare_405(http: httpx.Client, method: str, path: str) -> None:
    response = request(http, method, path)
    assert response.status_code == 405
    assert response.content == b""


def test_trailing_slash_routes_like_the_bare_path(http: httpx.Client) -> None:
    assert http.get("/health/").json() == {"status": "available"}
    assert http.get("/indexes/").status_code == 200


# --------------------------------------------------------------------------- JSON bodies

JSON_ROUTES = [
    ("POST", "/indexes"),
    ("PATCH", "/indexes/movies"),
    ("POST", "/swap-indexes"),
    ("POST", "/indexes/movies/documents/fetch"),
    ("POST", "/indexes/movies/documents/delete-batch"),
    ("POST", "/webhooks"),
]


@pytest.mark.parametrize("method, path", JSON_ROUTES)
def test_json_route_without_content_type(http: httpx.Client, method: str, path: str) -> None:
    response = request(http, method, path, content=b'{"uid": "x"}')
    assert_error(
        response,
        415,
        "missing_content_type",
        "A Content-Type header is missing. Accepted values for the Content-Type header are: "
        "`application/json`",
    )


@pytest.mark.parametrize("method, path", JSON_ROUTES)
def test_json_route_with_wrong_content_type(http: httpx.Client, method: str, path: str) -> None:
    response = request(http, method, path, content=b"{}", headers={"Content-Type": "text/csv"})
    assert_error(
        response,
        415,
        "invalid_content_type",
        "The Content-Type `text/csv` is invalid. Accepted values for the Content-Type header "
        "are: `application/json`",
    )


@pytest.mark.parametrize("method, path", JSON_ROUTES)
def test_json_route_with_empty_body(http: httpx.Client, method: str, path: str) -> None:
    response = request(http, method, path, content=b"", headers=JSON)
    assert_error(response, 400, "missing_payload", "A json payload is missing.")


@pytest.mark.parametrize(
    "body, detail",
    [
        (b'{"uid":', "EOF while parsing a value at line 1 column 7"),
        (b'{"uid": "a",}', "trailing comma at line 1 column 13"),
        (b"{uid: 1}", "key must be a string at line 1 column 2"),
        (b'{"uid": "a"} x', "trailing characters at line 1 column 14"),
    ],
)
def test_malformed_json(http: httpx.Client, body: bytes, detail: str) -> None:
    response = request(http, "POST", "/indexes", content=body, headers=JSON)
    assert_error(
        response,
        400,
        "malformed_payload",
        f"The json payload provided is malformed. `{detail}`.",
    )


def test_json_content_type_with_charset_is_accepted(
    client: meilisearch.Client, http: httpx.Client, index_uid: str
) -> None:
    response = http.post(
        "/indexes",
        content=b'{"uid": "%s"}' % index_uid.encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 202, response.text
    wait_ok(client, response.json())


@pytest.mark.parametrize(
    "path, body, status, code, message",
    [
        (
            "/indexes",
            {"uid": "x", "foo": 1},
            400,
            "bad_request",
            "Unknown field `foo`: expected one of `uid`, `primaryKey`",
        ),
        (
            "/indexes",
            {"uid": "x", "primaryKy": "id"},
            400,
            "bad_request",
            "Unknown field `primaryKy`: did you mean `primaryKey`? expected one of `uid`, "
            "`primaryKey`",
        ),
        (
            "/indexes",
            {"uid": 1},
            400,
            "invalid_index_uid",
            "Invalid value type at `.uid`: expected a string, but found a positive integer: `1`",
        ),
        (
            "/indexes",
            {"uid": "x", "primaryKey": True},
            400,
            "invalid_index_primary_key",
            "Invalid value type at `.primaryKey`: expected a string, but found a boolean: `true`",
        ),
        ("/indexes", {"primaryKey": "id"}, 400, "missing_index_uid", "Missing field `uid`"),
        (
            "/indexes",
            ["x"],
            400,
            "bad_request",
            'Invalid value type: expected an object, but found an array: `["x"]`',
        ),
        (
            "/swap-indexes",
            [{"indexes": ["a", "b"], "rename": "yes"}],
            400,
            "invalid_swap_rename",
            'Invalid value type at `[0].rename`: expected a boolean, but found a string: `"yes"`',
        ),
        (
            "/swap-indexes",
            [{"indexes": "a"}],
            400,
            "invalid_swap_indexes",
            'Invalid value type at `[0].indexes`: expected an array, but found a string: `"a"`',
        ),
        (
            "/indexes/movies/documents/fetch",
            {"limit": "10"},
            400,
            "invalid_document_limit",
            "Invalid value type at `.limit`: expected a positive integer, but found a string: "
            '`"10"`',
        ),
        (
            "/indexes/movies/documents/fetch",
            {"offset": -1},
            400,
            "invalid_document_offset",
            "Invalid value type at `.offset`: expected a positive integer, but found a negative "
            "integer: `-1`",
        ),
        (
            "/indexes/movies/documents/fetch",
            {"fields": "title"},
            400,
            "invalid_document_fields",
            'Invalid value type at `.fields`: expected an array, but found a string: `"title"`',
        ),
        (
            "/indexes/movies/documents/fetch",
            {"limits": 1},
            400,
            "bad_request",
            "Unknown field `limits`: did you mean `limit`? expected one of `offset`, `limit`, "
            "`fields`, `retrieveVectors`, `ids`, `filter`, `sort`",
        ),
        (
            "/indexes/movies/documents/delete-batch",
            {"ids": [1]},
            400,
            "bad_request",
            'Invalid value type: expected an array, but found an object: `{"ids":[1]}`',
        ),
    ],
)
def test_unknown_fields_and_wrong_types(
    http: httpx.Client, path: str, body: Any, status: int, code: str, message: str
) -> None:
    response = request(http, "POST", path, json=body)
    assert_error(response, status, code, message)


@pytest.mark.parametrize(
    "path, message",
    [
        ("/indexes?foo=1", "Unknown parameter `foo`: expected one of `offset`, `limit`"),
        (
            "/indexes/movies/documents?fild=a",
            "Unknown parameter `fild`: expected one of `offset`, `limit`, `fields`, "
            "`retrieveVectors`, `ids`, `filter`, `sort`",
        ),
    ],
)
def test_unknown_query_parameters(http: httpx.Client, path: str, message: str) -> None:
    assert_error(request(http, "GET", path), 400, "bad_request", message)


def test_index_uid_errors_create_nothing(http: httpx.Client) -> None:
    response = request(http, "POST", "/indexes", json={"uid": "bad uid"})
    assert_error(
        response,
        400,
        "invalid_index_uid",
        f"Invalid value at `.uid`: `bad uid` is not a valid index uid. {UID_RULE}",
    )
    assert_error(
        request(http, "GET", "/indexes/bad%20uid"),
        400,
        "invalid_index_uid",
        f"`bad uid` is not a valid index uid. {UID_RULE}",
    )


# --------------------------------------------------------------------------- documents bodies

DOCS = "/indexes/movies/documents"


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_documents_without_content_type(http: httpx.Client, method: str) -> None:
    response = request(http, method, DOCS, content=b'[{"id": 1}]')
    assert_error(
        response,
        415,
        "missing_content_type",
        "A Content-Type header is missing. Accepted values for the Content-Type header are: "
        f"{DOC_TYPES}",
    )


@pytest.mark.parametrize("content_type", ["application/xml", "text/plain", "multipart/form-data"])
def test_documents_with_unsupported_content_type(http: httpx.Client, content_type: str) -> None:
    response = request(
        http, "POST", DOCS, content=b'[{"id": 1}]', headers={"Content-Type": content_type}
    )
    assert_error(
        response,
        415,
        "invalid_content_type",
        f"The Content-Type `{content_type}` is invalid. Accepted values for the Content-Type "
        f"header are: {DOC_TYPES}",
    )


def test_csv_delimiter_needs_csv(http: httpx.Client) -> None:
    response = request(http, "POST", f"{DOCS}?csvDelimiter=;", content=b"[]", headers=JSON)
    assert_error(
        response,
        415,
        "invalid_content_type",
        "The Content-Type `application/json` does not support the use of a csv delimiter. The "
        "csv delimiter can only be used with the Content-Type `text/csv`.",
    )


@pytest.mark.parametrize(
    "query, code, message",
    [
        (
            "csvDelimiter=%C3%A9",
            "invalid_document_csv_delimiter",
            "csv delimiter must be an ascii character. Found: `é`",
        ),
        (
            "skipCreation=yes",
            "invalid_skip_creation",
            "skipCreation must be either `true` or `false`. Found: `yes`",
        ),
        (
            "primaryKeys=id",
            "bad_request",
            "Unknown parameter `primaryKeys`: did you mean `primaryKey`? expected one of "
            "`primaryKey`, `csvDelimiter`, `customMetadata`, `skipCreation`",
        ),
    ],
)
def test_document_query_errors(http: httpx.Client, query: str, code: str, message: str) -> None:
    response = request(http, "POST", f"{DOCS}?{query}", content=b"id\n1\n", headers=CSV)
    assert_error(response, 400, code, message)


@pytest.mark.parametrize(
    "headers, fmt",
    [(JSON, "json"), (NDJSON, "ndjson"), (CSV, "csv")],
    ids=["json", "ndjson", "csv"],
)
def test_empty_documents_payload(http: httpx.Client, headers: dict[str, str], fmt: str) -> None:
    response = request(http, "POST", DOCS, content=b"", headers=headers)
    assert_error(response, 400, "missing_payload", f"A {fmt} payload is missing.")


@pytest.mark.parametrize(
    "headers, body, message",
    [
        (
            JSON,
            b'[{"id": 1',
            "The `json` payload provided is malformed. `Couldn't serialize document value: EOF "
            "while parsing an object at line 1 column 9`.",
        ),
        (
            JSON,
            b"[1, 2]",
            "The `json` payload provided is malformed. `Couldn't serialize document value: data "
            "are neither an object nor a list of objects`.",
        ),
        (
            JSON,
            b'"doc"',
            "The `json` payload provided is malformed. `Couldn't serialize document value: data "
            "are neither an object nor a list of objects`.",
        ),
        (
            NDJSON,
            b'{"id": 1}\n{"id": 2',
            "The `ndjson` payload provided is malformed. `Couldn't serialize document value: EOF "
            "while parsing an object at line 2 column 8`.",
        ),
        (
            CSV,
            b"id,title\n1,a,b\n",
            "The `csv` payload provided is malformed: `CSV error: record 1 (line: 2, byte: 9): "
            "found record with 3 fields, but the previous record has 2 fields`.",
        ),
        (
            CSV,
            b"id,price:number\n1,cheap\n",
            'The `csv` payload provided is malformed: `Error parsing number "cheap" at line 1: '
            "invalid float literal`.",
        ),
    ],
    ids=["json-eof", "json-scalars", "json-string", "ndjson-eof", "csv-fields", "csv-number"],
)
def test_malformed_documents(
    http: httpx.Client, index_uid: str, headers: dict[str, str], body: bytes, message: str
) -> None:
    response = request(
        http, "POST", f"/indexes/{index_uid}/documents", content=body, headers=headers
    )
    assert_error(response, 400, "malformed_payload", message)
    assert http.get(f"/indexes/{index_uid}").status_code == 404


def test_unsupported_content_encoding(http: httpx.Client) -> None:
    response = request(
        http, "POST", DOCS, content=b"[]", headers={**JSON, "Content-Encoding": "zstd"}
    )
    assert_error(
        response,
        400,
        "bad_request",
        "The Content-Encoding `zstd` is not supported. Supported encodings are: `gzip`, "
        "`deflate`, `br`, `identity`.",
    )


def test_body_that_is_not_really_gzip(http: httpx.Client) -> None:
    response = request(
        http, "POST", DOCS, content=b'[{"id": 1}]', headers={**JSON, "Content-Encoding": "gzip"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_payload"


# --------------------------------------------------------------------------- payload size


@pytest.fixture(scope="session")
def small_limit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    data_dir: Path = tmp_path_factory.mktemp("small-limit") / "data"
    server = LumiServer(data_dir, "--http-payload-size-limit", "1KiB").start()
    with httpx.Client(base_url=server.url, timeout=30) as session:
        yield session
    server.stop()


TOO_LARGE = (
    "The provided payload reached the size limit. The maximum accepted payload size is 1 KiB."
)


@pytest.mark.parametrize(
    "path, headers, body",
    [
        ("/indexes/big/documents", JSON, b'[{"id": 1, "text": "%s"}]' % (b"x" * 2000)),
        ("/indexes/big/documents", NDJSON, b'{"id": 1, "text": "%s"}\n' % (b"x" * 2000)),
        ("/indexes", JSON, b'{"uid": "big", "primaryKey": "%s"}' % (b"x" * 2000)),
    ],
    ids=["json", "ndjson", "index"],
)
def test_payload_over_the_limit(
    small_limit: httpx.Client, path: str, headers: dict[str, str], body: bytes
) -> None:
    response = request(small_limit, "POST", path, content=body, headers=headers)
    assert_error(response, 413, "payload_too_large", TOO_LARGE)


def test_compressed_payload_over_the_limit_once_decoded(small_limit: httpx.Client) -> None:
    body = b'[{"id": 1, "text": "%s"}]' % (b"x" * 5000)
    compressed = gzip.compress(body)
    assert len(compressed) < 1024
    response = request(
        small_limit,
        "POST",
        "/indexes/big/documents",
        content=compressed,
        headers={**JSON, "Content-Encoding": "gzip"},
    )
    assert_error(response, 413, "payload_too_large", TOO_LARGE)


def test_payload_under_the_limit_is_accepted(small_limit: httpx.Client) -> None:
    response = small_limit.post("/indexes/small/documents", json=[{"id": 1}])
    assert response.status_code == 202, response.text
