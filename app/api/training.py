"""Training and lab requests ⇄ engine objects: datasets, trainers and JSON-safe results."""

from __future__ import annotations

import math

import numpy as np
from pydantic import ValidationError

from app.api.convert import to_spec
from app.api.errors import invalid
from app.api.schemas.scenario import Scenario
from app.api.schemas.training import DatasetRequest, TrainRequest
from app.api.serialize import plain
from app.engine.datasets import Dataset, DatasetError, from_points, make_dataset, parse_csv
from app.engine.network import MLPSpec
from app.engine.train import TrainConfig, Trainer, TrainState, grid_maps, predict
from app.limits import MAX_ABS, MAX_SAMPLES, MAX_WIDTH


def build_dataset(req: DatasetRequest, where: tuple = ()) -> Dataset:
    """The requested dataset, or a 422 listing every bad row of the user's points."""
    try:
        if req.name is not None:
            return make_dataset(req.name, req.samples, req.noise, req.seed, req.test_fraction)
        if req.csv is not None:
            _, x, y = parse_csv(req.csv, MAX_SAMPLES, MAX_WIDTH, MAX_ABS)
        else:
            rows = np.array(req.points, dtype=float)
            x, y = rows[:, :-1], rows[:, -1:]
            if x.shape[1] > MAX_WIDTH:
                raise DatasetError([f"points have {x.shape[1]} inputs; the limit is {MAX_WIDTH}"])
        return from_points(x, y, req.task, req.test_fraction, req.seed)
    except DatasetError as e:
        field = "csv" if req.csv is not None else "points" if req.points is not None else "name"
        raise invalid((*where, field), *e.errors) from None


def extent(inputs: np.ndarray) -> list[float]:
    """A plot box around the points with a 10 % margin: [xmin, xmax, ymin, ymax]."""
    lo, hi = inputs.min(axis=0), inputs.max(axis=0)
    pad = np.maximum((hi - lo) * 0.1, 0.1)
    lo, hi = lo - pad, hi + pad
    if len(lo) == 1:
        return [float(lo[0]), float(hi[0]), 0.0, 0.0]
    return [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])]


def dataset_json(ds: Dataset) -> dict:
    return {
        "name": ds.name,
        "task": ds.task,
        "classes": ds.classes,
        "features": ds.features,
        "outputs": ds.outputs,
        "inputs": ds.inputs.tolist(),
        "targets": ds.targets.tolist(),
        "test_inputs": ds.test_inputs.tolist(),
        "test_targets": ds.test_targets.tolist(),
        "extent": extent(np.vstack([ds.inputs, ds.test_inputs])),
    }


