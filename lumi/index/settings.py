"""Index settings: the one table every other part derives from.

``SETTINGS`` lists each setting once, in the reference's order: its JSON name, its sub-route
and write verb, its default, its validator and error code, and which search structures a
change forces the indexer to rebuild. The HTTP layer generates the settings routes from it,
the task queue stores the validated patch (and shows it as the task's ``details``), the
scheduler applies the patch with ``apply_patch`` and asks ``settings_diff`` what to reindex,
and search reads effective values through the helpers at the bottom.

Stored settings are sparse: only the settings whose value differs from the default are kept,
each in its complete form (nested objects fully merged). Defaults live here alone, so every
reader fills them in the same way.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any, NamedTuple

from lumi.errors import LumiError
from lumi.index import embedders as emb
from lumi.index import settings_validation as v
from lumi.index.settings_validation import RankingRule, parse_ranking_rule

WORDS = "words"  # word postings, positions, proximities, prefixes, exact-word data
FACETS = "facets"  # facet values used by filters, sort, distinct and facet search
VECTORS = "vectors"  # the embeddings documents give their embedders (`_vectors`)

DEFAULT_RANKING_RULES = [
    "words",
    "typo",
    "proximity",
    "attributeRank",
    "sort",
    "wordPosition",
    "exactness",
]
DEFAULT_TYPO: dict[str, Any] = {
    "enabled": True,
    "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
    "disableOnWords": [],
    "disableOnAttributes": [],
    "disableOnNumbers": False,
}
DEFAULT_FACETING: dict[str, Any] = {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "alpha"}}
DEFAULT_PAGINATION: dict[str, Any] = {"maxTotalHits": 1000}
DEFAULT_CHAT: dict[str, Any] = {
    "description": "",
    "documentTemplate": "{% for field in fields %}{% if field.is_searchable and field.value "
    "!= nil %}{{ field.name }}: {{ field.value }}\n{% endif %}{% endfor %}",
    "documentTemplateMaxBytes": 400,
    "searchParameters": {},
}
DEFAULT_SEARCH_CUTOFF_MS = 1500  # what a null `searchCutoffMs` means at search time
# The experimental features of an instance (`/experimental-features`); none by default.
NO_FEATURES: Mapping[str, bool] = MappingProxyType({})

_CHAT_DISABLED = (
    "setting `chat` in the index settings requires enabling the `chat completions` "
    "experimental feature. See https://github.com/orgs/meilisearch/discussions/835"
)
_FOREIGN_KEYS_DISABLED = (
    "setting `foreignKeys` in the index settings requires enabling the `foreign keys` "
    "experimental feature. See https://www.meilisearch.com/docs/capabilities/indexing/how_to/"
    "document_relations"
)


# ---------------------------------------------------------------- how a patch value lands


def _replace(current: Any, value: Any) -> Any:
    return value


def _wildcard(current: Any, value: list[str]) -> list[str]:
    """A list holding ``*`` means "every field", which is stored as the default."""
    return ["*"] if "*" in value else value


def _merge_fields(
    default: dict[str, Any], current: dict[str, Any], value: dict[str, Any]
) -> dict[str, Any]:
    """PATCH semantics for nested objects: sent fields replace, ``null`` resets, others stay."""
    merged = dict(current)
    for key, item in value.items():
        if item is None:
            merged[key] = copy.deepcopy(default[key])
        elif key == "minWordSizeForTypos":
            merged[key] = _merge_fields(default[key], current[key], item)
        elif key == "sortFacetValuesBy":  # the `*` entry always exists; keys stay sorted
            merged[key] = dict(sorted({**default[key], **item}.items()))
        else:
            merged[key] = item
    return merged


def _merge_chat(current: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """Chat PATCH: fields merge as for other objects, and so do the search parameters, one
    level down (a parameter set to ``null`` is removed)."""
    sent = value.get("searchParameters")
    merged = _merge_fields(DEFAULT_CHAT, current, value)
    if sent is not None:
        params = {**(current.get("searchParameters") or {}), **sent}
        merged["searchParameters"] = {
            name: params[name] for name in v.CHAT_SEARCH_FIELDS if params.get(name) is not None
        }
    return merged


def _identity(value: Any) -> Any:
    return value


def _typo_key(value: dict[str, Any]) -> tuple[Any, ...]:
    """Only these typo fields shape what is indexed; the others act at query time."""
    return (value["disableOnAttributes"], value["disableOnNumbers"])


def _sort_fields(value: list[str]) -> list[str]:
    """Fields of ``x:asc``/``x:desc`` rules need facet values, so they matter for indexing."""
    rules = (parse_ranking_rule(text) for text in value)
    return sorted({rule.field for rule in rules if rule.field is not None})


# ---------------------------------------------------------------- the table


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One index setting and everything derived from it."""

    name: str  # JSON name in bodies and views
    route: str  # `/indexes/{uid}/settings/<route>`
    verb: str  # sub-route write verb: PUT replaces, PATCH merges nested fields
    default: Any
    validate: v.Validator
    code: str  # error code for a bad value
    affects: frozenset[str] = frozenset()  # WORDS / FACETS rebuilt when the value changes
    apply: Callable[[Any, Any], Any] = _replace  # (current value, patch value) -> new value
    reindex_key: Callable[[Any], Any] = _identity  # the part of the value indexing depends on
    visible: bool = True  # part of GET /settings whatever the experimental features
    disabled: str | None = None  # feature_not_enabled message: setting it is refused...
    feature: str | None = None  # ...unless this experimental feature is on (then it is shown)
    shown: Callable[[Any], Any] = _identity  # the value as users read it (secrets masked)


