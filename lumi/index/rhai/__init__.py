"""A small Rhai interpreter for editing documents with a function.

Covers the part of the language document edition scripts use: variables, assignments to
fields, ``if``/``for``/``while``/``loop``, arrays, maps, template strings and the common
string and array functions. ``compile_script`` checks a script once; ``edit_document`` runs
it over one document.
"""

from __future__ import annotations

from typing import Any

from lumi.index.rhai.evaluator import MAX_OPERATIONS, Evaluator
from lumi.index.rhai.lexer import RhaiError
from lumi.index.rhai.parser import Node, compile_script

__all__ = ["MAX_OPERATIONS", "RhaiError", "compile_script", "edit_document"]


def edit_document(
    program: list[Node],
    document: dict[str, Any],
    context: Any = None,
    max_operations: int = MAX_OPERATIONS,
) -> Any:
    """What ``doc`` holds once ``program`` ran with ``doc`` bound to a copy of
    ``document`` and ``context`` to ``context`` (``None`` is ``()``: delete the document).

    Raises ``RhaiError`` when the script fails.
    """
    variables = {"doc": Evaluator.owned(document), "context": Evaluator.owned(context)}
    evaluator = Evaluator(variables, max_operations)
    evaluator.run(program)
    return variables["doc"]
