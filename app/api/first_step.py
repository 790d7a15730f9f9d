"""A network's first step (cursor 0) in the column or packed form, written from its scenario alone.

Before its first step a lesson has computed nothing: every node's value is its data (the inputs
and targets of the sample shown) or not yet known, no gradient has arrived, every parameter is its
starting value. Its answer follows from the network's layers and the scenario's numbers, as
/api/graph's block form does (app/api/blocks.py), without the lesson: building the largest
network's (43,009 nodes) takes half a second, a first step written here a few tens of
milliseconds. The page asks for a large network's graph and first step at once, in columns; the
lesson is built afterwards (app/api/routes/lessons.py), for the steps that follow.

What each column holds, in the lesson's node order (app.engine.network build_nodes: the inputs,
per layer each neuron's z then a (softmax: every z, then every a), the targets, the loss; the
parameters in between are listed apart, per layer and neuron: its weights, then its bias):

- nodes: value = the sample's input or target, else null; grad null; grad_parts [0, n], n the
  gradient contributions a full backward pass brings it (app.engine.graph Graph.fan_out: one per
  consumer that needs a gradient);
- parameters: old = value = the starting value, grad_parts [0, 1], every other field null;
- everything else as app.engine.lesson Lesson.at(0) gives it.

tests/api/test_first_step.py holds these bytes equal to dump_columns(step_at(...)) for many
networks; tests/api/test_packed.py the packed form's, decoded, to the same rows. The packed form
(app/api/packed.py) writes the repeated columns once: `old` as {"as": "value"}, the nulls and the
parameters' grad_parts as {"same": ...}, the ids as counts, the nodes' grad_parts as repeats."""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import NamedTuple

import anyio.to_thread

from app.api import cache
from app.api.blocks import values_text
from app.api.columns import block_text, finite, text, write_answer
from app.api.convert import built_lesson, lesson_for, spec_at
from app.api.offload import is_small
from app.api.schemas.lessons import StepRequest
from app.api.schemas.scenario import Scenario
from app.engine import dense_plan
from app.engine.answers import Loss, LossHistory, StepAnswer
from app.engine.batches import is_mini
from app.engine.iterations import history, start_loss
from app.engine.plan import GRANULARITIES
from app.engine.registry.activations import ACTIVATIONS
from app.limits import MAX_LOSS_HISTORY


def applies(req: StepRequest) -> bool:
    """Whether first_step answers this request: a network's cursor 0, in columns or packed, as
    its first iteration (full batch), every entry listed (no `since`), neurons not expanded."""
    sc = req.scenario
    return (
        req.format in ("columns", "packed")
        and req.cursor == 0
        and req.since is None
        and req.iteration == 1
        and not req.expand
        and isinstance(sc, Scenario)
        and not is_mini(len(sc.inputs), sc.batch_size)
    )


def first_step(req: StepRequest, key: str | None = None) -> bytes:
    """dump_columns(step_at(req)) (packed: an answer that decodes to it), for a request that
    `applies`, without building the lesson
    (`key`: its lesson key, under which /api/graph's block form keeps its values written)."""
    spec, _ = spec_at(req.scenario)
    layers = tuple(spec.layers)
    coupled = tuple(ACTIVATIONS[a].output_only for a in spec.activations)
    plan = dense_plan.plan_info(spec.layers, list(coupled), spec.frozen, int(spec.inputs.shape[0]))
    its, losses = history(start_loss(spec), 1, MAX_LOSS_HISTORY)
    answer = StepAnswer(
        cursor=0,
        cursors=dict.fromkeys(GRANULARITIES, 0),
        total=plan.granularities[req.granularity].total,
        granularity=req.granularity,
        fine_cursor=0,
        fine_total=plan.total_steps,
        step_range=[0, 0],
        phase="start",
        sample=req.sample,
        samples=plan.samples,
        since=None,
        steps=[],
        steps_omitted=0,
        nodes=[],
        parameters=[],
        loss=Loss(None, None, None),
        diverged=None,
        iteration=1,
        history=LossHistory(its, losses, True),
        batch=None,
    )
    x, y = spec.inputs[req.sample].tolist(), spec.targets[req.sample].tolist()
    value = values_text(spec, key)
    if req.format == "packed":
        nodes, params = _packed(layers, coupled, x, y, value)
    else:
        nodes, params = _columns(layers, coupled, x, y, value)
    written = {"nodes": nodes, "parameters": params}
    return write_answer(answer, lambda name, _: written[name])


