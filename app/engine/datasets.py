"""Toy datasets for training, deterministic from a seed, and the user's own points.

Every generator draws from one `np.random.RandomState(seed)`, so a seed names a dataset exactly.
Inputs are (samples, features); targets are (samples, outputs): one 0/1 column for two classes,
one-hot columns for three or more, a real column for regression.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

GATES = {"xor": (0, 1, 1, 0), "and": (0, 0, 0, 1), "or": (0, 1, 1, 1)}
CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)  # the tutorial's order

DATASET_INFO: dict[str, dict] = {
    "xor": {"title": "XOR (the tutorial's 4 points)", "task": "classification", "classes": 2},
    "and": {"title": "AND", "task": "classification", "classes": 2},
    "or": {"title": "OR", "task": "classification", "classes": 2},
    "circle": {"title": "Circle inside a ring", "task": "classification", "classes": 2},
    "spirals": {"title": "Two spirals", "task": "classification", "classes": 2},
    "moons": {"title": "Two moons", "task": "classification", "classes": 2},
    "clusters2": {"title": "Gaussian clusters, 2 classes", "task": "classification", "classes": 2},
    "clusters3": {"title": "Gaussian clusters, 3 classes", "task": "classification", "classes": 3},
    "sine": {"title": "Noisy sine (1-D regression)", "task": "regression", "classes": 0},
}
DEFAULT_SAMPLES = {"xor": 4, "and": 4, "or": 4}  # the others default to 200


class DatasetError(ValueError):
    """Bad user data; `errors` lists one message per bad row or field."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Dataset:
    name: str
    task: str  # "classification" | "regression"
    classes: int  # 0 for regression
    inputs: np.ndarray  # train split, (samples, features)
    targets: np.ndarray
    test_inputs: np.ndarray  # may have 0 rows
    test_targets: np.ndarray

    @property
    def features(self) -> int:
        return self.inputs.shape[1]

    @property
    def outputs(self) -> int:
        return self.targets.shape[1]


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """Two classes stay one 0/1 column (a sigmoid output); more become one-hot columns."""
    labels = labels.astype(int)
    if classes <= 2:
        return labels[:, None].astype(float)
    return np.eye(classes)[labels]


def _gate(name: str, n: int, noise: float, rng: np.random.RandomState):
    idx = np.arange(n) % 4
    x = CORNERS[idx] + noise * rng.randn(n, 2)
    return x, np.array(GATES[name], dtype=float)[idx]


def _circle(n: int, noise: float, rng: np.random.RandomState):
    inner = n // 2
    r = np.concatenate([rng.uniform(0, 0.5, inner), rng.uniform(0.7, 1.0, n - inner)])
    t = rng.uniform(0, 2 * math.pi, n)
    x = np.c_[r * np.cos(t), r * np.sin(t)] + noise * rng.randn(n, 2)
    return x, (np.arange(n) < inner).astype(float)


def _spirals(n: int, noise: float, rng: np.random.RandomState):
    half = n - n // 2
    t = np.sqrt(rng.uniform(0, 1, n)) * 3 * math.pi  # denser towards the centre
    label = (np.arange(n) >= half).astype(float)
    angle = t + math.pi * label
    r = t / (3 * math.pi)
    x = np.c_[r * np.cos(angle), r * np.sin(angle)] + noise * rng.randn(n, 2)
    return x, label


def _moons(n: int, noise: float, rng: np.random.RandomState):
    top = n - n // 2
    t = rng.uniform(0, math.pi, n)
    label = (np.arange(n) >= top).astype(float)
    x = np.where(
        label[:, None] == 0,
        np.c_[np.cos(t), np.sin(t)],
        np.c_[1 - np.cos(t), 0.5 - np.sin(t)],
    )
    x = (x - [0.5, 0.25]) / 1.2 + noise * rng.randn(n, 2)  # centred in about [−1, 1]²
    return x, label


def _clusters(n: int, noise: float, rng: np.random.RandomState, k: int):
    centres = np.array([[-0.5, -0.5], [0.5, 0.5], [-0.5, 0.6]])[:k]
    label = np.arange(n) % k
    spread = 0.15 + noise
    return centres[label] + spread * rng.randn(n, 2), label.astype(float)


def _sine(n: int, noise: float, rng: np.random.RandomState):
    x = rng.uniform(-math.pi, math.pi, n)
    y = np.sin(x) + noise * rng.randn(n)
    return x[:, None], y


