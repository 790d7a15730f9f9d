"""Every registered activation and loss, walked through everything that uses it.

The lists come from `app.engine.registry`, so an operation added there is tested here the moment
it is registered: every `/api/step` cursor (the numbers in each equation worked out again give its
result), `/api/run` against PyTorch float64, central finite differences, both exported scripts run,
the worksheet check, and the labs' activation explorer. The page's menus: tests/browser.
"""

import json
import os
import re

import numpy as np
import pytest

from app.engine.registry import ACTIVATIONS, LOSSES
from tests.arithmetic import read_arithmetic

if os.environ.get("CI"):
    import torch  # in CI the oracle must be there: no silent skip
else:
    torch = pytest.importorskip("torch")

SLOPE = 0.07  # leaky_slope: not the default, so a forgotten α shows
H = 1e-6


def scenario(hidden: str, output: str, loss: str, seed: int = 3) -> dict:
    """A 2 → 3 → 2 network on three samples, its weights drawn so that no z sits near a kink."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, (3, 2))
    if loss == "mse":
        y = rng.uniform(-0.5, 1.0, (3, 2))
    elif loss == "bce":
        y = rng.integers(0, 2, (3, 2)).astype(float)
    else:
        y = np.eye(2)[rng.integers(0, 2, 3)]
    while True:
        w1, w2 = rng.uniform(-1.2, 1.2, (3, 2)), rng.uniform(-1.2, 1.2, (2, 3))
        b1, b2 = rng.uniform(-0.5, 0.5, 3), rng.uniform(-0.5, 0.5, 2)
        z1 = x @ w1.T + b1
        z2 = ACTIVATIONS[hidden].forward(z1.T, SLOPE).T @ w2.T + b2
        if min(np.abs(z1).min(), np.abs(z2).min()) > 0.05:
            break
    return {
        "layers": [2, 3, 2],
        "activations": [hidden, output],
        "loss": loss,
        "weights": [w1.tolist(), w2.tolist()],
        "biases": [b1.tolist(), b2.tolist()],
        "inputs": x.tolist(),
        "targets": y.tolist(),
        "learning_rate": 0.3,
        "leaky_slope": SLOPE,
    }


def _cases() -> list:
    cases = []
    for name, act in ACTIVATIONS.items():
        if act.output_only:  # softmax: the output layer, with cross-entropy
            cases.append(pytest.param("tanh", name, "cross_entropy", id=f"act-{name}"))
        else:  # in the hidden and the output layer both
            cases.append(pytest.param(name, name, "mse", id=f"act-{name}"))
    for name in LOSSES:
        output = {"bce": "sigmoid", "cross_entropy": "softmax"}.get(name, "tanh")
        cases.append(pytest.param("tanh", output, name, id=f"loss-{name}"))
    return cases


CASES = _cases()


# ── PyTorch: the registry's torch code is PyTorch's own function, run by its autograd ──────


def clipped(a):
    """ŷ clipped for the log with the gradient passed through (the engine's convention)."""
    return a + (a.clamp(1e-12, 1 - 1e-12) - a).detach()


def torch_run(sc: dict) -> dict:
    ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in sc["weights"]]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in sc["biases"]]
    a = torch.tensor(sc["inputs"], dtype=torch.float64).T  # columns are samples
    y = torch.tensor(sc["targets"], dtype=torch.float64).T
    for w, b, name in zip(ws, bs, sc["activations"], strict=True):
        code = ACTIVATIONS[name].torch.format(z="z")
        a = eval(code, {"torch": torch, "SLOPE": sc["leaky_slope"], "z": w @ a + b[:, None]})
    per = eval(
        LOSSES[sc["loss"]].torch.format(a="a", p="p"),
        {"torch": torch, "a": a, "Y": y, "p": clipped(a)},
    )
    loss = per.sum(dim=0).mean()
    loss.backward()
    return {
        "loss": loss.item(),
        "weights": [w.grad.numpy() for w in ws],
        "biases": [b.grad.numpy() for b in bs],
    }


@pytest.mark.torch
@pytest.mark.parametrize(("hidden", "output", "loss"), CASES)
def test_run_matches_pytorch_float64(client, hidden, output, loss):
    sc = scenario(hidden, output, loss)
    run = client.post("/api/run", json={"scenario": sc, "include_steps": False}).json()
    want = torch_run(sc)
    assert run["loss"] == pytest.approx(want["loss"], rel=1e-12, abs=1e-12)
    for kind in ("weights", "biases"):
        for got, exp in zip(run["gradients"][kind], want[kind], strict=True):
            np.testing.assert_allclose(got, exp, rtol=1e-12, atol=1e-12)


