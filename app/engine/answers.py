"""What a lesson answers, as plain objects: the graph, and the state at a cursor.

Numbers are the engine's floats as computed, NaN and infinities included; the web layer decides how
to write them. Field order is the order a client reads them in.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.engine.batches import BatchInfo

Label = dict[str, str | None]  # {text, latex, mathml}: one expression written three ways
# an explanation (Explanation.render): labels, a sentence and the optimizer's lines, all strings
Explained = dict[str, Label | str | list[dict[str, Label]] | None]


@dataclass(slots=True)
class NodeInfo:
    id: str
    kind: str
    role: str
    op: str | None
    activation: str | None
    loss: str | None
    label: Label
    layer: int
    row: int
    inputs: list[str]
    requires_grad: bool


@dataclass(slots=True)
class EdgeInfo:
    id: str
    source: str
    target: str
    position: int
    requires_grad: bool


@dataclass(slots=True)
class ParamInfo:
    id: str
    tensor: str | None
    index: list[int]
    label: Label
    value: float
    frozen: bool
    edge: str | None  # the data edge a weight labels (none once neurons are expanded)
    node: str | None  # the node that uses the parameter


@dataclass(slots=True)
class UnitPlan:
    total: int
    phase_starts: dict[str, int]


@dataclass(slots=True)
class PlanInfo:
    total_steps: int
    granularities: dict[str, UnitPlan]
    layers: int
    samples: int


@dataclass(slots=True)
class GraphView:
    nodes: list[NodeInfo]
    edges: list[EdgeInfo]
    parameters: list[ParamInfo]
    plan: PlanInfo
    batch: BatchInfo | None = None  # mini-batches: the batch this iteration updates on


@dataclass(slots=True)
class StepView:
    index: int
    phase: str
    node: str
    target: str
    edge: str | None
    value: float
    contribution: list[int] | None  # backward: the k-th of n contributions
    added: float | None  # backward: what this step adds to the target's gradient
    direction: str | None  # update: up, down or none
    explanation: Explained  # formula, substituted, result (each a Label) and a sentence


@dataclass(slots=True)
class NodeView:
    id: str
    value: float | None  # None: not computed yet
    grad: float | None
    grad_parts: list[int]  # [contributions received, contributions expected]


class Rows:
    """A StepAnswer's node or parameter rows written as JSON already (the entries of its array,
    without the brackets): what app.api.serialize.dump_step writes for the NodeView or ParamView
    list they stand for, made from the state directly (app.engine.lesson_views.node_rows)."""

    __slots__ = ("json",)

    def __init__(self, json: str):
        self.json = json


@dataclass(slots=True)
class ParamView:
    id: str
    old: float
    value: float
    grad: float | None
    grad_parts: list[int]
    update: float | None
    new: float | None
    direction: str | None


@dataclass(slots=True)
class Loss:
    before: float | None
    after: float | None
    relative_change: float | None


@dataclass(slots=True)
class Divergence:
    step: int
    phase: str
    node: str
    message: str


@dataclass(slots=True)
class LossHistory:
    iterations: list[int]  # ascending; the last is the lesson's own iteration
    losses: list[float]  # the mean loss at the start of each of those iterations
    complete: bool  # every iteration 1 … k is listed (else evenly spaced ones)


@dataclass(slots=True)
class StepAnswer:
    cursor: int
    cursors: dict[str, int]
    total: int
    granularity: str
    fine_cursor: int
    fine_total: int
    step_range: list[int]
    phase: str
    sample: int
    samples: int
    since: int | None
    steps: list[StepView]
    steps_omitted: int
    nodes: list[NodeView]
    parameters: list[ParamView]
    loss: Loss
    diverged: Divergence | None
    iteration: int = 1
    history: LossHistory | None = None
    batch: BatchInfo | None = None  # mini-batches: the batch this iteration updates on


# ── check my working ─────────────────────────────────────────────────────────


@dataclass(slots=True)
class WorksheetItem:
    key: str  # quantity:target, e.g. grad:W1_0_0
    target: str
    quantity: str
    label: Label
    step: int  # the fine step that completes it


@dataclass(slots=True)
class Dependency:
    key: str
    label: str
    value: float  # the engine's


@dataclass(slots=True)
class CheckedEntry:
    key: str
    target: str
    quantity: str
    label: Label
    step: int
    yours: float
    decimals: int
    status: str  # correct, slip or inherited
    correct: float  # the engine's value
    from_yours: float  # what the student's own earlier numbers give
    inherited_from: list[str]
    depends_on: list[Dependency]
    explanation: dict
    your_explanation: dict | None = None
    message: str = ""


@dataclass(slots=True)
class CheckResult:
    summary: str
    first_slip: str | None
    slips: list[str]
    inherited: list[str]
    affected: list[str]
    entries: list[CheckedEntry]