def generate(name: str, samples: int | None = None, noise: float = 0.0, seed: int = 0):
    """All of a named dataset's points, before any split: (inputs, targets)."""
    if name not in DATASET_INFO:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASET_INFO)}")
    n = samples if samples is not None else DEFAULT_SAMPLES.get(name, 200)
    rng = np.random.RandomState(seed)
    if name in GATES:
        x, label = _gate(name, n, noise, rng)
    elif name == "circle":
        x, label = _circle(n, noise, rng)
    elif name == "spirals":
        x, label = _spirals(n, noise, rng)
    elif name == "moons":
        x, label = _moons(n, noise, rng)
    elif name in ("clusters2", "clusters3"):
        x, label = _clusters(n, noise, rng, int(name[-1]))
    else:
        x, y = _sine(n, noise, rng)
        return x, y[:, None]
    return x, one_hot(label, DATASET_INFO[name]["classes"])


def split(
    inputs: np.ndarray, targets: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A seeded shuffle into train and test; no fraction keeps every sample, in order, for training."""
    n = len(inputs)
    n_test = int(round(n * test_fraction))
    if n_test == 0:
        return inputs, targets, inputs[:0], targets[:0]
    if n_test >= n:
        raise DatasetError([f"test_fraction {test_fraction} leaves no training samples of {n}"])
    order = np.random.RandomState(seed + 1).permutation(n)  # its own stream: points stay fixed
    test, train = np.sort(order[:n_test]), np.sort(order[n_test:])
    return inputs[train], targets[train], inputs[test], targets[test]


def make_dataset(
    name: str,
    samples: int | None = None,
    noise: float = 0.0,
    seed: int = 0,
    test_fraction: float = 0.0,
) -> Dataset:
    x, y = generate(name, samples, noise, seed)
    info = DATASET_INFO[name]
    return Dataset(name, info["task"], info["classes"], *split(x, y, test_fraction, seed))


def from_points(
    inputs: np.ndarray, labels: np.ndarray, task: str, test_fraction: float = 0.0, seed: int = 0
) -> Dataset:
    """The user's points: `labels` are class numbers 0…k−1 or, for regression, real targets."""
    labels = np.asarray(labels, dtype=float).reshape(len(inputs), -1)
    if task == "classification":
        if labels.shape[1] != 1:
            raise DatasetError(["classification takes one label column of class numbers"])
        bad = [
            f"row {i + 1}: label {v:g} is not a class number 0, 1, 2, …"
            for i, v in enumerate(labels[:, 0])
            if v < 0 or v != int(v)
        ]
        if bad:
            raise DatasetError(bad[:20])
        classes = max(2, int(labels.max()) + 1)
        targets = one_hot(labels[:, 0], classes)
    else:
        classes, targets = 0, labels
    return Dataset(
        "custom", task, classes, *split(np.asarray(inputs, float), targets, test_fraction, seed)
    )


def _short(text: str, limit: int = 24) -> str:
    """Echo at most `limit` characters of the user's text in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_csv(
    text: str, max_rows: int, max_columns: int, max_abs: float
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """CSV with a header; the last column is the target. Returns (header, inputs, targets).

    Every bad row gets its own message (row numbers count data rows from 1, after the header).
    """
    rows = [r for r in csv.reader(io.StringIO(text.strip())) if any(c.strip() for c in r)]
    if not rows:
        raise DatasetError(["the CSV is empty: give a header line, then one row per point"])
    header = [c.strip() for c in rows[0]]
    if all(_is_number(c) for c in header):
        raise DatasetError(["the first line must be a header naming the columns, e.g. x1,x2,label"])
    if len(header) < 2:
        raise DatasetError(["the header needs at least 2 columns: inputs, then the target"])
    if len(header) > max_columns + 1:
        raise DatasetError(
            [f"the header has {len(header)} columns; at most {max_columns} inputs and 1 target"]
        )
    data = rows[1:]
    if not data:
        raise DatasetError(["the CSV has a header but no data rows"])
    if len(data) > max_rows:
        raise DatasetError([f"the CSV has {len(data)} data rows; the limit is {max_rows}"])
    errors: list[str] = []
    values = np.zeros((len(data), len(header)))
    for r, row in enumerate(data, start=1):
        if len(row) != len(header):
            errors.append(
                f"row {r}: expected {len(header)} values ({_short(','.join(header), 80)}), got {len(row)}"
            )
            continue
        for c, cell in enumerate(row):
            v = _number(cell)
            if v is None:
                errors.append(
                    f"row {r}, column {_short(header[c])!r}: {_short(cell.strip())!r} is not a number"
                )
            elif abs(v) > max_abs:
                errors.append(
                    f"row {r}, column {_short(header[c])!r}: |{v:g}| is over the limit {max_abs:g}"
                )
            else:
                values[r - 1, c] = v
    if errors:
        raise DatasetError(
            errors[:20] + ([f"… and {len(errors) - 20} more"] if len(errors) > 20 else [])
        )
    return header, values[:, :-1], values[:, -1:]


def _number(cell: str) -> float | None:
    try:
        v = float(cell.strip())
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _is_number(cell: str) -> bool:
    return _number(cell) is not None
