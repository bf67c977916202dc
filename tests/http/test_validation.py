from __future__ import annotations

from typing import Any

import orjson
import pytest

from lumi.errors import LumiError
from lumi.http.validation import (
    DOCUMENT_CONTENT_TYPES,
    U32_MAX,
    Body,
    Field,
    Invalid,
    Query,
    any_json,
    array,
    boolean,
    check_content_type,
    custom,
    dict_of,
    did_you_mean,
    integer,
    nullable,
    number,
    obj,
    one_of,
    parse_json_body,
    parse_value,
    q_boolean,
    q_integer,
    q_list,
    q_string,
    require_json_content_type,
    signed_integer,
    string,
    truncate_detail,
)
from lumi.messages import compact_json, format_float

# --------------------------------------------------------------------------- schemas under test


def _threshold(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise Invalid(
            "the value of `rankingScoreThreshold` is invalid, "
            "expected a float between `0.0` and `1.0`."
        )
    return value


def _index_uid(value: str) -> str:
    if not value.replace("-", "").replace("_", "").isalnum():
        raise Invalid(
            f"`{value}` is not a valid index uid. Index uid can be an integer or a string "
            "containing only alphanumeric characters, hyphens (-) and underscores (_), "
            "and can not be more than 512 bytes."
        )
    return value


HYBRID = Body(
    [
        Field("semanticRatio", number(), "invalid_search_semantic_ratio"),
        Field("embedder", string(), "invalid_search_embedder", required=True),
    ],
    code="invalid_search_hybrid_query",
)
SEARCH = Body(
    [
        Field("q", nullable(string()), "invalid_search_q"),
        Field("offset", integer(), "invalid_search_offset", default=0),
        Field("limit", integer(), "invalid_search_limit", default=20),
        Field(
            "attributesToRetrieve",
            nullable(array(string())),
            "invalid_search_attributes_to_retrieve",
        ),
        Field("filter", any_json(), "invalid_search_filter"),
        Field("showRankingScore", boolean(), "invalid_search_show_ranking_score", default=False),
        Field(
            "matchingStrategy",
            one_of("last", "all", "frequency"),
            "invalid_search_matching_strategy",
            default="last",
        ),
        Field("hybrid", nullable(obj(HYBRID)), "invalid_search_hybrid_query"),
        Field(
            "rankingScoreThreshold",
            custom(_threshold, base=number()),
            "invalid_search_ranking_score_threshold",
        ),
    ]
)
SEARCH_FIELDS = (
    "expected one of `q`, `offset`, `limit`, `attributesToRetrieve`, `filter`, "
    "`showRankingScore`, `matchingStrategy`, `hybrid`, `rankingScoreThreshold`"
)

FEDERATION_OPTIONS = Body(
    [Field("weight", number(), "invalid_multi_search_weight")],
    code="invalid_multi_search_federation_options",
)
SEARCH_QUERY = Body(
    [
        Field(
            "indexUid",
            custom(_index_uid, base=string()),
            "invalid_index_uid",
            required=True,
            missing_code="missing_index_uid",
        ),
        Field("q", nullable(string()), "invalid_search_q"),
        Field("limit", integer(), "invalid_search_limit"),
        Field(
            "federationOptions",
            nullable(obj(FEDERATION_OPTIONS)),
            "invalid_multi_search_federation_options",
        ),
    ]
)
MULTI_SEARCH = Body([Field("queries", array(obj(SEARCH_QUERY)), required=True)])

# A nested object without a code of its own takes the code of the field holding it.
TYPO = Body([Field("enabled", boolean()), Field("oneTypo", integer(U32_MAX))])
SETTINGS = Body(
    [
        Field("typoTolerance", nullable(obj(TYPO)), "invalid_settings_typo_tolerance"),
        Field("synonyms", nullable(dict_of(array(string()))), "invalid_settings_synonyms"),
        Field("offsetBy", signed_integer(), "invalid_settings_pagination"),
    ]
)

TASKS = Query(
    [
        Field("limit", q_integer(U32_MAX), "invalid_task_limit", default=20),
        Field("from", q_integer(U32_MAX), "invalid_task_from"),
        Field("reverse", q_boolean(), "invalid_task_reverse"),
        Field("uids", q_list(q_integer(U32_MAX)), "invalid_task_uids"),
        Field("statuses", q_list(one_of("enqueued", "failed")), "invalid_task_statuses"),
        Field("indexUids", custom(_index_uid), "invalid_index_uid"),
        Field("q", q_string(), "invalid_search_q"),
    ]
)
TASKS_PARAMS = "expected one of `limit`, `from`, `reverse`, `uids`, `statuses`, `indexUids`, `q`"
DUMP = Query([Field("path", q_string(), required=True)])


def _error(fn: Any, *args: Any) -> tuple[str, str]:
    with pytest.raises(LumiError) as caught:
        fn(*args)
    return caught.value.code, caught.value.message


# --------------------------------------------------------------------------- JSON decoding


def _nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a": [1, 2.5, "x", null, true]}', {"a": [1, 2.5, "x", None, True]}),
        (b"  [] \n", []),
        (b'"\\ud83d\\ude00"', "\U0001f600"),
        (b"18446744073709551616", 18446744073709551616.0),
        (b"[" * 127 + b"]" * 127, _nested(127)),
    ],
)
def test_parse_json_body_accepts_valid_json(raw: bytes, expected: Any) -> None:
    assert parse_json_body(raw) == expected


