"""``POST /render-template``: rendering an embedder or chat document template.

Lumi has no Liquid template engine and no embedders that use templates, so once the
``renderRoute`` feature is on the request is checked (it reads settings and documents, so
the key needs both rights) and refused with a message saying so.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lumi.errors import LumiError
from lumi.http.auth import access_of
from lumi.http.features import require_feature
from lumi.http.indexes import json_body
from lumi.http.routing import endpoint
from lumi.http.validation import Body, Field, any_json

RENDER_DISABLED = (
    "calling the /render-template route requires enabling the `render_route` experimental "
    "feature. See https://github.com/orgs/meilisearch/discussions/888"
)
UNSUPPORTED = "Rendering templates is not supported by Lumi: it has no template engine."
RENDER_BODY = Body(
    [
        Field("template", any_json(), "invalid_render_template", required=True),
        Field("input", any_json(), "invalid_render_input"),
    ]
)


@endpoint("POST", "/render-template", "settings.get")
async def render_template(request: Request) -> Response:
    if not access_of(request).allows_action("documents.get"):
        raise LumiError("invalid_api_key", "The provided API key is invalid.")
    require_feature(request, "renderRoute", RENDER_DISABLED)
    RENDER_BODY.parse(await json_body(request))
    raise LumiError("bad_request", UNSUPPORTED)


ENDPOINTS = [render_template]
