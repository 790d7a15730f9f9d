"""The matrix view: shapes, values against the matrix path, both conventions, the batch ledger
against PyTorch's per-sample gradients, and the exported scripts in the rows convention."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from app.engine.export import numpy_script, torch_script
from app.engine.lesson import Lesson
from app.engine.matrix_view import contributions, matrices
from app.engine.vectorised import backward, forward
from tests.engine.scenarios import mlp_specs
from tests.engine.test_export import all_specs, engine_numbers, need_torch, random_specs, run_all


def _dims(o: dict) -> tuple[int, int]:
    return tuple(o["shape"])


def _full(o: dict) -> np.ndarray:
    """The shown cells of a matrix with no elided axis, as an array (None → NaN)."""
    assert None not in o["rows"] and None not in o["cols"]
    return np.array([[np.nan if v is None else v for v in row] for row in o["cells"]])


def check_shapes(view: dict, m: int) -> None:
    """Every equation's shapes agree: a product's inner sizes match, elementwise terms and the
    result have one shape (a bias broadcasts over the samples), reductions drop the samples."""
    rows = view["convention"] == "rows"
    for b in view["blocks"]:
        res, ts = _dims(b["result"]), [_dims(t) for t in b["terms"]]
        ops = [t["op"] for t in b["terms"]]
        if b["id"] == "loss":  # ℓ sums over the outputs: one number per sample
            assert res == ((ts[0][0], 1) if rows else (1, ts[0][1])), b["equation"]
        elif "·" in ops:
            k = ops.index("·")
            (r, i), (j, c) = ts[k - 1], ts[k]
            assert i == j, b["equation"]
            assert (r, c) == res, b["equation"]
            if len(ts) == 3:  # + b, broadcast over the samples
                assert ts[2] == ((1, res[1]) if rows else (res[0], 1)), b["equation"]
                assert b["terms"][2]["broadcast"]
        elif "Σ" in b["terms"][0]["coef"]:
            assert res == ((1, ts[0][1]) if rows else (ts[0][0], 1)), b["equation"]
        else:
            assert all(t == res for t in ts), b["equation"]
        assert b["shapes"].endswith(f"→ ({res[0]} × {res[1]})")
        for o in (b["result"], *b["terms"]):
            if o["sample_axis"] is not None:
                axis = 0 if o["sample_axis"] == "rows" else 1
                assert o["shape"][axis] == m


def by_key(view: dict) -> dict[str, dict]:
    """The first operand of each matrix key, not transposed relative to the convention."""
    out = {}
    for b in view["blocks"]:
        for o in (b["result"], *b["terms"]):
            if "ᵀ" not in o["name"]:
                out.setdefault(o["key"], o)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mlp_specs(max_depth=3, max_width=5, max_batch=5))
def test_shapes_and_values_for_random_networks(spec):
    lesson = Lesson.from_spec(spec)
    end = lesson.plan.total
    state = lesson.state_at(end)
    m = spec.inputs.shape[0]
    cols = matrices(lesson, state, end - 1, end, 0, "columns")
    rows = matrices(lesson, state, end - 1, end, 0, "rows")
    check_shapes(cols, m)
    check_shapes(rows, m)
    fp = forward(spec)
    dws, dbs = backward(spec, fp)
    c, r = by_key(cols), by_key(rows)
    for l in range(1, spec.depth + 1):
        want = {
            f"Z{l}": fp.zs[l - 1],
            f"A{l}": fp.acts[l],
            f"dW{l}": dws[l - 1],
            f"db{l}": dbs[l - 1][:, None],
            f"W{l}": spec.weights[l - 1],
        }
        for key, value in want.items():
            np.testing.assert_allclose(_full(c[key]), value, rtol=1e-12, atol=1e-14, err_msg=key)
            flipped = value if key.startswith(("W", "dW")) else value.T
            np.testing.assert_allclose(_full(r[key]), flipped, rtol=1e-12, atol=1e-14)
    # the rows convention is the transpose of the columns one, cell for cell
    for b_c, b_r in zip(cols["blocks"], rows["blocks"], strict=True):
        assert b_c["id"] == b_r["id"]


def test_names_and_transposes_follow_the_convention():
    spec = random_specs()[0]  # 3 → 4 → 2
    lesson = Lesson.from_spec(spec)
    state = lesson.state_at(0)
    eq = {
        conv: {b["id"]: b["equation"] for b in matrices(lesson, state, 0, 0, 0, conv)["blocks"]}
        for conv in ("columns", "rows")
    }
    assert eq["columns"]["z1"] == "Z⁽¹⁾ = W⁽¹⁾ · X + b⁽¹⁾"
    assert eq["rows"]["z1"] == "Z⁽¹⁾ = X · W⁽¹⁾ᵀ + b⁽¹⁾"
    assert eq["columns"]["dA1"] == "∂ℓ/∂A⁽¹⁾ = W⁽²⁾ᵀ · δ⁽²⁾"
    assert eq["rows"]["dA1"] == "∂ℓ/∂A⁽¹⁾ = δ⁽²⁾ · W⁽²⁾"
    assert eq["columns"]["dW2"] == "∂L/∂W⁽²⁾ = (1/m) δ⁽²⁾ · A⁽¹⁾ᵀ"
    assert eq["rows"]["dW2"] == "∂L/∂W⁽²⁾ = (1/m) δ⁽²⁾ᵀ · A⁽¹⁾"
    assert eq["columns"]["uW1"] == "W⁽¹⁾ ← W⁽¹⁾ − η ∂L/∂W⁽¹⁾"


def test_long_axes_are_elided_around_the_current_step():
    rng = np.random.default_rng(3)
    spec = random_specs()[0]
    spec.inputs = rng.normal(0, 1, (40, 3))
    spec.targets = rng.uniform(0, 1, (40, 2))
    lesson = Lesson.from_spec(spec)
    t = next(
        s.start for s in lesson.plan.segments if lesson.graph.nodes[s.node].id == "z1_2"
    )  # forward of z⁽¹⁾₃
    view = matrices(lesson, lesson.state_at(t + 1), t, t + 1, 20, "columns")
    z = next(b for b in view["blocks"] if b["id"] == "z1")
    res = z["result"]
    assert res["cols"] == [0, 1, 2, None, 20, None, 37, 38, 39]
    assert res["write"] == [[2, 20]]
    k = res["cols"].index(20)
    assert res["cells"][2][k] == pytest.approx(
        float(
            lesson.state_at(t + 1).V[lesson.state_at(t + 1).slot[lesson.graph.index["z1_2"]]][20]
        ),
        abs=0,
    )
    assert res["cells"][2][3] is None  # the elided run


def test_ledger_contributions_sum_to_m_times_the_gradient():
    for spec in all_specs():
        lesson = Lesson.from_spec(spec)
        state = lesson.state_at(lesson.plan.total)
        m = spec.inputs.shape[0]
        for p in lesson.graph.params:
            c = contributions(lesson, state, p)
            assert c.shape == (m,)
            assert abs(c.sum() - m * state.pgrad[p]) <= 1e-12


def test_ledger_waits_for_the_gradient():
    spec = random_specs()[1]
    lesson = Lesson.from_spec(spec)
    p = lesson.graph.index["W1_0_0"]
    assert contributions(lesson, lesson.state_at(0), p) is None


def torch_sample_grads(torch, spec, s: int):
    """∂ℓₛ/∂W and ∂ℓₛ/∂b of sample s alone, by PyTorch autograd in float64."""
    ws = [torch.tensor(w, requires_grad=True) for w in spec.weights]
    bs = [torch.tensor(b, requires_grad=True) for b in spec.biases]
    a = torch.tensor(spec.inputs[s : s + 1])
    y = torch.tensor(spec.targets[s : s + 1])
    f = torch.nn.functional
    for w, b, act in zip(ws, bs, spec.activations, strict=True):
        z = a @ w.T + b
        if act == "leaky_relu":
            a = f.leaky_relu(z, spec.leaky_slope)
        elif act == "softmax":
            a = torch.softmax(z, dim=1)
        elif act == "linear":
            a = z
        else:
            a = getattr(torch, act)(z)
    p = a + (a.clamp(1e-12, 1 - 1e-12) - a).detach()  # the clip, with the slope of the formula
    if spec.loss == "mse":
        per = 0.5 * ((a - y) ** 2).sum()
    elif spec.loss == "bce":
        per = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).sum()
    else:
        per = -(y * torch.log(p)).sum()
    per.backward()
    return [w.grad.numpy() for w in ws], [b.grad.numpy() for b in bs]


@pytest.mark.torch
def test_ledger_matches_pytorch_per_sample_gradients():
    need_torch()
    import torch

    for spec in all_specs():
        lesson = Lesson.from_spec(spec)
        state = lesson.state_at(lesson.plan.total)
        g = lesson.graph
        for s in range(spec.inputs.shape[0]):
            gw, gb = torch_sample_grads(torch, spec, s)
            for p_id in g.params:
                nd = g.nodes[p_id]
                l = int(nd.tensor[1:]) - 1
                want = (gw if nd.role == "W" else gb)[l][nd.index]
                assert abs(contributions(lesson, state, p_id)[s] - want) <= 1e-12, (nd.id, s)


def _transposed(numbers: dict) -> dict:
    """The columns script's numbers as the rows script prints them."""
    out = {}
    for k, v in numbers.items():
        v = np.asarray(v)
        if k.startswith(("z", "a", "delta")):
            out[k] = v.T
        elif k.startswith(("db", "b")):
            out[k] = v.reshape(-1)
        else:
            out[k] = v
    return out


def _same(printed: dict, engine: dict, rtol: float) -> None:
    for name, want in engine.items():
        np.testing.assert_allclose(
            np.array(printed[name]), want, rtol=rtol, atol=1e-14, err_msg=name
        )


def test_rows_convention_numpy_scripts_reproduce_the_engine(tmp_path):
    specs = all_specs()
    scripts = [numpy_script(s, "rows") for s in specs]
    assert "z1 = X @ W1.T + b1" in scripts[0] and "dW1 = delta1.T @ X / m" in scripts[0]
    for spec, printed in zip(specs, run_all(scripts, tmp_path), strict=True):
        _same(printed, _transposed(engine_numbers(spec)), rtol=1e-11)


@pytest.mark.torch
def test_rows_convention_pytorch_scripts_reproduce_the_engine(tmp_path):
    need_torch()
    specs = random_specs()  # mse, bce and softmax with cross-entropy: every layout difference
    scripts = [torch_script(s, "rows") for s in specs]
    for spec, printed in zip(specs, run_all(scripts, tmp_path), strict=True):
        _same(printed, _transposed(engine_numbers(spec)), rtol=1e-10)
