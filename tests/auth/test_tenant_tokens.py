from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest

from lumi.auth import keys
from lumi.auth import tenant_tokens as tt
from lumi.errors import LumiError

MASTER = "a-master-key-of-32-bytes-or-more!"
NOW_S = 1_790_139_910
NOW = NOW_S * 1_000_000_000
UID = "74c9c733-3368-4738-bbe5-1d18a5fecb37"
JSON = "Could not decode tenant token, JSON error: "


def record(uid: str = UID, **fields: Any) -> keys.KeyRecord:
    rec = keys.validate_create(
        {"uid": uid, "actions": ["search"], "indexes": ["*"], "expiresAt": None}, now_ns=NOW - 10
    )
    rec.update(fields)  # type: ignore[typeddict-item]
    return rec


STORE: dict[str, keys.KeyRecord] = {UID: record()}
SECRET = keys.derive_key(UID, MASTER)


def sign(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: Any, claims: Any, secret: str = SECRET) -> str:
    """A token with any header or claims text, HMAC-SHA256 signed."""
    head = b64(json.dumps(header, separators=(",", ":")).encode())
    body = b64(
        claims if isinstance(claims, bytes) else json.dumps(claims, separators=(",", ":")).encode()
    )
    signature = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def decode(token: str, store: dict[str, keys.KeyRecord] | None = None) -> tt.TenantToken:
    found = STORE if store is None else store
    return tt.decode_tenant_token(token, found.get, MASTER, NOW)


def decode_error(token: str, store: dict[str, keys.KeyRecord] | None = None) -> str:
    with pytest.raises(LumiError) as err:
        decode(token, store)
    assert err.value.code == "invalid_api_key"
    assert err.value.status == 403
    return err.value.message


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_valid_tokens(algorithm: str) -> None:
    token = sign(
        {
            "searchRules": {"movies": {"filter": "user = 1"}, "*": None},
            "apiKeyUid": UID,
            "exp": NOW_S,
        },
        algorithm=algorithm,
    )
    decoded = decode(token)
    assert decoded.key == STORE[UID]
    assert decoded.rules == (("movies", "user = 1"), ("*", None))
    assert decoded.exp == NOW_S


def test_what_the_python_sdk_sends() -> None:
    """No expiry is sent as ``"exp": null``, rules as a list, uid in any letter case."""
    token = handmade(
        {"typ": "JWT", "alg": "HS256"},
        {"apiKeyUid": UID.upper(), "searchRules": ["*"], "exp": None},
    )
    decoded = decode(token)
    assert (decoded.rules, decoded.exp) == ((("*", None),), None)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        # The reference server's own examples.
        (
            sign({"tamo": "kefir"}, "a-secret-nobody-knows-at-all-000"),
            JSON + "missing field `searchRules` at line 1 column 16.",
        ),
        (
            sign({"searchRules": "kefir"}, "a-secret-nobody-knows-at-all-000"),
            JSON + "data did not match any variant of untagged "
            "enum SearchRules at line 1 column 23.",
        ),
        (
            handmade({"alg": "HS256"}, {"searchRules": ["*"]}),
            JSON + "missing field `apiKeyUid` at line 1 column 21.",
        ),
        (
            handmade({"alg": "HS256"}, {"searchRules": ["*"], "apiKeyUid": UID, "exp": 1.5}),
            JSON + "invalid type: floating point `1.5`, expected i64 at line 1 column 81.",
        ),
        (
            handmade({"alg": "HS256"}, {"exp": "soon", "searchRules": ["*"]}),
            JSON + 'invalid type: string "soon", expected i64 at line 1 column 13.',
        ),
        (
            handmade({"alg": "HS256"}, {"exp": 2**63, "searchRules": ["*"]}),
            JSON + "invalid value: integer `9223372036854775808`, "
            "expected i64 at line 1 column 26.",
        ),
        (
            handmade({"alg": "HS256"}, {"searchRules": ["*"], "apiKeyUid": "abc"}),
            JSON + "UUID parsing failed: invalid length: expected "
            "length 32 for simple format, found 3 at line 1 column 38.",
        ),
        (
            handmade({"alg": "HS256"}, {"apiKeyUid": 5}),
            JSON + "invalid type: integer `5`, expected a "
            "formatted UUID string at line 1 column 14.",
        ),
        (
            handmade({"alg": "HS256"}, {"searchRules": {"bad name": None}, "apiKeyUid": UID}),
            JSON + "data did not match any variant of untagged "
            "enum SearchRules at line 1 column 33.",
        ),
        (
            handmade({"alg": "HS256"}, {"searchRules": {"movies": "x"}, "apiKeyUid": UID}),
            JSON + "data did not match any variant of untagged "
            "enum SearchRules at line 1 column 30.",
        ),
        (
            handmade({"alg": "HS256"}, b'{"searchRules":["*"],"searchRules":["*"]}'),
            JSON + "duplicate field `searchRules` at line 1 column 35.",
        ),
        (
            handmade({"alg": "HS256"}, b'{"searchRules":'),
            JSON + "EOF while parsing a value at line 1 column 15.",
        ),
        (
            handmade({"alg": "HS256"}, b""),
            JSON + "EOF while parsing a value at line 1 column 0.",
        ),
        (
            handmade({"alg": "HS256"}, ["*"]),
            JSON + "invalid type: sequence, expected struct Claims at line 1 column 0.",
        ),
        (
            handmade({"typ": "JWT"}, {"searchRules": ["*"], "apiKeyUid": UID}),
            JSON + "missing field `alg` at line 1 column 13.",
        ),
        (
            handmade({"alg": "none"}, {"searchRules": ["*"], "apiKeyUid": UID}),
            JSON + "unknown variant `none`, expected one of "
            "`HS256`, `HS384`, `HS512`, `ES256`, `ES384`, `RS256`, `RS384`, `RS512`, `PS256`, "
            "`PS384`, `PS512`, `EdDSA` at line 1 column 13.",
        ),
        (
            handmade({"alg": "RS256"}, {"searchRules": ["*"], "apiKeyUid": UID}),
            "Could not decode tenant token, InvalidAlgorithm.",
        ),
        (
            sign({"searchRules": ["*"], "apiKeyUid": UID}, "a-wrong-secret-that-is-long-enough"),
            "Could not decode tenant token, InvalidSignature.",
        ),
        (
            sign({"searchRules": ["*"], "apiKeyUid": UID}, MASTER),
            "Could not decode tenant token, InvalidSignature.",
        ),
        ("a!b.c.d", "Could not decode tenant token, Base64 error: Invalid symbol 33, offset 1.."),
        ("abcde.c.d", "Could not decode tenant token, Base64 error: Invalid input length: 5."),
        ("eyJ=.c.d", "Could not decode tenant token, Base64 error: Invalid padding."),
        (
            "eyJhbGciOiJIUzI1NiJ9.eB.d",
            "Could not decode tenant token, Base64 error: Invalid last symbol 66, offset 1..",
        ),
    ],
)
def test_decoding_errors(token: str, message: str) -> None:
    assert decode_error(token) == message


