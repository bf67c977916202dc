"""Declarative validation of JSON bodies and query strings.

Every route describes what it accepts as a ``Body`` or ``Query`` of ``Field``s, and gets back
a plain dict keyed by the API's own (camelCase) names. Anything wrong becomes a ``LumiError``
worded exactly as Meilisearch clients expect, because SDKs and users match on these texts.

The rules mirror the reference server: keys are checked in the order the request lists them
and the first problem wins; missing fields are reported after every key was seen, in
declaration order. The error code is the innermost one that applies: a field's own code for
its value, else the code of the enclosing object (``bad_request`` at the top).

Parsers are plain callables ``(value) -> parsed`` that raise a ``Failure`` (``Invalid``,
``WrongType``, ``UnknownValue``); any function raising ``Invalid`` is a custom parser.
The path of a failure (``.queries[0].indexUid``) is assembled only while it unwinds, so the
success path does no string work at all.

The payload checks that come before validation (Content-Type, JSON decoding) are defined in
``lumi.http.jsonerrors`` and re-exported here, so routes import everything from one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from lumi.errors import LumiError
from lumi.http.jsonerrors import DOCUMENT_CONTENT_TYPES as DOCUMENT_CONTENT_TYPES
from lumi.http.jsonerrors import JSON_CONTENT_TYPES as JSON_CONTENT_TYPES
from lumi.http.jsonerrors import check_content_type as check_content_type
from lumi.http.jsonerrors import parse_json_body as parse_json_body
from lumi.http.jsonerrors import require_json_content_type as require_json_content_type
from lumi.http.jsonerrors import truncate_detail as truncate_detail
from lumi.messages import backticked, compact_json, did_you_mean, kind_of

Parser = Callable[[Any], Any]
U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1
_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""Marks a field without a default: when absent it is simply left out of the result."""


# --------------------------------------------------------------------------- failures


class Failure(Exception):
    """A validation problem, not yet worded: the path and code are filled in on the way up."""

    def __init__(self, code: str | None = None) -> None:
        super().__init__()
        self.code = code
        self.segments: list[str | int] = []

    def within(self, segment: str | int, code: str | None) -> None:
        """Record that the problem lies under ``segment`` of a container using ``code``."""
        self.segments.append(segment)
        if self.code is None:
            self.code = code

    def where(self, prefix: str, article: str, query: bool) -> str:
        """`` at `.a[0].b` `` (query parameters: `` in parameter `p[0]` ``), or "" at the root."""
        parts = [prefix] if prefix else []
        for segment in reversed(self.segments):
            if not isinstance(segment, str):
                parts.append(f"[{segment}]")
            elif query and not parts:
                parts.append(segment)
            else:
                parts.append("." + segment)
        path = "".join(parts)
        return f"{article} `{path}`" if path else ""

    def describe(self, prefix: str, query: bool) -> str:
        raise NotImplementedError

    def to_error(self, prefix: str = "", query: bool = False) -> LumiError:
        return LumiError(self.code or "bad_request", self.describe(prefix, query))


