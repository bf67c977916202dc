"""``POST /render-template`` against a real server, with the official SDK and raw HTTP.

One server of its own, with a master key: the route needs two rights, and these tests
switch experimental features on and off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import meilisearch
import pytest

from lumi.http.render_template import RENDER_DISABLED
from lumi.index.settings import DEFAULT_CHAT
from lumi.index.templates import FRAGMENTS_DISABLED, SEARCH_WITH_DOCUMENT_TEMPLATE
from tests.api.conftest import wait_ok
from tests.api.test_errors_api import assert_error
from tests.support.server import LumiServer

pytestmark = pytest.mark.api

MASTER_KEY = "render-template-master-key-42"
ARIEL = {
    "id": 2,
    "title": "Ariel",
    "overview": "Taisto Kasurinen is a Finnish coal miner whose father has just committed "
    "suicide and who is framed for a crime he did not commit.",
    "genres": ["Drama", "Crime", "Comedy"],
    "poster": "https://image.tmdb.org/t/p/w500/ojDg0PGvs6R9xYFodRct2kdI6wC.jpg",
    "release_date": 593395200,
}
UP = {"id": 3, "title": "Up", "overview": None, "genres": ["Animation"]}
GUIDE_TEMPLATE = (
    "A movie called {{doc.title}} whose description starts with: {{doc.overview|truncatewords:10}}"
)
INLINE_TEMPLATE = {"kind": "inlineDocumentTemplate", "inline": "Rendered on {{doc.id}}"}
STORED_ARIEL = {"kind": "indexDocument", "indexUid": "movies", "id": "2"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LumiServer]:
    lumi = LumiServer(tmp_path_factory.mktemp("render") / "data", "--master-key", MASTER_KEY)
    yield lumi.start()
    lumi.stop()


@pytest.fixture(scope="module")
def client(server: LumiServer) -> meilisearch.Client:
    client = meilisearch.Client(server.url, MASTER_KEY, timeout=30)
    movies = client.index("movies")
    wait_ok(client, movies.add_documents([ARIEL, UP], primary_key="id"))
    wait_ok(client, movies.update_searchable_attributes(["title", "overview", "genres"]))
    return client


@pytest.fixture(scope="module", autouse=True)
def features(client: meilisearch.Client) -> Iterator[None]:
    """The route and fragments on for this module, off again afterwards."""
    client.update_experimental_features({"renderRoute": True, "multimodal": True})
    yield
    client.update_experimental_features({"renderRoute": False, "multimodal": False})


@pytest.fixture
def http(server: LumiServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {MASTER_KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as session:
        yield session


def post(http: httpx.Client, body: Any, key: str = MASTER_KEY) -> httpx.Response:
    return http.post("/render-template", json=body, headers={"Authorization": f"Bearer {key}"})


# ---- the official SDK ---------------------------------------------------------------------


def test_render_template_inline(client: meilisearch.Client) -> None:
    response = client.render_template(
        template=INLINE_TEMPLATE, input={"kind": "inlineDocument", "inline": {"id": "42"}}
    )
    assert response == {"template": "Rendered on {{doc.id}}", "rendered": "Rendered on 42"}


def test_render_template_without_input(client: meilisearch.Client) -> None:
    response = client.render_template(template=INLINE_TEMPLATE)
    assert response == {"template": "Rendered on {{doc.id}}", "rendered": None}


# ---- every kind ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (  # the guide's example, on a stored document
            {
                "template": {"kind": "inlineDocumentTemplate", "inline": GUIDE_TEMPLATE},
                "input": STORED_ARIEL,
            },
            {
                "template": GUIDE_TEMPLATE,
                "rendered": "A movie called Ariel whose description starts with: Taisto "
                "Kasurinen is a Finnish coal miner whose father has...",
            },
        ),
        (  # every field sent, unused ones null, as typed SDKs do
            {
                "template": {
                    "kind": "inlineDocumentTemplate",
                    "indexUid": None,
                    "embedder": None,
                    "fragment": None,
                    "inline": "nice to test them! {{doc.id}}",
                    "documentTemplateMaxBytes": None,
                },
                "input": {"kind": "indexDocument", "indexUid": "movies", "id": "2", "inline": None},
            },
            {"template": "nice to test them! {{doc.id}}", "rendered": "nice to test them! 2"},
        ),
        (
            {"template": INLINE_TEMPLATE, "input": {**STORED_ARIEL, "id": 2}},
            {"template": "Rendered on {{doc.id}}", "rendered": "Rendered on 2"},
        ),
        (
            {"template": INLINE_TEMPLATE, "input": None},
            {"template": "Rendered on {{doc.id}}", "rendered": None},
        ),
        (
            {
                "template": {
                    "kind": "inlineFragment",
                    "inline": {
                        "json_maps": "supported for fragments",
                        "any_string": "is in liquid format: {{doc.test}}",
                    },
                },
                "input": {"kind": "inlineDocument", "inline": {"test": True}},
            },
            {
                "template": {
                    "json_maps": "supported for fragments",
                    "any_string": "is in liquid format: {{doc.test}}",
                },
                "rendered": {
                    "json_maps": "supported for fragments",
                    "any_string": "is in liquid format: true",
                },
            },
        ),
        (
            {
                "template": {"kind": "inlineFragment", "inline": [{"text": "{{ q }}"}, 7]},
                "input": {"kind": "inlineSearch", "inline": {"q": "a funny dog", "media": None}},
            },
            {"template": [{"text": "{{ q }}"}, 7], "rendered": [{"text": "a funny dog"}, 7]},
        ),
        (
            {
                "template": {"kind": "inlineFragment", "inline": {"url": "{{ doc.poster }}"}},
                "input": STORED_ARIEL,
            },
            {"template": {"url": "{{ doc.poster }}"}, "rendered": {"url": ARIEL["poster"]}},
        ),
        (  # the default chat template: searchable, non-null fields only
            {
                "template": {"kind": "chatDocumentTemplate", "indexUid": "movies"},
                "input": {"kind": "indexDocument", "indexUid": "movies", "id": "3"},
            },
            {
                "template": DEFAULT_CHAT["documentTemplate"],
                "rendered": "title: Up\ngenres: Animation\n",
            },
        ),
        (
            {
                "template": {
                    "kind": "inlineDocumentTemplate",
                    "inline": "{{ doc.overview }}",
                    "documentTemplateMaxBytes": 16,
                },
                "input": STORED_ARIEL,
            },
            {"template": "{{ doc.overview }}", "rendered": "Taisto Kasurinen"},
        ),
        (  # cut at a character boundary: `é` takes two bytes
            {
                "template": {
                    "kind": "inlineDocumentTemplate",
                    "inline": "{{ doc.t }}",
                    "documentTemplateMaxBytes": 3,
                },
                "input": {"kind": "inlineDocument", "inline": {"t": "ééé"}},
            },
            {"template": "{{ doc.t }}", "rendered": "é"},
        ),
        (  # the default limit of inline document templates: 400 bytes
            {
                "template": {"kind": "inlineDocumentTemplate", "inline": "{{ doc.t }}"},
                "input": {"kind": "inlineDocument", "inline": {"t": "x" * 1000}},
            },
            {"template": "{{ doc.t }}", "rendered": "x" * 400},
        ),
    ],
)
def test_templates_render(
    client: meilisearch.Client, http: httpx.Client, body: Any, expected: Any
) -> None:
    response = post(http, body)
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["template", "rendered"]
    assert response.json() == expected


# ---- errors -----------------------------------------------------------------------------


def _template(kind: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, **fields}


EMBEDDER = {"indexUid": "movies", "embedder": "default"}
FRAGMENT = {**EMBEDDER, "fragment": "text"}
MISSING_FIELD = (
    "error while rendering template: user error: missing field in document: liquid: Unknown "
    "index\n  with:\n    variable=doc\n    requested index=doesnotexist\n    available "
    "indexes=id, title, overview, genres, poster, release_date\n"
)


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        (
            {"template": _template("documentTemplate", **EMBEDDER)},
            400,
            "invalid_render_template",
            "cannot find embedder `default` in index `movies`",
        ),
        (
            {"template": _template("indexingFragment", **FRAGMENT), "input": STORED_ARIEL},
            400,
            "invalid_render_template",
            "cannot find embedder `default` in index `movies`",
        ),
        (
            {"template": _template("searchFragment", **FRAGMENT)},
            400,
            "invalid_render_template",
            "cannot find embedder `default` in index `movies`",
        ),
        (
            {"template": _template("documentTemplate", indexUid="films", embedder="default")},
            404,
            "index_not_found",
            "Index `films` not found.",
        ),
        (
            {"template": _template("chatDocumentTemplate", indexUid="films")},
            404,
            "index_not_found",
            "Index `films` not found.",
        ),
        (
            {"template": INLINE_TEMPLATE, "input": {**STORED_ARIEL, "id": "9999"}},
            404,
            "render_document_not_found",
            "Document with ID `9999` not found in index `movies`.",
        ),
        (
            {"template": INLINE_TEMPLATE, "input": {**STORED_ARIEL, "indexUid": "films"}},
            404,
            "index_not_found",
            "Index `films` not found.",
        ),
        (
            {
                "template": _template(
                    "inlineDocumentTemplate", inline="{{doc.title}} {{doc.doesnotexist}}"
                ),
                "input": STORED_ARIEL,
            },
            400,
            "template_rendering_error",
            MISSING_FIELD,
        ),
        (
            {"template": _template("inlineDocumentTemplate", inline="{{ doc.a | shout }}")},
            400,
            "template_parsing_error",
            "error while parsing template: liquid: Unknown filter\n  with:\n"
            "    requested filter=shout\n",
        ),
        (
            {"template": INLINE_TEMPLATE, "input": {"kind": "inlineSearch", "inline": {"q": "x"}}},
            400,
            "invalid_render_input",
            SEARCH_WITH_DOCUMENT_TEMPLATE,
        ),
        (
            {"template": INLINE_TEMPLATE, "extra": 1},
            400,
            "bad_request",
            "Unknown field `extra`: expected one of `template`, `input`",
        ),
        (
            {"input": None},
            400,
            "bad_request",
            "Missing field `template`",
        ),
        (
            {"template": {**INLINE_TEMPLATE, "inlined": "x"}},
            400,
            "invalid_render_template",
            "Unknown field `inlined` inside `.template`: did you mean `inline`? expected one of "
            "`kind`, `indexUid`, `embedder`, `fragment`, `inline`, `documentTemplateMaxBytes`",
        ),
        (
            {"template": {"kind": "inlineTemplate", "inline": "x"}},
            400,
            "invalid_render_template",
            "Unknown value `inlineTemplate` at `.template.kind`: expected one of "
            "`documentTemplate`, `chatDocumentTemplate`, `indexingFragment`, `searchFragment`, "
            "`inlineDocumentTemplate`, `inlineFragment`",
        ),
        (
            {"template": "{{ doc.title }}"},
            400,
            "invalid_render_template",
            "Invalid value type at `.template`: expected an object, but found a string: "
            '`"{{ doc.title }}"`',
        ),
        (
            {"template": {"kind": "inlineDocumentTemplate"}},
            400,
            "invalid_render_template",
            "Missing field `inline` inside `.template`: kind `inlineDocumentTemplate` requires it",
        ),
        (
            {"template": _template("documentTemplate", indexUid="movies")},
            400,
            "invalid_render_template",
            "Missing field `embedder` inside `.template`: kind `documentTemplate` requires it",
        ),
        (
            {"template": {**INLINE_TEMPLATE, "fragment": "text"}},
            400,
            "invalid_render_template",
            "Unexpected field `fragment` inside `.template`: kind `inlineDocumentTemplate` does "
            "not use it",
        ),
        (
            {"template": {"kind": "inlineDocumentTemplate", "inline": ["x"]}},
            400,
            "invalid_render_template",
            "Invalid value type at `.template.inline`: expected a string, but found an array: "
            '`["x"]`',
        ),
        (
            {"template": {**INLINE_TEMPLATE, "documentTemplateMaxBytes": 0}},
            400,
            "invalid_render_template",
            "Invalid value at `.template.documentTemplateMaxBytes`: a non-zero integer value "
            "lower than `18446744073709551615` was expected, but found a zero",
        ),
        (
            {"template": INLINE_TEMPLATE, "input": {"kind": "inlineDocument", "inline": [1]}},
            400,
            "invalid_render_input",
            "Invalid value type at `.input.inline`: expected an object, but found an array: `[1]`",
        ),
        (
            {"template": INLINE_TEMPLATE, "input": {"kind": "indexDocument", "indexUid": "movies"}},
            400,
            "invalid_render_input",
            "Missing field `id` inside `.input`: kind `indexDocument` requires it",
        ),
        (
            {"template": INLINE_TEMPLATE, "input": {"kind": "document"}},
            400,
            "invalid_render_input",
            "Unknown value `document` at `.input.kind`: expected one of `indexDocument`, "
            "`inlineDocument`, `inlineSearch`",
        ),
        (
            {
                "template": _template("inlineFragment", inline="{{ q }}"),
                "input": {"kind": "inlineSearch", "inline": {"q": "x", "limit": 3}},
            },
            400,
            "invalid_render_input",
            "Unknown field `limit` inside `.input.inline`: expected one of `q`, `media`",
        ),
    ],
)
def test_render_errors(
    client: meilisearch.Client,
    http: httpx.Client,
    body: Any,
    status: int,
    code: str,
    message: str,
) -> None:
    assert_error(post(http, body), status, code, message)


def test_the_sdk_raises_the_reference_error(client: meilisearch.Client) -> None:
    with pytest.raises(meilisearch.errors.MeilisearchApiError) as caught:
        client.render_template(template={"kind": "documentTemplate", **EMBEDDER})
    assert caught.value.code == "invalid_render_template"
    assert caught.value.message == "cannot find embedder `default` in index `movies`"


@pytest.mark.parametrize(
    ("switch", "body", "message"),
    [
        ("renderRoute", {"template": INLINE_TEMPLATE}, RENDER_DISABLED),
        (
            "multimodal",
            {"template": _template("inlineFragment", inline={"a": "{{ doc.id }}"})},
            FRAGMENTS_DISABLED,
        ),
    ],
)
def test_features_gate_the_route_and_fragments(
    client: meilisearch.Client, http: httpx.Client, switch: str, body: Any, message: str
) -> None:
    client.update_experimental_features({switch: False})
    try:
        response = post(http, body)
    finally:
        client.update_experimental_features({switch: True})
    assert_error(response, 400, "feature_not_enabled", message)


# ---- authorization ------------------------------------------------------------------------


def _key(client: meilisearch.Client, actions: list[str], indexes: list[str]) -> str:
    created = client.create_key({"actions": actions, "indexes": indexes, "expiresAt": None})
    return str(created.key)


BODY = {"template": INLINE_TEMPLATE, "input": STORED_ARIEL}


@pytest.mark.parametrize(
    ("actions", "indexes"),
    [
        (["documents.get"], ["*"]),
        (["settings.get"], ["*"]),
        (["search"], ["*"]),
        (["settings.get", "documents.get"], ["other"]),
    ],
)
def test_keys_without_both_rights_on_the_index_are_refused(
    client: meilisearch.Client, http: httpx.Client, actions: list[str], indexes: list[str]
) -> None:
    key = _key(client, actions, indexes)
    assert_error(
        post(http, BODY, key), 403, "invalid_api_key", "The provided API key is invalid.", "auth"
    )


@pytest.mark.parametrize(
    "actions", [["settings.get", "documents.get"], ["*.get"], ["*"], ["settings.*", "documents.*"]]
)
def test_keys_with_both_rights_render(
    client: meilisearch.Client, http: httpx.Client, actions: list[str]
) -> None:
    key = _key(client, actions, ["movies"])
    response = post(http, BODY, key)
    assert response.status_code == 200, response.text
    assert response.json()["rendered"] == "Rendered on 2"


def test_a_request_without_key_is_refused(server: LumiServer) -> None:
    response = httpx.post(f"{server.url}/render-template", json=BODY, timeout=30)
    assert response.status_code == 401
    assert response.json()["code"] == "missing_authorization_header"
