"""Every activation, defined once: f(z) and f'(z) side by side, with everything said about it.

Arrays carry the batch on their last axis. Every function is numerically stable for |z| up to
1e4 and beyond: no overflow warnings, no NaN from finite input.

To add an activation, add one `Activation(...)` to `ACTIVATIONS` below. The engine, the
explanations, the worksheet check, both code exports, the labs, the expression parser (if
`expression`), the API's enumeration and the pages' menus all pick it up from here, and the
registry's tests walk it through every step, PyTorch, finite differences and both exports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import exp as _exp

import numpy as np
from numpy._core._multiarray_umath import __cpu_features__

from app.engine.mathfmt import Bin, Call, Expr, Frac, Num, Paren, Pow, Sym
from app.engine.registry.base import (
    HALF,
    ONE,
    THREE,
    TWO,
    ZERO,
    Const,
    E,
    arithmetic,
    negate,
    times,
)

Formula = Callable[[Expr, Expr], tuple[Expr, ...]]
Slope = Callable[[Expr, Expr, Expr], Expr]


@dataclass(frozen=True)
class Activation:
    name: str  # the API's name: "leaky_relu"
    title: str  # for people: "Leaky ReLU"
    symbol: str  # in formulas: σ(z), lrelu(z); its slope is written symbol'(z)
    glyph: str  # in a graph node's badge
    forward: Callable[[np.ndarray, float], np.ndarray]  # f(z, α)
    grad: Callable[[np.ndarray, np.ndarray, float], np.ndarray]  # f'(z) from z, a = f(z), α
    reads: tuple[str, ...]  # the stored values f' reads: "z" (its input), "a" (its output)
    formula: Formula  # (z, α) → the sides of a = …; the last side is also written with numbers
    slope: Slope | None  # (z, a, α) → f' written with what it reads; None: f'(z) and its number
    words: str  # what the forward step does, with {z}
    rule: str  # f' in words, with {z} and {a}
    numpy: tuple[str, str]  # f and f' as NumPy code of {z}, {a} (and SLOPE)
    torch: str  # f as PyTorch code of {z} (and SLOPE): the export's and the oracle's
    range: str
    issue: str  # its gradient issue, for the labs' explorer
    domain: str  # where it is undefined, where it saturates or clips
    uses_slope: bool = False  # reads the scenario's leaky_slope as α
    output_only: bool = False  # couples a whole layer (softmax): the output layer only
    expression: bool = True  # also a function of the expression language: name(u)
    kinked: bool = False  # the sign of z picks the slope's branch
    init: str = "xavier"  # the initialisation that keeps its signal's variance: xavier or he
    numpy_lines: tuple[str, ...] = ()  # the export's NumPy definitions, where not f and f' alone
    # a coupled layer (softmax): ∂a_j/∂z_i of the layer's z's, and ∂L/∂z from ∂L/∂a for the layer
    jacobian: Callable[[np.ndarray, np.ndarray, int, int], np.ndarray] | None = None
    layer_vjp: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None

    def vjp(self, z: np.ndarray, a: np.ndarray, upstream: np.ndarray, al: float) -> np.ndarray:
        """∂L/∂z from ∂L/∂a = `upstream`: f'(z)·upstream, or the layer's Jacobian when coupled."""
        if self.layer_vjp is not None:
            return self.layer_vjp(a, upstream)
        return upstream * self.grad(z, a, al)

    def numpy_defs(self) -> list[str]:
        """The exported script's `name(z)` and `name_deriv(z, a)`."""
        if self.numpy_lines:
            return [*self.numpy_lines, "", ""]
        f, d = (code.format(z="z", a="a") for code in self.numpy)
        why = self.rule.format(z="z", a="a")
        return [
            f"def {self.name}(z):",
            f"    return {f}",
            "",
            "",
            f"def {self.name}_deriv(z, a):  # {why}",
            f"    return {d}",
            "",
            "",
        ]

    def local(self, z: Expr, a: Expr, al: Expr, zn: Num, an: Num, aln: Num, local: float):
        """f' written with symbols and with numbers: the formula's numbers where they are plain
        arithmetic (a × (1 − a)), else f'(z)'s value."""
        if self.slope is None:
            return Call(f"{self.symbol}'", (z,)), Num(float(local))
        num = self.slope(zn, an, aln)
        return self.slope(z, a, al), num if arithmetic(num) else Num(float(local))

    def branch(self, z: str, zv: float, local: float) -> str:
        """Which branch gave the slope, for a kinked activation: 'z > 0, so the slope is 1'."""
        if not self.kinked:
            return ""
        return f"{z} {'>' if zv > 0 else '≤'} 0, so the slope is {local:g}"

    def note(self, z: str, zv: float, local: float) -> str:
        """The branch in parentheses, to end a sentence: ' (z > 0, so the slope is 1)'."""
        branch = self.branch(z, zv, local)
        return f" ({branch})" if branch else ""


