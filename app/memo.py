"""A memo bounded by memory: least recently used entries first out. The API keeps built lessons
and serialised answers in it (app/api/cache.py), the engine its explanation templates
(app/engine/mathfmt.py)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")
MB = 2**20


class Memo(Generic[V]):
    """Least recently used entries first out, once their sizes add up to more than the budget
    (or, with `kept`, once there are more than that many); safe across threads."""

    def __init__(self, budget: int, size: Callable[[V], int], share: int, kept: int = 0):
        self.budget = budget
        self.share = share  # an entry over budget / share is not kept: it would evict the rest
        self.kept = kept  # at most this many entries (0: as many as the budget holds)
        self._size = size
        self._entries: OrderedDict[str | tuple, tuple[V, int]] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: str | tuple) -> V | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put(self, key: str | tuple, value: V) -> V:
        """Keep `value` unless it alone is over budget / share; returns it."""
        size = self._size(value) + len(key)
        if size > self.budget // self.share:
            return value
        with self._lock:
            if key in self._entries:
                self._used -= self._entries.pop(key)[1]
            self._entries[key] = (value, size)
            self._used += size
            while self._used > self.budget or (self.kept and len(self._entries) > self.kept):
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
