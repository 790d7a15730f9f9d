"""JSON scenario ⇄ engine objects."""

from __future__ import annotations

import gc
import hashlib
import threading
from dataclasses import replace

import numpy as np

from app.api import cache
from app.api.errors import invalid
from app.api.schemas.expressions import ExpressionScenario
from app.api.schemas.scenario import Scenario
from app.engine.batches import effective, is_mini
from app.engine.iterations import Advanced, advance, iteration_work
from app.engine.lesson import FREEZE_NODES, Lesson
from app.engine.network import MLPSpec, init_params
from app.engine.views import expanded_lesson, expression_lesson
from app.limits import MAX_ITERATION, MAX_ITERATION_WORK

# the lessons being built, each behind its own lock: a request for a lesson another is building
# waits for that build instead of doing it again (the page asks for a large network's graph and
# its first step at once: two builds of seconds each would compete for the interpreter)
_BUILDING: dict[str, threading.Lock] = {}
_BUILDING_LOCK = threading.Lock()


def plan_floor(sc: Scenario | ExpressionScenario) -> int:
    """At least this many steps in the scenario's plan, and numbers in its worksheet, from its
    layers alone: every parameter element has a backward step (and a gradient to check) and,
    unless frozen, an update step (and a new value). Refusing on it costs nothing, where
    building the lesson of a 10 × 64 network to count takes seconds and ~70 MB."""
    if isinstance(sc, ExpressionScenario):
        return 0
    floor = 0
    for l, (n_in, n_out) in enumerate(zip(sc.layers, sc.layers[1:], strict=False), start=1):
        for name, size in ((f"W{l}", n_out * n_in), (f"b{l}", n_out)):
            floor += size if name in sc.frozen else 2 * size
    return floor


def lesson_for(
    sc: Scenario | ExpressionScenario,
    expand: bool = False,
    key: str | None = None,
    iteration: int = 1,
) -> Lesson:
    """The scenario's graph and plan. They are pure functions of the scenario, so recent ones are
    kept (within the lesson memory budget): stepping through one lesson rebuilds nothing.
    `expand` draws a network's neurons as their primitive operations; an expression is
    primitive already. `iteration` (1-based) starts from the parameters that iteration − 1
    full-batch updates give. `key` is lesson_key(sc, expand, iteration), when the caller has it."""
    key = key or lesson_key(sc, expand, iteration)
    lesson = cache.lessons.get(key)
    if lesson is not None:
        return lesson
    with _BUILDING_LOCK:
        gate = _BUILDING.setdefault(key, threading.Lock())
    try:
        with gate:
            lesson = cache.lessons.get(key)  # built meanwhile by the request this one waited for
            if lesson is None:
                lesson = cache.lessons.put(key, _build(sc, key[0] == "1", iteration))
                if len(lesson.graph.nodes) > FREEZE_NODES:
                    # a large graph is ~10⁵ long-lived objects: a full collection would walk them
                    # all (a 200 ms pause for every request in flight); freezing leaves them to
                    # refcounting
                    gc.freeze()
    finally:
        with _BUILDING_LOCK:
            if _BUILDING.get(key) is gate and not gate.locked():
                del _BUILDING[key]
    return lesson


def build_small(sc: Scenario | ExpressionScenario, key: str, iteration: int = 1) -> Lesson:
    """lesson_for(sc, expand, key, iteration) for a lesson not held here (built_lesson(key) is
    None) that is small and near (app.api.offload is_small), built on the event loop: without
    the gate that keeps two threads from building one lesson at once (a small lesson built
    twice costs less than the gate), and too small to freeze."""
    return cache.lessons.put(key, _build(sc, key[0] == "1", iteration))


def built_lesson(key: str) -> Lesson | None:
    """The lesson of lesson_key(scenario, expand) if this worker holds it (builds nothing)."""
    return cache.lessons.get(key)


def lesson_key(sc: Scenario | ExpressionScenario, expand: bool = False, iteration: int = 1) -> str:
    """What names a lesson in the memos: whether it is expanded, a digest of the scenario, and
    the iteration after the first. Serialising a large scenario is not free, so a request
    computes this once and passes it on."""
    expand = expand and not isinstance(sc, ExpressionScenario)
    digest = hashlib.blake2b(sc.model_dump_json().encode(), digest_size=20).hexdigest()
    return f"{int(expand)}{digest}" + (f"@{iteration}" if iteration > 1 else "")


def check_iteration(sc: Scenario | ExpressionScenario, iteration: int) -> None:
    """Refuse (422 at `iteration`) an iteration this scenario cannot reach within a request."""
    if iteration == 1:
        return
    if isinstance(sc, ExpressionScenario):
        raise invalid(
            ("iteration",),
            f"iteration is {iteration}, but an expression has one iteration only: iterations "
            "are for network scenarios (omit iteration, or send 1)",
        )
    per_update = iteration_work(list(sc.layers), update_samples(sc))
    if (iteration - 1) * per_update > MAX_ITERATION_WORK:
        most = 1 + MAX_ITERATION_WORK // per_update
        raise invalid(
            ("iteration",),
            f"iteration {iteration:,} is too far for this scenario: reaching it takes "
            f"{iteration - 1:,} updates of {per_update:,} work units each, more than "
            f"the {MAX_ITERATION_WORK:,} a request may do (3 × samples × (parameters + 8 × "
            f"neurons) + 15,000 per layer, per update); this scenario can reach iteration "
            f"{min(most, MAX_ITERATION):,}",
        )


