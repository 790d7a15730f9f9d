"""The rule each backward step of an expression names: its numbers are the op's true slope.

For every primitive op of the registry (app/engine/registry/primitives.py) and input position,
the local derivative it writes (as a tree of symbols and as a tree of numbers, and as the text a
student reads) equals a central finite difference of the op's forward. The helpers `forward`,
`rule` and `words` are the only places that touch the module under test.
"""

import math
import re

import numpy as np
import pytest

from app.engine.mathfmt import Bin, Call, Chain, Fmt, Frac, Neg, Num, Paren, Pow, Sym
from app.engine.ops import OPS
from app.engine.registry import PRIMITIVES
from tests.arithmetic import read_arithmetic

U, W = Sym("u"), Sym("w")
OUT = Sym("v", "1")
ARITY = {"add": 2, "sub": 2, "mul": 2, "div": 2, "pow": 2, "neg": 1, "exp": 1, "log": 1}
MATH = {  # the definitions, written here: the engine's forward must agree with them
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
    "neg": lambda x: -x,
    "exp": math.exp,
    "log": math.log,
}
POINTS = {  # each inside the op's domain, negative values wherever it has them
    "add": [(0.7, -1.3), (-2.5, 4.0)],
    "sub": [(0.7, -1.3), (-2.5, 4.0)],
    "mul": [(0.7, -1.3), (-2.5, 4.0), (3.0, 0.0)],
    "div": [(0.7, -1.3), (-2.5, 4.0), (1.0, 0.25)],
    "pow": [(1.7, 3.0), (0.6, -1.5), (2.0, 0.5), (-1.5, 3.0)],  # u < 0: only ∂/∂u (whole p)
    "neg": [(0.7,), (-2.5,)],
    "exp": [(0.7,), (-2.5,), (0.0,)],
    "log": [(0.7,), (2.5,), (0.01,)],
}
CASES = [
    (op, pos, xs)
    for op, points in POINTS.items()
    for xs in points
    for pos in range(ARITY[op])
    if not (op == "pow" and pos == 1 and xs[0] <= 0)
]


# ── the three places that call the code under test ───────────────────────────


def forward(op: str, xs: tuple[float, ...]) -> float:
    """The engine's forward of one primitive op at one point."""
    return float(OPS[op].forward([np.array([x]) for x in xs], {})[0])


def rule(op: str, pos: int, xs: tuple[float, ...]):
    """(symbolic, numeric, words) of ∂op/∂input[pos], as the explainer asks for them."""
    p = PRIMITIVES[op]
    nums = [Num(float(x)) for x in xs]
    return (
        p.slope(pos, [U, W][: len(xs)], OUT, False),
        p.slope(pos, nums, Num(forward(op, xs)), True),
        p.rule,
    )


def words(op: str) -> str:
    return f"{OUT.text(Fmt())} {PRIMITIVES[op].words}."


def test_the_registry_has_exactly_these_primitives():
    assert {name: p.arity for name, p in PRIMITIVES.items()} == ARITY


# ── independent arithmetic ───────────────────────────────────────────────────


def central(op: str, pos: int, xs: tuple[float, ...]) -> float:
    h = 1e-6 * max(1.0, abs(xs[pos]))
    up, down = list(xs), list(xs)
    up[pos] += h
    down[pos] -= h
    return (forward(op, tuple(up)) - forward(op, tuple(down))) / (2 * h)


def evaluate(e, env: dict[str, float]) -> float:
    """A tree's value by its structure: symbols from env, e as Euler's number."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Sym):
        return math.e if (e.base, e.sub) == ("e", "") else env[e.text(Fmt())]
    if isinstance(e, Bin):
        x, y = evaluate(e.left, env), evaluate(e.right, env)
        return {"+": x + y, "−": x - y, "·": x * y, "×": x * y}[e.op]
    if isinstance(e, Chain):
        vals = [evaluate(t, env) for t in e.terms]
        return sum(vals) if e.op == "+" else math.prod(vals)
    if isinstance(e, Frac):
        return evaluate(e.num, env) / evaluate(e.den, env)
    if isinstance(e, Pow):
        return evaluate(e.base, env) ** evaluate(e.exp, env)
    if isinstance(e, Neg):
        return -evaluate(e.arg, env)
    if isinstance(e, Paren):
        return evaluate(e.arg, env)
    if isinstance(e, Call) and e.name in ("log", "exp"):
        return getattr(math, e.name)(evaluate(e.args[0], env))
    raise TypeError(e)


def _id(case) -> str:
    op, pos, xs = case
    return f"{op}-{pos}-{','.join(map(str, xs))}"


# ── tests ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_engine_forward_is_the_definition(case):
    op, _, xs = case
    assert forward(op, xs) == pytest.approx(MATH[op](*xs), rel=1e-15)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_numeric_rule_equals_a_central_difference(case):
    op, pos, xs = case
    _, num, _ = rule(op, pos, xs)
    fd = central(op, pos, xs)
    assert evaluate(num, {}) == pytest.approx(fd, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_rendered_numbers_read_as_the_slope(case):
    """The text shown beside the step, read as arithmetic, is the slope (to its 12 decimals)."""
    op, pos, xs = case
    _, num, _ = rule(op, pos, xs)
    assert read_arithmetic(num.text(Fmt(12))) == pytest.approx(central(op, pos, xs), rel=1e-6)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_symbolic_rule_with_the_point_substituted_is_the_slope(case):
    """The formula in symbols (∂(u·w)/∂u = w) gives the same slope once u, w and v₁ get values."""
    op, pos, xs = case
    sym, num, _ = rule(op, pos, xs)
    env = {"u": xs[0], "v₁": forward(op, xs)}
    if len(xs) > 1:
        env["w"] = xs[1]
    assert evaluate(sym, env) == pytest.approx(evaluate(num, {}), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_numeric_rule_holds_only_numbers(case):
    """With numbers filled in, no symbol is left for the student to look up (e aside)."""
    op, pos, xs = case
    _, num, _ = rule(op, pos, xs)
    assert not re.search(r"[uwv]", num.text(Fmt())), num.text(Fmt())


@pytest.mark.parametrize(("op", "pos"), [(op, p) for op in ARITY for p in range(ARITY[op])])
def test_every_rule_has_words(op, pos):
    xs = POINTS[op][0]
    _, _, said = rule(op, pos, xs)
    assert said.strip() and said.rstrip().endswith(".")


def test_the_two_inputs_of_an_asymmetric_op_get_different_rules():
    for op in ("sub", "div", "pow"):
        first, second = rule(op, 0, (1.7, 3.0)), rule(op, 1, (1.7, 3.0))
        assert first[0] != second[0], op


@pytest.mark.parametrize("op", list(ARITY))
def test_forward_words_name_the_output_and_differ_by_op(op):
    said = words(op)
    assert said.startswith("v₁ ") and said.endswith(".")
    others = {words(o) for o in ARITY if o != op}
    assert said not in others
