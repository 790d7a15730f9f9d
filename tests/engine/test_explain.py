"""Every step's explanation: its result is the stepper's value, its formula names the target, and its
numbers are those an independent computation gives (a NumPy forward and central differences).

Activation-specific sentences belong to the registry's tests; here only structure and numbers.
"""

import math
import re
from dataclasses import dataclass

import numpy as np
import pytest

from app.engine.explain import Explainer, Explanation
from app.engine.expression import build_expression_graph
from app.engine.graph import Graph
from app.engine.mathfmt import Fmt, Sym
from app.engine.network import MLPSpec, build_graph
from app.engine.plan import Plan, Step
from app.engine.stepper import State
from tests.arithmetic import read_arithmetic

FINE = Fmt(12)  # enough digits that a rendered number stands for the value itself


@dataclass
class Row:
    step: Step
    e: Explanation
    shown: dict  # the explanation rendered with FINE
    before: float  # the target's gradient (or the parameter) before the step
    after: float  # what the stepper stored for the target, for this sample


def _pick(v, sample: int) -> float:
    return float(v) if np.ndim(v) == 0 else float(v[sample])


def explained(graph: Graph, plan: Plan, lr: float, sample: int = 0) -> list[Row]:
    """Step through the whole plan, explaining each step right after the stepper does it."""
    state = State(graph, lr)
    ex = Explainer(state, sample)
    rows = []
    for t in range(plan.total):
        step = plan.step(t)
        if step.phase == "backward":
            before = _pick(state.grad(step.target), sample)
        elif step.phase == "update":
            before = float(state.P0[step.target])
        else:
            before = 0.0
        state.apply(step)
        e = ex.explain(step, before)
        if step.phase == "forward":
            after = _pick(state.value(step.node), sample)
        elif step.phase == "backward":
            after = _pick(state.grad(step.target), sample)
        else:
            after = float(state.P[step.target])
        rows.append(Row(step, e, e.render(FINE), before, after))
    return rows


def sides(text: str) -> tuple[str, str, str]:
    """(left side, relation, everything after the relation) of a rendered formula."""
    m = re.match(r"(.*?) (=|←) (.*)", text)
    assert m, text
    return m.group(1), m.group(2), m.group(3)


def number(s: str) -> float:
    return float(s.replace("−", "-"))


def expected_lhs(graph: Graph, step: Step) -> str:
    """Who a step is about: the computed node, the parameter, or the gradient it adds to —
    δ for a pre-activation z; ∂L/∂θ for a parameter; the sample's ℓ (L for one sample)."""
    root = graph.nodes[graph.root]
    top = "L" if root.role == "loss" else root.sym.text(Fmt())
    mine = top if graph.batch == 1 else "ℓ"
    if step.phase == "forward":
        if step.node == graph.root and root.role == "loss":
            return mine
        return graph.nodes[step.node].sym.text(Fmt())
    tgt = graph.nodes[step.target]
    if step.phase == "update":
        return tgt.sym.text(Fmt())
    if tgt.role == "z":
        return Sym("δ", tgt.sym.sub, tgt.sym.sup).text(Fmt())
    return f"∂{top if tgt.kind == 'param' else mine}/∂{tgt.sym.text(Fmt())}"


# ── scenarios and their independent references ───────────────────────────────


def hidden_net(batch: int, lr: float = 0.5) -> MLPSpec:
    """2 → 2 → 2, tanh then sigmoid, mse: each hidden output feeds two neurons."""
    rng = np.random.default_rng(7)
    return MLPSpec(
        layers=[2, 2, 2],
        activations=["tanh", "sigmoid"],
        loss="mse",
        weights=[rng.normal(0, 0.8, (2, 2)), rng.normal(0, 0.8, (2, 2))],
        biases=[rng.normal(0, 0.3, 2), rng.normal(0, 0.3, 2)],
        inputs=rng.normal(0, 1, (batch, 2)),
        targets=rng.uniform(0, 1, (batch, 2)),
        learning_rate=lr,
    )