def test_a_tampered_payload_breaks_the_signature() -> None:
    head, _, signature = sign({"searchRules": ["movies"], "apiKeyUid": UID}).split(".")
    forged = b64(json.dumps({"searchRules": ["*"], "apiKeyUid": UID}).encode())
    assert (
        decode_error(f"{head}.{forged}.{signature}")
        == "Could not decode tenant token, InvalidSignature."
    )


def test_the_signature_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return a == b

    monkeypatch.setattr(tt.hmac, "compare_digest", spy)
    decode(sign({"searchRules": ["*"], "apiKeyUid": UID}))
    assert len(calls) == 1


@pytest.mark.parametrize(("exp", "valid"), [(NOW_S, True), (NOW_S + 1, True), (NOW_S - 1, False)])
def test_expiry(exp: int, valid: bool) -> None:
    token = sign({"searchRules": ["*"], "apiKeyUid": UID, "exp": exp})
    if valid:
        assert decode(token).exp == exp
    else:
        assert decode_error(token) == (
            f"Tenant token expired. Was valid up to `{exp}` and we're now `{NOW_S}`."
        )


@pytest.mark.parametrize(
    "store",
    [
        {},  # the key was deleted
        {UID: record(expires_at=NOW)},  # the key expired
        {UID: record(expires_at=NOW - 1)},
        {UID: record(uid="01b4bc42-eb33-4041-b481-254d00cce834")},  # a lookup gone wrong
    ],
)
def test_the_signing_key_must_still_be_valid(store: dict[str, keys.KeyRecord]) -> None:
    token = sign({"searchRules": ["*"], "apiKeyUid": UID})
    assert decode_error(token, store) == "The provided API key is invalid."


def test_an_expired_token_of_a_deleted_key_reports_the_expiry() -> None:
    token = sign({"searchRules": ["*"], "apiKeyUid": UID, "exp": NOW_S - 5})
    assert decode_error(token, {}).startswith("Tenant token expired.")


def test_an_audience_claim_is_ignored() -> None:
    token = sign({"searchRules": ["*"], "apiKeyUid": UID, "aud": "someone"})
    assert decode(token).rules == (("*", None),)


def test_unknown_claims_are_ignored() -> None:
    token = sign({"searchRules": ["*"], "apiKeyUid": UID, "iat": 3, "user": {"id": 1}})
    assert decode(token).rules == (("*", None),)


@pytest.mark.parametrize(
    ("rules", "index", "expected"),
    [
        (["*"], "movies", (True, None)),
        (["movies", "movies"], "movies", (True, None)),
        (["movies*"], "books", (False, None)),
        ({"*": {"filter": "a = 1"}}, "movies", (True, "a = 1")),
        ({"*": {"filter": "a = 1"}, "movies": {"filter": "b = 2"}}, "movies", (True, "b = 2")),
        ({"movies": {"filter": "b = 2"}, "*": {"filter": "a = 1"}}, "movies", (True, "b = 2")),
        ({"mov*": {"filter": "short"}, "movies*": {"filter": "long"}}, "movies_1", (True, "long")),
        ({"movies*": {"filter": "prefix"}, "movies": None}, "movies", (True, None)),
        ({"movies": {}}, "movies", (True, None)),
        (
            {"movies": {"filter": ["a = 1", ["b = 2", "c = 3"]]}},
            "movies",
            (True, ["a = 1", ["b = 2", "c = 3"]]),
        ),
        ({"movies": {"filter": "x"}}, "books", (False, None)),
        ({}, "movies", (False, None)),
    ],
)
def test_rules_for_index(rules: Any, index: str, expected: tuple[bool, Any]) -> None:
    token = decode(sign({"searchRules": rules, "apiKeyUid": UID}))
    assert tt.rules_for_index(token, index) == expected


def test_allowed_patterns_keep_the_token_order() -> None:
    token = decode(sign({"searchRules": {"b*": None, "a": {}}, "apiKeyUid": UID}))
    assert tt.allowed_patterns(token) == ["b*", "a"]


@pytest.mark.parametrize(
    ("token", "is_jwt"), [("a.b.c", True), ("a.b.c.d", True), ("a.b", False), (SECRET, False)]
)
def test_looks_like_jwt(token: str, is_jwt: bool) -> None:
    assert tt.looks_like_jwt(token) is is_jwt
