"""Exported scripts run on their own and print the engine's numbers (NumPy and PyTorch)."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from app.api.convert import to_spec
from app.api.schemas import ExpressionScenario, Scenario
from app.engine.export import numpy_script, parse_output, torch_script
from app.engine.export_expression import numpy_expression, torch_expression
from app.engine.expression import build_expression_graph
from app.engine.expression_presets import EXPRESSION_PRESETS
from app.engine.lesson import Lesson
from app.engine.network import MLPSpec
from app.engine.plan import Plan
from app.engine.presets import PRESETS
from app.engine.stepper import state_at
from tests.engine.scenarios import tutorial_spec


def need_torch() -> None:
    if importlib.util.find_spec("torch") is None:
        if os.environ.get("CI"):
            pytest.fail("torch is not installed; CI must have the oracle")
        pytest.skip("torch is not installed")


_DRIVER = """
import contextlib, io, json, runpy, sys
outs = []
for path in sys.argv[1:]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        runpy.run_path(path, run_name="__main__")
    outs.append(buf.getvalue())
print(json.dumps(outs))
"""


def run_all(scripts: list[str], tmp_path) -> list[dict]:
    """Run each script as __main__ in a fresh namespace of one clean interpreter (torch is slow to
    import, so once), and parse what each printed."""
    paths = []
    for k, text in enumerate(scripts):
        path = tmp_path / f"exported_{k}.py"
        path.write_text(text)
        paths.append(str(path))
    out = _python(["-c", _DRIVER, *paths], tmp_path)
    return [parse_output(text) for text in json.loads(out)]


def run_alone(script: str, tmp_path) -> dict:
    """`python script.py`: the script needs nothing but NumPy (or PyTorch)."""
    path = tmp_path / "alone.py"
    path.write_text(script)
    return parse_output(_python([str(path)], tmp_path))


def _python(args: list[str], cwd) -> str:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONWARNINGS": "ignore"}
    # cwd: nothing from the project is importable there
    p = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    assert p.returncode == 0, p.stderr
    return p.stdout


def random_specs() -> list[MLPSpec]:
    rng = np.random.default_rng(6)
    specs = []
    for layers, acts, loss, frozen in [
        ([3, 4, 2], ["leaky_relu", "tanh"], "mse", frozenset({"b1"})),
        ([2, 3, 1], ["relu", "sigmoid"], "bce", frozenset()),
        ([2, 3, 3, 3], ["tanh", "linear", "softmax"], "cross_entropy", frozenset({"W2"})),
    ]:
        ws = [rng.normal(0, 0.8, (o, i)) for i, o in zip(layers[:-1], layers[1:], strict=True)]
        bs = [rng.normal(0, 0.3, o) for o in layers[1:]]
        x = rng.normal(0, 1, (3, layers[0]))
        y = (
            np.eye(layers[-1])[rng.integers(0, layers[-1], 3)]
            if loss == "cross_entropy"
            else rng.uniform(0, 1, (3, layers[-1]))
        )
        specs.append(MLPSpec(layers, acts, loss, ws, bs, x, y, 0.3, frozen, 0.2))
    return specs


def all_specs() -> list[MLPSpec]:
    presets = [to_spec(Scenario(**p["scenario"])) for p in PRESETS.values()]
    return [tutorial_spec(), *presets, *random_specs()]


def engine_numbers(spec: MLPSpec) -> dict[str, np.ndarray]:
    """The stepped engine's values, gradients and updated parameters, shaped as the scripts print."""
    lesson = Lesson.from_spec(spec)
    g = lesson.graph
    s = state_at(g, lesson.plan, spec.learning_rate, lesson.plan.total)
    out: dict[str, np.ndarray] = {"loss": np.mean(s.value(g.root))}
    for l in range(1, spec.depth + 1):
        n_out, n_in = spec.layers[l], spec.layers[l - 1]
        out[f"z{l}"] = np.array([s.value(g.index[f"z{l}_{j}"]) for j in range(n_out)])
        out[f"a{l}"] = np.array([s.value(g.index[f"a{l}_{j}"]) for j in range(n_out)])
        out[f"delta{l}"] = np.array([s.grad(g.index[f"z{l}_{j}"]) for j in range(n_out)])
        W = [[g.index[f"W{l}_{j}_{i}"] for i in range(n_in)] for j in range(n_out)]
        b = [[g.index[f"b{l}_{j}"]] for j in range(n_out)]
        out[f"dW{l}"], out[f"db{l}"] = s.pgrad[W], s.pgrad[b]
        out[f"W{l}"], out[f"b{l}"] = s.P[W], s.P[b]
    out["loss_after"] = np.array(lesson.at(lesson.plan.total).loss.after)
    return out


