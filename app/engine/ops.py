"""Every operation, its forward value and its local derivative side by side.

Arrays carry the batch on their last axis. All functions are numerically stable for |z| up to
1e4 and beyond: no overflow warnings, no NaN from finite input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

EPS = 1e-12  # probabilities are clipped to [EPS, 1 − EPS] before a log or a division

# ── activations: f(z) and f'(z) given z and a = f(z) ───────────────────────────


def sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # never overflows: the exponent is ≤ 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z: np.ndarray, a: np.ndarray, slope: float) -> np.ndarray:
    return a * (1.0 - a)


def tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def tanh_grad(z: np.ndarray, a: np.ndarray, slope: float) -> np.ndarray:
    return 1.0 - a * a


def relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, 0.0)


def relu_grad(z: np.ndarray, a: np.ndarray, slope: float) -> np.ndarray:
    return np.where(z > 0, 1.0, 0.0)


def leaky_relu(z: np.ndarray, slope: float = 0.01) -> np.ndarray:
    return np.where(z > 0, z, slope * z)


def leaky_relu_grad(z: np.ndarray, a: np.ndarray, slope: float) -> np.ndarray:
    return np.where(z > 0, 1.0, slope)


def linear(z: np.ndarray) -> np.ndarray:
    return z * 1.0


def linear_grad(z: np.ndarray, a: np.ndarray, slope: float) -> np.ndarray:
    return np.ones_like(z)


def softmax(z: np.ndarray, axis: int = 0) -> np.ndarray:
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))  # max-subtraction: exponents ≤ 0
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_vjp(p: np.ndarray, upstream: np.ndarray, axis: int = 0) -> np.ndarray:
    """Jacobian-vector product of softmax: ∂L/∂z_k = Σ_j ∂L/∂p_j · p_j(δ_jk − p_k)."""
    return p * (upstream - np.sum(upstream * p, axis=axis, keepdims=True))


@dataclass(frozen=True)
class Activation:
    name: str
    title: str
    forward: Callable[..., np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray, float], np.ndarray]
    range: str
    issue: str


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid", "Sigmoid", sigmoid, sigmoid_grad, "(0, 1)", "Vanishes for |z| > 5"
    ),
    "tanh": Activation("tanh", "Tanh", tanh, tanh_grad, "(−1, 1)", "Less severe vanishing"),
    "relu": Activation("relu", "ReLU", relu, relu_grad, "[0, ∞)", "Dead neurons (z < 0)"),
    "leaky_relu": Activation(
        "leaky_relu", "Leaky ReLU", leaky_relu, leaky_relu_grad, "(−∞, ∞)", "No dead neurons"
    ),
    "linear": Activation("linear", "Linear", linear, linear_grad, "(−∞, ∞)", "None"),
    "softmax": Activation(
        "softmax", "Softmax", softmax, sigmoid_grad, "(0, 1)", "None (output only)"
    ),
}


def activate(name: str, z: np.ndarray, slope: float = 0.01, axis: int = 0) -> np.ndarray:
    if name == "softmax":
        return softmax(z, axis=axis)
    if name == "leaky_relu":
        return leaky_relu(z, slope)
    return ACTIVATIONS[name].forward(z)


# ── losses: per-sample loss ℓ (summed over outputs) and ∂ℓ/∂ŷ ────────────────────


def mse(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.5 * (a - y) ** 2


def mse_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return a - y


def _clip(p: np.ndarray) -> np.ndarray:
    return np.clip(p, EPS, 1.0 - EPS)


def bce(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = _clip(a)
    return -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def bce_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = _clip(a)
    return (p - y) / (p * (1.0 - p))


def cross_entropy(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -y * np.log(_clip(a))


def cross_entropy_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -y / _clip(a)


@dataclass(frozen=True)
class Loss:
    name: str
    title: str
    forward: Callable[[np.ndarray, np.ndarray], np.ndarray]  # elementwise, summed over outputs
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", "Mean squared error, ½(ŷ − y)²", mse, mse_grad),
    "bce": Loss("bce", "Binary cross-entropy", bce, bce_grad),
    "cross_entropy": Loss("cross_entropy", "Cross-entropy", cross_entropy, cross_entropy_grad),
}

# ── graph ops: forward(xs, attrs) and ∂out/∂xs[k] side by side ─────────────────
# xs: list of arrays of shape (batch,) or scalars (parameters broadcast over the batch).


@dataclass(frozen=True)
class Op:
    name: str
    forward: Callable[[list, dict], np.ndarray]
    grad: Callable[[list, np.ndarray, int, dict], np.ndarray]


def _wsum_forward(xs: list, attrs: dict) -> np.ndarray:
    # inputs: a₀…aₙ₋₁, w₀…wₙ₋₁, b  →  Σ wᵢ·aᵢ + b
    k = attrs["fan_in"]
    return wsum(np.asarray(xs[k : 2 * k], dtype=float), np.vstack(xs[:k]), xs[2 * k])


def wsum(w: np.ndarray, a: np.ndarray, b) -> np.ndarray:
    """z = Σ wᵢ·aᵢ + b for weights (k,), inputs (k, samples) and a bias: the one formula, used by
    single steps and by the stepper's gathered fast path alike."""
    return w @ a + b


