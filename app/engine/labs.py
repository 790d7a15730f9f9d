"""The pitfall labs: each runs the engine on a small network and returns the numbers that make
the tutorial's point (vanishing and exploding gradients, dead ReLUs, a forgotten zero_grad, the
gradient check, the archers' blame, and the activation table)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from app.engine.datasets import make_dataset
from app.engine.network import MLPSpec, init_params
from app.engine.notation import Notation
from app.engine.registry import ACTIVATIONS, activate, softmax, softmax_vjp
from app.engine.train import TrainConfig, Trainer, global_norm
from app.engine.vectorised import backward, forward

SIGMOID_MAX_SLOPE = 0.25  # σ'(0) = ¼ is the largest σ' gets


def _spec(layers, activations, loss, dataset, init, seed, scale, lr, slope=0.01) -> MLPSpec:
    w, b = init_params(layers, init, seed, scale)
    return MLPSpec(
        layers, activations, loss, w, b, dataset.inputs, dataset.targets, lr, leaky_slope=slope
    )


# ── vanishing gradients ──────────────────────────────────────────────────────


@np.errstate(all="ignore")
def vanishing(depth: int = 10, width: int = 8, seed: int = 0, compare=("tanh", "relu")) -> dict:
    """Gradient norm per layer of a deep sigmoid stack, against 0.25ⁿ, and the same weights with
    other hidden activations. n counts the sigmoid layers between layer l and the output."""
    data = make_dataset("moons", 64, 0.1, seed)
    layers = [2] + [width] * (depth - 1) + [1]
    runs = []
    for act in ("sigmoid", *compare):
        spec = _spec(
            layers, [act] * (depth - 1) + ["sigmoid"], "mse", data, "xavier", seed, 1.0, 0.1
        )
        fp = forward(spec)
        dws, dbs = backward(spec, fp)
        norms = [global_norm([dw, db]) for dw, db in zip(dws, dbs, strict=True)]
        runs.append(
            {
                "activation": act,
                "grad_norms": norms,  # ‖∂L/∂W_l, ∂L/∂b_l‖ for l = 1…depth
                "first_over_last": norms[0] / norms[-1] if norms[-1] else math.nan,
            }
        )
    last = runs[0]["grad_norms"][-1]
    bound = [last * SIGMOID_MAX_SLOPE ** (depth - l) for l in range(1, depth + 1)]
    return {
        "depth": depth,
        "layers": layers,
        "bound": bound,  # the tutorial's rule: the last layer's norm × 0.25^(layers between)
        "bound_first_over_last": SIGMOID_MAX_SLOPE ** (depth - 1),
        "runs": runs,
    }


# ── exploding gradients ──────────────────────────────────────────────────────


def exploding(
    scale: float = 1.0,
    learning_rate: float = 0.02,
    clip_norm: float = 0.25,
    epochs: int = 200,
    seed: int = 0,
) -> dict:
    """A ReLU regression net with large initial weights, trained with and without clipping."""
    data = make_dataset("sine", 64, 0.1, seed)
    layers = [1, 16, 16, 16, 1]
    spec = _spec(
        layers, ["relu"] * 3 + ["linear"], "mse", data, "normal", seed, scale, learning_rate
    )
    out = {"layers": layers, "scale": scale, "learning_rate": learning_rate}
    for key, clip in (("plain", None), ("clipped", clip_norm)):
        tr = Trainer(spec, TrainConfig(epochs=epochs, time_budget=5.0, clip_norm=clip))
        st = tr.run()
        out[key] = {
            "clip_norm": clip,
            "train_loss": st.train_loss,
            "grad_norm": st.grad_norm,
            "epochs": st.epoch,
            "stopped": st.stopped,
            "clipped_updates": st.clipped,
            "diverged": st.diverged,
            "final_loss": tr.forward().loss if st.diverged is None else math.nan,
        }
    return out


# ── dead ReLU ────────────────────────────────────────────────────────────────


def dead_neurons(spec: MLPSpec, weights=None, biases=None) -> list[dict]:
    """Hidden neurons whose pre-activation is ≤ 0 for every sample: a ReLU there passes no
    gradient, so its incoming weights never change."""
    fp = forward(spec, weights, biases)
    name = Notation(spec.layers).text
    out = []
    for l, z in enumerate(fp.zs[:-1], start=1):
        for j in range(z.shape[0]):
            active = float(np.mean(z[j] > 0))
            nid = f"a{l}_{j}"
            out.append(
                {"id": nid, "label": name(nid), "layer": l, "row": j, "active": active,
                 "dead": active == 0}
            )  # fmt: skip
    return out


def dead_relu(
    bias: float = -1.0,
    learning_rate: float = 1.0,
    epochs: int = 500,
    slope: float = 0.1,
    seed: int = 1,
) -> dict:
    """Hidden biases start at `bias` (a bad start, or one big update that pushed them down):
    most ReLUs are dead and stay dead; Leaky ReLU with the same start recovers."""
    data = make_dataset("moons", 100, 0.1, 0)
    layers = [2, 8, 1]
    out = {"layers": layers, "bias": bias, "learning_rate": learning_rate, "slope": slope}
    for act in ("relu", "leaky_relu"):
        spec = _spec(
            layers, [act, "sigmoid"], "mse", data, "xavier", seed, 1.0, learning_rate, slope
        )
        spec.biases[0][:] = bias
        st = Trainer(spec, TrainConfig(epochs=epochs, time_budget=5.0)).run()
        before = dead_neurons(spec)
        after = dead_neurons(spec, st.weights, st.biases)
        moved = np.abs(st.weights[0] - spec.weights[0]).max(axis=1)
        for n, m in zip(after, moved, strict=True):
            n["weight_change"] = float(m)  # largest change of its incoming weights
        out[act] = {
            "before": before,
            "after": after,
            "dead_before": sum(n["dead"] for n in before),
            "dead_after": sum(n["dead"] for n in after),
            "train_loss": st.train_loss,
        }
    return out


# ── forgotten zero_grad ──────────────────────────────────────────────────────


@np.errstate(all="ignore")  # overflow shows up as non-finite numbers
def zero_grad(iterations: int = 15, learning_rate: float = 0.1) -> dict:
    """A small 1 → 8 → 1 tanh regression on the noisy sine trained twice: resetting the gradient
    each iteration, and letting it accumulate (no zero_grad). Shows ∂L/∂W2[0][0] per update."""
    data = make_dataset("sine", 40, 0.1, 0)
    spec = _spec([1, 8, 1], ["tanh", "linear"], "mse", data, "xavier", 0, 1.0, learning_rate)
    out = {
        "iterations": iterations,
        "learning_rate": learning_rate,
        "parameter": "W2_0_0",
        "parameter_label": Notation(spec.layers).text("W2_0_0"),
    }
    for key, acc in (("correct", False), ("accumulated", True)):
        weights, biases = [w.copy() for w in spec.weights], [b.copy() for b in spec.biases]
        fresh, used, losses, norms = [], [], [], []
        total = None
        for _ in range(iterations):
            fp = forward(spec, weights, biases)
            dws, dbs = backward(spec, fp, weights)
            total = (
                (dws, dbs)
                if total is None or not acc
                else (
                    [a + d for a, d in zip(total[0], dws, strict=True)],
                    [a + d for a, d in zip(total[1], dbs, strict=True)],
                )
            )
            losses.append(fp.loss)
            fresh.append(float(dws[1][0, 0]))
            used.append(float(total[0][1][0, 0]))
            norms.append(global_norm([*total[0], *total[1]]))
            weights = [W - learning_rate * d for W, d in zip(weights, total[0], strict=True)]
            biases = [b - learning_rate * d for b, d in zip(biases, total[1], strict=True)]
        out[key] = {
            "loss": losses,
            "fresh_grad": fresh,  # this iteration's own ∂L/∂θ
            "used_grad": used,  # what the update used
            "ratio": [u / f if f else math.nan for u, f in zip(used, fresh, strict=True)],
            "grad_norm": norms,
        }
    return out


# ── gradient check ───────────────────────────────────────────────────────────


def param_ids(spec: MLPSpec) -> list[tuple[str, str, tuple]]:
    """(stable id, tensor, index) for every parameter, in the graph's order."""
    ids = []
    for l in range(1, spec.depth + 1):
        rows, cols = spec.weights[l - 1].shape
        for j in range(rows):
            ids += [(f"W{l}_{j}_{i}", f"W{l}", (j, i)) for i in range(cols)]
            ids.append((f"b{l}_{j}", f"b{l}", (j,)))
    return ids