def update_samples(sc: Scenario | ExpressionScenario) -> int:
    """Samples one update of the scenario takes: its batch size, or all of them (full batch)."""
    if isinstance(sc, ExpressionScenario):
        return 1
    return effective(len(sc.inputs), sc.batch_size)


def spec_at(sc: Scenario, iteration: int = 1) -> tuple[MLPSpec, Advanced | None]:
    """The network as iteration `iteration` (1-based) starts: its parameters and optimizer state
    after iteration − 1 updates, and, with mini-batches, only that iteration's batch of samples.
    Also the advance that got there (None at iteration 1 of a full-batch scenario)."""
    spec = to_spec(sc)
    mini = is_mini(len(sc.inputs), sc.batch_size)
    if iteration == 1 and not mini:
        return spec, None
    adv = advance(spec, iteration - 1, sc.batch_size if mini else None, sc.shuffle_seed)
    if adv.updates < iteration - 1:
        raise invalid(
            ("iteration",),
            f"iteration {iteration:,} cannot be reached: {adv.diverged} became non-finite in "
            f"update {adv.updates + 1:,} (the parameters diverged), so the last iteration is "
            f"{adv.updates + 1:,}; try a smaller learning rate",
        )
    spec = adv.spec
    if adv.batch is not None:  # the lesson is one update: on this iteration's batch alone
        rows = np.array(adv.batch.indices)
        spec = replace(spec, inputs=spec.inputs[rows], targets=spec.targets[rows])
    return spec, adv


def _build(sc: Scenario | ExpressionScenario, expand: bool, iteration: int = 1) -> Lesson:
    if isinstance(sc, ExpressionScenario):
        return _expression_lesson(sc)
    spec, adv = spec_at(sc, iteration)
    if adv is None:
        return expanded_lesson(spec) if expand else Lesson.from_spec(spec)
    lesson = expanded_lesson(spec) if expand else Lesson.from_spec(spec)
    lesson.iteration, lesson.losses, lesson.batch = iteration, adv.losses, adv.batch
    return lesson


def _expression_lesson(sc: ExpressionScenario) -> Lesson:
    values = {k: float(v) for k, v in sc.values.items()}
    lr = None if sc.learning_rate is None else float(sc.learning_rate)
    return expression_lesson(sc.expression, values, lr, frozenset(sc.frozen))


def to_spec(sc: Scenario) -> MLPSpec:
    if sc.weights is not None:
        weights = [np.array(W, dtype=float) for W in sc.weights]
        biases = (
            [np.array(b, dtype=float) for b in sc.biases]
            if sc.biases is not None
            else [np.zeros(n) for n in sc.layers[1:]]
        )
    else:
        init = sc.init
        weights, biases = init_params(
            sc.layers,
            init.scheme if init else "normal",
            init.seed if init else 0,
            float(init.scale) if init else 0.5,
        )
    return MLPSpec(
        layers=list(sc.layers),
        activations=list(sc.activations),
        loss=sc.loss,
        weights=weights,
        biases=biases,
        inputs=np.array(sc.inputs, dtype=float),
        targets=np.array(sc.targets, dtype=float),
        learning_rate=float(sc.learning_rate),
        frozen=frozenset(sc.frozen),
        leaky_slope=float(sc.leaky_slope),
        optimizer=sc.optimizer.name if sc.optimizer else "sgd",
        hyper=sc.optimizer.model_dump(exclude={"name"}) if sc.optimizer else {},
    )


def check_sample(lesson: Lesson, sample: int) -> None:
    """Refuse (422 at `sample`) a sample past this iteration's batch (mini-batches)."""
    b = lesson.batch
    if b is not None and sample >= len(b.indices):
        raise invalid(
            ("sample",),
            f"sample is {sample} but iteration {lesson.iteration:,} updates on batch {b.batch} of "
            f"{b.batches} (epoch {b.epoch}), which has {len(b.indices)} sample"
            f"{'s' if len(b.indices) > 1 else ''}: sample 0 to "
            f"{len(b.indices) - 1} (positions in the batch)",
        )


def check_cursor(lesson: Lesson, granularity: str, cursor: int) -> None:
    """Refuse (422 at `cursor`) a cursor past the plan's end at this granularity."""
    total = lesson.plan.units(granularity)
    if cursor > total:
        raise invalid(
            ("cursor",),
            f"cursor {cursor} is past the end: this plan has {total} units at granularity "
            f"{granularity!r} (cursor 0 to {total})",
        )