def softmax_net(batch: int) -> MLPSpec:
    """2 → 3 softmax with cross-entropy: every z feeds all three outputs."""
    rng = np.random.default_rng(11)
    return MLPSpec(
        layers=[2, 3],
        activations=["softmax"],
        loss="cross_entropy",
        weights=[rng.normal(0, 0.8, (3, 2))],
        biases=[rng.normal(0, 0.3, 3)],
        inputs=rng.normal(0, 1, (batch, 2)),
        targets=np.eye(3)[rng.integers(0, 3, batch)],
        learning_rate=0.5,
    )


ACT = {
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "softmax": lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
}


def reference(spec: MLPSpec, weights=None, biases=None):
    """Per-sample (zs, activations, losses), written here in NumPy."""
    weights = spec.weights if weights is None else weights
    biases = spec.biases if biases is None else biases
    a, zs, acts = spec.inputs, [], []
    for W, b, act in zip(weights, biases, spec.activations, strict=True):
        z = a @ W.T + b
        a = ACT[act](z)
        zs.append(z)
        acts.append(a)
    y = spec.targets
    if spec.loss == "mse":
        losses = 0.5 * ((a - y) ** 2).sum(axis=1)
    else:
        losses = -(y * np.log(a)).sum(axis=1)
    return zs, acts, losses


def param_grads(spec: MLPSpec) -> dict[str, np.ndarray]:
    """∂ℓ_s/∂θ for every sample s and parameter id, by central differences of `reference`."""
    out = {}
    for kind, tensors in (("W", spec.weights), ("b", spec.biases)):
        for l, t in enumerate(tensors, start=1):
            for idx in np.ndindex(t.shape):
                per = []
                for h in (1e-6, -1e-6):
                    ws = [w.copy() for w in spec.weights]
                    bs = [b.copy() for b in spec.biases]
                    (ws if kind == "W" else bs)[l - 1][idx] += h
                    per.append(reference(spec, ws, bs)[2])
                pid = f"{kind}{l}_{'_'.join(map(str, idx))}"
                out[pid] = (per[0] - per[1]) / 2e-6
    return out


EXPR = "(a + b) * (b + 1) - log(a) / b^2 + exp(-a) + a^c"
ENV = {"a": 1.5, "b": -0.75, "c": 0.5}


def expr_f(a: float, b: float, c: float) -> float:
    return (a + b) * (b + 1) - math.log(a) / b**2 + math.exp(-a) + a**c


def expr_grads(env: dict[str, float]) -> dict[str, float]:
    out = {}
    for k in env:
        up, down = dict(env), dict(env)
        h = 1e-6 * max(1.0, abs(env[k]))
        up[k] += h
        down[k] -= h
        out[k] = (expr_f(**up) - expr_f(**down)) / (2 * h)
    return out


def net_rows(spec: MLPSpec, sample: int = 0) -> tuple[Graph, list[Row]]:
    g = build_graph(spec)
    return g, explained(g, Plan(g, spec.frozen), spec.learning_rate, sample)


def expr_rows(src: str = EXPR, env=None, lr: float = 0.1) -> tuple[Graph, list[Row]]:
    g = build_expression_graph(src, ENV if env is None else env)
    return g, explained(g, Plan(g, update=True), lr)


SCENARIOS = {
    "net-1": lambda: net_rows(hidden_net(1)),
    "net-3-sample-2": lambda: net_rows(hidden_net(3), sample=1),
    "softmax-2": lambda: net_rows(softmax_net(2), sample=1),
    "expression": expr_rows,
}


