"""One notation everywhere (README, "Notation"): every name a person reads is 1-based and says
which layer, row and column it is, in text, LaTeX and MathML alike, and no two things share one.

The names are read back here by this file's own parser of the documented scheme, not by the
engine's, and compared with the stable ids' 0-based indices + 1."""

import random
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from app.engine.check import worksheet
from app.engine.lesson import Lesson
from app.engine.mathfmt import Fmt
from app.engine.network import MLPSpec, init_params, weight_node, weight_nodes
from app.engine.notation import Notation

SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
TEXT = re.compile(r"^(ŷ|[xyWbzaδ])(?:⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾)?([₀₁₂₃₄₅₆₇₈₉,]*)$")
LATEX = re.compile(r"^(\\hat\{y\}|\\delta|[xyWbza])(?:\^\{\((\d+)\)\})?(?:_\{([\d,]+)\})?$")
ID = re.compile(r"^(?:([xy])(\d+)|([Wbza])(\d+)_(\d+)(?:_(\d+))?)$")


def indices(sub: str, pair: bool) -> list[int]:
    """The documented subscript: one number, or two digits, or two numbers with a comma."""
    if not pair:
        assert "," not in sub, sub
        return [int(sub)]
    if "," in sub:
        a, b = sub.split(",")
        assert max(int(a), int(b)) >= 10, f"a comma only once an index has two digits: {sub}"
        return [int(a), int(b)]
    assert len(sub) == 2, f"two one-digit indices run together: {sub}"
    return [int(sub[0]), int(sub[1])]


def read(base: str, layer: str | None, sub: str, depth: int) -> tuple:
    """(kind, layer, row, column), 1-based, from a name's parts in the general scheme."""
    if base in ("ŷ", r"\hat{y}"):
        return ("a", depth, *indices(sub, False), None)
    if base == "y":
        return ("y", depth, *indices(sub, False), None)
    if base == "x":
        assert layer is None
        return ("x", 0, *indices(sub, False), None)
    assert layer is not None, f"{base}{sub} does not say its layer"
    kind = "δ" if base in ("δ", r"\delta") else base
    if kind == "W":
        return ("W", int(layer), *indices(sub, True))
    return (kind, int(layer), *indices(sub, False), None)


def read_text(s: str, depth: int) -> tuple:
    m = TEXT.match(s)
    assert m, f"not a name of the scheme: {s!r}"
    layer = m.group(2).translate(SUP) if m.group(2) else None
    return read(m.group(1), layer, m.group(3).translate(SUB), depth)


def read_latex(s: str, depth: int) -> tuple:
    m = LATEX.match(s)
    assert m, f"not a LaTeX name of the scheme: {s!r}"
    return read(m.group(1), m.group(2), m.group(3) or "", depth)


def read_mathml(s: str, depth: int) -> tuple:
    root = ET.fromstring(s)[0]  # <math><msubsup|msub>…
    base = root[0].text
    sub = "".join(t.text for t in root[1].iter() if t.text)
    layer = root[2].text.strip("()") if root.tag == "msubsup" else None
    return read(base, layer, sub, depth)


def expected(node_id: str, depth: int) -> tuple:
    """The stable id's 0-based indices + 1."""
    m = ID.match(node_id)
    if m.group(1):
        return (m.group(1), 0 if m.group(1) == "x" else depth, int(m.group(2)) + 1, None)
    kind, l, j = m.group(3), int(m.group(4)), int(m.group(5)) + 1
    return (kind, l, j, int(m.group(6)) + 1 if m.group(6) else None)


def spec_for(layers: list[int], seed: int = 0) -> MLPSpec:
    w, b = init_params(layers, "normal", seed)
    acts = ["tanh"] * (len(layers) - 2) + ["sigmoid"]
    x = np.random.RandomState(seed).randn(1, layers[0])
    return MLPSpec(layers, acts, "mse", w, b, x, np.full((1, layers[-1]), 0.5))


