"""Each optimizer's usual η (the catalog's `typical_lr`, which the Network panel sets when another
optimizer is picked) trains the lessons a teacher picks it on: XOR, two moons and the softmax
preset. Judged by a hand-written NumPy loop (forward, backward and torch.optim's update written
out here), which /api/train must agree with: the loss never jumps (a curve, not noise) and ends
below a stated bound. At the lessons' own η (chosen for plain SGD) it does not."""

import numpy as np
import pytest

from app.engine.registry import OPTIMIZERS
from tests.oracles_train import mlp_grads

TYPICAL = {n: o.typical_lr for n, o in OPTIMIZERS.items() if o.typical_lr is not None}
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
XOR_Y = np.array([[0], [1], [1], [0]], float)


def xor_weights():
    np.random.seed(42)  # the tutorial's program draws them so
    w1 = np.random.randn(4, 2) * 0.5
    w2 = np.random.randn(1, 4) * 0.5
    return [w1, w2], [np.zeros(4), np.zeros(1)]


def moons_weights():
    rng = np.random.RandomState(3)
    ws = [rng.uniform(-0.8, 0.8, (8, 2)), rng.uniform(-0.7, 0.7, (1, 8))]
    return ws, [np.zeros(8), np.zeros(1)]


SOFTMAX_W = [
    np.array([[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]]),
    np.array([[0.4, -0.2, 0.3], [-0.5, 0.6, 0.1], [0.2, 0.3, -0.4]]),
]
SOFTMAX_B = [np.array([0.1, -0.1, 0.05]), np.array([0.0, 0.1, -0.1])]

# (epochs, the bound on the last epoch's loss, the lesson's own η)
CASES = {"xor": (5000, 1e-4, 2.0), "moons": (1500, 1e-3, 1.0), "softmax": (100, 1e-2, 0.5)}


def problem(client, name):
    """(layers, activations, loss, X, Y, weights, biases) of a lesson, drawn here."""
    if name == "xor":
        w, b = xor_weights()
        return [2, 4, 1], ["sigmoid", "sigmoid"], "mse", XOR_X, XOR_Y, w, b
    if name == "moons":
        ds = client.post("/api/datasets", json={"name": "moons", "samples": 200, "noise": 0.1})
        d = ds.json()
        w, b = moons_weights()
        X, Y = np.array(d["inputs"], float), np.array(d["targets"], float)
        return [2, 8, 1], ["tanh", "sigmoid"], "mse", X, Y, w, b
    X, Y = np.array([[1.0, 0.5]]), np.array([[0.0, 1.0, 0.0]])
    return [2, 3, 3], ["tanh", "softmax"], "cross_entropy", X, Y, SOFTMAX_W, SOFTMAX_B


def reference(opt, lr, acts, loss, X, Y, ws, bs, epochs):
    """Full-batch training with torch.optim's default Adam / AdamW / RMSprop, written out."""
    params = [w.copy() for w in ws] + [b.copy() for b in bs]
    n = len(ws)
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    losses = []
    for t in range(1, epochs + 1):
        value, dws, dbs = mlp_grads(params[:n], params[n:], acts, X, Y, loss)
        grads = dws + dbs
        losses.append(value)
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if opt == "rmsprop":  # alpha 0.99, eps 1e-8
                m2[i] = 0.99 * m2[i] + (1 - 0.99) * (g * g)
                p -= lr * g / (np.sqrt(m2[i]) + 1e-8)
                continue
            if opt == "adamw":  # decoupled weight decay 0.01
                p *= 1 - lr * 0.01
            m1[i] = 0.9 * m1[i] + (1 - 0.9) * g
            m2[i] = 0.999 * m2[i] + (1 - 0.999) * (g * g)
            m_hat, v_hat = m1[i] / (1 - 0.9**t), m2[i] / (1 - 0.999**t)
            p -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    return np.array(losses)


def teaches(losses: np.ndarray, bound: float) -> bool:
    """A curve a class can read: no epoch's loss more than 1% above the one before (Adam's
    early wobble is 0.3%), and the last below the bound."""
    return bool(np.all(np.diff(losses) <= 0.01 * losses[:-1]) and losses[-1] < bound)


def test_every_optimizer_but_sgd_has_a_usual_scale():
    """SGD's η stays the lesson's (its step is η·g); the others step by about η."""
    assert OPTIMIZERS["sgd"].typical_lr is None
    assert set(TYPICAL) == set(OPTIMIZERS) - {"sgd"}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("opt", sorted(TYPICAL))
def test_the_usual_eta_trains_each_lesson(client, opt, case):
    epochs, bound, _ = CASES[case]
    layers, acts, loss, X, Y, ws, bs = problem(client, case)
    lr = TYPICAL[opt]
    ref = reference(opt, lr, acts, loss, X, Y, ws, bs, epochs)
    assert teaches(ref, bound), (opt, case, ref[-1], int(np.sum(np.diff(ref) > 0)))
    sc = {
        "layers": layers, "activations": acts, "loss": loss, "learning_rate": lr,
        "weights": [w.tolist() for w in ws], "biases": [b.tolist() for b in bs],
        "inputs": X.tolist(), "targets": Y.tolist(), "optimizer": {"name": opt},
    }  # fmt: skip
    body = client.post("/api/train", json={"scenario": sc, "epochs": epochs, "time_budget": 10})
    assert body.status_code == 200, body.text
    got = np.array(body.json()["train_loss"])
    # the app trains as written here: to rounding at first; later, near a minimum, RMSprop's
    # g/√v (both tiny) grows the last bits' differences of a sum's order to 4e-4 by epoch 800
    np.testing.assert_allclose(got[:200], ref[:200], rtol=1e-9)
    np.testing.assert_allclose(got, ref, rtol=1e-2)
    assert teaches(got, bound)


@pytest.mark.parametrize("opt", sorted(TYPICAL))
def test_xors_own_eta_does_not_teach_these_optimizers(client, opt):
    """The test can fail: at the tutorial's η = 2, Adam's loss rises in 1,943 of 5,000 epochs (by
    up to 93%), AdamW's jumps to 5.5 times itself, RMSprop's sticks at 0.25."""
    epochs, bound, own = CASES["xor"]
    _, acts, loss, X, Y, ws, bs = problem(client, "xor")
    assert not teaches(reference(opt, own, acts, loss, X, Y, ws, bs, epochs), bound)
