"""A lesson: one scenario's graph and plan, and what the learner sees at any cursor."""

from __future__ import annotations

import gc
import itertools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from app.engine import lesson_views as views
from app.engine.answers import GraphView, StepAnswer, StepView
from app.engine.batches import BatchInfo
from app.engine.explain import Explainer
from app.engine.graph import Graph
from app.engine.mathfmt import Fmt
from app.engine.network import MLPSpec, build_graph
from app.engine.plan import GRANULARITIES, Plan, Segment, Step
from app.engine.stepper import State
from app.engine.update_rule import PLAIN, Rule, rule_for

KEEP_BYTES = 64 * 2**20  # per kind of kept state (marks along the plan; recent answers), at most
MARK_EVERY = 32  # replay work between marks: about 32 single steps (a millisecond or two), or more
NODE_BYTES = 1200  # what a graph node, its plan steps and labels take in memory, roughly
QUICK_STEPS, QUICK_BATCH = 16, 256  # a quick answer: this few steps explained or listed, samples


def _cost(seg: Segment, op: str | None) -> int:
    """Replay work of a segment, in single steps: grouped ones cost a few, the rest one each."""
    if seg.phase == "update" or (seg.phase == "backward" and op == "wsum"):
        return 4
    return seg.size


# Graphs and plans by network shape: a new scenario of a shape seen before (the tutorial with
# another learning rate, other data or weights) reuses them and builds no node.
TEMPLATES, TEMPLATE_NODES = 64, 2_000  # at most this many, of at most this many nodes each
# A graph of more nodes is exempt from cyclic collection once built (gc.freeze): here, as soon as
# its nodes are made (they are all young then, and the next collection would walk them all), and
# again by app.api.convert once the lesson around it is built and kept.
FREEZE_NODES = 2_000
_TEMPLATES: OrderedDict = OrderedDict()
_TEMPLATE_LOCK = threading.Lock()


def _shape(spec: MLPSpec) -> tuple:
    """What a network's graph and plan depend on: everything but its numbers."""
    return (tuple(spec.layers), tuple(spec.activations), spec.loss, spec.frozen, spec.leaky_slope)


def _template(spec: MLPSpec) -> tuple[Graph, Plan, np.ndarray, np.ndarray]:
    """The graph and plan of the spec's shape, and where each parameter node's starting value
    is in [W1.ravel(), …, WL.ravel(), b1, …, bL]: (parameter nodes, their flat positions). The
    nodes' own `init` fields are set to NaN: a lesson's values are its graph's `init`."""
    gc.disable()  # tens of thousands of small objects: collection passes would dominate
    try:
        graph = build_graph(spec)
        plan = Plan(graph, spec.frozen)
        if len(graph.nodes) > FREEZE_NODES:
            # left to refcounting (as app.api.convert does with the lesson it keeps): collection
            # resumed over them would walk them all at once (~0.1 s for the largest network)
            gc.freeze()
    finally:
        gc.enable()
    offsets, at = {}, 0
    for l, w in enumerate(spec.weights, start=1):
        offsets[f"W{l}"], at = (at, w.shape[1]), at + w.size
    for l, b in enumerate(spec.biases, start=1):
        offsets[f"b{l}"], at = (at, 1), at + b.size
    params = np.array(graph.params, dtype=np.int64)
    nodes, nan, positions = graph.nodes, math.nan, []
    for p in graph.params:  # a Python list, made into an array once: not 40,000 element writes
        nd = nodes[p]
        start, cols = offsets[nd.tensor]
        ix = nd.index
        positions.append(start + ix[0] * cols + ix[1] if len(ix) == 2 else start + ix[0])
        nd.init = nan
    flat = np.array(positions, dtype=np.int64)
    graph.init = np.full(len(graph.nodes), math.nan)
    return graph, plan, params, flat


