"""A one-sample network's segments replayed as Python floats (stepper._scalar_program) give the
state NumPy's program and step-by-step run_to give, to the bit (signed zeros too), and its loss as
Python floats (vectorised._scalar_loss) is forward's: random sigmoid networks with mse, numbers of
every sign and size, zeros of both signs, overflow, frozen tensors, from every segment start to
every cursor; one explained step at a time as well."""

from __future__ import annotations

from dataclasses import replace
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import stepper, vectorised
from app.engine.lesson import Lesson
from app.engine.network import MLPSpec
from app.engine.vectorised import forward

NUMBERS = st.one_of(
    st.floats(-4, 4, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 1e300, -1e300, 800.0, -800.0]),
)


@st.composite
def one_sample(draw) -> MLPSpec:
    depth = draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    if draw(st.booleans()):
        widths[0] = draw(st.integers(7, 10))  # fan-in around stepper._SCALAR_FAN_IN
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([0.5, 3.0, 1e3]))

    def tensor(shape):
        t = rng.normal(0, scale, shape)
        picks = draw(st.lists(NUMBERS, min_size=1, max_size=3))
        for k, v in enumerate(picks):  # a few exact numbers put in
            t.flat[(seed + 7 * k) % t.size] = v
        return t

    weights = [tensor((o, i)) for i, o in zip(widths[:-1], widths[1:], strict=True)]
    biases = [tensor((o,)) for o in widths[1:]]
    inputs = tensor((1, widths[0]))
    if draw(st.booleans()):  # sums of signed zeros: the first layer's products and biases
        inputs[:] = draw(st.sampled_from([0.0, -0.0]))
        biases[0][:] = draw(st.sampled_from([0.0, -0.0]))
    frozen = frozenset(t for t in ("W1", "b1") if draw(st.booleans()) and draw(st.booleans()))
    return MLPSpec(
        widths,
        ["sigmoid"] * depth,
        "mse",
        weights,
        biases,
        inputs,
        tensor((1, widths[-1])),
        learning_rate=draw(st.sampled_from([0.0, 0.1, 0.5, 2.0, 1e300])),
        frozen=frozen,
    )


def _state_bytes(state) -> tuple:
    return (
        *(getattr(state, n).tobytes() for n in ("V", "G", "P", "pgrad")),
        *(getattr(state, n).tolist() for n in ("done", "received", "updated")),
        state.diverged,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_sample(), st.data())
def test_scalar_replay_is_numpy_replay(spec, data):
    lesson = Lesson.from_spec(spec)
    plan = lesson.plan
    if spec.layers[0] <= stepper._SCALAR_FAN_IN:  # the case the fast path is for: it is taken
        assert stepper._scalar_program(lesson.new_state(), plan) is not None
    starts = [seg.start for seg in plan.segments] + [plan.total]
    start = data.draw(st.sampled_from(starts))
    fine = data.draw(st.integers(start, plan.total))
    reference = lesson.new_state()
    reference.run_to(plan, fine)  # step by step, each segment at once
    with np.errstate(all="ignore"):
        fast = lesson.new_state()
        fast.run_to(plan, start)
        fast.replay(plan, fine, start=start)
        with mock.patch.object(stepper, "_scalar_program", lambda *a: None):
            slow = lesson.new_state()
            slow.run_to(plan, start)
            slow.replay(plan, fine, start=start)
    assert _state_bytes(fast) == _state_bytes(reference)
    assert _state_bytes(slow) == _state_bytes(reference)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_sample(), st.data())
def test_one_scalar_step_is_the_numpy_step(spec, data):
    """apply_one (an explained step: the scalar program's run of that one step on the state's own
    rows) writes what apply_quiet writes, to the bit, and notes divergence at the same step: every
    step of the plan, one at a time, from a state replayed to a random point; half the time with
    targets that make the loss overflow (its forward step diverges)."""
    if data.draw(st.booleans()):
        spec = replace(spec, targets=spec.targets + 1e300)
    lesson = Lesson.from_spec(spec)
    plan = lesson.plan
    start = data.draw(st.integers(0, plan.total))
    with np.errstate(all="ignore"):
        one, reference = lesson.new_state(), lesson.new_state()
        one.run_to(plan, start)
        reference.run_to(plan, start)
        for t in range(start, plan.total):
            step = plan.step(t)
            one.apply_one(plan, step)
            reference.apply_quiet(step)
            assert _state_bytes(one) == _state_bytes(reference), (t, step.phase)


def test_tutorial_takes_the_scalar_path():
    """The tutorial's shape (2-1-1, sigmoid, mse, one sample) has a scalar program, so the
    comparison above covers the path its requests take."""
    from tests.engine.scenarios import tutorial_spec

    lesson = Lesson.from_spec(tutorial_spec())
    assert stepper.NAIVE_DOT
    program = stepper._scalar_program(lesson.new_state(), lesson.plan)
    assert program is not None and len(program) == len(lesson.plan.segments) + 1  # and parts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_sample(), st.sampled_from([1.0, 1e200]))
def test_scalar_loss_is_the_forward_pass_loss(spec, scale):
    """loss_of as Python floats (vectorised._scalar_loss, a lesson's starting loss) is the very
    float forward(spec).loss gives, overflowed inputs included."""
    with np.errstate(all="ignore"):
        spec = replace(spec, inputs=spec.inputs * scale)
        expected = forward(spec).loss
        with mock.patch.object(vectorised, "_scalar_loss_fits", lambda spec: False):
            slow = vectorised.loss_of(spec)
    if all(w.shape[0] == 1 and w.shape[1] <= vectorised.NAIVE_MOST for w in spec.weights):
        assert vectorised._scalar_loss_fits(spec)  # the case the fast path is for: it is taken
    assert repr(vectorised.loss_of(spec)) == repr(expected) == repr(slow)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(0, 2**31), st.lists(NUMBERS, max_size=4))
def test_scalar_affine_is_numpy_matmul(rows, cols, seed, exact):
    """_affine is W @ a + b[:, None] to the bit wherever naive_matmul says so (one-row W)."""
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 1, (rows, cols)) * 10.0 ** rng.integers(-6, 6, (rows, cols))
    a, b = rng.normal(0, 1, (cols, 1)), rng.normal(0, 1, rows)
    for k, v in enumerate(exact):  # exact numbers and signed zeros put in
        W.flat[(seed + k) % W.size], a.flat[(seed + 3 * k) % a.size] = v, -v
        b[(seed + k) % rows] = v
    if seed % 3 == 0:  # sums of signed zeros
        a[:], b[:] = -0.0, -0.0
    if rows == 1:
        assert vectorised.naive_matmul((rows, cols))
    if not vectorised.naive_matmul((rows, cols)):
        return
    with np.errstate(all="ignore"):
        expected = (W @ a + b[:, None])[:, 0]
    got = np.array(vectorised._affine(W.tolist(), b.tolist(), a[:, 0].tolist()))
    assert got.tobytes() == expected.tobytes()
