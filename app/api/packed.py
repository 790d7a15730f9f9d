"""The packed form of /api/graph and /api/step (`"format": "packed"`): the column form
(app/api/columns.py) with its redundancy written once.

A large network's columns repeat themselves: its first step's parameters have `old` equal to
`value`, four columns of nulls and `grad_parts` [0, 1] 41,600 times, and ids that count
(W1_0_0, W1_0_1, ...). Here a column of a {length, columns} block is, besides a list of its values
(or a {length, columns} block itself, as in the column form), one of:

    {"same": v}                                    every one of the block's `length` values is v
    {"as": "value"}                                equal to that column of the same block
    {"parts": [part, ...]}                         its parts one after the other, each one
        [v, ...]                                   these values
        {"repeat": [v, ...], "times": k}           these values, k times over
        {"count": ["z1_", "a1_"], "from": 0, "to": 2}   z1_0, a1_0, z1_1, a1_1: each prefix
                                                   followed by i, for i from `from` to `to` − 1

A column named by "as" is never itself an "as"; it may come before or after the column that names
it (the first step writes "old" as "value" ahead of "value"), so a decoder writes out the other
columns first. Every value is written by the same JSON writer as
in the other forms, so a decoder gives back the column form's values exactly:
static/js/api.js `fromPacked`, and `unpack` below (the tests hold both equal to the usual answer).
Every encoding made here (`pack_block`) is checked against the column's own text before it is
sent; app/api/first_step.py writes a network's first step packed from the scenario alone, and is
held to the column form by tests/api/test_packed.py."""

from __future__ import annotations

import json
from itertools import compress
from operator import eq, ne, sub
from typing import Any

from app.api.columns import ROWS, block_text, columns, from_columns, text, write_answer

MEDIA_TYPE = "application/vnd.backstep.packed+json"
MIN_RUN = 8  # equal values in a row written as one repeat (a repeat costs ~25 bytes)
MIN_COUNT = 4  # counted names in a row written as one count


def dump_packed(answer: Any) -> bytes:
    """A GraphView or StepAnswer in the packed form, as compact UTF-8 JSON."""
    return write_answer(answer, lambda _, rows: pack_block(columns(rows)))


def pack_block(block: dict) -> str:
    """{length, columns} (app.api.columns `columns`) written in the packed form."""
    written: dict[str, str] = {}  # the text of each column that is not an "as", by name
    out = []
    for name, col in block["columns"].items():
        if isinstance(col, dict):  # a column of labels: a block itself
            out.append((name, pack_block(col)))
            continue
        t = text(col)
        twin = next((k for k, v in written.items() if v == t), None)
        if twin is not None:
            out.append((name, f'{{"as":{text(twin)}}}'))
            continue
        written[name] = t
        out.append((name, pack_column(col, t)))
    return block_text(block["length"], out)


def pack_column(col: list, t: str | None = None) -> str:
    """One column's values (`t`: their JSON text, if written already) in the packed form: the
    shortest of the encodings tried, each checked against `t`, or `t` itself."""
    if t is None:
        t = text(col)
    n = len(col)
    if n < 2:
        return t
    first = text(col[0])
    if col.count(col[0]) == n and t == "[" + ",".join([first] * n) + "]":
        return f'{{"same":{first}}}'
    best = t
    runs = _runs(col)
    if runs is not None and text(_expand(runs)) == t:
        best = _parts_text(runs)
    if _all_str(col):
        counted = _counted(t)
        if counted is not None and len(counted) < len(best):
            best = counted
    return best


def _all_str(col: list) -> bool:
    return set(map(type, col)) == {str}


def _runs(col: list) -> list | None:
    """The column as literal stretches and repeats of equal values (MIN_RUN or more in a row),
    or None when it has no such run. Found by C-level passes, not a Python loop per value."""
    n = len(col)
    if not any(map(eq, col, col[MIN_RUN - 1 :])):  # first and last of a run: no run (C speed)
        return None
    bounds = [0, *compress(range(1, n), map(ne, col[1:], col[:-1])), n]
    lengths = list(map(sub, bounds[1:], bounds[:-1]))
    long = list(compress(range(len(lengths)), map(MIN_RUN.__le__, lengths)))
    if not long:
        return None
    parts: list = []
    at = 0
    for i in long:
        start = bounds[i]
        if start > at:
            parts.append(col[at:start])
        parts.append({"repeat": [col[start]], "times": lengths[i]})
        at = bounds[i + 1]
    if at < n:
        parts.append(col[at:])
    return parts


