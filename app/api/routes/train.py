"""Training (whole or streamed as server-sent events), datasets, gradient check and the labs."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from app.api.convert import to_spec
from app.api.errors import invalid
from app.api.offload import Abandoned, Stop, in_pool
from app.api.schemas.training import (
    ActivationsRequest,
    BlameRequest,
    DatasetRequest,
    DatasetResponse,
    DeadReluRequest,
    ExplodingRequest,
    GradcheckRequest,
    GradcheckResponse,
    PredictRequest,
    PredictResponse,
    TrainRequest,
    TrainResponse,
    TrainStreamRequest,
    VanishingRequest,
    ZeroGradRequest,
)
from app.api.serialize import model_json, plain
from app.api.training import Job, build_dataset, dataset_json
from app.engine import labs
from app.limits import MAX_GRADCHECK_SECONDS, MAX_STREAM_BYTES_PER_SECOND, MAX_STREAMED_PARAMETERS

router = APIRouter(tags=["training"])
CHUNK_SECONDS = 0.2  # a streamed run checks for a closed connection at least this often


@router.post("/datasets", response_model=DatasetResponse)
def make_dataset(req: DatasetRequest) -> dict:
    """A generated dataset (same seed, same points), or the user's points / CSV, validated per row."""
    return dataset_json(build_dataset(req))


@router.post("/train", response_model=TrainResponse)
async def train_scenario(req: TrainRequest, request: Request) -> Response:
    """Train for `epochs` (≤ 20,000) within `time_budget` seconds (≤ 10): loss history (train and
    test), final parameters, predictions and the trained scenario, ready for /api/step. Runs in
    one of the worker's heavy-work slots and stops if the client leaves."""
    return await trained(
        request,
        req.time_budget,
        lambda: Job(req),
        lambda job: job.trainer,
        lambda job: model_json(TrainResponse, job.result()),
    )


async def trained(
    request: Request,
    budget: float,
    start: Callable[[], Any],
    runner: Callable[[Any], Any],
    answer: Callable[[Any], bytes],
) -> Response:
    """A training (`start()`, run by `runner(it)`: its `done` and `run(epochs, seconds)`) to its
    end in one of the worker's heavy-work slots, then `answer(it)`; it stops when the client
    leaves. The trainer keeps its own time budget; `budget` bounds the slot's wait for it."""
    stop = Stop(budget)

    def work() -> bytes | None:
        job = start()
        run = runner(job)
        while not run.done:
            run.run(None, CHUNK_SECONDS)
            if stop.gone:
                return None
        return answer(job)

    try:
        body = await in_pool(work, request.is_disconnected, stop)
    except Abandoned:
        body = None
    if body is None:
        return Response(status_code=499)  # nobody is listening: for the access log only
    return Response(body, media_type="application/json")


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, allow_nan=False)}\n\n"


def progress(job: Job, sent: int, max_parameters: int | None = None) -> dict:
    """A progress event. For a network of at most MAX_STREAMED_PARAMETERS parameters it carries
    the weights and biases after `epoch` epochs, in full: a page that stops the run rebuilds the
    network at that point (POST /api/labs/predict) and needs nothing the server kept."""
    st = job.trainer.state
    small = sum(w.size + b.size for w, b in zip(st.weights, st.biases, strict=True))
    small = small <= (MAX_STREAMED_PARAMETERS if max_parameters is None else max_parameters)
    return {
        "epoch": st.epoch,
        "updates": st.step,
        "weights": plain(st.weights) if small else None,
        "biases": plain(st.biases) if small else None,
        "epochs": job.trainer.config.epochs,
        "seconds": st.seconds,
        "from": sent,  # index of the first new history entry
        "train_loss": plain(st.train_loss[sent:]),
        "test_loss": plain(st.test_loss[sent:]) if job.trainer.test is not None else None,
        "grad_norm": plain(st.grad_norm[sent:]),
        **job.maps(st, decimals=4),
    }


def progress_event(job: Job, sent: int) -> str:
    return sse("progress", progress(job, sent))


async def stream_events(
    job: Job, report_every: int, disconnected: Callable[[], Awaitable[bool]]
) -> AsyncIterator[str]:
    """start, then progress every `report_every` epochs (or CHUNK_SECONDS, whichever is first),
    then done; stops training if the client leaves. Progress events keep within
    MAX_STREAM_BYTES_PER_SECOND: after an event of n bytes the next waits n / rate seconds while
    training goes on (it then carries all the history since the last one). Every event is built
    in a thread: a heat map or the final answer can take a worker's event loop for seconds."""
    yield sse("start", {"epochs": job.trainer.config.epochs, "samples": len(job.spec.inputs)})
    sent, next_at = 0, 0.0
    while not job.trainer.done:
        await asyncio.to_thread(job.trainer.run, report_every, CHUNK_SECONDS)
        if await disconnected():
            job.trainer.cancel()
            return
        if time.monotonic() >= next_at:  # else over budget: the next event or done carries it
            event = await asyncio.to_thread(progress_event, job, sent)
            yield event
            next_at = time.monotonic() + len(event) / MAX_STREAM_BYTES_PER_SECOND
            sent = len(job.trainer.state.train_loss)
    yield await asyncio.to_thread(lambda: sse("done", final(job)))


