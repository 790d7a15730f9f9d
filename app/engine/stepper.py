"""Executing the plan: the state after the first k steps, computed step by step.

Each step reads only what earlier steps stored (forward values, the upstream gradient) and writes
one value, one gradient contribution or one updated parameter. Whole segments that lie before the
cursor run through `_run_segment`, which does the same arithmetic for all of a segment's steps at
once (elementwise identical, so the state does not depend on how it was reached). A state can be
copied, so a lesson can keep a few along the plan and replay from the nearest one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from math import exp as _exp

import numpy as np

from app.engine.graph import Graph
from app.engine.ops import OPS, slope_of, wsum
from app.engine.plan import Plan, Step
from app.engine.registry import ACTIVATIONS, LOSSES
from app.engine.registry.activations import LIBM_EXP
from app.engine.update_rule import PLAIN, Rule
from app.engine.vectorised import naive_matmul

EDGE_MEMO_NODES = 2_000  # graphs up to this size keep their backward edges' index arrays
_isfinite, _sum, _and = np.isfinite, np.add.reduce, np.logical_and.reduce


def mean(x: np.ndarray, axis: int | None = None):
    """np.mean(x, axis): the same sum (np.add.reduce) divided by the same count, without the
    Python wrapper around it (which costs more than the arithmetic of a small batch)."""
    return _sum(x, axis=axis) / (x.size if axis is None else x.shape[axis])


# mean() of one number is 0.0 + it, divided by 1 (a −0.0 comes out +0.0): what the one-sample
# shortcuts compute in plain floats (lesson_views.loss, skeleton._added). Checked, not assumed.
MEAN_OF_ONE = all(
    math.copysign(1.0, float(mean(np.array([v])))) == math.copysign(1.0, (0.0 + v) / 1)
    and float(mean(np.array([v]))) == (0.0 + v) / 1
    for v in (-0.0, 0.0, -1.5, 2.0**-1074)
)


def all_finite(values) -> bool:
    """np.isfinite(values).all(), for an array or a scalar: a few numbers (a small batch) are
    checked as Python floats, faster than NumPy's calls on them."""
    if type(values) is not np.ndarray:  # a parameter's value or gradient: one float
        return math.isfinite(values)
    if values.ndim == 1 and values.size <= 16:
        return all(map(math.isfinite, values.tolist()))
    ok = _isfinite(values)
    return bool(ok) if ok.ndim == 0 else bool(_and(ok, axis=None))


class Inputs(Sequence):
    """A node's input values, read when indexed: one edge's local derivative of a 129-input
    weighted sum reads one or two of them, not all."""

    def __init__(self, state: State, ids: tuple[int, ...]):
        self._state, self._ids = state, ids

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self._state.value(j) for j in self._ids[k]]
        return self._state.value(self._ids[k])