class Invalid(Failure):
    """A value of the right type that breaks a rule: ``Invalid value at `.x`: {message}``."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(code)
        self.message = message

    def describe(self, prefix: str, query: bool) -> str:
        where = self.where(prefix, " in parameter" if query else " at", query)
        return f"Invalid value{where}: {self.message}"


class WrongType(Failure):
    """A value of the wrong JSON kind; ``expected`` reads like ``a string`` or ``an array``."""

    def __init__(self, expected: str, found: Any, code: str | None = None) -> None:
        super().__init__(code)
        self.expected = expected
        self.found = found

    def describe(self, prefix: str, query: bool) -> str:
        where = self.where(prefix, " for parameter" if query else " at", query)
        found = (
            "null" if self.found is None else f"{kind_of(self.found)}: `{compact_json(self.found)}`"
        )
        return f"Invalid value type{where}: expected {self.expected}, but found {found}"


class UnknownValue(Failure):
    """A string outside an enumeration."""

    def __init__(self, value: str, accepted: Sequence[str], code: str | None = None) -> None:
        super().__init__(code)
        self.value = value
        self.accepted = accepted

    def describe(self, prefix: str, query: bool) -> str:
        where = self.where(prefix, " for parameter" if query else " at", query)
        hint = did_you_mean(self.value, self.accepted)
        accepted = backticked(self.accepted)
        return f"Unknown value `{self.value}`{where}: {hint}expected one of {accepted}"


class _UnknownKey(Failure):
    def __init__(self, key: str, accepted: Sequence[str], code: str | None) -> None:
        super().__init__(code)
        self.key = key
        self.accepted = accepted

    def describe(self, prefix: str, query: bool) -> str:
        noun = "parameter" if query else "field"
        where = self.where(prefix, " inside", query)
        hint = did_you_mean(self.key, self.accepted)
        return (
            f"Unknown {noun} `{self.key}`{where}: {hint}expected one of {backticked(self.accepted)}"
        )


class _MissingKey(Failure):
    def __init__(self, name: str, code: str | None) -> None:
        super().__init__(code)
        self.name = name

    def describe(self, prefix: str, query: bool) -> str:
        noun = "parameter" if query else "field"
        return f"Missing {noun} `{self.name}`{self.where(prefix, ' inside', query)}"


# --------------------------------------------------------------------------- schemas


class Field:
    """One accepted key.

    ``code`` is used for problems with this field's value (``None``: the enclosing object's
    code). A ``required`` field that is absent is reported with ``missing_code``, else with the
    enclosing object's code, as the reference server does. An absent optional field is left out
    of the result unless it has a ``default`` (returned as is: use immutable values).
    """

    __slots__ = ("code", "default", "missing_code", "name", "parser", "required")

    def __init__(
        self,
        name: str,
        parser: Parser,
        code: str | None = None,
        *,
        required: bool = False,
        default: Any = MISSING,
        missing_code: str | None = None,
    ) -> None:
        self.name = name
        self.parser = parser
        self.code = code
        self.required = required
        self.default = default
        self.missing_code = missing_code


class _Schema:
    """What bodies and query strings share: a key-by-key walk over a dict."""

    __slots__ = ("_codes", "_fallbacks", "_parsers", "code", "deny_unknown", "names")

    def __init__(
        self, fields: Sequence[Field], *, deny_unknown: bool = True, code: str | None = None
    ) -> None:
        self.names = tuple(field.name for field in fields)
        self.code = code
        self.deny_unknown = deny_unknown
        self._parsers = {field.name: field.parser for field in fields}
        self._codes = {field.name: field.code or code for field in fields}
        self._fallbacks = tuple(
            (field.name, field.required, field.default, field.missing_code or code)
            for field in fields
            if field.required or field.default is not MISSING
        )

    def _read(self, value: dict[str, Any]) -> dict[str, Any]:
        parsers = self._parsers
        out: dict[str, Any] = {}
        for key, item in value.items():
            parser = parsers.get(key)
            if parser is None:
                if self.deny_unknown:
                    raise _UnknownKey(key, self.names, self.code)
                continue
            try:
                out[key] = parser(item)
            except Failure as failure:
                failure.within(key, self._codes[key])
                raise
        for name, required, default, missing_code in self._fallbacks:
            if name not in out:
                if required:
                    raise _MissingKey(name, missing_code)
                out[name] = default
        return out


class Body(_Schema):
    """A JSON object with known fields. ``code`` applies to unknown fields, to a value that is
    not an object and to missing fields; ``None`` inherits the code of the enclosing field
    (``bad_request`` at the top)."""

    __slots__ = ()

    def parse(self, value: Any, path: str = "") -> dict[str, Any]:
        """Validate a decoded body; ``path`` prefixes locations (e.g. ``.queries[0]``)."""
        try:
            return self.read(value)
        except Failure as failure:
            raise failure.to_error(path) from None

    def read(self, value: Any) -> dict[str, Any]:
        """The parser form, for use inside other schemas: raises ``Failure``."""
        if type(value) is not dict:
            raise WrongType("an object", value, self.code)
        return self._read(value)


class Query(_Schema):
    """Query-string parameters. A repeated parameter keeps its last value, at the place of
    its first occurrence."""

    __slots__ = ()

    def parse(self, items: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """Validate ``(name, value)`` pairs as decoded from the query string."""
        values: dict[str, str] = {}
        for key, value in items:
            values[key] = value
        try:
            return self._read(values)
        except Failure as failure:
            raise failure.to_error(query=True) from None


def parse_value(parser: Parser, value: Any, code: str = "bad_request", path: str = "") -> Any:
    """Validate a whole body with any parser, e.g. a root array such as the list of index
    swaps; ``code`` applies where no field or object named one."""
    try:
        return parser(value)
    except Failure as failure:
        if failure.code is None:
            failure.code = code
        raise failure.to_error(path) from None


# --------------------------------------------------------------------------- JSON parsers


def _any(value: Any) -> Any:
    return value


def _string(value: Any) -> str:
    if type(value) is str:
        return value
    raise WrongType("a string", value)


def _boolean(value: Any) -> bool:
    if type(value) is bool:
        return value
    raise WrongType("a boolean", value)


def _number(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return float(value)
    raise WrongType("a number", value)


def any_json() -> Parser:
    """Any JSON value, unchanged (validated later by the route, e.g. filters)."""
    return _any


def string() -> Parser:
    return _string


def boolean() -> Parser:
    return _boolean


def number() -> Parser:
    """Any JSON number, as a float."""
    return _number


def integer(maximum: int = U64_MAX) -> Parser:
    """A non-negative integer up to ``maximum`` (``U64_MAX`` for usize/u64, ``U32_MAX``...)."""

    def parse(value: Any) -> int:
        if type(value) is int and value >= 0:
            if value <= maximum:
                return value
            raise Invalid(
                f"value: `{value}` is too large to be deserialized, "
                f"maximum value authorized is `{maximum}`"
            )
        raise WrongType("a positive integer", value)

    return parse


def signed_integer(minimum: int = _I64_MIN, maximum: int = _I64_MAX) -> Parser:
    """Any integer within bounds (i64 by default); its kind is named "an integer"."""

    def parse(value: Any) -> int:
        if type(value) is not int:
            raise WrongType("an integer", value)
        if value > maximum:
            raise Invalid(
                f"value: `{value}` is too large to be deserialized, "
                f"maximum value authorized is `{maximum}`"
            )
        if value < minimum:
            raise Invalid(
                f"value: `{value}` is too small to be deserialized, "
                f"minimum value authorized is `{minimum}`"
            )
        return value

    return parse


def array(of: Parser) -> Parser:
    """A JSON array whose elements all pass ``of``; failures point at ``[index]``."""

    def parse(value: Any) -> list[Any]:
        if type(value) is not list:
            raise WrongType("an array", value)
        out: list[Any] = []
        append = out.append
        try:
            for item in value:
                append(of(item))
        except Failure as failure:
            failure.within(len(out), None)
            raise
        return out

    return parse


def dict_of(of: Parser) -> Parser:
    """A JSON object with free keys whose values all pass ``of`` (synonyms, embedders...)."""

    def parse(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise WrongType("an object", value)
        out: dict[str, Any] = {}
        key = ""
        try:
            for key, item in value.items():
                out[key] = of(item)
        except Failure as failure:
            failure.within(key, None)
            raise
        return out

    return parse


def nullable(parser: Parser) -> Parser:
    """``null`` is accepted and returned as None; other values go to ``parser``."""

    def parse(value: Any) -> Any:
        return None if value is None else parser(value)

    return parse


def one_of(*values: str) -> Parser:
    """A string among ``values`` (works for JSON values and query parameters alike)."""
    allowed = frozenset(values)

    def parse(value: Any) -> str:
        if type(value) is not str:
            raise WrongType("a string", value)
        if value in allowed:
            return value
        raise UnknownValue(value, values)

    return parse


def obj(body: Body) -> Parser:
    """A nested object; its failures keep the nested body's own code if it has one."""
    return body.read


