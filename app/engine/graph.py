"""The computation graph: leaves (inputs, targets, parameters) and op nodes, in topological order."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from app.engine.mathfmt import Sym


@dataclass
class Node:
    id: str  # stable: used in the JSON and as the SVG element id
    kind: str  # "input" | "target" | "param" | "op"
    sym: Sym  # how the node is written in equations
    layer: int = 0  # column in the drawing, and the unit of `layer` granularity
    row: int = 0
    op: str | None = None
    inputs: tuple[int, ...] = ()
    attrs: dict = field(default_factory=dict)
    role: str = ""  # x, y, W, b, z, a, loss, var, expr: tells the explainer which words to use
    tensor: str | None = None  # parameters: the tensor ("W1") and element index they belong to
    index: tuple[int, ...] = ()
    init: float = 0.0  # parameters: the starting value (a graph reads its own: Graph.init)
    column: int = -1  # inputs/targets: the data column that feeds them
    group: tuple = ()  # parameters: update steps of one group form one `node`-granularity unit


class Graph:
    """An immutable DAG with its topological order and who consumes whom."""

    def __init__(self, nodes: list[Node], root: int, inputs: np.ndarray, targets: np.ndarray):
        self.nodes = nodes
        self.root = root
        self.inputs = inputs  # (samples, n_inputs)
        self.targets = targets  # (samples, n_targets), may have 0 columns
        self.index = {nd.id: i for i, nd in enumerate(nodes)}
        if len(self.index) != len(nodes):
            raise ValueError("node ids must be unique")
        self.order = topological_order(nodes)
        self.consumers: list[list[tuple[int, int]]] = [[] for _ in nodes]
        for i in self.order:
            for k, j in enumerate(nodes[i].inputs):
                self.consumers[j].append((i, k))
        rg = self.requires_grad = [nd.kind == "param" for nd in nodes]
        for i in self.order:
            rg[i] = any(rg[j] for j in nodes[i].inputs)
        # how many gradient contributions each node receives in a full backward pass: one per
        # place it is an input of a node that needs a gradient
        fan_out = self.fan_out = [0] * len(nodes)
        for i in self.order:
            if rg[i]:
                for j in nodes[i].inputs:
                    fan_out[j] += 1
        self.params = [i for i, nd in enumerate(nodes) if nd.kind == "param"]
        self.init = np.array([nd.init for nd in nodes])  # the parameters' starting values
        self.memo: dict = {}  # what the stepper derives from this (immutable) graph, kept

    def with_values(self, inputs: np.ndarray, targets: np.ndarray, init: np.ndarray) -> Graph:
        """The same structure (nodes, order, consumers, memo: shared, never changed) with other
        data and starting parameters: `init` is indexed by node. Readers of a parameter's
        starting value read `init`, not the node's own field, which is the first graph's."""
        new = object.__new__(Graph)
        new.__dict__.update(self.__dict__)
        new.inputs, new.targets, new.init = inputs, targets, init
        return new

    @property
    def batch(self) -> int:
        return self.inputs.shape[0]


def topological_order(nodes: list[Node]) -> list[int]:
    """Op nodes in dependency order, earliest-created first among the ready ones.

    Kahn's algorithm with a heap: no recursion, so depth is unlimited, and a graph built in a
    valid order keeps exactly that order (builders choose the teaching order that way).
    """
    if all(not nd.inputs or max(nd.inputs) < i for i, nd in enumerate(nodes)):
        # built in a valid order: the earliest-created ready node is always the next one
        return [i for i, nd in enumerate(nodes) if nd.kind == "op"]
    indeg = [len(nd.inputs) for nd in nodes]
    users: list[list[int]] = [[] for _ in nodes]
    for i, nd in enumerate(nodes):
        for j in nd.inputs:
            users[j].append(i)
    ready = [i for i, d in enumerate(indeg) if d == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        if nodes[i].kind == "op":
            order.append(i)
        for u in users[i]:
            indeg[u] -= 1
            if indeg[u] == 0:
                heapq.heappush(ready, u)
    if any(indeg):
        raise ValueError("the graph has a cycle")
    return order
