from __future__ import annotations

import pytest

from lumi.index.fields import (
    field_names,
    flatten,
    is_nested_of,
    match_attribute_pattern,
    matches_attribute,
)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"id": 1, "title": "Carol"}, {"id": [1], "title": ["Carol"]}),
        (
            {"id": 1, "info": {"comment": "A great book", "reviewNb": 50}},
            {"id": [1], "info.comment": ["A great book"], "info.reviewNb": [50]},
        ),
        ({"a": {"b": {"c": True}}}, {"a.b.c": [True]}),
        ({"genres": ["comedy", "humor"]}, {"genres": ["comedy", "humor"]}),
        ({"mixed": [1, "x", 2.5, None, False]}, {"mixed": [1, "x", 2.5, None, False]}),
        (
            {"cast": [{"name": "Po", "age": 3}, {"name": "Monkey"}]},
            {"cast.name": ["Po", "Monkey"], "cast.age": [3]},
        ),
        ({"a": [1, {"b": 2}, [3, [4]]]}, {"a": [1, 3, 4], "a.b": [2]}),
        ({"a": [[{"b": 1}], {"b": [2, 3]}]}, {"a.b": [1, 2, 3]}),
        ({"a": None}, {"a": [None]}),
        ({"a": [None]}, {"a": [None]}),
        ({"a": []}, {"a": []}),
        ({"a": {}}, {"a": []}),
        ({"a": ""}, {"a": [""]}),
        ({"a": [[], {}]}, {"a": []}),
        ({"a": [1, []]}, {"a": [1]}),
        ({"a": {"b": []}, "c": {"d": {}}}, {"a.b": [], "c.d": []}),
        ({"a.b": 1, "a": {"b": 2}}, {"a.b": [1, 2]}),
        ({"a": {"b": 2}, "a.b": 1}, {"a.b": [2, 1]}),
        ({}, {}),
        (
            {"_geo": {"lat": 1.5, "lng": 2}, "_vectors": {"default": [0.1, 0.2]}},
            {"_geo.lat": [1.5], "_geo.lng": [2], "_vectors.default": [0.1, 0.2]},
        ),
    ],
)
def test_flatten(document: dict, expected: dict) -> None:
    assert flatten(document) == expected


def test_flatten_keeps_document_order() -> None:
    flat = flatten({"z": 1, "a": {"y": 2, "b": 3}, "m": [{"q": 4}]})
    assert list(flat) == ["z", "a.y", "a.b", "m.q"]


def test_flatten_does_not_change_the_document() -> None:
    document = {"a": {"b": [1, {"c": 2}]}}
    flatten(document)
    assert document == {"a": {"b": [1, {"c": 2}]}}


@pytest.mark.parametrize(
    ("document", "names"),
    [
        ({"id": 1, "title": "x"}, {"id", "title"}),
        ({"id": 1, "info": {"comment": "x", "reviewNb": 1}}, {"id", "info"}),
        ({"id": 1, "empty": None, "list": []}, {"id", "empty", "list"}),
        ({}, set()),
    ],
)
def test_field_names_are_top_level(document: dict, names: set[str]) -> None:
    assert field_names(document) == names


@pytest.mark.parametrize(
    ("pattern", "field", "expected"),
    [
        ("*", "title", True),
        ("*", "info.comment", True),
        ("title", "title", True),
        ("title", "titles", False),
        ("title", "info.title", False),
        ("dog*", "doggo", True),
        ("dog*", "dog.name", True),
        ("dog*", "hotdog", False),
        ("*name", "name", True),
        ("*name", "first.name", True),
        ("*name", "names", False),
        ("*dog*", "hotdogs", True),
        ("*dog*", "cat", False),
        ("a.b", "a.b", True),
        ("a.b", "a.b.c", False),
        ("a.b", "a", False),
        ("**", "anything", True),
    ],
)
def test_match_attribute_pattern(pattern: str, field: str, expected: bool) -> None:
    assert match_attribute_pattern(pattern, field) is expected


@pytest.mark.parametrize(
    ("parent", "field", "expected"),
    [
        ("a", "a.b", True),
        ("a", "a.b.c", True),
        ("a.b", "a.b.c", True),
        ("a", "a", False),
        ("a", "ab", False),
        ("a.b", "a.bc", False),
        ("a.b", "a", False),
        ("a", "b.a", False),
    ],
)
def test_is_nested_of(parent: str, field: str, expected: bool) -> None:
    assert is_nested_of(parent, field) is expected


@pytest.mark.parametrize(
    ("entry", "field", "expected"),
    [
        ("*", "info.comment", True),
        ("info", "info", True),
        ("info", "info.comment", True),
        ("info", "info.a.b", True),
        ("info", "infos", False),
        ("info.comment", "info", False),
        ("info.comment", "info.comment", True),
        ("title", "subtitle", False),
    ],
)
def test_matches_attribute(entry: str, field: str, expected: bool) -> None:
    assert matches_attribute(entry, field) is expected