class State:
    """Values and gradients of every node. Per-sample arrays have shape (samples,)."""

    def __init__(self, graph: Graph, learning_rate: float, rule: Rule = PLAIN):
        self.graph = graph
        self.lr = learning_rate
        self.rule = rule  # the optimizer: plain θ ← θ − η·∂L/∂θ unless the scenario names one
        self.S = {k: v.copy() for k, v in rule.state0.items()}  # its state, updated per step
        n, batch = len(graph.nodes), graph.batch
        slot, rows, (xs, x_cols), (ys, y_cols), leaves = _layout(graph)
        self.slot = slot  # row of V and G for each node, −1 for a parameter (shared, read-only)
        self.V = np.zeros((rows, batch))  # forward values of non-parameter nodes
        self.G = np.zeros((rows, batch))  # per-sample gradients ∂ℓ_s/∂v
        self.P0 = graph.init.copy()  # parameters before the update
        self.P = self.P0.copy()  # parameters, updated in the update phase
        self.pgrad = np.zeros(n)  # ∂L/∂θ: the mean over samples of ∂ℓ_s/∂θ
        self.done = leaves.copy()  # forward value computed (the leaves' are given)
        self.received = np.zeros(n, dtype=np.int32)  # gradient contributions received so far
        self.updated = np.zeros(n, dtype=bool)
        self.diverged: tuple[int, int] | None = None  # (first step, node) with a non-finite value
        self.V[xs] = graph.inputs.T[x_cols]
        self.V[ys] = graph.targets.T[y_cols]
        self.G[slot[graph.root]] = 1.0  # ∂L/∂L = 1: the seed of the backward pass

    def copy(self) -> State:
        """An independent state with the same values (the graph, slots and P0 never change)."""
        new = object.__new__(State)
        new.__dict__.update(self.__dict__)
        for name in ("V", "G", "P", "pgrad", "done", "received", "updated"):
            setattr(new, name, getattr(self, name).copy())
        new.S = {k: v.copy() for k, v in self.S.items()}
        return new

    @property
    def nbytes(self) -> int:
        """Bytes a copy holds."""
        total = self.V.nbytes + self.G.nbytes + self.P.nbytes + self.pgrad.nbytes
        total += self.done.nbytes + self.received.nbytes + self.updated.nbytes
        return total + sum(v.nbytes for v in self.S.values()) if self.S else total

    # ── reading ──────────────────────────────────────────────────────────────

    def value(self, i: int):
        """A (samples,) array, or a float for a parameter (the same for every sample)."""
        return self.P[i] if self.slot[i] < 0 else self.V[self.slot[i]]

    def inputs_of(self, i: int) -> Inputs:
        return Inputs(self, self.graph.nodes[i].inputs)

    def grad(self, i: int):
        """∂ℓ/∂v per sample for a node, ∂L/∂θ for a parameter."""
        return self.pgrad[i] if self.slot[i] < 0 else self.G[self.slot[i]]

    # ── one step ─────────────────────────────────────────────────────────────

    def contribution(self, node: int, position: int) -> np.ndarray:
        """Upstream gradient × local derivative, for the edge node → its input at `position`."""
        nd = self.graph.nodes[node]
        xs = self.inputs_of(node)
        local = OPS[nd.op].grad(xs, self.V[self.slot[node]], position, nd.attrs)
        return self.G[self.slot[node]] * local

    def apply(self, step: Step) -> None:
        g = self.graph
        if step.phase == "forward":
            nd = g.nodes[step.node]
            gathered = self._wsum_gather(step.node) if nd.op == "wsum" else None
            if gathered is not None:  # the same arrays the generic path builds, gathered at once
                w, a, b = gathered
                out = wsum(self.P[w], self.V[a], self.P[b])
            else:
                out = OPS[nd.op].forward(self.inputs_of(step.node), nd.attrs)
            self.V[self.slot[step.node]] = out
            self.done[step.node] = True
            self._check(step.index, step.node, out)
        elif step.phase == "backward":
            c = self.contribution(step.node, step.position)
            self._accumulate(step.target, c)
            self._check(step.index, step.target, self.grad(step.target))
        else:
            p = step.target
            self._update(p)
            self.updated[p] = True
            self._check(step.index, p, self.P[p])

    def _update(self, p) -> None:
        """Parameter p (one node, or an index array of them) by the update rule."""
        rule = self.rule
        if rule.plain:
            self.P[p] = self.P0[p] - self.lr * self.pgrad[p]
            return
        before = {k: v[p] for k, v in rule.state0.items()}
        theta, state = rule.opt.step(self.P0[p], self.pgrad[p], before, rule.t, self.lr, rule.hyper)
        self.P[p] = theta
        for k, v in state.items():
            self.S[k][p] = v

    def _wsum_gather(self, i: int):
        """Index arrays (weights, input rows, bias) for z = Σ wᵢ·aᵢ + b, or None when its inputs
        are not laid out that way. Memoised on the graph, which never changes."""
        memo = self.graph.memo.setdefault("wsum", {})
        if i not in memo:
            ins = np.array(self.graph.nodes[i].inputs, dtype=np.int64)
            k = self.graph.nodes[i].attrs["fan_in"]
            rows = self.slot[ins[:k]]
            fits = bool((rows >= 0).all() and (self.slot[ins[k:]] < 0).all())
            memo[i] = (ins[k : 2 * k], rows, int(ins[2 * k])) if fits else None
        return memo[i]

    def _accumulate(self, j: int, c: np.ndarray) -> None:
        if self.slot[j] < 0:
            self.pgrad[j] += mean(c)
        else:
            self.G[self.slot[j]] += c
        self.received[j] += 1

    def _check(self, t: int, node: int, values) -> None:
        if self.diverged is None and not all_finite(values):
            self.diverged = (t, node)

    # ── many steps ───────────────────────────────────────────────────────────

    def _run_segment(self, plan: Plan, si: int, lo: int, hi: int) -> None:
        """Fine steps [lo, hi) of segment si, all at once where the arithmetic allows."""
        seg = plan.segments[si]
        nd = self.graph.nodes[seg.node]
        items = seg.items[lo - seg.start : hi - seg.start]
        if seg.phase == "backward" and nd.op == "wsum" and self.diverged is None:
            self._wsum_backward(seg.node, items, lo)
        elif seg.phase == "update" and self.diverged is None:
            ps = np.array(items)
            self._update(ps)
            self.updated[ps] = True
            if not all_finite(self.P[ps]):
                bad = int(np.argmin(np.isfinite(self.P[ps])))
                self.diverged = (lo + bad, int(ps[bad]))
        else:
            for t in range(lo, hi):
                self.apply(plan.step(t))

    def _wsum_backward(
        self, node: int, items: tuple[int, ...], start: int, check: bool = True
    ) -> None:
        """All edges of z = Σ wᵢ·aᵢ + b at once: the same products and sums as one at a time.
        `check`: note the first non-finite gradient (replay checks once, at its end)."""
        up = self.G[self.slot[node]]
        ws, a_rows, b, xs, x_ws, targets = self._wsum_edges(node, items)
        if len(ws):  # ∂L/∂wᵢ = mean(δ·aᵢ)
            a_vals = self.V[a_rows]
            self.pgrad[ws] += mean(up[None, :] * a_vals, axis=1)
            self.received[ws] += 1
        if b is not None:  # ∂L/∂b = mean(δ·1), and δ·1 is δ to the bit
            self.pgrad[b] += mean(up)
            self.received[b] += 1
        if len(xs):  # ∂ℓ/∂aᵢ += δ·wᵢ
            w_vals = self.P[x_ws]
            self.G[self.slot[xs]] += up[None, :] * w_vals[:, None]
            self.received[xs] += 1
        if (
            check
            and self.diverged is None
            and not (  # all finite (the common case): no more
                all_finite(self.pgrad[ws])
                and (b is None or all_finite(self.pgrad[b]))
                and all_finite(self.G[self.slot[xs]])
            )
        ):
            self._check_edges(targets, start)

    def _wsum_edges(self, node: int, items: tuple[int, ...]):
        """Index arrays of a weighted sum's backward edges `items`: the weights and the rows of
        their inputs, the bias (or None), the inputs and their weights, and every target in
        order. Memoised on a small graph, which never changes (a large one's partial segments
        would make too many)."""
        small = len(self.graph.nodes) <= EDGE_MEMO_NODES
        memo = self.graph.memo.setdefault("wsum_edges", {}) if small else {}
        key = (node, items)
        if key not in memo:
            nd = self.graph.nodes[node]
            k = nd.attrs["fan_in"]
            ins = np.array(nd.inputs)
            pos = np.array(items, dtype=np.int64)
            w_pos, a_pos = pos[(pos >= k) & (pos < 2 * k)], pos[pos < k]
            b = int(ins[2 * k]) if 2 * k in items else None
            memo[key] = (
                ins[w_pos], self.slot[ins[w_pos - k]], b, ins[a_pos], ins[a_pos + k], ins[pos]
            )  # fmt: skip
        return memo[key]

    def _check_edges(self, targets: np.ndarray, start: int) -> None:
        """Record the first of these gradient targets that became non-finite, if any."""
        slots = self.slot[targets]
        ok = np.where(slots < 0, np.isfinite(self.pgrad[targets]), True)
        rows = slots >= 0
        if rows.any():
            ok[rows] &= np.isfinite(self.G[slots[rows]]).all(axis=1)
        if not ok.all():
            bad = int(np.argmin(ok))
            self.diverged = (start + bad, int(targets[bad]))

    def run_to(self, plan: Plan, fine: int, start: int = 0) -> None:
        """Do fine steps [start, fine), each segment's share of them at once."""
        t = start
        with np.errstate(all="ignore"):
            while t < fine:
                si = plan.segment_of(t)
                seg = plan.segments[si]
                end = min(seg.start + seg.size, fine)
                self._run_segment(plan, si, t, end)
                t = end

    def replay(self, plan: Plan, fine: int, start: int = 0) -> None:
        """run_to(plan, fine, start)'s state, with less work per step for a small graph: each
        step's arithmetic as run_to does it (the same calls on the same arrays) but without its
        dispatch and its finiteness check. A non-finite number stays so (a value is written
        once, a gradient only adds), so one check at the end tells whether a step made one;
        then the state is replayed from the scenario by run_to, which says which step did."""
        if self.diverged is not None or start >= fine or len(self.graph.nodes) > EDGE_MEMO_NODES:
            self.run_to(plan, fine, start)
            return
        segments, t = plan.segments, start
        si = plan.segment_of(t)
        plain = self.rule.plain
        reached = 0  # the last phase run: 0 forward, 1 backward, 2 update
        written = [self.V]  # what the steps wrote: values, then gradients, then parameters
        scalar = _scalar_program(self, plan) if plain and self.graph.batch == 1 else None
        if scalar is not None:  # one sample: whole segments as Python floats
            t, si, reached, finite = self._replay_scalar(scalar, t, si, fine)
            if t >= fine:  # all of it: its numbers checked as floats
                if not finite:
                    self._replay_fresh(plan, fine)
                return
        forward, backward = _forward_kernels(self), _backward_kernels(self)
        program = _program(self, plan)
        with np.errstate(all="ignore"):
            while t < fine:  # whole segments by the program, one call each
                seg_start, seg_end, phase, run = program[si]
                if t != seg_start or seg_end > fine:
                    break
                if phase == 2 and not plain:
                    break  # an optimizer's update: the general way below
                run(self)
                if phase > reached:
                    reached = phase
                t, si = seg_end, si + 1
            if reached:
                written = [self.V, self.G, self.pgrad] if reached == 1 else [
                    self.V, self.G, self.pgrad, self.P
                ]  # fmt: skip
            while t < fine:
                seg = segments[si]
                end = min(seg.start + seg.size, fine)
                if seg.phase == "forward":
                    forward[seg.node](self)
                elif seg.phase == "update":
                    ps = np.array(seg.items[t - seg.start : end - seg.start])
                    self._update(ps)
                    self.updated[ps] = True
                    if len(written) < 4:  # after the backward pass's three, the parameters too
                        written = [self.V, self.G, self.pgrad, self.P]
                else:
                    if len(written) < 3:
                        written = [self.V, self.G, self.pgrad]
                    if self.graph.nodes[seg.node].op == "wsum":
                        items = seg.items[t - seg.start : end - seg.start]
                        self._wsum_backward(seg.node, items, t, check=False)
                    else:
                        for k in range(t, end):
                            step = plan.step(k)
                            edge = backward.get((step.node, step.position))
                            if edge is not None:
                                edge(self)
                                continue
                            c = self.contribution(step.node, step.position)
                            self._accumulate(step.target, c)
                t, si = end, si + 1
        if self.diverged is None and all(all_finite(x) for x in written):
            return
        self._replay_fresh(plan, fine)

    def _replay_fresh(self, plan: Plan, fine: int) -> None:
        """A step made a number non-finite: replay from the scenario by run_to, which says which."""
        fresh = State(self.graph, self.lr, self.rule)  # every route gives this state
        fresh.run_to(plan, fine)
        self.__dict__.update(fresh.__dict__)

    def _replay_scalar(self, program: list, t: int, si: int, fine: int) -> tuple:
        """replay's whole segments from `t` up to `fine` by _scalar_program: the state's rows read
        into Python lists, the same arithmetic on them, and what they wrote written back (the
        state they start from is finite: no step made a number that is not, and the scenario's
        are finite). (fine step reached, its segment, the last phase run, whether every value,
        gradient and parameter written is finite: every route gives the same state)."""
        reached, segments = 0, len(program) - 1  # the last entry: the table of parts
        if si >= segments or t != program[si][0]:
            return t, si, reached, True
        S = _Scalars(
            self.V[:, 0].tolist(), self.G[:, 0].tolist(), self.P.tolist(), self.P0.tolist(),
            self.pgrad.tolist(), self.done.tolist(), self.received.tolist(),
            self.updated.tolist(), self.lr,
        )  # fmt: skip
        while si < segments:
            seg_start, seg_end, phase, run = program[si]
            if t != seg_start:
                break
            if seg_end > fine:  # the first steps of a segment, as replay's loop does them
                run = _scalar_part(program, si, fine - seg_start)
                if run is None:
                    break
                run(S)
                reached, t = max(reached, phase), fine
                break
            run(S)
            if phase > reached:
                reached = phase
            t, si = seg_end, si + 1
        # written back: what the phases run write (values; then gradients; then parameters)
        self.V[:, 0], self.done[:] = S.V, S.done
        written = [S.V]
        if reached:
            self.G[:, 0], self.pgrad[:], self.received[:] = S.G, S.pgrad, S.received
            written += [S.G, S.pgrad]
        if reached == 2:
            self.P[:], self.updated[:] = S.P, S.updated
            written.append(S.P)
        isfinite = math.isfinite
        finite = all(all(map(isfinite, x)) for x in written)
        return t, si, reached, finite

    def apply_one(self, plan: Plan, step: Step) -> None:
        """apply_quiet(step), NumPy's warnings off already. A forward or backward step of a
        one-sample state of a plan _scalar_program takes: that program's arithmetic for this
        step alone, on the state's own rows (NumPy's float64 scalars: IEEE's operations, as
        Python's floats and as the arrays'), without NumPy's array calls; then apply's check.
        (An update is one scalar operation either way.)"""
        if step.phase != "update" and self.diverged is None and self.graph.batch == 1:
            program = _scalar_program(self, plan)
            run = None if program is None else _scalar_one(program, plan, step.index)
            if run is not None:
                run(
                    _Scalars(
                        self.V[:, 0], self.G[:, 0], self.P, self.P0, self.pgrad, self.done,
                        self.received, self.updated, self.lr,
                    )
                )  # fmt: skip
                if step.phase == "forward":
                    self._check(step.index, step.node, self.V[self.slot[step.node]])
                else:
                    self._check(step.index, step.target, self.grad(step.target))
                return
        self.apply_quiet(step)

    def apply_quiet(self, step: Step) -> None:
        """apply(step) with NumPy's warnings off; a small graph's forward steps and activation
        and loss edges by replay's kernels (the same arithmetic, then apply's check)."""
        with np.errstate(all="ignore"):
            if step.phase != "update" and len(self.graph.nodes) <= EDGE_MEMO_NODES:
                if step.phase == "forward":
                    _forward_kernels(self)[step.node](self)
                    self._check(step.index, step.node, self.V[self.slot[step.node]])
                    return
                edge = _backward_kernels(self).get((step.node, step.position))
                if edge is not None:
                    edge(self)
                    self._check(step.index, step.target, self.grad(step.target))
                    return
            self.apply(step)


