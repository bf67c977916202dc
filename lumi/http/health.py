"""``GET /health``: always answers, never needs a key."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.responses import json
from lumi.http.routing import endpoint


@endpoint("GET", "/health", None)
async def get_health(_request: Request) -> Response:
    return json({"status": "available"})


ENDPOINTS = [get_health]
