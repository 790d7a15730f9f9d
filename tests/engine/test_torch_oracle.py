"""Random networks and every preset against PyTorch autograd (float64)."""

import os

import numpy as np
import pytest
from hypothesis import given, settings

from app.engine.network import build_graph
from app.engine.plan import Plan
from app.engine.stepper import state_at
from app.engine.vectorised import iterate
from tests.engine.scenarios import mlp_specs, stepped_params

if os.environ.get("CI"):
    import torch  # in CI the oracle must be there: no silent skip
else:
    torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


def clipped(a):
    """p clipped to [1e-12, 1 − 1e-12] for the log, the gradient passed through unchanged: the
    engine's documented convention (like PyTorch's BCELoss, whose gradient (p − y)/max(p(1 − p),
    1e-12) does not vanish either). A plain clamp would make the slope 0 beyond the clip, and a
    confidently wrong output could never recover."""
    return a + (a.clamp(1e-12, 1 - 1e-12) - a).detach()


def torch_iteration(spec):
    """Forward, loss, backward and update written with torch ops, independently of the engine."""
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in spec.weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in spec.biases]
    a = torch.tensor(spec.inputs, dtype=torch.float64)
    y = torch.tensor(spec.targets, dtype=torch.float64)
    acts = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "linear": lambda z: z,
        "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, spec.leaky_slope),
        "softmax": lambda z: torch.softmax(z, dim=1),
    }
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
    loss.backward()
    lr = spec.learning_rate
    new_w = [
        w.detach().numpy() if f"W{l + 1}" in spec.frozen else (w - lr * w.grad).detach().numpy()
        for l, w in enumerate(ws)
    ]
    new_b = [
        b.detach().numpy() if f"b{l + 1}" in spec.frozen else (b - lr * b.grad).detach().numpy()
        for l, b in enumerate(bs)
    ]
    return (
        loss.item(),
        a.detach().numpy(),
        [w.grad.numpy() for w in ws],
        [b.grad.numpy() for b in bs],
        new_w,
        new_b,
    )


def assert_close_all(got, want, tol):
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


def test_a_sigmoid_output_below_the_clip_still_matches_torch():
    """The case the fuzzer found: an output of ~3e-16 under bce (below the 1e-12 clip)."""
    from app.engine.network import MLPSpec

    spec = MLPSpec(
        layers=[2, 1],
        activations=["sigmoid"],
        loss="bce",
        weights=[np.array([[-30.0, -6.0]])],
        biases=[np.array([0.0])],
        inputs=np.array([[1.0, 1.0], [0.0, 0.1]]),
        targets=np.array([[1.0], [1.0]]),
        learning_rate=0.5,
    )
    loss, out, gw, gb, nw, nb = torch_iteration(spec)
    assert out[0, 0] < 1e-12  # below the clip
    it = iterate(spec)
    assert it.before.loss == pytest.approx(loss, rel=1e-10)
    assert_close_all([*it.grads_w, *it.grads_b], [*gw, *gb], 1e-10)
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    sw, sb, _, _ = stepped_params(state_at(graph, plan, 0.5, plan.total), graph, spec)
    assert_close_all([*sw, *sb], [*gw, *gb], 1e-10)
    assert abs(gw[0][0, 0]) > 0  # the slope did not vanish


@settings(max_examples=40, deadline=None)
@given(mlp_specs())
def test_random_networks_match_torch(spec):
    loss, out, gw, gb, nw, nb = torch_iteration(spec)
    it = iterate(spec)
    assert it.before.loss == pytest.approx(loss, rel=1e-10, abs=1e-12)
    assert_close_all(
        [it.before.outputs, *it.grads_w, *it.grads_b, *it.weights, *it.biases],
        [out, *gw, *gb, *nw, *nb],
        1e-10,
    )
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    state = state_at(graph, plan, spec.learning_rate, plan.total)
    sw, sb, snw, snb = stepped_params(state, graph, spec)
    assert_close_all([*sw, *sb, *snw, *snb], [*gw, *gb, *nw, *nb], 1e-10)
