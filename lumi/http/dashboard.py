"""``GET /`` and ``GET /_dashboard/{path}``: the web dashboard's page and its static files.

The page itself needs no key (it holds no data); every call it then makes goes through the
API with the key the user types, so the usual authorization applies. With the dashboard off
(``--env production`` without ``--dashboard``) ``GET /`` answers the plain running status, as
a server built without a dashboard does, and the static files are not found.
"""

from __future__ import annotations

from functools import cache

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from lumi.dashboard import STATIC_DIR
from lumi.http.responses import json
from lumi.http.routing import endpoint

STATIC_PREFIX = "/_dashboard/"

# The page only loads its own files and calls its own origin; nothing inline, no framing.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate on every load so an upgraded server never runs stale scripts; the ETag
    # keeps that a cheap 304.
    "Cache-Control": "no-cache",
}

# Module scripts are refused unless served with a JavaScript type; do not leave that to the
# platform's MIME table.
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@cache
def _files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def _enabled(request: Request) -> bool:
    return bool(request.app.state.config.dashboard_enabled)


async def _static(request: Request, path: str) -> Response:
    response = await _files().get_response(path, request.scope)
    suffix = path[path.rfind(".") :]
    if response.status_code == 200 and suffix in _MEDIA_TYPES:
        response.headers["Content-Type"] = _MEDIA_TYPES[suffix]
    response.headers.update(_PAGE_HEADERS)
    return response


@endpoint("GET", "/", None)
async def get_page(request: Request) -> Response:
    if not _enabled(request):
        return json({"status": "Meilisearch is running"})
    return await _static(request, "index.html")


@endpoint("GET", STATIC_PREFIX + "{path:path}", None)
async def get_static_file(request: Request) -> Response:
    if not _enabled(request):
        # As if the route did not exist: the bare 404 every unknown path gets.
        raise HTTPException(status_code=404)
    return await _static(request, request.path_params["path"])


ENDPOINTS = [get_page, get_static_file]
