"""Undo a ``Content-Encoding`` (gzip, deflate, br) with a bound on the decoded size."""

from __future__ import annotations

import zlib

import brotli

from lumi.errors import LumiError
from lumi.index.payloads.sizes import format_byte_size

_SUPPORTED_ENCODINGS = "`gzip`, `deflate`, `br`, `identity`"


def decode_content_encoding(raw: bytes, encoding: str | None, max_size: int | None = None) -> bytes:
    """Undo every encoding listed in a ``Content-Encoding`` header.

    Encodings are listed in the order they were applied, so they are undone from the last
    to the first. ``max_size`` bounds the decoded size so that a small compressed body
    cannot expand into an unbounded one.
    """
    if not encoding or not raw:
        return raw
    for name in reversed(encoding.split(",")):
        token = name.strip().lower()
        if token in ("", "identity"):
            continue
        if token in ("gzip", "x-gzip"):
            raw = _inflate(raw, 16 + zlib.MAX_WBITS, token, max_size)
        elif token == "deflate":
            raw = _inflate_deflate(raw, max_size)
        elif token == "br":
            raw = _unbrotli(raw, max_size)
        else:
            raise LumiError(
                "bad_request",
                f"The Content-Encoding `{name.strip()}` is not supported. "
                f"Supported encodings are: {_SUPPORTED_ENCODINGS}.",
            )
    return raw


def _inflate(raw: bytes, wbits: int, name: str, max_size: int | None) -> bytes:
    """zlib-family decoding; gzip bodies may hold several concatenated members."""
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            decoder = zlib.decompressobj(wbits)
            chunk = decoder.decompress(raw, max_size + 1 if max_size is not None else 0)
            total += len(chunk)
            _check_size(total, max_size)
            chunks.append(chunk)
            if not decoder.eof:
                raise zlib.error("the compressed data ends too early")
            raw = decoder.unused_data
            if not raw:
                return b"".join(chunks)
    except zlib.error as exc:
        raise _corrupt(name, str(exc)) from None


def _inflate_deflate(raw: bytes, max_size: int | None) -> bytes:
    """``deflate`` is zlib-wrapped per the HTTP spec, but some clients send raw deflate."""
    try:
        return _inflate(raw, zlib.MAX_WBITS, "deflate", max_size)
    except LumiError as exc:
        if exc.code != "malformed_payload":
            raise
        return _inflate(raw, -zlib.MAX_WBITS, "deflate", max_size)


def _unbrotli(raw: bytes, max_size: int | None) -> bytes:
    decoder = brotli.Decompressor()
    try:
        if max_size is None:
            decoded = decoder.process(raw)
        else:
            decoded = decoder.process(raw, output_buffer_limit=max_size + 1)
    except brotli.error as exc:
        raise _corrupt("br", str(exc) or "invalid brotli stream") from None
    _check_size(len(decoded), max_size)
    if not decoder.is_finished():
        raise _corrupt("br", "the compressed data ends too early")
    return decoded


def _corrupt(name: str, detail: str) -> LumiError:
    return LumiError(
        "malformed_payload",
        f"The payload could not be decoded with the `{name}` content-encoding: {detail}.",
    )


def _check_size(size: int, max_size: int | None) -> None:
    if max_size is not None and size > max_size:
        raise LumiError(
            "payload_too_large",
            "The provided payload reached the size limit. "
            f"The maximum accepted payload size is {format_byte_size(max_size)}.",
        )
