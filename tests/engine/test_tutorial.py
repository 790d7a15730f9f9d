"""The tutorial's 2 → 1 → 1 example against a NumPy reference written here, independently."""

import numpy as np
import pytest

from app.engine.lesson import Lesson
from tests.engine.scenarios import tutorial_spec


def reference():
    """The tutorial's program, re-typed: column vectors, sigmoid, ½(ŷ − y)², η = 0.5."""
    W1, b1 = np.array([[0.4, 0.6]]), np.array([[0.1]])
    W2, b2 = np.array([[0.9]]), np.array([[0.1]])
    x, y = np.array([[0.5], [0.8]]), np.array([[1.0]])

    def sig(z):
        return 1 / (1 + np.exp(-z))

    z1 = W1 @ x + b1
    a1 = sig(z1)
    z2 = W2 @ a1 + b2
    yh = sig(z2)
    loss = 0.5 * (yh - y) ** 2
    dyh = yh - y
    d2 = dyh * yh * (1 - yh)
    da1 = W2.T @ d2
    d1 = da1 * a1 * (1 - a1)
    dW1, dW2 = d1 @ x.T, d2 @ a1.T
    return {
        "z1_0": z1,
        "a1_0": a1,
        "z2_0": z2,
        "a2_0": yh,
        "L": loss,
        "grad a2_0": dyh,
        "grad z2_0": d2,
        "grad a1_0": da1,
        "grad z1_0": d1,
        "W1_0_0": dW1[0, 0],
        "W1_0_1": dW1[0, 1],
        "b1_0": d1,
        "W2_0_0": dW2,
        "b2_0": d2,
        "new W1_0_0": 0.4 - 0.5 * dW1[0, 0],
        "new W1_0_1": 0.6 - 0.5 * dW1[0, 1],
        "new b1_0": 0.1 - 0.5 * d1,
        "new W2_0_0": 0.9 - 0.5 * dW2,
        "new b2_0": 0.1 - 0.5 * d2,
    }


REF = {k: float(np.squeeze(v)) for k, v in reference().items()}


def test_every_step_matches_the_reference():
    lesson = Lesson.from_spec(tutorial_spec())
    for step in lesson.walk():
        target = step.target
        key = {
            "forward": target,
            "backward": target if target[0] in "Wb" else f"grad {target}",
            "update": f"new {target}",
        }[step.phase]
        assert step.value == pytest.approx(REF[key], rel=1e-14, abs=1e-16), (step.index, key)


def test_explanations_show_the_substituted_numbers():
    steps = Lesson.from_spec(tutorial_spec()).walk(precision=4)
    z1 = steps[0].explanation
    assert z1["formula"]["text"] == "z₁ = W₁₁ · x₁ + W₁₂ · x₂ + b₁"
    assert z1["substituted"]["text"] == "z₁ = 0.4000 × 0.5000 + 0.6000 × 0.8000 + 0.1000"
    assert z1["result"]["text"] == f"z₁ = {REF['z1_0']:.4f}"
    delta2 = steps[6].explanation
    assert delta2["formula"]["text"].startswith("δ₂ = ∂L/∂ŷ · σ'(z₂)")
    up, yh = REF["grad a2_0"], REF["a2_0"]
    expect = f"δ₂ = ({up:.4f}) × {yh:.4f} × (1 − {yh:.4f})".replace("-", "−")
    assert delta2["substituted"]["text"] == expect
    assert delta2["formula"]["mathml"].startswith('<math display="block">')
    assert "\\frac{\\partial L}{\\partial \\hat{y}}" in delta2["formula"]["latex"]
    update = steps[14]
    assert update.target == "W2_0_0" and update.direction == "up"
    # said in words, read aloud to a class: no arrow spliced into the sentence
    assert update.explanation["sentence"] == (
        "Gradient descent moves W₂ against its gradient, scaled by η = 0.5. Its gradient is "
        "negative (the loss falls as W₂ rises), so W₂ rises."
    )


def test_loss_before_and_after_the_update():
    lesson = Lesson.from_spec(tutorial_spec())
    end = lesson.at(lesson.plan.total)
    assert end.loss.before == pytest.approx(REF["L"], rel=1e-14)
    W1 = np.array([[REF["new W1_0_0"], REF["new W1_0_1"]]])
    a1 = 1 / (1 + np.exp(-(W1 @ np.array([0.5, 0.8]) + REF["new b1_0"])))
    yh = 1 / (1 + np.exp(-(REF["new W2_0_0"] * a1 + REF["new b2_0"])))
    assert end.loss.after == pytest.approx(float(0.5 * (yh[0] - 1) ** 2), rel=1e-13)
    assert end.phase == "done"