# ── every step ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_result_is_the_steppers_value(name):
    g, rows = SCENARIOS[name]()
    assert {r.step.phase for r in rows} == {"forward", "backward", "update"}
    for r in rows:
        assert r.e.value == r.after, r.step
        lhs, rel, rhs = sides(r.shown["result"]["text"])
        assert rel == "="
        assert number(rhs) == pytest.approx(r.after, rel=1e-11, abs=1e-12)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_formula_substitution_and_result_name_the_target(name):
    g, rows = SCENARIOS[name]()
    for r in rows:
        want = expected_lhs(g, r.step)
        for part in ("formula", "substituted", "result"):
            assert sides(r.shown[part]["text"])[0] == want, (r.step, part, r.shown[part]["text"])


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_rendering_is_three_strings_and_a_sentence(name):
    _, rows = SCENARIOS[name]()
    for r in rows:
        for part in ("formula", "substituted", "result"):
            assert set(r.shown[part]) == {"text", "latex", "mathml"}
            assert r.shown[part]["mathml"].startswith("<math")
        assert r.shown["sentence"].strip()


def test_expression_numbers_filled_in_work_out_to_the_result():
    """Read as arithmetic, each forward and backward step's numbers give the step's result."""
    _, rows = expr_rows()
    for r in rows:
        if r.step.phase == "update":
            continue
        _, _, rhs = sides(r.shown["substituted"]["text"])
        assert read_arithmetic(rhs) == pytest.approx(r.after, rel=1e-9, abs=1e-11), rhs


def test_expression_forward_is_the_expression_and_gradients_are_central_differences():
    g, rows = expr_rows()
    forward = [r for r in rows if r.step.phase == "forward"]
    assert forward[-1].step.node == g.root
    assert forward[-1].e.value == pytest.approx(expr_f(**ENV), rel=1e-14)
    fd = expr_grads(ENV)
    for name, want in fd.items():
        last = [
            r
            for r in rows
            if r.step.phase == "backward" and g.nodes[r.step.target].id == f"var_{name}"
        ][-1]
        assert last.e.value == pytest.approx(want, rel=1e-7), name


def test_network_forward_values_are_the_selected_samples():
    spec = hidden_net(3)
    zs, acts, losses = reference(spec)
    for sample in range(3):
        g, rows = net_rows(spec, sample)
        for r in rows:
            if r.step.phase != "forward":
                continue
            nid = g.nodes[r.step.node].id
            if nid == "L":
                want = losses[sample]
            else:
                l, j = map(int, nid[1:].split("_"))
                want = (zs if nid[0] == "z" else acts)[l - 1][sample, j]
            assert r.e.value == pytest.approx(want, rel=1e-12, abs=1e-14), nid


# ── accumulation ─────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_accumulating_steps_use_an_arrow_and_count_contributions(name):
    g, rows = SCENARIOS[name]()
    backward = [r for r in rows if r.step.phase == "backward"]
    total: dict[int, int] = {}
    for r in backward:
        total[r.step.target] = total.get(r.step.target, 0) + 1
    seen: dict[int, int] = {}
    assert any(n > 1 for n in total.values())  # each scenario has a value with several consumers
    for r in backward:
        j = r.step.target
        seen[j] = seen.get(j, 0) + 1
        c, n = seen[j], total[j]
        target = expected_lhs(g, r.step)
        sentence = r.shown["sentence"]
        if n == 1:
            assert sides(r.shown["formula"]["text"])[1] == "="
            assert "Contribution" not in sentence
            continue
        lhs, rel, rhs = sides(r.shown["formula"]["text"])
        assert rel == "←" and rhs.startswith(f"{target} + "), r.shown["formula"]["text"]
        lhs, rel, rhs = sides(r.shown["substituted"]["text"])
        assert rel == "←"
        assert rhs.startswith(FINE.number(r.before) + " + "), rhs  # the gradient so far, then +
        assert f"Contribution {c} of {n}" in sentence
        assert sides(r.shown["result"]["text"])[1] == "="  # the result is a plain value


