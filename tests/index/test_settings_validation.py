"""The ``chat`` index setting's checks: each problem with its code, path and message, in a
full settings body and on the sub-route alike."""

from __future__ import annotations

from typing import Any

import pytest

from lumi.errors import LumiError
from lumi.index import settings as s

CHAT_ON = {"chatCompletions": True}
CODE = "invalid_settings_index_chat"
TEMPLATE_CODE = "invalid_chat_setting_document_template"
CHAT_FIELDS = "`description`, `documentTemplate`, `documentTemplateMaxBytes`, `searchParameters`"
SEARCH_FIELDS = (
    "`hybrid`, `limit`, `sort`, `distinct`, `matchingStrategy`, `attributesToSearchOn`, "
    "`rankingScoreThreshold`"
)
RATIO = "expected a float between `0.0` and `1.0`."


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        (
            ["x"],
            CODE,
            'Invalid value type at `{p}`: expected an object, but found an array: `["x"]`',
        ),
        (
            {"name": "x"},
            CODE,
            f"Unknown field `name` inside `{{p}}`: expected one of {CHAT_FIELDS}",
        ),
        (
            {"description": 1},
            CODE,
            "Invalid value type at `{p}.description`: expected a string, "
            "but found a positive integer: `1`",
        ),
        (
            {"documentTemplate": True},
            CODE,
            "Invalid value type at `{p}.documentTemplate`: "
            "expected a string, but found a boolean: `true`",
        ),
        (
            {"documentTemplate": "{% if %}"},
            TEMPLATE_CODE,
            "Invalid value at `{p}.documentTemplate`:"
            " error while parsing template: liquid: missing expression",
        ),
        (
            {"documentTemplateMaxBytes": -1},
            CODE,
            "Invalid value type at "
            "`{p}.documentTemplateMaxBytes`: expected a positive integer, but found a negative "
            "integer: `-1`",
        ),
        (
            {"searchParameters": []},
            CODE,
            "Invalid value type at `{p}.searchParameters`: expected "
            "an object, but found an array: `[]`",
        ),
        (
            {"searchParameters": {"q": "x"}},
            CODE,
            f"Unknown field `q` inside `{{p}}.searchParameters`: expected one of {SEARCH_FIELDS}",
        ),
        (
            {"searchParameters": {"hybrid": {}}},
            CODE,
            "Missing field `embedder` inside `{p}.searchParameters.hybrid`",
        ),
        (
            {"searchParameters": {"hybrid": {"embedder": "e", "semanticRatio": 1.5}}},
            CODE,
            "Invalid value at `{p}.searchParameters.hybrid.semanticRatio`: the value of "
            f"`semanticRatio` is invalid, {RATIO}",
        ),
        (
            {"searchParameters": {"limit": "5"}},
            CODE,
            "Invalid value type at "
            '`{p}.searchParameters.limit`: expected a positive integer, but found a string: `"5"`',
        ),
        (
            {"searchParameters": {"sort": "year:asc"}},
            CODE,
            "Invalid value type at "
            '`{p}.searchParameters.sort`: expected an array, but found a string: `"year:asc"`',
        ),
        (
            {"searchParameters": {"matchingStrategy": "most"}},
            CODE,
            "Unknown value `most` at "
            "`{p}.searchParameters.matchingStrategy`: expected one of `last`, `all`, `frequency`",
        ),
        (
            {"searchParameters": {"rankingScoreThreshold": -0.1}},
            CODE,
            "Invalid value at "
            "`{p}.searchParameters.rankingScoreThreshold`: the value of `rankingScoreThreshold` is "
            f"invalid, {RATIO}",
        ),
        (
            {"searchParameters": {"rankingScoreThreshold": True}},
            CODE,
            "Invalid value type at "
            "`{p}.searchParameters.rankingScoreThreshold`: expected a number, but found a boolean: "
            "`true`",
        ),
    ],
)
def test_bad_chat_settings_are_refused(value: Any, code: str, message: str) -> None:
    for call, args, path in (
        (s.validate_settings_patch, ({"chat": value}, CHAT_ON), ".chat"),
        (s.validate_setting, ("chat", value, CHAT_ON), ""),
    ):
        with pytest.raises(LumiError) as info:
            call(*args)
        expected = message.format(p=path).replace(" at ``", "").replace(" inside ``", "")
        assert info.value.code == code
        if code == TEMPLATE_CODE:  # the parser's own report (a caret under the spot) follows
            assert info.value.message.startswith(expected), info.value.message
        else:
            assert info.value.message == expected


def test_bad_chat_settings_are_refused_before_the_feature_check() -> None:
    with pytest.raises(LumiError) as info:
        s.validate_setting("chat", {"description": 1})
    assert info.value.code == CODE


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"description": "", "documentTemplate": "{{ doc.title | upcase }}"},
        {"documentTemplateMaxBytes": 0, "searchParameters": {"hybrid": None, "sort": None}},
        {"searchParameters": {"rankingScoreThreshold": 1, "matchingStrategy": "frequency"}},
        {"searchParameters": {"attributesToSearchOn": ["title"], "distinct": "sku"}},
    ],
)
def test_good_chat_settings_are_accepted(value: Any) -> None:
    assert list(s.validate_setting("chat", value, CHAT_ON)) == ["chat"]
