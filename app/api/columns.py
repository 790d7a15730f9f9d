"""The compact, column-wise answer of /api/graph and /api/step (`"format": "columns"`).

A large network's answer is a long list of small objects (the 10 × 64 network: 43,009 nodes,
83,328 edges, 40,960 parameters) whose keys are written once per row: 25 MB for its graph, most
of it keys, and seconds to build row by row. Here each such list is one object of columns, a key
once and its values in row order:

    "nodes": {"length": 2, "columns": {"id": ["x0", "x1"], "value": [0.5, null], ...}}

Everything else in the answer is as in the usual format, so row i of the usual answer is
`{k: columns[k][i] for k in columns}` (static/js/api.js `fromColumns` does exactly that; the
tests check the two formats decode to the same values). A column of objects that all have the
same keys (the labels: {text, latex, mathml}) is itself {length, columns}. Values are the usual
format's: floats that are not finite become null."""

from __future__ import annotations

import json
import math
import typing
from collections.abc import Callable, Iterable
from dataclasses import fields
from operator import attrgetter
from typing import Any

from app.api.serialize import AS_IS, NUMBER_TYPES, plain

MEDIA_TYPE = "application/vnd.backstep.columns+json"
ROWS = ("nodes", "edges", "parameters")  # the answers' long lists, written as columns


def columns(rows: list) -> dict:
    """A list of dataclass rows (all of one type) as {"length", "columns"}."""
    if not rows:
        return {"length": 0, "columns": {}}
    cls = type(rows[0])
    hints = typing.get_type_hints(cls)
    out: dict[str, list] = {}
    for f in fields(cls):
        col = list(map(attrgetter(f.name), rows))
        hint = hints.get(f.name)
        if hint in NUMBER_TYPES:
            col = finite(col)
        elif hint not in AS_IS:
            col = _nested(plain(col))
        out[f.name] = col
    return {"length": len(rows), "columns": out}


def finite(col: list) -> list:
    """A column of numbers (or None) with those that are not finite as null."""
    isfinite = math.isfinite
    if all(v is None or isfinite(v) for v in col):
        return col
    return [v if v is None or isfinite(v) else None for v in col]


def text(value: Any) -> str:
    """A value as the column format (and the block form, app/api/blocks.py) writes it: compact
    JSON, UTF-8 as it is, never NaN."""
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def _nested(col: list) -> list | dict:
    """A column of objects with the same keys (labels: {text, latex, mathml}) as columns too."""
    if not col or type(col[0]) is not dict:
        return col
    keys = list(col[0])
    if not all(type(v) is dict and list(v) == keys for v in col):
        return col
    return {"length": len(col), "columns": {k: _nested([v[k] for v in col]) for k in keys}}


def rows(block: dict) -> list[dict]:
    """{length, columns} back to its rows (a column may be {length, columns} itself)."""
    cols = {
        k: rows(v) if isinstance(v, dict) and "columns" in v else v
        for k, v in block["columns"].items()
    }
    return [{k: cols[k][i] for k in cols} for i in range(block["length"])]


def dump_columns(answer: Any) -> bytes:
    """A GraphView or StepAnswer in the column format, as compact UTF-8 JSON."""
    body = {}
    for f in fields(answer):
        value = getattr(answer, f.name)
        body[f.name] = columns(value) if f.name in ROWS else plain(value)
    return text(body).encode()


# The one loop that writes an answer whose long lists are written already (the packed form,
# app/api/packed.py, and a first step's, app/api/first_step.py, from the lesson's rows or from
# the network's shape with no rows at all: a first step's point is no lesson). Two writers stay
# apart for speed: dump_columns above hands its whole body to the encoder at once (through
# write_answer, 10 % slower on the 10 × 64 network: bench/writers_bench.py), and the usual
# format's /api/step (app.api.serialize dump_step) writes each row's text directly, the hot path
# of every small lesson.
def write_answer(answer: Any, long_list: Callable[[str, list], str]) -> bytes:
    """A GraphView or StepAnswer as compact UTF-8 JSON: each of its ROWS as `long_list(name,
    rows)` writes it (JSON text), every other field as the column format writes it."""
    parts = []  # joined once: a long list's text (MBs) is not copied into a part of its own
    for f in fields(answer):
        value = getattr(answer, f.name)
        written = long_list(f.name, value) if f.name in ROWS else text(plain(value))
        parts += (",", text(f.name), ":", written)
    parts[0] = "{"
    parts.append("}")
    return "".join(parts).encode()


def block_text(length: int, cols: Iterable[tuple[str, str]]) -> str:
    """{"length": n, "columns": {...}} with each column's values written already."""
    inner = ",".join(f"{text(k)}:{v}" for k, v in cols)
    return f'{{"length":{length},"columns":{{{inner}}}}}'


def from_columns(answer: dict) -> dict:
    """The usual format of a column-format answer (what the page's decoder does), for tests."""
    out = dict(answer)
    for key in ROWS:
        block = answer.get(key)
        if isinstance(block, dict) and "columns" in block:
            out[key] = rows(block)
    return out


def schema(name: str) -> dict:
    """The OpenAPI schema of a column-format answer (documented beside the usual one)."""
    column_set = {
        "type": "object",
        "required": ["length", "columns"],
        "properties": {
            "length": {"type": "integer", "minimum": 0},
            "columns": {
                "type": "object",
                "additionalProperties": {"type": ["array", "object"]},
                "description": "Each field of the usual format's rows: its values, in row order; "
                "a field whose values are objects with the same keys is {length, columns} itself.",
            },
        },
    }
    return {
        "title": f"{name}Columns",
        "type": "object",
        "description": f'{name} with `"format": "columns"`: as the usual answer, but `nodes`, '
        "`edges` and `parameters` (those it has) are each {length, columns}: row i is "
        "{field: columns[field][i]} (a column that is {length, columns} itself decoded first, "
        "likewise). A fraction of the size for a large network.",
        "properties": {k: column_set for k in ROWS},
        "additionalProperties": True,
    }
