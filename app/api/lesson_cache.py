"""Lessons (graph + stepping plan) built once per distinct scenario and shared by later requests.

Building the structure is most of a step's cost for large networks (≈1.5 s of the largest), and a
Lesson is read-only once built: `Lesson.at` works on a fresh State each time, so every step is
still computed from the scenario, as before. Responses are not cached."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from app.api.convert import to_spec
from app.api.schemas import Scenario
from app.engine.lesson import Lesson

# Graph nodes kept per worker process: ≈2 of the largest networks (≈50 MB each), or thousands
# of tutorial-sized lessons. Least recently used lessons go first.
MAX_CACHED_NODES = 100_000

_lock = threading.Lock()  # sync routes run in a thread pool
_lessons: OrderedDict[str, Lesson] = OrderedDict()
_sizes: dict[str, int] = {}


def lesson_for(scenario: Scenario) -> Lesson:
    key = hashlib.blake2b(scenario.model_dump_json().encode(), digest_size=16).hexdigest()
    with _lock:
        if (hit := _lessons.get(key)) is not None:
            _lessons.move_to_end(key)
            return hit
    lesson = Lesson.from_spec(to_spec(scenario))
    size = len(lesson.graph.nodes)
    if size <= MAX_CACHED_NODES:
        with _lock:
            _lessons[key], _sizes[key] = lesson, size
            while sum(_sizes.values()) > MAX_CACHED_NODES:
                old, _ = _lessons.popitem(last=False)
                del _sizes[old]
    return lesson


def cached_nodes() -> int:
    with _lock:
        return sum(_sizes.values())


def clear() -> None:
    with _lock:
        _lessons.clear()
        _sizes.clear()