# ── the functions ───────────────────────────────────────────────────────────────


def sigmoid(z: np.ndarray) -> np.ndarray:
    if LIBM_EXP and type(z) is np.ndarray and z.size <= SMALL and z.dtype == np.float64:
        return _small_sigmoid(z)
    e = np.exp(-np.abs(z))  # never overflows: the exponent is ≤ 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# Where NumPy's float64 exp is the C library's (no AVX-512 kernel of its own), math.exp is the
# very same function: a few numbers (a small batch) are then done as Python floats, the same
# arithmetic as sigmoid's NumPy calls to the bit, without their per-call cost.
LIBM_EXP = not __cpu_features__.get("AVX512F", False)
SMALL = 8


def _small_sigmoid(z: np.ndarray) -> np.ndarray:
    out = []
    for x in z.ravel().tolist():
        e = _exp(-abs(x))
        out.append(1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e))
    return np.array(out, dtype=np.float64).reshape(z.shape)


def softmax(z: np.ndarray, axis: int = 0) -> np.ndarray:
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))  # max-subtraction: exponents ≤ 0
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_vjp(p: np.ndarray, upstream: np.ndarray, axis: int = 0) -> np.ndarray:
    """Jacobian-vector product of softmax: ∂L/∂zₖ = Σⱼ ∂L/∂pⱼ · pⱼ(δⱼₖ − pₖ)."""
    return p * (upstream - np.sum(upstream * p, axis=axis, keepdims=True))


GELU_C = 0.044715  # the tanh form's cubic coefficient, as in PyTorch's approximate="tanh"
GELU_K = float(np.sqrt(2.0 / np.pi))
ELU_ALPHA = 1.0  # PyTorch's default α
# softmax's Jacobian ∂pⱼ/∂zₖ, in the page's notation: its rule and every backward step's sentence
SOFTMAX_JACOBIAN = "pⱼ(δⱼₖ − pₖ)"


def _gelu_tanh(z: np.ndarray) -> np.ndarray:
    # beyond |z| = 1e3 the tanh is ±1 exactly: clipping keeps z³ from overflowing
    zc = np.clip(z, -1e3, 1e3)
    return np.tanh(GELU_K * (zc + GELU_C * zc**3))


def gelu(z: np.ndarray) -> np.ndarray:
    return 0.5 * z * (1.0 + _gelu_tanh(z))


def gelu_grad(z: np.ndarray, a: np.ndarray, slope: float) -> np.ndarray:
    t, zc = _gelu_tanh(z), np.clip(z, -1e3, 1e3)
    return 0.5 * (1.0 + t) + 0.5 * zc * (1.0 - t * t) * GELU_K * (1.0 + 3.0 * GELU_C * zc * zc)


def _gelu_formula(z: Expr) -> Expr:
    """½·z·(1 + tanh(√(2/π)·(z + 0.044715·z³))), √(2/π) written exactly."""
    inner = Paren(Bin("+", z, times(Const(GELU_C), Pow(z, THREE))))
    root = Pow(Paren(Frac(TWO, Sym("π"))), HALF)
    return times(times(HALF, z), Paren(Bin("+", ONE, Call("tanh", (times(root, inner),)))))


def elu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def _call(name: str) -> Formula:
    return lambda z, al: (Call(name, (z,)),)


def _from_a(f: Callable[[Expr], Expr]) -> Slope:
    return lambda z, a, al: f(a)


