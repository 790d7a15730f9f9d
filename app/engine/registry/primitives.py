"""Every primitive operation of expression graphs (+ − × ÷ ^ − exp log), defined once.

Each carries its forward value and its local derivative ∂out/∂xs[i] side by side, which values
that derivative reads, its formula and its slope as math trees, the words that explain both, and
its NumPy and PyTorch code for export. Activations double as functions of the expression language
(tanh(u), gelu(u)): those are in `activations.py`, and nothing here repeats them.

Arrays carry the batch; an operand may be a scalar (a parameter broadcast over the batch).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.engine.mathfmt import Bin, Call, Expr, Frac, Neg, Num, Pow
from app.engine.registry.base import ONE, TWO, E, times

Slope = Callable[[int, list[Expr], Expr, bool], Expr]


@dataclass(frozen=True)
class Primitive:
    name: str  # the graph's op name
    forward: Callable[[list], np.ndarray]  # xs → out
    grad: Callable[[list, np.ndarray, int], np.ndarray]  # xs, out, i → ∂out/∂xs[i]
    reads: tuple[tuple[str, ...], ...]  # per input i, what ∂out/∂xs[i] reads: "out", "x0", "x1"
    formula: Callable[[list[Expr]], Expr]  # out written with its operands (symbols or numbers)
    slope: Slope  # (i, operands, out, with numbers?) → ∂out/∂xs[i]
    words: str  # what the forward step does: "<out> adds its two inputs."
    rule: str  # the local derivative in words
    numpy: str  # the forward as code of {0}, {1}
    numpy_grad: tuple[str, ...]  # ∂out/∂xs[i] as code of {u}, {w}, {out}
    torch: str = ""  # the forward in PyTorch, where it differs from the NumPy code

    @property
    def arity(self) -> int:
        return len(self.reads)


def _pow_grad(xs: list, out: np.ndarray, i: int) -> np.ndarray:
    x, p = np.broadcast_arrays(xs[0], xs[1])
    if i == 0:
        return p * np.power(x, p - 1.0)
    return out * np.log(np.where(x > 0, x, 1.0))  # ∂(xᵖ)/∂p = xᵖ·ln x, defined for x > 0


def pow_exponent_note(u: str, x: float, local: float) -> str:
    """Why ∂(uᵖ)/∂p is 0 where log u is undefined (_pow_grad's mask), for the step's sentence:
    its numbers read p·log 0, which is no number."""
    if x > 0 or not math.isfinite(local):
        return ""
    if x == 0:
        return (
            f" Here {u} = 0, where log {u} is undefined: this slope is taken as 0 by convention "
            "(PyTorch's too), not computed from the numbers above."
        )
    return (
        f" Here {u} < 0, where log {u} is undefined: this slope is taken as 0, not computed "
        "from the numbers above."
    )


def _pow_slope(i: int, a: list[Expr], out: Expr, numbers: bool) -> Expr:
    u, p = a
    if i == 0:
        return times(p, Pow(u, Bin("−", p, ONE)))
    return times(out, Call("log", (u,)))


PRIMITIVES: dict[str, Primitive] = {
    p.name: p
    for p in [
        Primitive(
            "add",
            lambda xs: xs[0] + xs[1],
            lambda xs, out, i: np.ones_like(out),
            ((), ()),
            lambda a: Bin("+", a[0], a[1]),
            lambda i, a, out, numbers: ONE,
            "adds its two inputs",
            "A sum passes its gradient to each input unchanged: ∂(u + w)/∂u = 1.",
            "{0} + {1}",
            ("1.0", "1.0"),
        ),
        Primitive(
            "sub",
            lambda xs: xs[0] - xs[1],
            lambda xs, out, i: np.full_like(out, 1.0 - 2 * i),
            ((), ()),
            lambda a: Bin("−", a[0], a[1]),
            lambda i, a, out, numbers: ONE if i == 0 else Num(-1.0),
            "subtracts its second input from its first",
            "∂(u − w)/∂u = 1 and ∂(u − w)/∂w = −1: the second input gets the gradient negated.",
            "{0} - {1}",
            ("1.0", "-1.0"),
        ),
        Primitive(
            "mul",
            lambda xs: xs[0] * xs[1],
            lambda xs, out, i: np.broadcast_to(xs[1 - i], out.shape) * 1.0,
            (("x1",), ("x0",)),
            lambda a: Bin("·", a[0], a[1]),
            lambda i, a, out, numbers: a[1 - i],
            "multiplies its two inputs",
            "A product sends each input the gradient times the other factor: ∂(u·w)/∂u = w.",
            "{0} * {1}",
            ("{w}", "{u}"),
        ),
        Primitive(
            "div",
            lambda xs: xs[0] / xs[1],
            lambda xs, out, i: (
                np.broadcast_to(1.0 / xs[1], out.shape) * 1.0 if i == 0 else -out / xs[1]
            ),
            (("x1",), ("out", "x1")),
            lambda a: Frac(a[0], a[1]),
            lambda i, a, out, numbers: (
                Frac(ONE, a[1]) if i == 0 else Neg(Frac(a[0], Pow(a[1], TWO)))
            ),
            "divides its first input by its second",
            "Quotient rule: ∂(u/w)/∂u = 1/w and ∂(u/w)/∂w = −u/w².",
            "{0} / {1}",
            ("1 / {w}", "-{out} / {w}"),
        ),
        Primitive(
            "pow",
            lambda xs: np.power(xs[0], xs[1]),
            _pow_grad,
            (("x0", "x1"), ("out", "x0")),
            lambda a: Pow(a[0], a[1]),
            _pow_slope,
            "raises its first input to the power of its second",
            "Power rule: ∂(uᵖ)/∂u = p·uᵖ⁻¹, and ∂(uᵖ)/∂p = uᵖ·log u.",
            "np.power({0}, {1})",
            ("{w} * np.power({u}, {w} - 1)", "({out} * np.log({u}) if {u} > 0 else 0.0)"),
            torch="{0} ** {1}",
        ),
        Primitive(
            "neg",
            lambda xs: -xs[0],
            lambda xs, out, i: np.full_like(out, -1.0),
            ((),),
            lambda a: Neg(a[0]),
            lambda i, a, out, numbers: Num(-1.0),
            "flips the sign of its input",
            "∂(−u)/∂u = −1.",
            "-{0}",
            ("-1.0",),
        ),
        Primitive(
            "exp",
            lambda xs: np.exp(xs[0]),
            lambda xs, out, i: out,
            (("out",),),
            lambda a: Pow(E, a[0]),
            lambda i, a, out, numbers: out if numbers else Pow(E, a[0]),
            "is e raised to its input",
            "eᵘ is its own derivative: the local slope is the value just computed.",
            "np.exp({0})",
            ("{out}",),
            torch="torch.exp({0})",
        ),
        Primitive(
            "log",
            lambda xs: np.log(np.where(xs[0] > 0, xs[0], np.nan)),
            lambda xs, out, i: 1.0 / xs[0],
            (("x0",),),
            lambda a: Call("log", (a[0],)),
            lambda i, a, out, numbers: Frac(ONE, a[0]),
            "is the natural logarithm of its input (defined for inputs > 0)",
            "∂(log u)/∂u = 1/u.",
            "np.log({0})",
            ("1 / {u}",),
            torch="torch.log({0})",
        ),
    ]
}
