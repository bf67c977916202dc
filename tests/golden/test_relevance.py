"""Typo relevance on the PyPI sample: single-edit queries made from package-name words.

Each query is a word that names exactly one package, edited once (deletion, insertion,
substitution or swap, never on the first letter) into a string that is not itself a word
of the index and still long enough to allow a typo. The package must be in the top 10 for
at least 95% of the queries, and documents matching the query exactly rank above those
matching it through typos.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Callable

from lumi.index.indexer.words import text_config
from lumi.search.query.dictionary import WordDictionary
from lumi.text.tokenizer import tokenizer_for
from tests.golden.datasets import load
from tests.search.word_index import SmallIndex

QUERIES = 200
MIN_LENGTH = 6


def _edit(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    kind = rng.choice(("delete", "insert", "substitute", "swap"))
    letter = rng.choice(string.ascii_lowercase)
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + letter + word[i:]
    if kind == "substitute":
        return word[:i] + letter + word[i + 1 :]
    if i == len(word) - 1:
        i -= 1
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _queries(built: SmallIndex) -> list[tuple[str, int]]:
    """(edited word, docid of the one package named with the original word)."""
    tokenizer = tokenizer_for(text_config({}))
    owners: dict[str, set[int]] = {}
    counts: Counter[str] = Counter()
    for docid, document in enumerate(load("pypi")):
        for text in (document["name"], document.get("summary") or ""):
            for word, _ in tokenizer.words(text):
                counts[word] += 1
        for word, _ in tokenizer.words(document["name"]):
            owners.setdefault(word, set()).add(docid)
    candidates = sorted(
        word
        for word, docs in owners.items()
        if len(docs) == 1 and counts[word] == 1 and len(word) >= MIN_LENGTH and word.isalpha()
    )
    rng = random.Random(7)
    rng.shuffle(candidates)
    out: list[tuple[str, int]] = []
    with built.index.read() as txn:
        dictionary = WordDictionary(built.index, txn)
        for word in candidates:
            edited = _edit(word, rng)
            if len(edited) >= 5 and edited != word and not dictionary.contains(edited):
                out.append((edited, next(iter(owners[word]))))
            if len(out) == QUERIES:
                break
    return out


def test_single_edit_queries_find_the_package(
    golden_index: Callable[[str], SmallIndex],
) -> None:
    built = golden_index("pypi")
    queries = _queries(built)
    assert len(queries) == QUERIES
    found = sum(1 for q, docid in queries if docid in built.search(q + " ", limit=10).docids)
    assert found / len(queries) >= 0.95, f"{found} of {len(queries)} found"


def test_exact_matches_rank_above_typo_matches(
    golden_index: Callable[[str], SmallIndex],
) -> None:
    built = golden_index("pypi")
    for q in ("request ", "plugin ", "client ", "server ", "parser "):
        result = built.search(q, limit=1000, show_ranking_score_details=True)
        assert result.details is not None
        typos = [detail["typo"]["typoCount"] for detail in result.details]
        assert typos == sorted(typos)
        assert typos[0] == 0 and typos[-1] > 0
