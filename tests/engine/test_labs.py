"""Each lab's numbers against an independent computation: PyTorch float64 autograd, central
differences, or a NumPy loop written here."""

import math

import numpy as np
import pytest

from app.engine import labs
from app.engine.datasets import make_dataset
from app.engine.network import MLPSpec, init_params
from app.engine.vectorised import Pass
from tests.oracles_train import mlp_grads, require_torch


def torch_grads(torch, spec):
    """∂L/∂θ of the spec's network by PyTorch autograd, in float64."""
    ws = [torch.tensor(w, requires_grad=True) for w in spec.weights]
    bs = [torch.tensor(b, requires_grad=True) for b in spec.biases]
    a = torch.tensor(spec.inputs)
    fns = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z}
    for W, b, act in zip(ws, bs, spec.activations, strict=True):
        a = fns[act](a @ W.T + b)
    loss = (0.5 * ((a - torch.tensor(spec.targets)) ** 2).sum(dim=1)).mean()
    loss.backward()
    return float(loss.detach()), [w.grad.numpy() for w in ws], [b.grad.numpy() for b in bs]


def vanishing_spec(act, depth=10, width=8, seed=0):
    d = make_dataset("moons", 64, 0.1, seed)
    layers = [2] + [width] * (depth - 1) + [1]
    w, b = init_params(layers, "xavier", seed, 1.0)
    return MLPSpec(layers, [act] * (depth - 1) + ["sigmoid"], "mse", w, b, d.inputs, d.targets, 0.1)


@pytest.mark.torch
def test_vanishing_norms_are_pytorchs():
    torch = require_torch()
    out = labs.vanishing()
    for run in out["runs"]:
        _, dws, dbs = torch_grads(torch, vanishing_spec(run["activation"]))
        ref = [math.sqrt((dw**2).sum() + (db**2).sum()) for dw, db in zip(dws, dbs, strict=True)]
        np.testing.assert_allclose(run["grad_norms"], ref, rtol=1e-10, atol=1e-300)


def test_vanishing_sigmoid_decays_like_the_bound_and_others_do_not():
    out = labs.vanishing()
    sig, tanh, relu = (r["first_over_last"] for r in out["runs"])
    assert out["bound_first_over_last"] == 0.25**9
    assert sig < 0.25**9 * 10  # at least about as fast as the tutorial's 0.25ⁿ
    assert tanh > 1000 * sig and relu > 1000 * sig
    norms = out["runs"][0]["grad_norms"]
    assert all(a < b for a, b in zip(norms, norms[1:], strict=False))  # shrinks towards the input
    last = norms[-1]
    np.testing.assert_allclose(out["bound"], [last * 0.25 ** (10 - l) for l in range(1, 11)])


def test_exploding_reports_the_first_non_finite_step_and_clipping_fixes_it():
    out = labs.exploding()
    plain, clipped = out["plain"], out["clipped"]
    d = make_dataset("sine", 64, 0.1, 0)
    layers = [1, 16, 16, 16, 1]
    W, B = init_params(layers, "normal", 0, 1.0)
    acts = ["relu", "relu", "relu", "linear"]
    first = None
    with np.errstate(all="ignore"):
        for k in range(200):
            loss, dws, dbs = mlp_grads(W, B, acts, d.inputs, d.targets)
            if not math.isfinite(loss):
                first = k
                break
            W = [x - 0.02 * g for x, g in zip(W, dws, strict=True)]
            B = [x - 0.02 * g for x, g in zip(B, dbs, strict=True)]
    assert first is not None
    assert plain["stopped"] == "diverged" and plain["diverged"].step == first
    assert clipped["stopped"] == "epochs" and clipped["diverged"] is None
    assert clipped["clipped_updates"] > 0
    assert (
        math.isfinite(clipped["final_loss"])
        and clipped["final_loss"] < clipped["train_loss"][0] / 100
    )


