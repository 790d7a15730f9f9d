"""Training: many iterations of the vectorised forward, backward and update.

Full batch (the tutorial's loop) or mini-batches, each update by the scenario's optimizer (SGD,
momentum, RMSprop, Adam, AdamW: app/engine/registry/optimizers.py); stop at a target loss or a
wall-time budget;
optional gradient clipping by global norm; and a "forgot zero_grad" mode that accumulates
gradients across iterations, to show what goes wrong. `train_loss[e]` is the loss over the whole
training set with the parameters at the start of epoch e, which is exactly the tutorial's
`losses[e]` in full-batch mode (the same forward pass gives the gradient).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from app.engine.network import MLPSpec
from app.engine.notation import Notation
from app.engine.vectorised import FullBatch, Pass, backward, forward, optimize, start_state


@dataclass
class TrainConfig:
    epochs: int = 1000
    batch_size: int | None = None  # None: full batch
    target_loss: float | None = None  # stop once the training loss is at or below this
    time_budget: float = 5.0  # seconds of wall time
    clip_norm: float | None = None  # rescale the gradient when its global L2 norm is above this
    accumulate: bool = False  # forget zero_grad: gradients add up across iterations
    shuffle_seed: int = 0  # mini-batch order


@dataclass
class Divergence:
    epoch: int
    step: int  # updates done when the first non-finite value appeared (0: the initial ones)
    where: str  # "loss", "gradient" or a tensor name such as "W2"

    def message(self) -> str:
        when = f"after update {self.step}" if self.step else "with the initial parameters"
        return (
            f"the {self.where} became non-finite {when} (epoch {self.epoch}); "
            "try a smaller learning rate, gradient clipping or smaller initial weights"
        )


@dataclass
class TrainState:
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    epoch: int = 0  # epochs completed
    step: int = 0  # updates completed
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)  # per epoch: its last update's norm
    clipped: int = 0  # updates whose gradient was rescaled
    stopped: str | None = None  # "epochs", "target_loss", "time", "diverged", "cancelled"
    diverged: Divergence | None = None
    seconds: float = 0.0
    opt_state: dict[str, np.ndarray] = field(default_factory=dict)  # the optimizer's, flat
    opt_step: int = 0  # the optimizer's step count: the scenario's start plus `step`


def global_norm(arrays: list[np.ndarray]) -> float:
    with np.errstate(all="ignore"):
        return math.sqrt(sum(float(a.ravel() @ a.ravel()) for a in arrays))


def clip_by_global_norm(
    dws: list[np.ndarray], dbs: list[np.ndarray], max_norm: float
) -> tuple[list, list, float, bool]:
    """Scale every gradient by max_norm / ‖g‖ when ‖g‖ > max_norm (one norm over all tensors)."""
    norm = global_norm([*dws, *dbs])
    if not math.isfinite(norm) or norm <= max_norm:
        return dws, dbs, norm, False
    s = max_norm / norm
    return [d * s for d in dws], [d * s for d in dbs], norm, True


class Trainer:
    """Runs epochs on demand, so callers can stream progress and stop between chunks."""

    def __init__(
        self,
        spec: MLPSpec,
        config: TrainConfig,
        test_inputs: np.ndarray | None = None,
        test_targets: np.ndarray | None = None,
    ):
        self.spec = spec
        self.config = config
        self.test = None
        if test_inputs is not None and len(test_inputs):
            self.test = replace(spec, inputs=test_inputs, targets=test_targets)
        self.state = TrainState([w.copy() for w in spec.weights], [b.copy() for b in spec.biases])
        self.state.opt_state, self.state.opt_step = start_state(spec), spec.opt_step
        self._acc: tuple[list, list] | None = None  # accumulated gradients (forgot zero_grad)
        self._rng = np.random.RandomState(config.shuffle_seed)
        self._started = time.perf_counter()
        self._norm = 0.0  # the latest update's gradient norm (before clipping)
        self._fast: FullBatch | None = None  # full batch: buffers made on the first run

    @property
    def done(self) -> bool:
        return self.state.stopped is not None

    def forward(self, spec: MLPSpec | None = None) -> Pass:
        st = self.state
        return forward(spec or self.spec, st.weights, st.biases)

    def run(self, max_epochs: int | None = None, max_seconds: float | None = None) -> TrainState:
        """Train until stopped, or for at most `max_epochs` more epochs / `max_seconds` more."""
        n = self.config.epochs if max_epochs is None else max_epochs
        until = None if max_seconds is None else time.perf_counter() + max_seconds
        cfg, m = self.config, len(self.spec.inputs)
        if not (cfg.batch_size and cfg.batch_size < m):
            return self._run_full_batch(n, until)
        for _ in range(n):
            if self.done or (until is not None and time.perf_counter() >= until):
                break
            self._epoch()
        return self.state

    def _run_full_batch(self, n: int, until: float | None) -> TrainState:
        """`_epoch` for full batch, in `FullBatch`'s buffers: the same numbers, recorded the same
        way, with no more per epoch than the tutorial's loop does."""
        st, cfg = self.state, self.config
        fb = self._fast
        if fb is None:
            fb = self._fast = FullBatch(self.spec)
        fb.load(st.weights, st.biases)
        fb.state, fb.t = st.opt_state, st.opt_step
        target, clip, budget = cfg.target_loss, cfg.clip_norm, cfg.time_budget
        train_loss, test_loss, grad_norm = st.train_loss, st.test_loss, st.grad_norm
        clock, isfinite = time.perf_counter, math.isfinite
        try:
            with np.errstate(all="ignore"):
                for _ in range(n):
                    if st.stopped is not None or (until is not None and clock() >= until):
                        break
                    if st.epoch == 0:
                        self._started = clock()
                    loss = fb.forward()
                    train_loss.append(loss)
                    if self.test is not None:
                        test_loss.append(forward(self.test, fb.W, fb.b).loss)
                    else:
                        test_loss.append(math.nan)
                    if not isfinite(loss):
                        self._diverge("loss")
                        break
                    if target is not None and loss <= target:
                        self._stop("target_loss")
                        break
                    fb.backward()
                    grads = fb.grads
                    if cfg.accumulate:
                        if self._acc is not None:
                            np.add(fb.acc, grads, out=fb.acc)
                        else:
                            fb.acc[...] = grads
                            self._acc = ([], [])  # marks that fb.acc holds a sum
                        grads = fb.acc
                    norm = fb.norm(grads)
                    if clip is not None and isfinite(norm) and norm > clip:
                        np.multiply(grads, clip / norm, out=fb.grads)
                        grads = fb.grads
                        st.clipped += 1
                    st.step += 1
                    self._norm = norm
                    grad_norm.append(norm)
                    if not isfinite(norm):
                        self._diverge("gradient")
                        break
                    fb.update(grads)
                    where = fb.first_non_finite()
                    if where is not None:
                        self._diverge(where)
                        break
                    st.epoch += 1
                    st.seconds = clock() - self._started
                    if st.epoch >= cfg.epochs:
                        self._stop("epochs")
                    elif st.seconds >= budget:
                        self._stop("time")
        finally:
            st.weights, st.biases = fb.tensors()
            st.opt_state, st.opt_step = fb.state, fb.t
        return st

    def cancel(self) -> None:
        if not self.done:
            self.state.stopped = "cancelled"

    def _epoch(self) -> None:
        st, cfg, spec = self.state, self.config, self.spec
        if st.epoch == 0:
            self._started = time.perf_counter()
        fp = self.forward()
        st.train_loss.append(fp.loss)
        st.test_loss.append(self.forward(self.test).loss if self.test is not None else math.nan)
        if not math.isfinite(fp.loss):
            return self._diverge("loss")
        if cfg.target_loss is not None and fp.loss <= cfg.target_loss:
            return self._stop("target_loss")
        m, bs = len(spec.inputs), cfg.batch_size  # mini-batches: full batch is _run_full_batch
        order = self._rng.permutation(m)
        batches = [
            replace(spec, inputs=spec.inputs[idx], targets=spec.targets[idx])
            for idx in (order[i : i + bs] for i in range(0, m, bs))
        ]
        self._norm = 0.0
        for k, bspec in enumerate(batches):
            ok = self._update(bspec, self.forward(bspec))
            if not ok or (k % 64 == 63 and self._elapsed() >= cfg.time_budget):
                break  # a long epoch may end early when the budget runs out
        st.grad_norm.append(self._norm)
        if self.done:
            return None
        st.epoch += 1
        st.seconds = self._elapsed()
        if st.epoch >= cfg.epochs:
            self._stop("epochs")
        elif st.seconds >= cfg.time_budget:
            self._stop("time")
        return None

    def _elapsed(self) -> float:
        return time.perf_counter() - self._started

    def _update(self, bspec: MLPSpec, fp: Pass) -> bool:
        st, cfg = self.state, self.config
        dws, dbs = backward(bspec, fp, st.weights)
        if cfg.accumulate:
            if self._acc is not None:
                with np.errstate(all="ignore"):
                    dws = [a + d for a, d in zip(self._acc[0], dws, strict=True)]
                    dbs = [a + d for a, d in zip(self._acc[1], dbs, strict=True)]
            self._acc = (dws, dbs)
        if cfg.clip_norm is not None:
            dws, dbs, norm, clipped = clip_by_global_norm(dws, dbs, cfg.clip_norm)
            st.clipped += clipped
        else:
            norm = global_norm([*dws, *dbs])
        st.step += 1
        self._norm = norm
        if not math.isfinite(norm):
            self._diverge("gradient")
            return False
        st.opt_step += 1
        st.weights, st.biases, st.opt_state = optimize(
            bspec, dws, dbs, st.weights, st.biases, st.opt_state, st.opt_step
        )
        for l, (W, b) in enumerate(zip(st.weights, st.biases, strict=True), start=1):
            for name, t in ((f"W{l}", W), (f"b{l}", b)):
                if not np.isfinite(t).all():
                    self._diverge(name)
                    return False
        return True

    def _diverge(self, where: str) -> None:
        st = self.state
        st.diverged = Divergence(st.epoch, st.step, where)
        self._stop("diverged")

    def _stop(self, why: str) -> None:
        self.state.stopped = why
        self.state.seconds = self._elapsed()