def test_accumulated_gradients_are_running_sums():
    g, rows = expr_rows()
    running: dict[int, float] = {}
    for r in rows:
        if r.step.phase != "backward":
            continue
        j = r.step.target
        assert r.before == running.get(j, 0.0)
        running[j] = r.after
    for name, want in expr_grads(ENV).items():
        assert running[g.index[f"var_{name}"]] == pytest.approx(want, rel=1e-7)


# ── batches ──────────────────────────────────────────────────────────────────


def test_no_batch_note_for_one_sample():
    _, rows = net_rows(hidden_net(1))
    for r in rows:
        assert "sample" not in r.shown["sentence"], r.shown["sentence"]
        assert "ℓ" not in r.shown["formula"]["text"]


@pytest.mark.parametrize("sample", [0, 2])
def test_batch_note_names_the_sample_once_at_the_loss(sample):
    """The loss's steps say whose values these are and what ℓ is; every other step used to
    repeat it (with "the tutorial's XOR code divides by m", in every lesson of several samples:
    classroom review, finding 10), which a class read aloud at every step."""
    g, rows = net_rows(hidden_net(3), sample)
    for r in rows:
        named = f"sample {sample + 1} of 3" in r.shown["sentence"]
        assert named == (r.step.node == g.root and r.step.phase != "update"), r.shown["sentence"]
        assert "XOR" not in r.shown["sentence"]


def test_batch_loss_is_the_mean_of_the_sample_losses():
    spec = hidden_net(3)
    g, rows = net_rows(spec, sample=1)
    (loss_row,) = [r for r in rows if r.step.phase == "forward" and r.step.node == g.root]
    losses = reference(spec)[2]
    assert loss_row.e.value == pytest.approx(losses[1], rel=1e-12)
    m = re.search(r"L = \(1/3\)·Σℓ = (\S+?)\.(\s|$)", loss_row.shown["sentence"])
    assert m, loss_row.shown["sentence"]
    assert number(m.group(1)) == pytest.approx(losses.mean(), rel=1e-5)


@pytest.mark.parametrize(("batch", "sample"), [(1, 0), (3, 0), (3, 2), (2, 1)])
def test_parameter_gradients_are_the_batch_mean(batch, sample):
    spec = hidden_net(batch)
    per_sample = param_grads(spec)
    g, rows = net_rows(spec, sample)
    checked = 0
    for r in rows:
        tgt = g.nodes[r.step.target]
        if r.step.phase != "backward" or tgt.kind != "param":
            continue
        want = per_sample[tgt.id]
        assert r.e.value == pytest.approx(want.mean(), rel=1e-6, abs=1e-10), tgt.id
        checked += 1
        formula = r.shown["formula"]["text"]
        _, _, rhs = sides(r.shown["substituted"]["text"])
        if batch == 1:
            assert "Σ" not in formula
            continue
        assert f"1/{batch} · Σ" in formula
        every = "both" if batch == 2 else f"all {batch}"
        assert f"mean of {every} samples' terms" in r.shown["sentence"]
        # 1/m × (g₁ + g₂ + …): the per-sample gradients, each a central difference of its ℓ
        m = re.fullmatch(rf"1/{batch} × \((.*)\)", rhs)
        assert m, rhs
        shown = [number(t.strip("()")) for t in m.group(1).split(" + ")]
        np.testing.assert_allclose(shown, want, rtol=1e-6, atol=1e-10)
        assert read_arithmetic(rhs) == pytest.approx(r.after, rel=1e-9)
    assert checked == len(g.params)


def test_a_large_batch_lists_the_first_two_and_the_last_share():
    spec = hidden_net(6)
    per_sample = param_grads(spec)
    g, rows = net_rows(spec)
    r = next(r for r in rows if r.step.phase == "backward" and g.nodes[r.step.target].id == "b1_0")
    _, _, rhs = sides(r.shown["substituted"]["text"])
    m = re.fullmatch(r"1/6 × \((.*)\)", rhs)
    assert m, rhs
    terms = m.group(1).split(" + ")
    assert terms[2] == "…" and len(terms) == 4
    want = per_sample["b1_0"]
    np.testing.assert_allclose(
        [number(t.strip("()")) for t in (terms[0], terms[1], terms[3])],
        [want[0], want[1], want[-1]],
        rtol=1e-6,
    )