def _tensor(weights, biases, name: str) -> np.ndarray:
    return (weights if name[0] == "W" else biases)[int(name[1:]) - 1]


class Stopped(Exception):
    """A gradient check stopped before its last parameter: `stop` said so (client gone, time up)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"stopped after {done:,} of {total:,} parameters")
        self.done, self.total = done, total


@np.errstate(all="ignore")
def gradcheck(spec: MLPSpec, eps: float = 1e-6, stop: Callable[[], bool] | None = None) -> dict:
    """Central differences (L(θ+ε) − L(θ−ε)) / 2ε for every parameter next to backprop's ∂L/∂θ.
    `stop` is asked before each parameter; when it says so the check ends (Stopped)."""
    t0 = time.perf_counter()
    fp = forward(spec)
    dws, dbs = backward(spec, fp)
    t_backprop = time.perf_counter() - t0
    weights = [w.copy() for w in spec.weights]
    biases = [b.copy() for b in spec.biases]
    rows = []
    t0 = time.perf_counter()
    ids = param_ids(spec)
    name = Notation(spec.layers).text
    for pid, tensor, idx in ids:
        if stop is not None and stop():
            raise Stopped(len(rows), len(ids))
        t = _tensor(weights, biases, tensor)
        keep = t[idx]
        t[idx] = keep + eps
        up = forward(spec, weights, biases).loss
        t[idx] = keep - eps
        down = forward(spec, weights, biases).loss
        t[idx] = keep
        numeric = (up - down) / (2 * eps)
        analytic = float(_tensor(dws, dbs, tensor)[idx])
        denom = max(abs(numeric) + abs(analytic), 1e-12)
        rows.append(
            {
                "id": pid,
                "label": name(pid),
                "backprop": analytic,
                "numeric": numeric,
                "abs_error": abs(numeric - analytic),
                "rel_error": abs(numeric - analytic) / denom,
            }
        )
    t_numeric = time.perf_counter() - t0
    n = len(rows)
    return {
        "eps": eps,
        "parameters": rows,
        "max_rel_error": max(r["rel_error"] for r in rows),
        "forward_passes_numeric": 2 * n,
        "passes_backprop": {"forward": 1, "backward": 1},
        "seconds_numeric": t_numeric,
        "seconds_backprop": t_backprop,
    }


# ── blame: the archers ───────────────────────────────────────────────────────


@np.errstate(all="ignore")
def blame(spec: MLPSpec) -> dict:
    """Each parameter's share of Σ|∂L/∂θ| over all parameters, and each layer's."""
    fp = forward(spec)
    dws, dbs = backward(spec, fp)
    ids = param_ids(spec)
    grads = np.array([float(_tensor(dws, dbs, t)[idx]) for _, t, idx in ids])
    total = float(np.sum(np.abs(grads)))
    share = np.abs(grads) / total if total > 0 else np.zeros_like(grads)
    name = Notation(spec.layers).text
    rows = [
        {
            "id": pid,
            "label": name(pid),
            "layer": int(t[1:]),
            "grad": float(g),
            "share": float(s),
            "update": float(-spec.learning_rate * g),
        }
        for (pid, t, _), g, s in zip(ids, grads, share, strict=True)
    ]
    layers = [
        {"layer": l, "share": float(sum(r["share"] for r in rows if r["layer"] == l))}
        for l in range(1, spec.depth + 1)
    ]
    return {"loss": fp.loss, "total_abs_grad": total, "parameters": rows, "layers": layers}


# ── activation explorer ──────────────────────────────────────────────────────


def activation_table(lo: float = -6.0, hi: float = 6.0, points: int = 121) -> list[dict]:
    """Each activation and its derivative sampled by the engine's own forward and grad.

    Softmax is vector-valued: shown as p₁ for logits (z, 0) with its diagonal Jacobian ∂p₁/∂z₁.
    """
    z = np.linspace(lo, hi, points)
    out = []
    for name, info in ACTIVATIONS.items():
        if info.output_only:
            logits = np.vstack([z, np.zeros_like(z)])
            p = softmax(logits, axis=0)
            upstream = np.vstack([np.ones_like(z), np.zeros_like(z)])
            f, df = p[0], softmax_vjp(p, upstream, axis=0)[0]
        else:
            f = activate(name, z, 0.01)
            df = info.grad(z, f, 0.01)
        out.append(
            {
                "name": name,
                "title": info.title,
                "range": info.range,
                "issue": info.issue,
                "domain": info.domain,
                "z": z,
                "value": f,
                "derivative": df,
                "max_derivative": float(np.max(df)),
                "min_derivative": float(np.min(df)),
            }
        )
    return out
