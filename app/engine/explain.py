"""Every step explained: the formula, the same with numbers filled in, the result and a sentence.

Values are those of the selected sample; a parameter's gradient is the mean over the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.engine.mathfmt import (
    Bin,
    Call,
    Chain,
    Expr,
    Fmt,
    Frac,
    Neg,
    Num,
    Paren,
    Partial,
    Pow,
    Rel,
    Sym,
    Word,
    n,
    render_all,
    render_direct,
)
from app.engine.notation import LOSS, loss_symbol
from app.engine.ops import OPS, slope_of
from app.engine.plan import Step
from app.engine.registry import ACTIVATIONS, LOSSES, PRIMITIVES
from app.engine.registry.activations import SOFTMAX_JACOBIAN
from app.engine.registry.base import E, clip
from app.engine.registry.base import terms as _terms
from app.engine.registry.optimizers import Sig, explain_lines
from app.engine.registry.primitives import pow_exponent_note
from app.engine.stepper import State, mean

ONE, ALPHA = Num(1.0), Sym("α")
WORDS = Fmt()  # how a sentence writes a symbol (Fmt is immutable too)
TEMPLATED_NODES = 2_000  # graphs up to this size render explanations from templates


@dataclass
class Explanation:
    formula: Expr
    substituted: Expr
    result: Expr
    sentence: str
    value: float
    added: float | None = None  # backward: what this step adds to the target's gradient
    # update by an optimizer: its state's lines before the parameter's (formula, numbers, result)
    lines: list[tuple[Expr, Expr, Expr]] = field(default_factory=list)
    templated: bool = field(default=True, repr=False, compare=False)  # rendered from templates
    # numbers of the sentence, written at the lesson's precision where it says ⟦k⟧ (see _fig)
    figures: tuple[float, ...] = ()

    def words(self, fmt: Fmt) -> str:
        """The sentence, its numbers written at fmt's precision, as the equations' are."""
        return _figures(self.sentence, self.figures, fmt) if self.figures else self.sentence

    def render(self, fmt: Fmt) -> dict:
        exprs = (self.formula, self.substituted, self.result, *[x for ln in self.lines for x in ln])
        shown = render_all(exprs, fmt) if self.templated else [render_direct(e, fmt) for e in exprs]
        out = {
            "formula": shown[0],
            "substituted": shown[1],
            "result": shown[2],
            "sentence": self.words(fmt),
            "lines": None,
        }
        if self.lines:
            out["lines"] = [
                {"formula": shown[k], "substituted": shown[k + 1], "result": shown[k + 2]}
                for k in range(3, len(shown), 3)
            ]
        return out


def _at(v, sample: int) -> float:
    """float(v) for one number (a parameter's), float(v[sample]) for a per-sample array."""
    return float(v[sample]) if isinstance(v, np.ndarray) and v.ndim else float(v)


def _moves(sym: Sym, old: float, new: float) -> str:
    """Where an update left a parameter, as the end of a sentence: "W₂ rises"."""
    name = sym.text(WORDS)
    if not np.isfinite(new):
        return f"{name} becomes undefined (not a finite number)"
    return f"{name} " + ("rises" if new > old else "drops" if new < old else "stays the same")


def _figures(sentence: str, figures: tuple[float, ...], fmt: Fmt) -> str:
    """The sentence with its numbers written as the equations' are (the lesson's Decimals)."""
    for k, v in enumerate(figures):
        sentence = sentence.replace(f"⟦{k}⟧", fmt.number(v))
    return sentence


class Explainer:
    def __init__(self, state: State, sample: int):
        self.s = state
        self.g = state.graph
        self.sample = sample
        self.m = self.g.batch
        root = self.g.nodes[self.g.root]
        # a network's root is the loss L; an expression's root is its output f: write ∂f/∂a
        self.top = LOSS if root.role == "loss" else root.sym
        self.L = self.top if root.role != "loss" else loss_symbol(self.m)
        # a small graph's steps recur in every scenario of its shape: their words are templated;
        # a large one's are each met once or twice (kept graph shapes are as small: lesson.py)
        self.templated = len(self.g.nodes) <= TEMPLATED_NODES

    # ── helpers ──────────────────────────────────────────────────────────────

    def sym(self, i: int) -> Sym:
        """Node i's symbol, marked as naming it (the page links a term to its graph element)."""
        nd = self.g.nodes[i]
        return nd.sym.to(nd.id)

    def me(self, nd) -> Sym:
        return nd.sym.to(nd.id)

    def num(self, i: int) -> Num:
        """Node i's value as a number, marked as being that value."""
        return n(self.val(i), self.g.nodes[i].id)

    def val(self, i: int) -> float:
        # _at(self.s.value(i), self.sample), read with one index
        s = self.s
        row = s.slot[i]
        return float(s.P[i]) if row < 0 else float(s.V[row, self.sample])

    def gval(self, i: int) -> float:
        # _at(self.s.grad(i), self.sample), read with one index
        s = self.s
        row = s.slot[i]
        return float(s.pgrad[i]) if row < 0 else float(s.G[row, self.sample])

    def gsym(self, i: int) -> Expr:
        """δ for a pre-activation z, ∂L/∂v otherwise."""
        nd = self.g.nodes[i]
        if nd.role == "z":
            return Sym("δ", nd.sym.sub, nd.sym.sup, nd.id, "grad")
        top = self.top if nd.kind == "param" else self.L
        return Partial(top, nd.sym, nd.id)

    # ── dispatch ─────────────────────────────────────────────────────────────

    def explain(self, step: Step, before: float) -> Explanation:
        """`before`: the target's accumulated gradient (or the parameter) before this step."""
        if step.phase == "forward":
            e = self.forward(step.node)
        elif step.phase == "backward":
            e = self.backward(step, before)
        else:
            e = self.update(step.target)
        e.templated = self.templated
        return e

    # ── forward ──────────────────────────────────────────────────────────────

    def forward(self, i: int) -> Explanation:
        nd = self.g.nodes[i]
        ins = list(nd.inputs)
        out = Rel((self.me(nd), self.num(i)))
        figures: tuple[float, ...] = ()
        if nd.op == "wsum":
            k = nd.attrs["fan_in"]
            sym_terms = [Bin("·", self.sym(ins[k + j]), self.sym(ins[j])) for j in range(k)]
            num_terms = [Bin("×", self.num(ins[k + j]), self.num(ins[j])) for j in range(k)]
            formula = Rel((self.me(nd), _terms([*sym_terms, self.sym(ins[2 * k])])))
            subst = Rel((self.me(nd), _terms([*num_terms, self.num(ins[2 * k])])))
            words = f"{nd.sym.text(WORDS)} adds up its weighted inputs plus its bias."
        elif nd.op == "act":
            formula, subst, words = self._act_forward(nd, ins)
        elif nd.op == "loss":
            formula, subst, words = self._loss_forward(nd, ins)
            if self.m > 1:  # where the mean over the samples is taken: said here, not every step
                figures = (float(np.mean(self.s.value(i))),)
                out = Rel((self.L.to(nd.id), self.num(i)))
                words += (
                    f" Values are for sample {self.sample + 1} of {self.m}: ℓ is its loss. The "
                    f"batch loss L is the mean over the {self.m} samples, L = (1/{self.m})·Σℓ = ⟦0⟧."
                )
        else:
            formula, subst, words = self._function_forward(nd, ins)
        if nd.op == "loss":
            formula = Rel((self.L.to(nd.id), *formula.sides[1:]))
            subst = Rel((self.L.to(nd.id), *subst.sides[1:]))
        return Explanation(formula, subst, out, words, self.val(i), figures=figures)

    def _act_forward(self, nd, ins):
        act = ACTIVATIONS[nd.attrs["activation"]]
        a = self.me(nd)
        if act.output_only:  # softmax: every z of the layer
            j = nd.attrs["index"]
            zs = [self.sym(k) for k in ins]
            formula = Rel((a, Frac(Pow(E, zs[j]), _terms([Pow(E, z) for z in zs]))))
            vals = [self.num(k) for k in ins]
            subst = Rel((a, Frac(Pow(E, vals[j]), _terms([Pow(E, v) for v in vals]))))
            return formula, subst, act.words + "."
        z, zv = self.sym(ins[0]), self.num(ins[0])
        formula = Rel((a, *act.formula(z, ALPHA)))
        subst = Rel((a, act.formula(zv, n(slope_of(nd.attrs)))[-1]))
        words = (
            act.words.format(z=z.text(WORDS)) + f": {a.text(WORDS)} is what this neuron passes on."
        )
        return formula, subst, words

    def _loss_forward(self, nd, ins):
        k = len(ins) // 2
        loss = LOSSES[nd.attrs["loss"]]
        pairs = [(self.sym(ins[j]), self.sym(ins[k + j])) for j in range(k)]
        nums = [(self.num(ins[j]), self.num(ins[k + j])) for j in range(k)]
        return Rel((LOSS, loss.formula(pairs))), Rel((LOSS, loss.formula(nums))), loss.words

    # ── backward ─────────────────────────────────────────────────────────────

    def backward(self, step: Step, before: float) -> Explanation:
        i, j, pos = step.node, step.target, step.position
        nd, tgt = self.g.nodes[i], self.g.nodes[j]
        up, upv = self.gsym(i), self.gval(i)
        ins = list(nd.inputs)
        xs = self.s.inputs_of(i)
        with np.errstate(all="ignore"):
            local_all = OPS[nd.op].grad(xs, self.s.V[self.s.slot[i]], pos, nd.attrs)
        if isinstance(local_all, np.ndarray) and local_all.shape == (self.m,):
            local = float(local_all[self.sample])
        else:  # a scalar or a single value for the whole batch
            local = float(np.broadcast_to(local_all, (self.m,))[self.sample])
        lsym, lnum, words = self._local(nd, ins, pos, local)
        figures: tuple[float, ...] = ()
        target = self.gsym(j)
        if i == self.g.root:
            formula = Rel((target, lsym))
            subst = Rel((target, lnum))
        elif nd.op == "act" and not ACTIVATIONS[nd.attrs["activation"]].output_only:
            slope = Call(f"{ACTIVATIONS[nd.attrs['activation']].symbol}'", (self.sym(ins[0]),))
            sides = (
                (Bin("·", up, slope), Bin("·", up, lsym))
                if lsym != slope
                else (Bin("·", up, lsym),)
            )
            formula = Rel((target, *sides))
            subst = Rel((target, Bin("×", n(upv, nd.id, "grad"), lnum)))
        else:
            formula = Rel((target, Bin("·", up, lsym)))
            subst = Rel((target, Bin("×", n(upv, nd.id, "grad"), lnum)))
        total, c = self.g.fan_out[j], int(self.s.received[j])
        contribution = upv * local
        if tgt.kind == "param":
            if self.m > 1:
                mine = Bin("·", up, lsym) if i != self.g.root else lsym
                formula = Rel(
                    (target, Bin("·", Frac(ONE, Num(float(self.m))), Call("Σₛ", (mine,))))
                )
                per = np.broadcast_to(self.s.G[self.s.slot[i]] * local_all, (self.m,))
                shown = (
                    [n(v) for v in per]
                    if self.m <= 4
                    else [n(per[0]), n(per[1]), Word("…"), n(per[-1])]
                )
                subst = Rel(
                    (
                        target,
                        Bin("×", Frac(ONE, Num(float(self.m))), Paren(Chain("+", tuple(shown)))),
                    )
                )
                # its term of the mean (1/m)·Σₛ, and what that term adds to the mean
                figures = (contribution, contribution / self.m)
                words += (
                    f" This sample's term is ⟦0⟧; the gradient is the mean of "
                    f"{'both' if self.m == 2 else f'all {self.m}'} samples' terms, so this one "
                    f"adds ⟦0⟧/{self.m} = ⟦1⟧."
                )
            if total > 1:
                new = Bin("+", n(before), subst.sides[-1])
                formula = Rel((target, Bin("+", target, formula.sides[-1])), op="←")
                subst = Rel((target, new), op="←")
        elif total > 1:
            formula = Rel((target, Bin("+", target, formula.sides[-1])), op="←")
            subst = Rel((target, Bin("+", n(before), subst.sides[-1])), op="←")
        if total > 1:
            more = "the last one: it is now complete" if c == total else f"{total - c} more to come"
            words += f" Contribution {c} of {total} to {tgt.sym.text(WORDS)}'s gradient ({more})."
            if c == total and self._softmax_ce(nd):
                p, y = self.val(i - nd.attrs["index"] + pos), self._target_of(pos)
                at = len(figures)
                figures = (*figures, p, p - y)
                words += (
                    f" Softmax with cross-entropy simplifies to p − y = ⟦{at}⟧ − {y:g} = "
                    f"⟦{at + 1}⟧: the same number, without the Jacobian."
                )
        result = Rel((target, n(self.gval(j), tgt.id, "grad")))
        # what the step's += adds (stepper.State._accumulate): a parameter takes the batch mean
        added = contribution
        if tgt.kind == "param":
            with np.errstate(all="ignore"):
                added = float(mean(self.s.grad(i) * local_all))
        return Explanation(formula, subst, result, words, self.gval(j), added, figures=figures)

    def _softmax_ce(self, nd) -> bool:
        root = self.g.nodes[self.g.root]
        return nd.attrs.get("activation") == "softmax" and root.attrs.get("loss") == "cross_entropy"

    def _target_of(self, k: int) -> float:
        """The target value y_k of output k (for the softmax + cross-entropy shortcut)."""
        root = self.g.nodes[self.g.root]
        return self.val(root.inputs[len(root.inputs) // 2 + k])

    def _local(self, nd, ins, pos, local):
        """The local derivative ∂node/∂input as symbols and as numbers, with the step's sentence."""
        xsym = self.sym(ins[pos])
        if nd.op == "loss":
            return self._loss_local(nd, ins, pos)
        if nd.op == "wsum":
            k = nd.attrs["fan_in"]
            if pos < k:
                w = ins[k + pos]
                return (
                    self.sym(w),
                    self.num(w),
                    (
                        f"Pass the error upstream: {xsym.text(WORDS)} receives "
                        f"{self.gsym(self.g.index[nd.id]).text(WORDS)} scaled by the weight "
                        f"{self.sym(w).text(WORDS)} that connects them."
                    ),
                )
            if pos < 2 * k:
                a = ins[pos - k]
                return (
                    self.sym(a),
                    self.num(a),
                    (
                        f"How much did {xsym.text(WORDS)} contribute to the error? Its gradient is δ times "
                        f"the input {self.sym(a).text(WORDS)} it multiplied."
                    ),
                )
            return ONE, ONE, "A bias has coefficient 1 in Wx + b, so its gradient is just δ."
        if nd.op == "act":
            return self._act_local(nd, ins, pos, local)
        name = Partial(nd.sym, xsym)
        lsym, lnum, rule = self._function_local(nd, ins, pos, local)
        return (
            lsym,
            lnum,
            (
                f"Chain rule: multiply the gradient arriving at {nd.sym.text(WORDS)} by the local "
                f"derivative {name.text(WORDS)}. {rule}"
            ),
        )

    # ── the operations of expression graphs: the registry's primitives and activations ──

    def _function_forward(self, nd, ins):
        args = [self.sym(j) for j in ins]
        nums = [self.num(j) for j in ins]
        if nd.op in ACTIVATIONS:  # an activation used as a function: tanh(u)
            act = ACTIVATIONS[nd.op]
            formula = Rel((self.me(nd), *act.formula(args[0], ALPHA)))
            subst = Rel((self.me(nd), act.formula(nums[0], Num(0.0))[-1]))
            words = act.words.format(z=args[0].text(WORDS)) + f": that is {nd.sym.text(WORDS)}."
            return formula, subst, words
        p = PRIMITIVES[nd.op]
        words = f"{nd.sym.text(WORDS)} {p.words}."
        return Rel((self.me(nd), p.formula(args))), Rel((self.me(nd), p.formula(nums))), words

    def _function_local(self, nd, ins, pos, local):
        """∂out/∂input as symbols and with numbers, and the rule in words."""
        args = [self.sym(j) for j in ins]
        vals = [self.val(j) for j in ins]
        out, out_value = self.me(nd), self.num(self.g.index[nd.id])
        if nd.op in ACTIVATIONS:
            act = ACTIVATIONS[nd.op]
            u = args[0].text(WORDS)
            sym, num = act.local(args[0], out, ALPHA, n(vals[0]), out_value, Num(0.0), local)
            rule = act.rule.format(z=u, a=out.text(WORDS))
            branch = act.branch(u, vals[0], local)
            return sym, num, f"{rule} Here {branch}." if branch else rule
        p = PRIMITIVES[nd.op]
        nums = [n(v) for v in vals]
        rule = p.rule
        if nd.op == "pow" and pos == 1:  # ∂(uᵖ)/∂p where log u is undefined: say why it is 0
            rule += pow_exponent_note(args[0].text(WORDS), vals[0], local)
        return p.slope(pos, args, out, False), p.slope(pos, nums, out_value, True), rule

    def _act_local(self, nd, ins, pos, local):
        act = nd.attrs["activation"]
        a, av = self.me(nd), self.num(self.g.index[nd.id])
        if ACTIVATIONS[act].output_only:
            j = nd.attrs["index"]
            if pos == j:
                sym = Bin("·", a, Paren(Bin("−", ONE, a)))
                num = Bin("×", av, Paren(Bin("−", ONE, av)))
            else:
                other = self.g.nodes[ins[pos]]
                pk = self.g.index[f"a{other.id[1:]}"] if other.id.startswith("z") else None
                psym = self.g.nodes[pk].sym if pk is not None else Sym("p")
                pval = self.num(pk) if pk is not None else n(0.0)
                sym, num = Neg(Bin("·", a, psym)), Neg(Bin("×", av, pval))
            return (
                sym,
                num,
                (
                    "Softmax couples the whole layer: each output's gradient flows to every z through "
                    f"the Jacobian {SOFTMAX_JACOBIAN}."
                ),
            )
        spec = ACTIVATIONS[act]
        z, zv = self.sym(ins[0]), self.val(ins[0])
        alpha = n(slope_of(nd.attrs))
        sym, num = spec.local(z, a, ALPHA, n(zv), av, alpha, local)
        slope = f"{spec.symbol}'({z.text(WORDS)})"
        return (
            sym,
            num,
            (
                f"Chain rule through the activation: multiply the incoming gradient by the local "
                f"slope {slope}{spec.note(z.text(WORDS), zv, local)}."
            ),
        )

    def _loss_local(self, nd, ins, pos):
        k = len(ins) // 2
        a, y = self.sym(ins[pos]), self.sym(ins[k + pos])
        av, yv = self.num(ins[pos]), self.num(ins[k + pos])
        loss = LOSSES[nd.attrs["loss"]]
        if loss.clips:  # the slope reads ŷ clipped, and so do its numbers
            av = n(float(clip(av.value)))
        # the rule names what the formula does: ∂ℓ/∂ŷ₁ = ŷ₁ − y₁ (one sample's), ∂L/∂ŷ = ŷ − y
        slope = Rel((Partial(self.L, a), loss.slope(a, y))).text(WORDS)
        rule = loss.rule.format(slope=slope)
        if self.m > 1:
            rule += (
                f" Values are for sample {self.sample + 1} of {self.m}: ℓ is its loss; the mean "
                "over the samples is taken where the gradients reach the parameters."
            )
        return loss.slope(a, y), loss.slope(av, yv), rule

    # ── update ───────────────────────────────────────────────────────────────

    def update(self, p: int) -> Explanation:
        if not self.s.rule.plain:
            return self._optimizer_update(p)
        s = self.s
        sym, old, new, g = self.sym(p), float(s.P0[p]), float(s.P[p]), float(s.pgrad[p])
        pid, bare = self.g.nodes[p].id, self.g.nodes[p].sym
        grad = Partial(self.top, bare, pid)
        formula = Rel((sym, Bin("−", sym.to(pid, "old"), Bin("·", Sym("η"), grad))), op="←")
        subst = Rel(
            (sym, Bin("−", n(old, pid, "old"), Bin("×", n(s.lr), n(g, pid, "grad")))), op="←"
        )
        words = self.update_words(sym, old, new, g)
        return Explanation(formula, subst, Rel((sym, n(new, pid))), words, new)

    def update_words(self, sym: Sym, old: float, new: float, g: float) -> str:
        """Plain gradient descent's sentence: which way the parameter moved, and why, in words
        (a class hears it read aloud: no arrow stands in for a word)."""
        name = sym.text(WORDS)
        if not np.isfinite(new):
            return (
                f"{name} becomes undefined: its gradient or its old value is not a finite number."
            )
        if new == old:
            if g == 0:
                return f"{name} stays the same: its gradient is zero."
            return f"{name} stays the same: η × its gradient is too small to change it."
        lead = f"Gradient descent moves {name} against its gradient, scaled by η = {self.s.lr:g}."
        if new > old:
            why = f"Its gradient is negative ({self._what()} falls as {name} rises)"
            return f"{lead} {why}, so {name} rises."
        why = f"Its gradient is positive ({self._what()} falls as {name} drops)"
        return f"{lead} {why}, so {name} drops."

    def _optimizer_update(self, p: int) -> Explanation:
        """One parameter's update by the scenario's optimizer: each quantity of its state with
        its numbers (velocity v; Adam's m, v, m̂, v̂ and the bias corrections at step t), then
        the parameter itself."""
        s, rule = self.s, self.s.rule
        sym, old, new = self.sym(p), float(s.P0[p]), float(s.P[p])
        before = {k: float(v[p]) for k, v in rule.state0.items()}
        rows = explain_lines(
            rule.opt, rule.hyper, rule.t, sym, Partial(self.top, sym), old, float(s.pgrad[p]),
            s.lr, before,
        )  # fmt: skip
        lines = []
        for who, op, formula, subst, value in rows[:-1]:
            shown = n(value) if who == sym else Sig(value)
            lines.append((Rel((who, formula), op=op), Rel((who, subst), op=op), Rel((who, shown))))
        who, op, formula, subst, _ = rows[-1]
        start = (
            "its state starts at zero"
            if rule.t == 1
            else "its state carried from the update before"
            if rule.t == 2
            else f"its state carried from the {rule.t - 1} updates before"
        )
        words = (
            rule.opt.words(rule.hyper).format(theta=sym.text(WORDS), lr=f"{s.lr:g}")
            + f" ({rule.opt.title}, step t = {rule.t}: {start}), so {_moves(sym, old, new)}."
        )
        return Explanation(
            Rel((who, formula), op=op), Rel((who, subst), op=op), Rel((sym, n(new))), words, new,
            lines=lines,
        )  # fmt: skip

    def _what(self) -> str:
        """What gradient descent lowers: the loss, or an expression's output f."""
        return "the loss" if self.top == LOSS else self.top.text(WORDS)
