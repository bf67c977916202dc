"""``POST /render-template``: preview a document template or fragment (``lumi.index.templates``).

The route reads settings and documents, so the key needs both rights, and every index the
body names must be one the key covers. The body is checked in two steps: its shape (field
names and JSON kinds, worded like every other body), then what each ``kind`` needs: a
field a kind requires must be given and not null, a field it does not use must be absent or
null (SDKs send every field, unused ones as null).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.auth import access_of
from lumi.http.enqueue import engine_of
from lumi.http.features import require_feature
from lumi.http.indexes import json_body
from lumi.http.params import body_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import (
    U64_MAX,
    Body,
    Failure,
    Field,
    Invalid,
    WrongType,
    any_json,
    integer,
    nullable,
    obj,
    one_of,
    string,
)
from lumi.index.index import Index
from lumi.index.templates import TemplateInput, TemplateSource, render_template

RENDER_DISABLED = (
    "calling the /render-template route requires enabling the `render_route` experimental "
    "feature. See https://github.com/orgs/meilisearch/discussions/888"
)

# kind -> (fields it requires, fields it accepts besides them)
TEMPLATE_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "documentTemplate": (("indexUid", "embedder"), ("documentTemplateMaxBytes",)),
    # Chat settings belong to the index; an `embedder` is accepted and has no effect.
    "chatDocumentTemplate": (("indexUid",), ("embedder", "documentTemplateMaxBytes")),
    "indexingFragment": (("indexUid", "embedder", "fragment"), ()),
    "searchFragment": (("indexUid", "embedder", "fragment"), ()),
    "inlineDocumentTemplate": (("inline",), ("documentTemplateMaxBytes",)),
    "inlineFragment": (("inline",), ()),
}
INPUT_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "indexDocument": (("indexUid", "id"), ()),
    "inlineDocument": (("inline",), ()),
    "inlineSearch": (("inline",), ()),
}


_UNSIGNED = integer()


def _max_bytes(value: Any) -> int:
    if _UNSIGNED(value) == 0:
        raise Invalid(
            f"a non-zero integer value lower than `{U64_MAX}` was expected, but found a zero"
        )
    return value


def _document_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise WrongType("a string", value)
    return str(value)


TEMPLATE_BODY = Body(
    [
        Field("kind", one_of(*TEMPLATE_KINDS), required=True),
        Field("indexUid", nullable(body_index_uid)),
        Field("embedder", nullable(string())),
        Field("fragment", nullable(string())),
        Field("inline", any_json()),
        Field("documentTemplateMaxBytes", nullable(_max_bytes)),
    ]
)
INPUT_BODY = Body(
    [
        Field("kind", one_of(*INPUT_KINDS), required=True),
        Field("indexUid", nullable(body_index_uid)),
        Field("id", nullable(_document_id)),
        Field("inline", any_json()),
    ]
)
RENDER_BODY = Body(
    [
        Field("template", obj(TEMPLATE_BODY), "invalid_render_template", required=True),
        Field("input", nullable(obj(INPUT_BODY)), "invalid_render_input"),
    ]
)
SEARCH_QUERY = Body([Field("q", nullable(string())), Field("media", any_json())])


def _check_kind(
    params: dict[str, Any],
    kinds: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
    where: str,
    code: str,
) -> None:
    """What ``params["kind"]`` requires is there and nothing it does not use is set."""
    kind = params["kind"]
    required, accepted = kinds[kind]
    for name in required:
        if params.get(name) is None:
            raise LumiError(
                code, f"Missing field `{name}` inside `{where}`: kind `{kind}` requires it"
            )
    for name, value in params.items():
        if value is not None and name != "kind" and name not in required + accepted:
            raise LumiError(
                code, f"Unexpected field `{name}` inside `{where}`: kind `{kind}` does not use it"
            )


def _inline(params: dict[str, Any], where: str, code: str) -> Any:
    """The ``inline`` value checked against its kind: a template string, a document object,
    a search query object (``q``, ``media``); any JSON value for a fragment."""
    kind, value = params["kind"], params.get("inline")
    try:
        if kind == "inlineDocumentTemplate":
            return string()(value)
        if kind == "inlineDocument":
            if type(value) is not dict:
                raise WrongType("an object", value)
            return value
        if kind == "inlineSearch":
            return SEARCH_QUERY.read(value)
    except Failure as failure:
        failure.within("inline", code)
        raise failure.to_error(where) from None
    return value


def _template_source(params: dict[str, Any]) -> TemplateSource:
    _check_kind(params, TEMPLATE_KINDS, ".template", "invalid_render_template")
    return TemplateSource(
        kind=params["kind"],
        index_uid=params.get("indexUid"),
        embedder=params.get("embedder"),
        inline=_inline(params, ".template", "invalid_render_template"),
        max_bytes=params.get("documentTemplateMaxBytes"),
    )


def _template_input(params: dict[str, Any] | None) -> TemplateInput | None:
    if params is None:
        return None
    _check_kind(params, INPUT_KINDS, ".input", "invalid_render_input")
    return TemplateInput(
        kind=params["kind"],
        index_uid=params.get("indexUid"),
        document_id=params.get("id"),
        inline=_inline(params, ".input", "invalid_render_input"),
    )


@endpoint("POST", "/render-template", "settings.get")
async def render(request: Request) -> Response:
    access = access_of(request)
    if not access.allows_action("documents.get"):
        raise LumiError("invalid_api_key", "The provided API key is invalid.")
    require_feature(request, "renderRoute", RENDER_DISABLED)
    body = RENDER_BODY.parse(await json_body(request))
    source = _template_source(body["template"])
    given = _template_input(body.get("input"))
    engine = engine_of(request)

    def open_index(uid: str) -> Index:
        if not access.allowed_indexes(uid):
            raise LumiError("invalid_api_key", "The provided API key is invalid.")
        return engine.open_index(uid)[1]

    multimodal = engine.experimental_features()["multimodal"]
    return json(render_template(source, given, open_index, multimodal=multimodal))


ENDPOINTS = [render]
