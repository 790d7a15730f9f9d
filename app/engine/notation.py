"""The names people read, in one 1-based scheme (README, "Notation").

Layer l = 1…L counts the weight layers (0 is the input layer, L the output layer); j is a
neuron of layer l and k a neuron of layer l − 1, both counted from 1:

    W⁽ˡ⁾ⱼₖ  the weight from neuron k of layer l − 1 to neuron j of layer l (row j, column k)
    b⁽ˡ⁾ⱼ, z⁽ˡ⁾ⱼ, a⁽ˡ⁾ⱼ, δ⁽ˡ⁾ⱼ = ∂L/∂z⁽ˡ⁾ⱼ   neuron j of layer l
    ŷⱼ = a⁽ᴸ⁾ⱼ, yⱼ, xₖ   the outputs, the targets, the inputs
    L, ℓ   the loss; with several samples L is their mean, (1/m)·Σℓ, and ℓ one sample's loss

Indices are never dropped, not even for a one-neuron layer (z⁽²⁾₁, W⁽²⁾₁₃): a name keeps its
shape when a layer grows, and W⁽²⁾₃ could be read as row 3 or as column 3. Once an index has two
digits the subscripts are separated by a comma: W⁽²⁾₁₀,₃.

The tutorial's own names stay for its shape, a network with one neuron in every layer after
the inputs (2 → 1 → 1): there the layer alone names a neuron, z₁, a₁, b₁, δ₁, z₂, ŷ, y, and a
weight W₂ (one input) or W₁ₖ (input k of layer 1), as the tutorial writes W₁₁, W₁₂, W₂.

The stable ids (W1_0_2, b2_0, z1_0, a1_0, x0, y0: 0-based) are the API's contract and never
change; only these names do. `Notation(layers).label(id)` gives a name as text, LaTeX and MathML.
"""

from __future__ import annotations

import re

from app.engine.mathfmt import Fmt, Sym, render

_ID = re.compile(r"^(?:([xy])(\d+)|([Wbza])(\d+)_(\d+)(?:_(\d+))?)$")
_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹", "01234567890123456789")
_LABEL = re.compile(r"^(ŷ|[xyWbzaδ])(?:⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾)?([₀₁₂₃₄₅₆₇₈₉,]*)$")


LOSS, SAMPLE_LOSS = Sym("L"), Sym("ℓ")  # immutable: shared by every graph and explanation


def loss_symbol(samples: int) -> Sym:
    """The loss node's name where one sample's values are shown: L, or ℓ (that sample's loss)
    when there are several and L is their mean."""
    return SAMPLE_LOSS if samples > 1 else LOSS


def is_chain(layers: list[int]) -> bool:
    """One neuron in every layer after the inputs: the tutorial's shape, named its way."""
    return len(layers) > 1 and all(n == 1 for n in layers[1:])


def subscript(*ks: int) -> str:
    """1-based indices as one subscript: 13, or 10,3 once any index has two digits."""
    if max(ks) < 10:
        return "".join(map(str, ks))
    return ",".join(map(str, ks))


