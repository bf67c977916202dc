"""Garbage-collector settings for Lumi's long-running processes.

Request handling and indexing allocate many short-lived containers; with the default
thresholds the cyclic collector runs thousands of times a second and showed up at 8-13% of
the profiles. Objects created at start-up (modules, the app, tables) are frozen so
collections never scan them again.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection meanwhile: for work that allocates millions of containers that
    stay alive until it ends and form no cycle (parsing a payload, extracting postings), the
    collector would only walk them over and over; in extraction that cost a third of the
    time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
