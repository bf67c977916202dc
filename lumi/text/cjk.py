"""Word segmentation for Chinese and Japanese, whose words are not separated by spaces.

A run of Chinese/Japanese script is split into sub-runs of ideographs, hiragana, katakana and
anything else (digits, symbols). Ideograph sub-runs are segmented with the ``jieba`` Chinese
dictionary (no HMM guessing), and every dictionary word longer than two characters is cut
further into the dictionary bigrams or trigrams it starts with (else single characters), which
is how Meilisearch (Charabia) segments Chinese: ``中华人民共和国`` gives ``中华 人民 共和 国``.

Japanese gets the same treatment for its kanji, and each hiragana or katakana sub-run is one
word (the long vowel mark ``ー`` belongs to both kinds of run). This approximates a Japanese
morphological analyser without its dictionary; what matters most is that a query and a
document cut the same text the same way, which holds because the cut never depends on the
language guessed for the whole text.

jieba's dictionary takes about a second to load, so it is loaded on the first ideograph seen,
with its log output silenced.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

_HIRAGANA = "\u3040-\u309f\u30fc"
_KATAKANA = "\u30a0-\u30ff"
_HAN = (
    "\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3005\u3007\u3021-\u3029\u3038-\u303b"
    "\u3400-\u4db5\u4e00-\u9fcc\uf900-\ufa6d\ufa70-\ufad9"
)
_PARTS = re.compile(f"[{_HIRAGANA}]+|[{_KATAKANA}]+|[{_HAN}]+|[^{_HIRAGANA}{_KATAKANA}{_HAN}]+")
_IS_HAN = re.compile(f"[{_HAN}]")

_lock = threading.Lock()
_jieba: Any = None


def _dictionary() -> Any:
    """jieba's default tokenizer, loaded on first use."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.CRITICAL)
                jieba.dt.initialize()
                _jieba = jieba.dt
    return _jieba


def _chinese_words(han: str) -> Iterator[str]:
    """Dictionary words of an ideograph run, long words cut into known bigrams/trigrams."""
    dictionary = _dictionary()
    known = dictionary.FREQ  # also holds every prefix of a word, with frequency 0
    for word in dictionary.cut(han, HMM=False):
        if len(word) <= 2:
            yield word
            continue
        start, end = 0, len(word)
        while start < end:
            if start + 2 <= end and known.get(word[start : start + 2], 0) > 0:
                step = 2
            elif start + 3 <= end and known.get(word[start : start + 3], 0) > 0:
                step = 3
            else:
                step = 1
            yield word[start : start + step]
            start += step


def segment(run: str) -> list[str]:
    """Cut a run of Chinese/Japanese script (possibly with digits or symbols) into words;
    the pieces are contiguous and cover the whole run."""
    words: list[str] = []
    for part in _PARTS.findall(run):
        if _IS_HAN.match(part):
            words.extend(_chinese_words(part))
        else:
            words.append(part)
    return words