def test_empty_body_is_a_missing_payload() -> None:
    assert _error(parse_json_body, b"") == ("missing_payload", "A json payload is missing.")


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"   ", "EOF while parsing a value at line 1 column 3"),
        (b"\n", "EOF while parsing a value at line 2 column 0"),
        (b"x", "expected value at line 1 column 1"),
        (b"NaN", "expected value at line 1 column 1"),
        (b"\xef\xbb\xbf{}", "expected value at line 1 column 1"),
        (b"{", "EOF while parsing an object at line 1 column 1"),
        (b'{"limit": 1', "EOF while parsing an object at line 1 column 11"),
        (b'{"limit"', "EOF while parsing an object at line 1 column 8"),
        (b'{"limit":', "EOF while parsing a value at line 1 column 9"),
        (b"[1", "EOF while parsing a list at line 1 column 2"),
        (b"[1,", "EOF while parsing a value at line 1 column 3"),
        (b"[1,]", "trailing comma at line 1 column 4"),
        (b'{"a":1,}', "trailing comma at line 1 column 8"),
        (b"[,1]", "expected value at line 1 column 2"),
        (b"[1 2]", "expected `,` or `]` at line 1 column 4"),
        (b'{"a":1 "b":2}', "expected `,` or `}` at line 1 column 8"),
        (b"{1:2}", "key must be a string at line 1 column 2"),
        (b'{"limit" 1}', "expected `:` at line 1 column 10"),
        (b"1x", "trailing characters at line 1 column 2"),
        (b"{} {}", "trailing characters at line 1 column 4"),
        (b"[01]", "invalid number at line 1 column 3"),
        (b"-", "EOF while parsing a value at line 1 column 1"),
        (b"-x", "invalid number at line 1 column 2"),
        (b"1.", "EOF while parsing a value at line 1 column 2"),
        (b"1.x", "invalid number at line 1 column 3"),
        (b"1e", "EOF while parsing a value at line 1 column 2"),
        (b"1e+x", "invalid number at line 1 column 4"),
        (b"[1e400]", "number out of range at line 1 column 6"),
        (b"tru", "EOF while parsing a value at line 1 column 3"),
        (b"nulx", "expected ident at line 1 column 4"),
        (b'"abc', "EOF while parsing a string at line 1 column 4"),
        (
            b'"a\tb"',
            "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3",
        ),
        (b'"\\x"', "invalid escape at line 1 column 3"),
        (b'"\\u12zz"', "invalid escape at line 1 column 7"),
        (b'"\\u12"', "EOF while parsing a string at line 1 column 6"),
        (b'"\\udc00"', "lone leading surrogate in hex escape at line 1 column 7"),
        (b'"\\ud800"', "unexpected end of hex escape at line 1 column 8"),
        (b'"\\ud800\\u0041"', "lone leading surrogate in hex escape at line 1 column 13"),
        (b'"\xff"', "invalid unicode code point at line 1 column 3"),
        (b'{\n  "q": "a",\n  "limit": x\n}', "expected value at line 3 column 12"),
        (b"[" * 128 + b"]" * 128, "recursion limit exceeded at line 1 column 128"),
        (b'{"a":' * 130 + b"1" + b"}" * 130, "recursion limit exceeded at line 1 column 636"),
    ],
)
def test_malformed_json_is_described_like_the_reference_parser(raw: bytes, detail: str) -> None:
    assert _error(parse_json_body, raw) == (
        "malformed_payload",
        f"The json payload provided is malformed. `{detail}`.",
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (123.456, "123.456"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e16"),
        (1e20, "1e20"),
        (1.2345678901234567e19, "1.2345678901234567e19"),
        (0.00001, "0.00001"),
        (0.000012, "0.000012"),
        (1e-6, "1e-6"),
        (1.5e-7, "1.5e-7"),
        (-1.5e300, "-1.5e300"),
    ],
)
def test_format_float(value: float, text: str) -> None:
    assert format_float(value) == text


