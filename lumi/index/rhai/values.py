"""Rhai values as Python values, and the built-in functions scripts call.

``None`` is Rhai's unit ``()`` (JSON ``null`` reads as unit too). Functions that change
their receiver in place (``push``, ``replace``, ``trim``...) return ``(new_receiver,
result)`` so the evaluator can write the receiver back where it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lumi.index.rhai.lexer import RhaiError

MAX_STRING = 1_000_000
MAX_ARRAY = 100_000


def type_name(value: Any) -> str:
    if value is None:
        return "()"
    kind = type(value)
    if kind is bool:
        return "bool"
    if kind is int:
        return "i64"
    if kind is float:
        return "f64"
    if kind is str:
        return "string"
    if kind is list:
        return "array"
    return "map"


def display(value: Any) -> str:
    """The text ``to_string`` and template strings give."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    return debug(value)


def debug(value: Any) -> str:
    kind = type(value)
    if value is None:
        return "()"
    if kind is bool:
        return "true" if value else "false"
    if kind is float:
        return repr(value) if value == value and abs(value) != float("inf") else str(value)
    if kind is str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind is list:
        return "[" + ", ".join(debug(v) for v in value) + "]"
    if kind is dict:
        return "#{" + ", ".join(f"{debug(k)}: {debug(v)}" for k, v in value.items()) + "}"
    return str(value)


def checked(value: Any) -> Any:
    """``value`` unless it breaks a size limit."""
    kind = type(value)
    if kind is str and len(value) > MAX_STRING:
        raise RhaiError(f"Length of string exceeds the maximum limit ({MAX_STRING})")
    if kind is list and len(value) > MAX_ARRAY:
        raise RhaiError(f"Size of array exceeds the maximum limit ({MAX_ARRAY})")
    if kind is int and not -(2**63) <= value < 2**63:
        raise RhaiError("Arithmetic overflow")
    return value


def _len(value: Any) -> int:
    if type(value) in (str, list, dict):
        return len(value)
    raise RhaiError(f"Function not found: len ({type_name(value)})")


def _contains(value: Any, item: Any) -> bool:
    kind = type(value)
    if kind is str and type(item) is str:
        return item in value
    if kind is list:
        return any(equal(item, v) for v in value)
    if kind is dict and type(item) is str:
        return item in value
    raise RhaiError(f"Function not found: contains ({type_name(value)}, {type_name(item)})")


def _parse_int(text: Any) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise RhaiError(f"Error parsing `{text}` as an integer") from None


def _parse_float(text: Any) -> float:
    try:
        return float(str(text).strip())
    except ValueError:
        raise RhaiError(f"Error parsing `{text}` as a floating-point number") from None


def _string(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A function that only takes string arguments."""

    def call(*args: Any) -> Any:
        if any(type(a) is not str for a in args):
            types = ", ".join(type_name(a) for a in args)
            raise RhaiError(f"Function not found: {name} ({types})")
        return fn(*args)

    return call


def _push(target: Any, item: Any) -> tuple[Any, None]:
    if type(target) is not list:
        raise RhaiError(f"Function not found: push ({type_name(target)}, {type_name(item)})")
    target.append(item)
    return checked(target), None


def _append(target: Any, item: Any) -> tuple[Any, None]:
    if type(target) is str:
        return checked(target + display(item)), None
    if type(target) is list and type(item) is list:
        target.extend(item)
        return checked(target), None
    return _push(target, item)


def _pop(target: Any) -> tuple[Any, Any]:
    if type(target) is not list:
        raise RhaiError(f"Function not found: pop ({type_name(target)})")
    return target, target.pop() if target else None


def _remove(target: Any, key: Any) -> tuple[Any, Any]:
    if type(target) is dict and type(key) is str:
        return target, target.pop(key, None)
    if type(target) is list and type(key) is int:
        if -len(target) <= key < len(target):
            return target, target.pop(key)
        return target, None
    raise RhaiError(f"Function not found: remove ({type_name(target)}, {type_name(key)})")


PURE: dict[str, Callable[..., Any]] = {
    "len": _len,
    "is_empty": lambda value: _len(value) == 0,
    "contains": _contains,
    "to_upper": _string("to_upper", str.upper),
    "to_lower": _string("to_lower", str.lower),
    "starts_with": _string("starts_with", str.startswith),
    "ends_with": _string("ends_with", str.endswith),
    "to_string": display,
    "to_debug": debug,
    "type_of": type_name,
    "parse_int": _parse_int,
    "parse_float": _parse_float,
    "to_int": lambda v: int(v) if type(v) in (int, float) else _parse_int(v),
    "to_float": lambda v: float(v) if type(v) in (int, float) else _parse_float(v),
    "keys": lambda m: list(m) if type(m) is dict else _len(None),
    "values": lambda m: list(m.values()) if type(m) is dict else _len(None),
}

MUTATING: dict[str, Callable[..., tuple[Any, Any]]] = {
    "push": _push,
    "append": _append,
    "pop": _pop,
    "remove": _remove,
    "replace": lambda s, a, b: (checked(_string("replace", str.replace)(s, a, b)), None),
    "trim": lambda s: (_string("trim", str.strip)(s), None),
    "make_upper": lambda s: (_string("make_upper", str.upper)(s), None),
    "make_lower": lambda s: (_string("make_lower", str.lower)(s), None),
    "clear": lambda v: ([] if type(v) is list else {} if type(v) is dict else "", None),
}


def equal(left: Any, right: Any) -> bool:
    """Rhai ``==``: values of different types are never equal, numbers excepted."""
    lt, rt = type(left), type(right)
    if lt is rt or (lt in (int, float) and rt in (int, float)):
        return bool(left == right)
    return False
