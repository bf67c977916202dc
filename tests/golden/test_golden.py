"""Golden hits: for each case of ``cases.json``, the top hits (ids and ranking scores) must
equal ``expected.json``. Regenerate after an intended ranking change with:

    LUMI_UPDATE_GOLDEN=1 .venv/bin/pytest tests/golden/test_golden.py
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.search.word_index import SmallIndex

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = orjson.loads((HERE / "cases.json").read_bytes())
EXPECTED_PATH = HERE / "expected.json"
UPDATE = os.environ.get("LUMI_UPDATE_GOLDEN") == "1"
TOP = 10

_found: dict[str, Any] = {}


@pytest.fixture(scope="module", autouse=True)
def _write_when_updating() -> Iterator[None]:
    yield
    if UPDATE:
        EXPECTED_PATH.write_bytes(orjson.dumps(_found, option=orjson.OPT_INDENT_2) + b"\n")


def _expected() -> dict[str, Any]:
    return orjson.loads(EXPECTED_PATH.read_bytes()) if EXPECTED_PATH.exists() else {}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_golden(case: dict[str, Any], golden_index: Callable[[str], SmallIndex]) -> None:
    built = golden_index(case["dataset"])
    settings = case.get("settings", {})
    built.settings(settings)
    try:
        options = case.get("options", {})
        result = built.search(case["q"], limit=TOP, show_ranking_score=True, **options)
    finally:
        built.settings(dict.fromkeys(settings))
    assert result.scores is not None
    with built.index.read() as txn:
        ids = [built.index.document(txn, docid)["id"] for docid in result.docids]
    hits = [[doc_id, round(score, 4)] for doc_id, score in zip(ids, result.scores, strict=True)]
    _found[case["name"]] = {"q": case["q"], "total": len(result.candidates), "hits": hits}
    if UPDATE:
        return
    assert _found[case["name"]] == _expected().get(case["name"])
