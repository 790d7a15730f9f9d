"""Check my working: compare a student's hand-computed numbers with the engine's, step by step.

The plan is replayed twice: once as the engine computes it (the truth) and once in the student's
world, where every number they entered replaces the engine's as soon as it is computed. So each
entry is judged against what it should be *given their own earlier numbers*:

  correct   — within one unit of the last decimal they worked to of the truth, or of what their
              own (correct, rounded) earlier numbers give;
  inherited — wrong, but exactly what their earlier wrong numbers give: it carries an earlier slip;
  slip      — wrong even given their earlier numbers: a new mistake at this step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.engine.answers import CheckedEntry, CheckResult, Dependency, WorksheetItem
from app.engine.explain import Explainer
from app.engine.lesson import Lesson
from app.engine.mathfmt import Expr, Fmt, Sym, render
from app.engine.registry import ACTIVATIONS, LOSSES, PRIMITIVES
from app.engine.stepper import State
from app.limits import MAX_WORKSHEET_QUANTITIES

QUANTITIES = ("value", "grad", "new")


class TooManyQuantities(ValueError):
    """The scenario is too large for a worksheet."""


@dataclass(frozen=True)
class Entry:
    target: str
    quantity: str
    value: float
    decimals: int = 4


@dataclass(frozen=True)
class Quantity:
    key: str
    target: int  # node index
    quantity: str
    step: int  # the fine step that completes it


class CheckInputError(ValueError):
    """An entry that names no checkable quantity of this scenario."""

    def __init__(self, index: int, field: str, message: str):
        self.index, self.field = index, field
        super().__init__(message)


def quantities(lesson: Lesson) -> list[Quantity]:
    """Every checkable number in the order the plan completes it (read off the segments)."""
    g = lesson.graph
    received = [0] * len(g.nodes)
    out: list[Quantity] = []
    for seg in lesson.plan.segments:
        if seg.phase == "forward":
            out.append(Quantity(f"value:{g.nodes[seg.node].id}", seg.node, "value", seg.start))
        elif seg.phase == "backward":
            ins = g.nodes[seg.node].inputs
            for k, pos in enumerate(seg.items):
                j = ins[pos]
                received[j] += 1
                if received[j] == g.fan_out[j]:  # its last contribution: the gradient is complete
                    out.append(Quantity(f"grad:{g.nodes[j].id}", j, "grad", seg.start + k))
        else:
            for k, p in enumerate(seg.items):
                out.append(Quantity(f"new:{g.nodes[p].id}", p, "new", seg.start + k))
    if len(out) > MAX_WORKSHEET_QUANTITIES:
        raise TooManyQuantities(
            f"this scenario has {len(out):,} numbers to check, more than the {MAX_WORKSHEET_QUANTITIES:,} a "
            "worksheet lists: use a smaller network or fewer neurons"
        )
    return out


class Labels:
    """How each quantity is written: z₁, δ₁, ∂L/∂W₁₁, W⁺₁₁ (the value after the update)."""

    def __init__(self, lesson: Lesson):
        self.lesson = lesson
        self.ex = Explainer(lesson.new_state(), 0)

    def __call__(self, q: Quantity) -> Expr:
        nd = self.lesson.graph.nodes[q.target]
        if q.quantity == "value":
            return nd.sym
        if q.quantity == "grad":
            return self.ex.gsym(q.target)
        return Sym(nd.sym.base, nd.sym.sub, nd.sym.sup + "+")


def worksheet(lesson: Lesson) -> list[WorksheetItem]:
    fmt, label = Fmt(), Labels(lesson)
    return [
        WorksheetItem(
            q.key, lesson.graph.nodes[q.target].id, q.quantity, render(label(q), fmt), q.step
        )
        for q in quantities(lesson)
    ]


def _deps(lesson: Lesson, q: Quantity) -> list[str]:
    """Keys of the earlier quantities this one is computed from."""
    g = lesson.graph
    nodes = g.nodes
    if q.quantity == "new":
        return [f"grad:{nodes[q.target].id}"]
    if q.quantity == "value":
        return [f"value:{nodes[j].id}" for j in nodes[q.target].inputs if nodes[j].kind == "op"]
    keys: list[str] = []
    for c, pos in g.consumers[q.target]:
        if not g.requires_grad[c]:
            continue
        if c != g.root:
            keys.append(f"grad:{nodes[c].id}")
        for j in _local_uses(lesson, c, pos):
            if nodes[j].kind == "op":
                keys.append(f"value:{nodes[j].id}")
    return list(dict.fromkeys(keys))


def _local_uses(lesson: Lesson, c: int, pos: int) -> list[int]:
    """Nodes whose values the local derivative ∂c/∂(input at pos) reads."""
    nd = lesson.graph.nodes[c]
    ins = list(nd.inputs)
    op = nd.op
    if op == "wsum":
        k = nd.attrs["fan_in"]
        return [ins[pos - k]] if k <= pos < 2 * k else []
    if op == "loss":  # ŷ (and the target y, which is data)
        k = len(ins) // 2
        return [{"a": ins[pos], "y": ins[k + pos]}[r] for r in LOSSES[nd.attrs["loss"]].reads]
    act = ACTIVATIONS.get(nd.attrs.get("activation") if op == "act" else op)
    if act is not None and not act.output_only:  # what the registry says its slope reads
        return [{"z": ins[0], "a": c}[r] for r in act.reads]
    if op in PRIMITIVES:
        named = {"out": c, **{f"x{k}": j for k, j in enumerate(ins)}}
        return [named[r] for r in PRIMITIVES[op].reads[pos]]
    return [c, *ins]  # softmax reads every z of its layer


def _read(state: State, q: Quantity, sample: int) -> float:
    i = q.target
    if q.quantity == "value":
        return float(state.V[state.slot[i]][sample])
    if q.quantity == "new":
        return float(state.P[i])
    v = state.grad(i)
    return float(v) if np.ndim(v) == 0 else float(v[sample])


def _write(state: State, q: Quantity, sample: int, value: float) -> None:
    i = q.target
    if q.quantity == "value":
        state.V[state.slot[i]][sample] = value
    elif q.quantity == "new":
        state.P[i] = value
    elif state.slot[i] < 0:
        state.pgrad[i] = value
    else:
        state.G[state.slot[i]][sample] = value


def check(lesson: Lesson, entries: list[Entry], sample: int = 0, precision: int = 4) -> CheckResult:
    """Judge every entry; find the first slip and what inherited it."""
    qs = quantities(lesson)
    by_key = {q.key: q for q in qs}
    given: dict[str, Entry] = {}
    for k, e in enumerate(entries):
        key = f"{e.quantity}:{e.target}"
        if key not in by_key:
            raise CheckInputError(k, "target", _unknown(lesson, e, by_key))
        if key in given:
            raise CheckInputError(k, "target", f"{key} is entered twice")
        given[key] = e

    truth = lesson.new_state()
    yours = lesson.new_state()
    ex_truth, ex_yours = Explainer(truth, sample), Explainer(yours, sample)
    label = Labels(lesson)
    plan = lesson.plan
    taint: dict[str, set[str]] = {}
    status: dict[str, str] = {}
    judged: list[CheckedEntry] = []
    done = 0  # fine steps both states have taken
    for q in qs:
        deps = _deps(lesson, q)
        taint[q.key] = set().union(
            *(taint.get(d, set()) | ({d} if status.get(d) == "slip" else set()) for d in deps)
        )
        entry = given.get(q.key)
        if entry is None:
            continue
        # whole segments at once up to this step, then the step itself, to explain it
        truth.run_to(plan, q.step, start=done)
        yours.run_to(plan, q.step, start=done)
        step = plan.step(q.step)
        b_truth = lesson._before(truth, step, sample)
        b_yours = lesson._before(yours, step, sample)
        truth.apply_quiet(step)
        yours.apply_quiet(step)
        done = q.step + 1
        fmt = Fmt(max(precision, entry.decimals))
        right, mine = _read(truth, q, sample), _read(yours, q, sample)
        _write(yours, q, sample, entry.value)
        tol = 10.0**-entry.decimals * (1 + 1e-9)
        if abs(entry.value - right) <= tol:
            verdict = "correct"
        elif abs(entry.value - mine) <= tol:
            verdict = "inherited" if taint[q.key] else "correct"
        else:
            verdict = "slip"
        status[q.key] = verdict
        e_truth = ex_truth.explain(step, b_truth)
        view = CheckedEntry(
            q.key,
            entry.target,
            q.quantity,
            render(label(q), Fmt()),
            q.step,
            entry.value,
            entry.decimals,
            verdict,
            right,
            mine,
            sorted(taint[q.key], key=lambda k: by_key[k].step),
            [
                Dependency(d, label(by_key[d]).text(Fmt()), _read(truth, by_key[d], sample))
                for d in deps
            ],
            e_truth.render(fmt),
        )
        if verdict == "slip":
            view.your_explanation = ex_yours.explain(step, b_yours).render(fmt)
        rule = f"{e_truth.formula.text(fmt)}, here {e_truth.substituted.text(fmt)}"
        view.message = _message(view, rule, fmt, label, by_key)
        judged.append(view)

    slips = [v.key for v in judged if v.status == "slip"]
    first = slips[0] if slips else None
    inherited = [v.key for v in judged if v.status == "inherited" and first in v.inherited_from]
    affected = [q.key for q in qs if first and first in taint.get(q.key, set())]
    return CheckResult(
        _summary(judged, first, by_key, label), first, slips, inherited, affected, judged
    )


def _num(v: float, fmt: Fmt) -> str:
    return fmt.number(v) if math.isfinite(v) else "not finite"


def _message(v: CheckedEntry, formula: str, fmt: Fmt, label: Labels, by_key: dict) -> str:
    name = v.label["text"]
    d = v.decimals
    yours = f"{v.yours:.{d}f}".replace("-", "−")  # as the student wrote it
    if v.status == "correct":
        if math.isfinite(v.correct) and abs(v.yours - v.correct) <= 10.0**-d * (1 + 1e-9):
            return f"Correct: {name} = {_num(v.correct, fmt)} to {d} decimals."
        return (
            f"Correct for your rounded earlier numbers: {name} = {_num(v.from_yours, fmt)} from "
            f"them (the engine, unrounded, has {_num(v.correct, fmt)})."
        )
    names = ", ".join(label(by_key[k]).text(Fmt()) for k in v.inherited_from)
    if v.status == "inherited":
        return (
            f"Inherited from the slip in {names}: {yours} is exactly what your own "
            f"earlier numbers give, so this step itself is done right; with the correct values "
            f"{name} = {_num(v.correct, fmt)}."
        )
    out = f"Slip at this step: {name} should be {_num(v.correct, fmt)}, not {yours}."
    if v.inherited_from:
        out += (
            f" Even from your own earlier numbers (which carry the slip in {names}) it would be "
            f"{_num(v.from_yours, fmt)}, so this is a new slip on top of the earlier one."
        )
    return out + f" It comes from {formula}."


def _summary(judged: list[CheckedEntry], first: str | None, by_key: dict, label: Labels) -> str:
    n = len(judged)
    counts = {s: sum(1 for v in judged if v.status == s) for s in ("correct", "slip", "inherited")}
    if first is None:
        return f"All {n} of your numbers are right."
    name = label(by_key[first]).text(Fmt())
    more = counts["slip"] - 1
    return (
        f"{counts['correct']} of {n} right. The first slip is {name}; "
        f"{_count(counts['inherited'], 'later number')} inherited a slip"
        + (
            f", and there {'is' if more == 1 else 'are'} {_count(more, 'more slip')}."
            if more
            else "."
        )
    )


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


def _unknown(lesson: Lesson, e: Entry, by_key: dict) -> str:
    g = lesson.graph
    if e.target not in g.index:
        ids = [nd.id for nd in g.nodes if nd.kind in ("op", "param")]
        shown = ", ".join(ids[:12]) + (" …" if len(ids) > 12 else "")
        return f"{e.target!r} is not a node or parameter of this graph (ids: {shown})"
    nd = g.nodes[g.index[e.target]]
    if e.quantity == "value":
        return f"{e.target} is a {nd.kind}: its value is given, not computed (check op nodes)"
    if e.quantity == "new":
        return f"{e.target} is not updated in this plan (only parameters are, and only with η)"
    if g.index[e.target] == g.root:
        return f"{e.target} is the output: its gradient is 1 by definition"
    return f"{e.target} has no gradient in this plan: nothing it feeds depends on a parameter"
