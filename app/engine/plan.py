"""The stepping plan of one iteration, and its coarser groupings.

forward  — one step per op node, in topological order;
backward — one step per (node → input) edge whose input needs a gradient, in reverse topological
           order, so a node's gradient is complete before it is passed on;
update   — one step per parameter element that is not frozen.

Steps come in segments (one node's forward, one node's edges, one neuron's parameters): the
`node` granularity. Segments of one phase and layer make the `layer` granularity; a whole phase is
a `pass`. A cursor k means the first k units of the chosen granularity are done.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass

from app.engine.graph import Graph

PHASES = ("forward", "backward", "update")
GRANULARITIES = ("step", "node", "layer", "pass")
STEP_MEMO = 4_096  # plans of at most this many steps keep them decoded


@dataclass(frozen=True)
class Segment:
    phase: str
    node: int  # forward: the node computed; backward: the node whose gradient is passed on
    items: tuple[int, ...]  # backward: input positions, in order; update: parameter nodes
    layer: int
    start: int  # index of its first step in the whole plan

    @property
    def size(self) -> int:
        return max(1, len(self.items)) if self.phase == "forward" else len(self.items)


@dataclass(frozen=True)
class Step:
    """One fine step, decoded: `node` computes, passes to `target`, or (update) is `target`."""

    index: int
    phase: str
    segment: int
    node: int
    position: int  # backward: which input of `node`
    target: int  # backward: the input receiving the gradient; update: the parameter; forward: node


def edge_order(graph: Graph, i: int) -> list[int]:
    """Input positions of node i in the order backward visits them (weights, bias, then inputs)."""
    nd = graph.nodes[i]
    positions = list(range(len(nd.inputs)))
    if nd.op == "wsum":
        k = nd.attrs["fan_in"]
        positions = [*range(k, 2 * k), 2 * k, *range(k)]
    return [p for p in positions if graph.requires_grad[nd.inputs[p]]]


def backward_order(graph: Graph) -> list[int]:
    """Reverse topological order of op nodes needing gradients: later layers first, and within a
    layer the earlier-created node first (so neuron 1 before neuron 2), whenever that is valid."""
    nodes = graph.nodes
    wanted = [i for i in graph.order if graph.requires_grad[i]]
    pos = {i: p for p, i in enumerate(graph.order)}
    waiting = {i: sum(1 for c, _ in graph.consumers[i] if graph.requires_grad[c]) for i in wanted}
    heap = [(-nodes[i].layer, pos[i], i) for i in wanted if waiting[i] == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        _, _, i = heapq.heappop(heap)
        order.append(i)
        for j in nodes[i].inputs:
            if j in waiting:
                waiting[j] -= 1
                if waiting[j] == 0:
                    heapq.heappush(heap, (-nodes[j].layer, pos[j], j))
    return order


class Plan:
    def __init__(self, graph: Graph, frozen: frozenset[str] = frozenset(), update: bool = True):
        self.graph = graph
        segs: list[Segment] = []
        t = 0

        def push(phase: str, node: int, items: tuple[int, ...], layer: int) -> None:
            nonlocal t
            seg = Segment(phase, node, items, layer, t)
            segs.append(seg)
            t += seg.size

        for i in graph.order:
            push("forward", i, (), graph.nodes[i].layer)
        param_order: list[int] = []
        seen: set[int] = set()
        for i in backward_order(graph):
            items = tuple(edge_order(graph, i))
            if items:
                push("backward", i, items, graph.nodes[i].layer)
            for p in items:
                j = graph.nodes[i].inputs[p]
                if graph.nodes[j].kind == "param" and j not in seen:
                    seen.add(j)
                    param_order.append(j)
        if update:
            trainable = [
                p for p in param_order if (graph.nodes[p].tensor or graph.nodes[p].id) not in frozen
            ]
            group: list[int] = []
            for p in trainable:
                if group and graph.nodes[group[0]].group != graph.nodes[p].group:
                    push("update", group[0], tuple(group), graph.nodes[group[0]].layer)
                    group = []
                group.append(p)
            if group:
                push("update", group[0], tuple(group), graph.nodes[group[0]].layer)
        self.segments = segs
        self.total = t
        self.memo: dict = {}  # what lessons derive from this (immutable) plan, kept
        self._steps: list[Step] | None = None
        self._seg_starts = [s.start for s in segs]
        self._bounds = {"node": [s.start for s in segs] + [t]}
        for gran, key in (("layer", lambda s: (s.phase, s.layer)), ("pass", lambda s: s.phase)):
            starts, last = [], object()
            for s in segs:
                if key(s) != last:
                    starts.append(s.start)
                    last = key(s)
            self._bounds[gran] = starts + [t]

    # ── units of a granularity ──────────────────────────────────────────────

    def units(self, granularity: str) -> int:
        if granularity == "step":
            return self.total
        return len(self._bounds[granularity]) - 1

    def unit_range(self, granularity: str, unit: int) -> tuple[int, int]:
        """Fine steps [start, end) that unit number `unit` (0-based) covers."""
        if granularity == "step":
            return unit, unit + 1
        b = self._bounds[granularity]
        return b[unit], b[unit + 1]

    def to_fine(self, granularity: str, cursor: int) -> int:
        """Fine steps done at this cursor."""
        if granularity == "step" or cursor == 0:
            return cursor
        return self._bounds[granularity][cursor]

    def from_fine(self, granularity: str, fine: int) -> int:
        """The cursor of a granularity that has done at most `fine` fine steps."""
        if granularity == "step":
            return fine
        return bisect.bisect_right(self._bounds[granularity], fine) - 1

    def phase_starts(self, granularity: str) -> dict[str, int]:
        """The cursor (in this granularity's units) at which each phase begins."""
        out = {}
        for s in self.segments:
            if s.phase not in out:
                out[s.phase] = self.from_fine(granularity, s.start)
        return out

    # ── fine steps ──────────────────────────────────────────────────────────

    def segment_of(self, t: int) -> int:
        return bisect.bisect_right(self._seg_starts, t) - 1

    def step(self, t: int) -> Step:
        if not 0 <= t < self.total:
            raise IndexError(t)
        if self.total <= STEP_MEMO:  # a small plan keeps its steps: every lesson of its shape
            if self._steps is None:  # steps through them
                self._steps = [self._decode(k) for k in range(self.total)]
            return self._steps[t]
        return self._decode(t)

    def _decode(self, t: int) -> Step:
        si = self.segment_of(t)
        seg = self.segments[si]
        if seg.phase == "forward":
            return Step(t, "forward", si, seg.node, -1, seg.node)
        item = seg.items[t - seg.start]
        if seg.phase == "backward":
            return Step(t, "backward", si, seg.node, item, self.graph.nodes[seg.node].inputs[item])
        return Step(t, "update", si, item, -1, item)