# ── central finite differences of the loss, against /api/run's gradients ─────────────────────


def loss_of(client, sc: dict) -> float:
    return client.post("/api/run", json={"scenario": sc, "include_steps": False}).json()["loss"]


@pytest.mark.parametrize(("hidden", "output", "loss"), CASES)
def test_gradients_match_central_differences(client, hidden, output, loss):
    sc = scenario(hidden, output, loss)
    grads = client.post("/api/run", json={"scenario": sc, "include_steps": False}).json()
    for kind in ("weights", "biases"):
        for l, tensor in enumerate(sc[kind]):
            flat = np.asarray(tensor, dtype=float)
            for idx in np.ndindex(flat.shape):
                plus, minus = json.loads(json.dumps(sc)), json.loads(json.dumps(sc))
                p, m = np.array(plus[kind][l]), np.array(minus[kind][l])
                p[idx] += H
                m[idx] -= H
                plus[kind][l], minus[kind][l] = p.tolist(), m.tolist()
                numeric = (loss_of(client, plus) - loss_of(client, minus)) / (2 * H)
                got = np.asarray(grads["gradients"][kind][l])[idx]
                assert got == pytest.approx(numeric, rel=1e-6, abs=1e-8), (kind, l, idx)


# ── every step: the equation's numbers, worked out again, give the step's result ─────────────


def rhs(text: str) -> str:
    """What a numbers line says its target equals (or becomes, for ←)."""
    return re.split(" = | ← ", text, maxsplit=1)[1]


@pytest.mark.parametrize(("hidden", "output", "loss"), CASES)
def test_every_step_shows_numbers_that_give_its_result(client, hidden, output, loss):
    sc = scenario(hidden, output, loss)
    graph = client.post("/api/graph", json={"scenario": sc}).json()
    total = graph["plan"]["total_steps"]
    worked = 0
    for cursor in range(1, total + 1):
        r = client.post("/api/step", json={"scenario": sc, "cursor": cursor, "precision": 12})
        assert r.status_code == 200, r.text
        (step,) = r.json()["steps"]
        ex = step["explanation"]
        for part in ("formula", "substituted", "result"):
            assert ex[part]["text"] and ex[part]["latex"] and "<math" in ex[part]["mathml"]
        assert ex["sentence"].endswith(".")
        result = float(ex["result"]["text"].split(" = ")[-1].replace("−", "-"))
        numbers = ex["substituted"]["text"]
        if "…" in numbers or "Σ" in ex["formula"]["text"] or "'" in numbers:
            continue  # a shortened sum, or a batch mean written per sample
        assert read_arithmetic(rhs(numbers)) == pytest.approx(result, rel=1e-9, abs=1e-11), numbers
        worked += 1
    assert worked > total // 2  # most steps are checked, not skipped


def test_every_activation_explains_itself_in_the_registrys_words(client):
    """Forward and backward sentences and formulas come from the registry's entry."""
    for name, act in ACTIVATIONS.items():
        if act.output_only:
            continue
        sc = scenario(name, "linear", "mse")
        graph = client.post("/api/graph", json={"scenario": sc}).json()
        label = {nd["id"]: nd["label"]["text"] for nd in graph["nodes"]}
        z, a = label["z1_0"], label["a1_0"]
        forward = client.post("/api/step", json={"scenario": sc, "cursor": 2}).json()
        ex = forward["steps"][0]["explanation"]
        assert ex["sentence"].startswith(
            act.words.format(z=z) + f": {a} is what this neuron passes on."
        )
        assert ex["formula"]["text"].startswith(f"{a} = ")
        end = graph["plan"]["granularities"]["step"]["phase_starts"]["update"]
        backward = [
            client.post("/api/step", json={"scenario": sc, "cursor": c}).json()["steps"][0]
            for c in range(end - 12, end + 1)
        ]
        slope = [
            s["explanation"]
            for s in backward
            if f"{act.symbol}'({z})" in s["explanation"]["formula"]["text"]
        ]
        assert slope, name
        assert slope[0]["sentence"].startswith(
            "Chain rule through the activation: multiply the incoming gradient by the local slope "
            f"{act.symbol}'({z})"
        )


