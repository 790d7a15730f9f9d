"""A lesson's answers built from its graph, plan and states: the objects of app.engine.answers,
and the words that say where a computation diverged."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import numpy as np

from app.engine.answers import (
    Divergence,
    EdgeInfo,
    GraphView,
    Loss,
    LossHistory,
    NodeInfo,
    NodeView,
    ParamInfo,
    ParamView,
    PlanInfo,
    Rows,
    StepView,
    UnitPlan,
)
from app.engine.explain import Explainer
from app.engine.iterations import history, start_loss
from app.engine.mathfmt import Fmt, render
from app.engine.notation import loss_symbol
from app.engine.plan import GRANULARITIES, Step
from app.engine.skeleton import learn, skeleton
from app.engine.skeleton import view as skeleton_view
from app.engine.stepper import MEAN_OF_ONE, State, mean
from app.engine.vectorised import forward
from app.limits import MAX_LOSS_HISTORY

_text = json.encoder.encode_basestring  # a str as dump writes it (ensure_ascii=False)

if TYPE_CHECKING:
    from app.engine.lesson import Lesson


def _text_label(sym, fmt: Fmt) -> dict:
    return {"text": sym.text(fmt), "latex": None, "mathml": None}


def describe(lesson: Lesson, labels: str = "all") -> GraphView:
    """Nodes, edges, parameters and plan. labels="text" leaves out LaTeX and MathML labels."""
    g, fmt = lesson.graph, Fmt()
    label = render if labels == "all" else _text_label
    nodes, edges = [], []
    loss = loss_symbol(g.batch)  # the node shows one sample's loss ℓ when L is a mean
    for i, nd in enumerate(g.nodes):
        nodes.append(
            NodeInfo(
                nd.id,
                nd.kind,
                nd.role,
                nd.op,
                nd.attrs.get("activation"),
                nd.attrs.get("loss"),
                label(loss if nd.role == "loss" else nd.sym, fmt),
                nd.layer,
                nd.row,
                [g.nodes[j].id for j in nd.inputs],
                g.requires_grad[i],
            )
        )
        for k, j in enumerate(nd.inputs):
            src = g.nodes[j].id
            edges.append(EdgeInfo(f"{src}__{nd.id}", src, nd.id, k, g.requires_grad[j]))
    params = [_param_info(lesson, p, label) for p in g.params]
    return GraphView(nodes, edges, params, plan_info(lesson), lesson.batch)


def plan_info(lesson: Lesson) -> PlanInfo:
    """The plan's totals and phase starts at every granularity, its layers and samples."""
    g, plan = lesson.graph, lesson.plan
    grans = {gran: UnitPlan(plan.units(gran), plan.phase_starts(gran)) for gran in GRANULARITIES}
    return PlanInfo(plan.total, grans, max(nd.layer for nd in g.nodes), g.batch)


def _param_info(lesson: Lesson, p: int, label) -> ParamInfo:
    g = lesson.graph
    nd = g.nodes[p]
    consumer = g.consumers[p][0][0] if g.consumers[p] else None
    edge = None
    # the data edge this weight labels (none when neurons are expanded into primitive ops)
    if nd.role == "W" and consumer is not None and g.nodes[consumer].op == "wsum":
        cnode = g.nodes[consumer]
        src = g.nodes[cnode.inputs[nd.index[1]]]
        edge = f"{src.id}__{cnode.id}"
    return ParamInfo(
        nd.id,
        nd.tensor,
        list(nd.index),
        label(nd.sym, Fmt()),
        float(g.init[p]),
        (nd.tensor or nd.id) in lesson.frozen,
        edge,
        g.nodes[consumer].id if consumer is not None else None,
    )


def step_view(
    lesson: Lesson, step: Step, ex: Explainer, before: float, fmt: Fmt, written: bool = False
) -> StepView:
    """The step explained. `written`: its explanation may come as JSON already (Rows)."""
    sk = skeleton(lesson, step, ex)  # a common step of a small network: its shape's words
    if sk is not None:
        kept = skeleton_view(lesson, step, ex, sk, before, fmt, written)
        if kept is not None:
            return kept
    g = lesson.graph
    e = ex.explain(step, before)
    if sk is not None:
        learn(lesson, step, ex, sk, e, before, fmt)
    nd = g.nodes[step.node]
    target = g.nodes[step.target].id
    view = StepView(
        step.index, step.phase, nd.id, target, None, float(e.value), None, None, None, e.render(fmt)
    )
    if step.phase == "backward":
        view.edge = f"{target}__{nd.id}"
        view.contribution = [int(ex.s.received[step.target]), g.fan_out[step.target]]
        view.added = e.added
    if step.phase == "update":
        old, new = float(ex.s.P0[step.target]), float(ex.s.P[step.target])
        view.direction = "up" if new > old else ("down" if new < old else "none")
    return view