def _program(state: State, plan: Plan) -> list[tuple]:
    """Each segment of a small graph's plan as one call doing all its steps, as replay's loop
    does them (the same calls on the same arrays): (start, end, phase 0/1/2, run(state)). From
    the plan's structure alone (memoised on it); an update's run is plain SGD's (replay takes
    an optimizer's the general way)."""
    program = plan.memo.get("replay program")
    if program is not None:
        return program
    forward, backward = _forward_kernels(state), _backward_kernels(state)
    graph, program = state.graph, []
    for seg in plan.segments:
        end = seg.start + seg.size
        if seg.phase == "forward":
            program.append((seg.start, end, 0, forward[seg.node]))
        elif seg.phase == "update":
            program.append((seg.start, end, 2, _update_run(np.array(seg.items))))
        elif graph.nodes[seg.node].op == "wsum":
            edges = state._wsum_edges(seg.node, seg.items)
            program.append((seg.start, end, 1, _wsum_run(state, seg.node, *edges)))
        else:
            steps = [plan.step(k) for k in range(seg.start, end)]
            edges = [backward.get((step.node, step.position)) for step in steps]
            program.append((seg.start, end, 1, _edges_run(steps, edges)))
    plan.memo["replay program"] = program
    return program


class _Scalars:
    """A one-sample state's rows as Python lists (V and G: the sample's column)."""

    __slots__ = ("V", "G", "P", "P0", "pgrad", "done", "received", "updated", "lr")

    def __init__(self, V, G, P, P0, pgrad, done, received, updated, lr):
        self.V, self.G, self.P, self.P0, self.pgrad = V, G, P, P0, pgrad
        self.done, self.received, self.updated, self.lr = done, received, updated, lr