def test_compact_json_keeps_order_and_unicode() -> None:
    value = {"b": [1, -2, 1e20, None, True, False], "a": 'é"\n\x01'}
    assert compact_json(value) == '{"b":[1,-2,1e20,null,true,false],"a":"é\\"\\n\\u0001"}'


# --------------------------------------------------------------------------- content types

JSON_ACCEPTED = "Accepted values for the Content-Type header are: `application/json`"
DOCUMENTS_ACCEPTED = (
    "Accepted values for the Content-Type header are: "
    "`application/json`, `application/x-ndjson`, `text/csv`"
)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/ld+json",
    ],
)
def test_json_content_types_accepted(content_type: str) -> None:
    require_json_content_type(content_type)


@pytest.mark.parametrize(
    ("content_type", "code", "message"),
    [
        (None, "missing_content_type", f"A Content-Type header is missing. {JSON_ACCEPTED}"),
        (
            "text/plain; charset=utf-8",
            "invalid_content_type",
            f"The Content-Type `text/plain; charset=utf-8` is invalid. {JSON_ACCEPTED}",
        ),
        ("json", "invalid_content_type", f"The Content-Type `json` is invalid. {JSON_ACCEPTED}"),
        ("", "invalid_content_type", f"The Content-Type `` is invalid. {JSON_ACCEPTED}"),
    ],
)
def test_json_content_type_refused(content_type: str | None, code: str, message: str) -> None:
    assert _error(require_json_content_type, content_type) == (code, message)


@pytest.mark.parametrize(
    ("content_type", "essence"),
    [
        ("application/json", "application/json"),
        ("application/x-ndjson", "application/x-ndjson"),
        ("Text/CSV; charset=utf-8", "text/csv"),
    ],
)
def test_document_content_types(content_type: str, essence: str) -> None:
    assert check_content_type(content_type, DOCUMENT_CONTENT_TYPES) == essence


@pytest.mark.parametrize(
    ("content_type", "code", "message"),
    [
        (None, "missing_content_type", f"A Content-Type header is missing. {DOCUMENTS_ACCEPTED}"),
        (
            "Text/Plain; charset=utf-8",
            "invalid_content_type",
            f"The Content-Type `text/plain` is invalid. {DOCUMENTS_ACCEPTED}",
        ),
        ("csv", "invalid_content_type", f"The Content-Type `csv` is invalid. {DOCUMENTS_ACCEPTED}"),
    ],
)
def test_document_content_type_refused(content_type: str | None, code: str, message: str) -> None:
    assert _error(check_content_type, content_type, DOCUMENT_CONTENT_TYPES) == (code, message)


def test_truncate_detail() -> None:
    short = "x" * 138
    assert truncate_detail(short) == short
    long = "a" * 50 + "b" * 10 + "c" * 85
    assert truncate_detail(long) == "a" * 50 + "..." + "c" * 85


# --------------------------------------------------------------------------- did you mean

ACCEPTED = ["q", "filter", "sort", "attributesToHighlight"]


