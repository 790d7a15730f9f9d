"""Iterations of a lesson: the scenario advanced by whole full-batch gradient-descent updates.

A lesson at iteration k (1-based) is the same scenario with the parameters that k − 1 updates
give; `advance` is the one place that computes them, so that anything an update carries from one
iteration to the next (an optimiser's state) is added here and nowhere else. It runs the
vectorised `FullBatch` path, which does the same operations in the same order as the stepped
path, so iteration k's parameters agree with stepping through k − 1 iterations one step at a time
(tests/engine/test_iterations.py holds both to 1e-12 and to NumPy and PyTorch references).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from app.engine.batches import BatchInfo, Shuffler, is_mini
from app.engine.network import MLPSpec
from app.engine.vectorised import FullBatch, backward, forward, loss_of, optimize, start_state


@dataclass(frozen=True)
class Advanced:
    spec: MLPSpec  # the scenario with the parameters after `updates` updates
    losses: tuple[float, ...]  # losses[i]: the mean loss with the parameters after i updates
    updates: int  # updates done (fewer than asked when the parameters became non-finite)
    diverged: str | None = None  # the first non-finite tensor (W1, b1, …), or "loss"/"gradient"
    batch: BatchInfo | None = None  # mini-batches: the batch of the next update (iteration)


def advance(
    spec: MLPSpec, updates: int, batch_size: int | None = None, shuffle_seed: int = 0
) -> Advanced:
    """The scenario after `updates` full-batch updates by its optimizer (θ ← θ − η·∂L/∂θ for plain
    SGD; frozen tensors kept), the optimizer's state and step count carried along.

    `losses` has updates + 1 entries: the loss before each update and the loss after the last,
    i.e. the losses at the start of iterations 1 … updates + 1. Stops early, saying where, when
    the parameters become non-finite (every later iteration would be NaN)."""
    if updates < 0:
        raise ValueError(f"updates must be ≥ 0, not {updates}")
    if is_mini(len(spec.inputs), batch_size):
        return _advance_mini(spec, updates, Shuffler(len(spec.inputs), batch_size, shuffle_seed))
    fb = FullBatch(spec)
    fb.load(spec.weights, spec.biases)
    before = np.empty_like(fb.params)  # the parameters before the update under way
    losses: list[float] = []
    diverged = None
    done = 0
    with np.errstate(all="ignore"):
        for _ in range(updates):
            losses.append(fb.forward())
            fb.backward()
            before[...] = fb.params
            fb.update(fb.grads)
            diverged = fb.first_non_finite()
            if diverged is not None:
                fb.params[...] = before  # the last finite parameters, whose loss is losses[-1]
                break
            done += 1
        else:
            losses.append(fb.forward())
    weights, biases = fb.tensors()
    return Advanced(
        # the optimizer's state carries across iterations too (momentum, Adam's m and v, step t)
        replace(
            spec,
            weights=weights,
            biases=biases,
            opt_state={k: v.copy() for k, v in fb.state.items()},
            opt_step=fb.t,
        ),
        tuple(_finite_or_nan(x) for x in losses),
        done,
        diverged,
    )


def start_loss(spec: MLPSpec) -> tuple[float]:
    """advance(spec, 0).losses without its buffers: the loss with the scenario's parameters, by
    `forward`, whose numbers FullBatch's are to the last bit (tests/engine compare them)."""
    return (_finite_or_nan(loss_of(spec)),)


def _advance_mini(spec: MLPSpec, updates: int, shuffler: Shuffler) -> Advanced:
    """`advance` by mini-batches, as the trainer takes them (Trainer._update without clipping or
    accumulation): each update's loss and gradient are the means over its batch's samples only.
    `losses[i]` is then the loss of iteration i + 1's batch with the parameters it starts from."""
    W = [w.copy() for w in spec.weights]
    b = [x.copy() for x in spec.biases]
    state, t = start_state(spec), spec.opt_step
    losses: list[float] = []
    diverged = None
    done = 0

    def batch(u: int) -> MLPSpec:
        rows = shuffler.indices(u)
        return replace(spec, inputs=spec.inputs[rows], targets=spec.targets[rows])

    with np.errstate(all="ignore"):
        for u in range(updates):
            bspec = batch(u)
            fp = forward(bspec, W, b)
            losses.append(fp.loss)
            dws, dbs = backward(bspec, fp, W)
            W2, b2, state2 = optimize(bspec, dws, dbs, W, b, state, t + 1)
            diverged = _first_non_finite(W2, b2)
            if diverged is not None:
                break  # keep the last finite parameters, whose loss is losses[-1]
            W, b, state, t = W2, b2, state2, t + 1
            done += 1
        else:
            losses.append(forward(batch(updates), W, b).loss)
    at = shuffler.info(done)  # the batch of iteration done + 1, the last reachable one
    return Advanced(
        replace(
            spec, weights=W, biases=b, opt_state={k: v.copy() for k, v in state.items()}, opt_step=t
        ),
        tuple(_finite_or_nan(x) for x in losses),
        done,
        diverged,
        at,
    )


def _first_non_finite(weights: list, biases: list) -> str | None:
    for l, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):
        for name, x in ((f"W{l}", W), (f"b{l}", b)):
            if not np.isfinite(x).all():
                return name
    return None


def _finite_or_nan(x: float) -> float:
    return x if math.isfinite(x) else math.nan


def history(losses: tuple[float, ...], first: int, limit: int) -> tuple[list[int], list[float]]:
    """At most `limit` (iteration, loss) points of a loss history whose first entry is
    iteration `first`: every point when they fit, else evenly spaced ones that keep the first
    and the last (the current iteration)."""
    n = len(losses)
    if n <= limit:
        idx = list(range(n))
    else:
        idx = sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})
    return [first + i for i in idx], [losses[i] for i in idx]


def iteration_work(layers: list[int], samples: int) -> int:
    """The work of one full-batch update, from the scenario's shape alone (about a nanosecond a
    unit here, as gradcheck_cost's): numpy's time grows with samples × parameters (the matrix
    products of the forward and backward passes) and with samples × neurons (the activations and
    their derivatives), plus a fixed cost per layer that dominates small batches."""
    params = sum(a * (b + 1) for a, b in zip(layers[1:], layers[:-1], strict=True))
    neurons = sum(layers[1:])
    return 3 * samples * (params + 8 * neurons) + 15_000 * (len(layers) - 1)
