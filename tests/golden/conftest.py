"""One index per golden dataset for the whole session (building the PyPI sample takes a few
seconds)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.golden.datasets import load
from tests.search.word_index import SmallIndex


@pytest.fixture(scope="session")
def golden_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], SmallIndex]]:
    built: dict[str, SmallIndex] = {}

    def get(dataset: str) -> SmallIndex:
        if dataset not in built:
            index = SmallIndex(tmp_path_factory.mktemp(f"golden-{dataset}"))
            index.index.env.set_mapsize(2 * 1024**3)
            index.add(load(dataset))
            built[dataset] = index
        return built[dataset]

    yield get
    for index in built.values():
        index.index.close()
