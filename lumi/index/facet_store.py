"""How facet values are laid out in an index, and the reads that filters, sorts, facet
counts, distinct and geo search are built on.

Four sub-databases (see ``lumi.index.layout``), every key starting with the field's dot path
and a NUL byte so that all values of one field are one contiguous key range:

- ``facet_string_docids``: ``path \\0 normalized`` -> documents. Normalized = trimmed,
  compatibility-decomposed (NFKD), lowercased; accents are kept, so ``Café`` and ``cafe``
  are different values but ``CAFÉ`` and ``café`` are the same. Booleans are the strings
  ``true``/``false``. Values longer than ``MAX_VALUE_BYTES`` are not stored.
- ``facet_number_docids``: ``path \\0 level key[:level]`` -> documents. ``key`` is the 8-byte
  order-preserving form of the f64 (``number_key``), so byte order is numeric order. Level 8
  holds each exact value; levels 2 to 5 hold the union of the values sharing their first
  ``level`` key bytes (sign, exponent and the leading mantissa bits: integers below 2^20
  differ within four bytes, so deeper groups would hold one value each). A range or an
  ordered walk reads whole groups where it can, so its cost follows the number of levels
  and groups met (at most 255 per level and side), not the number of distinct values.
- ``field_docids``: ``path \\0 kind`` -> documents, kind ``e`` (the field exists, even
  null or empty), ``n`` (its value is ``null``), ``m`` (``""``, ``[]`` or ``{}``).
- ``docid_facet_values``: ``path \\0 docid`` -> the document's values as JSON (numbers as
  floats, strings as written): what sorting a handful of documents, distinct and the
  display spelling of a facet value read instead of whole documents.
- ``geo``: ``p docid`` -> (lat, lng); latitudes and longitudes also have the number
  levels above under the ``a`` and ``o`` prefixes, so a geo filter first narrows the
  candidates to a bounding box.
"""

from __future__ import annotations

import struct
import unicodedata
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import orjson
from pyroaring import BitMap

from lumi.index.index import Index
from lumi.storage.env import Cursor, Txn

MAX_VALUE_BYTES = 468
EXACT = 8
GROUP_LEVELS = (2, 3, 4, 5)
LEVELS = (*GROUP_LEVELS, EXACT)
_FINER = dict(pairwise(LEVELS))

EXISTS = b"e"
NULL = b"n"
EMPTY = b"m"

GEO_POINT = b"p"
GEO_LAT = b"a"
GEO_LNG = b"o"

_F64 = struct.Struct(">d")
_U64 = struct.Struct(">Q")
_U32 = struct.Struct(">I")
_POINT = struct.Struct(">dd")
_SIGN = 1 << 63
_MASK = (1 << 64) - 1
_LEVEL_BYTES = tuple(bytes((level,)) for level in range(EXACT + 1))
_LOWEST = b"\x00" * EXACT
_HIGHEST = b"\xff" * EXACT
# Unicode White_Space, which is what facet values are trimmed of.
_WHITE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
_WHITE += "\u2028\u2029\u202f\u205f\u3000"


# ---------------------------------------------------------------- encodings


def normalize(value: str) -> str:
    """The form string facet values are compared in (see the module docstring)."""
    return unicodedata.normalize("NFKD", value.strip(_WHITE)).lower()


def number_key(value: float) -> bytes:
    """Eight bytes whose byte order is the numeric order of finite floats (-0.0 = 0.0)."""
    bits = _U64.unpack(_F64.pack(value + 0.0))[0]
    return _U64.pack(bits ^ _MASK if bits & _SIGN else bits | _SIGN)


def key_number(key: bytes) -> float:
    bits = _U64.unpack(key)[0]
    return _F64.unpack(_U64.pack(bits ^ _SIGN if bits & _SIGN else bits ^ _MASK))[0]


def field_prefix(path: str) -> bytes:
    return path.encode() + b"\x00"


def number_level_keys(base: bytes, key: bytes) -> list[bytes]:
    """The keys one value is stored under: each group level, then the exact level."""
    return [base + _LEVEL_BYTES[level] + key[:level] for level in LEVELS]


def format_number(value: float) -> str:
    """A float as facet distributions show it: shortest round-trip digits, never an
    exponent (``1999``, ``2.5``, ``0.0000001``)."""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    sign = "-" if mantissa.startswith("-") else ""
    digits = mantissa.lstrip("-").replace(".", "")
    point = mantissa.lstrip("-").find(".")
    point = (len(digits) if point < 0 else point) + int(exponent)
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits.rstrip('0') or '0'}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def docid_key(base: bytes, docid: int) -> bytes:
    return base + _U32.pack(docid)


def pack_point(lat: float, lng: float) -> bytes:
    return _POINT.pack(lat, lng)


# ---------------------------------------------------------------- reads


