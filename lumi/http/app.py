"""The Starlette application: routes from every resource module, middleware, and the single
error handler that renders ``LumiError`` (and anything unexpected) as Meilisearch's error
body, never a stack trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from lumi.auth.store import KeyStore
from lumi.config import Config, child_config
from lumi.engine import Engine
from lumi.errors import LumiError
from lumi.gc_tuning import tune_gc
from lumi.http import (
    backups,
    batches,
    chats,
    compaction,
    dashboard,
    document_edition,
    documents,
    experimental_features,
    export,
    facet_search,
    fields,
    health,
    indexes,
    keys,
    logs,
    metrics,
    multi_search,
    network,
    render_template,
    search,
    search_rules,
    settings,
    similar,
    stats,
    tasks,
    version,
    webhooks,
)
from lumi.http.auth import authorize_request
from lumi.http.responses import error_response
from lumi.http.routing import Endpoint
from lumi.logs import setup_logging

log = logging.getLogger("lumi.http")

RESOURCES = (
    health,
    version,
    stats,
    indexes,
    documents,
    search,
    similar,
    facet_search,
    multi_search,
    settings,
    tasks,
    batches,
    webhooks,
    keys,
    experimental_features,
    dashboard,
    backups,
    export,
    compaction,
    fields,
    metrics,
    logs,
    document_edition,
    network,
    chats,
    search_rules,
    render_template,
)


def _route(ep: Endpoint) -> Route:
    async def run(request: Request) -> Response:
        await authorize_request(request, ep)
        return await ep.handler(request)

    run.__name__ = ep.handler.__name__
    return Route(ep.path, run, methods=[ep.method])


class Resource(Protocol):
    """A module of the HTTP layer: the endpoints it lists are what ``routes`` mounts."""

    @property
    def ENDPOINTS(self) -> Sequence[Endpoint]: ...


def routes(modules: Iterable[Resource] = RESOURCES) -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for module in modules:
        out.extend(_route(ep) for ep in module.ENDPOINTS)
    return out


class StripTrailingSlash:
    """``/indexes/`` routes like ``/indexes``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                scope = dict(scope, path=path.rstrip("/") or "/")
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class CompressWhenAsked:
    """Gzip responses for clients that accept it, except the live streams that must flush
    line by line. Requests that did not ask skip the middleware entirely: most answers
    (a 202 summary, a search page) are small and sent to SDKs that never ask."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].endswith("/stream"):
            accepted = _header(scope, b"accept-encoding")
            if accepted is not None and b"gzip" in accepted:
                await self.gzip(scope, receive, send)
                return
        await self.app(scope, receive, send)


class CorsWhenCrossOrigin:
    """CORS headers (any origin, method and header) for requests that carry an ``Origin``;
    the others, such as server-side SDKs, bypass the CORS machinery."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["*"],
            max_age=86400,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _header(scope, b"origin") is not None:
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def _lumi_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LumiError)
    return error_response(exc)


async def _http_error(_request: Request, exc: Exception) -> Response:
    """Unknown paths and known paths called with another method answer like Meilisearch's
    router: the bare status with an empty body (SDKs word their message from the status
    line). Other framework refusals keep the usual error body."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        return Response(status_code=exc.status_code)
    return error_response(LumiError("bad_request", str(exc.detail)))


async def _unexpected(_request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return error_response(LumiError("internal", "An internal error occurred."))


# How often a web worker closes the environments of deleted or compacted indexes.
SWEEP_SECONDS = 2.0


async def _sweep_unlisted(engine: Engine) -> None:
    """Close, now and then, the environments of indexes that are gone, so their disk space
    is freed while the server runs. It runs on the event loop, between requests, so no
    request is reading the environments it closes."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            engine.registry.close_unlisted()
        except Exception:  # a sweep that fails is tried again; the worker must go on
            log.exception("closing the environments of deleted indexes failed")


def _lifespan(engine: Engine) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        sweeper = None
        if not engine.registry.writable:
            sweeper = asyncio.create_task(_sweep_unlisted(engine))
        yield
        if sweeper is not None:
            sweeper.cancel()
        engine.close()

    return lifespan


def create_app(config: Config | None = None, engine: Engine | None = None) -> Starlette:
    """The ASGI app; without arguments the configuration comes from ``LUMI_*`` variables."""
    if config is None:
        config = child_config()
        setup_logging(config.log_level)
    if engine is None:
        engine = Engine(config.data_dir)
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(StripTrailingSlash),
            Middleware(logs.RequestLog),
            Middleware(CorsWhenCrossOrigin),
            Middleware(CompressWhenAsked),
        ],
        exception_handlers={
            LumiError: _lumi_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
        lifespan=_lifespan(engine),
    )
    app.state.config = config
    app.state.engine = engine
    app.state.keys = KeyStore(engine.store, config.master_key)
    tune_gc()
    return app
