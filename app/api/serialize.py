"""Engine objects to JSON: the one place where a non-finite number becomes null.

JSON has no NaN or Infinity (browsers reject them), so every float the engine computed passes
through `plain`, which also turns dataclasses into objects (keys in field order), NumPy arrays into
nested lists and NumPy scalars into numbers. `dump` writes the result as compact UTF-8 JSON.
"""

from __future__ import annotations

import json
import math
import typing
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from operator import attrgetter
from typing import Any

import numpy as np

from app.engine.answers import Explained, Loss, LossHistory, Rows, StepView

_ATOMS = (str, int, bool, type(None))
# fields whose declared type is JSON already: written as they are
AS_IS = {
    str, int, bool, str | None, int | None, list[int], list[str], list[int] | None, Explained
}  # fmt: skip
NUMBER_TYPES = {float, float | None}
_WRITERS: dict[type, Callable[[Any], dict]] = {}  # one per dataclass, made when first seen


def number(v: float | None) -> float | None:
    """A float, or None where it is not finite."""
    return v if v is None or math.isfinite(v) else None


def plain(obj: Any) -> Any:
    """`obj` as JSON-ready Python values: dicts, lists, str, int, bool, finite floats and None."""
    t = type(obj)
    if t is float:
        return obj if math.isfinite(obj) else None
    if t in _ATOMS:
        return obj
    if t is list or t is tuple:
        return [plain(x) for x in obj]
    if t is dict:
        return {k: plain(v) for k, v in obj.items()}
    write = _WRITERS.get(t)
    if write is not None:
        return write(obj)
    return _rare(obj)


def _rare(obj: Any) -> Any:
    """NumPy values, dataclasses seen for the first time, and subclasses of the atoms."""
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f" and np.isfinite(obj).all():
            return obj.tolist()  # the common case, at C speed
        return plain(obj.tolist())
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return number(float(obj))
    if isinstance(obj, str):
        return str(obj)
    if is_dataclass(obj) and not isinstance(obj, type):
        _WRITERS[type(obj)] = _writer(type(obj))
        return plain(obj)
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(x) for x in obj]
    raise TypeError(f"{type(obj).__name__} is not JSON: the engine returns plain objects")


def _writer(cls: type) -> Callable[[Any], dict]:
    """How to write a dataclass: every field read at once into a dict (keys in field order), then
    only the fields that need it mended, as their declared types say: floats through number(),
    anything not JSON by type through plain(). A large answer has 10⁵ rows, and a loop over every
    field of every row would take several times longer."""
    hints = typing.get_type_hints(cls)
    names = tuple(f.name for f in fields(cls))
    numbers = tuple(k for k in names if hints.get(k) in NUMBER_TYPES)
    others = tuple(k for k in names if hints.get(k) not in NUMBER_TYPES | AS_IS)
    read = attrgetter(*names) if len(names) > 1 else (lambda o: (getattr(o, names[0]),))
    isfinite = math.isfinite

    def write(obj: Any) -> dict:
        out = dict(zip(names, read(obj), strict=True))
        for k in numbers:
            v = out[k]
            if v is not None and not isfinite(v):
                out[k] = None
        for k in others:
            out[k] = plain(out[k])
        return out

    return write


