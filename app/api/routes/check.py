from fastapi import APIRouter

from app.api.convert import check_iteration, check_sample, lesson_for, plan_floor
from app.api.errors import invalid
from app.api.schemas.check import CheckRequest, CheckResponse, WorksheetRequest, WorksheetResponse
from app.api.serialize import plain
from app.engine.check import CheckInputError, Entry, TooManyQuantities, check, worksheet
from app.limits import MAX_WORKSHEET_QUANTITIES

router = APIRouter(tags=["check my working"])


@router.post("/worksheet", response_model=WorksheetResponse)
def list_quantities(req: WorksheetRequest) -> dict:
    """Every number a student can check for this scenario, in the order the plan computes it
    (at `iteration` k: the lesson of that iteration, its parameters and optimizer state after
    k − 1 updates, as /api/step shows it)."""
    refuse_large(req.scenario)
    check_iteration(req.scenario, req.iteration)
    lesson = lesson_for(req.scenario, req.expand, iteration=req.iteration)
    try:
        return {"quantities": plain(worksheet(lesson))}
    except TooManyQuantities as e:
        raise invalid(("scenario",), str(e)) from None


@router.post("/check", response_model=CheckResponse)
def check_working(req: CheckRequest) -> dict:
    """Compare hand-computed values with the engine's: the first slip, what it should be and why,
    and which later numbers inherited it."""
    refuse_large(req.scenario)
    check_iteration(req.scenario, req.iteration)
    lesson = lesson_for(req.scenario, req.expand, iteration=req.iteration)
    check_sample(lesson, req.sample)
    entries = [
        Entry(
            e.target, e.quantity, float(e.value), req.decimals if e.decimals is None else e.decimals
        )
        for e in req.entries
    ]
    try:
        return plain(check(lesson, entries, req.sample, req.precision))
    except CheckInputError as e:
        raise invalid(("entries", e.index, e.field), str(e)) from None
    except TooManyQuantities as e:
        raise invalid(("scenario",), str(e)) from None


def refuse_large(scenario) -> None:
    """A worksheet too large to list, refused from the layers alone (building the lesson of a
    10 × 64 network to count its numbers took 0.8 s)."""
    if (floor := plan_floor(scenario)) > MAX_WORKSHEET_QUANTITIES:
        raise invalid(
            ("scenario",),
            f"this scenario has at least {floor:,} numbers to check, more than the "
            f"{MAX_WORKSHEET_QUANTITIES:,} a worksheet lists: use a smaller network or fewer neurons",
        )