def node_views(lesson: Lesson, state: State, sample: int, fine: int, which=None) -> list[NodeView]:
    g = lesson.graph
    first = lesson.first_backward
    backward_started = first is not None and fine > first
    if which is None:  # every node: the sample's column read into Python floats at once
        which = range(len(g.nodes))
        slot, done, received = state.slot.tolist(), state.done.tolist(), state.received.tolist()
        values, grads = state.V[:, sample].tolist(), state.G[:, sample].tolist()
    else:  # a few nodes (`since`): each read alone, the same numbers
        slot, done, received = state.slot, state.done, state.received
        values = grads = None
    out, nodes, fan_out, root = [], g.nodes, g.fan_out, g.root
    for i in which:
        nd = nodes[i]
        if nd.kind == "param":
            continue
        row = slot[i]
        value = None
        if done[i]:
            value = values[row] if values is not None else float(state.V[row][sample])
        if i == root:
            grad = 1.0 if backward_started else None
        elif received[i]:
            grad = grads[row] if grads is not None else float(state.G[row][sample])
        else:
            grad = None
        out.append(NodeView(nd.id, value, grad, [int(received[i]), fan_out[i]]))
    return out


def node_rows(lesson: Lesson, state: State, sample: int, fine: int) -> Rows:
    """node_views(lesson, state, sample, fine) as dump_step writes it: every row's id and fixed
    keys from the graph's structure (kept on it), its numbers written as dump writes them."""
    g = lesson.graph
    shape = g.memo.get("node rows")
    if shape is None:
        slot = state.slot.tolist()
        shape = g.memo["node rows"] = [
            (i, slot[i], f'{{"id":{_text(nd.id)},"value":', g.fan_out[i])
            for i, nd in enumerate(g.nodes)
            if nd.kind != "param"
        ]
    first, root = lesson.first_backward, g.root
    root_grad = "1.0" if first is not None and fine > first else "null"
    done, received = state.done.tolist(), state.received.tolist()
    values, grads = state.V[:, sample].tolist(), state.G[:, sample].tolist()
    isfinite, out = math.isfinite, []
    for i, row, head, fan in shape:
        v = values[row] if done[i] else None
        value = "null" if v is None or not isfinite(v) else repr(v)
        got = received[i]
        if i == root:
            grad = root_grad
        elif got:
            v = grads[row]
            grad = repr(v) if isfinite(v) else "null"
        else:
            grad = "null"
        out.append(f'{head}{value},"grad":{grad},"grad_parts":[{got},{fan}]}}')
    return Rows(",".join(out))


def param_rows(lesson: Lesson, state: State) -> Rows:
    """param_views(lesson, state) as dump_step writes it (see node_rows)."""
    g = lesson.graph
    shape = g.memo.get("param rows")
    if shape is None:
        shape = g.memo["param rows"] = (
            np.array(g.params, dtype=np.int64),
            [(f'{{"id":{_text(g.nodes[p].id)},"old":', g.fan_out[p]) for p in g.params],
        )
    at, heads = shape
    old, new, grad = state.P0[at].tolist(), state.P[at].tolist(), state.pgrad[at].tolist()
    lr, plain = -state.lr, state.rule.plain  # the step as param_views computes it
    received, updated = state.received[at].tolist(), state.updated[at].tolist()
    isfinite, out = math.isfinite, []
    for k, (head, fan) in enumerate(heads):
        o, v = old[k], new[k]
        value = repr(v) if isfinite(v) else "null"
        if updated[k]:
            step = lr * grad[k] if plain else v - o
            direction = '"up"' if v > o else '"down"' if v < o else '"none"'
            step = repr(step) if isfinite(step) else "null"
            shown = value  # the new value, written once
        else:
            step = shown = direction = "null"
        gk = grad[k] if received[k] else None
        gk = "null" if gk is None or not isfinite(gk) else repr(gk)
        # an equal non-zero float is the same double: the same text (±0.0 differ, NaN ≠ NaN)
        was = value if o == v and o else repr(o) if isfinite(o) else "null"
        out.append(
            f'{head}{was},"value":{value},"grad":{gk},'
            f'"grad_parts":[{received[k]},{fan}],"update":{step},"new":{shown},'
            f'"direction":{direction}}}'
        )
    return Rows(",".join(out))