_JSON = json.JSONEncoder(allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def dump(obj: Any) -> bytes:
    """`obj` as compact UTF-8 JSON. The engine's objects have exactly the response models' shape
    (the API tests check every kind of answer against them), so large answers skip a second
    validation pass over tens of thousands of entries."""
    return _JSON.encode(plain(obj)).encode()


def model_json(model: Any, content: Any) -> bytes:
    """`content` validated by the route's response `model` and written as FastAPI writes it (the
    same bytes), so that work in the thread pool leaves nothing heavy for the event loop."""
    return model.model_validate(content).model_dump_json(by_alias=True).encode()


# ── /api/step's answer ──────────────────────────────────────────────────────────
# Its rows (a node's value and gradient, a parameter's old and new values) are most of the
# answer's entries and all of the same few shapes, so they are written directly: each row's
# id and first key once per id (kept), its numbers as json.dumps writes them. The rest goes
# through the same encoder as dump. The bytes are dump(answer)'s (tests/api/test_step_bytes.py).
_ROW_HEADS: dict[tuple[str, str], str] = {}
ROW_HEADS = 8192  # ids kept (the memo is emptied when full)


def _head(kind: str, rid: str) -> str:
    head = _ROW_HEADS.get((kind, rid))
    if head is None:
        if len(_ROW_HEADS) >= ROW_HEADS:
            _ROW_HEADS.clear()
        head = _ROW_HEADS[kind, rid] = f'{{"id":{_JSON.encode(rid)},"{kind}":'
    return head


def _num(v: float | None, isfinite=math.isfinite) -> str:
    """A number as dump writes plain(v): null where it is None or not finite."""
    return "null" if v is None or not isfinite(v) else repr(v)


def _ints(v: list[int]) -> str:
    return f"[{v[0]},{v[1]}]" if len(v) == 2 else "[" + ",".join(map(str, v)) + "]"


def _word(v: str | None) -> str:
    return "null" if v is None else _JSON.encode(v)


def _node_rows(rows: list) -> str:
    num, ints = _num, _ints
    return ",".join([
        f'{_head("value", r.id)}{num(r.value)},"grad":{num(r.grad)},'
        f'"grad_parts":{ints(r.grad_parts)}}}'
        for r in rows
    ])  # fmt: skip


def _param_rows(rows: list) -> str:
    num, ints = _num, _ints
    return ",".join([
        f'{_head("old", r.id)}{num(r.old)},"value":{num(r.value)},"grad":{num(r.grad)},'
        f'"grad_parts":{ints(r.grad_parts)},"update":{num(r.update)},"new":{num(r.new)},'
        f'"direction":{_DIRECTIONS[r.direction] if r.direction in _DIRECTIONS else _word(r.direction)}}}'
        for r in rows
    ])  # fmt: skip


_DIRECTIONS = {None: "null", "up": '"up"', "down": '"down"', "none": '"none"'}  # as _word writes


def dump_step(answer: Any) -> bytes:
    """dump(answer) for a StepAnswer (app.engine.answers): the same bytes, sooner."""
    before, after = _STEP_FIELDS or _step_fields(type(answer))
    if _STEPS_LAST and before == _HEAD:  # its cursors, counts, steps and the rest's count
        head = (
            f'{_head_of(answer)},"steps":[{_step_rows(answer.steps)}],'
            f'"steps_omitted":{_int(answer.steps_omitted)}}}'
        )
    else:
        head = _JSON.encode({k: plain(getattr(answer, k)) for k in before})
    tail = _tail(answer) if after == _TAIL else None
    if tail is None:
        tail = _JSON.encode({k: plain(getattr(answer, k)) for k in after})
    nodes, params = answer.nodes, answer.parameters
    nodes = nodes.json if type(nodes) is Rows else _node_rows(nodes)
    params = params.json if type(params) is Rows else _param_rows(params)
    return f'{head[:-1]},"nodes":[{nodes}],"parameters":[{params}],{tail[1:]}'.encode()


# The explained steps and the answer's end (its loss and history) in their usual shapes, written
# directly as dump writes them: these field lists are checked against the dataclasses below, and
# an answer of another shape (a divergence, a batch) takes dump's way.
_STEP_ROW = (
    "index", "phase", "node", "target", "edge", "value", "contribution", "added", "direction",
    "explanation",
)  # fmt: skip
_TAIL = ("loss", "diverged", "iteration", "history", "batch")
_HEAD = (
    "cursor", "cursors", "total", "granularity", "fine_cursor", "fine_total", "step_range",
    "phase", "sample", "samples", "since", "steps", "steps_omitted",
)  # fmt: skip
_STEPS_LAST = (
    tuple(f.name for f in fields(StepView)) == _STEP_ROW
    and tuple(f.name for f in fields(Loss)) == ("before", "after", "relative_change")
    and tuple(f.name for f in fields(LossHistory)) == ("iterations", "losses", "complete")
)
_text = json.encoder.encode_basestring  # the encoder's own writer of a str (ensure_ascii=False)


def _int(v: int) -> str:
    return str(v) if type(v) is int else _JSON.encode(plain(v))


def _float(v: float | None, isfinite=math.isfinite) -> str:
    """A number as the encoder writes plain(v) (float.__repr__, a NumPy float's too)."""
    return "null" if v is None or not isfinite(v) else float.__repr__(v)


def _head_of(a: Any) -> str:
    """The answer's fields before `steps` as dump writes them (an object left open)."""
    cursors = ",".join([f"{_text(k)}:{_int(v)}" for k, v in a.cursors.items()])
    return (
        f'{{"cursor":{_int(a.cursor)},"cursors":{{{cursors}}},"total":{_int(a.total)},'
        f'"granularity":{_text(a.granularity)},"fine_cursor":{_int(a.fine_cursor)},'
        f'"fine_total":{_int(a.fine_total)},"step_range":[{",".join(map(_int, a.step_range))}],'
        f'"phase":{_text(a.phase)},"sample":{_int(a.sample)},"samples":{_int(a.samples)},'
        f'"since":{"null" if a.since is None else _int(a.since)}'
    )


def _step_rows(rows: list) -> str:
    if not rows or type(rows[0]) is not StepView:
        return _JSON.encode(plain(rows))[1:-1]
    return ",".join([
        f'{{"index":{_int(r.index)},"phase":{_text(r.phase)},"node":{_text(r.node)},'
        f'"target":{_text(r.target)},"edge":{_word(r.edge)},"value":{_float(r.value)},'
        f'"contribution":{"null" if r.contribution is None else _ints(r.contribution)},'
        f'"added":{_float(r.added)},"direction":{_word(r.direction)},'
        f'"explanation":{_explained(r.explanation)}}}'
        for r in rows
    ])  # fmt: skip


def _explained(e: Any) -> str:
    """A step's explanation as dump writes it; written already when it comes as Rows."""
    return e.json if type(e) is Rows else _JSON.encode(e)


def _tail(answer: Any) -> str | None:
    """The answer's end as dump writes it, for a network or expression that did not diverge and
    is not a mini-batch's (None: take dump's way)."""
    loss, history = answer.loss, answer.history
    if not _STEPS_LAST or answer.diverged is not None or answer.batch is not None:
        return None
    if type(loss) is not Loss or (history is not None and type(history) is not LossHistory):
        return None
    if history is None:
        shown = "null"
    else:
        shown = (
            f'{{"iterations":[{",".join(map(_int, history.iterations))}],'
            f'"losses":[{",".join(map(_float, history.losses))}],'
            f'"complete":{"true" if history.complete else "false"}}}'
        )
    return (
        f'{{"loss":{{"before":{_float(loss.before)},"after":{_float(loss.after)},'
        f'"relative_change":{_float(loss.relative_change)}}},"diverged":null,'
        f'"iteration":{_int(answer.iteration)},"history":{shown},"batch":null}}'
    )


_STEP_FIELDS: tuple[tuple[str, ...], tuple[str, ...]] | None = None


def _step_fields(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The answer's fields before `nodes`, and after `parameters` (which follows it)."""
    global _STEP_FIELDS
    names = [f.name for f in fields(cls)]
    at = names.index("nodes")
    assert names[at + 1] == "parameters" and 0 < at and at + 2 < len(names)
    _STEP_FIELDS = (tuple(names[:at]), tuple(names[at + 2 :]))
    return _STEP_FIELDS
