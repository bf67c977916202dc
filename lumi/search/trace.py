"""Timings of the steps of a search, for ``performanceDetails``.

A response with ``showPerformanceDetails`` maps step names to durations. Names are
hierarchical with ``" > "`` (``search > format`` is part of ``search``); a step that runs
several times, like the searches of a federated request, shows the sum of its runs.
Durations read like ``"295.29µs"`` or ``"3.56ms"``: two decimals in the largest unit (ns,
µs, ms, s) that keeps the value at 1 or more.

Steps of one search (``lumi.search.perform``): ``search > check parameters`` (attributes
checked against the settings, ``_foreign`` filters resolved), ``search > keyword ranking``
or ``search > placeholder ranking`` (the engine: filter evaluation, query matching and
ranking), ``search > format`` (hits and pagination), ``search > facet distribution`` (when
facets were asked for) and ``search`` (the whole search). Federated searches add the
``federating results > ...`` steps of ``lumi.search.federation``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from lumi.search.pipeline import EngineResult

_UNITS = ((1e9, "s"), (1e6, "ms"), (1e3, "µs"))


def format_duration(seconds: float) -> str:
    """``seconds`` as a response shows it: ``"1.50s"``, ``"3.56ms"``, ``"295.29µs"``..."""
    nanos = seconds * 1e9
    for size, unit in _UNITS:
        if nanos >= size:
            return f"{nanos / size:.2f}{unit}"
    return f"{max(nanos, 0.0):.2f}ns"


class Timings:
    """Durations of named steps in the order they first ended, summed over their runs."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        steps = self.steps
        steps[name] = steps.get(name, 0.0) + seconds

    def since(self, name: str, began: float) -> float:
        """Record ``name`` as lasting from ``began`` until now; returns now, where the next
        step begins."""
        now = time.perf_counter()
        self.add(name, now - began)
        return now

    def merge(self, steps: Mapping[str, float]) -> None:
        for name, seconds in steps.items():
            self.add(name, seconds)

    def view(self) -> dict[str, str]:
        """The ``performanceDetails`` object."""
        return {name: format_duration(seconds) for name, seconds in self.steps.items()}


@dataclass(slots=True)
class SearchTrace:
    """What a caller running searches for its own ends learns besides the response: the
    engine's result (candidates and page docids, which federated facets and distinct read)
    and the timings, which several searches may share."""

    timings: Timings = field(default_factory=Timings)
    result: EngineResult | None = None