def _columns(layers: tuple, coupled: tuple, x: list, y: list, value: str) -> tuple[str, str]:
    """The nodes and parameters of a first step in the column form."""
    ops = 2 * sum(layers[1:])
    node_ids, node_parts, n_params, param_ids, param_parts = _shape(layers, coupled)
    nodes = block_text(
        len(x) + ops + len(y) + 1,
        [
            ("id", node_ids),
            ("value", text(finite([*x, *[None] * ops, *y, None]))),
            ("grad", _nulls(len(x) + ops + len(y) + 1)),
            ("grad_parts", node_parts),
        ],
    )
    nulls = _nulls(n_params)
    params = block_text(
        n_params,
        [
            ("id", param_ids),
            ("old", value),
            ("value", value),
            ("grad", nulls),
            ("grad_parts", param_parts),
            ("update", nulls),
            ("new", nulls),
            ("direction", nulls),
        ],
    )
    return nodes, params


def _packed(layers: tuple, coupled: tuple, x: list, y: list, value: str) -> tuple[str, str]:
    """The nodes and parameters of a first step in the packed form (app/api/packed.py): the
    column form's values, with its nulls, its repeated grad_parts, its counting ids and the
    parameters' `old` (their `value`) each written once."""
    ops = 2 * sum(layers[1:])
    node_ids, node_parts, n_params, param_ids = _packed_shape(layers, coupled)
    null, values = '{"same":null}', [text(finite(x)), f'{{"repeat":[null],"times":{ops}}}']
    values += [text(finite(y)), "[null]"]
    nodes = block_text(
        len(x) + ops + len(y) + 1,
        [
            ("id", node_ids),
            ("value", '{"parts":[' + ",".join(values) + "]}"),
            ("grad", null),
            ("grad_parts", node_parts),
        ],
    )
    params = block_text(
        n_params,
        [
            ("id", param_ids),
            ("old", '{"as":"value"}'),
            ("value", value),
            ("grad", null),
            ("grad_parts", '{"same":[0,1]}'),
            ("update", null),
            ("new", null),
            ("direction", null),
        ],
    )
    return nodes, params


# lessons being built after their first step was answered, in this worker: one at a time, so that
# first steps asked faster than their lessons build cannot queue up builds
_LATER: set[str] = set()
_TASKS: set[asyncio.Task] = set()  # kept referenced until done
# ... once the page has had the time to draw the first step: on two cores the build (half a
# second for the largest network) would otherwise take one from the browser's first picture
BUILD_AFTER_S = 1.0
# lessons of this size were built ahead and not kept, with the memo's budget of the moment (an
# operator may make it small: app.settings lesson_cache_mb): building more would be work thrown
# away, half a second each for the largest network
_UNKEPT: set[tuple] = set()


def _room(sc: Scenario) -> tuple:
    """What a lesson's size depends on, with the lesson memo's budget."""
    return (tuple(sc.layers), len(sc.inputs), cache.lessons.budget)


def build_soon(sc: Scenario, key: str) -> None:
    """Build the lesson of a first step answered without it, in the thread pool, for the steps the
    learner takes next (the page asks as soon as → is pressed). Not in a heavy-work slot: the
    requests that come meanwhile (another visitor's graph and first step) would wait for it;
    one such build at a time, so at most one thread more, and not at once (BUILD_AFTER_S). A step
    asked for before it is done builds the lesson itself, or waits for this build
    (app.api.convert lesson_for). Nothing when this worker holds the lesson already, or builds
    another one this way."""
    if _LATER or is_small(sc) or built_lesson(key) is not None or _room(sc) in _UNKEPT:
        return
    _LATER.add(key)

    async def build() -> None:
        try:
            await asyncio.sleep(BUILD_AFTER_S)
            await anyio.to_thread.run_sync(lambda: lesson_for(sc, False, key))
            if built_lesson(key) is None:  # built and dropped: the memo has no room for it
                if len(_UNKEPT) >= 64:
                    _UNKEPT.clear()
                _UNKEPT.add(_room(sc))
        except Exception:  # the next step builds it again, and says what went wrong
            logging.getLogger("app").exception("building a lesson ahead failed")
        finally:
            _LATER.discard(key)

    task = asyncio.get_running_loop().create_task(build())
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


def _nulls(n: int) -> str:
    return "[" + ",".join(["null"] * n) + "]" if n else "[]"


class Run(NamedTuple):
    """Nodes in a row of the engine's order: for i in range(n), each head followed by i (two
    heads: alternately, z1_0, a1_0, z1_1, ...), or, not `counted`, the one node named `heads[0]`;
    `fans`: each head's gradient contributions in a full backward pass (Graph.fan_out)."""

    heads: tuple[str, ...]
    n: int
    fans: tuple[int, ...]
    counted: bool = True


