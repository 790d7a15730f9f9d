"""The math tree renders the same mathematics as Unicode text, LaTeX and MathML.

Expectations are written from the rules (precedence, bracketed negatives, the true minus sign),
and random trees are checked by evaluating their text against the tree itself.
"""

import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.engine.mathfmt import (
    Bin,
    Call,
    Chain,
    Fmt,
    Frac,
    Matrix,
    Neg,
    Num,
    Paren,
    Partial,
    Pow,
    Rel,
    Root,
    Sym,
    Word,
    cellwise,
    render,
)
from tests.arithmetic import read_arithmetic

F = Fmt()
a, b, c, u, w = Sym("a"), Sym("b"), Sym("c"), Sym("u"), Sym("w")
MATHML_ARITY = {"msup": 2, "msub": 2, "mfrac": 2, "msubsup": 3}


def text(e) -> str:
    return e.text(F)


def latex(e) -> str:
    return e.latex(F)


def mathml(e, fmt: Fmt = F) -> ET.Element:
    """The <math> element, parsed: fails on anything that is not well-formed XML."""
    return ET.fromstring(render(e, fmt)["mathml"])


def flat(el: ET.Element) -> str:
    """The characters a MathML reader sees, in order."""
    return "".join(el.itertext())


# ── numbers ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("precision", "value", "shown"),
    [
        (4, 0.1234567, "0.1235"),
        (2, 3.14159, "3.14"),
        (6, 3.14159, "3.141590"),
        (4, -2.5, "−2.5000"),
        (4, 3.0, "3"),  # whole numbers without decimals
        (4, -7.0, "−7"),
        (4, -0.0, "0"),  # no signed zero
        (4, 0.0001, "0.0001"),  # 10^−precision itself is still fixed-point
        (4, 0.00001234, "1.234e−05"),  # below 10^−precision: scientific, precision − 1 decimals
        (2, 0.001234, "1.2e−03"),
        (4, 1234567.0, "1.235e+06"),  # a million and more: scientific, whole or not
        (4, 2_000_000.5, "2.000e+06"),
        (4, -0.00002, "−2.000e−05"),
        # not finite: a word a class can read, not "NaN" or "∞" (classroom review, finding 14)
        (4, float("inf"), "undefined"),
        (4, float("-inf"), "undefined"),
        (4, float("nan"), "undefined"),
    ],
)
def test_number_formatting_rules(precision, value, shown):
    assert Fmt(precision).number(value) == shown


@settings(max_examples=300, deadline=None)
@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).filter(lambda v: v != 0),
    st.integers(1, 8),
)
def test_a_shown_number_is_the_value_to_its_precision(v, p):
    s = Fmt(p).number(v)
    assert "-" not in s  # the true minus sign, always
    shown = float(s.replace("−", "-"))
    assert shown != 0  # a tiny value never collapses to 0.0000
    if "e" in s:
        mantissa = s.split("e")[0]
        assert len(mantissa.split(".")[1]) == max(p - 1, 1)
        assert shown == pytest.approx(v, rel=10 ** -max(p - 1, 1))
    elif "." in s:
        assert len(s.split(".")[1]) == p
        assert abs(shown - v) <= 0.5 * 10**-p * (1 + 1e-9)
    else:
        assert shown == v


def _latex_number(s: str) -> float:
    m = re.fullmatch(r"(-?[0-9.]+)(?: \\times 10\^\{(-?\d+)\})?", s)
    assert m, s
    return float(m.group(1)) * 10 ** int(m.group(2) or 0)


