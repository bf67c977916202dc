"""Building the terms of a parsed query: typo budgets, typo and prefix derivations from the
dictionary, synonyms, n-grams (2-3 consecutive words glued) and splits.

N-grams and splits cost typos, so they are off when typo tolerance is.

Typo budget of a word (search-semantics §3): 0 below ``oneTypo`` characters, 1 below
``twoTypos``, else 2; 0 when typo tolerance is disabled, for ``disableOnWords`` words, for
numbers with ``disableOnNumbers``, and for words longer than 250 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lumi.index.settings import setting_view
from lumi.search.query.dictionary import (
    MAX_ONE_TYPO,
    MAX_PREFIXED,
    MAX_TWO_TYPOS,
    WordDictionary,
)
from lumi.search.query.parse import ParsedQuery, QueryPhrase, QueryWord
from lumi.search.query.postings import PostingReader
from lumi.search.query.terms import MAX_WORD_BYTES, Term
from lumi.text.tokenizer import Tokenizer

PREFIX_KEY_LENGTH = 4  # prefixes this short have their own postings
MAX_SYNONYMS = 50
MAX_SYNONYM_WORDS = 100
FINE_PREFIX_WORDS = 100  # words of a short prefix the per-word rules look at


@dataclass(frozen=True, slots=True)
class TypoRules:
    enabled: bool = True
    one: int = 5
    two: int = 9
    disabled_words: frozenset[str] = frozenset()
    disable_numbers: bool = False

    @classmethod
    def from_settings(cls, settings: dict[str, Any], tokenizer: Tokenizer) -> TypoRules:
        typo = setting_view("typoTolerance", settings)
        sizes = typo["minWordSizeForTypos"]
        return cls(
            enabled=typo["enabled"],
            one=sizes["oneTypo"],
            two=sizes["twoTypos"],
            disabled_words=frozenset(tokenizer.normalize(w) for w in typo["disableOnWords"]),
            disable_numbers=typo["disableOnNumbers"],
        )

    def budget(self, word: str) -> int:
        if not self.enabled or word in self.disabled_words:
            return 0
        if (self.disable_numbers and word.isdigit()) or len(word.encode()) > MAX_WORD_BYTES:
            return 0
        size = len(word)
        if size >= self.two:
            return 2
        return 1 if size >= self.one else 0


@dataclass(slots=True)
class DeriveContext:
    dictionary: WordDictionary
    reader: PostingReader
    typos: TypoRules
    synonyms: dict[tuple[str, ...], list[tuple[str, ...]]]
    prefix_postings: bool  # word_prefix_docids usable (prefix search on, all fields)


def normalized_synonyms(
    settings: dict[str, Any], tokenizer: Tokenizer
) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """``synonyms`` with keys and values tokenized like queries (capped per key)."""
    out: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for key, values in setting_view("synonyms", settings).items():
        words = tuple(word for word, _ in tokenizer.words(key))
        if not words:
            continue
        alternatives = out.setdefault(words, [])
        total = sum(len(a) for a in alternatives)
        for value in values:
            tokens = tuple(word for word, _ in tokenizer.words(value))
            if not tokens or tokens in alternatives or tokens == words:
                continue
            if len(alternatives) >= MAX_SYNONYMS or total + len(tokens) > MAX_SYNONYM_WORDS:
                break
            alternatives.append(tokens)
            total += len(tokens)
    return out


def build_terms(ctx: DeriveContext, parsed: ParsedQuery) -> list[Term]:
    terms: list[Term] = []
    for index, item in enumerate(parsed.terms):
        if isinstance(item, QueryPhrase):
            text = " ".join(word or "" for word in item.words)
            terms.append(Term(index, text, phrase=item.words))
        else:
            terms.append(_word_term(ctx, index, item))
    _add_synonyms(ctx, parsed, terms)
    if ctx.typos.enabled:  # n-grams and splits count as typos
        _add_ngrams(ctx, parsed, terms)
    for term in terms:
        levels = [cost for _, cost in term.ngrams] + [cost for _, cost in term.phrases]
        term.max_typos = max([term.max_typos, *levels])
    return terms


def _word_term(ctx: DeriveContext, index: int, item: QueryWord) -> Term:
    word = item.text
    term = Term(index, word, prefix=item.prefix, exact=[word])
    budget = ctx.typos.budget(word)
    term.max_typos = budget
    if item.prefix:
        _prefix_derivations(ctx, term, budget)
    else:
        one, two = ctx.dictionary.typos(word, budget)
        term.one, term.two = one, two
        split = _best_split(ctx, word) if ctx.typos.enabled else None
        if split is not None:
            term.phrases.append((split, 1))
    return term


def _prefix_derivations(ctx: DeriveContext, term: Term, budget: int) -> None:
    word = term.text
    dictionary = ctx.dictionary
    if ctx.prefix_postings and len(word) <= PREFIX_KEY_LENGTH:
        term.prefix_key = word
        term.prefix_words = [w for w in dictionary.prefixed(word, FINE_PREFIX_WORDS) if w != word]
    else:
        term.prefix_words = [w for w in dictionary.prefixed(word, MAX_PREFIXED) if w != word]
    one, two = dictionary.typos(word, budget, prefix=True)
    term.typo_prefixes = [(p, 1) for p in one] + [(p, 2) for p in two]
    term.one = [w for w in _expand(dictionary, one, MAX_ONE_TYPO) if not w.startswith(word)]
    term.two = [w for w in _expand(dictionary, two, MAX_TWO_TYPOS) if not w.startswith(word)]


def _expand(dictionary: WordDictionary, prefixes: list[str], limit: int) -> list[str]:
    """Typo-tolerant words starting with one of ``prefixes``, at most ``limit``."""
    found: list[str] = []
    for prefix in prefixes:
        found.extend(dictionary.words.keys_from(prefix, limit - len(found)))
        if len(found) >= limit:
            break
    return list(dict.fromkeys(found))


def _best_split(ctx: DeriveContext, word: str) -> tuple[str, str] | None:
    """The split of ``word`` into two indexed words whose rarer half is the most frequent."""
    if len(word) < 2 or len(word.encode()) > MAX_WORD_BYTES:
        return None
    best: tuple[str, str] | None = None
    best_score = 0
    frequency = ctx.reader.frequency
    for cut in range(1, len(word)):
        left = frequency(word[:cut])
        if not left:
            continue
        score = min(left, frequency(word[cut:]))
        if score > best_score:
            best, best_score = (word[:cut], word[cut:]), score
    return best


def _add_synonyms(ctx: DeriveContext, parsed: ParsedQuery, terms: list[Term]) -> None:
    if not ctx.synonyms:
        return
    for start in range(len(terms)):
        for size in (3, 2, 1):
            span = _word_span(parsed, start, size)
            if span is None:
                continue
            for alternative in ctx.synonyms.get(tuple(w.text for w in span), ()):
                if len(alternative) == 1:
                    terms[start].zero.append(alternative[0])
                else:
                    terms[start].phrases.append((alternative, 0))
                for covered in range(start + 1, start + size):
                    terms[covered].zero.extend(w for w in alternative)


def _add_ngrams(ctx: DeriveContext, parsed: ParsedQuery, terms: list[Term]) -> None:
    for start in range(len(terms)):
        for size in (2, 3):
            span = _word_span(parsed, start, size)
            if span is None:
                continue
            glued = "".join(word.text for word in span)
            if span[-1].prefix:
                matched = ctx.dictionary.prefixed(glued, FINE_PREFIX_WORDS)
            else:
                matched = [glued] if ctx.dictionary.contains(glued) else []
            for word in matched:
                terms[start].ngrams.append((word, size - 1))
                for covered in range(start + 1, start + size):
                    terms[covered].zero.append(word)


def _word_span(parsed: ParsedQuery, start: int, size: int) -> list[QueryWord] | None:
    words = [item for item in parsed.terms[start : start + size] if isinstance(item, QueryWord)]
    return words if len(words) == size else None