def train(
    spec: MLPSpec,
    config: TrainConfig,
    test_inputs: np.ndarray | None = None,
    test_targets: np.ndarray | None = None,
) -> TrainState:
    return Trainer(spec, config, test_inputs, test_targets).run()


def predict(spec: MLPSpec, weights: list, biases: list, inputs: np.ndarray) -> np.ndarray:
    """Network outputs (samples, outputs) for any inputs."""
    fake = replace(spec, inputs=inputs, targets=np.zeros((len(inputs), spec.layers[-1])))
    return forward(fake, weights, biases).outputs


def grid_maps(
    spec: MLPSpec, weights: list, biases: list, extent: tuple, size: int, max_neurons: int = 32
) -> dict:
    """Outputs and every hidden neuron's activation on a size × size grid over a 2-D extent.

    extent = (xmin, xmax, ymin, ymax); rows run from ymax down to ymin, as an image is drawn.
    """
    xmin, xmax, ymin, ymax = extent
    xs = np.linspace(xmin, xmax, size)
    ys = np.linspace(ymax, ymin, size)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.c_[gx.ravel(), gy.ravel()]
    fake = replace(spec, inputs=pts, targets=np.zeros((len(pts), spec.layers[-1])))
    fp = forward(fake, weights, biases)
    outputs = fp.acts[-1].reshape(-1, size, size)
    neurons = []
    name = Notation(spec.layers).text
    for l, a in enumerate(fp.acts[1:-1], start=1):
        for j in range(a.shape[0]):
            if len(neurons) < max_neurons:
                nid = f"a{l}_{j}"
                neurons.append(
                    {"id": nid, "label": name(nid), "layer": l, "row": j,
                     "values": a[j].reshape(size, size)}
                )  # fmt: skip
    return {"x": xs, "y": ys, "outputs": outputs, "neurons": neurons}
