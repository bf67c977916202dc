"""Time as Lumi stores it (integer nanoseconds since the epoch, UTC) and as clients see it.

Timestamps print as RFC 3339 in UTC with the fractional part trimmed of trailing zeros;
durations print as ISO 8601 (``PT0.009330S``) with 0, 3, 6 or 9 fraction digits depending on
the precision needed, days split off, seconds never split into minutes or hours.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NS = 1_000_000_000


def now_ns() -> int:
    return time.time_ns()


def rfc3339(ns: int | None) -> str | None:
    """``2024-08-08T09:01:13.348471Z`` from nanoseconds; None stays None."""
    if ns is None:
        return None
    secs, frac = divmod(ns, _NS)
    base = (_EPOCH + timedelta(seconds=secs)).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        return f"{base}.{frac:09d}".rstrip("0") + "Z"
    return base + "Z"


def iso_duration(ns: int | None) -> str | None:
    """ISO 8601 duration of ``ns`` nanoseconds; negative or None gives None."""
    if ns is None or ns < 0:
        return None
    days, rest = divmod(ns, 86_400 * _NS)
    secs, frac = divmod(rest, _NS)
    out = "P"
    if days:
        out += f"{days}D"
    if rest or not days:
        if frac == 0:
            fraction = ""
        elif frac % 1_000_000 == 0:
            fraction = f".{frac // 1_000_000:03d}"
        elif frac % 1_000 == 0:
            fraction = f".{frac // 1_000:06d}"
        else:
            fraction = f".{frac:09d}"
        out += f"T{secs}{fraction}S"
    return out


_DATE_ONLY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_rfc3339(value: str) -> int | None:
    """Nanoseconds of an RFC 3339 date-time, or None when it does not parse."""
    m = _RFC3339.match(value)
    if not m:
        return None
    year, month, day, hour, minute, sec, frac, zone = m.groups()
    try:
        dt = datetime(int(year), int(month), int(day), int(hour), int(minute), int(sec), tzinfo=UTC)
    except ValueError:
        return None
    ns = int(dt.timestamp()) * _NS
    if frac:
        ns += int(frac[1:].ljust(9, "0"))
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        offset = (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60) * _NS
        ns -= sign * offset
    return ns


def parse_date(value: str) -> int | None:
    """Nanoseconds of midnight UTC for ``YYYY-MM-DD``, or None."""
    m = _DATE_ONLY.match(value)
    if not m:
        return None
    try:
        dt = datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC)
    except ValueError:
        return None
    return int(dt.timestamp()) * _NS


def from_datetime(dt: datetime) -> int:
    return int(dt.timestamp()) * _NS + dt.microsecond * 1000
