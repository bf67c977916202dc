from __future__ import annotations

import pytest

from lumi.search.query.derive import TypoRules, normalized_synonyms
from lumi.text.tokenizer import TextConfig, tokenizer_for

TOKENIZER = tokenizer_for(TextConfig())


@pytest.mark.parametrize(
    ("rules", "word", "budget"),
    [
        (TypoRules(), "cats", 0),
        (TypoRules(), "kitty", 1),
        (TypoRules(), "kittycat", 1),
        (TypoRules(), "kittycats", 2),
        (TypoRules(one=3, two=4), "cat", 1),
        (TypoRules(one=3, two=4), "cats", 2),
        (TypoRules(enabled=False), "kittycats", 0),
        (TypoRules(disabled_words=frozenset({"kittycats"})), "kittycats", 0),
        (TypoRules(disable_numbers=True), "123456789", 0),
        (TypoRules(), "123456789", 2),
        (TypoRules(), "x" * 251, 0),
    ],
)
def test_typo_budget(rules: TypoRules, word: str, budget: int) -> None:
    assert rules.budget(word) == budget


def test_typo_rules_from_settings() -> None:
    settings = {
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": 4, "twoTypos": 8},
            "disableOnWords": ["Shrek"],
            "disableOnAttributes": [],
            "disableOnNumbers": True,
        }
    }
    assert TypoRules.from_settings(settings, TOKENIZER) == TypoRules(
        True, 4, 8, frozenset({"shrek"}), True
    )


def test_synonyms_are_normalized_and_capped() -> None:
    settings = {
        "synonyms": {
            "San Francisco": ["SF", "sf", "San Francisco"],
            "Phone": [f"p{i}" for i in range(60)],
        }
    }
    synonyms = normalized_synonyms(settings, TOKENIZER)
    assert synonyms[("san", "francisco")] == [("sf",)]
    assert len(synonyms[("phone",)]) == 50