def test_losses_too_large_to_add_up_are_a_divergence_not_an_overflow_warning():
    # RuntimeWarning is an error under pytest, as it once was for this request to the lab
    both = Pass([], [], np.array([1e308, 1e308]))
    assert both.loss == math.inf
    out = labs.exploding(6.267240565059069, 8.029056054541627, 888.2297530671912, 188, 90)
    assert out["plain"]["stopped"] == "diverged" and out["plain"]["diverged"].where == "loss"


def test_dead_relu_neurons_never_move_and_leaky_recovers():
    out = labs.dead_relu()
    d = make_dataset("moons", 100, 0.1, 0)
    w, b = init_params([2, 8, 1], "xavier", 1, 1.0)
    z = w[0] @ d.inputs.T + out["bias"]
    dead_ref = [bool((z[j] <= 0).all()) for j in range(8)]
    relu, leaky = out["relu"], out["leaky_relu"]
    assert [n["dead"] for n in relu["before"]] == dead_ref
    assert relu["dead_before"] == sum(dead_ref) >= 4
    for n in relu["after"]:
        if n["dead"] and dead_ref[n["row"]]:
            assert n["weight_change"] == 0.0  # no gradient ever reached it
    assert leaky["dead_after"] < leaky["dead_before"]
    assert leaky["train_loss"][-1] < 0.5 * relu["train_loss"][-1]


def test_forgotten_zero_grad_uses_the_running_sum():
    out = labs.zero_grad(iterations=15, learning_rate=0.1)
    ok, acc = out["correct"], out["accumulated"]
    np.testing.assert_allclose(acc["used_grad"], np.cumsum(acc["fresh_grad"]), rtol=1e-12)
    np.testing.assert_array_equal(ok["used_grad"], ok["fresh_grad"])
    # both runs again in NumPy: the accumulated one updates with the sum of all gradients so far
    d = make_dataset("sine", 40, 0.1, 0)
    for run, accumulate in ((ok, False), (acc, True)):
        W, B = init_params([1, 8, 1], "xavier", 0, 1.0)
        sw, sb, losses = [0 * w for w in W], [0 * b for b in B], []
        for _ in range(15):
            loss, dws, dbs = mlp_grads(W, B, ["tanh", "linear"], d.inputs, d.targets)
            losses.append(loss)
            if not accumulate:
                sw, sb = [0 * w for w in W], [0 * b for b in B]
            sw = [s + g for s, g in zip(sw, dws, strict=True)]
            sb = [s + g for s, g in zip(sb, dbs, strict=True)]
            W = [w - 0.1 * s for w, s in zip(W, sw, strict=True)]
            B = [b - 0.1 * s for b, s in zip(B, sb, strict=True)]
        np.testing.assert_allclose(run["loss"], losses, rtol=0, atol=1e-14)
    assert all(a > b for a, b in zip(ok["loss"], ok["loss"][1:], strict=False))  # steady descent
    assert any(a < b for a, b in zip(acc["loss"], acc["loss"][1:], strict=False))  # goes wrong


@pytest.mark.torch
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_gradcheck_and_blame_match_pytorch(act):
    torch = require_torch()
    d = make_dataset("moons", 12, 0.2, 4)
    w, b = init_params([2, 3, 2, 1], "xavier", 5)
    b = [x + 0.1 for x in b]  # keeps every ReLU input off its kink at exactly 0
    spec = MLPSpec([2, 3, 2, 1], [act, act, "sigmoid"], "mse", w, b, d.inputs, d.targets, 0.3)
    gc = labs.gradcheck(spec)
    _, dws, dbs = torch_grads(torch, spec)
    ref = {}
    for l, (dw, db) in enumerate(zip(dws, dbs, strict=True), start=1):
        for j in range(dw.shape[0]):
            ref.update({f"W{l}_{j}_{i}": dw[j, i] for i in range(dw.shape[1])})
            ref[f"b{l}_{j}"] = db[j]
    assert [r["id"] for r in gc["parameters"]] == list(ref)
    for r in gc["parameters"]:
        assert r["backprop"] == pytest.approx(ref[r["id"]], abs=1e-14)
        assert r["numeric"] == pytest.approx(ref[r["id"]], abs=1e-8)
    assert gc["max_rel_error"] < 1e-5
    n = 3 * 3 + 2 * 4 + 1 * 3
    assert gc["forward_passes_numeric"] == 2 * n and len(gc["parameters"]) == n
    bl = labs.blame(spec)
    total = sum(abs(v) for v in ref.values())
    for r in bl["parameters"]:
        assert r["share"] == pytest.approx(abs(ref[r["id"]]) / total, abs=1e-12)
        assert r["update"] == pytest.approx(-0.3 * ref[r["id"]], abs=1e-14)
    assert sum(x["share"] for x in bl["layers"]) == pytest.approx(1.0, abs=1e-12)


