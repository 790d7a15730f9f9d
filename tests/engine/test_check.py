"""Check my working: slips, inherited numbers and rounding, against a NumPy reference."""

import numpy as np
import pytest

from app.engine.check import CheckInputError, Entry, check, quantities
from app.engine.lesson import Lesson
from app.engine.views import expression_lesson
from tests.engine.scenarios import tutorial_spec


def reference() -> dict[str, float]:
    """The tutorial's network computed directly in NumPy, independently of the engine."""
    x, y, lr = np.array([0.5, 0.8]), 1.0, 0.5
    w1, b1, w2, b2 = np.array([0.4, 0.6]), 0.1, 0.9, 0.1

    def sig(z):
        return 1 / (1 + np.exp(-z))

    z1 = w1 @ x + b1
    a1 = sig(z1)
    z2 = w2 * a1 + b2
    yh = sig(z2)
    dyh = yh - y
    d2 = dyh * yh * (1 - yh)
    da1 = d2 * w2
    d1 = da1 * a1 * (1 - a1)
    return {
        "value:z1_0": z1,
        "value:a1_0": a1,
        "value:z2_0": z2,
        "value:a2_0": yh,
        "value:L": 0.5 * (yh - y) ** 2,
        "grad:a2_0": dyh,
        "grad:z2_0": d2,
        "grad:W2_0_0": d2 * a1,
        "grad:b2_0": d2,
        "grad:a1_0": da1,
        "grad:z1_0": d1,
        "grad:W1_0_0": d1 * x[0],
        "grad:W1_0_1": d1 * x[1],
        "grad:b1_0": d1,
        "new:W2_0_0": w2 - lr * d2 * a1,
        "new:b2_0": b2 - lr * d2,
        "new:W1_0_0": w1[0] - lr * d1 * x[0],
        "new:W1_0_1": w1[1] - lr * d1 * x[1],
        "new:b1_0": b1 - lr * d1,
    }


def entries(values: dict[str, float], decimals: int = 4) -> list[Entry]:
    out = []
    for key, v in values.items():
        quantity, target = key.split(":")
        out.append(Entry(target, quantity, float(v), decimals))
    return out


# The tutorial's own hand calculation, as a student would type it in: the input under test.
TUTORIAL_PRINTED = {
    "value:z1_0": 0.68,
    "value:a1_0": 0.6637,
    "value:z2_0": 0.6973,
    "value:a2_0": 0.6682,
    "value:L": 0.0550,
    "grad:a2_0": -0.3318,
    "grad:z2_0": -0.0736,
    "grad:W2_0_0": -0.0488,
    "grad:b2_0": -0.0736,
    "grad:a1_0": -0.0662,
    "grad:z1_0": -0.0148,
    "grad:W1_0_0": -0.0074,
    "grad:W1_0_1": -0.0118,
    "grad:b1_0": -0.0148,
    "new:W2_0_0": 0.9244,
    "new:b2_0": 0.1368,
    "new:W1_0_0": 0.4037,
    "new:W1_0_1": 0.6059,
    "new:b1_0": 0.1074,
}


@pytest.fixture(scope="module")
def lesson():
    return Lesson.from_spec(tutorial_spec())


def test_tutorial_hand_calculation_flags_z1_first(lesson):
    typed = entries(TUTORIAL_PRINTED)
    typed[0] = Entry("z1_0", "value", 0.68, 2)  # the tutorial writes z₁ to 2 decimals
    report = check(lesson, typed)
    ref = reference()
    assert report.first_slip == "value:z1_0"
    z1 = report.entries[0]
    assert z1.status == "slip"
    assert z1.correct == pytest.approx(ref["value:z1_0"], abs=1e-15)
    assert "W₁₁ · x₁ + W₁₂ · x₂ + b₁" in z1.message
    assert [d.key for d in z1.depends_on] == []  # from the inputs and parameters only
    # σ(z₂) is a second, independent slip: even from the tutorial's own z₂ it is not 0.6682
    assert report.slips == ["value:z1_0", "value:a2_0"]
    yhat = next(e for e in report.entries if e.key == "value:a2_0")
    assert yhat.from_yours == pytest.approx(1 / (1 + np.exp(-0.6973)), abs=1e-12)
    assert yhat.your_explanation["substituted"]["text"].endswith("0.6973)")
    # every other number follows correctly from the slips: inherited, not new mistakes
    rest = [e for e in report.entries if e.key not in report.slips]
    assert {e.status for e in rest} == {"inherited"}
    assert report.inherited == [e.key for e in rest]
    for e in rest:
        assert e.correct == pytest.approx(ref[e.key], abs=1e-12)
    assert set(report.affected) == set(ref) - {"value:z1_0"}


def test_correct_rounded_numbers_are_all_right(lesson):
    typed = entries({k: round(float(v), 4) for k, v in reference().items()})
    report = check(lesson, typed)
    assert report.first_slip is None and report.slips == []
    assert {e.status for e in report.entries} == {"correct"}
    assert report.summary.startswith("All 19")


