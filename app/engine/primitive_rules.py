"""Words and local-derivative rules for the primitive ops of expression graphs (+ − × ÷ ^ exp …).

The explainer asks here for ∂out/∂input written symbolically (∂(u·w)/∂u = w) and with numbers, so
a student sees which rule each backward step used, not just the number it produced.
"""

from __future__ import annotations

from app.engine.mathfmt import Bin, Call, Expr, Fmt, Frac, Neg, Num, Pow, Sym, n
from app.engine.registry import ACTIVATIONS

ONE, TWO, E = Num(1.0), Num(2.0), Sym("e")

FORWARD_WORDS = {
    "add": "adds its two inputs",
    "sub": "subtracts its second input from its first",
    "mul": "multiplies its two inputs",
    "div": "divides its first input by its second",
    "pow": "raises its first input to the power of its second",
    "neg": "flips the sign of its input",
    "exp": "is e raised to its input",
    "log": "is the natural logarithm of its input (defined for inputs > 0)",
}

RULE_WORDS = {
    "add": "A sum passes its gradient to each input unchanged: ∂(u + w)/∂u = 1.",
    "sub": "∂(u − w)/∂u = 1 and ∂(u − w)/∂w = −1: the second input gets the gradient negated.",
    "mul": "A product sends each input the gradient times the other factor: ∂(u·w)/∂u = w.",
    "div": "Quotient rule: ∂(u/w)/∂u = 1/w and ∂(u/w)/∂w = −u/w².",
    "pow": "Power rule: ∂(uᵖ)/∂u = p·uᵖ⁻¹, and ∂(uᵖ)/∂p = uᵖ·log u.",
    "neg": "∂(−u)/∂u = −1.",
    "exp": "eᵘ is its own derivative: the local slope is the value just computed.",
    "log": "∂(log u)/∂u = 1/u.",
}


def forward_words(op: str, out: Expr, args: list[Expr]) -> str:
    if op in ACTIVATIONS:  # an activation used as a function: the registry's words
        return ACTIVATIONS[op].words.format(z=args[0].text(Fmt())) + f": that is {out.text(Fmt())}."
    return f"{out.text(Fmt())} {FORWARD_WORDS.get(op, 'is computed from the values before it')}."


def local_rule(
    op: str,
    pos: int,
    args: list[Expr],
    nums: list[float],
    out: Expr,
    out_value: float,
    local: float,
) -> tuple[Expr, Expr, str]:
    """∂out/∂args[pos] as symbols and with numbers, and the rule in words."""
    u = args[0]
    un = n(nums[0])
    if op in ACTIVATIONS:  # an activation used as a function: the registry's slope and rule
        act = ACTIVATIONS[op]
        sym, num = act.local(u, out, Sym("α"), un, n(out_value), Num(0.0), local)
        words = act.rule.format(z=u.text(Fmt()), a=out.text(Fmt()))
        branch = act.branch(u.text(Fmt()), nums[0], local)
        return sym, num, f"{words} Here {branch}." if branch else words
    words = RULE_WORDS.get(op, "")
    if op == "add":
        return ONE, ONE, words
    if op == "sub":
        return (ONE, ONE, words) if pos == 0 else (Num(-1.0), Num(-1.0), words)
    if op == "neg":
        return Num(-1.0), Num(-1.0), words
    if op == "mul":
        other = 1 - pos
        return args[other], n(nums[other]), words
    if op == "div":
        w, wn = args[1], n(nums[1])
        if pos == 0:
            return Frac(ONE, w), Frac(ONE, wn), words
        return Neg(Frac(u, Pow(w, TWO))), Neg(Frac(un, Pow(wn, TWO))), words
    if op == "pow":
        p, pn = args[1], n(nums[1])
        if pos == 0:
            return (
                Bin("·", p, Pow(u, Bin("−", p, ONE))),
                Bin("×", pn, Pow(un, Bin("−", pn, ONE))),
                words,
            )
        return Bin("·", out, Call("log", (u,))), Bin("×", n(out_value), Call("log", (un,))), words
    if op == "exp":
        return Pow(E, u), n(out_value), words
    return Frac(ONE, u), Frac(ONE, un), words  # log