class FacetReader:
    """Read access to the facet structures of one index inside one read transaction."""

    __slots__ = ("_fields", "_forward", "_geo", "_numbers", "_strings", "txn")

    def __init__(self, index: Index, txn: Txn) -> None:
        self.txn = txn
        self._strings = index.db["facet_string_docids"]
        self._numbers = index.db["facet_number_docids"]
        self._fields = index.db["field_docids"]
        self._forward = index.db["docid_facet_values"]
        self._geo = index.db["geo"]

    # -- strings ---------------------------------------------------------------------------

    def string_docids(self, path: str, normalized: str) -> BitMap:
        return _bitmap(self.txn.get(field_prefix(path) + normalized.encode(), db=self._strings))

    def string_range(
        self, path: str, low: str | None, high: str | None, low_incl: bool, high_incl: bool
    ) -> BitMap:
        """Union of the values between ``low`` and ``high`` (normalized; None = unbounded)."""
        base = field_prefix(path)
        start = base + low.encode() if low is not None else base
        stop = base + high.encode() if high is not None else None
        out = BitMap()
        with self.txn.cursor(db=self._strings) as cursor:
            if not cursor.set_range(start):
                return out
            for key, value in cursor:
                if not key.startswith(base):
                    break
                if stop is not None and (key > stop or (key == stop and not high_incl)):
                    break
                if key == start and low is not None and not low_incl:
                    continue
                out |= BitMap.deserialize(value)
        return out

    def string_values(
        self, path: str, prefix: str = "", reverse: bool = False
    ) -> Iterator[tuple[str, bytes]]:
        """``(normalized value, serialized bitmap)`` of a field in byte order (or reverse),
        optionally only the values starting with ``prefix``."""
        base = field_prefix(path)
        size = len(base)
        for key, value in _scan(self.txn, self._strings, base + prefix.encode(), reverse):
            yield key[size:].decode(), value

    # -- numbers ---------------------------------------------------------------------------

    def number_docids(self, path: str, value: float) -> BitMap:
        key = field_prefix(path) + _LEVEL_BYTES[EXACT] + number_key(value)
        return _bitmap(self.txn.get(key, db=self._numbers))

    def number_range(
        self, path: str, low: float | None, high: float | None, low_incl: bool, high_incl: bool
    ) -> BitMap:
        return self._range(self._numbers, field_prefix(path), low, high, low_incl, high_incl)

    def number_buckets(
        self, path: str, universe: BitMap, reverse: bool = False, consume: bool = True
    ) -> Iterator[tuple[float, BitMap]]:
        """The documents of ``universe`` grouped by value, in numeric order (or reverse).

        With ``consume`` a document with several values appears once, at its first value in
        that order, and ``universe`` is emptied as it goes: what is left afterwards has no
        numeric value. Without it every value lists all its documents of ``universe``.
        """
        return _walk(self.txn, self._numbers, field_prefix(path), universe, reverse, consume)

    # -- field kinds -------------------------------------------------------------------------

    def kind_docids(self, path: str, kind: bytes) -> BitMap:
        return _bitmap(self.txn.get(field_prefix(path) + kind, db=self._fields))

    def facet_paths(self) -> list[str]:
        """Every field holding at least one string or number value."""
        paths = []
        with self.txn.cursor(db=self._fields) as cursor:
            for key in cursor.iternext(values=False):
                if key.endswith(b"\x00" + EXISTS) and self._has_values(key[:-1]):
                    paths.append(key[:-2].decode())
        return paths

    def _has_values(self, base: bytes) -> bool:
        for db in (self._strings, self._numbers):
            with self.txn.cursor(db=db) as cursor:
                if cursor.set_range(base) and cursor.key().startswith(base):
                    return True
        return False

    # -- per document ----------------------------------------------------------------------

    def document_values(self, path: str, docid: int) -> list[Any]:
        raw = self.txn.get(docid_key(field_prefix(path), docid), db=self._forward)
        return [] if raw is None else orjson.loads(raw)

    # -- geo -------------------------------------------------------------------------------

    def geo_point(self, docid: int) -> tuple[float, float] | None:
        raw = self.txn.get(GEO_POINT + _U32.pack(docid), db=self._geo)
        return None if raw is None else _POINT.unpack(raw)

    def geo_box(self, south: float, north: float, west: float, east: float) -> BitMap:
        """Documents whose point lies in the box; ``west > east`` crosses the antimeridian."""
        lat = self._range(self._geo, GEO_LAT, south, north, True, True)
        if not lat:
            return lat
        if west <= east:
            lng = self._range(self._geo, GEO_LNG, west, east, True, True)
        else:
            lng = self._range(self._geo, GEO_LNG, west, None, True, True)
            lng |= self._range(self._geo, GEO_LNG, None, east, True, True)
        return lat & lng

    def geo_docids(self) -> BitMap:
        return self._range(self._geo, GEO_LAT, None, None, True, True)

    # -- shared ----------------------------------------------------------------------------

    def _range(
        self,
        db: Any,
        base: bytes,
        low: float | None,
        high: float | None,
        low_incl: bool,
        high_incl: bool,
    ) -> BitMap:
        lo: bytes | None = _LOWEST
        hi: bytes | None = _HIGHEST
        if low is not None:
            lo = number_key(low) if low_incl else _next_key(number_key(low))
        if high is not None:
            hi = number_key(high) if high_incl else _previous_key(number_key(high))
        out = BitMap()
        if lo is None or hi is None or lo > hi:
            return out
        with self.txn.cursor(db=db) as cursor:
            _cover(cursor, base, lo, hi, GROUP_LEVELS[0], out)
        return out