_SCALAR_FAN_IN = 8  # weighted sums of at most this many inputs (NumPy adds them in order)
# a weight vector's w @ a is NumPy's sum in order, for every fan-in the Python-float replay takes
NAIVE_DOT = all(naive_matmul((k,)) for k in range(1, _SCALAR_FAN_IN + 1))


def _scalar_program(state: State, plan: Plan) -> list[tuple] | None:
    """_program's segments for one sample, as Python floats on _Scalars: the same operations
    in the same order as the NumPy calls on one-element rows (NumPy's float64 arithmetic is
    IEEE's, as Python's; a reduction of one element is 0.0 + it; w @ a is the sum from 0.0 of
    the products in order, NAIVE_DOT; the sigmoid is the C library's exp, LIBM_EXP). None when
    the plan has a step of another kind: weighted sums laid out as _wsum_gather finds them,
    sigmoids, mse, plain SGD only (memoised on the plan: from its structure alone)."""
    if "scalar program" in plan.memo:
        return plan.memo["scalar program"]
    program = None
    if NAIVE_DOT and LIBM_EXP:
        try:
            program = _scalar_segments(state, plan)
        except _NoScalar:
            program = None
    plan.memo["scalar program"] = program
    return program


class _NoScalar(Exception):
    pass


_PARTS = "scalar parts"