# ── softmax with cross-entropy ───────────────────────────────────────────────


@pytest.mark.parametrize("sample", [0, 1])
def test_softmax_cross_entropy_shortcut_is_p_minus_y(sample):
    spec = softmax_net(2)
    g, rows = net_rows(spec, sample)
    _, acts, _ = reference(spec)
    p, y = acts[0][sample], spec.targets[sample]
    pattern = r"p − y = (\S+) − (\S+) = (\S+?):"
    completed = set()
    for r in rows:
        if r.step.phase != "backward" or g.nodes[r.step.target].role != "z":
            continue
        k = int(g.nodes[r.step.target].id.split("_")[1])
        m = re.search(pattern, r.shown["sentence"])
        if not re.search(r"Contribution 3 of 3", r.shown["sentence"]):
            assert m is None  # only once the gradient is complete
            continue
        assert m, r.shown["sentence"]
        assert number(m.group(1)) == pytest.approx(p[k], rel=1e-5)
        assert number(m.group(2)) == y[k]
        assert number(m.group(3)) == pytest.approx(p[k] - y[k], rel=1e-5, abs=1e-6)
        assert r.e.value == pytest.approx(p[k] - y[k], rel=1e-12, abs=1e-14)  # the same number
        completed.add(k)
    assert completed == {0, 1, 2}


def test_no_shortcut_without_cross_entropy():
    spec = softmax_net(2)
    spec.loss = "mse"
    _, rows = net_rows(spec)
    assert not any("p − y" in r.shown["sentence"] for r in rows)


# ── updates ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("name", ["net-3-sample-2", "softmax-2", "expression"])
def test_update_words_follow_the_sign_of_the_gradient(name):
    g, rows = SCENARIOS[name]()
    grads = {}
    for r in rows:
        if r.step.phase == "backward" and g.nodes[r.step.target].kind == "param":
            grads[r.step.target] = r.e.value  # the last contribution holds the full gradient
    updates = [r for r in rows if r.step.phase == "update"]
    assert {g.nodes[r.step.target].id for r in updates} == {g.nodes[p].id for p in g.params}
    signs = set()
    for r in updates:
        grad, s = grads[r.step.target], r.shown["sentence"]
        who = g.nodes[r.step.target].sym.text(Fmt())
        assert "↑" not in s and "↓" not in s and ": =" not in s, s  # no arrow for a word
        if grad < 0:
            assert s.endswith(f"so {who} rises.") and "negative" in s and r.after > r.before
        elif grad > 0:
            assert s.endswith(f"so {who} drops.") and "positive" in s and r.after < r.before
        signs.add(np.sign(grad))
    assert signs == {-1.0, 1.0}  # both directions are exercised


def test_update_is_old_minus_rate_times_the_independent_gradient():
    g, rows = expr_rows(lr=0.1)
    fd = expr_grads(ENV)
    for r in (r for r in rows if r.step.phase == "update"):
        name = g.nodes[r.step.target].id.removeprefix("var_")
        assert r.before == ENV[name]
        assert r.e.value == pytest.approx(ENV[name] - 0.1 * fd[name], rel=1e-7)
        _, rel, rhs = sides(r.shown["substituted"]["text"])
        assert rel == "←"
        assert read_arithmetic(rhs) == pytest.approx(r.after, rel=1e-11)


def test_a_zero_gradient_moves_nothing():
    g, rows = expr_rows("a * b", {"a": 2.0, "b": 0.0}, lr=0.5)
    (r,) = [r for r in rows if r.step.phase == "update" and g.nodes[r.step.target].id == "var_a"]
    assert r.after == r.before == 2.0
    assert r.shown["sentence"] == "a stays the same: its gradient is zero."