def _row(name: str, default: Any, validate: v.Validator, *affects: str, **more: Any) -> SettingSpec:
    """A table row. Unless given: the route and error code follow from the name, objects are
    written with PATCH and merged field by field, everything else with PUT and replaced."""
    words = re.sub("([A-Z])", r" \1", name).lower().split()
    verb = more.pop("verb", "PATCH" if isinstance(default, dict) else "PUT")
    merge = partial(_merge_fields, default) if verb == "PATCH" else _replace
    return SettingSpec(
        name=name,
        route=more.pop("route", "-".join(words)),
        verb=verb,
        apply=more.pop("apply", merge),
        default=default,
        validate=validate,
        code=more.pop("code", "invalid_settings_" + "_".join(words)),
        affects=frozenset(affects),
        **more,
    )


_ROWS = (
    _row("displayedAttributes", ["*"], v.string_list, apply=_wildcard),
    _row("searchableAttributes", ["*"], v.string_list, WORDS, apply=_wildcard),
    _row("filterableAttributes", [], v.filterable_attributes, FACETS),
    _row("sortableAttributes", [], v.string_set, FACETS),
    _row(
        "foreignKeys",
        [],
        v.foreign_keys,
        visible=False,
        disabled=_FOREIGN_KEYS_DISABLED,
        feature="foreignKeys",
    ),
    _row("rankingRules", DEFAULT_RANKING_RULES, v.ranking_rules, FACETS, reindex_key=_sort_fields),
    _row("stopWords", [], v.string_set, WORDS),
    _row("nonSeparatorTokens", [], v.string_set, WORDS),
    _row("separatorTokens", [], v.string_set, WORDS),
    _row("dictionary", [], v.string_set, WORDS),
    _row("synonyms", {}, v.map_of(v.string_list), verb="PUT"),
    _row("distinctAttribute", None, v.string, FACETS),
    _row("proximityPrecision", "byWord", v.one_of("byWord", "byAttribute"), WORDS),
    _row("typoTolerance", DEFAULT_TYPO, v.typo_tolerance, WORDS, reindex_key=_typo_key),
    _row("faceting", DEFAULT_FACETING, v.faceting),
    _row("pagination", DEFAULT_PAGINATION, v.pagination),
    _row(
        "embedders",
        {},
        emb.embedders,
        VECTORS,
        apply=emb.merge,
        reindex_key=emb.vector_key,
        shown=emb.redacted,
    ),
    _row("searchCutoffMs", None, v.u64),
    _row("localizedAttributes", None, v.localized_attributes, WORDS, FACETS),
    _row("facetSearch", True, v.boolean, FACETS),
    _row("prefixSearch", "indexingTime", v.one_of("indexingTime", "disabled"), WORDS),
    _row(
        "chat",
        DEFAULT_CHAT,
        v.chat,
        code="invalid_settings_index_chat",
        apply=_merge_chat,
        visible=False,
        disabled=_CHAT_DISABLED,
        feature="chatCompletions",
    ),
)
SETTINGS: dict[str, SettingSpec] = {row.name: row for row in _ROWS}
SETTINGS_BY_ROUTE: dict[str, SettingSpec] = {spec.route: spec for spec in SETTINGS.values()}
VISIBLE_SETTINGS: tuple[str, ...] = tuple(name for name, s in SETTINGS.items() if s.visible)

# ---------------------------------------------------------------- validation