def _scalar_part(program: list, si: int, k: int):
    """The first k steps of segment si (a weighted sum's backward edges, activation and loss
    edges, or updates) as replay's loop does them after the whole segments: kept on the
    program's part table, from the plan's structure alone; None for a forward segment."""
    parts = program[-1]
    got = parts.get((si, k), _NO_PART)
    if got is _NO_PART:
        make = parts["make"][si]
        got = parts[si, k] = make(0, k) if make is not None else None
    return got


def _scalar_one(program: list, plan: Plan, t: int):
    """Fine step t alone as _scalar_program does it (a forward segment is one step; of the other
    kinds, the step's slice of its segment): kept on the program's part table; None when the
    program has no run of it."""
    parts = program[-1]
    key = ("one", t)
    got = parts.get(key, _NO_PART)
    if got is _NO_PART:
        si = plan.segment_of(t)
        seg_start, seg_end, phase, run = program[si]
        if phase == 0:
            got = run if seg_end - seg_start == 1 else None
        else:
            make = parts["make"][si]
            got = make(t - seg_start, t - seg_start + 1) if make is not None else None
        parts[key] = got
    return got


_NO_PART = object()


def _scalar_segments(state: State, plan: Plan) -> list[tuple]:
    """Per segment (start, end, phase, run), then the table of partial segments (its "make":
    per segment, what makes the run of its steps [lo, hi) (offsets in it), or None)."""
    graph, out, makers = state.graph, [], []
    nodes = graph.nodes
    for seg in plan.segments:
        end = seg.start + seg.size
        nd = nodes[seg.node]
        if seg.phase == "forward":
            run, make = _scalar_forward(state, seg.node), None
            phase = 0
        elif seg.phase == "update":
            items = [int(p) for p in seg.items]
            run, phase = _scalar_update(items), 2
            make = _prefix(_scalar_update, items)
        elif nd.op == "wsum":
            if len(seg.items) != len(set(seg.items)) or state._wsum_gather(seg.node) is None:
                raise _NoScalar
            run, phase = _scalar_wsum_items(state, seg.node, seg.items), 1
            make = _wsum_prefix(state, seg.node, seg.items)
        else:
            edges = [_scalar_edge(state, plan.step(k)) for k in range(seg.start, end)]
            run, phase = _scalar_edges(edges), 1
            make = _prefix(_scalar_edges, edges)
        out.append((seg.start, end, phase, run))
        makers.append(make)
    out.append({"make": makers})
    return out