@lru_cache(maxsize=16)
def _walk(layers: tuple[int, ...], coupled: tuple[bool, ...]):
    """The network's shape, walked once for both forms of a first step (_shape, _packed_shape):
    its nodes (not parameters) as Runs, in app.engine.network build_nodes' order, and per layer
    l its parameters as (l, n, prev): per neuron j < n its weights W{l}_{j}_{k}, k < prev, then
    its bias b{l}_{j}. Every layer is at least 1 wide (the schema's rule): a weight's id needs
    an input to name."""
    depth = len(layers) - 1
    runs = [Run(("x",), layers[0], (layers[1],))]  # each input feeds every z of the first layer
    params = []
    for l in range(1, depth + 1):
        n = layers[l]
        # an a feeds every z of the next layer, the last layer's the loss; a z its own a, or
        # (softmax) every a of its layer, whose a's then come after all its z's
        a_fan = layers[l + 1] if l < depth else 1
        if coupled[l - 1]:
            runs += [Run((f"z{l}_",), n, (n,)), Run((f"a{l}_",), n, (a_fan,))]
        else:
            runs.append(Run((f"z{l}_", f"a{l}_"), n, (1, a_fan)))
        params.append((l, n, layers[l - 1]))
    runs += [Run(("y",), layers[-1], (1,)), Run(("L",), 1, (0,), counted=False)]
    n_params = sum(n * (prev + 1) for _, n, prev in params)
    return tuple(runs), tuple(params), n_params


@lru_cache(maxsize=16)
def _shape(layers: tuple[int, ...], coupled: tuple[bool, ...]):
    """What a first step's columns take from the network's shape alone (_walk), written: the ids
    and grad_parts of its nodes (not parameters), the number of parameters, their ids and
    grad_parts. Written by joins of a few strings, not by the JSON writer over a list of every id
    (the ids are plain ASCII, which JSON writes as they are): the 10 × 64 network's 43,009 ids
    and as many grad_parts took 30 ms, on the worker's first page, while its graph answer (asked
    at once) waited for the interpreter lock; tests/api/test_first_step.py holds both ways equal."""
    runs, layer_params, n_params = _walk(layers, coupled)
    nodes = [_ids(run) for run in runs]
    node_parts = ",".join(_parts(run.fans, run.n) for run in runs if run.n)
    params = []
    for l, n, prev in layer_params:
        ks = [str(k) for k in range(prev)]
        for j in range(n):  # per neuron: its weights W{l}_{j}_{k}, then its bias b{l}_{j}
            head = f"W{l}_{j}_"
            params.append(f'"{head}' + f'","{head}'.join(ks) + f'","b{l}_{j}"')
    param_parts = ",".join(["[0,1]"] * n_params)
    return (
        "[" + ",".join(x for x in nodes if x) + "]",
        "[" + node_parts + "]",
        n_params,
        "[" + ",".join(params) + "]",
        "[" + param_parts + "]",
    )


@lru_cache(maxsize=16)
def _packed_shape(layers: tuple[int, ...], coupled: tuple[bool, ...]):
    """_shape's columns in the packed form (from the same _walk): the node ids and grad_parts,
    the number of parameters and their ids."""
    runs, layer_params, n_params = _walk(layers, coupled)
    ids = [_count(list(run.heads), run.n) if run.counted else text(list(run.heads)) for run in runs]
    repeats = [f'{{"repeat":{text([[0, f] for f in run.fans])},"times":{run.n}}}' for run in runs]
    params = []
    for l, n, prev in layer_params:
        for j in range(n):
            params += [_count([f"W{l}_{j}_"], prev), text([f"b{l}_{j}"])]
    return (
        '{"parts":[' + ",".join(ids) + "]}",
        '{"parts":[' + ",".join(repeats) + "]}",
        n_params,
        '{"parts":[' + ",".join(params) + "]}",
    )


def _count(prefixes: list[str], n: int) -> str:
    return f'{{"count":{text(prefixes)},"from":0,"to":{n}}}'


def _ids(run: Run) -> str:
    """A run's ids as JSON strings, comma-separated (plain ASCII: written as they are)."""
    if not run.counted:
        return f'"{run.heads[0]}"'
    if len(run.heads) == 2:
        one, two = run.heads
        return ",".join(f'"{one}{i}","{two}{i}"' for i in range(run.n))
    (head,) = run.heads
    return ",".join(f'"{head}{i}"' for i in range(run.n))


def _parts(fans: tuple[int, ...], count: int) -> str:
    """grad_parts [0, fan] written `count` times (several fans: alternately, count times each)."""
    return ",".join([",".join(f"[0,{f}]" for f in fans)] * count)
