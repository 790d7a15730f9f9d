"""A network lesson at a cursor, as the matrices a textbook writes, and the batch ledger.

Every number is read from the stepped state at the cursor (a cell not computed yet is None), so the
matrix view is the same lesson as the graph, never a second computation. Two conventions:
`columns` (the tutorial's program: one column per sample, Z = W·A + b) and `rows` (PyTorch: one row
per sample, Z = A·Wᵀ + b). Matrices are stored here in the columns convention ("bases"); a block
(one equation) shows operands that are bases or their transposes, and the rows convention is the
transpose of each per-sample equation, (W·A)ᵀ = Aᵀ·Wᵀ. Parameter gradients keep W's shape in both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from app.engine.graph import Graph
from app.engine.lesson import Lesson
from app.engine.mathfmt import Fmt, Matrix, Partial, Rel, Sym, cellwise, superscript
from app.engine.network import MLPSpec
from app.engine.registry import ACTIVATIONS, LOSSES
from app.engine.registry.optimizers import SYMBOLS, hyper_numbers, symbol_lines
from app.engine.stepper import State
from app.engine.update_rule import PLAIN, Rule

CONVENTIONS = ("columns", "rows")
EDGE = 3  # rows or columns kept at each end of an elided axis, as NumPy prints
FULL = 8  # an axis this long or shorter is shown whole
MAX_MARKED_STEPS = 64  # a coarse unit's first steps mark their cells; the rest mark their blocks


def _matrix_slope(loss) -> str:
    """The loss's slope in the matrix view's names, elementwise: ∂ℓ/∂Ŷ = Ŷ − Y."""
    return Rel((Sym("∂ℓ/∂Ŷ"), loss.slope(Sym("Ŷ"), Sym("Y")))).text(Fmt())


def sup(l: int | str) -> str:
    """The layer superscript: ⁽¹⁾."""
    return f"⁽{superscript(str(l))}⁾"


@dataclass
class Base:
    """A matrix in the columns convention: values (None where not computed) and cell ids."""

    key: str
    name: str  # its name in the columns convention
    values: np.ndarray  # float, NaN where `known` is False
    known: np.ndarray  # bool
    ids: list[list[str | None]]  # the node or parameter each cell is
    dims: tuple[str, str]  # what each axis counts: "n1", "m" (samples), "1"
    flips: bool  # transposed in the rows convention (per-sample matrices and bias vectors)
    kind: str  # param, value, grad, new, data, derived


@dataclass
class Operand:
    base: str
    t: bool = False  # transposed, relative to the base
    op: str = ""  # what joins it to the operand before it: "·", "+", "⊙", "−" or ""
    coef: str = ""  # a factor written before it: "(1/m)", "η"
    fn: str = ""  # a function around it: "σ" writes σ(Z)
    broadcast: bool = False  # a bias added to every sample


@dataclass
class Block:
    id: str
    phase: str  # forward, loss, backward, update
    layer: int
    result: Operand
    terms: list[Operand]
    transform: bool = True  # the rows convention transposes the equation (per-sample results)
    why: str = ""
    why_rows: str = ""  # the sentence in the rows convention, where it differs
    note: str = ""
    suffix: str = ""  # written after the terms: ", sample by sample"
    result_name: str = ""  # a name for the result other than its base's
    rule: bool = False  # an optimizer's update: each term's op holds the rule's text before it
    tail: str = ""  # the rule's text after its last term: ") + ε)"


@dataclass
class Marks:
    """Cells the steps of a unit read and write, in base coordinates, by block."""

    cells: dict[str, list[tuple[str, int, int, str]]] = field(default_factory=dict)
    blocks: list[str] = field(default_factory=list)

    def add(self, block: str, base: str, r: int, c: int, how: str) -> None:
        self.cells.setdefault(block, []).append((base, r, c, how))
        if block not in self.blocks:
            self.blocks.append(block)


# ── the matrices at a state ────────────────────────────────────────────────────


class Reader:
    """The bases of one state: every matrix the blocks show, read from the stepped values."""

    def __init__(self, lesson: Lesson, state: State, sample: int):
        self.g: Graph = lesson.graph
        self.spec: MLPSpec = lesson.spec
        self.state = state
        self.sample = sample
        self.m = self.g.batch
        self.bases: dict[str, Base] = {}

    def node_rows(self, ids: list[str], what: str) -> tuple[np.ndarray, np.ndarray]:
        g, st = self.g, self.state
        vals = np.full((len(ids), self.m), np.nan)
        known = np.zeros((len(ids), self.m), dtype=bool)
        for r, nid in enumerate(ids):
            i = g.index[nid]
            if what == "value" and (st.done[i]):
                vals[r] = st.V[st.slot[i]]
                known[r] = True
            elif what == "grad" and st.received[i]:
                vals[r] = st.G[st.slot[i]]
                known[r] = True
        return vals, known

    def add(self, key, name, values, known, ids, dims, flips, kind) -> None:
        self.bases[key] = Base(key, name, values, known, ids, dims, flips, kind)

    def per_sample(self, key, name, ids: list[str], what: str, dim: str, kind: str) -> None:
        vals, known = self.node_rows(ids, what)
        self.add(key, name, vals, known, [[i] * self.m for i in ids], (dim, "m"), True, kind)

    def params(self, key, name, ids: list[list[str]], what: str, dims, flips) -> None:
        g, st = self.g, self.state
        idx = np.array([[g.index[i] for i in row] for row in ids])
        if what == "old":
            vals, known = st.P0[idx], np.ones(idx.shape, dtype=bool)
        elif what == "grad":
            vals, known = st.pgrad[idx].copy(), st.received[idx] > 0
        else:
            vals, known = st.P[idx].copy(), st.updated[idx]
        vals = np.where(known, vals, np.nan)
        kind = {"old": "param", "grad": "grad", "new": "new"}[what]
        self.add(key, name, vals, known, ids, dims, flips, kind)

    def rule_values(self, rule: Rule, l: int, t: str, ids: list[list[str]], dims, flips) -> None:
        """The optimizer's quantities of tensor t⁽ˡ⁾ (m, v, m̂, v̂, …), by its own lines, cell by
        cell from the values its update step read (the old θ, ∂L/∂θ, the state carried in): the
        same arithmetic as the step's, on the cells already updated (the others not computed)."""
        g, st = self.g, self.state
        idx = np.array([[g.index[i] for i in row] for row in ids])
        known = st.updated[idx].astype(bool)
        state = {k: v[idx] for k, v in rule.state0.items()}
        env = rule.opt.inputs(st.P0[idx], st.pgrad[idx], state, st.lr, rule.hyper)
        lines = rule.opt.build(rule.hyper, rule.t)
        with np.errstate(all="ignore"):
            for k, line in enumerate(lines):
                value = np.asarray(line.value(env), dtype=float)
                env[line.name] = value
                if k < len(lines) - 1:  # the last is θ's own: the new W, read already
                    self.add(
                        f"{line.name}:{t}{l}", _quantity(line.name, t, l), np.where(known, value, np.nan),
                        known, ids, dims, flips, "derived",
                    )  # fmt: skip

    def read(self, rule: Rule = PLAIN) -> dict[str, Base]:
        spec, m, s = self.spec, self.m, self.sample
        L = spec.depth
        self.per_sample("A0", "X", [f"x{i}" for i in range(spec.layers[0])], "value", "n0", "data")
        for l in range(1, L + 1):
            n, n_in = spec.layers[l], spec.layers[l - 1]
            act = ACTIVATIONS[spec.activations[l - 1]]
            W = [[f"W{l}_{j}_{i}" for i in range(n_in)] for j in range(n)]
            b = [[f"b{l}_{j}"] for j in range(n)]
            dims_w, dims_b = (f"n{l}", f"n{l - 1}"), (f"n{l}", "1")
            self.params(f"W{l}", f"W{sup(l)}", W, "old", dims_w, False)
            self.params(f"b{l}", f"b{sup(l)}", b, "old", dims_b, True)
            self.params(f"dW{l}", f"∂L/∂W{sup(l)}", W, "grad", dims_w, False)
            self.params(f"db{l}", f"∂L/∂b{sup(l)}", b, "grad", dims_b, True)
            self.params(f"Wn{l}", f"W{sup(l)}", W, "new", dims_w, False)
            self.params(f"bn{l}", f"b{sup(l)}", b, "new", dims_b, True)
            if not rule.plain:
                self.rule_values(rule, l, "W", W, dims_w, False)
                self.rule_values(rule, l, "b", b, dims_b, True)
            zs, As = [f"z{l}_{j}" for j in range(n)], [f"a{l}_{j}" for j in range(n)]
            a_name = "Ŷ" if l == L else f"A{sup(l)}"
            self.per_sample(f"Z{l}", f"Z{sup(l)}", zs, "value", f"n{l}", "value")
            self.per_sample(f"A{l}", a_name, As, "value", f"n{l}", "value")
            da_name = "∂ℓ/∂Ŷ" if l == L else f"∂ℓ/∂A{sup(l)}"
            self.per_sample(f"dA{l}", da_name, As, "grad", f"n{l}", "grad")
            self.per_sample(f"D{l}", f"δ{sup(l)}", zs, "grad", f"n{l}", "grad")
            Z, A, D = self.bases[f"Z{l}"], self.bases[f"A{l}"], self.bases[f"D{l}"]
            if act.jacobian is None:  # f′(Z), as the backward step computes it, once it has
                with np.errstate(all="ignore"):
                    fp = act.grad(
                        np.nan_to_num(Z.values), np.nan_to_num(A.values), spec.leaky_slope
                    )
                known = D.known.copy()
                self.add(
                    f"fp{l}", f"{act.symbol}′(Z{sup(l)})", np.where(known, fp, np.nan), known,
                    Z.ids, (f"n{l}", "m"), True, "derived",
                )  # fmt: skip
            else:  # a coupled layer: the Jacobian ∂a_j/∂z_k of the selected sample
                J = np.full((n, n), np.nan)
                started = bool(self.bases[f"dA{l}"].known.any())
                if started:
                    zv = np.nan_to_num(Z.values[:, s : s + 1])
                    for j in range(n):
                        aj = A.values[j, s : s + 1]
                        for k in range(n):
                            J[j, k] = act.jacobian(zv, aj, k, j)[0]
                ids = [[f"a{l}_{j}" for _ in range(n)] for j in range(n)]
                self.add(
                    f"J{l}", f"J{sup(l)}ₛ", J, np.full((n, n), started), ids,
                    (f"n{l}", f"n{l}"), False, "derived",
                )  # fmt: skip
        self.per_sample(
            "Y", "Y", [f"y{j}" for j in range(spec.layers[-1])], "value", f"n{L}", "data"
        )
        root = self.g.nodes[self.g.root].id
        vals, known = self.node_rows([root], "value")
        self.add("ell", "ℓ", vals, known, [[root] * m], ("1", "m"), True, "value")
        return self.bases


