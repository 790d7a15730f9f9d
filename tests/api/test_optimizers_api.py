"""Every registered optimizer through the API: its update steps (every line's numbers worked out
again give that line's result, the state lines included), /api/run against torch.optim, both
exported scripts run, training and its stream, the catalog, and each hyperparameter's bounds.

The cases come from `app.engine.registry.OPTIMIZERS`: its defaults, then each option turned on
(a flag set, a zero number made 0.3), so an optimizer added there is tested at once.
"""

import json

import numpy as np
import pytest

from app.engine.registry import OPTIMIZERS
from tests.api.test_registry import rhs, scenario
from tests.arithmetic import read_arithmetic
from tests.oracles_train import require_torch


def _options(opt) -> list[dict]:
    """The defaults, then each option on by itself (with the others it needs, if any)."""
    out = [{}]
    numbers = [h.name for h in opt.hypers if h.kind == "number" and h.default == 0]
    for h in opt.hypers:
        if h.kind == "bool":
            tries = [{h.name: True}] + [{h.name: True, k: 0.3} for k in numbers]
        elif h.kind == "number" and h.default == 0:
            tries = [{h.name: 0.3}]
        else:
            continue
        ok = next(t for t in tries if opt.check(opt.resolve(t)) is None)
        out.append(ok)
    return out


CASES = [
    pytest.param(
        {"name": name, **extra},
        id=f"{name}-{'-'.join(f'{k}' for k in extra) or 'defaults'}",
    )
    for name, opt in OPTIMIZERS.items()
    for extra in _options(opt)
]
LR = {"sgd": 0.3, "rmsprop": 0.01, "adam": 0.02, "adamw": 0.02}


def with_opt(opt: dict) -> dict:
    return {
        **scenario("tanh", "sigmoid", "mse"),
        "optimizer": opt,
        "learning_rate": LR[opt["name"]],
    }


def later(client, sc: dict) -> dict:
    """The scenario after one /api/run, with its updated parameters: its optimizer starts at t = 1
    again, so this is a second, different starting point (the state lines' numbers are tested
    from a carried state in tests/engine/test_optimizers.py)."""
    run = client.post("/api/run", json={"scenario": sc, "include_steps": False}).json()
    return {**sc, "weights": run["updated"]["weights"], "biases": run["updated"]["biases"]}


@pytest.mark.parametrize("opt", CASES)
def test_every_update_line_shows_numbers_that_give_its_result(client, opt):
    sc = {**with_opt(opt), "frozen": ["b1"]}
    graph = client.post("/api/graph", json={"scenario": sc}).json()
    start = graph["plan"]["granularities"]["step"]["phase_starts"]["update"]
    total = graph["plan"]["total_steps"]
    assert total - start == 17 - 3  # one step per parameter; frozen b1 has none
    stateful = OPTIMIZERS[opt["name"]].stateful(OPTIMIZERS[opt["name"]].resolve(opt))
    body = client.post("/api/step", json={"scenario": sc, "cursor": total})
    for p in body.json()["parameters"]:
        assert (p["new"] is None) == (p["id"].startswith("b1")), p  # frozen: no update
    for cursor in range(start + 1, total + 1):
        r = client.post("/api/step", json={"scenario": sc, "cursor": cursor, "precision": 12})
        assert r.status_code == 200, r.text
        (step,) = r.json()["steps"]
        ex = step["explanation"]
        lines = [*(ex["lines"] or []), ex]
        if stateful or opt.get("weight_decay"):
            assert len(lines) > 1, ex
        for line in lines:
            for part in ("formula", "substituted", "result"):
                assert line[part]["text"] and "<math" in line[part]["mathml"]
            result = float(line["result"]["text"].split(" = ")[-1].replace("−", "-"))
            numbers = line["substituted"]["text"]
            got = read_arithmetic(rhs(numbers))
            assert got == pytest.approx(result, rel=1e-9, abs=1e-11), numbers
        assert step["value"] == pytest.approx(result, rel=1e-11)
        assert "t = 1" in ex["sentence"] or not (stateful or opt["name"] != "sgd")


@pytest.mark.parametrize("opt", CASES)
def test_run_is_one_torch_optim_step(client, opt):
    torch = require_torch()
    sc = {**with_opt(opt), "frozen": ["W2"]}
    run = client.post("/api/run", json={"scenario": sc, "include_steps": False}).json()
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in sc["weights"]]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in sc["biases"]]
    o = OPTIMIZERS[opt["name"]]
    h = o.resolve(opt)
    optim = getattr(torch.optim, o.torch)([ws[0], bs[0], bs[1]], lr=sc["learning_rate"],
                                          **o.torch_kwargs(h))  # fmt: skip
    x = torch.tensor(sc["inputs"], dtype=torch.float64).T
    y = torch.tensor(sc["targets"], dtype=torch.float64).T
    out = torch.sigmoid(ws[1] @ torch.tanh(ws[0] @ x + bs[0][:, None]) + bs[1][:, None])
    (0.5 * (out - y) ** 2).sum(dim=0).mean().backward()
    optim.step()
    for got, want in zip(run["updated"]["weights"], ws, strict=True):
        np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-12, atol=1e-14)
    for got, want in zip(run["updated"]["biases"], bs, strict=True):
        np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(run["updated"]["weights"][1], sc["weights"][1])  # frozen
    assert run["optimizer_step"] == 1
    slots = o.slots(h)
    assert (run["optimizer_state"] is None) == (not slots)
    for ours, theirs in slots.items():
        want = optim.state[ws[0]][theirs].numpy()
        np.testing.assert_allclose(run["optimizer_state"][ours]["weights"][0], want, rtol=1e-12)
        assert not np.any(run["optimizer_state"][ours]["weights"][1])  # frozen: no state