def _bitmap(raw: bytes | None) -> BitMap:
    return BitMap() if raw is None else BitMap.deserialize(raw)


def _after(prefix: bytes) -> bytes:
    """The smallest key greater than every key starting with ``prefix``."""
    return prefix + b"\xff" * 8


def _next_key(key: bytes) -> bytes | None:
    value = int.from_bytes(key, "big")
    return None if value == _MASK else (value + 1).to_bytes(EXACT, "big")


def _previous_key(key: bytes) -> bytes | None:
    value = int.from_bytes(key, "big")
    return None if value == 0 else (value - 1).to_bytes(EXACT, "big")


def _cover(cursor: Cursor, base: bytes, lo: bytes, hi: bytes, level: int, out: BitMap) -> None:
    """Add to ``out`` the documents of exact keys in ``[lo, hi]``, reading the coarsest
    groups that fit; ``lo`` and ``hi`` share their first ``level - 1`` bytes."""
    if level == EXACT:
        _union_keys(cursor, base + _LEVEL_BYTES[EXACT], lo, hi, out)
        return
    low_group, high_group = lo[:level], hi[:level]
    if low_group == high_group:
        _cover(cursor, base, lo, hi, _FINER[level], out)
        return
    prefix = base + _LEVEL_BYTES[level]
    rest = EXACT - level
    if lo[level:] == _LOWEST[:rest]:
        _union_keys(cursor, prefix, low_group, low_group, out)
    else:
        _cover(cursor, base, lo, low_group + _HIGHEST[:rest], _FINER[level], out)
    inner_low, inner_high = _next_key_bytes(low_group), _previous_key_bytes(high_group)
    if inner_low is not None and inner_high is not None and inner_low <= inner_high:
        _union_keys(cursor, prefix, inner_low, inner_high, out)
    if hi[level:] == _HIGHEST[:rest]:
        _union_keys(cursor, prefix, high_group, high_group, out)
    else:
        _cover(cursor, base, high_group + _LOWEST[:rest], hi, _FINER[level], out)


def _next_key_bytes(key: bytes) -> bytes | None:
    value = int.from_bytes(key, "big") + 1
    return None if value >> (8 * len(key)) else value.to_bytes(len(key), "big")


def _previous_key_bytes(key: bytes) -> bytes | None:
    value = int.from_bytes(key, "big")
    return None if value == 0 else (value - 1).to_bytes(len(key), "big")


def _union_keys(cursor: Cursor, prefix: bytes, lo: bytes, hi: bytes, out: BitMap) -> None:
    """``out |=`` every bitmap stored under ``prefix + k`` for ``lo <= k <= hi``."""
    stop = prefix + hi
    if not cursor.set_range(prefix + lo):
        return
    deserialize = BitMap.deserialize
    for key, value in cursor:
        if key > stop:
            return
        out |= deserialize(value)


def _walk(
    txn: Txn, db: Any, base: bytes, universe: BitMap, reverse: bool, consume: bool
) -> Iterator[tuple[float, BitMap]]:
    """Depth-first walk of the level groups, entering only groups that meet ``universe``."""
    size = len(base) + 1
    stack = [(GROUP_LEVELS[0], _scan(txn, db, base + _LEVEL_BYTES[GROUP_LEVELS[0]], reverse))]
    deserialize = BitMap.deserialize
    while stack and universe:
        level, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        key, raw = entry
        found = deserialize(raw)
        if level != EXACT:
            if not found.isdisjoint(universe):  # cheaper than building the intersection
                finer = _FINER[level]
                child = base + _LEVEL_BYTES[finer] + key[size:]
                stack.append((finer, _scan(txn, db, child, reverse)))
            continue
        found &= universe
        if found:
            if consume:
                universe -= found
            yield key_number(key[size:]), found


def _scan(txn: Txn, db: Any, prefix: bytes, reverse: bool) -> Iterator[tuple[bytes, bytes]]:
    """``(key, value)`` of the keys starting with ``prefix``, in byte order or reversed."""
    with txn.cursor(db=db) as cursor:
        if reverse:
            positioned = cursor.set_range(_after(prefix))
            if not (cursor.prev() if positioned else cursor.last()):
                return
            items = cursor.iterprev()
        else:
            if not cursor.set_range(prefix):
                return
            items = cursor.iternext()
        for key, value in items:
            if not key.startswith(prefix):
                return
            yield key, value