# ── the equations ─────────────────────────────────────────────────────────────


def blocks(spec: MLPSpec, rule: Rule = PLAIN) -> list[Block]:
    """Every equation of one iteration, in the order the plan reaches them (the update's, by the
    scenario's optimizer)."""
    L, out = spec.depth, []
    for l in range(1, L + 1):
        act = ACTIVATIONS[spec.activations[l - 1]]
        out.append(
            Block(
                f"z{l}", "forward", l, Operand(f"Z{l}"),
                [Operand(f"W{l}"), Operand(f"A{l - 1}", op="·"),
                 Operand(f"b{l}", op="+", broadcast=True)],
                note=f"b{sup(l)} is added to every sample: broadcast",
            )
        )  # fmt: skip
        out.append(
            Block(
                f"a{l}", "forward", l, Operand(f"A{l}"), [Operand(f"Z{l}", fn=act.symbol)],
                note=("sample by sample: each sample's outputs sum to 1"
                      if act.output_only else "elementwise: one cell at a time"),
            )
        )  # fmt: skip
    loss = LOSSES[spec.loss]
    out.append(
        Block(
            "loss", "loss", L + 1, Operand("ell"), [Operand(f"A{L}", fn="ℓ"), Operand("Y", op=",")],
            note=f"{loss.title}, per sample; L = (1/m) Σₛ ℓₛ, the mean",
        )
    )  # fmt: skip
    out.append(
        Block(
            "dAL", "backward", L, Operand(f"dA{L}"),
            [Operand(f"A{L}", fn="ℓ′"), Operand("Y", op=",")],
            why="δ starts at the loss: its slope for each output of each sample ("
            + loss.rule.format(slope=_matrix_slope(loss)) + ")",
        )
    )  # fmt: skip
    for l in range(L, 0, -1):
        act = ACTIVATIONS[spec.activations[l - 1]]
        if act.jacobian is None:
            out.append(
                Block(
                    f"d{l}", "backward", l, Operand(f"D{l}"),
                    [Operand(f"dA{l}"), Operand(f"fp{l}", op="⊙")],
                    why=f"⊙ multiplies cell by cell: each z only moved its own a, by {act.symbol}′(z).",
                )
            )  # fmt: skip
        else:
            out.append(
                Block(
                    f"d{l}", "backward", l, Operand(f"D{l}"),
                    [Operand(f"J{l}", t=True), Operand(f"dA{l}", op="·")],
                    suffix=", sample by sample",
                    why=f"{act.title} couples the layer: every a depends on every z, so f′ is a "
                    "Jacobian Jₛ per sample, not one number per cell. "
                    f"{act.rule} δ's column s is Jₛᵀ times ∂ℓ/∂A's column s"
                    + (" (with cross-entropy this comes out as Ŷ − Y)."
                       if spec.loss == "cross_entropy" else "."),
                    note="Jₛ: the selected sample's Jacobian",
                )
            )  # fmt: skip
        out.append(
            Block(
                f"dW{l}", "backward", l, Operand(f"dW{l}"),
                [Operand(f"D{l}", coef="(1/m)"), Operand(f"A{l - 1}", t=True, op="·")],
                transform=False,
                why=f"Why the transpose: W{sup(l)}ⱼₖ met every sample, δⱼ times aₖ of sample s; "
                "transposing A lines its samples up with δ's, so the product sums over the samples "
                "and comes out the shape of W.",
                why_rows=f"Why the transpose: W{sup(l)}ⱼₖ met every sample, δⱼ times aₖ of sample "
                "s; with one row per sample, transposing δ lines its samples up with A's, so the "
                "product sums over the samples and comes out the shape of W (out × in).",
            )
        )  # fmt: skip
        out.append(
            Block(
                f"db{l}", "backward", l, Operand(f"db{l}"),
                [Operand(f"D{l}", coef="(1/m) Σₛ")],
                why=f"b{sup(l)} was broadcast to every sample on the way forward, so its "
                "gradient sums over the samples on the way back.",
            )
        )  # fmt: skip
        if l > 1:
            out.append(
                Block(
                    f"dA{l - 1}", "backward", l, Operand(f"dA{l - 1}"),
                    [Operand(f"W{l}", t=True), Operand(f"D{l}", op="·")],
                    why=f"Why the transpose: W{sup(l)} carried {spec.layers[l - 1]} values forward "
                    f"into {spec.layers[l]}; the gradient goes the other way, so the same weights "
                    f"are read by columns: W{sup(l)}ⱼₖ carried aₖ into zⱼ, so it carries δⱼ back to aₖ.",
                    why_rows=f"Why no transpose here: the forward pass multiplied by W{sup(l)}ᵀ "
                    "(W is stored out × in, as nn.Linear keeps it); the gradient goes the other "
                    f"way, so it multiplies by W{sup(l)} itself: W{sup(l)}ⱼₖ carried aₖ into zⱼ, "
                    "so it carries δⱼ back to aₖ.",
                )
            )  # fmt: skip
    for l in range(L, 0, -1):
        for t in ("W", "b"):
            frozen = f"{t}{l}" in spec.frozen
            if not rule.plain:
                out.append(_rule_block(rule, spec, l, t, frozen))
                continue
            out.append(
                Block(
                    f"u{t}{l}", "update", l, Operand(f"{t}n{l}"),
                    [Operand(f"{t}{l}"), Operand(f"d{t}{l}", op="−", coef="η")],
                    transform=t == "b",
                    why=f"Gradient descent: each {'weight' if t == 'W' else 'bias'} "
                    f"of {t}{sup(l)} moves against its gradient, scaled by "
                    f"η = {spec.learning_rate:g}.",
                    note=f"{t}{l} is frozen: the update leaves it alone" if frozen else "",
                )
            )  # fmt: skip
    return out


