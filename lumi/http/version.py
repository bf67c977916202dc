"""``GET /version``.

``pkgVersion`` is the Meilisearch version whose API Lumi implements: clients and front ends
read it to decide which features they may use, so it must name the API level, not Lumi's
own release number (which ``lumi --version`` prints).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.responses import json
from lumi.http.routing import endpoint

API_VERSION = "1.50.0"


@endpoint("GET", "/version", "version")
async def get_version(_request: Request) -> Response:
    return json({"commitSha": "unknown", "commitDate": "unknown", "pkgVersion": API_VERSION})


ENDPOINTS = [get_version]
