"""Foreign keys at search time: hits show the documents their foreign ids name.

An index's ``foreignKeys`` setting says that a field (``fieldName``) holds primary-key values
of documents of another index (``foreignIndexUid``): one id, or an array of ids. While the
``foreignKeys`` experimental feature is on, each hit has those ids replaced by the documents
they name, as that index displays them (its ``displayedAttributes``, without ``_vectors``).
This happens on the stored document, before the hit's fields are picked and ``_formatted`` is
built, so ``attributesToRetrieve: ["actors.name"]`` and highlighting reach into the foreign
documents.

Choices where the reference says little:

- an id naming no document (deleted, never added, or a missing index) stays as written;
- values that cannot be ids (objects, floats, booleans, null) stay as written;
- hydration is one level deep: the foreign documents' own foreign keys are not followed;
- a dotted ``fieldName`` (``cast.actor``) also reaches into nested objects and arrays of
  objects, as dotted primary keys do;
- when two entries name the same field, the first one applies.

Cost: each distinct id costs one lookup in the foreign index's external-id map and one
document read per search, however many hits name it; foreign indexes are opened lazily, each
read through one snapshot for the whole search.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Protocol

from lumi.errors import LumiError
from lumi.index.index import Index
from lumi.index.projection import project
from lumi.index.settings import setting_view
from lumi.storage.env import Txn

FEATURE = "foreignKeys"
_MAX_ID_BYTES = 511  # longer primary-key values cannot exist (and LMDB refuses such keys)


class IndexOpener(Protocol):
    """What opens other indexes by uid (the engine); a missing one raises ``LumiError``."""

    def open_index(self, uid: str) -> tuple[Any, Index]: ...


def foreign_keys(settings: dict[str, Any]) -> dict[str, str]:
    """``fieldName -> foreignIndexUid`` of the stored settings; the first entry for a field
    wins, and entries keep their order."""
    found: dict[str, str] = {}
    for entry in settings.get(FEATURE, ()):
        found.setdefault(entry["fieldName"], entry["foreignIndexUid"])
    return found


def _shown(field: str, displayed: Sequence[str]) -> bool:
    """``field`` (or part of it, or the object holding it) is among the displayed fields."""
    for entry in displayed:
        if entry == "*" or entry == field:
            return True
        if field.startswith(entry + ".") or entry.startswith(field + "."):
            return True
    return False


class _Source:
    """One foreign index as read during a search, with the documents already looked up."""

    __slots__ = ("cache", "displayed", "index", "txn")

    def __init__(self, index: Index | None, txn: Txn | None) -> None:
        self.index = index
        self.txn = txn
        self.cache: dict[str, dict[str, Any] | None] = {}
        self.displayed: list[str] | None = None
        if index is not None and txn is not None:
            self.displayed = setting_view("displayedAttributes", index.settings(txn))

    def document(self, external: str) -> dict[str, Any] | None:
        """The displayed form of the document with this primary-key value, or None."""
        cache = self.cache
        if external in cache:
            return cache[external]
        found = None
        index, txn = self.index, self.txn
        if index is not None and txn is not None and len(external.encode()) <= _MAX_ID_BYTES:
            docid = index.docid(txn, external) if external else None
            stored = None if docid is None else index.document(txn, docid)
            if stored is not None:
                stored.pop("_vectors", None)
                found = project(stored, self.displayed)
        cache[external] = found
        return found


class Hydrator:
    """Replaces foreign ids in the documents of one search.

    Use it as a context manager: it holds read snapshots of the foreign indexes it opened
    until the search is done. ``home`` is the searched index (uid, index, snapshot), reused
    when a foreign key points back at it (LMDB allows one read snapshot per thread); without
    an ``opener`` it is the only index reachable.
    """

    __slots__ = ("_opener", "_sources", "_stack", "home", "keys")

    def __init__(
        self,
        keys: dict[str, str],
        opener: IndexOpener | None,
        home: tuple[str, Index, Txn],
    ) -> None:
        self.keys = keys
        self.home = home
        self._opener = opener
        self._sources: dict[str, _Source] = {}
        self._stack = contextlib.ExitStack()

    @classmethod
    def for_search(
        cls,
        settings: dict[str, Any],
        enabled: bool,
        opener: IndexOpener | None,
        home: tuple[str, Index, Txn],
    ) -> Hydrator:
        """The hydrator of a search: it does nothing unless the feature is ``enabled`` and
        a foreign key names a displayed field."""
        keys: dict[str, str] = {}
        if enabled:
            displayed = setting_view("displayedAttributes", settings)
            keys = {f: uid for f, uid in foreign_keys(settings).items() if _shown(f, displayed)}
        return cls(keys, opener, home)

    def __enter__(self) -> Hydrator:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stack.close()

    def hydrate(self, document: dict[str, Any]) -> dict[str, Any]:
        """``document`` with its foreign ids replaced, changed in place (it must be the
        caller's own copy); foreign documents may be shared between hits."""
        for field, uid in self.keys.items():
            _apply(document, field, self._source(uid))
        return document

    def _source(self, uid: str) -> _Source:
        source = self._sources.get(uid)
        if source is None:
            source = self._sources[uid] = self._open(uid)
        return source

    def _open(self, uid: str) -> _Source:
        home_uid, home_index, home_txn = self.home
        if uid == home_uid:
            return _Source(home_index, home_txn)
        if self._opener is None:
            return _Source(None, None)
        try:
            _meta, index = self._opener.open_index(uid)
        except LumiError as error:
            if error.code != "index_not_found":
                raise
            return _Source(None, None)
        return _Source(index, self._stack.enter_context(index.read()))


def _apply(obj: dict[str, Any], path: str, source: _Source) -> None:
    """Replace the ids at ``path`` in ``obj``, as a flat key and through nested objects."""
    if path in obj:
        obj[path] = _hydrated(obj[path], source)
    dot = path.find(".")
    while dot != -1:
        child, rest = obj.get(path[:dot]), path[dot + 1 :]
        if type(child) is dict:
            _apply(child, rest, source)
        elif type(child) is list:
            for item in child:
                if type(item) is dict:
                    _apply(item, rest, source)
        dot = path.find(".", dot + 1)


def _hydrated(value: Any, source: _Source) -> Any:
    if type(value) is list:
        return [_one(item, source) for item in value]
    return _one(value, source)


def _one(value: Any, source: _Source) -> Any:
    kind = type(value)
    if kind is str:
        found = source.document(value)
    elif kind is int:
        found = source.document(str(value))
    else:
        return value
    return value if found is None else found