def _prefix(maker, items: list):
    return lambda lo, hi: maker(items[lo:hi])


def _wsum_prefix(state: State, node: int, items: tuple):
    return lambda lo, hi: _scalar_wsum_items(state, node, items[lo:hi])


def _scalar_wsum_items(state: State, node: int, items: tuple):
    """A weighted sum's backward edges `items` (_wsum_backward's, _wsum_run's for all of them)."""
    ws, a_rows, b, xs, x_ws, targets = state._wsum_edges(node, tuple(items))
    tl = targets.tolist()
    if len(set(tl)) != len(tl):
        raise _NoScalar
    slot = state.slot
    return _scalar_wsum_back(
        int(slot[node]), ws.tolist(), a_rows.tolist(), b, slot[xs].tolist(), x_ws.tolist(), tl
    )


def _scalar_forward(state: State, i: int):
    nd, slot = state.graph.nodes[i], state.slot
    row = int(slot[i])
    if nd.op == "wsum":
        gathered = state._wsum_gather(i)
        if gathered is None or nd.attrs["fan_in"] > _SCALAR_FAN_IN:
            raise _NoScalar
        w, a, b = (x.tolist() if isinstance(x, np.ndarray) else x for x in gathered)
        pairs = list(zip(w, a, strict=True))

        def run(s: _Scalars) -> None:  # wsum: w @ a + b
            P, V = s.P, s.V
            z = 0.0
            for wi, ai in pairs:
                z = z + P[wi] * V[ai]
            V[row] = z + P[b]
            s.done[i] = True

        return run
    if nd.op == "act" and nd.attrs.get("activation") == "sigmoid" and slot[nd.inputs[0]] >= 0:
        src = int(slot[nd.inputs[0]])

        def run(s: _Scalars) -> None:  # activations._small_sigmoid
            x = s.V[src]
            e = _exp(-abs(x))
            s.V[row] = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
            s.done[i] = True

        return run
    if nd.op == "loss" and nd.attrs["loss"] == "mse" and all(slot[j] >= 0 for j in nd.inputs):
        rows = [int(slot[j]) for j in nd.inputs]
        k = len(rows) // 2
        pairs = list(zip(rows[:k], rows[k:], strict=True))

        def run(s: _Scalars) -> None:  # _loss_kernel: the sum from 0.0 of 0.5 · (a − y)²
            V = s.V
            total = 0.0
            for a, y in pairs:
                d = V[a] - V[y]
                total = total + 0.5 * (d * d)
            V[row] = total
            s.done[i] = True

        return run
    raise _NoScalar


def _scalar_edge(state: State, step: Step):
    """An activation's or the loss's backward edge, as _act_edge and _loss_edge do it."""
    nd, slot = state.graph.nodes[step.node], state.slot
    kernel = _backward_kernels(state).get((step.node, step.position))
    if kernel is None:
        raise _NoScalar
    row, j = int(slot[step.node]), step.target
    if nd.op == "act" and nd.attrs.get("activation") == "sigmoid":
        src = int(slot[j])

        def run(s: _Scalars) -> None:  # G[z] += G[a] · (a · (1 − a))
            G, a = s.G, s.V[row]
            G[src] = G[src] + G[row] * (a * (1.0 - a))
            s.received[j] += 1

        return run
    if nd.op == "loss" and nd.attrs["loss"] == "mse":
        k = len(nd.inputs) // 2
        a, y = int(slot[nd.inputs[step.position]]), int(slot[nd.inputs[k + step.position]])

        def run(s: _Scalars) -> None:  # G[ŷ] += G[L] · (ŷ − y)
            G, V = s.G, s.V
            G[a] = G[a] + G[row] * (V[a] - V[y])
            s.received[j] += 1

        return run
    raise _NoScalar


def _scalar_edges(edges: list):
    def run(s: _Scalars) -> None:
        for edge in edges:
            edge(s)

    return run


def _scalar_wsum_back(row, ws, a_rows, b, x_rows, x_ws, targets):
    """_wsum_run for one sample: ∂L/∂wᵢ += mean(δ·aᵢ), ∂L/∂b += mean(δ), ∂ℓ/∂aᵢ += δ·wᵢ (a
    mean of one number is 0.0 plus it, divided by 1)."""
    w_pairs, x_pairs = list(zip(ws, a_rows, strict=True)), list(zip(x_rows, x_ws, strict=True))

    def run(s: _Scalars) -> None:
        up, pgrad, V, G, P = s.G[row], s.pgrad, s.V, s.G, s.P
        for w, a in w_pairs:
            pgrad[w] = pgrad[w] + (0.0 + up * V[a]) / 1
        if b is not None:
            pgrad[b] = pgrad[b] + (0.0 + up) / 1
        for x, w in x_pairs:
            G[x] = G[x] + up * P[w]
        received = s.received
        for j in targets:
            received[j] += 1

    return run


