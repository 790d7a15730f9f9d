"""advance(spec, k): k full-batch updates, against a hand-written NumPy loop, PyTorch float64 SGD
and the stepped path (iteration 1 stepped to its end, then iteration 2 from there)."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.api.convert import to_spec
from app.api.schemas.scenario import Scenario
from app.engine.iterations import advance, history, iteration_work, start_loss
from app.engine.network import build_graph
from app.engine.plan import Plan
from app.engine.presets import PRESETS
from app.engine.stepper import state_at
from app.engine.vectorised import forward, loss_of
from tests.engine.scenarios import mlp_specs, stepped_params, tutorial_spec
from tests.oracle_sgd import EPS, reference_sgd
from tests.oracles_train import require_torch

TOL = 1e-12


def preset_spec(name: str):
    return to_spec(Scenario.model_validate(PRESETS[name]["scenario"]))


def assert_params(got, Ws, bs, tol=TOL):
    for a, b in zip([*got.weights, *got.biases], [*Ws, *bs], strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@settings(max_examples=40, deadline=None)
@given(mlp_specs(), st.integers(0, 5))
def test_advance_is_k_hand_written_updates(spec, k):
    spec = replace(spec, learning_rate=min(spec.learning_rate, 0.5))  # no chaos: 1e-12 holds
    got = advance(spec, k)
    Ws, bs, losses = reference_sgd(spec, k)
    assert got.updates == k and got.diverged is None
    assert_params(got.spec, Ws, bs)
    np.testing.assert_allclose(got.losses, losses, rtol=TOL, atol=TOL)
    for name in spec.frozen:  # frozen tensors stay exactly as they were
        l = int(name[1:]) - 1
        t = (got.spec.weights if name[0] == "W" else got.spec.biases)[l]
        orig = (spec.weights if name[0] == "W" else spec.biases)[l]
        assert np.array_equal(t, orig)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_advance_like_the_reference(name):
    spec = preset_spec(name)
    got = advance(spec, 30)
    Ws, bs, losses = reference_sgd(spec, 30)
    assert_params(got.spec, Ws, bs)
    np.testing.assert_allclose(got.losses, losses, rtol=TOL, atol=TOL)
    assert got.losses[-1] < got.losses[0]  # gradient descent lowers the loss of every preset


def test_frozen_tensors_stay_frozen_across_iterations():
    spec = replace(preset_spec("xor"), frozen=frozenset({"W1", "b2"}))
    got = advance(spec, 25)
    Ws, bs, _ = reference_sgd(spec, 25)
    assert_params(got.spec, Ws, bs)
    assert np.array_equal(got.spec.weights[0], spec.weights[0])
    assert np.array_equal(got.spec.biases[1], spec.biases[1])
    assert not np.allclose(got.spec.weights[1], spec.weights[1])  # the rest moved


def test_tutorial_iteration_two_starts_from_one_update():
    """Against the reference, not the tutorial's printed numbers (its hand calculation slips)."""
    spec = tutorial_spec()
    got = advance(spec, 1)
    Ws, bs, losses = reference_sgd(spec, 1)
    assert_params(got.spec, Ws, bs)
    assert got.losses[1] == pytest.approx(losses[1], abs=TOL)
    assert got.losses[1] < got.losses[0]


def _stepped_update(spec):
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    state = state_at(graph, plan, spec.learning_rate, plan.total)
    *_, nw, nb = stepped_params(state, graph, spec)
    for l, name in enumerate(f"W{i}" for i in range(1, len(nw) + 1)):
        if name in spec.frozen:
            nw[l] = spec.weights[l]
    for l, name in enumerate(f"b{i}" for i in range(1, len(nb) + 1)):
        if name in spec.frozen:
            nb[l] = spec.biases[l]
    return replace(spec, weights=nw, biases=nb)


@settings(max_examples=25, deadline=None)
@given(mlp_specs(max_depth=3, max_width=3, max_batch=3))
def test_stepping_iteration_one_then_two_is_advance(spec):
    """Step through iteration 1 to its end, start iteration 2 from there, step it to its end:
    the same parameters as advance(spec, 1) and advance(spec, 2)."""
    spec = replace(spec, learning_rate=min(spec.learning_rate, 0.5))
    one = _stepped_update(spec)
    a1 = advance(spec, 1).spec
    assert_params(a1, one.weights, one.biases)
    two = _stepped_update(one)
    assert_params(advance(spec, 2).spec, two.weights, two.biases)


