"""Which strings separate words, and how strongly.

Meilisearch segments text with Charabia 0.9, whose default separator table is *not* simply
"every punctuation character": it holds most characters of the Unicode categories Pc, Pd, Ps,
Pe, Pi, Pf, Po, Sm, Zs, Zl and Zp, plus tab, newline, carriage return, NUL, backtick and ZWNJ,
but it leaves out, among others, ``$ < = > ^ | ~``, the no-break space, arrows and most
mathematical operator blocks. Those characters therefore stay inside words (``a=b`` is one
word, ``red|green`` too unless ``|`` is added with ``separatorTokens``). The tables below are
that set, written as code point ranges so the result does not depend on the Unicode version
of the running Python.

A separator is *hard* (a change of context: word distance 8) when it is a sentence-level mark:
``! ; ? ¡ ¿ § ¶`` and their equivalents in other scripts, plus the two-character separators
``". "`` and ``", "``. A lone ``.`` or ``,`` (as in ``3.14`` or ``1,000``) is a *soft*
separator, so numbers split into their digit groups with distance 1. Spaces, brackets, quotes,
dashes, ``:``, ``/`` and every other separator are soft.

Segmentation is leftmost-longest over the separator strings and the ``dictionary`` entries,
like an Aho-Corasick automaton in leftmost-longest mode: at the first position where any of
them matches, the longest one wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SOFT = "soft"
HARD = "hard"

# Single-character default separators, as hexadecimal code point ranges.
_DEFAULT_RANGES = """
0 9-A D 20-23 25-2F 3A-3B 3F-40 5B-5D 5F-60 7B 7D A1 A7 AB B1 B6-B7 BB BF D7 F7 55A-55F
589-58A 5BE 5C0 5C3 5C6 5F3-5F4 609-60A 60C-60D 61B 61E-61F 66A 66D 6D4 700-70D 7F7-7F9
830-83E 85E 964-965 970 9FD A76 AF0 C77 C84 DF4 E4F E5A-E5B F04-F0B F0D-F12 F14 F3A-F3D
F85 FD0-FD4 FD9-FDA 104A-104F 10FB 1360-1368 1400 166E 1680 169B-169C 16EB-16ED 1735-1736
17D4-17D6 17D8-17DA 1800-180A 1944-1945 1A1E-1A1F 1AA0-1AA6 1AA8-1AAD 1B5A-1B60 1BFC-1BFF
1C3B-1C3F 1C7E-1C7F 1CC0-1CC7 1CD3 2002-200A 200C 2010 2012-2027 2029 2030-2043 2045-2051
2053-205E 207D-207E 208D-208E 2212-2225 2227-228D 228F-22FF 2308-230B 2768-2775 27C5-27C6
27E6-27EF 2983-2998 29D8-29DB 29FC-29FD 2CF9-2CFC 2CFE-2CFF 2D70 2E00-2E2E 2E30-2E4F 2E52
3000-3003 3008-3011 3014-301F 3030 303D 30A0 30FB A4FE-A4FF A60D-A60F A673 A67E A6F2-A6F7
A874-A877 A8CE-A8CF A8F8-A8FA A8FC A92E-A92F A95F A9C1-A9CD A9DE-A9DF AA5C-AA5F AADE-AADF
AAF0-AAF1 ABEB FD3E-FD3F FE10-FE19 FE30-FE52 FE54-FE61 FE63 FE68 FE6A-FE6B FF01-FF03
FF05-FF0A FF0C-FF0F FF1A-FF1B FF1F-FF20 FF3B-FF3D FF3F FF5B FF5D FF5F-FF65 10100-10102
1039F 103D0 1056F 10857 1091F 1093F 10A50-10A58 10A7F 10AF0-10AF6 10B39-10B3F 10B99-10B9C
10EAD 10F55-10F59 11047-1104D 110BB-110BC 110BE-110C1 11140-11143 11174-11175 111C5-111C8
111CD 111DB 111DD-111DF 11238-1123D 112A9 1144B-1144F 1145A-1145B 1145D 114C6 115C1-115D7
11641-11643 11660-1166C 1173C-1173E 1183B 11944-11946 119E2 11A3F-11A46 11A9A-11A9C
11A9E-11AA2 11C41-11C45 11C70-11C71 11EF7-11EF8 11FFF 12470-12474 16A6E-16A6F 16AF5
16B37-16B3B 16B44 16E97-16E9A 16FE2 1BC9F 1DA87-1DA8B 1E95E-1E95F
"""

# Single-character hard separators (sentence and clause marks), same notation.
_HARD_RANGES = """
0 21 3B 3F A1 A7 B4 B6 BF 55C-55E 589 5C3 60C 61B 61F 6D4 700-709 7F7-7F9 830-835 838-83E
85E 964-965 DF4 E5A-E5B F04-F0A F0D-F12 F14 FD0-FD4 104A-104B 10FB 1362-1368 169B-169C
16EB-16ED 1735-1736 17D4-17D6 17D8 17DA 1800-1806 1808-1809 1944-1945 1A1F 1AA8-1AAD
1B5A-1B60 1BFC-1BFF 1C3B-1C3F 1C7E-1C7F 1CC0-1CC7 2024-2026 203B-203D 2047-2049 204F 2056
205A 2CF9-2CFC 2CFE 2E18 2E2E 2E41 3001-3002 A4FE-A4FF A60D-A60F A6F2-A6F7 A876-A877
A8CE-A8CF A92F A95F A9C3-A9CD AA5C-AA5F AADF AAF0-AAF1 ABEB FE10-FE16 FE19 FE30 FE45
FE50-FE52 FE54-FE57 FF01 FF0C FF0E FF1A-FF1B FF1F FF61 FF64 10857 10A50-10A58 10AF0-10AF5
10B3A-10B3F 10B99-10B9C 10F55-10F59 11047-1104D 110BE-110C1 11140-11143 11175 111C5-111C6
111CD 111DE-111DF 11238-11239 1123B-1123C 112A9 1144B-1144D 1145A 115C2-115C3 115C9-115D7
11641-11642 11660-1166C 1173C-1173E 11944 11946 11A3F-11A46 11A9A-11A9C 11A9E-11AA2
11C41-11C42 11C70-11C71 11EF7-11EF8 11FFF 12471-12474 16A6E-16A6F 16AF5 16B37-16B39 16B44
16E97-16E9A 1BC9F 1DA87-1DA8A 1E95E-1E95F
"""

# Multi-character separators; all three are hard.
_MULTI = (". ", ", ", "\u17d4\u179b\u17d4")


def _expand(ranges: str) -> frozenset[str]:
    """Turn the ``A-B C`` hexadecimal notation into the set of characters it covers."""
    chars: set[str] = set()
    for item in ranges.split():
        first, _, last = item.partition("-")
        start = int(first, 16)
        chars.update(chr(cp) for cp in range(start, int(last or first, 16) + 1))
    return frozenset(chars)


DEFAULT_SEPARATORS: frozenset[str] = _expand(_DEFAULT_RANGES) | frozenset(_MULTI)
HARD_SEPARATORS: frozenset[str] = _expand(_HARD_RANGES) | frozenset(_MULTI)


def separator_kind(lemma: str) -> str:
    """``HARD`` for sentence-level separators, ``SOFT`` for every other separator."""
    return HARD if lemma in HARD_SEPARATORS else SOFT


def separator_set(extra: Iterable[str], removed: Iterable[str]) -> frozenset[str]:
    """The separators of an index: defaults plus ``separatorTokens`` minus
    ``nonSeparatorTokens`` (removal wins when a string is in both lists)."""
    return (DEFAULT_SEPARATORS | frozenset(extra)) - frozenset(removed) - {""}


def _char_class(points: list[int]) -> str:
    """A regex character class for sorted code points, compacted into ranges."""
    parts: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        first, last = re.escape(chr(points[i])), re.escape(chr(points[j]))
        parts.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def _any_char(chars: Iterable[str]) -> str:
    """A regex matching one of ``chars``. Characters beyond the BMP get their own class behind
    a cheap guard: mixed into one class they make the regex engine test every range for every
    character of the text, about three times slower."""
    points = sorted({ord(c) for c in chars})
    bmp = [p for p in points if p < 0x10000]
    astral = [p for p in points if p >= 0x10000]
    alternatives = [_char_class(bmp)] if bmp else []
    if astral:
        alternatives.append("(?=[\U00010000-\U0010ffff])" + _char_class(astral))
    return "|".join(alternatives)


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` shaped as a trie, so that the regex engine (which takes
    the first alternative that matches) returns the longest word starting at a position and
    only branches on the next character."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node_pattern(trie)


def _node_pattern(node: dict[str, dict]) -> str:
    branches = []
    for ch, child in sorted(node.items()):
        if not ch:
            continue
        chain = [ch]  # follow single-child links without recursing: long entries stay flat
        while len(child) == 1 and "" not in child:
            ((next_ch, child),) = child.items()
            chain.append(next_ch)
        branches.append(re.escape("".join(chain)) + _node_pattern(child))
    if not branches:
        return ""
    if "" in node:  # a word ends here: try the longer continuations first, then stop
        return "(?:" + "|".join(branches) + ")?"
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def split_pattern(separators: frozenset[str], dictionary: Iterable[str] = ()) -> re.Pattern[str]:
    """A capturing pattern for ``re.split``: odd items of the split are separator or dictionary
    matches (kept whole), even items are the text between them (to be segmented further).

    Longer strings are tried before shorter ones at each position; single-character separators
    come last, as one character class."""
    singles = {s for s in separators if len(s) == 1}
    longer = {s for s in separators if len(s) > 1} | {w for w in dictionary if w}
    alternatives = []
    if longer:
        alternatives.append(_trie_pattern(longer))
    if singles:
        alternatives.append(_any_char(singles))
    if not alternatives:
        return re.compile("((?!))")  # no separators at all: never matches
    return re.compile("(" + "|".join(alternatives) + ")")


DEFAULT_SPLIT = split_pattern(DEFAULT_SEPARATORS)
