"""Whole iterations in matrix form (columns are samples, as in the tutorial's XOR program).

Used by /api/run and by training; it must agree with the stepped path to 1e-12, so it uses the
same ops and the same decomposition (loss gradient, then activation, then weighted sum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from math import exp as _exp

import numpy as np

from app.engine.network import MLPSpec
from app.engine.registry import ACTIVATIONS, LOSSES, OPTIMIZERS, activate
from app.engine.registry.activations import LIBM_EXP


@dataclass
class Pass:
    zs: list[np.ndarray]  # pre-activations per layer, (out, samples)
    acts: list[np.ndarray]  # activations, acts[0] = X.T
    losses: np.ndarray  # per-sample loss ℓ_s, (samples,)

    @property
    def loss(self) -> float:
        with np.errstate(all="ignore"):  # finite losses whose sum overflows: inf, i.e. diverged
            return float(np.add.reduce(self.losses, axis=None)) / self.losses.size  # np.mean's

    @property
    def outputs(self) -> np.ndarray:
        return self.acts[-1].T  # (samples, outputs)


def forward(spec: MLPSpec, weights=None, biases=None) -> Pass:
    weights = spec.weights if weights is None else weights
    biases = spec.biases if biases is None else biases
    with np.errstate(all="ignore"):
        a = spec.inputs.T
        zs, acts = [], [a]
        for W, b, act in zip(weights, biases, spec.activations, strict=True):
            z = W @ a + b[:, None]
            a = activate(act, z, spec.leaky_slope)
            zs.append(z)
            acts.append(a)
        losses = np.add.reduce(LOSSES[spec.loss].forward(a, spec.targets.T), axis=0)  # np.sum
    return Pass(zs, acts, losses)


def loss_of(spec: MLPSpec) -> float:
    """forward(spec).loss; for one sample of a shape _scalar_loss takes, in Python floats."""
    if spec.inputs.shape[0] == 1 and _scalar_loss_fits(spec):
        return _scalar_loss(spec)
    return forward(spec).loss


def _scalar_loss_fits(spec: MLPSpec) -> bool:
    """Whether _scalar_loss is loss_of's float for this shape: sigmoid layers and mse, the
    sigmoid's exp the C library's, and W @ a of each layer's shape NumPy's sum in order."""
    return (
        LIBM_EXP
        and spec.loss == "mse"
        and all(act == "sigmoid" for act in spec.activations)
        and all(naive_matmul(w.shape) for w in spec.weights)
    )


def _scalar_loss(spec: MLPSpec) -> float:
    """loss_of for one sample, as Python floats: the same operations in the same order (W @ a
    the sum from 0.0 of the products in order, + b; the sigmoid as activations._small_sigmoid;
    ½(a − y)² summed from 0.0 over the outputs; the mean of that one sample's loss)."""
    a = spec.inputs[0].tolist()
    for W, b in zip(spec.weights, spec.biases, strict=True):
        out = []
        for z in _affine(W.tolist(), b.tolist(), a):
            e = _exp(-abs(z))
            out.append(1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e))
        a = out
    total = 0.0
    for ai, yi in zip(a, spec.targets[0].tolist(), strict=True):
        d = ai - yi
        total = total + 0.5 * (d * d)
    return (0.0 + total) / 1


def _affine(W: list[list[float]], b: list[float], a: list[float]) -> list[float]:
    """W @ a + b[:, None] for one sample, as NumPy does it where naive_matmul holds."""
    out = []
    for row, bias in zip(W, b, strict=True):
        z = 0.0
        for w, x in zip(row, a, strict=True):
            z = z + w * x
        out.append(z + bias)
    return out


_NAIVE: dict[tuple[int, ...], bool] = {}
NAIVE_MOST = 8  # rows and columns of a weight matrix probed at most