def assert_same(printed: dict, engine: dict, rtol: float) -> None:
    assert set(engine) <= set(printed)
    for name, want in engine.items():
        np.testing.assert_allclose(
            np.array(printed[name]), want, rtol=rtol, atol=1e-14, err_msg=name
        )


def test_numpy_script_runs_alone(tmp_path):
    spec = tutorial_spec()
    assert_same(run_alone(numpy_script(spec), tmp_path), engine_numbers(spec), rtol=1e-12)


def test_numpy_scripts_reproduce_the_engine(tmp_path):
    specs = all_specs()
    for spec, printed in zip(
        specs, run_all([numpy_script(s) for s in specs], tmp_path), strict=True
    ):
        assert_same(printed, engine_numbers(spec), rtol=1e-11)


@pytest.mark.torch
def test_pytorch_scripts_reproduce_the_engine(tmp_path):
    need_torch()
    specs = all_specs()
    for spec, printed in zip(
        specs, run_all([torch_script(s) for s in specs], tmp_path), strict=True
    ):
        assert_same(printed, engine_numbers(spec), rtol=1e-10)


def expression_cases():
    for p in EXPRESSION_PRESETS.values():
        sc = ExpressionScenario(**p["scenario"])
        yield sc.expression, {k: float(v) for k, v in sc.values.items()}, sc.learning_rate
    yield "x ^ y * -3 + exp(2) / (x - 1) + relu(x - y) * x", {"x": 2.5, "y": 0.5}, 0.1


def expression_numbers(src: str, values: dict, lr) -> dict[str, float]:
    g = build_expression_graph(src, values)
    plan = Plan(g, update=lr is not None)
    s = state_at(g, plan, lr or 0.0, plan.total)
    out = {g.nodes[i].id: float(s.value(i)[0]) for i in g.order}
    for p in g.params:
        name = g.nodes[p].tensor
        out[f"grad_{name}"] = float(s.pgrad[p])
        if lr is not None:
            out[f"new_{name}"] = float(s.P[p])
    return out


@pytest.mark.parametrize("flavour", ["numpy", "torch"])
def test_expression_scripts_reproduce_the_engine(tmp_path, flavour):
    if flavour == "torch":
        need_torch()
    make = numpy_expression if flavour == "numpy" else torch_expression
    cases = list(expression_cases())
    scripts = [make(build_expression_graph(src, v), src, lr) for src, v, lr in cases]
    for (src, v, lr), printed in zip(cases, run_all(scripts, tmp_path), strict=True):
        want = expression_numbers(src, v, lr)
        assert set(want) <= set(printed), src
        for k, x in want.items():
            assert np.isclose(printed[k], x, rtol=1e-12, atol=1e-14), (src, k)


def test_exported_script_keeps_frozen_tensors(tmp_path):
    spec = random_specs()[0]  # b1 frozen
    text = numpy_script(spec)
    assert "# b1 is frozen" in text and "b1 = b1 - lr" not in text
    (printed,) = run_all([text], tmp_path)
    np.testing.assert_array_equal(np.array(printed["b1"]), spec.biases[0][:, None])
