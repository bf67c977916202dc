"""The remaining routes: index compaction and fields, metrics, logs, network, and the
experimental routes Lumi gates and refuses (document edition, task-queue compaction); the
gates of chats, template rendering and dynamic search rules are checked here too.

One server of its own: these tests switch experimental features on and off.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import meilisearch
import pytest

from lumi.http.chats import CHATS_DISABLED
from lumi.http.compaction import TASK_COMPACTION_DISABLED
from lumi.http.document_edition import EDITION_DISABLED
from lumi.http.logs import IN_USE, LOGS_DISABLED
from lumi.http.metrics import METRICS_DISABLED
from lumi.http.network import NETWORK_DISABLED
from lumi.http.render_template import RENDER_DISABLED
from lumi.http.search_rules import LIST_DISABLED, RULES_DISABLED
from tests.api.conftest import wait_ok
from tests.api.test_errors_api import assert_error
from tests.support.server import LumiServer

pytestmark = pytest.mark.api

MASTER_KEY = "misc-routes-master-key-42"
DOCUMENTS = [
    {"id": 1, "title": "Carol", "genre": "drama", "year": 2015, "info": {"rating": 4}},
    {"id": 2, "title": "Wall-E", "genre": "animation", "year": 2008},
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LumiServer]:
    lumi = LumiServer(tmp_path_factory.mktemp("misc") / "data", "--master-key", MASTER_KEY)
    yield lumi.start()
    lumi.stop()


@pytest.fixture(scope="module")
def client(server: LumiServer) -> meilisearch.Client:
    client = meilisearch.Client(server.url, MASTER_KEY, timeout=30)
    movies = client.index("movies")
    wait_ok(client, movies.add_documents(DOCUMENTS))
    wait_ok(
        client,
        movies.update_settings(
            {
                "displayedAttributes": ["title", "genre", "year"],
                "searchableAttributes": ["title", "info"],
                "filterableAttributes": [
                    "genre",
                    {
                        "attributePatterns": ["year"],
                        "features": {
                            "facetSearch": False,
                            "filter": {"equality": True, "comparison": True},
                        },
                    },
                ],
                "sortableAttributes": ["year"],
                "distinctAttribute": "title",
                "rankingRules": ["words", "year:desc", "typo"],
                "faceting": {"sortFacetValuesBy": {"*": "alpha", "genre": "count"}},
                "localizedAttributes": [{"attributePatterns": ["title"], "locales": ["eng"]}],
            }
        ),
    )
    return client


@pytest.fixture
def http(server: LumiServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {MASTER_KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http_client:
        yield http_client


def _features(http: httpx.Client, **switches: bool) -> None:
    http.patch("/experimental-features", json=switches).raise_for_status()


# ---- gates ------------------------------------------------------------------------------


GATED = [
    ("GET", "/metrics", None, METRICS_DISABLED),
    ("POST", "/logs/stream", {}, LOGS_DISABLED),
    ("DELETE", "/logs/stream", None, LOGS_DISABLED),
    ("POST", "/logs/stderr", {}, LOGS_DISABLED),
    ("POST", "/indexes/movies/documents/edit", {"function": "doc"}, EDITION_DISABLED),
    ("POST", "/tasks/compact", None, TASK_COMPACTION_DISABLED),
    ("GET", "/network", None, NETWORK_DISABLED),
    ("PATCH", "/network", {"self": "a"}, NETWORK_DISABLED),
    ("GET", "/chats", None, CHATS_DISABLED),
    ("PATCH", "/chats/main/settings", {}, CHATS_DISABLED),
    ("POST", "/dynamic-search-rules", {}, LIST_DISABLED),
    ("GET", "/dynamic-search-rules/pin", None, RULES_DISABLED),
    ("POST", "/render-template", {"template": {}}, RENDER_DISABLED),
]


@pytest.mark.parametrize(("method", "path", "body", "message"), GATED)
def test_experimental_routes_need_their_feature(
    client: meilisearch.Client,
    http: httpx.Client,
    method: str,
    path: str,
    body: Any,
    message: str,
) -> None:
    response = (
        http.request(method, path, json=body) if body is not None else http.request(method, path)
    )
    assert_error(response, 400, "feature_not_enabled", message)


# ---- index compaction and fields --------------------------------------------------------


def test_index_compaction_is_a_task_with_sizes(client: meilisearch.Client) -> None:
    task = client.index("movies").compact()
    assert task.type == "indexCompaction"
    assert task.index_uid == "movies"
    done = wait_ok(client, task)
    assert list(done.details) == ["preCompactionSize", "postCompactionSize"]
    assert client.index("movies").search("carol")["hits"][0]["title"] == "Carol"


def test_compacting_a_missing_index_fails_its_task(client: meilisearch.Client) -> None:
    done = client.wait_for_task(client.index("missing").compact().task_uid, timeout_in_ms=30_000)
    assert done.status == "failed"
    assert done.error["code"] == "index_not_found"


def test_fields_describe_what_settings_make_of_each_field(client: meilisearch.Client) -> None:
    fields = client.index("movies").get_fields()
    assert (fields.offset, fields.limit, fields.total) == (0, 20, 5)
    by_name = {field["name"]: field for field in fields.results}
    assert list(by_name) == ["genre", "id", "info", "title", "year"]
    assert by_name["title"] == {
        "name": "title",
        "displayed": {"enabled": True},
        "searchable": {"enabled": True},
        "sortable": {"enabled": False},
        "distinct": {"enabled": True},
        "rankingRule": {"enabled": False, "order": []},
        "filterable": {
            "enabled": False,
            "sortBy": "alpha",
            "facetSearch": False,
            "equality": False,
            "comparison": False,
        },
        "localized": {"locales": ["eng"]},
    }
    assert by_name["year"]["rankingRule"] == {"enabled": True, "order": ["desc"]}
    assert by_name["year"]["filterable"] == {
        "enabled": True,
        "sortBy": "alpha",
        "facetSearch": False,
        "equality": True,
        "comparison": True,
    }
    assert by_name["genre"]["filterable"]["sortBy"] == "count"
    assert by_name["id"]["displayed"] == {"enabled": False}


@pytest.mark.parametrize(
    ("body", "names", "total"),
    [
        ({"filter": {"filterable": True}}, ["genre", "year"], 2),
        ({"filter": {"searchable": True, "displayed": True}}, ["title"], 1),
        ({"filter": {"attributePatterns": ["*e*"]}}, ["genre", "title", "year"], 3),
        (
            {"filter": {"sortable": False, "rankingRule": False}},
            ["genre", "id", "info", "title"],
            4,
        ),
        ({"offset": 1, "limit": 2}, ["id", "info"], 5),
        ({"filter": None, "limit": 0}, [], 5),
    ],
)
def test_fields_can_be_filtered_and_paginated(
    client: meilisearch.Client,
    http: httpx.Client,
    body: dict[str, Any],
    names: list[str],
    total: int,
) -> None:
    page = http.post("/indexes/movies/fields", json=body).json()
    assert [field["name"] for field in page["results"]] == names
    assert page["total"] == total


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"filter": {"displayed": "yes"}},
            "invalid_index_fields_filter_displayed",
            "Invalid value type at `.filter.displayed`: expected a boolean, "
            'but found a string: `"yes"`',
        ),
        (
            {"filter": []},
            "invalid_index_fields_filter",
            "Invalid value type at `.filter`: expected an object, but found an array: `[]`",
        ),
        (
            {"limit": -1},
            "invalid_index_limit",
            "Invalid value type at `.limit`: expected a positive integer, "
            "but found a negative integer: `-1`",
        ),
    ],
)
def test_bad_fields_requests_are_refused(
    client: meilisearch.Client, http: httpx.Client, body: Any, code: str, message: str
) -> None:
    assert_error(http.post("/indexes/movies/fields", json=body), 400, code, message)


def test_fields_of_a_missing_index_are_not_found(http: httpx.Client) -> None:
    response = http.post("/indexes/missing/fields", json={})
    assert_error(response, 404, "index_not_found", "Index `missing` not found.")


# ---- metrics ----------------------------------------------------------------------------


def test_metrics_expose_instance_gauges(client: meilisearch.Client, http: httpx.Client) -> None:
    _features(http, metrics=True)
    try:
        response = http.get("/metrics")
    finally:
        _features(http, metrics=False)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    assert "# TYPE meilisearch_index_docs_count gauge" in lines
    assert 'meilisearch_index_docs_count{index="movies"} 2' in lines
    assert "meilisearch_is_indexing 0" in lines
    assert 'meilisearch_nb_tasks{kind="statuses",value="enqueued"} 0' in lines
    assert 'meilisearch_nb_tasks{kind="types",value="documentAdditionOrUpdate"} 1' in lines
    assert any(line.startswith("meilisearch_db_size_bytes ") for line in lines)


# ---- logs -------------------------------------------------------------------------------


class _Listener:
    """Reads a log stream on a thread and collects its lines."""

    def __init__(self, server: LumiServer, body: dict[str, Any]) -> None:
        self.lines: list[str] = []
        self.status: int | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(server, body), daemon=True)
        self.thread.start()
        assert self.ready.wait(10)

    def _run(self, server: LumiServer, body: dict[str, Any]) -> None:
        headers = {"Authorization": f"Bearer {MASTER_KEY}"}
        # A stream a failed test left open is cut when the server stops.
        with (
            contextlib.suppress(httpx.HTTPError),
            httpx.stream(
                "POST", f"{server.url}/logs/stream", json=body, headers=headers, timeout=30
            ) as response,
        ):
            self.status = response.status_code
            self.ready.set()
            for line in response.iter_lines():
                self.lines.append(line)

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [line for line in self.lines if text in line]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no log line with {text!r} in {self.lines}")


def test_a_log_stream_shows_requests_until_deleted(server: LumiServer, http: httpx.Client) -> None:
    _features(http, logsRoute=True)
    try:
        listener = _Listener(server, {"target": "info", "mode": "human"})
        assert listener.status == 200
        second = http.post("/logs/stream", json={"target": "info"})
        assert_error(second, 400, "bad_request", IN_USE)
        http.get("/indexes/no-such-index")
        line = listener.wait_for("route=/indexes/no-such-index ")
        assert "INFO lumi.http.requests: HTTP request method=GET" in line
        assert "status_code=404" in line
        assert http.delete("/logs/stream").status_code == 204
        listener.thread.join(10)
        assert not listener.thread.is_alive()
        json_listener = _Listener(server, {"target": "lumi.http=debug", "mode": "json"})
        http.get("/version")
        entry = json_listener.wait_for("route=/version ")
        assert '"target":"lumi.http.requests"' in entry
        assert http.delete("/logs/stream").status_code == 204
    finally:
        _features(http, logsRoute=False)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"target": "lumi=loud"},
            "Invalid value at `.target`: `lumi=loud` is not a valid log directive",
        ),
        (
            {"mode": "profile"},
            "Invalid value at `.mode`: the `profile` mode is not supported by this server",
        ),
        (
            {"mode": "xml"},
            "Unknown value `xml` at `.mode`: expected one of `human`, `json`, `profile`",
        ),
    ],
)
def test_bad_log_stream_requests_are_refused(
    http: httpx.Client, body: dict[str, Any], message: str
) -> None:
    _features(http, logsRoute=True)
    try:
        assert_error(http.post("/logs/stream", json=body), 400, "bad_request", message)
    finally:
        _features(http, logsRoute=False)


def test_the_stderr_level_can_change(http: httpx.Client) -> None:
    _features(http, logsRoute=True)
    try:
        assert http.post("/logs/stderr", json={"target": "warn,lumi.http=debug"}).status_code == 204
        assert http.post("/logs/stderr", json={"target": "info"}).status_code == 204
    finally:
        _features(http, logsRoute=False)


# ---- network ----------------------------------------------------------------------------


def test_network_starts_empty_and_merges_patches(http: httpx.Client) -> None:
    _features(http, network=True)
    try:
        assert http.get("/network").json() == {"self": None, "remotes": {}, "leader": None}
        patched = http.patch(
            "/network",
            json={
                "self": "ms-0",
                "remotes": {
                    "ms-0": {"url": "http://localhost:7700"},
                    "ms-1": {"url": "http://localhost:7701", "searchApiKey": "s"},
                },
            },
        )
        assert patched.status_code == 200
        assert patched.json() == {
            "self": "ms-0",
            "remotes": {
                "ms-0": {"url": "http://localhost:7700", "searchApiKey": None, "writeApiKey": None},
                "ms-1": {"url": "http://localhost:7701", "searchApiKey": "s", "writeApiKey": None},
            },
            "leader": None,
        }
        changed = http.patch(
            "/network", json={"remotes": {"ms-0": None, "ms-1": {"writeApiKey": "w"}}}
        ).json()
        assert changed["remotes"] == {
            "ms-1": {"url": "http://localhost:7701", "searchApiKey": "s", "writeApiKey": "w"}
        }
        assert http.get("/network").json() == changed
        cleared = http.patch("/network", json={"self": None, "remotes": None}).json()
        assert cleared == {"self": None, "remotes": {}, "leader": None}
    finally:
        _features(http, network=False)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"remotes": {"ms-2": {"searchApiKey": "k"}}}, 400, "missing_network_url"),
        ({"remotes": {"ms-2": {"url": "not a url"}}}, 400, "invalid_network_url"),
        ({"self": 3}, 400, "invalid_network_self"),
        ({"leader": "ms-0"}, 451, "requires_enterprise_edition"),
        ({"previousRemotes": {}}, 400, "unexpected_network_previous_remotes"),
    ],
)
def test_bad_network_patches_are_refused(
    http: httpx.Client, body: dict[str, Any], status: int, code: str
) -> None:
    _features(http, network=True)
    try:
        response = http.patch("/network", json=body)
    finally:
        _features(http, network=False)
    assert response.status_code == status
    assert response.json()["code"] == code


# ---- routes Lumi refuses once enabled ---------------------------------------------------


@pytest.mark.parametrize(
    ("feature", "method", "path", "body", "status", "code"),
    [
        (
            "editDocumentsByFunction",
            "POST",
            "/indexes/movies/documents/edit",
            {"filter": "id = 1"},
            400,
            "missing_document_edition_function",
        ),
        ("taskQueueCompactionRoute", "POST", "/tasks/compact", None, 500, None),
        ("chatCompletions", "GET", "/chats/main", None, 404, "chat_not_found"),
        (
            "dynamicSearchRules",
            "GET",
            "/dynamic-search-rules/pin",
            None,
            404,
            "dynamic_search_rule_not_found",
        ),
    ],
)
def test_enabled_but_unsupported_routes_say_so(
    http: httpx.Client,
    feature: str,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str | None,
) -> None:
    _features(http, **{feature: True})
    try:
        response = (
            http.request(method, path, json=body)
            if body is not None
            else http.request(method, path)
        )
    finally:
        _features(http, **{feature: False})
    assert response.status_code == status, response.text
    if code is None:
        assert response.json()["status"] == "failed"
        assert list(response.json()) == ["status", "errorMessage"]
    else:
        assert response.json()["code"] == code


def test_empty_listings_once_enabled(http: httpx.Client) -> None:
    _features(http, chatCompletions=True, dynamicSearchRules=True)
    try:
        chats = http.get("/chats", params={"limit": 5}).json()
        rules = http.post("/dynamic-search-rules", json={"offset": 2}).json()
    finally:
        _features(http, chatCompletions=False, dynamicSearchRules=False)
    assert chats == {"results": [], "offset": 0, "limit": 5, "total": 0}
    assert rules == {"results": [], "offset": 2, "limit": 20, "total": 0}


# ---- export -----------------------------------------------------------------------------


def test_export_pushes_indexes_to_another_server(
    client: meilisearch.Client, server: LumiServer, http: httpx.Client
) -> None:
    """The server exports ``movies`` to itself: the index exists there, so only documents
    travel, as new addition tasks."""
    answer = http.post(
        "/export",
        json={
            "url": server.url,
            "apiKey": MASTER_KEY,
            "payloadSize": "1 MiB",
            "indexes": {"mov*": {"overrideSettings": False}},
        },
    )
    assert answer.status_code == 200
    assert answer.json()["type"] == "export"
    done = wait_ok(client, answer.json()["taskUid"])
    assert done.details == {
        "url": server.url,
        "apiKey": "misXXXXX...",
        "payloadSize": "1 MiB",
        "indexes": {"mov*": {"filter": None, "overrideSettings": False, "matchedDocuments": 2}},
    }
    added = client.get_tasks({"types": "documentAdditionOrUpdate", "limit": 1}).results[0]
    assert added.uid > done.uid
    assert wait_ok(client, added.uid).details["receivedDocuments"] == 2


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({}, "invalid_export_url", "Missing field `url`"),
        (
            {"url": "localhost"},
            "invalid_export_url",
            "Invalid value at `.url`: relative URL without a base",
        ),
        (
            {"url": "http://x", "apiKey": 1},
            "invalid_export_api_key",
            "Invalid value type at `.apiKey`: expected a string, but found a positive integer: `1`",
        ),
        (
            {"url": "http://x", "payloadSize": "lots"},
            "invalid_export_payload_size",
            "Invalid value at `.payloadSize`: `lots` is not a valid payload size, such as "
            "`24MiB` or `100 MB`",
        ),
        (
            {"url": "http://x", "indexes": {"a b": {}}},
            "invalid_export_indexes_patterns",
            "Invalid value at `.indexes`: `a b` is not a valid index uid pattern. Index uid "
            "patterns can be an integer or a string containing only alphanumeric characters, "
            "hyphens (-), underscores (_), and optionally end with a star (*).",
        ),
        (
            {"url": "http://x", "indexes": {"a": {"overrideSettings": 1}}},
            "invalid_export_index_override_settings",
            "Invalid value type at `.indexes.a.overrideSettings`: expected a boolean, but found "
            "a positive integer: `1`",
        ),
    ],
)
def test_bad_export_requests_are_refused(
    http: httpx.Client, body: dict[str, Any], code: str, message: str
) -> None:
    assert_error(http.post("/export", json=body), 400, code, message)


def test_an_export_filter_is_checked_before_registering(http: httpx.Client) -> None:
    response = http.post(
        "/export", json={"url": "http://x", "indexes": {"movies": {"filter": "genre ="}}}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_export_index_filter"