@pytest.mark.parametrize(
    ("received", "hint"),
    [
        ("filler", "did you mean `filter`? "),
        ("sart", "did you mean `sort`? "),
        ("attributes_to_highlight", "did you mean `attributesToHighlight`? "),
        ("attributesToHighloght", "did you mean `attributesToHighlight`? "),
        ("Sort", "did you mean `sort`? "),
        ("a", ""),
        ("srt", ""),
        ("query", ""),
        ("filterable", ""),
        ("sortable", ""),
    ],
)
def test_did_you_mean(received: str, hint: str) -> None:
    assert did_you_mean(received, ACCEPTED) == hint


def test_did_you_mean_counts_a_transposition_as_one_edit_and_prefers_the_first() -> None:
    assert did_you_mean("wieght", ["weight"]) == "did you mean `weight`? "
    assert did_you_mean("abcd", ["abce", "abcf"]) == "did you mean `abce`? "


# --------------------------------------------------------------------------- JSON bodies


def test_body_returns_given_fields_and_defaults() -> None:
    parsed = SEARCH.parse({"q": "hello", "limit": 5, "filter": ["a = 1"], "hybrid": None})
    assert parsed == {
        "q": "hello",
        "limit": 5,
        "filter": ["a = 1"],
        "hybrid": None,
        "offset": 0,
        "showRankingScore": False,
        "matchingStrategy": "last",
    }


def test_numbers_become_floats_and_nested_objects_dicts() -> None:
    parsed = SEARCH.parse({"hybrid": {"semanticRatio": 1, "embedder": "default"}})
    assert parsed["hybrid"] == {"semanticRatio": 1.0, "embedder": "default"}
    assert type(parsed["hybrid"]["semanticRatio"]) is float