def param_views(lesson: Lesson, state: State, which=None) -> list[ParamView]:
    g = lesson.graph
    if which is None:
        ps, at = g.params, g.memo.get("params")
        if at is None:
            at = g.memo["params"] = np.array(ps, dtype=np.int64)
    else:
        ps = at = [i for i in which if g.nodes[i].kind == "param"]
    old, new, grad = state.P0[at].tolist(), state.P[at].tolist(), state.pgrad[at].tolist()
    # the step as Python floats: IEEE's product and difference, NumPy's to the bit (η = 0 times
    # an infinite gradient: NaN, as NumPy gives it)
    lr = -state.lr
    plain = state.rule.plain  # else an optimizer's step: what it moved the parameter by
    received, updated = state.received[at].tolist(), state.updated[at].tolist()
    out, nodes, fan_out = [], g.nodes, g.fan_out
    for k, p in enumerate(ps):
        o, v = old[k], new[k]
        if updated[k]:
            step = lr * grad[k] if plain else v - o
            direction = "up" if v > o else "down" if v < o else "none"
            view = ParamView(nodes[p].id, o, v, None, [received[k], fan_out[p]], step, v, direction)
        else:
            view = ParamView(nodes[p].id, o, v, None, [received[k], fan_out[p]], None, None, None)
        if received[k]:
            view.grad = grad[k]
        out.append(view)
    return out


def loss(lesson: Lesson, state: State, fine: int) -> Loss:
    """The mean loss once computed and, at the end of a network's plan, with the updated
    parameters; its relative change where both are finite."""
    g, spec = lesson.graph, lesson.spec
    before = None
    if state.done[g.root]:
        row = state.V[state.slot[g.root]]  # one sample: NumPy's mean of one number, (0.0 + it) / 1
        before = (0.0 + float(row[0])) / 1 if len(row) == 1 and MEAN_OF_ONE else float(mean(row))
    after = None
    if fine == lesson.plan.total and lesson.has_update and spec is not None:
        ws = [np.empty_like(w) for w in spec.weights]
        bs = [np.empty_like(b) for b in spec.biases]
        for p in g.params:
            nd = g.nodes[p]
            target = ws if nd.role == "W" else bs
            target[int(nd.tensor[1:]) - 1][nd.index] = state.P[p]
        after = float(forward(spec, ws, bs).loss)
    change = None
    if _finite(before) and _finite(after) and before != 0:
        change = (after - before) / before
    return Loss(before, after, change)


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def loss_diverged(lesson: Lesson, fine: int, answer: Loss) -> Divergence | None:
    """Every step finite, yet the loss with the updated parameters overflows: say so."""
    if lesson.spec is None or _finite(answer.after) or fine != lesson.plan.total:
        return None  # expressions have no loss after the update; only networks do
    if not _finite(answer.before) or not lesson.has_update:
        return None
    t = lesson.plan.total - 1
    return Divergence(
        t,
        lesson.plan.step(t).phase,
        lesson.graph.nodes[lesson.graph.root].id,
        "The updated parameters are finite, but the loss they give is not (overflow): "
        "the learning rate overshot. Try a smaller learning rate.",
    )


def diverged(lesson: Lesson, state: State) -> Divergence | None:
    """The first step whose result is not finite, and what to try."""
    if state.diverged is None:
        return None
    t, node = state.diverged
    step = lesson.plan.step(t)
    nd = lesson.graph.nodes[node]
    why, advice = "overflow", "Try a smaller learning rate or smaller weights."
    if lesson.spec is None:  # an expression: log of a negative, 1/0 and the like, or overflow
        why, advice = "outside its domain, or overflow", "Try other values."
    return Divergence(
        t,
        step.phase,
        nd.id,
        f"The {step.phase} step {t + 1} made {nd.sym.text(Fmt())} non-finite ({why}): "
        f"later values that depend on it are shown as null. {advice}",
    )


def loss_history(lesson: Lesson) -> LossHistory:
    """The losses at the start of iterations 1 … the lesson's, at most MAX_LOSS_HISTORY of them
    (an expression has none)."""
    if not lesson.losses and lesson.spec is not None:  # iteration 1: its loss, computed once
        lesson.losses = start_loss(lesson.spec)
    its, losses = history(lesson.losses, 1, MAX_LOSS_HISTORY)
    return LossHistory(its, losses, len(its) == len(lesson.losses))
