"""A network lesson's scenario (layers, parameters, data) and the presets that carry one."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, create_model, model_validator

from app.api.schemas.common import (
    Activation,
    Finite,
    Integer,
    LossName,
    Row,
    Strict,
    integer,
    rules,
)
from app.engine.batches import effective
from app.engine.presets import PRESETS
from app.engine.registry import ACTIVATIONS, OPTIMIZERS
from app.limits import MAX_ABS, MAX_LAYERS, MAX_LEARNING_RATE, MAX_SAMPLES, MAX_WIDTH


class InitSpec(Strict):
    scheme: Literal["normal", "xavier", "he", "uniform"] = Field(
        "normal",
        description=(
            "normal: randn(out, in)·scale per layer in order (the tutorial's); xavier: Glorot "
            "uniform; he: randn·√(2/in); uniform: U(−scale, scale). Biases start at zero."
        ),
    )
    seed: Integer = Field(0, ge=0, le=2**32 - 1, description="NumPy RandomState seed.")
    scale: Finite = Field(0.5, gt=0, le=100, description="Used by normal and uniform.")


class OptimizerBase(Strict):
    """An optimizer of the update phase and its hyperparameters (PyTorch's names and defaults)."""

    @model_validator(mode="after")
    def _rules(self) -> OptimizerBase:
        problem = OPTIMIZERS[self.name].check(self.model_dump())  # type: ignore[attr-defined]
        if problem:
            raise ValueError(problem)
        return self


def _optimizer_model(opt) -> type[OptimizerBase]:
    """The request model of one registered optimizer, from its hyperparameters."""
    fields: dict = {"name": (Literal[opt.name], Field(..., description=opt.title))}
    for h in opt.hypers:
        bounds = {k: getattr(h, k) for k in ("ge", "gt", "le", "lt") if getattr(h, k) is not None}
        if h.kind == "bool":
            fields[h.name] = (StrictBool, Field(h.default, description=h.description))
        elif h.kind == "pair":
            item = Annotated[Finite, Field(**bounds)]
            fields[h.name] = (
                list[item],
                Field(list(h.default), min_length=2, max_length=2, description=h.description),
            )
        else:
            fields[h.name] = (Finite, Field(h.default, description=h.description, **bounds))
    return create_model(
        f"Optimizer{opt.name.title()}",
        __base__=OptimizerBase,
        __doc__=f"torch.optim.{opt.torch}: {opt.title}. Unset fields take PyTorch's defaults.",
        **fields,
    )


OPTIMIZER_MODELS = {name: _optimizer_model(o) for name, o in OPTIMIZERS.items()}
OptimizerSpec = Annotated[
    Union[tuple(OPTIMIZER_MODELS.values())],  # type: ignore[valid-type]  # noqa: UP007
    Field(discriminator="name"),
]


class Scenario(Strict):
    """A whole lesson's network, parameters and data. The answer depends on nothing else."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [PRESETS["tutorial"]["scenario"]],
            **rules(
                "activations: one per non-input layer; softmax only on the output layer",
                "loss and output activation agree: cross_entropy needs softmax, bce needs "
                "sigmoid; a softmax output layer has at least 2 neurons",
                "weights[l-1] is layers[l] × layers[l-1], biases[l-1] has layers[l] values; "
                "biases only with weights",
                "inputs and targets have as many rows, of layers[0] and layers[-1] values",
                "bce targets lie in [0, 1]; cross_entropy targets are non-negative and sum to 1",
                "frozen names tensors of this network: W1…WL and b1…bL, L = len(layers) − 1",
                "optimizer sgd: nesterov needs momentum > 0 and dampening = 0",
                "batch_size ≤ the number of samples (rows of inputs)",
            ),
        },
    )

    kind: Literal["mlp"] = Field(
        "mlp", description='A network (the default); see ExpressionScenario for kind "expression".'
    )
    layers: list[integer(ge=1, le=MAX_WIDTH)] = Field(
        ...,
        min_length=2,
        max_length=MAX_LAYERS + 1,
        description=f"Neurons per layer, input layer first: 2 to {MAX_LAYERS + 1} entries, "
        f"each 1 to {MAX_WIDTH}.",
    )
    activations: list[Activation] = Field(
        ...,
        description=(
            "One per non-input layer, from the engine's registry (app/engine/registry/). softmax "
            "only on the output layer; gelu is the tanh form (PyTorch's approximate='tanh'); elu "
            "has α = 1; leaky_relu's slope is leaky_slope."
        ),
    )
    loss: LossName = Field(
        "mse",
        description="mse: mean over samples of ½·Σ(ŷ − y)²; bce: binary cross-entropy (sigmoid "
        "output); cross_entropy: goes with a softmax output.",
    )
    weights: list[list[Row]] | None = Field(
        None,
        description="W{l} per layer, shape (layers[l], layers[l−1]); omit to use `init`. "
        f"|value| ≤ {MAX_ABS:g}.",
    )
    biases: list[Row] | None = Field(
        None, description="b{l} per layer, length layers[l]; zeros when omitted."
    )
    init: InitSpec | None = Field(None, description="How to draw weights when none are given.")
    inputs: list[Row] = Field(
        ...,
        min_length=1,
        max_length=MAX_SAMPLES,
        description=f"Samples × layers[0], 1 to {MAX_SAMPLES} samples.",
    )
    targets: list[Row] = Field(
        ..., min_length=1, max_length=MAX_SAMPLES, description="Samples × layers[-1]."
    )
    learning_rate: Finite = Field(0.5, ge=0, le=MAX_LEARNING_RATE, description="η.")
    frozen: list[Annotated[str, Field(pattern=r"^[Wb][0-9]{1,2}$")]] = Field(
        default_factory=list,
        max_length=2 * MAX_LAYERS,
        description='Tensors the update leaves alone, e.g. ["b1"]; their gradients are still shown.',
    )
    leaky_slope: Finite = Field(0.01, ge=0, lt=1, description="Slope of leaky_relu for z < 0.")
    optimizer: OptimizerSpec | None = Field(
        None,
        description="How the update phase moves the parameters, by `name` from the engine's "
        "registry (app/engine/registry/optimizers.py): sgd (momentum, dampening, nesterov, "
        "weight_decay), rmsprop, adam, adamw, with torch.optim's formulas and defaults; "
        "learning_rate is η. Omitted: plain SGD, θ ← θ − η·∂L/∂θ.",
    )

    batch_size: integer(ge=1, le=MAX_SAMPLES) | None = Field(
        None,
        description="Mini-batches: each iteration (one update) takes this many samples, the mean "
        "loss and gradient over them only, in the order a seeded shuffle gives each epoch (the "
        "same as /api/train's with this batch_size and shuffle_seed); the last batch of an epoch "
        f"holds the rest when it does not divide the samples. 1 to the number of samples (≤ "
        f"{MAX_SAMPLES:,}). Omitted, or the number of samples: full batch, every sample in order.",
    )
    shuffle_seed: Integer = Field(
        0,
        ge=0,
        le=2**32 - 1,
        description="Mini-batches: the seed of the shuffle (np.random.RandomState(shuffle_seed), "
        "one permutation per epoch), 0 to 4294967295; no effect for full batch.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        layers = self.layers
        depth = len(layers) - 1
        if len(self.activations) != depth:
            raise ValueError(
                f"activations has {len(self.activations)} entries; layers {layers} needs {depth} "
                "(one per non-input layer)"
            )
        for l, act in enumerate(self.activations[:-1], start=1):
            if ACTIVATIONS[act].output_only:
                raise ValueError(
                    f"activations[{l - 1}] is {act}: {act} is for the output layer only"
                )
        out_act = self.activations[-1]
        if self.loss == "cross_entropy" and out_act != "softmax":
            raise ValueError("loss cross_entropy needs a softmax output layer (activations[-1])")
        if out_act == "softmax" and self.loss == "bce":
            raise ValueError("a softmax output goes with loss cross_entropy (or mse), not bce")
        if out_act == "softmax" and layers[-1] < 2:
            raise ValueError("a softmax output layer needs at least 2 neurons (layers[-1])")
        if self.loss == "bce" and out_act != "sigmoid":
            raise ValueError(
                "loss bce needs a sigmoid output layer (activations[-1]), whose values are probabilities"
            )
        self._check_params()
        check_data(self.layers, self.loss, self.inputs, self.targets)
        if self.batch_size is not None and self.batch_size > len(self.inputs):
            raise ValueError(
                f"batch_size is {self.batch_size} but the scenario has {len(self.inputs)} samples: "
                f"batch_size must be 1 to {len(self.inputs)} (omit it for full batch)"
            )
        names = {f"{t}{l}" for l in range(1, depth + 1) for t in "Wb"}
        for i, name in enumerate(self.frozen):
            if name not in names:
                raise ValueError(
                    f"frozen[{i}] is {name!r}: not a tensor of this network ({', '.join(sorted(names))})"
                )
        return self

    def _check_params(self) -> None:
        layers = self.layers
        if self.weights is None:
            if self.biases is not None:
                raise ValueError(
                    "biases were given without weights: give both, or neither and an init"
                )
            return
        if len(self.weights) != len(layers) - 1:
            raise ValueError(
                f"weights has {len(self.weights)} layers; layers {layers} needs {len(layers) - 1}"
            )
        for l, W in enumerate(self.weights, start=1):
            rows, cols = layers[l], layers[l - 1]
            if len(W) != rows or any(len(r) != cols for r in W):
                got = (
                    f"{len(W)}×{len(W[0]) if W else 0}"
                    if all(len(r) == len(W[0]) for r in W)
                    else "ragged"
                )
                raise ValueError(
                    f"weights[{l - 1}] (W{l}) must be {rows}×{cols} (layers[{l}] × layers[{l - 1}]), got {got}"
                )
        if self.biases is not None:
            if len(self.biases) != len(layers) - 1:
                raise ValueError(
                    f"biases has {len(self.biases)} layers; layers {layers} needs {len(layers) - 1}"
                )
            for l, b in enumerate(self.biases, start=1):
                if len(b) != layers[l]:
                    raise ValueError(
                        f"biases[{l - 1}] (b{l}) must have {layers[l]} values, got {len(b)}"
                    )

    @property
    def neurons(self) -> int:
        return sum(self.layers)

    @property
    def batch_rows(self) -> int:
        """Samples a lesson's graph holds: one batch (mini-batches) or all of them."""
        return effective(len(self.inputs), self.batch_size)


def check_data(
    layers: list[int], loss: str, inputs: list, targets: list, names=("inputs", "targets")
) -> None:
    """Rows against the network: as many targets as inputs, each row as wide as its layer, and
    targets the loss can take. `names` are the fields the rows came from."""
    x, y = names
    if len(targets) != len(inputs):
        raise ValueError(f"{y} has {len(targets)} rows but {x} has {len(inputs)} samples")
    for s, row in enumerate(inputs):
        if len(row) != layers[0]:
            raise ValueError(f"{x}[{s}] has {len(row)} values; layers[0] is {layers[0]}")
    for s, row in enumerate(targets):
        if len(row) != layers[-1]:
            raise ValueError(f"{y}[{s}] has {len(row)} values; layers[-1] is {layers[-1]}")
        if loss == "bce" and any(not 0 <= v <= 1 for v in row):
            raise ValueError(f"{y}[{s}]: bce targets are probabilities in [0, 1]")
        if loss == "cross_entropy" and (any(v < 0 for v in row) or abs(sum(row) - 1) > 1e-6):
            raise ValueError(
                f"{y}[{s}]: cross_entropy targets are a distribution over classes "
                "(non-negative, summing to 1), e.g. one-hot"
            )


class PresetSummary(BaseModel):
    id: str
    title: str
    description: str


class Preset(PresetSummary):
    scenario: Scenario
