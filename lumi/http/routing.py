"""Declaring endpoints: path, method, the API-key action that guards it, and the handler.

Every resource module exposes ``ENDPOINTS``; the app turns them into Starlette routes whose
wrapper authorizes the request before the handler runs, so no handler can forget it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    action: str | None
    handler: Handler
    # Whether a tenant token (JWT) may authorize this endpoint (search routes only).
    tenant_token: bool = False


def endpoint(
    method: str,
    path: str,
    action: str | None,
    *,
    tenant_token: bool = False,
) -> Callable[[Handler], Endpoint]:
    def wrap(handler: Handler) -> Endpoint:
        return Endpoint(method, path, action, handler, tenant_token)

    return wrap
