"""Expression graphs against independent oracles: the test's own evaluation of random expression
trees, central finite differences, and PyTorch autograd; reused variables sum their gradients."""

import math
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.engine.expression import build_expression_graph
from app.engine.lesson import Lesson
from app.engine.plan import Plan
from app.engine.stepper import state_at
from app.limits import MAX_EXPRESSION_LENGTH
from tests.engine.expression_trees import evaluate, render, trees, variables_of

values = st.fixed_dictionaries({v: st.floats(-2, 2) for v in ("a", "b", "c")})


def engine(src: str, env: dict) -> tuple[float, dict]:
    g = build_expression_graph(src, env)
    plan = Plan(g, update=False)
    s = state_at(g, plan, 0.0, plan.total)
    grads = {g.nodes[p].tensor: float(s.pgrad[p]) for p in g.params}
    return float(s.value(g.root)[0]), grads


def central(t, env: dict, name: str) -> float:
    h = 1e-6 * max(1.0, abs(env[name]))
    up, down = dict(env), dict(env)
    up[name] += h
    down[name] -= h
    return (evaluate(t, up) - evaluate(t, down)) / (2 * h)


def clear_of_kinks(t, env) -> bool:
    kinks: list[float] = []
    evaluate(t, env, kinks=kinks)
    return all(abs(k) > 1e-3 for k in kinks)


@settings(max_examples=200, deadline=None)
@given(trees, values)
def test_random_expressions_match_finite_differences(t, env):
    names = variables_of(t)
    assume(names and t[0] not in ("var", "num") and len(render(t)) <= MAX_EXPRESSION_LENGTH)
    env = {k: env[k] for k in names}
    assume(clear_of_kinks(t, env))
    f, grads = engine(render(t), env)
    assert f == pytest.approx(evaluate(t, env), rel=1e-12, abs=1e-12)
    for name in names:
        fd = central(t, env, name)
        assert grads[name] == pytest.approx(fd, rel=1e-5, abs=1e-6 * max(1.0, abs(f))), name


def test_reused_variable_sums_its_contributions():
    # e = (a + b)(b + 1): ∂e/∂b = (b + 1) + (a + b), one term per path
    a, b = 2.0, 1.0
    g = build_expression_graph("(a + b) * (b + 1)", {"a": a, "b": b})
    lesson = Lesson(g, Plan(g, update=False), 0.0)
    steps = [s for s in lesson.walk() if s.target == "var_b"]
    assert [s.contribution for s in steps] == [[1, 2], [2, 2]]
    assert [s.value for s in steps] == [b + 1, (b + 1) + (a + b)]
    assert [s.added for s in steps] == [b + 1, a + b]  # each path's part, as it arrives
    assert "Contribution 2 of 2" in steps[1].explanation["sentence"]
    assert steps[1].explanation["formula"]["text"].startswith("∂f/∂b ←")
    _, grads = engine("(a + b) * (b + 1)", {"a": a, "b": b})
    assert grads == {"a": b + 1, "b": (b + 1) + (a + b)}


@pytest.mark.parametrize("x", [-1.5, 0.3, 2.0])
def test_square_by_reuse_and_by_power_agree(x):
    assert engine("x * x", {"x": x})[1]["x"] == pytest.approx(2 * x, rel=1e-15)
    assert engine("x ^ 2", {"x": x})[1]["x"] == pytest.approx(2 * x, rel=1e-15)


def test_sigmoid_gates_and_sigmoid_node_give_the_same_gradients():
    env = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    z = env["w0"] * env["x0"] + env["w1"] * env["x1"] + env["w2"]
    s = 1 / (1 + math.exp(-z))
    f1, g1 = engine("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", env)
    f2, g2 = engine("sigmoid(w0*x0 + w1*x1 + w2)", env)
    assert f1 == pytest.approx(s, rel=1e-15) and f2 == pytest.approx(s, rel=1e-15)
    dz = s * (1 - s)
    expected = {"w0": dz * env["x0"], "x0": dz * env["w0"], "w1": dz * env["x1"]}
    expected |= {"x1": dz * env["w1"], "w2": dz}
    for k, v in expected.items():
        assert g1[k] == pytest.approx(v, rel=1e-12) and g2[k] == pytest.approx(v, rel=1e-12)


def test_expression_labels_say_df_not_dL():
    g = build_expression_graph("tanh(w1*x1 + b)", {"w1": 0.5, "x1": 2.0, "b": 0.1})
    lesson = Lesson(g, Plan(g, update=True), 0.1)
    texts = [s.explanation["formula"]["text"] for s in lesson.walk()]
    backward = [t for t in texts if "∂" in t]
    assert backward and all("∂L" not in t for t in texts)
    assert any(t.startswith("∂f/∂w₁") for t in backward)
    assert any(t.startswith("w₁ ← w₁ − η · ∂f/∂w₁") for t in texts)


def test_update_phase_only_with_a_learning_rate():
    g = build_expression_graph("a * b", {"a": 3.0, "b": -2.0})
    assert {s.phase for s in Plan(g, update=False).segments} == {"forward", "backward"}
    plan = Plan(g, update=True)
    s = state_at(g, plan, 0.25, plan.total)
    a, b = (g.index["var_a"], g.index["var_b"])
    assert (s.P[a], s.P[b]) == (3.0 - 0.25 * -2.0, -2.0 - 0.25 * 3.0)


def test_domain_errors_become_divergence_not_crashes():
    g = build_expression_graph("log(a) + 1 / b", {"a": -1.0, "b": 0.0})
    lesson = Lesson(g, Plan(g, update=False), 0.0)
    view = lesson.at(lesson.plan.total)
    assert view.diverged is not None
    assert view.diverged.node == "v1"  # log(−1), the first non-finite value


# ── PyTorch ──────────────────────────────────────────────────────────────────

if os.environ.get("CI"):
    import torch  # the oracle must be there in CI: no silent skip
else:
    torch = pytest.importorskip("torch")


class TorchOps:
    exp, log, tanh = staticmethod(torch.exp), staticmethod(torch.log), staticmethod(torch.tanh)
    sigmoid, relu = staticmethod(torch.sigmoid), staticmethod(torch.relu)

    @staticmethod
    def const(x):
        return torch.tensor(x, dtype=torch.float64)


@pytest.mark.torch
@settings(max_examples=150, deadline=None)
@given(trees, values)
def test_random_expressions_match_pytorch(t, env):
    names = variables_of(t)
    assume(names and t[0] not in ("var", "num") and len(render(t)) <= MAX_EXPRESSION_LENGTH)
    env = {k: env[k] for k in names}
    assume(clear_of_kinks(t, env))
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in env.items()}
    out = evaluate(t, tensors, TorchOps)
    out.backward()
    f, grads = engine(render(t), env)
    assert f == pytest.approx(out.item(), rel=1e-12, abs=1e-14)
    for k in names:
        want = tensors[k].grad.item() if tensors[k].grad is not None else 0.0
        assert np.isclose(grads[k], want, rtol=1e-10, atol=1e-12), k