def custom(fn: Parser, base: Parser | None = None) -> Parser:
    """``fn`` applied after ``base`` (e.g. ``string()``); ``fn`` raises ``Invalid`` to refuse."""
    if base is None:
        return fn

    def parse(value: Any) -> Any:
        return fn(base(value))

    return parse


# --------------------------------------------------------------------------- query parsers

_UNSIGNED = re.compile(r"\+?[0-9]+")


def q_string() -> Parser:
    return _any


def q_integer(maximum: int = U64_MAX) -> Parser:
    """An unsigned integer written in decimal (a leading ``+`` is tolerated)."""

    def parse(value: str) -> int:
        if _UNSIGNED.fullmatch(value) and int(value) <= maximum:
            return int(value)
        raise Invalid(f"could not parse `{value}` as a positive integer")

    return parse


def _q_boolean(value: str) -> bool:
    if value == "true":
        return True
    if value == "false":
        return False
    raise Invalid(f"could not parse `{value}` as a boolean, expected either `true` or `false`")


def q_boolean() -> Parser:
    return _q_boolean


def q_list(of: Parser) -> Parser:
    """A comma-separated list; an element's failure names the parameter as ``p[index]``."""

    def parse(value: str) -> list[Any]:
        out: list[Any] = []
        append = out.append
        try:
            for item in value.split(","):
                append(of(item))
        except Failure as failure:
            failure.within(len(out), None)
            raise
        return out

    return parse
