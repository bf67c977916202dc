"""Reading request bodies: the size limit, and decompression per ``Content-Encoding``.

The limit is enforced while the body streams in, so an oversized upload is refused without
being held in memory, whether or not it announced its length.
"""

from __future__ import annotations

from starlette.requests import Request

from lumi.errors import LumiError
from lumi.index.payloads.encoding import decode_content_encoding
from lumi.index.payloads.sizes import format_byte_size


def too_large(limit: int) -> LumiError:
    return LumiError(
        "payload_too_large",
        "The provided payload reached the size limit. The maximum accepted payload size is "
        f"{format_byte_size(limit)}.",
    )


async def read_body(request: Request) -> bytes:
    """The decompressed body, refusing anything larger than the configured limit."""
    limit: int = request.app.state.config.http_payload_size_limit
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    raw = b"".join(chunks)
    encoding = request.headers.get("content-encoding")
    if encoding:
        raw = decode_content_encoding(raw, encoding, max_size=limit)
    return raw