_DIGITS = "0123456789"


# the last few columns of names counted (text, counted form), newest first: a lesson's every
# step lists the same ids, whose text is up to about 1 MB (the 10 × 64 network's parameters)
_KEPT: tuple[tuple[str, str | None], ...] = ()
KEPT_COUNTS = 4


def _counted(t: str) -> str | None:
    """A column of names (its text `t`) written with counts, checked against `t`, or None. Kept
    by text, found by equality rather than by hash: each answer writes its ids' text anew, and a
    hash reads every character of a new str, where == compares the lengths, then the memory
    (5-10 times faster on the 10 × 64 network's 0.45 MB of parameter ids)."""
    global _KEPT
    kept = _KEPT  # one tuple, replaced whole: threads writing answers at once read it safely
    for i, (old, counted) in enumerate(kept):
        if old == t:
            if i:  # the most recently used first
                _KEPT = ((old, counted), *kept[:i], *kept[i + 1 :])
            return counted
    parts = _counts(json.loads(t))
    counted = _parts_text(parts) if parts is not None and text(_expand(parts)) == t else None
    _KEPT = ((t, counted), *kept[: KEPT_COUNTS - 1])
    return counted


def _counts(col: list[str]) -> list | None:
    """A column of names as literal stretches and counts (z1_0, a1_0, z1_1, ...:
    one or two prefixes, each followed by the same number, counting up by one), or None when
    nothing counts. Each name's prefix and number are found by comprehensions; the loops below
    walk the names once more to find where each count starts and ends."""
    n = len(col)
    heads = [s.rstrip(_DIGITS) for s in col]
    nums = [_number(s[len(h) :]) for s, h in zip(col, heads, strict=True)]
    # ahead[k][i]: names from i on that each follow the name k before them (same prefix, + 1)
    ahead = []
    for k in (1, 2):
        follows = [False] * k + [
            b is not None and a is not None and b == a + 1 and q == p
            for p, q, a, b in zip(heads, heads[k:], nums, nums[k:], strict=False)
        ]
        run = [1] * n
        for i in range(n - k - 1, -1, -1):
            if follows[i + k]:
                run[i] = run[i + k] + 1
        ahead.append(run)
    parts: list = []
    literal: list = []
    i = 0
    while i < n:
        single = ahead[0][i] if nums[i] is not None else 0
        pairs = 0
        if (
            i + 1 < n
            and nums[i] is not None
            and nums[i + 1] == nums[i]
            and heads[i] != heads[i + 1]
        ):
            pairs = min(ahead[1][i], ahead[1][i + 1])
        k, m = (2, pairs) if 2 * pairs > single else (1, single)
        if k * m >= MIN_COUNT:
            if literal:
                parts.append(literal)
                literal = []
            parts.append({"count": heads[i : i + k], "from": nums[i], "to": nums[i] + m})
            i += k * m
        else:
            literal.append(col[i])
            i += 1
    if literal:
        parts.append(literal)
    return parts if any(isinstance(p, dict) for p in parts) else None


def _number(digits: str) -> int | None:
    """The number a name ends with, written as str(int) writes it (no leading zero), or None."""
    if not digits or (digits[0] == "0" and len(digits) > 1):
        return None
    return int(digits)


def _parts_text(parts: list) -> str:
    return '{"parts":' + text(parts) + "}"


def _expand(parts: list) -> list:
    """The values of a column's parts."""
    out: list = []
    for part in parts:
        if isinstance(part, list):
            out += part
        elif "repeat" in part:
            out += part["repeat"] * part["times"]
        else:
            out += [p + str(i) for i in range(part["from"], part["to"]) for p in part["count"]]
    return out


