"""Multi-layer perceptrons: the spec, initialisation schemes and the graph builder."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.engine.graph import Graph, Node
from app.engine.notation import LOSS, Notation
from app.engine.registry import ACTIVATIONS

INIT_SCHEMES = ("normal", "xavier", "he", "uniform")


@dataclass
class MLPSpec:
    """One scenario's network and data, all in float64. Layer 0 is the input layer."""

    layers: list[int]
    activations: list[str]  # one per non-input layer
    loss: str
    weights: list[np.ndarray]  # W{l}: (layers[l], layers[l-1])
    biases: list[np.ndarray]  # b{l}: (layers[l],)
    inputs: np.ndarray  # (samples, layers[0])
    targets: np.ndarray  # (samples, layers[-1])
    learning_rate: float = 0.5
    frozen: frozenset[str] = field(default_factory=frozenset)  # tensor names, e.g. {"b1"}
    leaky_slope: float = 0.01
    optimizer: str = "sgd"  # a name of app.engine.registry.OPTIMIZERS
    hyper: dict = field(default_factory=dict)  # its hyperparameters; PyTorch's defaults if absent
    # the optimizer's state carried in (by quantity: one flat array over [W1, …, WL, b1, …, bL]),
    # None for zeros; and the updates done before, so the next update is step opt_step + 1
    opt_state: dict[str, np.ndarray] | None = None
    opt_step: int = 0

    @property
    def depth(self) -> int:
        return len(self.layers) - 1


def init_params(
    layers: list[int], scheme: str = "normal", seed: int = 0, scale: float = 0.5
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights drawn layer by layer in order from one RandomState; biases zero.

    `normal` is the tutorial's `np.random.randn(out, in) * scale` after `np.random.seed(seed)`.
    """
    rng = np.random.RandomState(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(layers[:-1], layers[1:], strict=True):
        if scheme == "normal":
            w = rng.randn(fan_out, fan_in) * scale
        elif scheme == "xavier":  # Glorot uniform
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, size=(fan_out, fan_in))
        elif scheme == "he":  # He normal, for ReLU layers
            w = rng.randn(fan_out, fan_in) * np.sqrt(2.0 / fan_in)
        elif scheme == "uniform":
            w = rng.uniform(-scale, scale, size=(fan_out, fan_in))
        else:
            raise ValueError(f"unknown init scheme {scheme!r}")
        weights.append(w)
        biases.append(np.zeros(fan_out))
    return weights, biases


def build_graph(spec: MLPSpec) -> Graph:
    """Nodes in teaching order: per layer, each neuron's parameters, z, then a (softmax: all z first)."""
    nodes, root = build_nodes(spec, weighted_sum)
    return Graph(nodes, root, spec.inputs, spec.targets)


def build_nodes(spec: MLPSpec, neuron) -> tuple[list[Node], int]:
    """The network's nodes and its root (the loss), with `neuron(add, lab, l, j, prev, W, b)`
    building each pre-activation z: one weighted sum here, products and sums when expanded."""
    lab = Notation(spec.layers)  # every name people read (notation.py)
    nodes: list[Node] = []

    def add(node: Node) -> int:
        nodes.append(node)
        return len(nodes) - 1

    prev = [
        add(Node(f"x{i}", "input", lab.input(i), 0, i, role="x", column=i))
        for i in range(spec.layers[0])
    ]
    for l in range(1, len(spec.layers)):
        act = spec.activations[l - 1]
        coupled = ACTIVATIONS[act].output_only  # softmax: each a reads every z of the layer
        W, b = spec.weights[l - 1], spec.biases[l - 1]
        zs, acts = [], []
        for j in range(spec.layers[l]):
            zs.append(neuron(add, lab, l, j, prev, W, b))
            if not coupled:
                acts.append(_activation(add, lab, l, j, (zs[j],), act, spec.leaky_slope, 0))
        if coupled:
            acts = [
                _activation(add, lab, l, j, tuple(zs), act, spec.leaky_slope, j)
                for j in range(spec.layers[l])
            ]
        prev = acts
    out_layer = len(spec.layers)
    ys = [
        add(Node(f"y{j}", "target", lab.target(j), out_layer, j, role="y", column=j))
        for j in range(spec.layers[-1])
    ]
    root = add(
        Node(
            "L",
            "op",
            LOSS,  # the graph's label is ℓ where it shows one sample of several (lesson_views)
            out_layer,
            0,
            op="loss",
            inputs=(*prev, *ys),
            attrs={"loss": spec.loss},
            role="loss",
        )
    )
    return nodes, root


def weighted_sum(add, lab: Notation, l: int, j: int, prev: list[int], W, b) -> int:
    """z = Σ wᵢ·aᵢ + b as one node, after its weights and bias."""
    ws = [add(nd) for nd in weight_nodes(lab, l, j, W, len(prev))]
    bj = add(bias_node(lab, l, j, b, l, j))
    return add(
        Node(
            f"z{l}_{j}",
            "op",
            lab.unit("z", l, j),
            l,
            j,
            op="wsum",
            inputs=(*prev, *ws, bj),
            attrs={"fan_in": len(prev)},
            role="z",
        )
    )


def weight_node(lab: Notation, l: int, j: int, i: int, W, layer: int = 0, row: int = 0) -> Node:
    """W{l}[j][i] as a parameter node; its update groups with neuron j's other parameters."""
    return Node(
        f"W{l}_{j}_{i}", "param", lab.weight(l, j, i), layer, row, role="W",
        tensor=f"W{l}", index=(j, i), init=float(W[j, i]), group=(l, j),
    )  # fmt: skip


def weight_nodes(lab: Notation, l: int, j: int, W, n: int) -> list[Node]:
    """[weight_node(lab, l, j, k, W, l, j) for k < n], made at once: the same nodes, without the
    dataclass constructor's keyword handling (~40,000 of them are most of the largest network's
    graph build). tests/engine/test_notation.py holds the two equal, field for field."""
    syms, values = lab.weight_row(l, j, n), W[j].tolist()
    tensor, group, new = f"W{l}", (l, j), object.__new__
    out = []
    for k in range(n):
        nd = new(Node)
        nd.__dict__.update(
            id=f"W{l}_{j}_{k}", kind="param", sym=syms[k], layer=l, row=j, op=None, inputs=(),
            attrs={}, role="W", tensor=tensor, index=(j, k), init=values[k], column=-1,
            group=group,
        )  # fmt: skip
        out.append(nd)
    return out


def bias_node(lab: Notation, l: int, j: int, b, layer: int = 0, row: int = 0) -> Node:
    return Node(
        f"b{l}_{j}", "param", lab.unit("b", l, j), layer, row, role="b",
        tensor=f"b{l}", index=(j,), init=float(b[j]), group=(l, j),
    )  # fmt: skip


def _activation(add, lab: Notation, l: int, j: int, zs: tuple, act: str, slope: float, index: int):
    attrs = {"activation": act, "slope": slope, "index": index}
    return add(
        Node(
            f"a{l}_{j}", "op", lab.unit("a", l, j), l, j, op="act", inputs=zs, attrs=attrs, role="a"
        )
    )
