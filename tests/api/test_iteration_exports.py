"""The worksheet, "check my working" and the exports at iteration k: the lesson the page shows there
(the parameters and the optimizer's state after k − 1 updates, and with mini-batches only that
iteration's batch), checked against torch.optim stepping the trainer's batches in float64."""

import json

import numpy as np
import pytest

from app.api.convert import to_spec
from app.api.schemas.scenario import Scenario
from tests.api.test_optimizers_api import with_opt
from tests.api.test_registry import scenario
from tests.engine.test_batches import trainer_order
from tests.engine.test_optimizers import torch_train

# 3 samples in batches of 2: iteration 4 is epoch 2's second batch, of one sample
BS, SEED, ITERATION = 2, 5, 4
TOL = {"rtol": 1e-11, "atol": 1e-13}


@pytest.fixture(scope="module")
def sc() -> dict:
    return {**with_opt({"name": "adam", "amsgrad": True}), "batch_size": BS, "shuffle_seed": SEED}


@pytest.fixture(scope="module")
def oracle(sc):
    """torch.optim after ITERATION updates on the trainer's batches: the parameters iteration 4's
    update gives, and the state Adam carries out of it."""
    spec = to_spec(Scenario.model_validate(sc))
    _, w, b, optim = torch_train(spec, 2, trainer_order(3, BS, SEED, 2))
    return w, b, optim


def batch_rows(sc) -> list[int]:
    order = trainer_order(3, BS, SEED, 2)
    return [int(i) for i in order[1][1]]  # epoch 2, batch 2


def exported_at_k(client, sc, tmp_path) -> list[dict]:
    """The NumPy and PyTorch scripts exported at ITERATION, run: what each printed."""
    from tests.engine.test_export import run_alone
    from tests.exported_here import run_here

    scripts = []
    for fmt in ("numpy", "pytorch"):
        r = client.post("/api/export", json={"scenario": sc, "format": fmt, "iteration": ITERATION})
        assert r.status_code == 200, r.text
        scripts.append(r.text)
    rows = ", ".join(str(i + 1) for i in batch_rows(sc))
    for text in scripts:
        head = text.split('"""')[1]
        assert f"Iteration {ITERATION} of the scenario" in head
        assert "epoch 2, batch 2 of 2" in head and f"rows {rows} of the 3" in head, head
    # NumPy's as `python script.py` in a clean interpreter; PyTorch's here (torch is imported)
    return [run_alone(scripts[0], tmp_path), *run_here(scripts[1:], tmp_path)]


@pytest.mark.torch
def test_exported_scripts_at_iteration_k_give_torch_optims_numbers(client, sc, oracle, tmp_path):
    want_w, want_b, optim = oracle
    outs = exported_at_k(client, sc, tmp_path)
    for fmt, out in zip(("numpy", "pytorch"), outs, strict=True):
        for l in (1, 2):
            np.testing.assert_allclose(out[f"W{l}"], want_w[l - 1], **TOL, err_msg=fmt)
            np.testing.assert_allclose(np.ravel(out[f"b{l}"]), want_b[l - 1], **TOL, err_msg=fmt)
        # Adam's moments after iteration 4's update, carried in from the three before it
        state = optim.state[next(iter(optim.state))]
        np.testing.assert_allclose(out["m_W1"], state["exp_avg"].numpy(), **TOL, err_msg=fmt)


@pytest.mark.torch
def test_momentums_dampening_at_iteration_k_is_torch_optims(client, tmp_path):
    """SGD's dampening acts from the second update on (torch's first buffer is the gradient
    itself), so only an export at a later iteration runs its (1 − dampening) line: both scripts
    at iteration 4 against torch.optim.SGD over the same batches."""
    opt = {"name": "sgd", "momentum": 0.5, "dampening": 0.3}
    sc = {**with_opt(opt), "batch_size": BS, "shuffle_seed": SEED}
    spec = to_spec(Scenario.model_validate(sc))
    _, want_w, want_b, optim = torch_train(spec, 2, trainer_order(3, BS, SEED, 2))
    buffer = optim.state[next(iter(optim.state))]["momentum_buffer"].numpy()
    for fmt, out in zip(("numpy", "pytorch"), exported_at_k(client, sc, tmp_path), strict=True):
        for l in (1, 2):
            np.testing.assert_allclose(out[f"W{l}"], want_w[l - 1], **TOL, err_msg=fmt)
            np.testing.assert_allclose(np.ravel(out[f"b{l}"]), want_b[l - 1], **TOL, err_msg=fmt)
        np.testing.assert_allclose(out["v_W1"], buffer, **TOL, err_msg=fmt)


def test_check_my_working_at_iteration_k_checks_that_iterations_update(client, sc, oracle):
    want_w, want_b, _ = oracle
    entries = [
        {"target": f"W1_{j}_{k}", "quantity": "new", "value": float(want_w[0][j, k]), "decimals": 9}
        for j in range(3)
        for k in range(2)
    ]
    body = {"scenario": sc, "entries": entries, "decimals": 9}
    at_k = client.post("/api/check", json={**body, "iteration": ITERATION})
    assert at_k.status_code == 200, at_k.text
    assert at_k.json()["first_slip"] is None, at_k.json()["summary"]
    # the same numbers are wrong for iteration 1 (where a rebased scenario without Adam's state,
    # as the page sent before, would have been checked): the iteration is what is checked
    at_1 = client.post("/api/check", json=body).json()
    assert at_1["first_slip"] is not None
    sheet = client.post("/api/worksheet", json={"scenario": sc, "iteration": ITERATION})
    assert sheet.status_code == 200, sheet.text
    keys = {q["key"] for q in sheet.json()["quantities"]}
    assert {f"new:{e['target']}" for e in entries} <= keys


def test_a_sample_past_the_iterations_batch_is_refused_by_name(client, sc):
    entry = {"target": "z1_0", "quantity": "value", "value": 0.1}
    r = client.post(
        "/api/check",
        json={"scenario": sc, "entries": [entry], "iteration": ITERATION, "sample": 1},
    )
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"][-1] == "sample" and "which has 1 sample" in err["msg"], err


def test_a_lesson_file_keeps_its_iteration(client, sc):
    r = client.post("/api/export", json={"scenario": sc, "format": "json", "iteration": 7})
    doc = json.loads(r.text)
    assert doc["iteration"] == 7 and doc["scenario"]["batch_size"] == BS
    back = client.post("/api/import", json=doc)
    assert back.status_code == 200 and back.json()["iteration"] == 7
    old = {k: v for k, v in doc.items() if k != "iteration"}  # a file from before: iteration 1
    assert client.post("/api/import", json=old).json()["iteration"] == 1
    far = client.post("/api/import", json={**doc, "iteration": 10**9})
    assert far.status_code == 422 and far.json()["detail"][0]["loc"][-1] == "iteration"


def test_an_unreachable_export_iteration_is_refused_by_name(client):
    sc = {**scenario("linear", "linear", "mse"), "learning_rate": 1e3}  # diverges in a few updates
    r = client.post("/api/export", json={"scenario": sc, "format": "numpy", "iteration": 400})
    assert r.status_code == 422, r.text
    (err,) = r.json()["detail"]
    assert err["loc"][-1] == "iteration" and "diverged" in err["msg"], err