def test_gradcheck_numeric_column_is_central_differences():
    spec = MLPSpec(
        [2, 1, 1], ["sigmoid", "sigmoid"], "mse",
        [np.array([[0.4, 0.6]]), np.array([[0.9]])], [np.array([0.1]), np.array([0.1])],
        np.array([[0.5, 0.8]]), np.array([[1.0]]), 0.5,
    )  # fmt: skip
    gc = labs.gradcheck(spec, eps=1e-5)

    def loss(W1, b1, W2, b2):
        a1 = 1 / (1 + np.exp(-(W1 @ [0.5, 0.8] + b1)))
        y = 1 / (1 + np.exp(-(W2 @ a1 + b2)))
        return float(0.5 * ((y - 1.0) ** 2).sum())

    base = [np.array([[0.4, 0.6]]), np.array([0.1]), np.array([[0.9]]), np.array([0.1])]
    where = {
        "W1_0_0": (0, (0, 0)),
        "W1_0_1": (0, (0, 1)),
        "b1_0": (1, (0,)),
        "W2_0_0": (2, (0, 0)),
        "b2_0": (3, (0,)),
    }
    for r in gc["parameters"]:
        k, idx = where[r["id"]]
        up = [x.copy() for x in base]
        dn = [x.copy() for x in base]
        up[k][idx] += 1e-5
        dn[k][idx] -= 1e-5
        assert r["numeric"] == pytest.approx((loss(*up) - loss(*dn)) / 2e-5, abs=1e-13)
        assert r["rel_error"] < 1e-8


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "softmax"])
def test_activation_derivatives_are_finite_differences_of_the_values(name):
    table = {a["name"]: a for a in labs.activation_table(-6, 6, 241)}
    a = table[name]
    z, f, df = a["z"], a["value"], a["derivative"]
    h = z[1] - z[0]
    numeric = (f[2:] - f[:-2]) / (2 * h)
    smooth = np.abs(z[1:-1]) > 1.5 * h  # ReLU's kink at 0 is not differentiable
    np.testing.assert_allclose(df[1:-1][smooth], numeric[smooth], atol=2e-3)
    assert a["range"] and a["issue"]


def test_activation_values_are_the_tutorial_formulas():
    table = {a["name"]: a for a in labs.activation_table(-6, 6, 121)}
    z = table["sigmoid"]["z"]
    np.testing.assert_allclose(table["sigmoid"]["value"], 1 / (1 + np.exp(-z)), atol=1e-15)
    np.testing.assert_allclose(table["tanh"]["value"], np.tanh(z), atol=1e-15)
    np.testing.assert_allclose(table["leaky_relu"]["value"], np.where(z > 0, z, 0.01 * z))
    np.testing.assert_allclose(table["softmax"]["value"], np.exp(z) / (np.exp(z) + 1), atol=1e-15)
    assert table["sigmoid"]["max_derivative"] == 0.25  # σ'(0), z = 0 is sampled
    assert table["relu"]["min_derivative"] == 0.0 and table["leaky_relu"]["min_derivative"] == 0.01
