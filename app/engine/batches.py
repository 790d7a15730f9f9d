"""Mini-batches of a lesson: which samples iteration k updates on, as the trainer draws them.

The trainer (app/engine/train.py) shuffles the samples at the start of every epoch with one
`np.random.RandomState(shuffle_seed)`, `permutation(m)` per epoch, and cuts the order into
batches of `batch_size` (the last one partial when batch_size does not divide m). Iteration k
(1-based) is update k − 1 counted from 0: epoch (k − 1) // batches, batch (k − 1) % batches of it.
A batch size of m or more, or none, is full batch: every sample, in order, as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class BatchInfo:
    epoch: int  # 1-based
    batch: int  # 1-based, within the epoch
    batches: int  # batches per epoch: ceil(samples / size)
    size: int  # the batch size asked for (the last batch of an epoch may be smaller)
    samples: int  # samples in the whole data set
    indices: list[int]  # this batch's samples, 0-based rows of the data set, in batch order
    seed: int  # the shuffle seed


def is_mini(samples: int, batch_size: int | None) -> bool:
    """Whether `batch_size` makes mini-batches of `samples` (else: full batch)."""
    return batch_size is not None and 0 < batch_size < samples


def effective(samples: int, batch_size: int | None) -> int:
    """Samples in one update: the batch size, or all of them for full batch."""
    return batch_size if is_mini(samples, batch_size) else samples


class Shuffler:
    """The trainer's batch order, epoch by epoch, from the same seeded generator."""

    def __init__(self, samples: int, batch_size: int, seed: int):
        self.m, self.bs, self.seed = samples, batch_size, seed
        self.batches = math.ceil(samples / batch_size)
        self._rng = np.random.RandomState(seed)
        self._epoch = -1  # 0-based epoch whose order `order` holds
        self.order = np.arange(samples)

    def indices(self, update: int) -> np.ndarray:
        """The rows update `update` (0-based) trains on. Updates are asked for in order."""
        epoch, b = divmod(update, self.batches)
        if epoch < self._epoch:
            raise ValueError("updates are asked for in order")
        while self._epoch < epoch:
            self.order = self._rng.permutation(self.m)
            self._epoch += 1
        return self.order[b * self.bs : (b + 1) * self.bs]

    def info(self, update: int) -> BatchInfo:
        rows = self.indices(update)
        epoch, b = divmod(update, self.batches)
        return BatchInfo(epoch + 1, b + 1, self.batches, self.bs, self.m, rows.tolist(), self.seed)