# ── both exported scripts, run ────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def exported(client, tmp_path_factory) -> dict:
    """Every case's NumPy and PyTorch scripts, each run as __main__ in a fresh namespace of this
    interpreter (PyTorch is slow to import, so not again), importing only NumPy or PyTorch:
    {(scenario as JSON, format): what the script printed}."""
    from tests.exported_here import run_here

    scenarios = [scenario(*c.values) for c in CASES]
    scenarios += [expression(c.values[0]) for c in expression_cases()]
    keys = [
        (json.dumps(sc, sort_keys=True), fmt) for sc in scenarios for fmt in ("numpy", "pytorch")
    ]
    scripts = [
        client.post("/api/export", json={"scenario": json.loads(k), "format": fmt}).text
        for k, fmt in keys
    ]
    return dict(zip(keys, run_here(scripts, tmp_path_factory.mktemp("exported")), strict=True))


def printed(exported: dict, sc: dict, fmt: str) -> dict:
    return exported[(json.dumps(sc, sort_keys=True), fmt)]


@pytest.mark.torch
@pytest.mark.parametrize(("hidden", "output", "loss"), CASES)
def test_both_exported_scripts_run_and_agree(client, exported, hidden, output, loss):
    sc = scenario(hidden, output, loss)
    run = client.post("/api/run", json={"scenario": sc, "include_steps": False}).json()
    for fmt in ("numpy", "pytorch"):
        out = printed(exported, sc, fmt)
        assert out["loss"] == pytest.approx(run["loss"], rel=1e-12), fmt
        assert out["loss_after"] == pytest.approx(run["loss_after"], rel=1e-12), fmt
        for l in (1, 2):
            np.testing.assert_allclose(
                out[f"dW{l}"], run["gradients"]["weights"][l - 1], rtol=1e-12, atol=1e-14
            )
            np.testing.assert_allclose(
                out[f"W{l}"], run["updated"]["weights"][l - 1], rtol=1e-12, atol=1e-14
            )


# ── the worksheet ────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("hidden", "output", "loss"), CASES)
def test_worksheet_judges_every_quantity(client, hidden, output, loss):
    sc = scenario(hidden, output, loss)
    qs = client.post("/api/worksheet", json={"scenario": sc}).json()["quantities"]
    blank = [{"target": q["target"], "quantity": q["quantity"], "value": 0.0} for q in qs]
    truth = client.post("/api/check", json={"scenario": sc, "entries": blank}).json()["entries"]
    right = [
        {**e, "value": t["correct"], "decimals": 10} for e, t in zip(blank, truth, strict=True)
    ]
    body = client.post("/api/check", json={"scenario": sc, "entries": right}).json()
    assert body["first_slip"] is None
    assert {e["status"] for e in body["entries"]} == {"correct"}
    # a slip in z₁: a₁ worked from it is f(your z₁) (PyTorch's f), and δ₁ worked from your own
    # numbers differs from the true δ₁ exactly when the registry says f' reads z
    slipped = [
        {**e, "value": e["value"] + 0.5} if (e["quantity"], e["target"]) == ("value", "z1_0") else e
        for e in right
    ]
    body = client.post("/api/check", json={"scenario": sc, "entries": slipped}).json()
    assert body["first_slip"] == "value:z1_0"
    got = {e["key"]: e for e in body["entries"]}
    yours = torch.tensor([got["value:z1_0"]["yours"]], dtype=torch.float64)
    act = ACTIVATIONS[hidden]
    f = eval(act.torch.format(z="z"), {"torch": torch, "SLOPE": SLOPE, "z": yours}).item()
    assert got["value:a1_0"]["from_yours"] == pytest.approx(f, rel=1e-12)
    delta = got["grad:z1_0"]
    if "z" not in act.reads:
        assert delta["from_yours"] == pytest.approx(delta["correct"], rel=1e-12)
    elif not act.kinked:
        assert delta["from_yours"] != pytest.approx(delta["correct"], rel=1e-6)


# ── the labs' activation explorer ────────────────────────────────────────────────────────────


