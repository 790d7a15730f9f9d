"""Explanations rendered from templates (mathfmt.render_all: one per shape, slots for numbers)
are the strings the direct renderer writes, for every step of every preset; a template never
lends one scenario's numbers to another; the templates kept are bounded and thread-safe."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest

from app.api.convert import lesson_for
from app.api.schemas.lessons import StepRequest
from app.engine import mathfmt
from app.engine.explain import TEMPLATED_NODES, Explainer, Explanation
from app.engine.expression_presets import EXPRESSION_PRESETS
from app.engine.lesson import Lesson
from app.engine.mathfmt import Bin, Fmt, Num, Rel, Sym, render, render_all, render_direct
from app.engine.network import MLPSpec
from app.engine.presets import PRESETS

OPTIMIZERS = [None, {"name": "sgd", "momentum": 0.9}, {"name": "adam"}]


def _scenarios():
    for name, p in PRESETS.items():
        for opt in OPTIMIZERS:
            sc = dict(p["scenario"])
            if opt:
                sc["optimizer"] = opt
            if len(sc["inputs"]) > 2 and opt is None:
                sc["batch_size"] = 2
            yield f"{name}-{opt and opt['name']}", sc
    for name, p in EXPRESSION_PRESETS.items():
        yield name, p["scenario"]


def _explanations(sc: dict, sample: int = 0) -> list[Explanation]:
    """Every step of the scenario's plan, explained (as Lesson.walk does)."""
    lesson = lesson_for(StepRequest.model_validate({"scenario": sc}).scenario)
    state = lesson.new_state()
    ex = Explainer(state, sample)
    out = []
    for t in range(lesson.plan.total):
        step = lesson.plan.step(t)
        before = lesson._before(state, step, sample)
        state.apply_quiet(step)
        out.append(ex.explain(step, before))
    return out


def _direct(e: Explanation, fmt: Fmt) -> dict:
    out = {
        "formula": render_direct(e.formula, fmt),
        "substituted": render_direct(e.substituted, fmt),
        "result": render_direct(e.result, fmt),
        "sentence": e.words(fmt),  # its numbers at fmt's precision (finding 10)
        "lines": None,
    }
    if e.lines:
        out["lines"] = [
            {
                k: render_direct(x, fmt)
                for k, x in zip(("formula", "substituted", "result"), line, strict=True)
            }
            for line in e.lines
        ]
    return out


@pytest.mark.parametrize(
    ("name", "sc"), list(_scenarios()), ids=lambda x: x if isinstance(x, str) else ""
)
def test_templates_write_what_the_direct_renderer_writes(name, sc):
    mathfmt.TEMPLATES.clear()
    explanations = _explanations(sc)
    for precision in (4, 1, 9):
        fmt = Fmt(precision)
        for e in explanations:
            want = _direct(e, fmt)
            for _ in range(3):  # seen once (rendered directly), templated, then from the template
                assert e.render(fmt) == want
    assert len(mathfmt.TEMPLATES) > 0


def test_a_template_is_filled_with_each_scenarios_own_numbers():
    """The tutorial's shape with two sets of numbers: each explanation's numbers are its own
    scenario's, as a NumPy forward and backward pass of the 2-1-1 sigmoid network gives."""
    mathfmt.TEMPLATES.clear()
    base = PRESETS["tutorial"]["scenario"]
    rng = np.random.default_rng(5)
    seen = []
    for _ in range(3):  # the first is rendered directly, the others from templates
        W1, b1 = rng.normal(0, 1, (1, 2)), rng.normal(0, 1, 1)
        W2, b2 = rng.normal(0, 1, (1, 1)), rng.normal(0, 1, 1)
        x, y = rng.uniform(-1, 1, 2), rng.uniform(0, 1, 1)
        sc = {
            **base,
            "weights": [W1.tolist(), W2.tolist()],
            "biases": [b1.tolist(), b2.tolist()],
            "inputs": [x.tolist()],
            "targets": [y.tolist()],
        }
        sc.pop("init", None)
        # the reference: z1 = W1 x + b1, a1 = σ(z1), z2 = W2 a1 + b2, a2 = σ(z2), L = ½(a2 − y)²
        sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
        z1 = W1 @ x + b1
        a1 = sig(z1)
        z2 = W2 @ a1 + b2
        a2 = sig(z2)
        loss = 0.5 * (a2 - y) ** 2
        d2 = (a2 - y) * a2 * (1 - a2)  # δ of the output: ∂L/∂z2
        d1 = d2 * W2[0] * a1 * (1 - a1)
        want = [z1, a1, z2, a2, loss, d2 * a1, d2, d1 * x[0], d1 * x[1], d1]
        want = [float(np.ravel(v)[0]) for v in want]
        texts = [e.render(Fmt(9))["result"]["text"] for e in _explanations(sc)]
        results = dict(t.replace("−", "-").split(" = ") for t in texts[:14])
        names = ["z₁", "a₁", "z₂", "ŷ", "L", "∂L/∂W₂", "∂L/∂b₂", "∂L/∂W₁₁", "∂L/∂W₁₂", "∂L/∂b₁"]
        got = [float(results[k]) for k in names]
        assert np.allclose(got, want, rtol=0, atol=2e-9), (texts, want)
        seen.append(texts)
    assert seen[0] != seen[1] != seen[2]
    assert len(mathfmt.TEMPLATES) > 0


