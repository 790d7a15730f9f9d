"""What a class reads in a lesson of several samples (XOR, deep): the sample's term of the mean
at the lesson's Decimals, the mean said where it is taken, and one name for one sample's loss in
the graph, the formula and the sentence. (Classroom review, finding 10.)"""

import numpy as np
import pytest

from app.engine.lesson import Lesson
from app.engine.lesson_views import describe
from app.engine.mathfmt import Fmt
from tests.engine.test_optimizers import preset_spec


def walk(name: str, precision: int = 4):
    lesson = Lesson.from_spec(preset_spec(name))
    return lesson, lesson.walk(precision=precision)


def test_the_sample_s_term_is_written_at_the_lesson_s_decimals_and_its_share_is_term_over_m():
    """XOR step 30 (∂L/∂b⁽¹⁾₂): the NUMBERS row shows 0.0075 for sample 1; the sentence said
    "share is 0.00748772" (6 significant digits, and the term, not its share of the mean)."""
    lesson, steps = walk("xor")
    st = steps[29]
    assert st.target == "b1_1" and st.explanation["result"]["text"] == "∂L/∂b⁽¹⁾₂ = −0.0010"
    term = float(lesson.state_at(30).G[lesson.state_at(30).slot[lesson.graph.index["z1_1"]], 0])
    assert f"{term:.4f}" == "0.0075" and "(0.0075 + " in st.explanation["substituted"]["text"]
    assert st.explanation["sentence"].endswith(
        "This sample's term is 0.0075; the gradient is the mean of all 4 samples' terms, so "
        f"this one adds 0.0075/4 = {term / 4:.4f}."
    )
    fine = Lesson.from_spec(preset_spec("xor")).walk(precision=6)[29].explanation["sentence"]
    assert f"term is {term:.6f};" in fine  # the Decimals chosen, not a fixed 6 digits


def test_the_mean_is_said_where_it_is_taken_and_no_step_speaks_of_the_xor_code():
    """The note "(the tutorial's XOR code divides by m)" ended every step of every lesson of
    several samples, the deep preset's too. The mean is now said on the loss's steps and where a
    parameter's gradient takes it, and nowhere else."""
    for name in ("xor", "deep"):
        lesson, steps = walk(name)
        g = lesson.graph
        for st in steps:
            s = st.explanation["sentence"]
            assert "XOR" not in s and "divides by m" not in s, (name, st.index, s)
            at_loss = st.node == "L"
            to_param = st.phase == "backward" and g.nodes[g.index[st.target]].kind == "param"
            says_mean = "mean" in s
            assert says_mean == (at_loss or to_param), (name, st.index, s)
    deep = walk("deep")[1]
    assert "both samples' terms" in deep[59].explanation["sentence"]


def test_one_sample_s_loss_is_l_in_the_graph_the_formula_and_the_sentence():
    """XOR step 12: the graph's box read L with sample 1's loss 0.0998 while the loss card read
    L = 0.1264 (the mean); the formula wrote ∂ℓ/∂ŷ₁ = ŷ₁ − y₁ and the sentence ∂L/∂ŷ = ŷ − y."""
    lesson, steps = walk("xor")
    (loss,) = [n for n in describe(lesson).nodes if n.id == "L"]
    assert loss.label["text"] == "ℓ" and loss.label["latex"] == r"\ell"
    st = steps[11]
    assert st.explanation["formula"]["text"] == "∂ℓ/∂ŷ₁ = ŷ₁ − y₁"
    assert "∂ℓ/∂ŷ₁ = ŷ₁ − y₁: the error signal starts here" in st.explanation["sentence"]
    assert "∂L/∂ŷ" not in st.explanation["sentence"]
    forward = steps[10].explanation
    assert forward["result"]["text"].startswith("ℓ = ")
    mean = float(np.mean(lesson.state_at(11).value(lesson.graph.index["L"])))
    assert forward["sentence"].endswith(f"L = (1/4)·Σℓ = {Fmt(4).number(mean)}.")
    # one sample: the loss is L, in the graph and in the words, as the tutorial writes it
    tutorial, tsteps = walk("tutorial")
    (loss,) = [n for n in describe(tutorial).nodes if n.id == "L"]
    assert loss.label["text"] == "L"
    (first_back,) = [s for s in tsteps if s.phase == "backward"][:1]
    assert "∂L/∂ŷ = ŷ − y: the error signal starts here." in first_back.explanation["sentence"]


@pytest.mark.parametrize("name", ["xor", "deep", "softmax"])
def test_every_loss_slope_sentence_uses_the_formula_s_own_names(name):
    """The rule's equation is the formula's: whatever the loss, the outputs and the samples."""
    _, steps = walk(name)
    for st in steps:
        if st.phase == "backward" and st.node == "L":
            lhs = st.explanation["formula"]["text"].split(" = ")[0]
            assert lhs in st.explanation["sentence"], (st.index, st.explanation["sentence"])
