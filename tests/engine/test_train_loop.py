"""Training against references written here: the tutorial's XOR loop in NumPy, SGD, clipping,
accumulated gradients, stopping rules, divergence, and PyTorch float64 where installed."""

import math

import numpy as np
import pytest

from app.engine.datasets import make_dataset
from app.engine.network import MLPSpec, init_params
from app.engine.train import TrainConfig, Trainer, clip_by_global_norm, grid_maps, predict, train
from tests.oracles_train import mlp_grads, require_torch


def tutorial_xor(epochs=5000):
    """The tutorial's training program, as printed there (columns are samples)."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float).T
    Y = np.array([[0, 1, 1, 0]], dtype=float)
    np.random.seed(42)
    W1 = np.random.randn(4, 2) * 0.5
    b1 = np.zeros((4, 1))
    W2 = np.random.randn(1, 4) * 0.5
    b2 = np.zeros((1, 1))
    lr = 2.0
    losses = []
    for _ in range(epochs):
        z1 = W1 @ X + b1
        a1 = 1 / (1 + np.exp(-z1))
        z2 = W2 @ a1 + b2
        y_hat = 1 / (1 + np.exp(-z2))
        losses.append(np.mean(0.5 * (y_hat - Y) ** 2))
        m = X.shape[1]
        delta2 = (y_hat - Y) * y_hat * (1 - y_hat) / m
        dW2 = delta2 @ a1.T
        db2 = np.sum(delta2, axis=1, keepdims=True)
        dA1 = W2.T @ delta2
        delta1 = dA1 * a1 * (1 - a1)
        dW1 = delta1 @ X.T
        db1 = np.sum(delta1, axis=1, keepdims=True)
        W2 -= lr * dW2
        b2 -= lr * db2
        W1 -= lr * dW1
        b1 -= lr * db1
    return losses, y_hat, (W1, b1, W2, b2)


def xor_spec(lr=2.0):
    d = make_dataset("xor")
    w, b = init_params([2, 4, 1], "normal", 42, 0.5)
    return MLPSpec([2, 4, 1], ["sigmoid", "sigmoid"], "mse", w, b, d.inputs, d.targets, lr)


def test_reproduces_the_tutorial_xor_program_epoch_by_epoch():
    losses, y_hat, (W1, b1, W2, b2) = tutorial_xor()
    st = train(xor_spec(), TrainConfig(epochs=5000, time_budget=120))
    assert st.stopped == "epochs" and st.epoch == 5000 and st.step == 5000
    assert len(st.train_loss) == 5000
    np.testing.assert_allclose(st.train_loss, losses, rtol=0, atol=1e-12)
    np.testing.assert_allclose(st.weights[0], W1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(st.biases[0], b1[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(st.weights[1], W2, rtol=0, atol=1e-12)
    np.testing.assert_allclose(st.biases[1], b2[:, 0], rtol=0, atol=1e-12)
    preds = predict(xor_spec(), st.weights, st.biases, xor_spec().inputs)
    np.testing.assert_array_equal(np.round(preds[:, 0], 2), np.round(y_hat[0], 2))


def small_spec(act="tanh", lr=0.3, samples=20, seed=0):
    d = make_dataset("moons", samples, 0.1, seed)
    layers = [2, 5, 1]
    w, b = init_params(layers, "xavier", seed)
    return MLPSpec(layers, [act, "sigmoid"], "mse", w, b, d.inputs, d.targets, lr)


def test_mini_batch_sgd_matches_a_reference_loop():
    spec = small_spec()
    st = train(spec, TrainConfig(epochs=7, batch_size=6, shuffle_seed=3, time_budget=60))
    W, B = [w.copy() for w in spec.weights], [b.copy() for b in spec.biases]
    rng = np.random.RandomState(3)  # documented: one permutation per epoch from this seed
    losses = []
    for _ in range(7):
        losses.append(mlp_grads(W, B, spec.activations, spec.inputs, spec.targets)[0])
        order = rng.permutation(20)
        for i in range(0, 20, 6):
            idx = order[i : i + 6]
            _, dws, dbs = mlp_grads(W, B, spec.activations, spec.inputs[idx], spec.targets[idx])
            W = [w - 0.3 * d for w, d in zip(W, dws, strict=True)]
            B = [b - 0.3 * d for b, d in zip(B, dbs, strict=True)]
    assert st.step == 7 * 4
    np.testing.assert_allclose(st.train_loss, losses, rtol=0, atol=1e-13)
    for ours, ref in zip([*st.weights, *st.biases], [*W, *B], strict=True):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-13)


def test_batch_size_of_the_whole_set_is_full_batch():
    spec = small_spec()
    a = train(spec, TrainConfig(epochs=20, batch_size=20))
    b = train(spec, TrainConfig(epochs=20))
    np.testing.assert_array_equal(a.train_loss, b.train_loss)


def test_clipping_rescales_to_the_global_norm():
    g = [np.array([[3.0, 0.0]]), np.array([[0.0]])]
    h = [np.array([4.0])]
    dws, dbs, norm, clipped = clip_by_global_norm(g, h, 1.0)
    assert clipped and norm == 5.0
    np.testing.assert_allclose(dws[0], [[0.6, 0.0]])
    np.testing.assert_allclose(dbs[0], [0.8])
    same = clip_by_global_norm(g, h, 10.0)
    assert same[0] is g and not same[3]


def test_clipped_training_matches_a_reference_loop():
    spec = small_spec(lr=1.0)
    st = train(spec, TrainConfig(epochs=15, clip_norm=0.05))
    W, B = [w.copy() for w in spec.weights], [b.copy() for b in spec.biases]
    n_clipped = 0
    for _ in range(15):
        _, dws, dbs = mlp_grads(W, B, spec.activations, spec.inputs, spec.targets)
        norm = math.sqrt(sum((d**2).sum() for d in [*dws, *dbs]))
        s = min(1.0, 0.05 / norm)
        n_clipped += norm > 0.05
        W = [w - s * d for w, d in zip(W, dws, strict=True)]
        B = [b - s * d for b, d in zip(B, dbs, strict=True)]
    assert st.clipped == n_clipped > 0
    for ours, ref in zip([*st.weights, *st.biases], [*W, *B], strict=True):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-13)


def test_forgotten_zero_grad_accumulates():
    spec = small_spec(lr=0.1)
    st = train(spec, TrainConfig(epochs=5, accumulate=True))
    W, B = [w.copy() for w in spec.weights], [b.copy() for b in spec.biases]
    acc_w = [np.zeros_like(w) for w in W]
    acc_b = [np.zeros_like(b) for b in B]
    for _ in range(5):
        _, dws, dbs = mlp_grads(W, B, spec.activations, spec.inputs, spec.targets)
        acc_w = [a + d for a, d in zip(acc_w, dws, strict=True)]
        acc_b = [a + d for a, d in zip(acc_b, dbs, strict=True)]
        W = [w - 0.1 * d for w, d in zip(W, acc_w, strict=True)]
        B = [b - 0.1 * d for b, d in zip(B, acc_b, strict=True)]
    for ours, ref in zip([*st.weights, *st.biases], [*W, *B], strict=True):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-13)


def test_stops_at_the_target_loss():
    losses, _, _ = tutorial_xor(3000)
    target = 0.01
    first = next(i for i, v in enumerate(losses) if v <= target)
    st = train(xor_spec(), TrainConfig(epochs=3000, target_loss=target, time_budget=60))
    assert st.stopped == "target_loss"
    assert st.epoch == first and len(st.train_loss) == first + 1
    assert st.train_loss[-1] <= target < st.train_loss[-2]


def test_stops_at_the_wall_time_budget():
    st = train(xor_spec(), TrainConfig(epochs=10**6, time_budget=0.05))
    assert st.stopped == "time" and 0 < st.epoch < 10**6
    assert 0.05 <= st.seconds < 1.0


def test_run_in_chunks_equals_one_run():
    tr = Trainer(xor_spec(), TrainConfig(epochs=100))
    while not tr.done:
        tr.run(17)
    st = train(xor_spec(), TrainConfig(epochs=100))
    np.testing.assert_array_equal(tr.state.train_loss, st.train_loss)
    assert tr.state.epoch == 100


def test_divergence_is_found_at_the_first_non_finite_step():
    d = make_dataset("sine", 64, 0.1, 0)
    layers = [1, 16, 16, 16, 1]
    w, b = init_params(layers, "normal", 0, 1.0)
    acts = ["relu", "relu", "relu", "linear"]
    spec = MLPSpec(layers, acts, "mse", w, b, d.inputs, d.targets, 0.05)
    st = train(spec, TrainConfig(epochs=100))
    # reference: the first update after which the loss (or a gradient) is no longer finite
    W, B, first = [x.copy() for x in w], [x.copy() for x in b], None
    with np.errstate(all="ignore"):
        for k in range(100):
            loss, dws, dbs = mlp_grads(W, B, spec.activations, d.inputs, d.targets)
            if not math.isfinite(loss):
                first = ("loss", k)
                break
            if not all(np.isfinite(g).all() for g in [*dws, *dbs]):
                first = ("gradient", k + 1)
                break
            W = [x - 0.05 * g for x, g in zip(W, dws, strict=True)]
            B = [x - 0.05 * g for x, g in zip(B, dbs, strict=True)]
    assert first is not None
    assert st.stopped == "diverged"
    assert (st.diverged.where, st.diverged.step) == first
    assert len(st.train_loss) == first[1] + 1 and not math.isfinite(st.train_loss[-1])
    assert "non-finite" in st.diverged.message()


def test_test_loss_uses_the_held_out_points():
    d = make_dataset("moons", 40, 0.1, 2, test_fraction=0.25)
    w, b = init_params([2, 5, 1], "xavier", 1)
    spec = MLPSpec([2, 5, 1], ["tanh", "sigmoid"], "mse", w, b, d.inputs, d.targets, 0.5)
    st = train(spec, TrainConfig(epochs=3), d.test_inputs, d.test_targets)
    ref = mlp_grads(w, b, spec.activations, d.test_inputs, d.test_targets)[0]
    assert st.test_loss[0] == pytest.approx(ref, abs=1e-15)


def test_grid_maps_are_forward_passes_on_the_grid():
    spec = small_spec()
    g = grid_maps(spec, spec.weights, spec.biases, (-1, 1, -2, 2), 5)
    assert g["y"][0] == 2 and g["y"][-1] == -2  # top row first
    x, y = g["x"][3], g["y"][1]
    h = np.tanh(spec.weights[0] @ [x, y] + spec.biases[0])
    out = 1 / (1 + np.exp(-(spec.weights[1] @ h + spec.biases[1])))
    assert g["outputs"][0, 1, 3] == pytest.approx(out[0], abs=1e-15)
    assert [n["id"] for n in g["neurons"]] == [f"a1_{j}" for j in range(5)]
    assert g["neurons"][2]["values"][1, 3] == pytest.approx(h[2], abs=1e-15)


@pytest.mark.torch
def test_sgd_with_clipping_matches_pytorch_float64():
    torch = require_torch()
    spec = small_spec(lr=0.8, samples=24)
    cfg = TrainConfig(epochs=10, batch_size=8, clip_norm=0.5, shuffle_seed=1)
    st = train(spec, cfg)
    params = [
        torch.tensor(t, dtype=torch.float64, requires_grad=True)
        for t in [*spec.weights, *spec.biases]
    ]
    X, Y = torch.tensor(spec.inputs), torch.tensor(spec.targets)
    opt = torch.optim.SGD(params, lr=0.8)
    rng = np.random.RandomState(1)

    def loss_of(x, y):
        h = torch.tanh(x @ params[0].T + params[2])
        out = torch.sigmoid(h @ params[1].T + params[3])
        return (0.5 * ((out - y) ** 2).sum(dim=1)).mean()

    for _ in range(10):
        order = rng.permutation(24)
        for i in range(0, 24, 8):
            idx = torch.tensor(order[i : i + 8])
            opt.zero_grad()
            loss_of(X[idx], Y[idx]).backward()
            torch.nn.utils.clip_grad_norm_(params, 0.5)  # scales by 0.5 / (norm + 1e-6)
            opt.step()
    ours = [*st.weights, *st.biases]
    for mine, theirs in zip(ours, params, strict=True):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "layers, acts, loss, clip",
    [
        ([2, 4, 1], ["sigmoid", "sigmoid"], "mse", None),
        ([2, 8, 8, 1], ["tanh", "relu", "sigmoid"], "bce", 0.05),
        ([2, 6, 2], ["leaky_relu", "softmax"], "cross_entropy", None),
    ],
)
def test_full_batch_buffers_give_the_same_bits_as_the_vectorised_functions(
    layers, acts, loss, clip
):
    """The trainer's full-batch path (FullBatch) against forward/backward/update, bit for bit."""
    from app.engine.train import global_norm
    from app.engine.vectorised import backward, forward, update

    d = make_dataset("moons", 60, 0.1, 1)
    y = d.targets if layers[-1] == 1 else np.c_[d.targets, 1 - d.targets]
    w, b = init_params(layers, "xavier", 2)
    spec = MLPSpec(layers, acts, loss, w, b, d.inputs, y, 0.7)
    st = train(spec, TrainConfig(epochs=60, clip_norm=clip))
    W, B, losses, norms = [x.copy() for x in w], [x.copy() for x in b], [], []
    for _ in range(60):
        fp = forward(spec, W, B)
        dws, dbs = backward(spec, fp, W)
        losses.append(fp.loss)
        if clip is not None:
            dws, dbs, norm, _ = clip_by_global_norm(dws, dbs, clip)
        else:
            norm = global_norm([*dws, *dbs])
        norms.append(norm)
        W, B = update(spec, dws, dbs, W, B)
    np.testing.assert_array_equal(st.train_loss, losses)
    np.testing.assert_array_equal(st.grad_norm, norms)
    for got, want in zip([*st.weights, *st.biases], [*W, *B], strict=True):
        np.testing.assert_array_equal(got, want)