def _scalar_update(ps: list[int]):
    def run(s: _Scalars) -> None:  # plain SGD: θ ← θ₀ − η·∂L/∂θ
        P, P0, pgrad, lr, updated = s.P, s.P0, s.pgrad, s.lr, s.updated
        for p in ps:
            P[p] = P0[p] - lr * pgrad[p]
            updated[p] = True

    return run


def _update_run(ps: np.ndarray):
    def run(s: State) -> None:  # _update(ps) for plain SGD, as replay's loop does it
        s.P[ps] = s.P0[ps] - s.lr * s.pgrad[ps]
        s.updated[ps] = True

    return run


def _wsum_run(state: State, node: int, ws, a_rows, b, xs, x_ws, targets):
    """_wsum_backward(node, all its items, check=False): the same products and sums, from index
    arrays found once, and one count per target in one call when they are distinct."""
    row, x_rows = int(state.slot[node]), state.slot[xs]
    distinct = len(set(targets.tolist())) == len(targets)  # one count each, in one call

    def run(s: State) -> None:
        up = s.G[row]
        if len(ws):  # ∂L/∂wᵢ = mean(δ·aᵢ)
            s.pgrad[ws] += mean(up[None, :] * s.V[a_rows], axis=1)
        if b is not None:  # ∂L/∂b = mean(δ·1)
            s.pgrad[b] += mean(up)
        if len(xs):  # ∂ℓ/∂aᵢ += δ·wᵢ
            s.G[x_rows] += up[None, :] * s.P[x_ws][:, None]
        if distinct:
            s.received[targets] += 1
        else:
            s.received[ws] += 1
            if b is not None:
                s.received[b] += 1
            s.received[xs] += 1

    return run


def _edges_run(steps: list[Step], edges: list):
    def run(s: State) -> None:
        for step, edge in zip(steps, edges, strict=True):
            if edge is not None:
                edge(s)
            else:
                s._accumulate(step.target, s.contribution(step.node, step.position))

    return run


def _forward_kernels(state: State) -> dict:
    """Each op node's forward step as State.apply does it, bound to its rows: node → f(state).
    From the graph's structure alone (memoised on it)."""
    graph = state.graph
    kernels = graph.memo.get("forward kernels")
    if kernels is not None:
        return kernels
    kernels = {}
    slot = state.slot
    for i in graph.order:
        nd = graph.nodes[i]
        row = int(slot[i])
        gathered = state._wsum_gather(i) if nd.op == "wsum" else None
        act = ACTIVATIONS.get(nd.attrs.get("activation")) if nd.op == "act" else None
        if gathered is not None:
            kernels[i] = _wsum_kernel(i, row, *gathered)
        elif act is not None and not act.output_only and slot[nd.inputs[0]] >= 0:
            kernels[i] = _act_kernel(i, row, int(slot[nd.inputs[0]]), act.forward, nd.attrs)
        elif nd.op == "loss" and all(slot[j] >= 0 for j in nd.inputs):
            kernels[i] = _loss_kernel(i, row, slot[np.array(nd.inputs, dtype=np.int64)], nd.attrs)
        else:
            kernels[i] = _op_kernel(i, row, OPS[nd.op].forward, nd.attrs)
    graph.memo["forward kernels"] = kernels
    return kernels


def _wsum_kernel(i: int, row: int, w: np.ndarray, a: np.ndarray, b: int):
    def run(s: State) -> None:
        s.V[row] = wsum(s.P[w], s.V[a], s.P[b])
        s.done[i] = True

    return run


def _act_kernel(i: int, row: int, src: int, f, attrs: dict):
    slope = slope_of(attrs)  # as ops._act_forward reads it

    def run(s: State) -> None:
        s.V[row] = f(s.V[src], slope)
        s.done[i] = True

    return run


def _loss_kernel(i: int, row: int, rows: np.ndarray, attrs: dict):
    k = len(rows) // 2
    f = LOSSES[attrs["loss"]].forward
    a, y = rows[:k], rows[k:]

    def run(s: State) -> None:  # ops._loss_forward's: V[a] is the np.vstack of those rows
        s.V[row] = _sum(f(s.V[a], s.V[y]), axis=0)
        s.done[i] = True

    return run


