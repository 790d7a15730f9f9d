import json
from collections.abc import Callable

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api import cache
from app.api.blocks import MEDIA_TYPE as BLOCKS
from app.api.blocks import graph_blocks
from app.api.blocks import schema as blocks_schema
from app.api.columns import MEDIA_TYPE as COLUMNS
from app.api.columns import dump_columns
from app.api.columns import schema as columns_schema
from app.api.convert import (
    build_small,
    built_lesson,
    check_cursor,
    check_iteration,
    check_sample,
    lesson_for,
    lesson_key,
    plan_floor,
    spec_at,
    update_samples,
)
from app.api.errors import invalid
from app.api.first_step import applies as first_step_applies
from app.api.first_step import build_soon, first_step
from app.api.offload import Abandoned, in_pool, is_small
from app.api.packed import MEDIA_TYPE as PACKED
from app.api.packed import dump_packed
from app.api.packed import schema as packed_schema
from app.api.schemas.lessons import (
    GraphRequest,
    GraphResponse,
    RunRequest,
    RunResponse,
    StepRequest,
    StepResponse,
)
from app.api.serialize import dump, dump_step, plain
from app.engine.answers import StepAnswer
from app.engine.iterations import iteration_work
from app.engine.lesson import Lesson
from app.engine.vectorised import iterate
from app.limits import MAX_RUN_STEPS

router = APIRouter(tags=["lessons"])
WRITERS = {"columns": dump_columns, "packed": dump_packed}  # the formats written column-wise
MEDIA_TYPES = {"columns": COLUMNS, "packed": PACKED, "blocks": BLOCKS}
INLINE_ITERATION_WORK = 3_000_000  # iterations before the lesson's answered on the event loop


def _columns_doc(name: str) -> dict:
    content = {COLUMNS: {"schema": columns_schema(name)}, PACKED: {"schema": packed_schema(name)}}
    return {200: {"content": content}}


_GRAPH_DOC = _columns_doc("GraphResponse")
_GRAPH_DOC[200]["content"][BLOCKS] = {"schema": blocks_schema()}


@router.post("/graph", response_model=GraphResponse, responses=_GRAPH_DOC)
async def build_graph(req: GraphRequest, request: Request):
    """The scenario's computation graph: nodes, edges, parameters, layout hints and step plan."""

    check_iteration(req.scenario, req.iteration)
    key = lesson_key(req.scenario, req.expand, req.iteration)

    def work() -> bytes:
        if req.format == "blocks":
            return graph_blocks(req.scenario, req.expand, req.labels, req.iteration, key)
        lesson = lesson_for(req.scenario, req.expand, key, req.iteration)
        return write(lesson.describe(req.labels))

    write = WRITERS.get(req.format, dump)
    return await _answer(req, key, work, request)


@router.post("/step", response_model=StepResponse, responses=_columns_doc("StepResponse"))
async def take_step(req: StepRequest, request: Request):
    """The state at `cursor`: the step just taken with its explanation, and every value and
    gradient so far (with `since`, only those that changed). Stepping back is asking for
    cursor − 1."""
    check_iteration(req.scenario, req.iteration)
    key = lesson_key(req.scenario, req.expand, req.iteration)  # the scenario serialised once
    if first_step_applies(req):  # written from the scenario: its lesson is built afterwards
        response = await _answer(req, key, lambda: first_step(req, key), request)
        if response.status_code == 200:
            build_soon(req.scenario, key)
        return response
    if req.format in WRITERS:
        work = lambda: WRITERS[req.format](step_at(req, key))  # noqa: E731
    else:
        work = lambda: dump_step(step_at(req, key, rows=True))  # noqa: E731
    return await _answer(req, key, work, request, _quick(req, key))


def answer(path: str, body: dict) -> bytes:
    """What POST `path` (/api/graph or /api/step) answers to `body`, without a request: the same
    validation and the same code as the routes above (the page embeds its first answers)."""
    if path == "/api/graph":
        graph = GraphRequest.model_validate(body)
        return dump(lesson_for(graph.scenario, graph.expand).describe(graph.labels))
    if path == "/api/step":
        return dump_step(step_at(StepRequest.model_validate(body), rows=True))
    raise ValueError(f"no answer for {path}")