@pytest.mark.parametrize("value", [0.5, -0.75, 3.0, -12.0, 1.5e-7, -4.2e-9, 3.3e8, -7.7e12])
@pytest.mark.parametrize("precision", [2, 4, 8])
def test_a_number_reads_the_same_in_all_three_renderings(value, precision):
    fmt = Fmt(precision)
    r = render(Num(value), fmt)
    from_text = float(r["text"].replace("−", "-"))
    from_latex = _latex_number(r["latex"])
    from_mathml = float(flat(mathml(Num(value), fmt)).replace("−", "-"))
    assert from_latex == pytest.approx(from_text, rel=1e-12)
    assert from_mathml == pytest.approx(from_text, rel=1e-12)
    assert from_text == pytest.approx(value, rel=10 ** -max(precision - 1, 1))


def test_scientific_latex_is_mantissa_times_power_of_ten():
    assert latex(Num(1.5e-7)) == r"1.500 \times 10^{-7}"
    assert latex(Num(-3e7)) == r"-3.000 \times 10^{7}"


def test_negative_number_in_mathml_is_an_operator_then_a_number():
    el = mathml(Num(-0.25))[0]
    assert el.tag == "mrow"
    assert [(k.tag, k.text) for k in el] == [("mo", "−"), ("mn", "0.2500")]


# ── symbols ──────────────────────────────────────────────────────────────────


def test_symbol_subscripts_and_superscripts():
    z = Sym("z", "2", "(1)")
    assert text(z) == "z⁽¹⁾₂"
    assert latex(z) == "z^{(1)}_{2}"
    el = mathml(z)[0]
    assert el.tag == "msubsup"
    assert [k.text for k in el] == ["z", "2", "(1)"]  # base, subscript, superscript
    assert text(Sym("W", "12")) == "W₁₂"
    assert latex(Sym("W", "12")) == "W_{12}"
    assert mathml(Sym("W", "12"))[0].tag == "msub"
    assert text(Sym("x", "", "2")) == "x²"
    assert mathml(Sym("x", "", "2"))[0].tag == "msup"
    assert text(Sym("W", "1,12")) == "W₁,₁₂"


def test_greek_and_named_symbols_use_latex_commands():
    assert latex(Sym("δ", "2")) == r"\delta_{2}"
    assert latex(Sym("ŷ")) == r"\hat{y}"
    assert latex(Sym("η")) == r"\eta"
    assert latex(Sym("ℓ")) == r"\ell"
    assert latex(Sym("e")) == "e"


def test_a_multi_letter_symbol_is_upright_in_latex():
    assert latex(Sym("rate")) == r"\mathrm{rate}"
    assert text(Sym("rate")) == "rate"
    assert flat(mathml(Sym("rate"))) == "rate"


def test_an_underscore_in_a_name_is_literal_in_latex():
    assert latex(Sym("my_var")) == r"\mathrm{my\_var}"


# ── precedence and brackets ──────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("expr", "want_text", "want_latex"),
    [
        (Bin("·", Bin("+", a, b), c), "(a + b) · c", r"\left(a + b\right) \cdot c"),
        (Bin("·", a, Bin("+", b, c)), "a · (b + c)", r"a \cdot \left(b + c\right)"),
        (Bin("+", Bin("·", a, b), c), "a · b + c", r"a \cdot b + c"),
        (Bin("−", a, Bin("−", b, c)), "a − (b − c)", r"a - \left(b - c\right)"),
        (Bin("−", a, Bin("+", b, c)), "a − (b + c)", r"a - \left(b + c\right)"),
        (Bin("−", Bin("−", a, b), c), "a − b − c", "a - b - c"),
        (Bin("+", a, Bin("−", b, c)), "a + b − c", "a + b - c"),
        (Bin("×", a, Neg(b)), "a × (−b)", r"a \times \left(-b\right)"),
        (Bin("−", a, Neg(b)), "a − (−b)", r"a - \left(-b\right)"),
        (Bin("·", Neg(a), b), "(−a) · b", r"\left(-a\right) \cdot b"),
        (Neg(Bin("+", a, b)), "−(a + b)", r"-\left(a + b\right)"),
        (Neg(Neg(a)), "−(−a)", r"-\left(-a\right)"),
    ],
)
def test_parentheses_where_precedence_needs_them(expr, want_text, want_latex):
    assert text(expr) == want_text
    assert latex(expr) == want_latex


