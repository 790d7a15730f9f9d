"""Playwright evaluates a wait_for_function predicate given as an expression (not a function)
with `eval` again on every poll, in the page: the page's Content Security Policy forbids `eval`,
so such a wait passes only when its condition already holds the first time, and fails at random
under load. A function (`"() => ..."`) is evaluated once, by the DevTools protocol, then called."""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
FUNCTION = re.compile(r"\s*(\(|async\b|function\b|\w+\s*=>)")


def _first_string(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _first_string(node.values[0])
    return None


def test_every_wait_for_function_is_given_a_function():
    expressions = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wait_for_function"
                and node.args
            ):
                text = _first_string(node.args[0])
                if text is not None and not FUNCTION.match(text):
                    expressions.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert not expressions, expressions