@dataclass
class Lesson:
    graph: Graph
    plan: Plan
    learning_rate: float
    spec: MLPSpec | None = None
    frozen: frozenset[str] = frozenset()
    rule: Rule = PLAIN  # the update: the scenario's optimizer at its step t, with its state
    keep_bytes: int = KEEP_BYTES
    _marks: dict = field(default_factory=dict, repr=False)  # fine cursor → State, along the plan
    _recent: OrderedDict = field(default_factory=OrderedDict, repr=False)  # answers' end states
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _mark_at: tuple[int, ...] | None = field(default=None, repr=False)
    _mark_every: int = field(default=MARK_EVERY, repr=False)
    _work_before: tuple[int, ...] = field(default=(), repr=False)
    first_backward: int | None = field(default=None, repr=False)  # its first backward step
    has_update: bool = field(default=False, repr=False)  # whether the plan updates parameters
    iteration: int = 1  # 1-based: the parameters are those after iteration − 1 updates
    losses: tuple[float, ...] = ()  # the loss at the start of iterations 1 … iteration (networks)
    batch: BatchInfo | None = None  # mini-batches: the batch this iteration updates on

    @classmethod
    def from_spec(cls, spec: MLPSpec) -> Lesson:
        """The spec's lesson: its graph and plan are those of every spec of the same shape (a
        template, kept for small networks), with the spec's data and parameters."""
        shape = _shape(spec)
        with _TEMPLATE_LOCK:
            template = _TEMPLATES.get(shape)
            if template is not None:
                _TEMPLATES.move_to_end(shape)
        if template is None:
            template = _template(spec)
            if len(template[0].nodes) <= TEMPLATE_NODES:
                with _TEMPLATE_LOCK:
                    _TEMPLATES[shape] = template
                    while len(_TEMPLATES) > TEMPLATES:
                        _TEMPLATES.popitem(last=False)
        structure, plan, params, flat = template
        init = np.zeros(len(structure.nodes))
        init[params] = np.concatenate([*(w.ravel() for w in spec.weights), *spec.biases])[flat]
        graph = structure.with_values(spec.inputs, spec.targets, init)
        return cls(graph, plan, spec.learning_rate, spec, spec.frozen, rule_for(graph, spec))

    # ── structure ────────────────────────────────────────────────────────────

    def __post_init__(self) -> None:
        self._marks[0] = self.new_state()  # the scenario: the first mark
        self._state_bytes = self._marks[0].nbytes
        # room for a class stepping at its own pace, in proportion to a state's size
        self.keep_bytes = min(self.keep_bytes, 128 * self._state_bytes)
        facts = self.plan.memo.get("facts")  # the same for every lesson of this plan
        if facts is None:
            segments = self.plan.segments
            facts = self.plan.memo["facts"] = (
                next((s.start for s in segments if s.phase == "backward"), None),
                any(s.phase == "update" for s in segments),
            )
        self.first_backward, self.has_update = facts

    def new_state(self) -> State:
        """The state before the first step: the scenario's values, nothing computed."""
        return State(self.graph, self.learning_rate, self.rule)

    @property
    def max_bytes(self) -> int:
        """Memory this lesson may hold, estimated: its graph and plan, and the states it keeps."""
        return NODE_BYTES * len(self.graph.nodes) + 2 * self.keep_bytes

    def describe(self, labels: str = "all") -> GraphView:
        """Nodes, edges, parameters and plan. labels="text" leaves out LaTeX and MathML labels."""
        return views.describe(self, labels)

    # ── a cursor ─────────────────────────────────────────────────────────────

    def at(
        self,
        cursor: int,
        granularity: str = "step",
        sample: int = 0,
        precision: int = 4,
        max_explained: int = 500,
        since: int | None = None,
        rows: bool = False,
    ) -> StepAnswer:
        """What the learner sees at `cursor`. With `since` (a fine cursor whose state the caller
        holds), nodes and parameters list only the entries whose state differs from then.
        `rows`: every node and parameter written as JSON already (views.Rows), for dump_step."""
        plan, g = self.plan, self.graph
        fine_end = plan.to_fine(granularity, cursor)
        if cursor == 0:
            start = 0
        else:
            start = plan.unit_range(granularity, cursor - 1)[0]
        state = self.state_at(start)
        steps = self._explain(state, start, fine_end, sample, Fmt(precision), max_explained, rows)
        phase = "start" if fine_end == 0 else plan.step(fine_end - 1).phase
        if fine_end == plan.total and plan.total:
            phase = "done"
        which = None if since is None else self._changed(since, fine_end)
        loss = views.loss(self, state, fine_end)
        answer = StepAnswer(
            cursor=cursor,
            cursors={g: plan.from_fine(g, fine_end) for g in GRANULARITIES},
            total=plan.units(granularity),
            granularity=granularity,
            fine_cursor=fine_end,
            fine_total=plan.total,
            step_range=[start, fine_end],
            phase=phase,
            sample=sample,
            samples=g.batch,
            since=since,
            steps=steps,
            steps_omitted=(fine_end - start) - len(steps),
            nodes=views.node_rows(self, state, sample, fine_end)
            if rows and which is None
            else views.node_views(self, state, sample, fine_end, which),
            parameters=views.param_rows(self, state)
            if rows and which is None
            else views.param_views(self, state, which),
            loss=loss,
            diverged=views.diverged(self, state) or views.loss_diverged(self, fine_end, loss),
            iteration=self.iteration,
            history=views.loss_history(self),
            batch=self.batch,
        )
        self._keep_recent(fine_end, state)  # the learner's next step starts here
        return answer

    # ── states along the plan ────────────────────────────────────────────────

    def state_at(self, fine: int) -> State:
        """A state after the first `fine` steps, the caller's own to change: an answer's end
        state handed over whole when one is kept at `fine` or closest before it, else replayed
        from the nearest mark (kept states along the plan, made on the way). Every route to a
        cursor gives the very state replaying from the start gives (the stepper's tests)."""
        with self._lock:
            base = max((k for k in self._recent if k <= fine), default=-1)
            mark = max((k for k in self._marks if k <= fine), default=0)
            if base >= mark:
                state = self._recent.pop(base)
            elif mark:
                base, state = mark, self._marks[mark].copy()
            else:  # the scenario's state: the first mark handed over the first time, then made
                base, state = 0, self._marks.pop(0, None) or self.new_state()
        if base == fine:  # nothing to replay (the first step of a lesson, often)
            return state
        pos = base
        for m in self._marks_between(base, fine):
            state.replay(self.plan, m, start=pos)
            pos = m
            with self._lock:
                if m not in self._marks:
                    self._marks[m] = state.copy()
        state.replay(self.plan, fine, start=pos)
        return state

    def _keep_recent(self, fine: int, state: State) -> None:
        """Keep an answer's end state: the learner's next step starts from it, replaying nothing."""
        with self._lock:
            self._recent.pop(fine, None)
            self._recent[fine] = state
            while len(self._recent) * self._state_bytes > self.keep_bytes:
                self._recent.popitem(last=False)

    def _marks_between(self, lo: int, hi: int) -> list[int]:
        """Segment starts in (lo, hi] where marks go: spaced by replay work, as many as fit in
        keep_bytes (a few milliseconds of replay apart at most, for the largest networks)."""
        self._plan_marks()
        return [m for m in self._mark_at if lo < m <= hi]

    def _plan_marks(self) -> None:
        """Where marks go: from the plan and the room for states alone, so lessons of one plan
        (its shape) with as much room share them (kept on the plan, never changed)."""
        if self._mark_at is not None:
            return
        room = max(1, self.keep_bytes // self._state_bytes - 1)
        kept = self.plan.memo.get(("marks", room))
        if kept is None:
            costs = [_cost(seg, self.graph.nodes[seg.node].op) for seg in self.plan.segments]
            before = (0, *itertools.accumulate(costs))  # replay work up to each segment
            every = max(MARK_EVERY, sum(costs) // room + 1)
            marks, work = [], 0
            for seg, cost in zip(self.plan.segments, costs, strict=True):
                if work >= every:
                    marks.append(seg.start)
                    work = 0
                work += cost
            kept = self.plan.memo["marks", room] = (before, every, tuple(marks))
        self._work_before, self._mark_every, self._mark_at = kept

    def quick(self, cursor: int, granularity: str, since: int | None) -> bool:
        """Whether answering is a few steps from a state kept here, with a few entries to list
        and a small batch: at most a few milliseconds, whatever the size of the network."""
        if (
            since is None
            or self.graph.batch > QUICK_BATCH
            or not 0 <= cursor <= self.plan.units(granularity)
        ):
            return False
        end = self.plan.to_fine(granularity, cursor)
        start = self.plan.unit_range(granularity, cursor - 1)[0] if cursor else 0
        if end - start > QUICK_STEPS or abs(end - since) > QUICK_STEPS:
            return False
        self._plan_marks()
        with self._lock:
            kept = max((k for k in (*self._recent, *self._marks) if k <= start), default=0)
        work = (
            self._work_before[self.plan.segment_of(start)]
            - self._work_before[self.plan.segment_of(kept)]
        )
        return work <= 2 * self._mark_every

    def _changed(self, a: int, b: int) -> list[int] | None:
        """Nodes whose shown state differs between fine cursors a and b (ascending), or None when
        that is most of them: the steps between them are the only writers."""
        lo, hi = min(a, b), max(a, b)
        if hi - lo > len(self.graph.nodes) // 2:
            return None
        out = set()
        for t in range(lo, hi):
            out.add(self.plan.step(t).target)
        first = self.first_backward
        if first is not None and lo <= first < hi:  # the seed ∂L/∂L = 1 appears with the pass
            out.add(self.graph.root)
        return sorted(out)

    def walk(self, precision: int = 4, sample: int = 0) -> list[StepView]:
        """Every step of the plan, explained, from the scenario to the updated parameters."""
        state = self.new_state()
        return self._explain(state, 0, self.plan.total, sample, Fmt(precision), self.plan.total)

    def _explain(
        self,
        state: State,
        start: int,
        end: int,
        sample: int,
        fmt: Fmt,
        limit: int,
        written: bool = False,
    ) -> list[StepView]:
        """Do steps [start, end) one by one, explaining the first `limit` of them (`written`: an
        explanation may come as JSON already, views.Rows)."""
        explainer = Explainer(state, sample)
        steps: list[StepView] = []
        plan = self.plan
        for t in range(start, end):
            if len(steps) >= limit:  # the rest of a large unit runs without words
                state.run_to(plan, end, start=t)
                break
            step = plan.step(t)
            before = self._before(state, step, sample)
            with np.errstate(all="ignore"):
                state.apply_one(plan, step)
            steps.append(views.step_view(self, step, explainer, before, fmt, written))
        return steps

    def _before(self, state: State, step: Step, sample: int) -> float:
        if step.phase == "backward":
            v = state.grad(step.target)
        elif step.phase == "update":
            v = state.P0[step.target]
        else:
            return 0.0
        return float(v[sample]) if isinstance(v, np.ndarray) and v.ndim else float(v)