def _wsum_grad(xs: list, out: np.ndarray, i: int, attrs: dict) -> np.ndarray:
    k = attrs["fan_in"]
    if i < k:
        return np.broadcast_to(xs[k + i], out.shape)  # ∂z/∂aᵢ = wᵢ
    if i < 2 * k:
        return xs[i - k]  # ∂z/∂wᵢ = aᵢ
    return np.ones_like(out)  # ∂z/∂b = 1


def _act_forward(xs: list, attrs: dict) -> np.ndarray:
    if attrs["activation"] == "softmax":
        return softmax(np.vstack(xs), axis=0)[attrs["index"]]
    return activate(attrs["activation"], xs[0], attrs.get("slope", 0.01))


def _act_grad(xs: list, out: np.ndarray, i: int, attrs: dict) -> np.ndarray:
    name = attrs["activation"]
    if name == "softmax":  # ∂p_j/∂z_i = p_j(δ_ij − p_i)
        p = softmax(np.vstack(xs), axis=0)
        return out * ((1.0 if i == attrs["index"] else 0.0) - p[i])
    return ACTIVATIONS[name].grad(xs[0], out, attrs.get("slope", 0.01))


def _loss_forward(xs: list, attrs: dict) -> np.ndarray:
    k = len(xs) // 2
    loss = LOSSES[attrs["loss"]]
    return np.sum(loss.forward(np.vstack(xs[:k]), np.vstack(xs[k:])), axis=0)


def _loss_grad(xs: list, out: np.ndarray, i: int, attrs: dict) -> np.ndarray:
    k = len(xs) // 2
    return LOSSES[attrs["loss"]].grad(xs[i], xs[k + i])


def _unary(f, df) -> tuple:
    return (lambda xs, attrs: f(xs[0]), lambda xs, out, i, attrs: df(xs[0], out))


def _pow_grad(xs: list, out: np.ndarray, i: int, attrs: dict) -> np.ndarray:
    x, p = np.broadcast_arrays(xs[0], xs[1])
    if i == 0:
        return p * np.power(x, p - 1.0)
    return out * np.log(np.where(x > 0, x, 1.0))  # ∂(xᵖ)/∂p = xᵖ·ln x, defined for x > 0


def _safe_log(x):
    return np.log(np.where(x > 0, x, np.nan))


OPS: dict[str, Op] = {
    "wsum": Op("wsum", _wsum_forward, _wsum_grad),
    "act": Op("act", _act_forward, _act_grad),
    "loss": Op("loss", _loss_forward, _loss_grad),
    "add": Op("add", lambda xs, a: xs[0] + xs[1], lambda xs, out, i, a: np.ones_like(out)),
    "sub": Op(
        "sub", lambda xs, a: xs[0] - xs[1], lambda xs, out, i, a: np.full_like(out, 1.0 - 2 * i)
    ),
    "mul": Op(
        "mul",
        lambda xs, a: xs[0] * xs[1],
        lambda xs, out, i, a: np.broadcast_to(xs[1 - i], out.shape) * 1.0,
    ),
    "div": Op(
        "div",
        lambda xs, a: xs[0] / xs[1],
        lambda xs, out, i, a: (
            np.broadcast_to(1.0 / xs[1], out.shape) * 1.0 if i == 0 else -out / xs[1]
        ),
    ),
    "pow": Op("pow", lambda xs, a: np.power(xs[0], xs[1]), _pow_grad),
    "neg": Op("neg", lambda xs, a: -xs[0], lambda xs, out, i, a: np.full_like(out, -1.0)),
    "exp": Op("exp", *_unary(np.exp, lambda x, out: out)),
    "log": Op("log", *_unary(_safe_log, lambda x, out: 1.0 / x)),
    "tanh": Op("tanh", *_unary(np.tanh, lambda x, out: 1.0 - out * out)),
    "sigmoid": Op("sigmoid", *_unary(sigmoid, lambda x, out: out * (1.0 - out))),
    "relu": Op("relu", *_unary(relu, lambda x, out: np.where(x > 0, 1.0, 0.0))),
}
