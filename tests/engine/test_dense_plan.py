"""app.engine.dense_plan: a dense network's plan outline, from its layers alone, is exactly what
the built lesson's plan says (lesson_views.plan_info): for random shapes, coupled (softmax)
output layers, frozen tensors, one-neuron layers and the tutorial's chain."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.engine.dense_plan import plan_info
from app.engine.lesson import Lesson
from app.engine.lesson_views import plan_info as built_plan_info
from app.engine.network import MLPSpec, init_params
from app.engine.registry.activations import ACTIVATIONS


def spec(layers, acts, frozen=frozenset(), loss="mse", samples=1) -> MLPSpec:
    w, b = init_params(layers, "xavier", 1, 0.5)
    return MLPSpec(
        layers=layers, activations=acts, loss=loss, weights=w, biases=b,
        inputs=np.ones((samples, layers[0])), targets=np.full((samples, layers[-1]), 0.5),
        learning_rate=0.1, frozen=frozenset(frozen),
    )  # fmt: skip


def shapes():
    yield [2, 1, 1], ["sigmoid", "sigmoid"], (), "mse"
    yield [2, 3, 3], ["tanh", "softmax"], (), "cross_entropy"
    yield [2, 6, 6, 6, 2], ["tanh", "relu", "sigmoid", "linear"], ("W2", "b4"), "mse"
    yield [3, 2], ["linear"], ("W1", "b1"), "mse"  # nothing to update
    rng = random.Random(4)
    for _ in range(12):
        layers = [rng.randint(1, 5) for _ in range(rng.randint(2, 5))]
        acts = [rng.choice(["relu", "tanh", "sigmoid"]) for _ in layers[1:]]
        names = [f"{t}{l}" for l in range(1, len(layers)) for t in "Wb"]
        frozen = tuple(n for n in names if rng.random() < 0.25)
        yield layers, acts, frozen, "mse"


@pytest.mark.parametrize("case", list(shapes()), ids=lambda c: "-".join(map(str, c[0])))
def test_the_outline_is_the_built_plan(case):
    layers, acts, frozen, loss = case
    s = spec(layers, acts, frozen, loss, samples=2)
    coupled = [ACTIVATIONS[a].output_only for a in acts]
    assert plan_info(layers, coupled, s.frozen, 2) == built_plan_info(Lesson.from_spec(s))