def in_convention(block: Block, conv: str) -> tuple[Operand, list[Operand]]:
    """The block's result and terms in a convention: the rows convention transposes a
    per-sample equation, (X·Y)ᵀ = Yᵀ·Xᵀ, so products swap order and every operand turns."""
    if conv == "columns" or not block.transform:
        return block.result, block.terms
    if block.rule:  # elementwise: each operand turns, the order stays
        flip = lambda o: Operand(o.base, not o.t, o.op, o.coef, o.fn, o.broadcast)  # noqa: E731
        return flip(block.result), [flip(o) for o in block.terms]
    flip = lambda o: Operand(o.base, not o.t, o.op, o.coef, o.fn, o.broadcast)  # noqa: E731
    terms = [flip(o) for o in block.terms]
    if len(terms) == 3:  # W·A + b → Aᵀ·Wᵀ + bᵀ, written A·Wᵀ + b
        terms = [terms[1], terms[0], terms[2]]
        terms[0].op, terms[1].op = "", "·"
    elif len(terms) == 2 and terms[1].op == "·":  # X·Y → Yᵀ·Xᵀ, coefficients kept in front
        x, y = terms
        x.op, y.op = "·", ""
        x.coef, y.coef = y.coef, x.coef
        terms = [y, x]
    return flip(block.result), terms


