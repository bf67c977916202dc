from __future__ import annotations

import pytest

from lumi.index.payloads.formats import (
    PayloadFormat,
    format_from_content_type,
    validate_csv_delimiter,
)
from tests.index.payloads.support import error_of

JSON, NDJSON, CSV = PayloadFormat.JSON, PayloadFormat.NDJSON, PayloadFormat.CSV
ACCEPTED = "`application/json`, `application/x-ndjson`, `text/csv`"


@pytest.mark.parametrize(
    ("header", "delimiter", "expected"),
    [
        ("application/json", None, JSON),
        ("application/json; charset=utf-8", None, JSON),
        ("Application/JSON", None, JSON),
        ("application/x-ndjson", None, NDJSON),
        ("application/x-ndjson;charset=UTF-8", None, NDJSON),
        ("text/csv", None, CSV),
        ("text/csv; charset=utf-8", ";", CSV),
        ("text/csv", "\t", CSV),
    ],
)
def test_accepted_content_types(header: str, delimiter: str | None, expected) -> None:
    assert format_from_content_type(header, delimiter) is expected


@pytest.mark.parametrize(
    ("header", "delimiter", "code", "message"),
    [
        (
            None,
            None,
            "missing_content_type",
            f"A Content-Type header is missing. Accepted values for the Content-Type header "
            f"are: {ACCEPTED}",
        ),
        (
            None,
            ";",
            "missing_content_type",
            f"A Content-Type header is missing. Accepted values for the Content-Type header "
            f"are: {ACCEPTED}",
        ),
        (
            "text/plain; charset=utf-8",
            None,
            "invalid_content_type",
            f"The Content-Type `text/plain` is invalid. Accepted values for the Content-Type "
            f"header are: {ACCEPTED}",
        ),
        (
            "application/xml",
            ";",
            "invalid_content_type",
            f"The Content-Type `application/xml` is invalid. Accepted values for the "
            f"Content-Type header are: {ACCEPTED}",
        ),
        (
            "nonsense",
            None,
            "invalid_content_type",
            f"The Content-Type `nonsense` is invalid. Accepted values for the Content-Type "
            f"header are: {ACCEPTED}",
        ),
        (
            "application/json",
            ";",
            "invalid_content_type",
            "The Content-Type `application/json` does not support the use of a csv delimiter. "
            "The csv delimiter can only be used with the Content-Type `text/csv`.",
        ),
        (
            "application/x-ndjson; charset=utf-8",
            ",",
            "invalid_content_type",
            "The Content-Type `application/x-ndjson` does not support the use of a csv "
            "delimiter. The csv delimiter can only be used with the Content-Type `text/csv`.",
        ),
        (
            "text/csv",
            "é",
            "invalid_document_csv_delimiter",
            "csv delimiter must be an ascii character. Found: `é`",
        ),
        (
            None,
            "é",
            "invalid_document_csv_delimiter",
            "csv delimiter must be an ascii character. Found: `é`",
        ),
        (
            "text/csv",
            ";;",
            "invalid_document_csv_delimiter",
            "Invalid value in parameter `csvDelimiter`: expected a string of one character, "
            "but found the following string of 2 characters: `;;`",
        ),
        (
            "text/csv",
            "",
            "invalid_document_csv_delimiter",
            "Invalid value in parameter `csvDelimiter`: expected a string of one character, "
            "but found the following string of 0 characters: ``",
        ),
    ],
)
def test_rejected_content_types(
    header: str | None, delimiter: str | None, code: str, message: str
) -> None:
    assert error_of(format_from_content_type, header, delimiter) == (code, message)


def test_validate_csv_delimiter_returns_the_delimiter() -> None:
    assert validate_csv_delimiter("|") == "|"