def test_one_slip_in_the_backward_pass_is_inherited_downstream(lesson):
    ref = reference()
    vals = {k: round(float(v), 4) for k, v in ref.items()}
    wrong = round(float(ref["grad:a1_0"] * 0.25), 4)  # forgot σ'(z₁)'s other factor, say
    vals["grad:z1_0"] = wrong
    # a careful student carries the wrong δ₁ on: ∂L/∂W₁₁ = δ₁·x₁, W₁₁ ← W₁₁ − η·∂L/∂W₁₁
    vals["grad:W1_0_0"] = round(wrong * 0.5, 4)
    vals["grad:W1_0_1"] = round(wrong * 0.8, 4)
    vals["grad:b1_0"] = wrong
    vals["new:W1_0_0"] = round(0.4 - 0.5 * vals["grad:W1_0_0"], 4)
    vals["new:W1_0_1"] = round(0.6 - 0.5 * vals["grad:W1_0_1"], 4)
    vals["new:b1_0"] = round(0.1 - 0.5 * wrong, 4)
    report = check(lesson, entries(vals))
    assert report.first_slip == "grad:z1_0"
    assert report.slips == ["grad:z1_0"]
    assert report.inherited == [
        "grad:W1_0_0",
        "grad:W1_0_1",
        "grad:b1_0",
        "new:W1_0_0",
        "new:W1_0_1",
        "new:b1_0",
    ]
    slip = report.entries[10]
    assert slip.correct == pytest.approx(ref["grad:z1_0"], abs=1e-15)
    assert {d.key for d in slip.depends_on} == {"grad:a1_0", "value:a1_0"}
    before = [e.status for e in report.entries[:10]]
    assert before == ["correct"] * 10


def test_partial_worksheet_and_expression_reuse():
    lesson = expression_lesson("(a + b) * (b + 1)", {"a": 2.0, "b": 1.0})
    # forgot the second path into b: 3 instead of (b + 1) + (a + b) = 5
    report = check(lesson, [Entry("f", "value", 6.0, 0), Entry("var_b", "grad", 3.0, 0)])
    f, gb = report.entries
    assert f.status == "correct"
    assert gb.status == "slip" and gb.correct == 5.0 and gb.from_yours == 5.0
    assert "Contribution 2 of 2" in gb.explanation["sentence"]


def test_quantities_are_in_plan_order_and_complete(lesson):
    keys = [q.key for q in quantities(lesson)]
    assert keys == list(reference())


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (Entry("nope", "value", 1.0), "not a node or parameter"),
        (Entry("x0", "value", 1.0), "its value is given"),
        (Entry("x0", "grad", 1.0), "no gradient"),
        (Entry("L", "grad", 1.0), "1 by definition"),
        (Entry("z1_0", "new", 1.0), "not updated"),
    ],
)
def test_unknown_quantities_are_refused(lesson, entry, words):
    with pytest.raises(CheckInputError, match=words):
        check(lesson, [entry])


def test_duplicate_entries_are_refused(lesson):
    with pytest.raises(CheckInputError, match="twice") as info:
        check(lesson, [Entry("z1_0", "value", 0.78), Entry("z1_0", "value", 0.78)])
    assert info.value.index == 1


def test_batched_scenario_checks_one_sample_and_mean_gradients():
    """XOR, 4 samples: node values and δ are the chosen sample's; parameter gradients the mean."""
    from app.api.convert import to_spec
    from app.api.schemas import Scenario
    from app.engine.presets import PRESETS

    spec = to_spec(Scenario(**PRESETS["xor"]["scenario"]))
    lesson = Lesson.from_spec(spec)
    W1, b1, W2, b2 = (
        spec.weights[0],
        spec.biases[0][:, None],
        spec.weights[1],
        spec.biases[1][:, None],
    )
    X, Y, m, lr, s = spec.inputs.T, spec.targets.T, 4, spec.learning_rate, 2

    def sig(z):
        return 1 / (1 + np.exp(-z))

    # the tutorial's XOR program, one iteration, written out independently
    z1 = W1 @ X + b1
    a1 = sig(z1)
    z2 = W2 @ a1 + b2
    yh = sig(z2)
    d2 = (yh - Y) * yh * (1 - yh)
    d1 = (W2.T @ d2) * a1 * (1 - a1)
    dW1, dW2 = d1 @ X.T / m, d2 @ a1.T / m
    values = {"value:z2_0": z2[0, s], "value:a2_0": yh[0, s], "grad:z2_0": d2[0, s]}
    for j in range(4):
        values[f"value:z1_{j}"] = z1[j, s]
        values[f"grad:z1_{j}"] = d1[j, s]
        values[f"grad:W2_0_{j}"] = dW2[0, j]
        values[f"new:W1_{j}_0"] = W1[j, 0] - lr * dW1[j, 0]
    report = check(lesson, entries({k: round(float(v), 6) for k, v in values.items()}, 6), sample=s)
    assert {e.status for e in report.entries} == {"correct"}, report.summary
    wrong = dict(values, **{"grad:W2_0_1": dW2[0, 1] * m})  # forgot to divide by m
    report = check(lesson, entries({k: round(float(v), 6) for k, v in wrong.items()}, 6), sample=s)
    assert report.slips == ["grad:W2_0_1"]
