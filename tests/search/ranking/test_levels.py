from __future__ import annotations

from pyroaring import BitMap

from lumi.search.ranking.levels import LevelSum

# term 0: doc 1 at level 0, doc 2 at level 1 (and 0: the best counts), doc 3 unknown
# term 1: doc 1 at level 1, doc 2 at level 0, doc 3 at level 0
TERM0 = {0: BitMap([1, 2]), 1: BitMap([2, 3])}
TERM1 = {0: BitMap([2, 3]), 1: BitMap([1])}


def test_documents_by_total_level() -> None:
    levels = LevelSum(
        [
            (lambda level: TERM0.get(level, BitMap()), 2),
            (lambda level: TERM1.get(level, BitMap()), 2),
        ],
        BitMap([1, 2, 3]),
    )
    assert levels.max_total == 4
    universe = BitMap([1, 2, 3])
    assert [list(levels.bucket(total, universe)) for total in range(5)] == [[2], [1, 3], [], [], []]


def test_unknown_documents_go_to_the_top_level() -> None:
    levels = LevelSum([(lambda level: BitMap([1]) if level == 0 else BitMap(), 2)], BitMap([1, 2]))
    assert [list(levels.bucket(total, BitMap([1, 2]))) for total in range(3)] == [[1], [], [2]]