def test_mathml_brackets_where_text_does():
    el = mathml(Bin("·", Bin("+", a, b), c))[0]
    assert flat(el) == "(a+b)·c"
    assert flat(mathml(Bin("·", a, b))) == "a·b"


@pytest.mark.parametrize(
    ("expr", "want_text", "want_latex", "want_mathml"),
    [
        (Bin("×", Num(-2.0), a), "(−2) × a", r"\left(-2\right) \times a", "(−2)×a"),
        (Bin("×", a, Num(-2.0)), "a × (−2)", r"a \times \left(-2\right)", "a×(−2)"),
        (Bin("+", a, Num(-2.0)), "a + (−2)", r"a + \left(-2\right)", "a+(−2)"),
        (Bin("−", a, Num(-2.0)), "a − (−2)", r"a - \left(-2\right)", "a−(−2)"),
        (Bin("+", Num(-2.0), a), "−2 + a", "-2 + a", "−2+a"),  # a leading negative needs nothing
        (Pow(Num(-2.0), Num(2.0)), "(−2)²", r"\left(-2\right)^{2}", "(−2)2"),
        (Frac(a, Num(-2.0)), "a/(−2)", r"\frac{a}{-2}", "a−2"),  # a built-up fraction needs none
        (
            Chain("+", (Num(-1.0), Num(-2.0), a)),
            "−1 + (−2) + a",
            r"-1 + \left(-2\right) + a",
            "−1+(−2)+a",
        ),
    ],
)
def test_negative_numbers_are_bracketed_in_products_sums_and_powers(
    expr, want_text, want_latex, want_mathml
):
    assert text(expr) == want_text
    assert latex(expr) == want_latex
    assert flat(mathml(expr)) == want_mathml


def test_negating_a_negative_number_brackets_it():
    assert text(Neg(Num(-2.0))) == "−(−2)"
    assert latex(Neg(Num(-2.0))) == r"-\left(-2\right)"


# ── powers ───────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("k", "sup"), [(0, "⁰"), (1, "¹"), (2, "²"), (3, "³"), (9, "⁹")])
def test_small_whole_exponents_are_superscript_digits_in_text(k, sup):
    assert text(Pow(u, Num(float(k)))) == "u" + sup
    assert latex(Pow(u, Num(float(k)))) == "u^{" + str(k) + "}"


def test_other_exponents_use_a_caret_in_text():
    assert text(Pow(u, Num(12.0))) == "u^12"
    assert text(Pow(u, Num(2.5))) == "u^2.5000"
    assert text(Pow(Sym("e"), u)) == "e^u"
    assert text(Pow(u, Bin("−", Sym("p"), Num(1.0)))) == "u^(p − 1)"
    assert latex(Pow(u, Bin("−", Sym("p"), Num(1.0)))) == "u^{p - 1}"
    assert text(Pow(u, Pow(w, Sym("p")))) == "u^(w^p)"


@pytest.mark.parametrize("v", [math.inf, -math.inf, math.nan])
def test_a_non_finite_exponent_is_written_not_raised(v):
    """e^z of an overflowed z: written as the number Fmt writes for it, with the caret."""
    shown = F.number(v)
    assert text(Pow(Sym("e"), Num(v))) in (f"e^{shown}", f"e^({shown})")
    assert latex(Pow(Sym("e"), Num(v))) == r"e^{\text{undefined}}"
    assert "<mtext>undefined</mtext>" in Pow(Sym("e"), Num(v)).mathml(F)


