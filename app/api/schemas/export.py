"""Code export and scenario files (/api/export, /api/import)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.api.schemas.common import Integer, Strict, iteration_field
from app.api.schemas.expressions import AnyScenario

ExportFormat = Literal["numpy", "pytorch", "json"]


class ExportRequest(Strict):
    scenario: AnyScenario
    format: ExportFormat = Field(
        ...,
        description="numpy: a self-contained script in the tutorial's style; pytorch: the same "
        "with loss.backward(); json: the scenario as a file for /api/import.",
    )
    convention: Literal["columns", "rows"] = Field(
        "columns",
        description="Networks' scripts: columns: one column per sample, W @ X (the tutorial's "
        "program); rows: one row per sample, X @ W.T (PyTorch's nn.Linear). Expressions ignore it.",
    )
    iteration: Integer = iteration_field()
    name: str = Field(
        "backstep", pattern=r"^[A-Za-z0-9_-]{1,40}$", description="The download's file name stem."
    )


class ScenarioFile(Strict):
    """What /api/export writes as JSON and /api/import reads back."""

    format: Literal["backstep-scenario"] = "backstep-scenario"
    version: Literal[1] = 1
    scenario: AnyScenario
    iteration: Integer = iteration_field()
