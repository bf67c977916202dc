"""Value checks for index settings, producing the exact messages Meilisearch clients expect.

Every validator has the shape ``(value, path, code) -> normalized value``: ``path`` is where the
value sits in the request body (``.typoTolerance`` in a full settings object, empty for a bare
sub-route body) and ``code`` is the setting's own error code, so one validator serves both
routes and nested errors carry the right code. Messages use the deserialization forms of the
reference (``Invalid value type at ...``, ``Unknown field ... inside ...``), because SDKs and
users match on them. Normalization mirrors what the reference stores: sets come back sorted
and deduplicated, maps sorted by key, granular filterable rules with their defaults filled in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from lumi.errors import LumiError
from lumi.index.registry import is_valid_index_uid
from lumi.messages import compact_json, did_you_mean, kind_of

Validator = Callable[[Any, str, str], Any]

U8_MAX = 255
U64_MAX = 2**64 - 1

# ISO 639-1 then ISO 639-3 codes, in the order the reference lists them in its errors.
_LOCALE_CODES = (
    "af ak am ar az be bn bg ca cs da de el en eo et fi fr gu he hi hr hu hy id it jv ja kn"
    " ka km ko la lv lt ml mr mk my ne nl nb or pa fa pl pt ro ru si sk sl sn es sr sv ta te"
    " tl th tk tr uk ur uz vi yi zh zu afr aka amh ara aze bel ben bul cat ces dan deu ell"
    " eng epo est fin fra guj heb hin hrv hun hye ind ita jav jpn kan kat khm kor lat lav lit"
    " mal mar mkd mya nep nld nob ori pan pes pol por ron rus sin slk slv sna spa srp swe tam"
    " tel tgl tha tuk tur ukr urd uzb vie yid zho zul cmn"
)
LOCALES: tuple[str, ...] = tuple(_LOCALE_CODES.split())

# ---------------------------------------------------------------- message forms


def _where(path: str, word: str) -> str:
    return f" {word} `{path}`" if path else ""


def describe(value: Any) -> str:
    """``a string: `"x"` `` style description of a received value (``null`` alone)."""
    if value is None:
        return "null"
    return f"{kind_of(value)}: `{compact_json(value)}`"


def type_error(code: str, path: str, expected: str, value: Any) -> LumiError:
    where = _where(path, "at")
    return LumiError(
        code, f"Invalid value type{where}: expected {expected}, but found {describe(value)}"
    )


def invalid_value(code: str, path: str, message: str) -> LumiError:
    return LumiError(code, f"Invalid value{_where(path, 'at')}: {message}")


def missing_field(code: str, path: str, field: str) -> LumiError:
    return LumiError(code, f"Missing field `{field}`{_where(path, 'inside')}")


def _one_of(accepted: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in accepted)


def unknown_field(code: str, path: str, key: str, accepted: Sequence[str]) -> LumiError:
    hint = did_you_mean(key, accepted)
    where = _where(path, "inside")
    return LumiError(
        code, f"Unknown field `{key}`{where}: {hint}expected one of {_one_of(accepted)}"
    )


def unknown_value(code: str, path: str, value: str, accepted: Sequence[str]) -> LumiError:
    hint = did_you_mean(value, accepted)
    where = _where(path, "at")
    return LumiError(
        code, f"Unknown value `{value}`{where}: {hint}expected one of {_one_of(accepted)}"
    )


# ---------------------------------------------------------------- scalar and list validators


def string(value: Any, path: str, code: str) -> str:
    if not isinstance(value, str):
        raise type_error(code, path, "a string", value)
    return value


def boolean(value: Any, path: str, code: str) -> bool:
    if not isinstance(value, bool):
        raise type_error(code, path, "a boolean", value)
    return value


def _unsigned(value: Any, path: str, code: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise type_error(code, path, "a positive integer", value)
    if value > maximum:
        raise invalid_value(
            code,
            path,
            f"value: `{value}` is too large to be deserialized, "
            f"maximum value authorized is `{maximum}`",
        )
    return value


def u8(value: Any, path: str, code: str) -> int:
    return _unsigned(value, path, code, U8_MAX)


def u64(value: Any, path: str, code: str) -> int:
    return _unsigned(value, path, code, U64_MAX)


def non_zero_u64(value: Any, path: str, code: str) -> int:
    if _unsigned(value, path, code, U64_MAX) == 0:
        raise invalid_value(
            code,
            path,
            f"a non-zero integer value lower than `{U64_MAX}` was expected, but found a zero",
        )
    return value


def list_of(item: Validator) -> Validator:
    """An array whose elements all pass ``item``; order and duplicates are kept."""

    def check(value: Any, path: str, code: str) -> list[Any]:
        if not isinstance(value, list):
            raise type_error(code, path, "an array", value)
        return [item(element, f"{path}[{i}]", code) for i, element in enumerate(value)]

    return check


string_list = list_of(string)


def string_set(value: Any, path: str, code: str) -> list[str]:
    """An array of strings stored as a set: sorted, without duplicates."""
    return sorted(set(string_list(value, path, code)))


def map_of(item: Validator) -> Validator:
    """An object with free keys whose values pass ``item``; keys come back sorted."""

    def check(value: Any, path: str, code: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise type_error(code, path, "an object", value)
        checked = {key: item(element, f"{path}.{key}", code) for key, element in value.items()}
        return dict(sorted(checked.items()))

    return check


def one_of(*accepted: str) -> Validator:
    """A string restricted to ``accepted`` (an enumeration)."""

    def check(value: Any, path: str, code: str) -> str:
        if string(value, path, code) not in accepted:
            raise unknown_value(code, path, value, accepted)
        return value

    return check


def nullable(check: Validator) -> Validator:
    """A nested field where ``null`` means "reset this field to its default"."""

    def wrapped(value: Any, path: str, code: str) -> Any:
        return None if value is None else check(value, path, code)

    return wrapped


def fields(value: Any, path: str, code: str, spec: dict[str, Validator]) -> dict[str, Any]:
    """Check an object with a fixed set of fields; return the fields sent, in ``spec`` order.

    Keys are visited in the order received, so the first problem in the body is the one
    reported, as the reference does.
    """
    if not isinstance(value, dict):
        raise type_error(code, path, "an object", value)
    got: dict[str, Any] = {}
    for key, element in value.items():
        check = spec.get(key)
        if check is None:
            raise unknown_field(code, path, key, tuple(spec))
        got[key] = check(element, f"{path}.{key}", code)
    return {key: got[key] for key in spec if key in got}


def _require(got: dict[str, Any], path: str, code: str, names: Sequence[str]) -> None:
    for name in names:
        if name not in got:
            raise missing_field(code, path, name)


# ---------------------------------------------------------------- ranking rules


class RankingRule(NamedTuple):
    """A parsed ranking rule: ``kind`` is the rule name, or ``asc``/``desc`` with ``field``."""

    kind: str
    field: str | None = None


BUILTIN_RULES = frozenset(
    (
        "words",
        "typo",
        "proximity",
        "attribute",
        "attributeRank",
        "wordPosition",
        "sort",
        "exactness",
    )
)
_RESERVED = frozenset(
    ("_geo", "_geoDistance", "_geoPoint", "_geoRadius", "_geoBoundingBox", "_geoPolygon")
)
_FILTER_ONLY = ("_geoRadius", "_geoBoundingBox", "_geoPolygon")
_FILTER_CALLS = tuple(f"{name}(" for name in _FILTER_ONLY)


def parse_ranking_rule(text: str) -> RankingRule:
    """Parse one ranking rule; raise ``ValueError`` with the reference's message if invalid.

    Custom rules are ``field:asc`` / ``field:desc``. Geo keywords are refused with a message
    that says where they can be used instead (sorting or filtering at search time).
    """
    if text in BUILTIN_RULES:
        return RankingRule(text)
    field, colon, order = text.rpartition(":")
    if not colon or order not in ("asc", "desc"):
        raise ValueError(
            f"`{text}` ranking rule is invalid. Valid ranking rules are words, typo, sort, "
            "proximity, attribute, exactness and custom ranking rules."
        )
    geo_point = field.startswith("_geoPoint(") and field.endswith(")")
    if field in _RESERVED or geo_point or field.startswith(_FILTER_CALLS):
        raise ValueError(_reserved_message(field))
    return RankingRule(order, field)


def _reserved_message(field: str) -> str:
    usage = name = None
    if field.startswith("_geoPoint"):
        usage, name = "sorting", "_geoPoint"
    else:
        name = next((n for n in _FILTER_ONLY if field.startswith(n)), None)
        usage = "filtering" if name else None
    if name is None:
        return f"`{field}` is a reserved keyword and thus can't be used as a ranking rule"
    return (
        f"`{name}` is a reserved keyword and thus can't be used as a ranking rule. "
        f"`{name}` can only be used for {usage} at search time"
    )


def _ranking_rule(value: Any, path: str, code: str) -> str:
    try:
        parse_ranking_rule(string(value, path, code))
    except ValueError as error:
        raise invalid_value(code, path, str(error)) from None
    return value


ranking_rules = list_of(_ranking_rule)

MIXED_ATTRIBUTE_RULES = (
    "Mixed usage of the attribute, attributeRank, and wordPosition ranking rules. You must "
    "either use the attribute ranking rule alone or the attributeRank and wordPosition "
    "ranking rules."
)

# ---------------------------------------------------------------- filterable attributes


def _filter_features(value: Any, path: str, code: str) -> dict[str, bool]:
    got = fields(value, path, code, {"equality": boolean, "comparison": boolean})
    return {"equality": got.get("equality", True), "comparison": got.get("comparison", False)}


def _features(value: Any, path: str, code: str) -> dict[str, Any]:
    got = fields(value, path, code, {"facetSearch": boolean, "filter": _filter_features})
    return {
        "facetSearch": got.get("facetSearch", False),
        "filter": got.get("filter") or _filter_features({}, path, code),
    }


def _filterable_rule(value: Any, path: str, code: str) -> str | dict[str, Any]:
    """A field name (every feature on), or a granular object with its defaults filled in."""
    if not isinstance(value, dict):
        return string(value, path, code)
    got = fields(value, path, code, {"attributePatterns": string_list, "features": _features})
    _require(got, path, code, ("attributePatterns",))
    features = got.get("features") or _features({}, path, code)
    return {"attributePatterns": got["attributePatterns"], "features": features}


filterable_attributes = list_of(_filterable_rule)

# ---------------------------------------------------------------- nested objects


def _min_word_size(value: Any, path: str, code: str) -> dict[str, Any]:
    return fields(value, path, code, {"oneTypo": nullable(u8), "twoTypos": nullable(u8)})


_TYPO_FIELDS: dict[str, Validator] = {
    "enabled": nullable(boolean),
    "minWordSizeForTypos": nullable(_min_word_size),
    "disableOnWords": nullable(string_set),
    "disableOnAttributes": nullable(string_set),
    "disableOnNumbers": nullable(boolean),
}


def typo_tolerance(value: Any, path: str, code: str) -> dict[str, Any]:
    return fields(value, path, code, _TYPO_FIELDS)


TYPO_BOUNDS_MESSAGE = (
    "`minWordSizeForTypos` setting is invalid. `oneTypo` and `twoTypos` fields should be "
    "between `0` and `255`, and `twoTypos` should be greater or equals to `oneTypo` but found "
    "`oneTypo: {one}` and twoTypos: {two}`."
)

_FACETING_FIELDS: dict[str, Validator] = {
    "maxValuesPerFacet": nullable(u64),
    "sortFacetValuesBy": nullable(map_of(one_of("alpha", "count"))),
}


def faceting(value: Any, path: str, code: str) -> dict[str, Any]:
    return fields(value, path, code, _FACETING_FIELDS)


def pagination(value: Any, path: str, code: str) -> dict[str, Any]:
    return fields(value, path, code, {"maxTotalHits": nullable(non_zero_u64)})


def _localized_rule(value: Any, path: str, code: str) -> dict[str, Any]:
    spec = {"attributePatterns": string_list, "locales": list_of(one_of(*LOCALES))}
    got = fields(value, path, code, spec)
    _require(got, path, code, tuple(spec))
    return got


localized_attributes = list_of(_localized_rule)


# ---------------------------------------------------------------- foreign keys

INDEX_UID_RULE = (
    "Index uid can be an integer or a string containing only alphanumeric characters, hyphens "
    "(-) and underscores (_), and can not be more than 512 bytes."
)


def index_uid(value: Any, path: str, code: str) -> str:
    """A string that could name an index; the index itself need not exist (yet)."""
    if not is_valid_index_uid(string(value, path, code)):
        raise invalid_value(code, path, f"`{value}` is not a valid index uid. {INDEX_UID_RULE}")
    return value


_FOREIGN_KEY_FIELDS: dict[str, Validator] = {"foreignIndexUid": index_uid, "fieldName": string}


def _foreign_key(value: Any, path: str, code: str) -> dict[str, str]:
    """``{foreignIndexUid, fieldName}``, both required, returned in that order."""
    got = fields(value, path, code, _FOREIGN_KEY_FIELDS)
    _require(got, path, code, tuple(_FOREIGN_KEY_FIELDS))
    return got


foreign_keys = list_of(_foreign_key)


# ---------------------------------------------------------------- chat

DEFAULT_SEMANTIC_RATIO = 0.5


def _unit_float(name: str) -> Validator:
    """A number from 0 to 1 (a ratio or a score threshold), stored as a float."""

    def check(value: Any, path: str, code: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise type_error(code, path, "a number", value)
        if not 0.0 <= value <= 1.0:
            message = f"the value of `{name}` is invalid, expected a float between `0.0` and `1.0`."
            raise invalid_value(code, path, message)
        return float(value)

    return check


_HYBRID_FIELDS: dict[str, Validator] = {
    "semanticRatio": _unit_float("semanticRatio"),
    "embedder": string,
}


def _chat_hybrid(value: Any, path: str, code: str) -> dict[str, Any]:
    """``{semanticRatio, embedder}``: the embedder is required, the ratio defaults to 0.5.
    The embedder need not exist yet: it is looked up when the chat searches."""
    got = fields(value, path, code, _HYBRID_FIELDS)
    _require(got, path, code, ("embedder",))
    return {"semanticRatio": got.get("semanticRatio", DEFAULT_SEMANTIC_RATIO), **got}


# The search parameters a chat uses on the index, in the order they are shown; ``null``
# removes one.
CHAT_SEARCH_FIELDS: dict[str, Validator] = {
    "hybrid": nullable(_chat_hybrid),
    "limit": nullable(u64),
    "sort": nullable(string_list),
    "distinct": nullable(string),
    "matchingStrategy": nullable(one_of("last", "all", "frequency")),
    "attributesToSearchOn": nullable(string_list),
    "rankingScoreThreshold": nullable(_unit_float("rankingScoreThreshold")),
}


def _chat_search_parameters(value: Any, path: str, code: str) -> dict[str, Any]:
    return fields(value, path, code, CHAT_SEARCH_FIELDS)


CHAT_TEMPLATE_CODE = "invalid_chat_setting_document_template"


def _document_template(value: Any, path: str, code: str) -> str:
    """A Liquid template that compiles, so a chat never meets a broken one."""
    # Imported here: the templates module reads the settings defaults, which need this one.
    from lumi.index.templates import parse_liquid

    text = string(value, path, code)
    try:
        parse_liquid(text)
    except LumiError as error:
        raise invalid_value(CHAT_TEMPLATE_CODE, path, error.message) from None
    return text


_CHAT_FIELDS: dict[str, Validator] = {
    "description": nullable(string),
    "documentTemplate": nullable(_document_template),
    "documentTemplateMaxBytes": nullable(u64),
    "searchParameters": nullable(_chat_search_parameters),
}


def chat(value: Any, path: str, code: str) -> dict[str, Any]:
    """The ``chat`` index setting: the fields sent, ``null`` resetting one."""
    return fields(value, path, code, _CHAT_FIELDS)
