from fastapi import APIRouter
from fastapi.responses import Response

from app.api.convert import to_spec
from app.api.schemas.export import ExportRequest, ScenarioFile
from app.api.schemas.expressions import ExpressionScenario
from app.engine.export import numpy_script, torch_script
from app.engine.export_expression import numpy_expression, torch_expression
from app.engine.expression import build_expression_graph

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
    if req.format == "json":
        body = ScenarioFile(scenario=sc).model_dump_json(indent=2, exclude_none=True) + "\n"
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
            body = make(to_spec(sc), req.convention)
    return Response(
        body,
        media_type=f"{_MEDIA[req.format]}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/import", response_model=ScenarioFile, response_model_exclude_none=True)
def import_scenario(file: ScenarioFile) -> ScenarioFile:
    """Read back a file written by /api/export (format json): validated, ready to load."""
    return file
