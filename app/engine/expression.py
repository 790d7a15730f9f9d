"""Expressions such as `(a + b) * (b + 1)`: a safe parser and the graph of primitive ops it builds.

Never `eval`: a hand-written tokenizer and an iterative shunting-yard parser, so no input can reach
Python's recursion limit. Grammar (loosest binding first):

    sum     = product (("+" | "-") product)*
    product = unary (("*" | "/") unary)*
    unary   = "-" unary | "+" unary | power          -a^2 is −(a²), as in Python and on paper
    power   = atom ("^" unary)?                       right-associative: a^b^c = a^(b^c)
    atom    = number | variable | function "(" sum ")" | "(" sum ")"

`**` is the same as `^`; `×` `·` mean `*`, `÷` means `/`, `−` means `-` (pasted from a text).
Limits are documented beside their constants in app/limits.py; every error names the offending character.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from app.engine.depth_layout import place
from app.engine.graph import Graph, Node
from app.engine.mathfmt import Num, Sym
from app.engine.registry import ACTIVATIONS
from app.limits import (
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_EXPRESSION_NUMBER,
    MAX_EXPRESSION_OPERATIONS,
    MAX_EXPRESSION_VARIABLES,
    MAX_VARIABLE_NAME,
)

# exp, log (also written ln) and every activation the registry offers as a function
FUNCTIONS = {
    "exp": "exp",
    "log": "log",
    "ln": "log",
    **{name: name for name, act in ACTIVATIONS.items() if act.expression},
}
FUNCTION_LIST = ", ".join(sorted({*FUNCTIONS} - {"ln"}))
BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow"}
SYMBOLS = {"×": "*", "·": "*", "⋅": "*", "÷": "/", "−": "-", "–": "-"}
_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pos": 3, "pow": 4}
_NUMBER = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() also accepts ² and other scripts


class ExpressionError(ValueError):
    """A parse error at a character position, shown with a caret under the expression."""

    def __init__(self, message: str, position: int, expression: str):
        self.message = message
        self.position = position
        self.expression = expression
        super().__init__(f"{message} (at character {position + 1})\n{self.caret}")

    @property
    def caret(self) -> str:
        """The expression (a window of it, if long) and a ^ under the offending character."""
        text = "".join(" " if ch.isspace() else ch for ch in self.expression)
        start = max(0, self.position - 40)
        end = min(len(text), self.position + 40)
        prefix = "…" if start else ""
        line = prefix + text[start:end] + ("…" if end < len(text) else "")
        return line + "\n" + " " * (len(prefix) + self.position - start) + "^"


@dataclass(frozen=True)
class Token:
    kind: str  # num | name | op | ( | ) | end
    text: str
    pos: int
    value: float = 0.0


@dataclass(frozen=True)
class Item:
    """One entry of the postfix form: a number, a variable, or an op with its position."""

    kind: str  # num | var | op
    name: str  # variable name or op name ("add", "neg", "tanh", …)
    pos: int
    value: float = 0.0


def tokenize(src: str) -> list[Token]:
    if len(src) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"the expression is {len(src)} characters long; the limit is {MAX_EXPRESSION_LENGTH}",
            MAX_EXPRESSION_LENGTH,
            src,
        )
    tokens: list[Token] = []
    i = 0
    while i < len(src):
        ch = src[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _DIGITS or (ch == "." and src[i + 1 : i + 2] in _DIGITS):
            m = _NUMBER.match(src, i)
            assert m is not None
            value = float(m.group())
            if not math.isfinite(value) or abs(value) > MAX_EXPRESSION_NUMBER:
                raise ExpressionError(
                    f"the number {m.group()} is too large: |number| ≤ {MAX_EXPRESSION_NUMBER:g}",
                    i,
                    src,
                )
            tokens.append(Token("num", m.group(), i, value))
            i = m.end()
        elif ch.isascii() and ch.isalpha():
            m = _NAME.match(src, i)
            assert m is not None
            name = m.group()
            if len(name) > MAX_VARIABLE_NAME:
                raise ExpressionError(
                    f"the name {name[:10]}… is longer than {MAX_VARIABLE_NAME} characters", i, src
                )
            if "__" in name:
                raise ExpressionError(f"the name {name!r} has a double underscore", i, src)
            tokens.append(Token("name", name, i))
            i = m.end()
        elif src.startswith("**", i):
            tokens.append(Token("op", "^", i))
            i += 2
        elif ch in "+-*/^" or ch in SYMBOLS:
            tokens.append(Token("op", SYMBOLS.get(ch, ch), i))
            i += 1
        elif ch in "()":
            tokens.append(Token(ch, ch, i))
            i += 1
        else:
            shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
            hint = " (functions take one argument)" if ch == "," else ""
            raise ExpressionError(f"unexpected character {shown!r}{hint}", i, src)
    tokens.append(Token("end", "", len(src)))
    return tokens


def parse(src: str) -> list[Item]:
    """The expression in postfix order. Iterative: the depth of nesting costs no stack."""
    tokens = tokenize(src)
    out: list[Item] = []
    stack: list[Item] = []  # pending operators, "(" and function calls
    depth = 0
    want_operand = True
    i = 0

    def fail(message: str, pos: int) -> ExpressionError:
        return ExpressionError(message, pos, src)

    while True:
        tok = tokens[i]
        if want_operand:
            if tok.kind == "num":
                out.append(Item("num", "", tok.pos, tok.value))
                want_operand = False
            elif tok.kind == "name":
                nxt = tokens[i + 1]
                if tok.text in FUNCTIONS:
                    if nxt.kind != "(":
                        raise fail(f"{tok.text} is a function: write {tok.text}(…)", nxt.pos)
                    stack.append(Item("op", FUNCTIONS[tok.text], tok.pos))
                elif nxt.kind == "(":
                    raise fail(
                        f"unknown function {tok.text!r}; the functions are {FUNCTION_LIST} "
                        "(write x^0.5 for a square root)",
                        tok.pos,
                    )
                else:
                    out.append(Item("var", tok.text, tok.pos))
                    want_operand = False
            elif tok.kind == "op" and tok.text in "+-":
                nxt, after = tokens[i + 1], tokens[i + 2] if i + 2 < len(tokens) else tokens[-1]
                if tok.text == "-" and nxt.kind == "num" and after.text != "^":
                    out.append(Item("num", "", tok.pos, -nxt.value))  # a negative literal
                    want_operand = False
                    i += 1
                else:
                    stack.append(Item("op", "neg" if tok.text == "-" else "pos", tok.pos))
            elif tok.kind == "(":
                depth += 1
                if depth > MAX_EXPRESSION_DEPTH:
                    raise fail(
                        f"parentheses nested deeper than {MAX_EXPRESSION_DEPTH} levels", tok.pos
                    )
                stack.append(Item("(", "(", tok.pos))
            elif tok.kind == "end":
                raise fail("the expression ends where a number, variable or ( is expected", tok.pos)
            else:
                raise fail(f"expected a number, variable or ( here, not {tok.text!r}", tok.pos)
        else:
            if tok.kind == "op":
                op = BINARY[tok.text]
                while stack and stack[-1].kind == "op" and _pops(stack[-1].name, op):
                    out.append(stack.pop())
                stack.append(Item("op", op, tok.pos))
                want_operand = True
            elif tok.kind == ")":
                while stack and stack[-1].kind != "(":
                    out.append(stack.pop())
                if not stack:
                    raise fail("this ) has no matching (", tok.pos)
                stack.pop()
                depth -= 1
                if stack and stack[-1].name in FUNCTIONS.values() and stack[-1].kind == "op":
                    out.append(stack.pop())
            elif tok.kind == "end":
                while stack:
                    top = stack.pop()
                    if top.kind == "(":
                        raise fail("this ( is never closed", top.pos)
                    out.append(top)
                break
            else:
                raise fail(
                    f"missing operator before {tok.text!r} (write 2*x, not 2x or 2 x)", tok.pos
                )
        i += 1
    out = [it for it in out if it.name != "pos"]  # unary plus changes nothing
    ops = [it for it in out if it.kind == "op"]
    if len(ops) > MAX_EXPRESSION_OPERATIONS:
        raise fail(
            f"more than {MAX_EXPRESSION_OPERATIONS} operations", ops[MAX_EXPRESSION_OPERATIONS].pos
        )
    if not ops:
        raise fail("an expression needs at least one operation, e.g. a + 0 or 2*a", 0)
    names: list[str] = []
    for it in out:
        if it.kind == "var" and it.name not in names:
            names.append(it.name)
            if len(names) > MAX_EXPRESSION_VARIABLES:
                raise fail(f"more than {MAX_EXPRESSION_VARIABLES} different variables", it.pos)
    return out


def _pops(top: str, incoming: str) -> bool:
    """Does the operator on the stack bind before the incoming binary operator?"""
    if incoming == "pow":  # right-associative, and a prefix minus waits for its power
        return False
    return _PREC.get(top, 5) >= _PREC[incoming]


def variables(items: list[Item]) -> list[str]:
    """Variable names in order of first appearance."""
    seen: list[str] = []
    for it in items:
        if it.kind == "var" and it.name not in seen:
            seen.append(it.name)
    return seen


def _var_sym(name: str) -> Sym:
    """w1 and w_1 are written w₁; other names as they are."""
    m = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    return Sym(m.group(1), m.group(2)) if m else Sym(name)


def _free_names(names: list[str]) -> tuple[Sym, str]:
    """The output's symbol and the base letter of the intermediate values v₁, v₂, …: f and v,
    unless a variable is written the same way (a variable named f, or v1): then the next free one,
    so that ∂f/∂f never means two things."""
    taken = {_var_sym(v) for v in names}
    out = next(
        (s for s in (Sym("f"), Sym("out"), Sym("F"), Sym("out", "f")) if s not in taken), Sym("φ")
    )
    bases = {s.base for s in taken if s.sub}
    inner = next((b for b in ("v", "u", "t", "s", "q", "w", "r") if b not in bases), "ν")
    return out, inner


def build_expression_graph(src: str, values: dict[str, float]) -> Graph:
    """Variables become parameters (they get gradients), numbers constant inputs, and the last
    operation is the root f, whose gradient ∂f/∂f = 1 seeds the backward pass (named otherwise
    when a variable is called f: see _free_names)."""
    items = parse(src)
    names = variables(items)
    missing = [v for v in names if v not in values]
    if missing:
        raise ValueError(f"no value for the variable {missing[0]!r}")
    out_sym, inner = _free_names(names)
    nodes: list[Node] = []
    consts: list[float] = []
    var_node: dict[str, int] = {}
    stack: list[int] = []
    n_ops = sum(1 for it in items if it.kind == "op")
    k = 0
    for it in items:
        if it.kind == "num":
            nodes.append(
                Node(
                    f"c{len(consts) + 1}", "input", Num(it.value), role="const", column=len(consts)
                )  # type: ignore[arg-type]
            )
            consts.append(it.value)
            stack.append(len(nodes) - 1)
        elif it.kind == "var":
            if it.name not in var_node:
                var_node[it.name] = len(nodes)
                nodes.append(
                    Node(
                        f"var_{it.name}",
                        "param",
                        _var_sym(it.name),
                        role="var",
                        tensor=it.name,
                        init=float(values[it.name]),
                        group=(len(var_node),),
                    )
                )
            stack.append(var_node[it.name])
        else:
            k += 1
            arity = 2 if it.name in BINARY.values() else 1
            args = tuple(stack[-arity:])
            del stack[-arity:]
            last = k == n_ops
            nodes.append(
                Node(
                    "f" if last else f"v{k}",
                    "op",
                    out_sym if last else Sym(inner, str(k)),
                    op=it.name,
                    inputs=args,
                    role="expr",
                )
            )
            stack.append(len(nodes) - 1)
    root = stack.pop()
    place(nodes, root)
    inputs = np.array([consts], dtype=float).reshape(1, len(consts))
    return Graph(nodes, root, inputs, np.zeros((1, 0)))
