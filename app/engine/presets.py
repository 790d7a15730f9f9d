"""Ready-made scenarios, as the JSON the API takes."""

from __future__ import annotations

import copy

PRESETS: dict[str, dict] = {
    "tutorial": {
        "title": "The tutorial's 2 → 1 → 1 network",
        "description": (
            "The worked example from the tutorial: inputs x = [0.5, 0.8], target y = 1, one "
            "sigmoid hidden neuron and one sigmoid output, the tutorial's squared-error loss "
            "½(ŷ − y)² and learning rate η = 0.5. Step it to check every number of the hand "
            "calculation (whose slips are listed in the errata): z₁ is 0.78, not 0.68."
        ),
        "scenario": {
            "layers": [2, 1, 1],
            "activations": ["sigmoid", "sigmoid"],
            "loss": "mse",
            "weights": [[[0.4, 0.6]], [[0.9]]],
            "biases": [[0.1], [0.1]],
            "inputs": [[0.5, 0.8]],
            "targets": [[1.0]],
            "learning_rate": 0.5,
        },
    },
    "xor": {
        "title": "XOR, as in the tutorial's training program",
        "description": (
            "The tutorial's XOR program: 2 inputs, 4 sigmoid hidden neurons, 1 sigmoid output, "
            "weights from np.random.seed(42) drawn as randn(4, 2)·0.5 then randn(1, 4)·0.5, zero "
            "biases, learning rate 2.0 and the four XOR samples. Gradients are the mean over the "
            "four samples, as the program divides by m; pick a sample to follow its values."
        ),
        "scenario": {
            "layers": [2, 4, 1],
            "activations": ["sigmoid", "sigmoid"],
            "loss": "mse",
            "init": {"scheme": "normal", "seed": 42, "scale": 0.5},
            "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
            "targets": [[0], [1], [1], [0]],
            "learning_rate": 2.0,
        },
    },
    "softmax": {
        "title": "Three classes: softmax with cross-entropy",
        "description": (
            "A 2 → 3 → 3 network with a tanh hidden layer and a softmax output trained with "
            "cross-entropy on one sample of class 2. Watch the softmax Jacobian spread each "
            "output's gradient to every z, and the sum come out as p − y: the famous shortcut."
        ),
        "scenario": {
            "layers": [2, 3, 3],
            "activations": ["tanh", "softmax"],
            "loss": "cross_entropy",
            "weights": [
                [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]],
                [[0.4, -0.2, 0.3], [-0.5, 0.6, 0.1], [0.2, 0.3, -0.4]],
            ],
            "biases": [[0.1, -0.1, 0.05], [0.0, 0.1, -0.1]],
            "inputs": [[1.0, 0.5]],
            "targets": [[0.0, 1.0, 0.0]],
            "learning_rate": 0.5,
        },
    },
    "deep": {
        "title": "Deeper: two ReLU layers and a tanh layer",
        "description": (
            "A 2 → 3 → 3 → 2 → 1 network with ReLU, ReLU and tanh hidden layers and a linear "
            "output, He-initialised from seed 7, fitting two samples with squared error. Follow "
            "the error signal through four layers, and see a ReLU with z ≤ 0 pass no gradient."
        ),
        "scenario": {
            "layers": [2, 3, 3, 2, 1],
            "activations": ["relu", "relu", "tanh", "linear"],
            "loss": "mse",
            "init": {"scheme": "he", "seed": 7},
            "inputs": [[0.9, -0.4], [-0.3, 0.7]],
            "targets": [[0.5], [-0.2]],
            "learning_rate": 0.1,
        },
    },
}


def get_preset(preset_id: str) -> dict:
    """A deep copy, so callers may change it freely."""
    return copy.deepcopy(PRESETS[preset_id])
