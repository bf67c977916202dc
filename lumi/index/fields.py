"""Field paths of a document and the attribute patterns settings use to select them.

Search, filters, facets and sorts work on dot paths (``info.reviewNb``) rather than on the
nested JSON a client sent; ``flatten`` computes them once per document for the indexer.
Settings name fields with patterns (``*``, ``dog*``, ``*name``, ``info``); the matching
helpers here are the single place that decides which field a pattern selects.
"""

from __future__ import annotations

_SCALARS = frozenset((str, int, float, bool, type(None)))


def flatten(document: dict) -> dict[str, list]:
    """Every leaf of ``document`` keyed by its dot path, values in document order.

    The shape the indexer relies on:

    - ``{"a": {"b": 1}}`` -> ``{"a.b": [1]}``: an object contributes its children, not itself.
    - ``{"a": [1, "x"]}`` -> ``{"a": [1, "x"]}``: arrays are transparent, every element is a
      value of the array's own path.
    - ``{"a": [{"b": 1}, {"b": 2, "c": 3}]}`` -> ``{"a.b": [1, 2], "a.c": [3]}``: objects in
      arrays are flattened under the array's path; nested arrays likewise.
    - ``{"a": null}`` -> ``{"a": [None]}``: null is a value (``IS NULL``).
    - ``{"a": []}`` or ``{"a": {}}`` -> ``{"a": []}``: an empty container is kept as a path
      with no value, so ``a EXISTS`` and ``a IS EMPTY`` can see it.
    - ``{"a.b": 1, "a": {"b": 2}}`` -> ``{"a.b": [1, 2]}``: a literal dotted key and a nested
      path are the same field.

    Every path present in the result exists in the document; a path with an empty list holds
    only empty containers.
    """
    out: dict[str, list] = {}
    _walk_object(document, "", out)
    return out


def _walk_object(obj: dict, prefix: str, out: dict[str, list]) -> None:
    for key, value in obj.items():
        path = prefix + key
        if type(value) in _SCALARS:
            values = out.get(path)
            if values is None:
                out[path] = [value]
            else:
                values.append(value)
        else:
            _walk_value(value, path, out)


def _walk_value(value: dict | list, path: str, out: dict[str, list]) -> None:
    """A container at ``path``: objects descend, arrays spread their elements on ``path``."""
    if type(value) is dict:
        if value:
            _walk_object(value, path + ".", out)
        else:
            out.setdefault(path, [])
        return
    if not value:
        out.setdefault(path, [])
        return
    for item in value:
        if type(item) in _SCALARS:
            out.setdefault(path, []).append(item)
        else:
            _walk_value(item, path, out)


def field_names(document: dict) -> set[str]:
    """The names counted in an index's ``fieldDistribution``: the document's top-level keys.

    Nested paths are not counted: a document ``{"info": {"id": 1}}`` contributes ``info``.
    """
    return set(document)


def match_attribute_pattern(pattern: str, field: str) -> bool:
    """Whether ``pattern`` selects ``field``: ``*`` (any field), ``dog*`` (prefix),
    ``*name`` (suffix), ``*dog*`` (substring), otherwise the exact name.
    """
    if pattern == "*":
        return True
    starts, ends = pattern.startswith("*"), pattern.endswith("*")
    if starts and ends:
        return pattern[1:-1] in field
    if starts:
        return field.endswith(pattern[1:])
    if ends:
        return field.startswith(pattern[:-1])
    return pattern == field


def is_nested_of(parent: str, field: str) -> bool:
    """Whether ``field`` lies strictly under ``parent`` (``a.b.c`` under ``a`` and ``a.b``,
    but not under ``a.b.c`` itself nor under ``a.bc``)."""
    return len(field) > len(parent) and field[len(parent)] == "." and field.startswith(parent)


def matches_attribute(entry: str, field: str) -> bool:
    """Whether a plain attribute named in a setting (``searchableAttributes``, the string
    form of ``filterableAttributes``, ``sortableAttributes``) covers ``field``: ``*``, the
    field itself, or one of its parents, so that ``info`` makes ``info.comment`` match.
    """
    return entry == "*" or entry == field or is_nested_of(entry, field)