def test_unknown_fields_may_be_allowed() -> None:
    loose = Body([Field("a", integer())], deny_unknown=False)
    assert loose.parse({"z": 1, "a": 2}) == {"a": 2}


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ([1], "bad_request", "Invalid value type: expected an object, but found an array: `[1]`"),
        (
            "doggo",
            "bad_request",
            'Invalid value type: expected an object, but found a string: `"doggo"`',
        ),
        (None, "bad_request", "Invalid value type: expected an object, but found null"),
        (
            {"limit": "10"},
            "invalid_search_limit",
            "Invalid value type at `.limit`: expected a positive integer, but found a string: "
            '`"10"`',
        ),
        (
            {"limit": -1},
            "invalid_search_limit",
            "Invalid value type at `.limit`: expected a positive integer, but found a negative "
            "integer: `-1`",
        ),
        (
            {"limit": 1.5},
            "invalid_search_limit",
            "Invalid value type at `.limit`: expected a positive integer, but found a number: "
            "`1.5`",
        ),
        (
            {"offset": 1e20},
            "invalid_search_offset",
            "Invalid value type at `.offset`: expected a positive integer, but found a number: "
            "`1e20`",
        ),
        (
            {"limit": None},
            "invalid_search_limit",
            "Invalid value type at `.limit`: expected a positive integer, but found null",
        ),
        (
            {"limit": True},
            "invalid_search_limit",
            "Invalid value type at `.limit`: expected a positive integer, but found a boolean: "
            "`true`",
        ),
        (
            {"q": {"a": [0, "é", None, True, 1.0]}},
            "invalid_search_q",
            "Invalid value type at `.q`: expected a string, but found an object: "
            '`{"a":[0,"é",null,true,1.0]}`',
        ),
        (
            {"attributesToRetrieve": "title"},
            "invalid_search_attributes_to_retrieve",
            "Invalid value type at `.attributesToRetrieve`: expected an array, but found a string: "
            '`"title"`',
        ),
        (
            {"attributesToRetrieve": ["title", 1]},
            "invalid_search_attributes_to_retrieve",
            "Invalid value type at `.attributesToRetrieve[1]`: expected a string, but found a "
            "positive integer: `1`",
        ),
        (
            {"showRankingScore": "true"},
            "invalid_search_show_ranking_score",
            "Invalid value type at `.showRankingScore`: expected a boolean, but found a string: "
            '`"true"`',
        ),
        (
            {"matchingStrategy": "alll"},
            "invalid_search_matching_strategy",
            "Unknown value `alll` at `.matchingStrategy`: did you mean `all`? "
            "expected one of `last`, `all`, `frequency`",
        ),
        (
            {"matchingStrategy": "none"},
            "invalid_search_matching_strategy",
            "Unknown value `none` at `.matchingStrategy`: expected one of `last`, `all`, "
            "`frequency`",
        ),
        (
            {"matchingStrategy": 1},
            "invalid_search_matching_strategy",
            "Invalid value type at `.matchingStrategy`: expected a string, but found a positive "
            "integer: `1`",
        ),
        (
            {"rankingScoreThreshold": 2},
            "invalid_search_ranking_score_threshold",
            "Invalid value at `.rankingScoreThreshold`: the value of `rankingScoreThreshold` is "
            "invalid, expected a float between `0.0` and `1.0`.",
        ),
        (
            {"rankingScoreThreshold": "1"},
            "invalid_search_ranking_score_threshold",
            "Invalid value type at `.rankingScoreThreshold`: expected a number, but found a "
            'string: `"1"`',
        ),
        (
            {"hybrid": []},
            "invalid_search_hybrid_query",
            "Invalid value type at `.hybrid`: expected an object, but found an array: `[]`",
        ),
        (
            {"hybrid": {"embedder": 1}},
            "invalid_search_embedder",
            "Invalid value type at `.hybrid.embedder`: expected a string, but found a positive "
            "integer: `1`",
        ),
        (
            {"hybrid": {"semanticRatio": 0.5}},
            "invalid_search_hybrid_query",
            "Missing field `embedder` inside `.hybrid`",
        ),
        (
            {"hybrid": {"embedder": "e", "ratio": 1}},
            "invalid_search_hybrid_query",
            "Unknown field `ratio` inside `.hybrid`: expected one of `semanticRatio`, `embedder`",
        ),
        (
            {"limti": 1},
            "bad_request",
            f"Unknown field `limti`: did you mean `limit`? {SEARCH_FIELDS}",
        ),
        (
            {"Limit": 1},
            "bad_request",
            f"Unknown field `Limit`: did you mean `limit`? {SEARCH_FIELDS}",
        ),
        ({"doggo": 1}, "bad_request", f"Unknown field `doggo`: {SEARCH_FIELDS}"),
    ],
)
def test_search_body_errors(body: Any, code: str, message: str) -> None:
    assert _error(SEARCH.parse, body) == (code, message)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        # The first problem in the order the request lists its keys wins...
        ({"doggo": 1, "limit": "x"}, "bad_request", f"Unknown field `doggo`: {SEARCH_FIELDS}"),
        (
            {"limit": "x", "doggo": 1},
            "invalid_search_limit",
            "Invalid value type at `.limit`: expected a positive integer, but found a string: "
            '`"x"`',
        ),
        # ...and missing fields are only reported once every key was checked.
        (
            {"semanticRatio": "x"},
            "invalid_search_semantic_ratio",
            'Invalid value type at `.semanticRatio`: expected a number, but found a string: `"x"`',
        ),
        (
            {"semanticRatio": 1, "x": 1},
            "invalid_search_hybrid_query",
            "Unknown field `x`: expected one of `semanticRatio`, `embedder`",
        ),
        ({"semanticRatio": 1}, "invalid_search_hybrid_query", "Missing field `embedder`"),
    ],
)
def test_first_problem_wins(body: Any, code: str, message: str) -> None:
    schema = HYBRID if "semanticRatio" in body else SEARCH
    assert _error(schema.parse, body) == (code, message)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({}, "bad_request", "Missing field `queries`"),
        (
            {"queries": {}},
            "bad_request",
            "Invalid value type at `.queries`: expected an array, but found an object: `{}`",
        ),
        (
            {"queries": [{"q": "a"}]},
            "missing_index_uid",
            "Missing field `indexUid` inside `.queries[0]`",
        ),
        (
            {"queries": [{"indexUid": "movies"}, 1]},
            "bad_request",
            "Invalid value type at `.queries[1]`: expected an object, but found a positive "
            "integer: `1`",
        ),
        (
            {"queries": [{"indexUid": "movies", "limit": "x"}]},
            "invalid_search_limit",
            "Invalid value type at `.queries[0].limit`: expected a positive integer, but found a "
            'string: `"x"`',
        ),
        (
            {"queries": [{"indexUid": "movies"}, {"indexUid": "bad uid!"}]},
            "invalid_index_uid",
            "Invalid value at `.queries[1].indexUid`: `bad uid!` is not a valid index uid. Index "
            "uid "
            "can be an integer or a string containing only alphanumeric characters, hyphens (-) "
            "and "
            "underscores (_), and can not be more than 512 bytes.",
        ),
        (
            {"queries": [{"indexUid": "m", "federationOptions": {"weight": "x"}}]},
            "invalid_multi_search_weight",
            "Invalid value type at `.queries[0].federationOptions.weight`: expected a number, but "
            'found a string: `"x"`',
        ),
        (
            {"queries": [{"indexUid": "m", "federationOptions": {"wieght": 1}}]},
            "invalid_multi_search_federation_options",
            "Unknown field `wieght` inside `.queries[0].federationOptions`: did you mean `weight`? "
            "expected one of `weight`",
        ),
        (
            {"queries": [{"indexUid": "m", "qq": 1}]},
            "bad_request",
            "Unknown field `qq` inside `.queries[0]`: expected one of `indexUid`, `q`, `limit`, "
            "`federationOptions`",
        ),
    ],
)
def test_nested_paths_and_codes(body: Any, code: str, message: str) -> None:
    assert _error(MULTI_SEARCH.parse, body) == (code, message)


