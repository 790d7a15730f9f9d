"""What the pages need to know about the server, in one JSON block the templates embed.

The operations the engine offers, the limits the API enforces and the granularities a lesson
steps at are read from their one home (the engine's registry, `app.limits`) and handed to the
pages here, so no page keeps a hand copy that can drift from the API.
"""

from __future__ import annotations

from functools import cache

from app.engine import registry
from app.engine.plan import GRANULARITIES
from app.limits import (
    MAX_ABS,
    MAX_CSV_CHARS,
    MAX_EXPLAINED,
    MAX_ITERATION,
    MAX_LAYERS,
    MAX_PRECISION,
    MAX_STREAMED_PARAMETERS,
    MAX_TWIN_STREAMED_PARAMETERS,
    MAX_WIDTH,
    MAX_WORKSHEET_QUANTITIES,
)


@cache
def catalog() -> dict:
    """The page catalog: activations, losses, limits and granularities (JSON-ready)."""
    return {
        **registry.catalog(),
        "limits": {
            "layers": MAX_LAYERS + 1,  # the input layer included, as the architecture editor counts
            "hidden_layers": MAX_LAYERS - 1,  # as the labs' hidden-layers field counts
            "width": MAX_WIDTH,
            "abs": MAX_ABS,
            "precision": MAX_PRECISION,
            "explained": MAX_EXPLAINED,
            "iteration": MAX_ITERATION,
            "worksheet_quantities": MAX_WORKSHEET_QUANTITIES,
            "csv_chars": MAX_CSV_CHARS,
            "streamed_parameters": MAX_STREAMED_PARAMETERS,  # a stopped run can be shown
            "twin_streamed_parameters": MAX_TWIN_STREAMED_PARAMETERS,  # each of a twin run's
        },
        "granularities": list(GRANULARITIES),
    }
