"""A dense network's plan in outline, from its layers alone: what /api/graph tells of the plan
(totals and phase starts at every granularity), without building its graph.

Building the 10 × 64 network's graph and plan takes a few hundred milliseconds (43,009 nodes);
its plan's outline follows from the rules of app.engine.plan over the graph app.engine.network
builds, one segment per neuron part rather than per edge:

- forward: one step per op node, in teaching order: per layer l, z and a of each neuron (with a
  coupled activation, softmax, every z then every a); then the loss, at layer L + 1;
- backward, layers from the last: the loss passes its gradient to the outputs (one step each);
  per layer, each neuron's a then z (coupled: every a, each to every z, then every z), z to its
  weights, its bias and, past the first layer, the activations before it;
- update: per layer from the last, per neuron, its trainable weights then bias (one unit).

tests/engine/test_dense_plan.py holds this equal to Plan's own for many networks."""

from __future__ import annotations

import bisect

from app.engine.answers import PlanInfo, UnitPlan
from app.engine.plan import GRANULARITIES


def outline(
    layers: list[int], coupled: list[bool], frozen: frozenset[str]
) -> list[tuple[str, int, int]]:
    """The plan's segments, in order, as (phase, layer, steps)."""
    depth = len(layers) - 1
    segs: list[tuple[str, int, int]] = []
    for l in range(1, depth + 1):
        segs += [("forward", l, 1)] * (2 * layers[l])
    segs.append(("forward", depth + 1, 1))
    segs.append(("backward", depth + 1, layers[-1]))
    for l in range(depth, 0, -1):
        n, k = layers[l], layers[l - 1]
        z = ("backward", l, 2 * k + 1 if l > 1 else k + 1)  # weights, bias, inputs needing one
        if coupled[l - 1]:
            segs += [("backward", l, n)] * n + [z] * n
        else:
            segs += [("backward", l, 1), z] * n
    for l in range(depth, 0, -1):
        size = (0 if f"W{l}" in frozen else layers[l - 1]) + (0 if f"b{l}" in frozen else 1)
        if size:
            segs += [("update", l, size)] * layers[l]
    return segs


def plan_info(layers: list[int], coupled: list[bool], frozen: frozenset[str], samples: int):
    """PlanInfo as app.engine.lesson_views.plan_info gives it for this network's lesson."""
    segs = outline(layers, coupled, frozen)
    starts, t = [], 0
    for _, _, size in segs:
        starts.append(t)
        t += size
    bounds = {"node": starts + [t]}
    for gran, key in (("layer", lambda s: (s[0], s[1])), ("pass", lambda s: s[0])):
        runs, last = [], object()
        for s, start in zip(segs, starts, strict=True):
            if key(s) != last:
                runs.append(start)
                last = key(s)
        bounds[gran] = runs + [t]
    firsts: dict[str, int] = {}
    for (phase, _, _), start in zip(segs, starts, strict=True):
        firsts.setdefault(phase, start)
    grans = {}
    for gran in GRANULARITIES:
        if gran == "step":
            grans[gran] = UnitPlan(t, dict(firsts))
            continue
        b = bounds[gran]
        at = {phase: bisect.bisect_right(b, s) - 1 for phase, s in firsts.items()}
        grans[gran] = UnitPlan(len(b) - 1, at)
    return PlanInfo(t, grans, len(layers), samples)
