"""Memos of pure functions of a request, bounded by memory: built lessons (graph, plan and the
states they keep) and serialised answers. Any entry can be rebuilt from its request alone, so a
worker that loses them (a restart, another replica) answers the same, only slower."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")
MB = 2**20


class Memo(Generic[V]):
    """Least recently used entries first out, once their sizes add up to more than the budget."""

    def __init__(self, budget: int, size: Callable[[V], int], share: int):
        self.budget = budget
        self.share = share  # an entry over budget / share is not kept: it would evict the rest
        self._size = size
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put(self, key: str, value: V) -> V:
        """Keep `value` unless it alone is over budget / share; returns it."""
        size = self._size(value) + len(key)
        if size > self.budget // self.share:
            return value
        with self._lock:
            if key in self._entries:
                self._used -= self._entries.pop(key)[1]
            self._entries[key] = (value, size)
            self._used += size
            while self._used > self.budget:
                self._used -= self._entries.popitem(last=False)[1][1]
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._used = 0

    @property
    def used(self) -> int:
        return self._used

    def __len__(self) -> int:
        return len(self._entries)


# Budgets per worker process; create_app sets them from the settings.
lessons: Memo = Memo(512 * MB, lambda lesson: lesson.max_bytes, share=2)
answers: Memo[bytes] = Memo(128 * MB, len, share=4)  # a 10×64 graph: 24 MB


def configure(lesson_mb: int, answer_mb: int) -> None:
    lessons.budget, answers.budget = lesson_mb * MB, answer_mb * MB
    lessons.clear()
    answers.clear()
