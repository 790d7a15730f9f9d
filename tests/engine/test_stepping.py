"""The stepped path: plan order, accumulation, cursors, and agreement with the matrix path."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.graph import Graph, Node
from app.engine.lesson import Lesson
from app.engine.mathfmt import Sym
from app.engine.network import build_graph, init_params
from app.engine.ops import OPS
from app.engine.plan import Plan
from app.engine.stepper import State, state_at
from app.engine.update_rule import rule_for
from app.engine.vectorised import backward, forward, iterate
from tests.engine.scenarios import mlp_specs, stepped_params, tutorial_spec


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mlp_specs())
def test_stepped_path_agrees_with_matrix_path(spec):
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    state = state_at(graph, plan, spec.learning_rate, plan.total)
    gw, gb, nw, nb = stepped_params(state, graph, spec)
    it = iterate(spec)
    for got, want in zip(
        [*gw, *gb, *nw, *nb], [*it.grads_w, *it.grads_b, *it.weights, *it.biases], strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    fp = forward(spec)
    out = [graph.index[f"a{len(spec.layers) - 1}_{j}"] for j in range(spec.layers[-1])]
    np.testing.assert_allclose(
        np.array([state.V[state.slot[i]] for i in out]), fp.acts[-1], rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(state.V[state.slot[graph.root]], fp.losses, rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(mlp_specs())
def test_whole_segments_equal_single_steps_exactly(spec):
    """Replaying by segments and stepping one at a time leave bit-identical states."""
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    grouped = state_at(graph, plan, spec.learning_rate, plan.total)
    single = State(graph, spec.learning_rate)
    for t in range(plan.total):
        _general(single, plan.step(t))
    np.testing.assert_array_equal(grouped.V, single.V)
    np.testing.assert_array_equal(grouped.G, single.G)
    np.testing.assert_array_equal(grouped.pgrad, single.pgrad)
    np.testing.assert_array_equal(grouped.P, single.P)


def _general(state: State, step) -> None:
    """One step by State.apply, the general path (the reference of the kernels)."""
    with np.errstate(all="ignore"):
        state.apply(step)


def _drawn_further(spec, blow_up: bool, optimizer: str) -> None:
    """`spec` as the property tests draw it further: with `blow_up`, the first layer's sums
    overflow (and a sigmoid of them is finite again); trained by plain SGD, Adam or momentum."""
    if blow_up:
        spec.weights[0] = np.full_like(spec.weights[0], 1e200)
        spec.inputs = np.full_like(spec.inputs, 1e200)
    if optimizer != "plain":
        spec.optimizer = "adam" if optimizer == "adam" else "sgd"
        spec.hyper = {"momentum": 0.9} if optimizer == "momentum" else {}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mlp_specs(), st.booleans(), st.sampled_from(["plain", "adam", "momentum"]))
def test_quiet_steps_by_kernels_equal_general_steps_exactly(spec, blow_up, optimizer):
    """apply_quiet (a small graph's steps by replay's kernels, each checked) leaves the state
    apply leaves after every step, and names the same first non-finite step."""
    _drawn_further(spec, blow_up, optimizer)
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    quiet = State(graph, spec.learning_rate, rule_for(graph, spec))
    general = State(graph, spec.learning_rate, rule_for(graph, spec))
    for t in range(plan.total):
        quiet.apply_quiet(plan.step(t))
        _general(general, plan.step(t))
        _assert_same_state(quiet, general)
    if blow_up:
        assert quiet.diverged is not None


def _assert_same_state(a: State, b: State) -> None:
    for name in ("V", "G", "P", "pgrad", "done", "received", "updated"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.S.keys() == b.S.keys()
    for k in a.S:  # an optimizer's state (Adam's moments, a momentum buffer)
        np.testing.assert_array_equal(a.S[k], b.S[k], err_msg=k)
    assert a.diverged == b.diverged


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mlp_specs(), st.lists(st.floats(0, 1), min_size=1, max_size=6))
def test_replay_cut_anywhere_and_copied_equals_single_steps(spec, cuts):
    """Replays that stop mid-segment, are copied, and go on from the copy (how a lesson replays
    from a kept state) leave the state single steps leave, at every cut."""
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    single = State(graph, spec.learning_rate)
    replayed, done = State(graph, spec.learning_rate), 0
    for cut in sorted(int(c * plan.total) for c in cuts):
        for t in range(done, cut):
            _general(single, plan.step(t))
        kept = replayed.copy()
        replayed.run_to(plan, cut, start=done)
        _assert_same_state(replayed, single)
        replayed, done = kept, done  # the copy was not touched: go on from it instead
        replayed.run_to(plan, cut, start=done)
        done = cut
    _assert_same_state(replayed, single)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mlp_specs(),
    st.lists(st.floats(0, 1), min_size=1, max_size=5),
    st.booleans(),
    st.sampled_from(["plain", "adam", "momentum"]),
)
def test_replay_equals_single_steps_exactly_and_finds_divergence(spec, cuts, blow_up, optimizer):
    """State.replay (a small graph's steps without per-step dispatch or checks) leaves the
    state single steps leave, at every cut, from any kept state, an optimizer's state too (Adam's
    moments, a momentum buffer); when a value overflows it names the step single steps name."""
    _drawn_further(spec, blow_up, optimizer)
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    single = State(graph, spec.learning_rate, rule_for(graph, spec))
    replayed, done = State(graph, spec.learning_rate, rule_for(graph, spec)), 0
    assert bool(single.S) == (optimizer != "plain")  # a rule with state
    for cut in sorted(int(c * plan.total) for c in cuts):
        for t in range(done, cut):
            _general(single, plan.step(t))
        replayed.replay(plan, cut, start=done)
        _assert_same_state(replayed, single)
        done = cut
    replayed.replay(plan, plan.total, start=done)
    for t in range(done, plan.total):
        _general(single, plan.step(t))
    _assert_same_state(replayed, single)
    if blow_up:
        assert single.diverged is not None


def _single_steps(spec) -> tuple[Plan, list[State]]:
    """The spec's plan, and the state after each number of single steps (0 … plan.total)."""
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    singles = [State(graph, spec.learning_rate)]
    for t in range(plan.total):
        singles.append(singles[-1].copy())
        _general(singles[-1], plan.step(t))
    return plan, singles


