"""The block form of /api/graph (`"format": "blocks"`): a network's graph as its layers.

A dense network's graph is the same few rules applied to every layer (app.engine.network
build_nodes): per layer l and neuron j, the weights W{l}_{j}_{k} (k over the layer before), the
bias b{l}_{j}, z{l}_{j} (a weighted sum of the layer before, its weights and bias) and a{l}_{j};
then the targets y{j} and the loss L. Its edges are its nodes' inputs, its parameters its
parameter nodes. Written out, the 10 × 64 network's graph is 43,009 nodes, 83,328 edges and 41,600
parameters: ~12 MB and a second of the server's time, though all it holds beyond its layers is
the parameters' values. Here it is those, in O(layers) words and one number per parameter:

    {"network": {"layers": [2, 2, 1], "activations": ["sigmoid", "sigmoid"], "coupled": [false,
     false], "loss": "mse", "frozen": []}, "values": [...], "plan": {...}, "batch": null}

`values` are the parameters' starting values in the graph's parameter order (per layer, per
neuron j: W[j][0…], then b[j]); `coupled[l-1]` says layer l's activation reads every z of the
layer (softmax: its a's come after all its z's). The labels are the text names of
app.engine.notation. static/js/graph-blocks.js expands this into exactly the answer of
`"format": "objects"` with `"labels": "text"` (tests/js/graph-blocks.test.mjs,
tests/api/test_blocks.py hold them equal). Only a network's graph asked with `"labels": "text"`,
not expanded, has this form; any other graph asked for as blocks comes as columns
(app/api/columns.py), which the same decoder reads."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from app.api.columns import dump_columns, text
from app.api.convert import built_lesson, lesson_for, spec_at
from app.api.schemas.expressions import ExpressionScenario
from app.api.schemas.scenario import Scenario
from app.api.serialize import plain
from app.engine import dense_plan
from app.engine.lesson import Lesson
from app.engine.lesson_views import plan_info
from app.engine.network import MLPSpec
from app.engine.registry.activations import ACTIVATIONS

MEDIA_TYPE = "application/vnd.backstep.blocks+json"


def graph_blocks(
    sc: Scenario | ExpressionScenario, expand: bool, labels: str, iteration: int, key: str
) -> bytes:
    """/api/graph's answer in the block form. A network's first iteration, full batch, needs no
    lesson for it: its values are its scenario's and its plan's outline follows from its layers
    (app.engine.dense_plan), so the graph is answered at once. Its first step, asked for at the
    same time, is written from the scenario too (app/api/first_step.py); the lesson is built
    when a later step needs it, or ahead of it a second after that first step."""
    if isinstance(sc, Scenario) and not expand and labels == "text" and iteration == 1:
        if built_lesson(key) is None:
            spec, adv = spec_at(sc)
            if adv is None:  # else mini-batches: the lesson says which batch
                return spec_blocks(spec, key)
    return dump_blocks(lesson_for(sc, expand, key, iteration), labels, expand)


def _network(spec: MLPSpec, frozen) -> dict:
    return {
        "layers": list(spec.layers),
        "activations": list(spec.activations),
        "coupled": [ACTIVATIONS[a].output_only for a in spec.activations],
        "loss": spec.loss,
        "frozen": sorted(frozen),
    }


def spec_blocks(spec: MLPSpec, key: str | None = None) -> bytes:
    """The block form of the lesson Lesson.from_spec(spec) would build, without building it
    (`key`: its lesson key, under which its values are kept written: values_text)."""
    network = _network(spec, spec.frozen)
    plan = dense_plan.plan_info(
        spec.layers, network["coupled"], spec.frozen, int(spec.inputs.shape[0])
    )
    # as text(body) writes {"network", "values", "plan", "batch": None}, one part at a time
    parts = (("network", text(network)), ("values", values_text(spec, key)))
    parts += (("plan", text(plain(plan))), ("batch", "null"))
    return ("{" + ",".join(f'"{k}":{v}' for k, v in parts) + "}").encode()


# The parameters' starting values written, by lesson key: /api/graph's block form and a first
# step (app.api.first_step) both write them, and the page asks for both at once. Written once,
# by one request while the other waits for them (under the interpreter lock, two writing at once
# would take as long as one after the other): ~50 ms for the 10 × 64 network's 41,600.
_VALUES: OrderedDict[str, str] = OrderedDict()
_VALUES_KEPT = 4  # the largest network's are 0.8 MB
_VALUES_LOCK = threading.Lock()


def values_text(spec: MLPSpec, key: str | None = None) -> str:
    """The spec's parameters' starting values as JSON (non-finite ones null), in the graph's
    order: per layer, per neuron j, W[j][0…] then b[j]. Kept under `key`, if given."""
    if key is None:
        return _values_text(spec)
    with _VALUES_LOCK:
        text = _VALUES.get(key)
        if text is None:
            text = _VALUES[key] = _values_text(spec)
            while len(_VALUES) > _VALUES_KEPT:
                _VALUES.popitem(last=False)
        return text


def _values_text(spec: MLPSpec) -> str:
    values = np.concatenate(
        [np.hstack([w, b[:, None]]).ravel() for w, b in zip(spec.weights, spec.biases, strict=True)]
    )
    return text(plain(values))


def dump_blocks(lesson: Lesson, labels: str, expand: bool) -> bytes:
    """The lesson's graph in the block form, or in the column form where blocks do not apply."""
    spec = lesson.spec
    if spec is None or expand or labels != "text":
        return dump_columns(lesson.describe(labels))
    g = lesson.graph
    return text(
        {
            "network": _network(spec, lesson.frozen),
            "values": plain(g.init[g.params]),
            "plan": plain(plan_info(lesson)),
            "batch": plain(lesson.batch),
        }
    ).encode()


def schema() -> dict:
    """The OpenAPI schema of the block form (documented beside the usual answer)."""
    return {
        "title": "GraphResponseBlocks",
        "type": "object",
        "description": 'GraphResponse with `"format": "blocks"`, for a network asked with '
        '`"labels": "text"`, not expanded: `network` (its layers, each layer\'s activation, '
        "whether it couples the layer (softmax), the loss, the frozen tensors) and `values` "
        "(the parameters' starting values, in the usual answer's parameter order) stand for "
        "`nodes`, `edges` and `parameters`, which follow from them (the README's Notation; "
        "static/js/graph-blocks.js). Any other graph comes in the column form "
        "(GraphResponseColumns).",
        "properties": {
            "network": {
                "type": "object",
                "required": ["layers", "activations", "coupled", "loss", "frozen"],
                "properties": {
                    "layers": {"type": "array", "items": {"type": "integer"}},
                    "activations": {"type": "array", "items": {"type": "string"}},
                    "coupled": {"type": "array", "items": {"type": "boolean"}},
                    "loss": {"type": "string"},
                    "frozen": {"type": "array", "items": {"type": "string"}},
                },
            },
            "values": {"type": "array", "items": {"type": ["number", "null"]}},
        },
        "additionalProperties": True,
    }
