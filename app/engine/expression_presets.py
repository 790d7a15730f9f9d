"""Classic textbook computation graphs, as the JSON scenarios the API takes."""

from __future__ import annotations

import copy

EXPRESSION_PRESETS: dict[str, dict] = {
    "sum-times-sum": {
        "title": "e = (a + b)·(b + 1): one variable, two paths",
        "description": (
            "The classic first computation graph: c = a + b, d = b + 1, e = c·d with a = 2, b = 1. "
            "b reaches e along two paths, so its gradient is the sum of two contributions: "
            "watch them arrive one at a time."
        ),
        "scenario": {
            "kind": "expression",
            "expression": "(a + b) * (b + 1)",
            "values": {"a": 2, "b": 1},
        },
    },
    "add-multiply": {
        "title": "f = (x + y)·z: the add gate and the multiply gate",
        "description": (
            "x = −2, y = 5, z = −4. The sum passes its gradient through unchanged; the product "
            "sends each input the gradient times the other factor."
        ),
        "scenario": {
            "kind": "expression",
            "expression": "(x + y) * z",
            "values": {"x": -2, "y": 5, "z": -4},
        },
    },
    "tanh-neuron": {
        "title": "One tanh neuron: tanh(w₁x₁ + w₂x₂ + b)",
        "description": (
            "A neuron taken apart: two products, a sum, a bias and tanh, with x₁ = 2, x₂ = 0, "
            "w₁ = −3, w₂ = 1 and b = 6.8814, so the output is about 0.7071 and 1 − tanh² = ½. "
            "x₂ = 0 means w₂ gets no gradient: it had no influence."
        ),
        "scenario": {
            "kind": "expression",
            "expression": "tanh(w1*x1 + w2*x2 + b)",
            "values": {"x1": 2, "x2": 0, "w1": -3, "w2": 1, "b": 6.881373587019543},
        },
    },
    "sigmoid-neuron": {
        "title": "A sigmoid neuron, gate by gate: 1/(1 + e^−(w₀x₀ + w₁x₁ + w₂))",
        "description": (
            "The sigmoid written with primitive gates (negate, exp, add 1, divide) with w₀ = 2, "
            "x₀ = −1, w₁ = −3, x₁ = −2, w₂ = −3. The gradient reaching the sum equals σ(1 − σ): "
            "compare with the one-node sigmoid in the next preset."
        ),
        "scenario": {
            "kind": "expression",
            "expression": "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
            "values": {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
        },
    },
    "sigmoid-node": {
        "title": "The same neuron with one sigmoid node",
        "description": (
            "sigmoid(w₀x₀ + w₁x₁ + w₂) with the values of the previous preset: one node and one "
            "local derivative σ(1 − σ) replace four gates, with the same gradients."
        ),
        "scenario": {
            "kind": "expression",
            "expression": "sigmoid(w0*x0 + w1*x1 + w2)",
            "values": {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3},
        },
    },
    "softplus": {
        "title": "Softplus: log(1 + eˣ), whose derivative is the sigmoid",
        "description": (
            "x = 0.5. The chain rule through log and exp gives eˣ/(1 + eˣ) = σ(x): step it and "
            "compare ∂f/∂x with σ(0.5)."
        ),
        "scenario": {"kind": "expression", "expression": "log(1 + exp(x))", "values": {"x": 0.5}},
    },
    "staged": {
        "title": "A staged function: (x + σ(y)) / (σ(x) + (x + y)²)",
        "description": (
            "x = 3, y = −4. Both variables feed several gates, so each gradient is a sum of "
            "contributions along every path; with η = 0.1 the update moves x and y downhill on f."
        ),
        "scenario": {
            "kind": "expression",
            "expression": "(x + sigmoid(y)) / (sigmoid(x) + (x + y)^2)",
            "values": {"x": 3, "y": -4},
            "learning_rate": 0.1,
        },
    },
}


def get_expression_preset(preset_id: str) -> dict:
    """A deep copy, so callers may change it freely."""
    return copy.deepcopy(EXPRESSION_PRESETS[preset_id])


def expression_preset_menu() -> list[dict]:
    """Each preset's id, title and description: a menu's entries, without the scenarios."""
    return [
        {"id": k, "title": v["title"], "description": v["description"]}
        for k, v in EXPRESSION_PRESETS.items()
    ]