def test_replay_finds_a_gradient_that_overflows_after_a_finite_forward_pass():
    """Forward values finite (the loss ½·10³⁰⁰), a gradient not (10¹⁵⁰ × 10²⁰⁰): replayed to
    any cursor from any earlier one, the state and the step named are single steps'."""
    spec = tutorial_spec()
    spec.layers, spec.activations = [1, 1, 1], ["linear", "linear"]
    spec.weights = [np.array([[1.0]]), np.array([[1e200]])]
    spec.biases = [np.array([0.0]), np.array([0.0])]
    spec.inputs, spec.targets = np.array([[1e-50]]), np.array([[0.0]])
    plan, singles = _single_steps(spec)
    assert singles[-1].diverged is not None
    assert plan.step(singles[-1].diverged[0]).phase == "backward"
    for start in range(plan.total + 1):
        for end in range(start, plan.total + 1):
            replayed = singles[start].copy()
            replayed.replay(plan, end, start=start)
            _assert_same_state(replayed, singles[end])


def test_replay_finds_an_update_that_overflows_after_a_finite_backward_pass():
    """Values and gradients finite, an update not (w − 10⁶ · 10¹⁵³·…): replayed through the
    backward pass and the update at once, or from any earlier cursor, the state and the step
    named are single steps' (the update's parameters are checked too, not only what the
    backward pass wrote)."""
    spec = tutorial_spec()
    spec.layers, spec.activations = [1, 1], ["linear"]
    spec.weights, spec.biases = [np.array([[1.0]])], [np.array([0.0])]
    spec.inputs, spec.targets = np.array([[1e153]]), np.array([[0.0]])
    spec.learning_rate = 1e6
    plan, singles = _single_steps(spec)
    assert singles[-1].diverged is not None
    assert plan.step(singles[-1].diverged[0]).phase == "update"
    for start in range(plan.total + 1):
        replayed = singles[start].copy()
        replayed.replay(plan, plan.total, start=start)
        _assert_same_state(replayed, singles[-1])


@settings(max_examples=30, deadline=None)
@given(mlp_specs())
def test_gathered_weighted_sums_equal_the_generic_op_exactly(spec):
    """The stepper gathers a weighted sum's inputs by index; the op's own forward, fed the
    inputs one by one, gives the identical array."""
    graph = build_graph(spec)
    plan = Plan(graph, spec.frozen)
    state = State(graph, spec.learning_rate)
    for t in range(plan.total):
        step = plan.step(t)
        if step.phase != "forward":
            break
        nd = graph.nodes[step.node]
        generic = OPS[nd.op].forward(state.inputs_of(step.node), nd.attrs)
        state.apply_quiet(step)
        np.testing.assert_array_equal(state.V[state.slot[step.node]], generic)