def architectures() -> list[list[int]]:
    """1–4 weight layers of 1–12 neurons, with one-neuron layers and layers of 10 or more."""
    rng = random.Random(12)
    out = [[2, 3, 2, 1], [2, 12, 10, 1], [1, 1, 12], [12, 10, 1, 11], [3, 1, 2], [11, 11]]
    while len(out) < 40:
        depth = rng.randint(1, 4)
        out.append([rng.choice([1, 1, 2, 3, 5, 10, 12]) for _ in range(depth + 1)])
    return [a for a in out if not all(n == 1 for n in a[1:])]  # the tutorial's shape: below


@pytest.mark.parametrize("layers", architectures(), ids=lambda a: "-".join(map(str, a)))
def test_every_name_reads_back_as_its_id_plus_one(layers):
    depth = len(layers) - 1
    lesson = Lesson.from_spec(spec_for(layers))
    view = lesson.describe()
    seen: dict[str, str] = {}
    for nd in view.nodes:
        if nd.id == "L":
            continue
        want = expected(nd.id, depth)
        label = nd.label
        assert read_text(label["text"], depth) == want, (nd.id, label["text"])
        assert read_latex(label["latex"], depth) == want, (nd.id, label["latex"])
        assert read_mathml(label["mathml"], depth) == want, (nd.id, label["mathml"])
        if nd.role == "a" and want[1] == depth:
            assert label["text"].startswith("ŷ"), label["text"]
        assert label["text"] not in seen, f"{nd.id} and {seen[label['text']]} share a name"
        seen[label["text"]] = nd.id
    for p in view.parameters:  # a parameter's label is its node's
        assert read_text(p.label["text"], depth) == expected(p.id, depth)
    assert len(seen) == sum(layers) + layers[-1] + sum(
        a * (b + 2) for a, b in zip(layers[1:], layers[:-1], strict=True)
    )  # x, y and per neuron W…, b, z, a: every one named once


@pytest.mark.parametrize("layers", [[2, 3, 2, 1], [2, 12, 10, 1], [5, 1, 3]])
def test_worksheet_names_deltas_and_gradients_in_the_scheme(layers):
    depth = len(layers) - 1
    lesson = Lesson.from_spec(spec_for(layers))
    names = set()
    for item in worksheet(lesson):
        text = item.label["text"]
        if item.target == "L":
            continue
        if item.quantity == "grad":
            if item.target.startswith("z"):
                kind, *rest = read_text(text, depth)
                assert (kind, *rest) == ("δ", *expected(item.target, depth)[1:]), text
            else:
                assert text.startswith("∂")
                name = text.split("/∂", 1)[1]
                assert read_text(name, depth) == expected(item.target, depth), text
        elif item.quantity == "new":
            assert read_text(text.replace("⁺", ""), depth) == expected(item.target, depth)
        else:
            assert read_text(text, depth) == expected(item.target, depth), text
        assert text not in names
        names.add(text)


# Written out from the scheme, not read from the engine: one pinned name per rule.
PINNED = [
    ([2, 3, 2, 1], "W3_0_1", "W⁽³⁾₁₂", "W^{(3)}_{12}"),
    ([2, 3, 2, 1], "b3_0", "b⁽³⁾₁", "b^{(3)}_{1}"),
    ([2, 3, 2, 1], "z3_0", "z⁽³⁾₁", "z^{(3)}_{1}"),
    ([2, 3, 2, 1], "a3_0", "ŷ₁", r"\hat{y}_{1}"),
    ([2, 3, 2, 1], "a2_1", "a⁽²⁾₂", "a^{(2)}_{2}"),
    ([2, 3, 2, 1], "y0", "y₁", "y_{1}"),
    ([2, 3, 2, 1], "x1", "x₂", "x_{2}"),
    ([2, 12, 10, 1], "W2_9_2", "W⁽²⁾₁₀,₃", "W^{(2)}_{10,3}"),
    ([2, 12, 10, 1], "W2_2_11", "W⁽²⁾₃,₁₂", "W^{(2)}_{3,12}"),
    ([2, 12, 10, 1], "z1_11", "z⁽¹⁾₁₂", "z^{(1)}_{12}"),
    ([2, 4, 1], "W1_3_1", "W⁽¹⁾₄₂", "W^{(1)}_{42}"),
    # the tutorial's shape keeps the tutorial's names
    ([2, 1, 1], "W1_0_0", "W₁₁", "W_{11}"),
    ([2, 1, 1], "W1_0_1", "W₁₂", "W_{12}"),
    ([2, 1, 1], "W2_0_0", "W₂", "W_{2}"),
    ([2, 1, 1], "b1_0", "b₁", "b_{1}"),
    ([2, 1, 1], "z2_0", "z₂", "z_{2}"),
    ([2, 1, 1], "a1_0", "a₁", "a_{1}"),
    ([2, 1, 1], "a2_0", "ŷ", r"\hat{y}"),
    ([2, 1, 1], "y0", "y", "y"),
]