class Notation:
    """Every name of one network: `unit`, `weight`, `input`, `target` take 0-based indices."""

    def __init__(self, layers: list[int]):
        self.layers = list(layers)
        self.out = len(layers) - 1
        self.chain = is_chain(self.layers)

    def unit(self, base: str, l: int, j: int) -> Sym:
        """Neuron j of layer l: base z, a, b, δ (or s, p: parts of an expanded neuron)."""
        if l == self.out and base == "a":
            return Sym("ŷ", "" if self.chain else str(j + 1))
        if self.chain:
            return Sym(base, str(l))
        return Sym(base, str(j + 1), f"({l})")

    def weight(self, l: int, j: int, k: int) -> Sym:
        """W⁽ˡ⁾: row j (neuron of layer l), column k (neuron of layer l − 1)."""
        if self.chain:
            return Sym("W", str(l) if self.layers[l - 1] == 1 else subscript(l, k + 1))
        return Sym("W", subscript(j + 1, k + 1), f"({l})")

    def weight_row(self, l: int, j: int, n: int) -> list[Sym]:
        """weight(l, j, k) for k = 0 … n − 1, made at once: the same symbols, in a fraction of
        the time (a 64-wide layer names 4,096 weights, the largest network 40,960)."""
        if self.chain:
            return [self.weight(l, j, k) for k in range(n)]
        sup, new, row = f"({l})", object.__new__, j + 1
        out = []
        for k in range(1, n + 1):
            sym = new(Sym)  # Sym(...) without its frozen dataclass's field-by-field __init__
            sym.__dict__.update(base="W", sub=subscript(row, k), sup=sup, ref="", of="value")
            out.append(sym)
        return out

    def layer(self, base: str, l: int) -> Sym:
        """A whole layer's vector or matrix: W⁽ˡ⁾, b⁽ˡ⁾, z⁽ˡ⁾, δ⁽ˡ⁾ (the tutorial's shape: W₁, z₁)."""
        if l == self.out and base == "a":
            return Sym("ŷ")
        if self.chain:
            return Sym(base, str(l))
        return Sym(base, "", f"({l})")

    def tensor_ids(self, tensor: str) -> list[list[str]]:
        """The stable ids of a parameter tensor (W2, b1) in its rows: [[W2_0_0, W2_0_1], …]."""
        kind, l = tensor[0], int(tensor[1:])
        rows, cols = self.layers[l], self.layers[l - 1]
        if kind == "b":
            return [[f"b{l}_{j}"] for j in range(rows)]
        return [[f"W{l}_{j}_{k}" for k in range(cols)] for j in range(rows)]

    def input(self, k: int) -> Sym:
        return Sym("x", str(k + 1))

    def target(self, j: int) -> Sym:
        return Sym("y", "" if self.chain else str(j + 1))

    def of_id(self, node_id: str) -> Sym:
        """The name of a stable id: W1_3_1 → W⁽¹⁾₄₂, b2_0, z1_0, a1_0, x0, y0."""
        m = _ID.match(node_id)
        if not m:
            raise ValueError(f"not a network id: {node_id!r}")
        if m.group(1):
            i = int(m.group(2))
            return self.input(i) if m.group(1) == "x" else self.target(i)
        kind, l, j = m.group(3), int(m.group(4)), int(m.group(5))
        if kind == "W":
            return self.weight(l, j, int(m.group(6)))
        return self.unit(kind, l, j)

    def label(self, node_id: str) -> dict[str, str]:
        """A stable id's name as {text, latex, mathml}, as the graph's labels are."""
        return render(self.of_id(node_id), Fmt())

    def text(self, node_id: str) -> str:
        return self.of_id(node_id).text(Fmt())

    def parse(self, text: str) -> tuple[str, int, int, int | None]:
        """A name back to (kind, layer, row, column), 1-based: W⁽²⁾₁₀,₃ → ("W", 2, 10, 3).

        ŷ is ("a", L, j, None), y ("y", L, j, None), x ("x", 0, k, None)."""
        m = _LABEL.match(text)
        if not m:
            raise ValueError(f"not a name of this notation: {text!r}")
        base, sup, sub = m.group(1), m.group(2), m.group(3).translate(_DIGITS)
        if base in ("ŷ", "y"):
            return ("a" if base == "ŷ" else "y", self.out, int(sub) if sub else 1, None)
        if base == "x":
            return ("x", 0, int(sub), None)
        if self.chain:  # the tutorial's names: the subscript is the layer (then W's input)
            if base != "W":
                return (base, int(sub), 1, None)
            if "," in sub:
                l, k = sub.split(",")
                return ("W", int(l), 1, int(k))
            if len(sub) == 2 and sub != "10":  # W₁ₖ: layer 1, input k (no layer 11 or more)
                return ("W", 1, 1, int(sub[1]))
            return ("W", int(sub), 1, 1)
        if sup is None:
            raise ValueError(f"{text!r} does not say its layer")
        layer = int(sup.translate(_DIGITS))
        if base != "W":
            return (base, layer, int(sub), None)
        row, col = sub.split(",") if "," in sub else sub
        return ("W", layer, int(row), int(col))