# ── an optimizer's update, as matrices ─────────────────────────────────────────


def _quantity(name: str, t: str, l: int) -> str:
    """A quantity's name in the matrix view: m̂, v̂, … (its tensor is the block's); θ's own
    intermediates as the tensor's: W⁽²⁾′ (AdamW's decayed), g (the gradient with weight decay)."""
    if name == "theta":
        return f"{t}{sup(l)}′"
    return SYMBOLS[name].text(Fmt()) if name in SYMBOLS else name


def _tidy(text: str) -> str:
    text = " ".join(text.split()).replace("( ", "(").replace(" )", ")").replace("√ ", "√")
    return re.sub(r" (?=[²³ᵗ])", "", text)  # a power binds to its base: ḡ², not ḡ ²


def _rule_block(rule: Rule, spec: MLPSpec, l: int, t: str, frozen: bool) -> Block:
    """θ ← the optimizer's own last line, its quantities as matrices (W − η·m̂ ⊘ (√v̂ + ε) for
    Adam, W − η·v for momentum): each term's op carries the rule's text before it."""
    theta = Sym(f"{t}{sup(l)}")
    grad = Partial(Sym("L"), theta)  # bracketed where squared: (∂L/∂W⁽²⁾)²
    written = symbol_lines(rule.opt, rule.hyper, rule.t, theta, grad, Sym(_quantity("theta", t, l)))
    lines = [ln for ln, _, _ in written]
    names = {ln.name for ln in lines[:-1]}
    env = {k: v for k, v in SYMBOLS.items()}
    env["theta"] = Matrix(f"theta:{t}{l}") if "theta" in names else Matrix(f"{t}{l}")
    env["g"] = Matrix(f"g:{t}{l}") if "g" in names else Matrix(f"d{t}{l}")
    for name in names - {"theta", "g"}:
        env[name] = Matrix(f"{name}:{t}{l}")
    pieces = cellwise(lines[-1].formula(env))  # text, matrix, text, …, text
    terms = [
        Operand(m.key, op=_tidy(before))
        for before, m in zip(pieces[:-1:2], pieces[1::2], strict=True)
    ]
    # how each quantity before it came, in words a student can redo by hand
    said = []
    for ln, who, formula in written[:-1]:
        rhs = formula.text(Fmt()).replace("^t", "ᵗ")  # β₁ᵗ, as the explanation writes it
        said.append(f"{who.text(Fmt())} {'←' if ln.state else '='} {rhs}")
    h = hyper_numbers(rule.hyper)
    values = [f"η = {spec.learning_rate:g}"] + [
        f"{SYMBOLS[k].text(Fmt())} = {v:g}".replace("-", "−")
        for k, v in h.items()
        if k in SYMBOLS and not isinstance(v, bool) and k != "lr"
    ]
    why = (
        f"{rule.opt.title}, step t = {rule.t}: "
        + ("; ".join(said) + "; then " if said else "")
        + f"{t}{sup(l)} by the rule above, cell by cell ({', '.join(values)})."
    )
    return Block(
        f"u{t}{l}", "update", l, Operand(f"{t}n{l}"), terms,
        transform=t == "b", why=why, rule=True, tail=_tidy(pieces[-1]),
        note=f"{t}{l} is frozen: the update leaves it alone" if frozen else "",
    )  # fmt: skip


