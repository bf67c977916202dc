"""``/experimental-features``: instance-wide switches, stored with the tasks."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from lumi.engine import FEATURES
from lumi.http.enqueue import engine_of
from lumi.http.indexes import json_body
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import Body, Field, boolean, nullable

PATCH_BODY = Body([Field(name, nullable(boolean()), "bad_request") for name in FEATURES])


@endpoint("GET", "/experimental-features", "experimental.get")
async def get_features(request: Request) -> Response:
    return json(engine_of(request).experimental_features())


@endpoint("PATCH", "/experimental-features", "experimental.update")
async def patch_features(request: Request) -> Response:
    patch = PATCH_BODY.parse(await json_body(request))
    changes = {name: value for name, value in patch.items() if value is not None}
    features = await asyncio.to_thread(engine_of(request).set_experimental_features, changes)
    return json(features)


ENDPOINTS = [get_features, patch_features]