def test_plan_follows_the_tutorial_order():
    lesson = Lesson.from_spec(tutorial_spec())
    g, plan = lesson.graph, lesson.plan
    names = []
    for t in range(plan.total):
        s = plan.step(t)
        names.append((s.phase, g.nodes[s.node].id, g.nodes[s.target].id))
    forward_ = [n for p, n, _ in names if p == "forward"]
    assert forward_ == ["z1_0", "a1_0", "z2_0", "a2_0", "L"]
    back = [(n, t) for p, n, t in names if p == "backward"]
    assert back == [
        ("L", "a2_0"),
        ("a2_0", "z2_0"),
        ("z2_0", "W2_0_0"),
        ("z2_0", "b2_0"),
        ("z2_0", "a1_0"),
        ("a1_0", "z1_0"),
        ("z1_0", "W1_0_0"),
        ("z1_0", "W1_0_1"),
        ("z1_0", "b1_0"),
    ]
    updates = [t for p, _, t in names if p == "update"]
    assert updates == ["W2_0_0", "b2_0", "W1_0_0", "W1_0_1", "b1_0"]


def test_gradients_not_computed_are_none_never_zero():
    lesson = Lesson.from_spec(tutorial_spec())
    view = lesson.at(5)  # forward done, backward not begun
    assert all(n.grad is None for n in view.nodes)
    assert all(p.grad is None for p in view.parameters)
    assert all(n.value is not None for n in view.nodes)
    first = lesson.at(0)
    assert {n.id for n in first.nodes if n.value is None} == {
        "z1_0",
        "a1_0",
        "z2_0",
        "a2_0",
        "L",
    }


def test_backward_twice_from_the_same_state_gives_the_same_gradients():
    spec = tutorial_spec()
    graph = build_graph(spec)
    plan = Plan(graph)
    end = plan.phase_starts("step")["update"]
    a = state_at(graph, plan, 0.5, end)
    b = state_at(graph, plan, 0.5, end)
    np.testing.assert_array_equal(a.pgrad, b.pgrad)
    dws, dbs = backward(spec, forward(spec))
    assert a.pgrad[graph.index["W2_0_0"]] == pytest.approx(dws[1][0, 0], abs=1e-15)


def _chain(n: int) -> Graph:
    """t₀ = x; tₖ₊₁ = tₖ + p: p feeds n consumers, the chain is n deep."""
    nodes = [Node("x", "param", Sym("x"), init=0.5), Node("p", "param", Sym("p"), init=0.25)]
    prev = 0
    for k in range(n):
        nodes.append(Node(f"t{k}", "op", Sym("t", str(k)), layer=k + 1, op="add", inputs=(prev, 1)))
        prev = len(nodes) - 1
    return Graph(nodes, prev, np.zeros((1, 0)), np.zeros((1, 0)))


def test_deep_graph_needs_no_recursion_and_reused_values_accumulate():
    graph = _chain(5000)  # far past Python's recursion limit
    plan = Plan(graph, update=False)
    state = state_at(graph, plan, 0.0, plan.total)
    assert state.V[state.slot[graph.root]][0] == pytest.approx(0.5 + 5000 * 0.25)
    assert state.pgrad[graph.index["p"]] == 5000.0  # one contribution per use, summed
    assert state.received[graph.index["p"]] == 5000
    assert state.pgrad[graph.index["x"]] == 1.0


def test_xor_preset_weights_are_the_tutorial_programs():
    np.random.seed(42)  # the tutorial's program, written out here
    W1 = np.random.randn(4, 2) * 0.5
    W2 = np.random.randn(1, 4) * 0.5
    weights, biases = init_params([2, 4, 1], "normal", 42, 0.5)
    np.testing.assert_array_equal(weights[0], W1)
    np.testing.assert_array_equal(weights[1], W2)
    assert all(not b.any() for b in biases)