def test_power_bases_are_bracketed_unless_atomic():
    assert text(Pow(Bin("+", a, b), Num(2.0))) == "(a + b)²"
    assert text(Pow(Frac(a, b), Num(2.0))) == "(a/b)²"
    assert text(Pow(Neg(a), Num(2.0))) == "(−a)²"
    assert text(Pow(Pow(a, b), c)) == "(a^b)^c"
    assert text(Pow(Call("σ", (a,)), Num(2.0))) == "σ(a)²"
    assert text(Pow(Sym("x", "1"), Num(2.0))) == "x₁²"
    assert latex(Pow(Sym("x", "1"), Num(2.0))) == "x_{1}^{2}"


def test_power_in_mathml_is_msup_of_base_and_exponent():
    el = mathml(Pow(Bin("+", a, b), Num(3.0)))[0]
    assert el.tag == "msup" and len(el) == 2
    assert flat(el[0]) == "(a+b)" and flat(el[1]) == "3"


def test_power_of_a_superscripted_symbol_is_valid_latex():
    s = latex(Pow(Sym("a", "1", "(1)"), Num(2.0)))
    assert not re.search(r"\^\{[^{}]*\}_\{[^{}]*\}\^", s), s
    assert s in ("{a^{(1)}_{1}}^{2}", r"\left(a^{(1)}_{1}\right)^{2}")


# ── fractions, partials, calls, relations ────────────────────────────────────


def test_fractions():
    assert text(Frac(Num(1.0), w)) == "1/w"
    assert text(Frac(Bin("+", a, b), c)) == "(a + b)/c"
    assert text(Frac(a, Bin("·", b, c))) == "a/(b · c)"
    assert text(Frac(a, Pow(w, Num(2.0)))) == "a/w²"
    assert text(Frac(Frac(a, b), c)) == "(a/b)/c"
    assert text(Frac(a, Frac(b, c))) == "a/(b/c)"
    assert text(Frac(a, Neg(b))) == "a/(−b)"
    assert latex(Frac(Bin("+", a, b), c)) == r"\frac{a + b}{c}"  # \frac needs no brackets
    el = mathml(Frac(Bin("+", a, b), c))[0]
    assert el.tag == "mfrac" and flat(el[0]) == "a+b" and flat(el[1]) == "c"


def test_partial_derivatives():
    d = Partial(Sym("L"), Sym("W", "12"))
    assert text(d) == "∂L/∂W₁₂"
    assert latex(d) == r"\frac{\partial L}{\partial W_{12}}"
    el = mathml(d)[0]
    assert el.tag == "mfrac" and flat(el[0]) == "∂L" and flat(el[1]) == "∂W12"
    assert text(Bin("·", d, Call("σ'", (Sym("z", "2"),)))) == "∂L/∂W₁₂ · σ'(z₂)"


def test_calls():
    assert text(Call("σ", (Sym("z", "2"),))) == "σ(z₂)"
    assert latex(Call("σ", (Sym("z", "2"),))) == r"\sigma\left(z_{2}\right)"
    assert text(Call("max", (Num(0.0), a))) == "max(0, a)"
    assert latex(Call("max", (Num(0.0), a))) == r"\max\left(0, a\right)"
    assert latex(Call("log", (Bin("+", a, b),))) == r"\log\left(a + b\right)"
    assert flat(mathml(Call("max", (Num(0.0), a)))) == "max(0,a)"
    # a call binds tightly: no brackets around it in a product
    assert text(Bin("·", Call("tanh", (a,)), b)) == "tanh(a) · b"


def test_a_multi_letter_function_name_is_upright_in_latex():
    s = latex(Call("relu", (a,)))
    assert s.startswith((r"\mathrm{relu}", r"\operatorname{relu}")), s


def test_relations_and_assignment():
    r = Rel((Sym("z", "1"), Bin("+", a, b), Num(0.5)))
    assert text(r) == "z₁ = a + b = 0.5000"
    assert latex(r) == "z_{1} = a + b = 0.5000"
    assert flat(mathml(r)) == "z1=a+b=0.5000"
    upd = Rel((w, Bin("−", w, Bin("·", Sym("η"), Partial(Sym("L"), w)))), op="←")
    assert text(upd) == "w ← w − η · ∂L/∂w"
    assert latex(upd) == r"w \leftarrow w - \eta \cdot \frac{\partial L}{\partial w}"


