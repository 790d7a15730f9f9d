"""The matrix view's update equations with an optimizer: what is shown is the optimizer's own rule,
and worked out from the shown matrices it gives the new W and b the engine wrote; those agree
with torch.optim's step."""

import numpy as np
import pytest

from app.engine.registry import OPTIMIZERS
from tests.api.test_optimizers_api import CASES, with_opt
from tests.matrix_rule import evaluate, hyper_values
from tests.oracles_train import require_torch


def cells(o: dict) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in o["cells"]], dtype=float)


def update_blocks(client, sc: dict, iteration: int, convention: str) -> list[dict]:
    total = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    req = {"scenario": sc, "cursor": total, "iteration": iteration, "convention": convention}
    view = client.post("/api/matrices", json=req)
    assert view.status_code == 200, view.text
    return [b for b in view.json()["blocks"] if b["phase"] == "update"]


@pytest.mark.parametrize("convention", ["columns", "rows"])
@pytest.mark.parametrize("iteration", [1, 3])
@pytest.mark.parametrize("opt", CASES)
def test_shown_update_works_out_to_the_new_parameters(client, opt, iteration, convention):
    """Every update block, read as shown (its terms' text and cells), gives its result's cells:
    the arithmetic on the page is true (with plain W − η·∂L/∂W it was not, for Adam)."""
    sc = with_opt(opt)
    scalars = hyper_values(opt, OPTIMIZERS[opt["name"]].defaults(), sc["learning_rate"])
    for b in update_blocks(client, sc, iteration, convention):
        pieces = [(t["op"], t["coef"]) for t in b["terms"]]
        shown = evaluate(pieces, b.get("tail", ""), [cells(t) for t in b["terms"]], scalars)
        new = cells(b["result"])
        assert not np.isnan(new).any(), b["id"]
        np.testing.assert_allclose(shown, new, rtol=1e-12, atol=1e-15, err_msg=b["equation"])


@pytest.mark.parametrize("opt", CASES)
def test_new_parameters_are_torch_optims(client, opt):
    """The shown new W⁽ˡ⁾ and b⁽ˡ⁾, against torch.optim's first step from the shown W and ∂L/∂W
    (an independent oracle: it never reads the engine's optimizer lines)."""
    torch = require_torch()
    sc = with_opt(opt)
    spec = OPTIMIZERS[opt["name"]]
    kwargs = spec.torch_kwargs(spec.resolve({k: v for k, v in opt.items() if k != "name"}))
    total = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    view = client.post("/api/matrices", json={"scenario": sc, "cursor": total}).json()
    by_id = {b["id"]: b for b in view["blocks"]}
    checked = 0
    for b in view["blocks"]:
        if b["phase"] != "update":
            continue
        t, layer = b["id"][1], b["id"][2:]
        old = cells(by_id[f"z{layer}"]["terms"][0 if t == "W" else 2])  # W⁽ˡ⁾, b⁽ˡ⁾ as read forward
        grad = cells(by_id[f"d{t}{layer}"]["result"])
        p = torch.tensor(old, dtype=torch.float64, requires_grad=True)
        p.grad = torch.tensor(grad, dtype=torch.float64)
        getattr(torch.optim, spec.torch)([p], lr=sc["learning_rate"], **kwargs).step()
        np.testing.assert_allclose(cells(b["result"]), p.detach().numpy(), rtol=1e-12, atol=1e-15)
        checked += 1
    assert checked == 4


def test_adam_shows_its_rule_and_quantities(client):
    """Adam's W⁽²⁾ update names m̂ and v̂ and shows them as matrices, not ∂L/∂W."""
    sc = with_opt({"name": "adam"})
    b = next(b for b in update_blocks(client, sc, 1, "columns") if b["id"] == "uW2")
    assert b["equation"] == "W⁽²⁾ ← W⁽²⁾ − η · m̂ ⊘ (√v̂ + ε)"
    assert [t["name"] for t in b["terms"]] == ["W⁽²⁾", "m̂", "v̂"]
    assert "β₁ = 0.9" in b["why"] and "η = 0.02" in b["why"]


def test_a_power_in_the_rule_binds_to_its_base(client):
    """Centered RMSprop's rule squares ḡ, a matrix: its equation reads ḡ², not "ḡ ²" (the tail
    after the last matrix was joined with a space)."""
    sc = with_opt({"name": "rmsprop", "centered": True})
    b = next(b for b in update_blocks(client, sc, 1, "columns") if b["id"] == "uW2")
    assert "ḡ²" in b["equation"] and " ²" not in b["equation"], b["equation"]


@pytest.mark.parametrize("convention", ["columns", "rows"])
@pytest.mark.parametrize("opt", [None, {"name": "adam"}, {"name": "sgd", "momentum": 0.9}])
def test_every_update_says_its_eta_with_its_value(client, xor_lr, opt, convention):
    """The matrices write η: each update block says its value, under plain SGD too (it had no
    words: the page showed "− η" and nothing said η = 2)."""
    sc = {**xor_lr, "learning_rate": 0.37, **({"optimizer": opt} if opt else {})}
    blocks = update_blocks(client, sc, 1, convention)
    assert [b["id"] for b in blocks] == ["uW2", "ub2", "uW1", "ub1"]
    for b in blocks:
        assert "η = 0.37" in b["why"], (b["id"], b["why"])


@pytest.fixture
def xor_lr(client):
    return client.get("/api/presets/xor").json()["scenario"]