# ── cells the steps read and write ──────────────────────────────────────────


def marks(lesson: Lesson, start: int, end: int, sample: int) -> Marks:
    """The blocks and cells (base coordinates) the steps [start, end) read and write."""
    g, plan, spec = lesson.graph, lesson.plan, lesson.spec
    s, m = sample, g.batch
    out = Marks()
    for t in range(start, end):
        step = plan.step(t)
        nd, tg = g.nodes[step.node], g.nodes[step.target]
        cells = t - start < MAX_MARKED_STEPS

        def add(block, base, r, c, how, _cells=cells):
            if _cells:
                out.add(block, base, r, c, how)
            elif block not in out.blocks:
                out.blocks.append(block)

        if step.phase == "forward":
            if nd.op == "wsum":
                l, j = nd.layer, nd.row
                for i in range(spec.layers[l - 1]):
                    add(f"z{l}", f"W{l}", j, i, "read")
                    add(f"z{l}", f"A{l - 1}", i, s, "read")
                add(f"z{l}", f"b{l}", j, 0, "read")
                add(f"z{l}", f"Z{l}", j, s, "write")
            elif nd.op == "act":
                l, j = nd.layer, nd.row
                rows = (
                    range(spec.layers[l])
                    if ACTIVATIONS[nd.attrs["activation"]].output_only
                    else (j,)
                )
                for k in rows:
                    add(f"a{l}", f"Z{l}", k, s, "read")
                add(f"a{l}", f"A{l}", j, s, "write")
            elif nd.op == "loss":
                for k in range(spec.layers[-1]):
                    add("loss", f"A{spec.depth}", k, s, "read")
                    add("loss", "Y", k, s, "read")
                add("loss", "ell", 0, s, "write")
        elif step.phase == "backward":
            if nd.op == "loss":  # ∂ℓ/∂ŷⱼ
                j = tg.row
                add("dAL", f"A{spec.depth}", j, s, "read")
                add("dAL", "Y", j, s, "read")
                add("dAL", f"dA{spec.depth}", j, s, "write")
            elif nd.op == "act":  # aⱼ → z_k
                l, j, k = nd.layer, nd.row, tg.row
                add(f"d{l}", f"dA{l}", j, s, "read")
                if ACTIVATIONS[nd.attrs["activation"]].jacobian is None:
                    add(f"d{l}", f"fp{l}", k, s, "read")
                else:
                    add(f"d{l}", f"J{l}", j, k, "read")
                add(f"d{l}", f"D{l}", k, s, "write")
            elif nd.op == "wsum":
                l, j = nd.layer, nd.row
                if tg.role == "W":
                    i = tg.index[1]
                    for c in range(m) if m <= FULL else sorted({0, 1, 2, m - 3, m - 2, m - 1, s}):
                        add(f"dW{l}", f"D{l}", j, c, "read")
                        add(f"dW{l}", f"A{l - 1}", i, c, "read")
                    add(f"dW{l}", f"dW{l}", j, i, "write")
                elif tg.role == "b":
                    for c in range(m) if m <= FULL else sorted({0, 1, 2, m - 3, m - 2, m - 1, s}):
                        add(f"db{l}", f"D{l}", j, c, "read")
                    add(f"db{l}", f"db{l}", j, 0, "write")
                else:  # → a⁽ˡ⁻¹⁾ᵢ
                    i = tg.row
                    add(f"dA{l - 1}", f"W{l}", j, i, "read")
                    add(f"dA{l - 1}", f"D{l}", j, s, "read")
                    add(f"dA{l - 1}", f"dA{l - 1}", i, s, "write")
        else:
            t_name, l = tg.role, int(tg.tensor[1:])
            r, c = (tg.index[0], tg.index[1]) if t_name == "W" else (tg.index[0], 0)
            blk = f"u{t_name}{l}"
            add(blk, f"{t_name}{l}", r, c, "read")
            add(blk, f"d{t_name}{l}", r, c, "read")
            add(blk, f"{t_name}n{l}", r, c, "write")
    return out


