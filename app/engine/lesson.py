"""A lesson: one scenario's graph and plan, and what the learner sees at any cursor."""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass, field

import numpy as np

from app.engine.explain import Explainer
from app.engine.graph import Graph
from app.engine.mathfmt import Fmt, render
from app.engine.network import MLPSpec, build_graph
from app.engine.plan import GRANULARITIES, Plan, Step
from app.engine.stepper import State
from app.engine.vectorised import forward


def _f(v) -> float | None:
    """A float, or None where it is not finite (JSON has no NaN or Infinity)."""
    v = float(v)
    return v if np.isfinite(v) else None


def _fin(v: float) -> float | None:
    return v if math.isfinite(v) else None


@dataclass
class Lesson:
    graph: Graph
    plan: Plan
    learning_rate: float
    spec: MLPSpec | None = None
    frozen: frozenset[str] = frozenset()
    _described: dict | None = field(default=None, repr=False)

    @classmethod
    def from_spec(cls, spec: MLPSpec) -> Lesson:
        gc.disable()  # tens of thousands of small objects: collection passes would dominate
        try:
            graph = build_graph(spec)
            return cls(graph, Plan(graph, spec.frozen), spec.learning_rate, spec, spec.frozen)
        finally:
            gc.enable()

    # ── structure ────────────────────────────────────────────────────────────

    def describe(self) -> dict:
        if self._described is None:
            self._described = self._describe()
        return self._described

    def _describe(self) -> dict:
        g, fmt = self.graph, Fmt()
        nodes, edges = [], []
        for i, nd in enumerate(g.nodes):
            nodes.append(
                {
                    "id": nd.id,
                    "kind": nd.kind,
                    "role": nd.role,
                    "op": nd.op,
                    "activation": nd.attrs.get("activation"),
                    "loss": nd.attrs.get("loss"),
                    "label": render(nd.sym, fmt),
                    "layer": nd.layer,
                    "row": nd.row,
                    "inputs": [g.nodes[j].id for j in nd.inputs],
                    "requires_grad": g.requires_grad[i],
                }
            )
            for k, j in enumerate(nd.inputs):
                edges.append(
                    {
                        "id": f"{g.nodes[j].id}__{nd.id}",
                        "source": g.nodes[j].id,
                        "target": nd.id,
                        "position": k,
                        "requires_grad": g.requires_grad[j],
                    }
                )
        params = [self._param_info(p) for p in g.params]
        grans = {}
        for gran in ("step", "node", "layer", "pass"):
            grans[gran] = {
                "total": self.plan.units(gran),
                "phase_starts": self.plan.phase_starts(gran),
            }
        return {
            "nodes": nodes,
            "edges": edges,
            "parameters": params,
            "plan": {
                "total_steps": self.plan.total,
                "granularities": grans,
                "layers": max(nd.layer for nd in g.nodes),
                "samples": g.batch,
            },
        }

    def _param_info(self, p: int) -> dict:
        nd = self.graph.nodes[p]
        consumer = self.graph.consumers[p][0][0] if self.graph.consumers[p] else None
        edge = None
        # the data edge this weight labels (none when neurons are expanded into primitive ops)
        if nd.role == "W" and consumer is not None and self.graph.nodes[consumer].op == "wsum":
            cnode = self.graph.nodes[consumer]
            src = self.graph.nodes[cnode.inputs[nd.index[1]]]
            edge = f"{src.id}__{cnode.id}"
        return {
            "id": nd.id,
            "tensor": nd.tensor,
            "index": list(nd.index),
            "label": render(nd.sym, Fmt()),
            "value": _f(nd.init),
            "frozen": (nd.tensor or nd.id) in self.frozen,
            "edge": edge,
            "node": self.graph.nodes[consumer].id if consumer is not None else None,
        }

    # ── a cursor ─────────────────────────────────────────────────────────────

    def at(
        self,
        cursor: int,
        granularity: str = "step",
        sample: int = 0,
        precision: int = 4,
        max_explained: int = 500,
    ) -> dict:
        plan, g = self.plan, self.graph
        fine_end = plan.to_fine(granularity, cursor)
        if cursor == 0:
            start = 0
        else:
            start = plan.unit_range(granularity, cursor - 1)[0]
        state = State(g, self.learning_rate)
        state.run_to(plan, start)
        steps = self._explain(state, start, fine_end, sample, Fmt(precision), max_explained)
        phase = "start" if fine_end == 0 else plan.step(fine_end - 1).phase
        if fine_end == plan.total and plan.total:
            phase = "done"
        return {
            "cursor": cursor,
            "cursors": {g: plan.from_fine(g, fine_end) for g in GRANULARITIES},
            "total": plan.units(granularity),
            "granularity": granularity,
            "fine_cursor": fine_end,
            "fine_total": plan.total,
            "step_range": [start, fine_end],
            "phase": phase,
            "sample": sample,
            "samples": g.batch,
            "steps": steps,
            "steps_omitted": (fine_end - start) - len(steps),
            "nodes": self._node_views(state, sample, fine_end),
            "parameters": self._param_views(state),
            "loss": (loss := self._loss(state, fine_end)),
            "diverged": self._diverged(state) or self._loss_diverged(fine_end, loss),
        }

    def walk(self, precision: int = 4, sample: int = 0) -> list[dict]:
        """Every step of the plan, explained, from the scenario to the updated parameters."""
        state = State(self.graph, self.learning_rate)
        return self._explain(state, 0, self.plan.total, sample, Fmt(precision), self.plan.total)

    def _explain(
        self, state: State, start: int, end: int, sample: int, fmt: Fmt, limit: int
    ) -> list[dict]:
        """Do steps [start, end) one by one, explaining the first `limit` of them."""
        explainer = Explainer(state, sample)
        steps: list[dict] = []
        for t in range(start, end):
            if len(steps) >= limit:  # the rest of a large unit runs without words
                state.run_to(self.plan, end, start=t)
                break
            step = self.plan.step(t)
            before = self._before(state, step, sample)
            state.apply_quiet(step)
            steps.append(self._step_view(step, explainer, before, fmt))
        return steps

    def _before(self, state: State, step: Step, sample: int) -> float:
        if step.phase == "backward":
            v = state.grad(step.target)
        elif step.phase == "update":
            v = state.P0[step.target]
        else:
            return 0.0
        return float(v) if np.ndim(v) == 0 else float(v[sample])

    def _step_view(self, step: Step, ex: Explainer, before: float, fmt: Fmt) -> dict:
        g = self.graph
        e = ex.explain(step, before)
        nd = g.nodes[step.node]
        view = {
            "index": step.index,
            "phase": step.phase,
            "node": nd.id,
            "target": g.nodes[step.target].id,
            "edge": None,
            "value": _f(e.value),
            "explanation": e.render(fmt),
        }
        if step.phase == "backward":
            view["edge"] = f"{g.nodes[step.target].id}__{nd.id}"
            view["contribution"] = [int(ex.s.received[step.target]), g.fan_out[step.target]]
        if step.phase == "update":
            old, new = float(ex.s.P0[step.target]), float(ex.s.P[step.target])
            view["direction"] = "up" if new > old else ("down" if new < old else "none")
        return view

    def _node_views(self, state: State, sample: int, fine: int) -> list[dict]:
        g = self.graph
        first = next((s.start for s in self.plan.segments if s.phase == "backward"), None)
        backward_started = first is not None and fine > first
        out = []
        for i, nd in enumerate(g.nodes):
            if nd.kind == "param":
                continue
            value = _f(state.V[state.slot[i]][sample]) if state.done[i] else None
            if i == g.root:
                grad = 1.0 if backward_started else None
            elif state.received[i]:
                grad = _f(state.G[state.slot[i]][sample])
            else:
                grad = None
            out.append(
                {
                    "id": nd.id,
                    "value": value,
                    "grad": grad,
                    "grad_parts": [int(state.received[i]), g.fan_out[i]],
                }
            )
        return out

    def _param_views(self, state: State) -> list[dict]:
        g, ps = self.graph, self.graph.params
        old, new, grad = state.P0[ps].tolist(), state.P[ps].tolist(), state.pgrad[ps].tolist()
        with np.errstate(all="ignore"):  # η = 0 times an infinite gradient: NaN, shown as null
            step = (-state.lr * state.pgrad[ps]).tolist()
        received, updated = state.received[ps].tolist(), state.updated[ps].tolist()
        out = []
        for k, p in enumerate(ps):
            o, v, up = old[k], new[k], updated[k]
            out.append(
                {
                    "id": g.nodes[p].id,
                    "old": _fin(o),
                    "value": _fin(v),
                    "grad": _fin(grad[k]) if received[k] else None,
                    "grad_parts": [received[k], g.fan_out[p]],
                    "update": _fin(step[k]) if up else None,
                    "new": _fin(v) if up else None,
                    "direction": ("up" if v > o else "down" if v < o else "none") if up else None,
                }
            )
        return out

    def _loss(self, state: State, fine: int) -> dict:
        root = self.graph.root
        before = _f(np.mean(state.V[state.slot[root]])) if state.done[root] else None
        after = None
        has_update = any(s.phase == "update" for s in self.plan.segments)
        if fine == self.plan.total and has_update and self.spec is not None:
            ws = [np.empty_like(w) for w in self.spec.weights]
            bs = [np.empty_like(b) for b in self.spec.biases]
            for p in self.graph.params:
                nd = self.graph.nodes[p]
                target = ws if nd.role == "W" else bs
                target[int(nd.tensor[1:]) - 1][nd.index] = state.P[p]
            after = _f(forward(self.spec, ws, bs).loss)
        change = None
        if before is not None and after is not None and before != 0:
            change = _f((after - before) / before)
        return {"before": before, "after": after, "relative_change": change}

    def _loss_diverged(self, fine: int, loss: dict) -> dict | None:
        """Every step finite, yet the loss with the updated parameters overflows: say so."""
        if self.spec is None or loss["after"] is not None or fine != self.plan.total:
            return None  # expressions have no loss after the update; only networks do
        if loss["before"] is None or not any(s.phase == "update" for s in self.plan.segments):
            return None
        t = self.plan.total - 1
        return {
            "step": t,
            "phase": self.plan.step(t).phase,
            "node": self.graph.nodes[self.graph.root].id,
            "message": (
                "The updated parameters are finite, but the loss they give is not (overflow): "
                "the learning rate overshot. Try a smaller learning rate."
            ),
        }

    def _diverged(self, state: State) -> dict | None:
        if state.diverged is None:
            return None
        t, node = state.diverged
        step = self.plan.step(t)
        nd = self.graph.nodes[node]
        why, advice = "overflow", "Try a smaller learning rate or smaller weights."
        if self.spec is None:  # an expression: log of a negative, 1/0 and the like, or overflow
            why, advice = "outside its domain, or overflow", "Try other values."
        return {
            "step": t,
            "phase": step.phase,
            "node": nd.id,
            "message": (
                f"The {step.phase} step {t + 1} made {nd.sym.text(Fmt())} non-finite ({why}): "
                f"later values that depend on it are shown as null. {advice}"
            ),
        }
