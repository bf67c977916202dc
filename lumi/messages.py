"""The wording shared by every validation message, so they all read alike.

How a JSON value is named and quoted (``a positive integer``, `` `"doggo"` ``), how lists of
names are written, and the ``did you mean`` hint with its typo budget: the HTTP validation,
the settings validation and the API-key validation all print values and hints through
these functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import orjson


def kind_of(value: Any) -> str:
    """How a JSON value's kind is named in messages (``0`` counts as a positive integer)."""
    kind = type(value)
    if kind is str:
        return "a string"
    if kind is bool:
        return "a boolean"
    if kind is int:
        return "a positive integer" if value >= 0 else "a negative integer"
    if kind is float:
        return "a number"
    if kind is list:
        return "an array"
    if kind is dict:
        return "an object"
    return "null"


def compact_json(value: Any) -> str:
    """``value`` printed as the reference server quotes it in messages: compact, keys in
    insertion order, non-ASCII kept, floats in shortest form (``1e20``, ``1.5e-7``)."""
    kind = type(value)
    if kind is str:
        return orjson.dumps(value).decode()
    if kind is float:
        return format_float(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    if kind is dict:
        items = (f"{compact_json(str(k))}:{compact_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    return "[" + ",".join(compact_json(item) for item in value) + "]"


def format_float(value: float) -> str:
    """The shortest round-trip form, laid out like the reference server's float printer:
    plain notation for magnitudes in [1e-5, 1e16), scientific with a bare exponent beyond."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    text = repr(value)
    sign = "-" if text[0] == "-" else ""
    mantissa, _, exp = text.lstrip("-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    exponent = (int(exp) if exp else 0) - len(fraction)
    trimmed = digits.rstrip("0")
    exponent += len(digits) - len(trimmed)
    digits = trimmed
    point = len(digits) + exponent
    if exponent >= 0 and point <= 16:
        body = digits + "0" * exponent + ".0"
    elif 0 < point <= 16:
        body = f"{digits[:point]}.{digits[point:]}"
    elif -5 < point <= 0:
        body = "0." + "0" * -point + digits
    elif len(digits) == 1:
        body = f"{digits}e{point - 1}"
    else:
        body = f"{digits[0]}.{digits[1:]}e{point - 1}"
    return sign + body


def backticked(names: Iterable[str]) -> str:
    """Names quoted and joined the way messages list them: `` `a`, `b`, `c` ``."""
    return ", ".join(f"`{name}`" for name in names)


def did_you_mean(received: str, accepted: Iterable[str]) -> str:
    """``did you mean `x`? `` for the closest accepted name within a typo budget, else "".

    The budget grows with the length of what was received (in bytes): nothing for 3 bytes
    or fewer, then 1, 2, 3, 4 and at most 5 edits; ties go to the first declared name.
    """
    size = len(received.encode())
    if size <= 3:
        return ""
    budget = 1 if size <= 7 else 2 if size <= 12 else 3 if size <= 17 else 4 if size <= 24 else 5
    best, best_distance = None, budget + 1
    for name in accepted:
        distance = edit_distance(received, name)
        if distance < best_distance:
            best, best_distance = name, distance
    return "" if best is None else f"did you mean `{best}`? "


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (unrestricted: a transposed pair may be edited again)."""
    big = len(a) + len(b)
    # Row/column 0 hold the sentinel; table[i + 1][j + 1] is the distance of a[:i] and b[:j].
    table = [[big] * (len(b) + 2) for _ in range(len(a) + 2)]
    for i in range(len(a) + 1):
        table[i + 1][1] = i
    for j in range(len(b) + 1):
        table[1][j + 1] = j
    last_row: dict[str, int] = {}
    for i in range(1, len(a) + 1):
        last_match_column = 0
        for j in range(1, len(b) + 1):
            k = last_row.get(b[j - 1], 0)
            col = last_match_column
            cost = 1
            if a[i - 1] == b[j - 1]:
                cost = 0
                last_match_column = j
            table[i + 1][j + 1] = min(
                table[i][j] + cost,
                table[i + 1][j] + 1,
                table[i][j + 1] + 1,
                table[k][col] + (i - k - 1) + 1 + (j - col - 1),
            )
        last_row[a[i - 1]] = i
    return table[len(a) + 1][len(b) + 1]


def mask_secret(value: str) -> str:
    """A secret as users read it back (embedder and chat API keys, export keys, webhook
    authorization): a few leading characters, more for longer secrets, then ``X``s."""
    size = len(value)
    keep, hidden = (
        (0, "XXX...")
        if size < 10
        else (2, "XXXX...")
        if size < 20
        else (3, "XXXXX...")
        if size < 30
        else (5, "XXXXXX...")
    )
    return value[:keep] + hidden
