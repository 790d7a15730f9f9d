"""The scenarios the benchmarks step: the tutorial preset and the largest stepping network the
API allows (MAX_LAYERS weight layers of MAX_WIDTH neurons, one sample)."""

from app.engine.presets import PRESETS
from app.limits import MAX_LAYERS, MAX_WIDTH


def tutorial() -> dict:
    return PRESETS["tutorial"]["scenario"]


def largest() -> dict:
    return {
        "layers": [MAX_WIDTH] * (MAX_LAYERS + 1),
        "activations": ["sigmoid"] * MAX_LAYERS,
        "loss": "mse",
        "init": {"scheme": "xavier", "seed": 7},
        "inputs": [[0.01 * i for i in range(MAX_WIDTH)]],
        "targets": [[0.5] * MAX_WIDTH],
        "learning_rate": 0.5,
    }
