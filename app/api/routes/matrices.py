import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.convert import check_cursor, check_iteration, check_sample, lesson_for, lesson_key
from app.api.errors import invalid
from app.api.offload import in_pool, is_small
from app.api.schemas.matrices import (
    LedgerRequest,
    LedgerResponse,
    MatricesRequest,
    MatricesResponse,
    PlaneRequest,
    PlaneResponse,
)
from app.api.serialize import dump
from app.api.training import extent
from app.engine.lesson import Lesson
from app.engine.mathfmt import Fmt
from app.engine.matrix_view import contributions, matrices
from app.engine.train import grid_maps

router = APIRouter(tags=["lessons"])


def _at(req: MatricesRequest | LedgerRequest) -> tuple[Lesson, int, int]:
    check_iteration(req.scenario, req.iteration)
    key = lesson_key(req.scenario, False, req.iteration)
    lesson = lesson_for(req.scenario, False, key, req.iteration)
    check_cursor(lesson, req.granularity, req.cursor)
    check_sample(lesson, req.sample)
    fine = lesson.plan.to_fine(req.granularity, req.cursor)
    start = lesson.plan.unit_range(req.granularity, req.cursor - 1)[0] if req.cursor else 0
    return lesson, start, fine


async def _run(req, work) -> Response:
    if is_small(req.scenario):
        return Response(work(), media_type="application/json")
    return Response(await in_pool(work), media_type="application/json")


@router.post("/matrices", response_model=MatricesResponse)
async def matrix_view(req: MatricesRequest, request: Request):
    """The lesson at `cursor` as matrices: per layer Z = W·A + b and A = f(Z), the loss, δ, the
    gradients and the update, with shapes, the cells the current step reads and writes, and long
    axes elided (… as NumPy prints) around them. Every cell is the stepped state's value."""

    def work() -> bytes:
        lesson, start, fine = _at(req)
        out = matrices(lesson, lesson.state_at(fine), start, fine, req.sample, req.convention)
        return dump({"cursor": req.cursor, "fine_cursor": fine, **out})

    return await _run(req, work)


@router.post("/ledger", response_model=LedgerResponse)
async def batch_ledger(req: LedgerRequest, request: Request):
    """One parameter's batch ledger at `cursor`: each sample's contribution ∂ℓₛ/∂θ, their sum and
    mean (= ∂L/∂θ) and the update −η·∂L/∂θ it makes."""

    def work() -> bytes:
        lesson, _, fine = _at(req)
        g = lesson.graph
        p = g.index.get(req.param)
        if p is None or g.nodes[p].kind != "param":
            raise invalid(("param",), f"param {req.param!r} is not a parameter of this network")
        state = lesson.state_at(fine)
        c = contributions(lesson, state, p)
        nd = g.nodes[p]
        seg = next(
            s for s in reversed(lesson.plan.segments)
            if s.phase == "backward" and any(g.nodes[s.node].inputs[i] == p for i in s.items)
        )  # fmt: skip
        done_at = (
            seg.start
            + next(k for k, i in enumerate(seg.items) if g.nodes[seg.node].inputs[i] == p)
            + 1
        )
        granular = lesson.plan.from_fine(req.granularity, done_at)
        if lesson.plan.to_fine(req.granularity, granular) < done_at:
            granular += 1
        frozen = (nd.tensor or nd.id) in lesson.frozen
        updated = bool(state.updated[p])
        with np.errstate(all="ignore"):
            total = None if c is None else float(c.sum())
            mean = None if c is None else float(c.mean())
            grad = float(state.pgrad[p]) if c is not None else None
            update = -lesson.learning_rate * grad if grad is not None and not frozen else None
        return dump(
            {
                "param": nd.id,
                "label": nd.sym.text(Fmt()),
                "tensor": nd.tensor,
                "index": list(nd.index),
                "samples": g.batch,
                "computed": c is not None,
                "computed_at": granular,
                "contributions": c,
                "sum": total,
                "mean": mean,
                "grad": grad,
                "learning_rate": lesson.learning_rate,
                "old": float(state.P0[p]),
                "update": update,
                "new": float(state.P[p]) if updated else None,
                "frozen": frozen,
                "batch": lesson.batch,
            }
        )

    return await _run(req, work)


@router.post("/plane", response_model=PlaneResponse)
async def data_plane(req: PlaneRequest, request: Request):
    """A 2-input lesson's data plane: the network's output over the samples' box (their decision
    boundary), with the parameters that `iteration` starts from, as the step page draws it beside
    the batch ledger (the labs' colours and axes)."""

    def work() -> bytes:
        check_iteration(req.scenario, req.iteration)
        lesson = lesson_for(req.scenario, False, None, req.iteration)
        spec = lesson.spec
        box = extent(np.array(req.scenario.inputs, dtype=float))  # every sample, not one batch's
        for k in (0, 2):  # at least one unit wide: a lone sample (the tutorial's) shows a boundary
            mid, half = (box[k] + box[k + 1]) / 2, max((box[k + 1] - box[k]) / 2, 0.5)
            box[k], box[k + 1] = mid - half, mid + half
        with np.errstate(all="ignore"):
            g = grid_maps(spec, spec.weights, spec.biases, tuple(box), req.grid, max_neurons=0)
        out = {"iteration": req.iteration, "extent": box, "x": g["x"], "y": g["y"]}
        return dump({**out, "outputs": g["outputs"]})

    return await _run(req, work)
