"""Where a lesson request runs: small scenarios on the event loop, large ones in the thread pool.

A tutorial-sized step takes about a millisecond, less than the two thread-pool hops a sync route
costs (endpoint, then response validation); a large network takes up to seconds, which must not
stall the event loop (and /healthz) of its worker. Both paths return the same JSON."""

from __future__ import annotations

from app.api.schemas import ExpressionScenario, Scenario

# Parameters + neurons, and samples × neurons, up to which a request stays on the event loop.
INLINE_MAX_UNITS = 150
INLINE_MAX_CELLS = 2_000


def is_small(sc: Scenario | ExpressionScenario, expand: bool = False) -> bool:
    if isinstance(sc, ExpressionScenario):
        return True  # at most MAX_OPERATIONS (100) op nodes
    layers = sc.layers
    params = sum(a * b for a, b in zip(layers, layers[1:], strict=False)) + sum(layers[1:])
    units = (params + sc.neurons) * (3 if expand else 1)  # expanded: products, sum, activation
    return units <= INLINE_MAX_UNITS and len(sc.inputs) * sc.neurons <= INLINE_MAX_CELLS
