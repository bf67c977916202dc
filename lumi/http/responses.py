"""JSON responses rendered with orjson, and the one place errors become HTTP responses."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from lumi.errors import LumiError


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json(content: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status)


def error_response(error: LumiError) -> JSONResponse:
    response = JSONResponse(error.to_dict(), status_code=error.status)
    if error.status == 503:
        response.headers["Retry-After"] = "10"
    return response


def no_content() -> Response:
    return Response(status_code=204)
