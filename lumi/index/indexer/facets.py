"""Keeping the facet structures (``lumi.index.facet_store``) in step with documents.

Only the fields the settings make facetable get structures: filterable attributes (plain
names with their nested fields, or granular ``attributePatterns``), sortable attributes, the
distinct attribute and the fields of ``x:asc``/``x:desc`` ranking rules; ``_geo`` points
when ``_geo`` is filterable or sortable (the reserved ``_geo``, ``_geojson`` and ``_vectors``
fields are never walked as ordinary values). Documents are walked only down the branches
that can lead to such a field.

What a value contributes, as the reference engine does it: a number is a number facet, a
string or a boolean a string facet (``true``/``false``); every selected path is recorded as
existing; ``null`` counts as null and ``""``/``[]``/``{}`` as empty only when written
directly as the field's value (not as an array element). Arrays spread their elements on
the field's own path, objects inside arrays are walked like any object.

For each batch chunk the old and new versions of every changed document are turned into
sets of keys; only the difference is written, so a replaced or deleted document never leaves
a stale posting behind. Bitmap updates are gathered per key and merged into LMDB once per
chunk, in key order. Nothing is left pending between chunks (``finish`` has nothing to do),
even in a deferred build: a deletion by filter in the middle of a batch reads these
structures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import orjson
from pyroaring import BitMap

from lumi.errors import LumiError
from lumi.index import facet_store as fs
from lumi.index.documents import validate_geo
from lumi.index.indexer.build import BuildContext
from lumi.index.indexer.write import Change
from lumi.index.settings import filterable_rules, match_pattern, ranking_rules
from lumi.storage.codecs import bitmap_bytes
from lumi.storage.env import Txn

SKIP, PARENT, SELECT = 0, 1, 2
# Fields with a meaning of their own, never walked as facet values: coordinates are stored
# apart (``geo``), embeddings and GeoJSON shapes are not facets.
RESERVED = frozenset(("_geo", "_geojson", "_vectors"))
# Documents read per step of a rebuild, which bounds the memory the pending updates take.
REBUILD_CHUNK = 20_000
_CACHE_LIMIT = 200_000
_KEY_LIMIT = 511
_DBS = ("facet_string_docids", "facet_number_docids", "field_docids", "docid_facet_values", "geo")
_TRUE, _FALSE = "true", "false"

# One document's facet keys: strings, numbers, field kinds, forward values, geo levels, point.
_Keys = tuple[set[bytes], set[bytes], set[bytes], dict[bytes, bytes], set[bytes], bytes | None]
_NO_KEYS: _Keys = (set(), set(), set(), {}, set(), None)
# Where each set of ``_Keys`` goes: (its slot in ``_Keys``, its index in ``_Pending.adds``).
_SET_SLOTS: tuple[tuple[Literal[0, 1, 2, 4], int], ...] = ((0, 0), (1, 1), (2, 2), (4, 3))


class Selection:
    """Which document paths have facet structures, decided once per path and cached."""

    def __init__(self, settings: dict[str, Any]) -> None:
        names: set[str] = set(settings.get("sortableAttributes", ()))
        patterns: set[str] = set()
        for rule in filterable_rules(settings):
            (names if rule.legacy else patterns).update(rule.patterns)
        distinct = settings.get("distinctAttribute")
        if distinct:
            names.add(distinct)
        names.update(rule.field for rule in ranking_rules(settings) if rule.field is not None)
        self.names = tuple(sorted(names))
        self.patterns = tuple(sorted(patterns))
        self.geo = "_geo" in names or any(match_pattern(p, "_geo") for p in patterns)
        self.empty = not names and not patterns
        self._cache: dict[str, int] = {}

    def decide(self, path: str) -> int:
        found = self._cache.get(path)
        if found is None:
            found = self._decide(path)
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[path] = found
        return found

    def _decide(self, path: str) -> int:
        if path.partition(".")[0] in RESERVED:
            return SKIP
        parent = path + "."
        for name in self.names:
            if name == path or path.startswith(name + "."):
                return SELECT
        if any(match_pattern(pattern, path) for pattern in self.patterns):
            return SELECT
        if any(name.startswith(parent) for name in self.names):
            return PARENT
        for pattern in self.patterns:
            if pattern.startswith("*"):
                return PARENT
            stem = pattern[:-1] if pattern.endswith("*") else pattern
            if stem.startswith(parent) or (pattern.endswith("*") and parent.startswith(stem)):
                return PARENT
        return SKIP


class FacetExtractor:
    """The ``facets`` family of ``lumi.index.indexer.build``."""

    family = "facets"

    def __init__(self) -> None:
        self._selection: tuple[bytes, Selection] | None = None
        self._numbers: dict[tuple[bytes, float], list[bytes]] = {}
        self._strings: dict[tuple[bytes, str], bytes | None] = {}

    def apply(self, ctx: BuildContext, changes: Sequence[Change]) -> None:
        selection = self.selection(ctx.settings)
        if selection.empty:  # no facet structures, so none to update
            return
        pending = _Pending(ctx.index.db)
        for docid, old, new in changes:
            if old is not None and new is not None and old == new:
                continue
            before = self.keys(selection, docid, old) if old is not None else _NO_KEYS
            after = self.keys(selection, docid, new) if new is not None else _NO_KEYS
            pending.change(ctx.txn, docid, before, after)
        pending.flush(ctx.txn)

    def finish(self, ctx: BuildContext) -> None:
        """Every ``apply`` completes its work."""

    def rebuild(self, ctx: BuildContext) -> None:
        for name in _DBS:
            ctx.txn.drop(ctx.index.db[name], delete=False)
        selection = self.selection(ctx.settings)
        if selection.empty:
            return
        pending = _Pending(ctx.index.db)
        for count, (docid, document) in enumerate(ctx.index.iter_documents(ctx.txn), 1):
            pending.change(ctx.txn, docid, _NO_KEYS, self.keys(selection, docid, document))
            if count % REBUILD_CHUNK == 0:
                pending.flush(ctx.txn)
                ctx.check_abort()
        pending.flush(ctx.txn)

    def selection(self, settings: dict[str, Any]) -> Selection:
        relevant = orjson.dumps(
            [
                settings.get(name)
                for name in (
                    "filterableAttributes",
                    "sortableAttributes",
                    "distinctAttribute",
                    "rankingRules",
                )
            ]
        )
        if self._selection is None or self._selection[0] != relevant:
            self._selection = (relevant, Selection(settings))
        return self._selection[1]

    # ---- one document ------------------------------------------------------------------

    def keys(self, selection: Selection, docid: int, document: dict[str, Any]) -> _Keys:
        """Every facet key ``document`` (stored as ``docid``) contributes."""
        if selection.empty:
            return _NO_KEYS
        walk = _Walk(selection)
        walk.object(document, "", False)
        strings: set[bytes] = set()
        numbers: set[bytes] = set()
        forward: dict[bytes, bytes] = {}
        for path, values in walk.values.items():
            base = fs.field_prefix(path)
            kept = []
            for value in values:
                if type(value) is float:
                    numbers.update(self._number_keys(base, value))
                    kept.append(value)
                else:
                    key = self._string_key(base, value)
                    if key is not None:
                        strings.add(key)
                        kept.append(value)
            if kept:
                forward[fs.docid_key(base, docid)] = orjson.dumps(kept)
        geo_keys: set[bytes] = set()
        point = None
        if selection.geo:
            point = _geo_point(document)
            if point is not None:
                geo_keys.update(self._number_keys(fs.GEO_LAT, point[0]))
                geo_keys.update(self._number_keys(fs.GEO_LNG, point[1]))
        return (
            strings,
            numbers,
            walk.kinds,
            forward,
            geo_keys,
            (fs.pack_point(*point) if point is not None else None),
        )

    def _number_keys(self, base: bytes, value: float) -> list[bytes]:
        cache_key = (base, value)
        keys = self._numbers.get(cache_key)
        if keys is None:
            keys = fs.number_level_keys(base, fs.number_key(value))
            if len(self._numbers) >= _CACHE_LIMIT:
                self._numbers.clear()
            self._numbers[cache_key] = keys
        return keys

    def _string_key(self, base: bytes, value: str) -> bytes | None:
        cache_key = (base, value)
        if cache_key in self._strings:
            return self._strings[cache_key]
        normalized = fs.normalize(value).encode()
        key = base + normalized
        found = key if len(normalized) <= fs.MAX_VALUE_BYTES and len(key) <= _KEY_LIMIT else None
        if len(self._strings) >= _CACHE_LIMIT:
            self._strings.clear()
        self._strings[cache_key] = found
        return found


class _Walk:
    """The facet values of one document: per path its values (floats and strings, in
    document order), and the field-kind keys (exists / null / empty)."""

    __slots__ = ("decide", "kinds", "values")

    def __init__(self, selection: Selection) -> None:
        self.decide = selection.decide
        self.values: dict[str, list[Any]] = {}
        self.kinds: set[bytes] = set()

    def object(self, obj: dict[str, Any], prefix: str, in_array: bool) -> None:
        decide = self.decide
        for key, value in obj.items():
            path = prefix + key
            decision = decide(path)
            if decision == SELECT:
                self.select(path, value, in_array)
            elif decision == PARENT:
                self.descend(path, value, in_array)

    def descend(self, path: str, value: Any, in_array: bool) -> None:
        """Look for selected fields below an unselected ``path``."""
        if type(value) is dict:
            self.object(value, path + ".", in_array)
        elif type(value) is list:
            for item in value:
                self.descend(path, item, True)

    def select(self, path: str, value: Any, in_array: bool) -> None:
        base = path.encode() + b"\x00"
        self.kinds.add(base + fs.EXISTS)
        kind = type(value)
        if kind is str:
            if value:
                self.add(path, value)
            elif not in_array:
                self.kinds.add(base + fs.EMPTY)
        elif kind is bool:
            self.add(path, _TRUE if value else _FALSE)
        elif kind is int or kind is float:
            self.add_number(path, value)
        elif value is None:
            if not in_array:
                self.kinds.add(base + fs.NULL)
        elif kind is dict:
            if value:
                self.object(value, path + ".", in_array)
            elif not in_array:
                self.kinds.add(base + fs.EMPTY)
        elif kind is list:
            if not value and not in_array:
                self.kinds.add(base + fs.EMPTY)
            for item in value:
                self.element(path, item)

    def element(self, path: str, item: Any) -> None:
        kind = type(item)
        if kind is str:
            if item:
                self.add(path, item)
        elif kind is bool:
            self.add(path, _TRUE if item else _FALSE)
        elif kind is int or kind is float:
            self.add_number(path, item)
        elif kind is dict:
            self.object(item, path + ".", True)
        elif kind is list:
            for inner in item:
                self.element(path, inner)

    def add(self, path: str, value: Any) -> None:
        values = self.values.get(path)
        if values is None:
            self.values[path] = [value]
        elif value not in values:
            values.append(value)

    def add_number(self, path: str, value: int | float) -> None:
        try:
            number = float(value)
        except OverflowError:
            return
        if math.isfinite(number):
            self.add(path, number)


def _geo_point(document: dict[str, Any]) -> tuple[float, float] | None:
    """The document's coordinates; a malformed ``_geo`` is left out rather than failing
    the whole batch (additions are where it is refused)."""
    try:
        return validate_geo(document, "")
    except LumiError:
        return None


class _Pending:
    """Bitmap additions and removals gathered per key, merged into LMDB by ``flush``.

    The last operation on a (key, docid) pair wins, so a document changed twice in one
    chunk ends up as its last version says.
    """

    def __init__(self, dbs: dict[str, Any]) -> None:
        self.dbs = (dbs["facet_string_docids"], dbs["facet_number_docids"], dbs["field_docids"])
        self.forward_db = dbs["docid_facet_values"]
        self.geo_db = dbs["geo"]
        self.adds: tuple[dict[bytes, BitMap], ...] = ({}, {}, {}, {})
        self.removes: tuple[dict[bytes, BitMap], ...] = ({}, {}, {}, {})

    def change(self, txn: Txn, docid: int, old: _Keys, new: _Keys) -> None:
        for slot, index in _SET_SLOTS:
            before, after = old[slot], new[slot]
            adds, removes = self.adds[index], self.removes[index]
            for key in before - after:
                _move(removes, adds, key, docid)
            for key in after - before:
                _move(adds, removes, key, docid)
        for key in old[3].keys() - new[3].keys():
            txn.delete(key, db=self.forward_db)
        for key, value in new[3].items():
            if old[3].get(key) != value:
                txn.put(key, value, db=self.forward_db)
        point_key = fs.docid_key(fs.GEO_POINT, docid)
        if new[5] is not None:
            if new[5] != old[5]:
                txn.put(point_key, new[5], db=self.geo_db)
        elif old[5] is not None:
            txn.delete(point_key, db=self.geo_db)

    def flush(self, txn: Txn) -> None:
        for index, db in enumerate((*self.dbs, self.geo_db)):
            adds, removes = self.adds[index], self.removes[index]
            for key in sorted(adds.keys() | removes.keys()):
                raw = txn.get(key, db=db)
                bitmap = BitMap() if raw is None else BitMap.deserialize(raw)
                added, removed = adds.get(key), removes.get(key)
                if added is not None:
                    bitmap |= added
                if removed is not None:
                    bitmap -= removed
                if bitmap:
                    txn.put(key, bitmap_bytes(bitmap), db=db)
                elif raw is not None:
                    txn.delete(key, db=db)
            adds.clear()
            removes.clear()


def _move(into: dict[bytes, BitMap], away: dict[bytes, BitMap], key: bytes, docid: int) -> None:
    bitmap = into.get(key)
    if bitmap is None:
        into[key] = BitMap((docid,))
    else:
        bitmap.add(docid)
    other = away.get(key)
    if other is not None:
        other.discard(docid)