def test_numbers_fill_slots_and_signs_choose_brackets():
    mathfmt.TEMPLATES.clear()
    w = Sym("w", "1")
    for v in (0.5, 0.25, -0.5, -2.0, 0.125, float("inf"), float("nan"), 3e-9):
        e = Rel((w, Bin("×", Num(2.0), Num(v, "w1", "grad"))))
        for fmt in (Fmt(4), Fmt(2)):
            for _ in range(3):
                assert render_all((e,), fmt)[0] == render_direct(e, fmt), v
    e = Rel((w, Bin("×", Num(2.0), Num(-0.5))))
    assert render_all((e,), Fmt())[0]["text"] == "w₁ = 2 × (−0.5000)"
    assert len(mathfmt.TEMPLATES) > 0  # from a template


def test_a_label_is_rendered_directly_and_keeps_no_template():
    """A graph's labels and a worksheet's entries (mathfmt.render) are shapes seen once each:
    they would push out the explanations' templates."""
    mathfmt.TEMPLATES.clear()
    for i in range(1, 5):
        e = Sym("W", f"{i}1", "1")
        assert render(e, Fmt()) == render_direct(e, Fmt())
    assert len(mathfmt.TEMPLATES) == 0


def test_templates_kept_are_bounded():
    kept = mathfmt.Templates(kept=16, budget=4_000)
    fmt = Fmt()
    for k in range(200):
        e = Rel((Sym("z", str(k)), Bin("+", Num(1.5), Num(2.5 + k))))
        for _ in range(2):
            nums: list = []
            made = kept.get((e._key(nums),), (e,), nums, fmt)
        assert made is not None
        assert len(kept) <= 16 and kept.used <= 4_000


def test_templates_are_safe_across_threads():
    mathfmt.TEMPLATES.clear()
    sc = PRESETS["softmax"]["scenario"]
    explanations = _explanations(sc)
    fmt = Fmt(6)
    want = [_direct(e, fmt) for e in explanations]
    bad = []

    def work():
        for _ in range(20):
            for e, w in zip(explanations, want, strict=True):
                if e.render(fmt) != w:
                    bad.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad


def test_no_marker_leaks_into_an_answer():
    mathfmt.TEMPLATES.clear()
    for e in _explanations(PRESETS["deep"]["scenario"], sample=1) * 2:
        shown = e.render(Fmt())
        assert not re.search("[\x00\x01]", repr(shown))


def test_scenarios_of_one_shape_share_templates(monkeypatch):
    """The tutorial with other numbers of the same signs: every explanation comes from a
    template the tutorial left, none is rendered directly."""
    base = PRESETS["tutorial"]["scenario"]
    sc = {
        **base,
        "inputs": [[v * 1.1 for v in row] for row in base["inputs"]],
        "learning_rate": 0.3,
    }
    mathfmt.TEMPLATES.clear()
    for _ in range(2):
        for e in _explanations(base):
            e.render(Fmt())
    direct = []
    monkeypatch.setattr(mathfmt, "render_direct", lambda e, fmt: direct.append(e))
    for e in _explanations(sc):
        e.render(Fmt())
    assert not direct


def test_a_large_graphs_steps_are_rendered_directly():
    """Each step of a large network is met once or twice: no template is made for it."""
    rng = np.random.default_rng(1)
    layers = [30, 30, 30, 1]
    spec = MLPSpec(
        layers=layers,
        activations=["tanh", "tanh", "sigmoid"],
        loss="mse",
        weights=[rng.normal(0, 0.3, (o, i)) for i, o in zip(layers, layers[1:], strict=False)],
        biases=[np.zeros(o) for o in layers[1:]],
        inputs=rng.normal(0, 1, (1, 30)),
        targets=np.array([[0.5]]),
        learning_rate=0.1,
    )
    lesson = Lesson.from_spec(spec)
    assert len(lesson.graph.nodes) > TEMPLATED_NODES
    mathfmt.TEMPLATES.clear()
    for t in [*range(5), *range(lesson.plan.total - 5, lesson.plan.total)]:
        state, step = lesson.state_at(t), lesson.plan.step(t)
        before = lesson._before(state, step, 0)
        state.apply_quiet(step)
        e = Explainer(state, 0).explain(step, before)
        for _ in range(3):
            assert e.render(Fmt()) == _direct(e, Fmt())
    assert len(mathfmt.TEMPLATES) == 0
