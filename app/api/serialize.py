"""Engine objects to JSON: the one place where a non-finite number becomes null.

JSON has no NaN or Infinity (browsers reject them), so every float the engine computed passes
through `plain`, which also turns dataclasses into objects (keys in field order), NumPy arrays into
nested lists and NumPy scalars into numbers. `dump` writes the result as compact UTF-8 JSON.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np

_ATOMS = (str, int, bool, type(None))
_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass's field names, looked up once per type


def number(v: float) -> float | None:
    """A float, or None where it is not finite."""
    return v if math.isfinite(v) else None


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
    names = _FIELDS.get(t)
    if names is not None:
        return {k: plain(getattr(obj, k)) for k in names}
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
        _FIELDS[type(obj)] = tuple(f.name for f in fields(obj))
        return plain(obj)
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(x) for x in obj]
    raise TypeError(f"{type(obj).__name__} is not JSON: the engine returns plain objects")


def dump(obj: Any) -> bytes:
    """`obj` as compact UTF-8 JSON. The engine's objects have exactly the response models' shape
    (the API tests check every kind of answer against them), so large answers skip a second
    validation pass over tens of thousands of entries."""
    return json.dumps(
        plain(obj), allow_nan=False, ensure_ascii=False, separators=(",", ":")
    ).encode()
