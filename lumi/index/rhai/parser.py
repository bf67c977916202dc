"""Compiling Rhai tokens into a tree of tuples the evaluator walks.

Expressions: ``("lit", v)``, ``("var", name)``, ``("prop", obj, name)``, ``("index", obj,
key)``, ``("call", name, args, method)`` (``method`` is True for ``a.f(b)``, whose receiver
is ``args[0]``), ``("un", op, e)``, ``("bin", op, l, r)``, ``("and", l, r)``, ``("or", l,
r)``, ``("arr", items)``, ``("map", pairs)``, ``("tpl", parts)``.
Statements: ``("let", name, e)``, ``("set", target, op, e)``, ``("expr", e)``, ``("if",
branches, otherwise)``, ``("for", name, e, body)``, ``("while", cond, body)``, ``("block",
body)``, ``("break",)``, ``("continue",)``.
"""

from __future__ import annotations

from typing import Any

from lumi.index.rhai.lexer import RhaiError, Token, tokenize, where

Node = tuple[Any, ...]

# Binding power of each binary operator: higher binds tighter.
_BINARY = {
    "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
}  # fmt: skip
_ASSIGN = frozenset({"=", "+=", "-=", "*=", "/=", "%="})
_BLOCK_STATEMENTS = frozenset({"if", "for", "while", "block"})


def compile_script(source: str) -> list[Node]:
    """The statements of ``source``; raises ``RhaiError`` on a syntax error."""
    return _Parser(source, tokenize(source)).script()


