"""Twin runs: one network and its twin (one setting changed) trained in lockstep.

Both twins share the scenario's data, seed, epochs and shuffle seed, so their mini-batches come
in the same order. `Twins.run` advances both by the same number of epochs, in chunks sized from
what an epoch of each has cost so far, so neither runs ahead of the other by more than a chunk
and a progress report finds both at the same epoch (unless one has stopped: diverged, or reached
its target loss). The time budget is the pair's: a twin run does twice a single run's work per
epoch, and the budget bounds the work of both together."""

from __future__ import annotations

import math
import time

from pydantic import ValidationError

from app.api.errors import invalid
from app.api.schemas.scenario import Scenario
from app.api.schemas.training import TrainRequest, TrainStreamRequest
from app.api.schemas.twins import TwinStreamRequest, TwinTrainRequest
from app.api.training import Job


def twin_scenario(sc: Scenario, twin) -> dict:
    """The scenario's JSON with the twin's one setting changed (not yet validated)."""
    data = sc.model_dump(exclude_none=False)
    kind = twin.setting
    if kind == "learning_rate":
        data["learning_rate"] = twin.learning_rate
    elif kind == "init":
        data.update(init=twin.init.model_dump(), weights=None, biases=None)
    elif kind == "activation":
        depth = len(sc.layers) - 1
        if twin.layer is not None and twin.layer > depth:
            raise invalid(
                ("twin", "activation", "layer"),
                f"layer {twin.layer} does not exist: the network has {depth} weight layers "
                f"(1 to {depth})",
            )
        acts = list(data["activations"])
        if twin.layer is None:
            if depth < 2:
                raise invalid(
                    ("twin", "activation", "layer"),
                    "the network has no hidden layer: name the layer (the output is "
                    f"layer {depth})",
                )
            acts[:-1] = [twin.activation] * (depth - 1)
        else:
            acts[twin.layer - 1] = twin.activation
        data["activations"] = acts
    elif kind == "optimizer":
        data["optimizer"] = None if twin.optimizer is None else twin.optimizer.model_dump()
        if twin.learning_rate is not None:  # an optimizer's own η (schemas/twins.py)
            data["learning_rate"] = twin.learning_rate
    return data


def twin_requests(req: TwinTrainRequest | TwinStreamRequest) -> tuple[TrainRequest, TrainRequest]:
    """The two single-run requests the twins are: the request as given, and its twin."""
    # only the fields the request set: an unset batch_size or shuffle_seed is the scenario's
    base = req.model_dump(exclude={"twin"}, exclude_unset=True)
    twin = req.twin
    other = dict(base)
    other["scenario"] = twin_scenario(req.scenario, twin)
    if twin.setting == "batch_size":
        other["batch_size"] = twin.batch_size
    model = TrainStreamRequest if isinstance(req, TwinStreamRequest) else TrainRequest
    try:
        a = model.model_validate(base)
        b = model.model_validate(other)
    except ValidationError as e:
        msgs = list(dict.fromkeys(err["msg"].removeprefix("Value error, ") for err in e.errors()))
        raise invalid(
            ("twin", twin.setting), *(f"the twin's scenario: {m}" for m in msgs)
        ) from None
    return a, b


class Twins:
    """Two jobs trained epoch for epoch, within one wall-time budget for both."""

    def __init__(self, req: TwinTrainRequest | TwinStreamRequest):
        ra, rb = twin_requests(req)
        self.jobs = (Job(ra), Job(rb))
        for job in self.jobs:  # the pair keeps the budget: each alone would stop at its own time
            job.trainer.config.time_budget = math.inf
        self.budget = req.time_budget
        self.epochs = req.epochs
        self._cost = [0.0, 0.0]  # seconds per epoch of each, so far (0: not measured yet)
        self._started: float | None = None

    @property
    def done(self) -> bool:
        return all(job.trainer.done for job in self.jobs)

    @property
    def epoch(self) -> int:
        """The pair's epoch: both twins' while both train, the one still training's after."""
        return max(job.trainer.state.epoch for job in self.jobs)

    def elapsed(self) -> float:
        return 0.0 if self._started is None else time.perf_counter() - self._started

    def run(self, max_epochs: int | None = None, max_seconds: float | None = None) -> None:
        """Advance both twins by the same epochs: at most `max_epochs`, stopping after about
        `max_seconds` (never in the middle of a chunk), or both stop at the pair's budget."""
        if self._started is None:
            self._started = time.perf_counter()
        left = self.epochs if max_epochs is None else max_epochs
        until = math.inf if max_seconds is None else time.perf_counter() + max_seconds
        while left > 0 and not self.done:
            now = time.perf_counter()
            if now - self._started >= self.budget:
                self._out_of_time()
                return
            if now >= until:
                return
            room = min(until, self._started + self.budget) - now
            cost = sum(self._cost)
            n = max(1, min(left, 1 if cost == 0 else int(room / cost)))
            for i, job in enumerate(self.jobs):
                tr = job.trainer
                if tr.done:
                    self._cost[i] = 0.0
                    continue
                t0, e0 = time.perf_counter(), tr.state.epoch
                tr.run(n)
                tr.state.seconds = self.elapsed()
                self._cost[i] = (time.perf_counter() - t0) / max(1, tr.state.epoch - e0)
            left -= n

    def _out_of_time(self) -> None:
        for job in self.jobs:
            st = job.trainer.state
            if st.stopped is None:
                st.stopped, st.seconds = "time", self.elapsed()

    def cancel(self) -> None:
        for job in self.jobs:
            job.trainer.cancel()

    def result(self) -> dict:
        a, b = (job.result() for job in self.jobs)
        return {"a": a, "b": b}
