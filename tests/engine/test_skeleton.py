"""Steps explained from their shape's skeleton (app.engine.skeleton) are the steps the general
way explains, to the byte: weighted sums' and sigmoids' forward steps and backward edges, plain SGD's updates,
over random networks, numbers of every sign, overflow, optimizers and frozen tensors."""

from __future__ import annotations

from dataclasses import replace
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.serialize import dump, dump_step
from app.engine import lesson_views, skeleton
from app.engine.lesson import Lesson
from app.engine.network import MLPSpec
from app.engine.plan import GRANULARITIES
from app.memo import Memo
from tests.engine.scenarios import mlp_specs, tutorial_spec


def _general(spec, cursors, precision=4) -> list[bytes | str]:
    """The answers with every step explained the general way (no skeleton)."""
    with mock.patch("app.engine.lesson_views.skeleton", lambda *a: None):
        return _answers(spec, cursors, precision)


def _answers(spec, cursors, precision=4) -> list[bytes | str]:
    """The answers with skeletons, twice: as objects (dump) and written (dump_step of rows)."""
    lesson, out = Lesson.from_spec(spec), []
    for gran, where in cursors:
        cursor = round(where * lesson.plan.units(gran))
        with np.errstate(all="ignore"):
            out.append(dump(lesson.at(cursor, gran, 0, precision, 500)))
            written = dump_step(lesson.at(cursor, gran, 0, precision, 500, rows=True))
        assert written == out[-1], (gran, cursor)
    return out


class _Served:
    """Counts the steps written from a skeleton (skeleton.view answering, not None)."""

    def __init__(self):
        self.count, self.view = 0, skeleton.view

    def __call__(self, *args, **kwargs):
        out = self.view(*args, **kwargs)
        self.count += out is not None
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


# numbers at a template's edges: signed zeros, whole numbers (a superscript exponent when 0-9),
# those just off them at the precision shown, the largest the API accepts, the smallest float
EDGES = [0.0, -0.0, 1.0, 2.0, 9.0, 10.0, -3.0, 0.99995, 9.99995, 1e-5, -5e-5, 999999.5, 1e6, 5e-324]


def _spec(layers, acts, loss, batch, frozen=(), leaky=0.01, seed=0) -> MLPSpec:
    """A network of these widths and activations, numbers drawn as mlp_specs draws them."""
    rng = np.random.default_rng(seed)
    pairs = zip(layers[:-1], layers[1:], strict=True)
    targets = rng.uniform(0, 1, (batch, layers[-1]))
    if loss == "cross_entropy":
        targets = np.eye(layers[-1])[rng.integers(0, layers[-1], batch)]
    return MLPSpec(
        list(layers),
        list(acts),
        loss,
        [rng.normal(0, 0.8, (o, i)) for i, o in pairs],
        [rng.normal(0, 0.3, o) for o in layers[1:]],
        rng.normal(0, 1, (batch, layers[0])),
        targets,
        frozen=frozenset(frozen),
        leaky_slope=leaky,
    )


# A sample in which every branch the skeleton (or its refusal) takes comes up, each at the seven
# kinds of numbers below: sigmoid forward steps and backward edges (hidden and output, with bce
# and mse, a node of one and of two successors) and the weighted sums' everywhere; activations
# it leaves to the general way (relu, tanh, leaky relu at both slopes, linear, softmax with
# cross-entropy and with mse); a sample of one (the only steps a skeleton writes, MEAN_OF_ONE's
# shortcuts) and of two (refused: the general way); frozen W1, b1, both; plain SGD's updates
# (its skeleton) and momentum's and Adam's (their own lines); depths 1-3, widths of 1;
# precisions 1, 2, 3, 4, 6, 12; cursors at every granularity, the first step, the last, between
# (the three sigmoids' case, a skeleton's every kind of step: at every step).
EVERY = [
    ("step", 0.0),
    ("step", 0.37),
    ("step", 0.71),
    ("node", 0.5),
    ("layer", 0.4),
    ("pass", 1.0),
]
SAMPLE = {
    "sigmoid-relu-sigmoid bce, one sample, W1 frozen, sgd": (
        _spec([2, 3, 2, 1], ["sigmoid", "relu", "sigmoid"], "bce", 1, {"W1"}),
        ("sgd", {}),
        1,
    ),
    "tanh-softmax cross-entropy, one sample, b1 frozen, momentum": (
        _spec([3, 4, 2], ["tanh", "softmax"], "cross_entropy", 1, {"b1"}, seed=1),
        ("sgd", {"momentum": 0.9}),
        12,
    ),
    "leaky-linear mse, one sample, adam": (
        _spec([2, 3, 1], ["leaky_relu", "linear"], "mse", 1, leaky=0.2, seed=2),
        ("adam", {}),
        4,
    ),
    "one sigmoid of width 1, mse, one sample, sgd": (
        _spec([1, 1], ["sigmoid"], "mse", 1, seed=3),
        ("sgd", {}),
        6,
    ),
    "linear-softmax mse, two samples, sgd": (
        _spec([2, 2, 3], ["linear", "softmax"], "mse", 2, seed=4),
        ("sgd", {}),
        2,
    ),
    "sigmoids of three layers bce, one sample, W1 and b1 frozen, sgd": (
        _spec([3, 2, 2, 2], ["sigmoid", "sigmoid", "sigmoid"], "bce", 1, {"W1", "b1"}, seed=5),
        ("sgd", {}),
        3,
    ),
}