def test_words_and_explicit_parentheses():
    assert text(Chain("+", (a, Word("…"), b))) == "a + … + b"
    assert latex(Chain("+", (a, Word("…"), b))) == r"a + \ldots + b"
    assert latex(Word("if")) == r"\text{if}"
    assert mathml(Word("if"))[0].tag == "mtext"
    assert mathml(Word("…"))[0].tag == "mo"
    assert text(Paren(a)) == "(a)"
    assert latex(Paren(a)) == r"\left(a\right)"


def test_render_gives_three_strings_and_a_block_math_element():
    r = render(Bin("+", a, Num(1.0)), F)
    assert set(r) == {"text", "latex", "mathml"}
    root = ET.fromstring(r["mathml"])
    assert root.tag == "math" and root.get("display") == "block"


# ── random trees ─────────────────────────────────────────────────────────────

ENV = {"a": 1.5, "b": -0.5, "c": 3.0, "p": 2.0}
LEAVES = st.one_of(
    st.sampled_from(["a", "b", "c"]).map(Sym),
    st.sampled_from([0.5, 1.5, 2.0, 3.0, -2.0, -0.5]).map(Num),
)
# whole exponents only: a negative base stays real
EXPONENTS = st.one_of(
    st.sampled_from([2.0, 3.0, -1.0, 12.0]).map(Num),
    st.just(Sym("p")),
    st.just(Bin("−", Sym("p"), Num(1.0))),
    st.just(Neg(Sym("p"))),
)


def _grow(kids):
    return st.one_of(
        st.builds(Bin, st.sampled_from(["+", "−", "·", "×"]), kids, kids),
        st.builds(
            lambda op, ts: Chain(op, tuple(ts)),
            st.sampled_from(["+", "·"]),
            st.lists(kids, min_size=2, max_size=4),
        ),
        st.builds(Frac, kids, kids),
        st.builds(Pow, kids, EXPONENTS),
        st.builds(Neg, kids),
        st.builds(Paren, kids),
    )


TREES = st.recursive(LEAVES, _grow, max_leaves=10)


def evaluate(e) -> float:
    """The tree's value, by its own structure (never through a rendering)."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Sym):
        return ENV[e.base]
    if isinstance(e, Bin):
        x, y = evaluate(e.left), evaluate(e.right)
        return {"+": x + y, "−": x - y, "·": x * y, "×": x * y}[e.op]
    if isinstance(e, Chain):
        vals = [evaluate(t) for t in e.terms]
        return sum(vals) if e.op == "+" else math.prod(vals)
    if isinstance(e, Frac):
        return evaluate(e.num) / evaluate(e.den)
    if isinstance(e, Pow):
        return evaluate(e.base) ** evaluate(e.exp)
    if isinstance(e, Neg):
        return -evaluate(e.arg)
    if isinstance(e, Paren):
        return evaluate(e.arg)
    raise TypeError(e)


def _value_or_none(e):
    try:
        v = evaluate(e)
    except (ZeroDivisionError, OverflowError):
        return None
    return v if isinstance(v, float | int) and math.isfinite(v) and abs(v) < 1e9 else None


@settings(max_examples=400, deadline=None)
@given(TREES)
def test_text_rendering_means_what_the_tree_means(e):
    """Brackets are where precedence needs them: the text, read as arithmetic, has the tree's value."""
    v = _value_or_none(e)
    assume(v is not None)
    try:
        got = read_arithmetic(e.text(Fmt(12)), ENV)
    except ZeroDivisionError:  # the same division by zero, reached in another order
        assume(False)
    assert got == pytest.approx(v, rel=1e-9, abs=1e-9), e.text(Fmt(12))