# ── elision and the answer ─────────────────────────────────────────────────────


def _shown(n: int, keep: set[int]) -> list[int | None]:
    """Indices shown of an axis of n: all of a short one; else both ends, `keep` and … (None)."""
    if n <= FULL:
        return list(range(n))
    idx = sorted({*range(EDGE), *range(n - EDGE, n), *(k for k in keep if 0 <= k < n)})
    out: list[int | None] = []
    for k in idx:
        if out and out[-1] is not None and k > out[-1] + 1:
            out.append(None)
        out.append(k)
    return out


def _shape(o_shape: tuple[int, int]) -> str:
    return f"({o_shape[0]} × {o_shape[1]})"


def matrices(lesson: Lesson, state: State, start: int, end: int, sample: int, conv: str) -> dict:
    """The matrix view at a state: blocks of operands with their shown cells and marks."""
    spec = lesson.spec
    rule = lesson.rule
    bases = Reader(lesson, state, sample).read(rule)
    mk = marks(lesson, start, end, sample)
    keep: dict[str, set[int]] = {"m": {sample}}  # per dimension: indices that must be shown
    for cells in mk.cells.values():
        for base, r, c, _ in cells:
            d0, d1 = bases[base].dims
            keep.setdefault(d0, set()).add(r)
            keep.setdefault(d1, set()).add(c)
    shown_blocks = []
    for blk in blocks(spec, rule):
        result, terms = in_convention(blk, conv)
        cells = mk.cells.get(blk.id, [])
        if blk.rule:  # the cell written, read in every quantity of the rule
            wrote = [(r, c) for base, r, c, how in cells if how == "write"]
            cells = [*cells, *((o.base, r, c, "read") for o in blk.terms for r, c in wrote)]
        views = [_operand(o, bases[o.base], conv, keep, cells) for o in (result, *terms)]
        res, ts = views[0], views[1:]
        if blk.result_name:
            res["name"] = blk.result_name
        shown_blocks.append(
            {
                "id": blk.id,
                "phase": blk.phase,
                "layer": blk.layer,
                "equation": _equation(res, ts, blk),
                "shapes": _shapes(res, ts, blk, spec.inputs.shape[0]),
                "why": blk.why_rows if conv == "rows" and blk.why_rows else blk.why,
                "note": blk.note,
                "tail": blk.tail,
                "active": blk.id in mk.blocks,
                "result": res,
                "terms": ts,
            }
        )
    return {
        "convention": conv,
        "samples": lesson.graph.batch,
        "sample": sample,
        "blocks": shown_blocks,
        "active": mk.blocks,
    }