def naive_matmul(shape: tuple[int, ...]) -> bool:
    """Whether NumPy's W @ a of this W (rows, columns), or of a weight vector (columns,), and a
    one-column a is, row by row, the sum from 0.0 of the products in order as Python floats (no
    fused multiply-add, no other order; for several rows it is not here: NumPy's matrix-vector
    kernel). Probed once per shape on numbers where those differ, and on signed zeros; the
    Python-float replays (here, stepper._scalar_program) rely on it."""
    kept = _NAIVE.get(shape)
    if kept is not None:
        return kept
    cols = shape[-1]
    rows = shape[0] if len(shape) == 2 else 1
    ok = 0 < rows <= NAIVE_MOST and 0 < cols <= NAIVE_MOST
    rng = np.random.default_rng(2024)
    with np.errstate(all="ignore"):
        for t in range(48 if ok else 0):
            W = rng.normal(0, 1, shape) * 10.0 ** rng.integers(-8, 8, shape)
            a = rng.normal(0, 1, (cols, 1))
            if t < 2:  # products of signed zeros
                W[:], a[:] = (-0.0, 1.0) if t == 0 else (1.0, -0.0)
            got = np.atleast_1d(W @ a).reshape(rows).tolist()
            for row, z in zip(np.reshape(W, (rows, cols)).tolist(), got, strict=True):
                s = 0.0
                for w, x in zip(row, a[:, 0].tolist(), strict=True):
                    s = s + w * x
                if z != s or math.copysign(1.0, z) != math.copysign(1.0, s):
                    ok = False
                    break
            if not ok:
                break
    _NAIVE[shape] = ok
    return ok