def test_path_prefix() -> None:
    assert _error(SEARCH_QUERY.parse, {"q": "a"}, ".queries[3]") == (
        "missing_index_uid",
        "Missing field `indexUid` inside `.queries[3]`",
    )


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"typoTolerance": {"enabled": 1}},
            "invalid_settings_typo_tolerance",
            "Invalid value type at `.typoTolerance.enabled`: expected a boolean, but found a "
            "positive integer: `1`",
        ),
        (
            {"typoTolerance": {"enable": True}},
            "invalid_settings_typo_tolerance",
            "Unknown field `enable` inside `.typoTolerance`: did you mean `enabled`? "
            "expected one of `enabled`, `oneTypo`",
        ),
        (
            {"typoTolerance": {"oneTypo": 4294967296}},
            "invalid_settings_typo_tolerance",
            "Invalid value at `.typoTolerance.oneTypo`: value: `4294967296` is too large to be "
            "deserialized, maximum value authorized is `4294967295`",
        ),
        (
            {"synonyms": {"car": ["auto", 1]}},
            "invalid_settings_synonyms",
            "Invalid value type at `.synonyms.car[1]`: expected a string, but found a positive "
            "integer: `1`",
        ),
        (
            {"offsetBy": "1"},
            "invalid_settings_pagination",
            'Invalid value type at `.offsetBy`: expected an integer, but found a string: `"1"`',
        ),
        (
            {"offsetBy": 2**63},
            "invalid_settings_pagination",
            "Invalid value at `.offsetBy`: value: `9223372036854775808` is too large to be "
            "deserialized, maximum value authorized is `9223372036854775807`",
        ),
    ],
)
def test_nested_object_without_code_inherits_the_field_code(
    body: Any, code: str, message: str
) -> None:
    assert _error(SETTINGS.parse, body) == (code, message)


def test_signed_integers_and_maps_parse() -> None:
    parsed = SETTINGS.parse({"offsetBy": -3, "synonyms": {"car": ["auto"]}, "typoTolerance": None})
    assert parsed == {"offsetBy": -3, "synonyms": {"car": ["auto"]}, "typoTolerance": None}


def test_body_from_raw_bytes_end_to_end() -> None:
    raw = orjson.dumps({"q": "a", "limit": 3})
    assert SEARCH.parse(parse_json_body(raw))["limit"] == 3


