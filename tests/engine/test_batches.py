"""advance() by mini-batches: iteration k updates on the trainer's batch k − 1, so the step page at
iteration k holds the parameters and optimizer state the trainer reaches after k − 1 updates.
Checked against the engine's Trainer, a hand-written NumPy loop (plain SGD, one batch at a time),
and torch.optim in float64, mid-epoch and with a partial last batch."""

from dataclasses import replace

import numpy as np
import pytest

from app.engine.batches import Shuffler, effective, is_mini
from app.engine.iterations import advance
from app.engine.train import TrainConfig, Trainer
from tests.engine.test_optimizers import random_spec, torch_train, with_optimizer
from tests.oracle_sgd import reference_sgd

TOL = {"rtol": 1e-12, "atol": 1e-12}
M, BS, SEED = 5, 2, 7  # 5 samples in batches of 2: the last batch of every epoch has 1


def spec_with(name="sgd", hyper=None, lr=0.1, frozen=frozenset()):
    spec = random_spec(6, frozen)  # tanh hidden layer: the NumPy oracle knows it
    assert len(spec.inputs) == M
    return with_optimizer(spec, name, hyper or {}, lr)


def trainer_order(m, bs, seed, epochs):
    """The trainer's batches, written out as train.py draws them: one permutation per epoch."""
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(epochs):
        order = rng.permutation(m)
        out.append([order[i : i + bs] for i in range(0, m, bs)])
    return out


def assert_tensors(got, want):
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, **TOL)


def test_shuffler_cuts_the_trainers_permutations():
    order = [b for epoch in trainer_order(M, BS, SEED, 4) for b in epoch]
    sh = Shuffler(M, BS, SEED)
    for u, want in enumerate(order):
        info = sh.info(u)
        assert info.indices == want.tolist()
        assert (info.epoch, info.batch, info.batches) == (u // 3 + 1, u % 3 + 1, 3)
    assert [len(b) for b in order[:3]] == [2, 2, 1]  # the partial last batch


def test_full_batch_is_what_it_was():
    assert not is_mini(4, None) and not is_mini(4, 4) and is_mini(4, 3)
    assert effective(4, None) == effective(4, 4) == 4 and effective(4, 3) == 3
    spec = spec_with()
    for bs in (None, M):
        got = advance(spec, 6, bs, SEED)
        want = advance(spec, 6)
        assert got.batch is None
        assert all(
            np.array_equal(a, b) for a, b in zip(got.spec.weights, want.spec.weights, strict=True)
        )
        assert got.losses == want.losses


@pytest.mark.parametrize(
    ("name", "hyper", "lr"),
    [("sgd", {}, 0.3), ("sgd", {"momentum": 0.9, "nesterov": True}, 0.05), ("adam", {}, 0.01)],
)
def test_advance_matches_the_trainer_at_every_epoch_end(name, hyper, lr):
    spec = spec_with(name, hyper, lr, frozenset({"b2"}))
    for epochs in (1, 4):
        st = Trainer(spec, TrainConfig(epochs=epochs, batch_size=BS, shuffle_seed=SEED)).run()
        got = advance(spec, 3 * epochs, BS, SEED)
        assert got.updates == st.step == 3 * epochs
        assert_tensors([*got.spec.weights, *got.spec.biases], [*st.weights, *st.biases])
        assert got.spec.opt_step == st.opt_step
        assert sorted(got.spec.opt_state) == sorted(st.opt_state)
        for k in st.opt_state:
            np.testing.assert_allclose(got.spec.opt_state[k], st.opt_state[k], **TOL)
        # the next iteration is epoch epochs + 1, batch 1, in the trainer's next order
        nxt = trainer_order(M, BS, SEED, epochs + 1)[epochs][0]
        assert (got.batch.epoch, got.batch.batch) == (epochs + 1, 1)
        assert got.batch.indices == nxt.tolist()


@pytest.mark.parametrize("updates", [1, 2, 3, 7, 11])
def test_advance_is_a_numpy_loop_over_the_batches(updates):
    """Plain SGD, one hand-written update per batch (reference_sgd on the batch's rows alone)."""
    spec = spec_with(lr=0.3)
    batches = [b for epoch in trainer_order(M, BS, SEED, 5) for b in epoch]
    cur = spec
    losses = []
    for u in range(updates):
        rows = batches[u]
        Ws, bs, ls = reference_sgd(
            replace(cur, inputs=spec.inputs[rows], targets=spec.targets[rows]), 1
        )
        losses.append(ls[0])
        cur = replace(cur, weights=Ws, biases=bs)
    rows = batches[updates]
    losses.append(
        reference_sgd(replace(cur, inputs=spec.inputs[rows], targets=spec.targets[rows]), 0)[2][0]
    )
    got = advance(spec, updates, BS, SEED)
    assert_tensors([*got.spec.weights, *got.spec.biases], [*cur.weights, *cur.biases])
    np.testing.assert_allclose(got.losses, losses, **TOL)  # each iteration's batch loss
    assert got.batch.indices == batches[updates].tolist()
    assert (got.batch.epoch, got.batch.batch) == (updates // 3 + 1, updates % 3 + 1)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("name", "hyper", "lr"),
    [("adam", {"amsgrad": True}, 0.01), ("sgd", {"momentum": 0.9}, 0.05), ("rmsprop", {}, 0.003)],
)
def test_advance_mid_epoch_matches_torch_optim(name, hyper, lr):
    spec = spec_with(name, hyper, lr, frozenset({"W1"}))
    updates = 3 * 4 + 2  # four epochs, then two batches of the fifth
    order = trainer_order(M, BS, SEED, 5)
    order[4] = order[4][:2]
    _, want_w, want_b, optim = torch_train(spec, 5, order)
    got = advance(spec, updates, BS, SEED)
    assert_tensors([*got.spec.weights, *got.spec.biases], [*want_w, *want_b])
    assert got.spec.opt_step == updates
    assert (got.batch.epoch, got.batch.batch, len(got.batch.indices)) == (5, 3, 1)