def _operand(o: Operand, b: Base, conv: str, keep: dict, cells: list) -> dict:
    vals, known, ids = b.values, b.known, b.ids
    d0, d1 = b.dims
    if o.t:
        vals, known, d0, d1 = vals.T, known.T, d1, d0
        ids = [list(col) for col in zip(*ids, strict=True)]
    natural = b.flips and conv == "rows"  # the rows convention's own orientation is transposed
    name = b.name + ("ᵀ" if o.t != natural else "")
    R, C = vals.shape
    rows, cols = _shown(R, keep.get(d0, set())), _shown(C, keep.get(d1, set()))
    grid, id_grid = [], []
    for r in rows:
        if r is None:
            grid.append([None] * len(cols))
            id_grid.append([None] * len(cols))
            continue
        grid.append([float(vals[r, c]) if c is not None and known[r, c] else None for c in cols])
        id_grid.append([ids[r][c] if c is not None else None for c in cols])
    sample_axis = "rows" if d0 == "m" else ("cols" if d1 == "m" else None)
    read, write = [], []
    for base, r, c, how in cells:
        if base != o.base:
            continue
        rc = [c, r] if o.t else [r, c]
        (read if how == "read" else write).append(rc)
    return {
        "key": o.base,
        "name": name,
        "kind": b.kind,
        "shape": [R, C],
        "rows": rows,
        "cols": cols,
        "cells": grid,
        "ids": id_grid,
        "sample_axis": sample_axis,
        "op": o.op,
        "coef": o.coef,
        "fn": o.fn,
        "broadcast": o.broadcast,
        "read": read,
        "write": write,
    }