SWAPS = array(
    obj(
        Body(
            [
                Field("indexes", array(string()), "invalid_swap_indexes", required=True),
                Field("rename", boolean(), "invalid_swap_rename", default=False),
            ]
        )
    )
)


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        (
            "doggo",
            "bad_request",
            'Invalid value type: expected an array, but found a string: `"doggo"`',
        ),
        (
            [{"indexes": "a"}],
            "invalid_swap_indexes",
            'Invalid value type at `[0].indexes`: expected an array, but found a string: `"a"`',
        ),
        ([{"indexes": []}, {}], "bad_request", "Missing field `indexes` inside `[1]`"),
    ],
)
def test_parse_value_validates_any_root(value: Any, code: str, message: str) -> None:
    assert _error(parse_value, SWAPS, value) == (code, message)


def test_parse_value_returns_parsed() -> None:
    assert parse_value(SWAPS, [{"indexes": ["a", "b"]}]) == [
        {"indexes": ["a", "b"], "rename": False}
    ]


# --------------------------------------------------------------------------- query strings


def test_query_parses_values_and_defaults() -> None:
    parsed = TASKS.parse(
        [("from", "+5"), ("reverse", "false"), ("uids", "1,2"), ("statuses", "failed"), ("q", "")]
    )
    assert parsed == {
        "from": 5,
        "reverse": False,
        "uids": [1, 2],
        "statuses": ["failed"],
        "q": "",
        "limit": 20,
    }


def test_repeated_parameter_keeps_the_last_value_at_its_first_place() -> None:
    assert TASKS.parse([("limit", "x"), ("limit", "7")]) == {"limit": 7}
    assert _error(TASKS.parse, [("limit", "1"), ("doggo", "1"), ("limit", "x")]) == (
        "invalid_task_limit",
        "Invalid value in parameter `limit`: could not parse `x` as a positive integer",
    )


@pytest.mark.parametrize(
    ("items", "code", "message"),
    [
        (
            [("limit", "x")],
            "invalid_task_limit",
            "Invalid value in parameter `limit`: could not parse `x` as a positive integer",
        ),
        (
            [("limit", "-1")],
            "invalid_task_limit",
            "Invalid value in parameter `limit`: could not parse `-1` as a positive integer",
        ),
        (
            [("limit", "")],
            "invalid_task_limit",
            "Invalid value in parameter `limit`: could not parse `` as a positive integer",
        ),
        (
            [("from", "4294967296")],
            "invalid_task_from",
            "Invalid value in parameter `from`: could not parse `4294967296` as a positive integer",
        ),
        (
            [("from", " 1")],
            "invalid_task_from",
            "Invalid value in parameter `from`: could not parse ` 1` as a positive integer",
        ),
        (
            [("reverse", "True")],
            "invalid_task_reverse",
            "Invalid value in parameter `reverse`: could not parse `True` as a boolean, expected "
            "either `true` or `false`",
        ),
        (
            [("uids", "1,x")],
            "invalid_task_uids",
            "Invalid value in parameter `uids[1]`: could not parse `x` as a positive integer",
        ),
        (
            [("statuses", "enqueued,faild")],
            "invalid_task_statuses",
            "Unknown value `faild` for parameter `statuses[1]`: did you mean `failed`? "
            "expected one of `enqueued`, `failed`",
        ),
        (
            [("indexUids", "a b")],
            "invalid_index_uid",
            "Invalid value in parameter `indexUids`: `a b` is not a valid index uid. Index uid can "
            "be an integer or a string containing only alphanumeric characters, hyphens (-) and "
            "underscores (_), and can not be more than 512 bytes.",
        ),
        (
            [("limt", "1")],
            "bad_request",
            f"Unknown parameter `limt`: did you mean `limit`? {TASKS_PARAMS}",
        ),
        ([("doggo", "1")], "bad_request", f"Unknown parameter `doggo`: {TASKS_PARAMS}"),
    ],
)
def test_query_errors(items: list[tuple[str, str]], code: str, message: str) -> None:
    assert _error(TASKS.parse, items) == (code, message)


def test_missing_parameter() -> None:
    assert _error(DUMP.parse, []) == ("bad_request", "Missing parameter `path`")
