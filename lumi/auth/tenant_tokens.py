"""Tenant tokens: JWTs an application signs with one of its API keys to hand a client search
access restricted by per-index rules (and filters) baked into the token.

A token is checked in the order that decides which error a client sees: the header and the
claims must decode (the claims name the signing key, needed to check the signature), then
the algorithm (HMAC only) and the signature, then the token's own expiry, and last the
signing key itself, which must still exist and not be expired. Decoding failures are
reported with the wording JWT libraries on the reference server use, positions included, so
a client debugging a token sees what it would see there.

The HMAC is checked here with ``hmac.compare_digest`` rather than through a JWT library: the
order of the checks and the messages are part of the API, and a library would impose its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from lumi.auth import keys
from lumi.errors import LumiError

_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
_ALGORITHMS = (
    "HS256",
    "HS384",
    "HS512",
    "ES256",
    "ES384",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "EdDSA",
)
_HEADER_TEXT_FIELDS = frozenset(("typ", "cty", "kid", "jku", "x5u", "x5t", "x5t#S256"))
_B64URL = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SYMBOLS = {byte: value for value, byte in enumerate(_B64URL)}
_I64 = 1 << 63
_WHITESPACE = " \t\n\r"
INVALID_API_KEY = "The provided API key is invalid."


@dataclass(frozen=True, slots=True)
class TenantToken:
    """A verified token: the key that signed it, its rules in the token's order as
    ``(index pattern, filter or None)``, and its expiry in unix seconds."""

    key: keys.KeyRecord
    rules: tuple[tuple[str, Any], ...]
    exp: int | None


class _DecodeError(Exception):
    """A JWT that cannot be decoded; the text is what follows "Could not decode tenant token, "."""


def looks_like_jwt(token: str) -> bool:
    """Tokens with fewer than three dot-separated parts are API keys, never JWTs."""
    return token.count(".") >= 2


def decode_tenant_token(
    token: str, find_key: keys.KeyLookup, master_key: str, now_ns: int
) -> TenantToken:
    """The verified token, or ``invalid_api_key`` with the message that explains why not."""
    message, _, signature = token.rpartition(".")
    header_part, dot, payload_part = message.rpartition(".")
    if not dot:
        raise LumiError("invalid_api_key", INVALID_API_KEY)
    try:
        digest = _HASHES.get(_read_header(_b64decode(header_part)))
        rules, exp, uid = _read_claims(_b64decode(payload_part))
        if digest is None:
            raise _DecodeError("InvalidAlgorithm")
        secret = keys.derive_key(uid, master_key).encode()
        expected = hmac.new(secret, message.encode(), digest).digest()
        if not hmac.compare_digest(expected, _b64decode(signature)):
            raise _DecodeError("InvalidSignature")
    except _DecodeError as exc:
        raise LumiError("invalid_api_key", f"Could not decode tenant token, {exc}.") from None
    now = now_ns // 1_000_000_000
    if exp is not None and now > exp:
        raise LumiError(
            "invalid_api_key",
            f"Tenant token expired. Was valid up to `{exp}` and we're now `{now}`.",
        )
    record = find_key(uid)
    if record is None or record["uid"] != uid or keys.is_expired(record, now_ns):
        raise LumiError("invalid_api_key", INVALID_API_KEY)
    return TenantToken(key=record, rules=rules, exp=exp)


def rules_for_index(token: TenantToken, index_uid: str) -> tuple[bool, Any]:
    """Whether the token may search ``index_uid``, and the filter to apply there.

    Among the patterns matching the index, an exact name beats any wildcard and a longer
    prefix beats a shorter one; a rule of ``null`` or without ``filter`` means no filter.
    """
    best: tuple[bool, int] | None = None
    best_filter: Any = None
    for pattern, rule_filter in token.rules:
        if keys.index_pattern_matches(pattern, index_uid):
            rank = (not pattern.endswith("*"), len(pattern))
            if best is None or rank > best:
                best, best_filter = rank, rule_filter
    return best is not None, best_filter


def allowed_patterns(token: TenantToken) -> list[str]:
    return [pattern for pattern, _ in token.rules]


# --- the three parts -------------------------------------------------------------------------


def _b64decode(part: str) -> bytes:
    """Unpadded base64url, strictly: no padding, no stray bits in the last symbol."""
    raw = part.encode()
    if raw.translate(None, _B64URL):
        for offset, byte in enumerate(raw):
            if byte not in _SYMBOLS:
                if byte == 61 and not raw[offset:].strip(b"="):
                    raise _DecodeError("Base64 error: Invalid padding")
                raise _DecodeError(f"Base64 error: Invalid symbol {byte}, offset {offset}.")
    size = len(raw)
    rest = size % 4
    if rest == 1:
        raise _DecodeError(f"Base64 error: Invalid input length: {size}")
    if rest and _SYMBOLS[raw[-1]] & (0x0F if rest == 2 else 0x03):
        raise _DecodeError(f"Base64 error: Invalid last symbol {raw[-1]}, offset {size - 1}.")
    return base64.urlsafe_b64decode(raw + b"=" * (-size % 4))


def _read_header(raw: bytes) -> str:
    doc = _Json(raw)
    alg: str | None = None
    members, end = doc.members("struct Header")
    for key, value, key_end, start, stop in members:
        if key == "alg":
            if alg is not None:
                raise doc.error("duplicate field `alg`", doc.struct_level(key_end))
            if not isinstance(value, str):
                raise doc.error("expected value", min(len(doc.text), start + 1))
            if value not in _ALGORITHMS:
                expected = ", ".join(f"`{a}`" for a in _ALGORITHMS)
                raise doc.error(f"unknown variant `{value}`, expected one of {expected}", stop)
            alg = value
        elif key in _HEADER_TEXT_FIELDS and value is not None and not isinstance(value, str):
            raise doc.invalid_type(value, "a string", start, stop)
    if alg is None:
        raise doc.error("missing field `alg`", doc.struct_level(end))
    return alg


def _read_claims(raw: bytes) -> tuple[tuple[tuple[str, Any], ...], int | None, str]:
    doc = _Json(raw)
    members, end = doc.members("struct Claims")
    seen: set[str] = set()
    rules: tuple[tuple[str, Any], ...] = ()
    exp: int | None = None
    uid: str | None = None
    for key, value, key_end, start, stop in members:
        if key not in ("searchRules", "exp", "apiKeyUid"):
            continue
        if key in seen:
            raise doc.error(f"duplicate field `{key}`", doc.struct_level(key_end))
        seen.add(key)
        if key == "searchRules":
            parsed = _search_rules(value)
            if parsed is None:
                raise doc.error(
                    "data did not match any variant of untagged enum SearchRules",
                    doc.struct_level(stop),
                )
            rules = parsed
        elif key == "exp":
            exp = _exp(doc, value, start, stop)
        else:
            uid = _api_key_uid(doc, value, start, stop)
    for field in ("searchRules", "apiKeyUid"):
        if field not in seen:
            raise doc.error(f"missing field `{field}`", doc.struct_level(end))
    assert uid is not None
    return rules, exp, uid


def _search_rules(value: Any) -> tuple[tuple[str, Any], ...] | None:
    """Rules from a list of index patterns or an object of pattern -> null | {"filter": ...}."""
    if isinstance(value, list):
        if not all(isinstance(p, str) and keys.is_index_pattern(p) for p in value):
            return None
        return tuple((p, None) for p in dict.fromkeys(value))
    if isinstance(value, dict):
        rules = []
        for pattern, rule in value.items():
            if not keys.is_index_pattern(pattern) or not (rule is None or isinstance(rule, dict)):
                return None
            rules.append((pattern, None if rule is None else rule.get("filter")))
        return tuple(rules)
    return None


def _exp(doc: _Json, value: Any, start: int, stop: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if -_I64 <= value < _I64:
            return value
        if _I64 <= value < 2 * _I64:
            raise doc.error(f"invalid value: integer `{value}`, expected i64", stop)
        raise doc.error(f"invalid type: floating point `{_float(value)}`, expected i64", stop)
    raise doc.invalid_type(value, "i64", start, stop)


def _api_key_uid(doc: _Json, value: Any, start: int, stop: int) -> str:
    if not isinstance(value, str):
        raise doc.invalid_type(value, "a formatted UUID string", start, stop)
    try:
        return keys.parse_uuid(value)
    except ValueError as exc:
        raise doc.error(f"UUID parsing failed: {exc}", stop) from None


# --- JSON with positions -----------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_SYNTAX = {
    "Expecting value": "expected value",
    "Expecting property name enclosed in double quotes": "key must be a string",
    "Expecting ':' delimiter": "expected `:`",
    "Expecting ',' delimiter": "expected `,` or `}`",
    "Extra data": "trailing characters",
    "Unterminated string starting at": "EOF while parsing a string",
    "Invalid control character at": (
        "control character (\\u0000-\\u001F) found while parsing a string"
    ),
}


def _float(value: float | int) -> str:
    """A float the way the reference server prints it (``1.5``, ``1e16``)."""
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa.removesuffix('.0')}e{int(exponent)}"
    return text


def _unexpected(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        if -_I64 <= value < 2 * _I64:
            return f"integer `{value}`"
        return f"floating point `{_float(value)}`"
    if isinstance(value, float):
        return f"floating point `{_float(value)}`"
    if isinstance(value, str):
        return "string " + json.dumps(value, ensure_ascii=False)
    return "sequence" if isinstance(value, list) else "map"


class _Json:
    """One JSON part of a token, with errors placed ``at line L column C`` (columns in bytes)
    the way the reference server's JSON parser places them."""

    __slots__ = ("text",)

    def __init__(self, raw: bytes) -> None:
        try:
            self.text = raw.decode()
        except UnicodeDecodeError as exc:
            self.text = raw[: exc.start].decode()
            raise self.error("invalid unicode code point", len(self.text)) from None

    def error(self, message: str, index: int) -> _DecodeError:
        text = self.text
        line = text.count("\n", 0, index) + 1
        column = len(text[text.rfind("\n", 0, index) + 1 : index].encode())
        return _DecodeError(f"JSON error: {message} at line {line} column {column}")

    def invalid_type(self, value: Any, expected: str, start: int, stop: int) -> _DecodeError:
        """Scalars are reported after their last character, arrays and objects before their
        opening bracket."""
        at = start if isinstance(value, (list, dict)) else stop
        return self.error(f"invalid type: {_unexpected(value)}, expected {expected}", at)

    def struct_level(self, end: int) -> int:
        """Where an error raised while reading an object's members is placed: past the
        closing brace when it follows ``end``, else at the next character."""
        text = self.text
        i = _skip(text, end)
        if text[i : i + 1] == "}":
            i += 1
        return min(len(text), i + 1)

    def members(self, expected: str) -> tuple[list[tuple[str, Any, int, int, int]], int]:
        """``(key, value, key end, value start, value end)`` of each member of the top-level
        object, and the index of its closing brace."""
        try:
            return self._walk(expected)
        except ValueError:
            self._check_syntax()
            raise self.error("expected value", 1) from None

    def _walk(self, expected: str) -> tuple[list[tuple[str, Any, int, int, int]], int]:
        """The members of well-formed text; ValueError at the first sign of a syntax error
        (the slower full parse then describes it)."""
        text = self.text
        i = _skip(text, 0)
        if text[i : i + 1] != "{":
            value, stop = _DECODER.raw_decode(text, i)
            raise self.invalid_type(value, expected, i, stop)
        members = []
        i = _skip(text, i + 1)
        while text[i : i + 1] != "}":
            if text[i : i + 1] != '"':
                raise ValueError(i)
            key, key_end = _DECODER.raw_decode(text, i)
            colon = _skip(text, key_end)
            if text[colon : colon + 1] != ":":
                raise ValueError(colon)
            start = _skip(text, colon + 1)
            value, stop = _DECODER.raw_decode(text, start)
            members.append((key, value, key_end, start, stop))
            i = _skip(text, stop)
            if text[i : i + 1] == ",":
                i = _skip(text, i + 1)
                if text[i : i + 1] == "}":
                    raise ValueError(i)
            elif text[i : i + 1] != "}":
                raise ValueError(i)
        if _skip(text, i + 1) != len(text):
            raise ValueError(i)
        return members, i

    def _check_syntax(self) -> None:
        text = self.text
        if not text.strip(_WHITESPACE):
            raise self.error("EOF while parsing a value", len(text))
        try:
            json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text):
                what = "a value" if exc.msg == "Expecting value" else "an object"
                raise self.error(f"EOF while parsing {what}", len(text)) from None
            message = _SYNTAX.get(exc.msg, exc.msg.lower())
            raise self.error(message, min(len(text), exc.pos + 1)) from None
        except ValueError as exc:
            raise self.error("expected value", text.find(str(exc)) + 1) from None


def _skip(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _WHITESPACE:
        i += 1
    return i