def torch_sgd(torch, spec, k):
    """k steps of torch.optim.SGD (float64) over the tensors not frozen: (weights, biases, the
    k + 1 losses). bce and cross-entropy clip the probability for the log only, the engine's
    documented convention (the slope passes through, as in tests/engine/test_torch_oracle.py)."""
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in spec.weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in spec.biases]
    trained = [p for i, p in enumerate(ws) if f"W{i + 1}" not in spec.frozen] + [
        p for i, p in enumerate(bs) if f"b{i + 1}" not in spec.frozen
    ]
    opt = torch.optim.SGD(trained, lr=spec.learning_rate) if trained else None  # all frozen
    x = torch.tensor(spec.inputs, dtype=torch.float64)
    y = torch.tensor(spec.targets, dtype=torch.float64)
    acts = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "linear": lambda z: z,
        "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, spec.leaky_slope),
        "softmax": lambda z: torch.softmax(z, dim=1),
    }

    def clipped(a):
        return a + (a.clamp(EPS, 1 - EPS) - a).detach()

    losses = []
    for _ in range(k + 1):
        if opt:
            opt.zero_grad()
        a = x
        for w, b, act in zip(ws, bs, spec.activations, strict=True):
            a = acts[act](a @ w.T + b)
        if spec.loss == "mse":
            per = 0.5 * ((a - y) ** 2).sum(dim=1)
        elif spec.loss == "bce":
            p = clipped(a)
            per = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).sum(dim=1)
        else:
            per = -(y * torch.log(clipped(a))).sum(dim=1)
        loss = per.mean()
        losses.append(loss.item())
        if len(losses) <= k and opt:
            loss.backward()
            opt.step()
    return [w.detach().numpy() for w in ws], [b.detach().numpy() for b in bs], losses


def test_presets_advance_like_torch_sgd():
    torch = require_torch()
    for name in sorted(PRESETS):
        spec = replace(preset_spec(name), frozen=frozenset({"b1"}))
        Ws, bs, losses = torch_sgd(torch, spec, 20)
        got = advance(spec, 20)
        np.testing.assert_allclose(got.losses, losses, rtol=TOL, atol=TOL)
        assert_params(got.spec, Ws, bs)
        assert np.array_equal(got.spec.biases[0], spec.biases[0])


@settings(max_examples=20, deadline=None)
@given(mlp_specs(max_depth=3, max_width=3, max_batch=3), st.integers(1, 4))
def test_random_networks_advance_like_torch_sgd(spec, k):
    torch = require_torch()
    spec = replace(spec, learning_rate=min(spec.learning_rate, 0.5))
    Ws, bs, losses = torch_sgd(torch, spec, k)
    got = advance(spec, k)
    np.testing.assert_allclose(got.losses, losses, rtol=TOL, atol=TOL)
    assert_params(got.spec, Ws, bs)


def test_divergence_stops_at_the_last_finite_parameters():
    spec = replace(tutorial_spec(), learning_rate=1e6, activations=["linear", "linear"])
    got = advance(spec, 50)
    assert got.diverged in {"W1", "b1", "W2", "b2"}
    assert got.updates < 50
    assert len(got.losses) == got.updates + 1
    assert all(np.isfinite(t).all() for t in [*got.spec.weights, *got.spec.biases])
    again = advance(spec, got.updates)
    assert_params(got.spec, again.spec.weights, again.spec.biases, tol=0)


def test_history_keeps_first_and_last_within_the_limit():
    losses = tuple(float(i) for i in range(1000))
    its, vals = history(losses, 1, 250)
    assert len(its) <= 250 and its[0] == 1 and its[-1] == 1000
    assert vals == [float(i - 1) for i in its]
    assert its == sorted(set(its))
    assert history(losses[:10], 1, 250) == (list(range(1, 11)), list(losses[:10]))


def test_iteration_work_grows_with_shape():
    assert (
        iteration_work([2, 1, 1], 1) < iteration_work([2, 4, 1], 4) < iteration_work([64] * 3, 10)
    )


@settings(max_examples=60, deadline=None)
@given(mlp_specs(max_batch=6), st.sampled_from([1.0, 1e200]))
def test_start_loss_is_the_forward_pass_loss_to_the_bit(spec, scale):
    """start_loss (a lesson's history at iteration 1) by loss_of, without the pass forward keeps:
    the very float forward(spec).loss gives, non-finite ones (overflowed inputs) included."""
    spec = replace(spec, inputs=spec.inputs * scale)
    with np.errstate(all="ignore"):
        expected = forward(spec).loss
    got = loss_of(spec)
    assert repr(got) == repr(expected)
    (first,) = start_loss(spec)
    assert repr(first) == repr(expected if np.isfinite(expected) else float("nan"))
