from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from lumi.index.payloads.encoding import decode_content_encoding
from tests.index.payloads.support import error_of

BODY = b'[{"id": 1, "title": "Carol"}, {"id": 2, "title": "Wonder Woman"}]' * 20


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoded", "header"),
    [
        (BODY, None),
        (BODY, ""),
        (BODY, "identity"),
        (gzip.compress(BODY, mtime=0), "gzip"),
        (gzip.compress(BODY, mtime=0), "GZIP"),
        (gzip.compress(BODY, mtime=0), "x-gzip"),
        (gzip.compress(BODY[:100], mtime=0) + gzip.compress(BODY[100:], mtime=0), "gzip"),
        (zlib.compress(BODY), "deflate"),
        (raw_deflate(BODY), "deflate"),
        (brotli.compress(BODY), "br"),
        (brotli.compress(gzip.compress(BODY, mtime=0)), "gzip, br"),
        (gzip.compress(zlib.compress(BODY), mtime=0), "deflate,gzip"),
        (gzip.compress(BODY, mtime=0), "identity, gzip"),
    ],
)
def test_decode_content_encoding_round_trips(encoded: bytes, header: str | None) -> None:
    assert decode_content_encoding(encoded, header) == BODY


def test_empty_compressed_body_stays_empty() -> None:
    assert decode_content_encoding(b"", "gzip") == b""


@pytest.mark.parametrize("header", ["gzip", "deflate", "br"])
def test_corrupt_encoded_body_is_malformed(header: str) -> None:
    code, message = error_of(decode_content_encoding, b"definitely not compressed", header)
    assert code == "malformed_payload"
    assert message.startswith(
        f"The payload could not be decoded with the `{header}` content-encoding: "
    )


@pytest.mark.parametrize(
    ("encoded", "header"),
    [
        (gzip.compress(BODY, mtime=0)[:-10], "gzip"),
        (zlib.compress(BODY)[:-10], "deflate"),
        (brotli.compress(BODY)[:-3], "br"),
        (gzip.compress(BODY, mtime=0) + b"trailing garbage", "gzip"),
    ],
)
def test_truncated_body_is_malformed(encoded: bytes, header: str) -> None:
    code, message = error_of(decode_content_encoding, encoded, header)
    assert code == "malformed_payload"
    assert f"`{header}` content-encoding" in message


def test_unknown_content_encoding() -> None:
    assert error_of(decode_content_encoding, BODY, "zstd") == (
        "bad_request",
        "The Content-Encoding `zstd` is not supported. "
        "Supported encodings are: `gzip`, `deflate`, `br`, `identity`.",
    )


@pytest.mark.parametrize("header", ["gzip", "deflate", "br"])
def test_decoded_size_is_bounded(header: str) -> None:
    bomb = bytes(3_000_000)
    encoded = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[header]
    assert decode_content_encoding(encoded(bomb), header, max_size=3_000_000) == bomb
    assert error_of(decode_content_encoding, encoded(bomb), header, 2_000_000) == (
        "payload_too_large",
        "The provided payload reached the size limit. The maximum accepted payload size is 2 MB.",
    )
