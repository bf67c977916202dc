"""Running compiled Rhai statements over a document.

Values have Rhai's copy semantics: binding an array or map to a variable or a field copies
it, so a script changing ``let tags = doc.tags`` leaves ``doc`` untouched. Every evaluated
node counts one operation; a script going over its budget stops with an error, which keeps
a runaway loop from blocking the task queue.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from lumi.index.rhai.lexer import RhaiError
from lumi.index.rhai.parser import Node
from lumi.index.rhai.values import MUTATING, PURE, checked, debug, display, equal, type_name

MAX_OPERATIONS = 100_000


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Evaluator:
    """One script run; ``scopes`` holds the variables, innermost block last."""

    def __init__(self, variables: dict[str, Any], max_operations: int = MAX_OPERATIONS) -> None:
        self.scopes: list[dict[str, Any]] = [variables]
        self.budget = max_operations

    @staticmethod
    def owned(value: Any) -> Any:
        """A copy of arrays and maps, so later changes do not reach the original."""
        return copy.deepcopy(value) if type(value) in (list, dict) else value

    def run(self, body: list[Node]) -> None:
        try:
            self.block(body)
        except (_Break, _Continue):
            raise RhaiError("`break` or `continue` used outside of a loop") from None
        except RecursionError:
            raise RhaiError("Expression is too deeply nested") from None

    # ---- statements ------------------------------------------------------------------

    def block(self, body: list[Node]) -> None:
        self.scopes.append({})
        try:
            for statement in body:
                self.statement(statement)
        finally:
            self.scopes.pop()

    def statement(self, node: Node) -> None:
        self.tick()
        kind = node[0]
        if kind == "expr":
            self.eval(node[1])
        elif kind == "set":
            self.assign(node[1], node[2], node[3])
        elif kind == "let":
            self.scopes[-1][node[1]] = self.owned(self.eval(node[2]))
        elif kind == "if":
            for cond, body in node[1]:
                if self.condition(cond):
                    self.block(body)
                    return
            self.block(node[2])
        elif kind == "for":
            self.for_loop(node[1], self.eval(node[2]), node[3])
        elif kind == "while":
            while self.condition(node[1]):
                try:
                    self.block(node[2])
                except _Break:
                    break
                except _Continue:
                    continue
        elif kind == "block":
            self.block(node[1])
        elif kind == "break":
            raise _Break
        else:
            raise _Continue

    def for_loop(self, name: str, source: Any, body: list[Node]) -> None:
        if type(source) in (str, list):
            items: list[Any] = list(source)
        else:
            raise RhaiError(
                f"For loop expects an array, a string or a map, not {type_name(source)}"
            )
        for item in items:
            self.scopes.append({name: self.owned(item)})
            try:
                self.block(body)
            except _Break:
                break
            except _Continue:
                continue
            finally:
                self.scopes.pop()

    def condition(self, node: Node) -> bool:
        value = self.eval(node)
        if type(value) is not bool:
            raise RhaiError(f"Condition must be a boolean, not {type_name(value)}")
        return value

    def tick(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise RhaiError("Too many operations: the script ran past its operation limit")

    # ---- assignment ------------------------------------------------------------------

    def assign(self, target: Node, op: str, value_node: Node) -> None:
        value = self.owned(self.eval(value_node))
        if op != "=":
            value = self.binary(op[0], self.eval(target), value)
        self.store(target, value)

    def store(self, target: Node, value: Any) -> None:
        kind = target[0]
        if kind == "var":
            for scope in reversed(self.scopes):
                if target[1] in scope:
                    scope[target[1]] = value
                    return
            raise RhaiError(f"Variable not found: {target[1]}")
        if kind not in ("prop", "index"):
            raise RhaiError("Cannot assign to this expression")
        container = self.eval(target[1])
        key = target[2] if kind == "prop" else self.eval(target[2])
        if type(container) is dict:
            if type(key) is not str:
                raise RhaiError(f"Map property name must be a string, not {type_name(key)}")
            container[key] = value
        elif type(container) is list:
            container[self.position(container, key)] = value
        elif type(container) is str and kind == "index":
            position = self.position(container, key)
            if type(value) is not str or len(value) != 1:
                raise RhaiError("Only a single character can be assigned into a string")
            text = container[:position] + value + container[position + 1 :]
            self.store(target[1], text)
        else:
            raise RhaiError(
                f"Cannot set `{display(key)}` on a value of type {type_name(container)}"
            )

    @staticmethod
    def position(sequence: Any, key: Any) -> int:
        if type(key) is not int:
            raise RhaiError(f"Index must be an integer, not {type_name(key)}")
        position = key + len(sequence) if key < 0 else key
        if not 0 <= position < len(sequence):
            raise RhaiError(f"Index {key} is out of bounds for a length of {len(sequence)}")
        return position

    # ---- expressions -----------------------------------------------------------------

    def eval(self, node: Node) -> Any:
        self.tick()
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "var":
            name = node[1]
            for scope in reversed(self.scopes):
                if name in scope:
                    return scope[name]
            raise RhaiError(f"Variable not found: {name}")
        if kind == "prop":
            return self.member(self.eval(node[1]), node[2], prop=True)
        if kind == "index":
            return self.member(self.eval(node[1]), self.eval(node[2]), prop=False)
        if kind == "bin":
            return self.binary(node[1], self.eval(node[2]), self.eval(node[3]))
        if kind == "and":
            return self.condition(node[1]) and self.condition(node[2])
        if kind == "or":
            return self.condition(node[1]) or self.condition(node[2])
        if kind == "un":
            return self.unary(node[1], self.eval(node[2]))
        if kind == "call":
            return self.call(node[1], node[2], node[3])
        if kind == "tpl":
            return checked("".join(display(self.eval(part)) for part in node[1]))
        if kind == "arr":
            return checked([self.owned(self.eval(item)) for item in node[1]])
        return {key: self.owned(self.eval(value)) for key, value in node[1]}

    def member(self, container: Any, key: Any, *, prop: bool) -> Any:
        kind = type(container)
        if kind is dict:
            if type(key) is not str:
                raise RhaiError(f"Map property name must be a string, not {type_name(key)}")
            return container.get(key)
        if not prop and kind in (list, str):
            return container[self.position(container, key)]
        if prop and key == "len" and kind in (list, str):
            return len(container)
        raise RhaiError(
            f"Property `{display(key)}` not found on a value of type {type_name(container)}"
        )

    def call(self, name: str, arg_nodes: list[Node], method: bool) -> Any:
        args = [self.eval(arg) for arg in arg_nodes]
        pure = PURE.get(name)
        if pure is not None:
            return self.invoke(name, pure, args)
        mutating = MUTATING.get(name)
        if mutating is None or not args:
            raise RhaiError(f"Function not found: {name} ({', '.join(map(type_name, args))})")
        receiver, result = self.invoke(name, mutating, args)
        if method and arg_nodes[0][0] in ("var", "prop", "index"):
            self.store(arg_nodes[0], receiver)
        return result

    @staticmethod
    def invoke(name: str, fn: Any, args: list[Any]) -> Any:
        try:
            return fn(*args)
        except TypeError:
            types = ", ".join(type_name(a) for a in args)
            raise RhaiError(f"Function not found: {name} ({types})") from None

    @staticmethod
    def unary(op: str, value: Any) -> Any:
        if op == "!" and type(value) is bool:
            return not value
        if op == "-" and type(value) in (int, float):
            return checked(-value)
        raise RhaiError(f"Function not found: {op} ({type_name(value)})")

    def binary(self, op: str, left: Any, right: Any) -> Any:
        if op == "==":
            return equal(left, right)
        if op == "!=":
            return not equal(left, right)
        if op == "in":
            return PURE["contains"](right, left)
        lt, rt = type(left), type(right)
        numeric = lt in (int, float) and rt in (int, float)
        if numeric:
            return self.arithmetic(op, left, right)
        if op == "+" and (lt is str or rt is str):
            return checked(display(left) + display(right))
        if op == "+" and lt is list and rt is list:
            return checked(left + right)
        if op == "+" and lt is dict and rt is dict:
            return {**left, **right}
        if op in ("<", "<=", ">", ">=") and lt is str and rt is str:
            return _compare(op, left, right)
        types = f"{type_name(left)}, {type_name(right)}"
        raise RhaiError(f"Function not found: {op} ({types}) for {debug(left)} and {debug(right)}")

    @staticmethod
    def arithmetic(op: str, left: Any, right: Any) -> Any:
        if op in ("<", "<=", ">", ">="):
            return _compare(op, left, right)
        both_int = type(left) is int and type(right) is int
        if op in ("/", "%") and right == 0 and both_int:
            raise RhaiError("Division by zero")
        if op == "+":
            return checked(left + right)
        if op == "-":
            return checked(left - right)
        if op == "*":
            return checked(left * right)
        if op == "/":
            if both_int:
                quotient = abs(left) // abs(right)
                return checked(quotient if (left >= 0) == (right >= 0) else -quotient)
            return left / right if right else float("inf") * (1 if left >= 0 else -1)
        if both_int:
            return _rem(left, right)
        return math.fmod(left, right) if right else float("nan")


def _rem(left: int, right: int) -> int:
    """Remainder with the sign of the dividend, as Rust's ``%``."""
    result = abs(left) % abs(right)
    return result if left >= 0 else -result


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)