@pytest.mark.parametrize(("layers", "node_id", "text", "latex"), PINNED)
def test_pinned_names(layers, node_id, text, latex):
    lesson = Lesson.from_spec(spec_for(layers))
    label = next(n.label for n in lesson.describe().nodes if n.id == node_id)
    assert (label["text"], label["latex"]) == (text, latex)
    nt = Notation(layers)
    assert nt.label(node_id) == label  # the one function the labs and the exports read
    assert nt.parse(text) == expected(node_id, len(layers) - 1)


@pytest.mark.parametrize("layers", [[2, 1, 1], [12, 1, 1, 1], [1, 1], [3, *[1] * 10]])
def test_the_tutorials_shape_names_each_thing_once(layers):
    nt = Notation(layers)
    depth = len(layers) - 1
    ids = [f"x{k}" for k in range(layers[0])] + ["y0"]
    for l in range(1, depth + 1):
        ids += [f"W{l}_0_{k}" for k in range(layers[l - 1])] + [f"b{l}_0", f"z{l}_0", f"a{l}_0"]
    texts = [nt.text(i) for i in ids]
    assert len(set(texts)) == len(ids), texts
    for i, t in zip(ids, texts, strict=True):
        assert "⁽" not in t  # the layer is the subscript
        assert nt.parse(t) == expected(i, depth), (i, t)


@pytest.mark.parametrize("layers", [[12, 11, 3], [2, 1, 1], [3, 1, 1, 1]])
def test_a_row_of_weights_made_at_once_is_the_same_nodes(layers):
    """network.weight_nodes (a row of weight nodes made without their constructors): equal to
    weight_node's, field for field, their symbols' names included (a field added to Node or Sym
    and not made there fails here)."""
    lab = Notation(layers)
    for l in range(1, len(layers)):
        W = np.random.default_rng(l).normal(size=(layers[l], layers[l - 1]))
        for j in range(layers[l]):
            fast = weight_nodes(lab, l, j, W, layers[l - 1])
            want = [weight_node(lab, l, j, k, W, l, j) for k in range(layers[l - 1])]
            assert [vars(n) for n in fast] == [vars(n) for n in want]
            assert [vars(n.sym) for n in fast] == [vars(n.sym) for n in want]
            assert [lab.text(n.id) for n in fast] == [n.sym.text(Fmt()) for n in fast]


# ASCII index notation (p_j, δ_jk, x^2) in words a class reads: the page writes sub- and
# superscripts as Unicode (z⁽²⁾₃) in its sentences
ASCII_SCRIPT = re.compile(r"[^\W\d_]_[\w{(]|\^")


@pytest.mark.parametrize("preset", ["softmax", "xor", "deep"])
def test_sentences_write_their_indices_as_the_page_does(preset):
    """Softmax's backward steps said "the Jacobian p_j(δ_jk − p_k)": every step's sentence, the
    matrix view's words, and the registry's rules (which both quote) write indices in Unicode."""
    from app.engine.matrix_view import blocks
    from app.engine.registry import ACTIVATIONS
    from tests.engine.test_optimizers import preset_spec

    spec = preset_spec(preset)
    said = [st.explanation["sentence"] for st in Lesson.from_spec(spec).walk()]
    said += [b.why for b in blocks(spec) if b.why]
    said += [a.rule for a in ACTIVATIONS.values()]
    ascii_ = sorted({s for s in said if ASCII_SCRIPT.search(s)})
    assert not ascii_, ascii_
    if preset == "softmax":  # the Jacobian is named, in the page's notation
        assert any("pⱼ(δⱼₖ − pₖ)" in s for s in said)
