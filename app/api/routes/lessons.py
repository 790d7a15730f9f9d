from functools import lru_cache

import numpy as np
from fastapi import APIRouter
from fastapi.responses import Response

from app.api.convert import finite, lesson_for, to_spec
from app.api.errors import invalid
from app.api.offload import answer, is_small
from app.api.schemas import (
    MAX_RUN_STEPS,
    GraphRequest,
    GraphResponse,
    RunRequest,
    RunResponse,
    StepRequest,
    StepResponse,
)
from app.engine.vectorised import iterate

router = APIRouter(tags=["lessons"])


@router.post("/graph", response_model=GraphResponse)
async def build_graph(req: GraphRequest):
    """The scenario's computation graph: nodes, edges, parameters, layout hints and step plan."""
    small = is_small(req.scenario, req.expand)
    return await answer(
        lambda: lesson_for(req.scenario, req.expand).describe(), GraphResponse, small
    )


@router.post("/step", response_model=StepResponse)
async def take_step(req: StepRequest):
    """The state at `cursor`: the step just taken with its explanation, and every value and
    gradient so far. Stepping back is asking for cursor − 1."""
    if is_small(req.scenario, req.expand):  # a class steps through the same few lessons
        key = req.model_dump_json()
        return Response(_small_step_json(key), media_type="application/json")
    return await answer(lambda: step_at(req), StepResponse, False)


@lru_cache(maxsize=2048)
def _small_step_json(key: str) -> bytes:
    """A small lesson's answer, validated and serialised once. The answer is a pure function of the
    request, so identical requests (forty students on the same step) share it; errors are not
    cached. Only small lessons: their answers are a few kilobytes."""
    req = StepRequest.model_validate_json(key)
    return StepResponse.model_validate(step_at(req)).model_dump_json().encode()


def step_at(req: StepRequest) -> dict:
    lesson = lesson_for(req.scenario, req.expand)
    total = lesson.plan.units(req.granularity)
    if req.cursor > total:
        raise invalid(
            ("cursor",),
            f"cursor {req.cursor} is past the end: this plan has {total} units at granularity "
            f"{req.granularity!r} (cursor 0 to {total})",
        )
    return lesson.at(req.cursor, req.granularity, req.sample, req.precision, req.max_explained)


@router.post("/run", response_model=RunResponse)
def run_iteration(req: RunRequest) -> dict:
    """One whole iteration (forward, backward, update) in matrix form, for tools."""
    spec = to_spec(req.scenario)
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
    return {
        "loss": finite(it.before.loss),
        "loss_after": finite(it.after.loss),
        "outputs": finite(it.before.outputs),
        "gradients": {
            "weights": [finite(w) for w in it.grads_w],
            "biases": [finite(b) for b in it.grads_b],
        },
        "updated": {
            "weights": [finite(w) for w in it.weights],
            "biases": [finite(b) for b in it.biases],
        },
        "steps": steps,
        "diverged": diverged,
    }