def test_activation_explorer_shows_every_activation(client):
    body = client.post("/api/labs/activations", json={"lo": -4, "hi": 4, "points": 161}).json()
    shown = {a["name"]: a for a in body["activations"]}
    assert list(shown) == list(ACTIVATIONS)
    for name, act in ACTIVATIONS.items():
        a = shown[name]
        assert a["title"] == act.title and a["range"] == act.range and a["domain"] == act.domain
        z = np.asarray(a["z"])
        if act.output_only:  # p₁ of the logits (z, 0), against PyTorch's softmax
            want = torch.softmax(torch.tensor(np.vstack([z, 0 * z])), dim=0)[0].numpy()
        else:
            code = act.torch.format(z="z")
            want = eval(code, {"torch": torch, "SLOPE": 0.01, "z": torch.tensor(z)}).numpy()
        np.testing.assert_allclose(a["value"], want, rtol=1e-12, atol=1e-14)
        # the derivative is the slope of the value curve (central differences, kinks aside)
        dz = z[1] - z[0]
        numeric = (np.asarray(a["value"])[2:] - np.asarray(a["value"])[:-2]) / (2 * dz)
        smooth = np.abs(z[1:-1]) > 2 * dz
        np.testing.assert_allclose(
            np.asarray(a["derivative"])[1:-1][smooth], numeric[smooth], rtol=1e-2, atol=2e-3
        )


# ── expression graphs: every primitive, and every activation offered as a function ───────────

FUNCTIONS = [name for name, a in ACTIVATIONS.items() if a.expression]
_SYNTAX = {  # how the expression language writes each primitive (the parser's, not the registry's)
    "add": "a + b",
    "sub": "a - b",
    "mul": "a * b",
    "div": "a / b",
    "pow": "a ^ b",
    "neg": "-(a * b)",
    "exp": "exp(a * b)",
    "log": "log(a * b)",
}


def expression_cases() -> list:
    from app.engine.registry import PRIMITIVES

    assert set(PRIMITIVES) == set(_SYNTAX), "a new primitive needs its syntax here"
    cases = [pytest.param(f"({_SYNTAX[p]}) * c + c", id=f"prim-{p}") for p in PRIMITIVES]
    cases += [pytest.param(f"{name}(a * b - c) * c", id=f"fn-{name}") for name in FUNCTIONS]
    return cases


def expression(text: str) -> dict:
    return {
        "kind": "expression",
        "expression": text,
        "values": {"a": 1.3, "b": 0.7, "c": -0.4},
        "learning_rate": 0.1,
    }


def final_view(client, sc: dict) -> dict:
    total = client.post("/api/graph", json={"scenario": sc}).json()["plan"]["total_steps"]
    return client.post("/api/step", json={"scenario": sc, "cursor": total}).json()


@pytest.mark.parametrize("text", expression_cases())
def test_expression_steps_gradients_and_exports(client, exported, text):
    sc = expression(text)
    graph = client.post("/api/graph", json={"scenario": sc}).json()
    total = graph["plan"]["total_steps"]
    update = graph["plan"]["granularities"]["step"]["phase_starts"]["update"]
    for cursor in range(1, total + 1):  # every step: its numbers, worked out, give its result
        r = client.post("/api/step", json={"scenario": sc, "cursor": cursor, "precision": 12})
        assert r.status_code == 200, r.text
        ex = r.json()["steps"][0]["explanation"]
        result = float(ex["result"]["text"].split(" = ")[-1].replace("−", "-"))
        numbers = ex["substituted"]["text"]
        if "'" not in numbers:
            assert read_arithmetic(rhs(numbers)) == pytest.approx(result, rel=1e-9, abs=1e-11), (
                numbers
            )
    # gradients against central differences of f
    before = client.post("/api/step", json={"scenario": sc, "cursor": update}).json()

    def f_at(values: dict) -> float:
        view = final_view(client, {**sc, "values": values, "learning_rate": None})
        return next(nd for nd in view["nodes"] if nd["id"] == "f")["value"]

    grads = {p["id"].removeprefix("var_"): p["grad"] for p in before["parameters"]}
    for name, v in sc["values"].items():
        plus, minus = {**sc["values"], name: v + H}, {**sc["values"], name: v - H}
        fd = (f_at(plus) - f_at(minus)) / (2 * H)
        assert grads[name] == pytest.approx(fd, rel=1e-6, abs=1e-9), name
    # both exported scripts, run, print the same gradients
    for fmt in ("numpy", "pytorch"):
        out = printed(exported, sc, fmt)
        for name, g in grads.items():
            assert out[f"grad_{name}"] == pytest.approx(g, rel=1e-12, abs=1e-14), (fmt, name)