def validate_settings_patch(
    body: Any, features: Mapping[str, bool] = NO_FEATURES
) -> dict[str, Any]:
    """Validate a ``PATCH /settings`` body; return the patch (``None`` = reset), in table order.

    Raises ``LumiError``: ``bad_request`` for a non-object body or an unknown key, the
    setting's own code for a bad value, ``feature_not_enabled`` for an experimental setting
    whose feature is off in ``features`` (resetting it is always allowed).
    """
    if not isinstance(body, dict):
        raise v.type_error("bad_request", "", "an object", body)
    received: dict[str, Any] = {}
    for name, value in body.items():
        spec = SETTINGS.get(name)
        if spec is None:
            raise v.unknown_field("bad_request", "", name, tuple(SETTINGS))
        received[name] = None if value is None else spec.validate(value, f".{name}", spec.code)
    patch = {name: received[name] for name in SETTINGS if name in received}
    _refuse_disabled(patch, features, ".")
    return patch


def validate_setting(
    name: str, body: Any, features: Mapping[str, bool] = NO_FEATURES
) -> dict[str, Any]:
    """Validate a sub-route body (a bare value, ``null`` = reset) for the setting ``name``.

    Returns the same patch shape as ``validate_settings_patch``: ``{name: value}``.
    """
    spec = SETTINGS[name]
    patch = {name: None if body is None else spec.validate(body, "", spec.code)}
    _refuse_disabled(patch, features, "")
    return patch


def reset_all_patch() -> dict[str, None]:
    """The patch ``DELETE /settings`` stands for: every setting reset."""
    return dict.fromkeys(SETTINGS)


def _refuse_disabled(patch: dict[str, Any], features: Mapping[str, bool], root: str) -> None:
    """Refusals that depend on the instance's features; ``root`` is ``"."`` for a whole
    settings object (paths then name the setting) and ``""`` for a sub-route body."""
    for name, value in patch.items():
        spec = SETTINGS[name]
        if spec.disabled is not None and value is not None and not _enabled(spec, features):
            raise LumiError("feature_not_enabled", spec.disabled)
    if patch.get("embedders"):
        emb.check_sources(patch["embedders"], root + "embedders" if root else "", features)


def _enabled(spec: SettingSpec, features: Mapping[str, bool]) -> bool:
    return spec.feature is not None and bool(features.get(spec.feature))


# ---------------------------------------------------------------- storage and views