def final(job: Job) -> dict:
    return TrainResponse.model_validate(job.result()).model_dump(mode="json")


@router.post(
    "/train/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def train_stream(req: TrainStreamRequest, request: Request) -> StreamingResponse:
    """Server-sent events: `start`, `progress` every `report_every` epochs (new loss history,
    heat maps or curve, and the weights and biases so far for a network of at most
    MAX_STREAMED_PARAMETERS parameters, else null), then `done` with the whole /api/train answer.
    Closing the connection stops training. Budget: `time_budget` ≤ 60 s."""
    job = await asyncio.to_thread(Job, req)
    return StreamingResponse(
        stream_events(job, req.report_every, request.is_disconnected),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/gradcheck", response_model=GradcheckResponse)
async def check_gradients(req: GradcheckRequest, request: Request) -> Response:
    """Central differences for every parameter next to backprop's gradient, with relative errors
    and the cost: 2 forward passes per parameter against 1 forward + 1 backward. Runs in one of
    the worker's heavy-work slots, at most MAX_GRADCHECK_SECONDS, and stops if the client leaves."""
    stop = Stop(MAX_GRADCHECK_SECONDS)

    def work() -> bytes:
        result = labs.gradcheck(to_spec(req.scenario), req.eps, stop)
        return model_json(GradcheckResponse, plain(result))

    try:
        body = await in_pool(work, request.is_disconnected, stop)
    except (Abandoned, labs.Stopped) as e:
        if stop.gone or isinstance(e, Abandoned):
            return Response(status_code=499)  # nobody is listening: for the access log only
        raise invalid(
            ("scenario",),
            f"gradient check ran out of its {MAX_GRADCHECK_SECONDS:g} s budget ({e}): use "
            "fewer samples or a smaller network",
        ) from None
    return Response(body, media_type="application/json")


@router.post("/labs/predict", response_model=PredictResponse)
def lab_predict(req: PredictRequest) -> Response:
    """A network as it stands, no training: its predictions, loss and accuracy (training and test
    sets) and heat maps or curve, as /api/train gives them after training. The labs page shows a
    run stopped part-way with it, from the weights of the stream's last progress event."""
    job = Job(TrainRequest.model_validate({**req.model_dump(), "epochs": 1}))  # never run
    res = job.result()
    out = {
        "loss": res["final_train_loss"],
        "test_loss": res["final_test_loss"] if res["test_loss"] is not None else None,
        "accuracy": res["train_accuracy"],
        **{k: res.get(k) for k in ("test_accuracy", "predictions", "test_predictions")},
        **{k: res.get(k) for k in ("scenario", "grid", "curve")},
    }
    return Response(model_json(PredictResponse, out), media_type="application/json")


@router.post("/labs/vanishing")
def lab_vanishing(req: VanishingRequest) -> dict:
    """Gradient norm per layer of a deep sigmoid stack against 0.25ⁿ, and with tanh / ReLU."""
    return plain(labs.vanishing(req.depth, req.width, req.seed))


@router.post("/labs/exploding")
def lab_exploding(req: ExplodingRequest) -> dict:
    """Large initial weights: the loss diverges (first non-finite step reported); clipping fixes it."""
    return plain(labs.exploding(req.scale, req.learning_rate, req.clip_norm, req.epochs, req.seed))


@router.post("/labs/dead-relu")
def lab_dead_relu(req: DeadReluRequest) -> dict:
    """Neurons negative for every sample before and after training; Leaky ReLU as the fix."""
    return plain(labs.dead_relu(req.bias, req.learning_rate, req.epochs, req.slope, req.seed))


@router.post("/labs/zero-grad")
def lab_zero_grad(req: ZeroGradRequest) -> dict:
    """Gradients reset each iteration against accumulated (a forgotten zero_grad)."""
    return plain(labs.zero_grad(req.iterations, req.learning_rate))


@router.post("/labs/blame")
def lab_blame(req: BlameRequest) -> dict:
    """Each parameter's share of Σ|∂L/∂θ|: the tutorial's archers, and each layer's share. Each
    parameter has its stable `id` (W1_3_1) and its `label` in the page's notation (W⁽¹⁾₄₂)."""
    return plain(labs.blame(to_spec(req.scenario)))


@router.post("/labs/activations")
def lab_activations(req: ActivationsRequest) -> dict:
    """Each activation of the tutorial's table and its derivative, sampled by the engine."""
    return {"activations": plain(labs.activation_table(req.lo, req.hi, req.points))}