@pytest.fixture(scope="module")
def exported(client, tmp_path_factory) -> dict:
    """Each case's two scripts, each run as __main__ in a fresh namespace of this interpreter,
    importing only NumPy or PyTorch: {(case id, format): printed}."""
    from tests.exported_here import run_here

    keys, scripts = [], []
    for case in CASES:
        (opt,) = case.values
        sc = {**with_opt(opt), "frozen": ["b2"]}
        for fmt in ("numpy", "pytorch"):
            keys.append((json.dumps(opt, sort_keys=True), fmt))
            scripts.append(client.post("/api/export", json={"scenario": sc, "format": fmt}).text)
    return dict(zip(keys, run_here(scripts, tmp_path_factory.mktemp("opt")), strict=True))


@pytest.mark.torch
@pytest.mark.parametrize("opt", CASES)
def test_both_exports_run_and_give_the_apis_numbers(client, exported, opt):
    require_torch()
    sc = {**with_opt(opt), "frozen": ["b2"]}
    run = client.post("/api/run", json={"scenario": sc, "include_steps": False}).json()
    for fmt in ("numpy", "pytorch"):
        out = exported[(json.dumps(opt, sort_keys=True), fmt)]
        assert out["loss_after"] == pytest.approx(run["loss_after"], rel=1e-12), fmt
        for l in (1, 2):
            np.testing.assert_allclose(
                out[f"W{l}"], run["updated"]["weights"][l - 1], rtol=1e-12, atol=1e-14
            )
            np.testing.assert_allclose(
                np.ravel(out[f"b{l}"]), run["updated"]["biases"][l - 1], rtol=1e-12, atol=1e-14
            )
        for k, tensors in (run["optimizer_state"] or {}).items():
            np.testing.assert_allclose(out[f"{k}_W1"], tensors["weights"][0], rtol=1e-12)
            assert f"{k}_b2" not in out  # frozen: no state


def test_train_and_its_stream_use_the_optimizer(client):
    sc = with_opt({"name": "adam", "amsgrad": True})
    body = {"scenario": sc, "epochs": 40, "report_every": 10}
    trained = client.post("/api/train", json={k: v for k, v in body.items() if k != "report_every"})
    assert trained.status_code == 200, trained.text
    with client.stream("POST", "/api/train/stream", json=body) as r:
        events = [json.loads(x[6:]) for x in r.iter_lines() if x.startswith("data: ")]
    done = events[-1]
    assert done["weights"] == trained.json()["weights"]
    assert done["train_loss"] == trained.json()["train_loss"]
    plain = client.post("/api/train", json={"scenario": {**sc, "optimizer": None}, "epochs": 40})
    assert plain.json()["weights"] != trained.json()["weights"]  # the optimizer made a difference
    # the trained scenario keeps its optimizer, ready for the step page
    assert trained.json()["scenario"]["optimizer"]["name"] == "adam"


def test_the_catalog_lists_every_optimizer_and_field(client):
    page = client.get("/").text
    start = page.index('id="catalog-data"')
    block = page[page.index(">", start) + 1 : page.index("</script>", start)]
    cat = json.loads(block)["optimizers"]
    assert [o["name"] for o in cat] == list(OPTIMIZERS)
    for o, entry in zip(OPTIMIZERS.values(), cat, strict=True):
        assert [f["name"] for f in entry["fields"]] == [h.name for h in o.hypers]


BAD = [
    ({"name": "adam", "betas": [0.9, 1.0]}, ["optimizer", "adam", "betas", 1], "less than 1"),
    ({"name": "adam", "betas": [0.9]}, ["optimizer", "adam", "betas"], "at least 2"),
    ({"name": "adam", "eps": 0}, ["optimizer", "adam", "eps"], "greater than 0"),
    ({"name": "adamw", "weight_decay": 11}, ["optimizer", "adamw", "weight_decay"], "10"),
    ({"name": "sgd", "momentum": 1}, ["optimizer", "sgd", "momentum"], "less than 1"),
    ({"name": "sgd", "dampening": -0.1}, ["optimizer", "sgd", "dampening"], "0"),
    ({"name": "sgd", "nesterov": True}, ["optimizer", "sgd"], "nesterov needs momentum > 0"),
    (
        {"name": "sgd", "nesterov": True, "momentum": 0.9, "dampening": 0.1},
        ["optimizer", "sgd"],
        "dampening = 0",
    ),
    ({"name": "rmsprop", "alpha": 1.5}, ["optimizer", "rmsprop", "alpha"], "less than 1"),
    ({"name": "rmsprop", "centered": "yes"}, ["optimizer", "rmsprop", "centered"], "boolean"),
    ({"name": "adam", "lr": 0.1}, ["optimizer", "adam", "lr"], "not permitted"),
    ({"name": "lion"}, ["optimizer"], "'sgd', 'rmsprop', 'adam', 'adamw'"),
]


@pytest.mark.parametrize(("opt", "loc", "words"), BAD)
def test_bad_hyperparameters_get_one_422_naming_the_field_and_limit(client, tutorial, opt, loc,
                                                                     words):  # fmt: skip
    for path in ("/api/step", "/api/train"):
        r = client.post(path, json={"scenario": {**tutorial, "optimizer": opt}})
        assert r.status_code == 422, r.text
        (err,) = r.json()["detail"]
        assert err["loc"] == ["body", "scenario", *loc]
        assert words in err["msg"]
