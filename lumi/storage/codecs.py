"""Encodings of keys and values stored in LMDB.

Integer keys are big-endian so that LMDB's byte order is numeric order; JSON values use
orjson; posting lists are serialized roaring bitmaps (``pyroaring``).
"""

from __future__ import annotations

import struct
from typing import Any

import orjson
from pyroaring import BitMap

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")


def u32(value: int) -> bytes:
    return _U32.pack(value)


def from_u32(raw: bytes) -> int:
    return _U32.unpack(raw)[0]


def u64(value: int) -> bytes:
    return _U64.pack(value)


def from_u64(raw: bytes) -> int:
    return _U64.unpack(raw)[0]


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def loads(raw: bytes | memoryview) -> Any:
    return orjson.loads(raw)


def bitmap(raw: bytes | memoryview | None) -> BitMap:
    """A posting list read from LMDB; a missing key is the empty set."""
    if raw is None:
        return BitMap()
    return BitMap.deserialize(bytes(raw))


def bitmap_bytes(bm: BitMap) -> bytes:
    bm.run_optimize()
    return bm.serialize()


def text(value: str) -> bytes:
    return value.encode("utf-8")
