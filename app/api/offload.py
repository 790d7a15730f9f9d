"""Where a lesson request runs: small scenarios on the event loop, large ones in the thread pool.

A tutorial-sized step takes about a millisecond, less than the two thread-pool hops a sync route
costs (endpoint, then response validation); a large network takes up to seconds, which must not
stall the event loop (and /healthz) of its worker. Both paths return the same JSON."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio.to_thread

from app.api.schemas.expressions import ExpressionScenario
from app.api.schemas.scenario import Scenario
from app.limits import DISCONNECT_POLL_SECONDS

T = TypeVar("T")
HEAVY_SLOTS = 2  # answers computed in the pool at once, per worker; the rest wait their turn
_slots: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop → its limiter

# Parameters + neurons, and samples × neurons, up to which a request stays on the event loop.
INLINE_MAX_UNITS = 150
INLINE_MAX_CELLS = 2_000


def is_small(sc: Scenario | ExpressionScenario, expand: bool = False) -> bool:
    if isinstance(sc, ExpressionScenario):
        return True  # at most MAX_EXPRESSION_OPERATIONS (100) op nodes
    layers = sc.layers
    params = sum(a * b for a, b in zip(layers, layers[1:], strict=False)) + sum(layers[1:])
    units = (params + sc.neurons) * (3 if expand else 1)  # expanded: products, sum, activation
    return units <= INLINE_MAX_UNITS and sc.batch_rows * sc.neurons <= INLINE_MAX_CELLS


class Abandoned(Exception):
    """The client went away while its answer waited for a slot: nobody would read it."""


class Stop:
    """A cooperative stop for work in the pool: true once the client has gone or the time budget
    (counted from when the work gets its slot) has run out. The work asks between units of work
    (a parameter, an epoch) and stops there; Python threads cannot be stopped from outside."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.gone = False

    def begin(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def __call__(self) -> bool:
        return self.gone or self.expired()


async def _watch(gone: Callable[[], Awaitable[bool]], stop: Stop) -> None:
    while not stop.gone:
        await asyncio.sleep(DISCONNECT_POLL_SECONDS)
        stop.gone = await gone()


async def in_pool(
    work: Callable[[], T],
    gone: Callable[[], Awaitable[bool]] | None = None,
    stop: Stop | None = None,
) -> T:
    """Run `work` in the thread pool, at most HEAVY_SLOTS at once. More threads would only take
    turns at the interpreter lock, all finishing late, and starve the event loop: a connection
    whose next request waited more than the keep-alive timeout was closed with it unread (a
    reset, seen by the load benchmark with 50 whole-state requests at once). Work whose client
    has `gone` by the time its slot comes up is not started (Abandoned). With `stop`, the client
    is watched while the work runs, and `stop` turns true when it leaves or its budget is spent."""
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = anyio.CapacityLimiter(HEAVY_SLOTS)
    async with _slots[loop]:
        if gone is not None and await gone():
            raise Abandoned
        if stop is None or gone is None:
            return await anyio.to_thread.run_sync(work)
        stop.begin()
        watcher = asyncio.create_task(_watch(gone, stop))
        try:
            return await anyio.to_thread.run_sync(work)
        finally:
            watcher.cancel()