def _own(value: Any) -> Any:
    """A copy of a decoded JSON value whose lists and objects are its own (numbers, strings and
    None are immutable, so shared)."""
    kind = type(value)
    if kind is list:
        return [_own(v) for v in value]
    if kind is dict:
        return {k: _own(v) for k, v in value.items()}
    return value


def unpack_block(block: dict) -> dict:
    """A packed {length, columns} as the column form's (for tests: static/js/api.js decodes)."""
    n = block["length"]
    cols: dict[str, Any] = {}
    for name, col in block["columns"].items():
        if isinstance(col, list):
            cols[name] = col
        elif "columns" in col:
            cols[name] = unpack_block(col)
        elif "same" in col:
            cols[name] = [_own(col["same"]) for _ in range(n)]
        elif "parts" in col:  # a repeated list or object: each row its own, as with "same"
            cols[name] = [_own(v) for v in _expand(col["parts"])]
        else:
            cols[name] = None  # an "as": filled below, from the column it names
    for name, col in block["columns"].items():
        if isinstance(col, dict) and "as" in col:
            twin = block["columns"][col["as"]]
            if isinstance(twin, dict) and "as" in twin:
                raise ValueError(f"{name} is as {col['as']}, itself an as")
            cols[name] = _own(cols[col["as"]])
    for name, values in cols.items():
        if isinstance(values, list) and len(values) != n:
            raise ValueError(f"column {name} has {len(values)} values, not {n}")
    return {"length": n, "columns": cols}


def unpack(answer: dict) -> dict:
    """The usual format of a packed answer (what the page's decoder does), for tests."""
    out = dict(answer)
    for key in ROWS:
        block = answer.get(key)
        if isinstance(block, dict) and "columns" in block:
            out[key] = unpack_block(block)
    return from_columns(out)


def schema(name: str) -> dict:
    """The OpenAPI schema of a packed answer (documented beside the usual one)."""
    values = {"type": "array"}
    part = {
        "oneOf": [
            values,
            {
                "type": "object",
                "required": ["repeat", "times"],
                "properties": {"repeat": values, "times": {"type": "integer", "minimum": 0}},
            },
            {
                "type": "object",
                "required": ["count", "from", "to"],
                "properties": {
                    "count": {"type": "array", "items": {"type": "string"}},
                    "from": {"type": "integer", "minimum": 0},
                    "to": {"type": "integer", "minimum": 0},
                },
            },
        ]
    }
    column_set = {
        "type": "object",
        "required": ["length", "columns"],
        "properties": {
            "length": {"type": "integer", "minimum": 0},
            "columns": {
                "type": "object",
                "additionalProperties": {
                    "anyOf": [
                        values,
                        {"type": "object", "required": ["length", "columns"]},
                        {"type": "object", "required": ["same"]},
                        {
                            "type": "object",
                            "required": ["as"],
                            "properties": {"as": {"type": "string"}},
                        },
                        {
                            "type": "object",
                            "required": ["parts"],
                            "properties": {"parts": {"type": "array", "items": part}},
                        },
                    ]
                },
                "description": "Each field of the usual format's rows, in row order: its values; "
                "or {length, columns} (labels); or {same: v}: every value v; or {as: field}: "
                "the values of that field of the same block, before or after it (never itself "
                "an as); or {parts}: its parts one after the other: a list of values, "
                "{repeat: [values], times: k} "
                "(those values k times over), or {count: [prefixes], from: a, to: b} (for i from "
                "a to b − 1, each prefix followed by i in decimal).",
            },
        },
    }
    return {
        "title": f"{name}Packed",
        "type": "object",
        "description": f'{name} with `"format": "packed"`: as with `"format": "columns"`, but a '
        "column whose values are all equal, equal to another column's, repeated or counting "
        "(ids) is written once, as its column description says. The same values: decoded, row "
        "i is {field: columns[field][i]} as in the column form. A fraction of its size for a "
        "large network's steps (static/js/api.js fromPacked decodes it).",
        "properties": {k: column_set for k in ROWS},
        "additionalProperties": True,
    }
