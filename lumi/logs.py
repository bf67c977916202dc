"""Logging set-up shared by every Lumi process."""

from __future__ import annotations

import logging
import sys

_LEVELS = {
    "OFF": logging.CRITICAL + 10,
    "ERROR": logging.ERROR,
    "WARN": logging.WARNING,
    "INFO": logging.INFO,
    "DEBUG": logging.DEBUG,
    "TRACE": logging.DEBUG,
}


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=_LEVELS.get(level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
