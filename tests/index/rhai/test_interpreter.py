"""The Rhai subset: what scripts leave in ``doc``, and the errors they raise."""

from __future__ import annotations

from typing import Any

import pytest

from lumi.index.rhai import RhaiError, compile_script, edit_document

DOC = {"id": 1, "title": "Dune", "tags": ["a", "b"], "n": 7, "info": {"year": 1965}}


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("doc.title = doc.title.to_upper()", {"title": "DUNE"}),
        ('doc["title"] = "x";', {"title": "x"}),
        ("doc.info.year += 1", {"info": {"year": 1966}}),
        ("doc.tags.push(`${doc.n * 2}`)", {"tags": ["a", "b", "14"]}),
        ('doc.title.replace("u", "oo")', {"title": "Doone"}),
        ("let t = doc.tags; t.push(1); doc.m = t.len()", {"m": 3}),
        ("doc.x = 7 / 2 + 7 % 3 + -1", {"x": 3}),
        ("doc.x = 7.0 / 2", {"x": 3.5}),
        ('doc.x = "a" + 1 + true', {"x": "a1true"}),
        ("doc.x = if_missing == ()", None),
        ("doc.x = doc.nothing == ()", {"x": True}),
        ('doc.x = "u" in doc.title && "b" in doc.tags', {"x": True}),
        ("let s = 0; for t in [1, 2, 3] { if t == 2 { continue } s += t } doc.x = s", {"x": 4}),
        ("let i = 0; while true { i += 1; if i >= 5 { break; } } doc.x = i", {"x": 5}),
        (
            "if doc.n > 10 { doc.x = 1 } else if doc.n > 5 { doc.x = 2 } else { doc.x = 3 }",
            {"x": 2},
        ),
        ('doc.x = #{a: [1, "\\t"], b: ()}', {"x": {"a": [1, "\t"], "b": None}}),
        ('doc.x = "  hi ".trim()', {"x": None}),
        ('let s = "  hi "; s.trim(); doc.x = s', {"x": "hi"}),
        ('doc.x = parse_int("42") + "1.5".parse_float()', {"x": 43.5}),
        ("doc.x = doc.tags[-1] + doc.title.len().to_string()", {"x": "b4"}),
        ("doc.x = !doc.tags.is_empty() || false", {"x": True}),
        ('doc.x = doc.title.starts_with("Du") && doc.title.ends_with("ne")', {"x": True}),
        ("// nothing\ndoc.x = `${doc.tags}`", {"x": '["a", "b"]'}),
    ],
)
def test_scripts_change_the_document(script: str, expected: dict[str, Any] | None) -> None:
    if expected is None:
        with pytest.raises(RhaiError, match="Variable not found: if_missing"):
            edit_document(compile_script(script), DOC)
        return
    result = edit_document(compile_script(script), DOC)
    assert result == {**DOC, **expected}
    assert DOC["tags"] == ["a", "b"]  # the original document is never changed


def test_unit_deletes_and_context_is_visible() -> None:
    program = compile_script("if doc.id == context.id { doc = () } else { doc.c = context.c }")
    assert edit_document(program, DOC, {"id": 1, "c": 0}) is None
    assert edit_document(program, DOC, {"id": 2, "c": 9}) == {**DOC, "c": 9}


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("doc.title = ", "Expecting an expression, found end of script (line 1, position 13)"),
        ("doc.a = 1 doc.b = 2", "Expecting `;` to terminate this statement"),
        ('doc.a = "open', "Unterminated string (line 1, position 9)"),
        ("doc.a = `${doc.b`", "Open string interpolation is missing `}`"),
        ("if doc.n { }", "Condition must be a boolean, not i64"),
        ("doc.a = 1 / 0", "Division by zero"),
        ("doc.a = doc.tags[5]", "Index 5 is out of bounds for a length of 2"),
        ("doc.a = doc.missing.deeper", "Property `deeper` not found on a value of type ()"),
        ("doc.a = doc.title.nope()", "Function not found: nope (string)"),
        ("doc.a = 1 - true", "Function not found: - (i64, bool)"),
        ("loop { }", "Too many operations"),
        ('let s = "x"; loop { s += s }', "Length of string exceeds the maximum limit"),
        ("break", "`break` or `continue` used outside of a loop"),
        ("doc.a = 9223372036854775807 + 1", "Arithmetic overflow"),
    ],
)
def test_errors(script: str, message: str) -> None:
    with pytest.raises(RhaiError) as caught:
        edit_document(compile_script(script), DOC)
    assert message in str(caught.value)
