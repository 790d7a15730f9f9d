"""Reading what a student reads: a formula's rendered text, worked out again as arithmetic.

The explanations write − × · ½ π √, superscript powers, e^x and σ(·), tanh(·), log(·), max, min;
translated to Python, the numbers line of a step must give the step's result.
"""

import math
import re

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
FUNCTIONS = {
    "σ": lambda v: 1 / (1 + math.exp(-v)),
    "tanh": math.tanh,
    "log": math.log,
    "exp": math.exp,
    "max": max,
    "min": min,
    "sqrt": math.sqrt,
}


def read_arithmetic(text: str, env: dict | None = None) -> float:
    """The value of rendered text, with `env` giving any symbols left in it."""
    s = text.replace("−", "-").replace("×", "*").replace("·", "*").replace("½", "0.5")
    s = re.sub("[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: "**" + m.group().translate(_SUPERSCRIPTS), s)
    s = re.sub(r"\be\b", "E", s).replace("π", "PI").replace("^", "**").replace("√", "sqrt")
    names = {"E": math.e, "PI": math.pi, **FUNCTIONS, **(env or {})}
    return float(eval(s, {"__builtins__": {}}, names))  # noqa: S307 - our own rendering
