"""A network drawn at the level of primitive operations: each neuron's products, sum and activation.

z = Σ wᵢ·aᵢ + b becomes pᵢ = wᵢ·aᵢ (one `mul` per input), a chain of `add`s and a last `add` of the
bias, which is z itself. Parameters, activations and the loss keep the network's ids and labels,
so gradients and updates read the same in both views; only the drawing and the plan get finer.
"""

from __future__ import annotations

from app.engine.depth_layout import place
from app.engine.graph import Graph, Node
from app.engine.mathfmt import Sym
from app.engine.network import MLPSpec, bias_node, build_nodes, weight_node
from app.engine.notation import Notation


def build_expanded_graph(spec: MLPSpec) -> Graph:
    nodes, root = build_nodes(spec, products_and_sums)
    place(nodes, root)  # columns by depth: the network's layers are too coarse for this drawing
    return Graph(nodes, root, spec.inputs, spec.targets)


def products_and_sums(add, lab: Notation, l: int, j: int, prev: list[int], W, b) -> int:
    """z = Σ wᵢ·aᵢ + b as pᵢ = wᵢ·aᵢ, a chain of additions, and the bias added last."""
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
    return add(Node(f"z{l}_{j}", "op", lab.unit("z", l, j), op="add", inputs=(acc, bj), role="z"))
