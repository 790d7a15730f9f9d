"""Twin runs: a network and its twin trained in lockstep, whole or streamed as server-sent events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from app.api.routes import train as single
from app.api.schemas.twins import TwinStreamRequest, TwinTrainRequest, TwinTrainResponse
from app.api.serialize import model_json
from app.api.twins import Twins
from app.limits import MAX_TWIN_STREAMED_PARAMETERS

router = APIRouter(tags=["training"])


@router.post("/train/twins", response_model=TwinTrainResponse)
async def train_twins(req: TwinTrainRequest, request: Request) -> Response:
    """Train the scenario (`a`) and its twin (`b`: the same with `twin`'s one setting changed),
    epoch for epoch: same seed, same data, same batch order. `time_budget` (≤ 10 s) is for both
    together. Runs in one heavy-work slot and stops if the client leaves."""
    return await single.trained(
        request,
        req.time_budget,
        lambda: Twins(req),
        lambda twins: twins,
        lambda twins: model_json(TwinTrainResponse, twins.result()),
    )


def progress_event(twins: Twins, sent: tuple[int, int]) -> str:
    """Both twins' progress in one event, each as a single run's progress event; each carries its
    weights only up to MAX_TWIN_STREAMED_PARAMETERS, so the event is no larger than a single's."""
    a, b = (
        single.progress(job, n, MAX_TWIN_STREAMED_PARAMETERS)
        for job, n in zip(twins.jobs, sent, strict=True)
    )
    ev = {"epoch": twins.epoch, "epochs": twins.epochs, "seconds": twins.elapsed(), "a": a, "b": b}
    return single.sse("progress", ev)


def final(twins: Twins) -> dict:
    return TwinTrainResponse.model_validate(twins.result()).model_dump(mode="json")


async def stream_events(
    twins: Twins, report_every: int, disconnected: Callable[[], Awaitable[bool]]
) -> AsyncIterator[str]:
    """start, then progress every `report_every` epochs of both (or CHUNK_SECONDS), then done;
    the same byte budget as a single run's stream (MAX_STREAM_BYTES_PER_SECOND), counted over
    the events that carry both; closing the connection stops both."""
    samples = len(twins.jobs[0].spec.inputs)
    yield single.sse("start", {"epochs": twins.epochs, "samples": samples})
    sent, next_at = (0, 0), 0.0
    while not twins.done:
        await asyncio.to_thread(twins.run, report_every, single.CHUNK_SECONDS)
        if await disconnected():
            twins.cancel()
            return
        if time.monotonic() >= next_at:
            event = await asyncio.to_thread(progress_event, twins, sent)
            yield event
            next_at = time.monotonic() + len(event) / single.MAX_STREAM_BYTES_PER_SECOND
            sent = tuple(len(job.trainer.state.train_loss) for job in twins.jobs)
    yield await asyncio.to_thread(lambda: single.sse("done", final(twins)))


@router.post(
    "/train/twins/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def train_twins_stream(req: TwinStreamRequest, request: Request) -> StreamingResponse:
    """Server-sent events of a twin run: `start`, `progress` every `report_every` epochs with
    both twins at the same epoch (`a` and `b`, each a single run's progress event, weights up to
    MAX_TWIN_STREAMED_PARAMETERS parameters each), then `done` with both /api/train answers.
    Closing the connection stops both. `time_budget` (≤ 60 s) is for both together."""
    twins = await asyncio.to_thread(Twins, req)
    return StreamingResponse(
        stream_events(twins, req.report_every, request.is_disconnected),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
