"""A network drawn at the level of primitive operations: each neuron's products, sum and activation.

z = Σ wᵢ·aᵢ + b becomes pᵢ = wᵢ·aᵢ (one `mul` per input), a chain of `add`s and a last `add` of the
bias, which is z itself. Parameters, activations and the loss keep the network's ids and labels,
so gradients and updates read the same in both views; only the drawing and the plan get finer.
"""

from __future__ import annotations

from app.engine.depth_layout import place
from app.engine.graph import Graph, Node
from app.engine.mathfmt import Sym
from app.engine.network import Labeller, MLPSpec, _activation, bias_node, weight_node


def build_expanded_graph(spec: MLPSpec) -> Graph:
    lab = Labeller(spec.layers)
    nodes: list[Node] = []

    def add(node: Node) -> int:
        nodes.append(node)
        return len(nodes) - 1

    prev = [
        add(Node(f"x{i}", "input", lab.input(i), role="x", column=i)) for i in range(spec.layers[0])
    ]
    for l in range(1, len(spec.layers)):
        act = spec.activations[l - 1]
        W, b = spec.weights[l - 1], spec.biases[l - 1]
        zs, acts = [], []
        for j in range(spec.layers[l]):
            products = []
            for i, a in enumerate(prev):
                w_sym = lab.weight(l, j, i)
                w = add(weight_node(lab, l, j, i, W))
                p_sym = Sym("p", w_sym.sub, w_sym.sup)
                products.append(
                    add(Node(f"p{l}_{j}_{i}", "op", p_sym, op="mul", inputs=(w, a), role="expr"))
                )
            unit = lab.unit("s", l, j)
            acc = products[0]
            for t in range(1, len(products)):
                sub = (f"{unit.sub},{t}" if unit.sub else str(t)) if len(products) > 2 else unit.sub
                acc = add(
                    Node(
                        f"s{l}_{j}_{t}",
                        "op",
                        Sym("s", sub, unit.sup),
                        op="add",
                        inputs=(acc, products[t]),
                        role="expr",
                    )
                )
            bj = add(bias_node(lab, l, j, b))
            z = add(
                Node(f"z{l}_{j}", "op", lab.unit("z", l, j), op="add", inputs=(acc, bj), role="z")
            )
            zs.append(z)
            if act != "softmax":
                acts.append(_activation(add, lab, l, j, (z,), act, spec.leaky_slope, 0))
        if act == "softmax":
            acts = [
                _activation(add, lab, l, j, tuple(zs), act, spec.leaky_slope, j)
                for j in range(spec.layers[l])
            ]
        prev = acts
    ys = [
        add(Node(f"y{j}", "target", lab.target(j), role="y", column=j))
        for j in range(spec.layers[-1])
    ]
    root = add(
        Node(
            "L",
            "op",
            Sym("L"),
            op="loss",
            inputs=(*prev, *ys),
            attrs={"loss": spec.loss},
            role="loss",
        )
    )
    place(nodes, root)
    return Graph(nodes, root, spec.inputs, spec.targets)
