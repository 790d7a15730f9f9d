"""Steps explained from their shape's skeleton (app.engine.skeleton) are the steps the general
way explains, to the byte: weighted sums' and sigmoids' forward steps and backward edges, plain SGD's updates,
over random networks, numbers of every sign, overflow, optimizers and frozen tensors."""

from __future__ import annotations

from dataclasses import replace
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.serialize import dump, dump_step
from app.engine.lesson import Lesson
from app.engine.plan import GRANULARITIES
from tests.engine.scenarios import mlp_specs, tutorial_spec


def _general(spec, cursors) -> list[bytes | str]:
    """The answers with every step explained the general way (no skeleton)."""
    with mock.patch("app.engine.lesson_views.skeleton", lambda *a: None):
        return _answers(spec, cursors)


def _answers(spec, cursors) -> list[bytes | str]:
    """The answers with skeletons, twice: as objects (dump) and written (dump_step of rows)."""
    lesson, out = Lesson.from_spec(spec), []
    for gran, where in cursors:
        cursor = round(where * lesson.plan.units(gran))
        try:
            with np.errstate(all="ignore"):
                out.append(dump(lesson.at(cursor, gran, 0, 4, 500)))
                written = dump_step(lesson.at(cursor, gran, 0, 4, 500, rows=True))
                assert written == out[-1], (gran, cursor)
        except (OverflowError, ValueError) as e:  # e^(−z) of an infinite z: either way alike
            out.append(repr(e))
    return out


def _renumbered(spec, rng: np.random.Generator, scale: float):
    return replace(
        spec,
        weights=[rng.normal(0, scale, w.shape) for w in spec.weights],
        biases=[rng.normal(0, scale, b.shape) for b in spec.biases],
        inputs=rng.normal(0, 2, spec.inputs.shape),
        learning_rate=float(rng.choice([0.0, 0.1, 2.0])),
    )


cursors = st.lists(
    st.tuples(st.sampled_from(GRANULARITIES), st.floats(0, 1)), min_size=2, max_size=8
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mlp_specs(max_depth=3, max_width=7, max_batch=2),
    cursors,
    st.integers(0, 2**31),
    st.sampled_from([("sgd", {}), ("sgd", {"momentum": 0.9}), ("adam", {})]),
)
def test_skeleton_steps_are_the_general_steps(spec, cursors, seed, optimizer):
    """Several scenarios of one shape in turn (the skeleton learns each pattern of signs from the
    first and writes the next ones from it), some overflowing, each answered both ways."""
    rng = np.random.default_rng(seed)
    spec = replace(spec, optimizer=optimizer[0], hyper=optimizer[1])
    for scale in (0.8, 1.5, 1e200, 1e300, 0.8):
        if scale == 1e200:  # huge sums, then NaN: null in the answer
            again = replace(spec, inputs=np.full_like(spec.inputs, 1e200))
        elif scale == 1e300:  # infinite sums, whose e^−z the general way cannot write
            again = replace(spec, inputs=np.full_like(spec.inputs, 1e300))
            again.weights[0] = np.full_like(spec.weights[0], 1e10)
        else:
            again = _renumbered(spec, rng, scale)
        assert _answers(again, cursors) == _general(again, cursors)


def test_every_step_of_the_tutorial_and_its_neighbours_by_skeleton():
    base = tutorial_spec()
    every = [("step", k / 19) for k in range(20)]
    for k, lr in enumerate([0.5, 0.5 + 1e-9, 2.0, -1.0]):
        spec = replace(base, learning_rate=lr, weights=[w - k * 0.3 for w in base.weights])
        assert _answers(spec, every) == _general(spec, every)
    lesson = Lesson.from_spec(base)
    kept = lesson.graph.memo["skeletons"]
    assert sum(sk is not None and any(sk.templates.values()) for sk in kept.values()) >= 17