def apply_patch(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The stored settings after ``patch``; ``current`` is left untouched.

    Raises ``LumiError`` for combinations only visible once merged with what is stored
    (typo word sizes out of order, mixed attribute ranking rules): these fail the task.
    """
    stored = dict(current)
    for name, value in patch.items():
        spec = SETTINGS[name]
        new = None if value is None else spec.apply(setting_view(name, current), value)
        if value is None or new == spec.default:
            stored.pop(name, None)
        else:
            stored[name] = copy.deepcopy(new)
    if "typoTolerance" in patch:
        _check_typo_sizes(setting_view("typoTolerance", stored))
    if patch.get("rankingRules") is not None:
        _check_attribute_rules(patch["rankingRules"])
    return stored


def _check_typo_sizes(typo: dict[str, Any]) -> None:
    one, two = typo["minWordSizeForTypos"]["oneTypo"], typo["minWordSizeForTypos"]["twoTypos"]
    if one > two:
        message = v.TYPO_BOUNDS_MESSAGE.format(one=one, two=two)
        raise LumiError("invalid_settings_typo_tolerance", message)


def _check_attribute_rules(rules: list[str]) -> None:
    if "attribute" in rules and ("attributeRank" in rules or "wordPosition" in rules):
        raise LumiError("invalid_settings_ranking_rules", v.MIXED_ATTRIBUTE_RULES)


def setting_view(name: str, stored: dict[str, Any]) -> Any:
    """The effective value of one setting (the sub-route GET body); a fresh copy."""
    return copy.deepcopy(stored.get(name, SETTINGS[name].default))


def shown_setting(name: str, stored: dict[str, Any]) -> Any:
    """One setting as users read it (the sub-route GET body): secrets masked."""
    return SETTINGS[name].shown(setting_view(name, stored))


def settings_view(
    stored: dict[str, Any], features: Mapping[str, bool] = NO_FEATURES, *, masked: bool = True
) -> dict[str, Any]:
    """The ``GET /settings`` body, defaults filled in: the 20 visible settings, plus (in table
    order) the experimental ones whose feature is on in ``features``. Secrets are masked
    unless ``masked`` is false (settings sent on to another instance)."""
    view = shown_setting if masked else setting_view
    return {
        name: view(name, stored)
        for name, spec in SETTINGS.items()
        if spec.visible or _enabled(spec, features)
    }


def details_view(patch: dict[str, Any]) -> dict[str, Any]:
    """``settingsUpdate`` task details: the keys sent, in table order, resets as ``null``,
    secrets masked."""
    return {
        name: None if patch[name] is None else SETTINGS[name].shown(copy.deepcopy(patch[name]))
        for name in SETTINGS
        if name in patch
    }


# ---------------------------------------------------------------- what a change rebuilds


@dataclass(frozen=True, slots=True)
class Changes:
    """What differs between two stored settings, and which structures must be rebuilt."""

    changed: tuple[str, ...]  # settings whose effective value differs, in table order
    reindex_words: bool
    reindex_facets: bool
    reindex_vectors: bool = False

    @property
    def reindex(self) -> bool:
        return self.reindex_words or self.reindex_facets or self.reindex_vectors


def settings_diff(old: dict[str, Any], new: dict[str, Any]) -> Changes:
    """Compare effective values; a rebuild flag is set when an indexing-relevant part moved."""
    changed: list[str] = []
    rebuild: set[str] = set()
    for name, spec in SETTINGS.items():
        before, after = old.get(name, spec.default), new.get(name, spec.default)
        if before == after:
            continue
        changed.append(name)
        if spec.affects and spec.reindex_key(before) != spec.reindex_key(after):
            rebuild |= spec.affects
    return Changes(tuple(changed), WORDS in rebuild, FACETS in rebuild, VECTORS in rebuild)


# ---------------------------------------------------------------- helpers for search


class FilterableRule(NamedTuple):
    """One ``filterableAttributes`` entry. ``legacy`` is the plain-string form: it matches the
    field itself and its nested fields, with every feature on."""

    patterns: tuple[str, ...]
    facet_search: bool
    equality: bool
    comparison: bool
    legacy: bool


def ranking_rules(stored: dict[str, Any]) -> tuple[RankingRule, ...]:
    """The effective ranking rules, parsed (``RankingRule("asc", "price")`` for custom ones)."""
    return tuple(
        parse_ranking_rule(text) for text in stored.get("rankingRules", DEFAULT_RANKING_RULES)
    )


def searchable_fields(stored: dict[str, Any], all_fields: Iterable[str]) -> list[tuple[str, int]]:
    """``(field, rank)`` for each searchable field among ``all_fields``, best rank first.

    With ``["*"]`` every field is searchable with rank 0. With an explicit list the rank is
    the position of the first entry naming the field or one of its parents (``doggo`` covers
    ``doggo.name``); fields of equal rank keep the order of ``all_fields``.
    """
    names = stored.get("searchableAttributes", ["*"])
    if names == ["*"]:
        return [(field, 0) for field in all_fields]
    found = []
    for field in all_fields:
        rank = next((i for i, name in enumerate(names) if _covers(name, field)), None)
        if rank is not None:
            found.append((field, rank))
    found.sort(key=lambda pair: pair[1])
    return found


def filterable_rules(stored: dict[str, Any]) -> tuple[FilterableRule, ...]:
    """The effective filterable rules, parsed; a plain string has every feature enabled."""
    rules = []
    for rule in stored.get("filterableAttributes", ()):
        if isinstance(rule, str):
            rules.append(FilterableRule((rule,), True, True, True, True))
        else:
            features = rule["features"]
            flt = features["filter"]
            patterns = tuple(rule["attributePatterns"])
            rules.append(
                FilterableRule(
                    patterns, features["facetSearch"], flt["equality"], flt["comparison"], False
                )
            )
    return tuple(rules)


def match_pattern(pattern: str, field: str) -> bool:
    """Attribute pattern match: ``*`` alone, ``*`` at the start and/or end, or exact."""
    if pattern == "*":
        return True
    if pattern.startswith("*") and pattern.endswith("*"):
        return pattern[1:-1] in field
    if pattern.startswith("*"):
        return field.endswith(pattern[1:])
    if pattern.endswith("*"):
        return field.startswith(pattern[:-1])
    return pattern == field


def _covers(name: str, field: str) -> bool:
    """``name`` is ``field`` or one of its parents in dot notation."""
    return field == name or field.startswith(name + ".")


def _rule_matches(rule: FilterableRule, field: str) -> bool:
    if rule.legacy:
        return _covers(rule.patterns[0], field)
    return any(match_pattern(pattern, field) for pattern in rule.patterns)


def is_filterable(stored: dict[str, Any], field: str) -> int | None:
    """Index of the first filterable rule matching ``field`` (whatever its features), or None.

    The first matching rule decides the field's features, so callers check them on it.
    """
    for index, rule in enumerate(filterable_rules(stored)):
        if _rule_matches(rule, field):
            return index
    return None


def is_sortable(stored: dict[str, Any], field: str) -> bool:
    """True when a sortable attribute is ``field`` or one of its parents."""
    return any(_covers(name, field) for name in stored.get("sortableAttributes", ()))
