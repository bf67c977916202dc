"""The payload format of a documents request, from ``Content-Type`` and ``csvDelimiter``."""

from __future__ import annotations

import enum
import re

from lumi.errors import LumiError


class PayloadFormat(enum.Enum):
    """A documents payload format; the value is the name used in error messages."""

    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"


_ACCEPTED = "`application/json`, `application/x-ndjson`, `text/csv`"
_FORMATS = {
    "application/json": PayloadFormat.JSON,
    "application/x-ndjson": PayloadFormat.NDJSON,
    "text/csv": PayloadFormat.CSV,
}
_MIME_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+/[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def format_from_content_type(ct: str | None, csv_delimiter: str | None) -> PayloadFormat:
    """The payload format of a documents request, validating ``csvDelimiter`` on the way.

    ``ct`` is the raw ``Content-Type`` header (None when absent); parameters such as
    ``charset`` are ignored. ``csv_delimiter`` is the raw query parameter (None when absent).
    """
    if csv_delimiter is not None:
        validate_csv_delimiter(csv_delimiter)
    if ct is None:
        raise LumiError(
            "missing_content_type",
            "A Content-Type header is missing. "
            f"Accepted values for the Content-Type header are: {_ACCEPTED}",
        )
    essence = ct.split(";", 1)[0].strip()
    if _MIME_TOKEN.fullmatch(essence) is None:
        shown = ct
    else:
        shown = essence.lower()
        fmt = _FORMATS.get(shown)
        if fmt is PayloadFormat.CSV or (fmt is not None and csv_delimiter is None):
            return fmt
        if fmt is not None:
            raise LumiError(
                "invalid_content_type",
                f"The Content-Type `{shown}` does not support the use of a csv delimiter. "
                "The csv delimiter can only be used with the Content-Type `text/csv`.",
            )
    raise LumiError(
        "invalid_content_type",
        f"The Content-Type `{shown}` is invalid. "
        f"Accepted values for the Content-Type header are: {_ACCEPTED}",
    )


def validate_csv_delimiter(value: str) -> str:
    """A ``csvDelimiter`` must be exactly one ASCII character."""
    if len(value) != 1:
        raise LumiError(
            "invalid_document_csv_delimiter",
            "Invalid value in parameter `csvDelimiter`: expected a string of one character, "
            f"but found the following string of {len(value)} characters: `{value}`",
        )
    if not value.isascii():
        raise LumiError(
            "invalid_document_csv_delimiter",
            f"csv delimiter must be an ascii character. Found: `{value}`",
        )
    return value
