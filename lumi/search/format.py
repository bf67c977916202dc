"""Turning a matched document into a hit: chosen fields, ``_formatted``, ``_matchesPosition``.

Which fields appear:

- the hit holds ``attributesToRetrieve`` ∩ ``displayedAttributes`` (all displayed fields by
  default, ``*`` too);
- ``_formatted`` exists once ``attributesToHighlight`` or ``attributesToCrop`` names a
  displayed field that the index knows; it then holds the retrieved fields plus the
  highlighted and cropped ones, every number written as a string, nested shapes kept;
- ``_matchesPosition`` (with ``showMatchesPosition``) covers every displayed field, keyed by
  dotted path in sorted order, with byte offsets and, inside arrays, the array ``indices``.

An option named for a field applies to the fields nested in it and to its parents' leaves
(``doggo`` highlighted and ``doggo.name`` cropped: ``doggo.name`` is both). How one text is
highlighted and cropped is ``lumi.search.highlight``'s business.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import orjson

from lumi.index.projection import project
from lumi.search.highlight import Highlights, Marker, Marks, Option
from lumi.search.request import SearchRequest
from lumi.text.tokenizer import Tokenizer

# ---------------------------------------------------------------- options per field


def _related(a: str, b: str) -> bool:
    """``a`` and ``b`` are the same field, or one is nested in the other."""
    if a == b:
        return True
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return longer.startswith(shorter) and longer[len(shorter)] == "."


def _covered(name: str, entries: Sequence[str]) -> bool:
    return any(
        entry == "*" or (_related(entry, name) and len(entry) <= len(name)) for entry in entries
    )


def format_options(
    request: SearchRequest, displayed: Sequence[str], fields: Sequence[str]
) -> dict[str, Option]:
    """Option per field name for ``_formatted``; empty when nothing is to be formatted.

    ``fields`` are the field names the index knows: an attribute naming no known, displayed
    field is ignored, as is ``attr:N`` crop syntax with an unreadable ``N`` (default length).
    """
    known = set(fields)
    shown = [name for name in fields if _covered(name, displayed)]

    def usable(name: str) -> bool:
        top = name.partition(".")[0]
        return (name in known or top in known) and _covered(name, displayed)

    options: dict[str, Option] = {}
    for name in request.attributes_to_highlight or ():
        targets = shown if name == "*" else [name] if usable(name) else []
        for target in targets:
            options[target] = Option(True, None)
        if name == "*":
            break
    for entry in request.attributes_to_crop or ():
        name, length = _crop_entry(entry, request.crop_length)
        targets = shown if name == "*" else [name] if usable(name) else []
        for target in targets:
            options[target] = Option(options.get(target, Option()).highlight, length)
    if options:
        retrieved = request.attributes_to_retrieve
        if retrieved is None or "*" in retrieved:
            retrieved = shown
        for name in retrieved:
            options.setdefault(name, Option())
    return options


def _crop_entry(entry: str, default: int) -> tuple[str, int]:
    name, colon, length = entry.rpartition(":")
    if not colon:
        return entry, default
    return name, int(length) if length.isdigit() else default


# ---------------------------------------------------------------- hits


def add_vectors(shown: dict[str, Any], source: dict[str, Any]) -> None:
    """Give ``shown`` (the fields picked for the answer) its ``_vectors`` object, as
    ``retrieveVectors`` asks: the vectors ``source`` (the whole document) was given itself,
    whichever fields were picked, else ``{}``. No embedder computes vectors here, so there
    is nothing else to add."""
    vectors = source.get("_vectors")
    shown["_vectors"] = vectors if type(vectors) is dict else {}


class HitFormatter:
    """Builds the hits of one search; create it once per search, call ``hit`` per document."""

    __slots__ = (
        "_leaf_options",
        "displayed",
        "marker",
        "options",
        "request",
        "selection",
        "vectors",
    )

    def __init__(
        self,
        request: SearchRequest,
        displayed: Sequence[str],
        fields: Sequence[str],
        tokenizer: Tokenizer,
        highlights: Highlights | None,
    ) -> None:
        self.request = request
        self.displayed = None if "*" in displayed else list(displayed)
        # `_vectors` only with retrieveVectors, and only while displayed (by name or `*`).
        self.vectors = request.retrieve_vectors and (
            self.displayed is None or "_vectors" in self.displayed
        )
        marks = Marks(request.highlight_pre_tag, request.highlight_post_tag, request.crop_marker)
        self.marker = Marker(tokenizer, highlights, marks)
        self.options = format_options(request, displayed, fields)
        self.selection = list(self.options)
        self._leaf_options: dict[str, Option | None] = {}

    def hit(self, document: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The hit of ``document``; ``extra`` fields (``_geoDistance``) follow its own, then
        ``_vectors`` when asked for."""
        request = self.request
        if not self.vectors and "_vectors" in document:
            document = {k: v for k, v in document.items() if k != "_vectors"}
        shown = project(document, self.displayed)
        retrieved = request.attributes_to_retrieve
        hit = dict(shown if retrieved is None else project(shown, retrieved))
        if extra:
            hit.update(extra)
        if self.vectors:
            add_vectors(hit, shown)
        if not self.options and not request.show_matches_position:
            return hit
        positions: dict[str, list[dict[str, Any]]] | None = (
            {} if request.show_matches_position else None
        )
        formatted = self._format_object(shown, "", positions)
        if self.options:
            selected = project(formatted, self.selection)
            if selected:
                hit["_formatted"] = selected
        if positions is not None:
            hit["_matchesPosition"] = dict(sorted(positions.items()))
        return hit

    def _leaf_option(self, key: str) -> Option | None:
        option: Option | Literal[False] | None = self._leaf_options.get(key, False)
        if option is False:
            option = None
            for name, candidate in self.options.items():
                if _related(name, key):
                    option = candidate if option is None else option.merge(candidate)
            if option is not None and not (option.highlight or option.crop is not None):
                option = None
            self._leaf_options[key] = option
        return option

    def _format_object(
        self, obj: dict[str, Any], prefix: str, positions: dict[str, list[Any]] | None
    ) -> dict[str, Any]:
        return {
            key: self._format_value(value, prefix + key, (), positions)
            for key, value in obj.items()
        }

    def _format_value(
        self,
        value: Any,
        key: str,
        indices: tuple[int, ...],
        positions: dict[str, list[Any]] | None,
    ) -> Any:
        kind = type(value)
        if kind is dict:
            return self._format_object(value, key + ".", positions)
        if kind is list:
            return [
                self._format_value(item, key, (*indices, i), positions)
                for i, item in enumerate(value)
            ]
        if kind is str:
            text = value
        elif kind is int:
            text = str(value)
        elif kind is float:
            text = orjson.dumps(value).decode().replace("e+", "e")
        else:
            return value
        option = self._leaf_option(key)
        if option is None and positions is None:
            return text
        if not (option is not None and option.crop) and not self.marker.may_match(text):
            return text
        tokens = self.marker.tokenizer.tokens(text)
        matches = self.marker.matches(tokens)
        if positions is not None and matches:
            bounds = positions.setdefault(key, [])
            for match in matches:
                bound: dict[str, Any] = {
                    "start": tokens[match.first_token].byte_start,
                    "length": match.byte_len,
                }
                if indices:
                    bound["indices"] = list(indices)
                bounds.append(bound)
        if option is None:
            return text
        return self.marker.format(text, tokens, matches, option)
