"""Parse a documents payload of any format into dicts, in payload order."""

from __future__ import annotations

from lumi.errors import LumiError
from lumi.gc_tuning import collector_paused
from lumi.index.payloads.csv_documents import parse_csv
from lumi.index.payloads.formats import PayloadFormat
from lumi.index.payloads.json_documents import parse_json, parse_ndjson


def parse_documents(raw: bytes, fmt: PayloadFormat, csv_delimiter: str = ",") -> list[dict]:
    """Every document of a payload, in payload order.

    Raises ``missing_payload`` for an empty body and ``malformed_payload`` for anything
    that is not a JSON object / array of objects, a stream of NDJSON objects, or a CSV table.
    """
    if not raw:
        raise LumiError("missing_payload", f"A {fmt.value} payload is missing.")
    with collector_paused():
        if fmt is PayloadFormat.JSON:
            return parse_json(raw)
        if fmt is PayloadFormat.NDJSON:
            return parse_ndjson(raw)
        return parse_csv(raw, csv_delimiter)