class _Parser:
    def __init__(self, source: str, tokens: list[Token]) -> None:
        self.source = source
        self.tokens = tokens
        self.at = 0

    # ---- helpers -------------------------------------------------------------------

    def peek(self) -> Token:
        return self.tokens[self.at]

    def next(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_op(self, value: str) -> bool:
        kind, text, _ = self.tokens[self.at]
        return kind == "op" and text == value

    def is_kw(self, value: str) -> bool:
        kind, text, _ = self.tokens[self.at]
        return kind == "kw" and text == value

    def expect(self, value: str) -> None:
        kind, text, _ = self.peek()
        if kind not in ("op", "kw") or text != value:
            self.fail(f"Expecting `{value}`")
        self.at += 1

    def fail(self, what: str) -> None:
        kind, text, pos = self.peek()
        found = "end of script" if kind == "eof" else f"`{text}`"
        raise RhaiError(f"{what}, found {found} {where(self.source, pos)}")

    # ---- statements ------------------------------------------------------------------

    def script(self) -> list[Node]:
        body = self.statements("eof")
        if self.peek()[0] != "eof":
            self.fail("Expecting end of script")
        return body

    def statements(self, end: str) -> list[Node]:
        body: list[Node] = []
        while not (self.peek()[0] == "eof" or (end == "}" and self.is_op("}"))):
            if self.is_op(";"):
                self.at += 1
                continue
            statement = self.statement()
            body.append(statement)
            if statement[0] in _BLOCK_STATEMENTS or self.is_op(";"):
                continue
            if not (self.peek()[0] == "eof" or self.is_op("}")):
                self.fail("Expecting `;` to terminate this statement")
        return body

    def block(self) -> list[Node]:
        self.expect("{")
        body = self.statements("}")
        self.expect("}")
        return body

    def statement(self) -> Node:
        kind, text, _ = self.peek()
        if kind == "kw":
            if text in ("let", "const"):
                self.at += 1
                name = self.identifier()
                self.expect("=")
                return ("let", name, self.expression())
            if text == "if":
                return self.if_statement()
            if text == "for":
                self.at += 1
                name = self.identifier()
                self.expect("in")
                source = self.expression()
                return ("for", name, source, self.block())
            if text == "while":
                self.at += 1
                cond = self.expression()
                return ("while", cond, self.block())
            if text == "loop":
                self.at += 1
                return ("while", ("lit", True), self.block())
            if text in ("break", "continue"):
                self.at += 1
                return (text,)
        if kind == "op" and text == "{":
            return ("block", self.block())
        expr = self.expression()
        kind, text, _ = self.peek()
        if kind == "op" and text in _ASSIGN:
            if expr[0] not in ("var", "prop", "index"):
                self.fail("Cannot assign to this expression")
            self.at += 1
            return ("set", expr, text, self.expression())
        return ("expr", expr)

    def if_statement(self) -> Node:
        branches: list[tuple[Node, list[Node]]] = []
        otherwise: list[Node] = []
        while True:
            self.expect("if")
            cond = self.expression()
            branches.append((cond, self.block()))
            if not self.is_kw("else"):
                break
            self.at += 1
            if not self.is_kw("if"):
                otherwise = self.block()
                break
        return ("if", branches, otherwise)

    def identifier(self) -> str:
        kind, text, _ = self.peek()
        if kind != "id":
            self.fail("Expecting a variable name")
        self.at += 1
        return str(text)

    # ---- expressions -----------------------------------------------------------------

    def expression(self, min_power: int = 1) -> Node:
        left = self.unary()
        while True:
            kind, text, _ = self.peek()
            power = _BINARY.get(text, 0) if kind in ("op", "kw") else 0
            if power < min_power:
                return left
            self.at += 1
            right = self.expression(power + 1)
            if text == "&&":
                left = ("and", left, right)
            elif text == "||":
                left = ("or", left, right)
            else:
                left = ("bin", text, left, right)

    def unary(self) -> Node:
        if self.is_op("-") or self.is_op("!") or self.is_op("+"):
            op = self.next()[1]
            operand = self.unary()
            if op == "-" and operand[0] == "lit" and type(operand[1]) in (int, float):
                return ("lit", -operand[1])
            return operand if op == "+" else ("un", op, operand)
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            if self.is_op("."):
                self.at += 1
                name = self.identifier()
                if self.is_op("("):
                    node = ("call", name, [node, *self.arguments()], True)
                else:
                    node = ("prop", node, name)
            elif self.is_op("["):
                self.at += 1
                key = self.expression()
                self.expect("]")
                node = ("index", node, key)
            else:
                return node

    def arguments(self) -> list[Node]:
        self.expect("(")
        args: list[Node] = []
        while not self.is_op(")"):
            args.append(self.expression())
            if not self.is_op(")"):
                self.expect(",")
        self.at += 1
        return args

    def primary(self) -> Node:
        kind, value, _ = self.next()
        if kind in ("int", "float", "str"):
            return ("lit", value)
        if kind == "tpl":
            return ("tpl", [self.interpolation(part) for part in value])
        if kind == "kw" and value in ("true", "false"):
            return ("lit", value == "true")
        if kind == "id":
            if self.is_op("("):
                return ("call", value, self.arguments(), False)
            return ("var", value)
        if kind == "op":
            if value == "(":
                if self.is_op(")"):
                    self.at += 1
                    return ("lit", None)
                inner = self.expression()
                self.expect(")")
                return inner
            if value == "[":
                return ("arr", self.items("]"))
            if value == "#{":
                return ("map", self.pairs())
        self.at -= 1
        self.fail("Expecting an expression")
        raise AssertionError  # unreachable: fail always raises

    def items(self, close: str) -> list[Node]:
        items: list[Node] = []
        while not self.is_op(close):
            items.append(self.expression())
            if not self.is_op(close):
                self.expect(",")
        self.at += 1
        return items

    def pairs(self) -> list[tuple[str, Node]]:
        pairs: list[tuple[str, Node]] = []
        while not self.is_op("}"):
            kind, key, _ = self.next()
            if kind not in ("id", "str", "kw"):
                self.at -= 1
                self.fail("Expecting a property name")
            self.expect(":")
            pairs.append((str(key), self.expression()))
            if not self.is_op("}"):
                self.expect(",")
        self.at += 1
        return pairs

    def interpolation(self, part: tuple[bool, str, int]) -> Node:
        is_code, text, offset = part
        if not is_code:
            return ("lit", text)
        tokens = [(k, v, p + offset) for k, v, p in tokenize(text)]
        inner = _Parser(self.source, tokens)
        expr = inner.expression()
        if inner.peek()[0] != "eof":
            inner.fail("Expecting `}` to close the interpolation")
        return expr