def _both_ways_at_every_kind_of_number(spec, cursors, seed, optimizer, precision):
    """Several scenarios of one shape in turn (the skeleton learns each pattern of signs from the
    first and writes the next ones from it), some of edge numbers, some overflowing, each
    answered both ways, at a precision from 1 to 12."""
    rng = np.random.default_rng(seed)
    spec = replace(spec, optimizer=optimizer[0], hyper=optimizer[1])
    for scale in (0.8, 1.5, "edges", "whole", 1e200, 1e300, 0.8):
        if scale == 1e200:  # huge sums, then NaN: null in the answer
            again = replace(spec, inputs=np.full_like(spec.inputs, 1e200))
        elif scale == 1e300:  # infinite sums, whose e^−z the general way cannot write
            again = replace(spec, inputs=np.full_like(spec.inputs, 1e300))
            again.weights[0] = np.full_like(spec.weights[0], 1e10)
        elif scale in ("edges", "whole"):  # whole: every sum whole, e^−z often e² (superscript)
            some = EDGES if scale == "edges" else [0.0, 1.0, 2.0, 3.0]
            pick = lambda a, some=some: rng.choice(some, a.shape) * rng.choice([1, -1], a.shape)  # noqa: E731
            again = replace(
                spec,
                weights=[pick(w) for w in spec.weights],
                biases=[pick(b) for b in spec.biases],
                inputs=pick(spec.inputs),
            )
        else:
            again = _renumbered(spec, rng, scale)
        assert _answers(again, cursors, precision) == _general(again, cursors, precision)


@pytest.mark.parametrize("name", SAMPLE)
def test_skeleton_steps_are_the_general_steps_in_every_branch(name):
    spec, optimizer, precision = SAMPLE[name]
    cursors = EVERY
    if name.startswith("sigmoids of three layers"):  # the skeleton's own ground: every step
        units = Lesson.from_spec(spec).plan.units("step")
        cursors = [("step", k / units) for k in range(units + 1)]
    served = _Served()
    with mock.patch.object(lesson_views, "skeleton_view", served):
        _both_ways_at_every_kind_of_number(spec, cursors, 7, optimizer, precision)
    if len(spec.inputs) == 1:  # the skeleton wrote some of them: not the general way twice
        assert served.count > 0


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mlp_specs(max_depth=3, max_width=7, max_batch=2),
    cursors,
    st.integers(0, 2**31),
    st.sampled_from([("sgd", {}), ("sgd", {"momentum": 0.9}), ("adam", {})]),
    st.integers(1, 12),
)
def test_skeleton_steps_are_the_general_steps(spec, cursors, seed, optimizer, precision):
    """Random networks beyond the sample above (which reaches every branch every run): wider
    (up to 7), other cursors and seeds."""
    _both_ways_at_every_kind_of_number(spec, cursors, seed, optimizer, precision)


def test_every_step_of_the_tutorial_and_its_neighbours_by_skeleton():
    base = tutorial_spec()
    every = [("step", k / 19) for k in range(20)]
    served = _Served()
    with mock.patch.object(lesson_views, "skeleton_view", served):
        for k, lr in enumerate([0.5, 0.5 + 1e-9, 2.0, -1.0]):
            spec = replace(base, learning_rate=lr, weights=[w - k * 0.3 for w in base.weights])
            assert _answers(spec, every) == _general(spec, every)
            if k == 1:  # the first scenario learnt the patterns; the next is written from them
                assert served.count >= 2 * 17, served.count  # 17 of 20 cursors, twice each
    assert served.count >= 3 * 2 * 17


def test_the_templates_kept_stay_within_their_budget_and_still_serve():
    """Scenarios of one shape with numbers of every sign learn many patterns: the templates kept
    stay within the budget (least recently used first out), and a step whose template went is
    learnt again and written to the same bytes."""
    budget = 10_000  # about 25 of the tutorial's templates
    kept = Memo(budget, lambda entry: entry[2], 1)
    served = _Served()
    spec, rng = tutorial_spec(), np.random.default_rng(5)
    every = [("step", k / 19) for k in range(20)]
    with (
        mock.patch.object(skeleton, "KEPT", kept),
        mock.patch.object(lesson_views, "skeleton_view", served),
    ):
        for _ in range(30):
            again = _renumbered(spec, rng, 1.0)
            assert _answers(again, every) == _general(again, every)
            assert kept.used <= budget
    skeletons = Lesson.from_spec(spec).graph.memo["skeletons"].values()
    learnt = sum(sk.tried for sk in skeletons if sk is not None)
    assert len(kept) < learnt, "nothing was evicted: the budget was not tested"
    assert served.count > 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mlp_specs(max_depth=3, max_width=4, max_batch=1), cursors, st.integers(0, 2**31))
def test_one_sample_shortcuts_are_numpys_mean(spec, cursors, seed):
    """A one-sample step's gradient parts and loss are written as (0.0 + v) / 1 where
    stepper.MEAN_OF_ONE says NumPy's mean of one number is that (checked at import); with the
    check failing, the same answers come from NumPy's mean itself: signed zeros and edge numbers
    included, both ways the same to the byte."""
    from app.engine import stepper

    assert stepper.MEAN_OF_ONE  # this NumPy: the shortcuts are what the first answers take
    rng = np.random.default_rng(seed)
    pick = lambda a: rng.choice(EDGES, a.shape) * rng.choice([1.0, -1.0], a.shape)  # noqa: E731
    for again in (
        _renumbered(spec, rng, 0.8),
        replace(spec, weights=[pick(w) for w in spec.weights], inputs=pick(spec.inputs)),
    ):
        short = _answers(again, cursors)
        with (
            mock.patch.object(skeleton, "MEAN_OF_ONE", False),
            mock.patch.object(lesson_views, "MEAN_OF_ONE", False),
        ):
            assert _answers(again, cursors) == short
