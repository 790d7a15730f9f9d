"""Random expressions for tests, as trees the tests evaluate themselves (never with the engine).

Each tree renders to the text the parser reads and evaluates with any backend (math or torch), so
the engine is checked against an independent computation. Generators keep every op in its domain:
denominators are 1 + u², logs take u² + ½, exp takes tanh(u), powers have a base in (½, 3/2).
"""

import math

from hypothesis import strategies as st

VARS = ["a", "b", "c"]


def leaf():
    return st.one_of(
        st.sampled_from(VARS).map(lambda v: ("var", v)),
        st.sampled_from([0.5, 1.5, 2.0, 3.0]).map(lambda x: ("num", x)),
    )


def _grow(children):
    one = children
    two = st.tuples(children, children)
    return st.one_of(
        st.tuples(st.sampled_from(["add", "sub", "mul"]), children, children),
        two.map(lambda p: ("div", p[0], ("add", ("num", 1.0), ("mul", p[1], p[1])))),
        two.map(lambda p: ("pow", ("add", ("sigmoid", p[0]), ("num", 0.5)), ("tanh", p[1]))),
        one.map(lambda u: ("exp", ("tanh", u))),
        one.map(lambda u: ("log", ("add", ("mul", u, u), ("num", 0.5)))),
        st.tuples(st.sampled_from(["tanh", "sigmoid", "relu", "neg"]), children),
    )


trees = st.recursive(leaf(), _grow, max_leaves=8)


def render(t) -> str:
    kind = t[0]
    if kind == "var":
        return t[1]
    if kind == "num":
        return repr(t[1])
    if kind == "neg":
        return f"(-{render(t[1])})"
    if kind in ("tanh", "sigmoid", "relu", "exp", "log"):
        return f"{kind}({render(t[1])})"
    sym = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^"}[kind]
    return f"({render(t[1])} {sym} {render(t[2])})"


class MathOps:
    exp, log, tanh = staticmethod(math.exp), staticmethod(math.log), staticmethod(math.tanh)

    @staticmethod
    def const(x):
        return x

    @staticmethod
    def sigmoid(u):
        return 1 / (1 + math.exp(-u))

    @staticmethod
    def relu(u):
        return u if u > 0 else 0.0


def evaluate(t, env: dict, ops=MathOps, kinks: list | None = None):
    """The tree's value; `kinks` collects every relu input (to stay clear of x = 0)."""
    kind = t[0]
    if kind == "var":
        return env[t[1]]
    if kind == "num":
        return ops.const(t[1])
    args = [evaluate(c, env, ops, kinks) for c in t[1:]]
    if kind == "add":
        return args[0] + args[1]
    if kind == "sub":
        return args[0] - args[1]
    if kind == "mul":
        return args[0] * args[1]
    if kind == "div":
        return args[0] / args[1]
    if kind == "pow":
        return args[0] ** args[1]
    if kind == "neg":
        return -args[0]
    if kind == "relu" and kinks is not None:
        kinks.append(float(args[0]))
    return getattr(ops, kind)(args[0])


def variables_of(t) -> list[str]:
    if t[0] == "var":
        return [t[1]]
    if t[0] == "num":
        return []
    out = []
    for c in t[1:]:
        out += [v for v in variables_of(c) if v not in out]
    return out
