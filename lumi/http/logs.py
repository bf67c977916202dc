"""``/logs/stream`` and ``/logs/stderr``: watching and tuning this process's logs at runtime.

``POST /logs/stream`` answers with an endless body of log lines (``human`` text or ``json``
objects) at the verbosity its ``target`` asks for, until ``DELETE /logs/stream`` or the
client goes away; one listener at a time. While someone listens, every HTTP request this
process answers is logged too (only to the stream). ``POST /logs/stderr`` changes what the
process writes to standard error. Both concern the web worker that answers: with several
workers, or for the scheduler process, they do not reach the other processes.

``target`` uses the reference's filter syntax: comma-separated directives, each a level
(``debug``), a logger name (``lumi.http``, enabling everything from it) or both
(``lumi.search=trace``); a name covers its dotted children. Without a bare level, loggers no
directive names are silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lumi.errors import LumiError
from lumi.http.features import require_feature
from lumi.http.indexes import json_body
from lumi.http.responses import no_content
from lumi.http.routing import endpoint
from lumi.http.validation import Body, Field, Invalid, boolean, custom, one_of, string
from lumi.timefmt import rfc3339

LOGS_DISABLED = (
    "Modifying logs through the `/logs/*` routes requires enabling the `logs route` "
    "experimental feature. See https://github.com/orgs/meilisearch/discussions/721"
)
IN_USE = "The `/logs/stream` route is currently in use by someone else."
_OFF = logging.CRITICAL + 10
_LEVELS = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "off": _OFF,
}
_NAMES = {logging.DEBUG: "DEBUG", logging.INFO: "INFO", logging.WARNING: "WARN"}
_QUEUE_SIZE = 10_000
_requests = logging.getLogger("lumi.http.requests")
_requests.propagate = False  # request lines go to the stream only, never to stderr


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Parsed ``target``: a default level and per-logger levels (longest name wins)."""

    default: int
    loggers: tuple[tuple[str, int], ...]

    def level_for(self, name: str) -> int:
        for prefix, level in self.loggers:
            if name == prefix or name.startswith(prefix + "."):
                return level
        return self.default

    @property
    def lowest(self) -> int:
        return min([self.default, *(level for _name, level in self.loggers)])


def parse_target(text: str) -> LogFilter:
    default = _OFF
    loggers: list[tuple[str, int]] = []
    for directive in (part.strip() for part in text.split(",")):
        if not directive:
            continue
        name, eq, level = directive.partition("=")
        if eq:
            if level.lower() not in _LEVELS or not name:
                raise Invalid(f"`{directive}` is not a valid log directive")
            loggers.append((name, _LEVELS[level.lower()]))
        elif name.lower() in _LEVELS:
            default = _LEVELS[name.lower()]
        else:
            loggers.append((name, logging.DEBUG))
    loggers.sort(key=lambda pair: len(pair[0]), reverse=True)
    return LogFilter(default, tuple(loggers))


_TARGET = Field("target", custom(parse_target, string()), default=parse_target("info"))
STREAM_BODY = Body(
    [
        _TARGET,
        Field("mode", one_of("human", "json", "profile"), default="human"),
        Field("profileMemory", boolean(), default=False),
    ]
)
STDERR_BODY = Body([_TARGET])


def _line(record: logging.LogRecord, mode: str) -> bytes:
    stamp = rfc3339(int(record.created * 1_000_000_000))
    level = _NAMES.get(record.levelno, record.levelname)
    message = record.getMessage()
    if mode == "json":
        fields = {"message": message}
        return (
            orjson.dumps(
                {"timestamp": stamp, "level": level, "fields": fields, "target": record.name}
            )
            + b"\n"
        )
    return f"{stamp} {level:>5} {record.name}: {message}\n".encode()


class _StreamHandler(logging.Handler):
    """Hands formatted records to the listener's queue, from any thread."""

    def __init__(self, target: LogFilter, mode: str) -> None:
        super().__init__(target.lowest)
        self.target = target
        self.mode = mode
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(_QUEUE_SIZE)

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= self.target.level_for(record.name):
            with contextlib.suppress(RuntimeError):  # the loop is closing
                self.loop.call_soon_threadsafe(self._put, _line(record, self.mode))

    def _put(self, line: bytes | None) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a slow reader loses lines
            self.queue.put_nowait(line)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._put, None)


class _State:
    listener: _StreamHandler | None = None
    stderr: LogFilter | None = None


def _stderr_handlers() -> list[logging.Handler]:
    return [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and getattr(h, "stream", None) is sys.stderr
    ]


def _apply_levels() -> None:
    """Let records through the root logger down to what the stream or stderr wants."""
    root = logging.getLogger()
    stderr = _State.stderr
    handlers = _stderr_handlers()
    if stderr is None:
        stderr_level = min((h.level for h in handlers if h.level), default=root.level)
    else:
        stderr_level = stderr.lowest
    for handler in handlers:
        handler.setLevel(stderr_level)
    listener = _State.listener
    root.setLevel(min(stderr_level, listener.level) if listener is not None else stderr_level)


class _StderrFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        target = _State.stderr
        return target is None or record.levelno >= target.level_for(record.name)


_STDERR_FILTER = _StderrFilter()


def _release(handler: _StreamHandler) -> None:
    logging.getLogger().removeHandler(handler)
    _requests.removeHandler(handler)
    if _State.listener is handler:
        _State.listener = None
    _apply_levels()


@endpoint("POST", "/logs/stream", "metrics.get")
async def stream_logs(request: Request) -> Response:
    require_feature(request, "logsRoute", LOGS_DISABLED)
    body = STREAM_BODY.parse(await json_body(request))
    if body["mode"] == "profile":
        raise LumiError(
            "bad_request",
            "Invalid value at `.mode`: the `profile` mode is not supported by this server",
        )
    if _State.listener is not None:
        raise LumiError("bad_request", IN_USE)
    handler = _StreamHandler(body["target"], body["mode"])
    _State.listener = handler
    for handler_stderr in _stderr_handlers():
        handler_stderr.setLevel(handler_stderr.level or logging.getLogger().level)
    logging.getLogger().addHandler(handler)
    _requests.addHandler(handler)
    _apply_levels()

    async def lines() -> AsyncIterator[bytes]:
        try:
            yield b""  # an empty first chunk sends the headers right away
            while (line := await handler.queue.get()) is not None:
                yield line
        finally:
            _release(handler)

    return StreamingResponse(lines(), media_type="text/plain; charset=utf-8")


@endpoint("DELETE", "/logs/stream", "metrics.get")
async def stop_log_stream(request: Request) -> Response:
    require_feature(request, "logsRoute", LOGS_DISABLED)
    listener = _State.listener
    if listener is not None:
        _release(listener)
        listener.stop()
    return no_content()


@endpoint("POST", "/logs/stderr", "metrics.get")
async def set_stderr_logs(request: Request) -> Response:
    require_feature(request, "logsRoute", LOGS_DISABLED)
    body = STDERR_BODY.parse(await json_body(request))
    _State.stderr = body["target"]
    for handler in _stderr_handlers():
        if _STDERR_FILTER not in handler.filters:
            handler.addFilter(_STDERR_FILTER)
    _apply_levels()
    return no_content()


class RequestLog:
    """Logs each request (method, path, status, time) while a log stream is open; costs one
    attribute check per request otherwise."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _State.listener is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            _requests.info(
                "HTTP request method=%s route=%s status_code=%d time=%.2fms",
                scope["method"],
                scope["path"],
                status[0],
                (time.perf_counter() - started) * 1000,
            )


ENDPOINTS = [stream_logs, stop_log_stream, set_stderr_logs]