# ── the registry ────────────────────────────────────────────────────────────────

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "sigmoid",
            "Sigmoid",
            "σ",
            "σ",
            lambda z, al: sigmoid(z),
            lambda z, a, al: a * (1.0 - a),
            ("a",),
            lambda z, al: (Call("σ", (z,)), Frac(ONE, Bin("+", ONE, Pow(E, negate(z))))),
            _from_a(lambda a: times(a, Paren(Bin("−", ONE, a)))),
            "The sigmoid squashes {z} into (0, 1)",
            "σ'({z}) = σ({z})(1 − σ({z})), read from the output {a} stored in the forward pass.",
            ("1 / (1 + np.exp(-{z}))", "{a} * (1 - {a})"),
            "torch.sigmoid({z})",
            "(0, 1)",
            "Vanishes for |z| > 5",
            "Defined for every z; saturates at 0 and 1, where σ' falls below 0.01 for |z| > 4.6.",
        ),
        Activation(
            "tanh",
            "Tanh",
            "tanh",
            "tanh",
            lambda z, al: np.tanh(z),
            lambda z, a, al: 1.0 - a * a,
            ("a",),
            _call("tanh"),
            _from_a(lambda a: Bin("−", ONE, Pow(a, TWO))),
            "tanh squashes {z} into (−1, 1)",
            "tanh'({z}) = 1 − tanh²({z}), read from the output {a} stored in the forward pass.",
            ("np.tanh({z})", "1 - {a}**2"),
            "torch.tanh({z})",
            "(−1, 1)",
            "Less severe vanishing",
            "Defined for every z; saturates at ±1, where tanh' falls below 0.01 for |z| > 3.",
        ),
        Activation(
            "relu",
            "ReLU",
            "relu",
            "ReLU",
            lambda z, al: np.where(z > 0, z, 0.0),
            lambda z, a, al: np.where(z > 0, 1.0, 0.0),
            ("z",),
            lambda z, al: (Call("max", (ZERO, z)),),
            None,
            "ReLU passes {z} through if it is positive and outputs 0 otherwise",
            "relu'({z}) is 1 if {z} > 0, else 0.",
            ("np.maximum({z}, 0.0)", "({z} > 0) * 1.0"),
            "torch.relu({z})",
            "[0, ∞)",
            "Dead neurons (z < 0)",
            "Defined for every z; not differentiable at 0, where the slope is taken as 0.",
            kinked=True,
            init="he",
        ),
        Activation(
            "leaky_relu",
            "Leaky ReLU",
            "lrelu",
            "LReLU",
            lambda z, al: np.where(z > 0, z, al * z),
            lambda z, a, al: np.where(z > 0, 1.0, al),
            ("z",),
            lambda z, al: (Call("max", (times(al, z), z)),),
            None,
            "Leaky ReLU passes {z} through if positive, else scales it by α",
            "lrelu'({z}) is 1 if {z} > 0, else α.",
            ("np.where({z} > 0, {z}, SLOPE * {z})", "np.where({z} > 0, 1.0, SLOPE)"),
            "torch.nn.functional.leaky_relu({z}, SLOPE)",
            "(−∞, ∞)",
            "No dead neurons",
            "Defined for every z; not differentiable at 0, where the slope is taken as α.",
            uses_slope=True,
            expression=False,
            kinked=True,
            init="he",
        ),
        Activation(
            "linear",
            "Linear",
            "id",
            "id",
            lambda z, al: z * 1.0,
            lambda z, a, al: np.ones_like(z),
            (),
            lambda z, al: (z,),
            lambda z, a, al: ONE,
            "The linear (identity) activation passes {z} through unchanged",
            "id'({z}) = 1 everywhere.",
            ("{z} * 1.0", "np.ones_like({z})"),
            "{z} * 1.0",
            "(−∞, ∞)",
            "None",
            "Defined for every z; unbounded, so a deep linear stack can blow up.",
            expression=False,
        ),
        Activation(
            "softmax",
            "Softmax",
            "softmax",
            "softmax",
            lambda z, al: softmax(z, axis=0),
            lambda z, a, al: a * (1.0 - a),  # the Jacobian's diagonal (the labs' explorer)
            ("z", "a"),
            _call("softmax"),
            None,
            "Softmax turns the layer's z values into probabilities that sum to 1",
            f"∂pⱼ/∂zₖ = {SOFTMAX_JACOBIAN}: every output depends on every z.",
            ("softmax({z})", "softmax_backward({a}, dA)"),
            "torch.softmax({z}, dim=0)",
            "(0, 1)",
            "None (output only)",
            "Defined for every z; max-subtraction keeps every exponent ≤ 0.",
            output_only=True,
            expression=False,
            jacobian=lambda zs, out, i, j: out * (float(i == j) - softmax(zs, axis=0)[i]),
            layer_vjp=lambda a, upstream: softmax_vjp(a, upstream, axis=0),
            numpy_lines=(
                "def softmax(z):",
                "    e = np.exp(z - np.max(z, axis=0, keepdims=True))",
                "    return e / np.sum(e, axis=0, keepdims=True)",
                "",
                "",
                "def softmax_backward(a, dA):  # Jacobian-vector product: a·(dA − Σ dA·a)",
                "    return a * (dA - np.sum(dA * a, axis=0, keepdims=True))",
            ),
        ),
        Activation(
            "gelu",
            "GELU (tanh form)",
            "gelu",
            "GELU",
            lambda z, al: gelu(z),
            gelu_grad,
            ("z",),
            lambda z, al: (Call("gelu", (z,)), _gelu_formula(z)),
            None,
            "GELU weighs {z} by how likely a standard normal variable is to be below it",
            "gelu'({z}) = ½(1 + t) + ½·{z}·(1 − t²)·√(2/π)·(1 + 0.134145·{z}²), "
            "with t the tanh of the forward pass.",
            (
                "0.5 * {z} * (1 + np.tanh(np.sqrt(2 / np.pi) * ({z} + 0.044715 * {z}**3)))",
                "0.5 * (1 + np.tanh(np.sqrt(2 / np.pi) * ({z} + 0.044715 * {z}**3)))"
                " + 0.5 * {z} * (1 - np.tanh(np.sqrt(2 / np.pi) * ({z} + 0.044715 * {z}**3)) ** 2)"
                " * np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * {z}**2)",
            ),
            'torch.nn.functional.gelu({z}, approximate="tanh")',
            "[−0.17, ∞)",
            "Small negative outputs; smooth near 0",
            "Defined for every z; ≈ z for large z and ≈ 0 for very negative z.",
            init="he",
        ),
        Activation(
            "softplus",
            "Softplus",
            "softplus",
            "softplus",
            lambda z, al: np.logaddexp(0.0, z),
            lambda z, a, al: sigmoid(z),
            ("z",),
            lambda z, al: (
                Call("softplus", (z,)),
                Call("log", (Bin("+", ONE, Pow(E, z)),)),
            ),
            lambda z, a, al: Call("σ", (z,)),
            "Softplus smooths ReLU: it is near 0 for very negative {z} and near {z} for large {z}",
            "softplus'({z}) = σ({z}), the sigmoid of its input.",
            ("np.logaddexp(0.0, {z})", "1 / (1 + np.exp(-{z}))"),
            "torch.nn.functional.softplus({z}, threshold=40.0)",
            "(0, ∞)",
            "Vanishes for very negative z",
            "Defined for every z; computed as logaddexp(0, z), so e^z never overflows.",
        ),
        Activation(
            "silu",
            "SiLU (swish)",
            "silu",
            "SiLU",
            lambda z, al: z * sigmoid(z),
            lambda z, a, al: sigmoid(z) * (1.0 + z * (1.0 - sigmoid(z))),
            ("z",),
            lambda z, al: (Call("silu", (z,)), times(z, Call("σ", (z,)))),
            lambda z, a, al: times(
                Call("σ", (z,)),
                Paren(Bin("+", ONE, times(z, Paren(Bin("−", ONE, Call("σ", (z,))))))),
            ),
            "SiLU multiplies {z} by its own sigmoid, so small negative values pass a little",
            "silu'({z}) = σ({z})(1 + {z}(1 − σ({z}))).",
            (
                "{z} / (1 + np.exp(-{z}))",
                "(1 + {z} * (1 - 1 / (1 + np.exp(-{z})))) / (1 + np.exp(-{z}))",
            ),
            "torch.nn.functional.silu({z})",
            "[−0.28, ∞)",
            "Small negative outputs; no dead neurons",
            "Defined for every z; ≈ z for large z and ≈ 0 for very negative z.",
            init="he",
        ),
        Activation(
            "elu",
            "ELU (α = 1)",
            "elu",
            "ELU",
            lambda z, al: elu(z),
            lambda z, a, al: np.where(z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(z, 0.0))),
            ("z",),
            lambda z, al: (
                Call("elu", (z,)),
                Bin(
                    "+",
                    Call("max", (ZERO, z)),
                    Call("min", (ZERO, Bin("−", Pow(E, z), ONE))),
                ),
            ),
            None,
            "ELU passes {z} through if positive, else exp({z}) − 1, which levels off at −1",
            "elu'({z}) is 1 if {z} > 0, else exp({z}).",
            (
                "np.where({z} > 0, {z}, np.expm1(np.minimum({z}, 0.0)))",
                "np.where({z} > 0, 1.0, np.exp(np.minimum({z}, 0.0)))",
            ),
            "torch.nn.functional.elu({z})",
            "(−1, ∞)",
            "No dead neurons; saturates at −1",
            "Defined for every z; α = 1, so the slope is continuous at 0.",
            kinked=True,
            init="he",
        ),
    ]
}


def activate(name: str, z: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """f(z) of the named activation; a coupled one (softmax) across axis 0, the neurons."""
    return ACTIVATIONS[name].forward(z, slope)