def test_frozen_tensor_keeps_its_value_but_shows_its_gradient():
    spec = tutorial_spec()
    spec.frozen = frozenset({"b1"})
    lesson = Lesson.from_spec(spec)
    end = lesson.at(lesson.plan.units("pass"), "pass")
    b1 = next(p for p in end.parameters if p.id == "b1_0")
    assert b1.grad is not None and b1.grad != 0
    assert b1.value == 0.1 and b1.new is None
    assert "b1_0" not in [s.target for s in lesson.walk() if s.phase == "update"]


@pytest.mark.parametrize("granularity", ["step", "node", "layer", "pass"])
def test_granularities_group_the_same_plan(granularity):
    spec = tutorial_spec()
    lesson = Lesson.from_spec(spec)
    total = lesson.plan.units(granularity)
    covered = []
    for c in range(1, total + 1):
        covered += [s.index for s in lesson.at(c, granularity).steps]
    assert covered == list(range(lesson.plan.total))
    fine = Lesson.from_spec(spec).at(lesson.plan.total)
    assert lesson.at(total, granularity).parameters == fine.parameters


def test_divergence_is_reported_and_json_stays_finite():
    from app.api.serialize import dump, plain

    spec = tutorial_spec()
    spec.weights = [np.array([[1e200, 1e200]]), np.array([[1e200]])]  # z₂ overflows
    spec.learning_rate = 1e6
    spec.loss = "mse"
    spec.activations = ["linear", "linear"]
    spec.targets = np.array([[1e6]])
    lesson = Lesson.from_spec(spec)
    view = lesson.at(lesson.plan.total)
    assert any(not np.isfinite(n.value) for n in view.nodes)  # the engine keeps what it computed
    sent = plain(view)  # the web layer writes non-finite numbers as null
    values = [n["value"] for n in sent["nodes"]] + [p["value"] for p in sent["parameters"]]
    assert all(v is None or np.isfinite(v) for v in values) and None in values
    assert dump(view)  # no NaN reaches the JSON
    assert view.diverged is not None and "non-finite" in view.diverged.message


def test_softmax_cross_entropy_backward_reaches_p_minus_y():
    from app.api.convert import to_spec
    from app.api.schemas import Scenario
    from app.engine.presets import get_preset

    spec = to_spec(Scenario(**get_preset("softmax")["scenario"]))
    lesson = Lesson.from_spec(spec)
    steps = lesson.walk()
    end = lesson.at(lesson.plan.phase_starts("step")["update"])
    p = {n.id: n for n in end.nodes}
    for k in range(3):
        want = p[f"a2_{k}"].value - spec.targets[0, k]
        assert p[f"z2_{k}"].grad == pytest.approx(want, abs=1e-15)
    last = [s for s in steps if s.target == "z2_1"][-1]
    assert last.contribution == [3, 3] and "p − y" in last.explanation["sentence"]


def test_each_backward_step_says_what_it_adds():
    """`added` is the edge's contribution: a node's sum it up to its gradient (the sample's),
    a parameter's to its gradient (the batch mean); other phases add nothing."""
    from app.api.convert import to_spec
    from app.api.schemas import Scenario
    from app.engine.presets import get_preset

    lesson = Lesson.from_spec(to_spec(Scenario(**get_preset("xor")["scenario"])))
    for sample in (0, 3):
        steps = lesson.walk(sample=sample)
        end = lesson.at(lesson.plan.phase_starts("step")["update"], sample=sample)
        grads = {e.id: e.grad for e in end.nodes + end.parameters}
        sums: dict[str, float] = {}
        for s in steps:
            if s.phase != "backward":
                assert s.added is None
                continue
            sums[s.target] = sums.get(s.target, 0.0) + s.added
        assert sums.keys() == {k for k, v in grads.items() if v is not None} - {"L"}
        for k, total in sums.items():
            assert total == pytest.approx(grads[k], rel=1e-12, abs=1e-15), k


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mlp_specs(), st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_lesson_states_in_any_order_equal_a_replay_from_the_scenario(spec, cuts):
    """Lesson.state_at, asked in any order (its first mark handed over, then states it keeps,
    then made again), gives the state the general path gives from the scenario."""
    lesson = Lesson.from_spec(spec)
    for fine in [round(c * lesson.plan.total) for c in [*cuts, 0, *cuts]]:
        got = lesson.state_at(fine)
        want = state_at(lesson.graph, lesson.plan, lesson.learning_rate, fine, lesson.rule)
        _assert_same_state(got, want)
        lesson._keep_recent(fine, got)