def _backward_kernels(state: State) -> dict:
    """Backward edges of activations and of the loss as State.contribution and _accumulate do
    them, bound to their rows: (node, position) → f(state). From the graph's structure alone
    (memoised on it); other edges take the general way."""
    graph = state.graph
    kernels = graph.memo.get("backward kernels")
    if kernels is not None:
        return kernels
    kernels, slot, nodes = {}, state.slot, graph.nodes
    for i in graph.order:
        nd = nodes[i]
        row, ins = int(slot[i]), nd.inputs
        if nd.op == "act":
            act = ACTIVATIONS.get(nd.attrs.get("activation"))
            if act is None or act.jacobian is not None or act.output_only:
                continue
            if slot[ins[0]] >= 0 and graph.requires_grad[ins[0]]:
                src = int(slot[ins[0]])
                kernels[i, 0] = _act_edge(ins[0], row, src, act.grad, slope_of(nd.attrs))
        elif nd.op == "loss" and all(slot[j] >= 0 for j in ins):
            k, grad = len(ins) // 2, LOSSES[nd.attrs["loss"]].grad
            for pos in range(k):
                a, y = int(slot[ins[pos]]), int(slot[ins[k + pos]])
                kernels[i, pos] = _loss_edge(ins[pos], row, a, y, grad)
        elif nd.op == "wsum" and state._wsum_gather(i) is not None:
            k = nd.attrs["fan_in"]
            for pos in range(2 * k + 1):
                if graph.requires_grad[ins[pos]]:
                    kernels[i, pos] = _wsum_edge(state, i, row, pos, k)
    graph.memo["backward kernels"] = kernels
    return kernels


def _wsum_edge(state: State, i: int, row: int, pos: int, k: int):
    """One edge of z = Σ wᵢ·aᵢ + b as contribution and _accumulate do it: δ times the local
    derivative (wᵢ broadcast, aᵢ, or ones), added to the input's row or, for a parameter, its
    mean to ∂L/∂θ. For a weighted sum laid out as _wsum_gather finds it (inputs in rows,
    weights and bias parameters)."""
    ins = state.graph.nodes[i].inputs
    j = ins[pos]
    if pos < k:  # ∂z/∂aᵢ = wᵢ: into aᵢ's row
        w, dst = ins[k + pos], int(state.slot[j])

        def run(s: State) -> None:
            up = s.G[row]
            s.G[dst] += up * np.broadcast_to(s.P[w], up.shape)
            s.received[j] += 1

    elif pos < 2 * k:  # ∂z/∂wᵢ = aᵢ: its mean into ∂L/∂wᵢ
        src = int(state.slot[ins[pos - k]])

        def run(s: State) -> None:
            s.pgrad[j] += mean(s.G[row] * s.V[src])
            s.received[j] += 1

    else:  # ∂z/∂b = 1

        def run(s: State) -> None:
            up = s.G[row]
            s.pgrad[j] += mean(up * np.ones_like(up))
            s.received[j] += 1

    return run


def _act_edge(j: int, row: int, src: int, grad, slope: float):
    def run(s: State) -> None:  # G[z] += G[a] · f'(z): contribution's product, accumulated
        s.G[src] += s.G[row] * grad(s.V[src], s.V[row], slope)
        s.received[j] += 1

    return run


def _loss_edge(j: int, row: int, a: int, y: int, grad):
    def run(s: State) -> None:  # G[ŷ] += G[L] · ∂ℓ/∂ŷ
        s.G[a] += s.G[row] * grad(s.V[a], s.V[y])
        s.received[j] += 1

    return run


def _op_kernel(i: int, row: int, f, attrs: dict):
    def run(s: State) -> None:
        s.V[row] = f(s.inputs_of(i), attrs)
        s.done[i] = True

    return run


def _layout(graph: Graph):
    """Where a state keeps what, from the graph's structure alone (memoised on it): each node's
    row (−1 for parameters), the number of rows, the rows and data columns of the inputs and
    of the targets, and which nodes are leaves (computed from the start)."""
    memo = graph.memo.get("layout")
    if memo is None:
        nodes = graph.nodes
        slot = np.full(len(nodes), -1, dtype=np.int64)
        others = [i for i, nd in enumerate(nodes) if nd.kind != "param"]
        slot[others] = np.arange(len(others))

        def data(kind: str) -> tuple[np.ndarray | slice, np.ndarray | slice]:
            at = [i for i, nd in enumerate(nodes) if nd.kind == kind]
            cols = [nodes[i].column for i in at]
            rows = slot[np.array(at, dtype=np.int64)].tolist()
            first = rows[0] if rows else 0
            if rows == list(range(first, first + len(rows))) and cols == list(range(len(cols))):
                return slice(first, first + len(rows)), slice(None)  # the usual layout: a block
            return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)

        leaves = np.array([nd.kind != "op" for nd in nodes], dtype=bool)
        memo = graph.memo["layout"] = (slot, len(others), data("input"), data("target"), leaves)
    return memo


def state_at(
    graph: Graph, plan: Plan, learning_rate: float, fine: int, rule: Rule = PLAIN
) -> State:
    """The state after the first `fine` steps of the plan, replayed from the scenario."""
    state = State(graph, learning_rate, rule)
    state.run_to(plan, fine)
    return state
