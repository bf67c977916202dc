"""``POST /indexes/{uid}/fields``: every field of an index with what its settings make of it.

Fields are listed by name (byte order). Each one says whether it
is displayed, searchable, sortable, the distinct attribute, the subject of a custom ranking
rule, filterable (with the features and facet order of the first rule that matches it) and
which locales apply to it. The optional ``filter`` keeps the fields matching every given
criterion.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from lumi.http.enqueue import engine_of
from lumi.http.indexes import json_body
from lumi.http.params import path_index_uid
from lumi.http.responses import json
from lumi.http.routing import endpoint
from lumi.http.validation import Body, Field, array, boolean, integer, nullable, obj, string
from lumi.http.views import offset_page
from lumi.index.settings import (
    filterable_rules,
    match_pattern,
    ranking_rules,
    searchable_fields,
    setting_view,
)

_FILTER = Body(
    [
        Field(
            "attributePatterns",
            nullable(array(string())),
            "invalid_index_fields_filter_attribute_patterns",
        ),
        Field("displayed", nullable(boolean()), "invalid_index_fields_filter_displayed"),
        Field("searchable", nullable(boolean()), "invalid_index_fields_filter_searchable"),
        Field("sortable", nullable(boolean()), "invalid_index_fields_filter_sortable"),
        Field("distinct", nullable(boolean()), "invalid_index_fields_filter_distinct"),
        Field("rankingRule", nullable(boolean()), "invalid_index_fields_filter_ranking_rule"),
        Field("filterable", nullable(boolean()), "invalid_index_fields_filter_filterable"),
    ],
    code="invalid_index_fields_filter",
)
LIST_BODY = Body(
    [
        Field("offset", integer(), "invalid_index_offset", default=0),
        Field("limit", integer(), "invalid_index_limit", default=20),
        Field("filter", nullable(obj(_FILTER)), "invalid_index_fields_filter"),
    ]
)
# Filter criteria and the part of a field view each one tests.
_CRITERIA = ("displayed", "searchable", "sortable", "distinct", "rankingRule", "filterable")


def field_views(settings: dict[str, Any], fields: list[str]) -> list[dict[str, Any]]:
    """The view of each field, in the given order."""
    displayed = setting_view("displayedAttributes", settings)
    searchable = {name for name, _rank in searchable_fields(settings, fields)}
    sortable = setting_view("sortableAttributes", settings)
    distinct = settings.get("distinctAttribute")
    orders: dict[str, list[str]] = {}
    for rule in ranking_rules(settings):
        if rule.field is not None:
            orders.setdefault(rule.field, []).append(rule.kind)
    rules = filterable_rules(settings)
    sort_by = setting_view("faceting", settings)["sortFacetValuesBy"]
    localized = setting_view("localizedAttributes", settings) or []
    return [
        {
            "name": name,
            "displayed": {"enabled": _covered(displayed, name)},
            "searchable": {"enabled": name in searchable},
            "sortable": {"enabled": _covered(sortable, name)},
            "distinct": {"enabled": distinct == name},
            "rankingRule": {"enabled": name in orders, "order": orders.get(name, [])},
            "filterable": _filterable(rules, sort_by, name),
            "localized": {"locales": _locales(localized, name)},
        }
        for name in fields
    ]


def _covered(names: list[str], field: str) -> bool:
    """A setting listing ``*``, the field, or one of its parents covers the field."""
    return any(name == "*" or name == field or field.startswith(name + ".") for name in names)


def _filterable(rules: tuple[Any, ...], sort_by: dict[str, str], field: str) -> dict[str, Any]:
    order = next(
        (
            value
            for pattern, value in sort_by.items()
            if pattern != "*" and match_pattern(pattern, field)
        ),
        sort_by.get("*", "alpha"),
    )
    for rule in rules:
        covers = (
            _covered([rule.patterns[0]], field)
            if rule.legacy
            else any(match_pattern(pattern, field) for pattern in rule.patterns)
        )
        if covers:
            return {
                "enabled": True,
                "sortBy": order,
                "facetSearch": rule.facet_search,
                "equality": rule.equality,
                "comparison": rule.comparison,
            }
    return {
        "enabled": False,
        "sortBy": order,
        "facetSearch": False,
        "equality": False,
        "comparison": False,
    }


def _locales(rules: list[dict[str, Any]], field: str) -> list[str]:
    for rule in rules:
        if any(match_pattern(pattern, field) for pattern in rule["attributePatterns"]):
            return list(rule["locales"])
    return []


def matches(view: dict[str, Any], criteria: dict[str, Any]) -> bool:
    patterns = criteria.get("attributePatterns")
    if patterns is not None and not any(match_pattern(p, view["name"]) for p in patterns):
        return False
    return all(
        criteria.get(name) is None or view[name]["enabled"] == criteria[name] for name in _CRITERIA
    )


@endpoint("POST", "/indexes/{index_uid}/fields", "fields.post")
async def list_fields(request: Request) -> Response:
    uid = path_index_uid(request)
    body = LIST_BODY.parse(await json_body(request))
    _meta, index = engine_of(request).open_index(uid)
    with index.read() as txn:
        settings = index.settings(txn)
        names = sorted(index.fields(txn))
    criteria = body.get("filter") or {}
    views = [view for view in field_views(settings, names) if matches(view, criteria)]
    offset, limit = body["offset"], body["limit"]
    return json(offset_page(views[offset : offset + limit], offset, limit, len(views)))


ENDPOINTS = [list_fields]