def backward(spec: MLPSpec, fp: Pass, weights=None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """∂L/∂W and ∂L/∂b with L the mean of the per-sample losses."""
    weights = spec.weights if weights is None else weights
    m = spec.inputs.shape[0]
    dws: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
    dbs: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
    with np.errstate(all="ignore"):
        da = LOSSES[spec.loss].grad(fp.acts[-1], spec.targets.T)  # ∂ℓ_s/∂ŷ per sample
        for l in range(len(weights) - 1, -1, -1):
            z, a, act = fp.zs[l], fp.acts[l + 1], spec.activations[l]
            delta = ACTIVATIONS[act].vjp(z, a, da, spec.leaky_slope)
            dws[l] = (delta @ fp.acts[l].T) / m
            dbs[l] = np.sum(delta, axis=1) / m
            if l:
                da = weights[l].T @ delta
    return dws, dbs


def tensor_names(depth: int) -> list[str]:
    """The parameter tensors in the flat order of the optimizer's state: W1 … WL, b1 … bL."""
    return [f"W{l}" for l in range(1, depth + 1)] + [f"b{l}" for l in range(1, depth + 1)]


def flat_offsets(spec: MLPSpec) -> dict[str, tuple[int, int]]:
    """Each tensor's [start, end) in the flat order."""
    out, at = {}, 0
    for name, t in zip(tensor_names(spec.depth), [*spec.weights, *spec.biases], strict=True):
        out[name] = (at, at + t.size)
        at += t.size
    return out


def trainable(spec: MLPSpec) -> np.ndarray:
    """Which entries of the flat order the optimizer updates (frozen tensors: none, no state)."""
    mask = np.ones(sum(t.size for t in [*spec.weights, *spec.biases]), dtype=bool)
    for name, (a, b) in flat_offsets(spec).items():
        if name in spec.frozen:
            mask[a:b] = False
    return mask


def optimizer_of(spec: MLPSpec):
    """The scenario's optimizer and its hyperparameters, PyTorch's defaults filled in."""
    opt = OPTIMIZERS[spec.optimizer]
    return opt, opt.resolve(spec.hyper)


def plain_sgd(spec: MLPSpec) -> bool:
    """W ← W − η·∂L/∂W and nothing else: no state, no weight decay."""
    opt, h = optimizer_of(spec)
    return opt.name == "sgd" and not h["momentum"] and not h["weight_decay"]


def start_state(spec: MLPSpec) -> dict[str, np.ndarray]:
    """The optimizer state carried in (copied), or zeros: one flat array per quantity."""
    opt, h = optimizer_of(spec)
    n = sum(t.size for t in [*spec.weights, *spec.biases])
    given = spec.opt_state or {}
    return {k: np.array(given[k], dtype=float) if k in given else np.zeros(n) for k in opt.slots(h)}


def optimize(spec: MLPSpec, dws, dbs, weights, biases, state: dict, t: int):
    """One step t of the scenario's optimizer on every tensor that is not frozen:
    (new weights, new biases, new state). The state is one flat array per quantity."""
    opt, h = optimizer_of(spec)
    depth = len(weights)
    with np.errstate(all="ignore"):
        if plain_sgd(spec):
            lr = spec.learning_rate
            new = [
                t_ if name in spec.frozen else t_ - lr * d
                for name, t_, d in zip(
                    tensor_names(depth), [*weights, *biases], [*dws, *dbs], strict=True
                )
            ]
            return new[:depth], new[depth:], state
        theta = np.concatenate([x.ravel() for x in [*weights, *biases]])
        grads = np.concatenate([x.ravel() for x in [*dws, *dbs]])
        mask = trainable(spec)
        new_theta, new_state = theta.copy(), {k: v.copy() for k, v in state.items()}
        part, st = opt.step(
            theta[mask], grads[mask], {k: v[mask] for k, v in state.items()}, t,
            spec.learning_rate, h,
        )  # fmt: skip
        new_theta[mask] = part
        for k, v in st.items():
            new_state[k][mask] = v
    out, at = [], 0
    for x in [*weights, *biases]:
        out.append(new_theta[at : at + x.size].reshape(x.shape))
        at += x.size
    return out[:depth], out[depth:], new_state


def update(spec: MLPSpec, dws, dbs, weights=None, biases=None) -> tuple[list, list]:
    """One update of every tensor that is not frozen, by the scenario's optimizer from the state
    it carries (W ← W − η·∂L/∂W for plain SGD)."""
    weights = spec.weights if weights is None else weights
    biases = spec.biases if biases is None else biases
    new_w, new_b, _ = optimize(
        spec, dws, dbs, weights, biases, start_state(spec), spec.opt_step + 1
    )
    return new_w, new_b


@dataclass
class Iteration:
    before: Pass
    grads_w: list[np.ndarray]
    grads_b: list[np.ndarray]
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    after: Pass
    state: dict[str, np.ndarray]  # the optimizer's state after the update (flat, by quantity)
    step: int  # the optimizer's step count t of this update


def iterate(spec: MLPSpec) -> Iteration:
    """One forward, backward and update, then the loss with the updated parameters."""
    fp = forward(spec)
    dws, dbs = backward(spec, fp)
    t = spec.opt_step + 1
    new_w, new_b, state = optimize(spec, dws, dbs, spec.weights, spec.biases, start_state(spec), t)
    return Iteration(fp, dws, dbs, new_w, new_b, forward(spec, new_w, new_b), state, t)


def next_spec(spec: MLPSpec) -> MLPSpec:
    """The scenario after one full-batch iteration: updated parameters and optimizer state, one
    more step counted. k − 1 of these give the start of iteration k."""
    it = iterate(spec)
    return replace(spec, weights=it.weights, biases=it.biases, opt_state=it.state, opt_step=it.step)


class FullBatch:
    """Full-batch iterations in preallocated buffers, for training.

    The same operations in the same order on the same operands as `forward`, `backward` and the
    update, so the same numbers to the last bit (tests compare them); only the bookkeeping is
    gone: no allocation for sigmoid, tanh and ½·MSE, constants held as arrays (a Python scalar
    costs a ufunc more than a small array does), one division by m and one update over all
    gradients, held in one flat buffer [W1, W2, …, b1, b2, …] with a view per tensor.
    Call it inside `errstate(all="ignore")`, as `forward` and `backward` set it inside.
    """

    def __init__(self, spec: MLPSpec):
        self.spec = spec
        m = self.m = spec.inputs.shape[0]
        depth = len(spec.weights)
        shapes = [w.shape for w in spec.weights] + [b.shape for b in spec.biases]
        sizes = [int(np.prod(s)) for s in shapes]
        n = sum(sizes)
        self.params, self.grads, self.scratch = np.empty(n), np.empty(n), np.empty(n)
        self.acc = np.zeros(n)  # accumulated gradients (forgot zero_grad)
        ends = np.cumsum(sizes)
        self.offsets = [(int(e - s), int(e)) for s, e in zip(sizes, ends, strict=True)]

        def views(buf):
            vs = [buf[a:b].reshape(s) for (a, b), s in zip(self.offsets, shapes, strict=True)]
            return vs[:depth], vs[depth:]

        self.W, self.b = views(self.params)
        self.dW, self.db = views(self.grads)
        self.flat = [self.grads[a:b] for a, b in self.offsets]  # 1-D, for the norm
        self.m_all = np.full(n, float(m))
        self.lr_all = np.full(n, float(spec.learning_rate))
        self.yT = spec.targets.T
        self.a0 = spec.inputs.T
        self.layers = []  # per layer: (act, W, b[:, None], z, a, e, den, step, g, delta, ∂ℓ/∂a)
        for l, act in enumerate(spec.activations):
            shape = (spec.weights[l].shape[0], m)
            self.layers.append(
                (act, self.W[l], self.b[l][:, None], *(np.empty(shape) for _ in range(8)))
            )
        self.ones = [np.ones(L[3].shape) for L in self.layers]
        self.minus = [-o for o in self.ones]
        out = spec.weights[-1].shape[0]
        self.diff, self.sq = np.empty((out, m)), np.empty((out, m))
        self.half = np.full((out, m), 0.5)
        self.per_sample = np.empty(m)
        names = tensor_names(depth)
        self.frozen = [i for i, name in enumerate(names) if name in spec.frozen]
        self.plain = plain_sgd(spec)  # W ← W − η·∂L/∂W: the buffers' own update below
        self.opt, self.hyper = optimizer_of(spec)
        self.state = start_state(spec)  # the optimizer's state, flat as `params`
        self.t = spec.opt_step  # its updates done
        self.mask = trainable(spec) if self.frozen else None

    def load(self, weights: list, biases: list) -> None:
        for dst, src in zip([*self.W, *self.b], [*weights, *biases], strict=True):
            dst[...] = src

    def tensors(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Copies of the parameters, as `update` returns them."""
        return [w.copy() for w in self.W], [b.copy() for b in self.b]

    def forward(self) -> float:
        """The forward pass with the parameters in the buffer; returns the mean loss."""
        spec = self.spec
        a, acts = self.a0, [self.a0]
        for (act, W, bcol, z, out, e, den, step, *_), one, minus in zip(
            self.layers, self.ones, self.minus, strict=True
        ):
            np.matmul(W, a, out=z)
            np.add(z, bcol, z)
            a = out
            if act == "sigmoid":  # sigmoid(): where(z ≥ 0, 1/(1 + e), e/(1 + e)), e = exp(−|z|)
                np.copysign(z, minus, e)  # −|z|
                np.exp(e, e)
                np.add(e, one, den)
                np.sign(z, step)  # max(e, sign z) is where()'s numerator: 1 for z ≥ 0 (e ≤ 1,
                np.maximum(e, step, out=step)  # and e = 1 at z = 0), e for z < 0, NaN for NaN
                np.divide(step, den, a)
            elif act == "tanh":
                np.tanh(z, a)
            else:
                a = activate(act, z, spec.leaky_slope)
            acts.append(a)
        self.acts = acts
        if spec.loss == "mse":
            np.subtract(a, self.yT, self.diff)
            np.square(self.diff, self.sq)
            np.multiply(self.half, self.sq, self.sq)
            sq = self.sq
            losses = sq[0] if len(sq) == 1 else np.add.reduce(sq, 0, None, self.per_sample)
        else:
            losses = np.add.reduce(LOSSES[spec.loss].forward(a, self.yT), 0)
        return float(np.add.reduce(losses)) / self.m  # np.mean, without its wrapper

    def backward(self) -> None:
        """∂L/∂W and ∂L/∂b into `grads`, from the last forward pass."""
        spec, acts = self.spec, self.acts
        da = self.diff if spec.loss == "mse" else LOSSES[spec.loss].grad(acts[-1], self.yT)
        for l in range(len(self.layers) - 1, -1, -1):
            act, W, _, z, _, _, _, _, g, delta, da_prev = self.layers[l]
            a, one = acts[l + 1], self.ones[l]
            if act == "sigmoid":  # a·(1 − a)
                np.subtract(one, a, g)
                np.multiply(a, g, g)
                np.multiply(da, g, delta)
            elif act == "tanh":  # 1 − a·a
                np.multiply(a, a, g)
                np.subtract(one, g, g)
                np.multiply(da, g, delta)
            elif ACTIVATIONS[act].layer_vjp is not None:
                delta = ACTIVATIONS[act].layer_vjp(a, da)
            else:
                np.multiply(da, ACTIVATIONS[act].grad(z, a, spec.leaky_slope), delta)
            np.matmul(delta, acts[l].T, out=self.dW[l])
            np.add.reduce(delta, 1, None, self.db[l])
            if l:
                da = self.layers[l - 1][10]
                np.matmul(W.T, delta, out=da)
        np.divide(self.grads, self.m_all, self.grads)

    def norm(self, grads: np.ndarray) -> float:
        """`global_norm` of the gradients in `grads` (the same sum in the same order)."""
        flat = self.flat if grads is self.grads else [grads[a:b] for a, b in self.offsets]
        return math.sqrt(sum(float(v.dot(v)) for v in flat))  # ddot, as v @ v is

    def update(self, grads: np.ndarray) -> None:
        """W ← W − η·∂L/∂W for every tensor that is not frozen; or the scenario's optimizer."""
        if not self.plain:
            return self._optimize(grads)
        self.t += 1
        if not self.frozen:
            np.multiply(self.lr_all, grads, self.scratch)
            np.subtract(self.params, self.scratch, self.params)
            return
        lr = self.spec.learning_rate
        for i, (a, b) in enumerate(self.offsets):
            if i not in self.frozen:
                self.params[a:b] -= lr * grads[a:b]
        return None

    def _optimize(self, grads: np.ndarray) -> None:
        """One step of the optimizer over the flat buffers (the trainable entries only)."""
        self.t += 1
        lr, mask, state = self.spec.learning_rate, self.mask, self.state
        if mask is None:
            theta, new = self.opt.step(self.params, grads, state, self.t, lr, self.hyper)
            self.params[...] = theta
            for k, v in new.items():
                state[k] = v
            return
        theta, new = self.opt.step(
            self.params[mask], grads[mask], {k: v[mask] for k, v in state.items()}, self.t, lr,
            self.hyper,
        )  # fmt: skip
        self.params[mask] = theta
        for k, v in new.items():
            state[k][mask] = v

    def first_non_finite(self) -> str | None:
        """The first tensor (W1, b1, W2, …) holding a non-finite value, if any."""
        p = self.params
        if math.isfinite(p.dot(p)):  # a sum of squares is finite only if every value is
            return None
        for l, (W, b) in enumerate(zip(self.W, self.b, strict=True), start=1):
            for name, t in ((f"W{l}", W), (f"b{l}", b)):
                if not np.isfinite(t).all():
                    return name
        return None