def _quick(req: StepRequest, key: str) -> bool:
    """A few steps from a state this worker keeps, of a lesson it has built: a few milliseconds
    at most whatever the network, so it need not leave the event loop (where it also does not
    compete with other threads for the interpreter)."""
    lesson = built_lesson(key)
    return lesson is not None and lesson.quick(req.cursor, req.granularity, req.since)


async def _answer(
    req: StepRequest | GraphRequest,
    lesson: str,
    work: Callable[[], bytes],
    request: Request | None = None,
    quick: bool = False,
) -> Response:
    """An answer is a pure function of its request, so identical requests (forty students on the
    same step) share it: kept serialised, within the answer memory budget; errors are not kept.
    Small lessons and quick steps are answered on the event loop; the rest (up to seconds for
    the largest networks) in the thread pool, so /healthz and quick steps never wait on them.
    `lesson` is the scenario's lesson key: the answer's key is it and the rest of the request."""
    key = _answer_key(req, lesson)
    body = cache.answers.get(key)
    if body is None:
        if _inline(req, lesson, quick):
            body = work()
        else:
            try:
                body = await in_pool(work, request.is_disconnected if request else None)
            except Abandoned:  # nobody is listening; the status is for the access log only
                return Response(status_code=499)
        cache.answers.put(key, body)
    form = getattr(req, "format", "objects")
    if form == "blocks":  # a graph blocks do not describe comes in columns, and says so
        form = "blocks" if body.startswith(b'{"network"') else "columns"
    return Response(body, media_type=MEDIA_TYPES.get(form, "application/json"))


def _answer_key(req: StepRequest | GraphRequest, lesson: str) -> str:
    """The lesson's key and the request's other fields, all scalars once validated (booleans,
    integers, None, words of a few literals): their reprs name them as model_dump_json does,
    at a tenth of its cost (tests/api/test_answer_key.py)."""
    cls = req.__class__
    names = _KEY_FIELDS.get(cls)
    if names is None:
        names = _KEY_FIELDS[cls] = tuple(f for f in cls.model_fields if f != "scenario")
    values = req.__dict__
    return f"{cls.__name__}{lesson}{tuple([values[f] for f in names])!r}"


_KEY_FIELDS: dict[type, tuple[str, ...]] = {}  # per request class: its fields but the scenario


def _inline(req: StepRequest | GraphRequest, lesson: str, quick: bool) -> bool:
    return quick or (is_small(req.scenario, req.expand) and _near(req, lesson))


def step_inline(raw: bytes) -> bytes | None:
    """POST /api/step's answer to the JSON body `raw`, without the framework's routing and
    dependency solving (most of a small step's time): the same validation (FastAPI's: the parsed
    body, validated in Python mode), the same work as take_step, and answers from its memo (a new
    answer is kept by app.answer_bytes, under the body's bytes: not twice). None when the
    request must take the route's way: it is refused (the route says why, in its own words),
    or its answer is built in the thread pool."""
    try:
        req = _step_request(raw)
        if req.format != "objects":
            return None  # the columns' media type is the route's to send
        check_iteration(req.scenario, req.iteration)
        key = lesson_key(req.scenario, req.expand, req.iteration)
        body = cache.answers.get(_answer_key(req, key))
        if body is not None:
            return body
        lesson = built_lesson(key)  # looked up once, for _quick, _near and step_at
        if lesson is not None:
            if not (
                lesson.quick(req.cursor, req.granularity, req.since)
                or is_small(req.scenario, req.expand)
            ):
                return None
        elif is_small(req.scenario, req.expand) and _near(req, key, False):
            lesson = build_small(req.scenario, key, req.iteration)
        else:
            return None
        # kept by its caller, under the body's bytes
        return dump_step(step_at(req, key, rows=True, lesson=lesson))
    except Exception:  # a refusal or a fault: the route meets it again and answers as it does
        return None


