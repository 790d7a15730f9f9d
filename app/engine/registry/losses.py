"""Every loss, defined once: the per-sample loss ℓ (summed over outputs) and ∂ℓ/∂ŷ side by side.

To add a loss, add one `Loss(...)` to `LOSSES` below; everything else reads it from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.engine.mathfmt import Bin, Call, Expr, Frac, Neg, Paren, Pow
from app.engine.registry.base import HALF, ONE, TWO, clip, terms, times

Pairs = list[tuple[Expr, Expr]]


@dataclass(frozen=True)
class Loss:
    name: str  # the API's name
    title: str  # for people
    forward: Callable[[np.ndarray, np.ndarray], np.ndarray]  # ℓ per output, from ŷ and y
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]  # ∂ℓ/∂ŷ, from ŷ and y
    formula: Callable[[Pairs], Expr]  # ℓ written over (ŷ, y) pairs, symbols or numbers
    slope: Callable[[Expr, Expr], Expr]  # ∂ℓ/∂ŷ written with ŷ and y
    clips: bool  # its slope reads ŷ clipped to [EPS, 1 − EPS] (written so with numbers)
    words: str  # what the loss measures
    rule: str  # its slope in words, around {slope}: "∂L/∂ŷ = ŷ − y" in the lesson's own names
    numpy: str  # ℓ per output as NumPy code of {a}, Y and EPS
    numpy_grad: tuple[str, ...]  # lines that set {d} = ∂ℓ/∂ŷ from y_hat, Y and EPS
    torch: str  # ℓ per output as PyTorch code of {a}, {p} (ŷ clamped), Y
    domain: str  # where it is undefined, where it clips
    reads: tuple[str, ...] = ("a",)  # the slope reads the prediction ŷ (and the target)


def _mse(p: Pairs) -> Expr:
    sq = [Pow(Paren(Bin("−", a, y)), TWO) for a, y in p]
    return times(HALF, sq[0] if len(sq) == 1 else Paren(terms(sq)))


def _bce(p: Pairs) -> Expr:
    return Neg(
        Paren(
            terms(
                [
                    Bin(
                        "+",
                        Bin("·", y, Call("log", (a,))),
                        Bin("·", Paren(Bin("−", ONE, y)), Call("log", (Bin("−", ONE, a),))),
                    )
                    for a, y in p
                ]
            )
        )
    )


def _bce_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = clip(a)
    return (p - y) / (p * (1.0 - p))


LOSSES: dict[str, Loss] = {
    s.name: s
    for s in [
        Loss(
            "mse",
            "Squared error ½(ŷ − y)²",
            lambda a, y: 0.5 * (a - y) ** 2,
            lambda a, y: a - y,
            _mse,
            lambda a, y: Bin("−", a, y),
            False,
            "The loss measures how far the prediction is from the target: ½(ŷ − y)².",
            "How does the loss change when the prediction moves? {slope}: the error signal "
            "starts here.",
            "0.5 * (({a} - Y) ** 2)",
            ("{d} = y_hat - Y  # ∂ℓ/∂ŷ for ℓ = ½(ŷ − y)²",),
            "0.5 * ({a} - Y) ** 2",
            "Defined for every ŷ and y.",
        ),
        Loss(
            "bce",
            "Binary cross-entropy",
            lambda a, y: -(y * np.log(clip(a)) + (1.0 - y) * np.log(1.0 - clip(a))),
            _bce_grad,
            _bce,
            lambda a, y: Frac(Bin("−", a, y), times(a, Paren(Bin("−", ONE, a)))),
            True,
            "Binary cross-entropy punishes a confident wrong probability heavily.",
            "Binary cross-entropy's slope: {slope}.",
            "-(Y * np.log(np.clip({a}, EPS, 1 - EPS)) + (1 - Y) * np.log(1 - np.clip({a}, EPS, 1 - EPS)))",
            (
                "p = np.clip(y_hat, EPS, 1 - EPS)",
                "{d} = (p - Y) / (p * (1 - p))  # ∂ℓ/∂ŷ of binary cross-entropy",
            ),
            "-(Y * torch.log({p}) + (1 - Y) * torch.log(1 - {p}))",
            "ŷ is a probability, clipped to [1e-12, 1 − 1e-12] before the log and the division.",
        ),
        Loss(
            "cross_entropy",
            "Cross-entropy (softmax)",
            lambda a, y: -y * np.log(clip(a)),
            lambda a, y: -y / clip(a),
            lambda p: Neg(Paren(terms([Bin("·", y, Call("log", (a,))) for a, y in p]))),
            lambda a, y: Neg(Frac(y, a)),
            True,
            "Cross-entropy is minus the log of the probability given to the true class.",
            "Cross-entropy's slope is {slope}; through softmax it becomes p − y for each z.",
            "-Y * np.log(np.clip({a}, EPS, 1 - EPS))",
            ("{d} = -Y / np.clip(y_hat, EPS, 1 - EPS)  # ∂ℓ/∂p of cross-entropy",),
            "-Y * torch.log({p})",
            "Goes with a softmax output; p is clipped to [1e-12, 1 − 1e-12] before the log.",
        ),
    ]
}
