"""A lesson built from its shape's template (app.engine.lesson: the graph and plan of every
network of that shape, with this scenario's numbers) answers every cursor with the very bytes a
lesson built node by node, the way it was built before templates, answers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.serialize import dump, dump_step
from app.engine.iterations import advance
from app.engine.lesson import Lesson
from app.engine.network import MLPSpec, build_graph
from app.engine.plan import GRANULARITIES, Plan
from app.engine.update_rule import rule_for
from tests.engine.scenarios import mlp_specs, tutorial_spec


def reference(spec: MLPSpec) -> Lesson:
    """A lesson as it was built before templates: every node made for this scenario, and the
    loss history by `advance`."""
    graph = build_graph(spec)
    lesson = Lesson(
        graph, Plan(graph, spec.frozen), spec.learning_rate, spec, spec.frozen,
        rule_for(graph, spec),
    )  # fmt: skip
    lesson.losses = advance(spec, 0).losses
    return lesson


def renumbered(spec: MLPSpec, seed: int) -> MLPSpec:
    """The same shape with other numbers: it reuses the first one's template."""
    rng = np.random.default_rng(seed)
    return replace(
        spec,
        weights=[rng.normal(0, 1.5, w.shape) for w in spec.weights],
        biases=[rng.normal(0, 0.5, b.shape) for b in spec.biases],
        inputs=rng.normal(0, 2, spec.inputs.shape),
        learning_rate=float(rng.choice([0.05, 0.5, 3.0])),
    )


OPTIMIZED = [
    ("sgd", {"momentum": 0.9}),
    ("adam", {}),
]


def same_answers(spec: MLPSpec, cursors: list[tuple[str, float]], sample: int) -> None:
    fast, ref = Lesson.from_spec(spec), reference(spec)
    assert dump(fast.describe()) == dump(ref.describe())
    for gran, where in cursors:
        cursor = round(where * fast.plan.units(gran))
        s = min(sample, spec.inputs.shape[0] - 1)
        got = dump(fast.at(cursor, gran, s, 3, 5))
        assert got == dump(ref.at(cursor, gran, s, 3, 5)), (gran, cursor)
        since = max(0, cursor - 2)
        got = dump(fast.at(cursor, gran, s, 4, 500, since))
        assert got == dump(ref.at(cursor, gran, s, 4, 500, since)), (gran, cursor, since)


cursor_lists = st.lists(
    st.tuples(st.sampled_from(GRANULARITIES), st.floats(0, 1)), min_size=1, max_size=4
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mlp_specs(max_depth=3, max_width=3, max_batch=3), cursor_lists, st.integers(0, 2), st.data())
def test_template_lessons_answer_as_lessons_built_node_by_node(spec, cursors, sample, data):
    same_answers(spec, cursors, sample)
    again = renumbered(spec, data.draw(st.integers(0, 2**31)))
    name, hyper = data.draw(st.sampled_from([("sgd", {}), *OPTIMIZED]))
    same_answers(replace(again, optimizer=name, hyper=hyper), cursors, sample)


def test_every_cursor_of_the_tutorial_and_its_neighbours():
    base = tutorial_spec()
    for k, lr in enumerate([0.5, 0.5 + 1e-9, 2.0]):
        spec = replace(base, learning_rate=lr, weights=[w + k * 0.01 for w in base.weights])
        for gran in GRANULARITIES:
            fast, ref = Lesson.from_spec(spec), reference(spec)
            for cursor in range(fast.plan.units(gran) + 1):
                assert dump(fast.at(cursor, gran)) == dump(ref.at(cursor, gran))


def test_a_template_holds_no_scenario_numbers():
    """Its nodes' starting values are NaN: a reader that took them instead of the lesson's
    graph's `init` would show NaN, not another scenario's weights."""
    spec = tutorial_spec()
    lesson = Lesson.from_spec(spec)
    assert all(np.isnan(lesson.graph.nodes[p].init) for p in lesson.graph.params)
    assert [lesson.graph.init[p] for p in lesson.graph.params] == [0.4, 0.6, 0.1, 0.9, 0.1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mlp_specs(max_depth=3, max_width=3, max_batch=3),
    cursor_lists,
    st.integers(0, 2),
    st.sampled_from(["finite", "overflow", "nan"]),
    st.sampled_from([("sgd", {}), *OPTIMIZED]),
)
def test_rows_written_from_the_state_are_the_views_as_dump_writes_them(
    spec, cursors, sample, numbers, optimizer
):
    """Lesson.at(rows=True) writes every node and parameter row from the state directly
    (lesson_views.node_rows, param_rows): dump_step of that answer is dump of the answer with
    NodeView and ParamView objects, byte for byte, non-finite numbers (null) included."""
    if numbers == "overflow":  # the first sums overflow: infinities, then NaN downstream
        spec = replace(spec, weights=[np.full_like(spec.weights[0], 1e200), *spec.weights[1:]])
        spec = replace(spec, inputs=np.full_like(spec.inputs, 1e200))
    elif numbers == "nan":
        spec = replace(spec, learning_rate=1e308)
    spec = replace(spec, optimizer=optimizer[0], hyper=optimizer[1])
    views, rows = Lesson.from_spec(spec), Lesson.from_spec(spec)
    s = min(sample, spec.inputs.shape[0] - 1)
    for gran, where in cursors:
        cursor = round(where * views.plan.units(gran))
        with np.errstate(all="ignore"):  # explain.py's batch shares of an infinite δ warn
            expected = _written(dump, views, cursor, gran, s, 4, 500)
            got = _written(dump_step, rows, cursor, gran, s, 4, 500, rows=True)
            again = _written(dump_step, rows, cursor, gran, s, 4, 500, None, True)  # kept state
        assert got == again == expected, (gran, cursor)


def _written(write, lesson: Lesson, *args, **kwargs) -> bytes | str:
    """write(lesson.at(*args, **kwargs)); an overflowed number (e^(−z) of an infinite z) is
    written like any other, so an error here fails the test."""
    return write(lesson.at(*args, **kwargs))