SYMS = st.builds(
    Sym,
    st.sampled_from(["a", "δ", "ŷ", "W", "ℓ", "rate"]),
    st.sampled_from(["", "1", "12", "1,12"]),
    st.sampled_from(["", "(1)", "2"]),
)


def _grow_all(kids):
    return st.one_of(
        _grow(kids),
        st.builds(Partial, SYMS, SYMS),
        st.builds(
            lambda n, ts: Call(n, tuple(ts)),
            st.sampled_from(["σ", "tanh", "max", "σ'"]),
            st.lists(kids, min_size=1, max_size=2),
        ),
        st.builds(lambda ts: Rel(tuple(ts)), st.lists(kids, min_size=2, max_size=3)),
        st.builds(lambda ts: Rel(tuple(ts), op="←"), st.lists(kids, min_size=2, max_size=2)),
    )


ALL_TREES = st.recursive(
    st.one_of(
        LEAVES, SYMS, st.sampled_from([Word("…"), Word("if")]), st.floats(-1e9, 1e9).map(Num)
    ),
    _grow_all,
    max_leaves=12,
)


def _balanced(s: str, open_: str, close: str) -> bool:
    depth = 0
    for tok in re.findall(re.escape(open_) + "|" + re.escape(close), s):
        depth += 1 if tok == open_ else -1
        if depth < 0:
            return False
    return depth == 0


@settings(max_examples=300, deadline=None)
@given(ALL_TREES, st.integers(1, 8))
def test_every_tree_renders_to_wellformed_text_latex_and_mathml(e, p):
    r = render(e, Fmt(p))
    assert "-" not in r["text"]  # a true minus sign in text
    assert "−" not in r["latex"]  # an ASCII minus in LaTeX
    assert _balanced(r["latex"].replace(r"\{", "").replace(r"\}", ""), "{", "}")
    assert _balanced(r["latex"], r"\left(", r"\right)")
    root = ET.fromstring(r["mathml"])  # well-formed XML
    assert root.tag == "math"
    for el in root.iter():
        if el.tag in MATHML_ARITY:
            assert len(el) == MATHML_ARITY[el.tag], (el.tag, r["mathml"])
        if el.tag in ("mi", "mn", "mo", "mtext"):
            assert len(el) == 0 and el.text  # token elements hold text only


def test_cellwise_text_splits_at_the_matrices_and_writes_their_products_cell_by_cell():
    """A formula over matrices (an optimizer's rule in the matrix view): a product of two matrices
    is ⊙ and a quotient by one ⊘, a scalar's product stays ·; brackets are the text's own, and
    the matrices come back apart from the text around them, in reading order."""
    W, m, v = Matrix("W"), Matrix("m"), Matrix("v")
    eta, eps = Sym("η"), Sym("ε")
    adam = Bin("−", W, Bin("·", eta, Frac(m, Bin("+", Root(v), eps))))
    assert cellwise(adam) == ["", W, " − η · ", m, " ⊘ (√", v, " + ε)"]
    assert "".join(p if isinstance(p, str) else p.key for p in cellwise(adam)) == (
        "W − η · m ⊘ (√v + ε)"
    )
    both = Bin("·", m, Paren(Bin("+", v, Bin("×", eta, W))))
    assert cellwise(both) == ["", m, " ⊙ (", v, " + η · ", W, ")"]
    centered = Frac(m, Bin("+", Root(Bin("−", v, Pow(W, Num(2)))), eps))
    assert cellwise(centered) == ["", m, " ⊘ (√(", v, " − ", W, "²) + ε)"]
    assert cellwise(Frac(m, Bin("−", Num(1), eta))) == ["", m, "/(1 − η)"]  # by a scalar: /
    assert Bin("·", a, b).text(F) == "a · b" and Frac(a, b).text(F) == "a/b"  # text unchanged
