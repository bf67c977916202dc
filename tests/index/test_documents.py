from __future__ import annotations

import pytest

from lumi.errors import LumiError
from lumi.index.documents import (
    document_id,
    infer_primary_key,
    is_valid_document_id,
    merge_documents,
    validate_external_id,
    validate_geo,
)

ASK = "Please specify the primary key manually using the `primaryKey` query parameter."
NO_CANDIDATE = (
    "The primary key inference failed as the engine did not find any field ending with `id` "
    f"in its name. {ASK}"
)
ID_RULES = (
    "is invalid. A document identifier can be of type integer or string, only composed of "
    "alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be "
    "more than 511 bytes."
)


def error_of(call, *args) -> tuple[str, str]:
    with pytest.raises(LumiError) as info:
        call(*args)
    return info.value.code, info.value.message


def candidates(n: int, first: str, second: str) -> str:
    return (
        f"The primary key inference failed as the engine found {n} fields ending with `id` "
        f"in their names: '{first}' and '{second}'. {ASK}"
    )


# ------------------------------------------------------------------------------ primary key


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ({"id": 1, "title": "Diary of a Wimpy Kid"}, "id"),
        ({"reference_number": 1, "uid": "x"}, "uid"),
        ({"BookId": 1, "title": "x"}, "BookId"),
        ({"ID": 1}, "ID"),
        ({"paid": True, "title": "x"}, "paid"),
        ({"uuid": "x", "identity": "y"}, "uuid"),
        ({"info": {"id": 1}, "movie_id": 3}, "movie_id"),
    ],
)
def test_infer_primary_key(document: dict, key: str) -> None:
    assert infer_primary_key(document) == key


@pytest.mark.parametrize(
    ("document", "code", "message"),
    [
        (
            {"title": "Solaris", "info": {"id": 1}},
            "index_primary_key_no_candidate_found",
            NO_CANDIDATE,
        ),
        ({}, "index_primary_key_no_candidate_found", NO_CANDIDATE),
        (
            {"id": 1, "author_id": 2, "title": "x"},
            "index_primary_key_multiple_candidates_found",
            candidates(2, "author_id", "id"),
        ),
        (
            {"uid": 1, "id": 2, "BookId": 3},
            "index_primary_key_multiple_candidates_found",
            candidates(3, "BookId", "id"),
        ),
    ],
)
def test_infer_primary_key_failures(document: dict, code: str, message: str) -> None:
    assert error_of(infer_primary_key, document) == (code, message)


# -------------------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("document", "key", "expected"),
    [
        ({"id": 1}, "id", "1"),
        ({"id": "1"}, "id", "1"),
        ({"id": -42}, "id", "-42"),
        ({"id": 0}, "id", "0"),
        ({"id": 18446744073709551615}, "id", "18446744073709551615"),
        ({"id": -9223372036854775808}, "id", "-9223372036854775808"),
        ({"id": "_Aabc012_"}, "id", "_Aabc012_"),
        ({"id": "a-b_C-9"}, "id", "a-b_C-9"),
        ({"id": "x" * 511}, "id", "x" * 511),
        ({"info": {"id": 7}}, "info.id", "7"),
        ({"info.id": "flat"}, "info.id", "flat"),
        ({"a": {"b.c": 3}}, "a.b.c", "3"),
        ({"a.b": {"c": 4}}, "a.b.c", "4"),
        ({"info": [{"id": 1}], "id": 2}, "id", "2"),
    ],
)
def test_document_id(document: dict, key: str, expected: str) -> None:
    assert document_id(document, key) == expected


@pytest.mark.parametrize(
    ("document", "key", "shown"),
    [
        ({"id": "@BI+* ^5h2%"}, "id", '"@BI+* ^5h2%"'),
        ({"id": "1@"}, "id", '"1@"'),
        ({"id": ""}, "id", '""'),
        ({"id": "x" * 512}, "id", '"' + "x" * 512 + '"'),
        ({"id": "é"}, "id", '"é"'),
        ({"id": "a b"}, "id", '"a b"'),
        ({"id": 'quo"te'}, "id", '"quo\\"te"'),
        ({"id": 1.0}, "id", "1.0"),
        ({"id": 1.5}, "id", "1.5"),
        ({"id": True}, "id", "true"),
        ({"id": None}, "id", "null"),
        ({"id": [1]}, "id", "[1]"),
        ({"id": {"a": 1}}, "id", '{"a":1}'),
        ({"id": 2**64}, "id", "18446744073709551616"),
        ({"info": {"id": False}}, "info.id", "false"),
    ],
)
def test_invalid_document_id(document: dict, key: str, shown: str) -> None:
    assert error_of(document_id, document, key) == (
        "invalid_document_id",
        f"Document identifier `{shown}` {ID_RULES}",
    )


@pytest.mark.parametrize(
    ("document", "key", "shown"),
    [
        (
            {"title": "Solaris", "genres": ["science fiction"], "price": 5.0},
            "id",
            '{"title":"Solaris","genres":["science fiction"],"price":5.0}',
        ),
        ({"info": {"comment": "x"}}, "info.id", '{"info":{"comment":"x"}}'),
        ({"info": [{"id": 1}]}, "info.id", '{"info":[{"id":1}]}'),
        ({"info": "id"}, "info.id", '{"info":"id"}'),
        ({"ID": 1}, "id", '{"ID":1}'),
    ],
)
def test_missing_document_id(document: dict, key: str, shown: str) -> None:
    assert error_of(document_id, document, key) == (
        "missing_document_id",
        f"Document doesn't have a `{key}` attribute: `{shown}`.",
    )


