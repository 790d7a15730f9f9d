"""JSON scenario ⇄ engine objects."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.api.schemas import Scenario
from app.engine.lesson import Lesson
from app.engine.network import MLPSpec, init_params


def lesson_for(sc: Scenario) -> Lesson:
    """The scenario's graph and plan. They are pure functions of the scenario, so a few recent
    ones are kept: stepping through one lesson rebuilds nothing."""
    return _lesson(sc.model_dump_json())


@lru_cache(maxsize=8)
def _lesson(key: str) -> Lesson:
    return Lesson.from_spec(to_spec(Scenario.model_validate_json(key)))


def to_spec(sc: Scenario) -> MLPSpec:
    if sc.weights is not None:
        weights = [np.array(W, dtype=float) for W in sc.weights]
        biases = (
            [np.array(b, dtype=float) for b in sc.biases]
            if sc.biases is not None
            else [np.zeros(n) for n in sc.layers[1:]]
        )
    else:
        init = sc.init
        weights, biases = init_params(
            sc.layers,
            init.scheme if init else "normal",
            init.seed if init else 0,
            float(init.scale) if init else 0.5,
        )
    return MLPSpec(
        layers=list(sc.layers),
        activations=list(sc.activations),
        loss=sc.loss,
        weights=weights,
        biases=biases,
        inputs=np.array(sc.inputs, dtype=float),
        targets=np.array(sc.targets, dtype=float),
        learning_rate=float(sc.learning_rate),
        frozen=frozenset(sc.frozen),
        leaky_slope=float(sc.leaky_slope),
    )


def finite(a) -> list:
    """Nested lists of floats, with None where a value is not finite."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return float(a) if np.isfinite(a) else None  # type: ignore[return-value]
    return [finite(x) for x in a]