class Job:
    """One training request, resolved: the scenario with its data, the trainer, the test set."""

    def __init__(self, req: TrainRequest):
        sc = req.scenario
        test_x = test_y = None
        if req.dataset is not None:
            ds = build_dataset(req.dataset, ("dataset",))
            sc = self._with_data(sc, ds.inputs.tolist(), ds.targets.tolist())
            if len(ds.test_inputs):
                test_x, test_y = ds.test_inputs, ds.test_targets
        elif req.test_inputs:  # checked against the network by TrainRequest
            test_x, test_y = np.array(req.test_inputs, float), np.array(req.test_targets, float)
        self.scenario = sc
        self.spec: MLPSpec = to_spec(sc)
        self.test = (test_x, test_y)
        self.grid = req.grid
        # the request's batch settings when it gives them, else the scenario's (the step page's)
        given = req.model_fields_set
        self.batch_size = req.batch_size if "batch_size" in given else sc.batch_size
        self.shuffle_seed = req.shuffle_seed if "shuffle_seed" in given else sc.shuffle_seed
        cfg = TrainConfig(
            epochs=req.epochs,
            batch_size=self.batch_size,
            target_loss=req.target_loss,
            time_budget=req.time_budget,
            clip_norm=req.clip_norm,
            accumulate=req.accumulate_grads,
            shuffle_seed=self.shuffle_seed,
        )
        self.trainer = Trainer(self.spec, cfg, test_x, test_y)
        pts = self.spec.inputs if test_x is None else np.vstack([self.spec.inputs, test_x])
        self.extent = extent(pts)

    @staticmethod
    def _with_data(sc: Scenario, inputs, targets) -> Scenario:
        """The scenario with the dataset's data, checked again (shapes against layers, targets vs
        loss); each problem once, at `dataset`."""
        data = sc.model_dump()
        data.update(inputs=inputs, targets=targets)
        try:
            return Scenario.model_validate(data)
        except ValidationError as e:
            msgs = list(dict.fromkeys(err["msg"] for err in e.errors()))
            raise invalid(("dataset",), *msgs) from None

    # ── results ──────────────────────────────────────────────────────────────

    def maps(self, state: TrainState, decimals: int | None = None) -> dict:
        """Heat maps for 2-D inputs, the fitted curve for 1-D inputs; progress events round the
        heat maps to `decimals` (they only colour pixels), the final answer does not."""
        spec, out = self.spec, {}
        if self.grid and spec.layers[0] == 2:
            g = grid_maps(spec, state.weights, state.biases, tuple(self.extent), self.grid)
            if decimals is not None:
                g["outputs"] = np.round(g["outputs"], decimals)
                for n in g["neurons"]:
                    n["values"] = np.round(n["values"], decimals)
            out["grid"] = plain(g)
        if spec.layers[0] == 1:
            xs = np.linspace(self.extent[0], self.extent[1], 101)
            ys = predict(spec, state.weights, state.biases, xs[:, None])
            out["curve"] = {"x": xs.tolist(), "y": plain(ys)}
        return out

    def result(self) -> dict:
        st, spec = self.trainer.state, self.spec
        test_x, test_y = self.test
        preds = predict(spec, st.weights, st.biases, spec.inputs)
        test_preds = None if test_x is None else predict(spec, st.weights, st.biases, test_x)
        final = self.trainer.forward().loss
        final_test = math.nan if test_x is None else self.trainer.forward(self.trainer.test).loss
        out = {
            "epochs_run": st.epoch,
            "updates": st.step,
            "stopped": st.stopped or "cancelled",
            "seconds": st.seconds,
            "train_loss": plain(st.train_loss),
            "test_loss": None if test_x is None else plain(st.test_loss),
            "grad_norm": plain(st.grad_norm),
            "clipped_updates": st.clipped,
            "final_train_loss": plain(final),
            "final_test_loss": plain(final_test),
            "train_accuracy": accuracy(preds, spec.targets, spec.activations[-1]),
            "test_accuracy": None
            if test_x is None
            else accuracy(test_preds, test_y, spec.activations[-1]),
            "weights": plain(st.weights),
            "biases": plain(st.biases),
            "predictions": plain(preds),
            "test_predictions": None if test_preds is None else plain(test_preds),
            "diverged": None,
            "scenario": None,
        }
        if st.diverged is not None:
            out["diverged"] = {**plain(st.diverged), "message": st.diverged.message()}
        elif all(
            np.isfinite(t).all() and np.abs(t).max() <= MAX_ABS for t in [*st.weights, *st.biases]
        ):
            trained = self.scenario.model_dump(exclude={"init"})
            trained.update(weights=plain(st.weights), biases=plain(st.biases))
            mini = self.batch_size is not None and self.batch_size < len(spec.inputs)
            trained.update(
                batch_size=self.batch_size if mini else None, shuffle_seed=self.shuffle_seed
            )
            out["scenario"] = trained
        return {**out, **self.maps(st)}


def accuracy(preds: np.ndarray, targets: np.ndarray, out_act: str) -> float | None:
    """Share of samples classified right: threshold ½ for one output, argmax for several.

    None for a regression (a linear or unbounded output)."""
    if out_act not in ("sigmoid", "softmax") or not np.isfinite(preds).all():
        return None
    if preds.shape[1] == 1:
        if not np.isin(targets, (0.0, 1.0)).all():
            return None
        return float(np.mean((preds >= 0.5) == (targets >= 0.5)))
    return float(np.mean(np.argmax(preds, axis=1) == np.argmax(targets, axis=1)))