def test_several_values_for_a_nested_primary_key() -> None:
    document = {"info.id": 1, "info": {"id": 2}}
    assert error_of(document_id, document, "info.id") == (
        "invalid_document_id",
        'Document have too many matching `info.id` attribute: `{"info.id":1,"info":{"id":2}}`.',
    )


@pytest.mark.parametrize("value", ["1", "abc", "A-b_9", "x" * 511])
def test_valid_external_ids(value: str) -> None:
    assert validate_external_id(value) == value
    assert is_valid_document_id(value)


@pytest.mark.parametrize("value", ["", "1.5", "a b", "x" * 512, "ü", "-1 ", "a/b"])
def test_invalid_external_ids(value: str) -> None:
    assert not is_valid_document_id(value)
    assert error_of(validate_external_id, value) == (
        "invalid_document_id",
        f'Document identifier `"{value}"` {ID_RULES}',
    )


# ---------------------------------------------------------------------------------- updates


def test_merge_documents_replaces_top_level_fields_only() -> None:
    old = {"id": 1, "title": "Carol", "info": {"a": 1, "b": 2}, "tags": ["x"]}
    new = {"id": 1, "info": {"a": 3}, "year": 2015}
    merged = merge_documents(old, new)
    assert merged == {"id": 1, "title": "Carol", "info": {"a": 3}, "tags": ["x"], "year": 2015}
    assert list(merged) == ["id", "title", "info", "tags", "year"]
    assert old == {"id": 1, "title": "Carol", "info": {"a": 1, "b": 2}, "tags": ["x"]}


# -------------------------------------------------------------------------------------- _geo


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"id": 1}, None),
        ({"id": 1, "_geo": None}, None),
        ({"id": 1, "_geo": {"lat": 45.4777599, "lng": 9.1967508}}, (45.4777599, 9.1967508)),
        ({"id": 1, "_geo": {"lng": 2, "lat": -1}}, (-1.0, 2.0)),
        ({"id": 1, "_geo": {"lat": "48.88", "lng": "2.33"}}, (48.88, 2.33)),
        ({"id": 1, "_geo": {"lat": "1e1", "lng": "-.5"}}, (10.0, -0.5)),
        ({"id": 1, "_geo": {"lat": 120, "lng": 500}}, (120.0, 500.0)),
    ],
)
def test_validate_geo(document: dict, expected: tuple[float, float] | None) -> None:
    assert validate_geo(document, "1") == expected


GEO_ID = 'the document with the id: `"11"`'


@pytest.mark.parametrize(
    ("geo", "message"),
    [
        (
            "foobar",
            f"The `_geo` field in {GEO_ID} is not an object. Was expecting an object with the "
            '`_geo.lat` and `_geo.lng` fields but instead got `"foobar"`.',
        ),
        (
            [1, 2],
            f"The `_geo` field in {GEO_ID} is not an object. Was expecting an object with the "
            "`_geo.lat` and `_geo.lng` fields but instead got `[1,2]`.",
        ),
        (
            {},
            f"Could not find latitude nor longitude in {GEO_ID}. "
            "Was expecting `_geo.lat` and `_geo.lng` fields.",
        ),
        (
            {"lng": 1},
            f"Could not find latitude in {GEO_ID}. Was expecting a `_geo.lat` field.",
        ),
        (
            {"lat": 1, "long": 2},
            f"Could not find longitude in {GEO_ID}. Was expecting a `_geo.lng` field.",
        ),
        (
            {"lat": 1, "lng": 2, "doggo": "are the best"},
            f"The `_geo` field in {GEO_ID} contains the following unexpected fields: "
            '`{"doggo":"are the best"}`.',
        ),
        (
            {"lat": "x", "lng": 2},
            f"Could not parse latitude in {GEO_ID}. "
            'Was expecting a finite number but instead got `"x"`.',
        ),
        (
            {"lat": " 1", "lng": 2},
            f"Could not parse latitude in {GEO_ID}. "
            'Was expecting a finite number but instead got `" 1"`.',
        ),
        (
            {"lat": 1, "lng": True},
            f"Could not parse longitude in {GEO_ID}. "
            "Was expecting a finite number but instead got `true`.",
        ),
        (
            {"lat": None, "lng": [1]},
            f"Could not parse latitude nor longitude in {GEO_ID}. Was expecting finite numbers "
            "but instead got `null` and `[1]`.",
        ),
        (
            {"lat": "inf", "lng": "1_0"},
            f"Could not parse latitude nor longitude in {GEO_ID}. Was expecting finite numbers "
            'but instead got `"inf"` and `"1_0"`.',
        ),
    ],
)
def test_invalid_geo(geo: object, message: str) -> None:
    assert error_of(validate_geo, {"id": 11, "_geo": geo}, "11") == (
        "invalid_document_geo_field",
        message,
    )
