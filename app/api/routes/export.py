from fastapi import APIRouter
from fastapi.responses import Response

from app.api.convert import check_iteration, spec_at
from app.api.schemas.export import ExportRequest, ScenarioFile
from app.api.schemas.expressions import ExpressionScenario
from app.engine.export import numpy_script, torch_script
from app.engine.export_expression import numpy_expression, torch_expression
from app.engine.expression import build_expression_graph
from app.engine.iterations import Advanced

router = APIRouter(tags=["export"])

_MEDIA = {"numpy": "text/x-python", "pytorch": "text/x-python", "json": "application/json"}


@router.post(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/x-python": {}, "application/json": {}}}},
)
def export_scenario(req: ExportRequest) -> Response:
    """The scenario as a download: a NumPy or PyTorch script that prints the same forward values,
    gradients and updated parameters as the engine, or a JSON file for /api/import."""
    sc = req.scenario
    check_iteration(sc, req.iteration)
    if req.format == "json":
        body = (
            ScenarioFile(scenario=sc, iteration=req.iteration).model_dump_json(
                indent=2, exclude_none=True
            )
            + "\n"
        )
        filename = f"{req.name}.json"
    else:
        filename = f"{req.name}_{req.format}.py"
        if isinstance(sc, ExpressionScenario):
            graph = build_expression_graph(
                sc.expression, {k: float(v) for k, v in sc.values.items()}
            )
            lr = None if sc.learning_rate is None else float(sc.learning_rate)
            make = numpy_expression if req.format == "numpy" else torch_expression
            body = make(graph, sc.expression, lr, frozenset(sc.frozen))
        else:
            make = numpy_script if req.format == "numpy" else torch_script
            spec, adv = spec_at(sc, req.iteration)
            body = make(spec, req.convention, origin(req.iteration, adv))
    return Response(
        body,
        media_type=f"{_MEDIA[req.format]}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def origin(iteration: int, adv: Advanced | None) -> str | None:
    """Where the exported iteration starts, for the script's docstring (None: the scenario as it
    is, all of its samples)."""
    if adv is None:
        return None
    lines = []
    if iteration > 1:
        lines.append(
            f"Iteration {iteration:,} of the scenario: its parameters (and the optimizer's state) "
            f"after {iteration - 1:,} update{'s' if iteration > 2 else ''}."
        )
    if (b := adv.batch) is not None:
        rows = ", ".join(str(i + 1) for i in b.indices)
        lines.append(
            f"Mini-batches of {b.size} (shuffle seed {b.seed}): this is epoch {b.epoch}, batch "
            f"{b.batch} of {b.batches}, so X and Y hold only this batch's samples, rows {rows} of "
            f"the {b.samples} in the data set (1-based), and the loss and gradients are means over "
            "this batch."
        )
    return "\n".join(lines)


@router.post("/import", response_model=ScenarioFile, response_model_exclude_none=True)
def import_scenario(file: ScenarioFile) -> ScenarioFile:
    """Read back a file written by /api/export (format json): validated, ready to load at its
    iteration (1 when the file names none)."""
    check_iteration(file.scenario, file.iteration)
    return file
