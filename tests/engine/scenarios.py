"""Random and fixed scenarios for engine tests, as MLPSpec objects."""

import numpy as np
from hypothesis import strategies as st

from app.engine.network import MLPSpec

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]


def tutorial_spec() -> MLPSpec:
    return MLPSpec(
        layers=[2, 1, 1],
        activations=["sigmoid", "sigmoid"],
        loss="mse",
        weights=[np.array([[0.4, 0.6]]), np.array([[0.9]])],
        biases=[np.array([0.1]), np.array([0.1])],
        inputs=np.array([[0.5, 0.8]]),
        targets=np.array([[1.0]]),
        learning_rate=0.5,
    )


@st.composite
def mlp_specs(draw, max_depth: int = 4, max_width: int = 4, max_batch: int = 4) -> MLPSpec:
    depth = draw(st.integers(1, max_depth))
    loss = draw(st.sampled_from(["mse", "bce", "cross_entropy"]))
    widths = [draw(st.integers(1, max_width)) for _ in range(depth + 1)]
    acts = [draw(st.sampled_from(HIDDEN)) for _ in range(depth - 1)]
    if loss == "cross_entropy":
        widths[-1] = max(widths[-1], 2)
        acts.append("softmax")
    elif loss == "bce":
        acts.append("sigmoid")
    else:
        acts.append(draw(st.sampled_from([*HIDDEN, "softmax"])))
        if acts[-1] == "softmax":
            widths[-1] = max(widths[-1], 2)
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    batch = draw(st.integers(1, max_batch))
    weights = [rng.normal(0, 0.8, (o, i)) for i, o in zip(widths[:-1], widths[1:], strict=True)]
    biases = [rng.normal(0, 0.3, o) for o in widths[1:]]
    inputs = rng.normal(0, 1, (batch, widths[0]))
    if loss == "cross_entropy":
        targets = np.eye(widths[-1])[rng.integers(0, widths[-1], batch)]
    else:
        targets = rng.uniform(0, 1, (batch, widths[-1]))
    frozen = frozenset(t for t in ("W1", "b1") if draw(st.booleans()) and draw(st.booleans()))
    return MLPSpec(
        widths,
        acts,
        loss,
        weights,
        biases,
        inputs,
        targets,
        learning_rate=draw(st.sampled_from([0.1, 0.5, 2.0])),
        frozen=frozen,
        leaky_slope=draw(st.sampled_from([0.01, 0.2])),
    )


def stepped_params(state, graph, spec):
    """(gradients, updated) from a stepped state, shaped like spec.weights / spec.biases."""
    gw = [np.full_like(w, np.nan) for w in spec.weights]
    gb = [np.full_like(b, np.nan) for b in spec.biases]
    nw = [np.full_like(w, np.nan) for w in spec.weights]
    nb = [np.full_like(b, np.nan) for b in spec.biases]
    for p in graph.params:
        nd = graph.nodes[p]
        l = int(nd.tensor[1:]) - 1
        grads, new = (gw, nw) if nd.role == "W" else (gb, nb)
        grads[l][nd.index] = state.pgrad[p]
        new[l][nd.index] = state.P[p]
    return gw, gb, nw, nb