def _term_text(o: dict) -> str:
    core = f"{o['fn']}({o['name']}" if o["fn"] else o["name"]
    return f"{o['coef']} {core}".strip() if o["coef"] else core


def _equation(res: dict, ts: list[dict], blk: Block) -> str:
    if blk.rule:
        return _tidy(
            f"{res['name']} ← " + " ".join(f"{o['op']} {o['name']}" for o in ts) + f" {blk.tail}"
        )
    parts = []
    for k, o in enumerate(ts):
        text = _term_text(o)
        if k:
            text = f"{o['op']} {text}" if o["op"] != "," else f", {text}"
        parts.append(text)
    body = " ".join(parts).replace(" , ", ", ")
    if ts and ts[0]["fn"]:
        body += ")"
    arrow = "←" if blk.phase == "update" else "="
    lhs = res["name"]
    if blk.phase == "update":
        lhs = ts[0]["name"]
    return f"{lhs} {arrow} {body}{blk.suffix}"


def _shapes(res: dict, ts: list[dict], blk: Block, m: int) -> str:
    if blk.rule:
        body = " ".join(f"{o['op']} {_shape(tuple(o['shape']))}" for o in ts) + f" {blk.tail}"
        return _tidy(f"{body} → {_shape(tuple(res['shape']))}")
    parts = []
    for k, o in enumerate(ts):
        shape = _shape(tuple(o["shape"]))
        if "Σ" in o["coef"]:
            shape = f"Σ over the {m} sample{'s' if m != 1 else ''} of {shape}"
        if k:
            shape = f"{o['op']} {shape}" if o["op"] != "," else f", {shape}"
        parts.append(shape)
    return f"{' '.join(parts).replace(' , ', ', ')} → {_shape(tuple(res['shape']))}"


# ── the batch ledger ──────────────────────────────────────────────────────────


def contributions(lesson: Lesson, state: State, param: int) -> np.ndarray | None:
    """Each sample's ∂ℓₛ/∂θ, as the backward steps computed it (their mean is ∂L/∂θ), or None
    until every contribution to θ's gradient has arrived."""
    g = lesson.graph
    if state.received[param] < g.fan_out[param]:
        return None
    total = np.zeros(g.batch)
    for consumer, position in g.consumers[param]:
        if g.requires_grad[consumer]:
            with np.errstate(all="ignore"):
                total = total + state.contribution(consumer, position)
    return total
