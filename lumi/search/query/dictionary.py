"""The index's word dictionary: exact words, words by prefix, and typo derivations.

The dictionary is the sorted key space of ``word_docids`` (and ``reversed_words``, the same
words spelled backwards) read through LMDB cursors, so a reader process never builds or
refreshes an in-memory copy: every snapshot is consistent with the postings it reads.

Typo derivations use the restricted Damerau-Levenshtein distance (a swap of two adjacent
letters costs 1) and are found by enumerating edits of the query word that stay inside
the dictionary's prefixes: an edit at position ``i`` is only tried when some word starts
with the ``i`` letters before it, and substituted or inserted letters are only those that
follow that prefix in some word. This walks a handful of LMDB keys per letter (about
0.1-0.3 ms per word). Two typos take two edits; to keep the second walk in the sparse part
of the key space, words whose two edits both fall in the first half are found from the
reversed dictionary instead.

First-letter rule: typos never touch the first letter, except that with a two-typo budget a
word one edit away with another first letter is a two-typo derivation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import lmdb

from lumi.index.index import Index
from lumi.storage.env import Txn

MAX_ONE_TYPO = 150
MAX_TWO_TYPOS = 50
MAX_PREFIXED = 1_000
# LMDB probes one typo search may make: bounds its time (about 2 ms) on any dictionary.
MAX_PROBES = 3_000

Exists = Callable[[str], bool]


class _Keys:
    """Prefix questions on one sorted sub-database of utf-8 keys."""

    def __init__(self, txn: Txn, db: lmdb._Database) -> None:
        self.txn = txn
        self.db = db
        self.cursor = txn.cursor(db)
        self._prefix: dict[str, bool] = {}
        self._children: dict[str, list[str]] = {}
        self.probes = 0

    @property
    def exhausted(self) -> bool:
        return self.probes >= MAX_PROBES

    def word(self, word: str) -> bool:
        return self.txn.get(word.encode(), db=self.db) is not None

    def prefix(self, prefix: str) -> bool:
        """Whether some key starts with ``prefix``."""
        known = self._prefix.get(prefix)
        if known is None:
            raw = prefix.encode()
            self.probes += 1
            known = self.cursor.set_range(raw) and self.cursor.key().startswith(raw)
            self._prefix[prefix] = known
        return known

    def children(self, prefix: str, block: int | None = None) -> list[str]:
        """The letters that follow ``prefix`` in some key, in order; only those of one
        block of 128 code points when ``block`` is given."""
        known = self._children.get(prefix) if block is None else None
        if known is not None:
            return known
        found: list[str] = []
        raw = prefix.encode()
        size = len(raw)
        cursor = self.cursor
        start = raw if block is None else raw + chr(max(block << 7, 1)).encode()
        end = None if block is None else chr((block + 1) << 7)
        positioned = cursor.set_range(start)
        while positioned:
            key = cursor.key()
            if not key.startswith(raw):
                break
            if len(key) == size:
                positioned = cursor.next()
                continue
            letter = key[size:].decode(errors="ignore")[:1]
            if not letter or (end is not None and letter >= end):
                break
            found.append(letter)
            self.probes += 1
            positioned = cursor.set_range(raw + chr(ord(letter) + 1).encode())
        if block is None:
            self._children[prefix] = found
        return found

    def keys_from(self, prefix: str, limit: int) -> list[str]:
        """Keys starting with ``prefix``, in order, at most ``limit``."""
        raw = prefix.encode()
        out: list[str] = []
        cursor = self.cursor
        if not cursor.set_range(raw):
            return out
        for key in cursor.iternext(values=False):
            if not key.startswith(raw) or len(out) >= limit:
                break
            out.append(key.decode())
        return out


class WordDictionary:
    """Word lookups on one snapshot of an index."""

    def __init__(self, index: Index, txn: Txn) -> None:
        self.words = _Keys(txn, index.db["word_docids"])
        self.exact = _Keys(txn, index.db["exact_word_docids"])
        self.reversed = _Keys(txn, index.db["reversed_words"])

    def contains(self, word: str) -> bool:
        return self.words.word(word) or self.exact.word(word)

    def prefixed(self, prefix: str, limit: int = MAX_PREFIXED) -> list[str]:
        """Words starting with ``prefix`` (typo-tolerant and exact fields), sorted."""
        found = set(self.words.keys_from(prefix, limit))
        found.update(self.exact.keys_from(prefix, limit))
        return sorted(found)[:limit]

    def typos(self, word: str, budget: int, prefix: bool = False) -> tuple[list[str], list[str]]:
        """Derivations of ``word`` with one and with two typos, within ``budget`` (0-2).

        With ``prefix`` the returned strings are prefixes of dictionary words (every word
        starting with one of them matches); otherwise they are words.
        """
        if budget <= 0 or not word:
            return [], []
        keys = self.words
        keys.probes = 0
        final: Exists = keys.prefix if prefix else keys.word
        one = _edits(word, 1, len(word), keys, final)
        one.discard(word)
        if prefix:
            one = {c for c in one if not c.startswith(word)}
        if budget == 1:
            return sorted(one)[:MAX_ONE_TYPO], []
        two = _edits(word, 0, 0, keys, final)
        two.update(_two_edits(word, keys, final))
        if not prefix:
            reverse = self.reversed
            reverse.probes = 0
            backwards = _two_edits_backwards(word[::-1], reverse)
            two.update(w[::-1] for w in backwards)
        two -= one
        two.discard(word)
        if prefix:
            two = {
                c for c in two if not c.startswith(word) and not any(c.startswith(o) for o in one)
            }
        return sorted(one)[:MAX_ONE_TYPO], sorted(two)[:MAX_TWO_TYPOS]


def _edits(word: str, start: int, stop: int, keys: _Keys, final: Exists) -> set[str]:
    """Strings one edit away from ``word`` with the edit at a position in [start, stop]
    (deletion, swap with the next letter, substitution, insertion before it) that ``final``
    accepts."""
    return {candidate for candidate, _ in _edit_steps(word, start, stop, keys) if final(candidate)}


def _edit_steps(word: str, start: int, stop: int, keys: _Keys) -> Iterator[tuple[str, int]]:
    """Every single edit at a position in [start, stop] whose prefix up to the edit exists,
    with the position right after the edited letters (where a next edit may start)."""
    size = len(word)
    for i in range(start, min(stop, size) + 1):
        head = word[:i]
        if keys.exhausted or (i and not keys.prefix(head)):
            return
        # Another first letter is only looked for in the same block of characters.
        following = keys.children(head, ord(word[0]) >> 7) if not i else keys.children(head)
        if i < size:
            yield head + word[i + 1 :], i
            if i + 1 < size and word[i] != word[i + 1]:
                yield head + word[i + 1] + word[i] + word[i + 2 :], i + 2
            tail = word[i + 1 :]
            current = word[i]
            for letter in following:
                if letter != current:
                    yield head + letter + tail, i + 1
        rest = word[i:]
        for letter in following:
            yield head + letter + rest, i + 1


def _two_edits(word: str, keys: _Keys, final: Exists) -> set[str]:
    """Two edits, the first anywhere after the first letter and the second in the second
    half of the word (both in the first half: see ``_two_edits_backwards``)."""
    half = (len(word) + 1) // 2
    found: set[str] = set()
    for first, resume in _edit_steps(word, 1, len(word), keys):
        if keys.exhausted:
            break
        if not keys.prefix(first[:resume]):
            continue
        second_from = max(resume, half + len(first) - len(word))
        found.update(_edits(first, second_from, len(first), keys, final))
    return found


def _two_edits_backwards(backwards: str, keys: _Keys) -> set[str]:
    """Two edits in the first half of a word, enumerated on the word read backwards (whose
    last letter, the word's first, stays untouched)."""
    size = len(backwards)
    frozen = size - (size + 1) // 2
    found: set[str] = set()
    for first, resume in _edit_steps(backwards, frozen, size - 1, keys):
        if not first.endswith(backwards[-1]) or not keys.prefix(first[:resume]):
            continue
        for candidate, _ in _edit_steps(first, resume, len(first) - 1, keys):
            if candidate.endswith(backwards[-1]) and keys.word(candidate):
                found.add(candidate)
        if keys.word(first):
            found.add(first)
    return found
