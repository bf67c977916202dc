"""Log targets: which level each logger gets."""

from __future__ import annotations

import logging

import pytest

from lumi.http.logs import parse_target
from lumi.http.validation import Invalid

OFF = logging.CRITICAL + 10


@pytest.mark.parametrize(
    ("target", "logger", "level"),
    [
        ("info", "lumi.http", logging.INFO),
        ("WARN", "anything", logging.WARNING),
        ("trace", "lumi", logging.DEBUG),
        ("off", "lumi", OFF),
        ("lumi.http=debug", "lumi.http.requests", logging.DEBUG),
        ("lumi.http=debug", "lumi.search", OFF),
        ("error,lumi.http=debug", "lumi.search", logging.ERROR),
        ("lumi=warn,lumi.http=debug", "lumi.http", logging.DEBUG),
        ("lumi=warn,lumi.http=debug", "lumi.httpx", logging.WARNING),
        ("lumi.search", "lumi.search.query", logging.DEBUG),
        (" info , lumi.scheduler=off ", "lumi.scheduler", OFF),
    ],
)
def test_each_logger_gets_the_most_specific_directive(target: str, logger: str, level: int) -> None:
    assert parse_target(target).level_for(logger) == level


def test_the_lowest_level_lets_records_through() -> None:
    assert parse_target("error,lumi.http=debug").lowest == logging.DEBUG
    assert parse_target("off").lowest == OFF


@pytest.mark.parametrize("target", ["lumi=loud", "=info"])
def test_bad_directives_are_refused(target: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_target(target)
    assert refused.value.message == f"`{target}` is not a valid log directive"
