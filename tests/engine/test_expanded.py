"""A network expanded into products, sums and activations computes exactly what the network does."""

import numpy as np
from hypothesis import given, settings

from app.engine.expanded import build_expanded_graph
from app.engine.lesson import Lesson
from app.engine.plan import Plan
from app.engine.stepper import state_at
from app.engine.views import expanded_lesson
from tests.engine.scenarios import mlp_specs, tutorial_spec


@settings(max_examples=60, deadline=None)
@given(mlp_specs(max_depth=3, max_width=3, max_batch=3))
def test_expanded_graph_matches_the_network(spec):
    base = Lesson.from_spec(spec)
    wide = expanded_lesson(spec)
    s0 = state_at(base.graph, base.plan, spec.learning_rate, base.plan.total)
    s1 = state_at(wide.graph, wide.plan, spec.learning_rate, wide.plan.total)
    for p in base.graph.params:
        q = wide.graph.index[base.graph.nodes[p].id]
        assert np.isclose(s0.pgrad[p], s1.pgrad[q], rtol=1e-12, atol=1e-14)
        assert np.isclose(s0.P[p], s1.P[q], rtol=1e-12, atol=1e-14)
    for i, nd in enumerate(base.graph.nodes):
        if nd.kind == "op":
            j = wide.graph.index[nd.id]
            np.testing.assert_allclose(s0.value(i), s1.value(j), rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(s0.grad(i), s1.grad(j), rtol=1e-12, atol=1e-14)


def test_tutorial_neuron_taken_apart():
    g = build_expanded_graph(tutorial_spec())
    ops = {nd.id: (nd.op, [g.nodes[j].id for j in nd.inputs]) for nd in g.nodes if nd.kind == "op"}
    assert ops["p1_0_0"] == ("mul", ["W1_0_0", "x0"])
    assert ops["p1_0_1"] == ("mul", ["W1_0_1", "x1"])
    assert ops["s1_0_1"] == ("add", ["p1_0_0", "p1_0_1"])
    assert ops["z1_0"] == ("add", ["s1_0_1", "b1_0"])
    assert ops["a1_0"][0] == "act"
    cols = {nd.id: nd.layer for nd in g.nodes}
    assert cols["x0"] < cols["p1_0_0"] < cols["s1_0_1"] < cols["z1_0"] < cols["a1_0"] < cols["L"]
    # the forward explanation of the sum shows the products the tutorial adds: 0.20 + 0.48
    lesson = expanded_lesson(tutorial_spec())
    sum_step = next(s for s in lesson.walk() if s.node == "s1_0_1" and s.phase == "forward")
    assert sum_step.explanation["substituted"]["text"] == "s₁ = 0.2000 + 0.4800"
    assert sum_step.value == 0.4 * 0.5 + 0.6 * 0.8


def test_expanded_plan_groups_updates_per_neuron():
    wide = expanded_lesson(tutorial_spec())
    updates = [s for s in wide.plan.segments if s.phase == "update"]
    assert len(updates) == 2  # the output neuron's W₂, b₂, then the hidden neuron's W₁₁, W₁₂, b₁
    assert isinstance(wide.plan, Plan)
