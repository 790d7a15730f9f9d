"""The expression parser: precedence, friendly symbols, and errors that point at the character."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.expression import (
    ExpressionError,
    build_expression_graph,
    parse,
    variables,
)
from app.engine.plan import Plan
from app.engine.stepper import state_at
from app.limits import (
    MAX_EXPRESSION_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_EXPRESSION_OPERATIONS,
    MAX_EXPRESSION_VARIABLES,
)


def value(src: str, **values: float) -> float:
    g = build_expression_graph(src, values)
    s = state_at(g, Plan(g, update=False), 0.0, Plan(g, update=False).total)
    return float(s.value(g.root)[0])


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("a + b * c", 2 + 3 * 5),
        ("(a + b) * c", (2 + 3) * 5),
        ("a - b - c", (2 - 3) - 5),
        ("a / b / c", (2 / 3) / 5),
        ("a ^ b ^ 2", 2 ** (3**2)),
        ("a ** b", 2**3),
        ("-a ^ 2", -(2**2)),
        ("a ^ -b", 2 ** (-3)),
        ("-a * b", -2 * 3),
        ("a - -b", 2 + 3),
        ("+a - +b", 2 - 3),
        ("2 ^ -b ^ 2", 2 ** (-(3**2))),
        ("a × b ÷ c − 1", 2 * 3 / 5 - 1),
        ("a · b", 6),
        ("1.5e1 * a + .5", 15 * 2 + 0.5),
        ("exp(a) - ln(b) + tanh(c)", 7.38905609893065 - 1.0986122886681098 + 0.9999092042625951),
        ("relu(-a) + relu(a) + sigmoid(0 * a)", 0 + 2 + 0.5),
    ],
)
def test_precedence_and_symbols(src, expected):
    names = variables(parse(src))
    env = {"a": 2.0, "b": 3.0, "c": 5.0}
    assert value(src, **{k: env[k] for k in names}) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    ("src", "position", "words"),
    [
        ("(a + b", 0, "never closed"),
        ("a + b)", 5, "no matching ("),
        ("a +* b", 3, "expected a number"),
        ("a +", 3, "ends where"),
        ("2x", 1, "missing operator"),
        ("a b", 2, "missing operator"),
        ("foo(a)", 0, "unknown function 'foo'"),
        ("sqrt(a)", 0, "x^0.5"),
        ("tanh a", 5, "tanh is a function"),
        ("a $ b", 2, "unexpected character '$'"),
        ("max(a, b)", 5, "one argument"),
        ("tanh(a, b)", 6, "one argument"),
        ("a + 1e9", 4, "too large"),
        ("a", 0, "at least one operation"),
        ("a__b + 1", 0, "double underscore"),
        ("()", 1, "expected a number"),
    ],
)
def test_errors_point_at_the_character(src, position, words):
    with pytest.raises(ExpressionError) as info:
        parse(src)
    err = info.value
    assert err.position == position
    assert words in err.message
    line, caret = err.caret.split("\n")
    assert line == src and caret == " " * position + "^"
    assert f"at character {position + 1}" in str(err)


@pytest.mark.parametrize(
    "src",
    [
        "__import__('os').system('echo hi')",
        "a.__class__",
        "exec('1')",
        "lambda: 1",
        "[a for a in b]",
        "a if b else c",
        "open('/etc/passwd')",
        "a; b",
        "a = 1",
        "'a' + 'b'",
    ],
)
def test_never_evaluates_python(src):
    with pytest.raises(ExpressionError):
        parse(src)


def test_deep_nesting_is_refused_before_the_recursion_limit():
    src = "(" * 240 + "a" + ")" * 240
    with pytest.raises(ExpressionError) as info:
        parse(src)
    assert info.value.position == MAX_EXPRESSION_DEPTH  # the first ( beyond the limit
    ok = "(" * MAX_EXPRESSION_DEPTH + "a + 1" + ")" * MAX_EXPRESSION_DEPTH
    assert value(ok, a=1.0) == 2.0


def test_long_unary_and_operator_chains_are_iterative_and_limited():
    assert value("-" * 99 + "a", a=2.0) == -2.0  # 99 negations, no recursion
    with pytest.raises(ExpressionError, match=f"more than {MAX_EXPRESSION_OPERATIONS} operations"):
        parse("+".join(["a"] * (MAX_EXPRESSION_OPERATIONS + 2)))
    with pytest.raises(ExpressionError, match="characters long"):
        parse("a+" * (MAX_EXPRESSION_LENGTH // 2) + "a")


def test_variable_limit_names_the_first_one_too_many():
    names = [f"x{i}" for i in range(MAX_EXPRESSION_VARIABLES + 1)]
    src = " + ".join(names)
    with pytest.raises(ExpressionError) as info:
        parse(src)
    assert info.value.position == src.index(names[-1])


def test_caret_window_for_long_expressions():
    src = "a + " * 60 + "$"
    with pytest.raises(ExpressionError) as info:
        parse(src)
    line, caret = info.value.caret.split("\n")
    assert line.startswith("…") and line[len(caret) - 1] == "$"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_fails_cleanly(src):
    try:
        items = parse(src)
    except ExpressionError as e:
        assert 0 <= e.position <= len(src)
    else:
        assert items[-1].kind == "op"
