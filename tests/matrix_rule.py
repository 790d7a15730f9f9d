"""The matrix view's update equation, read as it is shown (each term's text before it, the matrix,
the text after the last) and worked out with NumPy, cell by cell: an independent reading of what
a student sees, for tests of the API and of the page."""

import re

import numpy as np

# the symbols an update's rule is written with → the hyperparameters' names (PyTorch's)
SYMBOLS = {"η": "lr", "ε": "eps", "μ": "momentum", "λ": "weight_decay", "α": "alpha",
           "β₁": "beta1", "β₂": "beta2", "τ": "dampening"}  # fmt: skip


def hyper_values(opt: dict, defaults: dict, lr: float) -> dict:
    """The scalars a rule reads: η, and the optimizer's hyperparameters (betas split)."""
    h = {**defaults, **{k: v for k, v in opt.items() if k != "name"}}
    out = {"lr": lr, **{k: v for k, v in h.items() if not isinstance(v, bool | list | tuple)}}
    if "betas" in h:
        out["beta1"], out["beta2"] = h["betas"]
    return out


def evaluate(pieces: list[tuple[str, str]], tail: str, mats: list, scalars: dict) -> np.ndarray:
    """pieces: (text before the term, its coefficient) per term; mats: each term's cells (arrays,
    NaN where not shown). ⊙ ⊘ √ ² are cell by cell; · with a scalar is a product."""
    src = ""
    for k, (op, coef) in enumerate(pieces):
        if coef:
            op = f"{op} ({coef})"
        if op.strip() and op.strip()[-1] not in "(+-−·⊙⊘√,×":  # "− η W": juxtaposed, a product
            op += " *"
        src += f" {op} T{k} "
    src += f" {tail} "
    src = src.replace("−", "-").replace("⊙", "*").replace("⊘", "/").replace("·", "*")
    src = src.replace("×", "*").replace("²", "**2").replace("max(", "np.maximum(")
    src = re.sub(r"√\s*(T\d+)", r"np.sqrt(\1)", src).replace("√", "np.sqrt")
    names = {}
    for sym, name in SYMBOLS.items():
        if sym in src:
            src = src.replace(sym, f" {name} ")
            names[name] = scalars[name]
    env = {"np": np, **names, **{f"T{k}": np.asarray(m, dtype=float) for k, m in enumerate(mats)}}
    with np.errstate(all="ignore"):
        return eval(src, env)  # noqa: S307 (the test's own string, from the page's symbols)