def _step_request(raw: bytes) -> StepRequest:
    """StepRequest.model_validate(json.loads(raw)), as FastAPI validates a body. An ASCII body
    is parsed by pydantic's own JSON reader instead (the same values: its numbers, keys and
    escapes read as json.loads reads them; what either refuses goes to the route), a third of
    a small step's parsing and validation; the scenario is validated in Python mode either way
    (its PlainValidator is given the parsed object)."""
    if raw.isascii():
        return StepRequest.model_validate_json(raw)
    return StepRequest.model_validate(json.loads(raw))


def _near(req: StepRequest | GraphRequest, key: str, built: bool | None = None) -> bool:
    """Whether the request's iteration costs little to reach: its lesson is built here, or the
    updates before it are a few milliseconds of work (else they run in the thread pool).
    `built`: whether this worker holds the lesson, when the caller has looked already."""
    if req.iteration == 1:
        return True
    if built is None:
        built = built_lesson(key) is not None
    return built or (req.iteration - 1) * iteration_work(
        req.scenario.layers, update_samples(req.scenario)
    ) <= (INLINE_ITERATION_WORK)


def step_at(
    req: StepRequest, key: str | None = None, rows: bool = False, lesson: Lesson | None = None
) -> StepAnswer:
    """The answer to `req`; `rows`: its nodes and parameters written as JSON (for dump_step);
    `lesson`: the request's lesson, when the caller holds it already."""
    if lesson is None:
        lesson = lesson_for(req.scenario, req.expand, key, req.iteration)
    check_cursor(lesson, req.granularity, req.cursor)
    check_sample(lesson, req.sample)
    if req.since is not None and req.since > lesson.plan.total:
        raise invalid(
            ("since",),
            f"since {req.since} is past the end: this plan has {lesson.plan.total} fine steps "
            f"(since 0 to {lesson.plan.total})",
        )
    return lesson.at(
        req.cursor, req.granularity, req.sample, req.precision, req.max_explained, req.since, rows
    )


@router.post("/run", response_model=RunResponse)
def run_iteration(req: RunRequest) -> dict:
    """One whole iteration (forward, backward, update) in matrix form, for tools. With a
    batch_size, iteration 1's: on the first mini-batch, as /api/step's iteration 1."""
    if req.include_steps and (floor := plan_floor(req.scenario)) > MAX_RUN_STEPS:
        raise invalid(  # refused from the layers alone, before a graph is built
            ("include_steps",),
            f"this plan has at least {floor:,} steps, more than the {MAX_RUN_STEPS:,} that "
            "/api/run lists: pass include_steps=false, or page through /api/step",
        )
    spec, _ = spec_at(req.scenario)
    steps = None
    if req.include_steps:
        lesson = lesson_for(req.scenario)
        if lesson.plan.total > MAX_RUN_STEPS:
            raise invalid(
                ("include_steps",),
                f"this plan has {lesson.plan.total:,} steps, more than the {MAX_RUN_STEPS:,} that "
                "/api/run lists: pass include_steps=false, or page through /api/step",
            )
        steps = lesson.walk(req.precision)
    it = iterate(spec)
    diverged = not all(
        bool(np.isfinite(a).all())
        for a in [*it.weights, *it.biases, it.before.losses, it.after.losses]
    )
    return plain(
        {
            "loss": it.before.loss,
            "loss_after": it.after.loss,
            "outputs": it.before.outputs,
            "gradients": {"weights": it.grads_w, "biases": it.grads_b},
            "updated": {"weights": it.weights, "biases": it.biases},
            "steps": steps,
            "diverged": diverged,
            "optimizer_state": _by_tensor(spec, it.state) if it.state else None,
            "optimizer_step": it.step,
        }
    )


def _by_tensor(spec, state: dict) -> dict:
    """Flat optimizer state → {quantity: {weights, biases}} shaped as the scenario's tensors."""
    out = {}
    for k, flat in state.items():
        tensors, at = [], 0
        for t in [*spec.weights, *spec.biases]:
            tensors.append(flat[at : at + t.size].reshape(t.shape))
            at += t.size
        out[k] = {"weights": tensors[: spec.depth], "biases": tensors[spec.depth :]}
    return out
