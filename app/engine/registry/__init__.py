"""The one registry of operations: every activation, loss and primitive operation, defined once.

Each definition carries its forward value and local derivative side by side, which stored values
the derivative reads, its formula as math trees (rendered as text, LaTeX and MathML by
`app.engine.mathfmt`), the sentences that explain it, its NumPy and PyTorch code for export, and
its domain notes. The graph ops (`app.engine.ops`), the explanations, the worksheet check, code
export, the labs, the expression parser, the API's enumerations and the pages all read it from
here, so a new operation is one entry in `activations.py`, `losses.py`, `primitives.py` or
`optimizers.py` (the update phase's optimizers).
"""

from app.engine.registry.activations import ACTIVATIONS, Activation, activate, softmax, softmax_vjp
from app.engine.registry.base import EPS
from app.engine.registry.losses import LOSSES, Loss
from app.engine.registry.optimizers import OPTIMIZERS, Optimizer
from app.engine.registry.optimizers import catalog as optimizer_catalog
from app.engine.registry.primitives import PRIMITIVES, Primitive

__all__ = [
    "ACTIVATIONS",
    "EPS",
    "LOSSES",
    "OPTIMIZERS",
    "PRIMITIVES",
    "Activation",
    "Loss",
    "Optimizer",
    "Primitive",
    "activate",
    "catalog",
    "softmax",
    "softmax_vjp",
]


def catalog() -> dict:
    """What a page needs of the registry (names, titles, glyphs, notes), JSON-ready."""
    return {
        "activations": [
            {
                "name": a.name,
                "title": a.title,
                "glyph": a.glyph,
                "hidden": not a.output_only,
                "expression": a.expression,
                "init": a.init,
            }
            for a in ACTIVATIONS.values()
        ],
        "losses": [{"name": s.name, "title": s.title} for s in LOSSES.values()],
        "optimizers": optimizer_catalog(),
    }
