"""What the registry's definitions share: the clip, and helpers to write formulas with numbers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engine.mathfmt import Bin, Call, Chain, Expr, Fmt, Neg, Num, Sym, Word, contains

EPS = 1e-12  # probabilities are clipped to [EPS, 1 − EPS] before a log or a division


def clip(p: np.ndarray) -> np.ndarray:
    return np.clip(p, EPS, 1.0 - EPS)


@dataclass(frozen=True)
class Const(Num):
    """A constant of a formula (1, GELU's 0.044715): written in full, whatever the precision, and
    multiplied with · as symbols are; × is kept for products of the step's own numbers."""

    def text(self, fmt: Fmt) -> str:
        return f"{self.value:.6g}".replace("-", "−")

    def latex(self, fmt: Fmt) -> str:
        return f"{self.value:.6g}"

    def mathml(self, fmt: Fmt) -> str:
        return f"<mn>{self.value:.6g}</mn>"


ZERO, ONE, TWO, THREE = Const(0.0), Const(1.0), Const(2.0), Const(3.0)
HALF, E = Sym("½"), Sym("e")


def _step_number(x: Expr) -> bool:
    return isinstance(x, Num) and not isinstance(x, Const)


def _call(x: Expr) -> bool:
    return isinstance(x, Call)


def times(a: Expr, b: Expr) -> Expr:
    """a × b where the product holds one of the step's numbers, else a · b (as explanations do)."""
    number = contains(a, _step_number) or contains(b, _step_number)
    return Bin("×" if number else "·", a, b)


def negate(x: Expr) -> Expr:
    """−x: a number is negated (e^−0.5 for z = 0.5, e^0.5 for z = −0.5), a symbol written −z."""
    return Num(-x.value) if isinstance(x, Num) else Neg(x)


def terms(items: list[Expr], limit: int = 6) -> Chain:
    """a + b + … + c, shortened to the first two, … and the last beyond `limit` terms."""
    if len(items) > limit:
        items = [*items[:2], Word("…"), *items[-1:]]
    return Chain("+", tuple(items))


def arithmetic(e: Expr) -> bool:
    """Whether a tree is plain arithmetic a reader can work out: no function left to evaluate."""
    return not contains(e, _call)
